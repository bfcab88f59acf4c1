//! A `static` atomic lives in `.global` memory; RMW operations on it use the
//! symbol's address directly.
//@ stages: ptx ptxas sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

static TICKETS: AtomicU32 = AtomicU32::new(0);

// CHECK: .global .align 4 .b8 {{.*}}TICKETS{{.*}}[4];
// CHECK-LABEL: .visible .entry take_ticket(
// CHECK: atom.{{.*}}add.u32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn take_ticket(out: *mut u32) {
    let t = TICKETS.fetch_add(1, Relaxed);
    *out.add(_thread_idx_x() as usize) = t;
}

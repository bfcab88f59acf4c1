//! A `static` atomic lives in `.global` memory; RMW operations on it use the
//! symbol's address directly.
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

static TICKETS: AtomicU32 = AtomicU32::new(0);

// CHECK: .global .align 4 .b8 {{.*}}TICKETS{{.*}}[4];
// CHECK-LABEL: .visible .entry take_ticket(
// CHECK: atom.{{.*}}add.u32
gpu::kernel! {
    pub unsafe fn take_ticket(out: *mut u32) {
        let t = TICKETS.fetch_add(1, Relaxed);
        *out.add(gpu::thread_idx_x() as usize) = t;
    }
}

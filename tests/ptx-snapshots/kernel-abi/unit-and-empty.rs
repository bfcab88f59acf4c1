//! Degenerate kernels: no parameters, an empty body, and a parameter that
//! is never used. They must still be emitted as entries with `ret`.
//@ stages: ptx ptxas
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry empty()
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn empty() {}

// CHECK-LABEL: .visible .entry unused_param(
// CHECK-NEXT: .param .u64 unused_param_param_0
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn unused_param(_x: u64) {}

// A kernel that only traps.
// CHECK-LABEL: .visible .entry zz_always_traps()
// CHECK: trap;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn zz_always_traps() {
    trap();
}

//! Several kernels in one crate, exported in the ways the checks accept:
//! `#[no_mangle]`, `#[unsafe(no_mangle)]`, `#[export_name]`, a kernel in a
//! `pub mod`, and one re-exported with `pub use`. All are `.visible
//! .entry`; the device function they share stays an internal `.func` or is
//! inlined, never a second entry.
//@ stages: ptx ptxas
// Built-in backend only: exports `extern "ptx-kernel"` fns with #[unsafe(no_mangle)], #[export_name] and re-exports, which gpu::kernel! does not express.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[inline(never)]
fn shared_helper(x: u32) -> u32 {
    x.wrapping_mul(0x2545_f491) ^ (x >> 7)
}

// CHECK-DAG: .visible .entry a_plain(
// CHECK-DAG: .visible .entry b_unsafe_attr(
// CHECK-DAG: .visible .entry c_renamed(
// CHECK-DAG: .visible .entry d_in_pub_mod(
// CHECK-DAG: .visible .entry e_reexported(
// CHECK-NOT: .visible .func
// CHECK-NOT: .entry {{.*}}shared_helper
#[no_mangle]
pub unsafe extern "ptx-kernel" fn a_plain(p: *mut u32) {
    *p = shared_helper(*p);
}

#[unsafe(no_mangle)]
pub unsafe extern "ptx-kernel" fn b_unsafe_attr(p: *mut u32) {
    *p = shared_helper(*p + 1);
}

#[export_name = "c_renamed"]
pub unsafe extern "ptx-kernel" fn original_name(p: *mut u32) {
    *p = shared_helper(*p + 2);
}

pub mod kernels {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn d_in_pub_mod(p: *mut u32) {
        *p = super::shared_helper(*p + 3);
    }
}

mod private {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn e_reexported(p: *mut u32) {
        *p = super::shared_helper(*p + 4);
    }
}
pub use private::e_reexported;

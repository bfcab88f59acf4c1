//! `NonNull<[T]>` is a fat pointer (address + length, 16 bytes) just like
//! `*const [T]`, so gpu::kernel-reference-param rejects it. (Until this was
//! fixed, the test pinned the gap as a known bug with `check-pass`.)
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::ptr::NonNull;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn fat_nonnull(xs: NonNull<[f32]>, out: *mut usize) { //~ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    //~^ ERROR which is a fat `NonNull` pointer
    *out = xs.len();
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn thin_nonnull(x: NonNull<f32>, out: *mut f32) {
    *out = *x.as_ptr();
}

//! `NonNull<[T]>` is a fat pointer (address + length, 16 bytes) just like
//! `*const [T]`, which gpu::kernel-reference-param rejects, and like a
//! `#[repr(transparent)]` wrapper around `*mut [T]`, which
//! gpu::kernel-ffi-unsafe-param rejects. Yet no GPU check fires for it;
//! only rustc's `improper_ctypes_definitions` lint warns. Once the checks
//! catch it, this test will fail: turn the `check-pass` into the expected
//! error.
//@ check-pass
//@ known-bug: no gpu check rejects a NonNull<[T]> (fat pointer) kernel parameter
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::ptr::NonNull;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn fat_nonnull(xs: NonNull<[f32]>, out: *mut usize) { //~ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    *out = xs.len();
}

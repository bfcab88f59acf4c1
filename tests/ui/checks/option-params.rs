//! `Option` parameters. `Option<&u32>` is a nullable pointer to rustc (no
//! `improper_ctypes_definitions` warning), but a reference all the same:
//! gpu::kernel-reference-param rejects it, and `Option<&'static mut [u8]>`
//! too (with the slice's pointer-plus-length help). `Option<NonNull<u32>>`
//! is a nullable raw device pointer and an `Option` of an `extern "C"`
//! function pointer a nullable code address: both pass. `Option<u32>` has
//! no C layout at all (gpu::kernel-ffi-unsafe-param, plus rustc's lint).
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::ptr::NonNull;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn opt_ref(x: Option<&u32>, out: *mut u32) { //~ ERROR kernel `opt_ref` parameter `x` has type `Option<&u32>`, which is an `Option` of a reference or host pointer
    *out = x.copied().unwrap_or(0);
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn opt_static_mut_slice(
    buf: Option<&'static mut [u8]>, //~ ERROR parameter `buf` has type `Option<&mut [u8]>`, which is an `Option` of a reference or host pointer; references and fat pointers cannot cross the kernel launch ABI [gpu::kernel-reference-param]
    //~^ WARN `extern` fn uses type `core::option::Option<&mut [u8]>`, which is not FFI-safe
    out: *mut usize,
) {
    *out = buf.map_or(0, |b| b.len());
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn opt_nonnull(x: Option<NonNull<u32>>, out: *mut u32) {
    *out = x.map_or(0, |p| *p.as_ptr());
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn opt_fn_pointer(f: Option<extern "C" fn(u32) -> u32>, out: *mut u32) {
    *out = f.map_or(0, |f| f(1));
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn opt_value(x: Option<u32>, out: *mut u32) { //~ ERROR has type `Option<u32>`, which has no stable C layout (`Option` has no stable layout) [gpu::kernel-ffi-unsafe-param]
    //~^ WARN `extern` fn uses type `core::option::Option<u32>`, which is not FFI-safe
    *out = x.unwrap_or(0);
}

//! A reference that is the element type of an array is still a host
//! reference: `[&u32; N]` and `[&[T]; N]` parameters are rejected by
//! gpu::kernel-reference-param, and a `#[repr(C)]` struct whose field is
//! such an array by gpu::kernel-ffi-unsafe-param. (Until this was fixed, the
//! test pinned the gap as a known bug with `check-pass`.)
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Refs {
    pub refs: [&'static u32; 2],
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn array_of_refs(a: [&'static u32; 2], out: *mut u32) { //~ WARN `extern` fn uses type `[&u32; 2]`, which is not FFI-safe
    //~^ ERROR which is an array of references or fat pointers
    *out = *a[0] + *a[1];
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn array_of_slices(a: [&'static [f32]; 1], out: *mut usize) { //~ WARN `extern` fn uses type `[&[f32]; 1]`, which is not FFI-safe
    //~^ ERROR which is an array of references or fat pointers
    *out = a[0].len();
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn struct_of_refs(r: Refs, out: *mut u32) { //~ ERROR [gpu::kernel-ffi-unsafe-param]
    *out = *r.refs[0];
}

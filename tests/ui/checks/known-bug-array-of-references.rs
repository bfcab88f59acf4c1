//! Known bug: a reference that is the element type of an array trips no
//! GPU check. A kernel parameter that is an array of references by value
//! (`[&'static u32; 2]`, `[&'static [f32]; 1]`), or a `#[repr(C)]` struct
//! whose field is such an array, holds host references that cannot cross
//! the launch ABI, exactly like `&u32` (gpu::kernel-reference-param) or a
//! struct with a `&u32` field (gpu::kernel-ffi-unsafe-param). The checks do
//! look into arrays otherwise: `[char; 2]` is rejected, and so is an array
//! of structs that hold a reference. Only rustc's
//! `improper_ctypes_definitions` lint warns, and only about the bare
//! arrays (arrays are not FFI-safe by value in C); the struct gets no
//! diagnostic at all. Once the checks catch these, this test fails: turn
//! the `check-pass` into the expected errors.
//@ check-pass
//@ known-bug: no gpu check rejects references inside arrays: [&u32; N] / [&[T]; N] parameters and repr(C) struct fields of that type pass
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
    *out = *a[0] + *a[1];
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn array_of_slices(a: [&'static [f32]; 1], out: *mut usize) { //~ WARN `extern` fn uses type `[&[f32]; 1]`, which is not FFI-safe
    *out = a[0].len();
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn struct_of_refs(r: Refs, out: *mut u32) {
    *out = *r.refs[0];
}

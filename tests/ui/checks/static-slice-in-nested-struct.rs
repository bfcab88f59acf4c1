//! A `&'static [u8]` inside a `#[repr(C)]` struct parameter, hidden one
//! and two levels down: directly, in a nested struct, and in an array of
//! structs. A `'static` lifetime changes nothing: the slice still points
//! into host memory and is a fat pointer, so gpu::kernel-ffi-unsafe-param
//! names it each time. A `&'static str` is the same. The same layout
//! with a raw pointer and a length passes.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Blob {
    pub bytes: &'static [u8],
    pub tag: u32,
}

#[repr(C)]
pub struct Outer {
    pub id: u64,
    pub blob: Blob,
}

#[repr(C)]
pub struct Batch {
    pub blobs: [Blob; 2],
}

#[repr(C)]
pub struct Named {
    pub name: &'static str,
}

#[repr(C)]
pub struct RawBlob {
    pub bytes: *const u8,
    pub len: usize,
    pub tag: u32,
}

#[repr(C)]
pub struct RawOuter {
    pub id: u64,
    pub blob: RawBlob,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn direct(b: Blob, out: *mut u32) { //~ ERROR kernel `direct` parameter `b` has type `Blob`, which has no stable C layout (it contains `&[u8]`: it is a reference or fat pointer) [gpu::kernel-ffi-unsafe-param]
    //~^ WARN `extern` fn uses type `[u8]`, which is not FFI-safe
    *out = b.tag + b.bytes.len() as u32;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn nested(o: Outer, out: *mut u32) { //~ ERROR parameter `o` has type `Outer`, which has no stable C layout (it contains `&[u8]`: it is a reference or fat pointer)
    //~^ WARN `extern` fn uses type `[u8]`, which is not FFI-safe
    *out = o.blob.tag + o.id as u32;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn in_array(b: Batch, out: *mut u32) { //~ ERROR parameter `b` has type `Batch`, which has no stable C layout (it contains `&[u8]`: it is a reference or fat pointer)
    //~^ WARN `extern` fn uses type `[u8]`, which is not FFI-safe
    *out = b.blobs[1].tag;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn named(n: Named, out: *mut usize) { //~ ERROR has type `Named`, which has no stable C layout (it contains `&str`: it is a reference or fat pointer) [gpu::kernel-ffi-unsafe-param]
    //~^ WARN `extern` fn uses type `str`, which is not FFI-safe
    *out = n.name.len();
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn raw_nested(o: RawOuter, out: *mut u8) {
    *out = *o.blob.bytes.add(o.blob.len - 1) + o.blob.tag as u8 + o.id as u8;
}

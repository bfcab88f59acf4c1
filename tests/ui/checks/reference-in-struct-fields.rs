//! References hidden inside a by-value parameter: a `#[repr(C)]` struct
//! with a slice field, a `Box`-like `#[repr(transparent)]` wrapper around a
//! fat pointer, and `Pin<&mut T>`. These are reported by
//! gpu::kernel-ffi-unsafe-param, naming the offending field type.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct View {
    pub data: &'static [f32],
    pub stride: u32,
}

/// A `Box`-like owner of a possibly unsized device allocation.
#[repr(transparent)]
pub struct DevBox<T: ?Sized>(pub *mut T);

#[no_mangle]
pub unsafe extern "ptx-kernel" fn views(
    v: View,                        //~ ERROR (it contains `&[f32]`: it is a reference or fat pointer) [gpu::kernel-ffi-unsafe-param]
    //~^ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    b: DevBox<[f32]>,               //~ ERROR (it contains `*mut [f32]`: it is a reference or fat pointer) [gpu::kernel-ffi-unsafe-param]
    //~^ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    p: core::pin::Pin<&mut u32>,    //~ ERROR gpu::kernel-ffi-unsafe-param
) {
    let _ = (v.stride, b.0.len(), *p);
}

/// A thin `DevBox<f32>` is a plain pointer and is fine.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn thin_box(b: DevBox<f32>) {
    *b.0 = 1.0;
}

//! gpu::kernel-reference-param: `&str` and trait objects (`&dyn Trait`,
//! `*mut dyn Trait`) carry a length or a vtable pointer that the host
//! can't provide.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub trait Shape {
    fn area(&self) -> f32;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn label_len(name: &str, out: *mut usize) { //~ ERROR has type `&str`, which is a reference
    //~^ WARN `extern` fn uses type `str`, which is not FFI-safe
    *out = name.len();
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn areas(
    s: &dyn Shape,        //~ ERROR has type `&dyn Shape`, which is a reference
    //~^ WARN `extern` fn uses type `dyn Shape`, which is not FFI-safe
    t: *mut dyn Shape,    //~ ERROR has type `*mut dyn Shape`, which is a fat raw pointer
    //~^ WARN `extern` fn uses type `dyn Shape`, which is not FFI-safe
    out: *mut f32,
) {
    *out = s.area() + (*t).area();
}

//! One crate that trips every GPU check, several on a single line: each
//! violation is reported once, at its own span, and one bad kernel does
//! not hide the others. rustc's own lints add their warnings.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub struct Loose {
    pub a: u32,
}

#[repr(C)]
pub struct Huge {
    pub data: [u64; 4096],
}

unsafe extern "ptx-kernel" fn everything<T>(_x: &T) {} //~ ERROR gpu::kernel-reference-param
//~| ERROR gpu::kernel-generic
//~| ERROR gpu::kernel-no-mangle
//~| ERROR gpu::kernel-unreachable
//~| WARN function `everything` is never used

#[no_mangle]
pub unsafe extern "ptx-kernel" fn layout(_a: Loose, _b: Huge) {} //~ ERROR gpu::kernel-ffi-unsafe-param
//~^ ERROR gpu::kernel-params-too-large
//~| WARN `extern` fn uses type `Loose`, which is not FFI-safe

#[no_mangle]
pub unsafe extern "ptx-kernel" fn fine(p: *mut u32) {
    *p = 0;
}

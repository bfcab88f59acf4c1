//! gpu::kernel-ffi-unsafe-param for types that are `#[repr(C)]`-clean in
//! Rust but have no kernel ABI: `char` (no C equivalent), `u128`/`i128`
//! (no stable 128-bit parameter ABI), and a `#[repr(C)]` struct that
//! contains a `char` deep inside an array field. (rustc's own lint accepts
//! u128 since 1.77; only `char` draws its warning.)
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Glyph {
    pub c: char,
    pub width: u8,
}

#[repr(C)]
pub struct Line {
    pub glyphs: [Glyph; 4],
    pub y: f32,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn scalars(
    c: char,   //~ ERROR has type `char`, which has no stable C layout (`char` has no C equivalent)
    //~^ WARN `extern` fn uses type `char`, which is not FFI-safe
    big: u128, //~ ERROR has type `u128`, which has no stable C layout (128-bit integers have no stable kernel ABI)
    signed: i128, //~ ERROR gpu::kernel-ffi-unsafe-param
    out: *mut u32,
) {
    *out = c as u32 + big as u32 + signed as u32;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn nested(line: Line, out: *mut u32) { //~ ERROR has type `Line`, which has no stable C layout (it contains `char`: `char` has no C equivalent)
    //~^ WARN `extern` fn uses type `char`, which is not FFI-safe
    *out = line.glyphs[0].c as u32 + line.y as u32;
}

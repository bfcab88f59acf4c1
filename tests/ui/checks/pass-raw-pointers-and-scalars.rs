//! No check fires for the ordinary kernel ABI: raw thin pointers (const,
//! mut, to arrays, to non-`#[repr(C)]` types, to pointers), every scalar,
//! `bool`, `Option<NonNull<T>>`, `Option<extern "C" fn>` and fn pointers
//! whose signatures mention references.
//@ build-pass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::ptr::NonNull;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub struct Opaque {
    pub a: u32,
    pub b: (u8, char),
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn pointers(
    a: *const f32,
    b: *mut u64,
    c: *mut [u32; 16],
    d: *const Opaque,
    e: *mut *mut u8,
    f: Option<NonNull<f32>>,
    g: NonNull<u16>,
    h: Option<extern "C" fn(&u32) -> u32>,
    i: extern "C" fn(*const u8),
) {
    let _ = (a, b, c, d, e, f, g, h, i);
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn scalars(
    a: i8, b: u8, c: i16, d: u16, e: i32, f: u32, g: i64, h: u64,
    i: isize, j: usize, k: f32, l: f64, m: bool,
    out: *mut f64,
) {
    *out = (a as i64 + b as i64 + c as i64 + d as i64 + e as i64 + f as i64 + g + h as i64
        + i as i64 + j as i64 + m as i64) as f64
        + k as f64
        + l;
}

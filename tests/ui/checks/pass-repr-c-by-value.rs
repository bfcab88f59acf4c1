//! `#[repr(C)]` / `#[repr(transparent)]` structs, `#[repr(u8)]` enums and
//! arrays passed by value are fine, including nested ones and ones that
//! hold raw pointers, as long as the total stays within the limit of the
//! PTX ISA the target is emitted at (exactly at the limit here): 4352
//! bytes below PTX ISA 8.1 (sm_80 is ISA 7.0, sm_90a 8.0), 32764 bytes from
//! 8.1 on (sm_100 is 8.6). ptxas validates the PTX of each revision, so the
//! check and ptxas agree on every limit. Arrays by value draw rustc's own
//! lint, which this crate allows.
//@ build-pass
//@ revisions: isa70 isa80 isa86
//@[isa70] sm: 80
//@[isa80] sm: 90a
//@[isa86] sm: 100
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#![allow(improper_ctypes_definitions)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Vec3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

#[repr(C)]
pub struct Camera {
    pub origin: Vec3,
    pub axes: [Vec3; 3],
    pub fov: f32,
    pub frame: *mut u32,
}

#[repr(transparent)]
pub struct Meters(pub f64);

#[repr(u8)]
pub enum Mode {
    Fast = 0,
    Exact = 1,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn render(cam: Camera, scale: Meters, mode: Mode, lut: [u16; 8]) {
    let v = match mode {
        Mode::Fast => cam.origin.x,
        Mode::Exact => cam.axes[2].z * cam.fov,
    };
    *cam.frame = (v as f64 * scale.0) as u32 + lut[3] as u32;
}

/// 8 + 4344 = 4352 bytes.
#[cfg(not(isa86))]
#[no_mangle]
pub unsafe extern "ptx-kernel" fn at_limit(out: *mut u8, table: [u8; 4344]) {
    *out = table[0];
}

/// 8 + 32756 = 32764 bytes.
#[cfg(isa86)]
#[no_mangle]
pub unsafe extern "ptx-kernel" fn at_limit(out: *mut u8, table: [u8; 32756]) {
    *out = table[0];
}

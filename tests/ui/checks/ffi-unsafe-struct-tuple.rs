//! gpu::kernel-ffi-unsafe-param: by-value parameters whose layout rustc
//! may reorder or pad at will — a plain (non-`#[repr(C)]`) struct, tuples,
//! and `Option<u32>` (no niche: a tag the host can't lay out). rustc's lint
//! warns about the struct as well.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub struct Particle {
    pub pos: [f32; 3],
    pub mass: f32,
    pub id: u16,
}

#[repr(C)]
pub struct Fine {
    pub pos: [f32; 3],
    pub mass: f32,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn step(p: Particle, out: *mut f32) { //~ ERROR has type `Particle`, which has no stable C layout (it is not `#[repr(C)]`)
    //~^ WARN `extern` fn uses type `Particle`, which is not FFI-safe
    *out = p.pos[0] * p.mass + p.id as f32;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn pairs(
    range: (u32, u32),     //~ ERROR gpu::kernel-ffi-unsafe-param
    //~^ WARN `extern` fn uses type `(u32, u32)`, which is not FFI-safe
    limit: Option<u32>,    //~ ERROR gpu::kernel-ffi-unsafe-param
    //~^ WARN `extern` fn uses type `core::option::Option<u32>`, which is not FFI-safe
    ok: Fine,
    out: *mut u32,
) {
    *out = range.0 + range.1 + limit.unwrap_or(0) + ok.mass as u32;
}

//! gpu::kernel-reference-param: even thin references (`&mut u32`, `&T` to a
//! `#[repr(C)]` struct, `Option<&u64>`) are rejected: a kernel can't be
//! handed a reference to host memory, and rustc would assume validity it
//! can't have. The help names the raw pointer to use instead.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Config {
    pub n: u32,
    pub scale: f32,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn counter(c: &mut u32) { //~ ERROR kernel `counter` parameter `c` has type `&mut u32`, which is a reference
    *c += 1;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn configured(
    cfg: &Config,          //~ ERROR gpu::kernel-reference-param
    maybe: Option<&u64>,   //~ ERROR which is an `Option` of a reference or host pointer
    out: *mut f32,
) {
    *out = cfg.scale * cfg.n as f32 + maybe.copied().unwrap_or(0) as f32;
}

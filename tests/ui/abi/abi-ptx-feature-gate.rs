//! The `extern "ptx-kernel"` ABI is unstable: it needs
//! `#![feature(abi_ptx)]`.
#![no_std]
#![feature(stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) { //~ ERROR the extern "ptx-kernel" ABI is experimental and subject to change
    *p = 1;
}

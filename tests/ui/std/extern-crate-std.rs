//! Asking for `std` on the device: nvptx64-nvidia-cuda has only `core`
//! (the device sysroot is built with `-Zbuild-std=core`), so
//! `extern crate std` can't be resolved.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

extern crate std; //~ ERROR can't find crate for `std`

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) {
    *p = 1;
}

//! gpu::kernel-unreachable: a kernel that is not `pub` (private or
//! `pub(crate)`) is not part of the crate's interface, so rustc may drop
//! or internalize it.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
unsafe extern "ptx-kernel" fn private_kernel(p: *mut f32) { //~ ERROR kernel `private_kernel` is not `pub`, so rustc may drop it and the host cannot launch it [gpu::kernel-unreachable]
    *p = 0.0;
}

#[no_mangle]
pub(crate) unsafe extern "ptx-kernel" fn crate_kernel(p: *mut f32) { //~ ERROR kernel `crate_kernel` is not `pub`
    *p = 1.0;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn public_kernel(p: *mut f32) {
    *p = 2.0;
}

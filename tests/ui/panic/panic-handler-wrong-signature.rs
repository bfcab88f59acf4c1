//! The panic handler must be `fn(&PanicInfo) -> !`; one that returns
//! would let a panicking kernel continue.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) {} //~ ERROR `#[panic_handler]` function has wrong type

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) {
    *p = 1;
}

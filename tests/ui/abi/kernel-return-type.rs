//! rustc itself rejects a return type on an `extern "ptx-kernel"` fn (a
//! kernel's results go through pointer parameters). The GPU checks do not
//! run after this error.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn sum(a: u32, b: u32) -> u32 { //~ ERROR invalid signature for `extern "ptx-kernel"` function
    a + b
}

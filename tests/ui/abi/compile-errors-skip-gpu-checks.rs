//! When rustc finds an ordinary error, the GPU checks do not run: this
//! kernel breaks four of them (generic, not `#[no_mangle]`, private,
//! reference parameter) but only the type error is reported.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

unsafe extern "ptx-kernel" fn bad<T>(x: &T) {
    let _ = x;
    let _n: u32 = "not a number"; //~ ERROR mismatched types
}

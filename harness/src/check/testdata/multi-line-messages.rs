//! Messages whose continuation lines look like the parts of rustc's human
//! output (an `-->` location, an `error:` head, a `= note:` child): read as
//! text they move the error off its line and invent diagnostics.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

compile_error!("first line\n --> elsewhere.rs:1:1\nerror: not a second error"); //~ ERROR first line

#[deprecated(note = "use `new`\n= note: not a child")]
pub fn old() {}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn user() {
    old(); //~ WARN use of deprecated function `old`
}

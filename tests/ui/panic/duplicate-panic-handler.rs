//! Only one `#[panic_handler]` per crate graph.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn trap_on_panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[panic_handler]
fn spin_on_panic(_: &core::panic::PanicInfo) -> ! { //~ ERROR found duplicate lang item `panic_impl`
    loop {}
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) {
    *p = 1;
}

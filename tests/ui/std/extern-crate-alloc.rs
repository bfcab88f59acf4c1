//! `alloc` is not in the device sysroot either (only `core` is built), so
//! `Vec`/`Box` are out of reach without a device allocator crate.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

extern crate alloc; //~ ERROR can't find crate for `alloc`

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) {
    *p = 1;
}

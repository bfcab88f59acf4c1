//! A kernel crate that forgets `#![no_std]` gets the implicit
//! `extern crate std` and prelude, neither of which exists for
//! nvptx64-nvidia-cuda. These errors have no source location, so their
//! annotations (at the end) carry no line.
#![feature(abi_ptx, stdarch_nvptx)]

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32) {
    *p = 1;
}

//~? ERROR can't find crate for `std`
//~? ERROR cannot resolve a prelude import
//~? ERROR `#[panic_handler]` function required, but not found

//! A `#![no_std]` kernel crate must provide a `#[panic_handler]` (usually
//! one that calls `core::arch::nvptx::trap()`). rustc reports its absence
//! without a source location.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(p: *mut u32, i: usize) {
    let xs = core::slice::from_raw_parts_mut(p, 4);
    xs[i] = 1;
}

//~? ERROR `#[panic_handler]` function required, but not found

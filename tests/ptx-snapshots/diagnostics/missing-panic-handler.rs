//@ build-fail
// A `no_std` kernel crate without a `#[panic_handler]` is rejected; the
// backend must not paper over it with one of its own.
#![no_std]
#![feature(abi_ptx)]

#[no_mangle]
pub unsafe extern "ptx-kernel" fn store(out: *mut u32, i: usize) {
    let xs = [1u32, 2, 3];
    *out = xs[i];
}
// Built-in backend only: the built-in backend's own error when a crate has no panic handler (the prelude supplies one).
//@ only-backend: builtin

//@ build-fail
// `std` does not exist for nvptx64-nvidia-cuda; the build must fail in the
// front end with rustc's own error rather than anywhere later.
#![feature(abi_ptx)]

#[no_mangle]
pub unsafe extern "ptx-kernel" fn hello(out: *mut u32) {
    *out = std::process::id();
}
// Built-in backend only: the built-in backend's diagnostics for std on nvptx64 (the .stderr has .rs line numbers).
//@ only-backend: builtin

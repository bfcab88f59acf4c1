//@ build-fail
// `std` does not exist for nvptx64-nvidia-cuda; the build must fail in the
// front end with rustc's own error rather than anywhere later.
#![feature(abi_ptx)]

#[no_mangle]
pub unsafe extern "ptx-kernel" fn hello(out: *mut u32) {
    *out = std::process::id();
}

//@ build-fail
// A GPU check failure stops the pipeline at ptx-rustc: no LLVM IR, no PTX,
// and the diagnostic (with its stable check name) is pinned as the stderr
// snapshot of the build.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn sum(xs: &[f32], out: *mut f32) {
    *out = xs.iter().sum();
}
// Built-in backend only: the built-in backend's GPU kernel checks and its exact diagnostics (the .stderr has .rs line numbers).
//@ only-backend: builtin

//! `core::f64::math::powi` / `core::f32::math::powi` with a run-time
//! exponent. `opt` keeps the `llvm.powi.f64.i32` call; llc's legalizer,
//! having no `__powidf2` libcall on the device, turns it into
//! `fpow(x, (double)n)`, which the NVPTX back end cannot select either, and
//! llc aborts: `LLVM ERROR: Cannot select: … f64 = fpow`. A constant
//! exponent (`powi_constant`) is expanded into multiplies and would work
//! alone; it is kept here for when the run-time case compiles (then drop
//! `build-fail`/`known-bug` and check for `mul.rn.f64` and a loop).
//@ build-fail
//@ known-bug: llc aborts with `Cannot select: … fpow` on powi with a run-time exponent (no device pow)
//@ stages: ptx
// llc's crash dump has node addresses and a backtrace that change from run
// to run, and its command line names the target.
//@ normalize-stderr: "0x[0-9a-f]+" -> "0x…"
//@ normalize-stderr: "(?m)^ *#[0-9]+ 0x….*\n" -> ""
//@ normalize-stderr: "-mcpu=sm_[0-9a-z]+ -mattr=\+ptx[0-9]+" -> "-mcpu=sm_XX -mattr=+ptxNN"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, core_float_math)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn powi_runtime(x: *const f64, n: i32, out: *mut f64) {
    *out = core::f64::math::powi(*x, n);
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn powi_constant(x: *const f64, out: *mut f64) {
    *out = core::f64::math::powi(*x, 3);
}
// Built-in backend only: pins the built-in backend's llc crash text in a .stderr snapshot.
//@ only-backend: builtin

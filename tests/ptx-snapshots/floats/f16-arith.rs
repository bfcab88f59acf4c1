//! The unstable `f16` type: native half arithmetic (`add.rn.f16`,
//! `fma.rn.f16`) exists on every target in the matrix (sm_53+), and
//! conversions use `cvt.f32.f16`.
//@ stages: ptx ptxas sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, f16)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry half_ops(
// CHECK-DAG: add.rn.f16
// CHECK-DAG: mul.rn.f16
// CHECK-DAG: cvt.f32.f16
// CHECK-DAG: cvt.rn.f16.f32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn half_ops(x: *const f16, out: *mut f16, out32: *mut f32) {
    let (a, b) = (*x, *x.add(1));
    *out = a + b;
    *out.add(1) = a * b;
    *out32 = a as f32;
    *out.add(2) = (*out32.add(1)) as f16;
    *out.add(3) = -a;
}

//! The unstable `f16` type: native half arithmetic (`add.rn.f16`,
//! `fma.rn.f16`) exists on every target in the matrix (sm_53+), and
//! conversions use `cvt.f32.f16`.
//@ stages: ptx ptxas sass
#![no_std]
#![feature(f16)]

// CHECK-LABEL: .visible .entry half_ops(
// CHECK-DAG: add.rn.f16
// CHECK-DAG: mul.rn.f16
// CHECK-DAG: cvt.f32.f16
// CHECK-DAG: cvt.rn.f16.f32
gpu::kernel! {
    pub unsafe fn half_ops(x: *const f16, out: *mut f16, out32: *mut f32) {
        let (a, b) = (*x, *x.add(1));
        *out = a + b;
        *out.add(1) = a * b;
        *out32 = a as f32;
        *out.add(2) = (*out32.add(1)) as f16;
        *out.add(3) = -a;
    }
}

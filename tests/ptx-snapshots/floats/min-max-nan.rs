//! `f32::min`/`max` ignore a NaN operand (IEEE minNum): `min.f32`/`max.f32`.
//! `llvm.minimum`/`llvm.maximum` propagate NaN: sm_80 and newer have
//! `min.NaN.f32`, sm_75 must expand it. (`f32::minimum` in core does not use
//! the LLVM intrinsic on nvptx64, so it is declared here directly.)
//@ stages: ptx ptxas
#![no_std]
#![feature(link_llvm_intrinsics, float_minimum_maximum)]
#![allow(internal_features)]

extern "C" {
    #[link_name = "llvm.minimum.f32"]
    fn minimum_f32(a: f32, b: f32) -> f32;
    #[link_name = "llvm.maximum.f32"]
    fn maximum_f32(a: f32, b: f32) -> f32;
}

// CHECK-LABEL: .visible .entry ignore_nan(
// CHECK: min.f32
// CHECK: max.f32
// CHECK: min.f64
// CHECK-NOT: .NaN
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn ignore_nan(x: *const f32, y: *const f64, out: *mut f32, out64: *mut f64) {
        let (a, b) = (*x, *x.add(1));
        *out = a.min(b);
        *out.add(1) = a.max(b);
        *out64 = (*y).min(*y.add(1));
        *out.add(2) = a.clamp(-1.0, 1.0);
    }
}

// CHECK-LABEL: .visible .entry propagate_nan(
// sm_75-CHECK-NOT: min.NaN.f32
// sm_80-CHECK: min.NaN.f32
// sm_80-CHECK: max.NaN.f32
// sm_90-CHECK: min.NaN.f32
// sm_100-CHECK: min.NaN.f32
gpu::kernel! {
    pub unsafe fn propagate_nan(x: *const f32, out: *mut f32) {
        let (a, b) = (*x, *x.add(1));
        *out = minimum_f32(a, b);
        *out.add(1) = maximum_f32(a, b);
        // core's own `minimum`, written in Rust with explicit NaN handling.
        *out.add(2) = a.minimum(b);
    }
}

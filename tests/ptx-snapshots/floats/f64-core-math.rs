//! f64 (and f32) math that exists in `core` without std: the inherent
//! `abs`, `copysign` and `signum`, and the `core_float_math` functions
//! (`core::f64::math::sqrt`, `floor`, `ceil`, `trunc`, `round_ties_even`,
//! `mul_add`, `powi`). Each is one PTX instruction: `sqrt.rn` (correctly
//! rounded, not `sqrt.approx`), `cvt.rmi`/`rpi`/`rzi`/`rni` for the
//! roundings, `fma.rn` for `mul_add`. (`powi` is in
//! `powi-runtime-exponent.rs`: llc cannot select it.)
//@ stages: ptx ptxas sass
#![no_std]
#![feature(core_float_math)]

use core::{f32, f64};

// CHECK-LABEL: .visible .entry a_sqrt_abs_copysign(
// CHECK-DAG: sqrt.rn.f64
// CHECK-DAG: sqrt.rn.f32
// CHECK-DAG: abs.f64
// CHECK-DAG: copysign.f64
// `signum`: NaN stays NaN, otherwise 1.0 with the sign copied.
// CHECK: setp.nan.f64 [[NAN:%p[0-9]+]],
// CHECK: copysign.f64 [[ONE:%rd[0-9]+]], {{%rd[0-9]+}}, {{%rd[0-9]+}};
// CHECK: selp.f64 {{%rd[0-9]+}}, 0d7FF8000000000000, [[ONE]], [[NAN]];
// CHECK-NOT: sqrt.approx
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_sqrt_abs_copysign(x: *const f64, y: *const f32, out: *mut f64) {
        let (a, b) = (*x, *x.add(1));
        *out = f64::math::sqrt(a);
        *out.add(1) = f32::math::sqrt(*y) as f64;
        *out.add(2) = a.abs();
        *out.add(3) = a.copysign(b);
        *out.add(4) = b.signum();
    }
}

// CHECK-LABEL: .visible .entry b_rounding(
// CHECK-DAG: cvt.rmi.f64.f64
// CHECK-DAG: cvt.rpi.f64.f64
// CHECK-DAG: cvt.rzi.f64.f64
// CHECK-DAG: cvt.rni.f64.f64
// CHECK-DAG: fma.rn.f64
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn b_rounding(x: *const f64, out: *mut f64) {
        let a = *x;
        *out = f64::math::floor(a);
        *out.add(1) = f64::math::ceil(a);
        *out.add(2) = f64::math::trunc(a);
        *out.add(3) = f64::math::round_ties_even(a);
        *out.add(4) = f64::math::mul_add(a, *x.add(1), *x.add(2));
    }
}

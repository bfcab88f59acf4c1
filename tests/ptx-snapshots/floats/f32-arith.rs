//! Basic f32 arithmetic. Rust never contracts `a * b + c` into an FMA, so
//! the separate `mul.rn`/`add.rn` must stay; division and sqrt are the
//! IEEE-rounded forms (`div.rn`, `sqrt.rn`), not the approximate ones.
//! (`%` has its own test, float-rem.rs.)
//@ stages: ptx ptxas sass
#![no_std]
#![feature(core_float_math)]

use core::f32::math;

// CHECK-LABEL: .visible .entry f32_ops(
// CHECK: mul.rn.f32
// CHECK-NEXT: {{ld|add}}
// CHECK-NOT: fma.rn.f32
// CHECK: div.rn.f32
// CHECK-NOT: div.approx
// CHECK: sqrt.rn.f32
// CHECK-NOT: sqrt.approx
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn f32_ops(x: *const f32, out: *mut f32) {
        let (a, b, c) = (*x, *x.add(1), *x.add(2));
        *out = a * b + c;
        *out.add(1) = a - b;
        *out.add(2) = a / b;
        *out.add(3) = math::sqrt(a);
        *out.add(4) = -a;
    }
}

// CHECK-LABEL: .visible .entry f32_rounding(
// CHECK-DAG: cvt.rmi.f32.f32
// CHECK-DAG: cvt.rpi.f32.f32
// CHECK-DAG: cvt.rzi.f32.f32
// CHECK-DAG: abs.f32
gpu::kernel! {
    pub unsafe fn f32_rounding(x: *const f32, out: *mut f32) {
        let a = *x;
        *out = math::floor(a);
        *out.add(1) = math::ceil(a);
        *out.add(2) = math::trunc(a);
        *out.add(3) = math::round(a);
        *out.add(4) = a.abs();
        *out.add(5) = a.copysign(*x.add(1));
        *out.add(6) = math::fract(a);
    }
}

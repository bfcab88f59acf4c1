//! f64 arithmetic and f32↔f64 conversions. Every f64 op must stay in
//! double precision (`.f64` instructions), and narrowing rounds to nearest.
//@ stages: ptx ptxas
#![no_std]
#![feature(core_float_math)]

use core::f64::math;

// CHECK-LABEL: .visible .entry f64_ops(
// CHECK-DAG: add.rn.f64
// CHECK-DAG: mul.rn.f64
// CHECK-DAG: div.rn.f64
// CHECK-DAG: sqrt.rn.f64
// CHECK-DAG: cvt.rn.f32.f64
// CHECK-DAG: cvt.f64.f32
gpu::kernel! {
    pub unsafe fn f64_ops(x: *const f64, y: *const f32, out: *mut f64, out32: *mut f32) {
        let (a, b) = (*x, *x.add(1));
        *out = a + b;
        *out.add(1) = a * b;
        *out.add(2) = a / b;
        *out.add(3) = math::sqrt(a);
        *out.add(4) = *y as f64 * 0.5;
        *out32 = a as f32;
        *out.add(5) = math::floor(a) - math::ceil(b);
    }
}

gpu::kernel! {
    pub unsafe fn f64_compare(x: *const f64, out: *mut u32) {
        let (a, b) = (*x, *x.add(1));
        *out = (a < b) as u32 | ((a == b) as u32) << 1 | (a.is_nan() as u32) << 2 | (a.is_finite() as u32) << 3;
        *out.add(1) = a.total_cmp(&b) as i8 as u32;
        *out.add(2) = a.partial_cmp(&b).map_or(99, |o| o as i8 as u32);
    }
}

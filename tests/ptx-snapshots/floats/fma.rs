//! Explicit fused multiply-add through `core::{f32,f64}::math::mul_add`
//! (the inherent `f32::mul_add` is std-only): must be exactly one
//! `fma.rn`, never a separate mul and add.
//@ revisions: single double
//@ stages: ptx ptxas llvm-ir-opt sass
#![no_std]
#![feature(core_float_math)]

#[cfg(single)]
type F = f32;
#[cfg(single)]
use core::f32::math::mul_add;
#[cfg(double)]
type F = f64;
#[cfg(double)]
use core::f64::math::mul_add;

// CHECK-LABEL: .visible .entry axpy_fma(
// single-CHECK: fma.rn.f32
// single-CHECK-NOT: mul.rn.f32
// double-CHECK: fma.rn.f64
// double-CHECK-NOT: mul.rn.f64
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn axpy_fma(n: u32, a: F, x: *const F, y: *mut F) {
        let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
        if i < n as usize {
            *y.add(i) = mul_add(a, *x.add(i), *y.add(i));
        }
    }
}

// Horner's rule: four dependent FMAs.
// CHECK-LABEL: .visible .entry horner(
// single-CHECK-COUNT-4: fma.rn.f32
// double-CHECK-COUNT-4: fma.rn.f64
gpu::kernel! {
    pub unsafe fn horner(x: *const F, out: *mut F) {
        let v = *x;
        let c: [F; 5] = [1.0, -0.5, 0.25, -0.125, 0.0625];
        let mut acc = c[4];
        for k in (0..4).rev() {
            acc = mul_add(acc, v, c[k]);
        }
        *out = acc;
    }
}

// After ptxas every fma is one FFMA (DFMA), and no separate multiply is left.
// SASS-CHECK-LABEL: .entry horner
// single-SASS-CHECK-COUNT-4: FFMA
// double-SASS-CHECK-COUNT-4: DFMA
// SASS-CHECK-LABEL: .entry axpy_fma
// single-SASS-CHECK: FFMA
// single-SASS-CHECK-NOT: FMUL
// double-SASS-CHECK: DFMA
// double-SASS-CHECK-NOT: DMUL
// `mul_add` is an explicit llvm.fma in the optimized IR, not a contraction
// left to llc.
// single-LLVM-IR-OPT-CHECK: call float @llvm.fma.f32
// double-LLVM-IR-OPT-CHECK: call double @llvm.fma.f64

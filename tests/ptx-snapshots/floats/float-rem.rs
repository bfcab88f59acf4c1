//! Float remainder `%` (LLVM `frem`). Rust defines it as C's `fmod`, which
//! is exact: the result has the sign of `a` and magnitude below `|b|`.
//!
//! The pinned LLVM expands `frem` on NVPTX as `a - trunc(a / b) * b`
//! (`div.rn`, `cvt.rzi`, `fma.rn`, plus a `testp.infinite` select). The
//! rounded quotient makes this wrong once `a / b` exceeds 2^24 (f32) or
//! 2^53 (f64): e.g. `1e30f32 % 3.0` is not in [0, 3). CUDA's `fmodf` is an
//! exact loop. The check lines pin today's expansion.
//@ known-bug: frem is expanded as a - trunc(a/b)*b, which is not exact fmod for large quotients
//@ stages: ptx ptxas llvm-ir-opt
#![no_std]

// CHECK-LABEL: .visible .entry rem_f32(
// CHECK: div.rn.f32 [[Q:%r[0-9]+]]
// CHECK: cvt.rzi.f32.f32 {{%r[0-9]+}}, [[Q]];
// CHECK: fma.rn.f32
// CHECK: testp.infinite.f32
// CHECK-NOT: call.uni
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn rem_f32(x: *const f32, out: *mut f32) {
        let (a, b) = (*x, *x.add(1));
        *out = a % b;
    }
}

// CHECK-LABEL: .visible .entry rem_f64(
// CHECK: div.rn.f64 [[Q:%rd[0-9]+]]
// CHECK: cvt.rzi.f64.f64 {{%rd[0-9]+}}, [[Q]];
// CHECK: fma.rn.f64
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn rem_f64(x: *const f64, out: *mut f64) {
        let (a, b) = (*x, *x.add(1));
        *out = a % b;
    }
}

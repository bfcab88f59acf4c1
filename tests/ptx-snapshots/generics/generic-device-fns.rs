//! Generic device functions and static dispatch through traits: each
//! non-generic kernel instantiates them for its own types, and everything
//! inlines (no calls remain).
//@ stages: ptx ptxas
#![no_std]

use core::ops::{Add, Mul};

pub trait Zero {
    const ZERO: Self;
}
impl Zero for f32 {
    const ZERO: Self = 0.0;
}
impl Zero for i32 {
    const ZERO: Self = 0;
}
impl Zero for u64 {
    const ZERO: Self = 0;
}

fn dot<T: Copy + Zero + Add<Output = T> + Mul<Output = T>>(a: *const T, b: *const T, n: usize) -> T {
    let mut acc = T::ZERO;
    for i in 0..n {
        unsafe { acc = acc + *a.add(i) * *b.add(i) };
    }
    acc
}

pub trait Activation {
    fn apply(x: f32) -> f32;
}
pub struct Relu;
pub struct LeakyRelu;
impl Activation for Relu {
    fn apply(x: f32) -> f32 {
        if x > 0.0 { x } else { 0.0 }
    }
}
impl Activation for LeakyRelu {
    fn apply(x: f32) -> f32 {
        if x > 0.0 { x } else { 0.01 * x }
    }
}

unsafe fn activate<A: Activation>(x: *mut f32, n: usize) {
    for i in 0..n {
        *x.add(i) = A::apply(*x.add(i));
    }
}

// CHECK-LABEL: .visible .entry dot_f32(
// CHECK: mul.rn.f32
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn dot_f32(a: *const f32, b: *const f32, n: usize, out: *mut f32) {
        *out = dot(a, b, n);
    }
}

// CHECK-LABEL: .visible .entry dot_i32(
// CHECK: mad.lo.s32
gpu::kernel! {
    pub unsafe fn dot_i32(a: *const i32, b: *const i32, n: usize, out: *mut i32) {
        *out = dot(a, b, n);
    }
}

// CHECK-LABEL: .visible .entry dot_u64(
// CHECK: mad.lo.s64
gpu::kernel! {
    pub unsafe fn dot_u64(a: *const u64, b: *const u64, n: usize, out: *mut u64) {
        *out = dot(a, b, n);
    }
}

// CHECK-LABEL: .visible .entry leaky_relu(
// CHECK: mul.rn.f32
gpu::kernel! {
    pub unsafe fn leaky_relu(x: *mut f32, n: usize) {
        activate::<LeakyRelu>(x, n);
    }
}

// CHECK-LABEL: .visible .entry relu(
// CHECK-NOT: mul.rn.f32
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn relu(x: *mut f32, n: usize) {
        activate::<Relu>(x, n);
    }
}

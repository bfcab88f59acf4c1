//! Closures capturing by value and by reference, passed to generic
//! higher-order device functions and returned from functions (`impl Fn`).
//@ stages: mir ptx ptxas
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

unsafe fn for_each_index(n: usize, mut f: impl FnMut(usize)) {
    let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    if i < n {
        f(i);
    }
}

fn make_affine(a: f32, b: f32) -> impl Fn(f32) -> f32 {
    move |x| a * x + b
}

fn compose<A, B, C>(f: impl Fn(A) -> B, g: impl Fn(B) -> C) -> impl Fn(A) -> C {
    move |x| g(f(x))
}

// CHECK-LABEL: .visible .entry affine_then_square(
// CHECK-NOT: call
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn affine_then_square(n: usize, a: f32, b: f32, x: *const f32, y: *mut f32) {
    let h = compose(make_affine(a, b), |v: f32| v * v);
    for_each_index(n, |i| *y.add(i) = h(*x.add(i)));
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn count_above(n: usize, threshold: i32, x: *const i32, count: *mut u32) {
    let mut local = 0u32;
    let mut bump = |v: i32| {
        if v > threshold {
            local += 1;
        }
    };
    for i in 0..n {
        bump(*x.add(i));
    }
    *count = local;
}
// Built-in backend only: the .mir snapshot shows the test's own panic handler and the inlined core::arch::nvptx calls, which the dialect would change.
//@ only-backend: builtin

//! Iterator chains over slices made with `from_raw_parts`: map, filter,
//! zip, fold, sum, enumerate, rev, max_by. Bounds checks must all fold
//! away (no `trap` and no panic call in the kernels).
//@ stages: ptx ptxas llvm-ir-opt sass
#![no_std]

use core::slice;

// CHECK-LABEL: .visible .entry dot_zip(
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn dot_zip(a: *const f32, b: *const f32, n: usize, out: *mut f32) {
        let (a, b) = (slice::from_raw_parts(a, n), slice::from_raw_parts(b, n));
        *out = a.iter().zip(b).map(|(x, y)| x * y).sum();
    }
}

// CHECK-LABEL: .visible .entry filter_fold(
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn filter_fold(x: *const i32, n: usize, out: *mut i64) {
        let xs = slice::from_raw_parts(x, n);
        *out = xs
            .iter()
            .filter(|&&v| v % 3 != 0)
            .map(|&v| v as i64 * v as i64)
            .fold(0i64, |acc, v| acc.wrapping_add(v));
    }
}

// CHECK-LABEL: .visible .entry max_index(
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn max_index(x: *const u32, n: usize, out: *mut usize) {
        let xs = slice::from_raw_parts(x, n);
        *out = xs
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|&(_, v)| *v)
            .map_or(usize::MAX, |(i, _)| i);
    }
}

// CHECK-LABEL: .visible .entry saxpy_iter_mut(
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn saxpy_iter_mut(a: f32, x: *const f32, y: *mut f32, n: usize) {
        let (x, y) = (slice::from_raw_parts(x, n), slice::from_raw_parts_mut(y, n));
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi += a * xi;
        }
    }
}

// CHECK-LABEL: .visible .entry take_while_count(
gpu::kernel! {
    pub unsafe fn take_while_count(x: *const u8, n: usize, out: *mut u32) {
        let xs = slice::from_raw_parts(x, n);
        *out = xs.iter().take_while(|&&c| c != 0).filter(|c| c.is_ascii_digit()).count() as u32;
        *out.add(1) = xs.iter().any(|&c| c == b'!') as u32;
        *out.add(2) = xs.iter().all(|c| c.is_ascii()) as u32;
    }
}

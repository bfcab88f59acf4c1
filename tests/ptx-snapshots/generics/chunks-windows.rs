//! `chunks`, `chunks_exact` (with remainder), `windows` and `split_at` on
//! device slices.
//@ stages: ptx ptxas
#![no_std]

use core::slice;

gpu::kernel! {
    pub unsafe fn chunk_sums(x: *const f32, n: usize, out: *mut f32) {
        let xs = slice::from_raw_parts(x, n);
        for (i, c) in xs.chunks(4).enumerate() {
            *out.add(i) = c.iter().sum();
        }
    }
}

// `chunks_exact(4)` lets LLVM use 4 independent loads per iteration.
// CHECK-LABEL: .visible .entry chunks_exact_rem(
// CHECK: ld.global.b32
gpu::kernel! {
    pub unsafe fn chunks_exact_rem(x: *const u32, n: usize, out: *mut u32) {
        let xs = slice::from_raw_parts(x, n);
        let it = xs.chunks_exact(4);
        let rem: u32 = it.remainder().iter().sum();
        let mut acc = 0u32;
        for c in it {
            acc = acc.wrapping_add(c[0] ^ c[1] ^ c[2] ^ c[3]);
        }
        *out = acc;
        *out.add(1) = rem;
    }
}

gpu::kernel! {
    pub unsafe fn moving_average(x: *const f32, n: usize, out: *mut f32) {
        let xs = slice::from_raw_parts(x, n);
        for (i, w) in xs.windows(3).enumerate() {
            *out.add(i) = (w[0] + w[1] + w[2]) / 3.0;
        }
    }
}

gpu::kernel! {
    pub unsafe fn split_halves(x: *mut i32, n: usize) {
        let xs = slice::from_raw_parts_mut(x, n);
        let (lo, hi) = xs.split_at_mut(n / 2);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut().rev()) {
            core::mem::swap(a, b);
        }
    }
}

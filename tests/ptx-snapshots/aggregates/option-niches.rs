//! `Option` niches: `Option<NonNull<T>>` and `Option<extern fn>` are one
//! pointer (null = `None`) and may be kernel parameters; `Option<NonZeroU32>`
//! is a plain u32 in memory.
//@ stages: ptx ptxas
#![no_std]

use core::num::NonZeroU32;
use core::ptr::NonNull;

// An `Option<NonNull<f32>>` parameter is a single 64-bit pointer; `None` is
// a null test.
// CHECK-LABEL: .visible .entry maybe_write(
// CHECK-NEXT: .param .u64 .ptr .align 1 maybe_write_param_0,
// CHECK: setp.eq.b64 [[P:%p[0-9]+]], {{%rd[0-9]+}}, {{%rd[0-9]+}};
// CHECK-NEXT: @[[P]] bra
gpu::kernel! {
    pub unsafe fn maybe_write(dst: Option<NonNull<f32>>, value: f32) {
        if let Some(p) = dst {
            *p.as_ptr() = value;
        }
    }
}

// CHECK-LABEL: .visible .entry nonzero_sum(
gpu::kernel! {
    pub unsafe fn nonzero_sum(xs: *const Option<NonZeroU32>, n: usize, out: *mut u32) {
        const _: () = assert!(core::mem::size_of::<Option<NonZeroU32>>() == 4);
        let mut sum = 0u32;
        let mut nones = 0u32;
        for i in 0..n {
            match *xs.add(i) {
                Some(v) => sum = sum.wrapping_add(v.get()),
                None => nones += 1,
            }
        }
        *out = sum;
        *out.add(1) = nones;
    }
}

// CHECK-LABEL: .visible .entry option_chain(
gpu::kernel! {
    pub unsafe fn option_chain(x: *const i32, n: usize, out: *mut i32) {
        let xs = core::slice::from_raw_parts(x, n);
        let first_neg = xs.iter().position(|&v| v < 0);
        let r = first_neg
            .and_then(|i| xs.get(i + 1))
            .map(|&v| v * 2)
            .filter(|v| *v != 0)
            .unwrap_or(-1);
        *out = r;
    }
}

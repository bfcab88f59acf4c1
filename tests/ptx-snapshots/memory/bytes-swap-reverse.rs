//! Memory helpers from `core::ptr` and slices: `write_bytes` of a constant
//! size (unrolled into 8-byte stores, no `memset` call), `read_unaligned` /
//! `write_unaligned` of 64-bit values through byte pointers (eight byte
//! accesses each, never one `b64` access), `slice::swap` with its two
//! bounds checks, `reverse` (a two-at-a-time main loop plus a remainder
//! loop) and `ptr::swap`/`mem::replace`.
//!
//! `ptr::swap` of two `[u32; 4]`s is pinned as it is: it goes through a
//! 16-byte local-memory temporary (`__local_depot`) instead of registers.
//@ stages: ptx ptxas
#![no_std]

use core::{mem, ptr, slice};

/// 64 zero bytes into a 16-aligned block: eight 8-byte stores of 0 (not
/// vectorized, although the block is 16-aligned).
// CHECK-LABEL: .visible .entry a_write_bytes_const(
// CHECK-NOT: memset
// CHECK-COUNT-8: st.global.b64 [{{%rd[0-9]+(\+[0-9]+)?}}], 0;
// CHECK-NOT: st.global
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_write_bytes_const(block: *mut Block) {
        ptr::write_bytes(block, 0, 1);
    }
}

#[repr(C, align(16))]
pub struct Block(pub [u32; 16]);

/// A `u64` and an `f64` at odd offsets: every access is a byte access.
// CHECK-LABEL: .visible .entry b_unaligned_u64_f64(
// CHECK-NOT: ld.global.b64
// CHECK-COUNT-16: ld.global.b8
// CHECK-NOT: ld.global.b64
// CHECK-COUNT-8: st.global.b8
// CHECK-NOT: st.global.b64
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn b_unaligned_u64_f64(bytes: *const u8, out: *mut u8) {
        let a = ptr::read_unaligned(bytes.add(1) as *const u64);
        let b = ptr::read_unaligned(bytes.add(11) as *const f64);
        ptr::write_unaligned(out.add(5) as *mut f64, b + a as f64);
    }
}

/// `swap(i, j)` checks both indices, then exchanges two elements.
// CHECK-LABEL: .visible .entry c_slice_swap(
// CHECK: setp.ge.u64
// CHECK: setp.lt.u64
// CHECK: ld.global.b32 [[A:%r[0-9]+]], {{\[}}[[PI:%rd[0-9]+]]{{\]}};
// CHECK-NEXT: ld.global.b32 [[B:%r[0-9]+]], {{\[}}[[PJ:%rd[0-9]+]]{{\]}};
// CHECK-NEXT: st.global.b32 {{\[}}[[PI]]], [[B]];
// CHECK-NEXT: st.global.b32 {{\[}}[[PJ]]], [[A]];
// CHECK-COUNT-2: call.uni {{.*}}panic_bounds_check
gpu::kernel! {
    pub unsafe fn c_slice_swap(data: *mut f32, n: usize, i: usize, j: usize) {
        let s = slice::from_raw_parts_mut(data, n);
        s.swap(i, j);
    }
}

/// In-place reverse: loops of paired loads and stores from both ends, the
/// main one handling two elements per end per iteration.
// CHECK-LABEL: .visible .entry d_reverse(
// CHECK-NOT: panic
// The main loop's trip count is rounded down to even (`& ~1`).
// CHECK: and.b64 {{%rd[0-9]+}}, {{%rd[0-9]+}}, 9223372036854775806;
// CHECK: [[MAIN:\$L__BB[0-9_]+]]:
// CHECK-COUNT-4: ld.global.b16
// CHECK-COUNT-4: st.global.b16
// CHECK: @{{%p[0-9]+}} bra [[MAIN]];
// CHECK: [[REST:\$L__BB[0-9_]+]]:
// CHECK: [[REST2:\$L__BB[0-9_]+]]:
// CHECK: ld.global.b16
// CHECK-NEXT: ld.global.b16
// CHECK-NEXT: st.global.b16
// CHECK-NEXT: st.global.b16
// CHECK: @{{%p[0-9]+}} bra [[REST2]];
// CHECK-NOT: panic
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn d_reverse(data: *mut u16, n: usize) {
        slice::from_raw_parts_mut(data, n).reverse();
    }
}

/// `ptr::swap` of two `[u32; 4]`s (through a local temporary) and
/// `mem::replace` of a value: loads and stores, no calls.
// CHECK-LABEL: .visible .entry e_swap_replace(
// CHECK: .local .align 4 .b8 __local_depot{{[0-9]+}}[16];
// CHECK-NOT: call
// CHECK: ld.global.b64 [[OLD:%rd[0-9]+]],
// CHECK-NEXT: st.global.b64 [{{%rd[0-9]+}}], 7;
// CHECK-NEXT: st.global.b64 [{{%rd[0-9]+}}], [[OLD]];
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn e_swap_replace(a: *mut [u32; 4], b: *mut [u32; 4], slot: *mut u64, out: *mut u64) {
        ptr::swap(a, b);
        *out = mem::replace(&mut *slot, 7);
    }
}

//! Widening multiplies of 8- and 16-bit operands. `i16 × i16 → i32` and
//! `u16 × u16 → u32` are single `mul.wide.s16`/`mul.wide.u16`
//! instructions; 8-bit operands have no `mul.wide` form and are extended
//! first, with the extension folded into the parameter load (`ld.param.s8`
//! for `i8`). A widening multiply whose high half is wanted (`>> 16`) keeps
//! the wide product.
//@ stages: ptx ptxas sass
#![no_std]

// CHECK-LABEL: .visible .entry a_i8_to_i16(
// CHECK-DAG: ld.param.s8
// CHECK-DAG: ld.param.s8
// CHECK: mul.lo.s16
// CHECK: st.global.b16
gpu::kernel! {
    pub unsafe fn a_i8_to_i16(a: i8, b: i8, out: *mut i16) {
        *out = a as i16 * b as i16;
    }
}

// CHECK-LABEL: .visible .entry b_u8_to_u16(
// CHECK-NOT: ld.param.s8
// CHECK: mul.lo.s16
// CHECK: st.global.b16
gpu::kernel! {
    pub unsafe fn b_u8_to_u16(a: u8, b: u8, out: *mut u16) {
        *out = a as u16 * b as u16;
    }
}

// CHECK-LABEL: .visible .entry c_i16_to_i32(
// CHECK: mul.wide.s16 [[P:%r[0-9]+]], {{%rs[0-9]+}}, {{%rs[0-9]+}};
// CHECK: st.global.b32 [{{%rd[0-9]+}}], [[P]];
gpu::kernel! {
    pub unsafe fn c_i16_to_i32(a: i16, b: i16, out: *mut i32) {
        *out = a as i32 * b as i32;
    }
}

// CHECK-LABEL: .visible .entry d_u16_to_u32(
// CHECK: mul.wide.u16 [[P:%r[0-9]+]], {{%rs[0-9]+}}, {{%rs[0-9]+}};
// CHECK: st.global.b32 [{{%rd[0-9]+}}], [[P]];
gpu::kernel! {
    pub unsafe fn d_u16_to_u32(a: u16, b: u16, out: *mut u32) {
        *out = a as u32 * b as u32;
    }
}

/// The high 16 bits of a 16×16 product (a fixed-point Q15 multiply).
// CHECK-LABEL: .visible .entry e_q15_mul(
// Only bits 15..30 are kept, so a logical shift is as good as arithmetic.
// CHECK: mul.wide.s16 [[P:%r[0-9]+]],
// CHECK-NEXT: shr.u32 [[Q:%r[0-9]+]], [[P]], 15;
// CHECK: st.global.b16 [{{%rd[0-9]+}}], [[Q]];
gpu::kernel! {
    pub unsafe fn e_q15_mul(a: *const i16, b: *const i16, out: *mut i16) {
        let i = gpu::thread_idx_x() as usize;
        *out.add(i) = ((*a.add(i) as i32 * *b.add(i) as i32) >> 15) as i16;
    }
}

/// Mixed signedness: `i8 × u8 → i16` (extensions differ per operand).
// CHECK-LABEL: .visible .entry f_mixed_i8_u8(
// CHECK-DAG: ld.param.s8
// CHECK-DAG: ld.param.b8
// CHECK: mul.lo.s16
gpu::kernel! {
    pub unsafe fn f_mixed_i8_u8(a: i8, b: u8, out: *mut i16) {
        *out = a as i16 * b as i16;
    }
}

/// Widening multiply-accumulate over `i16` arrays into an `i32` sum. The
/// loop is vectorized by 8 with `<2 x i16>` pieces, so each pair of `b16`
/// loads is packed into 32 bits and unpacked again (`mov.b32 {lo, hi}`)
/// before eight `mul.wide.s16`s.
// CHECK-LABEL: .visible .entry g_dot_i16(
// CHECK: mov.b32 {{[{]}}{{%rs[0-9]+}}, {{%rs[0-9]+}}}, {{%r[0-9]+}};
// CHECK-COUNT-8: mul.wide.s16
// CHECK: mul.wide.s16
gpu::kernel! {
    pub unsafe fn g_dot_i16(a: *const i16, b: *const i16, n: usize, out: *mut i32) {
        let mut acc = 0i32;
        for i in 0..n {
            acc = acc.wrapping_add(*a.add(i) as i32 * *b.add(i) as i32);
        }
        *out = acc;
    }
}

//! Wrapping add/sub/mul/neg at every integer width from 8 to 64 bits.
//! Narrow integers live in 16-bit registers (`%rs`) and are computed in
//! 16-bit instructions; 32/64-bit widths use their own instructions.
//@ stages: ptx ptxas
#![no_std]

macro_rules! wrapping_kernel {
    ($name:ident, $t:ty) => {
        gpu::kernel! {
            pub unsafe fn $name(a: $t, b: $t, out: *mut $t) {
                *out = a.wrapping_add(b);
                *out.add(1) = a.wrapping_sub(b);
                *out.add(2) = a.wrapping_mul(b);
                *out.add(3) = a.wrapping_neg();
            }
        }
    };
}

// Kernels appear in the PTX sorted by symbol name, so the CHECK-LABEL
// blocks below follow that order.
// CHECK-LABEL: .visible .entry wrap_i16(
// CHECK: .param .u16 wrap_i16_param_0
// CHECK: mul.lo.s16
wrapping_kernel!(wrap_i16, i16);
// CHECK-LABEL: .visible .entry wrap_i32(
// CHECK: .param .u32 wrap_i32_param_0
// CHECK: add.s32
// CHECK: sub.s32
// CHECK: mul.lo.s32
// CHECK: neg.s32
wrapping_kernel!(wrap_i32, i32);
// CHECK-LABEL: .visible .entry wrap_i64(
// CHECK: .param .u64 wrap_i64_param_0
// CHECK: add.s64
// CHECK: sub.s64
// CHECK: mul.lo.s64
// CHECK: neg.s64
wrapping_kernel!(wrap_i64, i64);
// CHECK-LABEL: .visible .entry wrap_i8(
// CHECK: .param .u8 wrap_i8_param_0
// CHECK: add.s16
// CHECK: mul.lo.s16
wrapping_kernel!(wrap_i8, i8);
// CHECK-LABEL: .visible .entry wrap_u16(
// CHECK: mul.lo.s16
wrapping_kernel!(wrap_u16, u16);
// CHECK-LABEL: .visible .entry wrap_u32(
// CHECK: mul.lo.s32
wrapping_kernel!(wrap_u32, u32);
// CHECK-LABEL: .visible .entry wrap_u64(
// CHECK: mul.lo.s64
wrapping_kernel!(wrap_u64, u64);
// CHECK-LABEL: .visible .entry wrap_u8(
// CHECK: mul.lo.s16
wrapping_kernel!(wrap_u8, u8);

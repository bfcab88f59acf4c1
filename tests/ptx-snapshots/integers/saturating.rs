//! Saturating arithmetic at 8, 16, 32 and 64 bits, signed and unsigned.
//@ stages: ptx ptxas
#![no_std]

macro_rules! saturating_kernel {
    ($name:ident, $t:ty) => {
        gpu::kernel! {
            pub unsafe fn $name(a: *const $t, out: *mut $t) {
                let (x, y) = (*a, *a.add(1));
                *out = x.saturating_add(y);
                *out.add(1) = x.saturating_sub(y);
                *out.add(2) = x.saturating_mul(y);
                *out.add(3) = x.saturating_pow(3);
            }
        }
    };
}

saturating_kernel!(sat_i16, i16);
saturating_kernel!(sat_i32, i32);
saturating_kernel!(sat_i64, i64);
// i8 saturates in 16-bit registers by clamping to [-128, 127].
// CHECK-LABEL: .visible .entry sat_i8(
// CHECK-DAG: min.s16 {{%rs[0-9]+}}, {{%rs[0-9]+}}, 127;
// CHECK-DAG: max.s16 {{%rs[0-9]+}}, {{%rs[0-9]+}}, -128;
// CHECK-NOT: call
// CHECK: ret;
saturating_kernel!(sat_i8, i8);
saturating_kernel!(sat_u16, u16);
saturating_kernel!(sat_u32, u32);
saturating_kernel!(sat_u64, u64);
// CHECK-LABEL: .visible .entry sat_u8(
// CHECK: min.u16 {{%rs[0-9]+}}, {{%rs[0-9]+}}, 255;
saturating_kernel!(sat_u8, u8);

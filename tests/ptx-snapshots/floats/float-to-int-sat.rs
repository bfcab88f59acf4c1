//! `as` from float to int saturates (NaN → 0, out of range → MIN/MAX).
//! PTX `cvt.rzi` already saturates, so LLVM may use it directly for some
//! widths and add clamps and a NaN check for others; `to_int_unchecked`
//! is the plain conversion.
//@ stages: ptx ptxas llvm-ir-opt
#![no_std]

// CHECK-LABEL: .visible .entry f32_to_ints(
// CHECK-DAG: cvt.rzi.s32.f32
// CHECK-DAG: cvt.rzi.u32.f32
// CHECK-DAG: cvt.rzi.s64.f32
// CHECK-DAG: cvt.rzi.u64.f32
// LLVM keeps an explicit NaN → 0 select although cvt.rzi saturates:
// CHECK-DAG: setp.nan.f32
gpu::kernel! {
    pub unsafe fn f32_to_ints(x: *const f32, o32: *mut i32, o64: *mut i64, o8: *mut u8) {
        let a = *x;
        *o32 = a as i32;
        *o32.add(1) = a as u32 as i32;
        *o64 = a as i64;
        *o64.add(1) = a as u64 as i64;
        *o8 = a as u8;
        *o8.add(1) = a as i8 as u8;
        *o32.add(2) = a as i16 as i32;
    }
}

// CHECK-LABEL: .visible .entry f64_to_ints(
// CHECK-DAG: cvt.rzi.s32.f64
// CHECK-DAG: cvt.rzi.u64.f64
gpu::kernel! {
    pub unsafe fn f64_to_ints(x: *const f64, o32: *mut i32, o64: *mut u64) {
        let a = *x;
        *o32 = a as i32;
        *o64 = a as u64;
        *o64.add(1) = a as i64 as u64;
    }
}

// CHECK-LABEL: .visible .entry unchecked(
// CHECK: cvt.rzi.s32.f32
// CHECK-NOT: setp
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn unchecked(x: *const f32, o: *mut i32) {
        *o = (*x).to_int_unchecked::<i32>();
    }
}

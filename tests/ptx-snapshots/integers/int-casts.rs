//! int↔int `as` casts: sign extension, zero extension and truncation
//! between every pair of widths that matters, plus bool→int and
//! `From`/`TryFrom` conversions.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry narrow_to_wide(
// CHECK-DAG: cvt.s64.s32
// CHECK-DAG: cvt.u64.u32
// CHECK-DAG: cvt.s32.s8
gpu::kernel! {
    pub unsafe fn narrow_to_wide(p: *const u32, out: *mut u64) {
        let x = *p;
        *out = x as i32 as i64 as u64;
        *out.add(1) = x as u64;
        *out.add(2) = (x as u8 as i8) as i32 as u64;
        *out.add(3) = (x as u16 as i16) as i64 as u64;
        *out.add(4) = (x as u8) as u64;
    }
}

gpu::kernel! {
    pub unsafe fn wide_to_narrow(p: *const u64, out8: *mut u8, out16: *mut i16, out32: *mut u32) {
        let x = *p;
        *out8 = x as u8;
        *out16 = x as i16;
        *out32 = x as u32;
        *out32.add(1) = (x >> 32) as u32;
        *out16.add(1) = (x as i64 >> 60) as i16;
    }
}

gpu::kernel! {
    pub unsafe fn try_from_and_bool(p: *const i64, b: bool, out: *mut i32) {
        let x = *p;
        *out = i32::try_from(x).unwrap_or(-1);
        *out.add(1) = u8::try_from(x).map(i32::from).unwrap_or(-2);
        *out.add(2) = b as i32 + i32::from(x > 0);
        *out.add(3) = (x as isize as usize as u32) as i32;
    }
}

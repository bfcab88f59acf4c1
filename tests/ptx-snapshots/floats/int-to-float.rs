//! int → float `as` casts round to nearest (`cvt.rn`), for every source
//! width and signedness, plus `f32::from(u16)`.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry to_f32(
// CHECK-DAG: cvt.rn.f32.s32
// CHECK-DAG: cvt.rn.f32.u32
// CHECK-DAG: cvt.rn.f32.s64
// CHECK-DAG: cvt.rn.f32.u64
gpu::kernel! {
    pub unsafe fn to_f32(a: i32, b: u32, c: i64, d: u64, e: i8, f: u16, out: *mut f32) {
        *out = a as f32;
        *out.add(1) = b as f32;
        *out.add(2) = c as f32;
        *out.add(3) = d as f32;
        *out.add(4) = e as f32;
        *out.add(5) = f32::from(f);
    }
}

// CHECK-LABEL: .visible .entry to_f64(
// CHECK-DAG: cvt.rn.f64.s32
// CHECK-DAG: cvt.rn.f64.u64
gpu::kernel! {
    pub unsafe fn to_f64(a: i32, d: u64, out: *mut f64) {
        *out = a as f64;
        *out.add(1) = d as f64;
        *out.add(2) = f64::from(a as u8);
    }
}

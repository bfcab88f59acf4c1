//! Widening multiplies: `u32 as u64 * u32 as u64` is one `mul.wide`,
//! and the high half of a product is `mul.hi`.
//@ stages: ptx ptxas sass
#![no_std]

// CHECK-LABEL: .visible .entry mul_wide(
// CHECK-DAG: mul.wide.u32
// CHECK-DAG: mul.wide.s32
// CHECK-DAG: mul.hi.u64
gpu::kernel! {
    pub unsafe fn mul_wide(a: u32, b: u32, c: u64, d: u64, out: *mut u64) {
        *out = a as u64 * b as u64;
        *out.add(1) = (a as i32 as i64 * b as i32 as i64) as u64;
        *out.add(2) = ((c as u128 * d as u128) >> 64) as u64;
        *out.add(3) = (a as u64 * b as u64) >> 32;
    }
}

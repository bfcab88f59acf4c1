//! Shifts and rotates: `<<`/`>>` by a variable amount (Rust masks it in
//! release builds), arithmetic vs logical right shift, wrapping_shl, and
//! rotates, which lower to the funnel shift `shf`.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry shift_i32(
// CHECK-DAG: shl.b32
// CHECK-DAG: shr.s32
// CHECK-DAG: shr.u32
gpu::kernel! {
    pub unsafe fn shift_i32(a: i32, s: u32, out: *mut i32) {
        *out = a.wrapping_shl(s);
        *out.add(1) = a.wrapping_shr(s);
        *out.add(2) = (a as u32).wrapping_shr(s) as i32;
        *out.add(3) = a << 5;
        *out.add(4) = a >> 31;
    }
}

// CHECK-LABEL: .visible .entry shift_u64(
// CHECK-DAG: shl.b64
// CHECK-DAG: shr.u64
// CHECK-DAG: shr.s64
gpu::kernel! {
    pub unsafe fn shift_u64(a: u64, s: u32, out: *mut u64) {
        *out = a.wrapping_shl(s);
        *out.add(1) = a.wrapping_shr(s);
        *out.add(2) = (a as i64).wrapping_shr(s) as u64;
        *out.add(3) = a.checked_shr(s).unwrap_or(0);
    }
}

// CHECK-LABEL: .visible .entry shift_u8_u16(
gpu::kernel! {
    pub unsafe fn shift_u8_u16(a: u8, b: u16, s: u32, out: *mut u32) {
        *out = a.wrapping_shl(s) as u32;
        *out.add(1) = (a as i8).wrapping_shr(s) as u8 as u32;
        *out.add(2) = b.wrapping_shl(s) as u32;
        *out.add(3) = b.rotate_left(s) as u32;
    }
}

// CHECK-LABEL: .visible .entry zrotate_u32(
// CHECK: shf.l.wrap.b32
// CHECK: shf.r.wrap.b32
gpu::kernel! {
    pub unsafe fn zrotate_u32(a: u32, s: u32, out: *mut u32) {
        *out = a.rotate_left(s);
        *out.add(1) = a.rotate_right(s);
    }
}

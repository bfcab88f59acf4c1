//! `checked_*` and `overflowing_*` arithmetic: the overflow flag must be
//! computed (carry/overflow detection), not dropped.
//@ stages: ptx ptxas
#![no_std]

gpu::kernel! {
    /// Writes `value` or `sentinel` (when the checked operation overflowed).
    pub unsafe fn checked_u32(a: u32, b: u32, out: *mut u32) {
        *out = a.checked_add(b).unwrap_or(u32::MAX);
        *out.add(1) = a.checked_sub(b).unwrap_or(0);
        *out.add(2) = a.checked_mul(b).unwrap_or(1);
        *out.add(3) = a.checked_div(b).unwrap_or(2);
        *out.add(4) = a.checked_shl(b).unwrap_or(3);
    }
}

gpu::kernel! {
    pub unsafe fn checked_i64(a: i64, b: i64, out: *mut i64) {
        *out = a.checked_add(b).unwrap_or(i64::MIN);
        *out.add(1) = a.checked_mul(b).unwrap_or(-1);
        // `i64::MIN / -1` overflows as well as division by zero.
        *out.add(2) = a.checked_div(b).unwrap_or(7);
        *out.add(3) = a.checked_rem(b).unwrap_or(9);
        *out.add(4) = a.checked_neg().unwrap_or(0);
        *out.add(5) = a.checked_abs().unwrap_or(i64::MAX);
    }
}

gpu::kernel! {
    pub unsafe fn overflowing_i8_u16(a: i8, b: i8, c: u16, d: u16, out: *mut u32) {
        let (s, o1) = a.overflowing_add(b);
        let (m, o2) = a.overflowing_mul(b);
        let (t, o3) = c.overflowing_sub(d);
        let (p, o4) = c.overflowing_mul(d);
        *out = s as u8 as u32 | (o1 as u32) << 8;
        *out.add(1) = m as u8 as u32 | (o2 as u32) << 8;
        *out.add(2) = t as u32 | (o3 as u32) << 16;
        *out.add(3) = p as u32 | (o4 as u32) << 16;
    }
}

gpu::kernel! {
    pub unsafe fn overflowing_u64(a: u64, b: u64, out: *mut u64) {
        let (s, c1) = a.overflowing_add(b);
        let (m, c2) = a.overflowing_mul(b);
        *out = s;
        *out.add(1) = m;
        *out.add(2) = c1 as u64 + c2 as u64;
    }
}

// The overflow checks are MIR operations before LLVM sees them.
// MIR-CHECK-LABEL: fn checked_u32(
// MIR-CHECK: AddWithOverflow(copy _1, copy _2)
// MIR-CHECK: MulWithOverflow(copy _1, copy _2)
// MIR-CHECK-LABEL: fn overflowing_i8_u16(
// MIR-CHECK: SubWithOverflow(copy _3, copy _4)

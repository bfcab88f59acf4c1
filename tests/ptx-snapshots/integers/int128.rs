//! 128-bit integers: there is no 128-bit register, so LLVM splits
//! add/sub into carry chains (`add.cc`/`addc`), multiplies with
//! `mul.hi`/`mad.lo`, and expands division into a loop (there is no
//! `__udivti3` to call on the device).
//! u128 can't be a kernel parameter (see tests/ui), so it goes through memory.
//@ stages: ptx ptxas sass
#![no_std]

// CHECK-LABEL: .visible .entry arith_u128(
// CHECK-NOT: __multi3
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn arith_u128(p: *const u128, out: *mut u128) {
        let (a, b) = (*p, *p.add(1));
        *out = a.wrapping_add(b);
        *out.add(1) = a.wrapping_sub(b);
        *out.add(2) = a.wrapping_mul(b);
        *out.add(3) = a.leading_zeros() as u128;
        *out.add(4) = a.saturating_add(b);
        *out.add(5) = a << 67 | b >> 3;
    }
}

// CHECK-LABEL: .visible .entry div_i128(
// CHECK-NOT: __divti3
// CHECK-NOT: __modti3
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn div_i128(p: *const i128, out: *mut i128) {
        let (a, b) = (*p, *p.add(1));
        *out = a.checked_div(b).unwrap_or(0);
        *out.add(1) = a.checked_rem(b).unwrap_or(0);
    }
}

// CHECK-LABEL: .visible .entry div_u128_const(
gpu::kernel! {
    pub unsafe fn div_u128_const(p: *const u128, out: *mut u128) {
        let a = *p;
        *out = a / 10;
        *out.add(1) = a % 1_000_000_007;
        *out.add(2) = (a as i128 >> 100) as u128;
    }
}

// rustc's IR keeps 128-bit operations as i128 instructions; llc expands them
// inline (no __multi3/__divti3 in the PTX) and the SASS calls nothing either.
// LLVM-IR-CHECK-LABEL: define ptx_kernel void @arith_u128(
// LLVM-IR-CHECK: mul i128
// LLVM-IR-CHECK-LABEL: define ptx_kernel void @div_i128(
// LLVM-IR-CHECK: sdiv i128
// SASS-CHECK-NOT: CALL

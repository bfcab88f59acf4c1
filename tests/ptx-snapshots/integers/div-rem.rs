//! Division and remainder. By a constant, LLVM replaces `div` with a
//! multiply-high sequence; by a variable it needs `div`/`rem` and Rust's
//! division-by-zero check (which panics, i.e. traps).
//@ revisions: by_const by_var
//@ stages: ptx ptxas sass
#![no_std]

#[cfg(by_const)]
#[inline(always)]
fn divisor(_d: u32) -> u32 {
    7
}

#[cfg(by_var)]
#[inline(always)]
fn divisor(d: u32) -> u32 {
    d
}

// CHECK-LABEL: .visible .entry div_rem_i32(
// by_const-CHECK: mul.hi.s32
// by_const-CHECK-NOT: div.s32
// by_var-CHECK: div.s32
gpu::kernel! {
    pub unsafe fn div_rem_i32(a: i32, d: u32, out: *mut i32) {
        let d = divisor(d) as i32;
        *out = a / d;
        *out.add(1) = a % d;
        *out.add(2) = a.rem_euclid(d);
    }
}

// CHECK-LABEL: .visible .entry div_rem_u32(
// by_const-CHECK: mul.hi.u32
// by_const-CHECK-NOT: rem.u32
// by_var-CHECK: div.u32
// by_var-CHECK: call.uni {{.*}}panic_const_div_by_zero
gpu::kernel! {
    pub unsafe fn div_rem_u32(a: u32, d: u32, out: *mut u32) {
        let d = divisor(d);
        *out = a / d;
        *out.add(1) = a % d;
        // Powers of two are always shifts and masks.
        *out.add(2) = a / 16 + a % 64;
    }
}

// CHECK-LABEL: .visible .entry div_rem_u64(
// by_const-CHECK: mul.hi.u64
// by_const-CHECK-NOT: div.u64
// by_var-CHECK: div.u64
gpu::kernel! {
    pub unsafe fn div_rem_u64(a: u64, d: u32, out: *mut u64) {
        let d = divisor(d) as u64;
        *out = a / d;
        *out.add(1) = a % d;
    }
}

// In SASS a division by a constant is a multiply-high and shifts; by a
// variable it is ptxas's reciprocal sequence (I2F.RP, MUFU.RCP), and for
// 64 bits a call to its software routine.
// by_const-SASS-CHECK: IMAD.HI
// by_const-SASS-CHECK-NOT: MUFU.RCP
// by_const-SASS-CHECK-NOT: CALL
// by_var-SASS-CHECK-LABEL: .entry div_rem_u64
// by_var-SASS-CHECK: MUFU.RCP
// by_var-SASS-CHECK: CALL.REL.NOINC `($__internal_{{[0-9]+}}_$__cuda_sm20_div_u64)

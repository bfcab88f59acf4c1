//! Integer helpers: `rotate_left` at 8/16/64 bits (only 32-bit rotates
//! have a funnel-shift instruction: 8/16-bit rotates are shift-shift-or in
//! 16-bit registers, a variable 64-bit rotate is `shl.b64`/`shr.u64`/`or`,
//! and a constant one two `shf.l.wrap.b32` on the halves), `pow` with a
//! constant exponent (unrolled into multiplies) and a run-time one (a
//! square-and-multiply loop; `checked_pow` detects overflow with
//! `mul.hi.u64`), `isqrt` (core's table-driven algorithm: a 512-byte
//! lookup table, `clz` and short divisions), `abs_diff` (`max - min`), and
//! `checked_div` by a literal zero, which folds to the `None` value with no
//! division at all.
//@ stages: ptx ptxas
// Built-in backend only: the PTX names isqrt's lookup table `anon_$_<hash>`, a hash LLVM takes over the crate's exported symbols, which include the test's own panic handler (moving it to the prelude renames the constant).
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// The isqrt lookup table: 256 pairs of bytes.
// CHECK: .global .align 1 .b8 [[$TABLE:[a-z_$0-9]+]][512] = {0, 0, 1, 0, 1, 1, 1, 2,

// CHECK-LABEL: .visible .entry a_rotates(
// CHECK-NOT: shf.
// CHECK: shl.b16
// CHECK: shr.u16
// CHECK: or.b16
// CHECK: shl.b16
// CHECK: shr.u16
// CHECK: or.b16
// CHECK-NOT: shf.
// CHECK: shl.b64
// CHECK: shr.u64
// CHECK: or.b64
// CHECK: shf.l.wrap.b32 {{%r[0-9]+}}, {{%r[0-9]+}}, {{%r[0-9]+}}, 13;
// CHECK-NEXT: shf.l.wrap.b32 {{%r[0-9]+}}, {{%r[0-9]+}}, {{%r[0-9]+}}, 13;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn a_rotates(a: u8, b: u16, c: u64, s: u32, out: *mut u64) {
    *out = a.rotate_left(s) as u64;
    *out.add(1) = b.rotate_left(s) as u64;
    *out.add(2) = c.rotate_left(s);
    *out.add(3) = c.rotate_left(13);
}

/// x^5 = (x^2)^2 * x: three multiplies; x^13 = x^8 * x^5: two more.
// CHECK-LABEL: .visible .entry b_pow_const(
// CHECK-NOT: bra
// CHECK-COUNT-5: mul.lo.s32
// CHECK-NOT: mul.lo.s32
// CHECK-NOT: bra
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn b_pow_const(x: *const u32, out: *mut u32) {
    let v = *x;
    *out = v.pow(5);
    *out.add(1) = v.wrapping_pow(13);
}

// CHECK-LABEL: .visible .entry c_pow_runtime(
// CHECK: [[SQUARE:\$L__BB[0-9_]+]]:
// CHECK: shr.u32
// CHECK: mul.lo.s64 [[B:%rd[0-9]+]], [[B]], [[B]];
// CHECK: bra.uni [[SQUARE]];
// CHECK: mul.hi.u64
// CHECK: mul.hi.u64
#[no_mangle]
pub unsafe extern "ptx-kernel" fn c_pow_runtime(x: *const u64, e: u32, out: *mut u64) {
    *out = (*x).wrapping_pow(e);
    *out.add(1) = (*x).checked_pow(e).unwrap_or(0);
}

// CHECK-LABEL: .visible .entry d_isqrt(
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$TABLE]];
// CHECK-DAG: clz.b32
// CHECK-DAG: clz.b64
// CHECK-DAG: ld.global.nc.b8
// CHECK-DAG: div.u16
// CHECK-DAG: div.u32
// CHECK-DAG: div.u64
// CHECK-NOT: call
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn d_isqrt(x: *const u32, y: *const u64, out: *mut u64) {
    *out = (*x).isqrt() as u64;
    *out.add(1) = (*y).isqrt();
}

// CHECK-LABEL: .visible .entry e_abs_diff(
// CHECK: min.s32 [[LO:%r[0-9]+]],
// CHECK: max.s32 [[HI:%r[0-9]+]],
// CHECK: sub.s32 {{%r[0-9]+}}, [[HI]], [[LO]];
// CHECK: min.u64
// CHECK: max.u64
// CHECK: sub.s64
// CHECK: min.s16
// CHECK: max.s16
// CHECK: sub.s16
// CHECK-NOT: bra
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn e_abs_diff(a: i32, b: i32, c: u64, d: u64, e: i8, f: i8, out: *mut u64) {
    *out = a.abs_diff(b) as u64;
    *out.add(1) = c.abs_diff(d);
    *out.add(2) = e.abs_diff(f) as u64;
}

/// Dividing by a literal zero with `checked_div` is `None`; dividing by a
/// run-time value keeps the zero test (and, signed, the MIN / -1 test).
// CHECK-LABEL: .visible .entry f_checked_div_zero(
// CHECK-NOT: div.
// CHECK: st.global.b32 [{{%rd[0-9]+}}], 77;
// CHECK-DAG: setp.eq.b32 {{%p[0-9]+}}, {{%r[0-9]+}}, 0;
// CHECK-DAG: setp.eq.b32 {{%p[0-9]+}}, {{%r[0-9]+}}, -2147483648;
// CHECK-DAG: setp.eq.b32 {{%p[0-9]+}}, {{%r[0-9]+}}, -1;
// CHECK: div.s32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn f_checked_div_zero(a: *const i32, b: *const i32, out: *mut i32) {
    let zero = 0;
    *out = (*a).checked_div(zero).unwrap_or(77);
    *out.add(1) = (*a).checked_div(*b).unwrap_or(-1);
}

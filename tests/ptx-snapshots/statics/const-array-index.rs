//! `const` arrays indexed at run time. A `const` has no address of its
//! own, but indexing one with a run-time index makes rustc promote it to
//! an anonymous read-only global, which becomes initialized `.global` data
//! in the PTX (trailing zero bytes left to the implicit zero fill), read
//! through the read-only path, `ld.global.nc`. A checked index keeps its
//! bounds check (a call to core's `panic_bounds_check`, which traps),
//! `get` becomes a branch around the load, and an index the optimizer can
//! bound needs neither. Indexing with a constant folds the element away.
//@ stages: ptx ptxas
// Built-in backend only: the PTX names a promoted constant `anon_$_<hash>`, a hash LLVM takes over the crate's exported symbols, which include the test's own panic handler (moving it to the prelude renames the constant).
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

const POW10: [u64; 10] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
];
const PRIMES: [u16; 8] = [2, 3, 5, 7, 11, 13, 17, 19];
const STEPS: [i8; 4] = [-1, 0, 1, 0];

// CHECK-DAG: .global .align 8 .b8 {{.*}}[80] = {1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 100, 0,
// CHECK-DAG: .global .align 2 .b8 [[$PRIMES:[a-z_$0-9]+]][16] = {2, 0, 3, 0, 5, 0, 7, 0, 11, 0, 13, 0, 17, 0, 19};
// CHECK-DAG: .global .align 1 .b8 [[$STEPS:[a-z_$0-9]+]][4] = {255, 0, 1};

/// A checked index: compare with 9, panic when out of bounds.
// CHECK-LABEL: .visible .entry a_checked_index(
// CHECK: setp.gt.u64 [[OOB:%p[0-9]+]], {{%rd[0-9]+}}, 9;
// CHECK: @[[OOB]] bra
// CHECK: ld.global.nc.b64
// CHECK: call.uni {{.*}}panic_bounds_check
#[no_mangle]
pub unsafe extern "ptx-kernel" fn a_checked_index(idx: *const u32, out: *mut u64) {
    *out = POW10[*idx as usize];
}

/// `get` with a fallback: no panic path.
// CHECK-LABEL: .visible .entry b_get_or_default(
// CHECK-NOT: panic
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$PRIMES]];
// CHECK: ld.global.nc.b16
// CHECK-NOT: panic
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn b_get_or_default(idx: *const u32, out: *mut u16) {
    *out = PRIMES.get(*idx as usize).copied().unwrap_or(0);
}

/// A masked index is provably in bounds: no check, plain loads (the `i8`
/// table with a sign-extending `.s8` load).
// CHECK-LABEL: .visible .entry c_masked_index(
// CHECK-NOT: panic
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$PRIMES]];
// CHECK: ld.global.nc.b16
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$STEPS]];
// CHECK: ld.global.nc.s8
// CHECK-NOT: panic
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn c_masked_index(idx: *const u32, out: *mut i32) {
    let i = *idx as usize;
    *out = PRIMES[i & 7] as i32 * STEPS[i % 4] as i32;
}

/// Constant indices fold: 10^3 + 19 * 0 stored as an immediate.
// CHECK-LABEL: .visible .entry d_constant_index(
// CHECK-NOT: ld.global
// CHECK: st.global.b64 [{{%rd[0-9]+}}], 1019;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn d_constant_index(out: *mut u64) {
    *out = POW10[3] + PRIMES[7] as u64 + STEPS[1] as u64;
}

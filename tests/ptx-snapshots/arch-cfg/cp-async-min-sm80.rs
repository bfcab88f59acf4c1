//! `cp.async` (sm_80+) copies global memory into shared memory without
//! going through registers. Inline asm makes it reachable today; the test
//! only runs where the instruction exists (`min-sm: 80`).
//@ min-sm: 80
//@ stages: ptx ptxas sass
// Built-in backend only: inline PTX asm (cp.async) gated on the built-in backend's target_feature cfgs.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, asm_experimental_arch)]

use core::arch::asm;
use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry stage_tile(
// CHECK: cp.async.ca.shared.global [{{%r[0-9]+}}], [{{%rd[0-9]+}}], 16;
// CHECK: cp.async.commit_group;
// CHECK: cp.async.wait_group 0;
// CHECK: {{bar|barrier}}.sync 0;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn stage_tile(src: *const [u32; 4], out: *mut u32) {
    let t = _thread_idx_x();
    let tile: u32;
    // A 32-bit shared-window address of a 512-byte tile.
    asm!(
        ".shared .align 16 .b8 stage[512];",
        "mov.u32 {0}, stage;",
        out(reg32) tile,
    );
    let dst = tile + (t % 32) * 16;
    let g = src.add((t % 32) as usize) as u64;
    asm!(
        "cp.async.ca.shared.global [{0}], [{1}], 16;",
        "cp.async.commit_group;",
        "cp.async.wait_group 0;",
        in(reg32) dst,
        in(reg64) g,
    );
    _syncthreads();
    let v: u32;
    asm!("ld.shared.u32 {0}, [{1}];", out(reg32) v, in(reg32) (tile + ((t + 1) % 32) * 16));
    *out.add(t as usize) = v;
}

// cp.async is LDGSTS (global to shared without registers) in SASS, with its
// commit and wait as LDGDEPBAR and DEPBAR.
// SASS-CHECK-LABEL: .entry stage_tile
// SASS-CHECK: LDGSTS.E.128
// SASS-CHECK: LDGDEPBAR
// SASS-CHECK: DEPBAR.LE SB0, 0x0
// SASS-CHECK: BAR.SYNC

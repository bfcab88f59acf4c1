//! Per-architecture specialisation with `cfg(target_feature = "sm_80")`:
//! sm_80 and newer reduce a warp with one `redux.sync.add.u32` (inline
//! asm), older targets fall back to five butterfly shuffles.
//@ stages: ptx ptxas sass
// Built-in backend only: arch specialisation with the built-in backend's target_feature cfgs and inline PTX asm (redux.sync).
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
// Each target enables only the feature its branch uses.
#![cfg_attr(target_feature = "sm_80", feature(asm_experimental_arch))]
#![cfg_attr(not(target_feature = "sm_80"), feature(link_llvm_intrinsics))]
#![allow(internal_features)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[cfg(target_feature = "sm_80")]
#[inline(always)]
unsafe fn warp_sum(v: u32) -> u32 {
    let r: u32;
    core::arch::asm!("redux.sync.add.u32 {0}, {1}, 0xffffffff;", out(reg32) r, in(reg32) v);
    r
}

#[cfg(not(target_feature = "sm_80"))]
#[inline(always)]
unsafe fn warp_sum(mut v: u32) -> u32 {
    extern "C" {
        #[link_name = "llvm.nvvm.shfl.sync.bfly.i32"]
        fn shfl_bfly(mask: u32, value: i32, lane_mask: i32, clamp: i32) -> i32;
    }
    let mut offset = 16;
    while offset > 0 {
        v = v.wrapping_add(shfl_bfly(0xffff_ffff, v as i32, offset, 31) as u32);
        offset /= 2;
    }
    v
}

// CHECK-LABEL: .visible .entry warp_totals(
// sm_75-CHECK: shfl.sync.bfly.b32
// sm_75-CHECK-NOT: redux.sync
// sm_80-CHECK: redux.sync.add.u32
// sm_80-CHECK-NOT: shfl.sync
// sm_86-CHECK: redux.sync.add.u32
// sm_89-CHECK: redux.sync.add.u32
// sm_90-CHECK: redux.sync.add.u32
// sm_90a-CHECK: redux.sync.add.u32
// sm_100-CHECK: redux.sync.add.u32
// sm_120-CHECK: redux.sync.add.u32
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn warp_totals(x: *const u32, out: *mut u32) {
    let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    let total = warp_sum(*x.add(i));
    if i % 32 == 0 {
        *out.add(i / 32) = total;
    }
}

// The specialised path is one REDUX.SUM in SASS on every target that has
// redux.sync; sm_75 keeps the five butterfly shuffles.
// sm_75-SASS-CHECK-COUNT-5: SHFL.BFLY
// sm_75-SASS-CHECK-NOT: REDUX
// sm_80-SASS-CHECK: REDUX.SUM
// sm_80-SASS-CHECK-NOT: SHFL
// sm_90a-SASS-CHECK: REDUX.SUM
// sm_90a-SASS-CHECK-NOT: SHFL
// sm_100-SASS-CHECK: REDUX.SUM
// sm_120-SASS-CHECK: REDUX.SUM

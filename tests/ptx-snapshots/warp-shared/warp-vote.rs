//! Warp votes through LLVM intrinsics: ballot, all, any, and the active
//! mask. `count_ones` of a ballot is a `popc`.
//@ stages: ptx ptxas sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, link_llvm_intrinsics)]
#![allow(internal_features)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

extern "C" {
    #[link_name = "llvm.nvvm.vote.ballot.sync"]
    fn ballot(mask: u32, pred: bool) -> u32;
    #[link_name = "llvm.nvvm.vote.all.sync"]
    fn all(mask: u32, pred: bool) -> bool;
    #[link_name = "llvm.nvvm.vote.any.sync"]
    fn any(mask: u32, pred: bool) -> bool;
    #[link_name = "llvm.nvvm.activemask"]
    fn activemask() -> u32;
}

// CHECK-LABEL: .visible .entry votes(
// CHECK-DAG: activemask.b32
// CHECK-DAG: vote.sync.ballot.b32
// CHECK-DAG: vote.sync.all.pred
// CHECK-DAG: vote.sync.any.pred
// CHECK-DAG: popc.b32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn votes(x: *const f32, out: *mut u32) {
    let i = _thread_idx_x() as usize;
    let v = *x.add(i);
    let mask = activemask();
    let positive = ballot(mask, v > 0.0);
    let warp = i / 32;
    if i % 32 == 0 {
        *out.add(4 * warp) = positive;
        *out.add(4 * warp + 1) = positive.count_ones();
        *out.add(4 * warp + 2) = all(mask, v.is_finite()) as u32;
        *out.add(4 * warp + 3) = any(mask, v.is_nan()) as u32;
    }
}

// The votes stay warp-wide VOTE instructions in SASS. On sm_75, ptxas
// computes `all` without a VOTE.ALL (a ballot and a compare instead).
// SASS-CHECK-LABEL: .entry votes
// SASS-CHECK-DAG: VOTE.ANY
// sm_75-SASS-CHECK-NOT: VOTE.ALL
// sm_80-SASS-CHECK-DAG: VOTE.ALL
// sm_90a-SASS-CHECK-DAG: VOTE.ALL
// sm_100-SASS-CHECK-DAG: VOTE.ALL
// sm_120-SASS-CHECK-DAG: VOTE.ALL

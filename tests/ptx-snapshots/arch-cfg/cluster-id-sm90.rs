//! Thread block clusters exist from sm_90: there the kernel reads
//! `%clusterid.x` / `%cluster_ctarank` (LLVM intrinsics), elsewhere it
//! falls back to the block index. Revisions choose how the cluster rank is
//! written out, to show revisions and sm prefixes combined.
//@ revisions: rank id
//@ stages: ptx ptxas sass
// Built-in backend only: arch specialisation with the built-in backend's target_feature cfgs and its cluster NVVM intrinsics.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#![cfg_attr(target_feature = "sm_90", feature(link_llvm_intrinsics))]
#![allow(internal_features)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[cfg(target_feature = "sm_90")]
extern "C" {
    #[cfg(id)]
    #[link_name = "llvm.nvvm.read.ptx.sreg.clusterid.x"]
    fn cluster_id_x() -> u32;
    #[cfg(rank)]
    #[link_name = "llvm.nvvm.read.ptx.sreg.cluster.ctarank"]
    fn cluster_ctarank() -> u32;
}

#[inline(always)]
unsafe fn group_index() -> u32 {
    #[cfg(all(target_feature = "sm_90", rank))]
    return cluster_ctarank();
    #[cfg(all(target_feature = "sm_90", id))]
    return cluster_id_x();
    #[cfg(not(target_feature = "sm_90"))]
    return _block_idx_x();
}

// CHECK-LABEL: .visible .entry which_group(
// sm_75-CHECK: mov.u32 {{%r[0-9]+}}, %ctaid.x;
// sm_86-CHECK: mov.u32 {{%r[0-9]+}}, %ctaid.x;
// sm_90-CHECK-NOT: %ctaid.x
// rank-CHECK-NOT: %clusterid
// id-CHECK-NOT: %cluster_ctarank
// sm_90-CHECK: mov.u32 {{%r[0-9]+}}, %cluster
// sm_90a-CHECK: mov.u32 {{%r[0-9]+}}, %cluster
// sm_100-CHECK: mov.u32 {{%r[0-9]+}}, %cluster
// sm_120-CHECK: mov.u32 {{%r[0-9]+}}, %cluster
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn which_group(out: *mut u32) {
    *out.add(_thread_idx_x() as usize) = group_index();
}

// On sm_90+ the cluster rank reads the CGA special register in SASS.
// rank-sm_90-SASS-CHECK: S2R {{R[0-9]+}}, SR_CgaCtaId
// rank-sm_90a-SASS-CHECK: S2R {{R[0-9]+}}, SR_CgaCtaId
// rank-sm_80-SASS-CHECK: S2R {{R[0-9]+}}, SR_CTAID.X
// rank-sm_80-SASS-CHECK-NOT: SR_Cga

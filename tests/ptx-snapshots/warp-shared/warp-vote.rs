//! Warp votes through LLVM intrinsics: ballot, all, any, and the active
//! mask. `count_ones` of a ballot is a `popc`.
//@ stages: ptx ptxas sass
#![no_std]

// CHECK-LABEL: .visible .entry votes(
// CHECK-DAG: activemask.b32
// CHECK-DAG: vote.sync.ballot.b32
// CHECK-DAG: vote.sync.all.pred
// CHECK-DAG: vote.sync.any.pred
// CHECK-DAG: popc.b32
gpu::kernel! {
    pub unsafe fn votes(x: *const f32, out: *mut u32) {
        let i = gpu::thread_idx_x() as usize;
        let v = *x.add(i);
        let mask = gpu::activemask();
        let positive = gpu::vote_sync_ballot(mask, v > 0.0);
        let warp = i / 32;
        if i % 32 == 0 {
            *out.add(4 * warp) = positive;
            *out.add(4 * warp + 1) = positive.count_ones();
            *out.add(4 * warp + 2) = gpu::vote_sync_all(mask, v.is_finite()) as u32;
            *out.add(4 * warp + 3) = gpu::vote_sync_any(mask, v.is_nan()) as u32;
        }
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

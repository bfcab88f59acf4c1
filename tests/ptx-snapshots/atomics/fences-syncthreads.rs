//! Fences and barriers: `fence(SeqCst)` → `fence.sc`, `fence(Acquire)` /
//! `fence(Release)` → `fence.acq_rel`, and `gpu::sync_threads()` → `bar.sync 0`
//! (printed `barrier.sync 0` on new PTX). `compiler_fence` crashes llc and
//! has its own test (compiler-fence.rs).
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{fence, AtomicU32, Ordering::*};

// Rust atomics are system-scoped. PTX 8.6 (sm_100 and newer here) has
// one-sided `fence.release`/`fence.acquire`; older targets use `acq_rel`.
// CHECK-LABEL: .visible .entry fences(
// CHECK: fence.sc.sys;
// sm_75-CHECK: fence.acq_rel.sys;
// sm_80-CHECK: fence.acq_rel.sys;
// sm_86-CHECK: fence.acq_rel.sys;
// sm_89-CHECK: fence.acq_rel.sys;
// sm_90-CHECK: fence.acq_rel.sys;
// sm_90a-CHECK: fence.acq_rel.sys;
// sm_100-CHECK: fence.release.sys;
// sm_120-CHECK: fence.release.sys;
// CHECK: st.relaxed.sys.global.b32
// sm_75-CHECK: fence.acq_rel.sys;
// sm_80-CHECK: fence.acq_rel.sys;
// sm_86-CHECK: fence.acq_rel.sys;
// sm_89-CHECK: fence.acq_rel.sys;
// sm_90-CHECK: fence.acq_rel.sys;
// sm_90a-CHECK: fence.acq_rel.sys;
// sm_100-CHECK: fence.acquire.sys;
// sm_120-CHECK: fence.acquire.sys;
// CHECK-NOT: fence
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn fences(data: *mut u32, flag: *const AtomicU32) {
        *data = 1;
        fence(SeqCst);
        *data.add(1) = 2;
        fence(Release);
        (*flag).store(1, Relaxed);
        fence(Acquire);
        *data.add(2) = 3;
    }
}

// CHECK-LABEL: .visible .entry two_phase(
// CHECK: {{bar|barrier}}.sync 0;
// CHECK: {{bar|barrier}}.sync 0;
gpu::kernel! {
    pub unsafe fn two_phase(data: *mut f32) {
        let i = gpu::thread_idx_x() as usize;
        let n = gpu::block_dim_x() as usize;
        *data.add(i) *= 2.0;
        gpu::sync_threads();
        let neighbour = *data.add((i + 1) % n);
        gpu::sync_threads();
        *data.add(i) += neighbour;
    }
}

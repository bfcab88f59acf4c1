//! Fences and barriers: `fence(SeqCst)` → `fence.sc`, `fence(Acquire)` /
//! `fence(Release)` → `fence.acq_rel`, and `_syncthreads()` → `bar.sync 0`
//! (printed `barrier.sync 0` on new PTX). `compiler_fence` crashes llc and
//! has its own test (compiler-fence.rs).
//@ stages: ptx ptxas sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;
use core::sync::atomic::{fence, AtomicU32, Ordering::*};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

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
#[no_mangle]
pub unsafe extern "ptx-kernel" fn fences(data: *mut u32, flag: *const AtomicU32) {
    *data = 1;
    fence(SeqCst);
    *data.add(1) = 2;
    fence(Release);
    (*flag).store(1, Relaxed);
    fence(Acquire);
    *data.add(2) = 3;
}

// CHECK-LABEL: .visible .entry two_phase(
// CHECK: {{bar|barrier}}.sync 0;
// CHECK: {{bar|barrier}}.sync 0;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn two_phase(data: *mut f32) {
    let i = _thread_idx_x() as usize;
    let n = _block_dim_x() as usize;
    *data.add(i) *= 2.0;
    _syncthreads();
    let neighbour = *data.add((i + 1) % n);
    _syncthreads();
    *data.add(i) += neighbour;
}

//! One `fetch_add` compiled once per memory ordering.
//!
//! Expected: PTX (sm_70+) has ordered atomics, so Acquire/Release/AcqRel
//! should give `atom.acquire`/`.release`/`.acq_rel` and SeqCst a `fence.sc`
//! before an acq_rel atomic, all at `.sys` scope like Rust's other atomics.
//!
//! Today every ordering compiles to the same plain `atom.global.add.u32`
//! (relaxed, *gpu* scope) on the built-in backend: the pinned LLVM's NVPTX
//! back end ignores the ordering of `atomicrmw` (cmpxchg, loads and stores
//! do honour it, see cas-load-store-orderings.rs). The `builtin-` check
//! lines pin today's output, so the test fails, and must be updated, once
//! the ordering is honoured. cuda-oxide honours it with fences around the
//! relaxed atom (`fence.acq_rel.sys` after it for Acquire, before it for
//! Release, both for AcqRel, `membar.sys` around it for SeqCst): its
//! `cuda-oxide-` lines pin that.
//@ revisions: relaxed acquire release acqrel seqcst
//@ known-bug: atomicrmw ignores its ordering: fetch_add(SeqCst) is a relaxed gpu-scope atom.global.add with no fence
//@ stages: ptx ptxas llvm-ir-opt sass
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

#[cfg(relaxed)]
const ORD: Ordering = Ordering::Relaxed;
#[cfg(acquire)]
const ORD: Ordering = Ordering::Acquire;
#[cfg(release)]
const ORD: Ordering = Ordering::Release;
#[cfg(acqrel)]
const ORD: Ordering = Ordering::AcqRel;
#[cfg(seqcst)]
const ORD: Ordering = Ordering::SeqCst;

// CHECK-LABEL: .visible .entry ordered_add(
// builtin-CHECK-NOT: fence
// cuda-oxide-relaxed-CHECK-NOT: {{fence|membar}}
// cuda-oxide-release-CHECK: fence.acq_rel.sys
// cuda-oxide-acqrel-CHECK: fence.acq_rel.sys
// cuda-oxide-seqcst-CHECK: membar.sys
// CHECK: atom.global.add.u32
// builtin-CHECK-NOT: fence
// cuda-oxide-relaxed-CHECK-NOT: {{fence|membar}}
// cuda-oxide-acquire-CHECK: fence.acq_rel.sys
// cuda-oxide-acqrel-CHECK: fence.acq_rel.sys
// cuda-oxide-seqcst-CHECK: membar.sys
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn ordered_add(counter: *const AtomicU32, out: *mut u32) {
        *out.add(gpu::thread_idx_x() as usize) = (*counter).fetch_add(1, ORD);
    }
}

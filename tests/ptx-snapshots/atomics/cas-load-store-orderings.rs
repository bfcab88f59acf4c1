//! Atomic loads, stores and compare_exchange honour their ordering on
//! sm_70+ PTX, at system scope (`.sys`, Rust's default):
//! - relaxed: `ld.relaxed.sys`, `st.relaxed.sys`, `atom.relaxed.sys.cas`
//! - acqrel: `ld.acquire.sys`, `st.release.sys`, `atom.acq_rel.sys.cas`
//! - seqcst: a `fence.sc.sys` before each, then the acquire/release form.
//@ revisions: relaxed acqrel seqcst
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

#[cfg(relaxed)]
const ORDS: (Ordering, Ordering, Ordering) = (Ordering::Relaxed, Ordering::Relaxed, Ordering::Relaxed);
#[cfg(acqrel)]
const ORDS: (Ordering, Ordering, Ordering) = (Ordering::Acquire, Ordering::Release, Ordering::AcqRel);
#[cfg(seqcst)]
const ORDS: (Ordering, Ordering, Ordering) = (Ordering::SeqCst, Ordering::SeqCst, Ordering::SeqCst);

// CHECK-LABEL: .visible .entry handoff(
// relaxed-CHECK-NOT: fence
// relaxed-CHECK: ld.relaxed.sys.global.b32
// relaxed-CHECK: st.relaxed.sys.global.b32
// relaxed-CHECK: atom.relaxed.sys.global.cas.b32
// acqrel-CHECK-NOT: fence
// acqrel-CHECK: ld.acquire.sys.global.b32
// acqrel-CHECK: st.release.sys.global.b32
// acqrel-CHECK: atom.acq_rel.sys.global.cas.b32
// seqcst-CHECK: fence.sc.sys;
// seqcst-CHECK-NEXT: ld.acquire.sys.global.b32
// seqcst-CHECK: fence.sc.sys;
// seqcst-CHECK-NEXT: st.release.sys.global.b32
// seqcst-CHECK: fence.sc.sys;
// seqcst-CHECK-NEXT: atom.acquire.sys.global.cas.b32
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn handoff(flag: *const AtomicU32, slot: *const AtomicU32, out: *mut u32) {
        let (load, store, rmw) = ORDS;
        let v = (*flag).load(load);
        (*slot).store(v + 1, store);
        let failure = if matches!(rmw, Ordering::Relaxed) { Ordering::Relaxed } else { Ordering::Acquire };
        *out = match (*flag).compare_exchange(v, v + 2, rmw, failure) {
            Ok(x) | Err(x) => x,
        };
    }
}

//! 8- and 16-bit atomics (`target_has_atomic = "8"/"16"`). PTX has no
//! byte-sized RMW, so LLVM emulates them with a 32-bit CAS loop on the
//! containing word.
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU8, Ordering::*};

// CHECK-LABEL: .visible .entry bytes(
// CHECK: atom.{{.*}}cas.b32
gpu::kernel! {
    pub unsafe fn bytes(a: *const AtomicU8, flag: *const AtomicBool, out: *mut u8) {
        *out = (*a).fetch_add(1, Relaxed);
        *out.add(1) = (*a).fetch_or(0x80, Relaxed);
        *out.add(2) = (*flag).swap(true, AcqRel) as u8;
    }
}

// Even where PTX has `atom.cas.b16` (sm_70+), 16-bit operations use the
// 32-bit loop; the SeqCst CAS is bracketed by fences.
// CHECK-LABEL: .visible .entry halves(
// CHECK-NOT: cas.b16
// CHECK: fence.sc.sys;
// CHECK: atom.relaxed.sys.global.cas.b32
// CHECK: fence.{{acq_rel|acquire}}.sys;
gpu::kernel! {
    pub unsafe fn halves(a: *const AtomicU16, out: *mut u16) {
        *out = (*a).fetch_add(3, Relaxed);
        *out.add(1) = (*a).fetch_max(1000, Relaxed);
        *out.add(2) = match (*a).compare_exchange(7, 8, SeqCst, SeqCst) {
            Ok(v) | Err(v) => v,
        };
    }
}

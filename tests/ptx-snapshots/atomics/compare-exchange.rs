//! compare_exchange / compare_exchange_weak → `atom.cas`, with success and
//! failure orderings; a CAS-based spin lock and a CAS-based float add.
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};

// CHECK-LABEL: .visible .entry cas_basic(
// CHECK: atom.{{.*}}global.cas.b32
// CHECK: atom.{{.*}}global.cas.b64
gpu::kernel! {
    pub unsafe fn cas_basic(a: *const AtomicU32, b: *const AtomicU64, out: *mut u32) {
        let r = (*a).compare_exchange(0, gpu::thread_idx_x() + 1, AcqRel, Acquire);
        *out = match r {
            Ok(_) => 1,
            Err(v) => v + 100,
        };
        let r64 = (*b).compare_exchange_weak(5, 6, SeqCst, Relaxed);
        *out.add(1) = r64.is_ok() as u32;
    }
}

/// `atomicAdd` on f32 written as a CAS loop over the bits.
// CHECK-LABEL: .visible .entry float_add_cas(
// CHECK: [[LOOP:\$L__BB[0-9_]+]]:
// CHECK: add.rn.f32
// CHECK: atom.{{.*}}global.cas.b32
// CHECK: bra{{.*}} [[LOOP]];
gpu::kernel! {
    pub unsafe fn float_add_cas(target: *const AtomicU32, x: *const f32) {
        let v = *x.add(gpu::thread_idx_x() as usize);
        let t = &*target;
        let mut old = t.load(Relaxed);
        loop {
            let new = (f32::from_bits(old) + v).to_bits();
            match t.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(cur) => old = cur,
            }
        }
    }
}

gpu::kernel! {
    /// A spin lock guarding a non-atomic update.
    pub unsafe fn locked_update(lock: *const AtomicU32, data: *mut u64) {
        let lock = &*lock;
        while lock.compare_exchange(0, 1, Acquire, Relaxed).is_err() {}
        *data += gpu::thread_idx_x() as u64;
        lock.store(0, Release);
    }
}

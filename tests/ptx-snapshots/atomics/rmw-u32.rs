//! Every read-modify-write operation of `AtomicU32`/`AtomicI32` on a kernel
//! pointer parameter (a global address): add, sub, and, or, xor, max, min,
//! swap map to `atom.global.*`; `fetch_nand` and `fetch_update` have no
//! PTX instruction and become compare-and-swap loops.
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicI32, AtomicU32, Ordering::Relaxed};

// CHECK-LABEL: .visible .entry rmw_i32(
// CHECK-DAG: atom{{.*}}.global.max.s32
// CHECK-DAG: atom{{.*}}.global.min.s32
// CHECK-DAG: atom{{.*}}.global.add.u32
gpu::kernel! {
    pub unsafe fn rmw_i32(a: *const AtomicI32, out: *mut i32) {
        let a = &*a;
        let v = gpu::thread_idx_x() as i32 - 16;
        *out = a.fetch_max(v, Relaxed);
        *out.add(1) = a.fetch_min(v, Relaxed);
        *out.add(2) = a.fetch_add(v, Relaxed);
    }
}

// CHECK-LABEL: .visible .entry rmw_u32(
// CHECK-DAG: atom{{.*}}.global.add.u32
// CHECK-DAG: atom{{.*}}.global.and.b32
// CHECK-DAG: atom{{.*}}.global.or.b32
// CHECK-DAG: atom{{.*}}.global.xor.b32
// CHECK-DAG: atom{{.*}}.global.max.u32
// CHECK-DAG: atom{{.*}}.global.min.u32
// CHECK-DAG: atom{{.*}}.global.exch.b32
// CHECK-DAG: atom{{.*}}.global.cas.b32
gpu::kernel! {
    pub unsafe fn rmw_u32(a: *const AtomicU32, out: *mut u32) {
        let a = &*a;
        let v = gpu::thread_idx_x() + 1;
        *out = a.fetch_add(v, Relaxed);
        // `fetch_sub` is an add of the negation.
        *out.add(1) = a.fetch_sub(v, Relaxed);
        *out.add(2) = a.fetch_and(!v, Relaxed);
        *out.add(3) = a.fetch_or(v, Relaxed);
        *out.add(4) = a.fetch_xor(v, Relaxed);
        *out.add(5) = a.fetch_max(v, Relaxed);
        *out.add(6) = a.fetch_min(v, Relaxed);
        *out.add(7) = a.swap(v, Relaxed);
        *out.add(8) = a.fetch_nand(v, Relaxed);
        *out.add(9) = a
            .fetch_update(Relaxed, Relaxed, |x| if x < 1000 { Some(x * 2) } else { None })
            .unwrap_or(0);
    }
}

// A plain counter increment whose result is unused.
// CHECK-LABEL: .visible .entry zz_counter(
// CHECK: {{atom|red}}{{.*}}.global.add.u32
gpu::kernel! {
    pub unsafe fn zz_counter(c: *const AtomicU32) {
        (*c).fetch_add(1, Relaxed);
    }
}

//! 64-bit atomics: `AtomicU64`/`AtomicI64` RMW operations and loads/stores.
//@ stages: ptx ptxas sass
#![no_std]

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering::*};

// CHECK-LABEL: .visible .entry rmw_i64(
// CHECK-DAG: atom{{.*}}.global.max.s64
// CHECK-DAG: atom{{.*}}.global.min.s64
gpu::kernel! {
    pub unsafe fn rmw_i64(a: *const AtomicI64, out: *mut i64) {
        let a = &*a;
        let v = gpu::thread_idx_x() as i64 - 16;
        *out = a.fetch_max(v, Relaxed);
        *out.add(1) = a.fetch_min(v, Relaxed);
    }
}

// CHECK-LABEL: .visible .entry rmw_u64(
// CHECK-DAG: atom{{.*}}.global.add.u64
// CHECK-DAG: atom{{.*}}.global.and.b64
// CHECK-DAG: atom{{.*}}.global.or.b64
// CHECK-DAG: atom{{.*}}.global.xor.b64
// CHECK-DAG: atom{{.*}}.global.max.u64
// CHECK-DAG: atom{{.*}}.global.min.u64
// CHECK-DAG: atom{{.*}}.global.exch.b64
// CHECK-DAG: atom{{.*}}.global.cas.b64
gpu::kernel! {
    pub unsafe fn rmw_u64(a: *const AtomicU64, out: *mut u64) {
        let a = &*a;
        let v = gpu::thread_idx_x() as u64 + (1 << 40);
        *out = a.fetch_add(v, Relaxed);
        *out.add(1) = a.fetch_sub(v, Relaxed);
        *out.add(2) = a.fetch_and(!v, Relaxed);
        *out.add(3) = a.fetch_or(v, Relaxed);
        *out.add(4) = a.fetch_xor(v, Relaxed);
        *out.add(5) = a.fetch_max(v, Relaxed);
        *out.add(6) = a.fetch_min(v, Relaxed);
        *out.add(7) = a.swap(v, Relaxed);
        *out.add(8) = a.fetch_nand(v, Relaxed);
    }
}

// CHECK-LABEL: .visible .entry zz_load_store(
// CHECK: ld.relaxed.{{(gpu|sys)}}.global.b64
// CHECK: st.release.{{(gpu|sys)}}.global.b64
gpu::kernel! {
    pub unsafe fn zz_load_store(a: *const AtomicU64, out: *mut u64) {
        let a = &*a;
        *out = a.load(Relaxed);
        a.store(7, Release);
    }
}

// Each 64-bit read-modify-write is one ATOMG at gpu scope; fetch_nand, which
// has no instruction, is a compare-and-swap loop.
// SASS-CHECK-LABEL: .entry rmw_u64
// SASS-CHECK: ATOMG.E.ADD.64.STRONG.GPU
// SASS-CHECK: ATOMG.E.EXCH.64.STRONG.GPU
// SASS-CHECK: ATOMG.E.CAS.64
// SASS-CHECK-LABEL: .entry rmw_i64
// SASS-CHECK-DAG: ATOMG.E.MAX.S64.STRONG.GPU
// SASS-CHECK-DAG: ATOMG.E.MIN.S64.STRONG.GPU

//! Degenerate kernels: no parameters, an empty body, and a parameter that
//! is never used. They must still be emitted as entries with `ret`.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry empty()
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn empty() {}
}

// CHECK-LABEL: .visible .entry unused_param(
// CHECK-NEXT: .param .u64 unused_param_param_0
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn unused_param(_x: u64) {}
}

// A kernel that only traps.
// CHECK-LABEL: .visible .entry zz_always_traps()
// CHECK: trap;
gpu::kernel! {
    pub unsafe fn zz_always_traps() {
        gpu::trap();
    }
}

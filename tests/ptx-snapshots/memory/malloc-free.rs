//! Device-side heap through `core::arch::nvptx::{malloc, free}`: calls to
//! the CUDA runtime's `malloc`/`free`, declared `.extern .func`.
//@ stages: ptx ptxas
#![no_std]

// CHECK: .extern .func (.param .b64 func_retval0) malloc
// CHECK: .extern .func free
// CHECK-LABEL: .visible .entry scratch_sum(
// CHECK: call.uni (retval0), malloc,
// CHECK: call.uni free,
gpu::kernel! {
    pub unsafe fn scratch_sum(x: *const u32, n: usize, out: *mut u32) {
        let buf = gpu::malloc(n * 4) as *mut u32;
        if buf.is_null() {
            *out = u32::MAX;
            return;
        }
        for i in 0..n {
            *buf.add(i) = *x.add(i) * 3;
        }
        let mut s = 0u32;
        for i in 0..n {
            s = s.wrapping_add(*buf.add(i));
        }
        gpu::free(buf as *mut core::ffi::c_void);
        *out = s;
    }
}

//! `vprintf` from `core::arch::nvptx`: a NUL-terminated format string in
//! `.global` memory and a pointer to a `#[repr(C)]` struct that packs the
//! arguments (in a `.local` stack slot), passed to the CUDA runtime's
//! `vprintf`.
//@ stages: ptx ptxas
#![no_std]

#[repr(C)]
struct Args {
    block: u32,
    thread: u32,
    value: f64,
}

// CHECK: .extern .func (.param .b32 func_retval0) vprintf
// 29 characters and the NUL (PTX zero-fills the rest of the array):
// CHECK: .global .align 1 .b8 {{.*}}[30] = {98, 108, 111, 99, 107, 32, 37, 117
// CHECK-LABEL: .visible .entry hello(
// CHECK: .local .align 8 .b8 __local_depot{{[0-9]+}}[16];
// CHECK: call.uni (retval0), vprintf,
gpu::kernel! {
    pub unsafe fn hello(x: *const f32) {
        let args = Args {
            block: gpu::block_idx_x() as u32,
            thread: gpu::thread_idx_x() as u32,
            // printf's `%f` takes a double, as in C varargs.
            value: *x.add(gpu::thread_idx_x() as usize) as f64,
        };
        gpu::vprintf(
            b"block %u thread %u: value %f\n\0".as_ptr(),
            &args as *const Args as *const core::ffi::c_void,
        );
    }
}

//! The canonical CUDA grid-stride loop: every thread starts at its global
//! index and strides by `gridDim.x * blockDim.x`.
//@ stages: ptx ptxas llvm-ir-opt
// Built-in backend only: its .llvm-ir-opt snapshot declares llvm.trap first, from the test's own panic handler; the prelude's handler is linked last and shifts the attribute groups.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry scale_grid_stride(
// CHECK-DAG: mov.u32 {{%r[0-9]+}}, %ctaid.x;
// CHECK-DAG: mov.u32 {{%r[0-9]+}}, %ntid.x;
// CHECK-DAG: mov.u32 {{%r[0-9]+}}, %tid.x;
// CHECK-DAG: mov.u32 {{%r[0-9]+}}, %nctaid.x;
// CHECK: mul.rn.f32
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn scale_grid_stride(n: usize, k: f32, data: *mut f32) {
    let start = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    let stride = (_grid_dim_x() * _block_dim_x()) as usize;
    let mut i = start;
    while i < n {
        *data.add(i) *= k;
        i += stride;
    }
}

/// The same loop written with `step_by`.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn add_grid_stride_step_by(n: usize, a: *const f32, b: *mut f32) {
    let start = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    let stride = (_grid_dim_x() * _block_dim_x()) as usize;
    for i in (start..n).step_by(stride) {
        *b.add(i) += *a.add(i);
    }
}

/// A 2D grid: y rows of x columns.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn fill_2d(width: u32, height: u32, out: *mut u32) {
    let x = _block_idx_x() * _block_dim_x() + _thread_idx_x();
    let y = _block_idx_y() * _block_dim_y() + _thread_idx_y();
    if x < width && y < height {
        *out.add((y * width + x) as usize) = x ^ y;
    }
}

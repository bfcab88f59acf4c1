//! Dynamic shared memory from
//! `core::intrinsics::gpu::gpu_launch_sized_workgroup_mem::<T>()`: an
//! `.extern .shared` array sized at launch, used for a block-wide tree
//! reduction with `_syncthreads()` between the steps.
//@ stages: ptx ptxas llvm-ir-opt sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, gpu_launch_sized_workgroup_mem, gpu_intrinsics, core_intrinsics)]
#![allow(internal_features)]

use core::arch::nvptx::*;
use core::intrinsics::gpu::gpu_launch_sized_workgroup_mem;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK: .extern .shared .align {{[0-9]+}} .b8 gpu_launch_sized_workgroup_mem[];
// CHECK-LABEL: .visible .entry block_sum(
// CHECK: st.shared.b32
// CHECK: {{bar|barrier}}.sync 0;
// CHECK: ld.shared.b32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn block_sum(x: *const f32, out: *mut f32) {
    let smem = gpu_launch_sized_workgroup_mem::<f32>();
    let tid = _thread_idx_x() as usize;
    let n = _block_dim_x() as usize;
    let gid = _block_idx_x() as usize * n + tid;
    *smem.add(tid) = *x.add(gid);
    _syncthreads();
    let mut stride = n / 2;
    while stride > 0 {
        if tid < stride {
            *smem.add(tid) += *smem.add(tid + stride);
        }
        _syncthreads();
        stride /= 2;
    }
    if tid == 0 {
        *out.add(_block_idx_x() as usize) = *smem;
    }
}

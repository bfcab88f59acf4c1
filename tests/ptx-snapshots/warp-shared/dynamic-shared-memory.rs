//! Dynamic shared memory from
//! `gpu::dynamic_shared::<T>()`: an
//! `.extern .shared` array sized at launch, used for a block-wide tree
//! reduction with `gpu::sync_threads()` between the steps.
//@ stages: ptx ptxas llvm-ir-opt sass
#![no_std]

// CHECK: .extern .shared .align {{[0-9]+}} .b8 gpu_launch_sized_workgroup_mem[];
// CHECK-LABEL: .visible .entry block_sum(
// CHECK: st.shared.b32
// CHECK: {{bar|barrier}}.sync 0;
// CHECK: ld.shared.b32
gpu::kernel! {
    pub unsafe fn block_sum(x: *const f32, out: *mut f32) {
        let smem = gpu::dynamic_shared::<f32>();
        let tid = gpu::thread_idx_x() as usize;
        let n = gpu::block_dim_x() as usize;
        let gid = gpu::block_idx_x() as usize * n + tid;
        *smem.add(tid) = *x.add(gid);
        gpu::sync_threads();
        let mut stride = n / 2;
        while stride > 0 {
            if tid < stride {
                *smem.add(tid) += *smem.add(tid + stride);
            }
            gpu::sync_threads();
            stride /= 2;
        }
        if tid == 0 {
            *out.add(gpu::block_idx_x() as usize) = *smem;
        }
    }
}

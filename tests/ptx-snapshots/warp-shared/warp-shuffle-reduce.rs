//! Warp-level sum with butterfly shuffles through the LLVM intrinsic
//! `llvm.nvvm.shfl.sync.bfly.i32` (declared with `link_llvm_intrinsics`):
//! five `shfl.sync.bfly.b32` steps with offsets 16, 8, 4, 2, 1, and no
//! shared memory.
//@ stages: ptx ptxas sass
#![no_std]

const FULL: u32 = 0xffff_ffff;

// CHECK-LABEL: .visible .entry warp_sum(
// CHECK: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// CHECK-NOT: shfl
// CHECK-NOT: .shared
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn warp_sum(x: *const i32, out: *mut i32) {
        let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
        let mut v = *x.add(i);
        let mut offset = 16;
        while offset > 0 {
            v = v.wrapping_add(gpu::shfl_sync_bfly_i32(FULL, v, offset, 31));
            offset /= 2;
        }
        if gpu::thread_idx_x() % 32 == 0 {
            *out.add(i / 32) = v;
        }
    }
}

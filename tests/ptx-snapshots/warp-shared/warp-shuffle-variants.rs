//! The other shuffle modes (down, up, idx) on i32 and f32, through LLVM
//! intrinsic declarations, including a broadcast from lane 0.
//@ stages: ptx ptxas sass
#![no_std]

const FULL: u32 = 0xffff_ffff;

// CHECK-LABEL: .visible .entry broadcast_lane0(
// CHECK: shfl.sync.idx.b32 {{.*}}, 0, 31, -1;
gpu::kernel! {
    pub unsafe fn broadcast_lane0(x: *mut i32) {
        let i = gpu::thread_idx_x() as usize;
        *x.add(i) = gpu::shfl_sync_idx_i32(FULL, *x.add(i), 0, 31);
    }
}

// CHECK-LABEL: .visible .entry inclusive_scan(
// CHECK: shfl.sync.up.b32 {{.*}}, 1, 0, -1;
// CHECK: shfl.sync.up.b32 {{.*}}, 16, 0, -1;
gpu::kernel! {
    pub unsafe fn inclusive_scan(x: *mut i32) {
        let i = gpu::thread_idx_x() as usize;
        let lane = (gpu::thread_idx_x() % 32) as i32;
        let mut v = *x.add(i);
        let mut d = 1;
        while d < 32 {
            let n = gpu::shfl_sync_up_i32(FULL, v, d as u32, 0);
            if lane >= d {
                v += n;
            }
            d *= 2;
        }
        *x.add(i) = v;
    }
}

// CHECK-LABEL: .visible .entry reduce_down_f32(
// CHECK: shfl.sync.down.b32 {{.*}}, 16, 31, -1;
// CHECK: add.rn.f32
gpu::kernel! {
    pub unsafe fn reduce_down_f32(x: *const f32, out: *mut f32) {
        let mut v = *x.add(gpu::thread_idx_x() as usize);
        for d in [16, 8, 4, 2, 1] {
            v += gpu::shfl_sync_down_f32(FULL, v, d, 31);
        }
        if gpu::thread_idx_x() == 0 {
            *out = v;
        }
    }
}

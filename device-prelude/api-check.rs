//! Every item of the device prelude's API (device-prelude/README.md), with
//! its exact signature. `harness/tests/prelude_api.rs` compiles this crate
//! against each prelude CI can build (builtin, gpu-kernel);
//! `backends/cuda-oxide/run-suite.sh` does the same for cuda-oxide's. A
//! prelude that misses an item or changes a signature fails to compile it.
#![no_std]
#![allow(clippy::type_complexity)]

use core::ffi::c_void;

gpu::kernel! {
    /// Both macros, every function, in one kernel.
    pub unsafe fn api_check(out: *mut u32, f: *mut f32) {
        let tile: *mut u32 = gpu::static_shared!(api_tile: [u32; 32]);
        let dynamic: *mut u32 = gpu::dynamic_shared::<u32>();
        let t = gpu::thread_idx_x();
        *tile.add(t as usize) = t;
        *dynamic.add(t as usize) = t;
        gpu::sync_threads();
        let indices: [unsafe fn() -> u32; 12] = [
            gpu::thread_idx_x,
            gpu::thread_idx_y,
            gpu::thread_idx_z,
            gpu::block_idx_x,
            gpu::block_idx_y,
            gpu::block_idx_z,
            gpu::block_dim_x,
            gpu::block_dim_y,
            gpu::block_dim_z,
            gpu::grid_dim_x,
            gpu::grid_dim_y,
            gpu::grid_dim_z,
        ];
        let mut sum = 0;
        for read in indices {
            sum += read();
        }
        // Warp operations may be foreign functions (`extern "C"` LLVM
        // intrinsics) or Rust ones, so they are checked by calls with typed
        // arguments and results rather than as `fn` pointers.
        let (m, v, x) = (0xffff_ffff_u32, sum as i32, sum as f32);
        let ints: [i32; 4] = [
            gpu::shfl_sync_bfly_i32(m, v, 1u32, 0x1f_u32),
            gpu::shfl_sync_idx_i32(m, v, 0u32, 0x1f_u32),
            gpu::shfl_sync_up_i32(m, v, 1u32, 0u32),
            gpu::shfl_sync_down_i32(m, v, 1u32, 0x1f_u32),
        ];
        let floats: [f32; 4] = [
            gpu::shfl_sync_bfly_f32(m, x, 1u32, 0x1f_u32),
            gpu::shfl_sync_idx_f32(m, x, 0u32, 0x1f_u32),
            gpu::shfl_sync_up_f32(m, x, 1u32, 0u32),
            gpu::shfl_sync_down_f32(m, x, 1u32, 0x1f_u32),
        ];
        let reduced: [u32; 6] = [
            gpu::redux_sync_add(sum, m),
            gpu::redux_sync_umin(sum, m),
            gpu::redux_sync_umax(sum, m),
            gpu::redux_sync_and(sum, m),
            gpu::redux_sync_or(sum, m),
            gpu::redux_sync_xor(sum, m),
        ];
        let signed: [i32; 2] = [gpu::redux_sync_min(v, m), gpu::redux_sync_max(v, m)];
        let votes: [bool; 2] = [gpu::vote_sync_any(m, t == 0), gpu::vote_sync_all(m, t == 0)];
        let ballot: u32 = gpu::vote_sync_ballot(m, t == 0);
        let active: u32 = gpu::activemask();
        let printed: i32 = gpu::vprintf(b"%u\n\0".as_ptr(), &sum as *const u32 as *const c_void);
        let heap: *mut c_void = gpu::malloc(16usize);
        gpu::free(heap);
        if sum == 12345 {
            let _never: () = gpu::trap();
        }
        sum = sum
            .wrapping_add(ints[3] as u32)
            .wrapping_add(floats[3] as u32)
            .wrapping_add(reduced[5])
            .wrapping_add(signed[1] as u32)
            .wrapping_add(votes[1] as u32)
            .wrapping_add(ballot)
            .wrapping_add(active)
            .wrapping_add(printed as u32);
        *out = sum + *tile + *dynamic;
        *f = 1.0;
    }
}

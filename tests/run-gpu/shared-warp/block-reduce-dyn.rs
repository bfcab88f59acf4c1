//! A two-pass block reduction in dynamic shared memory
//! (`gpu_launch_sized_workgroup_mem`, sized by the launch): 64 blocks of 256
//! threads each reduce their slice with a `_syncthreads`-separated tree,
//! then one block of 64 threads reduces the 64 partial sums.
//! Input x[i] = i for i < 16384.
//@ run-pass
// Block b sums 256b .. 256b+255: 256*256b + 255*256/2 = 65536b + 32640.
// Block 0 -> 32640, block 63 -> 4128768 + 32640 = 4161408; all 64 checked on the host.
//@ stdout: Output: partials 64 of 64 match, first 32640 last 4161408
// Total: 16384 * 16383 / 2 = 134209536.
//@ stdout: Output: total 134209536
// The same kernel on a 1000-element input with 4 blocks, masked tail: 999*1000/2 = 499500.
//@ stdout: Output: masked total 499500
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        /// Sums `x[0..n]` per block into `partial[block]`. The launch must give
        /// `blockDim.x * 4` bytes of dynamic shared memory; blockDim.x must be a power of two.
        pub unsafe fn block_sum(n: u32, x: *const u32, partial: *mut u32) {
            let smem = gpu::dynamic_shared::<u32>();
            let t = gpu::thread_idx_x();
            let i = gpu::block_idx_x() * gpu::block_dim_x() + t;
            *smem.add(t as usize) = if i < n { *x.add(i as usize) } else { 0 };
            gpu::sync_threads();
            let mut stride = gpu::block_dim_x() / 2;
            while stride > 0 {
                if t < stride {
                    *smem.add(t as usize) += *smem.add((t + stride) as usize);
                }
                gpu::sync_threads();
                stride /= 2;
            }
            if t == 0 {
                *partial.add(gpu::block_idx_x() as usize) = *smem;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("block_sum")?;
        let n = 16384u32;
        let x = gpu.upload(&(0..n).collect::<Vec<u32>>())?;
        let partial = gpu.zeros::<u32>(64)?;
        k.launch(LaunchConfig::grid_block(64, 256).shared_mem(256 * 4), &[&n, &x, &partial])?;
        let p = partial.to_vec()?;
        let ok = (0..64u32).filter(|&b| p[b as usize] == 65536 * b + 32640).count();
        println!("Output: partials {ok} of 64 match, first {} last {}", p[0], p[63]);
        let total = gpu.zeros::<u32>(1)?;
        k.launch(LaunchConfig::grid_block(1, 64).shared_mem(64 * 4), &[&64u32, &partial, &total])?;
        println!("Output: total {}", total.to_vec()?[0]);

        let m = 1000u32;
        let partial = gpu.zeros::<u32>(4)?;
        k.launch(LaunchConfig::grid_block(4, 256).shared_mem(256 * 4), &[&m, &x, &partial])?;
        k.launch(LaunchConfig::grid_block(1, 4).shared_mem(4 * 4), &[&4u32, &partial, &total])?;
        println!("Output: masked total {}", total.to_vec()?[0]);
        Ok(())
    });
}

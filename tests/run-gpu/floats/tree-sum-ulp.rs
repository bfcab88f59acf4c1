//! An f64 sum whose rounding depends on the summation order: 1024 threads
//! each add four terms 1/i^2, then a shared-memory tree combines the 1024
//! partial sums. The result differs from both a sequential sum and the exact
//! value by a few ulps, so it is compared with an ulp tolerance.
//@ run-pass
//@ float-tolerance: ulp 32
// sum_{i=1}^{N} 1/i^2 with N = 4096 (Euler-Maclaurin):
// pi^2/6 - 1/N + 1/(2N^2) - 1/(6N^3) + O(N^-5)
// = 1.6449340668482264 - 0.000244140625 + 0.0000000298023224 - 0.0000000000024253
// = 1.6446899560231234 (nearest f64). Error bound: each term is rounded once
// (i*i is exact), the per-thread sums add 3 roundings and the 10-level tree 10 more,
// all on values below 1.65: at most ~14 * 2^-53 * 1.65 relative ~ 14 ulps < 32.
//@ stdout: Output: sum 1.6446899560231234
// Exact integer cross-check through the same reduction: sum of i for i = 1..=4096 =
// 4096 * 4097 / 2 = 8390656 (every partial sum is an integer below 2^53: no rounding).
//@ stdout: Output: integer sum 8390656
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        /// One block of 1024 threads, 1024 * 8 bytes of dynamic shared memory.
        /// `square` selects 1/i^2 (1) or i (0) as the term.
        pub unsafe fn tree_sum(n: u32, square: u32, out: *mut f64) {
            let smem = gpu::dynamic_shared::<f64>();
            let t = gpu::thread_idx_x();
            let mut acc = 0.0f64;
            let mut i = t + 1;
            while i <= n {
                let x = i as f64;
                acc += if square != 0 { 1.0 / (x * x) } else { x };
                i += gpu::block_dim_x();
            }
            *smem.add(t as usize) = acc;
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
                *out = *smem;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("tree_sum")?;
        let cfg = LaunchConfig::single_block(1024).shared_mem(1024 * 8);
        let out = gpu.zeros::<f64>(1)?;
        k.launch(cfg, &[&4096u32, &1u32, &out])?;
        println!("Output: sum {}", out.to_vec()?[0]);
        k.launch(cfg, &[&4096u32, &0u32, &out])?;
        println!("Output: integer sum {}", out.to_vec()?[0]);
        Ok(())
    });
}

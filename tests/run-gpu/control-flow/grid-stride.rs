//! A grid-stride loop: 40 blocks of 128 threads (5120 threads) cover
//! n = 1000003 elements, computing y = 3*x + y (u32, wrapping) in place.
//! Each thread also counts its own iterations.
//@ run-pass
//@ timeout: 20s
// x[i] = i, y[i] = 2i -> y[i] = 5i, checked element-wise on the host.
//@ stdout: Output: 1000003 of 1000003 match
// sum 5i for i < n = 5 * n(n-1)/2 = 5 * 1000003 * 1000002 / 2 = 2500012500015.
//@ stdout: Output: checksum 2500012500015
// 1000003 = 195 * 5120 + 1603: threads 0..1603 run 196 iterations, the
// other 3517 run 195; the total is n.
//@ stdout: Output: iterations min 195 max 196, 1603 threads ran 196, total 1000003
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn saxpy_u32(n: u32, a: u32, x: *const u32, y: *mut u32, iters: *mut u32) {
            let tid = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let stride = gpu::grid_dim_x() * gpu::block_dim_x();
            let mut count = 0;
            let mut i = tid;
            while i < n {
                let yi = y.add(i as usize);
                *yi = a.wrapping_mul(*x.add(i as usize)).wrapping_add(*yi);
                count += 1;
                i += stride;
            }
            *iters.add(tid as usize) = count;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 1_000_003u32;
        let x: Vec<u32> = (0..n).collect();
        let y: Vec<u32> = (0..n).map(|i| 2 * i).collect();
        let (dx, dy) = (gpu.upload(&x)?, gpu.upload(&y)?);
        let threads = 40 * 128;
        let iters = gpu.zeros::<u32>(threads)?;
        module
            .kernel("saxpy_u32")?
            .launch(LaunchConfig::grid_block(40, 128), &[&n, &3u32, &dx, &dy, &iters])?;
        let y = dy.to_vec()?;
        let ok = (0..n as usize).filter(|&i| y[i] == 5 * i as u32).count();
        println!("Output: {ok} of {n} match");
        println!("Output: checksum {}", y.iter().map(|&v| v as u64).sum::<u64>());
        let it = iters.to_vec()?;
        let (mn, mx) = (it.iter().min().unwrap(), it.iter().max().unwrap());
        let at_max = it.iter().filter(|&&c| c == *mx).count();
        let total: u32 = it.iter().sum();
        println!("Output: iterations min {mn} max {mx}, {at_max} threads ran {mx}, total {total}");
        Ok(())
    });
}

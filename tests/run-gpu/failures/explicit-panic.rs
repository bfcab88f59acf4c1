//! An explicit `panic!` with a formatted message in one thread of a larger
//! grid: the whole launch fails, and the host exits with code 1. No output
//! is expected: the failing launch is the first one.
//@ run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ run-fail-stderr: kernel `check_limits` failed: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ exit-code: 1
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn check_limits(n: u32, x: *const u32, limit: u32, out: *mut u32) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            if i < n {
                let v = *x.add(i as usize);
                if v > limit {
                    panic!("element {} is {} > {}", i, v, limit);
                }
                *out.add(i as usize) = v;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        // One bad element (index 777) among 1024.
        let x: Vec<u32> = (0..1024).map(|i| if i == 777 { 5000 } else { i % 100 }).collect();
        let dx = gpu.upload(&x)?;
        let out = gpu.zeros::<u32>(1024)?;
        module
            .kernel("check_limits")?
            .launch(LaunchConfig::for_num_elems(1024), &[&1024u32, &dx, &1000u32, &out])?;
        println!("Output: no panic");
        Ok(())
    });
}

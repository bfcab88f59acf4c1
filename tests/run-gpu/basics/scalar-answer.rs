//! The smallest end-to-end test: one thread writes a constant that the
//! compiler folds (6 * 7), and a second kernel computes from its scalar
//! parameters at run time.
//@ run-pass
//@ stdout: Output: 42
// 1_000_000 * 3 + 7 = 3000007 (computed on the GPU from the two parameters)
//@ stdout: Output: 3000007
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn answer(out: *mut u32) {
            if gpu::thread_idx_x() == 0 {
                *out = 6 * 7;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn mul_add_u64(a: u64, b: u32, out: *mut u64) {
            *out = a * 3 + b as u64;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(1)?;
        module.kernel("answer")?.launch(LaunchConfig::single_thread(), &[&out])?;
        println!("Output: {}", out.to_vec()?[0]);

        let out = gpu.zeros::<u64>(1)?;
        module
            .kernel("mul_add_u64")?
            .launch(LaunchConfig::single_thread(), &[&1_000_000u64, &7u32, &out])?;
        println!("Output: {}", out.to_vec()?[0]);
        Ok(())
    });
}

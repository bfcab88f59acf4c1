//! `Option::unwrap` on `None` panics on the device; the panic handler traps
//! and the host program exits with code 1. The search succeeds for a key
//! that is present (first launch), then fails for one that is not.
//@ run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ run-fail-stderr: kernel `find` failed: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ exit-code: 1
// keys = [3, 1, 4, 1, 5, 9, 2, 6]: 9 is at position 5.
//@ stdout: Output: found 9 at 5
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn find(keys: *const u32, n: usize, key: u32, out: *mut u32) {
            let keys = core::slice::from_raw_parts(keys, n);
            *out = keys.iter().position(|&k| k == key).unwrap() as u32;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let keys = gpu.upload(&[3u32, 1, 4, 1, 5, 9, 2, 6])?;
        let out = gpu.zeros::<u32>(1)?;
        let k = module.kernel("find")?;
        k.launch(LaunchConfig::single_thread(), &[&keys, &8usize, &9u32, &out])?;
        println!("Output: found 9 at {}", out.to_vec()?[0]);
        k.launch(LaunchConfig::single_thread(), &[&keys, &8usize, &7u32, &out])?;
        println!("Output: found 7 at {} (unwrap did not panic)", out.to_vec()?[0]);
        Ok(())
    });
}

//! Integer division by zero always panics in Rust (it is checked even
//! without overflow checks): a runtime zero divisor traps the kernel and the
//! host exits with code 1. The launch with a non-zero divisor succeeds first.
//@ run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ run-fail-stderr: kernel `divide` failed: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ exit-code: 1
// 1000 / 7 = 142 (7 * 142 = 994).
//@ stdout: Output: 1000 / 7 = 142
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn divide(a: u32, b: *const u32, out: *mut u32) {
            *out = a / *b;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("divide")?;
        let out = gpu.zeros::<u32>(1)?;
        let seven = gpu.upload(&[7u32])?;
        k.launch(LaunchConfig::single_thread(), &[&1000u32, &seven, &out])?;
        println!("Output: 1000 / 7 = {}", out.to_vec()?[0]);
        let zero = gpu.upload(&[0u32])?;
        k.launch(LaunchConfig::single_thread(), &[&1000u32, &zero, &out])?;
        println!("Output: 1000 / 0 = {} (no panic)", out.to_vec()?[0]);
        Ok(())
    });
}

//! A store through a pointer parameter that points at unmapped memory
//! (device address 0x10, which the compiler cannot see) faults with
//! CUDA_ERROR_ILLEGAL_ADDRESS; the launch reports it and the host exits 1.
//! The same kernel with a real buffer succeeds first.
//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS
//@ run-fail-stderr: kernel `store` failed: CUDA_ERROR_ILLEGAL_ADDRESS
//@ exit-code: 1
// 41 + 1 = 42 stored into the real buffer.
//@ stdout: Output: 42
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn store(v: u32, out: *mut u32) {
            out.write_volatile(v + 1);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("store")?;
        let out = gpu.zeros::<u32>(1)?;
        k.launch(LaunchConfig::single_thread(), &[&41u32, &out])?;
        println!("Output: {}", out.to_vec()?[0]);
        k.launch(LaunchConfig::single_thread(), &[&41u32, &DevicePtr::<u32>::from_addr(0x10)])?;
        println!("Output: the store to 0x10 did not fault");
        Ok(())
    });
}

//! An out-of-range index on a slice built with `core::slice::from_raw_parts`
//! hits Rust's bounds check; the panic handler executes `trap`, the launch
//! fails with CUDA_ERROR_ILLEGAL_INSTRUCTION (what the driver reports for a
//! `trap`), and `host_runtime::run` exits with code 1 after printing that
//! error to stderr. The first launch (in range) must succeed
//! and print before the failing one.
//@ run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ run-fail-stderr: kernel `lookup` failed: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ exit-code: 1
// table = [10, 20, 30, 40]; index 2 -> 30.
//@ stdout: Output: in range 30
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn lookup(table: *const u32, len: usize, idx: usize, out: *mut u32) {
            let t = core::slice::from_raw_parts(table, len);
            *out = t[idx];
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        // The allocation is larger than the slice: index 6 is readable memory,
        // so only the bounds check can stop it.
        let table = gpu.upload(&[10u32, 20, 30, 40, 50, 60, 70, 80])?;
        let out = gpu.zeros::<u32>(1)?;
        let k = module.kernel("lookup")?;
        k.launch(LaunchConfig::single_thread(), &[&table, &4usize, &2usize, &out])?;
        println!("Output: in range {}", out.to_vec()?[0]);
        k.launch(LaunchConfig::single_thread(), &[&table, &4usize, &6usize, &out])?;
        println!("Output: out of range {} (the bounds check did not fire)", out.to_vec()?[0]);
        Ok(())
    });
}

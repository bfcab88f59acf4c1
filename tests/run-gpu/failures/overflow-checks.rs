//! Arithmetic overflow with and without `-C overflow-checks=on`: with the
//! checks, `u32::MAX + 1` (operands from memory) panics and the kernel traps
//! (exit code 1); without them, the addition wraps to 0. The first launch,
//! which does not overflow, runs in both revisions.
//@ revisions: checked wrapping
//@[checked] compile-flags: -C overflow-checks=on
//@[checked] run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@[checked] run-fail-stderr: kernel `add_one` failed: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@[checked] exit-code: 1
//@[wrapping] run-pass
// 4294967294 + 1 = 4294967295 = u32::MAX fits in both revisions.
//@ stdout: Output: 4294967294 + 1 = 4294967295
// Only reached without overflow checks: 4294967295 + 1 wraps to 0. (In the checked
// revision the program dies before printing this line; run-fail still compares the
// stdout printed so far, so the expected output differs per revision.)
//@[wrapping] stdout: Output: 4294967295 + 1 = 0
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn add_one(x: *const u32, out: *mut u32) {
            *out = *x + 1;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("add_one")?;
        let out = gpu.zeros::<u32>(1)?;
        for v in [u32::MAX - 1, u32::MAX] {
            let x = gpu.upload(&[v])?;
            k.launch(LaunchConfig::single_thread(), &[&x, &out])?;
            println!("Output: {v} + 1 = {}", out.to_vec()?[0]);
        }
        Ok(())
    });
}

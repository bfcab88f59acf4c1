//! A planted bug for the emulator's initcheck on shared memory (which
//! compute-sanitizer does not check): each of 32 threads writes slot t and
//! then reads slot t + 32, which no thread writes. A GPU returns whatever
//! the last block left there; initcheck stops the launch at the first such
//! load, thread 0's of slot 32 (byte offset 0x80).
//! The kernel reading only written slots runs clean first. The finding is
//! the emulator's, so this test always executes there.
//@ sanitize: initcheck
//@ run-fail: initcheck
//@ run-fail-stderr: initcheck: a load of 4 bytes at shared offset 0x80 reads 4 byte\(s\) of shared memory no thread of the block wrote
//@ run-fail-stderr: kernel `spill` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// Reading slot t (written with 3t): thread 31 reads 93; the sum is 3*(31*32/2) = 1488.
//@ stdout: Output: 93 1488
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn spill(offset: u32, out: *mut u32) {
            let s = gpu::dynamic_shared::<u32>();
            let t = gpu::thread_idx_x();
            *s.add(t as usize) = 3 * t;
            gpu::sync_threads();
            *out.add(t as usize) = *s.add((t + offset) as usize);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("spill")?;
        let out = gpu.zeros::<u32>(32)?;
        let cfg = LaunchConfig::single_block(32).shared_mem(64 * 4);
        k.launch(cfg, &[&0u32, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {}", v[31], v.iter().sum::<u32>());
        k.launch(cfg, &[&32u32, &out])?;
        println!("Output: the uninitialized shared read was not reported");
        Ok(())
    });
}

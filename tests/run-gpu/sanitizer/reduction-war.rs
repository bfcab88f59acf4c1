//! A planted bug for the emulator's racecheck: a shared-memory tree
//! reduction whose loop has its barrier before the add but not after it,
//! so in the next step a thread reads a slot (t + stride) while its owner
//! may still be writing it — or overwrites its own slot while a thread of
//! the previous step still reads it: a write-after-read or
//! read-after-write hazard between two warps. The reduction with both
//! barriers runs clean first. The finding is the emulator's, so this test
//! always executes there.
//@ sanitize: racecheck
//@ run-fail: racecheck
//@ run-fail-stderr: racecheck: (write-after-read \(WAR\)|read-after-write \(RAW\)) hazard on shared memory
//@ run-fail-stderr: kernel `tree` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// 256 threads each contribute t: the sum is 256*255/2 = 32640.
//@ stdout: Output: 32640
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn tree(both: u32, out: *mut u32) {
            let s = gpu::dynamic_shared::<u32>();
            let t = gpu::thread_idx_x();
            *s.add(t as usize) = t;
            gpu::sync_threads();
            let mut stride = gpu::block_dim_x() / 2;
            while stride > 0 {
                if t < stride {
                    *s.add(t as usize) += *s.add((t + stride) as usize);
                }
                if both != 0 {
                    gpu::sync_threads();
                }
                stride /= 2;
            }
            gpu::sync_threads();
            if t == 0 {
                *out = *s;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("tree")?;
        let out = gpu.zeros::<u32>(1)?;
        let cfg = LaunchConfig::single_block(256).shared_mem(256 * 4);
        k.launch(cfg, &[&1u32, &out])?;
        println!("Output: {}", out.to_vec()?[0]);
        k.launch(cfg, &[&0u32, &out])?;
        println!("Output: the missing barrier was not reported");
        Ok(())
    });
}

//! A planted bug for the emulator's synccheck: `sync_threads` inside a
//! branch that only the first 16 lanes of the warp take; the other 16 go
//! around it, read (their own slot of) shared memory and leave. `bar.sync` is an aligned
//! barrier: every thread of a warp must reach it, or none. On a GPU this
//! may hang, or pass with stale data; synccheck reports the lanes that went
//! around the barrier. The kernel with the barrier outside the branch runs
//! clean first. The finding is the emulator's, so this test always
//! executes there.
//@ sanitize: synccheck
//@ run-fail: synccheck
//@ run-fail-stderr: synccheck: this thread exits without reaching the bar.sync at PTX line [0-9]+ that other lanes of its warp wait at, after accessing memory at PTX line [0-9]+ past it
//@ run-fail-stderr: kernel `half` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// With the barrier for all: thread t reads slot 31 - t, written with t + 100:
// thread 0 reads 131, thread 31 reads 100; the sum is 32*100 + 31*32/2 = 3696.
//@ stdout: Output: 131 100 3696
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn half(inside: u32, out: *mut u32) {
            let s = gpu::dynamic_shared::<u32>();
            let t = gpu::thread_idx_x();
            *s.add(t as usize) = t + 100;
            if inside != 0 {
                if t < 16 {
                    gpu::sync_threads();
                }
            } else {
                gpu::sync_threads();
            }
            // The buggy launch reads each thread's own slot, so that the
            // barrier's absence is no data race (racecheck stays quiet
            // under `--sanitize all`) and only synccheck has a finding.
            let src = if inside != 0 { t } else { 31 - t };
            *out.add(t as usize) = *s.add(src as usize);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("half")?;
        let out = gpu.zeros::<u32>(32)?;
        let cfg = LaunchConfig::single_block(32).shared_mem(32 * 4);
        k.launch(cfg, &[&0u32, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {} {}", v[0], v[31], v.iter().sum::<u32>());
        k.launch(cfg, &[&1u32, &out])?;
        println!("Output: the divergent barrier was not reported");
        Ok(())
    });
}

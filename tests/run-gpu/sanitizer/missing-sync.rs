//! A planted bug for the emulator's racecheck: each thread writes its index
//! to shared memory and reads its neighbour's slot, with the
//! `sync_threads` between them left out. On a GPU the read sees the old or
//! the new value depending on timing; racecheck reports the read-after-write
//! hazard, naming both accesses. The same kernel with the barrier runs
//! clean first. The finding is the emulator's, so this test always
//! executes there.
//@ sanitize: racecheck
//@ run-fail: racecheck
//@ run-fail-stderr: racecheck: read-after-write \(RAW\) hazard on shared memory at 0x[0-9a-f]+ \(4 bytes\): thread \[[0-9]+, 0, 0\] wrote it at PTX line [0-9]+, and nothing orders this thread's access
//@ run-fail-stderr: kernel `neighbour` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// With the barrier, thread t reads (t + 1) mod 64: thread 0 reads 1, thread
// 63 reads 0, and the 64 values are 0..63 again, summing to 64*63/2 = 2016.
//@ stdout: Output: 1 0 2016
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn neighbour(sync: u32, out: *mut u32) {
            let s = gpu::dynamic_shared::<u32>();
            let t = gpu::thread_idx_x();
            *s.add(t as usize) = t;
            if sync != 0 {
                gpu::sync_threads();
            }
            let n = gpu::block_dim_x();
            *out.add(t as usize) = *s.add(((t + 1) % n) as usize);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("neighbour")?;
        let out = gpu.zeros::<u32>(64)?;
        let cfg = LaunchConfig::single_block(64).shared_mem(64 * 4);
        k.launch(cfg, &[&1u32, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {} {}", v[0], v[63], v.iter().sum::<u32>());
        k.launch(cfg, &[&0u32, &out])?;
        println!("Output: the missing barrier was not reported");
        Ok(())
    });
}

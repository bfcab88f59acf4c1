//! A planted bug for the emulator's racecheck on global memory (which
//! compute-sanitizer does not check): thread 0 of each of two blocks bumps
//! one counter with a plain load and store instead of an atomic. On a GPU
//! the count comes out 1 or 2 depending on timing; racecheck reports the
//! hazard between the two blocks. The same counter bumped with an atomic
//! runs clean first.
//@ sanitize: racecheck
//@ run-fail: racecheck
//@ run-fail-stderr: racecheck: (read-after-write \(RAW\)|write-after-write \(WAW\)|write-after-read \(WAR\)) hazard on global memory at 0x[0-9a-f]+ \(4 bytes\): thread \[0, 0, 0\] of block 0 \(linear index\)
//@ run-fail-stderr: kernel `bump` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// Two blocks, one atomic add each: 2.
//@ stdout: Output: 2
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

    gpu::kernel! {
        pub unsafe fn bump(atomic: u32, counter: *mut u32) {
            if gpu::thread_idx_x() != 0 {
                return;
            }
            if atomic != 0 {
                AtomicU32::from_ptr(counter).fetch_add(1, Relaxed);
            } else {
                *counter += 1;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("bump")?;
        let counter = gpu.zeros::<u32>(1)?;
        k.launch(LaunchConfig::grid_block(2, 32), &[&1u32, &counter])?;
        println!("Output: {}", counter.to_vec()?[0]);
        k.launch(LaunchConfig::grid_block(2, 32), &[&0u32, &counter])?;
        println!("Output: the race was not reported");
        Ok(())
    });
}

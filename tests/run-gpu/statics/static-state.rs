//! Mutable statics live in the module's global memory, keep their
//! initializers, and persist from one kernel launch to the next within the
//! same loaded module: an atomic counter, a `static mut` array, and a
//! `static mut` scalar with a non-zero initializer, read back by a separate
//! kernel.
//@ run-pass
// Three launches of 64 threads each bump the counter once per thread: 3 * 64 = 192.
//@ stdout: Output: counter 192
// Launch k (k = 0, 1, 2) has thread 0 record k*10 + 1: [1, 11, 21, 0] (slot 3 never written).
//@ stdout: Output: history [1, 11, 21, 0]
// ACC starts at 1000 and thread 0 of launch k adds k: 1000 + 0 + 1 + 2 = 1003.
//@ stdout: Output: acc 1003
// One more 64-thread launch (k = 99 records nothing): 192 + 64 = 256.
//@ stdout: Output: counter after 4th launch 256
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ptr::addr_of_mut;
    use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

    static COUNTER: AtomicU32 = AtomicU32::new(0);
    static mut HISTORY: [u32; 4] = [0; 4];
    static mut ACC: u64 = 1000;

    gpu::kernel! {
        pub unsafe fn bump(k: u32) {
            COUNTER.fetch_add(1, Relaxed);
            if gpu::thread_idx_x() == 0 && k < 4 {
                (*addr_of_mut!(HISTORY))[k as usize] = k * 10 + 1;
                *addr_of_mut!(ACC) += k as u64;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn read_state(counter: *mut u32, history: *mut u32, acc: *mut u64) {
            *counter = COUNTER.load(Relaxed);
            for k in 0..4 {
                *history.add(k) = (*addr_of_mut!(HISTORY))[k];
            }
            *acc = *addr_of_mut!(ACC);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let bump = module.kernel("bump")?;
        for k in 0..3u32 {
            bump.launch(LaunchConfig::single_block(64), &[&k])?;
        }
        let (counter, history, acc) = (gpu.zeros::<u32>(1)?, gpu.zeros::<u32>(4)?, gpu.zeros::<u64>(1)?);
        let read = module.kernel("read_state")?;
        read.launch(LaunchConfig::single_thread(), &[&counter, &history, &acc])?;
        println!("Output: counter {}", counter.to_vec()?[0]);
        println!("Output: history {:?}", history.to_vec()?);
        println!("Output: acc {}", acc.to_vec()?[0]);
        bump.launch(LaunchConfig::single_block(64), &[&99u32])?;
        read.launch(LaunchConfig::single_thread(), &[&counter, &history, &acc])?;
        println!("Output: counter after 4th launch {}", counter.to_vec()?[0]);
        Ok(())
    });
}

//! Compare-and-swap loops built on `compare_exchange`/`compare_exchange_weak`
//! and `fetch_update`: an f32 atomic add (no native Rust AtomicF32), a
//! counter that stops at a cap, and a spin lock (Acquire/Release) guarding
//! plain non-atomic data. The f32 sum depends on the order in which threads
//! win, so it is compared with a tolerance.
//@ run-pass
//@ float-tolerance: rel 1e-4
// 1024 threads add 1/(i+1): H_1024 = ln 1024 + gamma + 1/2048 - 1/(12*1024^2) + ...
// = 6.9314718 + 0.5772157 + 0.0004883 - 0.0000001 = 7.5091757 (exact rational sum
// 7.50917567...). Summing 1024 positive f32 terms in any order errs by at most about
// 1023 * 2^-24 ~ 6e-5 relative, inside the tolerance.
//@ stdout: Output: harmonic 7.5091757
// 4096 threads race to increment a counter capped at 1000: exactly 1000 succeed.
//@ stdout: Output: capped 1000 successes 1000
// fetch_update keeping the largest odd id: ids 0..4096 -> 4095.
//@ stdout: Output: largest odd 4095
// Spin lock: thread 0 of each of 128 blocks adds its block id to a plain u64 and
// bumps a plain count: 0 + 1 + ... + 127 = 127*128/2 = 8128, count 128.
//@ stdout: Output: locked sum 8128 count 128
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::sync::atomic::{AtomicU32, Ordering::*};

    fn atomic_add_f32(a: &AtomicU32, v: f32) {
        let mut cur = a.load(Relaxed);
        loop {
            let new = (f32::from_bits(cur) + v).to_bits();
            match a.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
                Ok(_) => return,
                Err(seen) => cur = seen,
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn harmonic(sum: *mut u32) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            atomic_add_f32(AtomicU32::from_ptr(sum), 1.0 / (i + 1) as f32);
        }
    }

    gpu::kernel! {
        pub unsafe fn capped(cap: u32, counter: *mut u32, successes: *mut u32, odd: *mut u32) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let c = AtomicU32::from_ptr(counter);
            let won = loop {
                let cur = c.load(Relaxed);
                if cur >= cap {
                    break false;
                }
                if c.compare_exchange(cur, cur + 1, Relaxed, Relaxed).is_ok() {
                    break true;
                }
            };
            if won {
                AtomicU32::from_ptr(successes).fetch_add(1, Relaxed);
            }
            let _ = AtomicU32::from_ptr(odd).fetch_update(Relaxed, Relaxed, |best| {
                if i % 2 == 1 && i > best { Some(i) } else { None }
            });
        }
    }

    gpu::kernel! {
        pub unsafe fn locked(lock: *mut u32, data: *mut u64) {
            if gpu::thread_idx_x() != 0 {
                return;
            }
            let l = AtomicU32::from_ptr(lock);
            while l.compare_exchange(0, 1, Acquire, Relaxed).is_err() {
                core::hint::spin_loop();
            }
            *data += gpu::block_idx_x() as u64;
            *data.add(1) += 1;
            l.store(0, Release);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let sum = gpu.zeros::<u32>(1)?; // bits of 0.0f32
        module.kernel("harmonic")?.launch(LaunchConfig::grid_block(4, 256), &[&sum])?;
        println!("Output: harmonic {}", f32::from_bits(sum.to_vec()?[0]));

        let (counter, successes, odd) = (gpu.zeros::<u32>(1)?, gpu.zeros::<u32>(1)?, gpu.zeros::<u32>(1)?);
        module
            .kernel("capped")?
            .launch(LaunchConfig::grid_block(16, 256), &[&1000u32, &counter, &successes, &odd])?;
        println!("Output: capped {} successes {}", counter.to_vec()?[0], successes.to_vec()?[0]);
        println!("Output: largest odd {}", odd.to_vec()?[0]);

        let (lock, data) = (gpu.zeros::<u32>(1)?, gpu.zeros::<u64>(2)?);
        module.kernel("locked")?.launch(LaunchConfig::grid_block(128, 32), &[&lock, &data])?;
        let d = data.to_vec()?;
        println!("Output: locked sum {} count {}", d[0], d[1]);
        Ok(())
    });
}

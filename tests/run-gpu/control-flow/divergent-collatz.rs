//! Heavily divergent per-thread loops: thread k computes the Collatz step
//! count of k + 1 for 1..=9999. Neighbouring threads take different branches
//! and run for different trip counts, so the warp must reconverge correctly.
//! Known values (OEIS A006577 / Wikipedia "Collatz conjecture"): 27 takes 111
//! steps, 97 takes 118, 871 takes 178, and below 10^4 the longest is 6171
//! with 261 steps.
//@ run-pass
//@ stdout: Output: steps 27 -> 111, 97 -> 118, 871 -> 178
//@ stdout: Output: longest below 10000: 6171 with 261 steps
//@ stdout: Output: 9999 of 9999 match the host
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn collatz(n: u32, steps: *mut u32) {
            let k = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            if k >= n {
                return;
            }
            let mut v = k as u64 + 1;
            let mut s = 0;
            while v != 1 {
                v = if v % 2 == 0 { v / 2 } else { 3 * v + 1 };
                s += 1;
            }
            *steps.add(k as usize) = s;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 9999u32;
        let steps = gpu.zeros::<u32>(n as usize)?;
        module
            .kernel("collatz")?
            .launch(LaunchConfig::for_num_elems(n), &[&n, &steps])?;
        let s = steps.to_vec()?;
        let at = |x: usize| s[x - 1];
        println!("Output: steps 27 -> {}, 97 -> {}, 871 -> {}", at(27), at(97), at(871));
        let (best, most) = s
            .iter()
            .enumerate()
            .fold((0, 0), |(b, m), (i, &c)| if c > m { (i + 1, c) } else { (b, m) });
        println!("Output: longest below 10000: {best} with {most} steps");
        let mut ok = 0;
        for (i, &got) in s.iter().enumerate() {
            let mut v = i as u64 + 1;
            let mut want = 0;
            while v != 1 {
                v = if v % 2 == 0 { v / 2 } else { 3 * v + 1 };
                want += 1;
            }
            if got == want {
                ok += 1;
            }
        }
        println!("Output: {ok} of {n} match the host");
        Ok(())
    });
}

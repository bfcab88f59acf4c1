//! Closures (capturing by reference and by move, passed as `impl Fn` and
//! `&mut dyn FnMut`) and iterator chains over slices made with
//! `core::slice::from_raw_parts` from kernel pointer parameters.
//! Data: x[i] = i and y[i] = 64 - i for i in 0..64.
//@ run-pass
// dot = sum i*(64-i) = 64*sum(i) - sum(i^2) = 64*2016 - 63*64*127/6 = 129024 - 85344 = 43680.
//@ stdout: Output: dot 43680
// Even x: 32 of them; sum of odd x = 1+3+...+63 = 32^2 = 1024.
//@ stdout: Output: evens 32 odd-sum 1024
// windows(3) sums: the largest is 61+62+63 = 186; chunks(16) sums: 120, 376, 632, 888
// (chunk c sums 16c*16 + 120).
//@ stdout: Output: max-window 186 chunks 120 376 632 888
// position of the first x*x > 1000: 32 (31^2 = 961); any(x > 62) true; all(y > 0) true.
//@ stdout: Output: position 32 any true all true
// max_by_key of (x % 10, x): x%10 = 9 for 9, 19, ..., 59 -> key (9, 59) -> 59;
// rev().skip(3).step_by(5).take(4) over x: 60 55 50 45 -> sum 210.
//@ stdout: Output: max_by_key 59 rev-chain 210
// Closures: make_adder(5) applied through apply_twice -> 10 + 5 + 5 = 20;
// a FnMut counter called through &mut dyn FnMut 7 times -> 7; fold with captured
// scale 3: 3 * sum(x) = 3 * 2016 = 6048.
//@ stdout: Output: closures 20 7 6048
// Per-thread: thread t sums the subslice x[t..t+4] = t + (t+1) + (t+2) + (t+3) = 4t + 6,
// for t = 0..=60 (61 windows; threads 61..64 would run past the end and skip).
//@ stdout: Output: per-thread 61 of 61 match
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::slice;

    fn make_adder(k: u64) -> impl Fn(u64) -> u64 {
        move |v| v + k
    }

    fn apply_twice(f: impl Fn(u64) -> u64, v: u64) -> u64 {
        f(f(v))
    }

    fn call_n(f: &mut dyn FnMut(), n: u32) {
        for _ in 0..n {
            f();
        }
    }

    gpu::kernel! {
        pub unsafe fn chains(n: usize, xp: *const u64, yp: *const u64, out: *mut u64) {
            let x = slice::from_raw_parts(xp, n);
            let y = slice::from_raw_parts(yp, n);
            let mut k = 0;
            let mut put = |v: u64| {
                *out.add(k) = v;
                k += 1;
            };
            put(x.iter().zip(y).map(|(a, b)| a * b).sum());
            put(x.iter().filter(|&&v| v % 2 == 0).count() as u64);
            put(x.iter().filter(|&&v| v % 2 == 1).sum());
            put(x.windows(3).map(|w| w.iter().sum::<u64>()).max().unwrap_or(0));
            for c in x.chunks(16) {
                put(c.iter().sum());
            }
            put(x.iter().position(|&v| v * v > 1000).map_or(u64::MAX, |p| p as u64));
            put(x.iter().any(|&v| v > 62) as u64);
            put(y.iter().all(|&v| v > 0) as u64);
            put(*x.iter().max_by_key(|&&v| (v % 10, v)).unwrap_or(&0));
            put(x.iter().rev().skip(3).step_by(5).take(4).sum());
            put(apply_twice(make_adder(5), 10));
            let mut calls = 0u64;
            call_n(&mut || calls += 1, 7);
            put(calls);
            let scale = 3;
            put(x.iter().fold(0, |acc, &v| acc + scale * v));
        }
    }

    gpu::kernel! {
        pub unsafe fn windows4(n: usize, xp: *const u64, out: *mut u64) {
            let x = slice::from_raw_parts(xp, n);
            let t = gpu::thread_idx_x() as usize;
            if t + 4 <= n {
                *out.add(t) = x[t..t + 4].iter().copied().sum();
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 64usize;
        let x: Vec<u64> = (0..n as u64).collect();
        let y: Vec<u64> = (0..n as u64).map(|i| 64 - i).collect();
        let (dx, dy) = (gpu.upload(&x)?, gpu.upload(&y)?);
        let out = gpu.zeros::<u64>(18)?;
        module.kernel("chains")?.launch(LaunchConfig::single_thread(), &[&n, &dx, &dy, &out])?;
        let v = out.to_vec()?;
        println!("Output: dot {}", v[0]);
        println!("Output: evens {} odd-sum {}", v[1], v[2]);
        println!("Output: max-window {} chunks {} {} {} {}", v[3], v[4], v[5], v[6], v[7]);
        println!("Output: position {} any {} all {}", v[8], v[9] == 1, v[10] == 1);
        println!("Output: max_by_key {} rev-chain {}", v[11], v[12]);
        println!("Output: closures {} {} {}", v[13], v[14], v[15]);

        let out = gpu.zeros::<u64>(n)?;
        module.kernel("windows4")?.launch(LaunchConfig::single_block(64), &[&n, &dx, &out])?;
        let w = out.to_vec()?;
        let ok = (0..=n - 4).filter(|&t| w[t] == 4 * t as u64 + 6).count();
        println!("Output: per-thread {ok} of {} match", n - 3);
        Ok(())
    });
}

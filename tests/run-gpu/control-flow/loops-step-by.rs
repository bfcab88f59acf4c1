//! Loop forms with bounds from kernel parameters: `step_by` forwards and on
//! a reversed inclusive range, `while`, `loop` with a break value, `continue`,
//! and a nested loop with an early `return` from a helper.
//@ run-pass
// n = 20: (0..20).step_by(3) = 0+3+...+18 = 3*(0+1+...+6) = 63.
//@ stdout: Output: step_by 63
// (1..=20).rev().step_by(4) = 20+16+12+8+4 = 60.
//@ stdout: Output: rev step_by 60
// Digits of 987654321 counted with a while loop: 9.
//@ stdout: Output: while 9
// First k with k*k > 1000: 31^2 = 961, 32^2 = 1024 -> 32.
//@ stdout: Output: loop-break 32
// Sum of 0..20 skipping multiples of 3: 190 - 63 = 127.
//@ stdout: Output: continue 127
// Smallest x >= 2 with x*x*x > 5000: 17^3 = 4913, 18^3 = 5832 -> 18 (early return).
//@ stdout: Output: early-return 18
// Triangle sum over i < 20, j <= i: sum (i+1) = 20*21/2 = 210.
//@ stdout: Output: nested 210
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    #[inline(never)]
    fn first_cube_above(limit: u32) -> u32 {
        let mut x = 2;
        loop {
            if x * x * x > limit {
                return x;
            }
            x += 1;
        }
    }

    gpu::kernel! {
        pub unsafe fn loops(n: u32, big: u32, limit: u32, out: *mut u32) {
            let mut s = 0;
            for i in (0..n).step_by(3) {
                s += i;
            }
            *out = s;

            let mut s = 0;
            for i in (1..=n).rev().step_by(4) {
                s += i;
            }
            *out.add(1) = s;

            let mut x = big;
            let mut digits = 0;
            while x > 0 {
                x /= 10;
                digits += 1;
            }
            *out.add(2) = digits;

            let mut k = 0u32;
            let found = loop {
                if k * k > limit / 5 {
                    break k;
                }
                k += 1;
            };
            *out.add(3) = found;

            let mut s = 0;
            for i in 0..n {
                if i % 3 == 0 {
                    continue;
                }
                s += i;
            }
            *out.add(4) = s;

            *out.add(5) = first_cube_above(limit);

            let mut s = 0;
            for i in 0..n {
                for _j in 0..=i {
                    s += 1;
                }
            }
            *out.add(6) = s;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(7)?;
        module
            .kernel("loops")?
            .launch(LaunchConfig::single_thread(), &[&20u32, &987_654_321u32, &5000u32, &out])?;
        let v = out.to_vec()?;
        for (name, x) in ["step_by", "rev step_by", "while", "loop-break", "continue", "early-return", "nested"]
            .iter()
            .zip(v)
        {
            println!("Output: {name} {x}");
        }
        Ok(())
    });
}

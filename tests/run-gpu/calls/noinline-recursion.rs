//! Real device calls: `#[inline(never)]` functions with many arguments and
//! aggregate returns, direct recursion (Fibonacci, Ackermann, GCD), mutual
//! recursion, and recursion that keeps a local array on the stack. One
//! thread per input so each recursion depth differs per thread.
//@ run-pass
// fib(n) for n = 0..=20, computed naively per thread; fib(20) = 6765; all 21 checked on the host.
//@ stdout: Output: fib 21 of 21 match, fib(20) = 6765
// Ackermann A(2, n) = 2n + 3 -> A(2, 3) = 9; A(1, n) = n + 2 -> A(1, 5) = 7. (Kept small:
// recursion depth is about A(m, n) frames, and the default device stack is 1 KiB per thread.)
//@ stdout: Output: ackermann 9 7
// gcd(1071, 462) = 21 (Euclid: 1071 = 2*462 + 147, 462 = 3*147 + 21, 147 = 7*21);
// gcd(2^20, 6^10) = 2^10 = 1024.
//@ stdout: Output: gcd 21 1024
// Mutual recursion is_even/is_odd: 10 -> even, 7 -> odd.
//@ stdout: Output: parity even odd
// Recursive sum with a 16-word local array per frame, depth 10: each frame sums
// d*0 + ... + d*15 = 120d; sum over d = 1..=10 of 120d = 120 * 55 = 6600.
//@ stdout: Output: stack frames 6600
// Eight arguments and a (u64, u32, i16) result through a non-inlined call:
// sum 1+2+...+8 = 36, product 8! = 40320, alternating 1-2+3-4+5-6+7-8 = -4.
//@ stdout: Output: many-args (36, 40320, -4)
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    #[inline(never)]
    fn fib(n: u32) -> u32 {
        if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
    }

    #[inline(never)]
    fn ackermann(m: u64, n: u64) -> u64 {
        match (m, n) {
            (0, n) => n + 1,
            (m, 0) => ackermann(m - 1, 1),
            (m, n) => ackermann(m - 1, ackermann(m, n - 1)),
        }
    }

    #[inline(never)]
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    #[inline(never)]
    fn is_even(n: u32) -> bool {
        if n == 0 { true } else { is_odd(n - 1) }
    }

    #[inline(never)]
    fn is_odd(n: u32) -> bool {
        if n == 0 { false } else { is_even(n - 1) }
    }

    #[inline(never)]
    fn frames(depth: u32, seed: *const u32) -> u32 {
        if depth == 0 {
            return 0;
        }
        let mut local = [0u32; 16];
        for (k, slot) in local.iter_mut().enumerate() {
            // `seed` holds 1; the load keeps the array from being folded away.
            *slot = depth * k as u32 * unsafe { *seed };
        }
        let below = frames(depth - 1, seed);
        local.iter().sum::<u32>() + below
    }

    #[inline(never)]
    fn many(a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: i32, h: i64) -> (u64, u32, i16) {
        let vals = [a as i64, b as i64, c as i64, d as i64, e as i64, f as i64, g as i64, h as i64];
        let sum = vals.iter().sum::<i64>() as u64;
        let prod = vals.iter().product::<i64>() as u32;
        let alt = vals.iter().enumerate().map(|(k, v)| if k % 2 == 0 { *v } else { -*v }).sum::<i64>() as i16;
        (sum, prod, alt)
    }

    gpu::kernel! {
        pub unsafe fn fibs(n: u32, out: *mut u32) {
            let i = gpu::thread_idx_x();
            if i < n {
                *out.add(i as usize) = fib(i);
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn misc(p: *const u64, out: *mut i64) {
            *out = ackermann(*p, *p.add(1)) as i64;
            *out.add(1) = ackermann(*p.add(8), 5) as i64;
            *out.add(2) = gcd(*p.add(2), *p.add(3)) as i64;
            *out.add(3) = gcd(*p.add(4), *p.add(5)) as i64;
            *out.add(4) = is_even(*p.add(6) as u32) as i64;
            *out.add(5) = is_odd(*p.add(7) as u32) as i64;
            let one = p.add(8) as *const u32;
            *out.add(6) = frames(10, one) as i64;
            let (s, pr, alt) = many(1, 2, 3, 4, 5, 6, 7, 8 * *p.add(8) as i64);
            *out.add(7) = s as i64;
            *out.add(8) = pr as i64;
            *out.add(9) = alt as i64;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(21)?;
        module.kernel("fibs")?.launch(LaunchConfig::single_block(32), &[&21u32, &out])?;
        let f = out.to_vec()?;
        let (mut a, mut b, mut ok) = (0u32, 1u32, 0);
        for &got in &f {
            if got == a {
                ok += 1;
            }
            (a, b) = (b, a + b);
        }
        println!("Output: fib {ok} of 21 match, fib(20) = {}", f[20]);

        let p = gpu.upload(&[2u64, 3, 1071, 462, 1 << 20, 60_466_176, 10, 7, 1])?;
        let out = gpu.zeros::<i64>(10)?;
        module.kernel("misc")?.launch(LaunchConfig::single_thread(), &[&p, &out])?;
        let v = out.to_vec()?;
        println!("Output: ackermann {} {}", v[0], v[1]);
        println!("Output: gcd {} {}", v[2], v[3]);
        let word = |b: bool, yes: &'static str, no: &'static str| if b { yes } else { no };
        println!("Output: parity {} {}", word(v[4] == 1, "even", "odd"), word(v[5] == 1, "odd", "even"));
        println!("Output: stack frames {}", v[6]);
        println!("Output: many-args ({}, {}, {})", v[7], v[8], v[9]);
        Ok(())
    });
}

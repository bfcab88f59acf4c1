//! 128-bit integers: u128/i128 division and remainder by 32-bit-sized and
//! >64-bit divisors (no hardware instruction: the backend must expand them),
//! wide multiplication, shifts and bit counts. Values checked with exact
//! big-integer arithmetic:
//! a = 0x0123456789ABCDEF_FEDCBA9876543210 = 1512366075204170947332355369683137040
//! - a / 1000000007 = 1512366064617608495009095904, a % 1000000007 = 619465712
//! - a / (2^64+3) = 81985529216486895, a % (2^64+3) = 18118801956843604035
//! - u128::MAX / 10 = 34028236692093846346337460743176821145, rem 5
//! - (2^64+3)(2^64+5) = 2^128 + 8*2^64 + 15 -> mod 2^128 = 147573952589676412943
//! - (2^64-1)^2 = 2^128 - 2^65 + 1 = 340282366920938463426481119284349108225
//! - 1 << 100 = 1267650600228229401496703205376
//! - count_ones(a) = 64, leading_zeros(a) = 7 (top nibble 0x0, next 0x1 = 0b0001),
//!   trailing_zeros(a) = 4 (low nibble 0x0, next 0x1)
//! - i128::MIN / 3 = -56713727820156410577229101238628035242 (truncating), rem -2
//! - x = -12345678901234567890123456789, y = 987654321987:
//!   x / y = -12499999874852031, x % y = -360868551192 (sign of the dividend),
//!   x * -1000 = 12345678901234567890123456789000
//@ run-pass
//@ stdout: Output: a/1000000007 = 1512366064617608495009095904 rem 619465712
//@ stdout: Output: a/(2^64+3) = 81985529216486895 rem 18118801956843604035
//@ stdout: Output: max/10 = 34028236692093846346337460743176821145 rem 5
//@ stdout: Output: mul 147573952589676412943 340282366920938463426481119284349108225
//@ stdout: Output: shl 1267650600228229401496703205376 bits 64 7 4
//@ stdout: Output: min/3 = -56713727820156410577229101238628035242 rem -2
//@ stdout: Output: x/y = -12499999874852031 rem -360868551192 x*-1000 = 12345678901234567890123456789000
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn wide(u: *const u128, s: *const i128, uo: *mut u128, so: *mut i128) {
            let a = *u;
            let (d1, d2, ten) = (*u.add(1), *u.add(2), *u.add(3));
            *uo = a / d1;
            *uo.add(1) = a % d1;
            *uo.add(2) = a / d2;
            *uo.add(3) = a % d2;
            *uo.add(4) = u128::MAX / ten;
            *uo.add(5) = u128::MAX % ten;
            let (p, q) = (*u.add(4), *u.add(5));
            *uo.add(6) = p.wrapping_mul(q);
            let m = *u.add(6);
            *uo.add(7) = m * m;
            let sh = *u.add(7) as u32;
            *uo.add(8) = 1u128 << sh;
            *uo.add(9) = a.count_ones() as u128;
            *uo.add(10) = a.leading_zeros() as u128;
            *uo.add(11) = a.trailing_zeros() as u128;

            let (min, three, x, y, k) = (*s, *s.add(1), *s.add(2), *s.add(3), *s.add(4));
            *so = min / three;
            *so.add(1) = min % three;
            *so.add(2) = x / y;
            *so.add(3) = x % y;
            *so.add(4) = x * k;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let u: Vec<u128> = vec![
            0x0123456789ABCDEF_FEDCBA9876543210,
            1_000_000_007,
            (1u128 << 64) + 3,
            10,
            (1u128 << 64) + 3,
            (1u128 << 64) + 5,
            u64::MAX as u128,
            100,
        ];
        let s: Vec<i128> = vec![
            i128::MIN,
            3,
            -12345678901234567890123456789,
            987654321987,
            -1000,
        ];
        let (u, s) = (gpu.upload(&u)?, gpu.upload(&s)?);
        let uo = gpu.zeros::<u128>(12)?;
        let so = gpu.zeros::<i128>(5)?;
        module
            .kernel("wide")?
            .launch(LaunchConfig::single_thread(), &[&u, &s, &uo, &so])?;
        let (a, b) = (uo.to_vec()?, so.to_vec()?);
        println!("Output: a/1000000007 = {} rem {}", a[0], a[1]);
        println!("Output: a/(2^64+3) = {} rem {}", a[2], a[3]);
        println!("Output: max/10 = {} rem {}", a[4], a[5]);
        println!("Output: mul {} {}", a[6], a[7]);
        println!("Output: shl {} bits {} {} {}", a[8], a[9], a[10], a[11]);
        println!("Output: min/3 = {} rem {}", b[0], b[1]);
        println!("Output: x/y = {} rem {} x*-1000 = {}", b[2], b[3], b[4]);
        Ok(())
    });
}

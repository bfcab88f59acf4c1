//! Division and remainder at every width, signed and unsigned, truncating
//! and Euclidean, for 512 (a, b) pairs (one per thread) with runtime
//! divisors. The host recomputes every result with plain Rust; the first
//! four pairs are printed and derived by hand:
//! - (-7, 2):  -7/2 = -3, -7%2 = -1, div_euclid -4, rem_euclid 1 (-7 = -4*2 + 1)
//! - (7, -2):  7/-2 = -3, 7%-2 = 1, div_euclid -3, rem_euclid 1 (7 = -3*-2 + 1)
//! - (-7, -2): -7/-2 = 3, -7%-2 = -1, div_euclid 4, rem_euclid 1 (-7 = 4*-2 + 1)
//! - (i32::MIN, -1): wrapping_div = i32::MIN, wrapping_rem = 0; the Euclidean
//!   forms wrap the same way.
//! As u32, -7 = 4294967289: 4294967289 / 2 = 2147483644 rem 1.
//@ run-pass
//@ stdout: Output: -7 2 -> -3 -1 -4 1
//@ stdout: Output: 7 -2 -> -3 1 -3 1
//@ stdout: Output: -7 -2 -> 3 -1 4 1
//@ stdout: Output: -2147483648 -1 -> -2147483648 0 -2147483648 0
//@ stdout: Output: u32 4294967289 / 2 -> 2147483644 1
//@ stdout: Output: 512 of 512 pairs match at 8 widths
#![cfg_attr(gpu_device, no_std)]

/// Results per pair.
pub const PER: usize = 24;

#[cfg(gpu_device)]
pub mod device {
    use super::PER;

    gpu::kernel! {
        pub unsafe fn divrem(n: u32, a: *const i64, b: *const i64, out: *mut i64) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i >= n as usize {
                return;
            }
            let (x, y) = (*a.add(i), *b.add(i));
            let o = out.add(i * PER);
            let r = [
                (x as i8).wrapping_div(y as i8) as i64,
                (x as i8).wrapping_rem(y as i8) as i64,
                (x as u8 / y as u8) as i64,
                (x as u8 % y as u8) as i64,
                (x as i16).wrapping_div(y as i16) as i64,
                (x as i16).wrapping_rem(y as i16) as i64,
                (x as u16 / y as u16) as i64,
                (x as u16 % y as u16) as i64,
                (x as i32).wrapping_div(y as i32) as i64,
                (x as i32).wrapping_rem(y as i32) as i64,
                (x as i32).wrapping_div_euclid(y as i32) as i64,
                (x as i32).wrapping_rem_euclid(y as i32) as i64,
                (x as u32 / y as u32) as i64,
                (x as u32 % y as u32) as i64,
                x.wrapping_div(y),
                x.wrapping_rem(y),
                x.wrapping_div_euclid(y),
                x.wrapping_rem_euclid(y),
                (x as u64 / y as u64) as i64,
                (x as u64 % y as u64) as i64,
                (x as u64).div_ceil(y as u64) as i64,
                (x as u32).div_ceil(y as u32) as i64,
                (x as u16).div_euclid(y as u16) as i64,
                (x as u8).rem_euclid(y as u8) as i64,
            ];
            for (k, v) in r.iter().enumerate() {
                *o.add(k) = *v;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn reference(x: i64, y: i64) -> [i64; PER] {
    [
        (x as i8).wrapping_div(y as i8) as i64,
        (x as i8).wrapping_rem(y as i8) as i64,
        (x as u8 / y as u8) as i64,
        (x as u8 % y as u8) as i64,
        (x as i16).wrapping_div(y as i16) as i64,
        (x as i16).wrapping_rem(y as i16) as i64,
        (x as u16 / y as u16) as i64,
        (x as u16 % y as u16) as i64,
        (x as i32).wrapping_div(y as i32) as i64,
        (x as i32).wrapping_rem(y as i32) as i64,
        (x as i32).wrapping_div_euclid(y as i32) as i64,
        (x as i32).wrapping_rem_euclid(y as i32) as i64,
        (x as u32 / y as u32) as i64,
        (x as u32 % y as u32) as i64,
        x.wrapping_div(y),
        x.wrapping_rem(y),
        x.wrapping_div_euclid(y),
        x.wrapping_rem_euclid(y),
        (x as u64 / y as u64) as i64,
        (x as u64 % y as u64) as i64,
        (x as u64).div_ceil(y as u64) as i64,
        (x as u32).div_ceil(y as u32) as i64,
        (x as u16).div_euclid(y as u16) as i64,
        (x as u8).rem_euclid(y as u8) as i64,
    ]
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 512usize;
        let mut a = vec![-7i64, 7, -7, i32::MIN as i64];
        let mut b = vec![2i64, -2, -2, -1];
        // xorshift64 operands; a divisor is never zero at any width
        // (its low byte is forced non-zero), and some are small.
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        while a.len() < n {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = s as i64;
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let mut y = if a.len() % 3 == 0 { (s % 37) as i64 - 18 } else { s as i64 };
            if y as u8 == 0 {
                y |= 1;
            }
            a.push(x);
            b.push(y);
        }
        let (da, db) = (gpu.upload(&a)?, gpu.upload(&b)?);
        let out = gpu.zeros::<i64>(n * PER)?;
        module.kernel("divrem")?.launch(
            LaunchConfig::for_num_elems_with_block(n as u32, 128),
            &[&(n as u32), &da, &db, &out],
        )?;
        let v = out.to_vec()?;
        for i in 0..4 {
            let r = &v[i * PER..];
            println!("Output: {} {} -> {} {} {} {}", a[i], b[i], r[8], r[9], r[10], r[11]);
        }
        let r = &v[..PER];
        println!("Output: u32 {} / {} -> {} {}", a[0] as u32, b[0] as u32, r[12], r[13]);
        let mut ok = 0;
        for i in 0..n {
            let want = reference(a[i], b[i]);
            if v[i * PER..(i + 1) * PER] == want[..] {
                ok += 1;
            } else {
                eprintln!("pair {i} ({}, {}): got {:?}, want {want:?}", a[i], b[i], &v[i * PER..(i + 1) * PER]);
            }
        }
        println!("Output: {ok} of {n} pairs match at 8 widths");
        Ok(())
    });
}

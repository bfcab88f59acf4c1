//! Wrapping add, mul and sub at every integer width, on operands read
//! from device memory (so nothing is constant-folded). Derivations:
//! - u8:  200+100 = 300-256 = 44; 200*100 = 20000 = 78*256+32 -> 32;
//!        100-200 = -100+256 = 156.
//! - u16: 60000+10000 = 70000-65536 = 4464; 60000*10000 = 6e8 =
//!        9155*65536+17920 -> 17920; 10000-60000 = -50000+65536 = 15536.
//! - u32: 4e9+5e8 = 4.5e9-2^32 = 205032704; 4e9*5e8 = 2e18 =
//!        465661287*2^32+1321730048 -> 1321730048; 5e8-4e9 = -3.5e9+2^32 = 794967296.
//! - u64: a = 2^64-6: a+10 = 4; a*10 = -60 mod 2^64 = 18446744073709551556; 10-a = 16.
//! - i8:  100+50 = 150-256 = -106; 100*50 = 5000 = 19*256+136, 136-256 = -120;
//!        wrapping_neg(-128) = -128.
//! - i16: 30000+10000 = 40000-65536 = -25536; -300*200 = -60000+65536 = 5536.
//! - i32: MAX+1 = MIN = -2147483648; MIN.wrapping_abs() = MIN;
//!        123456789*1000 = 123456789000 - 28*2^32 = 3197704712, -2^32 -> -1097262584.
//! - i64: MAX + 2^62 = 2^63-1+2^62 - 2^64 = -2^62-1 = -4611686018427387905;
//!        3037000500^2 = 9223372037000250000 - 2^64 = -9223372036709301616.
//! - shifts (u32): 0x12345678.wrapping_shl(4) = 0x23456780 (top nibble lost);
//!        wrapping_shl(33) shifts by 33 % 32 = 1: 0x2468ACF0 = 610839792.
//@ run-pass
//@ stdout: Output: u8 44 32 156
//@ stdout: Output: u16 4464 17920 15536
//@ stdout: Output: u32 205032704 1321730048 794967296
//@ stdout: Output: u64 4 18446744073709551556 16
//@ stdout: Output: i8 -106 -120 -128
//@ stdout: Output: i16 -25536 5536
//@ stdout: Output: i32 -2147483648 -2147483648 -1097262584
//@ stdout: Output: i64 -4611686018427387905 -9223372036709301616
//@ stdout: Output: shl 0x23456780 610839792
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        /// `inp` holds the operands as raw u64 bit patterns; every result is
        /// stored zero- (unsigned) or sign-extended (signed) into a u64 slot.
        pub unsafe fn wrapping(inp: *const u64, out: *mut u64) {
            let r = |k: usize| *inp.add(k);
            let mut o = 0;
            let mut put = |v: u64| {
                *out.add(o) = v;
                o += 1;
            };
            let (a, b) = (r(0) as u8, r(1) as u8);
            put(a.wrapping_add(b) as u64);
            put(a.wrapping_mul(b) as u64);
            put(b.wrapping_sub(a) as u64);
            let (a, b) = (r(2) as u16, r(3) as u16);
            put(a.wrapping_add(b) as u64);
            put(a.wrapping_mul(b) as u64);
            put(b.wrapping_sub(a) as u64);
            let (a, b) = (r(4) as u32, r(5) as u32);
            put(a.wrapping_add(b) as u64);
            put(a.wrapping_mul(b) as u64);
            put(b.wrapping_sub(a) as u64);
            let (a, b) = (r(6), r(7));
            put(a.wrapping_add(b));
            put(a.wrapping_mul(b));
            put(b.wrapping_sub(a));
            let (a, b, m) = (r(8) as i8, r(9) as i8, r(10) as i8);
            put(a.wrapping_add(b) as i64 as u64);
            put(a.wrapping_mul(b) as i64 as u64);
            put(m.wrapping_neg() as i64 as u64);
            let (a, b, c, d) = (r(11) as i16, r(12) as i16, r(13) as i16, r(14) as i16);
            put(a.wrapping_add(b) as i64 as u64);
            put(c.wrapping_mul(d) as i64 as u64);
            let (a, b, c, d) = (r(15) as i32, r(16) as i32, r(17) as i32, r(18) as i32);
            put(a.wrapping_add(1) as i64 as u64);
            put(b.wrapping_abs() as i64 as u64);
            put(c.wrapping_mul(d) as i64 as u64);
            let (a, b) = (r(19) as i64, r(20) as i64);
            put(a.wrapping_add(1 << 62) as u64);
            put(b.wrapping_mul(b) as u64);
            let (x, s1, s2) = (r(21) as u32, r(22) as u32, r(23) as u32);
            put(x.wrapping_shl(s1) as u64);
            put(x.wrapping_shl(s2) as u64);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp: Vec<u64> = vec![
            200, 100, // u8
            60000, 10000, // u16
            4_000_000_000, 500_000_000, // u32
            u64::MAX - 5, 10, // u64
            100, 50, (-128i64) as u64, // i8
            30000, 10000, (-300i64) as u64, 200, // i16
            i32::MAX as u64, (i32::MIN as i64) as u64, 123_456_789, 1000, // i32
            i64::MAX as u64, 3_037_000_500, // i64
            0x1234_5678, 4, 33, // shifts
        ];
        let inp = gpu.upload(&inp)?;
        let out = gpu.zeros::<u64>(25)?;
        module.kernel("wrapping")?.launch(LaunchConfig::single_thread(), &[&inp, &out])?;
        let v = out.to_vec()?;
        let s = |k: usize| v[k] as i64;
        println!("Output: u8 {} {} {}", v[0], v[1], v[2]);
        println!("Output: u16 {} {} {}", v[3], v[4], v[5]);
        println!("Output: u32 {} {} {}", v[6], v[7], v[8]);
        println!("Output: u64 {} {} {}", v[9], v[10], v[11]);
        println!("Output: i8 {} {} {}", s(12), s(13), s(14));
        println!("Output: i16 {} {}", s(15), s(16));
        println!("Output: i32 {} {} {}", s(17), s(18), s(19));
        println!("Output: i64 {} {}", s(20), s(21));
        println!("Output: shl {:#x} {}", v[22], v[23]);
        Ok(())
    });
}

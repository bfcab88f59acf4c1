//! `checked_*` (Option results), `saturating_*`, `overflowing_*` and a few
//! integer helpers (`pow`, `isqrt`, `ilog`) on operands read from memory.
//! Each result is stored as a (is_some, value) pair of i64 slots.
//@ run-pass
// u8: 200+55 = 255 fits; 200+56 = 256 does not.
//@ stdout: Output: checked u8 add Some(255) None
// i32: 46340^2 = 2147395600 <= 2147483647; 46341^2 = 2147488281 > i32::MAX.
//@ stdout: Output: checked i32 mul Some(2147395600) None
// u64: 5-6 underflows; 10/0 has no value; 10/3 = 3.
//@ stdout: Output: checked u64 sub/div None None Some(3)
// i32::MIN / -1 and i32::MIN.abs() overflow; -5 % 3 = -2 (sign of the dividend).
//@ stdout: Output: checked i32 div/abs/rem None None Some(-2)
// 3^20 = 3486784401 < 2^32 = 4294967296; 3^21 = 10460353203 > 2^32.
//@ stdout: Output: checked u32 pow Some(3486784401) None
// u8: 200+100 -> 255, 100-200 -> 0, 20*20 = 400 -> 255.
//@ stdout: Output: saturating u8 255 0 255
// i8: 100+100 -> 127, -100-100 -> -128, -100*2 -> -128.
//@ stdout: Output: saturating i8 127 -128 -128
// i32::MIN.saturating_neg() and .saturating_abs() -> i32::MAX.
//@ stdout: Output: saturating i32 2147483647 2147483647
// (u64::MAX-5)+10 -> u64::MAX; i64::MIN-1 -> i64::MIN.
//@ stdout: Output: saturating 64 18446744073709551615 -9223372036854775808
// u32 4e9+5e8 = 4.5e9 - 2^32 = 205032704 with overflow; i16 -30000-10000 =
// -40000 + 65536 = 25536 with overflow; u8 16*16 = 256 -> 0 with overflow; u8 15*17 = 255 fits.
//@ stdout: Output: overflowing (205032704, true) (25536, true) (0, true) (255, false)
// 7^22 = 3909821048582988049; isqrt(10^18) = 10^9; isqrt(2^64-1) = 2^32-1 = 4294967295;
// ilog10(1000000) = 6; ilog2(u64::MAX) = 63; abs_diff(3, u32::MAX) = 4294967292.
//@ stdout: Output: misc 3909821048582988049 1000000000 4294967295 6 63 4294967292
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    struct Out {
        p: *mut i64,
        k: usize,
    }

    impl Out {
        unsafe fn val(&mut self, v: i64) {
            *self.p.add(self.k) = v;
            self.k += 1;
        }
        unsafe fn opt(&mut self, v: Option<i64>) {
            self.val(v.is_some() as i64);
            self.val(v.unwrap_or(0));
        }
        unsafe fn pair(&mut self, (v, o): (i64, bool)) {
            self.val(v);
            self.val(o as i64);
        }
    }

    gpu::kernel! {
        pub unsafe fn checked(inp: *const i64, out: *mut i64) {
            let r = |k: usize| *inp.add(k);
            let mut o = Out { p: out, k: 0 };
            // checked
            let a = r(0) as u8;
            o.opt(a.checked_add(r(1) as u8).map(|v| v as i64));
            o.opt(a.checked_add(r(1) as u8 + 1).map(|v| v as i64));
            let (x, y) = (r(2) as i32, r(3) as i32);
            o.opt(x.checked_mul(x).map(|v| v as i64));
            o.opt(y.checked_mul(y).map(|v| v as i64));
            let (five, six, ten, three, zero) = (r(4) as u64, r(5) as u64, r(6) as u64, r(7) as u64, r(8) as u64);
            o.opt(five.checked_sub(six).map(|v| v as i64));
            o.opt(ten.checked_div(zero).map(|v| v as i64));
            o.opt(ten.checked_div(three).map(|v| v as i64));
            let (min, m1, m5, t3) = (r(9) as i32, r(10) as i32, r(11) as i32, r(12) as i32);
            o.opt(min.checked_div(m1).map(|v| v as i64));
            o.opt(min.checked_abs().map(|v| v as i64));
            o.opt(m5.checked_rem(t3).map(|v| v as i64));
            let (b, e) = (r(13) as u32, r(14) as u32);
            o.opt(b.checked_pow(e).map(|v| v as i64));
            o.opt(b.checked_pow(e + 1).map(|v| v as i64));
            // saturating
            let (a, b, c) = (r(15) as u8, r(16) as u8, r(17) as u8);
            o.val(a.saturating_add(b) as i64);
            o.val(b.saturating_sub(a) as i64);
            o.val(c.saturating_mul(c) as i64);
            let (a, b, c) = (r(18) as i8, r(19) as i8, r(20) as i8);
            o.val(a.saturating_add(a) as i64);
            o.val(b.saturating_sub(a) as i64);
            o.val(b.saturating_mul(c) as i64);
            let min = r(21) as i32;
            o.val(min.saturating_neg() as i64);
            o.val(min.saturating_abs() as i64);
            o.val((r(22) as u64).saturating_add(r(23) as u64) as i64);
            o.val(r(24).saturating_sub(r(25)));
            // overflowing
            let (v, f) = (r(26) as u32).overflowing_add(r(27) as u32);
            o.pair((v as i64, f));
            let (v, f) = (r(28) as i16).overflowing_sub(r(29) as i16);
            o.pair((v as i64, f));
            let (v, f) = (r(30) as u8).overflowing_mul(r(30) as u8);
            o.pair((v as i64, f));
            let (v, f) = (r(31) as u8).overflowing_mul(r(32) as u8);
            o.pair((v as i64, f));
            // misc
            o.val((r(33) as u64).pow(r(34) as u32) as i64);
            o.val((r(35) as u64).isqrt() as i64);
            o.val((r(36) as u64).isqrt() as i64);
            o.val((r(37) as u32).ilog10() as i64);
            o.val((r(36) as u64).ilog2() as i64);
            o.val((r(7) as u32).abs_diff(r(38) as u32) as i64);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp: Vec<i64> = vec![
            200, 55, // 0-1 u8 checked_add
            46340, 46341, // 2-3 i32 checked_mul
            5, 6, 10, 3, 0, // 4-8 u64
            i32::MIN as i64, -1, -5, 3, // 9-12 i32
            3, 20, // 13-14 pow
            200, 100, 20, // 15-17 sat u8
            100, -100, 2, // 18-20 sat i8
            i32::MIN as i64, // 21
            (u64::MAX - 5) as i64, 10, // 22-23
            i64::MIN, 1, // 24-25
            4_000_000_000, 500_000_000, // 26-27
            -30000, 10000, // 28-29
            16, 15, 17, // 30-32
            7, 22, // 33-34
            1_000_000_000_000_000_000, -1, // 35-36 (u64::MAX)
            1_000_000, // 37
            u32::MAX as i64, // 38
        ];
        let inp = gpu.upload(&inp)?;
        let out = gpu.zeros::<i64>(64)?;
        module.kernel("checked")?.launch(LaunchConfig::single_thread(), &[&inp, &out])?;
        let v = out.to_vec()?;
        let mut k = 0;
        let mut next = || {
            k += 1;
            v[k - 1]
        };
        let mut opt = |next: &mut dyn FnMut() -> i64| {
            let some = next();
            let val = next();
            if some == 1 { format!("Some({val})") } else { "None".to_string() }
        };
        println!("Output: checked u8 add {} {}", opt(&mut next), opt(&mut next));
        println!("Output: checked i32 mul {} {}", opt(&mut next), opt(&mut next));
        println!(
            "Output: checked u64 sub/div {} {} {}",
            opt(&mut next),
            opt(&mut next),
            opt(&mut next)
        );
        println!(
            "Output: checked i32 div/abs/rem {} {} {}",
            opt(&mut next),
            opt(&mut next),
            opt(&mut next)
        );
        println!("Output: checked u32 pow {} {}", opt(&mut next), opt(&mut next));
        println!("Output: saturating u8 {} {} {}", next(), next(), next());
        println!("Output: saturating i8 {} {} {}", next(), next(), next());
        println!("Output: saturating i32 {} {}", next(), next());
        println!("Output: saturating 64 {} {}", next() as u64, next());
        let mut pair = |next: &mut dyn FnMut() -> i64| {
            let val = next();
            let flag = next();
            format!("({val}, {})", flag == 1)
        };
        println!(
            "Output: overflowing {} {} {} {}",
            pair(&mut next),
            pair(&mut next),
            pair(&mut next),
            pair(&mut next)
        );
        println!(
            "Output: misc {} {} {} {} {} {}",
            next(),
            next(),
            next(),
            next(),
            next(),
            next()
        );
        Ok(())
    });
}

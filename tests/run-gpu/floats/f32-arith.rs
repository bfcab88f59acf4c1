//! f32 arithmetic must be IEEE-754 binary32 with round-to-nearest-even:
//! `+ - * /` and `sqrt` are correctly rounded (PTX `add/mul/div.rn`,
//! `sqrt.rn`), subnormals are kept (no flush-to-zero), and the special values
//! behave as specified. A bulk check compares 4096 random operands bit for
//! bit with the host, whose SSE arithmetic is also correctly rounded.
//@ run-pass
// 1.5 + -2.25 = -0.75; 1.5 * -2.25 = -3.375 (exact); 3 / 0.1f32: 0.1f32 =
// 0.100000001490116..., 3 / that = 29.99999955..., 4.5e-7 below 30, less than
// half an ulp (2^-19 / 2 = 9.5e-7) -> 30; sqrt(2) = 1.41421353816986083984375
// (nearest f32) -> shortest form 1.4142135; 1/3 = 0.3333333432674407958984375 -> 0.33333334.
//@ stdout: Output: -0.75 -3.375 30 1.4142135 0.33333334
// 1/0 = inf, -1/0 = -inf, 0/0 = NaN, -0.0 * 1 = -0, 1e30 * 1e30 = inf (overflow).
//@ stdout: Output: inf -inf NaN -0 inf
// MIN_POSITIVE = 2^-126; / 4 = 2^-128, a subnormal with mantissa 2^-128 / 2^-149 = 2^21
// = 0x200000; * 4 again = 2^-126, bits 0x800000 (exponent field 1).
//@ stdout: Output: subnormal 0x200000 0x800000
// 2^24 + 1 is halfway between 2^24 and 2^24 + 2 -> even 16777216; 2^24 + 3 is
// halfway between 2^24 + 2 (odd mantissa) and 2^24 + 4 (even) -> 16777220.
//@ stdout: Output: ties 16777216 16777220
// min(NaN, 1) = 1, max(NaN, -1) = -1 (NaN is ignored); |-2.25| = 2.25; copysign(3, -0.0) = -3.
//@ stdout: Output: nan-aware 1 -1 2.25 -3
//@ stdout: Output: bulk 4096 of 4096 bit-exact (add sub mul div sqrt)
#![cfg_attr(gpu_device, no_std)]
#![cfg_attr(gpu_device, feature(core_float_math))]

#[cfg(gpu_device)]
pub mod device {
    use core::f32::math::sqrt;

    gpu::kernel! {
        pub unsafe fn specials(x: *const f32, out: *mut f32) {
            let r = |k: usize| *x.add(k);
            let (a, b, three, tenth, two, zero, big, one) =
                (r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7));
            let vals = [
                a + b,
                a * b,
                three / tenth,
                sqrt(two),
                one / three,
                one / zero,
                -one / zero,
                zero / zero,
                -zero * one,
                big * big,
                f32::from_bits((f32::MIN_POSITIVE / (two * two)).to_bits()),
                (f32::MIN_POSITIVE / (two * two)) * (two * two),
                r(8) + one,
                r(8) + three,
                r(9).min(one),
                r(9).max(-one),
                b.abs(),
                three.copysign(-zero),
            ];
            for (k, v) in vals.iter().enumerate() {
                *out.add(k) = *v;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn bulk(n: u32, a: *const f32, b: *const f32, out: *mut f32) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i < n as usize {
                let (x, y) = (*a.add(i), *b.add(i));
                let o = out.add(5 * i);
                *o = x + y;
                *o.add(1) = x - y;
                *o.add(2) = x * y;
                *o.add(3) = x / y;
                *o.add(4) = sqrt(x.abs());
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp = gpu.upload(&[1.5f32, -2.25, 3.0, 0.1, 2.0, 0.0, 1e30, 1.0, 16777216.0, f32::NAN])?;
        let out = gpu.zeros::<f32>(18)?;
        module.kernel("specials")?.launch(LaunchConfig::single_thread(), &[&inp, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {} {} {} {}", v[0], v[1], v[2], v[3], v[4]);
        println!("Output: {} {} {} {} {}", v[5], v[6], v[7], v[8], v[9]);
        println!("Output: subnormal {:#x} {:#x}", v[10].to_bits(), v[11].to_bits());
        println!("Output: ties {} {}", v[12], v[13]);
        println!("Output: nan-aware {} {} {} {}", v[14], v[15], v[16], v[17]);

        // Random finite operands: bit 30 (the top exponent bit) is cleared, so
        // magnitudes are below 2 with exponents down to the subnormal range.
        let n = 4096usize;
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let bits = (s >> 32) as u32;
            let f = f32::from_bits(bits & 0xBFFF_FFFF);
            if f == 0.0 { 1.0 } else { f }
        };
        let a: Vec<f32> = (0..n).map(|_| next()).collect();
        let b: Vec<f32> = (0..n).map(|_| next()).collect();
        let (da, db) = (gpu.upload(&a)?, gpu.upload(&b)?);
        let out = gpu.zeros::<f32>(5 * n)?;
        module
            .kernel("bulk")?
            .launch(LaunchConfig::for_num_elems(n as u32), &[&(n as u32), &da, &db, &out])?;
        let v = out.to_vec()?;
        let same = |x: f32, y: f32| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
        let mut ok = 0;
        for i in 0..n {
            let (x, y) = (a[i], b[i]);
            let want = [x + y, x - y, x * y, x / y, x.abs().sqrt()];
            if (0..5).all(|k| same(v[5 * i + k], want[k])) {
                ok += 1;
            } else if ok + 5 > i {
                eprintln!("element {i}: {x:e} {y:e}: got {:?}, want {want:?}", &v[5 * i..5 * i + 5]);
            }
        }
        println!("Output: bulk {ok} of {n} bit-exact (add sub mul div sqrt)");
        Ok(())
    });
}

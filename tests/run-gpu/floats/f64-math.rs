//! f64 arithmetic and the `core::f64::math` functions available without std
//! (feature `core_float_math`): rounding modes, `fract`, `powi`, Euclidean
//! division, `%` (fmod) and `sqrt`, plus a bulk bit-exact comparison of
//! add/sub/mul/div/sqrt with the host on 2048 random operand pairs.
//@ run-pass
// 0.1 + 0.2 = 0.3000000000000000444... -> shortest form 0.30000000000000004;
// sqrt(2) correctly rounded -> 1.4142135623730951; 1/3 -> 0.3333333333333333.
//@ stdout: Output: 0.30000000000000004 1.4142135623730951 0.3333333333333333
// 2.5: floor 2, ceil 3, round 3 (half away from zero), round_ties_even 2, trunc 2.
//@ stdout: Output: 2.5 -> 2 3 3 2 2
// -2.5: floor -3, ceil -2, round -3, round_ties_even -2, trunc -2.
//@ stdout: Output: -2.5 -> -3 -2 -3 -2 -2
// fract(-2.75) = -2.75 - trunc(-2.75) = -0.75; 1.5^3 = 3.375; 2^-3 = 0.125 (both exact).
//@ stdout: Output: fract -0.75 powi 3.375 0.125
// -7.5 = -4 * 2 + 0.5 -> div_euclid -4, rem_euclid 0.5; -7.5 % 2 = -1.5 (sign of the dividend).
//@ stdout: Output: euclid -4 0.5 fmod -1.5
// f64::MAX * 2 = inf; 2^-1074 (smallest subnormal) / 2 = 0 (ties to even); its bits are 1.
//@ stdout: Output: edges inf 0 1
//@ stdout: Output: bulk 2048 of 2048 bit-exact (add sub mul div sqrt)
#![cfg_attr(gpu_device, no_std)]
#![cfg_attr(gpu_device, feature(core_float_math))]

#[cfg(gpu_device)]
pub mod device {
    use core::f64::math;

    gpu::kernel! {
        pub unsafe fn f64_math(x: *const f64, out: *mut f64) {
            let r = |k: usize| *x.add(k);
            let (tenth, fifth, two, one, three, half) = (r(0), r(1), r(2), r(3), r(4), r(5));
            let (p, m, f, b, q, e) = (r(6), r(7), r(8), r(9), r(10), r(11));
            let vals = [
                tenth + fifth,
                math::sqrt(two),
                one / three,
                math::floor(p),
                math::ceil(p),
                math::round(p),
                math::round_ties_even(p),
                math::trunc(p),
                math::floor(m),
                math::ceil(m),
                math::round(m),
                math::round_ties_even(m),
                math::trunc(m),
                math::fract(f),
                math::powi(b, 3),
                math::powi(two, -3),
                math::div_euclid(q, two),
                math::rem_euclid(q, two),
                q % two,
                f64::MAX * two,
                e * half,
                e,
            ];
            for (k, v) in vals.iter().enumerate() {
                *out.add(k) = *v;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn bulk(n: u32, a: *const f64, b: *const f64, out: *mut f64) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i < n as usize {
                let (x, y) = (*a.add(i), *b.add(i));
                let o = out.add(5 * i);
                *o = x + y;
                *o.add(1) = x - y;
                *o.add(2) = x * y;
                *o.add(3) = x / y;
                *o.add(4) = math::sqrt(x.abs());
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp = gpu.upload(&[
            0.1f64, 0.2, 2.0, 1.0, 3.0, 0.5, 2.5, -2.5, -2.75, 1.5, -7.5,
            f64::from_bits(1),
        ])?;
        let out = gpu.zeros::<f64>(22)?;
        module.kernel("f64_math")?.launch(LaunchConfig::single_thread(), &[&inp, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {} {}", v[0], v[1], v[2]);
        println!("Output: 2.5 -> {} {} {} {} {}", v[3], v[4], v[5], v[6], v[7]);
        println!("Output: -2.5 -> {} {} {} {} {}", v[8], v[9], v[10], v[11], v[12]);
        println!("Output: fract {} powi {} {}", v[13], v[14], v[15]);
        println!("Output: euclid {} {} fmod {}", v[16], v[17], v[18]);
        println!("Output: edges {} {} {}", v[19], v[20], v[21].to_bits());

        // Random finite operands; bit 62 (the top exponent bit) is cleared, so
        // magnitudes are below 2 with exponents reaching the subnormal range.
        let n = 2048usize;
        let mut s = 0x0123_4567_89AB_CDEFu64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let f = f64::from_bits(s & 0xBFFF_FFFF_FFFF_FFFF);
            if f == 0.0 { 1.0 } else { f }
        };
        let a: Vec<f64> = (0..n).map(|_| next()).collect();
        let b: Vec<f64> = (0..n).map(|_| next()).collect();
        let (da, db) = (gpu.upload(&a)?, gpu.upload(&b)?);
        let out = gpu.zeros::<f64>(5 * n)?;
        module
            .kernel("bulk")?
            .launch(LaunchConfig::for_num_elems(n as u32), &[&(n as u32), &da, &db, &out])?;
        let v = out.to_vec()?;
        let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
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

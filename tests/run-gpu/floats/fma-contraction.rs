//! `mul_add` must be one fused multiply-add (a single rounding), and a
//! plain `a * b + c` must NOT be contracted into one: Rust has no implicit
//! FP contraction, so the backend has to emit `mul.rn` + `add.rn` (ptxas
//! fuses a plain `mul` + `add`). The operands are chosen so the two differ:
//! f32: a = 1 + 2^-23, b = 1 - 2^-23: a*b = 1 - 2^-46 exactly.
//!   fused:   1 - 2^-46 - 1 = -2^-46 = -1.4210855e-14 (one rounding, exact here)
//!   unfused: a*b rounds to 1.0 (2^-46 is far below half an ulp under 1,
//!            2^-25), then 1 - 1 = 0.
//! f64: a = 1 + 2^-52, b = 1 - 2^-52: fused -2^-104 = -4.930380657631324e-32,
//!   unfused 0 by the same argument.
//@ run-pass
//@ stdout: Output: f32 fused -1.4210855e-14 unfused 0e0
//@ stdout: Output: f64 fused -4.930380657631324e-32 unfused 0e0
//@ stdout: Output: bulk f32 1024 of 1024 fused, 1024 of 1024 unfused bit-exact
//@ stdout: Output: bulk f64 1024 of 1024 fused, 1024 of 1024 unfused bit-exact
#![cfg_attr(gpu_device, no_std)]
#![cfg_attr(gpu_device, feature(core_float_math))]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn fma32(n: u32, a: *const f32, b: *const f32, c: *const f32, fused: *mut f32, plain: *mut f32) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i < n as usize {
                let (x, y, z) = (*a.add(i), *b.add(i), *c.add(i));
                *fused.add(i) = core::f32::math::mul_add(x, y, z);
                *plain.add(i) = x * y + z;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn fma64(n: u32, a: *const f64, b: *const f64, c: *const f64, fused: *mut f64, plain: *mut f64) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i < n as usize {
                let (x, y, z) = (*a.add(i), *b.add(i), *c.add(i));
                *fused.add(i) = core::f64::math::mul_add(x, y, z);
                *plain.add(i) = x * y + z;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 1024usize;
        let mut s = 0xD1B5_4A32_D192_ED03u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        // Element 0 is the hand-derived case; the rest are random values in
        // [-4, 4) with c close to -a*b, where fusing matters most.
        let mut a32 = vec![1.0f32 + f32::EPSILON];
        let mut b32 = vec![1.0f32 - f32::EPSILON];
        let mut c32 = vec![-1.0f32];
        let mut a64 = vec![1.0f64 + f64::EPSILON];
        let mut b64 = vec![1.0f64 - f64::EPSILON];
        let mut c64 = vec![-1.0f64];
        while a32.len() < n {
            let x = (next() >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0;
            let y = (next() >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0;
            a32.push(x as f32);
            b32.push(y as f32);
            c32.push(-(x as f32 * y as f32));
            a64.push(x);
            b64.push(y);
            c64.push(-(x * y) * (1.0 + f64::EPSILON));
        }
        let k32 = module.kernel("fma32")?;
        let (da, db, dc) = (gpu.upload(&a32)?, gpu.upload(&b32)?, gpu.upload(&c32)?);
        let (f, p) = (gpu.zeros::<f32>(n)?, gpu.zeros::<f32>(n)?);
        k32.launch(LaunchConfig::for_num_elems(n as u32), &[&(n as u32), &da, &db, &dc, &f, &p])?;
        let (f32s, p32s) = (f.to_vec()?, p.to_vec()?);
        let k64 = module.kernel("fma64")?;
        let (da, db, dc) = (gpu.upload(&a64)?, gpu.upload(&b64)?, gpu.upload(&c64)?);
        let (f, p) = (gpu.zeros::<f64>(n)?, gpu.zeros::<f64>(n)?);
        k64.launch(LaunchConfig::for_num_elems(n as u32), &[&(n as u32), &da, &db, &dc, &f, &p])?;
        let (f64s, p64s) = (f.to_vec()?, p.to_vec()?);

        println!("Output: f32 fused {:e} unfused {:e}", f32s[0], p32s[0]);
        println!("Output: f64 fused {:e} unfused {:e}", f64s[0], p64s[0]);
        let fused = (0..n).filter(|&i| f32s[i].to_bits() == a32[i].mul_add(b32[i], c32[i]).to_bits()).count();
        let plain = (0..n).filter(|&i| p32s[i].to_bits() == (a32[i] * b32[i] + c32[i]).to_bits()).count();
        println!("Output: bulk f32 {fused} of {n} fused, {plain} of {n} unfused bit-exact");
        let fused = (0..n).filter(|&i| f64s[i].to_bits() == a64[i].mul_add(b64[i], c64[i]).to_bits()).count();
        let plain = (0..n).filter(|&i| p64s[i].to_bits() == (a64[i] * b64[i] + c64[i]).to_bits()).count();
        println!("Output: bulk f64 {fused} of {n} fused, {plain} of {n} unfused bit-exact");
        Ok(())
    });
}

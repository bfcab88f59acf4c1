//! Integer -> float `as` casts round to nearest, ties to even, at every
//! source width, including u64 sources that need more than the
//! mantissa. Every result here is an integer, so the host prints it exactly
//! by converting back to i128 / u128. (u128/i128 sources are in
//! int128-float-casts.rs: llc cannot lower them yet.)
//@ run-pass
// f32 has 24 mantissa bits. 2^24+1 = 16777217 is halfway between 2^24 and
// 2^24+2 -> the even mantissa, 16777216; 2^24+3 -> 16777220 (2^24+4 has the
// even mantissa); -(2^24+1) -> -16777216; u32::MAX = 2^32-1 -> 2^32 = 4294967296.
//@ stdout: Output: f32 16777216 16777220 -16777216 4294967296
// u64::MAX -> 2^64 = 18446744073709551616; i64::MIN = -2^63 exactly.
//@ stdout: Output: f32 wide 18446744073709551616 -9223372036854775808
// f64 has 53 mantissa bits: 2^53+1 -> 9007199254740992, 2^53+3 -> 9007199254740996
// (ties to even), u64::MAX -> 2^64.
//@ stdout: Output: f64 9007199254740992 9007199254740996 18446744073709551616
// Small widths are exact: 255u8 -> 255, -32768i16 -> -32768.
//@ stdout: Output: small 255 -32768
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn to_float(i: *const i64, f: *mut f32, d: *mut f64) {
            *f = *i as i32 as f32;
            *f.add(1) = *i.add(1) as i32 as f32;
            *f.add(2) = *i.add(2) as i32 as f32;
            *f.add(3) = *i.add(3) as u32 as f32;
            *f.add(4) = *i.add(4) as u64 as f32;
            *f.add(5) = *i.add(5) as f32;
            *d = *i.add(6) as u64 as f64;
            *d.add(1) = *i.add(7) as u64 as f64;
            *d.add(2) = *i.add(4) as u64 as f64;
            *f.add(6) = *i.add(8) as u8 as f32;
            *d.add(3) = *i.add(9) as i16 as f64;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let i: Vec<i64> = vec![
            16_777_217,
            16_777_219,
            -16_777_217,
            u32::MAX as i64,
            -1, // u64::MAX
            i64::MIN,
            (1 << 53) + 1,
            (1 << 53) + 3,
            255,
            -32768,
        ];
        let di = gpu.upload(&i)?;
        let (f, d) = (gpu.zeros::<f32>(7)?, gpu.zeros::<f64>(4)?);
        module
            .kernel("to_float")?
            .launch(LaunchConfig::single_thread(), &[&di, &f, &d])?;
        let (f, d) = (f.to_vec()?, d.to_vec()?);
        // Every value is integral; these host conversions back are exact.
        println!("Output: f32 {} {} {} {}", f[0] as i128, f[1] as i128, f[2] as i128, f[3] as i128);
        println!("Output: f32 wide {} {}", f[4] as u128, f[5] as i128);
        println!("Output: f64 {} {} {}", d[0] as u128, d[1] as u128, d[2] as u128);
        println!("Output: small {} {}", f[6] as i128, d[3] as i128);
        Ok(())
    });
}

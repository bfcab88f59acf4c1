//! Float -> integer `as` casts saturate: NaN -> 0, values beyond the target
//! range clamp to MIN/MAX, everything else truncates toward zero. Inputs are
//! read from memory, so the backend's `fptosi.sat`/`fptoui.sat` lowering runs.
//! Columns: as u8, as i8, as i32, as u32, as i64, as u64.
//@ run-pass
//@ stdout: Output: NaN -> 0 0 0 0 0 0
//@ stdout: Output: inf -> 255 127 2147483647 4294967295 9223372036854775807 18446744073709551615
//@ stdout: Output: -inf -> 0 -128 -2147483648 0 -9223372036854775808 0
// -1.5 truncates to -1; unsigned targets clamp at 0.
//@ stdout: Output: -1.5 -> 0 -1 -1 0 -1 0
// 300.7f32 = 300.70001220703125 truncates to 300; u8/i8 clamp.
//@ stdout: Output: 300.7 -> 255 127 300 300 300 300
// 255.5 truncates to 255, which fits u8 exactly.
//@ stdout: Output: 255.5 -> 255 127 255 255 255 255
// -129.9 truncates to -129: below i8::MIN -> -128; unsigned -> 0.
//@ stdout: Output: -129.9 -> 0 -128 -129 0 -129 0
// 1e20 exceeds u64::MAX (~1.8e19): every target clamps to its MAX.
//@ stdout: Output: 1e20 -> 255 127 2147483647 4294967295 9223372036854775807 18446744073709551615
// -0.99 truncates to -0 -> 0 everywhere.
//@ stdout: Output: -0.99 -> 0 0 0 0 0 0
// 2^31 - 128 = 2147483520 is the largest f32 below 2^31: fits i32.
//@ stdout: Output: 2^31-128 -> 255 127 2147483520 2147483520 2147483520 2147483520
// 2^31 = 2147483648: i32 clamps to 2147483647, u32 holds it.
//@ stdout: Output: 2^31 -> 255 127 2147483647 2147483648 2147483648 2147483648
// -(2^31 + 256) = -2147483904 is the f32 just below -2^31: i32 clamps to i32::MIN.
//@ stdout: Output: -(2^31+256) -> 0 -128 -2147483648 0 -2147483904 0
// f64 inputs, columns as i32, as u32, as i64, as u64:
// 9.3e18 = 93 * 2^17 * 5^17 is exact in f64; above i64::MAX (~9.22e18), below u64::MAX.
//@ stdout: Output: f64 9.3e18 -> 2147483647 4294967295 9223372036854775807 9300000000000000000
// 2^64 is one above u64::MAX: clamps.
//@ stdout: Output: f64 2^64 -> 2147483647 4294967295 9223372036854775807 18446744073709551615
//@ stdout: Output: f64 -1e300 -> -2147483648 0 -9223372036854775808 0
// The literal 9007199254740993 (2^53 + 1) rounds to 2^53 = 9007199254740992 in f64.
//@ stdout: Output: f64 2^53+1 -> 2147483647 4294967295 9007199254740992 9007199254740992
// 4294967295.9 truncates to u32::MAX exactly.
//@ stdout: Output: f64 4294967295.9 -> 2147483647 4294967295 4294967295 4294967295
//@ stdout: Output: f64 NaN -> 0 0 0 0
//@ stdout: Output: f64 -0.5 -> 0 0 0 0
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        /// One thread per input; six results (as i128 bit patterns) per input.
        pub unsafe fn sat32(n: u32, x: *const f32, out: *mut i128) {
            let i = gpu::thread_idx_x() as usize;
            if i < n as usize {
                let v = *x.add(i);
                let o = out.add(6 * i);
                *o = (v as u8) as i128;
                *o.add(1) = (v as i8) as i128;
                *o.add(2) = (v as i32) as i128;
                *o.add(3) = (v as u32) as i128;
                *o.add(4) = (v as i64) as i128;
                *o.add(5) = (v as u64) as i128;
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn sat64(n: u32, x: *const f64, out: *mut i128) {
            let i = gpu::thread_idx_x() as usize;
            if i < n as usize {
                let v = *x.add(i);
                let o = out.add(4 * i);
                *o = (v as i32) as i128;
                *o.add(1) = (v as u32) as i128;
                *o.add(2) = (v as i64) as i128;
                *o.add(3) = (v as u64) as i128;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let rows32: [(&str, f32); 12] = [
            ("NaN", f32::NAN),
            ("inf", f32::INFINITY),
            ("-inf", f32::NEG_INFINITY),
            ("-1.5", -1.5),
            ("300.7", 300.7),
            ("255.5", 255.5),
            ("-129.9", -129.9),
            ("1e20", 1e20),
            ("-0.99", -0.99),
            ("2^31-128", 2147483520.0),
            ("2^31", 2147483648.0),
            ("-(2^31+256)", -2147483904.0),
        ];
        let x: Vec<f32> = rows32.iter().map(|r| r.1).collect();
        let dx = gpu.upload(&x)?;
        let out = gpu.zeros::<i128>(6 * x.len())?;
        module
            .kernel("sat32")?
            .launch(LaunchConfig::single_block(32), &[&(x.len() as u32), &dx, &out])?;
        let v = out.to_vec()?;
        for (i, (label, _)) in rows32.iter().enumerate() {
            let r = &v[6 * i..6 * i + 6];
            println!("Output: {label} -> {} {} {} {} {} {}", r[0], r[1], r[2], r[3], r[4], r[5]);
        }
        let rows64: [(&str, f64); 7] = [
            ("9.3e18", 9.3e18),
            ("2^64", 18446744073709551616.0),
            ("-1e300", -1e300),
            ("2^53+1", 9007199254740993.0),
            ("4294967295.9", 4294967295.9),
            ("NaN", f64::NAN),
            ("-0.5", -0.5),
        ];
        let x: Vec<f64> = rows64.iter().map(|r| r.1).collect();
        let dx = gpu.upload(&x)?;
        let out = gpu.zeros::<i128>(4 * x.len())?;
        module
            .kernel("sat64")?
            .launch(LaunchConfig::single_block(32), &[&(x.len() as u32), &dx, &out])?;
        let v = out.to_vec()?;
        for (i, (label, _)) in rows64.iter().enumerate() {
            let r = &v[4 * i..4 * i + 4];
            println!("Output: f64 {label} -> {} {} {} {}", r[0], r[1], r[2], r[3]);
        }
        Ok(())
    });
}

//! u128/i128 <-> float `as` casts. On nvptx64 LLVM lowers these to the
//! compiler-builtins library calls (`__floatuntidf`, `__fixunsdfti`, ...),
//! which the NVPTX backend cannot emit: llc aborted with "unsupported library
//! call operation" until the built-in pipeline passed
//! `-expand-fp-convert-bits=64` to llc, which expands the conversions in IR.
//! Expected values, derived by hand:
//! - to_float: (2^100 + 1) as f64 -> 2^100 (53-bit mantissa) =
//!   1267650600228229401496703205376; (-(2^70) - 1) as f64 -> -(2^70) =
//!   -1180591620717411303424.
//! - from_float: 2^100 as u128 exact; -1e30 as i128 = -10^30 rounded to f64 =
//!   -1000000000000000019884624838656; 1e40 as u128 saturates to u128::MAX =
//!   340282366920938463463374607431768211455; NaN -> 0.
//@ revisions: to_float from_float
//@ run-pass
//@[to_float] stdout: Output: 1267650600228229401496703205376 -1180591620717411303424
//@[from_float] stdout: Output: 1267650600228229401496703205376 -1000000000000000019884624838656 340282366920938463463374607431768211455 0
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        #[cfg(to_float)]
        pub unsafe fn wide_to_float(w: *const u128, d: *mut f64) {
            *d = *w as f64;
            *d.add(1) = *w.add(1) as i128 as f64;
        }
    }

    gpu::kernel! {
        #[cfg(from_float)]
        pub unsafe fn float_to_wide(x: *const f64, w: *mut u128) {
            *w = *x as u128;
            *w.add(1) = (*x.add(1) as i128) as u128;
            *w.add(2) = *x.add(2) as u128;
            *w.add(3) = *x.add(3) as u128;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        if cfg!(to_float) {
            let w = gpu.upload(&[(1u128 << 100) + 1, (-(1i128 << 70) - 1) as u128])?;
            let d = gpu.zeros::<f64>(2)?;
            module.kernel("wide_to_float")?.launch(LaunchConfig::single_thread(), &[&w, &d])?;
            let d = d.to_vec()?;
            // Both values are integral: the host conversions back are exact.
            println!("Output: {} {}", d[0] as u128, d[1] as i128);
        } else {
            let x = gpu.upload(&[2f64.powi(100), -1e30, 1e40, f64::NAN])?;
            let w = gpu.zeros::<u128>(4)?;
            module.kernel("float_to_wide")?.launch(LaunchConfig::single_thread(), &[&x, &w])?;
            let w = w.to_vec()?;
            println!("Output: {} {} {} {}", w[0], w[1] as i128, w[2], w[3]);
        }
        Ok(())
    });
}

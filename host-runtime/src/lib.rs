//! Host side of `tests/run-gpu` programs: load the PTX our backend produced,
//! move buffers to and from the device, launch kernels and report failures.
//!
//! Each run-gpu test is one Rust file. Kernels live under
//! `#[cfg(target_arch = "nvptx64")] pub mod device`, compiled to PTX by the
//! backend; the host `main` under `#[cfg(not(target_arch = "nvptx64"))]` is
//! compiled by plain `rustc --extern host_runtime=...`. The harness runs it
//! with [`PTX_ENV_VAR`] (`HOST_RUNTIME_PTX`) pointing at the `.ptx` file for
//! the SM target under test and compares what it prints with the expectation.
//!
//! The CUDA driver is loaded at run time (cudarc with `dynamic-loading`), so
//! this crate builds without CUDA; without a driver, [`Gpu::new`] and
//! [`probe`] return [`GpuError::NoDriver`] instead of panicking.
//!
//! # A complete test
//!
//! ```no_run
//! #![cfg_attr(target_arch = "nvptx64", no_std, feature(abi_ptx))]
//!
//! #[cfg(target_arch = "nvptx64")]
//! pub mod device {
//!     use core::arch::nvptx::*;
//!
//!     #[no_mangle]
//!     pub unsafe extern "ptx-kernel" fn saxpy(n: u32, a: f32, x: *const f32, y: *mut f32) {
//!         let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
//!         if i < n as usize {
//!             *y.add(i) = a * *x.add(i) + *y.add(i);
//!         }
//!     }
//!
//!     #[repr(C)]
//!     #[derive(Clone, Copy)]
//!     pub struct Affine { pub scale: f32, pub shift: f32 }
//!
//!     #[no_mangle]
//!     pub unsafe extern "ptx-kernel" fn affine(p: Affine, v: *mut f32) {
//!         let i = _thread_idx_x() as usize;
//!         *v.add(i) = *v.add(i) * p.scale + p.shift;
//!     }
//! }
//!
//! #[cfg(not(target_arch = "nvptx64"))]
//! #[repr(C)]
//! #[derive(Clone, Copy)]
//! struct Affine { scale: f32, shift: f32 }
//! // SAFETY: repr(C), same layout as the device type, only f32 fields.
//! #[cfg(not(target_arch = "nvptx64"))]
//! unsafe impl host_runtime::DeviceCopy for Affine {}
//!
//! #[cfg(not(target_arch = "nvptx64"))]
//! fn main() {
//!     use host_runtime::prelude::*;
//!
//!     host_runtime::run(|gpu| {
//!         let module = gpu.load_module_from_env()?;
//!
//!         let n = 1000u32;
//!         let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
//!         let x = gpu.upload(&x)?;
//!         let y = gpu.filled(n as usize, 1.0f32)?;
//!         module
//!             .kernel("saxpy")?
//!             .launch(LaunchConfig::for_num_elems(n), &[&n, &2.0f32, &x, &y])?;
//!         let y = y.to_vec()?;
//!         println!("Output: {} {} {}", y[0], y[1], y[999]);
//!
//!         let v = gpu.upload(&[1.0f32, 2.0, 3.0, 4.0])?;
//!         let p = Affine { scale: 10.0, shift: 0.5 };
//!         module.launch("affine", LaunchConfig::grid_block((1, 1, 1), (4, 1, 1)), &[&p, &v])?;
//!         let v = v.to_vec()?;
//!         host_runtime::ensure!(v[3] == 40.5, "affine gave {v:?}");
//!         println!("Output: {v:?}");
//!         Ok(())
//!     });
//! }
//! ```
//!
//! # Exit codes of [`run`]
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | the closure returned `Ok` |
//! | [`EXIT_FAILURE`] (1) | any other [`GpuError`]; the error is printed to stderr |
//! | [`EXIT_NO_DRIVER`] (3) | no CUDA driver; stderr starts with `no CUDA driver` |
//! | [`EXIT_NO_DEVICE`] (4) | a driver but no device; stderr starts with `no CUDA device` |
//! | 101 | the test panicked (Rust's default) |
#![deny(missing_docs)]

mod buffer;
mod context;
mod driver;
mod error;
mod launch;
mod module;

use std::io::Write;

pub use buffer::{DeviceBuffer, DeviceCopy, DevicePtr};
pub use context::{probe, probe_device, DeviceInfo, Gpu};
pub use driver::format_driver_version;
pub use error::{cuda_error_name, CudaError, GpuError, KernelPhase, CUDA_ERRORS};
pub use launch::{Dim3, KernelArg, LaunchConfig, ParamBytes, MAX_THREADS_PER_BLOCK};
pub use module::{ptx_entry_names, Kernel, Module, SKIP_ARG_CHECK_ENV_VAR};

/// The underlying CUDA bindings, for what this crate does not wrap.
pub use cudarc;

/// The environment variable holding the path of the test's `.ptx` file.
pub const PTX_ENV_VAR: &str = "HOST_RUNTIME_PTX";

/// Exit code of [`run`] when the test fails with any error but the two below.
pub const EXIT_FAILURE: i32 = 1;

/// Exit code of [`run`] when no CUDA driver can be loaded ([`GpuError::NoDriver`]).
pub const EXIT_NO_DRIVER: i32 = 3;

/// Exit code of [`run`] when the driver reports no device ([`GpuError::NoDevice`]).
pub const EXIT_NO_DEVICE: i32 = 4;

/// Everything a test `main` usually needs: `use host_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::{
        DeviceBuffer, DeviceCopy, DevicePtr, Dim3, Gpu, GpuError, Kernel, KernelArg, LaunchConfig,
        Module,
    };
}

/// Runs a test body: opens device 0, calls `f`, and on error prints it to
/// stderr and exits with [`GpuError::exit_code`] (see the crate docs for the
/// codes). Returns normally when `f` succeeds.
pub fn run<F>(f: F)
where
    F: FnOnce(&Gpu) -> Result<(), GpuError>,
{
    // The Gpu (and everything `f` allocated) is dropped before we exit.
    if let Err(e) = Gpu::new().and_then(|gpu| f(&gpu)) {
        let _ = std::io::stdout().flush();
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
    let _ = std::io::stdout().flush();
}

/// Returns `Err(GpuError::Failed(..))` from the enclosing function unless the condition holds.
///
/// ```
/// fn check(sum: u32) -> Result<(), host_runtime::GpuError> {
///     host_runtime::ensure!(sum == 6, "sum was {sum}, expected 6");
///     host_runtime::ensure!(sum > 0);
///     Ok(())
/// }
/// assert!(check(6).is_ok());
/// assert_eq!(check(5).unwrap_err().to_string(), "sum was 5, expected 6");
/// ```
#[macro_export]
macro_rules! ensure {
    ($cond:expr $(,)?) => {
        if !$cond {
            return Err($crate::GpuError::Failed(
                concat!("check failed: ", stringify!($cond)).to_string(),
            ));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::GpuError::Failed(format!($($arg)+)));
        }
    };
}

//! Thin helpers over cudarc's raw, dynamically loaded driver bindings:
//! finding `libcuda`, initializing it without panicking, and checking results.

use std::panic::catch_unwind;

use cudarc::driver::sys;

use crate::error::{CudaError, GpuError};

/// Turns a driver result into `Ok` or a [`GpuError::Cuda`] naming `op`.
pub(crate) fn check(res: sys::CUresult, op: &str) -> Result<(), GpuError> {
    if res == sys::CUresult::CUDA_SUCCESS {
        Ok(())
    } else {
        Err(error(res, op))
    }
}

/// A [`GpuError::Cuda`] for a failed driver call `op`.
pub(crate) fn error(res: sys::CUresult, op: &str) -> GpuError {
    GpuError::Cuda {
        op: op.to_string(),
        error: CudaError::from_driver(res),
    }
}

/// Whether the driver library exports `name` (for entry points newer than our minimum driver).
pub(crate) fn has_symbol(name: &str) -> bool {
    // SAFETY: only called once `is_culib_present` said the library loads; we
    // only look the symbol up, never call it through this pointer.
    unsafe { sys::culib().get::<*const ()>(name.as_bytes()).is_ok() }
}

/// Text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic while loading the CUDA driver".to_string()
    }
}

/// Every driver entry point this crate calls unconditionally.
const REQUIRED_SYMBOLS: &[&str] = &[
    "cuInit",
    "cuDriverGetVersion",
    "cuGetErrorString",
    "cuDeviceGetCount",
    "cuDeviceGet",
    "cuDeviceGetName",
    "cuDeviceGetAttribute",
    "cuDeviceTotalMem_v2",
    "cuDevicePrimaryCtxRetain",
    "cuDevicePrimaryCtxRelease_v2",
    "cuCtxSetCurrent",
    "cuStreamCreate",
    "cuStreamDestroy_v2",
    "cuStreamSynchronize",
    "cuMemAlloc_v2",
    "cuMemFree_v2",
    "cuMemcpyHtoDAsync_v2",
    "cuMemcpyDtoHAsync_v2",
    "cuMemsetD8Async",
    "cuModuleLoadDataEx",
    "cuModuleUnload",
    "cuModuleGetFunction",
    "cuModuleGetGlobal_v2",
    "cuLaunchKernel",
    "cuFuncSetAttribute",
];

/// Loads `libcuda`, runs `cuInit(0)` and returns the number of devices.
///
/// Never panics: a missing library or stub library is [`GpuError::NoDriver`],
/// no devices is [`GpuError::NoDevice`].
pub(crate) fn init() -> Result<usize, GpuError> {
    // SAFETY: only tries to dlopen the candidate library names.
    if !unsafe { sys::is_culib_present() } {
        return Err(GpuError::NoDriver {
            detail: "the CUDA driver library (libcuda.so / libcuda.so.1) could not be loaded"
                .to_string(),
        });
    }
    // cudarc panics when a symbol is missing: check them all up front, and
    // never let a panic escape anyway.
    let missing: Vec<String> = catch_unwind(|| {
        REQUIRED_SYMBOLS
            .iter()
            .filter(|name| !has_symbol(name))
            .map(|name| name.to_string())
            .collect()
    })
    .unwrap_or_else(|p| vec![panic_text(p.as_ref())]);
    if !missing.is_empty() {
        return Err(GpuError::NoDriver {
            detail: format!("libcuda lacks {} (driver too old?)", missing.join(", ")),
        });
    }
    catch_unwind(init_loaded).unwrap_or_else(|p| {
        Err(GpuError::NoDriver {
            detail: panic_text(p.as_ref()),
        })
    })
}

/// `init` once the library is known to load.
fn init_loaded() -> Result<usize, GpuError> {
    // SAFETY: plain driver call.
    let res = unsafe { sys::cuInit(0) };
    match res {
        sys::CUresult::CUDA_SUCCESS => {}
        sys::CUresult::CUDA_ERROR_STUB_LIBRARY => {
            return Err(GpuError::NoDriver {
                detail: "libcuda is the CUDA toolkit's stub library, not a real driver".to_string(),
            })
        }
        sys::CUresult::CUDA_ERROR_NO_DEVICE => {
            return Err(GpuError::NoDevice {
                detail: format!("cuInit: {}", CudaError::from_driver(res)),
            })
        }
        other => check(other, "cuInit")?,
    }
    let mut count = 0;
    // SAFETY: valid out-pointer.
    check(
        unsafe { sys::cuDeviceGetCount(&mut count) },
        "cuDeviceGetCount",
    )?;
    if count <= 0 {
        return Err(GpuError::NoDevice {
            detail: "the driver reports 0 CUDA devices".to_string(),
        });
    }
    Ok(count as usize)
}

/// `cuDriverGetVersion` as `"12.8"`.
pub(crate) fn driver_version() -> Result<String, GpuError> {
    let mut v = 0;
    // SAFETY: valid out-pointer; the driver is initialized.
    check(
        unsafe { sys::cuDriverGetVersion(&mut v) },
        "cuDriverGetVersion",
    )?;
    Ok(format_driver_version(v))
}

/// Formats a `cuDriverGetVersion` number: 12080 → `"12.8"`, 13000 → `"13.0"`.
pub fn format_driver_version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_versions() {
        assert_eq!(format_driver_version(12080), "12.8");
        assert_eq!(format_driver_version(13000), "13.0");
        assert_eq!(format_driver_version(11040), "11.4");
        assert_eq!(format_driver_version(12020), "12.2");
    }

    #[test]
    fn init_never_panics() {
        match init() {
            Ok(n) => assert!(n > 0),
            Err(e) => assert!(e.is_unavailable() || e.cuda_error().is_some(), "{e}"),
        }
    }
}

//! The one error type of the crate, [`GpuError`], and [`CudaError`], a CUDA
//! driver result code with its name (`CUDA_ERROR_ILLEGAL_ADDRESS`) and description.

use std::fmt;
use std::path::PathBuf;

use cudarc::driver::sys;

use crate::{EXIT_FAILURE, EXIT_NO_DEVICE, EXIT_NO_DRIVER, PTX_ENV_VAR};

/// A CUDA driver error code, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CudaError {
    /// The numeric `CUresult` value (e.g. 700).
    pub code: u32,
    /// The enumerator name, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`.
    pub name: String,
    /// The driver's description (`cuGetErrorString`), when the driver gave one.
    pub description: Option<String>,
}

impl CudaError {
    /// Builds an error from its parts; mostly useful in tests.
    pub fn new(code: u32, name: impl Into<String>, description: Option<String>) -> Self {
        CudaError {
            code,
            name: name.into(),
            description,
        }
    }

    /// Converts a driver result without calling into the driver (no description).
    pub(crate) fn offline(res: sys::CUresult) -> Self {
        CudaError {
            code: res as u32,
            name: format!("{res:?}"),
            description: None,
        }
    }

    /// Converts a result that the driver returned; asks the (loaded) driver for its description.
    pub(crate) fn from_driver(res: sys::CUresult) -> Self {
        let mut err = CudaError::offline(res);
        let mut ptr: *const std::ffi::c_char = std::ptr::null();
        // SAFETY: only called with results that came from the loaded driver,
        // so the library and symbol are present; the returned string is static.
        let ok = unsafe { sys::cuGetErrorString(res, &mut ptr) };
        if ok == sys::CUresult::CUDA_SUCCESS && !ptr.is_null() {
            // SAFETY: the driver returns a NUL-terminated static string.
            let s = unsafe { std::ffi::CStr::from_ptr(ptr) };
            err.description = Some(s.to_string_lossy().into_owned());
        }
        err
    }
}

impl fmt::Display for CudaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(d) = &self.description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// Every `CUresult` of the CUDA driver API (CUDA 13.0 headers), from the
/// `cuda-errors` crate, the one list the emulator and its libcuda use too.
/// The harness validates `//@ run-fail: CUDA_ERROR_…` directives against
/// these names.
pub use cuda_errors::ERRORS as CUDA_ERRORS;

/// The name of a `CUresult` code, e.g. `715` → `CUDA_ERROR_ILLEGAL_INSTRUCTION`.
pub fn cuda_error_name(code: u32) -> Option<&'static str> {
    cuda_errors::name(code)
}

/// Where a kernel failed: when it was launched, or while it ran (seen at the synchronize after it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelPhase {
    /// `cuLaunchKernel` (or setting up the launch) refused it: bad configuration, too many resources.
    Launch,
    /// The kernel faulted while running (illegal address, illegal instruction, trap, ...).
    Execution,
}

/// Everything that can go wrong on the host side of a GPU test.
#[derive(Debug)]
#[non_exhaustive]
pub enum GpuError {
    /// The CUDA driver library (`libcuda`) cannot be loaded or is only a stub.
    NoDriver {
        /// Why the driver counts as missing.
        detail: String,
    },
    /// The driver loaded but there is no usable device (or not the one asked for).
    NoDevice {
        /// Why no device is usable.
        detail: String,
    },
    /// A driver call outside a kernel launch failed.
    Cuda {
        /// The operation, e.g. `cuMemAlloc`.
        op: String,
        /// The driver's error.
        error: CudaError,
    },
    /// A kernel failed to launch or faulted while running.
    Kernel {
        /// The kernel's name as looked up in the module.
        kernel: String,
        /// Whether it failed at launch or while running.
        phase: KernelPhase,
        /// The driver's error.
        error: CudaError,
    },
    /// The module has no `.entry` of that name.
    KernelNotFound {
        /// The name that was looked up.
        kernel: String,
        /// The `.entry` names found in the PTX text.
        available: Vec<String>,
    },
    /// The module has no global variable of that name.
    GlobalNotFound {
        /// The name that was looked up.
        name: String,
    },
    /// The arguments do not match the kernel's parameters (count or sizes).
    KernelArgs {
        /// The kernel's name.
        kernel: String,
        /// What does not match.
        message: String,
    },
    /// The launch configuration breaks a hardware limit (zero or oversized dimensions).
    InvalidLaunchConfig {
        /// The kernel's name.
        kernel: String,
        /// Which limit is broken.
        message: String,
    },
    /// The driver could not load (JIT-compile) the PTX.
    ModuleLoad {
        /// Where the PTX came from: a path or `<inline PTX>`.
        source: String,
        /// The driver's error, e.g. `CUDA_ERROR_INVALID_PTX`.
        error: CudaError,
        /// The JIT compiler's error log (may be empty).
        log: String,
    },
    /// The PTX text is unusable before it reaches the driver (e.g. contains a NUL byte).
    InvalidPtx {
        /// Where the PTX came from.
        source: String,
        /// What is wrong with it.
        message: String,
    },
    /// [`PTX_ENV_VAR`] is not set.
    PtxEnvMissing,
    /// The PTX file could not be read.
    PtxRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Host and device sizes do not agree (copies, globals).
    SizeMismatch {
        /// What was being copied.
        what: String,
        /// The size on the device side.
        expected: usize,
        /// The size on the host side.
        actual: usize,
        /// The unit of the sizes, e.g. `elements` or `bytes`.
        unit: &'static str,
    },
    /// A failure reported by the test itself (see [`ensure!`](crate::ensure) and [`GpuError::msg`]).
    Failed(String),
}

impl GpuError {
    /// A test-level failure with a message, e.g. `return Err(GpuError::msg("wrong sum"))`.
    pub fn msg(message: impl Into<String>) -> Self {
        GpuError::Failed(message.into())
    }

    /// The process exit code [`run`](crate::run) uses for this error:
    /// [`EXIT_NO_DRIVER`], [`EXIT_NO_DEVICE`] or [`EXIT_FAILURE`].
    pub fn exit_code(&self) -> i32 {
        match self {
            GpuError::NoDriver { .. } => EXIT_NO_DRIVER,
            GpuError::NoDevice { .. } => EXIT_NO_DEVICE,
            _ => EXIT_FAILURE,
        }
    }

    /// True for [`GpuError::NoDriver`] and [`GpuError::NoDevice`]: the machine cannot run GPU tests.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, GpuError::NoDriver { .. } | GpuError::NoDevice { .. })
    }

    /// The CUDA error behind this error, if any.
    pub fn cuda_error(&self) -> Option<&CudaError> {
        match self {
            GpuError::Cuda { error, .. }
            | GpuError::Kernel { error, .. }
            | GpuError::ModuleLoad { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The kernel this error is about, if any.
    pub fn kernel_name(&self) -> Option<&str> {
        match self {
            GpuError::Kernel { kernel, .. }
            | GpuError::KernelNotFound { kernel, .. }
            | GpuError::KernelArgs { kernel, .. }
            | GpuError::InvalidLaunchConfig { kernel, .. } => Some(kernel),
            _ => None,
        }
    }
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoDriver { detail } => write!(f, "no CUDA driver: {detail}"),
            GpuError::NoDevice { detail } => write!(f, "no CUDA device: {detail}"),
            GpuError::Cuda { op, error } => write!(f, "{op} failed: {error}"),
            GpuError::Kernel {
                kernel,
                phase,
                error,
            } => {
                write!(f, "kernel `{kernel}` failed: {error}")?;
                if *phase == KernelPhase::Launch {
                    f.write_str(" [at launch]")?;
                }
                Ok(())
            }
            GpuError::KernelNotFound { kernel, available } => {
                write!(f, "kernel `{kernel}` not found in the PTX module")?;
                if available.is_empty() {
                    f.write_str(" (it has no .entry)")
                } else {
                    write!(f, " (entries: {})", available.join(", "))
                }
            }
            GpuError::GlobalNotFound { name } => {
                write!(f, "global `{name}` not found in the PTX module")
            }
            GpuError::KernelArgs { kernel, message } => {
                write!(f, "kernel `{kernel}`: bad arguments: {message}")
            }
            GpuError::InvalidLaunchConfig { kernel, message } => {
                write!(f, "kernel `{kernel}`: invalid launch configuration: {message}")
            }
            GpuError::ModuleLoad { source, error, log } => {
                write!(f, "loading PTX {source} failed: {error}")?;
                let log = log.trim();
                if !log.is_empty() {
                    write!(f, "\nJIT log:\n{log}")?;
                }
                Ok(())
            }
            GpuError::InvalidPtx { source, message } => {
                write!(f, "invalid PTX {source}: {message}")
            }
            GpuError::PtxEnvMissing => write!(
                f,
                "{PTX_ENV_VAR} is not set (the harness points it at this test's .ptx file)"
            ),
            GpuError::PtxRead { path, error } => {
                write!(f, "cannot read PTX file {}: {error}", path.display())
            }
            GpuError::SizeMismatch {
                what,
                expected,
                actual,
                unit,
            } => write!(
                f,
                "{what}: size mismatch: device side has {expected} {unit}, host side has {actual} {unit}"
            ),
            GpuError::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for GpuError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GpuError::PtxRead { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn illegal_address() -> CudaError {
        CudaError::new(
            700,
            "CUDA_ERROR_ILLEGAL_ADDRESS",
            Some("an illegal memory access was encountered".into()),
        )
    }

    #[test]
    fn offline_conversion_uses_the_enumerator_name() {
        let e = CudaError::offline(sys::CUresult::CUDA_ERROR_ILLEGAL_INSTRUCTION);
        assert_eq!(e.name, "CUDA_ERROR_ILLEGAL_INSTRUCTION");
        assert_eq!(e.code, 715);
        assert_eq!(e.to_string(), "CUDA_ERROR_ILLEGAL_INSTRUCTION");
        let e = CudaError::offline(sys::CUresult::CUDA_ERROR_LAUNCH_FAILED);
        assert_eq!(e.name, "CUDA_ERROR_LAUNCH_FAILED");
    }

    #[test]
    fn kernel_error_names_kernel_and_cuda_error() {
        let e = GpuError::Kernel {
            kernel: "foo".into(),
            phase: KernelPhase::Execution,
            error: illegal_address(),
        };
        assert_eq!(
            e.to_string(),
            "kernel `foo` failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)"
        );
        assert_eq!(e.kernel_name(), Some("foo"));
        assert_eq!(e.cuda_error().unwrap().code, 700);
        assert_eq!(e.exit_code(), EXIT_FAILURE);

        let e = GpuError::Kernel {
            kernel: "bar".into(),
            phase: KernelPhase::Launch,
            error: CudaError::offline(sys::CUresult::CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES),
        };
        assert_eq!(
            e.to_string(),
            "kernel `bar` failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES [at launch]"
        );
    }

    #[test]
    fn availability_errors_have_their_exit_codes() {
        let e = GpuError::NoDriver {
            detail: "libcuda not found".into(),
        };
        assert!(e.to_string().starts_with("no CUDA driver"));
        assert_eq!(e.exit_code(), EXIT_NO_DRIVER);
        assert!(e.is_unavailable());
        let e = GpuError::NoDevice {
            detail: "cuDeviceGetCount returned 0".into(),
        };
        assert!(e.to_string().starts_with("no CUDA device"));
        assert_eq!(e.exit_code(), EXIT_NO_DEVICE);
        assert!(!GpuError::msg("x").is_unavailable());
    }

    #[test]
    fn other_messages() {
        let e = GpuError::KernelNotFound {
            kernel: "saxpy".into(),
            available: vec!["_ZN5saxpy17h0E".into(), "add".into()],
        };
        assert_eq!(
            e.to_string(),
            "kernel `saxpy` not found in the PTX module (entries: _ZN5saxpy17h0E, add)"
        );
        let e = GpuError::ModuleLoad {
            source: "`/tmp/t.ptx`".into(),
            error: CudaError::new(218, "CUDA_ERROR_INVALID_PTX", None),
            log: "ptxas fatal   : syntax error\n".into(),
        };
        assert_eq!(
            e.to_string(),
            "loading PTX `/tmp/t.ptx` failed: CUDA_ERROR_INVALID_PTX\nJIT log:\nptxas fatal   : syntax error"
        );
        let e = GpuError::Cuda {
            op: "cuMemAlloc".into(),
            error: CudaError::new(2, "CUDA_ERROR_OUT_OF_MEMORY", Some("out of memory".into())),
        };
        assert_eq!(
            e.to_string(),
            "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)"
        );
        assert_eq!(GpuError::msg("sum was 3").to_string(), "sum was 3");
        assert!(GpuError::PtxEnvMissing
            .to_string()
            .starts_with("HOST_RUNTIME_PTX is not set"));
        let e = GpuError::SizeMismatch {
            what: "copy to device buffer".into(),
            expected: 4,
            actual: 3,
            unit: "elements",
        };
        assert_eq!(
            e.to_string(),
            "copy to device buffer: size mismatch: device side has 4 elements, host side has 3 elements"
        );
    }

    #[test]
    fn the_name_table_matches_the_driver_enum() {
        for res in [
            sys::CUresult::CUDA_SUCCESS,
            sys::CUresult::CUDA_ERROR_INVALID_VALUE,
            sys::CUresult::CUDA_ERROR_INVALID_PTX,
            sys::CUresult::CUDA_ERROR_NOT_FOUND,
            sys::CUresult::CUDA_ERROR_ILLEGAL_ADDRESS,
            sys::CUresult::CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES,
            sys::CUresult::CUDA_ERROR_ASSERT,
            sys::CUresult::CUDA_ERROR_ILLEGAL_INSTRUCTION,
            sys::CUresult::CUDA_ERROR_MISALIGNED_ADDRESS,
            sys::CUresult::CUDA_ERROR_LAUNCH_FAILED,
            sys::CUresult::CUDA_ERROR_UNKNOWN,
        ] {
            let e = CudaError::offline(res);
            assert_eq!(cuda_error_name(e.code), Some(e.name.as_str()), "{e:?}");
        }
        assert!(
            CUDA_ERRORS.windows(2).all(|w| w[0].code < w[1].code),
            "sorted and unique"
        );
    }
}

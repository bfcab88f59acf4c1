//! The [`Gpu`] handle (device, primary context and one stream), [`DeviceInfo`],
//! and [`probe`], which detects a driver and device without creating a context.

use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

use cudarc::driver::sys;
use serde::{Deserialize, Serialize};

use crate::buffer::{DeviceBuffer, DeviceCopy};
use crate::driver::{self, check};
use crate::error::GpuError;
use crate::module::Module;
use crate::PTX_ENV_VAR;

/// What the harness and tests need to know about a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device ordinal (0 for [`Gpu::new`] and [`probe`]).
    #[serde(default)]
    pub ordinal: u32,
    /// The marketing name, e.g. `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Compute capability major version (9 for sm_90).
    pub major: u32,
    /// Compute capability minor version (0 for sm_90).
    pub minor: u32,
    /// The driver's CUDA version from `cuDriverGetVersion`, e.g. `"12.8"`.
    pub driver_version: String,
    /// Total device memory in bytes.
    #[serde(default)]
    pub total_memory_bytes: u64,
    /// Number of streaming multiprocessors.
    #[serde(default)]
    pub multiprocessors: u32,
}

impl DeviceInfo {
    /// The base PTX target of this device, e.g. `sm_90`.
    pub fn sm(&self) -> String {
        format!("sm_{}{}", self.major, self.minor)
    }

    /// `(major, minor)` compute capability.
    pub fn compute_capability(&self) -> (u32, u32) {
        (self.major, self.minor)
    }
}

/// Reads a device attribute.
fn attribute(dev: sys::CUdevice, attr: sys::CUdevice_attribute) -> Result<i32, GpuError> {
    let mut v = 0;
    // SAFETY: valid out-pointer; the driver is initialized.
    check(
        unsafe { sys::cuDeviceGetAttribute(&mut v, attr, dev) },
        "cuDeviceGetAttribute",
    )?;
    Ok(v)
}

/// Queries a device's [`DeviceInfo`]; the driver must be initialized.
fn device_info(ordinal: usize, dev: sys::CUdevice) -> Result<DeviceInfo, GpuError> {
    let mut name = [0 as c_char; 256];
    // SAFETY: the buffer is 256 bytes and the driver NUL-terminates within `len`.
    check(
        unsafe { sys::cuDeviceGetName(name.as_mut_ptr(), name.len() as i32, dev) },
        "cuDeviceGetName",
    )?;
    // SAFETY: NUL-terminated by the driver (and zero-initialized).
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    let mut total = 0usize;
    // SAFETY: valid out-pointer.
    check(
        unsafe { sys::cuDeviceTotalMem_v2(&mut total, dev) },
        "cuDeviceTotalMem",
    )?;
    use sys::CUdevice_attribute::*;
    Ok(DeviceInfo {
        ordinal: ordinal as u32,
        name,
        major: attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)? as u32,
        minor: attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)? as u32,
        driver_version: driver::driver_version()?,
        total_memory_bytes: total as u64,
        multiprocessors: attribute(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)? as u32,
    })
}

/// Initializes the driver and returns the `CUdevice` for `ordinal`.
fn open_device(ordinal: usize) -> Result<sys::CUdevice, GpuError> {
    let count = driver::init()?;
    if ordinal >= count {
        return Err(GpuError::NoDevice {
            detail: format!("device {ordinal} requested but the driver reports {count} device(s)"),
        });
    }
    let mut dev = 0;
    // SAFETY: valid out-pointer; ordinal is in range.
    check(
        unsafe { sys::cuDeviceGet(&mut dev, ordinal as i32) },
        "cuDeviceGet",
    )?;
    Ok(dev)
}

/// Detects the CUDA driver and device 0 without creating a context and without panicking.
///
/// Returns [`GpuError::NoDriver`] when `libcuda` cannot be loaded (or is a stub),
/// [`GpuError::NoDevice`] when it reports no device.
pub fn probe() -> Result<DeviceInfo, GpuError> {
    probe_device(0)
}

/// Like [`probe`], for device `ordinal`.
pub fn probe_device(ordinal: usize) -> Result<DeviceInfo, GpuError> {
    let dev = open_device(ordinal)?;
    device_info(ordinal, dev)
}

/// The shared state behind a [`Gpu`]: the device's primary context and our stream.
#[derive(Debug)]
pub(crate) struct Context {
    device: sys::CUdevice,
    ctx: sys::CUcontext,
    pub(crate) stream: sys::CUstream,
    info: DeviceInfo,
}

// SAFETY: CUDA contexts and streams may be used from any thread; every
// operation makes the context current on the calling thread first (`bind`).
unsafe impl Send for Context {}
// SAFETY: see above; the driver API is thread-safe.
unsafe impl Sync for Context {}

impl Context {
    /// The raw `CUcontext`.
    pub(crate) fn raw(&self) -> sys::CUcontext {
        self.ctx
    }

    /// Makes this context current on the calling thread.
    pub(crate) fn bind(&self) -> Result<(), GpuError> {
        // SAFETY: `ctx` is a retained primary context, alive while `self` is.
        check(unsafe { sys::cuCtxSetCurrent(self.ctx) }, "cuCtxSetCurrent")
    }

    /// Waits for everything queued on our stream; `op` names what is waited for.
    pub(crate) fn sync(&self, op: &str) -> Result<(), GpuError> {
        // SAFETY: `stream` is alive while `self` is.
        check(unsafe { sys::cuStreamSynchronize(self.stream) }, op)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // Errors here (e.g. after a sticky kernel fault) cannot be reported; ignore them.
        // SAFETY: the handles were created in `Gpu::with_device` and are released once.
        unsafe {
            let _ = sys::cuCtxSetCurrent(self.ctx);
            let _ = sys::cuStreamDestroy_v2(self.stream);
            let _ = sys::cuDevicePrimaryCtxRelease_v2(self.device);
        }
    }
}

/// A CUDA device with its primary context and one stream: the entry point of a test.
///
/// Buffers and modules keep the context alive, so they may outlive the `Gpu`
/// value itself. All operations are synchronous: they return when the GPU is done.
#[derive(Clone, Debug)]
pub struct Gpu {
    pub(crate) ctx: Arc<Context>,
}

impl Gpu {
    /// Opens device 0: initializes the driver, retains the primary context, creates a stream.
    pub fn new() -> Result<Gpu, GpuError> {
        Gpu::with_device(0)
    }

    /// Opens device `ordinal`, like [`Gpu::new`].
    pub fn with_device(ordinal: usize) -> Result<Gpu, GpuError> {
        let device = open_device(ordinal)?;
        let info = device_info(ordinal, device)?;
        let mut ctx = std::ptr::null_mut();
        // SAFETY: valid out-pointer and device.
        check(
            unsafe { sys::cuDevicePrimaryCtxRetain(&mut ctx, device) },
            "cuDevicePrimaryCtxRetain",
        )?;
        // SAFETY: `ctx` was just retained.
        if let Err(e) = check(unsafe { sys::cuCtxSetCurrent(ctx) }, "cuCtxSetCurrent") {
            // SAFETY: release what we retained.
            unsafe { sys::cuDevicePrimaryCtxRelease_v2(device) };
            return Err(e);
        }
        let mut stream = std::ptr::null_mut();
        // SAFETY: valid out-pointer; the context is current. Flags 0 = CU_STREAM_DEFAULT.
        if let Err(e) = check(
            unsafe { sys::cuStreamCreate(&mut stream, 0) },
            "cuStreamCreate",
        ) {
            // SAFETY: release what we retained.
            unsafe { sys::cuDevicePrimaryCtxRelease_v2(device) };
            return Err(e);
        }
        Ok(Gpu {
            ctx: Arc::new(Context {
                device,
                ctx,
                stream,
                info,
            }),
        })
    }

    /// Name, compute capability and driver version of this device.
    pub fn device_info(&self) -> &DeviceInfo {
        &self.ctx.info
    }

    /// Loads the PTX file named by the `HOST_RUNTIME_PTX` environment variable ([`PTX_ENV_VAR`]).
    pub fn load_module_from_env(&self) -> Result<Module, GpuError> {
        let path = std::env::var_os(PTX_ENV_VAR).ok_or(GpuError::PtxEnvMissing)?;
        self.load_ptx_file(path)
    }

    /// Loads (JIT-compiles) a PTX file.
    pub fn load_ptx_file(&self, path: impl AsRef<Path>) -> Result<Module, GpuError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| GpuError::PtxRead {
            path: path.to_path_buf(),
            error,
        })?;
        Module::load(self.ctx.clone(), &text, format!("`{}`", path.display()))
    }

    /// Loads (JIT-compiles) PTX source text.
    pub fn load_ptx(&self, ptx: &str) -> Result<Module, GpuError> {
        Module::load(self.ctx.clone(), ptx, "<inline PTX>".to_string())
    }

    /// Copies `data` into a new device buffer.
    pub fn upload<T: DeviceCopy>(&self, data: &[T]) -> Result<DeviceBuffer<T>, GpuError> {
        let mut buf = DeviceBuffer::alloc(self.ctx.clone(), data.len())?;
        buf.copy_from_host(data)?;
        Ok(buf)
    }

    /// A new device buffer of `len` zeroed elements.
    pub fn zeros<T: DeviceCopy>(&self, len: usize) -> Result<DeviceBuffer<T>, GpuError> {
        let mut buf = DeviceBuffer::alloc(self.ctx.clone(), len)?;
        buf.fill_zero()?;
        Ok(buf)
    }

    /// A new device buffer of `len` copies of `value`.
    pub fn filled<T: DeviceCopy>(&self, len: usize, value: T) -> Result<DeviceBuffer<T>, GpuError> {
        self.upload(&vec![value; len])
    }

    /// Copies a device buffer back into a `Vec` (same as [`DeviceBuffer::to_vec`]).
    pub fn download<T: DeviceCopy>(&self, buf: &DeviceBuffer<T>) -> Result<Vec<T>, GpuError> {
        buf.to_vec()
    }

    /// Waits until all work on this GPU's stream is done.
    pub fn synchronize(&self) -> Result<(), GpuError> {
        self.ctx.bind()?;
        self.ctx.sync("cuStreamSynchronize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_does_not_panic_and_agrees_with_driver_presence() {
        // SAFETY: only tries to dlopen libcuda.
        let present = unsafe { sys::is_culib_present() };
        match probe() {
            Ok(info) => {
                assert!(present);
                assert!(info.major >= 3, "{info:?}");
                assert!(info.driver_version.contains('.'));
            }
            Err(GpuError::NoDriver { detail }) => {
                assert!(!detail.is_empty());
            }
            Err(e) => assert!(present, "unexpected error without a driver: {e}"),
        }
        if !present {
            assert!(matches!(probe(), Err(GpuError::NoDriver { .. })));
            let err = Gpu::new().unwrap_err();
            assert!(matches!(err, GpuError::NoDriver { .. }), "{err}");
            assert_eq!(err.exit_code(), crate::EXIT_NO_DRIVER);
        }
    }

    #[test]
    fn device_info_serde_round_trip() {
        let info = DeviceInfo {
            ordinal: 0,
            name: "NVIDIA H100 80GB HBM3".into(),
            major: 9,
            minor: 0,
            driver_version: "12.8".into(),
            total_memory_bytes: 85_000_000_000,
            multiprocessors: 132,
        };
        assert_eq!(info.sm(), "sm_90");
        assert_eq!(info.compute_capability(), (9, 0));
        let json = serde_json::to_string(&info).unwrap();
        let back: DeviceInfo = serde_json::from_str(&json).unwrap();
        assert_eq!(back, info);
        // Older records without the optional fields still load.
        let minimal: DeviceInfo =
            serde_json::from_str(r#"{"name":"x","major":8,"minor":6,"driver_version":"12.2"}"#)
                .unwrap();
        assert_eq!(minimal.sm(), "sm_86");
    }
}

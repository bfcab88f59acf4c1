//! Loaded PTX modules ([`Module`]) and their kernels ([`Kernel`]): JIT loading
//! with the compiler's log, argument checking, synchronous launches, globals.

use std::ffi::{c_void, CString};
use std::mem::size_of;
use std::sync::Arc;

use cudarc::driver::sys;

use crate::buffer::DeviceCopy;
use crate::context::Context;
use crate::driver::{self, check, has_symbol};
use crate::error::{CudaError, GpuError, KernelPhase};
use crate::launch::{KernelArg, LaunchConfig, ParamBytes};

/// Size of each JIT log buffer.
const JIT_LOG_BYTES: usize = 64 * 1024;

/// Set this environment variable (to anything) to skip checking arguments
/// against the kernel's parameter sizes before a launch.
pub const SKIP_ARG_CHECK_ENV_VAR: &str = "HOST_RUNTIME_SKIP_ARG_CHECK";

/// Dynamic shared memory above this needs an opt-in attribute on the function.
const DEFAULT_SHARED_LIMIT: u32 = 48 * 1024;

/// The names of the `.entry` directives in PTX text, in order.
pub fn ptx_entry_names(ptx: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = ptx;
    while let Some(pos) = rest.find(".entry") {
        let before = rest[..pos].chars().next_back();
        rest = &rest[pos + ".entry".len()..];
        let boundary_before = before.is_none_or(|c| c.is_whitespace());
        if !boundary_before || !rest.starts_with(|c: char| c.is_whitespace()) {
            continue;
        }
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '%'))
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

/// Turns a NUL-terminated log buffer into text.
fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim_end().to_string()
}

/// A PTX module loaded into a [`Gpu`](crate::Gpu)'s context; unloaded on drop.
#[derive(Debug)]
pub struct Module {
    raw: sys::CUmodule,
    ctx: Arc<Context>,
    entries: Vec<String>,
    source: String,
    info_log: String,
}

// SAFETY: module handles are usable from any thread once the context is current.
unsafe impl Send for Module {}
// SAFETY: see above.
unsafe impl Sync for Module {}

impl Drop for Module {
    fn drop(&mut self) {
        // SAFETY: `raw` was loaded in this context and is unloaded once.
        unsafe {
            let _ = sys::cuCtxSetCurrent(self.ctx.raw());
            let _ = sys::cuModuleUnload(self.raw);
        }
    }
}

impl Module {
    /// JIT-compiles `ptx` with `cuModuleLoadDataEx`, keeping the compiler's logs.
    pub(crate) fn load(ctx: Arc<Context>, ptx: &str, source: String) -> Result<Module, GpuError> {
        let text = CString::new(ptx).map_err(|e| GpuError::InvalidPtx {
            source: source.clone(),
            message: format!("contains a NUL byte at offset {}", e.nul_position()),
        })?;
        ctx.bind()?;
        let mut error_log = vec![0u8; JIT_LOG_BYTES];
        let mut info_log = vec![0u8; JIT_LOG_BYTES];
        use sys::CUjit_option::*;
        let mut options = [
            CU_JIT_ERROR_LOG_BUFFER,
            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
            CU_JIT_INFO_LOG_BUFFER,
            CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
        ];
        let mut values: [*mut c_void; 4] = [
            error_log.as_mut_ptr().cast(),
            std::ptr::without_provenance_mut(JIT_LOG_BYTES),
            info_log.as_mut_ptr().cast(),
            std::ptr::without_provenance_mut(JIT_LOG_BYTES),
        ];
        let mut raw = std::ptr::null_mut();
        // SAFETY: `text` is NUL-terminated; options and values have 4 entries;
        // the log buffers have the advertised sizes and outlive the call.
        let res = unsafe {
            sys::cuModuleLoadDataEx(
                &mut raw,
                text.as_ptr().cast(),
                options.len() as u32,
                options.as_mut_ptr(),
                values.as_mut_ptr(),
            )
        };
        if res != sys::CUresult::CUDA_SUCCESS {
            let mut log = log_text(&error_log);
            if log.is_empty() {
                log = log_text(&info_log);
            }
            return Err(GpuError::ModuleLoad {
                source,
                error: CudaError::from_driver(res),
                log,
            });
        }
        Ok(Module {
            raw,
            ctx,
            entries: ptx_entry_names(ptx),
            source,
            info_log: log_text(&info_log),
        })
    }

    /// The `.entry` (kernel) names found in the PTX text.
    pub fn kernel_names(&self) -> &[String] {
        &self.entries
    }

    /// Where the PTX came from: a quoted path or `<inline PTX>`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The JIT compiler's informational log (often empty).
    pub fn jit_log(&self) -> &str {
        &self.info_log
    }

    /// Looks up a kernel by its exact `.entry` name.
    pub fn kernel(&self, name: &str) -> Result<Kernel<'_>, GpuError> {
        let not_found = || GpuError::KernelNotFound {
            kernel: name.to_string(),
            available: self.entries.clone(),
        };
        let cname = CString::new(name).map_err(|_| not_found())?;
        self.ctx.bind()?;
        let mut func = std::ptr::null_mut();
        // SAFETY: valid out-pointer, module and NUL-terminated name.
        let res = unsafe { sys::cuModuleGetFunction(&mut func, self.raw, cname.as_ptr()) };
        match res {
            sys::CUresult::CUDA_SUCCESS => Ok(Kernel {
                module: self,
                func,
                name: name.to_string(),
            }),
            sys::CUresult::CUDA_ERROR_NOT_FOUND => Err(not_found()),
            other => Err(driver::error(
                other,
                &format!("cuModuleGetFunction(`{name}`)"),
            )),
        }
    }

    /// Shorthand for `self.kernel(name)?.launch(cfg, args)`.
    pub fn launch(
        &self,
        name: &str,
        cfg: LaunchConfig,
        args: &[&dyn KernelArg],
    ) -> Result<(), GpuError> {
        self.kernel(name)?.launch(cfg, args)
    }

    /// Address and size in bytes of a module-scope variable (`.global`/`.const`).
    fn global(&self, name: &str) -> Result<(sys::CUdeviceptr, usize), GpuError> {
        let not_found = || GpuError::GlobalNotFound {
            name: name.to_string(),
        };
        let cname = CString::new(name).map_err(|_| not_found())?;
        self.ctx.bind()?;
        let (mut ptr, mut bytes) = (0, 0);
        // SAFETY: valid out-pointers, module and NUL-terminated name.
        let res =
            unsafe { sys::cuModuleGetGlobal_v2(&mut ptr, &mut bytes, self.raw, cname.as_ptr()) };
        match res {
            sys::CUresult::CUDA_SUCCESS => Ok((ptr, bytes)),
            sys::CUresult::CUDA_ERROR_NOT_FOUND => Err(not_found()),
            other => Err(driver::error(
                other,
                &format!("cuModuleGetGlobal(`{name}`)"),
            )),
        }
    }

    /// Reads a module-scope variable (e.g. a device `static`) as elements of `T`.
    pub fn read_global<T: DeviceCopy>(&self, name: &str) -> Result<Vec<T>, GpuError> {
        let (ptr, bytes) = self.global(name)?;
        let elem = size_of::<T>().max(1);
        if bytes % elem != 0 {
            return Err(GpuError::SizeMismatch {
                what: format!("global `{name}` read as {}", std::any::type_name::<T>()),
                expected: bytes,
                actual: elem,
                unit: "bytes (not a multiple)",
            });
        }
        let len = bytes / elem;
        let mut out: Vec<T> = Vec::with_capacity(len);
        if bytes > 0 {
            // SAFETY: `out` has room for `bytes` bytes; we wait for the copy.
            check(
                unsafe {
                    sys::cuMemcpyDtoHAsync_v2(out.as_mut_ptr().cast(), ptr, bytes, self.ctx.stream)
                },
                "cuMemcpyDtoH",
            )?;
            self.ctx.sync("cuMemcpyDtoH")?;
        }
        // SAFETY: all `len` elements were written; any bit pattern is a valid `T`.
        unsafe { out.set_len(len) };
        Ok(out)
    }

    /// Overwrites a module-scope variable; `data` must cover it exactly.
    pub fn write_global<T: DeviceCopy>(&self, name: &str, data: &[T]) -> Result<(), GpuError> {
        let (ptr, bytes) = self.global(name)?;
        let given = std::mem::size_of_val(data);
        if given != bytes {
            return Err(GpuError::SizeMismatch {
                what: format!("write to global `{name}`"),
                expected: bytes,
                actual: given,
                unit: "bytes",
            });
        }
        if bytes > 0 {
            // SAFETY: both sides have `bytes` bytes; we wait for the copy.
            check(
                unsafe {
                    sys::cuMemcpyHtoDAsync_v2(ptr, data.as_ptr().cast(), bytes, self.ctx.stream)
                },
                "cuMemcpyHtoD",
            )?;
            self.ctx.sync("cuMemcpyHtoD")?;
        }
        Ok(())
    }
}

/// One kernel of a [`Module`], ready to launch.
#[derive(Debug)]
pub struct Kernel<'m> {
    module: &'m Module,
    func: sys::CUfunction,
    name: String,
}

impl Kernel<'_> {
    /// The kernel's `.entry` name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sizes in bytes of the kernel's parameters, in order, when the driver
    /// can tell (`cuFuncGetParamInfo`, driver 12.4 and later); `None` otherwise.
    pub fn param_sizes(&self) -> Option<Vec<usize>> {
        if !has_symbol("cuFuncGetParamInfo") {
            return None;
        }
        self.module.ctx.bind().ok()?;
        let mut sizes = Vec::new();
        for index in 0..4096 {
            let (mut offset, mut size) = (0usize, 0usize);
            // SAFETY: valid function handle and out-pointers.
            let res = unsafe { sys::cuFuncGetParamInfo(self.func, index, &mut offset, &mut size) };
            match res {
                sys::CUresult::CUDA_SUCCESS => sizes.push(size),
                // Past the last parameter.
                sys::CUresult::CUDA_ERROR_INVALID_VALUE => return Some(sizes),
                _ => return None,
            }
        }
        None
    }

    /// A kernel-scoped error.
    fn error(&self, phase: KernelPhase, res: sys::CUresult) -> GpuError {
        GpuError::Kernel {
            kernel: self.name.clone(),
            phase,
            error: CudaError::from_driver(res),
        }
    }

    /// Compares the arguments with the kernel's parameter sizes, when known.
    fn check_args(&self, params: &[ParamBytes]) -> Result<(), GpuError> {
        if std::env::var_os(SKIP_ARG_CHECK_ENV_VAR).is_some() {
            return Ok(());
        }
        let Some(sizes) = self.param_sizes() else {
            return Ok(());
        };
        check_args_against(&self.name, &sizes, params)
    }

    /// Launches the kernel with `args` and waits for it to finish.
    ///
    /// Each argument is one kernel parameter: pass scalars and `#[repr(C)]`
    /// structs by reference (`&n`, `&1.5f32`) and buffers as `&buf`.
    /// Launch failures and faults while running (illegal address, trap, ...)
    /// come back as [`GpuError::Kernel`] naming this kernel.
    pub fn launch(&self, cfg: LaunchConfig, args: &[&dyn KernelArg]) -> Result<(), GpuError> {
        cfg.validate()
            .map_err(|message| GpuError::InvalidLaunchConfig {
                kernel: self.name.clone(),
                message,
            })?;
        let params: Vec<ParamBytes> = args.iter().map(|a| a.to_param()).collect();
        self.check_args(&params)?;
        let ctx = &self.module.ctx;
        ctx.bind()?;
        if cfg.shared_mem_bytes > DEFAULT_SHARED_LIMIT {
            use sys::CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
            // SAFETY: valid function handle.
            let res = unsafe {
                sys::cuFuncSetAttribute(
                    self.func,
                    CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    cfg.shared_mem_bytes as i32,
                )
            };
            if res != sys::CUresult::CUDA_SUCCESS {
                return Err(self.error(KernelPhase::Launch, res));
            }
        }
        let mut pointers: Vec<*mut c_void> = params.iter().map(|p| p.as_ptr()).collect();
        let (g, b) = (cfg.grid, cfg.block);
        // SAFETY: one pointer per parameter, each to at least the parameter's
        // size (checked above when the driver can tell); `params` outlives the call.
        let res = unsafe {
            sys::cuLaunchKernel(
                self.func,
                g.x,
                g.y,
                g.z,
                b.x,
                b.y,
                b.z,
                cfg.shared_mem_bytes,
                ctx.stream,
                if pointers.is_empty() {
                    std::ptr::null_mut()
                } else {
                    pointers.as_mut_ptr()
                },
                std::ptr::null_mut(),
            )
        };
        if res != sys::CUresult::CUDA_SUCCESS {
            return Err(self.error(KernelPhase::Launch, res));
        }
        // SAFETY: valid stream.
        let res = unsafe { sys::cuStreamSynchronize(ctx.stream) };
        if res != sys::CUresult::CUDA_SUCCESS {
            return Err(self.error(KernelPhase::Execution, res));
        }
        Ok(())
    }
}

/// Checks argument sizes against parameter sizes.
fn check_args_against(
    kernel: &str,
    sizes: &[usize],
    params: &[ParamBytes],
) -> Result<(), GpuError> {
    let err = |message| GpuError::KernelArgs {
        kernel: kernel.to_string(),
        message,
    };
    if sizes.len() != params.len() {
        let list: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
        return Err(err(format!(
            "the kernel takes {} parameter(s) (sizes in bytes: [{}]) but {} argument(s) were passed",
            sizes.len(),
            list.join(", "),
            params.len()
        )));
    }
    for (index, (size, param)) in sizes.iter().zip(params).enumerate() {
        if *size != param.len() {
            return Err(err(format!(
                "argument {index} is a `{}` of {} byte(s) but parameter {index} has {size} byte(s)",
                param.type_name(),
                param.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PTX: &str = r#"
.version 8.0
.target sm_80
.address_size 64

.visible .global .align 4 .u32 COUNTER;

	// .globl	add_one
.visible .entry add_one(
	.param .u64 add_one_param_0,
	.param .u32 add_one_param_1
)
{
	ret;
}
.weak .entry _ZN4test6device5saxpy17h0123456789abcdefE  (
	.param .u32 p0
)
{ ret; }
.entry	empty()
{ ret; }
.func notakernel() { ret; }
"#;

    #[test]
    fn entry_names() {
        assert_eq!(
            ptx_entry_names(PTX),
            [
                "add_one",
                "_ZN4test6device5saxpy17h0123456789abcdefE",
                "empty"
            ]
        );
        assert!(ptx_entry_names(".version 8.0\n.func f() { ret; }").is_empty());
        assert!(ptx_entry_names("x.entryfoo bar").is_empty());
    }

    #[test]
    fn jit_log_text() {
        let mut buf = b"ptxas error   : bad\n".to_vec();
        buf.extend([0u8; 10]);
        assert_eq!(log_text(&buf), "ptxas error   : bad");
        assert_eq!(log_text(&[0u8; 4]), "");
    }

    #[test]
    fn argument_checks() {
        let ok = [1u64.to_param(), 2u32.to_param()];
        assert!(check_args_against("k", &[8, 4], &ok).is_ok());
        let e = check_args_against("k", &[8, 4, 4], &ok).unwrap_err();
        assert_eq!(
            e.to_string(),
            "kernel `k`: bad arguments: the kernel takes 3 parameter(s) (sizes in bytes: [8, 4, 4]) but 2 argument(s) were passed"
        );
        let e = check_args_against("k", &[8, 8], &ok).unwrap_err();
        assert_eq!(
            e.to_string(),
            "kernel `k`: bad arguments: argument 1 is a `u32` of 4 byte(s) but parameter 1 has 8 byte(s)"
        );
        assert!(check_args_against("k", &[], &[]).is_ok());
    }
}

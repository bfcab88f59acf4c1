//! The CUDA driver API entry points that `host-runtime` calls, implemented on
//! the PTX emulator. Built as a cdylib and loaded as `libcuda`, it lets the
//! unchanged host programs (and bundles) run their kernels on the emulator.
//!
//! - `PTX_EMU_SM` (e.g. `sm_90a`) is the architecture the device reports
//!   (default `sm_80`); its name is `ptx-emu 0.1 (sm_90a)`.
//! - `PTX_EMU_SCHEDULE=shuffle:<seed>` interleaves threads differently.
//! - A kernel fault is printed to stderr as `ptx-emu: CUDA_ERROR_… in kernel
//!   `k` at PTX line N, block (…) thread (…): …` and returned at the next
//!   synchronization, then on every later call (the context is lost, as on a GPU).
//! - Device printf output is written to stdout at synchronization.
//!
//! No panic crosses the FFI boundary: each entry point catches it and
//! returns `CUDA_ERROR_UNKNOWN` with the message on stderr.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use ptx_emu::exec::{Arch, Fault, FaultKind, LaunchConfig, Machine, Schedule, VERSION};

type CUresult = c_int;

const SUCCESS: CUresult = 0;
const INVALID_VALUE: CUresult = 1;
const OUT_OF_MEMORY: CUresult = 2;
const NOT_INITIALIZED: CUresult = 3;
const INVALID_DEVICE: CUresult = 101;
const INVALID_IMAGE: CUresult = 200;
const INVALID_CONTEXT: CUresult = 201;
const NO_BINARY_FOR_GPU: CUresult = 209;
const INVALID_PTX: CUresult = 218;
const INVALID_HANDLE: CUresult = 400;
const NOT_FOUND: CUresult = 500;
const NOT_SUPPORTED: CUresult = 801;
const UNKNOWN: CUresult = 999;

struct Function {
    module: usize,
    name: String,
    /// (offset, size) of each parameter.
    params: Vec<(usize, usize)>,
    max_dynamic_shared: u32,
}

struct State {
    machine: Machine,
    /// The error that lost the context; every later call returns it.
    sticky: Option<CUresult>,
    functions: Vec<Function>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn arch_from_env() -> Result<Arch, String> {
    let name = std::env::var("PTX_EMU_SM").unwrap_or_else(|_| "sm_80".into());
    Arch::parse(&name)
        .ok_or_else(|| format!("PTX_EMU_SM={name}: expected an sm target like sm_80 or sm_90a"))
}

/// Runs `f` with the state, catching panics.
fn with_state(f: impl FnOnce(&mut State) -> CUresult) -> CUresult {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(s) => f(s),
            None => NOT_INITIALIZED,
        }
    }));
    r.unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("ptx-emu: internal error (a bug in the emulator): {msg}");
        UNKNOWN
    })
}

/// Like `with_state`, but a lost context fails the call first.
fn with_live(f: impl FnOnce(&mut State) -> CUresult) -> CUresult {
    with_state(|s| match s.sticky {
        Some(e) => e,
        None => f(s),
    })
}

fn flush_printf(s: &mut State) {
    let out = s.machine.take_printf();
    if !out.is_empty() {
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(&out);
        let _ = stdout.flush();
    }
}

fn fault_code(f: &Fault) -> CUresult {
    match f.kind {
        FaultKind::Unsupported => NOT_SUPPORTED,
        k => k.code() as CUresult,
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuInit(_flags: c_uint) -> CUresult {
    let r = catch_unwind(|| {
        let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_some() {
            return SUCCESS;
        }
        let arch = match arch_from_env() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("ptx-emu: {e}");
                return INVALID_DEVICE;
            }
        };
        let schedule = match Schedule::parse(&std::env::var("PTX_EMU_SCHEDULE").unwrap_or_default())
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ptx-emu: {e}");
                return INVALID_VALUE;
            }
        };
        *guard = Some(State {
            machine: Machine::new(arch, schedule),
            sticky: None,
            functions: Vec::new(),
        });
        SUCCESS
    });
    r.unwrap_or(UNKNOWN)
}

#[no_mangle]
pub unsafe extern "C" fn cuDriverGetVersion(v: *mut c_int) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    *v = 13000;
    SUCCESS
}

fn error_text(e: CUresult) -> Option<(&'static CStr, &'static CStr)> {
    Some(match e {
        0 => (c"CUDA_SUCCESS", c"no error"),
        1 => (c"CUDA_ERROR_INVALID_VALUE", c"invalid argument"),
        2 => (c"CUDA_ERROR_OUT_OF_MEMORY", c"out of memory"),
        3 => (c"CUDA_ERROR_NOT_INITIALIZED", c"initialization error"),
        100 => (
            c"CUDA_ERROR_NO_DEVICE",
            c"no CUDA-capable device is detected",
        ),
        101 => (c"CUDA_ERROR_INVALID_DEVICE", c"invalid device ordinal"),
        200 => (
            c"CUDA_ERROR_INVALID_IMAGE",
            c"device kernel image is invalid",
        ),
        201 => (c"CUDA_ERROR_INVALID_CONTEXT", c"invalid device context"),
        209 => (
            c"CUDA_ERROR_NO_BINARY_FOR_GPU",
            c"no kernel image is available for execution on the device",
        ),
        218 => (c"CUDA_ERROR_INVALID_PTX", c"a PTX JIT compilation failed"),
        400 => (c"CUDA_ERROR_INVALID_HANDLE", c"invalid resource handle"),
        500 => (c"CUDA_ERROR_NOT_FOUND", c"named symbol not found"),
        700 => (
            c"CUDA_ERROR_ILLEGAL_ADDRESS",
            c"an illegal memory access was encountered",
        ),
        701 => (
            c"CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
            c"too many resources requested for launch",
        ),
        702 => (
            c"CUDA_ERROR_LAUNCH_TIMEOUT",
            c"the launch timed out and was terminated",
        ),
        710 => (c"CUDA_ERROR_ASSERT", c"device-side assert triggered"),
        715 => (
            c"CUDA_ERROR_ILLEGAL_INSTRUCTION",
            c"an illegal instruction was encountered",
        ),
        716 => (c"CUDA_ERROR_MISALIGNED_ADDRESS", c"misaligned address"),
        718 => (c"CUDA_ERROR_INVALID_PC", c"invalid program counter"),
        719 => (c"CUDA_ERROR_LAUNCH_FAILED", c"unspecified launch failure"),
        801 => (c"CUDA_ERROR_NOT_SUPPORTED", c"operation not supported"),
        999 => (c"CUDA_ERROR_UNKNOWN", c"unknown error"),
        _ => return None,
    })
}

/// Writes the name (`pick = 0`) or description (`pick = 1`) of `e` to `*s`.
unsafe fn write_error_text(e: CUresult, s: *mut *const c_char, pick: usize) -> CUresult {
    if s.is_null() {
        return INVALID_VALUE;
    }
    match error_text(e) {
        Some(texts) => {
            *s = [texts.0, texts.1][pick].as_ptr();
            SUCCESS
        }
        None => {
            *s = std::ptr::null();
            INVALID_VALUE
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuGetErrorString(e: CUresult, s: *mut *const c_char) -> CUresult {
    write_error_text(e, s, 1)
}

#[no_mangle]
pub unsafe extern "C" fn cuGetErrorName(e: CUresult, s: *mut *const c_char) -> CUresult {
    write_error_text(e, s, 0)
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetCount(count: *mut c_int) -> CUresult {
    if count.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        *count = 1;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGet(dev: *mut c_int, ordinal: c_int) -> CUresult {
    if dev.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if ordinal != 0 {
            return INVALID_DEVICE;
        }
        *dev = 0;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetName(name: *mut c_char, len: c_int, dev: c_int) -> CUresult {
    if name.is_null() || len <= 0 {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        let text = format!("ptx-emu {VERSION} ({})", s.machine.arch.name);
        let bytes = text.as_bytes();
        let n = bytes.len().min(len as usize - 1);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), name as *mut u8, n);
        *name.add(n) = 0;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetAttribute(v: *mut c_int, attr: c_int, dev: c_int) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        let a = &s.machine.arch;
        *v = match attr {
            1 => 1024,                         // MAX_THREADS_PER_BLOCK
            2 => 1024,                         // MAX_BLOCK_DIM_X
            3 => 1024,                         // MAX_BLOCK_DIM_Y
            4 => 64,                           // MAX_BLOCK_DIM_Z
            5 => i32::MAX,                     // MAX_GRID_DIM_X
            6 | 7 => 65535,                    // MAX_GRID_DIM_Y/Z
            8 => 48 * 1024,                    // MAX_SHARED_MEMORY_PER_BLOCK
            10 => 32,                          // WARP_SIZE
            16 => a.multiprocessors as c_int,  // MULTIPROCESSOR_COUNT
            75 => a.major as c_int,            // COMPUTE_CAPABILITY_MAJOR
            76 => a.minor as c_int,            // COMPUTE_CAPABILITY_MINOR
            97 => a.max_shared_optin as c_int, // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
            _ => 0,
        };
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceTotalMem_v2(bytes: *mut usize, dev: c_int) -> CUresult {
    if bytes.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        *bytes = 16 << 30;
        SUCCESS
    })
}

/// The one context's handle.
const CTX: *mut c_void = std::ptr::without_provenance_mut(1);
/// The one stream's handle (every stream is the same, in order).
const STREAM: *mut c_void = std::ptr::without_provenance_mut(2);

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxRetain(ctx: *mut *mut c_void, dev: c_int) -> CUresult {
    if ctx.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        *ctx = CTX;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxRelease_v2(_dev: c_int) -> CUresult {
    with_state(|s| {
        flush_printf(s);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSetCurrent(ctx: *mut c_void) -> CUresult {
    with_state(|_| {
        if ctx.is_null() || ctx == CTX {
            SUCCESS
        } else {
            INVALID_CONTEXT
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSynchronize() -> CUresult {
    with_state(|s| {
        flush_printf(s);
        s.sticky.unwrap_or(SUCCESS)
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamCreate(stream: *mut *mut c_void, _flags: c_uint) -> CUresult {
    if stream.is_null() {
        return INVALID_VALUE;
    }
    with_live(|_| {
        *stream = STREAM;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamDestroy_v2(_stream: *mut c_void) -> CUresult {
    with_state(|_| SUCCESS)
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamSynchronize(_stream: *mut c_void) -> CUresult {
    cuCtxSynchronize()
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAlloc_v2(p: *mut u64, size: usize) -> CUresult {
    if p.is_null() || size == 0 {
        return INVALID_VALUE;
    }
    with_live(|s| {
        if size > 16 << 30 {
            return OUT_OF_MEMORY;
        }
        *p = s
            .machine
            .mem
            .alloc(size as u64, ptx_emu::exec::memory::AllocKind::Host);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemFree_v2(p: u64) -> CUresult {
    with_state(|s| {
        if p == 0
            || s.machine
                .mem
                .free(p, Some(ptx_emu::exec::memory::AllocKind::Host))
        {
            SUCCESS
        } else {
            eprintln!("ptx-emu: cuMemFree({p:#x}): not an address cuMemAlloc returned");
            INVALID_VALUE
        }
    })
}

/// A host-side copy's device range must lie inside one allocation.
fn device_range<'a>(
    s: &'a mut State,
    op: &str,
    addr: u64,
    n: usize,
) -> Result<&'a mut [u8], CUresult> {
    s.machine.mem.host_slice_mut(addr, n as u64).map_err(|e| {
        eprintln!(
            "ptx-emu: {op}: {n} bytes at {addr:#x} are not inside one device allocation ({e:?})"
        );
        INVALID_VALUE
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyHtoDAsync_v2(
    dst: u64,
    src: *const c_void,
    n: usize,
    _s: *mut c_void,
) -> CUresult {
    if n == 0 {
        return with_live(|_| SUCCESS);
    }
    if src.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| match device_range(s, "cuMemcpyHtoD", dst, n) {
        Ok(d) => {
            std::ptr::copy_nonoverlapping(src as *const u8, d.as_mut_ptr(), n);
            SUCCESS
        }
        Err(e) => e,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyHtoD_v2(dst: u64, src: *const c_void, n: usize) -> CUresult {
    cuMemcpyHtoDAsync_v2(dst, src, n, STREAM)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoHAsync_v2(
    dst: *mut c_void,
    src: u64,
    n: usize,
    _s: *mut c_void,
) -> CUresult {
    if n == 0 {
        return with_live(|_| SUCCESS);
    }
    if dst.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        flush_printf(s);
        match device_range(s, "cuMemcpyDtoH", src, n) {
            Ok(d) => {
                std::ptr::copy_nonoverlapping(d.as_ptr(), dst as *mut u8, n);
                SUCCESS
            }
            Err(e) => e,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoH_v2(dst: *mut c_void, src: u64, n: usize) -> CUresult {
    cuMemcpyDtoHAsync_v2(dst, src, n, STREAM)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD8Async(dst: u64, v: u8, n: usize, _s: *mut c_void) -> CUresult {
    if n == 0 {
        return with_live(|_| SUCCESS);
    }
    with_live(|s| match device_range(s, "cuMemsetD8", dst, n) {
        Ok(d) => {
            d.fill(v);
            SUCCESS
        }
        Err(e) => e,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD8_v2(dst: u64, v: u8, n: usize) -> CUresult {
    cuMemsetD8Async(dst, v, n, STREAM)
}

/// Writes `text` into the JIT log buffer option `buf_opt` (size in `size_opt`).
unsafe fn write_log(
    n: c_uint,
    opts: *mut c_int,
    vals: *mut *mut c_void,
    buf_opt: c_int,
    size_opt: c_int,
    text: &str,
) {
    if opts.is_null() || vals.is_null() {
        return;
    }
    let opts = std::slice::from_raw_parts(opts, n as usize);
    let vals = std::slice::from_raw_parts(vals, n as usize);
    let buf = opts
        .iter()
        .position(|&o| o == buf_opt)
        .map(|i| vals[i] as *mut u8);
    let size = opts
        .iter()
        .position(|&o| o == size_opt)
        .map(|i| vals[i] as usize);
    if let (Some(buf), Some(size)) = (buf, size) {
        if buf.is_null() || size == 0 {
            return;
        }
        let b = text.as_bytes();
        let k = b.len().min(size - 1);
        std::ptr::copy_nonoverlapping(b.as_ptr(), buf, k);
        *buf.add(k) = 0;
    }
}

/// The sm number of an `sm_XY[a|f]` target, with its suffix.
fn sm_number(t: &str) -> Option<(u32, Option<char>)> {
    let rest = t.strip_prefix("sm_")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = rest[digits.len()..].chars().next();
    Some((digits.parse().ok()?, suffix))
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoadDataEx(
    module: *mut *mut c_void,
    image: *const c_void,
    n: c_uint,
    opts: *mut c_int,
    vals: *mut *mut c_void,
) -> CUresult {
    if module.is_null() || image.is_null() {
        return INVALID_VALUE;
    }
    let text = match CStr::from_ptr(image as *const c_char).to_str() {
        Ok(t) => t.to_string(),
        Err(_) => {
            write_log(
                n,
                opts,
                vals,
                5,
                6,
                "ptx-emu: the module image is not UTF-8 PTX text",
            );
            return INVALID_IMAGE;
        }
    };
    with_live(|s| {
        let result = s.machine.load_module(&text);
        match result {
            Ok(idx) => {
                // A driver refuses PTX for a newer architecture than the device's.
                let dev = sm_number(&s.machine.arch.name);
                let target = s.machine.modules[idx]
                    .as_ref()
                    .and_then(|m| m.target.iter().find_map(|t| sm_number(t)));
                if let (Some((d, ds)), Some((t, ts))) = (dev, target) {
                    let exact = ts.is_some_and(|c| c == 'a');
                    if t > d || (exact && (t != d || ds != Some('a'))) {
                        let msg = format!(
                            "ptx-emu: the PTX targets sm_{t}{}, which the device ({}) cannot run",
                            ts.map(String::from).unwrap_or_default(),
                            s.machine.arch.name
                        );
                        eprintln!("{msg}");
                        write_log(n, opts, vals, 5, 6, &msg);
                        s.machine.unload_module(idx);
                        return NO_BINARY_FOR_GPU;
                    }
                }
                *module = std::ptr::without_provenance_mut(idx + 1);
                write_log(n, opts, vals, 3, 4, "");
                SUCCESS
            }
            Err(e) => {
                let msg = format!("ptx-emu: {e}");
                eprintln!("{msg}");
                write_log(n, opts, vals, 5, 6, &msg);
                INVALID_PTX
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoadData(
    module: *mut *mut c_void,
    image: *const c_void,
) -> CUresult {
    cuModuleLoadDataEx(module, image, 0, std::ptr::null_mut(), std::ptr::null_mut())
}

fn module_index(s: &State, m: *mut c_void) -> Option<usize> {
    let i = (m as usize).checked_sub(1)?;
    s.machine.modules.get(i)?.as_ref().map(|_| i)
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleUnload(m: *mut c_void) -> CUresult {
    with_state(|s| match module_index(s, m) {
        Some(i) => {
            flush_printf(s);
            s.machine.unload_module(i);
            SUCCESS
        }
        None => INVALID_HANDLE,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleGetFunction(
    f: *mut *mut c_void,
    m: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if f.is_null() || name.is_null() {
        return INVALID_VALUE;
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| {
        let Some(mi) = module_index(s, m) else {
            return INVALID_HANDLE;
        };
        let module = s.machine.modules[mi].as_ref().expect("checked");
        let Some(&fi) = module.by_name.get(&name) else {
            eprintln!("ptx-emu: cuModuleGetFunction: the module has no kernel named `{name}`");
            return NOT_FOUND;
        };
        let func = &module.funcs[fi as usize];
        if !func.is_entry {
            eprintln!("ptx-emu: cuModuleGetFunction: `{name}` is a .func, not a kernel");
            return NOT_FOUND;
        }
        let params = func
            .params
            .iter()
            .map(|p| (p.offset as usize, p.size as usize))
            .collect();
        s.functions.push(Function {
            module: mi,
            name,
            params,
            max_dynamic_shared: 48 * 1024,
        });
        *f = std::ptr::without_provenance_mut(s.functions.len());
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleGetGlobal_v2(
    p: *mut u64,
    bytes: *mut usize,
    m: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if name.is_null() {
        return INVALID_VALUE;
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| {
        let Some(mi) = module_index(s, m) else {
            return INVALID_HANDLE;
        };
        let module = s.machine.modules[mi].as_ref().expect("checked");
        match module.globals.get(&name) {
            Some(&(addr, size)) => {
                if !p.is_null() {
                    *p = addr;
                }
                if !bytes.is_null() {
                    *bytes = size as usize;
                }
                SUCCESS
            }
            None => NOT_FOUND,
        }
    })
}

fn function(s: &mut State, f: *mut c_void) -> Option<&mut Function> {
    let i = (f as usize).checked_sub(1)?;
    s.functions.get_mut(i)
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncSetAttribute(f: *mut c_void, attr: c_int, value: c_int) -> CUresult {
    with_live(|s| {
        let optin = s.machine.arch.max_shared_optin;
        let Some(func) = function(s, f) else {
            return INVALID_HANDLE;
        };
        match attr {
            // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
            8 => {
                if value < 0 || value as u32 > optin {
                    eprintln!("ptx-emu: cuFuncSetAttribute: {value} bytes of dynamic shared memory exceed the device's {optin}");
                    return INVALID_VALUE;
                }
                func.max_dynamic_shared = value as u32;
                SUCCESS
            }
            // PREFERRED_SHARED_MEMORY_CARVEOUT and the like: accepted, no effect.
            _ => SUCCESS,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncGetParamInfo(
    f: *mut c_void,
    index: usize,
    offset: *mut usize,
    size: *mut usize,
) -> CUresult {
    with_live(|s| {
        let Some(func) = function(s, f) else {
            return INVALID_HANDLE;
        };
        match func.params.get(index) {
            Some(&(o, z)) => {
                if !offset.is_null() {
                    *offset = o;
                }
                if !size.is_null() {
                    *size = z;
                }
                SUCCESS
            }
            None => INVALID_VALUE,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuLaunchKernel(
    f: *mut c_void,
    gx: c_uint,
    gy: c_uint,
    gz: c_uint,
    bx: c_uint,
    by: c_uint,
    bz: c_uint,
    shared: c_uint,
    _stream: *mut c_void,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
) -> CUresult {
    with_live(|s| {
        let Some(func) = function(s, f) else {
            return INVALID_HANDLE;
        };
        if !extra.is_null() {
            eprintln!("ptx-emu: cuLaunchKernel: the `extra` argument form is not supported; pass kernelParams");
            return NOT_SUPPORTED;
        }
        if shared > func.max_dynamic_shared {
            eprintln!(
                "ptx-emu: cuLaunchKernel `{}`: {shared} bytes of dynamic shared memory exceed the kernel's limit of {} (raise it with cuFuncSetAttribute)",
                func.name, func.max_dynamic_shared
            );
            return INVALID_VALUE;
        }
        let total = func.params.iter().map(|&(o, z)| o + z).max().unwrap_or(0);
        if total > 0 && params.is_null() {
            eprintln!("ptx-emu: cuLaunchKernel `{}`: the kernel takes parameters but kernelParams is NULL", func.name);
            return INVALID_VALUE;
        }
        let mut buf = vec![0u8; total];
        for (i, &(o, z)) in func.params.iter().enumerate() {
            let p = *params.add(i);
            if p.is_null() {
                eprintln!(
                    "ptx-emu: cuLaunchKernel `{}`: kernelParams[{i}] is NULL",
                    func.name
                );
                return INVALID_VALUE;
            }
            std::ptr::copy_nonoverlapping(p as *const u8, buf[o..o + z].as_mut_ptr(), z);
        }
        let (module, name) = (func.module, func.name.clone());
        let cfg = LaunchConfig {
            grid: [gx, gy, gz],
            block: [bx, by, bz],
            shared,
        };
        let result = s.machine.launch(module, &name, &cfg, &buf);
        for w in std::mem::take(&mut s.machine.mem.warnings) {
            eprintln!("ptx-emu: warning: kernel `{name}`: {w}");
        }
        match result {
            Ok(()) => SUCCESS,
            Err(fault) => {
                eprintln!("ptx-emu: {fault}");
                let code = fault_code(&fault);
                if fault.kind.is_sticky() {
                    // Reported at the next synchronization, as a GPU does.
                    s.sticky = Some(code);
                    SUCCESS
                } else {
                    code
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PTX: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.visible .entry inc(.param .u64 p) {\n  .reg .b64 %rd<3>; .reg .b32 %r<3>;\n  ld.param.u64 %rd1, [p];\n  ld.global.u32 %r1, [%rd1];\n  add.s32 %r2, %r1, 1;\n  st.global.u32 [%rd1], %r2;\n  ret;\n}\n\0";

    // One test: the driver state is process-wide, as in a real driver.
    #[test]
    fn driver_calls_in_order() {
        unsafe {
            assert_eq!(
                cuDeviceGetCount(&mut 0),
                NOT_INITIALIZED,
                "calls before cuInit fail"
            );
            assert_eq!(cuInit(0), SUCCESS);
            let mut name = [0 as c_char; 64];
            assert_eq!(cuDeviceGetName(name.as_mut_ptr(), 64, 0), SUCCESS);
            let name = CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_string();
            assert!(name.starts_with("ptx-emu 0.1 (sm_"), "{name}");
            let mut major = 0;
            assert_eq!(cuDeviceGetAttribute(&mut major, 75, 0), SUCCESS);
            assert!(major >= 7);

            // Malformed PTX: CUDA_ERROR_INVALID_PTX with the line in the JIT log.
            let mut log = [0u8; 256];
            let mut opts = [5, 6];
            let mut vals = [
                log.as_mut_ptr() as *mut c_void,
                std::ptr::without_provenance_mut(256),
            ];
            let mut m = std::ptr::null_mut();
            let bad = ".version 8.0\n.target sm_80\n.visible .entry k() {\n  add.s32 %r1, ;\n}\n\0";
            let r = cuModuleLoadDataEx(
                &mut m,
                bad.as_ptr() as *const c_void,
                2,
                opts.as_mut_ptr(),
                vals.as_mut_ptr(),
            );
            assert_eq!(r, INVALID_PTX);
            let log = CStr::from_bytes_until_nul(&log).unwrap().to_str().unwrap();
            assert!(log.contains("PTX line 4"), "{log}");

            assert_eq!(
                cuModuleLoadData(&mut m, PTX.as_ptr() as *const c_void),
                SUCCESS
            );
            let mut f = std::ptr::null_mut();
            assert_eq!(
                cuModuleGetFunction(&mut f, m, c"missing".as_ptr()),
                NOT_FOUND
            );
            assert_eq!(cuModuleGetFunction(&mut f, m, c"inc".as_ptr()), SUCCESS);
            let (mut off, mut size) = (9, 9);
            assert_eq!(cuFuncGetParamInfo(f, 0, &mut off, &mut size), SUCCESS);
            assert_eq!((off, size), (0, 8));
            assert_eq!(cuFuncGetParamInfo(f, 1, &mut off, &mut size), INVALID_VALUE);

            let mut dptr = 0u64;
            assert_eq!(cuMemAlloc_v2(&mut dptr, 4), SUCCESS);
            let v = 41u32;
            assert_eq!(
                cuMemcpyHtoDAsync_v2(dptr, &v as *const u32 as *const c_void, 4, STREAM),
                SUCCESS
            );
            let mut arg = dptr;
            let mut params = [&mut arg as *mut u64 as *mut c_void];
            let launch = |f, bx, params: *mut *mut c_void| {
                cuLaunchKernel(
                    f,
                    1,
                    1,
                    1,
                    bx,
                    1,
                    1,
                    0,
                    STREAM,
                    params,
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(launch(f, 1, params.as_mut_ptr()), SUCCESS);
            assert_eq!(cuStreamSynchronize(STREAM), SUCCESS);
            let mut out = 0u32;
            assert_eq!(
                cuMemcpyDtoHAsync_v2(&mut out as *mut u32 as *mut c_void, dptr, 4, STREAM),
                SUCCESS
            );
            assert_eq!(out, 42);
            // A copy past the allocation is refused, not performed.
            assert_eq!(
                cuMemcpyDtoHAsync_v2(&mut out as *mut u32 as *mut c_void, dptr, 8, STREAM),
                INVALID_VALUE
            );
            // Too many threads: the launch itself fails, the context survives.
            assert_eq!(launch(f, 2048, params.as_mut_ptr()), INVALID_VALUE);
            assert_eq!(cuStreamSynchronize(STREAM), SUCCESS);
            // A fault: the launch returns, the next synchronization reports it, and so does every later call.
            let mut wild = 0x10u64;
            let mut params = [&mut wild as *mut u64 as *mut c_void];
            assert_eq!(launch(f, 1, params.as_mut_ptr()), SUCCESS);
            assert_eq!(cuStreamSynchronize(STREAM), 700);
            assert_eq!(cuMemAlloc_v2(&mut dptr, 4), 700);
            let mut text = std::ptr::null();
            assert_eq!(cuGetErrorString(700, &mut text), SUCCESS);
            assert_eq!(
                CStr::from_ptr(text).to_str().unwrap(),
                "an illegal memory access was encountered"
            );
        }
    }
}

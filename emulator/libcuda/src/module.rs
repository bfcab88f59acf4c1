//! Modules and libraries: PTX text, files, fat binaries that carry PTX;
//! their kernels and globals.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use crate::*;

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

const FATBIN_MAGIC: u32 = 0xBA55_ED50;
const FATBIN_WRAPPER_MAGIC: u32 = 0x4662_43B1;
/// An entry's payload is compressed (the fatbinary tool's default for some inputs).
const FATBIN_FLAG_COMPRESSED: u64 = 0x2000;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A refused image: the error code and why.
type ImageError = (CUresult, String);

/// The PTX of the newest architecture the device (`sm`) can run among a
/// fat binary's PTX entries.
///
/// Layout (as the CUDA toolkit's `fatbinary` writes it): a 16-byte header
/// (magic, version, header size, size of the entries), then entries, each a
/// header (kind 1 = PTX, 2 = ELF, at 0; its size at 4; padded payload size
/// at 8; payload size at 16; sm at 28; flags at 40) and its payload.
fn fatbin_ptx(b: &[u8], sm: u32) -> Result<String, ImageError> {
    let bad = |why: &str| (INVALID_IMAGE, format!("the fat binary is malformed: {why}"));
    let header = le32(b, 4)
        .map(|v| (v >> 16) as usize)
        .ok_or_else(|| bad("short header"))?;
    let size = le64(b, 8).ok_or_else(|| bad("short header"))? as usize;
    let end = header
        .checked_add(size)
        .ok_or_else(|| bad("size overflows"))?;
    let b = b
        .get(..end)
        .ok_or_else(|| bad("entries run past the image"))?;
    let (mut at, mut best, mut sass) = (header, None::<(u32, String)>, Vec::new());
    while at + 64 <= b.len() {
        let kind = u16::from_le_bytes([b[at], b[at + 1]]);
        let hsize = le32(b, at + 4).ok_or_else(|| bad("short entry"))? as usize;
        let padded = le32(b, at + 8).ok_or_else(|| bad("short entry"))? as usize;
        let psize = le32(b, at + 16).ok_or_else(|| bad("short entry"))? as usize;
        let arch = le32(b, at + 28).ok_or_else(|| bad("short entry"))?;
        let flags = le64(b, at + 40).ok_or_else(|| bad("short entry"))?;
        let payload = b
            .get(at + hsize..at + hsize + psize)
            .ok_or_else(|| bad("payload past the end"))?;
        match kind {
            1 if arch <= sm => {
                if flags & FATBIN_FLAG_COMPRESSED != 0 {
                    return Err((
                        INVALID_IMAGE,
                        format!("the fat binary's PTX for sm_{arch} is compressed, which the emulator does not read; build it with `fatbinary --compress=false` (nvcc: -Xfatbin -compress=false)"),
                    ));
                }
                let text = String::from_utf8_lossy(payload)
                    .trim_end_matches('\0')
                    .to_string();
                if best.as_ref().is_none_or(|(a, _)| arch > *a) {
                    best = Some((arch, text));
                }
            }
            2 => sass.push(arch),
            _ => {}
        }
        if hsize == 0 {
            return Err(bad("an entry with a zero-size header"));
        }
        at += hsize + padded;
    }
    best.map(|(_, t)| t).ok_or_else(|| {
        (
            NO_BINARY_FOR_GPU,
            format!(
                "the fat binary has no PTX for sm_{sm} or older (SASS for {:?}): the emulator runs PTX, not SASS; embed PTX (nvcc -gencode arch=compute_XX,code=compute_XX)",
                sass
            ),
        )
    })
}

/// The PTX text of a module image: PTX, a fat binary, or a fat binary wrapper.
unsafe fn image_text(image: *const c_void, sm: u32) -> Result<String, ImageError> {
    let head = std::slice::from_raw_parts(image as *const u8, 4);
    if head == b"\x7fELF" {
        return Err((
            NO_BINARY_FOR_GPU,
            "the image is a cubin (SASS), which the emulator cannot run: load PTX, or a fat binary that carries PTX".into(),
        ));
    }
    let magic = u32::from_le_bytes(head.try_into().expect("4 bytes"));
    if magic == FATBIN_WRAPPER_MAGIC {
        let data = *(image as *const u64).add(1) as *const c_void;
        if data.is_null() {
            return Err((
                INVALID_IMAGE,
                "the fat binary wrapper's data pointer is NULL".into(),
            ));
        }
        return image_text(data, sm);
    }
    if magic == FATBIN_MAGIC {
        let size = *(image as *const u64).add(1) as usize;
        let header = (*(image as *const u32).add(1) >> 16) as usize;
        let b = std::slice::from_raw_parts(image as *const u8, header + size);
        return fatbin_ptx(b, sm);
    }
    match CStr::from_ptr(image as *const c_char).to_str() {
        Ok(t) => Ok(t.to_string()),
        Err(_) => Err((
            INVALID_IMAGE,
            "the module image is neither PTX text (UTF-8) nor a fat binary".into(),
        )),
    }
}

/// Loads PTX `text` into context `c`: a module handle, or the error (and
/// the JIT log text).
fn load_text(s: &mut State, c: usize, text: &str) -> Result<usize, (CUresult, String)> {
    let idx = s
        .machine
        .load_module(text)
        .map_err(|e| (INVALID_PTX, e.to_string()))?;
    // A driver refuses PTX for a newer architecture than the device's.
    let dev = sm_number(&s.machine.arch.name);
    let target = s.machine.modules[idx]
        .as_ref()
        .and_then(|m| m.target.iter().find_map(|t| sm_number(t)));
    if let (Some((d, ds)), Some((t, ts))) = (dev, target) {
        let exact = ts.is_some_and(|c| c == 'a');
        if t > d || (exact && (t != d || ds != Some('a'))) {
            s.machine.unload_module(idx);
            return Err((
                NO_BINARY_FOR_GPU,
                format!(
                    "the PTX targets sm_{t}{}, which the device ({}) cannot run",
                    ts.map(String::from).unwrap_or_default(),
                    s.machine.arch.name
                ),
            ));
        }
    }
    let ptx_version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(".version"))
        .and_then(|v| {
            let (a, b) = v.trim().split_once('.')?;
            Some(a.parse::<i32>().ok()? * 10 + b.trim().parse::<i32>().ok()?)
        })
        .unwrap_or(0);
    s.modules.push(Some(ModuleEntry {
        ctx: c,
        machine: idx,
        ptx_version,
    }));
    Ok(s.modules.len() - 1)
}

fn device_sm(s: &State) -> u32 {
    s.machine.arch.major * 10 + s.machine.arch.minor
}

unsafe fn load_image(
    call: &str,
    module: *mut *mut c_void,
    image: *const c_void,
    log: impl Fn(&str, bool),
) -> CUresult {
    if module.is_null() || image.is_null() {
        return refuse(
            INVALID_VALUE,
            format!("{call}: NULL module pointer or image"),
        );
    }
    with_ctx(|s, c| {
        let text = match image_text(image, device_sm(s)) {
            Ok(t) => t,
            Err((code, why)) => {
                log(&format!("ptx-emu: {why}"), false);
                return refuse(code, format!("{call}: {why}"));
            }
        };
        match load_text(s, c, &text) {
            Ok(m) => {
                put(module, handle(Kind::Module, m));
                log("", true);
                SUCCESS
            }
            Err((code, why)) => {
                log(&format!("ptx-emu: {why}"), false);
                refuse(code, format!("{call}: {why}"))
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoadDataEx(
    module: *mut *mut c_void,
    image: *const c_void,
    n: c_uint,
    opts: *mut c_int,
    vals: *mut *mut c_void,
) -> CUresult {
    // CU_JIT_INFO_LOG_BUFFER (3, size 4), CU_JIT_ERROR_LOG_BUFFER (5, size 6).
    load_image("cuModuleLoadDataEx", module, image, |text, ok| {
        if ok {
            write_log(n, opts, vals, 3, 4, text)
        } else {
            write_log(n, opts, vals, 5, 6, text)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoadData(
    module: *mut *mut c_void,
    image: *const c_void,
) -> CUresult {
    load_image("cuModuleLoadData", module, image, |_, _| {})
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoadFatBinary(
    module: *mut *mut c_void,
    image: *const c_void,
) -> CUresult {
    load_image("cuModuleLoadFatBinary", module, image, |_, _| {})
}

/// Reads a module file, NUL-terminated so it can be parsed as an image.
unsafe fn read_image_file(call: &str, path: *const c_char) -> Result<Vec<u8>, CUresult> {
    if path.is_null() {
        return Err(refuse(
            INVALID_VALUE,
            format!("{call}: the file name is NULL"),
        ));
    }
    let name = CStr::from_ptr(path).to_string_lossy().into_owned();
    match std::fs::read(&name) {
        Ok(mut b) => {
            b.extend_from_slice(&[0; 8]);
            Ok(b)
        }
        Err(e) => Err(refuse(
            FILE_NOT_FOUND,
            format!("{call}: cannot read {name}: {e}"),
        )),
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleLoad(module: *mut *mut c_void, path: *const c_char) -> CUresult {
    match read_image_file("cuModuleLoad", path) {
        Ok(b) => load_image(
            "cuModuleLoad",
            module,
            b.as_ptr() as *const c_void,
            |_, _| {},
        ),
        Err(e) => e,
    }
}

fn module_entry(s: &State, m: *mut c_void) -> Option<(usize, &ModuleEntry)> {
    let i = index_of(Kind::Module, m)?;
    s.modules.get(i)?.as_ref().map(|e| (i, e))
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleUnload(m: *mut c_void) -> CUresult {
    with_state(|s| match module_entry(s, m) {
        Some((i, e)) => {
            let machine = e.machine;
            flush_printf(s);
            s.machine.unload_module(machine);
            s.modules[i] = None;
            SUCCESS
        }
        None => refuse(
            INVALID_HANDLE,
            format!("cuModuleUnload: {m:p} is not a loaded module"),
        ),
    })
}

/// A function handle for kernel `name` of module handle index `mi`.
fn get_function(s: &mut State, call: &str, mi: usize, name: &str) -> Result<*mut c_void, CUresult> {
    let machine = s.modules[mi].as_ref().expect("checked").machine;
    let module = s.machine.modules[machine].as_ref().expect("loaded");
    let Some(&fi) = module.by_name.get(name) else {
        return Err(refuse(
            NOT_FOUND,
            format!("{call}: the module has no kernel named `{name}`"),
        ));
    };
    let func = &module.funcs[fi as usize];
    if !func.is_entry {
        return Err(refuse(
            NOT_FOUND,
            format!("{call}: `{name}` is a .func, not a kernel (.entry)"),
        ));
    }
    // The same kernel gets the same handle each time.
    if let Some(i) = s
        .functions
        .iter()
        .position(|f| f.module == mi && f.name == name)
    {
        return Ok(handle(Kind::Function, i));
    }
    let params = func
        .params
        .iter()
        .map(|p| (p.offset as usize, p.size as usize))
        .collect();
    let local_size = func.local_size;
    let cluster = func.reqnctapercluster;
    let static_shared = func.static_shared as u32;
    s.functions.push(Function {
        module: mi,
        name: name.to_string(),
        params,
        max_dynamic_shared: 48 * 1024 - static_shared.min(48 * 1024),
        static_shared,
        local_size,
        cache_config: 0,
        cluster,
    });
    Ok(handle(Kind::Function, s.functions.len() - 1))
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleGetFunction(
    f: *mut *mut c_void,
    m: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if f.is_null() || name.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuModuleGetFunction: NULL result pointer or name",
        );
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| {
        let Some((mi, _)) = module_entry(s, m) else {
            return refuse(
                INVALID_HANDLE,
                format!("cuModuleGetFunction: {m:p} is not a loaded module"),
            );
        };
        match get_function(s, "cuModuleGetFunction", mi, &name) {
            Ok(h) => {
                put(f, h);
                SUCCESS
            }
            Err(e) => e,
        }
    })
}

fn get_global(
    s: &State,
    call: &str,
    mi: usize,
    name: &str,
    p: *mut u64,
    bytes: *mut usize,
) -> CUresult {
    let machine = s.modules[mi].as_ref().expect("checked").machine;
    let module = s.machine.modules[machine].as_ref().expect("loaded");
    match module.globals.get(name) {
        Some(&(addr, size)) => {
            unsafe {
                if !p.is_null() {
                    put(p, addr);
                }
                if !bytes.is_null() {
                    put(bytes, size as usize);
                }
            }
            SUCCESS
        }
        None => refuse(
            NOT_FOUND,
            format!("{call}: the module has no global variable named `{name}`"),
        ),
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuModuleGetGlobal_v2(
    p: *mut u64,
    bytes: *mut usize,
    m: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if name.is_null() {
        return refuse(INVALID_VALUE, "cuModuleGetGlobal: the name is NULL");
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| match module_entry(s, m) {
        Some((mi, _)) => get_global(s, "cuModuleGetGlobal", mi, &name, p, bytes),
        None => refuse(
            INVALID_HANDLE,
            format!("cuModuleGetGlobal: {m:p} is not a loaded module"),
        ),
    })
}

// Libraries (CUDA 12's context-independent modules): here, each library is
// one module of the context current when it was loaded, and a kernel handle
// is a function handle (CUDA lets a CUkernel stand for a CUfunction in launches).

unsafe fn library_from(call: &str, lib: *mut *mut c_void, image: *const c_void) -> CUresult {
    if lib.is_null() {
        return refuse(INVALID_VALUE, format!("{call}: the result pointer is NULL"));
    }
    let mut m = std::ptr::null_mut();
    let r = load_image(call, &mut m, image, |_, _| {});
    if r != SUCCESS {
        return r;
    }
    with_state(|s| {
        s.libraries.push(index_of(Kind::Module, m));
        put(lib, handle(Kind::Library, s.libraries.len() - 1));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryLoadData(
    lib: *mut *mut c_void,
    code: *const c_void,
    _jit_opts: *mut c_int,
    _jit_vals: *mut *mut c_void,
    _n_jit: c_uint,
    _lib_opts: *mut c_int,
    _lib_vals: *mut *mut c_void,
    _n_lib: c_uint,
) -> CUresult {
    library_from("cuLibraryLoadData", lib, code)
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryLoadFromFile(
    lib: *mut *mut c_void,
    path: *const c_char,
    _jit_opts: *mut c_int,
    _jit_vals: *mut *mut c_void,
    _n_jit: c_uint,
    _lib_opts: *mut c_int,
    _lib_vals: *mut *mut c_void,
    _n_lib: c_uint,
) -> CUresult {
    match read_image_file("cuLibraryLoadFromFile", path) {
        Ok(b) => library_from("cuLibraryLoadFromFile", lib, b.as_ptr() as *const c_void),
        Err(e) => e,
    }
}

fn library_module(s: &State, lib: *mut c_void) -> Option<usize> {
    let i = index_of(Kind::Library, lib)?;
    let m = (*s.libraries.get(i)?)?;
    s.modules.get(m)?.as_ref().map(|_| m)
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryUnload(lib: *mut c_void) -> CUresult {
    let m = with_state(|s| match library_module(s, lib) {
        Some(m) => {
            s.libraries[index_of(Kind::Library, lib).expect("checked")] = None;
            m as CUresult
        }
        None => -1,
    });
    if m < 0 {
        return refuse(
            INVALID_HANDLE,
            format!("cuLibraryUnload: {lib:p} is not a loaded library"),
        );
    }
    cuModuleUnload(handle(Kind::Module, m as usize))
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryGetModule(m: *mut *mut c_void, lib: *mut c_void) -> CUresult {
    if m.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| match library_module(s, lib) {
        Some(mi) => {
            put(m, handle(Kind::Module, mi));
            SUCCESS
        }
        None => refuse(
            INVALID_HANDLE,
            format!("cuLibraryGetModule: {lib:p} is not a loaded library"),
        ),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryGetKernel(
    k: *mut *mut c_void,
    lib: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if k.is_null() || name.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuLibraryGetKernel: NULL result pointer or name",
        );
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| match library_module(s, lib) {
        Some(mi) => match get_function(s, "cuLibraryGetKernel", mi, &name) {
            Ok(h) => {
                put(k, h);
                SUCCESS
            }
            Err(e) => e,
        },
        None => refuse(
            INVALID_HANDLE,
            format!("cuLibraryGetKernel: {lib:p} is not a loaded library"),
        ),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuKernelGetFunction(f: *mut *mut c_void, k: *mut c_void) -> CUresult {
    if f.is_null() {
        return INVALID_VALUE;
    }
    with_live(
        |s| match index_of(Kind::Function, k).filter(|&i| i < s.functions.len()) {
            Some(_) => {
                put(f, k);
                SUCCESS
            }
            None => refuse(
                INVALID_HANDLE,
                format!("cuKernelGetFunction: {k:p} is not a kernel"),
            ),
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuLibraryGetGlobal(
    p: *mut u64,
    bytes: *mut usize,
    lib: *mut c_void,
    name: *const c_char,
) -> CUresult {
    if name.is_null() {
        return INVALID_VALUE;
    }
    let name = CStr::from_ptr(name).to_string_lossy().into_owned();
    with_live(|s| match library_module(s, lib) {
        Some(mi) => get_global(s, "cuLibraryGetGlobal", mi, &name, p, bytes),
        None => refuse(
            INVALID_HANDLE,
            format!("cuLibraryGetGlobal: {lib:p} is not a loaded library"),
        ),
    })
}

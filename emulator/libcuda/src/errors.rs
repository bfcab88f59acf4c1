//! CUDA driver error codes, their names and descriptions.

use std::ffi::{c_char, CStr};

use crate::CUresult;

pub(crate) const SUCCESS: CUresult = 0;
pub(crate) const INVALID_VALUE: CUresult = 1;
pub(crate) const OUT_OF_MEMORY: CUresult = 2;
pub(crate) const NOT_INITIALIZED: CUresult = 3;
pub(crate) const INVALID_DEVICE: CUresult = 101;
pub(crate) const INVALID_IMAGE: CUresult = 200;
pub(crate) const INVALID_CONTEXT: CUresult = 201;
pub(crate) const NO_BINARY_FOR_GPU: CUresult = 209;
pub(crate) const UNSUPPORTED_LIMIT: CUresult = 215;
pub(crate) const INVALID_PTX: CUresult = 218;
pub(crate) const FILE_NOT_FOUND: CUresult = 301;
pub(crate) const INVALID_HANDLE: CUresult = 400;
pub(crate) const NOT_FOUND: CUresult = 500;
pub(crate) const CONTEXT_IS_DESTROYED: CUresult = 709;
pub(crate) const HOST_MEMORY_ALREADY_REGISTERED: CUresult = 712;
pub(crate) const HOST_MEMORY_NOT_REGISTERED: CUresult = 713;
pub(crate) const COOPERATIVE_LAUNCH_TOO_LARGE: CUresult = 720;
pub(crate) const NOT_SUPPORTED: CUresult = 801;
pub(crate) const UNKNOWN: CUresult = 999;

/// The (name, description) of `e`, as NUL-terminated C strings (built once;
/// the list is the `cuda-errors` crate's).
pub(crate) fn error_text(e: CUresult) -> Option<(&'static CStr, &'static CStr)> {
    static TEXTS: std::sync::OnceLock<Vec<(u32, std::ffi::CString, std::ffi::CString)>> =
        std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        cuda_errors::ERRORS
            .iter()
            .map(|x| {
                // A code the driver has no text for here reads as its name.
                let d = x.description.unwrap_or(x.name);
                (
                    x.code,
                    std::ffi::CString::new(x.name).expect("no NUL"),
                    std::ffi::CString::new(d).expect("no NUL"),
                )
            })
            .collect()
    });
    let e = u32::try_from(e).ok()?;
    texts
        .iter()
        .find(|x| x.0 == e)
        .map(|x| (x.1.as_c_str(), x.2.as_c_str()))
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

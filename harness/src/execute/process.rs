//! Runs one program in its own process group with a hard timeout. The code
//! lives in the backend crate ([`ptx_backend::process`]), which runs every
//! compile step under the same limit; this module re-exports it.

pub use ptx_backend::process::*;

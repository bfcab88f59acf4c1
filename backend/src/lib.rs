//! The Rust→PTX backend: toolchain discovery, the device sysroot, the
//! ptx-rustc → llvm-link → opt → llc → ptxas pipeline, and the `Backend` trait
//! that the harness compiles every test through.
#![deny(missing_docs)]

pub mod sm;
pub use sm::SmTarget;

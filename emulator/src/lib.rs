//! `ptx-emu`: a PTX emulator.
//!
//! - [`ptx`] parses PTX text into a syntax tree ([`ptx::ast`]).
//! - [`exec`] decodes it and executes kernels with CUDA's execution model.
//! - [`libdir`] publishes the driver library as a `libcuda` folder.

pub mod coverage;
pub mod exec;
pub mod libdir;
pub mod ptx;

//! `ptx-emu`: a PTX emulator.
//!
//! - [`ptx`] parses PTX text into a syntax tree ([`ptx::ast`]).
//! - [`exec`] decodes it and executes kernels with CUDA's execution model.

pub mod coverage;
pub mod exec;
pub mod ptx;

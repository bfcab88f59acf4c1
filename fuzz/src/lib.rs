//! The differential lane's program generator.
//!
//! A seed becomes a random, UB-free Rust program ([`gen`]) held as a small
//! syntax tree ([`ast`]). [`render`] prints it as one single-source run-gpu
//! test: the program's module compiled twice, once for the device (through
//! the backend under test) and once for the host (plain rustc for x86-64),
//! and a host `main` that runs both and compares the traces of intermediate
//! values bit for bit. The host build is the oracle: nobody here wrote it.
//! [`reduce`] shrinks a failing program on the tree while the failure stays.
#![deny(missing_docs)]

pub mod ast;
pub mod gen;
pub mod reduce;
pub mod render;

pub use gen::{generate, generate_with, Config, Level};

/// The line a generated test's host prints when the device's trace equals
/// the host's; a generated test expects exactly this on stdout.
pub const TRACE_MATCHES: &str = "Output: device trace equals host trace";

/// What it prints instead when they differ (the first difference goes to
/// stderr); a promoted test of an upstream bug expects this line.
pub const TRACE_DIFFERS: &str = "Output: device trace differs from host trace";

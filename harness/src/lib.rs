//! A compiletest-style conformance harness for Rust→PTX compiler backends.
//!
//! The folders are the phases a trial passes through, and imports point one
//! way, from later phases to earlier ones: `plan` → `execute` → `check` → `report`.
#![deny(missing_docs)]

pub mod atomic_file;
pub mod bundle;
pub mod check;
pub mod config;
pub mod execute;
pub mod fuzz;
pub mod plan;
pub mod report;
pub mod run;
pub mod runner;

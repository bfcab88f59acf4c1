//! Phase 3: compare what a trial produced with what it expects: normalized
//! snapshots, FileCheck lines, `//~` diagnostics and program output.
pub mod diagnostics;
pub mod diff;
pub mod filecheck;
pub mod normalize;
pub mod sanitizer;
pub mod snapshot;
pub mod stdout;

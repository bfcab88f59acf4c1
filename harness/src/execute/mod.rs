//! Phase 2: compile trials through the backend (with a content-addressed
//! cache), run host programs in isolated processes, and package GPU bundles.
pub mod bundle;
pub mod compile;
pub mod gpu;
pub mod process;

//! Phase 2: compile trials through the backend (with a content-addressed
//! cache), build host programs and run them in isolated processes.
pub mod compile;
pub mod device;
pub mod gpu;
pub mod process;

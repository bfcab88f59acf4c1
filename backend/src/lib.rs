//! The Rust→PTX backend: toolchain discovery, the device sysroot, the
//! ptx-rustc → llvm-link → opt → llc → ptxas (→ nvdisasm) pipeline, and the `Backend` trait
//! that the harness compiles every test through.
#![deny(missing_docs)]

pub mod backend;
pub mod cubin;
pub mod external;
pub mod legalize;
pub mod metrics;
pub mod pipeline;
pub mod prelude;
pub mod process;
pub mod sass;
pub mod sm;
pub mod stage;
pub mod suggest;
pub mod sysroot;
pub mod toolchain;

pub use backend::{crate_name_for, Backend, CompileRequest};
pub use pipeline::{BuiltinBackend, PipelineOptions};
pub use sm::SmTarget;
pub use stage::{CompileOutput, CompileStatus, Stage};
pub use toolchain::{SetupError, Toolchain};

//! The `Backend` trait: one compile of one crate for one sm target. The
//! built-in pipeline and external `-Zcodegen-backend` backends implement it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::sm::SmTarget;
use crate::stage::CompileOutput;

/// What to compile, and where to put the stage dumps.
#[derive(Clone, Debug)]
pub struct CompileRequest {
    /// The crate root.
    pub source: PathBuf,
    /// The crate name (file names of the dumps follow it).
    pub crate_name: String,
    /// The GPU architecture.
    pub sm: SmTarget,
    /// `--cfg` values (one per active revision).
    pub cfgs: Vec<String>,
    /// Extra rustc flags (a test's `compile-flags`).
    pub flags: Vec<String>,
    /// A folder that exists and is empty; the backend writes every dump there.
    pub out_dir: PathBuf,
    /// The hard limit for each step of the compile (rustc, llvm-link, opt,
    /// llc, ptxas); a step that runs longer is killed with its process group.
    pub timeout: std::time::Duration,
    /// Also disassemble ptxas's cubin into the `sass` stage (needs `nvdisasm`).
    pub sass: bool,
    /// Stop after the front end (rustc and its checks), as a `check-pass`
    /// test needs: no back end step (llvm-link, opt, llc, ptxas) runs, and
    /// a rustc that succeeds ends the compile as `Succeeded` with no PTX.
    pub front_end_only: bool,
    /// Run rustc with `--error-format=json`, so that
    /// [`CompileOutput::diagnostics`](crate::stage::CompileOutput::diagnostics)
    /// holds one JSON object per diagnostic (each with its `rendered` text)
    /// beside whatever rustc prints outside its diagnostics (an ICE's panic
    /// text). The ui suite reads diagnostics this way; other callers keep the
    /// human text.
    pub json_diagnostics: bool,
    /// The stages the caller will read, by name (`mir`, `dialect-mir`): a
    /// backend may switch a stage's dump on only when it is asked for
    /// (see [`Backend::gated_stages`]). The `sass` stage is asked for with
    /// `sass`.
    pub stages: Vec<String>,
}

impl CompileRequest {
    /// A request with the crate name taken from the file stem.
    pub fn new(source: impl Into<PathBuf>, sm: SmTarget, out_dir: impl Into<PathBuf>) -> Self {
        let source = source.into();
        let crate_name = crate_name_for(&source);
        CompileRequest {
            source,
            crate_name,
            sm,
            cfgs: Vec::new(),
            flags: Vec::new(),
            out_dir: out_dir.into(),
            timeout: crate::process::DEFAULT_COMPILE_TIMEOUT,
            sass: false,
            front_end_only: false,
            json_diagnostics: false,
            stages: Vec::new(),
        }
    }
}

/// A valid crate name for a file: its stem, with `-` and other non-identifier
/// characters replaced by `_`.
pub fn crate_name_for(source: &std::path::Path) -> String {
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kernel".into());
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// A compiler backend that the harness drives.
///
/// `compile` returns `Err` only for setup problems (a missing tool, an
/// unwritable folder). A crate that fails to compile is an `Ok` with a
/// failed [`crate::stage::CompileStatus`], because that is a test outcome.
pub trait Backend: Send + Sync {
    /// A short name for reports (`builtin`, `cuda-oxide`).
    fn name(&self) -> &str;

    /// Everything besides the request that changes the output: tool versions,
    /// options, the driver binary. Caches key on it.
    fn identity(&self) -> String;

    /// Tool versions for reports (`rustc`, `llvm`, `ptxas`, …).
    fn versions(&self) -> BTreeMap<String, String>;

    /// Compiles one crate for one sm target.
    fn compile(&self, req: &CompileRequest) -> anyhow::Result<CompileOutput>;

    /// Stages this backend defines besides [`crate::Stage`]'s (an external
    /// backend's `[stages.dialect-mir]`): a test may name them in `stages:`
    /// and snapshot them as `name.<stage>`.
    fn custom_stages(&self) -> Vec<String> {
        Vec::new()
    }

    /// Stages whose dump this backend produces only when
    /// [`CompileRequest::stages`] asks for them (an external backend's
    /// per-stage `env`). A caller that caches results keys on the asked-for
    /// stages among these, and only these.
    fn gated_stages(&self) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn crate_names_are_identifiers() {
        assert_eq!(crate_name_for(Path::new("a/saxpy.rs")), "saxpy");
        assert_eq!(crate_name_for(Path::new("a/int-ops.v2.rs")), "int_ops_v2");
        assert_eq!(crate_name_for(Path::new("3d.rs")), "_3d");
    }
}

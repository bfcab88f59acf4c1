//! External backends: a `-Zcodegen-backend=<lib>.so` (such as NVIDIA's
//! cuda-oxide) driven by its own rustc, with its stage dumps collected from
//! files in its output folder or from banner-delimited sections of stderr.
//!
//! The `.so` is found the way cargo-oxide finds its backend: an environment
//! variable, then a project config (`.cargo/cuda-oxide.toml`'s `backend`),
//! then a local build, then the user cache (`$CARGO_HOME/<name>/`). At
//! construction the backend checks once that the `.so` loads into the
//! chosen rustc, builds its device dependencies, and (per compile, once per
//! key) its device prelude.
//!
//! The parts: `config` (the TOML schema), `library` (finding the `.so`
//! and the rustc), `deps` (device dependencies), `identity` (the cache
//! identity) and `backend` (construction and the `Backend` implementation).

use std::path::PathBuf;
use std::sync::Arc;

use crate::prelude::{PreludeCache, PreludeSource};

mod backend;
mod config;
mod deps;
mod identity;
mod library;

pub use backend::stderr_section;
pub use config::{resolve_path, DeviceDep, ExternalConfig, FileNames, LibrarySearch, StageSource};
use deps::ResolvedDep;
pub use library::{find_library, toolchain_rustc};

/// An external backend described by an [`ExternalConfig`].
#[derive(Debug, Clone)]
pub struct ExternalBackend {
    config: ExternalConfig,
    library: PathBuf,
    rustc: PathBuf,
    ptxas: Option<PathBuf>,
    deps: Vec<ResolvedDep>,
    prelude: Option<PreludeSource>,
    preludes: Arc<PreludeCache>,
    /// The config file's text, when read from a file.
    config_text: Option<String>,
    /// Everything the output depends on besides the request (see [`Backend::identity`](crate::backend::Backend::identity)).
    identity: String,
}

#[cfg(test)]
mod test_support {
    //! A stand-in rustc and config for the parts' tests.
    use std::path::{Path, PathBuf};

    use anyhow::Result;

    use super::ExternalBackend;
    use crate::backend::{Backend, CompileRequest};
    use crate::stage::CompileOutput;

    pub(super) fn executable(path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }

    /// A stand-in rustc: answers `-vV` and the load check (`--print`),
    /// appends `--- <cwd> ICE=<RUSTC_ICE>` and its arguments (one a line)
    /// to `<dir>/log`, then runs `body`.
    pub(super) fn fake_rustc(dir: &Path, body: &str) -> PathBuf {
        let rustc = dir.join("fake-rustc");
        executable(
            &rustc,
            &format!(
                "case \"$1\" in -V|-vV) echo 'rustc 1.0.0-fake'; exit 0;; esac\n\
                 for a; do [ \"$a\" = --print ] && {{ echo /fake/sysroot; exit 0; }}; done\n\
                 echo \"--- $(pwd) ICE=$RUSTC_ICE\" >> '{log}'\nprintf '%s\\n' \"$@\" >> '{log}'\n{body}",
                log = dir.join("log").display()
            ),
        );
        rustc
    }

    /// Writes `backend.toml` (with `rustc`, the library and `extra`) and loads it.
    pub(super) fn backend(dir: &Path, rustc: &Path, extra: &str) -> Result<ExternalBackend> {
        if !dir.join("libfake.so").exists() {
            std::fs::write(dir.join("libfake.so"), "so").unwrap();
        }
        let cfg = dir.join("backend.toml");
        std::fs::write(
            &cfg,
            format!(
                "name = 'fake'\nrustc = '{}'\nvalidate = false\n{extra}\n\
                 [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n",
                rustc.display()
            ),
        )
        .unwrap();
        ExternalBackend::from_config_file(&cfg)
    }

    /// The invocations in the fake rustc's log: (first line, arguments).
    pub(super) fn calls(dir: &Path) -> Vec<(String, Vec<String>)> {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        log.split("--- ")
            .filter(|c| !c.is_empty())
            .map(|c| {
                let mut lines = c.lines().map(str::to_string);
                (lines.next().unwrap(), lines.collect())
            })
            .collect()
    }

    pub(super) fn compile(
        be: &ExternalBackend,
        dir: &Path,
        sm: &str,
        flags: &[&str],
    ) -> CompileOutput {
        let src = dir.join("k.rs");
        std::fs::write(&src, "").unwrap();
        let mut req = CompileRequest::new(&src, sm.parse().unwrap(), dir.join(format!("out-{sm}")));
        req.flags = flags.iter().map(|s| s.to_string()).collect();
        be.compile(&req).unwrap()
    }
}

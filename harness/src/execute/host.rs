//! Host programs of run-gpu trials: built once per test and revision with
//! plain rustc against `host_runtime`, cached by content, for the GPU and
//! the emulator alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use ptx_backend::Toolchain;

use super::compile::content_key;
use super::process::run_with_timeout;

type Slot = Arc<OnceLock<Result<PathBuf, String>>>;

/// Beside each host program: the command that built it.
const BUILD_COMMAND_FILE: &str = "build-command.sh";

/// Builds the host side of run-gpu tests with plain rustc against `host_runtime`.
pub struct HostBuilder {
    out_dir: PathBuf,
    rustc: PathBuf,
    runtime: OnceLock<Result<(PathBuf, PathBuf), String>>,
    builds: Mutex<HashMap<String, Slot>>,
    timeout: Duration,
}

impl HostBuilder {
    /// A builder that caches programs under `out_dir`.
    pub fn new(out_dir: PathBuf, toolchain: &Toolchain) -> Self {
        HostBuilder {
            out_dir,
            rustc: toolchain.rustc.clone(),
            runtime: OnceLock::new(),
            builds: Mutex::new(HashMap::new()),
            timeout: ptx_backend::process::DEFAULT_COMPILE_TIMEOUT,
        }
    }

    /// Sets the hard limit for one host-program build (`compile-timeout`).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `libhost_runtime-*.rlib` and its deps folder, from `cargo build --message-format=json`.
    fn runtime(&self) -> Result<(PathBuf, PathBuf)> {
        self.runtime
            .get_or_init(|| locate_host_runtime().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// Builds (or reuses) the host program of a test for one revision, with
    /// the test's `host-compile-flags` after the defaults.
    pub fn build(
        &self,
        source: &Path,
        crate_name: &str,
        cfgs: &[String],
        flags: &[String],
    ) -> Result<PathBuf> {
        let (rlib, deps) = self.runtime()?;
        let text = std::fs::read_to_string(source)?;
        let stamp = std::fs::metadata(&rlib)
            .and_then(|m| m.modified())
            .map(|m| format!("{m:?}"))
            .unwrap_or_default();
        let key = content_key(&[
            &text,
            &rlib.to_string_lossy(),
            &cfgs.join(","),
            &flags.join("\u{1f}"),
            crate_name,
            &stamp,
        ]);
        let slot = self
            .builds
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default()
            .clone();
        let program = HostProgram {
            source,
            crate_name,
            cfgs,
            flags,
        };
        slot.get_or_init(|| {
            self.build_uncached(&program, &rlib, &deps, &key)
                .map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
    }

    fn build_uncached(
        &self,
        program: &HostProgram<'_>,
        rlib: &Path,
        deps: &Path,
        key: &str,
    ) -> Result<PathBuf> {
        let crate_name = program.crate_name;
        let dir = self.out_dir.join(key);
        let exe = dir.join(format!("{crate_name}-host"));
        if exe.is_file() {
            return Ok(exe);
        }
        let staging = self
            .out_dir
            .join(format!("{key}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let cmd = self.command(
            program,
            rlib,
            deps,
            &staging.join(format!("{crate_name}-host")),
        );
        let line = ptx_backend::pipeline::shell_line(&cmd);
        let out = run_with_timeout(cmd, self.timeout)
            .with_context(|| format!("cannot run {}", self.rustc.display()))?;
        if !out.success() {
            let _ = std::fs::remove_dir_all(&staging);
            let how = match out.timed_out {
                true => format!(
                    "timed out after {} (limit: compile-timeout)",
                    ptx_backend::process::format_limit(self.timeout)
                ),
                false => format!("failed ({})", out.status),
            };
            bail!(
                "building the host program {how}:\n{}\nreproduce with:\n  {line}",
                out.stderr,
            );
        }
        // The command that builds the program where it ends up, for the
        // trial's one reproduce command (see `command_line`).
        let final_line =
            ptx_backend::pipeline::shell_line(&self.command(program, rlib, deps, &exe));
        let _ = std::fs::write(staging.join(BUILD_COMMAND_FILE), final_line);
        // Another process may have published the same program first; keep theirs.
        if std::fs::rename(&staging, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        Ok(exe)
    }

    /// The shell command that built the host program `exe` (None for a
    /// program built before the command was recorded).
    pub fn command_line(&self, exe: &Path) -> Option<String> {
        std::fs::read_to_string(exe.with_file_name(BUILD_COMMAND_FILE)).ok()
    }

    fn command(&self, program: &HostProgram<'_>, rlib: &Path, deps: &Path, exe: &Path) -> Command {
        let HostProgram {
            source,
            crate_name,
            cfgs,
            flags,
        } = *program;
        let mut cmd = Command::new(&self.rustc);
        cmd.arg(source)
            .args(ptx_backend::pipeline::edition_args("2021", flags))
            .args(["--crate-type", "bin", "--crate-name", crate_name])
            // Stripped: ~0.8 MB instead of ~28 MB per program, which keeps bundles small.
            .args([
                "-Copt-level=1",
                "-Cdebuginfo=0",
                "-Cstrip=symbols",
                "--color",
                "never",
            ])
            .arg("--extern")
            .arg(format!("host_runtime={}", rlib.display()))
            .arg("-L")
            .arg(format!("dependency={}", deps.display()))
            .arg("-o")
            .arg(exe);
        for c in cfgs {
            cmd.args(["--cfg", c]);
        }
        // Last, so that a test's `-Copt-level` wins over the default.
        cmd.args(flags);
        cmd
    }
}

/// What one host program is built from: a test's source, crate name,
/// revision cfgs and `host-compile-flags`.
#[derive(Clone, Copy)]
struct HostProgram<'a> {
    source: &'a Path,
    crate_name: &'a str,
    cfgs: &'a [String],
    flags: &'a [String],
}

fn locate_host_runtime() -> Result<(PathBuf, PathBuf)> {
    let (rlib, _) = super::cargo_artifact("host-runtime", "host_runtime", ".rlib")?;
    // cargo names the uplifted copy (target/debug/libx.rlib); its
    // dependencies live in deps/ beside it.
    let dir = rlib.parent().unwrap_or(std::path::Path::new("."));
    let deps = if dir.join("deps").is_dir() {
        dir.join("deps")
    } else {
        dir.to_path_buf()
    };
    Ok((rlib, deps))
}

//! GPU execution for run-gpu trials: the device probe (once per run), host
//! program builds (once per test and revision, cached by content), and runs
//! that never overlap on one GPU, each in its own process with a timeout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use ptx_backend::{SmTarget, Toolchain};

use super::compile::content_key;
use super::process::{run_with_timeout, ProcessOutcome};

/// The default limit for one execution.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The device the run executes on, or why there is none.
#[derive(Clone, Debug)]
pub enum GpuStatus {
    /// A usable device.
    Present(host_runtime::DeviceInfo),
    /// No driver or no device, with the reason for skip messages.
    Absent(String),
}

impl GpuStatus {
    /// Probes the driver and device 0 (`PTX_HARNESS_NO_GPU=1` pretends there is none).
    pub fn probe() -> GpuStatus {
        if std::env::var_os("PTX_HARNESS_NO_GPU").is_some() {
            return GpuStatus::Absent("GPU disabled by PTX_HARNESS_NO_GPU".into());
        }
        match host_runtime::probe() {
            // A libcuda on the library path that is the emulator is no GPU:
            // an emulated execution is never counted as a GPU execution.
            Ok(info) if info.name.starts_with("ptx-emu") => GpuStatus::Absent(format!(
                "the libcuda found is the PTX emulator ({}), not a GPU driver",
                info.name
            )),
            Ok(info) => GpuStatus::Present(info),
            Err(e) if e.is_unavailable() => GpuStatus::Absent(short_reason(&e.to_string())),
            Err(e) => GpuStatus::Absent(format!("GPU probe failed: {e}")),
        }
    }

    /// Why `sm` can't run here, if it can't.
    pub fn skip_reason(&self, sm: SmTarget) -> Option<String> {
        match self {
            GpuStatus::Absent(why) => Some(why.clone()),
            GpuStatus::Present(info) => {
                let (major, minor) = info.compute_capability();
                sm.runs_on(major, minor).err().map(|e| e.0)
            }
        }
    }

    /// `NVIDIA H100 (sm_90), driver 12.8` for reports.
    pub fn describe(&self) -> Option<String> {
        match self {
            GpuStatus::Present(i) => Some(format!(
                "{} ({}), driver {}",
                i.name,
                i.sm(),
                i.driver_version
            )),
            GpuStatus::Absent(_) => None,
        }
    }
}

fn short_reason(msg: &str) -> String {
    if msg.to_ascii_lowercase().contains("driver") {
        "no CUDA driver".into()
    } else {
        msg.lines().next().unwrap_or(msg).to_string()
    }
}

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

/// Serializes executions on the one GPU.
static GPU_LOCK: Mutex<()> = Mutex::new(());

/// Runs a host program with the PTX for one target, alone on the GPU.
pub fn execute(program: &Path, ptx: &Path, timeout: Duration) -> std::io::Result<ProcessOutcome> {
    let _guard = GPU_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut cmd = Command::new(program);
    cmd.env("HOST_RUNTIME_PTX", ptx);
    run_with_timeout(cmd, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(major: u32, minor: u32) -> GpuStatus {
        GpuStatus::Present(host_runtime::DeviceInfo {
            ordinal: 0,
            name: "Test GPU".into(),
            major,
            minor,
            driver_version: "12.8".into(),
            total_memory_bytes: 0,
            multiprocessors: 0,
        })
    }

    #[test]
    fn skip_logic_follows_device_and_suffix() {
        let t = |s: &str| s.parse::<SmTarget>().unwrap();
        let h100 = info(9, 0);
        assert!(h100.skip_reason(t("sm_80")).is_none());
        assert!(h100.skip_reason(t("sm_90")).is_none());
        assert!(h100.skip_reason(t("sm_90a")).is_none());
        assert_eq!(
            h100.skip_reason(t("sm_100")).unwrap(),
            "device is sm_90, test needs sm_100 (sm_100 needs that architecture or newer)"
        );
        let b200 = info(10, 0);
        assert!(b200
            .skip_reason(t("sm_90a"))
            .unwrap()
            .contains("runs only on exactly"));
        assert!(b200.skip_reason(t("sm_100f")).is_none());
        assert!(info(12, 0).skip_reason(t("sm_100f")).is_some());
        let none = GpuStatus::Absent("no CUDA driver".into());
        assert_eq!(none.skip_reason(t("sm_75")).unwrap(), "no CUDA driver");
    }

    #[test]
    fn probe_without_driver_is_absent_not_a_panic() {
        // This machine class has no GPU; where one exists this still must not panic.
        let status = GpuStatus::probe();
        if let GpuStatus::Absent(why) = status {
            assert!(!why.is_empty());
        }
    }
}

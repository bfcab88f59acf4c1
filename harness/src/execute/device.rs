//! Where a run-gpu execution happens: on a GPU through the CUDA driver, or on
//! the PTX emulator (`ptx-emu-cuda`), a shared library that implements the
//! same driver entry points and is loaded as `libcuda` by the unchanged host
//! program.
//!
//! The contract with the emulator library:
//! - it is the cdylib `libptx_emu_cuda.so` of the workspace package
//!   `ptx-emu-cuda`, built with `cargo build -p ptx-emu-cuda`, or
//!   the file named by `PTX_EMU_LIB`;
//! - the harness copies it into `<work>/emu-lib/<content hash>/` beside the
//!   links `libcuda.so` and `libcuda.so.1`, and runs the host program with
//!   that folder first in `LD_LIBRARY_PATH` and `PTX_EMU_SM=<trial target>`
//!   (`PTX_EMU_SCHEDULE` passes through from the environment);
//! - `PTX_EMU_TOOLS=<tools>` turns on the sanitizer tools of the trial
//!   (`//@ sanitize` and `--sanitize`), a comma-separated list of
//!   `racecheck`, `initcheck`, `synccheck`; the harness sets it, or removes
//!   an inherited one, for every emulated execution;
//! - the emulator names itself `ptx-emu <version> (<sm>)` and writes details
//!   of a fault to stderr on lines starting with `ptx-emu: `.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use ptx_backend::SmTarget;
use serde::{Deserialize, Serialize};

use super::gpu::GpuStatus;
use super::process::{run_with_timeout, ProcessOutcome};
use crate::plan::sanitize::{Tool, ToolSet, EMU_TOOLS_ENV};

/// The variable that overrides where the emulator library comes from.
pub const EMU_LIB_ENV: &str = "PTX_EMU_LIB";
/// The variable that tells the emulator which target it is.
pub const EMU_SM_ENV: &str = "PTX_EMU_SM";
/// The variable that selects the device (`auto`, `gpu`, `emu`).
pub const DEVICE_ENV: &str = "PTX_DEVICE";

/// Which device executions may use: `--device`, `PTX_DEVICE`, `device` in
/// ptx-harness.toml.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceChoice {
    /// A GPU where one can run the trial's target, the emulator otherwise.
    #[default]
    Auto,
    /// Only a GPU; a trial no GPU here can run is skipped with the reason.
    Gpu,
    /// Always the emulator, which runs every target as itself.
    Emu,
}

impl DeviceChoice {
    /// `auto`, `gpu` or `emu`.
    pub fn name(self) -> &'static str {
        match self {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Gpu => "gpu",
            DeviceChoice::Emu => "emu",
        }
    }

    /// Whether a GPU may be used at all.
    pub fn allows_gpu(self) -> bool {
        self != DeviceChoice::Emu
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "gpu" => Ok(DeviceChoice::Gpu),
            "emu" | "emulator" => Ok(DeviceChoice::Emu),
            other => Err(format!("unknown device `{other}`; use auto, gpu or emu")),
        }
    }
}

/// The kind of device one execution ran on; recorded in every report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    /// A real GPU through the CUDA driver.
    Gpu,
    /// The PTX emulator loaded as libcuda.
    Emulator,
}

impl DeviceKind {
    /// `gpu` or `emulator`, as in results.json.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Gpu => "gpu",
            DeviceKind::Emulator => "emulator",
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a trial for `sm` executes, or why it can't execute here (a skip).
///
/// `auto`: the GPU when it can run `sm`, else the emulator. `gpu`: the GPU
/// or a skip with the GPU's reason. `emu`: always the emulator.
pub fn select(choice: DeviceChoice, gpu: &GpuStatus, sm: SmTarget) -> Result<DeviceKind, String> {
    match choice {
        DeviceChoice::Emu => Ok(DeviceKind::Emulator),
        DeviceChoice::Gpu => match gpu.skip_reason(sm) {
            None => Ok(DeviceKind::Gpu),
            Some(reason) => Err(reason),
        },
        DeviceChoice::Auto => Ok(match gpu.skip_reason(sm) {
            None => DeviceKind::Gpu,
            Some(_) => DeviceKind::Emulator,
        }),
    }
}

/// [`select`] for a trial that pins a sanitizer finding (`run-fail:
/// initcheck`): only the emulator reports one, so `auto` picks it even where
/// a GPU could run the target, and `gpu` skips with the reason.
pub fn select_pinned(
    choice: DeviceChoice,
    gpu: &GpuStatus,
    sm: SmTarget,
    pinned: Option<Tool>,
) -> Result<DeviceKind, String> {
    match (pinned, choice) {
        (None, _) => select(choice, gpu, sm),
        (Some(tool), DeviceChoice::Gpu) => Err(format!(
            "run-fail: {tool}: the finding is the emulator's; a GPU execution cannot report it"
        )),
        (Some(_), _) => Ok(DeviceKind::Emulator),
    }
}

/// The emulator library, ready to load as `libcuda`.
#[derive(Clone, Debug)]
pub struct EmuLib {
    /// The folder holding `libcuda.so` and `libcuda.so.1` (links to the library copy).
    pub dir: PathBuf,
    /// The library copy in `dir`.
    pub lib: PathBuf,
    /// `ptx-emu 0.1`: the device name without the target.
    pub label: String,
    /// Where it came from, for reports: the package or `PTX_EMU_LIB`, and the hash.
    pub origin: String,
}

/// The file name of the emulator library cargo builds.
pub use ptx_emu::libdir::LIB_FILE as EMU_LIB_FILE;

impl EmuLib {
    /// Copies `so` into `<work>/<content hash>/` with the `libcuda` links
    /// (reusing the folder when it is there), so a rebuild of the library
    /// never changes what a running or later program loads from that folder.
    pub fn prepare(so: &Path, work: &Path, label: &str, origin: &str) -> Result<EmuLib> {
        let bytes = std::fs::read(so)
            .with_context(|| format!("cannot read the emulator library {}", so.display()))?;
        let digest = sha256(&bytes);
        let hash = super::compile::content_key(&[&format!("{}", bytes.len()), &digest]);
        let dir = ptx_emu::libdir::publish(&bytes, work, &hash).map_err(|e| anyhow::anyhow!(e))?;
        let lib = dir.join(EMU_LIB_FILE);
        Ok(EmuLib {
            dir,
            lib,
            label: label.to_string(),
            origin: format!("{origin}, sha256 {}", &digest[..16]),
        })
    }

    /// `ptx-emu 0.1 (sm_90a)`: how the emulator names itself for `sm`.
    pub fn device_name(&self, sm: SmTarget) -> String {
        format!("{} ({sm})", self.label)
    }

    /// `ptx-emu 0.1 (…)` for the run's info.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.label, self.origin)
    }

    /// The environment an emulated program runs with: `LD_LIBRARY_PATH`
    /// with the library folder first, and `PTX_EMU_SM`.
    pub fn env(&self, sm: SmTarget) -> Vec<(&'static str, std::ffi::OsString)> {
        let mut path = self.dir.as_os_str().to_owned();
        if let Some(old) = std::env::var_os("LD_LIBRARY_PATH").filter(|v| !v.is_empty()) {
            path.push(":");
            path.push(old);
        }
        vec![("LD_LIBRARY_PATH", path), (EMU_SM_ENV, sm.name().into())]
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The emulator library of a run, located (and built) on first use.
pub struct Emulator {
    work: PathBuf,
    lib: OnceLock<Result<EmuLib, String>>,
}

impl Emulator {
    /// An emulator whose library folders go under `work` (`<work_dir>/emu-lib`).
    pub fn new(work: PathBuf) -> Emulator {
        Emulator {
            work,
            lib: OnceLock::new(),
        }
    }

    /// An emulator with an already prepared library (bundles).
    pub fn with_lib(work: PathBuf, lib: Result<EmuLib, String>) -> Emulator {
        let e = Emulator::new(work);
        let _ = e.lib.set(lib);
        e
    }

    /// The library: `PTX_EMU_LIB`, else built by cargo. The error says what
    /// was tried and how to fix it.
    pub fn lib(&self) -> Result<&EmuLib, String> {
        self.lib
            .get_or_init(|| {
                let (so, label, origin) = locate().map_err(|e| format!("{e:#}"))?;
                EmuLib::prepare(&so, &self.work, &label, &origin).map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// The library when it was already located successfully (for reports).
    pub fn located(&self) -> Option<&EmuLib> {
        self.lib.get().and_then(|r| r.as_ref().ok())
    }
}

/// The emulator library: `(path, label, origin)`.
fn locate() -> Result<(PathBuf, String, String)> {
    if let Some(p) = std::env::var_os(EMU_LIB_ENV).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            bail!(
                "{EMU_LIB_ENV}={} is not a file (it must name the emulator's libptx_emu_cuda.so)",
                p.display()
            );
        }
        return Ok((
            p.clone(),
            "ptx-emu".into(),
            format!("{EMU_LIB_ENV}={}", p.display()),
        ));
    }
    build_with_cargo().context(format!(
        "the PTX emulator library is not available; build it with \
         `cargo build -p ptx-emu-cuda` or point {EMU_LIB_ENV} at a libptx_emu_cuda.so \
         (or use --device gpu / PTX_DEVICE=gpu to run on a GPU only)"
    ))
}

/// `cargo build -p ptx-emu-cuda --message-format=json`: the
/// cdylib from the compiler-artifact message, and its version.
fn build_with_cargo() -> Result<(PathBuf, String, String)> {
    // The dev profile: the workspace's Cargo.toml builds the emulator with
    // opt-level 3 even there (an unoptimized interpreter is ~20x slower), and
    // `cargo build --workspace` has then already built it.
    let (so, id) = super::cargo_artifact("ptx-emu-cuda", "ptx_emu_cuda", ".so")?;
    let version = package_version(&id);
    let label = label_for_version(&version);
    let description = format!("ptx-emu-cuda {version}, {}", so.display());
    Ok((so, label, description))
}

/// The version in a cargo package id: `path+file:///…#ptx-emu-cuda@0.1.0`,
/// `path+file:///…/libcuda#0.1.0` or (older cargo) `ptx-emu-cuda 0.1.0 (path+file:///…)`.
fn package_version(id: &str) -> String {
    if let Some((_, frag)) = id.rsplit_once('#') {
        return frag.rsplit('@').next().unwrap_or(frag).to_string();
    }
    id.split_whitespace().nth(1).unwrap_or("").to_string()
}

/// `0.1.0` → `ptx-emu 0.1`, as the emulator names itself.
fn label_for_version(version: &str) -> String {
    let short: Vec<&str> = version.split('.').take(2).collect();
    if short.len() == 2 && short.iter().all(|p| p.parse::<u32>().is_ok()) {
        format!("ptx-emu {}", short.join("."))
    } else {
        "ptx-emu".into()
    }
}

/// Where one execution runs.
#[derive(Clone, Copy, Debug)]
pub enum Device<'a> {
    /// The GPU; executions are serialized.
    Gpu,
    /// The emulator, as `sm`; executions may run in parallel.
    Emulator(&'a EmuLib, SmTarget),
}

impl Device<'_> {
    /// The kind for reports.
    pub fn kind(&self) -> DeviceKind {
        match self {
            Device::Gpu => DeviceKind::Gpu,
            Device::Emulator(..) => DeviceKind::Emulator,
        }
    }

    /// The command line that reproduces an execution with the sanitizer
    /// `tools` (on the emulator), environment included.
    pub fn reproduce(&self, program: &Path, ptx: &Path, tools: ToolSet) -> String {
        let mut s = String::new();
        if let Device::Emulator(lib, sm) = self {
            s.push_str(&format!(
                "LD_LIBRARY_PATH={} {EMU_SM_ENV}={sm} ",
                lib.dir.display()
            ));
            if let Some(t) = tools.emu_env() {
                s.push_str(&format!("{EMU_TOOLS_ENV}={t} "));
            }
        }
        s.push_str(&format!(
            "{}={} {}",
            host_runtime::PTX_ENV_VAR,
            ptx.display(),
            program.display()
        ));
        s
    }
}

/// Runs a host program with the PTX for one target on `on`, in its own
/// process with `timeout` (the same limit on both devices). On the
/// emulator it runs with exactly the sanitizer `tools` (memcheck alone when
/// empty, whatever `PTX_EMU_TOOLS` the harness inherited); a GPU execution
/// ignores them.
pub fn execute(
    on: Device<'_>,
    program: &Path,
    ptx: &Path,
    timeout: Duration,
    tools: ToolSet,
) -> std::io::Result<ProcessOutcome> {
    match on {
        Device::Gpu => super::gpu::execute(program, ptx, timeout),
        Device::Emulator(lib, sm) => {
            let mut cmd = Command::new(program);
            cmd.env(host_runtime::PTX_ENV_VAR, ptx);
            for (k, v) in lib.env(sm) {
                cmd.env(k, v);
            }
            match tools.emu_env() {
                Some(t) => cmd.env(EMU_TOOLS_ENV, t),
                None => cmd.env_remove(EMU_TOOLS_ENV),
            };
            run_with_timeout(cmd, timeout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> SmTarget {
        s.parse().unwrap()
    }

    fn gpu(major: u32, minor: u32) -> GpuStatus {
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
    fn choice_parses_and_prints() {
        for (s, c) in [
            ("auto", DeviceChoice::Auto),
            ("gpu", DeviceChoice::Gpu),
            ("emu", DeviceChoice::Emu),
            ("emulator", DeviceChoice::Emu),
            (" EMU ", DeviceChoice::Emu),
        ] {
            assert_eq!(s.parse::<DeviceChoice>().unwrap(), c);
        }
        assert_eq!(DeviceChoice::Emu.to_string(), "emu");
        assert_eq!(DeviceChoice::default(), DeviceChoice::Auto);
        assert_eq!(
            "cpu".parse::<DeviceChoice>().unwrap_err(),
            "unknown device `cpu`; use auto, gpu or emu"
        );
    }

    #[test]
    fn selection_by_choice_device_and_target() {
        use DeviceKind::{Emulator, Gpu};
        let none = GpuStatus::Absent("no CUDA driver".into());
        let h100 = gpu(9, 0);
        let b200 = gpu(10, 0);
        // (choice, gpu, sm, expected)
        let cases: &[(DeviceChoice, &GpuStatus, &str, Result<DeviceKind, &str>)] = &[
            // No GPU.
            (DeviceChoice::Auto, &none, "sm_80", Ok(Emulator)),
            (DeviceChoice::Auto, &none, "sm_90a", Ok(Emulator)),
            (DeviceChoice::Gpu, &none, "sm_80", Err("no CUDA driver")),
            (DeviceChoice::Emu, &none, "sm_80", Ok(Emulator)),
            (DeviceChoice::Emu, &none, "sm_100a", Ok(Emulator)),
            // An H100 (sm_90): runs sm_80, sm_90, sm_90a; not sm_100.
            (DeviceChoice::Auto, &h100, "sm_80", Ok(Gpu)),
            (DeviceChoice::Auto, &h100, "sm_90a", Ok(Gpu)),
            (DeviceChoice::Auto, &h100, "sm_100", Ok(Emulator)),
            (DeviceChoice::Auto, &h100, "sm_100a", Ok(Emulator)),
            (DeviceChoice::Gpu, &h100, "sm_90a", Ok(Gpu)),
            (DeviceChoice::Emu, &h100, "sm_80", Ok(Emulator)),
            (DeviceChoice::Emu, &h100, "sm_90a", Ok(Emulator)),
            // A B200 (sm_100): sm_90a runs only on exactly sm_90.
            (DeviceChoice::Auto, &b200, "sm_90a", Ok(Emulator)),
            (DeviceChoice::Auto, &b200, "sm_100a", Ok(Gpu)),
            (DeviceChoice::Emu, &b200, "sm_100a", Ok(Emulator)),
        ];
        for (choice, status, sm, want) in cases {
            let got = select(*choice, status, t(sm));
            match want {
                Ok(k) => assert_eq!(got, Ok(*k), "{choice} {status:?} {sm}"),
                Err(r) => assert_eq!(got, Err(r.to_string()), "{choice} {status:?} {sm}"),
            }
        }
        let e = select(DeviceChoice::Gpu, &h100, t("sm_100")).unwrap_err();
        assert!(e.contains("device is sm_90, test needs sm_100"), "{e}");
        let e = select(DeviceChoice::Gpu, &b200, t("sm_90a")).unwrap_err();
        assert!(e.contains("runs only on exactly"), "{e}");
    }

    #[test]
    fn a_pinned_finding_runs_on_the_emulator_only() {
        let h100 = gpu(9, 0);
        let pin = Some(Tool::Initcheck);
        assert_eq!(
            select_pinned(DeviceChoice::Auto, &h100, t("sm_80"), pin),
            Ok(DeviceKind::Emulator)
        );
        assert_eq!(
            select_pinned(DeviceChoice::Emu, &h100, t("sm_80"), pin),
            Ok(DeviceKind::Emulator)
        );
        let e = select_pinned(DeviceChoice::Gpu, &h100, t("sm_80"), pin).unwrap_err();
        assert!(
            e.starts_with("run-fail: initcheck: the finding is the emulator's"),
            "{e}"
        );
        // Without a pin, the usual choice.
        assert_eq!(
            select_pinned(DeviceChoice::Auto, &h100, t("sm_80"), None),
            Ok(DeviceKind::Gpu)
        );
    }

    #[test]
    fn the_library_folder_is_content_addressed_with_libcuda_links() {
        let dir = tempfile::tempdir().unwrap();
        let so = dir.path().join("libptx_emu_cuda.so");
        std::fs::write(&so, b"not really a library").unwrap();
        let work = dir.path().join("emu-lib");
        let a = EmuLib::prepare(&so, &work, "ptx-emu 0.1", "test").unwrap();
        assert!(a.dir.starts_with(&work));
        for link in ["libcuda.so", "libcuda.so.1"] {
            let target = std::fs::read_link(a.dir.join(link)).unwrap();
            assert_eq!(target, Path::new(EMU_LIB_FILE));
            assert_eq!(
                std::fs::read(a.dir.join(link)).unwrap(),
                b"not really a library"
            );
        }
        assert_eq!(a.device_name(t("sm_90a")), "ptx-emu 0.1 (sm_90a)");
        // Same content: same folder. New content: a new folder; the old one stays.
        let again = EmuLib::prepare(&so, &work, "ptx-emu 0.1", "test").unwrap();
        assert_eq!(again.dir, a.dir);
        std::fs::write(&so, b"a rebuilt library").unwrap();
        let b = EmuLib::prepare(&so, &work, "ptx-emu 0.1", "test").unwrap();
        assert_ne!(b.dir, a.dir);
        assert_eq!(
            std::fs::read(a.dir.join("libcuda.so")).unwrap(),
            b"not really a library"
        );
        let env = b.env(t("sm_100a"));
        assert_eq!(env[1], (EMU_SM_ENV, "sm_100a".into()));
        assert!(env[0]
            .1
            .to_string_lossy()
            .starts_with(&*b.dir.to_string_lossy()));
        let repro = Device::Emulator(&b, t("sm_100a")).reproduce(
            Path::new("/h/prog"),
            Path::new("/p/k.ptx"),
            ToolSet::NONE,
        );
        assert_eq!(
            repro,
            format!(
                "LD_LIBRARY_PATH={} PTX_EMU_SM=sm_100a HOST_RUNTIME_PTX=/p/k.ptx /h/prog",
                b.dir.display()
            )
        );
        let tools = ToolSet::parse_list("initcheck racecheck").unwrap();
        let repro = Device::Emulator(&b, t("sm_80")).reproduce(
            Path::new("/h/prog"),
            Path::new("/p/k.ptx"),
            tools,
        );
        assert!(
            repro.contains("PTX_EMU_SM=sm_80 PTX_EMU_TOOLS=racecheck,initcheck HOST_RUNTIME_PTX="),
            "{repro}"
        );
        // A GPU execution ignores the tools.
        assert_eq!(
            Device::Gpu.reproduce(Path::new("/h/prog"), Path::new("/p/k.ptx"), tools),
            "HOST_RUNTIME_PTX=/p/k.ptx /h/prog"
        );
    }

    #[test]
    fn versions_become_the_emulator_label() {
        assert_eq!(label_for_version("0.1.0"), "ptx-emu 0.1");
        assert_eq!(label_for_version("1.12.3"), "ptx-emu 1.12");
        assert_eq!(label_for_version(""), "ptx-emu");
        for id in [
            "path+file:///w/emulator/libcuda#ptx-emu-cuda@0.1.0",
            "path+file:///w/emulator/libcuda#0.1.0",
            "ptx-emu-cuda 0.1.0 (path+file:///w/emulator/libcuda)",
        ] {
            assert_eq!(package_version(id), "0.1.0", "{id}");
        }
    }
}

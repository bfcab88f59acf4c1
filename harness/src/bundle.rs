//! Portable GPU bundles: compile every run-gpu trial on a CPU machine into a
//! folder (PTX per sm, host programs, expectations, a manifest, the runner
//! and the emulator library), then execute that folder on GPU machines that
//! have the CUDA driver but no Rust toolchain, or on any machine with the
//! emulator it carries (`run.sh --device emu`), writing the same results a
//! full run would.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptx_backend::{CompileStatus, SmTarget, Stage};
use serde::{Deserialize, Serialize};

use crate::check::stdout::{check_execution, RunExpectation};
use crate::execute::device::{
    self, Device, DeviceChoice, DeviceKind, EmuLib, Emulator, EMU_LIB_FILE,
};
use crate::execute::gpu::{GpuStatus, DEFAULT_TIMEOUT};
use crate::plan::trial::{PlanItem, Trial};
use crate::report::verdict::{
    DecidedBy, RunInfo, RunResults, TrialId, TrialRecord, Verdict, RESULTS_FORMAT,
};
use crate::run::Engine;

/// The manifest's current format (2: `run-fail` CUDA errors and stderr
/// patterns in the expectations, and the emulator library).
pub const MANIFEST_FORMAT: u32 = 2;

/// The emulator library a bundle carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleEmulator {
    /// The library, relative to the bundle root (`emulator/libptx_emu_cuda.so`).
    pub lib: PathBuf,
    /// `ptx-emu 0.1`.
    pub label: String,
    /// Where it was built from.
    pub origin: String,
}

/// `manifest.json` at the bundle's root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleManifest {
    /// Format version.
    pub format: u32,
    /// Backend name and tool versions of the compile.
    pub info: RunInfo,
    /// One entry per (test, revision, sm).
    pub trials: Vec<BundleTrial>,
    /// The emulator library, when it could be built at bundle time.
    #[serde(default)]
    pub emulator: Option<BundleEmulator>,
}

/// One trial in a bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleTrial {
    /// The trial.
    pub id: TrialId,
    /// What happened at compile time; a failure here is the trial's verdict.
    pub build: Result<(), String>,
    /// The PTX, relative to the bundle root.
    pub ptx: Option<PathBuf>,
    /// The host program, relative to the bundle root.
    pub host: Option<PathBuf>,
    /// What the run must produce.
    pub expect: Option<RunExpectation>,
    /// The execution limit.
    pub timeout: Duration,
    /// A directive skip (e.g. `min-sm`), decided at plan time.
    pub skip: Option<String>,
}

impl BundleManifest {
    /// Reads `<dir>/manifest.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {}; is {} a bundle?",
                path.display(),
                dir.display()
            )
        })?;
        let m: BundleManifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: invalid manifest", path.display()))?;
        if m.format != MANIFEST_FORMAT {
            bail!(
                "{}: manifest format {} but this runner reads {MANIFEST_FORMAT}",
                path.display(),
                m.format
            );
        }
        Ok(m)
    }

    /// Writes `<dir>/manifest.json`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::check::snapshot::write_atomic(
            &dir.join("manifest.json"),
            &serde_json::to_string_pretty(self)?,
        )
    }
}

fn slug(id: &TrialId) -> String {
    let mut s = id.test.replace('/', "__");
    if let Some(r) = &id.revision {
        s.push('.');
        s.push_str(r);
    }
    s
}

/// `run.sh` at the bundle's root. It never changes folder: the runner is
/// found beside the script, and every path argument (`--report-dir`) keeps
/// the caller's folder as its base, like any other command.
pub const RUN_SCRIPT: &str = "#!/bin/sh
# Runs this bundle (no Rust toolchain needed): on this machine's GPU where it
# can run a target and on the bundled PTX emulator otherwise (default,
# --device auto), only on the GPU (--device gpu), or only on the
# emulator (--device emu). --report-dir DIR moves results.json and junit.xml;
# a relative DIR is relative to the folder you run this script from.
bundle=$(CDPATH= cd -- \"$(dirname -- \"$0\")\" && pwd) || exit 2
exec \"$bundle/ptx-harness\" run-bundle \"$bundle\" \"$@\"
";

/// Compiles every run-gpu trial of the plan into `out` and writes the manifest.
/// Returns the manifest and the bundle's size in bytes.
pub fn create(engine: &Engine, items: &[PlanItem], out: &Path) -> Result<(BundleManifest, u64)> {
    std::fs::create_dir_all(out.join("ptx"))
        .and_then(|_| std::fs::create_dir_all(out.join("host")))
        .with_context(|| format!("cannot create the bundle folder {}", out.display()))?;
    let trials: Vec<&Trial> = items
        .iter()
        .filter_map(|i| match i {
            PlanItem::Trial(t) if t.test.suite == crate::plan::discover::Suite::RunGpu => Some(t),
            _ => None,
        })
        .collect();
    let mut entries = Vec::new();
    for t in trials {
        entries.push(
            bundle_trial(engine, t, out).unwrap_or_else(|e| BundleTrial {
                id: t.id.clone(),
                build: Err(format!("{e:#}")),
                ptx: None,
                host: None,
                expect: None,
                timeout: DEFAULT_TIMEOUT,
                skip: None,
            }),
        );
    }
    let manifest = BundleManifest {
        format: MANIFEST_FORMAT,
        info: RunInfo {
            backend: engine.backend.name().into(),
            versions: engine.backend.versions(),
            gpu: None,
            emulator: None,
            matrix: engine.settings.matrix.iter().map(|s| s.name()).collect(),
            commit: RunInfo::commit_of(&engine.settings.root),
            date: Some(RunInfo::now()),
            // The run's `--sanitize` at bundle time (each trial's tools are in its expectation).
            sanitizer: crate::report::verdict::SanitizerSummary::of(engine.settings.sanitize, &[]),
        },
        trials: entries,
        emulator: bundle_emulator(engine, out),
    };
    manifest.write(out)?;
    let exe = std::env::current_exe()?;
    let runner = out.join("ptx-harness");
    std::fs::copy(&exe, &runner)
        .with_context(|| format!("cannot copy the runner to {}", runner.display()))?;
    // A debug runner is ~100 MB, mostly debuginfo; llvm-strip (llvm-tools) takes it out.
    let strip = ptx_backend::Toolchain::discover()?
        .llvm_link
        .with_file_name("llvm-strip");
    let stripped = std::process::Command::new(&strip).arg(&runner).status();
    if !stripped.is_ok_and(|s| s.success()) {
        eprintln!(
            "bundle: could not strip the runner with {}; it stays large",
            strip.display()
        );
    }
    let script = out.join("run.sh");
    std::fs::write(&script, RUN_SCRIPT)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok((manifest, dir_size(out)))
}

/// Copies the emulator library into `<out>/emulator/`; `None` (with a
/// warning) when it can't be built, so GPU-only bundles still work.
fn bundle_emulator(engine: &Engine, out: &Path) -> Option<BundleEmulator> {
    let lib = match engine.emulator.lib() {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!("bundle: no emulator library, so `run.sh --device emu` will fail: {e}");
            return None;
        }
    };
    let rel = PathBuf::from("emulator").join(EMU_LIB_FILE);
    let copied = std::fs::create_dir_all(out.join("emulator"))
        .and_then(|_| std::fs::copy(&lib.lib, out.join(&rel)));
    if let Err(e) = copied {
        eprintln!("bundle: cannot copy the emulator library: {e}");
        return None;
    }
    Some(BundleEmulator {
        lib: rel,
        label: lib.label.clone(),
        origin: lib.origin.clone(),
    })
}

fn bundle_trial(engine: &Engine, t: &Trial, out: &Path) -> Result<BundleTrial> {
    let outcome = t
        .directives
        .outcome
        .unwrap_or(crate::plan::directives::Outcome::RunPass);
    let mut entry = BundleTrial {
        id: t.id.clone(),
        build: Ok(()),
        ptx: None,
        host: None,
        expect: None,
        timeout: t.directives.timeout.unwrap_or(DEFAULT_TIMEOUT),
        skip: t.skip.clone(),
    };
    if t.skip.is_some() || !outcome.runs() {
        entry
            .skip
            .get_or_insert_with(|| format!("{outcome}: not executed"));
        return Ok(entry);
    }
    entry.expect = Some(engine.expectation(t, outcome).map_err(anyhow::Error::msg)?);
    let job = engine.job(t);
    let compiled = engine.cache.compile(engine.backend.as_ref(), &job)?;
    if compiled.output.status != CompileStatus::Succeeded {
        entry.build = Err(format!(
            "compile failed: {:?}\n{}",
            compiled.output.status, compiled.output.diagnostics
        ));
        return Ok(entry);
    }
    let ptx_src = compiled.output.stages.get(&Stage::Ptx).context("no PTX")?;
    let ptx_rel = PathBuf::from("ptx").join(format!("{}.{}.ptx", slug(&t.id), t.sm));
    std::fs::copy(ptx_src, out.join(&ptx_rel))?;
    entry.ptx = Some(ptx_rel);
    let host = engine.hosts.build(
        &t.test.path,
        &job.crate_name,
        &job.cfgs,
        &t.directives.host_compile_flags,
    )?;
    let host_rel = PathBuf::from("host").join(slug(&t.id));
    if !out.join(&host_rel).is_file() {
        std::fs::copy(&host, out.join(&host_rel))?;
    }
    entry.host = Some(host_rel);
    Ok(entry)
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

/// The emulator of a bundle: its library, set up as `libcuda` under
/// `<dir>/emu-lib/`, or why there is none.
pub fn bundle_emulator_lib(dir: &Path, manifest: &BundleManifest) -> Emulator {
    let lib = match &manifest.emulator {
        None => Err(
            "this bundle carries no emulator library (it could not be built when the bundle was made)"
                .to_string(),
        ),
        Some(e) => EmuLib::prepare(&dir.join(&e.lib), &dir.join("emu-lib"), &e.label, &e.origin)
            .map_err(|err| format!("{err:#}")),
    };
    Emulator::with_lib(dir.join("emu-lib"), lib)
}

/// Runs a bundle on this machine's GPU and/or the bundled emulator, as
/// `choice` says, and returns the results.
pub fn run(dir: &Path, gpu: &GpuStatus, choice: DeviceChoice) -> Result<RunResults> {
    let manifest = BundleManifest::read(dir)?;
    let emulator = bundle_emulator_lib(dir, &manifest);
    let mut trials = Vec::new();
    for t in &manifest.trials {
        let start = Instant::now();
        let mut device = None;
        let mut sanitizer = None;
        let (verdict, decided_by, executed) = run_one(
            dir,
            t,
            gpu,
            choice,
            &emulator,
            (&mut device, &mut sanitizer),
        );
        trials.push(TrialRecord {
            id: t.id.clone(),
            verdict,
            decided_by,
            executed,
            device_name: device.as_ref().map(|d: &(DeviceKind, String)| d.1.clone()),
            device: device.map(|d| d.0),
            duration: start.elapsed(),
            kernels: vec![],
            reproduce: None,
            sanitizer,
        });
    }
    let mut versions = manifest.info.versions.clone();
    if let GpuStatus::Present(info) = gpu {
        versions.insert("driver".into(), info.driver_version.clone());
    }
    Ok(RunResults {
        format: RESULTS_FORMAT,
        info: RunInfo {
            gpu: gpu.describe(),
            emulator: emulator.located().map(|l| l.describe()),
            versions,
            sanitizer: crate::report::verdict::SanitizerSummary::of(
                manifest
                    .info
                    .sanitizer
                    .as_ref()
                    .map(|s| s.run)
                    .unwrap_or_default(),
                &trials,
            ),
            ..manifest.info
        },
        trials,
    })
}

fn run_one(
    dir: &Path,
    t: &BundleTrial,
    gpu: &GpuStatus,
    choice: DeviceChoice,
    emulator: &Emulator,
    (device, sanitizer): (
        &mut Option<(DeviceKind, String)>,
        &mut Option<crate::report::verdict::SanitizerRecord>,
    ),
) -> (Verdict, DecidedBy, bool) {
    if let Err(e) = &t.build {
        return (
            Verdict::Failed { message: e.clone() },
            DecidedBy::HostBuild,
            false,
        );
    }
    if let Some(s) = &t.skip {
        return (
            Verdict::Skipped { reason: s.clone() },
            DecidedBy::Plan,
            false,
        );
    }
    let sm: SmTarget = match t.id.sm.parse() {
        Ok(s) => s,
        Err(e) => {
            return (
                Verdict::Failed {
                    message: e.to_string(),
                },
                DecidedBy::Plan,
                false,
            )
        }
    };
    let pinned = t.expect.as_ref().and_then(|e| e.sanitizer_finding);
    let kind = match device::select_pinned(choice, gpu, sm, pinned) {
        Ok(k) => k,
        Err(reason) => return (Verdict::Skipped { reason }, DecidedBy::Execution, false),
    };
    let (Some(ptx), Some(host), Some(expect)) = (&t.ptx, &t.host, &t.expect) else {
        return (
            Verdict::Failed {
                message: "manifest entry lacks ptx, host or expectation".into(),
            },
            DecidedBy::Plan,
            false,
        );
    };
    let target = match kind {
        DeviceKind::Gpu => {
            let name = match gpu {
                GpuStatus::Present(i) => format!("{} ({})", i.name, i.sm()),
                GpuStatus::Absent(_) => "GPU".into(),
            };
            *device = Some((kind, name));
            Device::Gpu
        }
        DeviceKind::Emulator => {
            *device = Some((kind, format!("ptx-emu ({sm})")));
            match emulator.lib() {
                Ok(lib) => {
                    *device = Some((kind, lib.device_name(sm)));
                    Device::Emulator(lib, sm)
                }
                Err(e) => {
                    return (
                        Verdict::Failed {
                            message: format!("cannot execute on the emulator: {e}"),
                        },
                        DecidedBy::Execution,
                        false,
                    )
                }
            }
        }
    };
    let run = device::execute(
        target,
        &dir.join(host),
        &dir.join(ptx),
        t.timeout,
        expect.sanitize,
    );
    if let Ok(run) = &run {
        *sanitizer = crate::report::verdict::SanitizerRecord::of_execution(
            target.kind(),
            expect,
            &run.stderr,
        );
    }
    match run {
        Err(e) => (
            Verdict::Failed {
                message: format!("cannot run {}: {e}", host.display()),
            },
            DecidedBy::Execution,
            false,
        ),
        Ok(run) => match check_execution(expect, &run, false) {
            Ok(()) => (Verdict::Passed, DecidedBy::Complete, true),
            Err(m) => (Verdict::Failed { message: m }, DecidedBy::Execution, true),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> BundleManifest {
        BundleManifest {
            format: MANIFEST_FORMAT,
            info: RunInfo {
                backend: "builtin".into(),
                ..Default::default()
            },
            trials: vec![
                BundleTrial {
                    id: TrialId {
                        suite: "run-gpu".into(),
                        test: "a/b".into(),
                        revision: Some("r".into()),
                        sm: "sm_90a".into(),
                    },
                    build: Ok(()),
                    ptx: Some("ptx/a__b.r.sm_90a.ptx".into()),
                    host: Some("host/a__b.r".into()),
                    expect: Some(RunExpectation {
                        expect_failure: false,
                        exit_code: None,
                        stdout: Some("Output: 42\n".into()),
                        tolerance: Some(crate::check::stdout::Tolerance::Relative(1e-5)),
                        cuda_error: None,
                        stderr_patterns: vec![],
                        sanitize: Default::default(),
                        sanitizer_finding: None,
                    }),
                    timeout: Duration::from_secs(30),
                    skip: None,
                },
                BundleTrial {
                    id: TrialId {
                        suite: "run-gpu".into(),
                        test: "c".into(),
                        revision: None,
                        sm: "sm_75".into(),
                    },
                    build: Err("rustc failed".into()),
                    ptx: None,
                    host: None,
                    expect: None,
                    timeout: Duration::from_secs(5),
                    skip: None,
                },
            ],
            emulator: None,
        }
    }

    #[test]
    fn manifest_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest();
        m.write(dir.path()).unwrap();
        assert_eq!(BundleManifest::read(dir.path()).unwrap(), m);
    }

    #[test]
    fn bad_manifests_are_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(BundleManifest::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("is"));
        let mut m = manifest();
        m.format = 99;
        m.write(dir.path()).unwrap();
        assert!(
            format!("{:#}", BundleManifest::read(dir.path()).unwrap_err()).contains("format 99")
        );
    }

    #[test]
    fn without_a_gpu_every_trial_is_skipped_or_failed_never_passed() {
        let dir = tempfile::tempdir().unwrap();
        manifest().write(dir.path()).unwrap();
        let r = run(
            dir.path(),
            &GpuStatus::Absent("no CUDA driver".into()),
            DeviceChoice::Gpu,
        )
        .unwrap();
        assert_eq!(
            r.trials[0].verdict,
            Verdict::Skipped {
                reason: "no CUDA driver".into()
            }
        );
        assert!(r.trials[1].verdict.is_failed());
        assert!(r.trials.iter().all(|t| !t.executed));
    }

    #[test]
    fn a_device_that_is_too_old_skips_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        manifest().write(dir.path()).unwrap();
        let gpu = GpuStatus::Present(host_runtime::DeviceInfo {
            ordinal: 0,
            name: "A100".into(),
            major: 8,
            minor: 0,
            driver_version: "12.8".into(),
            total_memory_bytes: 0,
            multiprocessors: 0,
        });
        let r = run(dir.path(), &gpu, DeviceChoice::Gpu).unwrap();
        match &r.trials[0].verdict {
            Verdict::Skipped { reason } => assert!(
                reason.contains("device is sm_80, test needs sm_90a"),
                "{reason}"
            ),
            v => panic!("{v:?}"),
        }
    }
    #[test]
    fn without_an_emulator_library_emulated_trials_fail_clearly_never_skip() {
        let dir = tempfile::tempdir().unwrap();
        manifest().write(dir.path()).unwrap();
        for choice in [DeviceChoice::Auto, DeviceChoice::Emu] {
            let r = run(
                dir.path(),
                &GpuStatus::Absent("no CUDA driver".into()),
                choice,
            )
            .unwrap();
            let t = &r.trials[0];
            match &t.verdict {
                Verdict::Failed { message } => assert!(
                    message.contains("cannot execute on the emulator")
                        && message.contains("carries no emulator library"),
                    "{message}"
                ),
                v => panic!("{choice}: {v:?}"),
            }
            assert!(!t.executed);
            assert_eq!(t.device, Some(DeviceKind::Emulator));
            assert_eq!(t.device_name.as_deref(), Some("ptx-emu (sm_90a)"));
            assert_eq!(r.info.emulator, None);
        }
    }

    #[test]
    fn an_emulated_bundle_run_names_the_emulator_and_passes_the_target() {
        // A stand-in "host program" that prints what the emulator would see.
        let dir = tempfile::tempdir().unwrap();
        let mut m = manifest();
        std::fs::create_dir_all(dir.path().join("host")).unwrap();
        std::fs::create_dir_all(dir.path().join("emulator")).unwrap();
        std::fs::write(dir.path().join("emulator").join(EMU_LIB_FILE), b"lib").unwrap();
        let host = dir.path().join("host/a__b.r");
        std::fs::write(
            &host,
            "#!/bin/sh\necho \"Output: 42\"\necho \"sm=$PTX_EMU_SM lib=${LD_LIBRARY_PATH%%:*}\" >&2\n[ -e \"${LD_LIBRARY_PATH%%:*}/libcuda.so.1\" ] || exit 9\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o755)).unwrap();
        m.emulator = Some(BundleEmulator {
            lib: PathBuf::from("emulator").join(EMU_LIB_FILE),
            label: "ptx-emu 0.1".into(),
            origin: "test".into(),
        });
        m.trials.truncate(1);
        m.write(dir.path()).unwrap();
        let r = run(
            dir.path(),
            &GpuStatus::Absent("no CUDA driver".into()),
            DeviceChoice::Emu,
        )
        .unwrap();
        let t = &r.trials[0];
        assert_eq!(t.verdict, Verdict::Passed, "{t:?}");
        assert!(t.executed && t.executed_on_emulator() && !t.executed_on_gpu());
        assert_eq!(t.device_name.as_deref(), Some("ptx-emu 0.1 (sm_90a)"));
        assert!(r
            .info
            .emulator
            .as_deref()
            .unwrap()
            .starts_with("ptx-emu 0.1 (test, sha256 "));
        assert!(dir.path().join("emu-lib").is_dir());
    }
}

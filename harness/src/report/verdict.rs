//! Verdicts and the record of one trial: exactly one of passed, failed or
//! skipped-with-reason per (test, revision, sm), with what decided it and the
//! metrics it measured. Every report and the gate read these records.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::check::sanitizer::{findings_in, Finding};
use crate::check::stdout::RunExpectation;
pub use crate::execute::device::DeviceKind;
use crate::plan::sanitize::{Tool, ToolSet};
use ptx_backend::metrics::KernelMetrics;
use serde::{Deserialize, Serialize};

/// The one outcome of a trial. A skip is never a pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Everything the trial expects held.
    Passed,
    /// Something differed or broke; `message` holds the diff or error.
    Failed {
        /// The diff, error or mismatch, ready to print.
        message: String,
    },
    /// The trial failed the way the backend's expectations file says it
    /// does (a known gap). Not a failure, not a pass.
    ExpectedFailure {
        /// The entry's reason (and tracker link).
        reason: String,
        /// What the failure was, as a `Failed` verdict would say it.
        message: String,
    },
    /// The trial could not run here.
    Skipped {
        /// Why, e.g. `no CUDA driver` or `ignore-sm: sm_75`.
        reason: String,
    },
}

impl Verdict {
    /// `passed`, `failed`, `expected-failure` or `skipped`.
    pub fn kind(&self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed { .. } => "failed",
            Verdict::ExpectedFailure { .. } => "expected-failure",
            Verdict::Skipped { .. } => "skipped",
        }
    }

    /// Whether this is a failure.
    pub fn is_failed(&self) -> bool {
        matches!(self, Verdict::Failed { .. })
    }
}

/// The pipeline stage or check that decided a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    /// Directive parsing or planning.
    Plan,
    /// rustc / ptx-rustc (front end and GPU checks).
    Rustc,
    /// llvm-link, opt or llc.
    Llvm,
    /// ptxas validation.
    Ptxas,
    /// A snapshot comparison.
    Snapshot,
    /// FileCheck lines.
    FileCheck,
    /// `//~` diagnostic annotations.
    Diagnostics,
    /// Building the host program.
    HostBuild,
    /// Running on the GPU.
    Execution,
    /// Everything ran and matched.
    Complete,
}

/// A trial's identity is the plan's; records and reports key on it.
pub use crate::plan::trial::TrialId;

/// Everything a report needs about one finished trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Which trial.
    pub id: TrialId,
    /// The outcome.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// What decided it.
    pub decided_by: DecidedBy,
    /// For run-gpu trials: whether the host program and its kernels actually
    /// ran, on the GPU or on the emulator (see `device`).
    pub executed: bool,
    /// For run-gpu trials: the device the execution ran on (`gpu` or
    /// `emulator`), or was assigned to when it could not start (then
    /// `executed` is false and the verdict is a failure saying why). `None`
    /// when no execution was attempted. (Results format 2.)
    #[serde(default)]
    pub device: Option<DeviceKind>,
    /// The device's name, e.g. `NVIDIA H100 (sm_90)` or `ptx-emu 0.1 (sm_90a)`.
    #[serde(default)]
    pub device_name: Option<String>,
    /// Wall time of the trial (compile + checks + run).
    #[serde(with = "duration_secs")]
    pub duration: Duration,
    /// Per-kernel metrics from ptxas and the PTX (empty if ptxas didn't run).
    pub kernels: Vec<KernelMetrics>,
    /// The command that reproduces the compile, if there was one.
    pub reproduce: Option<String>,
    /// For run-gpu executions with sanitizer tools (or findings): the tools,
    /// whether they applied, and what they found. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitizer: Option<SanitizerRecord>,
}

/// What the emulator's sanitizer tools did in one execution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SanitizerRecord {
    /// The tools beyond memcheck (always on) the execution asked for: the
    /// test's `//@ sanitize` and the run's `--sanitize`.
    pub tools: ToolSet,
    /// Whether they ran: true on the emulator; false on a GPU, which ignores them.
    pub applied: bool,
    /// The tool whose finding the test pins (`//@ run-fail: initcheck`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Tool>,
    /// The findings in the execution's stderr, in order.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

impl SanitizerRecord {
    /// The record of an execution on `device` with `expect`'s tools, from
    /// its stderr; `None` when it asked for no tool and found nothing.
    pub fn of_execution(
        device: DeviceKind,
        expect: &RunExpectation,
        stderr: &str,
    ) -> Option<SanitizerRecord> {
        let findings = findings_in(stderr);
        let tools = expect.sanitize.beyond_memcheck();
        if tools.is_default() && findings.is_empty() && expect.sanitizer_finding.is_none() {
            return None;
        }
        Some(SanitizerRecord {
            tools,
            applied: device == DeviceKind::Emulator,
            pinned: expect.sanitizer_finding,
            findings,
        })
    }

    /// Findings the test does not pin (each one failed the trial).
    pub fn unpinned(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| Some(f.tool) != self.pinned)
            .count()
    }
}

/// The sanitizer part of a run, for the summary and `info.sanitizer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SanitizerSummary {
    /// The run's `--sanitize` (`PTX_SANITIZE`, ptx-harness.toml): the tools
    /// of every emulated execution.
    pub run: ToolSet,
    /// Every tool an execution ran with: the run's and the tests' own.
    pub tools: ToolSet,
    /// Emulated executions that ran with at least one tool.
    pub executions: usize,
    /// GPU executions that asked for tools, which a GPU ignores.
    pub not_applied: usize,
    /// Findings no test pinned; each failed its trial.
    pub findings: usize,
    /// Findings the tests pinned with `//@ run-fail: <tool>`.
    pub pinned: usize,
}

impl SanitizerSummary {
    /// The summary of `trials` in a run with `run`'s tools; `None` when the
    /// run asked for no tool and no execution had one or found anything.
    pub fn of(run: ToolSet, trials: &[TrialRecord]) -> Option<SanitizerSummary> {
        let mut s = SanitizerSummary {
            run: run.beyond_memcheck(),
            tools: run.beyond_memcheck(),
            ..Default::default()
        };
        let mut any = false;
        for r in trials.iter().filter_map(|t| t.sanitizer.as_ref()) {
            any = true;
            s.tools = s.tools.union(r.tools);
            if r.applied {
                s.executions += usize::from(!r.tools.is_default());
            } else if !r.tools.is_default() {
                s.not_applied += 1;
            }
            s.findings += r.unpinned();
            s.pinned += r.findings.len() - r.unpinned();
        }
        (any || !s.run.is_default()).then_some(s)
    }

    /// `sanitizer: initcheck on for every emulated execution; 457 emulated
    /// executions, 0 findings`, for the terminal.
    pub fn render(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "sanitizer: {} on{} (memcheck always); {}, {}",
            self.tools,
            if self.run.is_default() {
                " by //@ sanitize"
            } else {
                " for every emulated execution"
            },
            plural(self.executions, "emulated execution", "emulated executions"),
            plural(self.findings, "finding", "findings"),
        );
        if self.pinned > 0 {
            s.push_str(&format!(", {} pinned by tests", self.pinned));
        }
        if self.not_applied > 0 {
            s.push_str(&format!(
                "; not applied to {} (a GPU ignores them)",
                plural(self.not_applied, "GPU execution", "GPU executions")
            ));
        }
        s
    }
}

impl TrialRecord {
    /// A trial that ended without compiling or executing anything (a plan
    /// error, a skip): no device, no time, no kernels, nothing to reproduce.
    pub fn not_run(id: TrialId, verdict: Verdict, decided_by: DecidedBy) -> TrialRecord {
        TrialRecord {
            id,
            verdict,
            decided_by,
            executed: false,
            device: None,
            device_name: None,
            duration: Duration::ZERO,
            kernels: vec![],
            reproduce: None,
            sanitizer: None,
        }
    }
}

/// The environment a run happened in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The backend's name.
    pub backend: String,
    /// Tool versions (`rustc`, `llvm`, `ptxas`, `driver`).
    pub versions: BTreeMap<String, String>,
    /// The GPU's name and compute capability, if one was used.
    pub gpu: Option<String>,
    /// The emulator library, if executions were emulated: `ptx-emu 0.1
    /// (ptx-emu-cuda 0.1.0, <path>, sha256 …)`. (Results format 2.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulator: Option<String>,
    /// The sm matrix of the run.
    pub matrix: Vec<String>,
    /// The tested checkout's commit (`git rev-parse HEAD`), when it is a
    /// git checkout; `-dirty` appended when it had uncommitted changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// When the run ended, RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The sanitizer tools and their findings, when the run or a test
    /// turned a tool on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitizer: Option<SanitizerSummary>,
}

impl RunInfo {
    /// The commit of the checkout at `root` (None outside git).
    pub fn commit_of(root: &std::path::Path) -> Option<String> {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(root)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let head = git(&["rev-parse", "HEAD"]).filter(|h| !h.is_empty())?;
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(if dirty { format!("{head}-dirty") } else { head })
    }

    /// Now, as [`RunInfo::date`] records it.
    pub fn now() -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

/// A whole run: the file the JSON report writes and the gate reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Format version of this file.
    pub format: u32,
    /// Where and with what it ran.
    pub info: RunInfo,
    /// One record per trial, sorted by id.
    pub trials: Vec<TrialRecord>,
}

/// The current [`RunResults::format`]. Format 2 added `device` and
/// `device_name` to each trial and `emulator` to the info; format 1 files are
/// still read (see `report::json::read_results`).
pub const RESULTS_FORMAT: u32 = 2;

impl TrialRecord {
    /// Whether this trial executed on a GPU (never true for an emulated run).
    pub fn executed_on_gpu(&self) -> bool {
        self.executed && self.device == Some(DeviceKind::Gpu)
    }

    /// Whether this trial executed on the emulator.
    pub fn executed_on_emulator(&self) -> bool {
        self.executed && self.device == Some(DeviceKind::Emulator)
    }
}

mod duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

/// The most text a failed trial's message carries into reports (JSON,
/// JUnit, the terminal): a diff of a runaway dump or 64 MiB of compiler
/// output is cut to its start and end around an omission marker.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Cuts `message` to [`MAX_MESSAGE_BYTES`]: the first 48 KiB and the last
/// 16 KiB (at character boundaries) with `[… N bytes omitted …]` between.
pub fn bound_message(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut head = MAX_MESSAGE_BYTES * 3 / 4;
    while !message.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = message.len() - MAX_MESSAGE_BYTES / 4;
    while !message.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}{}{}",
        &message[..head],
        ptx_backend::process::omitted_marker(tail - head),
        &message[tail..]
    )
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn an_executions_sanitizer_record() {
        let finding = "ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `k` at PTX line 7, block [0, 0, 0] thread [0, 0, 0]: initcheck: load …\n";
        let mut expect = RunExpectation {
            expect_failure: false,
            exit_code: None,
            stdout: None,
            tolerance: None,
            cuda_error: None,
            stderr_patterns: vec![],
            sanitize: ToolSet::NONE,
            sanitizer_finding: None,
        };
        // No tool, nothing found: no record (results.json stays as it was).
        assert_eq!(
            SanitizerRecord::of_execution(DeviceKind::Emulator, &expect, "ok\n"),
            None
        );
        expect.sanitize = ToolSet::parse_list("memcheck").unwrap();
        assert_eq!(
            SanitizerRecord::of_execution(DeviceKind::Emulator, &expect, "ok\n"),
            None
        );
        expect.sanitize = ToolSet::parse_list("initcheck").unwrap();
        let r = SanitizerRecord::of_execution(DeviceKind::Emulator, &expect, finding).unwrap();
        assert!(r.applied);
        assert_eq!((r.findings.len(), r.unpinned()), (1, 1));
        expect.sanitizer_finding = Some(Tool::Initcheck);
        let r = SanitizerRecord::of_execution(DeviceKind::Emulator, &expect, finding).unwrap();
        assert_eq!(r.unpinned(), 0);
        // On a GPU the tools do not apply.
        let r = SanitizerRecord::of_execution(DeviceKind::Gpu, &expect, "").unwrap();
        assert!(!r.applied && r.findings.is_empty());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"tools": ["initcheck"], "applied": false, "pinned": "initcheck", "findings": []})
        );
    }

    #[test]
    fn long_messages_keep_their_start_and_end() {
        assert_eq!(bound_message("short".into()), "short");
        let long = format!("first\n{}\nlast", "é".repeat(100_000));
        let b = bound_message(long.clone());
        assert!(b.len() <= MAX_MESSAGE_BYTES + 100, "{}", b.len());
        assert!(b.starts_with("first\n") && b.ends_with("\nlast"));
        assert!(b.contains("bytes omitted"), "{}", &b[..100]);
    }
}

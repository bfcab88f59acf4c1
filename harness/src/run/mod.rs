//! Runs one trial through every phase (compile → check → verdict) for its
//! suite's mode, and collects what bless and the reports need afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod failure;
mod gpu;
mod snapshots;
mod ui;

use failure::{Failure, SnapshotProblem};

use ptx_backend::{crate_name_for, Backend, CompileOutput, CompileStatus, Stage};

use crate::check::diagnostics::{flatten_diagnostics, read_json_stderr};
use crate::check::diff::unified_diff;
use crate::check::normalize::{normalize, NormalizeContext};
use crate::check::snapshot::{read_expected, TestSnapshots};
use crate::config::Settings;
use crate::execute::compile::{CompileCache, CompileJob, Compiled};
use crate::execute::device::{self, DeviceKind, Emulator};
use crate::execute::gpu::GpuStatus;
use crate::execute::host::HostBuilder;
use crate::plan::directives::Outcome;
use crate::plan::discover::Suite;
use crate::plan::expectations::{Expectations, ExpectedState};
use crate::plan::trial::Trial;
use crate::report::verdict::{DecidedBy, TrialRecord, Verdict};

/// Shared state of one run.
pub struct Engine {
    /// Resolved settings.
    pub settings: Settings,
    /// The backend under test.
    pub backend: Arc<dyn Backend>,
    /// The compile cache.
    pub cache: CompileCache,
    /// The backend's known gaps (`expectations/<backend>.toml`).
    pub expectations: Expectations,
    /// The GPU, probed once (not probed with `--device emu`).
    pub gpu: GpuStatus,
    /// The emulator library, located on first use.
    pub emulator: Emulator,
    /// Host program builds.
    pub hosts: HostBuilder,
    /// Sysroot-like paths to normalize away.
    pub sysroots: Vec<PathBuf>,
    /// Results gathered from every trial.
    pub collected: Mutex<Collected>,
    /// Color diffs.
    pub color: bool,
    /// A progress bar, for interactive runs of the `ptx-harness` command.
    pub progress: Option<indicatif::ProgressBar>,
    /// The backends a check prefix may name (see [`known_backends`]).
    pub known_backends: Vec<String>,
}

/// The backends a check prefix may name: `builtin`, the backend under test,
/// and every backend with an expectations file under `root`.
pub fn known_backends(root: &Path, backend: &str) -> Vec<String> {
    let mut names = vec!["builtin".to_string(), backend.to_string()];
    if let Ok(entries) = std::fs::read_dir(root.join("expectations")) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                if let Some(stem) = p.file_stem() {
                    names.push(stem.to_string_lossy().into_owned());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// A (revision, sm) pair of one test.
pub type RevisionTarget = (Option<String>, String);

/// What trials leave for the end of the run.
#[derive(Default)]
pub struct Collected {
    /// One record per trial that ran (run-gpu build halves are merged later).
    pub records: Vec<TrialRecord>,
    /// Normalized stage output per test file, for bless.
    pub snapshots: BTreeMap<PathBuf, TestSnapshots>,
    /// The (revision, sm) trials of each test file that reached a snapshot
    /// comparison; bless only rewrites a test's files wholesale when all did.
    pub reached: BTreeMap<PathBuf, std::collections::BTreeSet<RevisionTarget>>,
}

/// Which half of a run-gpu trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Everything for ui and ptx-snapshots; for run-gpu, the build only.
    Build,
    /// run-gpu: build (cached) and execute on the GPU.
    Execute,
}

/// Why a trial stopped before passing.
enum Stop {
    /// The plan skips it (the reason).
    Skip(String),
    /// A check failed.
    Fail(Failure),
}

/// What a trial leaves for its record, filled in as it runs.
#[derive(Default)]
struct TrialCx {
    /// Normalized stage outputs; `None` until a snapshot comparison is reached.
    produced: Option<Vec<(String, String)>>,
    /// The compile, once it ran.
    compiled: Option<Arc<Compiled>>,
    /// Whether the kernels executed.
    executed: bool,
    /// The device an execution ran on, or was assigned to.
    device: DeviceRecord,
    /// Commands after the compile's that the trial ran: the host program's
    /// build, the execution (for the record's one reproduce command).
    reproduce_after: Vec<String>,
    /// What the sanitizer tools did in the execution.
    sanitizer: Option<crate::report::verdict::SanitizerRecord>,
}

/// A trial's compile and the facts its suite's checks read.
struct Built {
    outcome: Outcome,
    /// The `//~` annotations of this trial's revision.
    annotations: Vec<crate::plan::annotations::Annotation>,
    /// rustc's diagnostics (ui trials), flattened.
    diagnostics: Vec<crate::check::diagnostics::Diagnostic>,
    /// The whole pipeline succeeded.
    built: bool,
    /// rustc (the front end) succeeded.
    front_end_ok: bool,
    /// `reproduce with:` and the commands.
    reproduce: String,
    job: CompileJob,
    result: Arc<Compiled>,
    /// The output with rustc's JSON diagnostics rendered (ui trials).
    rendered: Option<CompileOutput>,
}

impl Built {
    /// The compile output the checks see.
    fn out(&self) -> &CompileOutput {
        self.rendered.as_ref().unwrap_or(&self.result.output)
    }
}

/// A trial's snapshot problem as its failure, with the one command that
/// accepts the new output: blessing every trial of its test (all targets
/// and revisions, so shared snapshots stay shared), and no other test.
fn snapshot_failure(trial: &Trial, problem: SnapshotProblem) -> Failure {
    Failure::Snapshots {
        problems: vec![problem],
        filecheck: None,
        bless_filter: bless_filter(&trial.id),
    }
}

/// A libtest filter (a substring of trial names) that matches every trial
/// of this test and no other: `ui/checks/foo@` or, with revisions,
/// `ui/checks/foo[`, never `ui/checks/foo-bar@…`.
pub fn bless_filter(id: &crate::report::verdict::TrialId) -> String {
    let end = if id.revision.is_some() { '[' } else { '@' };
    format!("{}/{}{end}", id.suite, id.test)
}

/// The device an execution ran on, or was assigned to: kind and name.
type DeviceRecord = Option<(DeviceKind, String)>;

impl Engine {
    /// Where a trial for `sm` executes under this run's `--device`, or the
    /// reason it can't execute here (a skip).
    pub fn select(&self, sm: ptx_backend::SmTarget) -> Result<DeviceKind, String> {
        device::select(self.settings.device, &self.gpu, sm)
    }

    /// [`Engine::select`] for one trial: a trial that pins a sanitizer
    /// finding runs on the emulator (see [`device::select_pinned`]).
    pub fn select_for(&self, trial: &Trial) -> Result<DeviceKind, String> {
        device::select_pinned(
            self.settings.device,
            &self.gpu,
            trial.sm,
            trial.directives.sanitizer_finding,
        )
    }

    /// The suite's default outcome when a test names none.
    fn outcome(&self, trial: &Trial, annotated_errors: bool) -> Outcome {
        trial.directives.outcome.unwrap_or(match trial.test.suite {
            Suite::Ui if annotated_errors => Outcome::BuildFail,
            Suite::Ui => Outcome::CheckPass,
            Suite::PtxSnapshots => Outcome::BuildPass,
            Suite::RunGpu => Outcome::RunPass,
        })
    }

    /// The compile a trial needs.
    pub fn job(&self, trial: &Trial) -> CompileJob {
        // SASS costs a disassembly, so only trials that snapshot or check it ask.
        let sass = trial.test.suite == Suite::PtxSnapshots
            && (trial
                .directives
                .stages
                .as_ref()
                .is_some_and(|s| s.iter().any(|s| s == "sass"))
                || trial.facts.checked_stages.contains(&Stage::Sass));
        // Stages the backend prints only when asked (an external backend's
        // per-stage `env`): those this trial snapshots or checks.
        let gated = self.backend.gated_stages();
        let stages = if gated.is_empty() {
            Vec::new()
        } else {
            let mut asked: Vec<String> = trial
                .facts
                .checked_stages
                .iter()
                .map(|s| s.name().to_string())
                .collect();
            if trial.test.suite == Suite::PtxSnapshots {
                asked.extend(
                    trial
                        .directives
                        .stages
                        .clone()
                        .unwrap_or_else(|| vec!["ptx".into(), "ptxas".into()]),
                );
            }
            let mut on: Vec<String> = gated.into_iter().filter(|g| asked.contains(g)).collect();
            on.sort();
            on.dedup();
            on
        };
        CompileJob {
            stages,
            source: trial.test.path.clone(),
            crate_name: crate_name_for(&trial.test.path),
            sm: trial.sm,
            cfgs: trial.directives.revision.iter().cloned().collect(),
            flags: trial.directives.compile_flags.clone(),
            timeout: trial
                .directives
                .compile_timeout
                .unwrap_or(self.settings.compile_timeout),
            sass,
            front_end_only: false,
            // The ui suite matches annotations against rustc's JSON.
            json_diagnostics: trial.test.suite == Suite::Ui,
        }
    }

    /// Applies built-in and per-test normalization to one stage's text.
    fn normalized(&self, trial: &Trial, text: &str, stage: &str) -> String {
        let dir = trial.test.path.parent().unwrap_or(Path::new("."));
        let sysroots: Vec<&Path> = self.sysroots.iter().map(PathBuf::as_path).collect();
        let cache_dir = std::path::absolute(self.settings.work_dir.join("cache"))
            .unwrap_or_else(|_| self.settings.work_dir.join("cache"));
        let cx = NormalizeContext {
            test_dir: dir,
            root: &self.settings.root,
            sysroots: &sysroots,
            cache_dir: Some(&cache_dir),
            sm: trial.sm,
        };
        normalize(text, stage, &cx, &trial.directives.normalize)
    }

    /// The revision part of a trial's snapshot names: the revision, and for
    /// a backend other than the built-in one its name after it, so its
    /// snapshots are `name[.rev].<backend>[.sm].<stage>` and today's names
    /// stay the built-in backend's.
    pub fn snapshot_revision(&self, trial: &Trial) -> Option<String> {
        snapshot_revision(trial.directives.revision.as_deref(), self.backend.name())
    }

    /// The verdict in the light of the backend's expectations: a failure
    /// of the kind an entry names is an expected failure; a pass of a trial
    /// an entry expects to fail is a failure that says to remove the entry
    /// (a run-gpu build half may pass: the entry may be about the run).
    fn apply_expectation(&self, trial: &Trial, phase: Phase, verdict: Verdict) -> Verdict {
        let Some(entry) = self.expectations.find(&trial.id) else {
            return verdict;
        };
        let at = self.expectations.locate(entry);
        match verdict {
            Verdict::Failed { message } if entry.expects_failure(&message) => {
                Verdict::ExpectedFailure {
                    reason: entry.describe(),
                    message,
                }
            }
            Verdict::Failed { message } => Verdict::Failed {
                message: format!(
                    "{message}\n(expected `{}`{} by {at}: {}; it failed another way)",
                    entry.state.name(),
                    entry
                        .message
                        .as_deref()
                        .map(|m| format!(" with a message matching `{m}`"))
                        .unwrap_or_default(),
                    entry.describe()
                ),
            },
            Verdict::Passed
                if !(trial.test.suite == Suite::RunGpu && phase == Phase::Build)
                    && entry.state != ExpectedState::Skip =>
            {
                Verdict::Failed {
                    message: format!(
                        "unexpected pass: {at} expects `{}` ({}); the backend now passes, \
                         so remove the entry",
                        entry.state.name(),
                        entry.describe()
                    ),
                }
            }
            other => other,
        }
    }
    /// Runs a trial and records its result. Returns the libtest verdict.
    pub fn run(&self, trial: &Trial, phase: Phase) -> Result<(), String> {
        let start = Instant::now();
        let mut cx = TrialCx::default();
        let result = match &trial.skip {
            Some(reason) => Err(Stop::Skip(reason.clone())),
            None => self.run_checked(trial, phase, &mut cx).map_err(Stop::Fail),
        };
        let TrialCx {
            produced,
            compiled,
            executed,
            device,
            reproduce_after,
            sanitizer,
        } = cx;
        let (verdict, decided_by) = match result {
            Ok(()) => (Verdict::Passed, DecidedBy::Complete),
            Err(Stop::Skip(reason)) => (Verdict::Skipped { reason }, DecidedBy::Plan),
            Err(Stop::Fail(f)) => (
                Verdict::Failed {
                    message: crate::report::verdict::bound_message(f.to_string()),
                },
                f.decided_by(),
            ),
        };
        let verdict = self.apply_expectation(trial, phase, verdict);
        let output = compiled.as_ref().map(|c| &c.output);
        let record = TrialRecord {
            id: trial.id.clone(),
            verdict: verdict.clone(),
            decided_by,
            executed,
            device_name: device.as_ref().map(|d| d.1.clone()),
            device: device.map(|d| d.0),
            duration: start.elapsed(),
            kernels: output
                .map(|o| o.kernels.iter().filter(|k| k.entry).cloned().collect())
                .unwrap_or_default(),
            reproduce: reproduce_command(output.map(|o| o.commands.as_slice()), &reproduce_after),
            sanitizer,
        };
        if let Some(bar) = &self.progress {
            bar.inc(1);
            if verdict.is_failed() {
                bar.println(format!("FAILED {}", trial.id.name()));
            }
        }
        let mut c = self.collected.lock().unwrap();
        c.records.push(record);
        if let (Phase::Build, Some(stages)) = (phase, produced) {
            let rev = self.snapshot_revision(trial);
            c.reached
                .entry(trial.test.path.clone())
                .or_default()
                .insert((rev.clone(), trial.sm.name()));
            let entry = c.snapshots.entry(trial.test.path.clone()).or_default();
            for (stage, text) in stages {
                entry
                    .entry((rev.clone(), stage))
                    .or_default()
                    .insert(trial.sm.name(), text);
            }
        }
        match verdict {
            Verdict::Failed { message } => Err(message),
            _ => Ok(()),
        }
    }
    /// Compiles a trial and reads what every suite's checks need; then the
    /// suite's own checks run (`ui.rs`, `snapshots.rs`, `gpu.rs`).
    fn run_checked(&self, trial: &Trial, phase: Phase, cx: &mut TrialCx) -> Result<(), Failure> {
        let b = self.build(trial, cx)?;
        match trial.test.suite {
            Suite::Ui => self.check_ui(trial, &b, cx),
            Suite::PtxSnapshots => self.check_snapshots(trial, &b, cx),
            Suite::RunGpu => self.check_run_gpu(trial, phase, &b, cx),
        }
    }

    /// The trial's compile (cached), with the failures every suite shares:
    /// an interrupted step, a crashed or panicked compiler.
    fn build(&self, trial: &Trial, cx: &mut TrialCx) -> Result<Built, Failure> {
        let annotations: Vec<_> = match &trial.facts.annotations {
            Ok(all) => all
                .iter()
                .filter(|a| a.revision.is_none() || a.revision == trial.directives.revision)
                .cloned()
                .collect(),
            Err(e) => {
                return Err(Failure::AtSource {
                    by: DecidedBy::Plan,
                    file: trial.test.path.display().to_string(),
                    line: Some(e.line),
                    message: e.message.clone(),
                })
            }
        };
        let has_errors = annotations
            .iter()
            .any(|a| a.level == crate::plan::annotations::Level::Error);
        let outcome = self.outcome(trial, has_errors);
        let mut job = self.job(trial);
        // A `check-pass` ui test stops after rustc and its checks, as
        // compiletest's does; `build-pass` also runs the back end.
        job.front_end_only = trial.test.suite == Suite::Ui && outcome == Outcome::CheckPass;
        let result = self
            .cache
            .compile(self.backend.as_ref(), &job)
            .map_err(|e| Failure::Plan(format!("the backend could not run: {e:#}")))?;
        cx.compiled = Some(result.clone());
        let out = &result.output;
        let reproduce = format!("reproduce with:\n  {}", out.commands.join("\n  "));

        let by_step = |step: Option<&str>| match step {
            Some("rustc") => DecidedBy::Rustc,
            Some("ptxas") => DecidedBy::Ptxas,
            _ => DecidedBy::Llvm,
        };
        if out.status.is_interrupted() {
            // A timeout or a kill from outside decides the trial whatever it
            // expected: a build-fail test must not pass because llc hung.
            return Err(Failure::Interrupted {
                by: by_step(out.status.failed_step()),
                what: out.status.interruption().unwrap_or_default(),
                timed_out: matches!(out.status, CompileStatus::TimedOut { .. }),
                detail: match &out.status {
                    CompileStatus::Killed { message, .. } if !message.trim().is_empty() => {
                        Some(message.trim_end().to_string())
                    }
                    _ => None,
                },
                reproduce,
            });
        }
        if let CompileStatus::Killed { step, .. } = &out.status {
            if step == "rustc" {
                return Err(Failure::CompilerCrashed {
                    signal: out.status.interruption().unwrap_or_default(),
                    output: failure_text(out),
                    reproduce,
                });
            }
        }
        // A ui trial's rustc wrote JSON (see `job`): read it back once, so
        // that the snapshot and every message below see the rendered text.
        // (A killed rustc's output, above, stays as written: the kill may
        // have cut a line.)
        let mut rendered = None;
        let mut diagnostics = Vec::new();
        let out = if job.json_diagnostics {
            let stderr =
                read_json_stderr(&out.diagnostics).map_err(|e| Failure::UnreadableDiagnostics {
                    file: trial.test.path.display().to_string(),
                    error: e.to_string(),
                    reproduce: reproduce.clone(),
                })?;
            diagnostics = flatten_diagnostics(&stderr.diagnostics, &job.source);
            &*rendered.insert(CompileOutput {
                diagnostics: stderr.rendered,
                ..out.clone()
            })
        } else {
            out
        };
        if let CompileStatus::RustcFailed {
            exit_code: Some(101),
        }
        | CompileStatus::RustcFailed { exit_code: None } = out.status
        {
            return Err(Failure::CompilerPanicked {
                status: format!("{:?}", out.status),
                diagnostics: out.diagnostics.clone(),
                reproduce,
            });
        }
        let built = out.status == CompileStatus::Succeeded;
        let front_end_ok = out.status.failed_step() != Some("rustc");
        Ok(Built {
            outcome,
            annotations,
            diagnostics,
            built,
            front_end_ok,
            reproduce,
            job,
            result,
            rendered,
        })
    }

    fn check_outcome(
        &self,
        outcome: Outcome,
        error_patterns: &[String],
        out: &CompileOutput,
        front_end_ok: bool,
        built: bool,
        reproduce: &str,
    ) -> Result<(), Failure> {
        let by = match &out.status {
            CompileStatus::Succeeded => DecidedBy::Complete,
            CompileStatus::RustcFailed { .. } => DecidedBy::Rustc,
            CompileStatus::ToolFailed { step, .. } if step == "ptxas" => DecidedBy::Ptxas,
            CompileStatus::ToolFailed { .. } => DecidedBy::Llvm,
            CompileStatus::Killed { step, .. } | CompileStatus::TimedOut { step, .. } => {
                match step.as_str() {
                    "rustc" => DecidedBy::Rustc,
                    "ptxas" => DecidedBy::Ptxas,
                    _ => DecidedBy::Llvm,
                }
            }
        };
        let ok = match outcome {
            Outcome::CheckPass => front_end_ok,
            Outcome::BuildPass | Outcome::RunPass | Outcome::RunFail => built,
            Outcome::BuildFail => !built,
        };
        if ok && outcome == Outcome::BuildFail {
            // It failed; it must fail for the reason the test pins.
            let text = format!("{}\n{}", out.diagnostics, failure_text(out));
            let missing: Vec<&String> = error_patterns
                .iter()
                .filter(|p| !text.contains(p.as_str()))
                .collect();
            if !missing.is_empty() {
                return Err(Failure::ErrorPatternMissing {
                    by,
                    missing: missing.into_iter().cloned().collect(),
                    output: failure_text(out),
                    reproduce: reproduce.to_string(),
                });
            }
        }
        if ok {
            return Ok(());
        }
        Err(Failure::WrongOutcome {
            by,
            expected: outcome,
            failed: (!built).then(|| match out.status.interruption() {
                Some(signal) => format!("{signal}\n{}", failure_text(out)),
                None => failure_text(out),
            }),
            reproduce: reproduce.to_string(),
        })
    }

    /// Compares one normalized stage with its snapshot (or collects it for bless).
    fn compare_stage(
        &self,
        trial: &Trial,
        stage: &str,
        actual: &str,
        produced: &mut Option<Vec<(String, String)>>,
    ) -> Result<(), SnapshotProblem> {
        let rev = self.snapshot_revision(trial);
        let rev = rev.as_deref();
        let sm = trial.sm.name();
        // An empty stderr needs no file; its absence is the snapshot.
        if !(stage == "stderr" && actual.is_empty()) {
            produced
                .get_or_insert_with(Vec::new)
                .push((stage.to_string(), actual.to_string()));
        }
        if self.settings.may_write() {
            return Ok(());
        }
        let expected = read_expected(&trial.test.path, rev, &sm, stage).map_err(|e| {
            SnapshotProblem::Unusable {
                stage: stage.to_string(),
                sm: sm.clone(),
                path: self.display(&e.path),
                problem: e.problem.to_string(),
            }
        })?;
        match expected {
            Some((_, expected)) if expected == actual => Ok(()),
            Some((path, expected)) => Err(SnapshotProblem::Differs {
                stage: stage.to_string(),
                sm,
                diff: unified_diff(&expected, actual, &self.display(&path), self.color),
            }),
            None if stage == "stderr" && actual.is_empty() => Ok(()),
            None => {
                let (specific, shared) =
                    crate::check::snapshot::snapshot_paths(&trial.test.path, rev, &sm, stage);
                Err(SnapshotProblem::Missing {
                    stage: stage.to_string(),
                    specific: self.display(&specific),
                    shared: self.display(&shared),
                    ci: self.settings.ci,
                })
            }
        }
    }

    fn display(&self, p: &Path) -> String {
        p.strip_prefix(&self.settings.root)
            .unwrap_or(p)
            .display()
            .to_string()
    }
}

/// One shell command that reproduces the whole trial: every compile step,
/// then the host build and the execution where it had them.
fn reproduce_command(compile: Option<&[String]>, after: &[String]) -> Option<String> {
    let all: Vec<&str> = compile
        .unwrap_or_default()
        .iter()
        .chain(after)
        .map(String::as_str)
        .collect();
    (!all.is_empty()).then(|| all.join(" && "))
}

fn failure_text(out: &CompileOutput) -> String {
    match &out.status {
        CompileStatus::ToolFailed { step, message } => format!("{step} failed:\n{message}"),
        // The same text as a tool that exited non-zero, so a pinned crash
        // (`LLVM ERROR`, SIGABRT) keeps its snapshot; the verdict names the signal.
        CompileStatus::Killed { step, message, .. } => format!("{step} failed:\n{message}"),
        s @ CompileStatus::TimedOut { .. } => s.interruption().unwrap_or_default(),
        _ => out.diagnostics.clone(),
    }
}

/// See [`Engine::snapshot_revision`].
pub fn snapshot_revision(revision: Option<&str>, backend: &str) -> Option<String> {
    match (revision, backend) {
        (rev, "builtin") => rev.map(str::to_string),
        (Some(rev), b) => Some(format!("{rev}.{b}")),
        (None, b) => Some(b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::TrialId;

    #[test]
    fn bless_filter_matches_the_test_and_not_its_namesakes() {
        let id = |test: &str, revision: Option<&str>, sm: &str| TrialId {
            suite: "ui".into(),
            test: test.into(),
            revision: revision.map(Into::into),
            sm: sm.into(),
        };
        let f = bless_filter(&id("checks/foo", None, "sm_80"));
        assert_eq!(f, "ui/checks/foo@");
        assert!(id("checks/foo", None, "sm_90a").name().contains(&f));
        assert!(!id("checks/foo-bar", None, "sm_80").name().contains(&f));
        let f = bless_filter(&id("checks/foo", Some("a"), "sm_80"));
        assert!(id("checks/foo", Some("b"), "sm_100").name().contains(&f));
        assert!(!id("checks/foo-bar", Some("a"), "sm_80").name().contains(&f));
    }

    #[test]
    fn one_reproduce_command_covers_the_whole_trial() {
        let compile = ["rustc a.rs".to_string(), "cd d && ptxas a.ptx".to_string()];
        let after = [
            "rustc host.rs -o h".to_string(),
            "HOST_RUNTIME_PTX=a.ptx h".to_string(),
        ];
        assert_eq!(
            reproduce_command(Some(&compile), &after).as_deref(),
            Some("rustc a.rs && cd d && ptxas a.ptx && rustc host.rs -o h && HOST_RUNTIME_PTX=a.ptx h")
        );
        assert_eq!(
            reproduce_command(Some(&compile), &[]).as_deref(),
            Some("rustc a.rs && cd d && ptxas a.ptx")
        );
        assert_eq!(
            reproduce_command(None, &[]),
            None,
            "nothing ran: nothing to reproduce"
        );
    }
}

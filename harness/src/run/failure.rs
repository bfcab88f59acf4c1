//! Why a trial failed, as data: each check returns a [`Failure`] variant
//! with the facts it found, and this file alone turns them into the text
//! the reports show ([`Failure`]'s `Display`) and names the stage that
//! decided ([`Failure::decided_by`]), as ui_test splits its `Error`s from
//! their emitter.

use std::fmt;
use std::path::PathBuf;

use crate::plan::directives::Outcome;
use crate::report::verdict::DecidedBy;

/// Why a trial failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The trial can't be run as written (a test that says too little, a
    /// backend that did not start); the message says what to change.
    Plan(String),
    /// A problem at a place in the test's source: `file:line: message`, or
    /// `file: message` when no line applies.
    AtSource {
        by: DecidedBy,
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// A compile step timed out or was killed from outside.
    Interrupted {
        by: DecidedBy,
        /// What stopped it (`ptxas timed out after 60s`).
        what: String,
        /// Whether it timed out (the hint says how to raise the limit).
        timed_out: bool,
        /// What the killed step had written, if anything.
        detail: Option<String>,
        reproduce: String,
    },
    /// rustc died of a signal.
    CompilerCrashed {
        signal: String,
        output: String,
        reproduce: String,
    },
    /// rustc panicked (exit 101) or exited without a code.
    CompilerPanicked {
        status: String,
        diagnostics: String,
        reproduce: String,
    },
    /// rustc's JSON diagnostics could not be read back.
    UnreadableDiagnostics {
        file: String,
        error: String,
        reproduce: String,
    },
    /// The compile did not end the way the test's outcome says.
    WrongOutcome {
        by: DecidedBy,
        expected: Outcome,
        /// What happened instead, when the compile failed; `None` when it
        /// compiled.
        failed: Option<String>,
        reproduce: String,
    },
    /// A `build-fail` test failed, but not with its `error-pattern`s.
    ErrorPatternMissing {
        by: DecidedBy,
        missing: Vec<String>,
        output: String,
        reproduce: String,
    },
    /// A ui `build-pass` crate the checks accept and a back-end tool rejects.
    ToolRejectsWhatChecksAccept {
        by: DecidedBy,
        step: String,
        sm: String,
        output: String,
        reproduce: String,
    },
    /// The `//~` annotations and rustc's diagnostics disagree.
    Diagnostics {
        problems: Vec<String>,
        reproduce: String,
    },
    /// One or more stage snapshots differ, are missing or unusable.
    Snapshots {
        problems: Vec<SnapshotProblem>,
        /// What the CHECK lines say of the same output.
        filecheck: Option<FileCheckNote>,
        /// The `./bless.sh` filter that accepts the new output.
        bless_filter: String,
    },
    /// A stage the test snapshots wrote no dump.
    NoDump { stage: String, reproduce: String },
    /// CHECK lines that did not match, one per stage.
    FileCheck(Vec<FileCheckMismatch>),
    /// No PTX to execute.
    NoPtx,
    /// The host program did not build.
    HostBuild(String),
    /// No device here can execute the trial.
    NoDevice(String),
    /// The trial was assigned to the emulator, which can't be loaded.
    NoEmulator(String),
    /// The host program could not be started.
    HostDidNotStart { host: PathBuf, error: String },
    /// The execution's result differs from what the test expects.
    Execution {
        mismatch: String,
        /// `GPU, NVIDIA H100 (sm_90)` or `emulator, ptx-emu …`.
        device: String,
        /// `; sanitize: …` when the test or run asked for tools.
        sanitize: String,
        reproduce: String,
    },
}

/// One stage snapshot that does not hold the trial's output.
#[derive(Debug)]
pub(crate) enum SnapshotProblem {
    Differs {
        stage: String,
        sm: String,
        diff: String,
    },
    Missing {
        stage: String,
        specific: String,
        shared: String,
        /// CI never writes snapshots: the message says so.
        ci: bool,
    },
    Unusable {
        stage: String,
        sm: String,
        path: String,
        problem: String,
    },
}

/// What the CHECK lines say when a snapshot differs: whether the
/// difference matters to what the test is about.
#[derive(Debug)]
pub(crate) enum FileCheckNote {
    StillPasses { lines: usize, sm: String },
    AlsoFails(Box<Failure>),
}

/// CHECK lines of one stage that did not match.
#[derive(Debug)]
pub(crate) struct FileCheckMismatch {
    pub file: String,
    pub line: usize,
    pub stage: String,
    pub sm: String,
    pub message: String,
}

impl Failure {
    /// The stage that decided the trial, for the reports.
    pub(crate) fn decided_by(&self) -> DecidedBy {
        match self {
            Failure::Plan(_) => DecidedBy::Plan,
            Failure::AtSource { by, .. }
            | Failure::Interrupted { by, .. }
            | Failure::WrongOutcome { by, .. }
            | Failure::ErrorPatternMissing { by, .. }
            | Failure::ToolRejectsWhatChecksAccept { by, .. } => *by,
            Failure::CompilerCrashed { .. }
            | Failure::CompilerPanicked { .. }
            | Failure::UnreadableDiagnostics { .. } => DecidedBy::Rustc,
            Failure::Diagnostics { .. } => DecidedBy::Diagnostics,
            Failure::Snapshots { .. } | Failure::NoDump { .. } => DecidedBy::Snapshot,
            Failure::FileCheck(_) => DecidedBy::FileCheck,
            Failure::NoPtx => DecidedBy::Llvm,
            Failure::HostBuild(_) => DecidedBy::HostBuild,
            Failure::NoDevice(_)
            | Failure::NoEmulator(_)
            | Failure::HostDidNotStart { .. }
            | Failure::Execution { .. } => DecidedBy::Execution,
        }
    }
}

/// The hint after a compile that timed out.
const TIMEOUT_HINT: &str = "\n(raise the limit for a slow test with `//@ compile-timeout: 600s`, \
     or for every test with PTX_COMPILE_TIMEOUT or `compile_timeout` in ptx-harness.toml)";

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Plan(message) | Failure::HostBuild(message) => f.write_str(message),
            Failure::AtSource {
                file,
                line: Some(line),
                message,
                ..
            } => write!(f, "{file}:{line}: {message}"),
            Failure::AtSource {
                file,
                line: None,
                message,
                ..
            } => write!(f, "{file}: {message}"),
            Failure::Interrupted {
                what,
                timed_out,
                detail,
                reproduce,
                ..
            } => {
                f.write_str(what)?;
                if *timed_out {
                    f.write_str(TIMEOUT_HINT)?;
                }
                if let Some(detail) = detail {
                    write!(f, "\n{detail}")?;
                }
                write!(f, "\n{reproduce}")
            }
            Failure::CompilerCrashed {
                signal,
                output,
                reproduce,
            } => write!(f, "the compiler crashed ({signal}):\n{output}\n{reproduce}"),
            Failure::CompilerPanicked {
                status,
                diagnostics,
                reproduce,
            } => write!(
                f,
                "the compiler panicked or crashed ({status}):\n{diagnostics}\n{reproduce}"
            ),
            Failure::UnreadableDiagnostics {
                file,
                error,
                reproduce,
            } => write!(f, "{file}: {error}\n{reproduce}"),
            Failure::WrongOutcome {
                expected,
                failed: None,
                reproduce,
                ..
            } => write!(
                f,
                "expected {expected}, but it compiled successfully\n{reproduce}"
            ),
            Failure::WrongOutcome {
                expected,
                failed: Some(what),
                reproduce,
                ..
            } => write!(
                f,
                "expected {expected}, but it failed:\n{what}\n{reproduce}"
            ),
            Failure::ErrorPatternMissing {
                missing,
                output,
                reproduce,
                ..
            } => write!(
                f,
                "expected build-fail with `error-pattern: {}`, but it failed otherwise:\n\
                 {output}\n{reproduce}",
                missing.join("`, `")
            ),
            Failure::ToolRejectsWhatChecksAccept {
                step,
                sm,
                output,
                reproduce,
                ..
            } => write!(
                f,
                "the crate passes the checks, but {step} rejects it for {sm}; a check that \
                 accepts what {step} rejects is a check bug (or mark the test `build-fail`):\n\
                 {output}\n{reproduce}"
            ),
            Failure::Diagnostics {
                problems,
                reproduce,
            } => write!(f, "{}\n{reproduce}", problems.join("\n")),
            Failure::Snapshots {
                problems,
                filecheck,
                bless_filter,
            } => {
                for p in problems {
                    writeln!(f, "{p}")?;
                }
                match filecheck {
                    None => {}
                    Some(FileCheckNote::StillPasses { lines, sm }) => {
                        writeln!(f, "FileCheck: all {lines} CHECK lines still pass for {sm}")?
                    }
                    Some(FileCheckNote::AlsoFails(why)) => {
                        writeln!(f, "FileCheck also fails:\n{why}")?
                    }
                }
                write!(f, "to accept: ./bless.sh '{bless_filter}'")
            }
            Failure::NoDump { stage, reproduce } => {
                write!(f, "stage `{stage}` produced no dump\n{reproduce}")
            }
            Failure::FileCheck(mismatches) => {
                for (i, m) in mismatches.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(
                        f,
                        "{}:{}: FileCheck failed on the {} for {}:\n{}",
                        m.file, m.line, m.stage, m.sm, m.message
                    )?;
                }
                Ok(())
            }
            Failure::NoPtx => f.write_str("no PTX was produced"),
            Failure::NoDevice(reason) => write!(f, "cannot execute: {reason}"),
            Failure::NoEmulator(e) => write!(f, "cannot execute on the emulator: {e}"),
            Failure::HostDidNotStart { host, error } => {
                write!(f, "cannot run {}: {error}", host.display())
            }
            Failure::Execution {
                mismatch,
                device,
                sanitize,
                reproduce,
            } => write!(
                f,
                "{mismatch}\n(on the {device}{sanitize})\nreproduce with:\n  {reproduce}"
            ),
        }
    }
}

impl fmt::Display for SnapshotProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotProblem::Differs { stage, sm, diff } => {
                write!(f, "{stage} snapshot differs for {sm}:\n{diff}")
            }
            SnapshotProblem::Missing {
                stage,
                specific,
                shared,
                ci,
            } => write!(
                f,
                "missing {stage} snapshot: neither {specific} nor {shared} exists{}",
                if *ci {
                    " (CI never writes snapshots; bless locally and commit them)"
                } else {
                    ""
                }
            ),
            SnapshotProblem::Unusable {
                stage,
                sm,
                path,
                problem,
            } => write!(
                f,
                "{stage} snapshot for {sm} is unusable: {path}: {problem}\n\
                 fix or delete the file (then bless to write it again)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_failure_lists_each_stage_then_filecheck_then_the_bless_command() {
        let f = Failure::Snapshots {
            problems: vec![
                SnapshotProblem::Differs {
                    stage: "ptx".into(),
                    sm: "sm_80".into(),
                    diff: "-a\n+b".into(),
                },
                SnapshotProblem::Missing {
                    stage: "sass".into(),
                    specific: "t.sm_80.sass".into(),
                    shared: "t.sass".into(),
                    ci: true,
                },
            ],
            filecheck: Some(FileCheckNote::StillPasses {
                lines: 3,
                sm: "sm_80".into(),
            }),
            bless_filter: "ptx-snapshots/t@".into(),
        };
        assert_eq!(f.decided_by(), DecidedBy::Snapshot);
        assert_eq!(
            f.to_string(),
            "ptx snapshot differs for sm_80:\n-a\n+b\n\
             missing sass snapshot: neither t.sm_80.sass nor t.sass exists \
             (CI never writes snapshots; bless locally and commit them)\n\
             FileCheck: all 3 CHECK lines still pass for sm_80\n\
             to accept: ./bless.sh 'ptx-snapshots/t@'"
        );
    }

    #[test]
    fn an_interrupted_compile_says_how_to_raise_the_limit_only_when_it_timed_out() {
        let f = |timed_out| Failure::Interrupted {
            by: DecidedBy::Ptxas,
            what: "ptxas stopped".into(),
            timed_out,
            detail: Some("partial".into()),
            reproduce: "reproduce with:\n  ptxas a.ptx".into(),
        };
        assert_eq!(f(false).decided_by(), DecidedBy::Ptxas);
        assert_eq!(
            f(false).to_string(),
            "ptxas stopped\npartial\nreproduce with:\n  ptxas a.ptx"
        );
        assert!(f(true).to_string().starts_with(
            "ptxas stopped\n(raise the limit for a slow test with `//@ compile-timeout: 600s`"
        ));
    }

    #[test]
    fn the_wrong_outcome_says_what_happened_instead() {
        let f = |failed: Option<&str>| Failure::WrongOutcome {
            by: DecidedBy::Rustc,
            expected: Outcome::BuildPass,
            failed: failed.map(Into::into),
            reproduce: "reproduce with:\n  rustc a.rs".into(),
        };
        assert_eq!(
            f(Some("error[E0425]")).to_string(),
            "expected build-pass, but it failed:\nerror[E0425]\nreproduce with:\n  rustc a.rs"
        );
        assert_eq!(
            f(None).to_string(),
            "expected build-pass, but it compiled successfully\nreproduce with:\n  rustc a.rs"
        );
    }
}

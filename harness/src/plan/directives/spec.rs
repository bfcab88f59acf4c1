//! The directive table and the types it fills: every known directive
//! with the shape of its value and its handler (`DIRECTIVES`), the typed
//! value a handler returns, and the settings a revision ends up with.

use std::fmt;
use std::time::Duration;

use ptx_backend::sm::SmTarget;
use regex::Regex;

use super::handlers::{
    backend_list, exit_code, float_tolerance, min_sm, normalize, revisions, run_fail,
    run_fail_stderr, sanitize, sm_list, split_flags, stages, stdout, timeout, ParseCx,
};
use super::lex::Raw;
use super::Diag;
use crate::plan::sanitize::{Tool, ToolSet};

/// Stage dumps that `stages:` can snapshot, in pipeline order (from
/// `ptx_backend::Stage`, the one table of stage names).
pub const STAGES: &[&str] = &ptx_backend::stage::names_and::<6, 0>([]);

/// What `normalize-<stage>` can rewrite: the stage dumps plus stderr and stdout.
pub const NORMALIZE_STAGES: &[&str] = &ptx_backend::stage::names_and::<8, 2>(["stderr", "stdout"]);

/// The expected outcome of a test (or of one revision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `check-pass`: rustc and the backend's checks accept the crate; in the
    /// ui suite the compile stops after rustc (no llvm-link, opt, llc or
    /// ptxas), as compiletest's does.
    CheckPass,
    /// `build-pass`: the crate compiles to PTX (and through ptxas).
    BuildPass,
    /// `build-fail`: compilation fails.
    BuildFail,
    /// `run-pass`: the kernel builds, runs and the program exits with 0.
    RunPass,
    /// `run-fail`: the kernel builds, runs and the program fails.
    RunFail,
}

impl Outcome {
    /// The directive that names this outcome, e.g. `run-pass`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::CheckPass => "check-pass",
            Outcome::BuildPass => "build-pass",
            Outcome::BuildFail => "build-fail",
            Outcome::RunPass => "run-pass",
            Outcome::RunFail => "run-fail",
        }
    }

    /// Whether a test with this outcome is executed on a GPU.
    pub fn runs(self) -> bool {
        matches!(self, Outcome::RunPass | Outcome::RunFail)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One `normalize-<stage>: "regex" -> "replacement"` rule.
#[derive(Clone, Debug)]
pub struct NormalizeRule {
    /// The 1-based line of the directive, so a rule that never matches can be reported.
    pub line: usize,
    /// One of [`NORMALIZE_STAGES`].
    pub stage: String,
    /// The compiled pattern.
    pub regex: Regex,
    /// The replacement, in `regex`'s `$1` / `${name}` syntax.
    pub replacement: String,
}

/// How far floats in stdout may be from the expected ones.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FloatTolerance {
    /// `rel 1e-5`: `|a - b| <= tol * max(|a|, |b|)`.
    Relative(f64),
    /// `ulp 4`: at most this many representable values apart.
    Ulp(u64),
}

/// The settings in force for one revision of a test.
#[derive(Clone, Debug, Default)]
pub struct RevisionDirectives {
    /// The revision these settings are for; `None` for a file without revisions.
    /// The caller compiles with `--cfg <revision>` (see [`RevisionDirectives::cfg_flags`]).
    pub revision: Option<String>,
    /// `sm:` the targets this test runs for; `None` means the suite's matrix.
    pub sm: Option<Vec<SmTarget>>,
    /// `min-sm:` targets whose number is below this are skipped.
    pub min_sm: Option<u32>,
    /// `only-sm:` targets not listed are skipped.
    pub only_sm: Option<Vec<SmTarget>>,
    /// `ignore-sm:` targets listed are skipped.
    pub ignore_sm: Vec<SmTarget>,
    /// `compile-flags:` extra backend flags, already split into arguments.
    pub compile_flags: Vec<String>,
    /// `host-compile-flags:` extra flags for the host half of a run-gpu test
    /// (its rustc build), after the defaults (`--edition 2021 -Copt-level=1`).
    pub host_compile_flags: Vec<String>,
    /// The expected outcome; `None` leaves it to the suite's default.
    pub outcome: Option<Outcome>,
    /// `stages:` which stage dumps are snapshotted; `None` leaves it to the suite.
    pub stages: Option<Vec<String>>,
    /// `normalize-<stage>:` rules, in file order.
    pub normalize: Vec<NormalizeRule>,
    /// `stdout:` expected program output, one entry per line; `None` when no
    /// directive gives it (a `.run.stdout` file may).
    pub stdout: Option<Vec<String>>,
    /// `exit-code:` the expected exit code of a `run-fail` program.
    pub exit_code: Option<i32>,
    /// `run-fail: CUDA_ERROR_…`: the CUDA error a `run-fail` program must
    /// report; the name must appear in its stderr.
    pub cuda_error: Option<String>,
    /// `run-fail-stderr: <regex>`: patterns that must each match somewhere in
    /// a `run-fail` program's stderr, in file order.
    pub stderr_patterns: Vec<String>,
    /// `sanitize: initcheck, racecheck`: the emulator's tools this test's
    /// emulated executions run with (besides memcheck, always on), united
    /// with the run's `--sanitize`. A GPU execution ignores them.
    pub sanitize: ToolSet,
    /// `run-fail: initcheck`: the tool whose finding a `run-fail` program's
    /// stderr must hold (the emulator's line naming the tool); a finding of
    /// any other tool still fails it.
    pub sanitizer_finding: Option<Tool>,
    /// `float-tolerance:` how floats in stdout are compared.
    pub float_tolerance: Option<FloatTolerance>,
    /// `timeout:` hard limit for one execution.
    pub timeout: Option<Duration>,
    /// `compile-timeout:` hard limit for each compile step (rustc, llvm-link,
    /// opt, llc, ptxas) of this test, over the run's default.
    pub compile_timeout: Option<Duration>,
    /// `known-bug:` the backend bug this test pins, e.g. an issue reference.
    pub known_bug: Option<String>,
    /// `only-backend:` backends (by report name) this test is about; any
    /// other backend skips it.
    pub only_backend: Option<Vec<String>>,
    /// `ignore-backend:` backends that skip this test.
    pub ignore_backend: Vec<String>,
    /// `error-pattern:` text that a `build-fail` test's compiler output must
    /// contain (each one), so it can't pass by failing for another reason.
    pub error_patterns: Vec<String>,
}

impl RevisionDirectives {
    /// Decides whether the test runs for `sm`. `Err` carries the skip reason,
    /// such as `ignore-sm: sm_75`, `min-sm: 80 (target is sm_75)` or
    /// `only-sm: sm_90a`.
    ///
    /// Targets are compared exactly (`only-sm: 90` does not admit `sm_90a`),
    /// except `min-sm`, which compares architecture numbers only. A target
    /// outside an explicit `sm:` list is skipped too, so a caller that iterates
    /// a command-line matrix rather than `sm` still gets it right.
    pub fn sm_filter(&self, sm: SmTarget) -> Result<(), String> {
        if self.ignore_sm.contains(&sm) {
            return Err(format!("ignore-sm: {sm}"));
        }
        if let Some(min) = self.min_sm {
            if sm.number < min {
                return Err(format!("min-sm: {min} (target is {sm})"));
            }
        }
        if let Some(only) = &self.only_sm {
            if !only.contains(&sm) {
                return Err(format!("only-sm: {}", join_targets(only)));
            }
        }
        if let Some(list) = &self.sm {
            if !list.contains(&sm) {
                return Err(format!("sm: {} (target is {sm})", join_targets(list)));
            }
        }
        Ok(())
    }

    /// Decides whether the test runs under the backend named `backend`
    /// (`builtin`, `cuda-oxide`). `Err` carries the skip reason.
    pub fn backend_filter(&self, backend: &str) -> Result<(), String> {
        if self.ignore_backend.iter().any(|b| b == backend) {
            return Err(format!("ignore-backend: {backend}"));
        }
        if let Some(only) = &self.only_backend {
            if !only.iter().any(|b| b == backend) {
                return Err(format!(
                    "only-backend: {} (backend is {backend})",
                    only.join(" ")
                ));
            }
        }
        Ok(())
    }

    /// `["--cfg", revision]` for a revision, nothing otherwise.
    pub fn cfg_flags(&self) -> Vec<String> {
        match &self.revision {
            Some(rev) => vec!["--cfg".to_string(), rev.clone()],
            None => Vec::new(),
        }
    }
}

fn join_targets(targets: &[SmTarget]) -> String {
    targets
        .iter()
        .map(SmTarget::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    /// `//@ check-pass`: a value is an error.
    None,
    /// `//@ sm: …`: a missing or blank value is an error.
    Required,
    /// `//@ stdout: …`: `//@ stdout:` with nothing after it is an empty line.
    Text,
    /// `//@ run-fail` or `//@ run-fail: CUDA_ERROR_…`: the value is optional,
    /// but a `:` with nothing after it is an error.
    Optional,
}

pub(super) type Handler = fn(&ParseCx, &Raw<'_>) -> Result<Value, Vec<Diag>>;

pub(super) struct Spec {
    pub(super) name: &'static str,
    pub(super) arg: Arg,
    /// Shown in "write it as …" help.
    pub(super) example: &'static str,
    pub(super) handler: Handler,
}

/// Every known directive. `normalize-<stage>` is spelled out per stage so
/// that the known set is explicit and typos get a suggestion like any other.
pub(super) const DIRECTIVES: &[Spec] = &[
    Spec {
        name: "sm",
        arg: Arg::Required,
        example: "//@ sm: 75 80 90a",
        handler: |_, r| sm_list(r).map(Value::Sm),
    },
    Spec {
        name: "min-sm",
        arg: Arg::Required,
        example: "//@ min-sm: 80",
        handler: |_, r| min_sm(r),
    },
    Spec {
        name: "only-sm",
        arg: Arg::Required,
        example: "//@ only-sm: 90a",
        handler: |_, r| sm_list(r).map(Value::OnlySm),
    },
    Spec {
        name: "ignore-sm",
        arg: Arg::Required,
        example: "//@ ignore-sm: 75",
        handler: |_, r| sm_list(r).map(Value::IgnoreSm),
    },
    Spec {
        name: "only-backend",
        arg: Arg::Required,
        example: "//@ only-backend: builtin",
        handler: |_, r| backend_list(r).map(Value::OnlyBackend),
    },
    Spec {
        name: "ignore-backend",
        arg: Arg::Required,
        example: "//@ ignore-backend: cuda-oxide",
        handler: |_, r| backend_list(r).map(Value::IgnoreBackend),
    },
    Spec {
        name: "revisions",
        arg: Arg::Required,
        example: "//@ revisions: fast slow",
        handler: |_, r| revisions(r),
    },
    Spec {
        name: "compile-flags",
        arg: Arg::Required,
        example: "//@ compile-flags: -C opt-level=3",
        handler: |_, r| split_flags(r, "compile-flags").map(Value::CompileFlags),
    },
    Spec {
        name: "host-compile-flags",
        arg: Arg::Required,
        example: "//@ host-compile-flags: -Copt-level=0 --edition 2024",
        handler: |_, r| split_flags(r, "host-compile-flags").map(Value::HostCompileFlags),
    },
    Spec {
        name: "check-pass",
        arg: Arg::None,
        example: "//@ check-pass",
        handler: |_, _| Ok(Value::Outcome(Outcome::CheckPass)),
    },
    Spec {
        name: "build-pass",
        arg: Arg::None,
        example: "//@ build-pass",
        handler: |_, _| Ok(Value::Outcome(Outcome::BuildPass)),
    },
    Spec {
        name: "build-fail",
        arg: Arg::None,
        example: "//@ build-fail",
        handler: |_, _| Ok(Value::Outcome(Outcome::BuildFail)),
    },
    Spec {
        name: "run-pass",
        arg: Arg::None,
        example: "//@ run-pass",
        handler: |_, _| Ok(Value::Outcome(Outcome::RunPass)),
    },
    Spec {
        name: "run-fail",
        arg: Arg::Optional,
        example:
            "//@ run-fail`, `//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS` or `//@ run-fail: initcheck",
        handler: |_, r| run_fail(r),
    },
    Spec {
        name: "sanitize",
        arg: Arg::Required,
        example: "//@ sanitize: racecheck, initcheck",
        handler: |_, r| sanitize(r),
    },
    Spec {
        name: "run-fail-stderr",
        arg: Arg::Required,
        example: "//@ run-fail-stderr: ptx-emu: .* at PTX line [0-9]+",
        handler: |_, r| run_fail_stderr(r),
    },
    Spec {
        name: "error-pattern",
        arg: Arg::Required,
        example: "//@ error-pattern: unsupported library call operation",
        handler: |_, r| Ok(Value::ErrorPattern(r.value().1.to_string())),
    },
    Spec {
        name: "stages",
        arg: Arg::Required,
        example: "//@ stages: mir ptx ptxas",
        handler: stages,
    },
    Spec {
        name: "normalize-mir",
        arg: Arg::Required,
        example: "//@ normalize-mir: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-llvm-ir",
        arg: Arg::Required,
        example: "//@ normalize-llvm-ir: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-llvm-ir-opt",
        arg: Arg::Required,
        example: "//@ normalize-llvm-ir-opt: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-ptx",
        arg: Arg::Required,
        example: "//@ normalize-ptx: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-ptxas",
        arg: Arg::Required,
        example: "//@ normalize-ptxas: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-sass",
        arg: Arg::Required,
        example: "//@ normalize-sass: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-stderr",
        arg: Arg::Required,
        example: "//@ normalize-stderr: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "normalize-stdout",
        arg: Arg::Required,
        example: "//@ normalize-stdout: \"regex\" -> \"replacement\"",
        handler: |_, r| normalize(r),
    },
    Spec {
        name: "stdout",
        arg: Arg::Text,
        example: "//@ stdout: sum = 42",
        handler: |_, r| stdout(r),
    },
    Spec {
        name: "exit-code",
        arg: Arg::Required,
        example: "//@ exit-code: 1",
        handler: |_, r| exit_code(r),
    },
    Spec {
        name: "float-tolerance",
        arg: Arg::Required,
        example: "//@ float-tolerance: rel 1e-5",
        handler: |_, r| float_tolerance(r),
    },
    Spec {
        name: "timeout",
        arg: Arg::Required,
        example: "//@ timeout: 30s",
        handler: |_, r| timeout(r),
    },
    Spec {
        name: "compile-timeout",
        arg: Arg::Required,
        example: "//@ compile-timeout: 120s",
        handler: |_, r| match timeout(r)? {
            Value::Timeout(d) => Ok(Value::CompileTimeout(d)),
            other => Ok(other),
        },
    },
    Spec {
        name: "known-bug",
        arg: Arg::Required,
        example: "//@ known-bug: #123",
        handler: |_, r| Ok(Value::KnownBug(r.value().1.to_string())),
    },
];

pub(super) fn spec(name: &str) -> &'static Spec {
    DIRECTIVES
        .iter()
        .find(|s| s.name == name)
        .expect("name is in the directive table")
}

/// The names of all known directives.
pub fn known_directives() -> impl Iterator<Item = &'static str> {
    DIRECTIVES.iter().map(|s| s.name)
}

#[derive(Clone, Debug)]
pub(super) enum Value {
    Sm(Vec<SmTarget>),
    MinSm(u32),
    OnlySm(Vec<SmTarget>),
    IgnoreSm(Vec<SmTarget>),
    OnlyBackend(Vec<String>),
    IgnoreBackend(Vec<String>),
    Revisions(Vec<String>),
    CompileFlags(Vec<String>),
    HostCompileFlags(Vec<String>),
    Outcome(Outcome),
    /// `run-fail: CUDA_ERROR_…`: the outcome with the error it must report.
    RunFailWith(String),
    /// `run-fail: initcheck`: the outcome with the tool whose finding it pins.
    RunFailFinding(Tool),
    Sanitize(ToolSet),
    RunFailStderr(String),
    ErrorPattern(String),
    Stages(Vec<String>),
    Normalize(NormalizeRule),
    Stdout(String),
    ExitCode(i32),
    FloatTolerance(FloatTolerance),
    Timeout(Duration),
    CompileTimeout(Duration),
    KnownBug(String),
}

impl Value {
    /// The setting this value feeds; all five outcome directives feed one.
    pub(super) fn key(&self) -> &'static str {
        match self {
            Value::Sm(_) => "sm",
            Value::MinSm(_) => "min-sm",
            Value::OnlySm(_) => "only-sm",
            Value::IgnoreSm(_) => "ignore-sm",
            Value::OnlyBackend(_) => "only-backend",
            Value::IgnoreBackend(_) => "ignore-backend",
            Value::Revisions(_) => "revisions",
            Value::CompileFlags(_) => "compile-flags",
            Value::HostCompileFlags(_) => "host-compile-flags",
            Value::Outcome(_) | Value::RunFailWith(_) | Value::RunFailFinding(_) => "outcome",
            Value::Sanitize(_) => "sanitize",
            Value::RunFailStderr(_) => "run-fail-stderr",
            Value::ErrorPattern(_) => "error-pattern",
            Value::Stages(_) => "stages",
            Value::Normalize(_) => "normalize",
            Value::Stdout(_) => "stdout",
            Value::ExitCode(_) => "exit-code",
            Value::FloatTolerance(_) => "float-tolerance",
            Value::Timeout(_) => "timeout",
            Value::CompileTimeout(_) => "compile-timeout",
            Value::KnownBug(_) => "known-bug",
        }
    }

    /// The outcome this value sets, if it is an outcome directive.
    pub(super) fn outcome(&self) -> Option<Outcome> {
        match self {
            Value::Outcome(o) => Some(*o),
            Value::RunFailWith(_) | Value::RunFailFinding(_) => Some(Outcome::RunFail),
            _ => None,
        }
    }

    /// Scalars may be given once per scope; lists accumulate.
    pub(super) fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::MinSm(_)
                | Value::Revisions(_)
                | Value::Outcome(_)
                | Value::RunFailWith(_)
                | Value::RunFailFinding(_)
                | Value::ExitCode(_)
                | Value::FloatTolerance(_)
                | Value::Timeout(_)
                | Value::CompileTimeout(_)
                | Value::KnownBug(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::directives::test_support::{error, ok, sm};

    #[test]
    fn backend_gating() {
        let d = ok("//@ only-backend: builtin, cuda-oxide\n//@ ignore-backend: rust_cuda");
        assert_eq!(d.backend_filter("builtin"), Ok(()));
        assert_eq!(d.backend_filter("cuda-oxide"), Ok(()));
        assert_eq!(
            d.backend_filter("other"),
            Err("only-backend: builtin cuda-oxide (backend is other)".into())
        );
        assert_eq!(
            d.backend_filter("rust_cuda"),
            Err("ignore-backend: rust_cuda".into())
        );
        let d = ok("//@ ignore-backend: cuda-oxide");
        assert_eq!(d.backend_filter("builtin"), Ok(()));
        assert!(d.backend_filter("cuda-oxide").is_err());
        assert_eq!(ok("//@ check-pass").backend_filter("anything"), Ok(()));
    }

    #[test]
    fn every_directive() {
        let d = ok(r#"
//@ sm: 75 80 90a
//@ min-sm: 80
//@ only-sm: sm_80, sm_90a
//@ ignore-sm: 90
//@ compile-flags: -C opt-level=3
//@ compile-flags: --cfg "feature=\"x y\""
//@ run-fail
//@ stages: mir, ptx ptxas
//@ normalize-ptx: "\d+" -> "N"
//@ normalize-stderr: "at \"(.*)\"" -> "at $1"
//@ stdout: hello
//@ stdout:   indented
//@ stdout:
//@ exit-code: -3
//@ float-tolerance: rel 1e-5
//@ timeout: 500ms
//@ known-bug: #123 shuffles miscompile
fn main() {}
"#);
        assert_eq!(d.revision, None);
        assert_eq!(d.sm, Some(vec![sm("75"), sm("80"), sm("90a")]));
        assert_eq!(d.min_sm, Some(80));
        assert_eq!(d.only_sm, Some(vec![sm("80"), sm("90a")]));
        assert_eq!(d.ignore_sm, vec![sm("90")]);
        assert_eq!(
            d.compile_flags,
            ["-C", "opt-level=3", "--cfg", "feature=\"x y\""]
        );
        assert_eq!(d.outcome, Some(Outcome::RunFail));
        assert_eq!(
            d.stages,
            Some(vec!["mir".into(), "ptx".into(), "ptxas".into()])
        );
        assert_eq!(d.normalize.len(), 2);
        assert_eq!(d.normalize[0].line, 10);
        assert_eq!(d.normalize[0].stage, "ptx");
        assert_eq!(
            d.normalize[0]
                .regex
                .replace_all("r12 r345", &d.normalize[0].replacement),
            "rN rN"
        );
        assert_eq!(d.normalize[1].stage, "stderr");
        assert_eq!(d.normalize[1].regex.as_str(), r#"at "(.*)""#);
        assert_eq!(
            d.normalize[1]
                .regex
                .replace_all(r#"at "x.rs""#, &d.normalize[1].replacement),
            "at x.rs"
        );
        assert_eq!(
            d.stdout,
            Some(vec!["hello".into(), "  indented".into(), String::new()])
        );
        assert_eq!(d.exit_code, Some(-3));
        assert_eq!(d.float_tolerance, Some(FloatTolerance::Relative(1e-5)));
        assert_eq!(d.timeout, Some(Duration::from_millis(500)));
        assert_eq!(d.known_bug.as_deref(), Some("#123 shuffles miscompile"));
    }

    #[test]
    fn each_outcome_and_other_values() {
        for (name, o) in [
            ("check-pass", Outcome::CheckPass),
            ("build-pass", Outcome::BuildPass),
            ("build-fail", Outcome::BuildFail),
            ("run-pass", Outcome::RunPass),
            ("run-fail", Outcome::RunFail),
        ] {
            assert_eq!(ok(&format!("//@ {name}\n")).outcome, Some(o));
            assert_eq!(o.name(), name);
            assert_eq!(o.runs(), name.starts_with("run"));
        }
        assert_eq!(
            ok("//@ float-tolerance: ulp 4").float_tolerance,
            Some(FloatTolerance::Ulp(4))
        );
        assert_eq!(
            ok("//@ timeout: 30s").timeout,
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            ok("//@ timeout: 2m").timeout,
            Some(Duration::from_secs(120))
        );
        let d = ok("//@ compile-timeout: 120s");
        assert_eq!(d.compile_timeout, Some(Duration::from_secs(120)));
        assert_eq!(d.timeout, None);
        assert_eq!(
            error("//@ compile-timeout: 0s").message,
            "timeout must be greater than zero"
        );
        assert_eq!(
            error("//@ compile-timeout: 1s\n//@ compile-timeout: 2s").message,
            "duplicate `compile-timeout` directive (first at line 1)"
        );
        assert_eq!(ok("//@ min-sm: sm_90").min_sm, Some(90));
        assert_eq!(
            ok("//@ sm: sm_75, sm_80").sm,
            Some(vec![sm("75"), sm("80")])
        );
        // Every normalize stage is a directive, and nothing else is.
        for stage in NORMALIZE_STAGES {
            let d = ok(&format!("//@ normalize-{stage}: \"a\" -> \"b\""));
            assert_eq!(d.normalize[0].stage, *stage);
        }
        assert_eq!(
            known_directives()
                .filter(|n| n.starts_with("normalize-"))
                .count(),
            NORMALIZE_STAGES.len()
        );
        let d = ok("");
        assert!(d.sm.is_none() && d.outcome.is_none() && d.stdout.is_none());
    }

    #[test]
    fn sm_filter_gates_targets() {
        let d = ok("//@ min-sm: 80\n//@ ignore-sm: 90\n");
        assert_eq!(
            d.sm_filter(sm("75")),
            Err("min-sm: 80 (target is sm_75)".into())
        );
        assert_eq!(d.sm_filter(sm("90")), Err("ignore-sm: sm_90".into()));
        assert_eq!(d.sm_filter(sm("80")), Ok(()));
        // `min-sm` compares numbers, so suffixed targets at or above it pass.
        assert_eq!(d.sm_filter(sm("90a")), Ok(()));

        let d = ok("//@ only-sm: 90a");
        assert_eq!(d.sm_filter(sm("90a")), Ok(()));
        assert_eq!(d.sm_filter(sm("90")), Err("only-sm: sm_90a".into()));

        let d = ok("//@ sm: 80 90\n//@ ignore-sm: 80");
        assert_eq!(d.sm_filter(sm("80")), Err("ignore-sm: sm_80".into()));
        assert_eq!(d.sm_filter(sm("90")), Ok(()));
        assert_eq!(
            d.sm_filter(sm("100")),
            Err("sm: sm_80 sm_90 (target is sm_100)".into())
        );
        assert_eq!(ok("").sm_filter(sm("75")), Ok(()));
    }
}

//! The `//@` directives of a test file, parsed into typed settings.
//!
//! The syntax is compiletest's: `//@ name`, `//@ name: value` and
//! `//@[rev1,rev2] name: value`, on lines that start (after indentation) with
//! exactly `//@`. Directives may appear anywhere in the file. Every problem is
//! reported at its line and column with the offending text underlined, and
//! parsing goes on after an error so that one run shows all of them.
//!
//! Merging rule for revisions: a revision-scoped value is merged over the
//! unscoped ones, lists appending in file order and scalars overriding. The
//! expected outcome is the exception: a revision has exactly one, whichever
//! scope states it, because an outcome silently overridden is a test that
//! checks something other than what its header says.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ptx_backend::sm::SmTarget;
use regex::Regex;

/// Stage dumps that `stages:` can snapshot, in pipeline order.
pub const STAGES: &[&str] = &["mir", "llvm-ir", "llvm-ir-opt", "ptx", "ptxas", "sass"];

thread_local! {
    /// The backend's own stages while [`Directives::parse_with_stages`] runs
    /// (the directive handlers take only the directive).
    static CUSTOM_STAGES: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// What `normalize-<stage>` can rewrite: the stage dumps plus stderr and stdout.
pub const NORMALIZE_STAGES: &[&str] = &[
    "mir",
    "llvm-ir",
    "llvm-ir-opt",
    "ptx",
    "ptxas",
    "sass",
    "stderr",
    "stdout",
];

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

/// The directives of one test file.
#[derive(Clone, Debug)]
pub struct Directives {
    path: PathBuf,
    revisions: Vec<String>,
    entries: Vec<Entry>,
}

impl Directives {
    /// Parses the directives of a test file. `path` is only used in error messages.
    pub fn parse(path: &Path, source: &str) -> Result<Directives, DirectiveErrors> {
        Self::parse_with_stages(path, source, &[])
    }

    /// [`Directives::parse`] for a backend that defines stages of its own
    /// (`custom_stages`, e.g. an external backend's `dialect-mir`): `stages:`
    /// accepts those names too; any other unknown stage is still an error
    /// at its line.
    pub fn parse_with_stages(
        path: &Path,
        source: &str,
        custom_stages: &[String],
    ) -> Result<Directives, DirectiveErrors> {
        CUSTOM_STAGES.with(|c| *c.borrow_mut() = custom_stages.to_vec());
        let result = Self::parse_inner(path, source);
        CUSTOM_STAGES.with(|c| c.borrow_mut().clear());
        result
    }

    fn parse_inner(path: &Path, source: &str) -> Result<Directives, DirectiveErrors> {
        let lines: Vec<&str> = source.lines().collect();
        let mut p = Parser {
            path,
            lines: &lines,
            errors: Vec::new(),
        };
        let mut raws = Vec::new();
        for (i, text) in lines.iter().enumerate() {
            match lex(i + 1, text) {
                None => {}
                Some(Ok(raw)) => raws.push(raw),
                Some(Err(d)) => p.report(i + 1, d),
            }
        }

        // `revisions:` may come after the `//@[rev]` lines that use them, so
        // it is read before everything else.
        let mut revisions: Vec<String> = Vec::new();
        let mut revisions_line: Option<usize> = None;
        for raw in raws.iter().filter(|r| r.name == "revisions") {
            if let Some(scope) = &raw.scope {
                p.report(
                    raw.line,
                    Diag::new(scope.span.clone(), "`revisions` can't be revision-scoped")
                        .help("declare all revisions in one unscoped `//@ revisions: …` line"),
                );
                continue;
            }
            let Some(Value::Revisions(names)) = p.interpret(raw, spec("revisions")) else {
                continue;
            };
            match revisions_line {
                Some(first) => p.report(
                    raw.line,
                    Diag::new(
                        raw.name_span.clone(),
                        format!("duplicate `revisions` directive (first at line {first})"),
                    )
                    .help("declare all revisions in one `//@ revisions: …` line"),
                ),
                None => {
                    revisions = names;
                    revisions_line = Some(raw.line);
                }
            }
        }

        let mut entries = Vec::new();
        for raw in raws.iter().filter(|r| r.name != "revisions") {
            let Some(spec) = DIRECTIVES.iter().find(|s| s.name == raw.name) else {
                let names: Vec<&str> = DIRECTIVES.iter().map(|s| s.name).collect();
                let help = match nearest(raw.name, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known directives: {}", names.join(", ")),
                };
                p.report(
                    raw.line,
                    Diag::new(
                        raw.name_span.clone(),
                        format!("unknown directive `{}`", raw.name),
                    )
                    .help(help),
                );
                continue;
            };
            let scope = raw.scope.as_ref().map(|scope| {
                let mut valid = Vec::new();
                for (name, span) in &scope.names {
                    if revisions.iter().any(|r| r == name) {
                        valid.push(name.to_string());
                    } else {
                        p.report(raw.line, undeclared_revision(name, span, &revisions));
                    }
                }
                valid
            });
            // The value is checked even when the scope is wrong, so that one
            // run reports both problems.
            let Some(value) = p.interpret(raw, spec) else {
                continue;
            };
            if scope.as_ref().is_some_and(Vec::is_empty) {
                continue;
            }
            entries.push(Entry {
                line: raw.line,
                name_span: raw.name_span.clone(),
                scope,
                value,
            });
        }

        p.check_single_values(&entries, &revisions);
        let directives = Directives {
            path: path.to_path_buf(),
            revisions,
            entries,
        };
        p.check_consistency(&directives);

        if p.errors.is_empty() {
            Ok(directives)
        } else {
            let mut errors = p.errors;
            // The per-revision checks can find one directive wrong several
            // times over; one report per spot is enough.
            errors.sort_by_key(|e| (e.line, e.column));
            errors.dedup_by_key(|e| (e.line, e.column));
            Err(DirectiveErrors(errors))
        }
    }

    /// The settings in force for one revision (`None` = the file has no
    /// revisions, or only the unscoped settings are wanted). Revision-scoped
    /// values are merged over the unscoped ones: lists append in file order,
    /// scalars override. An undeclared revision gets the unscoped settings.
    pub fn for_revision(&self, rev: Option<&str>) -> RevisionDirectives {
        self.merge(rev).0
    }

    /// The revisions declared with `revisions:`, in declaration order.
    pub fn revisions(&self) -> &[String] {
        &self.revisions
    }

    /// The settings of every revision, or the single unrevisioned set when the
    /// file declares none.
    pub fn each_revision(&self) -> Vec<RevisionDirectives> {
        if self.revisions.is_empty() {
            vec![self.for_revision(None)]
        } else {
            self.revisions
                .iter()
                .map(|r| self.for_revision(Some(r)))
                .collect()
        }
    }

    /// The path given to [`Directives::parse`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Folds the entries that apply to `rev` and remembers, per directive,
    /// the entry that decided it (for error messages about the merged result).
    fn merge(&self, rev: Option<&str>) -> (RevisionDirectives, HashMap<&'static str, &Entry>) {
        let mut out = RevisionDirectives {
            revision: rev.map(str::to_string),
            ..RevisionDirectives::default()
        };
        let mut origin: HashMap<&'static str, &Entry> = HashMap::new();
        let mut set_by_scope: Vec<&'static str> = Vec::new();
        for e in &self.entries {
            let scoped = match &e.scope {
                None => false,
                Some(revs) if rev.is_some_and(|r| revs.iter().any(|x| x == r)) => true,
                Some(_) => continue,
            };
            let key = e.value.key();
            if e.value.is_scalar() {
                // Entries come in file order, so an unscoped scalar below a
                // scoped one must not undo the override.
                if !scoped && set_by_scope.contains(&key) {
                    continue;
                }
                if scoped {
                    set_by_scope.push(key);
                }
                origin.insert(key, e);
            } else {
                origin.entry(key).or_insert(e);
            }
            match &e.value {
                Value::Sm(t) => extend_unique(out.sm.get_or_insert_with(Vec::new), t),
                Value::OnlySm(t) => extend_unique(out.only_sm.get_or_insert_with(Vec::new), t),
                Value::IgnoreSm(t) => extend_unique(&mut out.ignore_sm, t),
                Value::OnlyBackend(b) => {
                    extend_unique(out.only_backend.get_or_insert_with(Vec::new), b)
                }
                Value::IgnoreBackend(b) => extend_unique(&mut out.ignore_backend, b),
                Value::Stages(s) => extend_unique(out.stages.get_or_insert_with(Vec::new), s),
                Value::CompileFlags(f) => out.compile_flags.extend(f.iter().cloned()),
                Value::HostCompileFlags(f) => out.host_compile_flags.extend(f.iter().cloned()),
                Value::Normalize(r) => out.normalize.push(r.clone()),
                Value::Stdout(s) => out.stdout.get_or_insert_with(Vec::new).push(s.clone()),
                Value::MinSm(n) => out.min_sm = Some(*n),
                Value::Outcome(o) => {
                    out.outcome = Some(*o);
                    out.cuda_error = None;
                }
                Value::RunFailWith(name) => {
                    out.outcome = Some(Outcome::RunFail);
                    out.cuda_error = Some(name.clone());
                }
                Value::RunFailStderr(re) => out.stderr_patterns.push(re.clone()),
                Value::ErrorPattern(p) => out.error_patterns.push(p.clone()),
                Value::ExitCode(c) => out.exit_code = Some(*c),
                Value::FloatTolerance(t) => out.float_tolerance = Some(*t),
                Value::Timeout(t) => out.timeout = Some(*t),
                Value::CompileTimeout(t) => out.compile_timeout = Some(*t),
                Value::KnownBug(s) => out.known_bug = Some(s.clone()),
                Value::Revisions(_) => {}
            }
        }
        (out, origin)
    }
}

fn extend_unique<T: PartialEq + Clone>(list: &mut Vec<T>, items: &[T]) {
    for item in items {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

/// Every error found in a file, in line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectiveErrors(pub Vec<DirectiveError>);

impl fmt::Display for DirectiveErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectiveErrors {}

/// One problem with a directive, rendered like a rustc diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectiveError {
    /// The test file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters, of the start of the offending text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, often a suggestion such as "did you mean `min-sm`?".
    pub help: Option<String>,
    /// The text of the line, shown in the rendering.
    pub source_line: String,
    /// How many characters, from `column`, the caret underlines (at least 1).
    pub span_len: usize,
}

impl fmt::Display for DirectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pad = " ".repeat(self.line.to_string().len() + 1);
        // rustc shows a tab as four spaces; the caret has to move with it.
        let width = |c: char| if c == '\t' { 4 } else { 1 };
        let before: usize = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1))
            .map(width)
            .sum();
        let under: usize = self
            .source_line
            .chars()
            .skip(self.column.saturating_sub(1))
            .take(self.span_len)
            .map(width)
            .sum::<usize>()
            // A span at the end of the line (a missing `->`) still gets a caret.
            .max(1);
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{pad}--> {}:{}:{}",
            self.path.display(),
            self.line,
            self.column
        )?;
        writeln!(f, "{pad} |")?;
        writeln!(
            f,
            " {} | {}",
            self.line,
            self.source_line.replace('\t', "    ")
        )?;
        write!(f, "{pad} | {}{}", " ".repeat(before), "^".repeat(under))?;
        if let Some(help) = &self.help {
            write!(f, "\n{pad} = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectiveError {}

// ---------------------------------------------------------------------------
// The directive table.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
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

type Handler = fn(&Raw<'_>) -> Result<Value, Vec<Diag>>;

struct Spec {
    name: &'static str,
    arg: Arg,
    /// Shown in "write it as …" help.
    example: &'static str,
    handler: Handler,
}

/// Every known directive. `normalize-<stage>` is spelled out per stage so
/// that the known set is explicit and typos get a suggestion like any other.
const DIRECTIVES: &[Spec] = &[
    Spec {
        name: "sm",
        arg: Arg::Required,
        example: "//@ sm: 75 80 90a",
        handler: |r| sm_list(r).map(Value::Sm),
    },
    Spec {
        name: "min-sm",
        arg: Arg::Required,
        example: "//@ min-sm: 80",
        handler: min_sm,
    },
    Spec {
        name: "only-sm",
        arg: Arg::Required,
        example: "//@ only-sm: 90a",
        handler: |r| sm_list(r).map(Value::OnlySm),
    },
    Spec {
        name: "ignore-sm",
        arg: Arg::Required,
        example: "//@ ignore-sm: 75",
        handler: |r| sm_list(r).map(Value::IgnoreSm),
    },
    Spec {
        name: "only-backend",
        arg: Arg::Required,
        example: "//@ only-backend: builtin",
        handler: |r| backend_list(r).map(Value::OnlyBackend),
    },
    Spec {
        name: "ignore-backend",
        arg: Arg::Required,
        example: "//@ ignore-backend: cuda-oxide",
        handler: |r| backend_list(r).map(Value::IgnoreBackend),
    },
    Spec {
        name: "revisions",
        arg: Arg::Required,
        example: "//@ revisions: fast slow",
        handler: revisions,
    },
    Spec {
        name: "compile-flags",
        arg: Arg::Required,
        example: "//@ compile-flags: -C opt-level=3",
        handler: |r| split_flags(r, "compile-flags").map(Value::CompileFlags),
    },
    Spec {
        name: "host-compile-flags",
        arg: Arg::Required,
        example: "//@ host-compile-flags: -Copt-level=0 --edition 2024",
        handler: |r| split_flags(r, "host-compile-flags").map(Value::HostCompileFlags),
    },
    Spec {
        name: "check-pass",
        arg: Arg::None,
        example: "//@ check-pass",
        handler: |_| Ok(Value::Outcome(Outcome::CheckPass)),
    },
    Spec {
        name: "build-pass",
        arg: Arg::None,
        example: "//@ build-pass",
        handler: |_| Ok(Value::Outcome(Outcome::BuildPass)),
    },
    Spec {
        name: "build-fail",
        arg: Arg::None,
        example: "//@ build-fail",
        handler: |_| Ok(Value::Outcome(Outcome::BuildFail)),
    },
    Spec {
        name: "run-pass",
        arg: Arg::None,
        example: "//@ run-pass",
        handler: |_| Ok(Value::Outcome(Outcome::RunPass)),
    },
    Spec {
        name: "run-fail",
        arg: Arg::Optional,
        example: "//@ run-fail` or `//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS",
        handler: run_fail,
    },
    Spec {
        name: "run-fail-stderr",
        arg: Arg::Required,
        example: "//@ run-fail-stderr: ptx-emu: .* at PTX line [0-9]+",
        handler: run_fail_stderr,
    },
    Spec {
        name: "error-pattern",
        arg: Arg::Required,
        example: "//@ error-pattern: unsupported library call operation",
        handler: |r| Ok(Value::ErrorPattern(r.value().1.to_string())),
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
        handler: normalize,
    },
    Spec {
        name: "normalize-llvm-ir",
        arg: Arg::Required,
        example: "//@ normalize-llvm-ir: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-llvm-ir-opt",
        arg: Arg::Required,
        example: "//@ normalize-llvm-ir-opt: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-ptx",
        arg: Arg::Required,
        example: "//@ normalize-ptx: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-ptxas",
        arg: Arg::Required,
        example: "//@ normalize-ptxas: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-sass",
        arg: Arg::Required,
        example: "//@ normalize-sass: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-stderr",
        arg: Arg::Required,
        example: "//@ normalize-stderr: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "normalize-stdout",
        arg: Arg::Required,
        example: "//@ normalize-stdout: \"regex\" -> \"replacement\"",
        handler: normalize,
    },
    Spec {
        name: "stdout",
        arg: Arg::Text,
        example: "//@ stdout: sum = 42",
        handler: stdout,
    },
    Spec {
        name: "exit-code",
        arg: Arg::Required,
        example: "//@ exit-code: 1",
        handler: exit_code,
    },
    Spec {
        name: "float-tolerance",
        arg: Arg::Required,
        example: "//@ float-tolerance: rel 1e-5",
        handler: float_tolerance,
    },
    Spec {
        name: "timeout",
        arg: Arg::Required,
        example: "//@ timeout: 30s",
        handler: timeout,
    },
    Spec {
        name: "compile-timeout",
        arg: Arg::Required,
        example: "//@ compile-timeout: 120s",
        handler: |r| match timeout(r)? {
            Value::Timeout(d) => Ok(Value::CompileTimeout(d)),
            other => Ok(other),
        },
    },
    Spec {
        name: "known-bug",
        arg: Arg::Required,
        example: "//@ known-bug: #123",
        handler: |r| Ok(Value::KnownBug(r.value().1.to_string())),
    },
];

fn spec(name: &str) -> &'static Spec {
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
enum Value {
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
    fn key(&self) -> &'static str {
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
            Value::Outcome(_) | Value::RunFailWith(_) => "outcome",
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
    fn outcome(&self) -> Option<Outcome> {
        match self {
            Value::Outcome(o) => Some(*o),
            Value::RunFailWith(_) => Some(Outcome::RunFail),
            _ => None,
        }
    }

    /// Scalars may be given once per scope; lists accumulate.
    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::MinSm(_)
                | Value::Revisions(_)
                | Value::Outcome(_)
                | Value::RunFailWith(_)
                | Value::ExitCode(_)
                | Value::FloatTolerance(_)
                | Value::Timeout(_)
                | Value::CompileTimeout(_)
                | Value::KnownBug(_)
        )
    }
}

#[derive(Clone, Debug)]
struct Entry {
    line: usize,
    name_span: Range<usize>,
    /// `None` for an unscoped directive, else the (declared) revisions it applies to.
    scope: Option<Vec<String>>,
    value: Value,
}

// ---------------------------------------------------------------------------
// Lexing: one `//@` line into its parts, with byte spans into the line.

struct Scope<'a> {
    /// `[` to `]` inclusive.
    span: Range<usize>,
    names: Vec<(&'a str, Range<usize>)>,
}

struct Raw<'a> {
    line: usize,
    text: &'a str,
    scope: Option<Scope<'a>>,
    name: &'a str,
    name_span: Range<usize>,
    /// Everything after the `:` and where it starts; `None` without a colon.
    after_colon: Option<(usize, &'a str)>,
    /// Where text follows the name without a colon (`//@ sm 80`).
    stray: Option<usize>,
}

impl Raw<'_> {
    /// The value with surrounding whitespace removed, and its start in the line.
    fn value(&self) -> (usize, &str) {
        match self.after_colon {
            Some((start, v)) => {
                let trimmed = v.trim_start();
                (start + (v.len() - trimmed.len()), trimmed.trim_end())
            }
            None => (self.text.len(), ""),
        }
    }

    fn value_span(&self) -> Range<usize> {
        let (start, v) = self.value();
        start..start + v.len()
    }
}

fn skip_ws(s: &str, from: usize) -> usize {
    from + (s[from..].len() - s[from..].trim_start().len())
}

fn lex(line: usize, text: &str) -> Option<Result<Raw<'_>, Diag>> {
    let indent = text.len() - text.trim_start().len();
    if !text[indent..].starts_with("//@") {
        return None;
    }
    let marker = indent..indent + 3;
    let mut pos = marker.end;
    let mut scope = None;
    if text[pos..].starts_with('[') {
        let open = pos;
        let Some(close) = text[open..].find(']').map(|i| open + i) else {
            return Some(Err(Diag::new(
                open..open + 1,
                "unclosed `[` in revision list",
            )
            .help("write `//@[rev] name: value`")));
        };
        let names = split_words(&text[open + 1..close], open + 1, |c| {
            c == ',' || c.is_whitespace()
        });
        if names.is_empty() {
            return Some(Err(Diag::new(open..close + 1, "empty revision list").help(
                "name the revisions, as in `//@[rev] name: value`, or drop the `[]`",
            )));
        }
        scope = Some(Scope {
            span: open..close + 1,
            names,
        });
        pos = close + 1;
    }
    let name_start = skip_ws(text, pos);
    let name_end = text[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or(text.len(), |i| name_start + i);
    if name_start == name_end {
        let d = match text[name_start..].chars().next() {
            None => Diag::new(marker.start..name_start, "empty directive")
                .help("write `//@ name` or `//@ name: value`; a plain comment starts with `// `"),
            Some(c) => Diag::new(
                name_start..name_start + c.len_utf8(),
                "expected a directive name after `//@`",
            )
            .help("write `//@ name` or `//@ name: value`"),
        };
        return Some(Err(d));
    }
    let colon = skip_ws(text, name_end);
    let (after_colon, stray) = if text[colon..].starts_with(':') {
        (Some((colon + 1, &text[colon + 1..])), None)
    } else if colon == text.len() {
        (None, None)
    } else {
        (None, Some(colon))
    };
    Some(Ok(Raw {
        line,
        text,
        scope,
        name: &text[name_start..name_end],
        name_span: name_start..name_end,
        after_colon,
        stray,
    }))
}

/// Splits on separators, keeping each word's byte span (shifted by `offset`).
fn split_words(s: &str, offset: usize, is_sep: impl Fn(char) -> bool) -> Vec<(&str, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if is_sep(c) {
            if let Some(st) = start.take() {
                out.push((&s[st..i], offset + st..offset + i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((&s[st..], offset + st..offset + s.len()));
    }
    out
}

// ---------------------------------------------------------------------------
// Diagnostics.

/// An error before it is tied to a file: a byte span into the line.
#[derive(Debug)]
struct Diag {
    span: Range<usize>,
    message: String,
    help: Option<String>,
}

impl Diag {
    fn new(span: Range<usize>, message: impl Into<String>) -> Diag {
        Diag {
            span,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
}

struct Parser<'a> {
    path: &'a Path,
    lines: &'a [&'a str],
    errors: Vec<DirectiveError>,
}

impl Parser<'_> {
    fn report(&mut self, line: usize, d: Diag) {
        let text = self.lines[line - 1];
        let start = d.span.start.min(text.len());
        let end = d.span.end.clamp(start, text.len());
        self.errors.push(DirectiveError {
            path: self.path.to_path_buf(),
            line,
            column: text[..start].chars().count() + 1,
            message: d.message,
            help: d.help,
            source_line: text.to_string(),
            span_len: text[start..end].chars().count().max(1),
        });
    }

    fn report_at(&mut self, e: &Entry, message: String, help: String) {
        self.report(e.line, Diag::new(e.name_span.clone(), message).help(help));
    }

    /// Checks the shape (value or not) and runs the handler, reporting any errors.
    fn interpret(&mut self, raw: &Raw<'_>, spec: &Spec) -> Option<Value> {
        let example = format!("write it as `{}`", spec.example);
        let shape_error = match (spec.arg, raw.stray, raw.after_colon) {
            (Arg::None, Some(at), _) => Some(Diag::new(
                at..raw.text.len(),
                format!("`{}` takes no value", raw.name),
            )),
            (Arg::None, None, Some((colon_end, _))) => {
                let span = if raw.value().1.is_empty() {
                    colon_end - 1..colon_end
                } else {
                    raw.value_span()
                };
                Some(Diag::new(span, format!("`{}` takes no value", raw.name)))
            }
            (_, Some(at), _) => Some(Diag::new(
                at..raw.text.len(),
                format!("expected `:` after `{}`", raw.name),
            )),
            (Arg::Required, None, _) if raw.value().1.is_empty() => Some(Diag::new(
                raw.name_span.clone(),
                format!("`{}` needs a value", raw.name),
            )),
            (Arg::Text, None, None) => Some(Diag::new(
                raw.name_span.clone(),
                format!("`{}` needs a value", raw.name),
            )),
            (Arg::Optional, None, Some((colon_end, _))) if raw.value().1.is_empty() => {
                Some(Diag::new(
                    colon_end - 1..colon_end,
                    format!("`{}:` needs a value after the `:`", raw.name),
                ))
            }
            _ => None,
        };
        if let Some(d) = shape_error {
            self.report(raw.line, d.help(example));
            return None;
        }
        match (spec.handler)(raw) {
            Ok(v) => Some(v),
            Err(diags) => {
                for d in diags {
                    self.report(raw.line, d);
                }
                None
            }
        }
    }

    /// Scalars once per scope, and one outcome per revision from any scope.
    fn check_single_values(&mut self, entries: &[Entry], revisions: &[String]) {
        let mut seen: HashMap<(Option<&str>, &'static str), &Entry> = HashMap::new();
        for e in entries {
            if !e.value.is_scalar() {
                continue;
            }
            let key = e.value.key();
            let slots: Vec<Option<&str>> = match &e.scope {
                Some(revs) => revs.iter().map(|r| Some(r.as_str())).collect(),
                // An unscoped outcome is every revision's outcome, so it
                // clashes with a scoped one as well.
                None if key == "outcome" && !revisions.is_empty() => {
                    revisions.iter().map(|r| Some(r.as_str())).collect()
                }
                None => vec![None],
            };
            for slot in slots {
                let Some(first) = seen.get(&(slot, key)).copied() else {
                    seen.insert((slot, key), e);
                    continue;
                };
                match (&first.value, &e.value) {
                    (a, b) if a.outcome().is_some() && b.outcome().is_some() => {
                        let (a, b) = (a.outcome().unwrap(), b.outcome().unwrap());
                        let both_unscoped = first.scope.is_none() && e.scope.is_none();
                        let (message, help) = match slot {
                            Some(rev) if !both_unscoped => (
                                format!(
                                    "two outcome directives for revision `{rev}`: `{b}` here and `{a}` at line {}",
                                    first.line
                                ),
                                format!(
                                    "an unscoped outcome applies to every revision; give each revision its own, e.g. `//@[{rev}] {b}`"
                                ),
                            ),
                            _ => (
                                format!(
                                    "two outcome directives: `{b}` here and `{a}` at line {}",
                                    first.line
                                ),
                                "a test has one expected outcome; remove one".to_string(),
                            ),
                        };
                        self.report_at(e, message, help);
                    }
                    _ => {
                        let scope = match slot {
                            Some(rev) => format!(" for revision `{rev}`"),
                            None => String::new(),
                        };
                        self.report_at(
                            e,
                            format!(
                                "duplicate `{key}` directive{scope} (first at line {})",
                                first.line
                            ),
                            format!("`{key}` takes one value; remove one of them"),
                        );
                    }
                }
                break;
            }
        }
    }

    /// Directives that contradict the outcome they end up with.
    fn check_consistency(&mut self, d: &Directives) {
        let views: Vec<Option<&str>> = if d.revisions.is_empty() {
            vec![None]
        } else {
            d.revisions.iter().map(|r| Some(r.as_str())).collect()
        };
        for view in views {
            let (merged, origin) = d.merge(view);
            let Some(outcome) = merged.outcome else {
                continue;
            };
            let subject = match view {
                Some(rev) => format!("revision `{rev}`"),
                None => "this test".to_string(),
            };
            let outcome_line = origin["outcome"].line;
            if let (Some(code), Some(e)) = (merged.exit_code, origin.get("exit-code")) {
                if outcome != Outcome::RunFail {
                    self.report_at(
                        e,
                        format!("`exit-code` only applies to `run-fail` tests, but {subject} is `{outcome}`"),
                        format!("the outcome is set at line {outcome_line}"),
                    );
                } else if code == 0 {
                    self.report_at(
                        e,
                        "a `run-fail` test can't expect exit code 0".to_string(),
                        "use `run-pass` for a program that exits with 0".to_string(),
                    );
                }
            }
            if outcome != Outcome::BuildFail {
                if let Some(e) = origin.get("error-pattern") {
                    self.report_at(
                        e,
                        format!("`error-pattern` only applies to `build-fail` tests, but {subject} is `{outcome}`"),
                        format!("the outcome is set at line {outcome_line}"),
                    );
                }
            }
            if outcome != Outcome::RunFail {
                if let Some(e) = origin.get("run-fail-stderr") {
                    self.report_at(
                        e,
                        format!("`run-fail-stderr` only applies to `run-fail` tests, but {subject} is `{outcome}`"),
                        format!("the outcome is set at line {outcome_line}"),
                    );
                }
            }
            if !outcome.runs() {
                for key in ["stdout", "float-tolerance"] {
                    if let Some(e) = origin.get(key) {
                        self.report_at(
                            e,
                            format!("`{key}` has no effect: {subject} is `{outcome}` and never runs"),
                            format!("use `run-pass` or `run-fail` (the outcome is set at line {outcome_line})"),
                        );
                    }
                }
            }
        }
    }
}

fn undeclared_revision(name: &str, span: &Range<usize>, declared: &[String]) -> Diag {
    let message = format!("revision `{name}` is not declared");
    if declared.is_empty() {
        return Diag::new(span.clone(), message).help(format!(
            "this file declares no revisions; add `//@ revisions: {name}` or remove the `[…]`"
        ));
    }
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match nearest(name, &names) {
        Some(s) => format!("did you mean `{s}`? the declared revisions are {list}"),
        None => format!("the declared revisions are {list}"),
    };
    Diag::new(span.clone(), message).help(help)
}

/// The candidate closest to `input`, if one is close enough to be a typo.
pub(crate) fn nearest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // `min_sm` and `MIN-SM` are the same mistake as a typo, so compare
    // case-folded with `_` and `-` as one.
    let fold = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let input = fold(input);
    let sorted_words = |s: &str| {
        let mut w: Vec<String> = s.split('-').map(str::to_string).collect();
        w.sort_unstable();
        w
    };
    // Word order is the usual slip (`sm-min`), and edit distance ranks it badly.
    if let Some(c) = candidates
        .iter()
        .find(|c| fold(c) == input || sorted_words(&fold(c)) == sorted_words(&input))
    {
        return Some(c);
    }
    candidates
        .iter()
        .filter_map(|c| {
            let folded = fold(c);
            let distance = strsim::damerau_levenshtein(&input, &folded);
            let limit = (input.len().max(folded.len()) / 3).max(1);
            let prefix = input.len() >= 2
                && folded.len() >= 2
                && (input.starts_with(&folded) || folded.starts_with(&input));
            (distance <= limit || prefix).then_some((distance, *c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

// ---------------------------------------------------------------------------
// Value handlers.

fn sm_list(raw: &Raw<'_>) -> Result<Vec<SmTarget>, Vec<Diag>> {
    let (start, v) = raw.value();
    let words = split_words(v, start, |c| c == ',' || c.is_whitespace());
    if words.is_empty() {
        return Err(vec![Diag::new(
            raw.value_span(),
            format!("`{}` needs at least one sm target", raw.name),
        )]);
    }
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for (word, span) in words {
        match word.parse::<SmTarget>() {
            Ok(t) if !targets.contains(&t) => targets.push(t),
            Ok(_) => {}
            Err(e) => errors.push(sm_error(span, &e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(targets)
    } else {
        Err(errors)
    }
}

/// `SmParseError`'s text is "what is wrong (did you mean …); known targets: …";
/// the list after the `; ` reads better as help than in the headline.
fn sm_error(span: Range<usize>, text: &str) -> Diag {
    match text.split_once("; ") {
        Some((message, help)) => Diag::new(span, message).help(help),
        None => Diag::new(span, text),
    }
}

/// Backend names as reports spell them (`builtin`, `cuda-oxide`): lowercase
/// letters, digits, `-` and `_`, separated by spaces or commas.
fn backend_list(raw: &Raw<'_>) -> Result<Vec<String>, Vec<Diag>> {
    let (start, v) = raw.value();
    let words = split_words(v, start, |c| c == ',' || c.is_whitespace());
    let mut names: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for (word, span) in words {
        let valid = word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            errors.push(
                Diag::new(span, format!("`{word}` is not a backend name")).help(
                    "backend names are the ones reports show, e.g. `builtin` or `cuda-oxide`",
                ),
            );
        } else if !names.iter().any(|n| n == word) {
            names.push(word.to_string());
        }
    }
    if names.is_empty() && errors.is_empty() {
        errors.push(Diag::new(
            raw.value_span(),
            format!("`{}` needs at least one backend name", raw.name),
        ));
    }
    if errors.is_empty() {
        Ok(names)
    } else {
        Err(errors)
    }
}

fn min_sm(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let span = raw.value_span();
    let v = raw.value().1;
    if v.split_whitespace().count() > 1 || v.contains(',') {
        return Err(vec![Diag::new(
            span,
            "`min-sm` takes one architecture number",
        )
        .help("write it as `//@ min-sm: 80`; use `only-sm` for a list")]);
    }
    let body = v
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("sm_"))
        .map_or(v, |_| &v[3..]);
    if let Some(number) = body.strip_suffix(['a', 'f', 'A', 'F']) {
        if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(vec![Diag::new(
                span,
                format!("`min-sm` compares architecture numbers, so `{v}` can't have a suffix"),
            )
            .help(format!(
                "write `//@ min-sm: {number}`, or `//@ only-sm: {v}` to run on that target only"
            ))]);
        }
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(vec![Diag::new(
            span,
            format!("`{v}` is not an architecture number"),
        )
        .help("write it as `//@ min-sm: 80`")]);
    }
    match format!("sm_{body}").parse::<SmTarget>() {
        Ok(t) => Ok(Value::MinSm(t.number)),
        Err(e) => Err(vec![sm_error(span, &e.to_string())]),
    }
}

fn revisions(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    let mut names: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for (word, span) in split_words(v, start, char::is_whitespace) {
        let is_ident = word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && word != "_";
        if !is_ident {
            let help = if word.ends_with(',') {
                "separate revisions with spaces, not commas"
            } else {
                "revisions are passed as `--cfg <name>`, so a name must be an identifier (ASCII letters, digits, `_`)"
            };
            errors.push(
                Diag::new(span, format!("revision name `{word}` is not an identifier")).help(help),
            );
        } else if names.iter().any(|n| n == word) {
            errors.push(
                Diag::new(span, format!("revision `{word}` is declared twice"))
                    .help("remove the duplicate"),
            );
        } else if word.to_ascii_lowercase().starts_with("sm_") && word.parse::<SmTarget>().is_ok() {
            // CHECK prefixes take both revision and sm names (`// sm_90-CHECK:`).
            errors.push(
                Diag::new(
                    span,
                    format!("revision `{word}` has the name of an sm target"),
                )
                .help("CHECK prefixes use both revision and sm names; pick another name"),
            );
        } else {
            names.push(word.to_string());
        }
    }
    if errors.is_empty() {
        Ok(Value::Revisions(names))
    } else {
        Err(errors)
    }
}

/// Splits a flags directive's value like a shell (`"` quotes, `\"` escapes).
fn split_flags(raw: &Raw<'_>, directive: &str) -> Result<Vec<String>, Vec<Diag>> {
    let (start, v) = raw.value();
    let mut flags = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = v.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            if in_word {
                flags.push(std::mem::take(&mut current));
                in_word = false;
            }
            continue;
        }
        // Even `""` is an argument, so being in a word is not `!current.is_empty()`.
        in_word = true;
        if c != '"' {
            current.push(c);
            continue;
        }
        loop {
            match chars.next() {
                None => {
                    return Err(vec![Diag::new(
                        start + i..start + v.len(),
                        format!("unterminated `\"` in `{directive}`"),
                    )
                    .help("close the quote; write `\\\"` for a quote inside one")])
                }
                Some((_, '"')) => break,
                Some((_, '\\')) if matches!(chars.peek(), Some((_, '"' | '\\'))) => {
                    current.push(chars.next().map_or('\\', |(_, c)| c));
                }
                Some((_, c)) => current.push(c),
            }
        }
    }
    if in_word {
        flags.push(current);
    }
    Ok(flags)
}

fn stages(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    let mut out: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let custom = CUSTOM_STAGES.with(|c| c.borrow().clone());
    let mut known: Vec<&str> = STAGES.to_vec();
    known.extend(custom.iter().map(String::as_str));
    for (word, span) in split_words(v, start, |c| c == ',' || c.is_whitespace()) {
        if known.contains(&word) {
            if !out.iter().any(|s| s == word) {
                out.push(word.to_string());
            }
            continue;
        }
        let help = match nearest(word, &known) {
            Some(s) => format!("did you mean `{s}`? stages are {}", known.join(", ")),
            None => format!("stages are {}", known.join(", ")),
        };
        errors.push(Diag::new(span, format!("unknown stage `{word}`")).help(help));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(vec![Diag::new(
            raw.value_span(),
            "`stages` needs at least one stage",
        )]);
    }
    Ok(Value::Stages(out))
}

/// A `"…"` string at `pos` in `s`: its unescaped text and the index after the
/// closing quote. `\"` and `\\` are escapes; any other backslash is kept, so
/// that regex escapes such as `\d` need no doubling.
fn quoted(s: &str, pos: usize) -> Result<(String, usize), QuoteError> {
    if !s[pos..].starts_with('"') {
        return Err(QuoteError::NotQuoted);
    }
    let mut out = String::new();
    let mut chars = s[pos + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, pos + 1 + i + 1)),
            '\\' if matches!(chars.peek(), Some((_, '"' | '\\'))) => {
                out.push(chars.next().map_or('\\', |(_, c)| c));
            }
            c => out.push(c),
        }
    }
    Err(QuoteError::Unterminated)
}

enum QuoteError {
    NotQuoted,
    Unterminated,
}

fn normalize(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let stage = raw
        .name
        .strip_prefix("normalize-")
        .expect("only normalize-* directives are routed here");
    let (start, v) = raw.value();
    let help = format!(
        "write it as `//@ {}: \"regex\" -> \"replacement\"`",
        raw.name
    );
    let at = |from: usize, to: usize| start + from..start + to;
    // The word at `i` (never whitespace: callers skip it first), for
    // "expected X, found this".
    let word_at = |i: usize| {
        let end = v[i..].find(char::is_whitespace).map_or(v.len(), |n| i + n);
        (&v[i..end], at(i, end))
    };
    let read = |pos: usize, what: &str| match quoted(v, pos) {
        Ok(r) => Ok(r),
        Err(QuoteError::NotQuoted) if pos == v.len() => Err(vec![Diag::new(
            at(pos, pos + 1),
            format!("expected a quoted {what} after `->`"),
        )
        .help(help.clone())]),
        Err(QuoteError::NotQuoted) => {
            let (word, span) = word_at(pos);
            Err(vec![Diag::new(
                span,
                format!("expected a quoted {what}, found `{word}`"),
            )
            .help(help.clone())])
        }
        Err(QuoteError::Unterminated) => Err(vec![Diag::new(
            at(pos, v.len()),
            format!("unterminated string in the {what}"),
        )
        .help("close the quote; write `\\\"` for a quote inside one")]),
    };
    let (pattern, pattern_end) = read(0, "regex")?;
    let arrow = skip_ws(v, pattern_end);
    if !v[arrow..].starts_with("->") {
        let d = if arrow == v.len() {
            Diag::new(at(arrow, arrow + 1), "expected `->` after the regex")
        } else {
            Diag::new(
                word_at(arrow).1,
                "expected `->` between the regex and the replacement",
            )
        };
        return Err(vec![d.help(help.clone())]);
    }
    let (replacement, replacement_end) = read(skip_ws(v, arrow + 2), "replacement")?;
    if replacement_end < v.len() {
        return Err(vec![Diag::new(
            at(replacement_end, v.len()),
            "unexpected text after the replacement",
        )
        .help(help.clone())]);
    }
    let regex = Regex::new(&pattern).map_err(|e| {
        vec![Diag::new(
            at(0, pattern_end),
            format!("invalid regex: {}", regex_error(&e)),
        )]
    })?;
    Ok(Value::Normalize(NormalizeRule {
        line: raw.line,
        stage: stage.to_string(),
        regex,
        replacement,
    }))
}

/// The regex crate renders syntax errors over several lines, with the pattern
/// and its own caret; the last line (`error: …`) is the part that fits a
/// one-line message, since our caret already points at the pattern.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    match text.lines().last().and_then(|l| l.strip_prefix("error: ")) {
        Some(short) => short.to_string(),
        None => text.lines().collect::<Vec<_>>().join(" "),
    }
}

fn stdout(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    // Leading spaces may be part of the output, so only the one space that
    // conventionally follows the colon is dropped; trailing whitespace is
    // invisible in the file and therefore never meant.
    let text = raw.after_colon.map_or("", |(_, v)| v);
    let text = text
        .strip_prefix(' ')
        .or_else(|| text.strip_prefix('\t'))
        .unwrap_or(text);
    Ok(Value::Stdout(text.trim_end().to_string()))
}

/// `run-fail` alone, or `run-fail: CUDA_ERROR_…` with a name the driver knows.
fn run_fail(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    if v.is_empty() {
        return Ok(Value::Outcome(Outcome::RunFail));
    }
    let words = split_words(v, start, char::is_whitespace);
    if words.len() != 1 {
        return Err(vec![Diag::new(
            raw.value_span(),
            format!("expected one CUDA error name, found `{v}`"),
        )
        .help("write `//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS`; match other stderr text with `//@ run-fail-stderr: <regex>`")]);
    }
    let known: Vec<&str> = host_runtime::CUDA_ERRORS
        .iter()
        .map(|e| e.name)
        .filter(|n| *n != "CUDA_SUCCESS")
        .collect();
    if known.contains(&v) {
        return Ok(Value::RunFailWith(v.to_string()));
    }
    let message = if v == "CUDA_SUCCESS" {
        "`CUDA_SUCCESS` is not a failure".to_string()
    } else {
        format!("`{v}` is not a CUDA error name")
    };
    let help = match nearest(v, &known) {
        Some(s) if v != "CUDA_SUCCESS" => format!("did you mean `{s}`?"),
        _ => "use a `CUresult` name from cuda.h, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`, \
              `CUDA_ERROR_ILLEGAL_INSTRUCTION`, `CUDA_ERROR_MISALIGNED_ADDRESS` or \
              `CUDA_ERROR_LAUNCH_FAILED`"
            .to_string(),
    };
    Err(vec![Diag::new(raw.value_span(), message).help(help)])
}

/// `run-fail-stderr: <regex>`, checked to compile.
fn run_fail_stderr(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let v = raw.value().1;
    match Regex::new(v) {
        Ok(_) => Ok(Value::RunFailStderr(v.to_string())),
        Err(e) => Err(vec![Diag::new(
            raw.value_span(),
            format!(
                "invalid regex: {}",
                e.to_string().lines().last().unwrap_or("")
            ),
        )
        .help(
            "the value is a regex (Rust `regex` syntax) that must match somewhere in stderr",
        )]),
    }
}

fn exit_code(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let v = raw.value().1;
    v.parse::<i32>().map(Value::ExitCode).map_err(|_| {
        vec![Diag::new(
            raw.value_span(),
            format!("`{v}` is not an integer exit code"),
        )
        .help("write it as `//@ exit-code: 1`")]
    })
}

fn float_tolerance(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    let help = "write `//@ float-tolerance: rel 1e-5` or `//@ float-tolerance: ulp 4`";
    let words = split_words(v, start, char::is_whitespace);
    let [(kind, kind_span), (amount, amount_span)] = words.as_slice() else {
        return Err(vec![Diag::new(
            raw.value_span(),
            format!("expected `rel <fraction>` or `ulp <count>`, found `{v}`"),
        )
        .help(help)]);
    };
    let (kind_span, amount_span) = (kind_span.clone(), amount_span.clone());
    match *kind {
        "rel" => match amount.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => {
                Ok(Value::FloatTolerance(FloatTolerance::Relative(x)))
            }
            Ok(_) => Err(vec![Diag::new(
                amount_span,
                format!("relative tolerance `{amount}` must be a positive finite number"),
            )
            .help(
                "a tolerance of 0 is exact comparison: remove `float-tolerance` instead",
            )]),
            Err(_) => Err(vec![Diag::new(
                amount_span,
                format!("`{amount}` is not a number"),
            )
            .help(help)]),
        },
        "ulp" => match amount.parse::<u64>() {
            Ok(0) => Err(vec![Diag::new(
                amount_span,
                "ulp tolerance must be at least 1",
            )
            .help(
                "a tolerance of 0 is exact comparison: remove `float-tolerance` instead",
            )]),
            Ok(n) => Ok(Value::FloatTolerance(FloatTolerance::Ulp(n))),
            Err(_) => Err(vec![Diag::new(
                amount_span,
                format!("`{amount}` is not a whole number of ulps"),
            )
            .help(help)]),
        },
        other => {
            let help = match nearest(other, &["rel", "ulp"]) {
                Some(s) => format!("did you mean `{s}`? {help}"),
                None => help.to_string(),
            };
            Err(vec![Diag::new(
                kind_span,
                format!("unknown tolerance kind `{other}`"),
            )
            .help(help)])
        }
    }
}

fn timeout(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let v = raw.value().1;
    let span = raw.value_span();
    let help = "write a whole number and a unit, `ms`, `s` or `m`: `500ms`, `30s`, `2m`";
    let digits = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(digits);
    let bad = |message: String| vec![Diag::new(span.clone(), message).help(help)];
    if number.is_empty() {
        return Err(bad(format!("invalid timeout `{v}`")));
    }
    let Ok(n) = number.parse::<u64>() else {
        return Err(bad(format!("timeout `{v}` is too large")));
    };
    let duration = match unit.trim_start() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => match n.checked_mul(60) {
            Some(secs) => Duration::from_secs(secs),
            None => return Err(bad(format!("timeout `{v}` is too large"))),
        },
        "" => {
            return Err(vec![Diag::new(span, format!("timeout `{v}` has no unit"))
                .help(format!(
                    "write `{v}s` for seconds or `{v}ms` for milliseconds"
                ))])
        }
        other => return Err(bad(format!("unknown timeout unit `{other}`"))),
    };
    if duration.is_zero() {
        return Err(vec![Diag::new(span, "timeout must be greater than zero")
            .help("remove `timeout` to use the suite's default")]);
    }
    Ok(Value::Timeout(duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Directives, DirectiveErrors> {
        Directives::parse(Path::new("tests/ptx-snapshots/foo.rs"), src)
    }

    fn ok(src: &str) -> RevisionDirectives {
        match parse(src) {
            Ok(d) => d.for_revision(None),
            Err(e) => panic!("unexpected errors:\n{e}"),
        }
    }

    fn errors(src: &str) -> Vec<DirectiveError> {
        match parse(src) {
            Ok(d) => panic!("expected errors, parsed {d:?}"),
            Err(e) => e.0,
        }
    }

    /// The single error of `src`.
    fn error(src: &str) -> DirectiveError {
        let mut errs = errors(src);
        assert_eq!(errs.len(), 1, "{}", DirectiveErrors(errs.clone()));
        errs.remove(0)
    }

    /// A backend's own stages are accepted in `stages:` when the backend
    /// defines them; without it they stay an error at their line.
    #[test]
    fn custom_stages_come_from_the_backend() {
        let src = "//@ stages: ptx dialect-mir\n";
        let path = Path::new("tests/ptx-snapshots/foo.rs");
        let custom = vec!["dialect-mir".to_string()];
        let d = Directives::parse_with_stages(path, src, &custom)
            .unwrap()
            .for_revision(None);
        assert_eq!(
            d.stages,
            Some(vec!["ptx".to_string(), "dialect-mir".to_string()])
        );
        let e = error(src);
        assert_eq!(e.message, "unknown stage `dialect-mir`");
        assert_eq!(e.line, 1);
        // A typo of a custom stage gets a suggestion from the backend's names.
        let e = Directives::parse_with_stages(path, "//@ stages: dialect-mri\n", &custom)
            .unwrap_err()
            .0
            .remove(0);
        assert_eq!(e.message, "unknown stage `dialect-mri`");
        assert!(
            help(&e).starts_with("did you mean `dialect-mir`?"),
            "{}",
            help(&e)
        );
        // The names do not leak into a later plain parse.
        assert!(parse(src).is_err());
    }

    fn sm(s: &str) -> SmTarget {
        s.parse().unwrap()
    }

    fn help(e: &DirectiveError) -> &str {
        e.help.as_deref().unwrap_or("")
    }

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
    fn error_patterns_belong_to_build_fail() {
        let d = ok("//@ build-fail\n//@ error-pattern: a b\n//@ error-pattern: c");
        assert_eq!(d.error_patterns, ["a b", "c"]);
        let e = error("//@ build-pass\n//@ error-pattern: x");
        assert!(
            e.message.contains("only applies to `build-fail` tests"),
            "{e}"
        );
    }

    #[test]
    fn backend_names_are_checked() {
        let e = error("//@ only-backend: Builtin");
        assert!(e.message.contains("`Builtin` is not a backend name"), "{e}");
        assert!(help(&e).contains("cuda-oxide"), "{e}");
        let e = error("//@ ignore-backnd: cuda-oxide");
        assert!(help(&e).contains("ignore-backend"), "{e}");
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
    fn compile_flags_split_like_a_shell() {
        let d = ok(r#"//@ compile-flags: -Cllvm-args="-a -b"  "" x\y "q\\"
//@ compile-flags: -O"#);
        assert_eq!(
            d.compile_flags,
            ["-Cllvm-args=-a -b", "", r"x\y", r"q\", "-O"]
        );
    }

    #[test]
    fn host_compile_flags_are_their_own_list() {
        let d =
            ok("//@ host-compile-flags: -Copt-level=0 --edition \"2024\"\n//@ compile-flags: -O");
        assert_eq!(d.host_compile_flags, ["-Copt-level=0", "--edition", "2024"]);
        assert_eq!(d.compile_flags, ["-O"]);
        assert_eq!(
            error(r#"//@ host-compile-flags: -C "oops"#).message,
            "unterminated `\"` in `host-compile-flags`"
        );
    }

    #[test]
    fn only_exact_directive_lines_count() {
        let d = ok(r#"
// @sm: 80
//  @ run-pass
/// @ run-pass
///@ run-pass
//! @ run-pass
let s = "//@ run-pass";
/* //@ run-pass */
fn main() {
    //@ build-pass
}
	//@sm:80
"#);
        assert_eq!(d.outcome, Some(Outcome::BuildPass));
        assert_eq!(d.sm, Some(vec![sm("80")]));
    }

    #[test]
    fn renders_like_rustc() {
        let e = error("fn a() {}\n\n//@ sm-min: 80\n");
        assert_eq!(
            e.to_string(),
            "error: unknown directive `sm-min`
  --> tests/ptx-snapshots/foo.rs:3:5
   |
 3 | //@ sm-min: 80
   |     ^^^^^^
   = help: did you mean `min-sm`?"
        );
    }

    #[test]
    fn rendering_handles_tabs_wide_lines_and_many_errors() {
        let src = format!(
            "{}\t//@ timeout: 3 sec\n//@ stages: ptx, asm",
            "\n".repeat(9)
        );
        let errs = errors(&src);
        assert_eq!(errs.len(), 2);
        let text = DirectiveErrors(errs).to_string();
        assert_eq!(
            text,
            "error: unknown timeout unit `sec`
   --> tests/ptx-snapshots/foo.rs:10:15
    |
 10 |     //@ timeout: 3 sec
    |                  ^^^^^
    = help: write a whole number and a unit, `ms`, `s` or `m`: `500ms`, `30s`, `2m`

error: unknown stage `asm`
   --> tests/ptx-snapshots/foo.rs:11:18
    |
 11 | //@ stages: ptx, asm
    |                  ^^^
    = help: stages are mir, llvm-ir, llvm-ir-opt, ptx, ptxas, sass"
        );
    }

    #[test]
    fn unknown_directives_get_suggestions() {
        for (typo, want) in [
            ("sm-min: 80", Some("min-sm")),
            ("min_sm: 80", Some("min-sm")),
            ("chek-pass", Some("check-pass")),
            ("compile-flag: -O", Some("compile-flags")),
            ("timout: 1s", Some("timeout")),
            ("compile-timout: 1s", Some("compile-timeout")),
            ("compile_timeout: 1s", Some("compile-timeout")),
            ("revision: a", Some("revisions")),
            (
                "normalize-stderr-test: \"a\" -> \"b\"",
                Some("normalize-stderr"),
            ),
            ("float-tol: ulp 1", Some("float-tolerance")),
            ("edition: 2021", None),
        ] {
            let e = error(&format!("//@ {typo}"));
            let name = typo.split(':').next().unwrap();
            assert_eq!(e.message, format!("unknown directive `{name}`"));
            assert_eq!((e.line, e.column, e.span_len), (1, 5, name.len()));
            match want {
                Some(w) => assert_eq!(help(&e), format!("did you mean `{w}`?"), "{typo}"),
                None => assert!(
                    help(&e).starts_with("known directives: sm, min-sm"),
                    "{typo}"
                ),
            }
        }
        // `check-stages` is not a directive either.
        assert_eq!(
            error("//@ check-stages: ptx").message,
            "unknown directive `check-stages`"
        );
        let e = error("//@ normalize-sas: \"a\" -> \"b\"");
        assert_eq!(e.message, "unknown directive `normalize-sas`");
        assert_eq!(help(&e), "did you mean `normalize-sass`?");
    }

    #[test]
    fn value_shape_errors() {
        let e = error("//@ run-pass\n//@ sm");
        assert_eq!((e.line, e.column), (2, 5));
        assert_eq!(e.message, "`sm` needs a value");
        assert_eq!(help(&e), "write it as `//@ sm: 75 80 90a`");
        assert_eq!(error("//@ timeout:   ").message, "`timeout` needs a value");
        assert_eq!(error("//@ stdout").message, "`stdout` needs a value");

        let e = error("//@ check-pass: yes");
        assert_eq!((e.column, e.span_len), (17, 3));
        assert_eq!(e.message, "`check-pass` takes no value");
        assert_eq!(help(&e), "write it as `//@ check-pass`");
        assert_eq!(error("//@ run-pass:").column, 13);
        assert_eq!(
            error("//@ run-pass yes").message,
            "`run-pass` takes no value"
        );

        let e = error("//@ sm 80");
        assert_eq!(e.message, "expected `:` after `sm`");
        assert_eq!(e.column, 8);
    }

    #[test]
    fn empty_and_malformed_markers() {
        let e = error("fn f() {}\n    //@\n");
        assert_eq!((e.line, e.column, e.span_len), (2, 5, 3));
        assert_eq!(e.message, "empty directive");
        assert!(help(&e).contains("`//@ name: value`"));
        assert_eq!(error("//@    ").message, "empty directive");
        assert_eq!(
            error("//@ :80").message,
            "expected a directive name after `//@`"
        );
        let e = error("//@[a run-pass");
        assert_eq!(
            (e.column, e.message.as_str()),
            (4, "unclosed `[` in revision list")
        );
        assert_eq!(error("//@[] run-pass").message, "empty revision list");
    }

    #[test]
    fn sm_errors_use_the_backend_text() {
        let e = error("//@ sm: 75 9O 80");
        assert_eq!((e.line, e.column, e.span_len), (1, 12, 2));
        assert_eq!(
            e.message,
            "`9O` is not a known sm target (did you mean `sm_90`?)"
        );
        assert!(help(&e).starts_with("known targets: sm_75 sm_80"));
        // One error per bad target, not just the first.
        let errs = errors("//@ only-sm: sm_9O sm_70\n//@ ignore-sm: banana");
        assert_eq!(errs.len(), 3);
        assert_eq!(
            errs[1].message,
            "`sm_70` is not a known sm target (did you mean `sm_75`?)"
        );
        assert_eq!(errs[2].line, 2);
        assert_eq!(
            error("//@ sm: ,").message,
            "`sm` needs at least one sm target"
        );
    }

    #[test]
    fn min_sm_errors() {
        let e = error("//@ min-sm: 90a");
        assert_eq!(
            e.message,
            "`min-sm` compares architecture numbers, so `90a` can't have a suffix"
        );
        assert!(help(&e).contains("`//@ min-sm: 90`"));
        assert_eq!(
            error("//@ min-sm: 80 90").message,
            "`min-sm` takes one architecture number"
        );
        assert_eq!(
            error("//@ min-sm: new").message,
            "`new` is not an architecture number"
        );
        let e = error("//@ min-sm: 70");
        assert_eq!(
            e.message,
            "`sm_70` is not a known sm target (did you mean `sm_75`?)"
        );
        assert!(help(&e).contains("sm_75 and newer"));
    }

    #[test]
    fn timeout_errors() {
        let e = error("//@ timeout: 30");
        assert_eq!(e.message, "timeout `30` has no unit");
        assert_eq!(
            help(&e),
            "write `30s` for seconds or `30ms` for milliseconds"
        );
        assert_eq!(
            error("//@ timeout: 30sec").message,
            "unknown timeout unit `sec`"
        );
        assert_eq!(error("//@ timeout: soon").message, "invalid timeout `soon`");
        assert_eq!(
            error("//@ timeout: 0s").message,
            "timeout must be greater than zero"
        );
        assert_eq!(
            error("//@ timeout: 99999999999999999999s").message,
            "timeout `99999999999999999999s` is too large"
        );
    }

    #[test]
    fn normalize_errors() {
        let e = error(r#"//@ normalize-ptx: "a" "b""#);
        assert_eq!(
            e.message,
            "expected `->` between the regex and the replacement"
        );
        assert_eq!((e.column, e.span_len), (24, 3));
        assert_eq!(
            help(&e),
            r#"write it as `//@ normalize-ptx: "regex" -> "replacement"`"#
        );
        assert_eq!(
            error(r#"//@ normalize-ptx: "a""#).message,
            "expected `->` after the regex"
        );
        let e = error(r#"//@ normalize-ptx: a -> "b""#);
        assert_eq!(e.message, "expected a quoted regex, found `a`");
        assert_eq!(e.column, 20);
        assert_eq!(
            error(r#"//@ normalize-ptx: "a" -> b"#).message,
            "expected a quoted replacement, found `b`"
        );
        assert_eq!(
            error(r#"//@ normalize-ptx: "a" ->"#).message,
            "expected a quoted replacement after `->`"
        );
        assert_eq!(
            error(r#"//@ normalize-ptx: "a" -> "b" c"#).message,
            "unexpected text after the replacement"
        );
        assert_eq!(
            error(r#"//@ normalize-ptx: "a" -> "b"#).message,
            "unterminated string in the replacement"
        );
        assert_eq!(
            error(r#"//@ normalize-ptx: "a\" -> "b"#).message,
            "expected `->` between the regex and the replacement"
        );

        let e = error(r#"//@ normalize-mir: "(\d+" -> "N""#);
        assert_eq!(e.message, "invalid regex: unclosed group");
        assert_eq!((e.column, e.span_len), (20, 6));
    }

    #[test]
    fn other_value_errors() {
        let e = error("//@ stages: mir ptx-as");
        assert_eq!(e.message, "unknown stage `ptx-as`");
        assert_eq!(e.column, 17);
        assert!(help(&e).starts_with("did you mean `ptxas`?"));
        assert_eq!(
            error("//@ exit-code: one").message,
            "`one` is not an integer exit code"
        );
        let e = error("//@ float-tolerance: relative 1e-3");
        assert_eq!(e.message, "unknown tolerance kind `relative`");
        assert!(help(&e).starts_with("did you mean `rel`?"));
        assert_eq!(
            error("//@ float-tolerance: 1e-3").message,
            "expected `rel <fraction>` or `ulp <count>`, found `1e-3`"
        );
        assert_eq!(
            error("//@ float-tolerance: rel -1").message,
            "relative tolerance `-1` must be a positive finite number"
        );
        assert_eq!(
            error("//@ float-tolerance: ulp 0").message,
            "ulp tolerance must be at least 1"
        );
        assert_eq!(
            error("//@ float-tolerance: ulp 1.5").message,
            "`1.5` is not a whole number of ulps"
        );
        assert_eq!(
            error(r#"//@ compile-flags: -C "oops"#).message,
            "unterminated `\"` in `compile-flags`"
        );
    }

    #[test]
    fn outcome_is_single_per_revision() {
        let e = error("//@ run-pass\nfn main() {}\n//@ build-pass");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "two outcome directives: `build-pass` here and `run-pass` at line 1"
        );

        let src = "//@ revisions: a b\n//@[a] build-fail\n//@ run-pass\n";
        let e = error(src);
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "two outcome directives for revision `a`: `run-pass` here and `build-fail` at line 2"
        );
        assert!(help(&e).contains("`//@[a] run-pass`"));

        let d = parse("//@ revisions: a b\n//@[a] build-fail\n//@[b] run-pass\n").unwrap();
        assert_eq!(d.for_revision(Some("a")).outcome, Some(Outcome::BuildFail));
        assert_eq!(d.for_revision(Some("b")).outcome, Some(Outcome::RunPass));
        assert_eq!(
            error("//@ revisions: a b\n//@[a,b] run-pass\n//@[b] check-pass").line,
            3
        );
    }

    #[test]
    fn scalars_once_per_scope() {
        let e = error("//@ timeout: 1s\n//@ timeout: 2s");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "duplicate `timeout` directive (first at line 1)")
        );
        let e = error("//@ revisions: a\n//@[a] known-bug: x\n//@[a] known-bug: y");
        assert_eq!(
            e.message,
            "duplicate `known-bug` directive for revision `a` (first at line 2)"
        );
        // A scoped scalar over an unscoped one is an override, not a duplicate.
        assert!(parse("//@ revisions: a\n//@ timeout: 1s\n//@[a] timeout: 2s").is_ok());
    }

    #[test]
    fn revision_errors() {
        let e = error("//@ revisions: fast slow\n//@[fsat] run-pass\n");
        assert_eq!((e.line, e.column, e.span_len), (2, 5, 4));
        assert_eq!(e.message, "revision `fsat` is not declared");
        assert_eq!(
            help(&e),
            "did you mean `fast`? the declared revisions are `fast`, `slow`"
        );
        let e = error("//@[a] run-pass");
        assert!(help(&e).contains("declares no revisions"));

        let e = error("//@ revisions: a b a");
        assert_eq!(
            (e.column, e.message.as_str()),
            (20, "revision `a` is declared twice")
        );
        assert_eq!(
            error("//@ revisions: a, b").message,
            "revision name `a,` is not an identifier"
        );
        assert_eq!(
            error("//@ revisions: 1st").message,
            "revision name `1st` is not an identifier"
        );
        assert_eq!(
            error("//@ revisions: sm_80").message,
            "revision `sm_80` has the name of an sm target"
        );
        let e = error("//@ revisions: a\n//@[a] revisions: b");
        assert_eq!((e.line, e.column), (2, 4));
        assert_eq!(e.message, "`revisions` can't be revision-scoped");
        assert_eq!(
            error("//@ revisions: a\n//@ revisions: b").message,
            "duplicate `revisions` directive (first at line 1)"
        );
        // Scope and value are both checked.
        assert_eq!(errors("//@[x] timeout: forever").len(), 2);
    }

    #[test]
    fn all_errors_are_reported() {
        let errs = errors("//@ sm-min: 80\n//@ run-pass: now\n//@ timeout: 5\n//@ stages: ptx\n//@ normalize-ptx: \"(\" -> \"\"");
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 5]);
    }

    #[test]
    fn contradictions_with_the_outcome() {
        let e = error("//@ build-pass\n//@ stdout: 1");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.message,
            "`stdout` has no effect: this test is `build-pass` and never runs"
        );
        let e = error("//@ run-pass\n//@ exit-code: 3");
        assert_eq!(
            e.message,
            "`exit-code` only applies to `run-fail` tests, but this test is `run-pass`"
        );
        assert_eq!(
            error("//@ run-fail\n//@ exit-code: 0").message,
            "a `run-fail` test can't expect exit code 0"
        );
        let e = error(
            "//@ revisions: a b\n//@ float-tolerance: ulp 2\n//@[a] run-pass\n//@[b] check-pass",
        );
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                2,
                "`float-tolerance` has no effect: revision `b` is `check-pass` and never runs"
            )
        );
        assert!(parse("//@ exit-code: 3\n//@ stdout: x").is_ok());
    }

    #[test]
    fn revisions_merge_over_unscoped_settings() {
        let d = parse(
            r#"//@[fast] compile-flags: -O
//@ revisions: fast slow
//@ compile-flags: --x
//@ sm: 80
//@[fast] sm: 90 80
//@ stdout: one
//@[slow] stdout: two
//@ stdout: three
//@[fast] timeout: 2s
//@ timeout: 10s
//@ min-sm: 80
//@[slow,fast] min-sm: 86
//@[slow] ignore-sm: 75
//@ normalize-ptx: "a" -> "b"
//@[fast] normalize-ptx: "c" -> "d"
//@ run-pass
"#,
        )
        .unwrap();
        assert_eq!(d.revisions(), ["fast", "slow"]);
        let fast = d.for_revision(Some("fast"));
        assert_eq!(fast.revision.as_deref(), Some("fast"));
        assert_eq!(fast.cfg_flags(), ["--cfg", "fast"]);
        assert_eq!(fast.compile_flags, ["-O", "--x"]);
        assert_eq!(fast.sm, Some(vec![sm("80"), sm("90")]));
        assert_eq!(fast.stdout, Some(vec!["one".into(), "three".into()]));
        assert_eq!(fast.timeout, Some(Duration::from_secs(2)));
        assert_eq!(fast.min_sm, Some(86));
        assert!(fast.ignore_sm.is_empty());
        assert_eq!(
            fast.normalize.iter().map(|r| r.line).collect::<Vec<_>>(),
            [14, 15]
        );
        assert_eq!(fast.outcome, Some(Outcome::RunPass));

        let slow = d.for_revision(Some("slow"));
        assert_eq!(slow.compile_flags, ["--x"]);
        assert_eq!(slow.sm, Some(vec![sm("80")]));
        assert_eq!(
            slow.stdout,
            Some(vec!["one".into(), "two".into(), "three".into()])
        );
        assert_eq!(slow.timeout, Some(Duration::from_secs(10)));
        assert_eq!(slow.ignore_sm, vec![sm("75")]);
        assert_eq!(slow.normalize.len(), 1);

        let base = d.for_revision(None);
        assert_eq!(base.revision, None);
        assert!(base.cfg_flags().is_empty());
        assert_eq!(base.min_sm, Some(80));
        assert_eq!(base.stdout, Some(vec!["one".into(), "three".into()]));
        assert_eq!(d.each_revision().len(), 2);
        assert_eq!(parse("").unwrap().each_revision().len(), 1);
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

    #[test]
    fn columns_count_characters() {
        let e = error("  //@ known-bug: ü\n//@ stages: ptx ärger");
        assert_eq!((e.line, e.column, e.span_len), (2, 17, 5));
        assert!(e.to_string().contains("\n   |                 ^^^^^"));
    }

    #[test]
    fn odd_input_never_panics() {
        let pieces = [
            "//@",
            "[",
            "]",
            "[ä]",
            "sm",
            "normalize-ptx",
            "stdout",
            "run-pass",
            ":",
            " ",
            "\t",
            "\"",
            "\\",
            "->",
            "ä",
            "é\"",
            "90a",
            ",",
            "revisions",
            "timeout",
            "9ms",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in ["", "ä", "\"", " x"] {
                        let line = format!("{a}{b}{c}{d}");
                        if let Err(e) = parse(&line) {
                            let _ = e.to_string();
                        }
                    }
                }
            }
        }
    }
    #[test]
    fn run_fail_can_pin_the_cuda_error_and_stderr() {
        let d = ok("//@ run-fail\n");
        assert_eq!(d.outcome, Some(Outcome::RunFail));
        assert_eq!(d.cuda_error, None);
        assert!(d.stderr_patterns.is_empty());

        let d = ok("//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS\n//@ exit-code: 1\n");
        assert_eq!(d.outcome, Some(Outcome::RunFail));
        assert_eq!(d.cuda_error.as_deref(), Some("CUDA_ERROR_ILLEGAL_ADDRESS"));
        assert_eq!(d.exit_code, Some(1));

        let d = ok("//@ run-fail\n//@ run-fail-stderr: ptx-emu: .* PTX line [0-9]+\n//@ run-fail-stderr: block \\(0,0,0\\)\n");
        assert_eq!(
            d.stderr_patterns,
            ["ptx-emu: .* PTX line [0-9]+", r"block \(0,0,0\)"]
        );
    }

    #[test]
    fn run_fail_cuda_error_names_are_checked_with_a_suggestion() {
        let e = error("//@ run-fail: CUDA_ERROR_ILEGAL_ADDRESS");
        assert_eq!(
            e.message,
            "`CUDA_ERROR_ILEGAL_ADDRESS` is not a CUDA error name"
        );
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_ILLEGAL_ADDRESS`?");
        assert_eq!((e.line, e.column), (1, 15));
        assert_eq!(e.span_len, "CUDA_ERROR_ILEGAL_ADDRESS".len());

        let e = error("//@ run-fail: cuda_error_illegal_instruction");
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_ILLEGAL_INSTRUCTION`?");
        let e = error("//@ run-fail: CUDA_ERROR_MISALIGNED_ADRESS");
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_MISALIGNED_ADDRESS`?");

        let e = error("//@ run-fail: segfault");
        assert_eq!(e.message, "`segfault` is not a CUDA error name");
        assert!(help(&e).contains("CUDA_ERROR_ILLEGAL_ADDRESS"), "{e}");
        let e = error("//@ run-fail: CUDA_SUCCESS");
        assert_eq!(e.message, "`CUDA_SUCCESS` is not a failure");
        let e = error("//@ run-fail: illegal address");
        assert!(e.message.starts_with("expected one CUDA error name"), "{e}");
        assert!(help(&e).contains("run-fail-stderr"), "{e}");
        let e = error("//@ run-fail:");
        assert_eq!(e.message, "`run-fail:` needs a value after the `:`");
        let e = error("//@ run-fail CUDA_ERROR_ILLEGAL_ADDRESS");
        assert_eq!(e.message, "expected `:` after `run-fail`");
    }

    #[test]
    fn run_fail_stderr_needs_run_fail_and_a_valid_regex() {
        let e = error("//@ run-pass\n//@ stdout: x\n//@ run-fail-stderr: boom");
        assert_eq!(
            e.message,
            "`run-fail-stderr` only applies to `run-fail` tests, but this test is `run-pass`"
        );
        let e = error("//@ run-fail\n//@ run-fail-stderr: (unclosed");
        assert!(e.message.starts_with("invalid regex"), "{e}");
        let e = error("//@ run-fail-sterr: x");
        assert_eq!(help(&e), "did you mean `run-fail-stderr`?");
        // One outcome per test, whichever spelling sets it.
        let e = error("//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS\n//@ run-pass");
        assert!(e.message.starts_with("two outcome directives"), "{e}");
    }

    #[test]
    fn revisions_can_pin_different_cuda_errors() {
        let d = parse(
            "//@ revisions: a b\n//@[a] run-fail: CUDA_ERROR_ILLEGAL_ADDRESS\n//@[b] run-fail\n//@[b] run-fail-stderr: trap\n",
        )
        .unwrap();
        let a = d.for_revision(Some("a"));
        let b = d.for_revision(Some("b"));
        assert_eq!(a.cuda_error.as_deref(), Some("CUDA_ERROR_ILLEGAL_ADDRESS"));
        assert!(a.stderr_patterns.is_empty());
        assert_eq!(b.cuda_error, None);
        assert_eq!(b.stderr_patterns, ["trap"]);
    }
}

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
//!
//! The parts: `spec` (the directive table and the types it fills), `lex`
//! (a line into a directive and its value) and `handlers` (each
//! directive's value, given the parse's `ParseCx`); this file runs a
//! parse, checks the directives against each other and merges revisions.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

mod handlers;
mod lex;
mod spec;

use handlers::ParseCx;
use lex::{lex, Raw};
pub use spec::{
    known_directives, FloatTolerance, NormalizeRule, Outcome, RevisionDirectives, NORMALIZE_STAGES,
    STAGES,
};
use spec::{spec, Arg, Spec, Value, DIRECTIVES};

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
        let cx = ParseCx {
            custom_stages: custom_stages.to_vec(),
        };
        Self::parse_inner(path, source, &cx)
    }

    fn parse_inner(path: &Path, source: &str, cx: &ParseCx) -> Result<Directives, DirectiveErrors> {
        let lines: Vec<&str> = source.lines().collect();
        let mut p = Parser {
            path,
            lines: &lines,
            cx,
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
                    out.sanitizer_finding = None;
                }
                Value::RunFailWith(name) => {
                    out.outcome = Some(Outcome::RunFail);
                    out.cuda_error = Some(name.clone());
                    out.sanitizer_finding = None;
                }
                Value::RunFailFinding(tool) => {
                    out.outcome = Some(Outcome::RunFail);
                    out.cuda_error = None;
                    out.sanitizer_finding = Some(*tool);
                }
                Value::Sanitize(set) => out.sanitize = out.sanitize.union(*set),
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

#[derive(Clone, Debug)]
struct Entry {
    line: usize,
    name_span: Range<usize>,
    /// `None` for an unscoped directive, else the (declared) revisions it applies to.
    scope: Option<Vec<String>>,
    value: Value,
}

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
    /// What the handlers get besides the directive.
    cx: &'a ParseCx,
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
        match (spec.handler)(self.cx, raw) {
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
            if let (Some(tool), Some(e)) = (merged.sanitizer_finding, origin.get("outcome")) {
                if !merged.sanitize.contains(tool) {
                    self.report_at(
                        e,
                        format!("`run-fail: {tool}` pins a finding of {tool}, but {subject} does not turn {tool} on"),
                        format!("add `//@ sanitize: {tool}`, so the test asks for the tool whatever the run's `--sanitize`"),
                    );
                }
            }
            if !outcome.runs() {
                for key in ["stdout", "float-tolerance", "sanitize"] {
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

pub(crate) use ptx_backend::suggest::nearest;

#[cfg(test)]
mod test_support {
    //! Parsing a test file's text, for the parts' tests.
    use std::path::Path;

    use ptx_backend::sm::SmTarget;

    use super::{DirectiveError, DirectiveErrors, Directives, RevisionDirectives};

    pub(super) fn parse(src: &str) -> Result<Directives, DirectiveErrors> {
        Directives::parse(Path::new("tests/ptx-snapshots/foo.rs"), src)
    }

    pub(super) fn ok(src: &str) -> RevisionDirectives {
        match parse(src) {
            Ok(d) => d.for_revision(None),
            Err(e) => panic!("unexpected errors:\n{e}"),
        }
    }

    pub(super) fn errors(src: &str) -> Vec<DirectiveError> {
        match parse(src) {
            Ok(d) => panic!("expected errors, parsed {d:?}"),
            Err(e) => e.0,
        }
    }

    /// The single error of `src`.
    pub(super) fn error(src: &str) -> DirectiveError {
        let mut errs = errors(src);
        assert_eq!(errs.len(), 1, "{}", DirectiveErrors(errs.clone()));
        errs.remove(0)
    }

    pub(super) fn sm(s: &str) -> SmTarget {
        s.parse().unwrap()
    }

    pub(super) fn help(e: &DirectiveError) -> &str {
        e.help.as_deref().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::test_support::{error, errors, help, ok, parse, sm};
    use super::*;

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

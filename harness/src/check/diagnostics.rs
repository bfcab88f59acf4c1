//! rustc diagnostics against a test's `//~` annotations (parsed when
//! planning, in `plan/annotations.rs`): reads rustc's `--error-format=json`
//! stderr back into its rendered text (the `.stderr` snapshot) and its
//! diagnostics, and matches the annotations against the diagnostics.
//!
//! The JSON is deserialized by `cargo_metadata`'s diagnostic types, not by
//! hand; the rules on top of them (which children an annotation may match,
//! at which line) are ours, since no maintained crate exports them: ui_test
//! keeps its reader inside ui_test.

use std::path::Path;

use crate::plan::annotations::{Annotation, Level};
use cargo_metadata::diagnostic as rustc_json;

/// rustc's stderr under `--error-format=json`, read back.
#[derive(Clone, Debug)]
pub struct RustcStderr {
    /// The text rustc prints without `--error-format=json`: each
    /// diagnostic's `rendered` text and every line that is not a diagnostic
    /// (an ICE's panic message, the driver's own output), in order. The
    /// `.stderr` snapshot is made from it.
    pub rendered: String,
    /// The diagnostics, as rustc emitted them.
    pub diagnostics: Vec<rustc_json::Diagnostic>,
}

/// Reads rustc's `--error-format=json` stderr: a line that starts with `{`
/// is a diagnostic and must deserialize as one (the types are
/// `cargo_metadata`'s); any other line is kept as text. A line that starts
/// like JSON but is no diagnostic is an error naming its line, never dropped.
pub fn read_json_stderr(stderr: &str) -> Result<RustcStderr, String> {
    // The lines are split here, not by `cargo_metadata::Message::parse_stream`:
    // that reads cargo's wrapped messages (tagged by `reason`), not rustc's
    // bare diagnostics, and turns a line that does not parse into text,
    // which would drop a broken diagnostic without a word.
    let mut rendered = String::new();
    let mut diagnostics = Vec::new();
    for (i, line) in stderr.split_inclusive('\n').enumerate() {
        if !line.starts_with('{') {
            rendered.push_str(line);
            continue;
        }
        let d: rustc_json::Diagnostic = serde_json::from_str(line).map_err(|e| {
            let shown: String = line.trim_end().chars().take(200).collect();
            format!(
                "line {} of rustc's stderr is not a JSON diagnostic ({e}): {shown}",
                i + 1
            )
        })?;
        match &d.rendered {
            Some(text) => rendered.push_str(text),
            None => {
                return Err(format!(
                    "line {} of rustc's stderr is a diagnostic without rendered text: {}",
                    i + 1,
                    d.message
                ))
            }
        }
        diagnostics.push(d);
    }
    Ok(RustcStderr {
        rendered,
        diagnostics,
    })
}

/// One diagnostic rustc reported, as annotations are matched against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Its level; a child (`= help:`, `note: …`) carries its own level.
    pub level: Level,
    /// The whole message (every line of it), without `error[E0001]: `.
    pub message: String,
    /// The line of its primary span in the test file; `None` when it has no
    /// span there.
    pub line: Option<usize>,
}

/// Flattens rustc's diagnostics into top-level diagnostics and their
/// children, in order. A diagnostic's line is that of its first primary
/// span in `source` (the path rustc was given), or, for a span a macro
/// expanded, of the first call site in `source`; rustc's dummy span is no
/// location. A child without spans (`= help: …`), or with no primary one,
/// takes its parent's line; a child with one (`note: the type is defined
/// here`) has its own. The summary (`aborting due to …`, `N warnings
/// emitted`) and failure notes (`For more information about this error,
/// …`) are no diagnostics to annotate.
pub fn flatten_diagnostics(
    diagnostics: &[rustc_json::Diagnostic],
    source: &Path,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for d in diagnostics {
        if is_summary(d) {
            continue;
        }
        push_flattened(d, None, source, &mut out);
    }
    out
}

fn is_summary(d: &rustc_json::Diagnostic) -> bool {
    d.spans.is_empty()
        && (d.message.starts_with("aborting due to")
            || d.message.ends_with("warnings emitted")
            || d.message.ends_with("warning emitted"))
}

fn push_flattened(
    d: &rustc_json::Diagnostic,
    parent_line: Option<usize>,
    source: &Path,
    out: &mut Vec<Diagnostic>,
) {
    let level = match d.level {
        rustc_json::DiagnosticLevel::Error | rustc_json::DiagnosticLevel::Ice => Level::Error,
        rustc_json::DiagnosticLevel::Warning => Level::Warn,
        rustc_json::DiagnosticLevel::Help => Level::Help,
        rustc_json::DiagnosticLevel::Note => Level::Note,
        // `For more information about this error, try rustc --explain`.
        _ => return,
    };
    let mut primary = d
        .spans
        .iter()
        .filter(|s| s.is_primary && !is_dummy(s))
        .peekable();
    let line = if primary.peek().is_none() {
        parent_line
    } else {
        primary.find_map(|s| line_in(s, source))
    };
    let message = match d.level {
        rustc_json::DiagnosticLevel::Ice => format!("internal compiler error: {}", d.message),
        _ => d.message.clone(),
    };
    out.push(Diagnostic {
        level,
        message,
        line,
    });
    for child in &d.children {
        push_flattened(child, line, source, out);
    }
}

/// rustc's `DUMMY_SP`: the JSON gives it as 1:1 of the crate root, but it
/// is no location, and rustc renders it as none (`cannot resolve a prelude
/// import` has no `-->`).
fn is_dummy(span: &rustc_json::DiagnosticSpan) -> bool {
    span.byte_start == 0 && span.byte_end == 0
}

/// The line of `span` in `source`, or of the first macro call site there.
fn line_in(span: &rustc_json::DiagnosticSpan, source: &Path) -> Option<usize> {
    if Path::new(&span.file_name) == source {
        return Some(span.line_start);
    }
    span.expansion
        .as_ref()
        .and_then(|e| line_in(&e.span, source))
}

/// Matches annotations against diagnostics. Every annotation must find a
/// diagnostic at its line and level containing its text, and every error and
/// warning must be annotated. Returns one line per problem.
pub fn match_diagnostics(annotations: &[Annotation], diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut used = vec![false; diagnostics.len()];
    let mut problems = Vec::new();
    for a in annotations {
        let found = diagnostics.iter().enumerate().position(|(i, d)| {
            !used[i] && d.level == a.level && d.line == a.line && d.message.contains(&a.text)
        });
        match found {
            Some(i) => used[i] = true,
            None => {
                let at = a
                    .line
                    .map(|l| format!("line {l}"))
                    .unwrap_or_else(|| "no location".into());
                problems.push(format!(
                    "expected {} at {at} containing `{}` (annotation on line {}), but none was reported",
                    a.level, a.text, a.written_at
                ));
            }
        }
    }
    for (i, d) in diagnostics.iter().enumerate() {
        if !used[i] && matches!(d.level, Level::Error | Level::Warn) {
            let at = d
                .line
                .map(|l| format!("line {l}"))
                .unwrap_or_else(|| "no location".into());
            let how = match d.line {
                Some(_) => "//~",
                None => "//~?",
            };
            let first_line = d.message.lines().next().unwrap_or_default();
            problems.push(format!(
                "unexpected {} at {at}: {}\n  (annotate it with `{how} {} {first_line}` if it is intended)",
                d.level, d.message, d.level
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::annotations::parse_annotations;

    #[test]
    fn parses_every_annotation_form() {
        let src = "fn a() {} //~ ERROR first\n\
                   //~^ WARN above\n\
                   //~| HELP same as previous\n\
                   //~v NOTE below\n\
                   fn b() {}\n\
                   //~? ERROR nowhere\n\
                   //[r1]~ ERROR only r1\n";
        let a = parse_annotations(src).unwrap();
        let got: Vec<_> = a
            .iter()
            .map(|a| (a.line, a.level, a.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), Level::Error, "first"),
                (Some(1), Level::Warn, "above"),
                (Some(1), Level::Help, "same as previous"),
                (Some(5), Level::Note, "below"),
                (None, Level::Error, "nowhere"),
                (Some(7), Level::Error, "only r1"),
            ]
        );
        assert_eq!(a[5].revision.as_deref(), Some("r1"));
    }

    #[test]
    fn malformed_annotations_are_errors_at_their_line() {
        let e = parse_annotations("x\n//~ ERRROR oops\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("needs a level"));
        assert_eq!(parse_annotations("//~^ ERROR x\n").unwrap_err().line, 1);
        assert!(parse_annotations("x //~ ERROR\n")
            .unwrap_err()
            .message
            .contains("needs the text"));
    }

    /// rustc's JSON for `testdata/<name>.rs` (compiled by ptx-rustc as the
    /// ui suite does, its folder then written as `/abs/tests/ui`), the
    /// human text it prints without `--error-format=json`, and the test's
    /// source. The `.rs` files are frozen copies (two of them of ui tests):
    /// the captured JSON holds their line numbers.
    struct Fixture {
        json: &'static str,
        human: &'static str,
        source: &'static str,
        path: &'static str,
    }

    macro_rules! fixture {
        ($name:literal) => {
            Fixture {
                json: include_str!(concat!("testdata/", $name, ".jsonl")),
                human: include_str!(concat!("testdata/", $name, ".stderr")),
                source: include_str!(concat!("testdata/", $name, ".rs")),
                path: concat!("/abs/tests/ui/", $name, ".rs"),
            }
        };
    }

    const ALL_SIX: Fixture = fixture!("all-six-checks");
    const MULTI_LINE: Fixture = fixture!("multi-line-messages");
    const IMPLICIT_STD: Fixture = fixture!("implicit-std");

    fn flattened(f: &Fixture) -> Vec<Diagnostic> {
        let stderr = read_json_stderr(f.json).unwrap();
        flatten_diagnostics(&stderr.diagnostics, Path::new(f.path))
    }

    #[test]
    fn the_rendered_text_is_what_rustc_prints_without_json() {
        for f in [&ALL_SIX, &MULTI_LINE, &IMPLICIT_STD] {
            assert_eq!(read_json_stderr(f.json).unwrap().rendered, f.human);
        }
    }

    #[test]
    fn lines_that_are_no_diagnostics_keep_their_place() {
        let json = MULTI_LINE.json.lines().next().unwrap();
        let stderr = format!("before\n{json}\nthread 'rustc' panicked\n{{ not json\n");
        let e = read_json_stderr(&stderr).unwrap_err();
        assert!(
            e.starts_with("line 4 of rustc's stderr is not a JSON diagnostic"),
            "{e}"
        );
        let stderr = format!("before\n{json}\nthread 'rustc' panicked\nno newline");
        let read = read_json_stderr(&stderr).unwrap();
        assert_eq!(read.diagnostics.len(), 1);
        assert!(read.rendered.starts_with("before\nerror: first line\n"));
        assert!(read
            .rendered
            .ends_with("\n\nthread 'rustc' panicked\nno newline"));
    }

    #[test]
    fn json_that_is_no_diagnostic_is_an_error_never_dropped() {
        // Cut short (as a 2 MiB output cap would cut it), and a message of
        // another kind (an artifact notification).
        let cut = &MULTI_LINE.json[..100];
        let artifact = r#"{"$message_type":"artifact","artifact":"x.rmeta","emit":"metadata"}"#;
        for line in [cut, artifact] {
            let e = read_json_stderr(&format!("{line}\n")).unwrap_err();
            assert!(
                e.starts_with("line 1 of rustc's stderr is not a JSON diagnostic"),
                "{e}"
            );
        }
    }

    #[test]
    fn children_take_their_own_line_or_their_parents() {
        let d = flattened(&ALL_SIX);
        let got: Vec<_> = d
            .iter()
            .map(|d| (d.level, d.line, d.message.as_str()))
            .collect();
        let at = |level, line, text: &str| {
            got.iter()
                .filter(|(l, n, m)| *l == level && *n == Some(line) && m.contains(text))
                .count()
        };
        // `= note:` and `= help:` children sit at their parent's line; the
        // `note: the type is defined here` child at its own span.
        assert_eq!(at(Level::Warn, 28, "`Loose`, which is not FFI-safe"), 1);
        assert_eq!(at(Level::Help, 28, "consider adding a `#[repr(C)]`"), 1);
        assert_eq!(at(Level::Note, 28, "improper_ctypes_definitions"), 1);
        assert_eq!(at(Level::Note, 12, "the type is defined here"), 1);
        assert_eq!(at(Level::Error, 21, "[gpu::kernel-"), 4);
        assert_eq!(at(Level::Error, 28, "[gpu::kernel-"), 2);
        // The summary is no diagnostic.
        assert!(
            !got.iter().any(|(_, _, m)| m.contains("aborting")),
            "{got:#?}"
        );
        assert_eq!(got.iter().filter(|(l, ..)| *l == Level::Error).count(), 6);
    }

    #[test]
    fn matching_requires_both_directions() {
        let d = flattened(&ALL_SIX);
        let ok = parse_annotations(ALL_SIX.source).unwrap();
        assert!(
            match_diagnostics(&ok, &d).is_empty(),
            "{:?}",
            match_diagnostics(&ok, &d)
        );
        // Blank the `//~|` lines (all but the first annotation of
        // `everything` and of `layout`) and point one at the wrong line.
        let source: String = ALL_SIX
            .source
            .lines()
            .map(|l| match l {
                l if l.starts_with("//~|") => String::new(),
                l => l.replace(
                    "//~^ ERROR gpu::kernel-params-too-large",
                    "//~^^ ERROR gpu::kernel-params-too-large",
                ),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let p = match_diagnostics(&parse_annotations(&source).unwrap(), &d);
        assert!(
            p[0].contains("expected ERROR at line 27 containing `gpu::kernel-params-too-large`"),
            "{p:#?}"
        );
        assert!(p
            .iter()
            .any(|m| m.contains("unexpected ERROR at line 21")
                && m.contains("[gpu::kernel-generic]")));
        assert!(
            p.iter()
                .any(|m| m
                    .contains("unexpected WARN at line 21: function `everything` is never used"))
        );
        assert!(p.iter().any(|m| m.contains("unexpected ERROR at line 28")
            && m.contains("gpu::kernel-params-too-large")));
        // The moved annotation finds nothing; four annotations of
        // `everything` and one of `layout` are gone, and the moved one's
        // error is now unannotated: 6 unexpected.
        assert_eq!(p.len(), 7, "{p:#?}");
    }

    /// Continuation lines of a message that look like rustc's own layout
    /// (`--> elsewhere.rs:1:1`, `error: …`, `= note: …`): read from the
    /// human text, they moved the error to no location and invented a note.
    #[test]
    fn multi_line_messages_keep_their_line_and_invent_nothing() {
        let d = flattened(&MULTI_LINE);
        let got: Vec<_> = d.iter().map(|d| (d.level, d.line)).collect();
        assert_eq!(
            got,
            vec![
                (Level::Error, Some(12)),
                (Level::Warn, Some(19)),
                (Level::Note, Some(19)),
            ]
        );
        assert_eq!(d[2].message, "`#[warn(deprecated)]` on by default");
        let a = parse_annotations(MULTI_LINE.source).unwrap();
        assert!(
            match_diagnostics(&a, &d).is_empty(),
            "{:?}",
            match_diagnostics(&a, &d)
        );
        // An unannotated multi-line message suggests its first line.
        let p = match_diagnostics(&[], &d);
        assert!(
            p[0].ends_with("(annotate it with `//~ ERROR first line` if it is intended)"),
            "{p:#?}"
        );
    }

    /// `cannot resolve a prelude import` comes with rustc's dummy span,
    /// which the JSON gives as 1:1 and rustc renders as no location.
    #[test]
    fn the_dummy_span_is_no_location() {
        let d = flattened(&IMPLICIT_STD);
        let errors: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            vec![
                (None, "can't find crate for `std`"),
                (None, "cannot resolve a prelude import"),
                (None, "`#[panic_handler]` function required, but not found"),
            ]
        );
        let a = parse_annotations(IMPLICIT_STD.source).unwrap();
        assert!(
            match_diagnostics(&a, &d).is_empty(),
            "{:?}",
            match_diagnostics(&a, &d)
        );
    }
}

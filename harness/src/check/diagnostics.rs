//! `//~` annotations and rustc diagnostics: parses the annotations of a ui
//! test, parses rustc's human-readable stderr, and matches the two.
//!
//! Written by hand rather than through `ui_test`: ui_test owns its runner and
//! its own `//@` parser, while our trials must run inside one libtest-mimic
//! plan per (test, revision, sm) that shares directives with the other
//! suites. The annotation syntax is compiletest's, so tests read the same.

use std::fmt;

use regex::Regex;

/// A diagnostic level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `error`.
    Error,
    /// `warning`.
    Warn,
    /// `help`.
    Help,
    /// `note`.
    Note,
}

impl Level {
    fn from_annotation(s: &str) -> Option<Level> {
        match s {
            "ERROR" => Some(Level::Error),
            "WARN" | "WARNING" => Some(Level::Warn),
            "HELP" => Some(Level::Help),
            "NOTE" => Some(Level::Note),
            _ => None,
        }
    }

    fn from_rustc(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warn),
            "help" => Some(Level::Help),
            "note" => Some(Level::Note),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Help => "HELP",
            Level::Note => "NOTE",
        })
    }
}

/// One expected diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The line of the annotation comment itself.
    pub written_at: usize,
    /// The line the diagnostic must point at; `None` for `//~?` (no location).
    pub line: Option<usize>,
    /// Its level.
    pub level: Level,
    /// A substring of the message.
    pub text: String,
    /// The revision it applies to (`//[rev]~ ERROR`), if any.
    pub revision: Option<String>,
}

/// A malformed annotation, at its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotationError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and how to write it.
    pub message: String,
}

/// Parses `//~ LEVEL text`, `//~^^ LEVEL text`, `//~| LEVEL text`,
/// `//~v LEVEL text`, `//~? LEVEL text` and `//[rev]~ …`.
pub fn parse_annotations(source: &str) -> Result<Vec<Annotation>, AnnotationError> {
    let re = Regex::new(r"//(?:\[([\w,-]+)\])?~(\||\^+|v+|\?)?\s*([A-Z]+)?\s*(.*)$").unwrap();
    let mut out: Vec<Annotation> = Vec::new();
    let mut previous_target: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let n = i + 1;
        let Some(c) = re.captures(line) else {
            previous_target = None;
            continue;
        };
        let Some(level) = c.get(3).and_then(|m| Level::from_annotation(m.as_str())) else {
            return Err(AnnotationError {
                line: n,
                message: format!(
                    "`{}`: an annotation needs a level; write `//~ ERROR text`, `//~ WARN text`, `//~ HELP text` or `//~ NOTE text`",
                    line.trim()
                ),
            });
        };
        let text = c
            .get(4)
            .map(|m| m.as_str().trim().to_string())
            .unwrap_or_default();
        if text.is_empty() {
            return Err(AnnotationError {
                line: n,
                message: format!("`//~ {level}` needs the text to find in the message"),
            });
        }
        let target = match c.get(2).map(|m| m.as_str()) {
            None => Some(n),
            Some("?") => None,
            Some("|") => match previous_target {
                Some(t) => Some(t),
                None => {
                    return Err(AnnotationError {
                        line: n,
                        message: "`//~|` must follow another annotation on the line before".into(),
                    })
                }
            },
            Some(s) if s.starts_with('^') => {
                if s.len() >= n {
                    return Err(AnnotationError {
                        line: n,
                        message: format!("`//~{s}` points above the first line"),
                    });
                }
                Some(n - s.len())
            }
            Some(s) => Some(n + s.len()),
        };
        previous_target = target;
        out.push(Annotation {
            written_at: n,
            line: target,
            level,
            text,
            revision: c.get(1).map(|m| m.as_str().to_string()),
        });
    }
    Ok(out)
}

/// One diagnostic rustc printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Its level; sub-diagnostics (`= help:`) carry their own level.
    pub level: Level,
    /// The message, without `error[E0001]: `.
    pub message: String,
    /// The primary line in the test file, if it points into it.
    pub line: Option<usize>,
}

/// Parses rustc's human-readable output into top-level diagnostics and their
/// `= help:` / `= note:` children (which inherit the parent's line).
pub fn parse_rustc_stderr(stderr: &str, file_name: &str) -> Vec<Diagnostic> {
    let head = Regex::new(r"^(error|warning|help|note)(?:\[\w+\])?: (.*)$").unwrap();
    let arrow = Regex::new(r"^\s*--> (.+):(\d+):(\d+)$").unwrap();
    let sub = Regex::new(r"^\s*= (help|note): (.*)$").unwrap();
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut parent: Option<usize> = None;
    let mut awaiting_arrow = false;
    for line in stderr.lines() {
        if let Some(c) = head.captures(line) {
            let message = c[2].to_string();
            if message.starts_with("aborting due to")
                || message.ends_with("warnings emitted")
                || message.ends_with("warning emitted")
            {
                parent = None;
                continue;
            }
            out.push(Diagnostic {
                level: Level::from_rustc(&c[1]).unwrap(),
                message,
                line: None,
            });
            parent = Some(out.len() - 1);
            awaiting_arrow = true;
        } else if let (true, Some(c)) = (awaiting_arrow, arrow.captures(line)) {
            awaiting_arrow = false;
            let path = c[1].to_string();
            if path.ends_with(file_name) {
                if let Some(p) = parent {
                    out[p].line = c[2].parse().ok();
                }
            }
        } else if let Some(c) = sub.captures(line) {
            let line_no = parent.and_then(|p| out[p].line);
            out.push(Diagnostic {
                level: Level::from_rustc(&c[1]).unwrap(),
                message: c[2].to_string(),
                line: line_no,
            });
        }
    }
    out
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
            problems.push(format!(
                "unexpected {} at {at}: {}\n  (annotate it with `{how} {} {}` if it is intended)",
                d.level, d.message, d.level, d.message
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const STDERR: &str = "error: kernel `k` is not `#[no_mangle]`, so the host cannot find its mangled symbol [gpu::kernel-no-mangle]
  --> /abs/tests/ui/no-mangle.rs:11:35
   |
11 | pub unsafe extern \"ptx-kernel\" fn k() {}
   |                                   ^
   |
   = help: add `#[no_mangle]`

error[E0463]: can't find crate for `std`
  |
  = note: the `nvptx64-nvidia-cuda` target may not support the standard library

warning: unused variable: `x`
 --> /abs/tests/ui/no-mangle.rs:3:9
  |
3 |     let x = 1;
  |         ^ help: if this is intentional, prefix it with an underscore: `_x`

error: aborting due to 2 previous errors; 1 warning emitted
";

    #[test]
    fn parses_rustc_output_with_children_and_unlocated_errors() {
        let d = parse_rustc_stderr(STDERR, "no-mangle.rs");
        assert_eq!(d.len(), 5, "{d:#?}");
        assert_eq!((d[0].level, d[0].line), (Level::Error, Some(11)));
        assert_eq!((d[1].level, d[1].line), (Level::Help, Some(11)));
        assert_eq!(d[2].message, "can't find crate for `std`");
        assert_eq!(d[2].line, None);
        assert_eq!((d[4].level, d[4].line), (Level::Warn, Some(3)));
    }

    #[test]
    fn matching_requires_both_directions() {
        let d = parse_rustc_stderr(STDERR, "no-mangle.rs");
        let ok = parse_annotations(
            "\n\nlet x //~ WARN unused variable\n\n\n\n\n\n\n\nfn k() //~ ERROR gpu::kernel-no-mangle\n//~? ERROR can't find crate for `std`\n",
        )
        .unwrap();
        assert!(
            match_diagnostics(&ok, &d).is_empty(),
            "{:?}",
            match_diagnostics(&ok, &d)
        );
        // A missing annotation and a wrong line are both reported.
        let partial =
            parse_annotations("\n\n\n\n\n\n\n\n\n\n\nfn k() //~ ERROR gpu::kernel-no-mangle\n")
                .unwrap();
        let p = match_diagnostics(&partial, &d);
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(p[0].contains("expected ERROR at line 12"));
        assert!(p.iter().any(|m| m.contains("unexpected WARN at line 3")));
        assert!(p.iter().any(|m| m.contains("//~? ERROR can't find crate")));
    }
}

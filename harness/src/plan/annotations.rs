//! A ui test's `//~` annotations: the diagnostics it expects, parsed once
//! per test file when planning and carried by its trials.
//!
//! The annotations are parsed by hand rather than through `ui_test`:
//! ui_test owns its runner and its own `//@` parser, while our trials must
//! run inside one libtest-mimic plan per (test, revision, sm) that shares
//! directives with the other suites. The annotation syntax is compiletest's,
//! so tests read the same.

use std::fmt;

use regex::Regex;

use super::LineError;

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

/// Parses `//~ LEVEL text`, `//~^^ LEVEL text`, `//~| LEVEL text`,
/// `//~v LEVEL text`, `//~? LEVEL text` and `//[rev]~ …`.
pub fn parse_annotations(source: &str) -> Result<Vec<Annotation>, LineError> {
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
            return Err(LineError {
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
            return Err(LineError {
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
                    return Err(LineError {
                        line: n,
                        message: "`//~|` must follow another annotation on the line before".into(),
                    })
                }
            },
            Some(s) if s.starts_with('^') => {
                if s.len() >= n {
                    return Err(LineError {
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

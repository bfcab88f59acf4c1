//! Check directives: parsing `//` comments into [`CheckLine`]s for the active prefixes, and spelling checks.

use super::*;

/// One parsed check directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// 1-based line of the directive in the test source.
    pub line: usize,
    /// The check prefix the directive uses, e.g. `CHECK` or `sm_90-CHECK`.
    pub prefix: String,
    /// Which directive it is.
    pub kind: CheckKind,
    /// The pattern after the colon, without leading or trailing whitespace.
    pub pattern: String,
}

impl CheckLine {
    /// The directive as written, without its colon, e.g. `sm_90-CHECK-NEXT`.
    pub fn directive(&self) -> String {
        format!("{}{}", self.prefix, self.kind.suffix())
    }
}

impl fmt::Display for CheckLine {
    /// Formats as the directive would be written: `CHECK-NEXT: pattern`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pattern.is_empty() {
            write!(f, "{}:", self.directive())
        } else {
            write!(f, "{}: {}", self.directive(), self.pattern)
        }
    }
}

/// The kind of a check directive, i.e. the suffix after its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// `CHECK:` matches somewhere after the previous match.
    Plain,
    /// `CHECK-NEXT:` matches on the line right after the previous match.
    Next,
    /// `CHECK-SAME:` matches on the same line as the previous match, after it.
    Same,
    /// `CHECK-LABEL:` splits the input into blocks that the other checks are
    /// confined to; it may not use variables.
    Label,
    /// `CHECK-NOT:` must not match between the surrounding positive matches.
    Not,
    /// `CHECK-DAG:` consecutive DAG directives match in any order, without
    /// overlapping each other.
    Dag,
    /// `CHECK-EMPTY:` the line after the previous match is empty.
    Empty,
    /// `CHECK-COUNT-<n>:` matches the pattern `n` times in succession.
    Count(usize),
}

impl CheckKind {
    /// The text between the prefix and the colon: `""`, `"-NEXT"`,
    /// `"-COUNT-3"`, ...
    pub fn suffix(&self) -> String {
        match self {
            CheckKind::Plain => String::new(),
            CheckKind::Next => "-NEXT".into(),
            CheckKind::Same => "-SAME".into(),
            CheckKind::Label => "-LABEL".into(),
            CheckKind::Not => "-NOT".into(),
            CheckKind::Dag => "-DAG".into(),
            CheckKind::Empty => "-EMPTY".into(),
            CheckKind::Count(n) => format!("-COUNT-{n}"),
        }
    }

    /// Positive checks consume input; NOT and DAG attach to the next one.
    pub(super) fn is_positive(self) -> bool {
        !matches!(self, CheckKind::Not | CheckKind::Dag)
    }
}

/// Why parsing or matching checks failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheckError {
    /// 1-based line of the offending directive in the test source, or 0 when
    /// no line applies (an invalid prefix).
    pub line: usize,
    /// A multi-line explanation: what failed, the check line, where in the
    /// input the search ran, and a hint where one helps.
    pub message: String,
}

impl fmt::Display for FileCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FileCheckError {}

/// Builds an error whose message names the check line and an optional hint.
pub(super) fn error(
    line: usize,
    headline: &str,
    context: &str,
    hint: Option<String>,
) -> FileCheckError {
    let mut message = format!("{headline}\n  check line {line}: {context}");
    if let Some(hint) = hint {
        message.push_str("\n  hint: ");
        message.push_str(&hint);
    }
    FileCheckError { line, message }
}

// ---------------------------------------------------------------------------
// Directive parsing
// ---------------------------------------------------------------------------

/// Parse the check lines of a test source for the active prefixes (e.g.
/// `["CHECK", "sm_90-CHECK", "rev1-CHECK", "rev1-sm_90-CHECK"]`).
///
/// Only `//` comment lines are considered, and the directive must start the
/// comment. A line that uses an active prefix with an unknown suffix (e.g.
/// `CHECK-NEXTT:`), misses the colon, or has an invalid pattern (bad
/// `{{regex}}`, malformed `[[...]]`, empty pattern) is an error carrying the
/// line number and a fix hint. So is a `-NEXT`/`-SAME`/`-EMPTY` with no
/// positive check before it. Lines with inactive prefixes are ignored.
pub fn parse_checks(source: &str, prefixes: &[String]) -> Result<Vec<CheckLine>, FileCheckError> {
    for prefix in prefixes {
        validate_prefix(prefix)?;
    }
    // Longest first: should one active prefix extend another (`CHECK` and
    // `CHECK-sm90`), the more specific one must win.
    let mut active: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    active.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    active.dedup();

    let mut checks = Vec::new();
    for (index, raw) in source.lines().enumerate() {
        let line = index + 1;
        let Some(body) = comment_body(raw) else {
            continue;
        };
        match parse_directive(body, &active) {
            Directive::None => {}
            Directive::Bad { headline, hint } => {
                return Err(error(line, &headline, raw.trim(), Some(hint)));
            }
            Directive::Check {
                prefix,
                kind,
                pattern,
            } => checks.push(CheckLine {
                line,
                prefix: prefix.to_string(),
                kind,
                pattern: pattern.to_string(),
            }),
        }
    }
    prepare(&checks)?;
    Ok(checks)
}

/// Rejects comment lines that look like check directives but that no run of
/// this test would ever read, so a misspelled check cannot silently pass.
///
/// `valid` lists every prefix the test may use on any target or revision
/// (`CHECK`, `sm_90-CHECK`, `rev-CHECK`, `rev-sm_90-CHECK`, ...). A comment
/// that starts with a word followed by a colon is flagged when the word is
///
/// * `<something>-CHECK[-suffix]` whose `<something>-CHECK` is not valid
///   (`sm90-CHECK:`, `fast-CHECK:` without a `fast` revision), or
/// * a near miss of `CHECK` in capitals, alone or after a prefix (`CHEKC:`,
///   `CHCK-NEXT:`, `sm_90-CHEK:`), or
/// * a valid prefix with an unknown suffix (`sm_90-CHECK-NXT:`), even when
///   that prefix is not active for the current target.
///
/// Ordinary comments (`// Note: ...`, `// TODO: ...`) are not affected.
pub fn check_prefix_spelling(source: &str, valid: &[String]) -> Result<(), FileCheckError> {
    for (index, raw) in source.lines().enumerate() {
        let line = index + 1;
        let Some(body) = comment_body(raw) else {
            continue;
        };
        let word_len = body
            .find(|c: char| !is_directive_char(c))
            .unwrap_or(body.len());
        let (word, after) = body.split_at(word_len);
        if word.is_empty() || !after.starts_with(':') {
            continue;
        }
        // A valid prefix, alone or with a suffix: check the suffix.
        if let Some(prefix) = valid
            .iter()
            .filter(|p| word == p.as_str() || word.starts_with(&format!("{p}-")))
            .max_by_key(|p| p.len())
        {
            if word == prefix.as_str() {
                continue;
            }
            let suffix = &word[prefix.len() + 1..];
            match parse_suffix(prefix, suffix) {
                Ok(_) => continue,
                // A longer valid prefix might not exist; the suffix is bad.
                Err(hint) => {
                    return Err(error(
                        line,
                        &format!("unknown check directive `{word}:`"),
                        raw.trim(),
                        Some(hint),
                    ))
                }
            }
        }
        // Otherwise: does it look like a check at all?
        let parts: Vec<&str> = word.split('-').collect();
        let Some(at) = parts.iter().position(|p| looks_like_check(p)) else {
            continue;
        };
        let written_prefix = parts[..=at].join("-");
        let rest = parts[at + 1..].join("-");
        // On a tie, the shorter prefix (the plainer spelling) wins.
        let mut valid_refs: Vec<&str> = valid.iter().map(String::as_str).collect();
        valid_refs.sort_by_key(|v| v.len());
        let nearest =
            ptx_backend::suggest::closest(&written_prefix, &valid_refs).unwrap_or("CHECK");
        let suggestion = if rest.is_empty() {
            format!("{nearest}:")
        } else {
            format!("{nearest}-{rest}:")
        };
        return Err(error(
            line,
            &format!("unknown check prefix `{written_prefix}` in `{word}:`; no run of this test reads it"),
            raw.trim(),
            Some(format!(
                "did you mean `{suggestion}`? Valid prefixes are `CHECK`, `<sm>-CHECK` (e.g. \
                 `sm_90-CHECK`), and with revisions `<rev>-CHECK` and `<rev>-<sm>-CHECK`"
            )),
        ));
    }
    Ok(())
}

/// `CHECK` itself or a capitalized near miss of it (`CHEKC`, `CHCK`, `CHECKK`).
pub(super) fn looks_like_check(part: &str) -> bool {
    part == "CHECK"
        || (part.len() >= 4
            && part.chars().all(|c| c.is_ascii_uppercase())
            && strsim::osa_distance(part, "CHECK") <= 1)
        || (part.len() == 5 && part.chars().all(|c| c.is_ascii_uppercase()) && {
            let mut a: Vec<char> = part.chars().collect();
            a.sort_unstable();
            a == ['C', 'C', 'E', 'H', 'K']
        })
}

pub(super) fn validate_prefix(prefix: &str) -> Result<(), FileCheckError> {
    let valid = prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix.chars().all(is_directive_char);
    if valid {
        Ok(())
    } else {
        Err(FileCheckError {
            line: 0,
            message: format!(
                "invalid check prefix `{prefix}`\n  hint: a prefix starts with a letter or digit \
                 and contains only letters, digits, `_` and `-`"
            ),
        })
    }
}

pub(super) fn is_directive_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The text of a `//` comment line after the slashes, or None for other lines.
pub(super) fn comment_body(raw: &str) -> Option<&str> {
    let rest = raw.trim_start().strip_prefix("//")?;
    // Doc comments (`///`, `//!`) carry checks just as well.
    let rest = rest.strip_prefix(['/', '!']).unwrap_or(rest);
    Some(rest.trim_start())
}

pub(super) enum Directive<'s> {
    None,
    Bad {
        headline: String,
        hint: String,
    },
    Check {
        prefix: &'s str,
        kind: CheckKind,
        pattern: &'s str,
    },
}

pub(super) const SUFFIXES: [&str; 7] =
    ["NEXT", "SAME", "LABEL", "NOT", "DAG", "EMPTY", "COUNT-<n>"];

pub(super) fn parse_directive<'s>(body: &'s str, active: &[&'s str]) -> Directive<'s> {
    let word_len = body
        .find(|c: char| !is_directive_char(c))
        .unwrap_or(body.len());
    let (word, after) = body.split_at(word_len);
    for &prefix in active {
        let kind = if word == prefix {
            CheckKind::Plain
        } else if let Some(suffix) = word.strip_prefix(prefix).and_then(|s| s.strip_prefix('-')) {
            match parse_suffix(prefix, suffix) {
                Ok(kind) => kind,
                Err(hint) => {
                    return Directive::Bad {
                        headline: format!(
                            "unknown check directive `{word}:` (prefix `{prefix}` is active)"
                        ),
                        hint,
                    };
                }
            }
        } else {
            continue;
        };
        let Some(pattern) = after.strip_prefix(':') else {
            let hint = if after.starts_with('{') {
                "directive modifiers such as `{LITERAL}` are not supported; match a literal `{{` \
                 or `[[` with `{{\\{\\{}}` or `{{\\[\\[}}`"
                    .to_string()
            } else if after.trim_start().starts_with(':') {
                format!("remove the space before the colon: `{word}:`")
            } else {
                format!("write `// {word}: <pattern>`, or reword the comment so it does not start with `{prefix}`")
            };
            return Directive::Bad {
                headline: format!("check directive `{word}` is missing its colon"),
                hint,
            };
        };
        return Directive::Check {
            prefix,
            kind,
            pattern: pattern.trim(),
        };
    }
    Directive::None
}

/// Parses the suffix after `PREFIX-`; on failure returns a hint.
pub(super) fn parse_suffix(prefix: &str, suffix: &str) -> Result<CheckKind, String> {
    let kind = match suffix {
        "NEXT" => CheckKind::Next,
        "SAME" => CheckKind::Same,
        "LABEL" => CheckKind::Label,
        "NOT" => CheckKind::Not,
        "DAG" => CheckKind::Dag,
        "EMPTY" => CheckKind::Empty,
        _ => {
            if let Some(count) = suffix.strip_prefix("COUNT-") {
                return match count.parse::<usize>() {
                    Ok(n) if n > 0 => Ok(CheckKind::Count(n)),
                    _ => Err(format!(
                        "the count must be a positive decimal number, e.g. `{prefix}-COUNT-3:`"
                    )),
                };
            }
            let best = ptx_backend::suggest::closest(suffix, &SUFFIXES).unwrap_or("NEXT");
            let known = SUFFIXES.map(|s| format!("-{s}")).join(", ");
            return Err(format!(
                "did you mean `{prefix}-{best}:`? Known suffixes: {known} (directives are \
                 case-sensitive)"
            ));
        }
    };
    Ok(kind)
}

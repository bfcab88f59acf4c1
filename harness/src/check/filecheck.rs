//! FileCheck-style checks: a subset of LLVM FileCheck
//! (<https://llvm.org/docs/CommandGuide/FileCheck.html>) run against a stage
//! dump (PTX text, LLVM IR, MIR, ...).
//!
//! A test source carries its checks in `//` comments, e.g.
//!
//! ```text
//! // CHECK-LABEL: .entry saxpy
//! // CHECK:       ld.global.f32 [[X:%f[0-9]+]]
//! // sm_90-CHECK: fma.rn.f32 {{%f[0-9]+}}, {{%f[0-9]+}}, [[X]]
//! // CHECK-NOT:   ld.local
//! ```
//!
//! [`parse_checks`] extracts the directives for the active prefixes and
//! [`run_checks`] matches them against the input.
//!
//! # What is supported
//!
//! * Directives `CHECK:`, `-NEXT:`, `-SAME:`, `-EMPTY:`, `-NOT:`, `-DAG:`,
//!   `-LABEL:` and `-COUNT-<n>:`, with LLVM's matching algorithm (DAG groups
//!   split by NOTs, non-overlapping DAG matches, label blocks, ...).
//! * `{{regex}}` blocks (Rust `regex` syntax; everything outside them is
//!   literal) and string variables `[[VAR:regex]]` / `[[VAR]]`, including
//!   reuse later in the same directive.
//! * A small numeric subset: `[[#VAR:]]` (captures `[0-9]+`),
//!   `[[#VAR:expr]]`, `[[#expr]]`, `[[#]]`, where `expr` is a sum of variables,
//!   decimal literals and `@LINE`, optionally after LLVM's `==` constraint
//!   (`[[#==N]]`, `[[#M:==N+1]]`); also the legacy `[[@LINE]]`,
//!   `[[@LINE+N]]`. Values are unsigned, as LLVM's default format: a negative
//!   result (`[[#N-10]]` with N = 5, `[[#-5]]`) is an error, as LLVM's
//!   "overflow error". Values above `i64` work (up to 2^127 - 1).
//! * A name is a string or a numeric variable in the whole file: defining
//!   it as both is an error before anything is matched, as in LLVM; using a
//!   numeric variable as a string (`[[N]]`) is an error (LLVM: "undefined
//!   variable").
//! * Whitespace: a pattern's leading and trailing whitespace is ignored and a
//!   run of spaces/tabs in its literal text matches any non-empty run of
//!   spaces/tabs in the input (LLVM's default canonicalization). A captured
//!   `[[VAR:...]]` value is compared the same way when used (`[[VAR]]`),
//!   whitespace runs canonicalized, as LLVM compares values captured from its
//!   canonicalized input. Whitespace inside `{{regex}}` is matched as the
//!   regex says.
//! * A search sees only its own range of the input, as in LLVM: `{{^}}` and
//!   `^` match where a search that begins mid-line (right after the previous
//!   match) starts, and `$` where a range (a CHECK-NOT's) ends.
//! * `{{}}` is an error ("invalid regex"), as in LLVM.
//! * Variable scope: variables whose name does not start with `$` are cleared
//!   at each `CHECK-LABEL`, i.e. LLVM's `--enable-var-scope` is always on, so a
//!   value captured in one function cannot leak into the checks of the next.
//!
//! # Deliberate differences from LLVM FileCheck
//!
//! * Only lines whose first non-blank characters are `//` are scanned, and the
//!   directive must start the comment (`/// CHECK:` and `//! CHECK:` work).
//! * Stricter directive spelling: a comment starting with an active prefix
//!   followed by an unknown suffix (`CHECK-NXT:`) or without the colon
//!   (`CHECK foo`) is an error rather than silently ignored.
//! * Only the first failure is reported; LLVM goes on with later label blocks.
//! * All `CHECK-LABEL`s are located before any other check is matched, so a
//!   missing label is reported before failures in earlier blocks.
//! * Like LLVM, a `CHECK-LABEL` is matched at its first occurrence after the
//!   previous label; uniqueness of the labelled line is assumed, not checked.
//! * `CHECK-COUNT-<n>` requires `n` successive matches, as in LLVM; follow it
//!   with a `CHECK-NOT` of the same pattern to rule out an `n+1`-th.
//! * Regexes use Rust `regex` syntax (leftmost-first, not POSIX
//!   leftmost-longest), and `{{...}}` ends at the first `}}` that is not
//!   closing a brace opened inside the regex, so `{{a{2}}}` is `a{2}`.
//! * A match never spans lines: every pattern is matched within one input
//!   line, so `{{a\sb}}` or `{{a[[:space:]]b}}` never matches `a` at the end
//!   of one line and `b` at the start of the next, as it does in LLVM. Check
//!   the lines one by one with CHECK-NEXT instead.
//! * A variable defined twice in one directive (`[[V:a]] [[V:b]]`,
//!   `[[#V:]] [[#V:]]`) is an error; LLVM accepts it and keeps the last value.
//! * Numeric values above 2^127 - 1 are an error; LLVM has no bound.
//! * Whitespace inside `{{regex}}` is matched as written, against the raw
//!   input: LLVM first turns every run of spaces and tabs in the input into
//!   one space, so there `{{a  b}}` never matches and `{{a\tb}}` matches
//!   only because the check line is canonicalized too.
//! * Not supported: `CHECK{LITERAL}`, `CHECK-EOF`, `COM:` directives,
//!   `--implicit-check-not`, `--strict-whitespace`, `-D` definitions, numeric
//!   format specifiers (`[[#%x,VAR:]]`) and functions in numeric expressions.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use regex::{Captures, Regex};

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
    fn is_positive(self) -> bool {
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
fn error(line: usize, headline: &str, context: &str, hint: Option<String>) -> FileCheckError {
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
        let nearest = valid
            .iter()
            .map(|v| (strsim::osa_distance(&written_prefix, v), v))
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.len().cmp(&b.1.len())))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "CHECK".into());
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
fn looks_like_check(part: &str) -> bool {
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

fn validate_prefix(prefix: &str) -> Result<(), FileCheckError> {
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

fn is_directive_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The text of a `//` comment line after the slashes, or None for other lines.
fn comment_body(raw: &str) -> Option<&str> {
    let rest = raw.trim_start().strip_prefix("//")?;
    // Doc comments (`///`, `//!`) carry checks just as well.
    let rest = rest.strip_prefix(['/', '!']).unwrap_or(rest);
    Some(rest.trim_start())
}

enum Directive<'s> {
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

const SUFFIXES: [&str; 7] = ["NEXT", "SAME", "LABEL", "NOT", "DAG", "EMPTY", "COUNT-<n>"];

fn parse_directive<'s>(body: &'s str, active: &[&'s str]) -> Directive<'s> {
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
fn parse_suffix(prefix: &str, suffix: &str) -> Result<CheckKind, String> {
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
            let upper = suffix.to_ascii_uppercase();
            let best = SUFFIXES
                .iter()
                .map(|known| (strsim::levenshtein(&upper, known), *known))
                .min()
                .map(|(_, known)| known)
                .unwrap_or("NEXT");
            let known = SUFFIXES.map(|s| format!("-{s}")).join(", ");
            return Err(format!(
                "did you mean `{prefix}-{best}:`? Known suffixes: {known} (directives are \
                 case-sensitive)"
            ));
        }
    };
    Ok(kind)
}

/// Validates a whole check list and parses every pattern.
///
/// `run_checks` accepts hand-built lists too, so it runs this again rather
/// than trusting that the list came from `parse_checks`.
fn prepare(checks: &[CheckLine]) -> Result<Vec<Pattern>, FileCheckError> {
    let mut seen_positive = false;
    let mut patterns = Vec::with_capacity(checks.len());
    // Each variable name's kind (numeric?) and the line that first defined it.
    let mut kinds: HashMap<String, (bool, usize)> = HashMap::new();
    for check in checks {
        let context = check.to_string();
        if check.kind == CheckKind::Count(0) {
            return Err(error(
                check.line,
                "CHECK-COUNT needs a positive count",
                &context,
                Some(format!("write e.g. `{}-COUNT-2:`", check.prefix)),
            ));
        }
        if matches!(
            check.kind,
            CheckKind::Next | CheckKind::Same | CheckKind::Empty
        ) && !seen_positive
        {
            return Err(error(
                check.line,
                &format!(
                    "found `{}:` without a previous `{}:` line",
                    check.directive(),
                    check.prefix
                ),
                &context,
                Some(format!(
                    "{} is relative to the previous match, so a positive check must come first",
                    check.kind.suffix().trim_start_matches('-')
                )),
            ));
        }
        seen_positive |= check.kind.is_positive();
        let pattern = Pattern::parse(check)?;
        for slot in &pattern.slots {
            match kinds.get(slot.name.as_str()) {
                Some(&(numeric, line)) if numeric != slot.numeric => {
                    let (this, other) = if slot.numeric {
                        ("numeric", "string")
                    } else {
                        ("string", "numeric")
                    };
                    return Err(error(
                        check.line,
                        &format!(
                            "{this} variable `{}` has the name of the {other} variable defined \
                             at line {line}",
                            slot.name
                        ),
                        &context,
                        Some(
                            "a name is either a string or a numeric variable in the whole \
                             file, as in LLVM FileCheck; rename one of them"
                                .into(),
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    kinds.insert(slot.name.clone(), (slot.numeric, check.line));
                }
            }
        }
        patterns.push(pattern);
    }
    Ok(patterns)
}

// ---------------------------------------------------------------------------
// Pattern parsing
// ---------------------------------------------------------------------------

/// One element of a pattern, in order of appearance.
#[derive(Debug, Clone)]
enum Piece {
    Literal(String),
    Regex(String),
    /// `[[NAME:regex]]`; `slot` numbers the definitions of the pattern.
    DefStr {
        slot: usize,
        regex: String,
    },
    /// `[[NAME]]`; `same_line` is the slot when NAME is defined earlier in
    /// this very pattern, which needs a backreference.
    UseStr {
        name: String,
        same_line: Option<usize>,
    },
    /// `[[#NAME:]]` (any number) or `[[#NAME:expr]]` (exactly that value).
    DefNum {
        slot: usize,
        expr: Option<Expr>,
    },
    /// `[[#expr]]`, or `[[#]]` for any number.
    NumExpr(Option<Expr>),
}

/// A sum of terms; `true` marks a subtracted term.
#[derive(Debug, Clone)]
struct Expr(Vec<(bool, Operand)>);

#[derive(Debug, Clone)]
enum Operand {
    Literal(i128),
    Line,
    Var(String),
}

impl Expr {
    fn vars(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|(_, op)| match op {
            Operand::Var(name) => Some(name.as_str()),
            _ => None,
        })
    }

    fn eval(&self, vars: &Vars, line: usize) -> Result<i128, String> {
        let mut sum: i128 = 0;
        for (negative, operand) in &self.0 {
            let value = match operand {
                Operand::Literal(v) => *v,
                Operand::Line => line as i128,
                Operand::Var(name) => match vars.nums.get(name) {
                    Some(v) => *v,
                    None if vars.strs.contains_key(name) => {
                        return Err(format!(
                            "`{name}` is a string variable; use it as `[[{name}]]`, not in `[[#...]]`"
                        ));
                    }
                    None => return Err(undefined_message(name, true)),
                },
            };
            let next = if *negative {
                sum.checked_sub(value)
            } else {
                sum.checked_add(value)
            };
            sum = next.ok_or("numeric expression overflows 128 bits")?;
        }
        if sum < 0 {
            // Values are unsigned, as LLVM's default `%u` format: LLVM
            // FileCheck reports "overflow error" for a negative value.
            return Err(format!(
                "numeric expression is negative ({sum}); values are unsigned, as in LLVM \
                 FileCheck (which reports an overflow error)"
            ));
        }
        Ok(sum)
    }
}

fn undefined_message(name: &str, numeric: bool) -> String {
    let definition = if numeric {
        format!("[[#{name}:]]")
    } else {
        format!("[[{name}:regex]]")
    };
    let scope = if name.starts_with('$') {
        ""
    } else {
        "; variables without a leading `$` are cleared at each CHECK-LABEL"
    };
    format!(
        "uses undefined variable `{name}`; define it on an earlier line with `{definition}`{scope}"
    )
}

/// A variable definition inside a pattern, numbered in order of appearance.
#[derive(Debug, Clone)]
struct DefSlot {
    name: String,
    numeric: bool,
}

/// A parsed pattern. Patterns that refer to no variable are compiled once.
struct Pattern {
    line: usize,
    pieces: Vec<Piece>,
    slots: Vec<DefSlot>,
    fixed: Option<Compiled>,
}

impl Pattern {
    fn parse(check: &CheckLine) -> Result<Pattern, FileCheckError> {
        let text = check.pattern.trim();
        let fail = |headline: &str, hint: Option<String>| {
            error(check.line, headline, &check.to_string(), hint)
        };
        if check.kind == CheckKind::Empty {
            if !text.is_empty() {
                return Err(fail(
                    &format!("`{}:` takes no pattern", check.directive()),
                    Some("CHECK-EMPTY matches an empty line; put the text in a CHECK-NEXT".into()),
                ));
            }
            // Matched by a dedicated scan, never through the regex.
            return Ok(Pattern {
                line: check.line,
                pieces: Vec::new(),
                slots: Vec::new(),
                fixed: None,
            });
        }
        if text.is_empty() {
            return Err(fail(
                &format!(
                    "found empty check string with prefix `{}:`",
                    check.directive()
                ),
                Some(format!(
                    "to match an empty line use `{}-EMPTY:`; to match any line use `{{{{.*}}}}`",
                    check.prefix
                )),
            ));
        }
        let (pieces, slots) = parse_pieces(text, check.kind == CheckKind::Label)
            .map_err(|(headline, hint)| fail(&headline, hint))?;
        let mut pattern = Pattern {
            line: check.line,
            pieces,
            slots,
            fixed: None,
        };
        if !pattern.needs_vars() {
            let compiled = pattern
                .compile(&Vars::default())
                .map_err(|message| fail(&message, None))?;
            pattern.fixed = Some(compiled);
        }
        Ok(pattern)
    }

    fn needs_vars(&self) -> bool {
        self.pieces.iter().any(|piece| match piece {
            Piece::UseStr { same_line, .. } => same_line.is_none(),
            Piece::DefNum { expr: Some(e), .. } | Piece::NumExpr(Some(e)) => {
                e.vars().next().is_some()
            }
            _ => false,
        })
    }

    /// Names of the variables whose current values the pattern substitutes.
    fn used_vars(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::UseStr {
                    name,
                    same_line: None,
                } => names.push(name.clone()),
                Piece::DefNum { expr: Some(e), .. } | Piece::NumExpr(Some(e)) => {
                    names.extend(e.vars().map(str::to_string))
                }
                _ => {}
            }
        }
        let mut seen = HashSet::new();
        names.retain(|name| seen.insert(name.clone()));
        names
    }

    /// Builds the regex for the current variable values.
    fn compile(&self, vars: &Vars) -> Result<Compiled, String> {
        let mut parts = Vec::new();
        let mut kinds: Vec<SlotKind> = Vec::new();
        let mut uses = 0;
        for piece in &self.pieces {
            let part = match piece {
                Piece::Literal(text) => Part::Fixed(literal_regex(text)),
                Piece::Regex(re) => Part::Fixed(format!("(?:{re})")),
                Piece::DefStr { slot, regex } => {
                    kinds.push(SlotKind::Str(regex.clone()));
                    Part::Def(*slot)
                }
                Piece::DefNum { slot, expr } => {
                    kinds.push(match expr {
                        None => SlotKind::AnyNumber,
                        Some(e) => SlotKind::Number(e.eval(vars, self.line)?),
                    });
                    Part::Def(*slot)
                }
                Piece::UseStr {
                    same_line: Some(slot),
                    ..
                } => {
                    uses += 1;
                    Part::Use {
                        slot: *slot,
                        id: uses - 1,
                    }
                }
                Piece::UseStr {
                    name,
                    same_line: None,
                } => match vars.strs.get(name) {
                    // Whitespace runs in the value match any run, as LLVM's
                    // canonicalized input and value do.
                    Some(value) => Part::Fixed(literal_regex(value)),
                    None if vars.nums.contains_key(name) => {
                        return Err(format!(
                            "`{name}` is a numeric variable; use it as `[[#{name}]]`, not \
                             `[[{name}]]` (LLVM FileCheck reports it as undefined)"
                        ))
                    }
                    None => return Err(undefined_message(name, false)),
                },
                Piece::NumExpr(None) => Part::Fixed("[0-9]+".into()),
                Piece::NumExpr(Some(e)) => {
                    Part::Fixed(regex::escape(&e.eval(vars, self.line)?.to_string()))
                }
            };
            parts.push(part);
        }
        let slots = self
            .slots
            .iter()
            .zip(kinds)
            .map(|(def, kind)| Slot {
                name: def.name.clone(),
                kind,
            })
            .collect();
        Compiled::new(parts, slots)
    }

    /// The literal words of the pattern, to look for a near miss on failure.
    fn fuzzy_text(&self, vars: &Vars) -> String {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(t) => text.push_str(t),
                Piece::UseStr {
                    name,
                    same_line: None,
                } => {
                    if let Some(v) = vars.strs.get(name) {
                        text.push_str(v);
                    }
                }
                Piece::NumExpr(Some(e)) => {
                    if let Ok(v) = e.eval(vars, self.line) {
                        text.push_str(&v.to_string());
                    }
                }
                _ => text.push(' '),
            }
        }
        text
    }
}

type ParseError = (String, Option<String>);

/// Splits pattern text into literal text, `{{regex}}` and `[[...]]` blocks.
fn parse_pieces(text: &str, is_label: bool) -> Result<(Vec<Piece>, Vec<DefSlot>), ParseError> {
    let mut pieces = Vec::new();
    let mut slots: Vec<DefSlot> = Vec::new();
    let mut rest = text;
    loop {
        let next = match (rest.find("{{"), rest.find("[[")) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(start) = next else {
            if !rest.is_empty() {
                pieces.push(Piece::Literal(rest.to_string()));
            }
            break;
        };
        if start > 0 {
            pieces.push(Piece::Literal(rest[..start].to_string()));
        }
        let block = &rest[start + 2..];
        if rest[start..].starts_with("{{") {
            let end = regex_block_end(block).ok_or_else(|| {
                (
                    "found start of regex string with no end `}}`".to_string(),
                    Some(
                        "close the block with `}}`; a literal `{{` is written `{{\\{\\{}}`".into(),
                    ),
                )
            })?;
            let re = &block[..end];
            if re.is_empty() {
                return Err((
                    "invalid regex: empty `{{}}`".to_string(),
                    Some(
                        "as in LLVM FileCheck, a `{{regex}}` block may not be empty; remove it"
                            .into(),
                    ),
                ));
            }
            validate_regex(re)?;
            pieces.push(Piece::Regex(re.to_string()));
            rest = &block[end + 2..];
        } else {
            let end = subst_block_end(block).map_err(|message| {
                (
                    message.to_string(),
                    Some("a literal `[[` is written `{{\\[\\[}}`".into()),
                )
            })?;
            let piece = parse_substitution(&block[..end], &mut slots)?;
            if is_label && refers_to_variable(&piece) {
                return Err((
                    "CHECK-LABEL directives cannot contain variable definitions or uses".into(),
                    Some(
                        "labels are located before any other check runs; use `{{regex}}` here \
                         and capture the value in a CHECK on the label's line with CHECK-SAME"
                            .into(),
                    ),
                ));
            }
            pieces.push(piece);
            rest = &block[end + 2..];
        }
    }
    Ok((pieces, slots))
}

fn refers_to_variable(piece: &Piece) -> bool {
    match piece {
        Piece::DefStr { .. } | Piece::UseStr { .. } | Piece::DefNum { .. } => true,
        Piece::NumExpr(Some(e)) => e.vars().next().is_some(),
        _ => false,
    }
}

fn validate_regex(re: &str) -> Result<(), ParseError> {
    Regex::new(re).map(|_| ()).map_err(|e| {
        let detail = e.to_string().replace('\n', "\n    ");
        (
            format!("invalid regex `{re}`:\n    {detail}"),
            Some(
                "regexes use Rust `regex` crate syntax; escape literal metacharacters with `\\`"
                    .into(),
            ),
        )
    })
}

/// Index of the `}}` that ends a `{{regex}}` block, given the text after `{{`.
///
/// Braces opened inside the regex are balanced first so that `{{a{2}}}` means
/// `a{2}`; when that finds no end, LLVM's rule (the first `}}`) applies.
fn regex_block_end(block: &str) -> Option<usize> {
    let bytes = block.as_bytes();
    let (mut i, mut braces, mut classes) = (0, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' if classes == 0 => {
                classes = 1;
                i += 1;
                // A `]` right after `[` or `[^` is a literal, not the end.
                if bytes.get(i) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                }
                continue;
            }
            b'[' => classes += 1,
            b']' if classes > 0 => classes -= 1,
            b'{' if classes == 0 => braces += 1,
            b'}' if classes == 0 => {
                if braces > 0 {
                    braces -= 1;
                } else if bytes.get(i + 1) == Some(&b'}') {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    block.find("}}")
}

/// Index of the `]]` that ends a `[[...]]` block, given the text after `[[`;
/// brackets inside the block (regex classes) must balance, as in LLVM.
fn subst_block_end(block: &str) -> Result<usize, &'static str> {
    let bytes = block.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < bytes.len() {
        if depth == 0 && bytes[i..].starts_with(b"]]") {
            return Ok(i);
        }
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                if depth == 0 {
                    return Err("missing closing `]` for regex variable");
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    Err("invalid substitution block, no `]]` found")
}

fn is_var_name(name: &str) -> bool {
    let bare = name.strip_prefix('$').unwrap_or(name);
    bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_var_name(name: &str) -> Result<(), ParseError> {
    if is_var_name(name) {
        Ok(())
    } else {
        Err((
            format!("invalid variable name `{name}`"),
            Some(
                "names match `[A-Za-z_][A-Za-z0-9_]*`, with a leading `$` for variables that \
                 survive CHECK-LABEL; a literal `[[` is written `{{\\[\\[}}`"
                    .into(),
            ),
        ))
    }
}

/// Parses the inside of a `[[...]]` block.
fn parse_substitution(inner: &str, slots: &mut Vec<DefSlot>) -> Result<Piece, ParseError> {
    let same_line = |slots: &[DefSlot], name: &str| slots.iter().position(|s| s.name == name);
    if let Some(numeric) = inner.strip_prefix('#') {
        return parse_numeric(numeric, slots);
    }
    if inner.starts_with("@LINE") {
        return Ok(Piece::NumExpr(Some(parse_expr(inner)?)));
    }
    match inner.split_once(':') {
        Some((name, regex)) => {
            check_var_name(name)?;
            if same_line(slots, name).is_some() {
                return Err((
                    format!("variable `{name}` is defined twice in the same directive"),
                    Some(format!(
                        "use `[[{name}]]` for the second occurrence (LLVM FileCheck accepts \
                         both and keeps the last value; this is rejected as a likely mistake)"
                    )),
                ));
            }
            validate_regex(regex)?;
            slots.push(DefSlot {
                name: name.to_string(),
                numeric: false,
            });
            Ok(Piece::DefStr {
                slot: slots.len() - 1,
                regex: regex.to_string(),
            })
        }
        None => {
            check_var_name(inner)?;
            let slot = same_line(slots, inner);
            if let Some(slot) = slot {
                if slots[slot].numeric {
                    return Err(same_line_numeric(inner));
                }
            }
            Ok(Piece::UseStr {
                name: inner.to_string(),
                same_line: slot,
            })
        }
    }
}

fn same_line_numeric(name: &str) -> ParseError {
    (
        format!("numeric variable `{name}` is used in the same directive that defines it"),
        Some("as in LLVM FileCheck, use it on a later line (e.g. with CHECK-SAME)".into()),
    )
}

fn parse_numeric(text: &str, slots: &mut Vec<DefSlot>) -> Result<Piece, ParseError> {
    if text.contains(',') {
        return Err((
            format!("numeric format specifiers are not supported: `[[#{text}]]`"),
            Some(
                "only unsigned decimal values are supported; use `{{0x[0-9a-f]+}}` for others"
                    .into(),
            ),
        ));
    }
    let check_expr = |expr: &Expr, slots: &[DefSlot]| -> Result<(), ParseError> {
        match expr.vars().find(|v| slots.iter().any(|s| s.name == *v)) {
            Some(name) => Err(same_line_numeric(name)),
            None => Ok(()),
        }
    };
    let piece = match text.split_once(':') {
        Some((name, expr)) => {
            let name = name.trim();
            check_var_name(name)?;
            if slots.iter().any(|s| s.name == name) {
                return Err((
                    format!("variable `{name}` is defined twice in the same directive"),
                    Some(
                        "LLVM FileCheck accepts both and keeps the last value; this is \
                         rejected as a likely mistake"
                            .into(),
                    ),
                ));
            }
            let expr = match strip_equality(expr)? {
                "" => None,
                e => Some(parse_expr(e)?),
            };
            if let Some(e) = &expr {
                check_expr(e, slots)?;
            }
            slots.push(DefSlot {
                name: name.to_string(),
                numeric: true,
            });
            Piece::DefNum {
                slot: slots.len() - 1,
                expr,
            }
        }
        None => match strip_equality(text)? {
            "" => Piece::NumExpr(None),
            e => {
                let expr = parse_expr(e)?;
                check_expr(&expr, slots)?;
                Piece::NumExpr(Some(expr))
            }
        },
    };
    Ok(piece)
}

/// The expression of a numeric block without LLVM's optional `==`
/// matching constraint (`[[#==N]]`, `[[#M:==N+1]]`); `==` alone is an error.
fn strip_equality(text: &str) -> Result<&str, ParseError> {
    let text = text.trim();
    match text.strip_prefix("==") {
        Some(rest) if rest.trim().is_empty() => Err((
            "`==` needs an expression after it".to_string(),
            Some("write e.g. `[[#==N]]` or `[[#==N+1]]`".into()),
        )),
        Some(rest) => Ok(rest.trim()),
        None => Ok(text),
    }
}

/// Parses `term (('+' | '-') term)*` where a term is a decimal literal,
/// `@LINE` or a variable name.
fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let unsupported = || {
        (
            format!("unsupported numeric expression `{text}`"),
            Some(
                "expressions are sums and differences of variables, decimal numbers and @LINE"
                    .into(),
            ),
        )
    };
    let mut terms = Vec::new();
    let mut rest = text.trim_start();
    // A leading minus (`[[#-5]]`) parses; its negative value is then
    // rejected as LLVM rejects it.
    let mut negative = match rest.strip_prefix('-') {
        Some(tail) => {
            rest = tail.trim_start();
            true
        }
        None => false,
    };
    loop {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '@'))
            .unwrap_or(rest.len());
        let (token, tail) = rest.split_at(len);
        let operand = if token == "@LINE" {
            Operand::Line
        } else if !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) {
            Operand::Literal(token.parse().map_err(|_| unsupported())?)
        } else if is_var_name(token) {
            Operand::Var(token.to_string())
        } else {
            return Err(unsupported());
        };
        terms.push((negative, operand));
        rest = tail.trim_start();
        negative = match rest.chars().next() {
            None => break,
            Some('+') => false,
            Some('-') => true,
            Some(_) => return Err(unsupported()),
        };
        rest = rest[1..].trim_start();
    }
    Ok(Expr(terms))
}

/// Text with each run of spaces and tabs made one space, as LLVM FileCheck
/// canonicalizes its input (and so the values it captures).
fn canonical(text: &str) -> Cow<'_, str> {
    if !text.contains(['\t', ' ']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push(c);
            blank = false;
        }
    }
    Cow::Owned(out)
}

/// Regex for literal pattern text: runs of blanks match any run of blanks.
fn literal_regex(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut in_blank = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !in_blank {
                out.push_str(&regex::escape(&word));
                word.clear();
                out.push_str("[ \\t]+");
                in_blank = true;
            }
        } else {
            in_blank = false;
            word.push(c);
        }
    }
    out.push_str(&regex::escape(&word));
    out
}

// ---------------------------------------------------------------------------
// Compiled patterns and searching
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Vars {
    strs: HashMap<String, String>,
    nums: HashMap<String, i128>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Str(String),
    Num(i128),
}

impl Vars {
    fn commit(&mut self, defs: Vec<(String, Value)>) {
        for (name, value) in defs {
            match value {
                Value::Str(s) => {
                    self.nums.remove(&name);
                    self.strs.insert(name, s);
                }
                Value::Num(n) => {
                    self.strs.remove(&name);
                    self.nums.insert(name, n);
                }
            }
        }
    }

    fn clear_locals(&mut self) {
        self.strs.retain(|name, _| name.starts_with('$'));
        self.nums.retain(|name, _| name.starts_with('$'));
    }

    fn describe(&self, name: &str) -> Option<String> {
        self.strs
            .get(name)
            .map(|v| format!("{v:?}"))
            .or_else(|| self.nums.get(name).map(i128::to_string))
    }
}

#[derive(Debug, Clone)]
enum SlotKind {
    Str(String),
    AnyNumber,
    Number(i128),
}

#[derive(Debug, Clone)]
struct Slot {
    name: String,
    kind: SlotKind,
}

impl Slot {
    fn regex(&self) -> String {
        match &self.kind {
            SlotKind::Str(re) => format!("(?:{re})"),
            SlotKind::AnyNumber => "[0-9]+".into(),
            SlotKind::Number(n) => regex::escape(&n.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
enum Part {
    Fixed(String),
    Def(usize),
    /// A use of the variable defined by `slot` earlier in the same pattern.
    Use {
        slot: usize,
        id: usize,
    },
}

/// A pattern turned into a regex for one set of variable values.
///
/// The `regex` crate has no backreferences, so a variable reused in its own
/// directive is first matched as a second copy of its regex (a superset of
/// the real language) and the two captures are compared; when they differ,
/// `exact_backref_match` tries the candidate values one by one.
#[derive(Debug, Clone)]
struct Compiled {
    regex: Regex,
    parts: Vec<Part>,
    slots: Vec<Slot>,
}

/// A match: byte range in the input and the variables it defines.
#[derive(Debug)]
struct Found {
    start: usize,
    end: usize,
    defs: Vec<(String, Value)>,
}

/// Same-line reuse tries every candidate value; beyond these bounds the
/// search would be too slow and is reported instead.
const MAX_BACKREF_LINE: usize = 2048;
const MAX_BACKREF_COMBINATIONS: usize = 512;

impl Compiled {
    fn new(parts: Vec<Part>, slots: Vec<Slot>) -> Result<Compiled, String> {
        let source = assemble(&parts, &slots, &HashMap::new());
        let regex = Regex::new(&source).or_else(|first| {
            // A user regex with named groups cannot be copied for a same-line
            // use; `.*` is a weaker but still sound prefilter.
            let relaxed = assemble_with(&parts, &slots, &HashMap::new(), true);
            Regex::new(&relaxed).map_err(|_| format!("cannot compile pattern: {first}"))
        })?;
        Ok(Compiled {
            regex,
            parts,
            slots,
        })
    }

    /// Leftmost match in `text[from..to]` that lies within one line.
    ///
    /// The search sees only `text[from..to]`, as LLVM's does: `^` (and
    /// `{{^}}`) matches where the search starts even mid-line, e.g. right
    /// after the previous match, and `$` where it ends.
    fn find(&self, text: &str, from: usize, to: usize) -> Result<Option<Found>, String> {
        Ok(self.find_in(&text[from..to])?.map(|f| Found {
            start: f.start + from,
            end: f.end + from,
            defs: f.defs,
        }))
    }

    /// Leftmost match in `hay` that lies within one line.
    fn find_in(&self, hay: &str) -> Result<Option<Found>, String> {
        let (text, to) = (hay, hay.len());
        let mut pos = 0;
        let mut exact_cache = ExactCache::default();
        while pos <= to {
            let Some(caps) = self.regex.captures_at(hay, pos) else {
                return Ok(None);
            };
            let whole = caps.get(0).expect("group 0 always participates");
            let line_end = hay[whole.start()..]
                .find('\n')
                .map_or(to, |i| whole.start() + i);
            // A regex like `\s` may run into the next line; retry confined
            // to this line, since patterns never span lines.
            let in_line = if whole.end() <= line_end {
                Some(caps)
            } else {
                self.regex.captures_at(&hay[..line_end], whole.start())
            };
            if let Some(caps) = in_line {
                if self.backrefs_hold(&caps) {
                    return found(&caps, &self.slots).map(Some);
                }
                let exact =
                    self.exact_backref_match(text, whole.start(), line_end, &mut exact_cache)?;
                if let Some(hit) = exact {
                    return Ok(Some(hit));
                }
            }
            pos = line_end + 1;
        }
        Ok(None)
    }

    fn backrefs_hold(&self, caps: &Captures<'_>) -> bool {
        self.parts.iter().all(|part| match part {
            Part::Use { slot, id } => {
                let def = caps.name(&def_group(*slot)).map(|m| canonical(m.as_str()));
                let used = caps.name(&use_group(*id)).map(|m| canonical(m.as_str()));
                def == used
            }
            _ => true,
        })
    }

    /// Exact search for a same-line reuse on `text[start..end]`: every value
    /// the definition's regex could capture there is substituted in turn.
    fn exact_backref_match(
        &self,
        text: &str,
        start: usize,
        end: usize,
        cache: &mut ExactCache,
    ) -> Result<Option<Found>, String> {
        let mut reused: Vec<usize> = self
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Use { slot, .. } => Some(*slot),
                _ => None,
            })
            .collect();
        reused.sort_unstable();
        reused.dedup();
        if reused.is_empty() {
            return Ok(None);
        }
        let segment = &text[start..end];
        if segment.len() > MAX_BACKREF_LINE {
            return Err(format!(
                "input line is too long ({} bytes) to match a variable reused in its own directive",
                segment.len()
            ));
        }
        let mut candidates: Vec<Vec<&str>> = Vec::new();
        for &slot in &reused {
            let whole = cached_regex(&mut cache.whole, slot, || {
                format!(r"\A{}\z", self.slots[slot].regex())
            })?;
            let bounds: Vec<usize> = segment
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(segment.len()))
                .collect();
            // The definition and each use of it match the same text at
            // successive, non-overlapping places, so a value seen fewer times
            // cannot work; this prunes nearly every candidate on real lines.
            let needed = 1 + self
                .parts
                .iter()
                .filter(|part| matches!(part, Part::Use { slot: s, .. } if *s == slot))
                .count();
            let mut values = Vec::new();
            let mut seen = HashSet::new();
            // Earliest and longest values first, like a greedy regex would.
            for (k, &a) in bounds.iter().enumerate() {
                for &b in bounds[k..].iter().rev() {
                    let value = &segment[a..b];
                    if whole.is_match(value)
                        && seen.insert(value)
                        && (value.is_empty() || segment.matches(value).count() >= needed)
                    {
                        values.push(value);
                    }
                }
            }
            if values.is_empty() {
                return Ok(None);
            }
            candidates.push(values);
        }
        let combinations = candidates
            .iter()
            .try_fold(1usize, |acc, v| acc.checked_mul(v.len()))
            .unwrap_or(usize::MAX);
        if combinations > MAX_BACKREF_COMBINATIONS {
            return Err(format!(
                "too many candidate values ({combinations}) for a variable reused in its own \
                 directive; make the definition's regex more specific"
            ));
        }
        let hay = &text[..end];
        let mut best: Option<Found> = None;
        let mut choice = vec![0; reused.len()];
        loop {
            let values: Vec<String> = (0..reused.len())
                .map(|i| candidates[i][choice[i]].to_string())
                .collect();
            let subst: HashMap<usize, &str> = reused
                .iter()
                .zip(&values)
                .map(|(&slot, value)| (slot, value.as_str()))
                .collect();
            let regex = cached_regex(&mut cache.exact, values.clone(), || {
                assemble(&self.parts, &self.slots, &subst)
            })?;
            if let Some(caps) = regex.captures_at(hay, start) {
                let hit = found(&caps, &self.slots)?;
                if best.as_ref().is_none_or(|b| hit.start < b.start) {
                    best = Some(hit);
                }
            }
            // Advance the odometer over all combinations.
            let mut i = 0;
            loop {
                if i == choice.len() {
                    return Ok(best);
                }
                choice[i] += 1;
                if choice[i] < candidates[i].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
        }
    }
}

/// Regexes built by `exact_backref_match`, kept for the lines that follow.
#[derive(Default)]
struct ExactCache {
    /// Per reused slot: its definition's regex, anchored at both ends.
    whole: HashMap<usize, Regex>,
    /// Per combination of values: the pattern with those values substituted.
    exact: HashMap<Vec<String>, Regex>,
}

fn cached_regex<K: Eq + std::hash::Hash>(
    map: &mut HashMap<K, Regex>,
    key: K,
    source: impl FnOnce() -> String,
) -> Result<&Regex, String> {
    match map.entry(key) {
        Entry::Occupied(entry) => Ok(entry.into_mut()),
        Entry::Vacant(entry) => {
            let regex = Regex::new(&source()).map_err(|e| e.to_string())?;
            Ok(entry.insert(regex))
        }
    }
}

fn def_group(slot: usize) -> String {
    format!("__fc_def{slot}")
}

fn use_group(id: usize) -> String {
    format!("__fc_use{id}")
}

/// Joins the parts into a regex; `subst` fixes reused variables to a value.
fn assemble(parts: &[Part], slots: &[Slot], subst: &HashMap<usize, &str>) -> String {
    assemble_with(parts, slots, subst, false)
}

fn assemble_with(
    parts: &[Part],
    slots: &[Slot],
    subst: &HashMap<usize, &str>,
    loose_uses: bool,
) -> String {
    // Multi-line mode: `^` and `$` match at line boundaries, as in LLVM.
    let mut out = String::from("(?m)");
    for part in parts {
        match part {
            Part::Fixed(re) => out.push_str(re),
            Part::Def(slot) => {
                let body = match subst.get(slot) {
                    Some(value) => regex::escape(value),
                    None => slots[*slot].regex(),
                };
                out.push_str(&format!("(?P<{}>{body})", def_group(*slot)));
            }
            Part::Use { slot, id } => match subst.get(slot) {
                Some(value) => out.push_str(&literal_regex(value)),
                None if loose_uses => out.push_str(&format!("(?P<{}>.*)", use_group(*id))),
                None => out.push_str(&format!("(?P<{}>{})", use_group(*id), slots[*slot].regex())),
            },
        }
    }
    out
}

fn found(caps: &Captures<'_>, slots: &[Slot]) -> Result<Found, String> {
    let whole = caps.get(0).expect("group 0 always participates");
    let mut defs = Vec::with_capacity(slots.len());
    for (index, slot) in slots.iter().enumerate() {
        let text = caps.name(&def_group(index)).map_or("", |m| m.as_str());
        let value = match slot.kind {
            SlotKind::Str(_) => Value::Str(text.to_string()),
            SlotKind::Number(n) => Value::Num(n),
            SlotKind::AnyNumber => Value::Num(text.parse().map_err(|_| {
                format!(
                    "captured value `{text}` for `{}` does not fit in 128 bits",
                    slot.name
                )
            })?),
        };
        defs.push((slot.name.clone(), value));
    }
    Ok(Found {
        start: whole.start(),
        end: whole.end(),
        defs,
    })
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

/// Match the checks against `input`.
///
/// Returns `Ok(())` or a [`FileCheckError`] describing the first failure: the
/// check line (number and text), what was expected, and where in the input
/// the search started or failed, with a few lines of context. An empty check
/// list succeeds; the caller decides whether that is allowed.
pub fn run_checks(checks: &[CheckLine], input: &str) -> Result<(), FileCheckError> {
    let patterns = prepare(checks)?;
    if checks.is_empty() {
        return Ok(());
    }
    // Line structure is what matters; `\r` would break CHECK-EMPTY and `$`.
    let text: Cow<'_, str> = if input.contains("\r\n") {
        Cow::Owned(input.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(input)
    };
    let mut engine = Engine {
        checks,
        patterns: &patterns,
        input: Input::new(&text),
        vars: Vars::default(),
    };
    engine.run()
}

/// A positive check with the DAG and NOT checks written before it, as in
/// LLVM's `FileCheckString`. `positive == None` stands for the end of input,
/// which collects trailing DAG/NOT checks.
struct Step {
    positive: Option<usize>,
    dag_not: Vec<usize>,
}

fn build_steps(checks: &[CheckLine]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut pending = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        if check.kind.is_positive() {
            steps.push(Step {
                positive: Some(index),
                dag_not: std::mem::take(&mut pending),
            });
        } else {
            pending.push(index);
        }
    }
    if !pending.is_empty() {
        steps.push(Step {
            positive: None,
            dag_not: pending,
        });
    }
    steps
}

struct Input<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> Input<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Input { text, starts }
    }

    /// 1-based line number of a byte offset.
    fn line_of(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s <= pos)
    }

    fn line_text(&self, line: usize) -> &'a str {
        let start = self.starts[line - 1];
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        &self.text[start..end]
    }

    /// Number of lines, not counting the empty tail after a final newline.
    fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }
}

struct Engine<'a> {
    checks: &'a [CheckLine],
    patterns: &'a [Pattern],
    input: Input<'a>,
    vars: Vars,
}

impl Engine<'_> {
    fn run(&mut self) -> Result<(), FileCheckError> {
        let steps = build_steps(self.checks);
        let len = self.input.text.len();

        // Locate every label first; each bounds the block of checks before it.
        let mut blocks = Vec::new();
        let mut cursor = 0;
        for (index, step) in steps.iter().enumerate() {
            let Some(check) = step.positive else { continue };
            if self.checks[check].kind != CheckKind::Label {
                continue;
            }
            match self.search(check, cursor, len)? {
                Some(hit) => {
                    cursor = hit.end;
                    blocks.push((index + 1, hit.end));
                }
                None => return Err(self.not_found(check, cursor, len, None, None)),
            }
        }
        blocks.push((steps.len(), len));

        let (mut first_step, mut region_start) = (0, 0);
        for (block, &(end_step, region_end)) in blocks.iter().enumerate() {
            if block > 0 {
                self.vars.clear_locals();
            }
            let mut pos = region_start;
            for step in &steps[first_step..end_step] {
                pos = self.run_step(step, pos, region_end)?;
            }
            first_step = end_step;
            region_start = region_end;
        }
        Ok(())
    }

    /// Matches one step in `[start, end)`; returns where the next search starts.
    fn run_step(&mut self, step: &Step, start: usize, end: usize) -> Result<usize, FileCheckError> {
        let mut nots = Vec::new();
        let last = self.check_dag(&step.dag_not, start, end, &mut nots)?;
        let Some(check) = step.positive else {
            self.check_not(&nots, last, end)?;
            return Ok(end);
        };
        let kind = self.checks[check].kind;
        let (first, match_end) = if kind == CheckKind::Empty {
            match find_empty_line(self.input.text, last, end) {
                Some(pos) => (pos, pos),
                None => return Err(self.not_found(check, last, end, None, None)),
            }
        } else {
            let count = match kind {
                CheckKind::Count(n) => n,
                _ => 1,
            };
            let mut cursor = last;
            let mut first = None;
            for done in 0..count {
                let Some(hit) = self.search(check, cursor, end)? else {
                    let progress = (count > 1).then_some((done, count));
                    return Err(self.not_found(check, cursor, end, progress, None));
                };
                first.get_or_insert(hit.start);
                cursor = hit.end;
                self.vars.commit(hit.defs);
            }
            (first.unwrap_or(last), cursor)
        };

        let newlines = self.input.text[last..first].matches('\n').count();
        let misplaced = match kind {
            CheckKind::Next | CheckKind::Empty => newlines != 1,
            CheckKind::Same => newlines != 0,
            _ => false,
        };
        if misplaced {
            return Err(self.misplaced(check, last, first, newlines));
        }
        self.check_not(&nots, last, first)?;
        Ok(match_end)
    }

    /// Port of LLVM's `CheckDag`: matches the DAG groups of a step, checking
    /// the NOTs between groups; NOTs after the last group are left in `nots`
    /// for the caller. Returns the end of the last group's matches.
    fn check_dag(
        &mut self,
        dag_not: &[usize],
        start: usize,
        end: usize,
        nots: &mut Vec<usize>,
    ) -> Result<usize, FileCheckError> {
        let mut group_start = start;
        // Sorted, non-overlapping matches of the current group: (start, end, check).
        let mut ranges: Vec<(usize, usize, usize)> = Vec::new();
        for (position, &check) in dag_not.iter().enumerate() {
            if self.checks[check].kind == CheckKind::Not {
                nots.push(check);
                continue;
            }
            let mut from = group_start;
            let mut index = 0;
            let mut skipped = None;
            loop {
                let Some(hit) = self.search(check, from, end)? else {
                    return Err(self.not_found(check, group_start, end, None, skipped));
                };
                let mut overlap = false;
                while index < ranges.len() {
                    if hit.start < ranges[index].1 {
                        overlap = ranges[index].0 < hit.end;
                        break;
                    }
                    index += 1;
                }
                if !overlap {
                    ranges.insert(index, (hit.start, hit.end, check));
                    self.vars.commit(hit.defs);
                    break;
                }
                // Each text can satisfy only one DAG of a group: search on
                // after the match this one collided with.
                skipped = Some((hit.start, ranges[index].2));
                from = ranges[index].1;
            }
            let group_ends = match dag_not.get(position + 1) {
                None => true,
                Some(&next) => self.checks[next].kind == CheckKind::Not,
            };
            if group_ends {
                if !nots.is_empty() {
                    self.check_not(nots, group_start, ranges[0].0)?;
                    nots.clear();
                }
                group_start = ranges.last().map_or(group_start, |r| r.1);
                ranges.clear();
            }
        }
        Ok(group_start)
    }

    fn check_not(
        &mut self,
        nots: &[usize],
        start: usize,
        end: usize,
    ) -> Result<(), FileCheckError> {
        for &check in nots {
            if let Some(hit) = self.search(check, start, end)? {
                return Err(self.excluded(check, &hit, start, end));
            }
        }
        Ok(())
    }

    fn search(
        &self,
        check: usize,
        from: usize,
        to: usize,
    ) -> Result<Option<Found>, FileCheckError> {
        let pattern = &self.patterns[check];
        let compiled = match &pattern.fixed {
            Some(compiled) => Cow::Borrowed(compiled),
            None => Cow::Owned(
                pattern
                    .compile(&self.vars)
                    .map_err(|message| self.failure(check, &message, Vec::new()))?,
            ),
        };
        compiled
            .find(self.input.text, from, to)
            .map_err(|message| self.failure(check, &message, Vec::new()))
    }

    // --- diagnostics -------------------------------------------------------

    /// An error for `check` with the directive-prefixed headline and notes.
    fn failure(&self, check: usize, headline: &str, notes: Vec<String>) -> FileCheckError {
        let line = &self.checks[check];
        let mut message = format!(
            "{}: {headline}\n  check line {}: {line}",
            line.directive(),
            line.line
        );
        for name in self.patterns[check].used_vars() {
            if let Some(value) = self.vars.describe(&name) {
                message.push_str(&format!("\n  with variable `{name}` equal to {value}"));
            }
        }
        for note in notes {
            message.push('\n');
            message.push_str(&note);
        }
        FileCheckError {
            line: line.line,
            message,
        }
    }

    fn not_found(
        &self,
        check: usize,
        from: usize,
        to: usize,
        progress: Option<(usize, usize)>,
        skipped: Option<(usize, usize)>,
    ) -> FileCheckError {
        let kind = self.checks[check].kind;
        let mut headline = if kind == CheckKind::Empty {
            "expected an empty line, but none follows".to_string()
        } else {
            "expected string not found in input".to_string()
        };
        if let Some((done, count)) = progress {
            headline.push_str(&format!(" (found {done} of {count} required matches)"));
        }
        let mut notes = Vec::new();
        if self.input.text.is_empty() {
            notes.push("  the input is empty".to_string());
        } else {
            let first = self.input.line_of(from);
            let last = self.input.line_of(to.saturating_sub(1).max(from));
            let until = if to >= self.input.text.len() {
                "the end of input".to_string()
            } else {
                format!("input line {last} (end of the CHECK-LABEL block)")
            };
            notes.push(format!("  scanning from input line {first} to {until}:"));
            let shown: Vec<usize> = (first..=last.min(first + 4)).collect();
            notes.push(self.snippet(&shown, &[first]));
        }
        if let Some((at, other)) = skipped {
            let line = self.input.line_of(at);
            notes.push(format!(
                "  a match on input line {line} was skipped because it overlaps the match of \
                 check line {} ({}); each CHECK-DAG of a group needs its own text",
                self.checks[other].line, self.checks[other]
            ));
        }
        // After an overlap the near miss would just be the overlapped text.
        let fuzzy = match skipped {
            None => self.fuzzy_match(check, from, to),
            Some(_) => None,
        };
        if let Some(line) = fuzzy {
            notes.push(format!("  possible intended match on input line {line}:"));
            notes.push(self.snippet(&[line], &[line]));
        }
        self.failure(check, &headline, notes)
    }

    fn misplaced(
        &self,
        check: usize,
        last: usize,
        first: usize,
        newlines: usize,
    ) -> FileCheckError {
        let kind = self.checks[check].kind;
        let headline = match (kind, newlines) {
            (CheckKind::Same, _) => "is not on the same line as the previous match",
            (CheckKind::Empty, _) => "the line after the previous match is not empty",
            (_, 0) => "is on the same line as the previous match",
            _ => "is not on the line after the previous match",
        };
        let previous = self.input.line_of(last);
        let found = self.input.line_of(first);
        let what = if kind == CheckKind::Empty {
            "the next empty line is"
        } else {
            "this match is on"
        };
        let mut shown: Vec<usize> = (previous..=found).collect();
        if shown.len() > 6 {
            shown = vec![previous, previous + 1, found - 1, found];
        }
        let notes = vec![
            format!(
                "  the previous match ends on input line {previous}; {what} input line {found}:"
            ),
            self.snippet(&shown, &[previous, found]),
        ];
        self.failure(check, headline, notes)
    }

    fn excluded(&self, check: usize, hit: &Found, start: usize, end: usize) -> FileCheckError {
        let line = self.input.line_of(hit.start);
        let from = self.input.line_of(start);
        let until = self.input.line_of(end);
        let shown: Vec<usize> = (line.saturating_sub(1).max(1)..=line + 1)
            .filter(|&l| l <= self.input.line_count().max(1))
            .collect();
        let notes = vec![
            format!(
                "  found on input line {line}, inside the excluded range (input lines \
                 {from}-{until}):"
            ),
            self.snippet(&shown, &[line]),
        ];
        self.failure(check, "excluded string found in input", notes)
    }

    /// The line in `[from, to)` that looks most like the pattern's literal
    /// words, when one comes close enough to be worth pointing out.
    fn fuzzy_match(&self, check: usize, from: usize, to: usize) -> Option<usize> {
        const MAX_LINES: usize = 10_000;
        let wanted = self.patterns[check].fuzzy_text(&self.vars);
        let tokens: Vec<&str> = wanted.split_whitespace().collect();
        if tokens.is_empty() || self.input.text.is_empty() {
            return None;
        }
        let first = self.input.line_of(from);
        let last = self.input.line_of(to.saturating_sub(1).max(from));
        let mut best: Option<(f64, usize)> = None;
        for line in (first..=last).take(MAX_LINES) {
            let text = self.input.line_text(line);
            let words: Vec<&str> = text.split_whitespace().collect();
            let score: f64 = tokens
                .iter()
                .map(|token| {
                    if text.contains(token) {
                        return 1.0;
                    }
                    let close = words
                        .iter()
                        .map(|w| strsim::normalized_levenshtein(token, w))
                        .fold(0.0, f64::max);
                    if close >= 0.7 {
                        close
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
                / tokens.len() as f64;
            if score >= 0.5 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, line));
            }
        }
        best.map(|(_, line)| line)
    }

    /// Renders input lines, `>` marking the interesting ones; gaps show `...`.
    fn snippet(&self, lines: &[usize], marked: &[usize]) -> String {
        const MAX_WIDTH: usize = 160;
        let total = self.input.starts.len();
        let mut out = Vec::new();
        let mut previous = None;
        for &line in lines.iter().filter(|&&l| l >= 1 && l <= total) {
            if previous.is_some_and(|p: usize| line > p + 1) {
                out.push("          ...".to_string());
            }
            previous = Some(line);
            let mut text = self.input.line_text(line).to_string();
            if text.len() > MAX_WIDTH {
                let cut = (0..=MAX_WIDTH)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text.truncate(cut);
                text.push_str("...");
            }
            let mark = if marked.contains(&line) { '>' } else { ' ' };
            out.push(format!("  {mark} {line:>5} | {text}"));
        }
        out.join("\n")
    }
}

/// Start of the first empty line after the first newline at or after `from`,
/// following LLVM's `\n$` match for CHECK-EMPTY: the match begins just after
/// a newline that is followed by another newline or by the end of the range.
fn find_empty_line(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..to)
        .filter(|&i| bytes[i] == b'\n')
        .find(|&i| i + 1 == to || bytes[i + 1] == b'\n')
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    fn parse(src: &str) -> Result<Vec<CheckLine>, FileCheckError> {
        parse_checks(src, &prefixes(&["CHECK"]))
    }

    fn check(src: &str, input: &str) -> Result<(), FileCheckError> {
        run_checks(&parse(src)?, input)
    }

    #[track_caller]
    fn passes(src: &str, input: &str) {
        if let Err(e) = check(src, input) {
            panic!("expected the checks to pass, got:\n{e}");
        }
    }

    #[track_caller]
    fn fails(src: &str, input: &str) -> FileCheckError {
        match check(src, input) {
            Ok(()) => panic!("expected the checks to fail"),
            Err(e) => e,
        }
    }

    #[track_caller]
    fn parse_error(src: &str) -> FileCheckError {
        match parse(src) {
            Ok(checks) => panic!("expected a parse error, got {checks:?}"),
            Err(e) => e,
        }
    }

    // --- prefix spelling ----------------------------------------------------

    fn valid_prefixes() -> Vec<String> {
        let mut v = vec!["CHECK".to_string()];
        for sm in ["sm_80", "sm_90", "sm_90a"] {
            v.push(format!("{sm}-CHECK"));
            v.push(format!("fast-{sm}-CHECK"));
        }
        v.push("fast-CHECK".into());
        v
    }

    fn spelling_error(src: &str) -> String {
        check_prefix_spelling(src, &valid_prefixes())
            .expect_err("expected a spelling error")
            .message
    }

    #[test]
    fn misspelled_check_prefixes_are_errors_with_the_nearest_valid_one() {
        let e = spelling_error("fn a() {}\n// CHEKC: add.s32\n");
        assert!(e.contains("`CHEKC`"), "{e}");
        assert!(e.contains("did you mean `CHECK:`"), "{e}");
        assert!(e.contains("check line 2"), "{e}");
        let e = spelling_error("// sm90-CHECK: add.s32\n");
        assert!(e.contains("did you mean `sm_90-CHECK:`"), "{e}");
        let e = spelling_error("// sm_90-CHEK-NEXT: add.s32\n");
        assert!(e.contains("did you mean `sm_90-CHECK-NEXT:`"), "{e}");
        let e = spelling_error("// slow-CHECK-LABEL: .entry k\n");
        assert!(e.contains("unknown check prefix `slow-CHECK`"), "{e}");
        assert!(e.contains("did you mean `fast-CHECK-LABEL:`"), "{e}");
        let e = spelling_error("// CHCK: x\n");
        assert!(e.contains("did you mean `CHECK:`"), "{e}");
        // A valid but inactive prefix still has its suffix checked.
        let e = spelling_error("// sm_90a-CHECK-NXT: x\n");
        assert!(e.contains("sm_90a-CHECK-NEXT:"), "{e}");
    }

    #[test]
    fn valid_prefixes_and_ordinary_comments_are_not_flagged() {
        let src = "\
// CHECK: a
// CHECK-COUNT-3: b
// sm_90-CHECK-NEXT: c
// fast-sm_90a-CHECK-DAG: d
// fast-CHECK-EMPTY:
/// CHECK-LABEL: .entry k
// Note: CHECK lines below are for sm_90
// TODO: check this
// Check: the value is wrapped
// SAFETY: the pointer is valid
// https://example.com/CHECK: not a directive
// CHECKING the sum
let x = 1; // CHEKC: not at the start of the comment
";
        check_prefix_spelling(src, &valid_prefixes()).unwrap();
    }

    // --- parsing -------------------------------------------------------------

    #[test]
    fn parses_every_kind_with_lines_prefixes_and_trimmed_patterns() {
        let src = "\
fn main() {}
// CHECK: a
//   CHECK-NEXT:   b c   
    // CHECK-SAME: d
// CHECK-LABEL: e
// CHECK-NOT: f
// CHECK-DAG: g
// CHECK-EMPTY:
// CHECK-COUNT-12: h
";
        let checks = parse(src).unwrap();
        let got: Vec<(usize, CheckKind, &str)> = checks
            .iter()
            .map(|c| (c.line, c.kind, c.pattern.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, CheckKind::Plain, "a"),
                (3, CheckKind::Next, "b c"),
                (4, CheckKind::Same, "d"),
                (5, CheckKind::Label, "e"),
                (6, CheckKind::Not, "f"),
                (7, CheckKind::Dag, "g"),
                (8, CheckKind::Empty, ""),
                (9, CheckKind::Count(12), "h"),
            ]
        );
        assert!(checks.iter().all(|c| c.prefix == "CHECK"));
        assert_eq!(checks[1].to_string(), "CHECK-NEXT: b c");
        assert_eq!(checks[6].to_string(), "CHECK-EMPTY:");
        assert_eq!(checks[7].directive(), "CHECK-COUNT-12");
    }

    #[test]
    fn only_comment_lines_starting_with_the_directive_count() {
        let src = r#"
let s = "CHECK: not a comment";
let t = 1; // CHECK: trailing comment is not a check line
/* CHECK: block comment */
/// CHECK: doc comment
//! CHECK-NEXT: inner doc comment
// CHECKS below are fine, as is a CHECKER
//~ ERROR CHECK: diagnostics annotations are not checks
"#;
        let checks = parse(src).unwrap();
        let patterns: Vec<&str> = checks.iter().map(|c| c.pattern.as_str()).collect();
        assert_eq!(patterns, vec!["doc comment", "inner doc comment"]);
        assert_eq!(checks[0].line, 5);
    }

    #[test]
    fn prefix_filtering_follows_the_active_list() {
        let src = "\
// CHECK: common
// sm_90-CHECK: hopper
// sm_80-CHECK: ampere
// rev1-CHECK: revision
// rev1-sm_90-CHECK-NOT: both
// rev2-CHECK-NXT: typo in an inactive prefix is not our business
";
        let only_check = parse_checks(src, &prefixes(&["CHECK"])).unwrap();
        assert_eq!(only_check.len(), 1);

        let active = prefixes(&["CHECK", "sm_90-CHECK", "rev1-CHECK", "rev1-sm_90-CHECK"]);
        let checks = parse_checks(src, &active).unwrap();
        let got: Vec<(&str, CheckKind, &str)> = checks
            .iter()
            .map(|c| (c.prefix.as_str(), c.kind, c.pattern.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("CHECK", CheckKind::Plain, "common"),
                ("sm_90-CHECK", CheckKind::Plain, "hopper"),
                ("rev1-CHECK", CheckKind::Plain, "revision"),
                ("rev1-sm_90-CHECK", CheckKind::Not, "both"),
            ]
        );

        // Prefixes that share no directive still coexist unused.
        let unused = parse_checks("// CHECK: x\n", &prefixes(&["CHECK", "sm_90-CHECK"])).unwrap();
        assert_eq!(unused.len(), 1);
    }

    #[test]
    fn no_checks_for_the_active_prefixes_is_an_empty_list_that_passes() {
        let checks = parse_checks("// sm_80-CHECK: x\nfn f() {}\n", &prefixes(&["CHECK"])).unwrap();
        assert!(checks.is_empty());
        assert_eq!(run_checks(&checks, "anything"), Ok(()));
        assert_eq!(run_checks(&[], ""), Ok(()));
    }

    #[test]
    fn unknown_suffix_is_an_error_with_a_suggestion() {
        let e = parse_error("// CHECK: a\n// CHECK-NXT: b\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("unknown check directive `CHECK-NXT:`"),
            "{e}"
        );
        assert!(e.message.contains("did you mean `CHECK-NEXT:`"), "{e}");

        let e = parse_error("// CHECK-NEXTT: b\n");
        assert!(e.message.contains("did you mean `CHECK-NEXT:`"), "{e}");

        let e = parse_error("// CHECK-label: b\n");
        assert!(e.message.contains("did you mean `CHECK-LABEL:`"), "{e}");
        assert!(e.message.contains("case-sensitive"), "{e}");

        let e =
            parse_checks("\n\n// sm_90-CHECK-SAM: b\n", &prefixes(&["sm_90-CHECK"])).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("sm_90-CHECK-SAME:"), "{e}");
    }

    #[test]
    fn missing_colon_is_an_error() {
        let e = parse_error("// CHECK: a\n// CHECK-NEXT b\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("`CHECK-NEXT` is missing its colon"),
            "{e}"
        );
        assert!(e.message.contains("// CHECK-NEXT b"), "{e}");

        let e = parse_error("// CHECK : a\n");
        assert!(e.message.contains("remove the space"), "{e}");

        let e = parse_error("// CHECK{LITERAL}: [[a]]\n");
        assert!(e.message.contains("{LITERAL}"), "{e}");
    }

    #[test]
    fn count_needs_a_positive_number() {
        assert_eq!(parse_error("// CHECK-COUNT-0: a\n").line, 1);
        assert!(parse_error("// CHECK-COUNT-x: a\n")
            .message
            .contains("positive"));
        assert!(parse_error("// CHECK-COUNT: a\n")
            .message
            .contains("unknown"));
    }

    #[test]
    fn invalid_regex_is_reported_at_its_line() {
        let e = parse_error("// CHECK: ok\n// CHECK: ld.{{[0-9}}\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("invalid regex `[0-9`"), "{e}");

        let e = parse_error("// CHECK: [[X:(]]\n");
        assert!(e.message.contains("invalid regex `(`"), "{e}");

        let e = parse_error("// CHECK: a {{b\n");
        assert!(e.message.contains("no end `}}`"), "{e}");

        let e = parse_error("// CHECK: a [[b\n");
        assert!(e.message.contains("no `]]` found"), "{e}");
    }

    #[test]
    fn malformed_substitutions_are_errors() {
        assert!(parse_error("// CHECK: [[1X]]\n")
            .message
            .contains("invalid variable name"));
        assert!(parse_error("// CHECK: [[X:a]] [[X:b]]\n")
            .message
            .contains("defined twice"));
        assert!(parse_error("// CHECK: [[#%x,N:]]\n")
            .message
            .contains("format specifiers"));
        assert!(parse_error("// CHECK: [[#N*2]]\n")
            .message
            .contains("unsupported numeric"));
        assert!(parse_error("// CHECK: [[#N:]] [[#N+1]]\n")
            .message
            .contains("same directive"));
    }

    #[test]
    fn empty_patterns_are_errors_except_for_check_empty() {
        let e = parse_error("// CHECK:\n");
        assert!(e.message.contains("empty check string"), "{e}");
        assert!(e.message.contains("CHECK-EMPTY"), "{e}");
        let e = parse_error("// CHECK: a\n// CHECK-EMPTY: b\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn next_same_and_empty_need_a_previous_positive_check() {
        for kind in ["NEXT", "SAME", "EMPTY"] {
            let pattern = if kind == "EMPTY" { "" } else { " x" };
            let e = parse_error(&format!("// CHECK-NOT: y\n// CHECK-{kind}:{pattern}\n"));
            assert_eq!(e.line, 2, "{e}");
            assert!(
                e.message.contains("without a previous `CHECK:` line"),
                "{e}"
            );
        }
        assert!(parse("// CHECK-LABEL: f\n// CHECK-NEXT: x\n").is_ok());
    }

    #[test]
    fn labels_cannot_use_variables() {
        let e = parse_error("// CHECK: [[F:f]]\n// CHECK-LABEL: [[F]]\n");
        assert_eq!(e.line, 2);
        assert!(e
            .message
            .contains("CHECK-LABEL directives cannot contain variable"));
        assert!(parse("// CHECK-LABEL: {{f[0-9]}} [[@LINE]] [[#]]\n").is_ok());
    }

    #[test]
    fn invalid_prefix_is_rejected() {
        let e = parse_checks("", &prefixes(&["CHECK:"])).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(e.message.contains("invalid check prefix"));
    }

    #[test]
    fn hand_built_check_lists_are_validated_too() {
        let checks = vec![CheckLine {
            line: 7,
            prefix: "CHECK".into(),
            kind: CheckKind::Plain,
            pattern: "{{(}}".into(),
        }];
        assert_eq!(run_checks(&checks, "(").unwrap_err().line, 7);
    }

    // --- plain CHECK -----------------------------------------------------------

    #[test]
    fn plain_checks_match_in_order_as_substrings() {
        let src = "// CHECK: ld.param\n// CHECK: ld.global.f32\n// CHECK: ret;\n";
        passes(
            src,
            "ld.param.u64 %rd1;\nadd.s32 %r1;\nld.global.f32 %f1, [%rd4];\nret;\n",
        );
        // Two checks can match on the same line, one after the other.
        passes("// CHECK: a\n// CHECK: b\n", "a b\n");

        let e = fails(src, "ld.param.u64 %rd1;\nret;\nld.global.f32 %f1;\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("CHECK: expected string not found in input"),
            "{e}"
        );
        assert!(e.message.contains("check line 3: CHECK: ret;"), "{e}");
        assert!(
            e.message
                .contains("scanning from input line 3 to the end of input"),
            "{e}"
        );
    }

    #[test]
    fn a_check_that_never_matches_reports_its_line_and_a_near_miss() {
        let src = "// CHECK: .entry saxpy\n// CHECK: ld.global.f32\n";
        let input = ".visible .entry saxpy(\n  ld.param.u64 %rd1;\n  ld.global.f64 %fd1;\n}\n";
        let e = fails(src, input);
        assert_eq!(e.line, 2);
        assert!(e.message.contains("scanning from input line 1"), "{e}");
        assert!(
            e.message
                .contains("possible intended match on input line 3"),
            "{e}"
        );
        assert!(e.message.contains("ld.global.f64 %fd1;"), "{e}");
    }

    #[test]
    fn patterns_do_not_span_lines() {
        let e = fails("// CHECK: foo{{.*}}bar\n", "foo\nbar\n");
        assert_eq!(e.line, 1);
        fails("// CHECK: foo{{\\s+}}bar\n", "foo\nbar\n");
        // ...but a regex that could run on still matches within one line.
        passes("// CHECK: foo{{\\s+}}bar\n", "x\nfoo  bar\n");
        passes("// CHECK: foo{{\\s*}}\n", "foo\nbar\n");
    }

    #[test]
    fn empty_input_fails_with_a_clear_note() {
        let e = fails("// CHECK: a\n", "");
        assert!(e.message.contains("the input is empty"), "{e}");
    }

    // --- whitespace and regex syntax ------------------------------------------

    #[test]
    fn whitespace_runs_are_canonicalized_outside_regex_blocks() {
        passes("// CHECK: add.s32  %r1,\t%r2\n", "add.s32 %r1,     %r2\n");
        passes("// CHECK: mov.u32 %r1\n", "mov.u32\t\t%r1\n");
        // Leading/trailing pattern whitespace is ignored.
        passes("// CHECK:      ret;     \n", "ret;\n");
        // Whitespace is required where the pattern has some, and vice versa.
        fails("// CHECK: a b\n", "ab\n");
        fails("// CHECK: ab\n", "a b\n");
        // Inside {{...}} the regex decides.
        passes("// CHECK: {{a b}}\n", "a b\n");
        fails("// CHECK: {{a b}}\n", "a  b\n");
    }

    #[test]
    fn regex_blocks_and_literal_metacharacters() {
        passes(
            "// CHECK: ld.global.f32 %f{{[0-9]+}}, [%rd{{[0-9]+}}];\n",
            "ld.global.f32 %f12, [%rd4];\n",
        );
        // Outside {{ }} everything is literal: `.` and `+` are not regex.
        fails("// CHECK: a.b+\n", "axbb\n");
        passes("// CHECK: a.b+ (c)*\n", "a.b+ (c)*\n");
        // Braces inside the regex are balanced before looking for `}}`.
        passes("// CHECK: x{{a{2}}}y\n", "xaay\n");
        // ...and a literal `}` may follow a regex block, as in LLVM.
        passes("// CHECK: {{^}}}\n", "  {\n}\n");
        fails("// CHECK: {{^}}}\n", "  }\n");
        passes("// CHECK: {{[}]}}\n", "}\n");
        // Anchors work per line.
        passes("// CHECK: {{^}}ret;{{$}}\n", "  ret; // no\nret;\n");
        // An empty regex block is an error, as in LLVM (see
        // llvm_the_empty_regex_is_an_error).
        fails("// CHECK: a{{}}b\n", "ab\n");
    }

    #[test]
    fn crlf_input_is_treated_like_lf() {
        passes(
            "// CHECK: a\n// CHECK-EMPTY:\n// CHECK-NEXT: b{{$}}\n",
            "a\r\n\r\nb\r\n",
        );
    }

    // --- CHECK-NEXT ------------------------------------------------------------

    const X86_T2: &str = "\
t2:
\tmovl\t8(%esp), %eax
\tmovapd\t(%eax), %xmm0
\tmovhpd\t12(%esp), %xmm0
\tmovl\t4(%esp), %eax
\tmovapd\t%xmm0, (%eax)
\tret
";

    #[test]
    fn next_follows_the_llvm_docs_example() {
        let src = "\
// CHECK:          t2:
// CHECK:             movl\t8(%esp), %eax
// CHECK-NEXT:        movapd\t(%eax), %xmm0
// CHECK-NEXT:        movhpd\t12(%esp), %xmm0
// CHECK-NEXT:        movl\t4(%esp), %eax
// CHECK-NEXT:        movapd\t%xmm0, (%eax)
// CHECK-NEXT:        ret
";
        passes(src, X86_T2);
    }

    #[test]
    fn next_that_matches_two_lines_later_fails() {
        let src = "// CHECK: t2:\n// CHECK: movl\n// CHECK-NEXT: movhpd\n";
        let e = fails(src, X86_T2);
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("CHECK-NEXT: is not on the line after the previous match"),
            "{e}"
        );
        assert!(
            e.message
                .contains("previous match ends on input line 2; this match is on input line 4"),
            "{e}"
        );
        assert!(e.message.contains("movapd"), "{e}");
    }

    #[test]
    fn next_on_the_same_line_fails() {
        let e = fails("// CHECK: a\n// CHECK-NEXT: b\n", "a b\nb\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("is on the same line as the previous match"),
            "{e}"
        );
    }

    #[test]
    fn next_after_a_label_is_relative_to_the_label_line() {
        passes("// CHECK-LABEL: f:\n// CHECK-NEXT: x\n", "f:\nx\n");
        fails("// CHECK-LABEL: f:\n// CHECK-NEXT: x\n", "f:\ny\nx\n");
    }

    // --- CHECK-SAME ------------------------------------------------------------

    #[test]
    fn same_follows_the_llvm_docs_example() {
        let src = "\
// CHECK:       !DILocation(line: 5,
// CHECK-NOT:               column:
// CHECK-SAME:              scope: ![[SCOPE:[0-9]+]]
// CHECK: !DISubprogram(name: \"f\", id: ![[SCOPE]])
";
        let good = "!0 = !DILocation(line: 5, scope: !1, inlinedAt: !2)\n!1 = !DISubprogram(name: \"f\", id: !1)\n";
        passes(src, good);
        let with_column = "!0 = !DILocation(line: 5, column: 3, scope: !1)\n!1 = !DISubprogram(name: \"f\", id: !1)\n";
        let e = fails(src, with_column);
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("CHECK-NOT: excluded string found in input"),
            "{e}"
        );
        let scope_on_next_line = "!0 = !DILocation(line: 5,\n  scope: !1)\n";
        let e = fails(src, scope_on_next_line);
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("is not on the same line as the previous match"),
            "{e}"
        );
    }

    #[test]
    fn same_must_come_after_the_previous_match() {
        fails("// CHECK: b\n// CHECK-SAME: a\n", "a b\n");
        passes(
            "// CHECK: a\n// CHECK-SAME: b\n// CHECK-SAME: c\n",
            "a b c\n",
        );
    }

    // --- CHECK-EMPTY -----------------------------------------------------------

    #[test]
    fn empty_matches_the_next_line_only_when_it_is_empty() {
        let src = "// CHECK: foo\n// CHECK-EMPTY:\n// CHECK-NEXT: bar\n";
        passes(src, "foo\n\nbar\n");
        let e = fails(src, "foo\nbaz\n\nbar\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("the line after the previous match is not empty"),
            "{e}"
        );
        // A line of blanks is not empty.
        let e = fails(src, "foo\n  \nbar\nbaz");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("expected an empty line"), "{e}");
        // Two empty lines in a row.
        passes(
            "// CHECK: foo\n// CHECK-EMPTY:\n// CHECK-EMPTY:\n// CHECK-NEXT: bar\n",
            "foo\n\n\nbar\n",
        );
    }

    // --- CHECK-NOT -------------------------------------------------------------

    const COERCE: &str = "\
define i8 @coerce_offset0(i32 %V, i32* %P) {
  store i32 %V, i32* %P
  %P2 = bitcast i32* %P to i8*
  %P3 = getelementptr i8* %P2, i32 2
  %A = load i8* %P3
  ret i8 %A
}
";

    #[test]
    fn not_follows_the_llvm_docs_example() {
        let src = "// CHECK: @coerce_offset0\n// CHECK-NOT: load\n// CHECK: ret i8\n";
        let optimized = "define i8 @coerce_offset0(i32 %V, i32* %P) {\n  store i32 %V, i32* %P\n  ret i8 2\n}\n";
        passes(src, optimized);
        let e = fails(src, COERCE);
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("CHECK-NOT: excluded string found in input"),
            "{e}"
        );
        assert!(e.message.contains("found on input line 5"), "{e}");
        assert!(e.message.contains("%A = load i8* %P3"), "{e}");
    }

    #[test]
    fn not_only_looks_between_the_surrounding_matches() {
        // Before the first positive match and after the last are out of range.
        passes(
            "// CHECK: b\n// CHECK-NOT: x\n// CHECK: c\n",
            "x\nb\nc\nx\n",
        );
        // Leading NOTs cover the input start; trailing NOTs the input end.
        let e = fails("// CHECK-NOT: x\n// CHECK: b\n", "x\nb\n");
        assert_eq!(e.line, 1);
        let e = fails("// CHECK: b\n// CHECK-NOT: x\n", "b\nx\n");
        assert_eq!(e.line, 2);
        // A NOT-only file checks the whole input.
        passes("// CHECK-NOT: ld.local\n", "ld.global\n");
        assert_eq!(fails("// CHECK-NOT: ld.local\n", "ld.local\n").line, 1);
    }

    #[test]
    fn not_before_a_label_stops_at_the_label() {
        let src = "\
// CHECK-LABEL: .entry a
// CHECK-NOT: ld.local
// CHECK-LABEL: .entry b
// CHECK: ld.local
";
        passes(src, ".entry a\nld.global\n.entry b\nld.local\n");
        assert_eq!(
            fails(src, ".entry a\nld.local\n.entry b\nld.local\n").line,
            2
        );
    }

    #[test]
    fn not_can_use_variables() {
        let src = "// CHECK: def [[R:%r[0-9]+]]\n// CHECK-NOT: use [[R]]\n// CHECK: end\n";
        passes(src, "def %r1\nuse %r2\nend\n");
        assert_eq!(fails(src, "def %r1\nuse %r1\nend\n").line, 2);
    }

    // --- CHECK-DAG -------------------------------------------------------------

    #[test]
    fn dag_follows_the_llvm_docs_example_in_any_order() {
        let src = "\
// CHECK-DAG: add [[REG1:r[0-9]+]], r1, r2
// CHECK-DAG: add [[REG2:r[0-9]+]], r3, r4
// CHECK:     mul r5, [[REG1]], [[REG2]]
";
        passes(src, "add r10, r1, r2\nadd r11, r3, r4\nmul r5, r10, r11\n");
        passes(src, "add r11, r3, r4\nadd r10, r1, r2\nmul r5, r10, r11\n");
        let e = fails(src, "add r10, r1, r2\nadd r11, r3, r4\nmul r5, r11, r10\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("with variable `REG1` equal to \"r10\""),
            "{e}"
        );
    }

    #[test]
    fn dag_matches_must_not_overlap() {
        let src = "// CHECK-DAG: foo\n// CHECK-DAG: foo\n";
        passes(src, "foo\nfoo\n");
        passes(src, "foofoo\n");
        let e = fails(src, "foo\nbar\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("CHECK-DAG: expected string not found"),
            "{e}"
        );
        assert!(
            e.message.contains("overlaps the match of check line 1"),
            "{e}"
        );
    }

    #[test]
    fn next_check_searches_after_the_furthest_dag_match() {
        // From LLVM's -dump-input documentation: the second DAG has to skip
        // its overlapping first match, pushing the CHECK past `efgh`.
        let src = "// CHECK-DAG: abcd\n// CHECK-DAG: cdef\n// CHECK: efgh\n";
        let e = fails(src, "abcdef\ncdefgh\n");
        assert_eq!(e.line, 3);
        passes(
            "// CHECK-DAG: b\n// CHECK-DAG: a\n// CHECK: c\n",
            "a\nb\nc\n",
        );
        fails(
            "// CHECK-DAG: b\n// CHECK-DAG: c\n// CHECK: a\n",
            "a\nb\nc\n",
        );
    }

    #[test]
    fn not_between_dag_groups_orders_the_groups() {
        let src = "// CHECK-DAG: BEFORE\n// CHECK-NOT: NOT\n// CHECK-DAG: AFTER\n";
        passes(src, "BEFORE\nAFTER\n");
        passes(src, "BEFORE\nAFTER\nNOT\n");
        // The second group searches from the end of the first one.
        assert_eq!(fails(src, "AFTER\nBEFORE\n").line, 3);
        assert_eq!(fails(src, "BEFORE\nNOT\nAFTER\n").line, 2);
    }

    #[test]
    fn not_before_a_dag_group_and_after_it() {
        let src = "\
// CHECK: start
// CHECK-NOT: bad
// CHECK-DAG: x
// CHECK-DAG: y
// CHECK-NOT: worse
// CHECK: end
";
        passes(src, "start\ny\nx\nok\nend\n");
        // NOT before the group: checked up to the group's first match.
        assert_eq!(fails(src, "start\nbad\ny\nx\nend\n").line, 2);
        passes(src, "start\ny\nbad\nx\nend\n");
        // NOT after the group: checked from the group's end to the CHECK.
        assert_eq!(fails(src, "start\ny\nx\nworse\nend\n").line, 5);
        passes(src, "start\ny\nworse\nx\nend\n");
    }

    #[test]
    fn trailing_dags_match_before_the_end_of_input() {
        passes(
            "// CHECK: a\n// CHECK-DAG: c\n// CHECK-DAG: b\n",
            "a\nb\nc\n",
        );
        assert_eq!(
            fails(
                "// CHECK: a\n// CHECK-DAG: c\n// CHECK-DAG: b\n",
                "b\na\nc\n"
            )
            .line,
            3
        );
    }

    #[test]
    fn dag_variables_are_usable_later_in_the_group() {
        let src = "// CHECK-DAG: def [[V:%r[0-9]+]]\n// CHECK-DAG: use [[V]]\n";
        passes(src, "use %r3\ndef %r3\n");
        fails(src, "use %r4\ndef %r3\n");
    }

    // --- CHECK-LABEL -----------------------------------------------------------

    const CTORS: &str = "\
C_ctor_base:
\tmov r5, r0
\tbl A_ctor_base
\tmov r0, r5
D_ctor_base:
\tmov r6, r0
\tbl B_ctor_base
\tmov r0, r6
";

    #[test]
    fn label_follows_the_llvm_docs_example() {
        let src = "\
// CHECK-LABEL: C_ctor_base:
// CHECK: mov [[SAVETHIS:r[0-9]+]], r0
// CHECK: bl A_ctor_base
// CHECK: mov r0, [[SAVETHIS]]
// CHECK-LABEL: D_ctor_base:
// CHECK: mov [[SAVETHIS:r[0-9]+]], r0
// CHECK: bl B_ctor_base
// CHECK: mov r0, [[SAVETHIS]]
";
        passes(src, CTORS);
    }

    #[test]
    fn checks_cannot_escape_their_label_block() {
        let src = "\
// CHECK-LABEL: C_ctor_base:
// CHECK: bl B_ctor_base
// CHECK-LABEL: D_ctor_base:
";
        let e = fails(src, CTORS);
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("scanning from input line 1 to input line 5"),
            "{e}"
        );
        assert!(e.message.contains("end of the CHECK-LABEL block"), "{e}");
    }

    #[test]
    fn labels_are_located_before_other_checks() {
        let src = "// CHECK-LABEL: f:\n// CHECK: never\n// CHECK-LABEL: g:\n";
        let e = fails(src, "f:\nx\nh:\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("CHECK-LABEL: expected string not found"),
            "{e}"
        );
        // Labels match in order, each after the previous one.
        assert_eq!(
            fails("// CHECK-LABEL: g:\n// CHECK-LABEL: f:\n", "f:\ng:\n").line,
            2
        );
        // A repeated label pattern walks through the occurrences.
        passes(
            "// CHECK-LABEL: .entry\n// CHECK: a\n// CHECK-LABEL: .entry\n// CHECK: b\n",
            ".entry\na\n.entry\nb\n",
        );
        fails(
            "// CHECK-LABEL: .entry\n// CHECK: b\n// CHECK-LABEL: .entry\n// CHECK: a\n",
            ".entry\na\n.entry\nb\n",
        );
    }

    #[test]
    fn local_variables_are_cleared_at_labels_but_dollar_ones_survive() {
        let src = "\
// CHECK-LABEL: f:
// CHECK: [[LOCAL:%r[0-9]+]] [[$GLOBAL:%g[0-9]+]]
// CHECK-LABEL: g:
// CHECK: [[$GLOBAL]]
// CHECK: [[LOCAL]]
";
        let e = fails(src, "f:\n%r1 %g2\ng:\n%g2\n%r1\n");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("undefined variable `LOCAL`"), "{e}");
        assert!(e.message.contains("cleared at each CHECK-LABEL"), "{e}");
        passes(
            &src.replace("// CHECK: [[LOCAL]]\n", ""),
            "f:\n%r1 %g2\ng:\n%g2\n",
        );
    }

    // --- CHECK-COUNT -----------------------------------------------------------

    #[test]
    fn count_matches_n_times_in_succession() {
        let input = "\
Loop at depth 1
Loop at depth 1
Loop at depth 1
Loop at depth 1
  Loop at depth 2
    Loop at depth 3
";
        let src =
            "// CHECK-COUNT-6: Loop at depth {{[0-9]+}}\n// CHECK-NOT: Loop at depth {{[0-9]+}}\n";
        passes(src, input);
        let e = fails("// CHECK-COUNT-7: Loop at depth {{[0-9]+}}\n", input);
        assert_eq!(e.line, 1);
        assert!(e.message.contains("found 6 of 7 required matches"), "{e}");
        // A trailing NOT turns "at least" into "exactly".
        assert_eq!(fails(&src.replace("COUNT-6", "COUNT-5"), input).line, 2);
        // Several matches may share a line; the next check starts after the last.
        passes("// CHECK-COUNT-3: ab\n// CHECK-NEXT: c\n", "ab ab\nab\nc\n");
    }

    // --- variables -------------------------------------------------------------

    #[test]
    fn variables_follow_the_llvm_docs_example() {
        let src = "\
// CHECK: test5:
// CHECK:    notw\t[[REGISTER:%[a-z]+]]
// CHECK:    andw\t{{.*}}[[REGISTER]]
";
        passes(src, "test5:\n\tnotw\t%ax\n\tandw\t%cx, %ax\n");
        let e = fails(src, "test5:\n\tnotw\t%ax\n\tandw\t%cx, %bx\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("with variable `REGISTER` equal to \"%ax\""),
            "{e}"
        );
    }

    #[test]
    fn undefined_variable_is_reported_at_its_line() {
        let e = fails("// CHECK: a\n// CHECK: [[NOPE]]\n", "a\nb\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("uses undefined variable `NOPE`"), "{e}");
        let e = fails("// CHECK: [[#N+1]]\n", "1\n");
        assert!(e.message.contains("undefined variable `N`"), "{e}");
    }

    #[test]
    fn variables_can_be_redefined() {
        let src = "// CHECK: [[R:%r[0-9]+]] =\n// CHECK: use [[R]]\n// CHECK: [[R:%r[0-9]+]] =\n// CHECK: use [[R]]\n";
        passes(src, "%r1 =\nuse %r1\n%r2 =\nuse %r2\n");
        fails(src, "%r1 =\nuse %r1\n%r2 =\nuse %r1\n");
    }

    #[test]
    fn variables_defined_on_a_line_can_be_reused_on_it() {
        let src = "// CHECK: add.s32 [[R:%r[0-9]+]], [[R]], 1;\n";
        passes(src, "add.s32 %r5, %r5, 1;\n");
        fails(src, "add.s32 %r5, %r6, 1;\n");
        // The relaxed first match captures %r12 for the reuse; the exact
        // search must still find that %r1 reappears as a prefix, as a regex
        // backreference would.
        passes("// CHECK: mov [[R:%r[0-9]+]], [[R]]\n", "mov %r1, %r12;\n");
        // The defining regex is retried at later positions too.
        passes("// CHECK: [[X:[a-z]+]]-[[X]]!\n", "ab-cd ab-ab!\n");
        // The captured value is the one that satisfied the reuse.
        passes(
            "// CHECK: [[X:[a-z]+]]-[[X]]!\n// CHECK: again [[X]]\n",
            "ab-cd ab-ab!\nagain ab\n",
        );
        fails(
            "// CHECK: [[X:[a-z]+]]-[[X]]!\n// CHECK: again [[X]]\n",
            "ab-cd ab-ab!\nagain cd\n",
        );
        // A use before the definition refers to the previous value.
        passes(
            "// CHECK: [[X:[0-9]+]]\n// CHECK: [[X]] [[X:[a-z]+]] [[X]]\n",
            "7\n7 q q\n",
        );
    }

    #[test]
    fn reuse_of_a_definition_with_named_groups_still_works() {
        // The named group cannot be duplicated for the reuse, so the relaxed
        // prefilter falls back to `.*` and the exact search decides.
        let src = "// CHECK: [[X:(?P<n>a+)]]-[[X]]!\n";
        passes(src, "aa-aa!\n");
        passes(src, "aa-a!\n"); // `a-a!` at offset 1, as a backreference would
        fails(src, "aa-b!\n");
    }

    #[test]
    fn variable_values_are_matched_literally() {
        passes("// CHECK: [[V:a.c]]\n// CHECK: x[[V]]\n", "a.c\nxa.c\n");
        fails("// CHECK: [[V:a.c]]\n// CHECK: x[[V]]\n", "a.c\nxabc\n");
        // Defining regexes may contain classes with brackets.
        passes("// CHECK: [[V:[[:alpha:]]+]] = [[V]]\n", "abc = abc\n");
    }

    #[test]
    fn numeric_variables_and_line_expressions() {
        let src = "// CHECK: %r[[#N:]] =\n// CHECK-NEXT: %r[[#N+1]] =\n// CHECK: [[#N-1]]\n";
        passes(src, "%r7 =\n%r8 =\n6\n");
        let e = fails(src, "%r7 =\n%r9 =\n6\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("with variable `N` equal to 7"), "{e}");
        passes("// CHECK: .reg .b32 %r<[[#]]>;\n", ".reg .b32 %r<12>;\n");
        passes("// CHECK: [[#M:2+3]]\n// CHECK: [[#M]]\n", "5\n5\n");
        // @LINE is the check's own line in the test source.
        passes("\n\n// CHECK: .loc 1 [[@LINE]] 0\n// CHECK: .loc 1 [[#@LINE-1]] 0\n// CHECK: [[@LINE+2]]\n", ".loc 1 3 0\n.loc 1 3 0\n7\n");
    }

    // --- error rendering -------------------------------------------------------

    #[test]
    fn error_display_is_the_message() {
        let e = fails("// CHECK: zzz\n", "a\nb\n");
        assert_eq!(e.to_string(), e.message);
        assert!(e.message.contains(">     1 | a"), "{e}");
        assert!(e.message.contains("      2 | b"), "{e}");
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed
            .to_string()
            .starts_with("CHECK: expected string not found"));
    }

    #[test]
    fn failures_use_the_directive_as_written() {
        let checks = parse_checks(
            "// CHECK: a\n// sm_90-CHECK-NEXT: b\n",
            &prefixes(&["CHECK", "sm_90-CHECK"]),
        )
        .unwrap();
        let e = run_checks(&checks, "a\nc\nb\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .starts_with("sm_90-CHECK-NEXT: is not on the line after"),
            "{e}"
        );
        assert!(
            e.message.contains("check line 2: sm_90-CHECK-NEXT: b"),
            "{e}"
        );
    }

    // --- agreement with LLVM FileCheck 22 (issue 12 item 10) --------------
    //
    // Each expected result was taken from LLVM's FileCheck on the same case:
    //   printf '<input>' > in.txt; printf '<checks>' > chk.txt
    //   /usr/lib/llvm-22/bin/FileCheck --input-file in.txt chk.txt
    // (Debian LLVM 22.1.8). Its output is quoted in each comment.

    /// LLVM canonicalizes whitespace runs in the input, so a captured value
    /// matches its use however the blanks are spelled.
    /// in `a  x  y\nb x y\n`, `CHECK: a [[V:x  y]]` / `CHECK: b [[V]]`: rc=0.
    /// in `a x\ty\nb x  y\n`, `CHECK: a [[V:.*]]` / `CHECK: b [[V]]`: rc=0.
    #[test]
    fn llvm_captured_values_match_with_whitespace_canonicalized() {
        passes(
            "// CHECK: a [[V:x  y]]\n// CHECK: b [[V]]",
            "a  x  y\nb x y\n",
        );
        passes(
            "// CHECK: a [[V:.*]]\n// CHECK: b [[V]]",
            "a x\ty\nb x  y\n",
        );
        // Same-line reuse too.
        passes("// CHECK: a [[V:x[ \\t]+y]] = [[V]]", "a x\ty = x  y\n");
        // But not across a missing blank.
        fails("// CHECK: a [[V:.*]]\n// CHECK: b [[V]]", "a x y\nb xy\n");
    }

    /// A search that begins mid-line sees its start as a line start.
    /// in `ab\nxb\n`, `CHECK: a` / `CHECK: {{^}}b`: rc=0 (b on line 1).
    /// in `ab\n`, `CHECK: a` / `CHECK-SAME: {{^}}b`: rc=0.
    /// in `abc\n`, `CHECK: a` / `CHECK-NOT: {{^}}b` / `CHECK-SAME: c`:
    ///   "error: CHECK-NOT: excluded string found in input", rc=1.
    /// in `abc\n`, `CHECK: a` / `CHECK-NOT: {{b$}}` / `CHECK-SAME: c`:
    ///   "error: CHECK-NOT: excluded string found in input", rc=1.
    /// in `ab\n`, `CHECK: a` / `CHECK-DAG: {{^}}b`: rc=0.
    /// in `ab\nb\n`, `CHECK: a` / `CHECK-NEXT: {{^}}b`:
    ///   "error: CHECK-NEXT: is on the same line as previous match", rc=1.
    #[test]
    fn llvm_anchors_match_at_the_ends_of_a_search_that_begins_mid_line() {
        passes(
            "// CHECK: a\n// CHECK: {{^}}b\n// CHECK-NEXT: xb",
            "ab\nxb\n",
        );
        passes("// CHECK: a\n// CHECK-SAME: {{^}}b", "ab\n");
        passes("// CHECK: a\n// CHECK-DAG: {{^}}b", "ab\n");
        let e = fails(
            "// CHECK: a\n// CHECK-NOT: {{^}}b\n// CHECK-SAME: c",
            "abc\n",
        );
        assert!(e.message.contains("CHECK-NOT"), "{e}");
        let e = fails(
            "// CHECK: a\n// CHECK-NOT: {{b$}}\n// CHECK-SAME: c",
            "abc\n",
        );
        assert!(e.message.contains("CHECK-NOT"), "{e}");
        fails("// CHECK: a\n// CHECK-NEXT: {{^}}b", "ab\nb\n");
    }

    /// Deliberate difference: a match never spans lines.
    /// in `a\nb\n`, `CHECK: {{a[[:space:]]b}}`: rc=0 in LLVM (the class
    /// matches the newline); here it fails.
    #[test]
    fn deliberate_matches_never_span_lines() {
        fails("// CHECK: {{a[[:space:]]b}}", "a\nb\n");
        fails("// CHECK: {{a\\sb}}", "a\nb\n");
        passes("// CHECK: {{a[[:space:]]b}}", "a b\n");
    }

    /// in `x 5\ny 5\n`, `CHECK: x [[#N:]]` / `CHECK: y [[N]]`:
    ///   "error: undefined variable: N", rc=1.
    #[test]
    fn llvm_numeric_variables_are_not_strings() {
        let e = fails("// CHECK: x [[#N:]]\n// CHECK: y [[N]]", "x 5\ny 5\n");
        assert!(e.message.contains("`N` is a numeric variable"), "{e}");
        assert!(e.message.contains("[[#N]]"), "{e}");
    }

    /// in `x 5\ny 5\n`, `CHECK: x [[N:[0-9]+]]` / `CHECK: y [[#N:]]`:
    ///   "error: string variable with name 'N' already exists", rc=2.
    /// `CHECK: x [[#N:]]` / `CHECK: y [[N:[0-9]+]]`:
    ///   "error: numeric variable with name 'N' already exists", rc=2.
    #[test]
    fn llvm_a_name_is_a_string_or_a_numeric_variable() {
        let e = fails(
            "// CHECK: x [[N:[0-9]+]]\n// CHECK: y [[#N:]]",
            "x 5\ny 5\n",
        );
        assert!(
            e.message.contains(
                "numeric variable `N` has the name of the string variable defined at line 1"
            ),
            "{e}"
        );
        let e = fails(
            "// CHECK: x [[#N:]]\n// CHECK: y [[N:[0-9]+]]",
            "x 5\ny 5\n",
        );
        assert!(
            e.message.contains("string variable `N` has the name"),
            "{e}"
        );
        // Rejected before matching, as LLVM does, even where the input
        // would never reach the second line.
        fails("// CHECK: x [[N:[0-9]+]]\n// CHECK: y [[#N:]]", "nothing\n");
    }

    /// in `x 5\ny -5\n`, `CHECK: x [[#N:]]` / `CHECK: y [[#N-10]]`:
    ///   "error: unable to substitute variable or numeric expression:
    ///   overflow error", rc=1.
    /// in `x -5\n`, `CHECK: x [[#-5]]`: the same overflow error.
    /// in `x 5\ny 5\n`, `CHECK: x [[#N:]]` / `CHECK: y [[#N-10+10]]`: rc=0.
    /// in `x -5\n`, `CHECK: x [[#N:]]`: "expected string not found", rc=1.
    #[test]
    fn llvm_negative_numeric_values_are_errors() {
        let e = fails("// CHECK: x [[#N:]]\n// CHECK: y [[#N-10]]", "x 5\ny -5\n");
        assert!(e.message.contains("negative (-5)"), "{e}");
        let e = fails("// CHECK: x [[#-5]]", "x -5\n");
        assert!(e.message.contains("negative (-5)"), "{e}");
        passes(
            "// CHECK: x [[#N:]]\n// CHECK: y [[#N-10+10]]",
            "x 5\ny 5\n",
        );
        fails("// CHECK: x [[#N:]]", "x -5\n");
    }

    /// in `x 18446744073709551615\ny 18446744073709551615\n`,
    ///   `CHECK: x [[#N:]]` / `CHECK: y [[#N]]`: rc=0.
    /// in `x 99999999999999999999\ny 99999999999999999999\n`: rc=0.
    /// in `x 18446744073709551615\ny 18446744073709551616\n`,
    ///   `CHECK: x [[#N:]]` / `CHECK: y [[#N+1]]`: rc=0.
    #[test]
    fn llvm_numeric_values_above_i64() {
        let max = "18446744073709551615";
        passes(
            "// CHECK: x [[#N:]]\n// CHECK: y [[#N]]",
            &format!("x {max}\ny {max}\n"),
        );
        passes(
            "// CHECK: x [[#N:]]\n// CHECK: y [[#N]]",
            "x 99999999999999999999\ny 99999999999999999999\n",
        );
        passes(
            "// CHECK: x [[#N:]]\n// CHECK: y [[#N+1]]",
            &format!("x {max}\ny 18446744073709551616\n"),
        );
        // Deliberate: beyond 2^127 - 1 is an error here (LLVM has no bound).
        let e = fails("// CHECK: x [[#N:]]", &format!("x {}\n", "9".repeat(40)));
        assert!(e.message.contains("does not fit in 128 bits"), "{e}");
    }

    /// in `x a b\ny b\n`, `CHECK: x [[V:a]] [[V:b]]` / `CHECK: y [[V]]`:
    ///   rc=0 (LLVM keeps the last value). Deliberate difference: an error.
    /// in `x 1 2\n`, `CHECK: x [[#V:]] [[#V:]]`: rc=0; here an error.
    #[test]
    fn deliberate_a_variable_defined_twice_on_one_line_is_an_error() {
        let e = fails(
            "// CHECK: x [[V:a]] [[V:b]]\n// CHECK: y [[V]]",
            "x a b\ny b\n",
        );
        assert!(
            e.message.contains("defined twice in the same directive"),
            "{e}"
        );
        assert!(e.message.contains("LLVM FileCheck accepts"), "{e}");
        let e = fails("// CHECK: x [[#V:]] [[#V:]]", "x 1 2\n");
        assert!(
            e.message.contains("defined twice in the same directive"),
            "{e}"
        );
    }

    /// in `x\n`, `CHECK: x{{}}`: "error: invalid regex: empty
    /// (sub)expression", rc=2.
    #[test]
    fn llvm_the_empty_regex_is_an_error() {
        let e = fails("// CHECK: x{{}}", "x\n");
        assert!(e.message.contains("invalid regex: empty `{{}}`"), "{e}");
    }

    /// in `x 5\ny 5\n`, `CHECK: x [[#N:]]` / `CHECK: y [[#==N]]`: rc=0.
    /// in `x 5\ny 6\n`: "error: CHECK: expected string not found in input
    ///   ... with "==N" equal to "5"", rc=1.
    /// in `x 5\ny 6\n`, `CHECK: x [[#N:]]` / `CHECK: y [[#M:==N+1]]`: rc=0.
    #[test]
    fn llvm_the_equality_constraint() {
        passes("// CHECK: x [[#N:]]\n// CHECK: y [[#==N]]", "x 5\ny 5\n");
        fails("// CHECK: x [[#N:]]\n// CHECK: y [[#==N]]", "x 5\ny 6\n");
        passes(
            "// CHECK: x [[#N:]]\n// CHECK: y [[#M:==N+1]]\n// CHECK: z [[#M]]",
            "x 5\ny 6\nz 6\n",
        );
        let e = fails("// CHECK: x [[#==]]", "x 5\n");
        assert!(e.message.contains("`==` needs an expression"), "{e}");
    }
}

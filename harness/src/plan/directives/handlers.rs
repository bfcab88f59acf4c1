//! The value handlers: each turns one directive's text into its typed
//! value or into diagnostics at the offending words, given the `ParseCx`
//! of the parse (the backend's own stage names).

use std::ops::Range;
use std::time::Duration;

use ptx_backend::sm::SmTarget;
use regex::Regex;

use super::lex::{skip_ws, split_words, Raw};
use super::spec::{FloatTolerance, NormalizeRule, Outcome, Value, STAGES};
use super::{nearest, Diag};
use crate::plan::sanitize::{Tool, ToolSet};

/// What the handlers get besides the directive itself (compiletest's
/// handlers take their context the same way, as an argument).
pub(super) struct ParseCx {
    /// The backend's own stages while [`Directives::parse_with_stages`](super::Directives::parse_with_stages)
    /// runs: `stages:` accepts them besides the built-in ones.
    pub(super) custom_stages: Vec<String>,
}

pub(super) fn sm_list(raw: &Raw<'_>) -> Result<Vec<SmTarget>, Vec<Diag>> {
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
pub(super) fn backend_list(raw: &Raw<'_>) -> Result<Vec<String>, Vec<Diag>> {
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

pub(super) fn min_sm(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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

pub(super) fn revisions(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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
pub(super) fn split_flags(raw: &Raw<'_>, directive: &str) -> Result<Vec<String>, Vec<Diag>> {
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

pub(super) fn stages(cx: &ParseCx, raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    let mut out: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let mut known: Vec<&str> = STAGES.to_vec();
    known.extend(cx.custom_stages.iter().map(String::as_str));
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

pub(super) fn normalize(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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

pub(super) fn stdout(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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

/// `run-fail` alone, `run-fail: CUDA_ERROR_…` with a name the driver
/// knows, or `run-fail: initcheck` (a sanitizer tool whose finding the
/// program's stderr must hold).
pub(super) fn run_fail(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    if v.is_empty() {
        return Ok(Value::Outcome(Outcome::RunFail));
    }
    let words = split_words(v, start, char::is_whitespace);
    if words.len() != 1 {
        return Err(vec![Diag::new(
            raw.value_span(),
            format!("expected one CUDA error name or sanitizer tool, found `{v}`"),
        )
        .help("write `//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS` or `//@ run-fail: initcheck`; match other stderr text with `//@ run-fail-stderr: <regex>`")]);
    }
    if let Some(tool) = Tool::REPORTING.into_iter().find(|t| t.name() == v) {
        return Ok(Value::RunFailFinding(tool));
    }
    if v == "memcheck" {
        return Err(vec![Diag::new(
            raw.value_span(),
            "memcheck reports CUDA errors, not findings of a tool",
        )
        .help("pin the error, e.g. `//@ run-fail: CUDA_ERROR_ILLEGAL_ADDRESS` or `CUDA_ERROR_MISALIGNED_ADDRESS`")]);
    }
    if v == "all" {
        return Err(vec![Diag::new(
            raw.value_span(),
            "`run-fail` pins the finding of one tool, not `all`",
        )
        .help(
            "name the tool: `//@ run-fail: racecheck`, `initcheck` or `synccheck`",
        )]);
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
        format!("`{v}` is not a CUDA error name or sanitizer tool")
    };
    let tools: Vec<&str> = Tool::REPORTING.iter().map(|t| t.name()).collect();
    let mut candidates = known.clone();
    candidates.extend(&tools);
    let help = match nearest(v, &candidates) {
        Some(s) if v != "CUDA_SUCCESS" => format!("did you mean `{s}`?"),
        _ => format!(
            "use a `CUresult` name from cuda.h, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`, \
             `CUDA_ERROR_ILLEGAL_INSTRUCTION`, `CUDA_ERROR_MISALIGNED_ADDRESS` or \
             `CUDA_ERROR_LAUNCH_FAILED`, or a sanitizer tool ({})",
            tools.join(", ")
        ),
    };
    Err(vec![Diag::new(raw.value_span(), message).help(help)])
}

/// `sanitize: racecheck, initcheck`: tool names (or `all`) separated by
/// commas or spaces; each unknown name is an error at its word.
pub(super) fn sanitize(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let (start, v) = raw.value();
    let mut set = ToolSet::NONE;
    let mut errors = Vec::new();
    for (word, span) in split_words(v, start, |c| c == ',' || c.is_whitespace()) {
        match ToolSet::parse_name(word) {
            Ok(s) => set = set.union(s),
            Err(_) => {
                let mut names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
                names.push("all");
                let help = match nearest(word, &names) {
                    Some(n) => format!("did you mean `{n}`? the tools are {}", Tool::valid_names()),
                    None => format!("the tools are {}", Tool::valid_names()),
                };
                errors
                    .push(Diag::new(span, format!("`{word}` is not a sanitizer tool")).help(help));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if set == ToolSet::NONE {
        return Err(vec![Diag::new(
            raw.value_span(),
            "`sanitize` needs at least one tool",
        )
        .help(format!("the tools are {}", Tool::valid_names()))]);
    }
    Ok(Value::Sanitize(set))
}

/// `run-fail-stderr: <regex>`, checked to compile.
pub(super) fn run_fail_stderr(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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

pub(super) fn exit_code(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
    let v = raw.value().1;
    v.parse::<i32>().map(Value::ExitCode).map_err(|_| {
        vec![Diag::new(
            raw.value_span(),
            format!("`{v}` is not an integer exit code"),
        )
        .help("write it as `//@ exit-code: 1`")]
    })
}

pub(super) fn float_tolerance(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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

pub(super) fn timeout(raw: &Raw<'_>) -> Result<Value, Vec<Diag>> {
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
    use std::path::Path;

    use super::*;
    use crate::plan::directives::test_support::{error, errors, help, ok, parse};
    use crate::plan::directives::Directives;

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

    #[test]
    fn backend_names_are_checked() {
        let e = error("//@ only-backend: Builtin");
        assert!(e.message.contains("`Builtin` is not a backend name"), "{e}");
        assert!(help(&e).contains("cuda-oxide"), "{e}");
        let e = error("//@ ignore-backnd: cuda-oxide");
        assert!(help(&e).contains("ignore-backend"), "{e}");
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
            "`CUDA_ERROR_ILEGAL_ADDRESS` is not a CUDA error name or sanitizer tool"
        );
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_ILLEGAL_ADDRESS`?");
        assert_eq!((e.line, e.column), (1, 15));
        assert_eq!(e.span_len, "CUDA_ERROR_ILEGAL_ADDRESS".len());

        let e = error("//@ run-fail: cuda_error_illegal_instruction");
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_ILLEGAL_INSTRUCTION`?");
        let e = error("//@ run-fail: CUDA_ERROR_MISALIGNED_ADRESS");
        assert_eq!(help(&e), "did you mean `CUDA_ERROR_MISALIGNED_ADDRESS`?");

        let e = error("//@ run-fail: segfault");
        assert_eq!(
            e.message,
            "`segfault` is not a CUDA error name or sanitizer tool"
        );
        assert!(help(&e).contains("CUDA_ERROR_ILLEGAL_ADDRESS"), "{e}");
        let e = error("//@ run-fail: CUDA_SUCCESS");
        assert_eq!(e.message, "`CUDA_SUCCESS` is not a failure");
        let e = error("//@ run-fail: illegal address");
        assert!(
            e.message
                .starts_with("expected one CUDA error name or sanitizer tool"),
            "{e}"
        );
        assert!(help(&e).contains("run-fail-stderr"), "{e}");
        let e = error("//@ run-fail:");
        assert_eq!(e.message, "`run-fail:` needs a value after the `:`");
        let e = error("//@ run-fail CUDA_ERROR_ILLEGAL_ADDRESS");
        assert_eq!(e.message, "expected `:` after `run-fail`");
    }

    #[test]
    fn sanitize_takes_tool_names_and_checks_them() {
        let d = ok("//@ sanitize: racecheck, initcheck\n//@ sanitize: synccheck\n");
        assert_eq!(d.sanitize.names(), ["racecheck", "initcheck", "synccheck"]);
        assert_eq!(ok("//@ sanitize: all").sanitize, ToolSet::all());
        assert_eq!(ok("").sanitize, ToolSet::NONE);

        // A bad name: its file, line and word, and the valid names.
        let e = error("//@ run-pass\n//@ stdout: x\n//@ sanitize: initcheck, racechek");
        assert_eq!((e.line, e.column, e.span_len), (3, 26, "racechek".len()));
        assert_eq!(e.message, "`racechek` is not a sanitizer tool");
        assert_eq!(
            help(&e),
            "did you mean `racecheck`? the tools are memcheck, racecheck, initcheck, synccheck, all"
        );
        assert_eq!(e.path, Path::new("tests/ptx-snapshots/foo.rs"));
        let rendered = e.to_string();
        assert!(
            rendered.contains("--> tests/ptx-snapshots/foo.rs:3:26"),
            "{rendered}"
        );
        let e = error("//@ sanitize: asan");
        assert_eq!(
            help(&e),
            "the tools are memcheck, racecheck, initcheck, synccheck, all"
        );
        assert_eq!(errors("//@ sanitize: a, b").len(), 2);
        assert_eq!(
            error("//@ sanitize: ,").message,
            "`sanitize` needs at least one tool"
        );
        assert_eq!(error("//@ sanitize").message, "`sanitize` needs a value");
        // Revisions unite their tools with the unscoped ones.
        let d = parse("//@ revisions: a b\n//@ sanitize: initcheck\n//@[a] sanitize: racecheck\n")
            .unwrap();
        assert_eq!(
            d.for_revision(Some("a")).sanitize.names(),
            ["racecheck", "initcheck"]
        );
        assert_eq!(d.for_revision(Some("b")).sanitize.names(), ["initcheck"]);
        // A test that never runs has nothing to sanitize.
        let e = error("//@ build-pass\n//@ sanitize: initcheck");
        assert_eq!(
            e.message,
            "`sanitize` has no effect: this test is `build-pass` and never runs"
        );
    }

    #[test]
    fn run_fail_can_pin_a_sanitizer_finding() {
        let d = ok("//@ sanitize: initcheck\n//@ run-fail: initcheck\n");
        assert_eq!(d.outcome, Some(Outcome::RunFail));
        assert_eq!(d.sanitizer_finding, Some(Tool::Initcheck));
        assert_eq!(d.cuda_error, None);
        for tool in ["racecheck", "synccheck"] {
            let d = ok(&format!("//@ sanitize: all\n//@ run-fail: {tool}"));
            assert_eq!(d.sanitizer_finding.map(Tool::name), Some(tool));
        }
        // The tool must be on for the test itself, whatever the run's options.
        let e = error("//@ run-fail: racecheck\n//@ sanitize: initcheck");
        assert_eq!(e.line, 1);
        assert_eq!(
            e.message,
            "`run-fail: racecheck` pins a finding of racecheck, but this test does not turn racecheck on"
        );
        assert!(help(&e).contains("`//@ sanitize: racecheck`"), "{e}");
        // Per revision: one revision pins a finding, the other a CUDA error.
        let d = parse(
            "//@ revisions: a b\n//@ sanitize: initcheck\n//@[a] run-fail: initcheck\n//@[b] run-fail: CUDA_ERROR_ILLEGAL_ADDRESS\n",
        )
        .unwrap();
        assert_eq!(
            d.for_revision(Some("a")).sanitizer_finding,
            Some(Tool::Initcheck)
        );
        let b = d.for_revision(Some("b"));
        assert_eq!(b.sanitizer_finding, None);
        assert_eq!(b.cuda_error.as_deref(), Some("CUDA_ERROR_ILLEGAL_ADDRESS"));

        let e = error("//@ run-fail: initchek");
        assert_eq!(help(&e), "did you mean `initcheck`?");
        let e = error("//@ run-fail: memcheck");
        assert_eq!(
            e.message,
            "memcheck reports CUDA errors, not findings of a tool"
        );
        let e = error("//@ sanitize: all\n//@ run-fail: all");
        assert_eq!(
            e.message,
            "`run-fail` pins the finding of one tool, not `all`"
        );
        // One outcome: a pinned finding and `run-pass` clash like any two.
        let e = error("//@ sanitize: initcheck\n//@ run-fail: initcheck\n//@ run-pass");
        assert!(e.message.starts_with("two outcome directives"), "{e}");
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
}

//! Lexing: one `//@` line into its parts (revision scope, name, the text
//! after the colon), with byte spans into the line for diagnostics.

use std::ops::Range;

use super::Diag;

pub(super) struct Scope<'a> {
    /// `[` to `]` inclusive.
    pub(super) span: Range<usize>,
    pub(super) names: Vec<(&'a str, Range<usize>)>,
}

pub(super) struct Raw<'a> {
    pub(super) line: usize,
    pub(super) text: &'a str,
    pub(super) scope: Option<Scope<'a>>,
    pub(super) name: &'a str,
    pub(super) name_span: Range<usize>,
    /// Everything after the `:` and where it starts; `None` without a colon.
    pub(super) after_colon: Option<(usize, &'a str)>,
    /// Where text follows the name without a colon (`//@ sm 80`).
    pub(super) stray: Option<usize>,
}

impl Raw<'_> {
    /// The value with surrounding whitespace removed, and its start in the line.
    pub(super) fn value(&self) -> (usize, &str) {
        match self.after_colon {
            Some((start, v)) => {
                let trimmed = v.trim_start();
                (start + (v.len() - trimmed.len()), trimmed.trim_end())
            }
            None => (self.text.len(), ""),
        }
    }

    pub(super) fn value_span(&self) -> Range<usize> {
        let (start, v) = self.value();
        start..start + v.len()
    }
}

pub(super) fn skip_ws(s: &str, from: usize) -> usize {
    from + (s[from..].len() - s[from..].trim_start().len())
}

pub(super) fn lex(line: usize, text: &str) -> Option<Result<Raw<'_>, Diag>> {
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
pub(super) fn split_words(
    s: &str,
    offset: usize,
    is_sep: impl Fn(char) -> bool,
) -> Vec<(&str, Range<usize>)> {
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

#[cfg(test)]
mod tests {
    use crate::plan::directives::test_support::{error, help, ok, sm};
    use crate::plan::directives::Outcome;

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
    fn columns_count_characters() {
        let e = error("  //@ known-bug: ü\n//@ stages: ptx ärger");
        assert_eq!((e.line, e.column, e.span_len), (2, 17, 5));
        assert!(e.to_string().contains("\n   |                 ^^^^^"));
    }
}

//! Readable differences: a unified diff with context and line numbers
//! (via `similar`), colored when the output is a terminal.

use similar::{ChangeTag, TextDiff};

/// A unified diff of `expected` → `actual`, with `context` lines around each
/// change and old/new line numbers in the gutter.
pub fn unified_diff(expected: &str, actual: &str, expected_name: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let (red, green, cyan, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut out = format!("--- {expected_name} (expected)\n+++ actual\n");
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "{cyan}@@ -{},{} +{},{} @@{reset}\n",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, paint, o, n) = match change.tag() {
                    ChangeTag::Delete => ('-', red, change.old_index(), None),
                    ChangeTag::Insert => ('+', green, None, change.new_index()),
                    ChangeTag::Equal => (' ', "", change.old_index(), change.new_index()),
                };
                let num = |i: Option<usize>| {
                    i.map(|i| format!("{:>4}", i + 1))
                        .unwrap_or_else(|| "    ".into())
                };
                let text = change.value();
                let end = if text.ends_with('\n') {
                    ""
                } else {
                    "\n\\ no newline at end\n"
                };
                out.push_str(&format!(
                    "{}{} {}|{sign}{text}{reset}{end}",
                    paint,
                    num(o),
                    num(n)
                ));
            }
        }
    }
    out
}

/// Whether stderr is a terminal (for color).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines_with_numbers_and_context() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let b = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified_diff(a, b, "x.ptx", false);
        assert!(d.contains("@@ -2,7 +2,7 @@"), "{d}");
        assert!(d.contains("   5     |-e\n"), "{d}");
        assert!(d.contains("        5|+E\n"), "{d}");
        assert!(d.contains("   4    4| d\n"), "{d}");
        assert!(!d.contains("\x1b["));
        assert!(unified_diff(a, b, "x", true).contains("\x1b[31m"));
    }

    #[test]
    fn identical_inputs_have_no_hunks() {
        assert!(!unified_diff("a\n", "a\n", "x", false).contains("@@"));
    }
}

//! Which stage a FileCheck line checks.
//!
//! A check prefix is `[<backend>-][<rev>-][<sm>-][<STAGE>-]CHECK`: `CHECK`
//! (or `PTX-CHECK`) checks the PTX, and every other stage has its name in
//! capitals: `MIR-CHECK`, `LLVM-IR-CHECK`, `LLVM-IR-OPT-CHECK`,
//! `PTXAS-CHECK`, `SASS-CHECK`. Revision and sm parts combine with any of
//! them, e.g. `sm_90a-SASS-CHECK-NOT:` or `fast-LLVM-IR-OPT-CHECK:`. A
//! backend part (`builtin-CHECK-NOT:`, `cuda-oxide-CHECK:`) makes a check
//! apply only under that backend: for how one backend spells something, or
//! one backend's known bug.
//!
//! A prefix with an upper-case part that is not a stage (`SAS-CHECK`,
//! `IR-CHECK`, `OPT-CHECK`) is an error naming the nearest stage prefix, so
//! a misspelt stage never turns a check off silently.

use std::collections::BTreeSet;

use ptx_backend::{SmTarget, Stage};

use super::LineError;

/// Each stage and the prefix word that selects it: its name in capitals,
/// in pipeline order (a test holds it to [`Stage::ALL`]).
pub const STAGE_WORDS: &[(Stage, &str)] = &[
    (Stage::Mir, "MIR"),
    (Stage::LlvmIr, "LLVM-IR"),
    (Stage::LlvmIrOpt, "LLVM-IR-OPT"),
    (Stage::Ptx, "PTX"),
    (Stage::Ptxas, "PTXAS"),
    (Stage::Sass, "SASS"),
];

/// Names people reach for, and the stage word they mean.
const ALIASES: &[(&str, &str)] = &[
    ("IR", "LLVM-IR"),
    ("LLVM", "LLVM-IR"),
    ("LL", "LLVM-IR"),
    ("OPT", "LLVM-IR-OPT"),
    ("OPT-IR", "LLVM-IR-OPT"),
    ("IR-OPT", "LLVM-IR-OPT"),
    ("LLVM-OPT", "LLVM-IR-OPT"),
    ("LLVM-IR-OPTIMIZED", "LLVM-IR-OPT"),
    ("ASM", "PTX"),
    ("CUBIN", "SASS"),
    ("NVDISASM", "SASS"),
];

/// The prefixes that select `stage` for a trial of revision `rev` on `sm`
/// under `backend`.
pub fn active_prefixes(stage: Stage, rev: Option<&str>, sm: &str, backend: &str) -> Vec<String> {
    let bases: Vec<String> = match stage {
        Stage::Ptx => vec!["CHECK".into(), "PTX-CHECK".into()],
        other => vec![format!("{}-CHECK", word(other))],
    };
    let mut out = Vec::new();
    for base in bases {
        out.push(format!("{sm}-{base}"));
        if let Some(rev) = rev {
            out.push(format!("{rev}-{base}"));
            out.push(format!("{rev}-{sm}-{base}"));
        }
        out.push(base);
    }
    let scoped: Vec<String> = out.iter().map(|p| format!("{backend}-{p}")).collect();
    out.extend(scoped);
    out
}

/// The prefix word of a stage, e.g. `LLVM-IR-OPT`.
pub fn word(stage: Stage) -> &'static str {
    STAGE_WORDS
        .iter()
        .find(|(s, _)| *s == stage)
        .map(|(_, w)| *w)
        .expect("every stage has a word")
}

/// One check-like directive word found in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found<'a> {
    line: usize,
    /// The whole word before the colon, e.g. `sm_90a-SASS-CHECK-NEXT`.
    word: &'a str,
    /// What comes before `CHECK`, without the trailing `-`.
    head: &'a str,
    /// What follows `CHECK` (`-NEXT`, or empty).
    tail: &'a str,
}

/// Words at the start of `//` comments that end in `CHECK` or `CHECK-<suffix>`.
fn check_words(source: &str) -> Vec<Found<'_>> {
    let mut out = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let Some(rest) = raw.trim_start().strip_prefix("//") else {
            continue;
        };
        let rest = rest.strip_prefix(['/', '!']).unwrap_or(rest).trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        let Some(at) = check_position(word) else {
            continue;
        };
        let head = word[..at].strip_suffix('-').unwrap_or("");
        out.push(Found {
            line: i + 1,
            word,
            head,
            tail: &word[at + "CHECK".len()..],
        });
    }
    out
}

/// Where the `CHECK` of a directive word starts: at the start or after a
/// `-`, and followed by the end or a `-`.
fn check_position(word: &str) -> Option<usize> {
    word.match_indices("CHECK").map(|(i, _)| i).find(|&i| {
        let before_ok = i == 0 || word[..i].ends_with('-');
        let after = &word[i + "CHECK".len()..];
        before_ok && (after.is_empty() || after.starts_with('-'))
    })
}

/// Splits a head into (revision/sm part, stage).
fn split_stage(head: &str) -> (&str, Stage) {
    let mut words: Vec<&(Stage, &str)> = STAGE_WORDS.iter().collect();
    words.sort_by_key(|(_, w)| std::cmp::Reverse(w.len()));
    for (stage, w) in words {
        if head == *w {
            return ("", *stage);
        }
        if let Some(rest) = head.strip_suffix(w).and_then(|r| r.strip_suffix('-')) {
            return (rest, *stage);
        }
    }
    (head, Stage::Ptx)
}

fn is_rev_sm(rest: &str, revisions: &[String]) -> bool {
    if rest.is_empty() || rest.parse::<SmTarget>().is_ok() || revisions.iter().any(|r| r == rest) {
        return true;
    }
    revisions.iter().any(|r| {
        rest.strip_prefix(r.as_str())
            .and_then(|s| s.strip_prefix('-'))
            .is_some_and(|sm| sm.parse::<SmTarget>().is_ok())
    })
}

/// The stages that have check lines in `source`, under any revision or sm.
pub fn checked_stages(source: &str) -> BTreeSet<Stage> {
    check_words(source)
        .into_iter()
        .map(|f| split_stage(f.head).1)
        .collect()
}

/// Rejects a check prefix whose upper-case part names no stage, with the
/// nearest stage prefix as a hint. `revisions` are the test's revisions.
pub fn validate(source: &str, revisions: &[String]) -> Result<(), LineError> {
    for f in check_words(source) {
        let (rest, stage) = split_stage(f.head);
        if is_rev_sm(rest, revisions) {
            continue;
        }
        // Lower-case parts are revisions and targets; an upper-case part
        // can only be meant as a stage.
        let segments: Vec<&str> = rest.split('-').collect();
        let is_upper = |s: &str| {
            s.chars().any(|c| c.is_ascii_uppercase()) && !s.chars().any(|c| c.is_ascii_lowercase())
        };
        let Some(first_upper) = segments.iter().position(|s| is_upper(s)) else {
            continue;
        };
        let lower = segments[..first_upper].join("-");
        let mut upper = segments[first_upper..].join("-");
        if stage != Stage::Ptx || f.head.ends_with("-PTX") || f.head == "PTX" {
            upper = format!("{upper}-{}", word(stage));
        }
        let names: Vec<&str> = STAGE_WORDS.iter().map(|(_, w)| *w).collect();
        let guess = ALIASES
            .iter()
            .find(|(a, _)| *a == upper)
            .map(|(_, w)| *w)
            .or_else(|| crate::plan::directives::nearest(&upper, &names));
        let spell = |w: &str| {
            let mut p = String::new();
            if !lower.is_empty() {
                p.push_str(&lower);
                p.push('-');
            }
            p.push_str(w);
            p.push_str("-CHECK");
            p.push_str(f.tail);
            p
        };
        let known = STAGE_WORDS
            .iter()
            .map(|(s, w)| format!("{w}-CHECK ({s})"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut message = format!(
            "unknown stage `{upper}` in the check prefix `{}:`\n  check line {}: {}",
            f.word,
            f.line,
            source.lines().nth(f.line - 1).unwrap_or("").trim()
        );
        if let Some(g) = guess {
            message.push_str(&format!("\n  hint: did you mean `{}:`?", spell(g)));
        }
        message.push_str(&format!(
            "\n  stage prefixes: {known}; plain CHECK checks the PTX; \
             `<rev>-` and `<sm>-` go in front, e.g. `sm_90a-SASS-CHECK:`"
        ));
        return Err(LineError {
            line: f.line,
            message,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_words_are_every_stage_name_in_capitals_in_pipeline_order() {
        let words: Vec<(Stage, String)> = STAGE_WORDS
            .iter()
            .map(|(s, w)| (*s, w.to_string()))
            .collect();
        let names: Vec<(Stage, String)> = Stage::ALL
            .iter()
            .map(|s| (*s, s.name().to_ascii_uppercase()))
            .collect();
        assert_eq!(words, names);
    }

    fn revs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefixes_per_stage_combine_with_revision_and_sm() {
        let p = active_prefixes(Stage::Sass, Some("fast"), "sm_90a", "builtin");
        for want in [
            "SASS-CHECK",
            "sm_90a-SASS-CHECK",
            "fast-SASS-CHECK",
            "fast-sm_90a-SASS-CHECK",
            "builtin-SASS-CHECK",
            "builtin-fast-sm_90a-SASS-CHECK",
        ] {
            assert!(p.contains(&want.to_string()), "{p:?}");
        }
        let ptx = active_prefixes(Stage::Ptx, None, "sm_80", "cuda-oxide");
        assert!(ptx.contains(&"CHECK".to_string()) && ptx.contains(&"sm_80-PTX-CHECK".to_string()));
        assert!(ptx.contains(&"cuda-oxide-CHECK".to_string()), "{ptx:?}");
        assert!(!ptx.iter().any(|p| p.starts_with("builtin-")), "{ptx:?}");
        assert_eq!(
            active_prefixes(Stage::LlvmIrOpt, None, "sm_80", "builtin"),
            vec![
                "sm_80-LLVM-IR-OPT-CHECK",
                "LLVM-IR-OPT-CHECK",
                "builtin-sm_80-LLVM-IR-OPT-CHECK",
                "builtin-LLVM-IR-OPT-CHECK"
            ]
        );
    }

    #[test]
    fn finds_the_stages_a_source_checks() {
        let src = "// CHECK: a\n//   sm_90a-SASS-CHECK-NEXT: b\n/// fast-LLVM-IR-OPT-CHECK: c\n\
                   // LLVM-IR-CHECK-NOT: d\n// CHECKED by hand\n// not a CHECK: e\n";
        let stages: Vec<Stage> = checked_stages(src).into_iter().collect();
        assert_eq!(
            stages,
            vec![Stage::LlvmIr, Stage::LlvmIrOpt, Stage::Ptx, Stage::Sass]
        );
        assert!(checked_stages("fn main() {}\n").is_empty());
    }

    #[test]
    fn valid_prefixes_pass() {
        let src = "// CHECK: a\n// PTX-CHECK: a\n// sm_90a-SASS-CHECK: b\n// fast-sm_80-MIR-CHECK: c\n\
                   // fast-CHECK: d\n// PTXAS-CHECK-COUNT-2: e\n// slow-LLVM-IR-OPT-CHECK-LABEL: f\n";
        validate(src, &revs(&["fast", "slow"])).unwrap();
        // Unknown lower-case revisions are not this check's business.
        validate("// other-SASS-CHECK: x\n", &[]).unwrap();
    }

    #[test]
    fn unknown_stage_prefixes_name_the_nearest_stage() {
        let cases = [
            ("// SAS-CHECK: x", "`SASS-CHECK:`"),
            ("// sm_90a-SAS-CHECK-NEXT: x", "`sm_90a-SASS-CHECK-NEXT:`"),
            ("// IR-CHECK: x", "`LLVM-IR-CHECK:`"),
            ("// OPT-IR-CHECK: x", "`LLVM-IR-OPT-CHECK:`"),
            ("// fast-PTXSA-CHECK: x", "`fast-PTXAS-CHECK:`"),
            ("// MIRR-CHECK: x", "`MIR-CHECK:`"),
        ];
        for (line, hint) in cases {
            let src = format!("fn a() {{}}\n{line}\n");
            let e = validate(&src, &revs(&["fast"])).unwrap_err();
            assert_eq!(e.line, 2, "{line}");
            assert!(
                e.message.contains(&format!("did you mean {hint}")),
                "{line}: {}",
                e.message
            );
            assert!(e.message.contains("SASS-CHECK (sass)"), "{}", e.message);
        }
        let e = validate("// WHATEVER-CHECK: x\n", &[]).unwrap_err();
        assert!(
            e.message.contains("unknown stage `WHATEVER`"),
            "{}",
            e.message
        );
    }
}

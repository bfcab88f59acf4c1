//! Promotion: a reduced finding written as a run-gpu test under
//! `tests/run-gpu/fuzz/`, with a comment naming the seed and the finding.
//! A fixed bug's test expects the traces to match (a regression test); an
//! upstream bug's test says `known-bug` and pins the failure it shows, so it
//! starts to fail, and asks to be flipped, once the bug is fixed.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use ptx_fuzz::ast::Program;

use super::classify::Class;
use super::{program_lines, test_name, Finding, FOLDER};
use crate::plan::discover::Suite;

/// The test text of a finding's `program`. `known_bug` makes it pin the
/// failure (only the failing revision and target); without it, the test
/// expects the traces to match on every revision and target.
pub fn render_finding(f: &Finding, program: &Program, known_bug: Option<&str>) -> String {
    let mut head = String::new();
    let _ = writeln!(
        head,
        "//! Differential lane finding: level {}, seed {}, [{}]@{}: {}.",
        f.level.number(),
        f.seed,
        f.revision,
        f.sm,
        f.class
    );
    if !f.headline.is_empty() {
        let _ = writeln!(head, "//! {}", f.headline.replace('\n', " "));
    }
    for (what, class) in &f.triage {
        let _ = writeln!(head, "//! - {what}: {class}");
    }
    let original = program_lines(&ptx_fuzz::generate_with(f.seed, f.level, f.config).0);
    let _ = writeln!(
        head,
        "//! Reduced from {original} to {} program lines; regenerate with\n\
         //! `ptx-harness fuzz --level {} --promote {}{}`. The expected trace is\n\
         //! the host's: the module `prog` compiled for x86-64 by rustc.",
        program_lines(program),
        f.level.number(),
        f.seed,
        if f.config.known_bugs {
            " --with-known-bugs"
        } else {
            ""
        }
    );
    match known_bug {
        None => {
            head.push_str("//@ revisions: o0 opt\n//@[o0] compile-flags: -Copt-level=0\n");
            head.push_str("//@ run-pass\n");
            let _ = writeln!(head, "//@ stdout: {}", ptx_fuzz::TRACE_MATCHES);
        }
        Some(bug) => {
            let _ = writeln!(head, "//@ known-bug: {bug}");
            let _ = writeln!(head, "//@ sm: {}", f.sm.trim_start_matches("sm_"));
            if f.revision == "o0" {
                head.push_str("//@ compile-flags: -Copt-level=0\n");
            }
            match f.class {
                Class::Mismatch => {
                    head.push_str("//@ run-pass\n");
                    let _ = writeln!(head, "//@ stdout: {}", ptx_fuzz::TRACE_DIFFERS);
                }
                _ => {
                    head.push_str("//@ build-fail\n");
                    let pattern = f
                        .headline
                        .split_once("LLVM ERROR: ")
                        .map(|(_, p)| format!("LLVM ERROR: {p}"))
                        .unwrap_or_else(|| f.headline.clone());
                    let _ = writeln!(head, "//@ error-pattern: {pattern}");
                }
            }
        }
    }
    ptx_fuzz::render::render_with_head(program, &head)
}

/// Writes the finding as `tests/run-gpu/fuzz/l<level>-s<seed>.rs` under
/// `root`; refuses to overwrite an existing test.
pub fn write_test(root: &Path, f: &Finding, known_bug: Option<&str>) -> Result<PathBuf> {
    let Some(r) = &f.reduced else {
        bail!("seed {} was not reduced; promote reduces it first", f.seed)
    };
    if !f.class.is_finding() {
        bail!("seed {} shows no failure to promote", f.seed);
    }
    let dir = root
        .join("tests")
        .join(Suite::RunGpu.dir_name())
        .join(FOLDER);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.rs", test_name(f.level, f.seed)));
    if path.exists() {
        bail!(
            "{} exists already; remove it first to promote seed {} again",
            path.display(),
            f.seed
        );
    }
    let text = render_finding(f, &r.program, known_bug);
    crate::atomic_file::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ptx_fuzz::{generate, Level};

    fn finding(class: Class, headline: &str) -> Finding {
        Finding {
            seed: 3,
            level: Level::One,
            config: ptx_fuzz::Config::default(),
            revision: "o0".into(),
            sm: "sm_80".into(),
            class,
            headline: headline.into(),
            triage: vec![("[opt]@sm_80".into(), Class::Pass)],
            reduced: None,
        }
    }

    #[test]
    fn a_fixed_bug_becomes_a_regression_test_on_every_revision() {
        let f = finding(Class::Mismatch, "trace mismatch: seed 3, …");
        let text = render_finding(&f, &generate(3, Level::One).0, None);
        assert!(text.contains("//@ revisions: o0 opt\n//@[o0] compile-flags: -Copt-level=0\n"));
        assert!(text.contains(&format!("//@ stdout: {}\n", ptx_fuzz::TRACE_MATCHES)));
        assert!(!text.contains("known-bug"));
        assert!(text.contains("//! - [opt]@sm_80: pass"), "{text}");
        assert!(text.contains("--promote 3`"), "{text}");
    }

    #[test]
    fn an_upstream_bug_pins_its_failure_on_its_revision_and_target() {
        let f = finding(Class::Mismatch, "trace mismatch: seed 3, …");
        let text = render_finding(&f, &generate(3, Level::One).0, Some("LLVM #1"));
        assert!(text.contains("//@ known-bug: LLVM #1\n//@ sm: 80\n//@ compile-flags: -Copt-level=0\n//@ run-pass\n"), "{text}");
        assert!(text.contains(&format!("//@ stdout: {}\n", ptx_fuzz::TRACE_DIFFERS)));
        assert!(!text.contains("//@ revisions"));
        // A crash is pinned by its LLVM ERROR line.
        let f = finding(
            Class::CompileCrash,
            "llc failed: LLVM ERROR: unsupported library call operation",
        );
        let text = render_finding(&f, &generate(3, Level::One).0, Some("LLVM #2"));
        assert!(text.contains("//@ build-fail\n//@ error-pattern: LLVM ERROR: unsupported library call operation\n"), "{text}");
    }

    #[test]
    fn promotion_needs_a_reduced_finding_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = finding(Class::Mismatch, "x");
        assert!(write_test(dir.path(), &f, None)
            .unwrap_err()
            .to_string()
            .contains("not reduced"));
        f.reduced = Some(ptx_fuzz::reduce::Reduction {
            program: generate(3, Level::One).0,
            tries: 0,
            kept: 0,
            exhausted: false,
        });
        let path = write_test(dir.path(), &f, None).unwrap();
        assert!(path.ends_with("tests/run-gpu/fuzz/l1-s3.rs"));
        assert!(write_test(dir.path(), &f, None)
            .unwrap_err()
            .to_string()
            .contains("exists already"));
    }
}

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
    if known_bug.is_none() && f.class != Class::Mismatch && !f.class.is_finding() {
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

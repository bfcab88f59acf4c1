//! Differential test: this harness's FileCheck against LLVM's on every
//! CHECK block of the ptx-snapshots suite.
//!
//! Ignored by default, since it needs LLVM's FileCheck:
//!
//! ```text
//! cargo test -p ptx-harness --test filecheck_differential -- --ignored
//! ```
//!
//! `PTX_LLVM_FILECHECK` names the binary (default
//! `/usr/lib/llvm-22/bin/FileCheck`, from Debian's `llvm-22-tools`). For
//! every test with CHECK lines, every revision and every known target with a
//! committed `.ptx` snapshot (shared or target-specific), both run the
//! checks of that (revision, target) prefix set on the snapshot, and must
//! agree on pass or fail. LLVM runs with `--enable-var-scope`, which this
//! harness always applies.

use std::path::{Path, PathBuf};
use std::process::Command;

use ptx_harness::check::filecheck::{parse_checks, run_checks};
use ptx_harness::check::snapshot::read_expected;
use ptx_harness::plan::directives::Directives;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
#[ignore = "needs LLVM's FileCheck; run with -- --ignored"]
fn our_filecheck_agrees_with_llvm_on_every_check_block_of_the_suite() {
    let llvm = std::env::var("PTX_LLVM_FILECHECK")
        .unwrap_or_else(|_| "/usr/lib/llvm-22/bin/FileCheck".into());
    assert!(
        Path::new(&llvm).exists(),
        "LLVM FileCheck not found at {llvm} (apt-get install llvm-22-tools, or set PTX_LLVM_FILECHECK)"
    );
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ptx-snapshots");
    let mut files = Vec::new();
    sources(&suite, &mut files);
    let (mut compared, mut disagreements) = (0, Vec::new());
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let revisions: Vec<Option<String>> = match Directives::parse(file, &source) {
            Ok(d) if !d.revisions().is_empty() => d.revisions().iter().cloned().map(Some).collect(),
            _ => vec![None],
        };
        for rev in &revisions {
            for sm in ptx_backend::sm::KNOWN_TARGETS {
                let Ok(Some((snapshot, ptx))) = read_expected(file, rev.as_deref(), sm, "ptx")
                else {
                    continue;
                };
                let mut prefixes = vec!["CHECK".to_string(), format!("{sm}-CHECK")];
                if let Some(rev) = rev {
                    prefixes.push(format!("{rev}-CHECK"));
                    prefixes.push(format!("{rev}-{sm}-CHECK"));
                }
                // The snapshots are the built-in backend's: its scoped lines too.
                let scoped: Vec<String> = prefixes.iter().map(|p| format!("builtin-{p}")).collect();
                prefixes.extend(scoped);
                let Ok(checks) = parse_checks(&source, &prefixes) else {
                    continue;
                };
                if checks.is_empty() {
                    continue;
                }
                let ours = run_checks(&checks, &ptx);
                let input = tempfile::NamedTempFile::new().unwrap();
                std::fs::write(input.path(), &ptx).unwrap();
                let out = Command::new(&llvm)
                    .arg("--input-file")
                    .arg(input.path())
                    .arg(format!("--check-prefixes={}", prefixes.join(",")))
                    .args(["--allow-unused-prefixes", "--enable-var-scope"])
                    .arg(file)
                    .output()
                    .expect("run LLVM FileCheck");
                compared += 1;
                let theirs = out.status.success();
                if ours.is_ok() != theirs {
                    disagreements.push(format!(
                        "{} [{}] on {}: ours {}, LLVM {}\n{}",
                        file.display(),
                        prefixes.join(","),
                        snapshot.display(),
                        match &ours {
                            Ok(()) => "passes".to_string(),
                            Err(e) => format!("fails:\n{e}"),
                        },
                        if theirs { "passes" } else { "fails:" },
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
        }
    }
    eprintln!("compared {compared} CHECK blocks with LLVM FileCheck");
    assert!(
        compared > 0,
        "no CHECK block found under {}",
        suite.display()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {compared} CHECK blocks disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

//! The shell scripts under `scripts/`: no pipeline may die of SIGPIPE.
//!
//! `find | sort | head -n 1` under `set -o pipefail` exits 141 whenever
//! `sort` is still writing when `head` exits (scripts/bench-harness.sh died
//! that way before printing its table). The helpers in scripts/lib.sh read
//! their whole input instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Many long file names, so `sort` writes far more than a pipe buffer
/// (64 KiB) after the first line: a `head` at the end of the pipeline
/// always exits while `sort` is still writing.
fn many_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(150);
    for i in 0..2000 {
        std::fs::write(dir.path().join(format!("{i:05}-{long}.rs")), "").unwrap();
    }
    dir
}

fn bash(script: &str, arg: &Path) -> std::process::Output {
    Command::new("bash")
        .args(["-c", script, "bash"])
        .arg(arg)
        .current_dir(repo())
        .output()
        .unwrap()
}

#[test]
fn first_test_file_survives_a_large_listing_under_pipefail() {
    let dir = many_files();
    let out = bash(
        "set -euo pipefail; . scripts/lib.sh; v=$(first_test_file \"$1\"); echo \"$v\"; echo done",
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let first = format!("/00000-{}.rs", "x".repeat(150));
    assert!(lines[0].ends_with(&first), "{stdout}");
    assert_eq!(lines[1], "done");
}

/// The same listing through `head`, as the benchmark did: this is the
/// failure the helpers avoid (it shows the test's input triggers it).
#[test]
fn the_head_pipeline_dies_of_sigpipe_on_that_listing() {
    let dir = many_files();
    let out = bash(
        "set -euo pipefail; v=$(find \"$1\" -name '*.rs' | sort | head -n 1); echo done",
        dir.path(),
    );
    assert!(!out.status.success(), "expected exit 141");
    assert_eq!(out.status.code(), Some(141));
}

/// No script ends a pipeline with `head` (use `first_line`/`first_lines`).
#[test]
fn no_script_pipes_into_head() {
    let mut offenders = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    files.extend(["bless.sh", "conformance.sh", "setup.sh"].map(|f| repo().join(f)));
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or("");
            if code.contains("| head") || code.contains("|head") {
                offenders.push(format!("{}:{}: {line}", f.display(), i + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

/// The README's minimal run-gpu test is a real test of the suite, kept equal.
#[test]
fn readme_run_gpu_example_is_the_suite_test() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let test = std::fs::read_to_string(repo().join("tests/run-gpu/basics/double.rs")).unwrap();
    let body = test.split_once('\n').unwrap().1;
    assert!(
        readme.contains(body),
        "README and tests/run-gpu/basics/double.rs differ"
    );
    assert!(readme.contains("cargo doc -p host-runtime --open"));
}

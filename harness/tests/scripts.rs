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

/// A cache entry as `CompileCache` writes it: a sealed manifest whose
/// commands name the entry folder as `{cache-entry}`.
fn sealed_entry(cache: &Path, key: &str, commands: &[String]) {
    let entry = cache.join(key);
    std::fs::create_dir_all(&entry).unwrap();
    let manifest = serde_json::json!({
        "manifest_sha256": "not checked by the scripts",
        "manifest": {
            "checksums": {},
            "output": {
                "status": "Succeeded",
                "diagnostics": "",
                "stages": {},
                "kernels": [],
                "commands": commands,
                "timings": [
                    {"step": "rustc", "duration": {"secs": 0, "nanos": 50_000_000}},
                    {"step": "nvdisasm", "duration": {"secs": 1, "nanos": 500_000_000}},
                ],
            },
        },
    });
    std::fs::write(entry.join("manifest.json"), manifest.to_string()).unwrap();
}

/// The benchmark's bare replay reads the sealed manifest and runs its
/// commands with `{cache-entry}` filled in: each step finds the files the
/// step before it wrote (bench-harness.sh read the old layout and died
/// with `KeyError: 'output'`, then ran the placeholders literally).
#[test]
fn the_bare_replay_reads_sealed_manifests_and_fills_the_entry_folder() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let proof = dir.path().join("proof");
    sealed_entry(
        &cache,
        "0123abcd",
        &[
            "cd {cache-entry} && touch k.ptx".to_string(),
            format!("cp {{cache-entry}}/k.ptx {}", proof.display()),
        ],
    );
    let script = Command::new("python3")
        .arg(repo().join("scripts/cache-manifests.py"))
        .args(["replay"])
        .arg(&cache)
        .arg(dir.path().join("scratch"))
        .output()
        .unwrap();
    assert!(
        script.status.success(),
        "{}",
        String::from_utf8_lossy(&script.stderr)
    );
    let text = String::from_utf8(script.stdout).unwrap();
    assert!(!text.contains("{cache-entry}"), "{text}");
    let run = Command::new("bash").arg("-c").arg(&text).output().unwrap();
    assert!(run.status.success(), "{text}\n{run:?}");
    assert!(proof.is_file(), "{text}");
    // The scratch folder is removed after the replay.
    assert!(!dir.path().join("scratch/0123abcd").exists());
}

/// The per-step table adds the manifests' timings up per step; a cache in
/// any other layout is an error, not an empty table.
#[test]
fn the_step_table_sums_manifest_timings_and_rejects_other_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    sealed_entry(&cache, "a", &[]);
    sealed_entry(&cache, "b", &[]);
    let steps = |cache: &Path| {
        Command::new("python3")
            .arg(repo().join("scripts/cache-manifests.py"))
            .arg("steps")
            .arg(cache)
            .output()
            .unwrap()
    };
    let out = steps(&cache);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let row = |step: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(step))
            .unwrap_or_else(|| panic!("no {step} row in\n{text}"))
            .split_whitespace()
            .skip(1)
            .take(3)
            .collect::<Vec<_>>()
    };
    assert_eq!(row("rustc"), ["0.10", "2", "50.0"]);
    assert_eq!(row("nvdisasm"), ["3.00", "2", "1500.0"]);
    // The layout before manifests were sealed.
    std::fs::write(
        cache.join("a/manifest.json"),
        r#"{"output": {"commands": [], "timings": []}, "checksums": {}}"#,
    )
    .unwrap();
    let out = steps(&cache);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a sealed manifest"));
}

//! `scripts/conformance-table.py`: the counts per backend x suite x sm, the
//! `compiled` column and total, the expectations' reasons, and `--check`.

use std::path::Path;
use std::process::Command;

fn trial(
    test: &str,
    sm: &str,
    verdict: &str,
    decided_by: &str,
    kernels: bool,
    extra: &str,
) -> String {
    let kernels = if kernels {
        r#"[{"name": "k", "entry": true, "registers": 8, "spill_stores": 0, "spill_loads": 0, "stack": 0, "shared": 0, "local": 0, "constant": 0}]"#
    } else {
        "[]"
    };
    format!(
        r#"{{"id": {{"suite": "run-gpu", "test": "{test}", "revision": null, "sm": "{sm}"}},
            "verdict": "{verdict}", "decided_by": "{decided_by}", "executed": false, "device": null,
            "device_name": null, "duration": 0.1, "kernels": {kernels}{extra}}}"#
    )
}

fn script(args: &[&Path]) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new("python3")
        .arg(root.join("scripts/conformance-table.py"))
        .args(args)
        .output()
        .expect("python3 runs")
}

#[test]
fn counts_compiled_trials_and_shows_each_expected_failures_reason() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    let trials = [
        trial("a", "sm_80", "passed", "complete", true, ""),
        trial(
            "b",
            "sm_80",
            "expected-failure",
            "file-check",
            true,
            r#", "reason": "shape: kernel order", "message": "x""#,
        ),
        trial(
            "c",
            "sm_80",
            "expected-failure",
            "rustc",
            false,
            r#", "reason": "zz gap: no dyn", "message": "x""#,
        ),
        trial(
            "d",
            "sm_80",
            "failed",
            "execution",
            true,
            r#", "message": "x""#,
        ),
        trial(
            "e",
            "sm_80",
            "skipped",
            "plan",
            false,
            r#", "reason": "only-backend: builtin""#,
        ),
        trial("a", "sm_90", "passed", "complete", true, ""),
        trial("f", "sm_80", "passed", "complete", false, ""),
    ]
    .join(",");
    std::fs::write(
        &results,
        format!(
            r#"{{"format": 2, "info": {{"backend": "zz", "versions": {{"rustc": "r1", "ptxas": "p1",
                "backend-commit": "zz 1234abcd"}}, "gpu": null, "matrix": ["sm_80", "sm_90"]}},
                "trials": [{trials}]}}"#
        ),
    )
    .unwrap();
    let out_md = dir.path().join("conformance.md");
    let out = script(&[&out_md, &results]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&out_md).unwrap();
    // pass, xfail, fail, skip, compiled (a, b, d, and f: passed without
    // kernels, as a build-fail test does)
    assert!(
        md.contains("| zz | run-gpu | sm_80 | 2 | 2 | 1 | 1 | 4 |"),
        "{md}"
    );
    assert!(
        md.contains("| zz | run-gpu | sm_90 | 1 | 0 | 0 | 0 | 1 |"),
        "{md}"
    );
    assert!(
        md.contains("**zz**: 5 of 6 trials that ran compiled (83.3%)"),
        "{md}"
    );
    assert!(
        md.contains("| zz 1234abcd | nothing executed | 7 | sm_80 sm_90 |"),
        "{md}"
    );
    assert!(
        md.contains("| run-gpu/c | xfail | - | zz gap: no dyn |"),
        "{md}"
    );
    // --check: current, then stale.
    let check = |p: &Path| script(&[Path::new("--check"), p, &results]).status.code();
    assert_eq!(check(&out_md), Some(0));
    std::fs::write(&out_md, md.replace("83.3%", "84.0%")).unwrap();
    assert_eq!(check(&out_md), Some(1));
}

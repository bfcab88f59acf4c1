//! `ptx-harness report --markdown` (docs/conformance.md): the counts per
//! backend x suite x sm, the `compiled` column and total, the
//! expectations' reasons, `--check`, and the HTML report saying the same.

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
        r#"[{"name": "k", "entry": true, "registers": 8, "spill_stores": 0, "spill_loads": 0, "stack": 0, "shared": 0, "cmem0": 0, "barriers": 0, "ptx_instructions": 4}]"#
    } else {
        "[]"
    };
    format!(
        r#"{{"id": {{"suite": "run-gpu", "test": "{test}", "revision": null, "sm": "{sm}"}},
            "verdict": "{verdict}", "decided_by": "{decided_by}", "executed": false, "device": null,
            "device_name": null, "duration": 0.1, "kernels": {kernels}{extra}}}"#
    )
}

fn report(args: &[&Path]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ptx-harness"))
        .arg("report")
        .args(args)
        .output()
        .expect("ptx-harness runs")
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
    let out = report(&[Path::new("--markdown"), &out_md, &results]);
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
    assert!(
        md.contains("| run-gpu/b | xfail | - | shape: kernel order |"),
        "{md}"
    );
    assert!(md.contains("| run-gpu/e | skip | - |  |"), "{md}");
    // --check: current, then stale (exit 1, naming the file and the
    // command that regenerates it), then missing (exit 2, the same).
    let check = |p: &Path| report(&[Path::new("--check"), Path::new("--markdown"), p, &results]);
    assert_eq!(check(&out_md).status.code(), Some(0));
    std::fs::write(&out_md, md.replace("83.3%", "84.0%")).unwrap();
    let stale = check(&out_md);
    assert_eq!(stale.status.code(), Some(1));
    let err = String::from_utf8_lossy(&stale.stderr);
    assert!(
        err.contains(&format!("{} is not current", out_md.display())),
        "{err}"
    );
    let regenerate = format!(
        "ptx-harness report --markdown {} {}",
        out_md.display(),
        results.display()
    );
    assert!(err.contains(&regenerate), "{err}");
    assert!(
        std::fs::read_to_string(&out_md).unwrap().contains("84.0%"),
        "--check writes nothing"
    );
    let missing = check(&dir.path().join("absent.md"));
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("absent.md cannot be read")
            && err.contains("write it with `ptx-harness report --markdown"),
        "{err}"
    );

    // The HTML report counts from the same code: its front page says the same.
    let site = dir.path().join("site");
    let out = report(&[Path::new("--html"), &site, &results]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("5 of 6 trials that ran compiled (83.3%)"),
        "{index}"
    );
    assert!(
        index.contains("3 passed, 2 expected-failure, 1 failed, 1 skipped"),
        "{index}"
    );
}

//! The GPU CI flow end to end, on throwaway inputs: a bundle's `run.sh` run
//! from another folder writes its reports where the caller said, and the
//! gate refuses to compare runs of different sm matrices or GPUs (exit 2)
//! and fails on any trial that now fails, whatever it was before.

use std::path::Path;
use std::process::{Command, Output};

use ptx_harness::report::json::write_results;
use ptx_harness::report::verdict::{
    DecidedBy, RunInfo, RunResults, TrialId, TrialRecord, Verdict, RESULTS_FORMAT,
};

fn harness_cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ptx-harness"));
    for var in [
        "CI",
        "BLESS",
        "PTX_HARNESS_ROOT",
        "PTX_SM_MATRIX",
        "PTX_DEVICE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `bundle/run.sh --report-dir results-sm_90`, run from the folder above the
/// bundle (as the GPU workflow does), writes `./results-sm_90`, not
/// `bundle/results-sm_90`. The bundle comes from a throwaway suite whose one
/// run-gpu test is `build-pass`, so nothing is compiled.
#[test]
fn bundle_run_sh_resolves_the_report_dir_against_the_callers_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("tests/run-gpu")).unwrap();
    std::fs::write(
        root.join("tests/run-gpu/nothing.rs"),
        "//@ build-pass\n#![no_std]\n",
    )
    .unwrap();
    // A stand-in emulator library: the bundle only copies it.
    let emu = tmp.path().join("libemu.so");
    std::fs::write(&emu, b"not a library").unwrap();
    let out = harness_cli()
        .current_dir(tmp.path())
        .env("PTX_EMU_LIB", &emu)
        .env("PTX_HARNESS_WORK_DIR", tmp.path().join("work"))
        .arg("--root")
        .arg(&root)
        .args(["bundle", "-o", "ci/bundle", "--sm", "80"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let bundle = tmp.path().join("ci/bundle");
    assert!(bundle.join("run.sh").is_file() && bundle.join("ptx-harness").is_file());

    let caller = tmp.path().join("ci");
    let out = Command::new("sh")
        .current_dir(&caller)
        .args([
            "bundle/run.sh",
            "--report-dir",
            "results-sm_90",
            "--device",
            "emu",
        ])
        .env_remove("PTX_DEVICE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        caller.join("results-sm_90/results.json").is_file()
            && caller.join("results-sm_90/junit.xml").is_file(),
        "no reports in the caller's folder; {}",
        text(&out)
    );
    assert!(!bundle.join("results-sm_90").exists());

    // Called by an absolute path from elsewhere, with the runner's own
    // default report folder: that stays inside the bundle.
    let out = Command::new(bundle.join("run.sh"))
        .current_dir(&root)
        .args(["--device", "emu"])
        .env_remove("PTX_DEVICE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(bundle.join("results/results.json").is_file());
}

fn id(test: &str, sm: &str) -> TrialId {
    TrialId {
        suite: "run-gpu".into(),
        test: test.into(),
        revision: None,
        sm: sm.into(),
    }
}

fn run(matrix: &[&str], gpu: Option<&str>, verdict: Verdict) -> RunResults {
    RunResults {
        format: RESULTS_FORMAT,
        info: RunInfo {
            backend: "builtin".into(),
            gpu: gpu.map(str::to_string),
            matrix: matrix.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        trials: matrix
            .iter()
            .map(|sm| {
                TrialRecord::not_run(
                    id("basics/double", sm),
                    verdict.clone(),
                    DecidedBy::Execution,
                )
            })
            .collect(),
    }
}

fn gate(dir: &Path, baseline: &RunResults, current: &RunResults) -> Output {
    write_results(baseline, &dir.join("base.json")).unwrap();
    write_results(current, &dir.join("cur.json")).unwrap();
    harness_cli()
        .current_dir(dir)
        .args(["gate", "base.json", "cur.json"])
        .output()
        .unwrap()
}

#[test]
fn the_gate_refuses_runs_of_different_matrices_or_gpus() {
    let tmp = tempfile::tempdir().unwrap();
    let skipped = Verdict::Skipped {
        reason: "no CUDA driver".into(),
    };
    // A smaller matrix: not "removed" trials (those were skipped, so the old
    // gate passed), but bad input naming both matrices.
    let out = gate(
        tmp.path(),
        &run(&["sm_80", "sm_90"], None, Verdict::Passed),
        &run(&["sm_80"], None, Verdict::Passed),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sm_80,sm_90") && stderr.contains("matrix"),
        "{}",
        text(&out)
    );
    let out = gate(
        tmp.path(),
        &run(&["sm_80", "sm_90"], None, skipped.clone()),
        &run(&["sm_90", "sm_100"], None, skipped.clone()),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // The same matrix in another order is the same matrix.
    let out = gate(
        tmp.path(),
        &run(&["sm_80", "sm_90"], None, skipped.clone()),
        &run(&["sm_90", "sm_80"], None, skipped.clone()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Different GPUs: bad input naming both.
    let out = gate(
        tmp.path(),
        &run(&["sm_80"], Some("NVIDIA A100 (sm_80)"), Verdict::Passed),
        &run(&["sm_80"], Some("NVIDIA L4 (sm_89)"), Verdict::Passed),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("NVIDIA A100 (sm_80)") && stderr.contains("NVIDIA L4 (sm_89)"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_trial_that_now_fails_fails_the_gate_whatever_it_was_before() {
    let tmp = tempfile::tempdir().unwrap();
    let failed = Verdict::Failed {
        message: "CUDA_ERROR_ILLEGAL_ADDRESS".into(),
    };
    let skipped = Verdict::Skipped {
        reason: "no CUDA driver".into(),
    };
    let out = gate(
        tmp.path(),
        &run(&["sm_80"], None, skipped),
        &run(&["sm_80"], None, failed.clone()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped → failed"));
    // Absent from the baseline, failing now.
    let mut base = run(&["sm_80"], None, Verdict::Passed);
    base.trials.clear();
    let out = gate(tmp.path(), &base, &run(&["sm_80"], None, failed));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("new → failed"));
}

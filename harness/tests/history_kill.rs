//! The history through the real `ptx-harness` binary: a `history import`
//! killed by SIGKILL inside its transaction leaves the file holding exactly
//! the runs it held before, and the next import works; a file that is not a
//! history is refused by the CLI with its name and the fix.
//!
//! The kill lands inside the transaction through a test-only pause
//! (`PTX_HARNESS_TEST_HISTORY_PAUSE`, see `report::history::TEST_PAUSE_ENV`):
//! the import writes a marker file after its first trial row and waits, so
//! the kill is deterministic rather than a race against a large input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ptx_backend::metrics::KernelMetrics;
use ptx_harness::report::history::{History, TEST_PAUSE_ENV};
use ptx_harness::report::json::write_results;
use ptx_harness::report::verdict::{DecidedBy, RunInfo, RunResults, TrialId, TrialRecord, Verdict};

fn harness() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ptx-harness"));
    c.env_remove(TEST_PAUSE_ENV);
    c
}

/// A results file of `trials` trials at `commit`.
fn results(dir: &Path, commit: &str, trials: usize) -> PathBuf {
    let run = RunResults {
        format: 2,
        info: RunInfo {
            backend: "builtin".into(),
            commit: Some(commit.into()),
            date: Some(format!("2026-12-0{}T00:00:00Z", commit.len() % 9)),
            matrix: vec!["sm_80".into()],
            ..Default::default()
        },
        trials: (0..trials)
            .map(|i| {
                let mut t = TrialRecord::not_run(
                    TrialId {
                        suite: "run-gpu".into(),
                        test: format!("t{i}"),
                        revision: None,
                        sm: "sm_80".into(),
                    },
                    Verdict::Passed,
                    DecidedBy::Complete,
                );
                t.kernels = vec![KernelMetrics {
                    name: "k".into(),
                    entry: true,
                    registers: 8,
                    sass_instructions: Some(12),
                    ..Default::default()
                }];
                t
            })
            .collect(),
    };
    let path = dir.join(format!("{commit}.json"));
    write_results(&run, &path).unwrap();
    path
}

fn import(history: &Path, files: &[&Path]) -> Output {
    harness()
        .args(["history", "import", "--history"])
        .arg(history)
        .args(files)
        .output()
        .unwrap()
}

fn commits(history: &Path) -> Vec<String> {
    History::open(history)
        .unwrap()
        .runs()
        .unwrap()
        .into_iter()
        .map(|r| r.results.info.commit.unwrap())
        .collect()
}

#[test]
fn an_import_killed_inside_its_transaction_leaves_the_history_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("history.sqlite");
    let (a, b, c) = (
        results(dir.path(), "a1", 3),
        results(dir.path(), "b22", 3),
        results(dir.path(), "c333", 50),
    );
    let out = import(&h, &[&a, &b]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = commits(&h);
    assert_eq!(before, ["a1", "b22"]);

    let marker = dir.path().join("inside-the-transaction");
    let mut child = harness()
        .args(["history", "import", "--history"])
        .arg(&h)
        .arg(&c)
        .env(TEST_PAUSE_ENV, &marker)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before it reached its transaction");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the import never reached its transaction"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A write transaction is open: SQLite's rollback journal is on disk.
    let journal = PathBuf::from(format!("{}-journal", h.display()));
    assert!(
        journal.exists(),
        "no journal: the kill would not be inside a transaction"
    );
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status}");
    assert!(journal.exists(), "a killed writer leaves its (hot) journal");

    // The file opens, holds exactly the runs it held, and nothing of the killed one.
    let hist = History::open(&h).unwrap();
    assert_eq!(hist.count().unwrap(), 2);
    drop(hist);
    assert_eq!(commits(&h), before);
    // The report reads it.
    let site = dir.path().join("site");
    let out = harness()
        .args(["report", "--html"])
        .arg(&site)
        .arg("--history")
        .arg(&h)
        .arg(&b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(site.join("history.html")).unwrap();
    assert!(page.contains("2 recorded runs"), "{page}");

    // And a new import works.
    let out = import(&h, &[&c]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(commits(&h), ["a1", "b22", "c333"]);
    let runs = History::open(&h).unwrap().runs().unwrap();
    assert_eq!(runs[2].results.trials.len(), 50);
}

#[test]
fn the_cli_refuses_a_file_that_is_not_a_history_with_its_name_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sqlite");
    let junk = b"not an SQLite database: a results.json copied over it, say ......................................";
    std::fs::write(&bad, junk).unwrap();
    let r = results(dir.path(), "a1", 2);
    let site = dir.path().join("site");
    let report = harness()
        .args(["report", "--html"])
        .arg(&site)
        .arg("--history")
        .arg(&bad)
        .arg(&r)
        .output()
        .unwrap();
    for out in [import(&bad, &[&r]), report] {
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{} is not a results history", bad.display())),
            "{err}"
        );
        assert!(
            err.contains(&format!("mv {0} {0}.bad", bad.display())),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "ptx-harness history import --history {}",
                bad.display()
            )),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read(&bad).unwrap(),
        junk,
        "the damaged file is left as it was"
    );
}

//! The results history: every recorded run in one SQLite file (through
//! `rusqlite` with SQLite bundled, so nothing needs installing).
//!
//! A run is recorded in one transaction: a run killed while recording, or
//! a record that fails halfway, leaves the file as it was (SQLite's atomic
//! commit). The schema version is SQLite's `user_version`; a newer harness
//! migrates an older file when it opens it, and an older harness refuses a
//! newer file with a message saying so. The schema (documented in
//! docs/reports.md):
//!
//! - `runs`: one row per run: `id`, `commit_id`, `date`, `backend`, `gpu`,
//!   `emulator`, `source` (the file it was imported from, if any) and
//!   `results`, the whole results.json of the run (so a report can be
//!   rebuilt from the history alone);
//! - `trials`: one row per trial of each run: `run`, `suite`, `test`,
//!   `revision`, `sm`, `verdict`, `decided_by`, `executed`, `device`,
//!   `duration`;
//! - `kernels`: one row per kernel of each trial: `run`, the trial's key,
//!   `name`, `registers`, `spill_stores`, `spill_loads`, `stack`, `shared`,
//!   `ptx_instructions`, and `sass_instructions` (NULL unless the trial had
//!   the `sass` stage; schema 2).
//!
//! Schema 1 had no `sass_instructions`; opening a version 1 file adds the
//! column and fills it from each run's stored results.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OpenFlags};

use super::verdict::RunResults;

/// `ptxas`, `file-check`, …: the name results.json gives a deciding stage.
fn decided_name(d: super::verdict::DecidedBy) -> String {
    serde_json::to_value(d)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The schema version this harness writes.
pub const SCHEMA_VERSION: i64 = 2;

/// An open history file.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// One recorded run, as read back.
#[derive(Clone, Debug)]
pub struct RecordedRun {
    /// Its row id in `runs`.
    pub id: i64,
    /// The run's results, as recorded.
    pub results: RunResults,
}

const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    commit_id TEXT,
    date TEXT,
    backend TEXT NOT NULL,
    gpu TEXT,
    emulator TEXT,
    source TEXT,
    results TEXT NOT NULL
);
CREATE TABLE trials (
    run INTEGER NOT NULL REFERENCES runs(id),
    suite TEXT NOT NULL,
    test TEXT NOT NULL,
    revision TEXT,
    sm TEXT NOT NULL,
    verdict TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    executed INTEGER NOT NULL,
    device TEXT,
    duration REAL NOT NULL
);
CREATE TABLE kernels (
    run INTEGER NOT NULL REFERENCES runs(id),
    suite TEXT NOT NULL,
    test TEXT NOT NULL,
    revision TEXT,
    sm TEXT NOT NULL,
    name TEXT NOT NULL,
    registers INTEGER NOT NULL,
    spill_stores INTEGER NOT NULL,
    spill_loads INTEGER NOT NULL,
    stack INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    ptx_instructions INTEGER NOT NULL
);
CREATE INDEX trials_by_run ON trials(run);
CREATE INDEX kernels_by_run ON kernels(run);
";

/// Version 1 → 2: the kernels' SASS instruction counts.
const SCHEMA_V2: &str = "ALTER TABLE kernels ADD COLUMN sass_instructions INTEGER;";

/// The environment variable of the process-kill test
/// (harness/tests/history_kill.rs), and only of it: set to a file name, a
/// record creates that file after writing its first trial, inside its
/// transaction, and waits there (60 s at most) for the test to kill it.
pub const TEST_PAUSE_ENV: &str = "PTX_HARNESS_TEST_HISTORY_PAUSE";

fn pause_for_kill_test() {
    if let Some(marker) = std::env::var_os(TEST_PAUSE_ENV) {
        let _ = std::fs::write(&marker, std::process::id().to_string());
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

impl History {
    /// Opens (or creates) the history at `path`, migrating an older schema.
    pub fn open(path: &Path) -> Result<History> {
        let fix = || {
            format!(
                "if the file is damaged, move it aside (`mv {0} {0}.bad`) and rebuild the history \
                 with `ptx-harness history import --history {0} <results.json>…`",
                path.display()
            )
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .with_context(|| format!("cannot open the history {}; {}", path.display(), fix()))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .with_context(|| {
                format!(
                    "{} is not a results history (an SQLite file); {}",
                    path.display(),
                    fix()
                )
            })?;
        let mut h = History {
            conn,
            path: path.to_path_buf(),
        };
        h.migrate(version).with_context(fix)?;
        Ok(h)
    }

    /// Brings the schema from `version` to [`SCHEMA_VERSION`], in one transaction.
    fn migrate(&mut self, version: i64) -> Result<()> {
        if version > SCHEMA_VERSION {
            bail!(
                "{} has history schema {version}, newer than this harness's {SCHEMA_VERSION}: \
                 use a newer ptx-harness",
                self.path.display()
            );
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        // Each step takes the schema one version up; version 0 is a new file.
        if version < 1 {
            tx.execute_batch(SCHEMA_V1)
                .with_context(|| format!("cannot create the schema in {}", self.path.display()))?;
        }
        if version < 2 {
            tx.execute_batch(SCHEMA_V2).with_context(|| {
                format!("cannot add sass_instructions to {}", self.path.display())
            })?;
            // Runs recorded under version 1 kept their whole results, SASS
            // counts included: fill the new column from them.
            let runs: Vec<(i64, String)> = tx
                .prepare("SELECT id, results FROM runs")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut fill = tx.prepare(
                "UPDATE kernels SET sass_instructions = ?1 WHERE run = ?2 AND suite = ?3
                 AND test = ?4 AND revision IS ?5 AND sm = ?6 AND name = ?7",
            )?;
            for (run, json) in runs {
                let results: RunResults = serde_json::from_str(&json).with_context(|| {
                    format!(
                        "run {run} of {} holds unreadable results",
                        self.path.display()
                    )
                })?;
                for t in &results.trials {
                    for k in t.kernels.iter().filter(|k| k.entry) {
                        if let Some(n) = k.sass_instructions {
                            let id = &t.id;
                            fill.execute(params![
                                n,
                                run,
                                id.suite,
                                id.test,
                                id.revision,
                                id.sm,
                                k.name
                            ])?;
                        }
                    }
                }
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// Records one run (from `source`, when imported from a file) in one
    /// transaction; returns its id. `fail_after` is for tests: an error
    /// after that many trials, to check that nothing is left behind.
    fn record_inner(
        &mut self,
        results: &RunResults,
        source: Option<&Path>,
        fail_after: Option<usize>,
    ) -> Result<i64> {
        let json = serde_json::to_string(results)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO runs (commit_id, date, backend, gpu, emulator, source, results)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                results.info.commit,
                results.info.date,
                results.info.backend,
                results.info.gpu,
                results.info.emulator,
                source.map(|s| s.display().to_string()),
                json
            ],
        )?;
        let run = tx.last_insert_rowid();
        {
            let mut trial = tx.prepare(
                "INSERT INTO trials (run, suite, test, revision, sm, verdict, decided_by, executed, device, duration)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut kernel = tx.prepare(
                "INSERT INTO kernels (run, suite, test, revision, sm, name, registers, spill_stores, spill_loads, stack, shared, ptx_instructions, sass_instructions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for (n, t) in results.trials.iter().enumerate() {
                if fail_after == Some(n) {
                    bail!("an injected failure after {n} trials");
                }
                if n == 1 {
                    pause_for_kill_test();
                }
                let id = &t.id;
                trial.execute(params![
                    run,
                    id.suite,
                    id.test,
                    id.revision,
                    id.sm,
                    t.verdict.kind(),
                    decided_name(t.decided_by),
                    t.executed,
                    t.device.map(|d| d.to_string()),
                    t.duration.as_secs_f64()
                ])?;
                for k in t.kernels.iter().filter(|k| k.entry) {
                    kernel.execute(params![
                        run,
                        id.suite,
                        id.test,
                        id.revision,
                        id.sm,
                        k.name,
                        k.registers,
                        k.spill_stores,
                        k.spill_loads,
                        k.stack,
                        k.shared,
                        k.ptx_instructions,
                        k.sass_instructions
                    ])?;
                }
            }
        }
        tx.commit()
            .with_context(|| format!("cannot write the history {}", self.path.display()))?;
        Ok(run)
    }

    /// Records one run in one transaction; returns its id.
    pub fn record(&mut self, results: &RunResults, source: Option<&Path>) -> Result<i64> {
        self.record_inner(results, source, None)
            .with_context(|| format!("recording a run in {}", self.path.display()))
    }

    /// Every recorded run, oldest first (by date, then by the order recorded).
    pub fn runs(&self) -> Result<Vec<RecordedRun>> {
        let mut q = self
            .conn
            .prepare("SELECT id, results FROM runs ORDER BY date IS NULL, date, id")?;
        let rows = q.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            let results: RunResults = serde_json::from_str(&json).with_context(|| {
                format!(
                    "run {id} of {} holds unreadable results",
                    self.path.display()
                )
            })?;
            out.push(RecordedRun { id, results });
        }
        Ok(out)
    }

    /// How many runs are recorded.
    pub fn count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::{DecidedBy, RunInfo, TrialId, TrialRecord, Verdict};
    use ptx_backend::metrics::KernelMetrics;

    fn run(commit: &str, registers: u32) -> RunResults {
        let mut t = TrialRecord::not_run(
            TrialId {
                suite: "run-gpu".into(),
                test: "basics/double".into(),
                revision: None,
                sm: "sm_80".into(),
            },
            Verdict::Passed,
            DecidedBy::Complete,
        );
        t.kernels = vec![KernelMetrics {
            name: "double".into(),
            entry: true,
            registers,
            ..Default::default()
        }];
        RunResults {
            format: 2,
            info: RunInfo {
                backend: "builtin".into(),
                commit: Some(commit.into()),
                date: Some(format!("2026-12-0{}T00:00:00Z", registers % 9)),
                ..Default::default()
            },
            trials: vec![t.clone(), {
                let mut u = t;
                u.id.sm = "sm_90".into();
                u
            }],
        }
    }

    #[test]
    fn runs_round_trip_and_come_back_in_date_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let mut h = History::open(&path).unwrap();
        h.record(&run("bbb", 5), None).unwrap();
        h.record(&run("aaa", 4), Some(Path::new("old/results.json")))
            .unwrap();
        drop(h);
        let h = History::open(&path).unwrap();
        let runs = h.runs().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            runs[0].results.info.commit.as_deref(),
            Some("aaa"),
            "older date first"
        );
        assert_eq!(runs[1].results.trials[0].kernels[0].registers, 5);
        let kernels: i64 = h
            .conn
            .query_row(
                "SELECT COUNT(*) FROM kernels WHERE registers = 5",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kernels, 2, "one row per kernel per trial");
    }

    #[test]
    fn a_record_that_fails_halfway_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).unwrap();
        h.record(&run("aaa", 4), None).unwrap();
        assert!(h.record_inner(&run("bbb", 5), None, Some(1)).is_err());
        assert_eq!(h.count().unwrap(), 1);
        let trials: i64 = h
            .conn
            .query_row("SELECT COUNT(*) FROM trials", [], |r| r.get(0))
            .unwrap();
        assert_eq!(trials, 2, "no trial of the failed record is left");
    }

    /// A file as a version 1 harness left it: the v1 schema, one run with
    /// a kernel that has a SASS count and one that has none.
    fn v1_file(path: &Path) {
        let mut r = run("v1run", 7);
        r.trials[0].kernels[0].sass_instructions = Some(41);
        let c = Connection::open(path).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute(
            "INSERT INTO runs (commit_id, date, backend, results) VALUES ('v1run', NULL, 'builtin', ?1)",
            [serde_json::to_string(&r).unwrap()],
        )
        .unwrap();
        for t in &r.trials {
            c.execute(
                "INSERT INTO kernels (run, suite, test, revision, sm, name, registers, spill_stores,
                 spill_loads, stack, shared, ptx_instructions) VALUES (1, ?1, ?2, NULL, ?3, 'double', 7, 0, 0, 0, 0, 0)",
                params![t.id.suite, t.id.test, t.id.sm],
            )
            .unwrap();
        }
    }

    #[test]
    fn a_version_1_file_is_migrated_and_its_sass_counts_filled_from_its_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        v1_file(&path);
        let mut h = History::open(&path).unwrap();
        let version: i64 = h
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let sass = |h: &History| -> Vec<(i64, String, Option<i64>)> {
            h.conn
                .prepare("SELECT run, sm, sass_instructions FROM kernels ORDER BY run, sm")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        // The sm_80 trial had the sass stage (41), the sm_90 one did not.
        assert_eq!(
            sass(&h),
            [(1, "sm_80".into(), Some(41)), (1, "sm_90".into(), None)]
        );
        // The migrated file records new runs with their counts, and keeps the old one.
        let mut r = run("v2run", 8);
        r.trials[1].kernels[0].sass_instructions = Some(50);
        let id = h.record(&r, None).unwrap();
        assert_eq!(
            sass(&h)[2..],
            [(id, "sm_80".into(), None), (id, "sm_90".into(), Some(50))]
        );
        drop(h);
        let h = History::open(&path).unwrap();
        let commits: Vec<_> = h
            .runs()
            .unwrap()
            .into_iter()
            .map(|r| r.results.info.commit.unwrap())
            .collect();
        assert_eq!(commits.len(), 2);
        assert!(commits.contains(&"v1run".to_string()), "{commits:?}");
    }

    #[test]
    fn a_corrupt_or_newer_file_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        std::fs::write(&path, b"this is not an SQLite database, just text, long enough to matter.......................................").unwrap();
        let e = format!("{:#}", History::open(&path).err().unwrap());
        assert!(e.contains("h.sqlite"), "{e}");
        assert!(e.contains("history import"), "{e}");
        // The damaged file is left untouched for inspection.
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not"));
        let newer = dir.path().join("n.sqlite");
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(c);
        let e = format!("{:#}", History::open(&newer).err().unwrap());
        assert!(e.contains("newer than this harness"), "{e}");
    }
}

//! A throwaway repository for the harness's integration tests: a temporary
//! root with `tests/<suite>/` folders, files written into it, and in-process
//! runs of the harness on it with its own work folder. Shared by
//! `backends.rs`, `end_to_end.rs` and `no_silent_green.rs`; each uses part.
#![allow(dead_code)]

use std::path::Path;

use libtest_mimic::{Arguments, Conclusion};
use ptx_backend::SmTarget;
use ptx_harness::config::{Overrides, Settings};
use ptx_harness::plan::discover::Suite;
use ptx_harness::report::verdict::{RunResults, TrialRecord};
use ptx_harness::runner;

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// A new root (`<prefix>…` in the temporary folder) with `tests/<suite>`
    /// for each of `suites` (`"ptx-snapshots"`, `"ui"`, …).
    pub fn new(prefix: &str, suites: &[&str]) -> Scratch {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        for suite in suites {
            std::fs::create_dir_all(dir.path().join("tests").join(suite)).unwrap();
        }
        Scratch { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `path` (relative to the root, or absolute),
    /// creating its folder.
    pub fn write(&self, path: &(impl AsRef<Path> + ?Sized), text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Settings for a run on `sms` (ui tests too), with the work folder
    /// inside the root, the built-in backend, no bless and no CI; the
    /// caller changes what its test is about.
    pub fn settings(&self, sms: &[&str], expectations: Option<&Path>) -> Settings {
        let targets: Vec<SmTarget> = sms
            .iter()
            .map(|s| s.parse().expect("a known sm target"))
            .collect();
        let mut settings = Settings::resolve(
            self.root(),
            &Overrides {
                matrix: Some(targets.clone()),
                expectations: expectations.map(Path::to_path_buf),
                ..Default::default()
            },
        )
        .expect("settings resolve");
        settings.ui_matrix = targets;
        settings.work_dir = self.root().join("work");
        settings.bless = false;
        settings.ci = false;
        settings.backend_config = None;
        settings
    }

    /// Runs `suites` in-process, one trial at a time, quietly: libtest's
    /// own output (whose "test result: FAILED" lines would read like a
    /// failure of the calling test binary in CI logs) goes to
    /// `<root>/libtest.log`. `name` is argv[0]; `extra` are libtest
    /// arguments (a filter, say).
    pub fn run(
        &self,
        settings: Settings,
        name: &str,
        extra: &[&str],
        suites: &[Suite],
    ) -> (Conclusion, RunResults) {
        let argv = [name, "--quiet"].into_iter().chain(extra.iter().copied());
        let mut args = Arguments::from_iter(argv.map(String::from));
        args.test_threads = Some(1);
        args.logfile = Some(self.root().join("libtest.log").display().to_string());
        runner::run(settings, &args, suites).expect("the harness runs")
    }
}

/// The one trial of `test` in `r`.
pub fn record<'a>(r: &'a RunResults, test: &str) -> &'a TrialRecord {
    r.trials
        .iter()
        .find(|t| t.id.test == test)
        .unwrap_or_else(|| panic!("no trial of {test}: {r:#?}"))
}

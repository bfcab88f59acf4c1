//! The conformance suite under `cargo test`: every trial of tests/ui,
//! tests/ptx-snapshots and tests/run-gpu as a libtest-mimic test, so filters,
//! `--list`, `--ignored` and `cargo nextest run` work. `BLESS=1` rewrites
//! snapshots. Reports go to `target/ptx-harness/{results.json,junit.xml}`
//! (not under nextest, where each trial is its own process).

use std::process::ExitCode;

use libtest_mimic::Arguments;
use ptx_harness::config::Overrides;
use ptx_harness::plan::discover::Suite;
use ptx_harness::report::{json::write_results, junit::write_junit};
use ptx_harness::runner;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let settings = match runner::default_settings(&Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let work = settings.work_dir.clone();
    match runner::run(settings, &args, &Suite::ALL) {
        Ok((conclusion, results)) => {
            // nextest runs every trial in its own process; each would
            // overwrite the reports with one trial. Use `ptx-harness run` (or
            // nextest's own JUnit output) for reports there.
            let under_nextest = std::env::var_os("NEXTEST_RUN_ID").is_some();
            if !args.list && !under_nextest {
                for (what, res) in [
                    (
                        "results.json",
                        write_results(&results, &work.join("results.json")),
                    ),
                    ("junit.xml", write_junit(&results, &work.join("junit.xml"))),
                ] {
                    if let Err(e) = res {
                        eprintln!("error: writing {what}: {e:#}");
                        return ExitCode::from(2);
                    }
                }
            }
            conclusion.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

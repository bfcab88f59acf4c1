//! The ptx-snapshots suite's checks: the outcome, each stage's snapshot,
//! and the FileCheck lines against the stage dumps.

use ptx_backend::{CompileOutput, Stage};

use super::failure::{FileCheckMismatch, FileCheckNote};
use super::{bless_filter, failure_text, snapshot_failure, Built, Engine, Failure, TrialCx};
use crate::check::filecheck::{check_prefix_spelling, parse_checks, run_checks};
use crate::plan::check_prefixes;
use crate::plan::trial::Trial;
use crate::report::verdict::DecidedBy;

impl Engine {
    pub(super) fn check_snapshots(
        &self,
        trial: &Trial,
        b: &Built,
        cx: &mut TrialCx,
    ) -> Result<(), Failure> {
        let out = b.out();
        let (outcome, reproduce) = (b.outcome, b.reproduce.as_str());
        let (built, front_end_ok) = (b.built, b.front_end_ok);

        self.check_outcome(
            outcome,
            &trial.directives.error_patterns,
            out,
            front_end_ok,
            built,
            reproduce,
        )?;
        if !built {
            // Pin how it fails, so a change in the failure shows up.
            let stderr = self.normalized(trial, &failure_text(out), "stderr");
            self.compare_stage(trial, "stderr", &stderr, &mut cx.produced)
                .map_err(|p| snapshot_failure(trial, p))?;
            return Ok(());
        }
        let stages = trial
            .directives
            .stages
            .clone()
            .unwrap_or_else(|| vec!["ptx".into(), "ptxas".into()]);
        let mut failures = Vec::new();
        for name in &stages {
            // A built-in stage, or one the backend defines (the
            // directive only lets through names the backend has).
            let Some(Ok(text)) = out.stage_path(name).map(std::fs::read_to_string) else {
                return Err(Failure::NoDump {
                    stage: name.clone(),
                    reproduce: reproduce.to_string(),
                });
            };
            let text = self.normalized(trial, &text, name);
            if let Err(p) = self.compare_stage(trial, name, &text, &mut cx.produced) {
                failures.push(p);
            }
        }
        if !failures.is_empty() {
            // The CHECK lines still run: they tell whether the
            // difference matters to what the test is about.
            let filecheck = match self.filecheck(trial, out) {
                Ok(0) => None,
                Ok(lines) => Some(FileCheckNote::StillPasses {
                    lines,
                    sm: trial.sm.to_string(),
                }),
                Err(f) => Some(FileCheckNote::AlsoFails(Box::new(f))),
            };
            return Err(Failure::Snapshots {
                problems: failures,
                filecheck,
                bless_filter: bless_filter(&trial.id),
            });
        }
        self.filecheck(trial, out)?;
        Ok(())
    }

    /// FileCheck lines against each stage they name (`CHECK` the PTX,
    /// `SASS-CHECK` the SASS, …), with revision and sm prefixes. Returns how
    /// many CHECK lines ran.
    ///
    /// A comment shaped like a check whose prefix no run of this test reads
    /// (`CHEKC:`, `sm90-CHECK:`) is an error, so is a prefix that names no
    /// stage (`SAS-CHECK:`), and so is a trial that checks nothing: no CHECK
    /// line and no kernel entry in the PTX.
    fn filecheck(&self, trial: &Trial, out: &CompileOutput) -> Result<usize, Failure> {
        let sm = trial.sm.name();
        let rev = trial.directives.revision.as_deref();
        let at_line = |line: usize, message: &str| Failure::AtSource {
            by: DecidedBy::FileCheck,
            file: self.display(&trial.test.path),
            line: Some(line),
            message: message.to_string(),
        };
        let revisions = &trial.facts.revisions;
        if let Err(e) = &trial.facts.check_prefixes {
            return Err(at_line(e.line, &e.message));
        }
        let mut bases = vec!["CHECK".to_string()];
        bases.extend(
            check_prefixes::STAGE_WORDS
                .iter()
                .map(|(_, w)| format!("{w}-CHECK")),
        );
        let mut valid = Vec::new();
        for base in &bases {
            valid.push(base.clone());
            for target in ptx_backend::sm::KNOWN_TARGETS {
                valid.push(format!("{target}-{base}"));
                for r in revisions {
                    valid.push(format!("{r}-{target}-{base}"));
                }
            }
            for r in revisions {
                valid.push(format!("{r}-{base}"));
            }
        }
        // The same under a backend the repository knows, e.g. `builtin-CHECK-NOT:`.
        let unscoped = valid.clone();
        for backend in &self.known_backends {
            valid.extend(unscoped.iter().map(|p| format!("{backend}-{p}")));
        }
        check_prefix_spelling(&trial.source, &valid).map_err(|e| at_line(e.line, &e.message))?;
        let mut failures = Vec::new();
        let mut ran = 0;
        for stage in Stage::ALL {
            let prefixes = check_prefixes::active_prefixes(stage, rev, &sm, self.backend.name());
            let checks =
                parse_checks(&trial.source, &prefixes).map_err(|e| at_line(e.line, &e.message))?;
            let Some(first) = checks.first() else {
                continue;
            };
            let Some(Ok(text)) = out.read_stage(stage) else {
                return Err(at_line(
                    first.line,
                    &format!(
                        "{}: lines need the {stage} stage, which was not produced",
                        first.directive()
                    ),
                ));
            };
            ran += checks.len();
            if let Err(e) = run_checks(&checks, &text) {
                failures.push(FileCheckMismatch {
                    file: self.display(&trial.test.path),
                    line: e.line,
                    stage: stage.to_string(),
                    sm: sm.clone(),
                    message: e.message,
                });
            }
        }
        if !failures.is_empty() {
            return Err(Failure::FileCheck(failures));
        }
        if ran == 0 {
            let has_entry = out
                .read_stage(Stage::Ptx)
                .and_then(Result::ok)
                .is_some_and(|p| {
                    p.lines()
                        .any(|l| l.split_whitespace().any(|w| w == ".entry"))
                });
            if !has_entry {
                return Err(Failure::AtSource {
                    by: DecidedBy::FileCheck,
                    file: self.display(&trial.test.path),
                    line: None,
                    message: format!(
                        "checks nothing for {sm}: the PTX has no kernel entry (`.entry`) and \
                         no CHECK line applies, so the snapshot pins an empty module\n  \
                         hint: add a `#[kernel]` function, or CHECK lines (`// CHECK: .visible .func …`) \
                         for what the test is about"
                    ),
                });
            }
        }
        Ok(ran)
    }
}

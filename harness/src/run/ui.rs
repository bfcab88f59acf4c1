//! The ui suite's checks: the normalized stderr snapshot, the `//~`
//! annotations against rustc's diagnostics, and the test's outcome.

use ptx_backend::CompileStatus;

use super::{failure_text, snapshot_failure, Built, Engine, Failure, TrialCx};
use crate::check::diagnostics::match_diagnostics;
use crate::plan::directives::Outcome;
use crate::plan::trial::Trial;
use crate::report::verdict::DecidedBy;

impl Engine {
    pub(super) fn check_ui(
        &self,
        trial: &Trial,
        b: &Built,
        cx: &mut TrialCx,
    ) -> Result<(), Failure> {
        let out = b.out();
        let (outcome, reproduce) = (b.outcome, b.reproduce.as_str());
        let (built, front_end_ok) = (b.built, b.front_end_ok);

        let stderr = self.normalized(trial, &out.diagnostics, "stderr");
        self.compare_stage(trial, "stderr", &stderr, &mut cx.produced)
            .map_err(|p| snapshot_failure(trial, p))?;
        let problems = match_diagnostics(&b.annotations, &b.diagnostics);
        if !problems.is_empty() {
            return Err(Failure::Diagnostics {
                problems,
                reproduce: reproduce.to_string(),
            });
        }
        // The checks and the back end must agree: a `build-pass`
        // crate the checks accept but ptxas (or llc) rejects is not
        // a pass. (A `check-pass` test never runs the back end.)
        if outcome == Outcome::BuildPass {
            if let CompileStatus::ToolFailed { step, .. } = &out.status {
                let by = if step == "ptxas" {
                    DecidedBy::Ptxas
                } else {
                    DecidedBy::Llvm
                };
                return Err(Failure::ToolRejectsWhatChecksAccept {
                    by,
                    step: step.clone(),
                    sm: trial.sm.to_string(),
                    output: failure_text(out),
                    reproduce: reproduce.to_string(),
                });
            }
        }
        self.check_outcome(
            outcome,
            &trial.directives.error_patterns,
            out,
            front_end_ok,
            built,
            reproduce,
        )?;
        Ok(())
    }
}

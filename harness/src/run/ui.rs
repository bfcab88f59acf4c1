//! The ui suite's checks: the normalized stderr snapshot, the `//~`
//! annotations against rustc's diagnostics, and the test's outcome.

use ptx_backend::CompileStatus;

use super::{bless_hint, fail, failure_text, Built, Engine, Failure, TrialCx};
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
            .map_err(|f| fail(f.by, format!("{}\n{}", f.message, bless_hint(trial))))?;
        let problems = match_diagnostics(&b.annotations, &b.diagnostics);
        if !problems.is_empty() {
            return Err(fail(
                DecidedBy::Diagnostics,
                format!("{}\n{reproduce}", problems.join("\n")),
            ));
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
                return Err(fail(
                    by,
                    format!(
                        "the crate passes the checks, but {step} rejects it for {}; \
                         a check that accepts what {step} rejects is a check bug \
                         (or mark the test `build-fail`):\n{}\n{reproduce}",
                        trial.sm,
                        failure_text(out)
                    ),
                ));
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

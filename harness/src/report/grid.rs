//! What the HTML report and the Markdown table (docs/conformance.md) both
//! show of a run: the test × sm grid, the verdict counts per suite and sm,
//! and which trials compiled. Both render from these, so they cannot
//! disagree.

use std::collections::{BTreeMap, BTreeSet};

use super::verdict::{DecidedBy, TrialId, TrialRecord, Verdict};

/// Sorts sm targets by number then suffix (`sm_90` < `sm_90a` < `sm_100`).
pub fn sm_order(sm: &str) -> (u32, String) {
    let body = sm.trim_start_matches("sm_");
    let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
    (
        digits.parse().unwrap_or(0),
        body[digits.len()..].to_string(),
    )
}

/// The sm targets of `trials`, in [`sm_order`].
pub fn sms_of<'a>(trials: impl IntoIterator<Item = &'a TrialRecord>) -> Vec<&'a str> {
    let set: BTreeSet<&str> = trials.into_iter().map(|t| t.id.sm.as_str()).collect();
    let mut v: Vec<&str> = set.into_iter().collect();
    v.sort_by_key(|s| sm_order(s));
    v
}

/// The label of one grid row: `suite/test[rev]`.
pub fn row_label(id: &TrialId) -> String {
    match &id.revision {
        Some(r) => format!("{}/{}[{r}]", id.suite, id.test),
        None => format!("{}/{}", id.suite, id.test),
    }
}

/// The test × sm grid of some trials: a row per `suite/test[rev]` (sorted),
/// a column per sm target (in [`sm_order`]).
pub struct Grid<'a> {
    /// The columns.
    pub sms: Vec<&'a str>,
    /// Row label → sm → the trial.
    pub rows: BTreeMap<String, BTreeMap<&'a str, &'a TrialRecord>>,
}

impl<'a> Grid<'a> {
    /// The grid of `trials`.
    pub fn of(trials: &[&'a TrialRecord]) -> Grid<'a> {
        let mut rows: BTreeMap<String, BTreeMap<&str, &TrialRecord>> = BTreeMap::new();
        for t in trials {
            rows.entry(row_label(&t.id))
                .or_default()
                .insert(t.id.sm.as_str(), t);
        }
        Grid {
            sms: sms_of(trials.iter().copied()),
            rows,
        }
    }
}

/// The steps that build a trial: a verdict they decided means it did not
/// compile the way the test expects.
const BUILD_STEPS: [DecidedBy; 5] = [
    DecidedBy::Plan,
    DecidedBy::Rustc,
    DecidedBy::Llvm,
    DecidedBy::Ptxas,
    DecidedBy::HostBuild,
];

/// Whether the trial's compile and ptxas did what the test expects: a
/// passed trial (a `build-fail` test that failed the way it pins passes),
/// or one whose build succeeded (ptxas reported its kernels and no build
/// step decided the verdict) before a later check failed.
pub fn compiled(t: &TrialRecord) -> bool {
    match t.verdict {
        Verdict::Passed => true,
        Verdict::Skipped { .. } => false,
        _ => !BUILD_STEPS.contains(&t.decided_by) && !t.kernels.is_empty(),
    }
}

/// Verdict counts of some trials, and how many of them compiled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed trials.
    pub passed: usize,
    /// Expected failures (the backend's expectations file).
    pub expected_failure: usize,
    /// Failed trials.
    pub failed: usize,
    /// Skipped trials.
    pub skipped: usize,
    /// Trials that [`compiled`].
    pub compiled: usize,
}

impl Counts {
    /// Adds one trial.
    pub fn add(&mut self, t: &TrialRecord) {
        match t.verdict {
            Verdict::Passed => self.passed += 1,
            Verdict::ExpectedFailure { .. } => self.expected_failure += 1,
            Verdict::Failed { .. } => self.failed += 1,
            Verdict::Skipped { .. } => self.skipped += 1,
        }
        self.compiled += usize::from(compiled(t));
    }

    /// The counts of `trials`.
    pub fn of<'a>(trials: impl IntoIterator<Item = &'a TrialRecord>) -> Counts {
        let mut c = Counts::default();
        for t in trials {
            c.add(t);
        }
        c
    }

    /// Trials that ran: every one but the skipped.
    pub fn ran(&self) -> usize {
        self.passed + self.expected_failure + self.failed
    }

    /// `5 of 6 trials that ran compiled (83.3%)`.
    pub fn compiled_share(&self) -> String {
        let ran = self.ran();
        let share = if ran == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * self.compiled as f64 / ran as f64)
        };
        format!(
            "{} of {ran} trials that ran compiled ({share})",
            self.compiled
        )
    }

    /// `10 passed, 1 expected-failure, 2 failed, 3 skipped`.
    pub fn render(&self) -> String {
        format!(
            "{} passed, {} expected-failure, {} failed, {} skipped",
            self.passed, self.expected_failure, self.failed, self.skipped
        )
    }
}

/// The counts per (suite, sm) of a run's trials, sorted by suite, then sm
/// in [`sm_order`].
pub fn summary(trials: &[TrialRecord]) -> Vec<((&str, &str), Counts)> {
    let mut by: BTreeMap<(&str, (u32, String), &str), Counts> = BTreeMap::new();
    for t in trials {
        by.entry((t.id.suite.as_str(), sm_order(&t.id.sm), t.id.sm.as_str()))
            .or_default()
            .add(t);
    }
    by.into_iter()
        .map(|((suite, _, sm), c)| ((suite, sm), c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        suite: &str,
        sm: &str,
        verdict: Verdict,
        decided_by: DecidedBy,
        kernels: bool,
    ) -> TrialRecord {
        let mut r = TrialRecord::not_run(
            TrialId {
                suite: suite.into(),
                test: "t".into(),
                revision: None,
                sm: sm.into(),
            },
            verdict,
            decided_by,
        );
        if kernels {
            r.kernels = vec![Default::default()];
        }
        r
    }

    #[test]
    fn sms_sort_by_number_then_suffix() {
        let mut v = vec!["sm_100", "sm_90a", "sm_75", "sm_90", "sm_120"];
        v.sort_by_key(|s| sm_order(s));
        assert_eq!(v, ["sm_75", "sm_90", "sm_90a", "sm_100", "sm_120"]);
    }

    #[test]
    fn a_trial_compiled_unless_a_build_step_decided_it_or_ptxas_reported_nothing() {
        let failed = || Verdict::Failed {
            message: "x".into(),
        };
        assert!(compiled(&t(
            "ui",
            "sm_80",
            Verdict::Passed,
            DecidedBy::Complete,
            false
        )));
        assert!(compiled(&t(
            "ui",
            "sm_80",
            failed(),
            DecidedBy::Execution,
            true
        )));
        assert!(!compiled(&t(
            "ui",
            "sm_80",
            failed(),
            DecidedBy::Ptxas,
            true
        )));
        assert!(!compiled(&t(
            "ui",
            "sm_80",
            failed(),
            DecidedBy::FileCheck,
            false
        )));
        let skipped = Verdict::Skipped { reason: "r".into() };
        assert!(!compiled(&t("ui", "sm_80", skipped, DecidedBy::Plan, true)));
    }

    #[test]
    fn the_summary_is_per_suite_then_sm_in_order() {
        let trials = vec![
            t("ui", "sm_100", Verdict::Passed, DecidedBy::Complete, true),
            t(
                "run-gpu",
                "sm_90",
                Verdict::Passed,
                DecidedBy::Complete,
                true,
            ),
            t("ui", "sm_90", Verdict::Passed, DecidedBy::Complete, true),
            t(
                "ui",
                "sm_90",
                Verdict::Skipped { reason: "r".into() },
                DecidedBy::Plan,
                false,
            ),
        ];
        let keys: Vec<_> = summary(&trials).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [("run-gpu", "sm_90"), ("ui", "sm_90"), ("ui", "sm_100")]
        );
        let c = Counts::of(&trials);
        assert_eq!((c.passed, c.skipped, c.ran(), c.compiled), (3, 1, 3, 3));
        assert_eq!(
            c.compiled_share(),
            "3 of 3 trials that ran compiled (100.0%)"
        );
        assert_eq!(
            Counts::default().compiled_share(),
            "0 of 0 trials that ran compiled (-)"
        );
    }
}

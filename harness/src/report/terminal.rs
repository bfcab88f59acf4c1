//! The terminal summary: per suite and per sm target, how many trials
//! passed, failed and were skipped, with every skip reason counted, and the
//! failing trials listed with the command that accepts intended changes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::verdict::{RunResults, Verdict};

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
    expected: usize,
}

impl Counts {
    fn add(&mut self, v: &Verdict) {
        match v {
            Verdict::Passed => self.passed += 1,
            Verdict::Failed { .. } => self.failed += 1,
            Verdict::Skipped { .. } => self.skipped += 1,
            Verdict::ExpectedFailure { .. } => self.expected += 1,
        }
    }

    /// The expected-failure column, shown only in runs that have one.
    fn expected_column(&self, any: bool) -> String {
        if any {
            format!(" {:>5} expected failures", self.expected)
        } else {
            String::new()
        }
    }
}

/// Renders the end-of-run summary.
pub fn summary(results: &RunResults) -> String {
    let mut by_suite: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut by_sm: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    let mut reasons: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let (mut on_gpu, mut on_emulator) = (0, 0);
    for t in &results.trials {
        by_suite.entry(&t.id.suite).or_default().add(&t.verdict);
        by_sm
            .entry((&t.id.suite, &t.id.sm))
            .or_default()
            .add(&t.verdict);
        if let Verdict::Skipped { reason } = &t.verdict {
            *reasons.entry((&t.id.suite, reason.clone())).or_default() += 1;
        }
        on_gpu += usize::from(t.executed_on_gpu());
        on_emulator += usize::from(t.executed_on_emulator());
    }
    let any_expected = by_suite.values().any(|c| c.expected > 0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nconformance summary ({} backend{}; {}{})",
        results.info.backend,
        match results.info.versions.get("prelude") {
            Some(p) if !p.starts_with(&format!("{} ", results.info.backend)) => {
                format!(", {} prelude", p.split(' ').next().unwrap_or(p))
            }
            _ => String::new(),
        },
        results.info.gpu.as_deref().unwrap_or("no GPU"),
        match &results.info.emulator {
            Some(e) => format!("; emulator {e}"),
            None => String::new(),
        }
    );
    for (suite, c) in &by_suite {
        let _ = writeln!(
            s,
            "  {suite:<14} {:>5} passed {:>5} failed {:>5} skipped{}",
            c.passed,
            c.failed,
            c.skipped,
            c.expected_column(any_expected)
        );
        for ((su, sm), c) in by_sm.iter().filter(|((su, _), _)| su == suite) {
            let _ = su;
            let _ = writeln!(
                s,
                "    {sm:<12} {:>5} passed {:>5} failed {:>5} skipped{}",
                c.passed,
                c.failed,
                c.skipped,
                c.expected_column(any_expected)
            );
        }
    }
    if !reasons.is_empty() {
        let _ = writeln!(s, "  skipped, by reason:");
        for ((suite, reason), n) in &reasons {
            let _ = writeln!(s, "    {n:>5} {suite}: {reason}");
        }
    }
    let failed: Vec<_> = results
        .trials
        .iter()
        .filter(|t| t.verdict.is_failed())
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(s, "  failed:");
        for t in &failed {
            let _ = writeln!(s, "    {} ({:?})", t.id.name(), t.decided_by);
        }
    }
    let total: Counts = results.trials.iter().fold(Counts::default(), |mut c, t| {
        c.add(&t.verdict);
        c
    });
    if let Some(sanitizer) = &results.info.sanitizer {
        let _ = writeln!(s, "{}", sanitizer.render());
    }
    let _ = writeln!(
        s,
        "harness: {} passed, {} failed, {} skipped ({} executed on a GPU, {} on the emulator)",
        total.passed, total.failed, total.skipped, on_gpu, on_emulator
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::{DecidedBy, TrialId, TrialRecord};

    fn rec(suite: &str, sm: &str, verdict: Verdict) -> TrialRecord {
        TrialRecord::not_run(
            TrialId {
                suite: suite.into(),
                test: "t".into(),
                revision: None,
                sm: sm.into(),
            },
            verdict,
            DecidedBy::Complete,
        )
    }

    #[test]
    fn skips_are_counted_apart_from_passes_with_reasons() {
        let r = RunResults {
            trials: vec![
                rec(
                    "run-gpu",
                    "sm_80",
                    Verdict::Skipped {
                        reason: "no CUDA driver".into(),
                    },
                ),
                rec(
                    "run-gpu",
                    "sm_90",
                    Verdict::Skipped {
                        reason: "no CUDA driver".into(),
                    },
                ),
                rec("ptx-snapshots", "sm_80", Verdict::Passed),
                rec(
                    "ptx-snapshots",
                    "sm_90",
                    Verdict::Failed {
                        message: "diff".into(),
                    },
                ),
            ],
            ..Default::default()
        };
        let s = summary(&r);
        assert!(
            s.contains("run-gpu            0 passed     0 failed     2 skipped"),
            "{s}"
        );
        assert!(s.contains("2 run-gpu: no CUDA driver"), "{s}");
        assert!(
            s.contains(
                "harness: 1 passed, 1 failed, 2 skipped (0 executed on a GPU, 0 on the emulator)"
            ),
            "{s}"
        );
        assert!(s.contains("ptx-snapshots/t@sm_90"), "{s}");
    }
    #[test]
    fn emulated_executions_are_counted_apart_from_gpu_executions() {
        use crate::report::verdict::DeviceKind;
        let exec = |sm: &str, kind: DeviceKind, verdict: Verdict| {
            let mut r = rec("run-gpu", sm, verdict);
            r.executed = true;
            r.device = Some(kind);
            r
        };
        let mut not_started = rec(
            "run-gpu",
            "sm_100a",
            Verdict::Failed {
                message: "cannot execute on the emulator".into(),
            },
        );
        not_started.device = Some(DeviceKind::Emulator);
        let r = RunResults {
            trials: vec![
                exec("sm_80", DeviceKind::Gpu, Verdict::Passed),
                exec("sm_90", DeviceKind::Emulator, Verdict::Passed),
                exec(
                    "sm_90a",
                    DeviceKind::Emulator,
                    Verdict::Failed {
                        message: "x".into(),
                    },
                ),
                not_started,
            ],
            info: crate::report::verdict::RunInfo {
                backend: "builtin".into(),
                emulator: Some("ptx-emu 0.1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let s = summary(&r);
        assert!(
            s.contains(
                "harness: 2 passed, 2 failed, 0 skipped (1 executed on a GPU, 2 on the emulator)"
            ),
            "{s}"
        );
        assert!(
            s.contains("(builtin backend; no GPU; emulator ptx-emu 0.1)"),
            "{s}"
        );
    }

    #[test]
    fn the_sanitizer_line_counts_findings_and_pins() {
        use crate::check::sanitizer::Finding;
        use crate::plan::sanitize::{Tool, ToolSet};
        use crate::report::verdict::{SanitizerRecord, SanitizerSummary};
        let all = ToolSet::all();
        let exec = |applied: bool, pinned: Option<Tool>, found: &[Tool]| {
            let mut r = rec("run-gpu", "sm_80", Verdict::Passed);
            r.executed = true;
            r.sanitizer = Some(SanitizerRecord {
                tools: all.beyond_memcheck(),
                applied,
                pinned,
                findings: found
                    .iter()
                    .map(|t| Finding {
                        tool: *t,
                        text: format!("ptx-emu: …: {t}: …"),
                    })
                    .collect(),
            });
            r
        };
        // A clean run: 0 findings, said so.
        let trials = vec![exec(true, None, &[]), exec(true, None, &[])];
        let r = RunResults {
            info: crate::report::verdict::RunInfo {
                sanitizer: SanitizerSummary::of(all, &trials),
                ..Default::default()
            },
            trials,
            ..Default::default()
        };
        let s = summary(&r);
        assert!(
            s.contains(
                "sanitizer: racecheck, initcheck, synccheck on for every emulated execution \
                 (memcheck always); 2 emulated executions, 0 findings\n"
            ),
            "{s}"
        );
        // A pinned finding, an unpinned one, and a GPU execution.
        let trials = vec![
            exec(true, Some(Tool::Initcheck), &[Tool::Initcheck]),
            exec(true, None, &[Tool::Racecheck]),
            exec(false, None, &[]),
        ];
        let sum = SanitizerSummary::of(all, &trials).unwrap();
        assert_eq!(
            (sum.executions, sum.findings, sum.pinned, sum.not_applied),
            (2, 1, 1, 1)
        );
        assert!(
            sum.render().ends_with(
                "2 emulated executions, 1 finding, 1 pinned by tests; \
                 not applied to 1 GPU execution (a GPU ignores them)"
            ),
            "{}",
            sum.render()
        );
        // Only a test's `//@ sanitize`: said so; nothing at all: no line.
        let only_test = SanitizerSummary::of(ToolSet::NONE, &trials[..1]).unwrap();
        assert!(only_test
            .render()
            .starts_with("sanitizer: racecheck, initcheck, synccheck on by //@ sanitize"));
        let plain = vec![rec("run-gpu", "sm_80", Verdict::Passed)];
        assert_eq!(SanitizerSummary::of(ToolSet::NONE, &plain), None);
        assert!(!summary(&RunResults::default()).contains("sanitizer:"));
    }
}

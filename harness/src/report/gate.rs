//! The regression gate: compares a run with a baseline run and lists what got
//! worse (verdicts, execution, kernel resources) and what got better.
//!
//! Exit codes for the command that runs the gate: [`EXIT_PASS`] (0) when
//! nothing got worse, [`EXIT_REGRESSION`] (1) when something did, and
//! [`EXIT_ERROR`] (2) for a usage error or an unreadable results file.

use std::collections::{BTreeMap, BTreeSet};

use ptx_backend::metrics::KernelMetrics;
use serde::{Deserialize, Serialize};

use super::verdict::{DeviceKind, RunResults, TrialId, TrialRecord, Verdict};

/// Exit code: no regression.
pub const EXIT_PASS: i32 = 0;
/// Exit code: at least one regression.
pub const EXIT_REGRESSION: i32 = 1;
/// Exit code: usage error or unreadable input.
pub const EXIT_ERROR: i32 = 2;

/// How much each kernel metric may grow before the gate calls it worse. An
/// improvement must shrink the metric by more than the same amount to be
/// listed as better.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct GateConfig {
    /// Registers per thread (absolute). Default 0.
    pub max_register_growth: u32,
    /// Spill stores + spill loads, in bytes. Default 0.
    pub max_spill_growth: u32,
    /// Stack frame, in bytes. Default 0.
    pub max_stack_growth: u32,
    /// PTX instructions, in percent of the baseline count; growth from 0
    /// always counts. Default 5.0.
    pub max_instruction_growth_pct: f64,
    /// SASS instructions (trials with the `sass` stage), in percent of the
    /// baseline count; growth from 0 always counts. Default 5.0.
    pub max_sass_instruction_growth_pct: f64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            max_register_growth: 0,
            max_spill_growth: 0,
            max_stack_growth: 0,
            max_instruction_growth_pct: 5.0,
            max_sass_instruction_growth_pct: 5.0,
        }
    }
}

/// One difference between the baseline and the current run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The trial it concerns.
    pub trial: TrialId,
    /// The kernel, for a metric change.
    pub kernel: Option<String>,
    /// What changed, e.g. `passed → failed: …` or `registers 29 → 34 (+5)`.
    pub what: String,
}

/// The outcome of [`compare`]: the changes for the worse and for the better,
/// each sorted by trial.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateReport {
    /// Regressions; any of them fails the gate.
    pub worse: Vec<Change>,
    /// Improvements, for information.
    pub better: Vec<Change>,
    /// Notes about the comparison itself, e.g. that the baseline executed on
    /// a GPU and this run on the emulator.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl GateReport {
    /// Whether nothing got worse.
    pub fn passed(&self) -> bool {
        self.worse.is_empty()
    }

    /// The exit code for this report: [`EXIT_PASS`] or [`EXIT_REGRESSION`].
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            EXIT_PASS
        } else {
            EXIT_REGRESSION
        }
    }

    /// An aligned plain-text table: a `WORSE` section, a `BETTER` section
    /// (columns trial | kernel | change) and a final
    /// `gate: PASS (0 worse, 3 better)` or `gate: FAIL (…)` line.
    pub fn render_table(&self) -> String {
        const HEADER: [&str; 3] = ["trial", "kernel", "change"];
        let rows = |changes: &[Change]| -> Vec<[String; 3]> {
            changes
                .iter()
                .map(|c| {
                    [
                        c.trial.name(),
                        c.kernel.clone().unwrap_or_else(|| "-".into()),
                        c.what.clone(),
                    ]
                })
                .collect()
        };
        let worse = rows(&self.worse);
        let better = rows(&self.better);
        let width = |col: usize| {
            worse
                .iter()
                .chain(&better)
                .map(|r| r[col].chars().count())
                .chain([HEADER[col].len()])
                .max()
                .unwrap_or(0)
        };
        let (w0, w1) = (width(0), width(1));
        let line = |cells: [&str; 3]| {
            let pad = |s: &str, w: usize| {
                let n = w.saturating_sub(s.chars().count());
                format!("{s}{}", " ".repeat(n))
            };
            format!(
                "  {}  {}  {}\n",
                pad(cells[0], w0),
                pad(cells[1], w1),
                cells[2]
            )
        };

        let mut out = String::new();
        for note in &self.notes {
            out.push_str(&format!("NOTE {note}\n"));
        }
        for (title, section) in [("WORSE", &worse), ("BETTER", &better)] {
            out.push_str(title);
            out.push('\n');
            if section.is_empty() {
                out.push_str("  (none)\n");
                continue;
            }
            out.push_str(&line(HEADER));
            for r in section {
                out.push_str(&line([&r[0], &r[1], &r[2]]));
            }
        }
        out.push_str(&format!(
            "gate: {} ({} worse, {} better)\n",
            if self.passed() { "PASS" } else { "FAIL" },
            self.worse.len(),
            self.better.len()
        ));
        out
    }
}

/// Why two runs cannot be compared, or `Ok` when they can: they must have
/// the same sm matrix (as a set) and, when both executed on GPUs, the same
/// GPUs ([`RunInfo::gpu`](super::verdict::RunInfo::gpu), as a set). A run
/// without a GPU compared with one that had GPUs is comparable: each trial
/// that moved between a GPU and the emulator (or stopped executing) is
/// listed by [`compare`], and an emulated execution never counts as a GPU
/// execution. GPU names are compared without their driver versions.
///
/// Comparing runs of different matrices would list the missing targets as
/// removed trials (or, where they were skipped, pass); comparing different
/// GPUs would compare kernels that ran on different hardware. Both are bad
/// input ([`EXIT_ERROR`]), and the message names both sides.
pub fn check_comparable(baseline: &RunResults, current: &RunResults) -> Result<(), String> {
    let matrix = |r: &RunResults| -> BTreeSet<String> { r.info.matrix.iter().cloned().collect() };
    let list = |r: &RunResults| match r.info.matrix.join(",") {
        m if m.is_empty() => "(none)".to_string(),
        m => m,
    };
    if matrix(baseline) != matrix(current) {
        return Err(format!(
            "the runs have different sm matrices: the baseline {}, this run {}; \
             compare runs of the same matrix (regenerate the baseline with scripts/update-baseline.sh after changing it)",
            list(baseline),
            list(current)
        ));
    }
    let gpus = |r: &RunResults| -> BTreeSet<String> {
        r.info
            .gpu
            .iter()
            .flat_map(|g| g.split(", "))
            .map(str::trim)
            // `info.gpu` is `NAME (sm_XX), driver V`: the driver is not the device.
            .filter(|g| !g.is_empty() && !g.starts_with("driver "))
            .map(str::to_string)
            .collect()
    };
    let (bg, cg) = (gpus(baseline), gpus(current));
    if !bg.is_empty() && !cg.is_empty() && bg != cg {
        let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        return Err(format!(
            "the runs executed on different GPUs: the baseline on {}, this run on {}; \
             compare runs of the same devices",
            join(&bg),
            join(&cg)
        ));
    }
    Ok(())
}

/// Compares `current` with `baseline`, joining trials on their [`TrialId`].
/// Call [`check_comparable`] first: this function assumes the runs share
/// their matrix and GPUs.
///
/// Worse: a trial that fails now and did not fail before, whatever it was
/// (passed, skipped, or absent from the baseline); a trial that passed and is
/// now skipped; a trial that
/// executed on a GPU and no longer does, or now executes only on the emulator
/// (an emulated run is never taken for a GPU run); a trial that executed on
/// the emulator and no longer executes; a trial that vanished (unless it was
/// skipped); an entry kernel (matched by name) whose registers, spill bytes,
/// stack, PTX or SASS instruction count grew beyond `cfg` (SASS only where
/// both runs disassembled the kernel). Better is the reverse:
/// failed or skipped → passed, now executes (or moved from the emulator to a
/// GPU), metrics shrunk beyond `cfg`, and
/// new trials that pass. Other changes (e.g. failed → skipped, a new skipped
/// trial) are neither.
pub fn compare(baseline: &RunResults, current: &RunResults, cfg: &GateConfig) -> GateReport {
    let base: BTreeMap<&TrialId, &TrialRecord> =
        baseline.trials.iter().map(|t| (&t.id, t)).collect();
    let cur: BTreeMap<&TrialId, &TrialRecord> = current.trials.iter().map(|t| (&t.id, t)).collect();
    let ids: BTreeSet<&TrialId> = base.keys().chain(cur.keys()).copied().collect();

    let mut report = GateReport {
        notes: device_notes(baseline, current),
        ..GateReport::default()
    };
    for id in ids {
        let mut push = |worse: bool, kernel: Option<&str>, what: String| {
            let change = Change {
                trial: id.clone(),
                kernel: kernel.map(str::to_string),
                what,
            };
            if worse {
                report.worse.push(change);
            } else {
                report.better.push(change);
            }
        };
        match (base.get(id), cur.get(id)) {
            (Some(b), None) => {
                if !matches!(b.verdict, Verdict::Skipped { .. }) {
                    push(true, None, format!("{} → removed", b.verdict.kind()));
                }
            }
            (None, Some(c)) => match &c.verdict {
                Verdict::Passed => push(false, None, "new → passed".into()),
                Verdict::Failed { message } => {
                    push(true, None, format!("new → failed: {}", first_line(message)))
                }
                Verdict::ExpectedFailure { reason, .. } => push(
                    false,
                    None,
                    format!("new → expected failure: {}", first_line(reason)),
                ),
                Verdict::Skipped { .. } => {}
            },
            (Some(b), Some(c)) => {
                let verdict_changed = compare_verdicts(b, c, &mut push);
                if !verdict_changed {
                    compare_devices(b, c, &mut push);
                }
                compare_kernels(b, c, cfg, &mut push);
            }
            (None, None) => unreachable!("id comes from one of the maps"),
        }
    }
    report
}

/// The device a record executed on (format-1 records without one ran on a GPU).
fn executed_on(t: &TrialRecord) -> Option<DeviceKind> {
    t.executed.then(|| t.device.unwrap_or(DeviceKind::Gpu))
}

/// Pushes a change of where a trial executed, if any.
fn compare_devices(
    b: &TrialRecord,
    c: &TrialRecord,
    push: &mut impl FnMut(bool, Option<&str>, String),
) {
    use DeviceKind::{Emulator, Gpu};
    let name = |t: &TrialRecord| match &t.device_name {
        Some(n) => format!(" ({n})"),
        None => String::new(),
    };
    match (executed_on(b), executed_on(c)) {
        (Some(Gpu), None) => push(true, None, "executed → not executed".into()),
        (Some(Emulator), None) => {
            push(true, None, "executed on the emulator → not executed".into())
        }
        (None, Some(Gpu)) => push(false, None, "not executed → executed".into()),
        (None, Some(Emulator)) => push(
            false,
            None,
            "not executed → executed on the emulator".into(),
        ),
        (Some(Gpu), Some(Emulator)) => push(
            true,
            None,
            format!(
                "executed on a GPU{} → only on the emulator{}",
                name(b),
                name(c)
            ),
        ),
        (Some(Emulator), Some(Gpu)) => push(
            false,
            None,
            format!("executed on the emulator{} → on a GPU{}", name(b), name(c)),
        ),
        _ => {}
    }
}

/// What the gate says about comparing runs that executed on different devices.
fn device_notes(baseline: &RunResults, current: &RunResults) -> Vec<String> {
    let count = |r: &RunResults, k: DeviceKind| {
        r.trials
            .iter()
            .filter(|t| executed_on(t) == Some(k))
            .count()
    };
    let (bg, be) = (
        count(baseline, DeviceKind::Gpu),
        count(baseline, DeviceKind::Emulator),
    );
    let (cg, ce) = (
        count(current, DeviceKind::Gpu),
        count(current, DeviceKind::Emulator),
    );
    let mut notes = Vec::new();
    if (bg > 0 && ce > 0) || (be > 0 && cg > 0) {
        notes.push(format!(
            "the baseline executed {bg} trial(s) on a GPU and {be} on the emulator; this run {cg} on a GPU and {ce} on the emulator. \
             A trial that moved between a GPU and the emulator is listed as such, never compared as the same execution."
        ));
    }
    notes
}

/// ` [baseline on a GPU, now on the emulator]` when the two verdicts came from different devices.
fn device_context(b: &TrialRecord, c: &TrialRecord) -> String {
    let word = |k: Option<DeviceKind>| match k {
        Some(DeviceKind::Gpu) => "on a GPU",
        Some(DeviceKind::Emulator) => "on the emulator",
        None => "not executed",
    };
    let (bk, ck) = (executed_on(b), executed_on(c));
    if bk != ck && bk.is_some() && ck.is_some() {
        format!(" [baseline {}, now {}]", word(bk), word(ck))
    } else {
        String::new()
    }
}

/// Pushes the verdict change of a trial, if any; returns whether it did.
fn compare_verdicts(
    b: &TrialRecord,
    c: &TrialRecord,
    push: &mut impl FnMut(bool, Option<&str>, String),
) -> bool {
    let context = device_context(b, c);
    match (&b.verdict, &c.verdict) {
        (
            Verdict::Passed | Verdict::Skipped { .. } | Verdict::ExpectedFailure { .. },
            Verdict::Failed { message },
        ) => {
            push(
                true,
                None,
                format!(
                    "{} → failed{context}: {}",
                    b.verdict.kind(),
                    first_line(message)
                ),
            );
        }
        (Verdict::Passed, Verdict::Skipped { reason }) => {
            push(
                true,
                None,
                format!("passed → skipped: {}", first_line(reason)),
            );
        }
        // A trial that passed and is now a listed gap regressed, whoever
        // listed it.
        (Verdict::Passed, Verdict::ExpectedFailure { reason, .. }) => {
            push(
                true,
                None,
                format!("passed → expected failure{context}: {}", first_line(reason)),
            );
        }
        // The gap list going down (or a failure now explained) is better.
        (Verdict::Failed { .. }, Verdict::ExpectedFailure { reason, .. }) => {
            push(
                false,
                None,
                format!("failed → expected failure{context}: {}", first_line(reason)),
            );
        }
        (
            Verdict::Failed { .. } | Verdict::Skipped { .. } | Verdict::ExpectedFailure { .. },
            Verdict::Passed,
        ) => {
            push(
                false,
                None,
                format!("{} → passed{context}", b.verdict.kind()),
            );
        }
        _ => return false,
    }
    true
}

/// Pushes the metric changes of the entry kernels both records measured.
fn compare_kernels(
    b: &TrialRecord,
    c: &TrialRecord,
    cfg: &GateConfig,
    push: &mut impl FnMut(bool, Option<&str>, String),
) {
    let entries = |t: &TrialRecord| -> BTreeMap<String, KernelMetrics> {
        t.kernels
            .iter()
            .filter(|k| k.entry)
            .map(|k| (k.name.clone(), k.clone()))
            .collect()
    };
    let cur = entries(c);
    for (name, bk) in entries(b) {
        let Some(ck) = cur.get(&name) else { continue };
        let spills = |k: &KernelMetrics| u64::from(k.spill_stores) + u64::from(k.spill_loads);
        let absolute = [
            (
                "registers",
                u64::from(bk.registers),
                u64::from(ck.registers),
                cfg.max_register_growth,
            ),
            ("spill bytes", spills(&bk), spills(ck), cfg.max_spill_growth),
            (
                "stack bytes",
                u64::from(bk.stack),
                u64::from(ck.stack),
                cfg.max_stack_growth,
            ),
        ];
        for (what, before, after, limit) in absolute {
            let delta = after as i64 - before as i64;
            if delta.unsigned_abs() > u64::from(limit) {
                push(
                    delta > 0,
                    Some(&name),
                    format!("{what} {before} → {after} ({delta:+})"),
                );
            }
        }

        let counts = [
            (
                "ptx instructions",
                Some(bk.ptx_instructions),
                Some(ck.ptx_instructions),
                cfg.max_instruction_growth_pct,
            ),
            (
                "sass instructions",
                bk.sass_instructions,
                ck.sass_instructions,
                cfg.max_sass_instruction_growth_pct,
            ),
        ];
        for (what, before, after, limit) in counts {
            let (Some(before), Some(after)) = (before, after) else {
                continue;
            };
            let delta = i64::from(after) - i64::from(before);
            if delta == 0 {
                continue;
            }
            let text = |pct: Option<f64>| match pct {
                Some(p) => format!("{what} {before} → {after} ({delta:+}, {p:+.1}%)"),
                None => format!("{what} {before} → {after} ({delta:+})"),
            };
            if before == 0 {
                // From 0, any growth counts.
                push(true, Some(&name), text(None));
            } else {
                let pct = delta as f64 * 100.0 / f64::from(before);
                if pct.abs() > limit {
                    push(delta > 0, Some(&name), text(Some(pct)));
                }
            }
        }
    }
}

/// The first non-empty line of `text`, trimmed.
fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::{DecidedBy, DeviceKind, RunInfo, RESULTS_FORMAT};
    use std::time::Duration;

    fn id(suite: &str, test: &str) -> TrialId {
        TrialId {
            suite: suite.into(),
            test: test.into(),
            revision: None,
            sm: "sm_80".into(),
        }
    }

    fn kernel(name: &str, registers: u32, instructions: u32) -> KernelMetrics {
        KernelMetrics {
            name: name.into(),
            entry: true,
            registers,
            ptx_instructions: instructions,
            ..Default::default()
        }
    }

    fn record(id: TrialId, verdict: Verdict, executed: bool) -> TrialRecord {
        TrialRecord {
            id,
            verdict,
            decided_by: DecidedBy::Complete,
            executed,
            device: executed.then_some(DeviceKind::Gpu),
            device_name: executed.then(|| "Test GPU (sm_90)".to_string()),
            duration: Duration::from_millis(10),
            kernels: vec![],
            reproduce: None,
            sanitizer: None,
        }
    }

    fn baseline() -> RunResults {
        let mut saxpy = record(id("run-gpu", "saxpy.rs"), Verdict::Passed, true);
        saxpy.kernels = vec![
            kernel("saxpy", 29, 100),
            KernelMetrics {
                entry: false,
                ..kernel("helper", 10, 10)
            },
        ];
        RunResults {
            format: RESULTS_FORMAT,
            info: RunInfo::default(),
            trials: vec![
                record(id("ui", "ok.rs"), Verdict::Passed, false),
                record(
                    id("ui", "broken.rs"),
                    Verdict::Failed {
                        message: "boom".into(),
                    },
                    false,
                ),
                record(
                    id("ui", "skip.rs"),
                    Verdict::Skipped {
                        reason: "ignore-sm".into(),
                    },
                    false,
                ),
                saxpy,
            ],
        }
    }

    fn trial<'a>(run: &'a mut RunResults, test: &str) -> &'a mut TrialRecord {
        run.trials.iter_mut().find(|t| t.id.test == test).unwrap()
    }

    fn saxpy(run: &mut RunResults) -> &mut KernelMetrics {
        &mut trial(run, "saxpy.rs").kernels[0]
    }

    #[test]
    fn unchanged_run_passes() {
        let r = compare(&baseline(), &baseline(), &GateConfig::default());
        assert!(r.passed(), "{}", r.render_table());
        assert!(r.better.is_empty());
        assert_eq!(r.exit_code(), EXIT_PASS);
        assert!(r
            .render_table()
            .ends_with("gate: PASS (0 worse, 0 better)\n"));
    }

    #[test]
    fn register_growth_respects_threshold() {
        let cfg = GateConfig {
            max_register_growth: 2,
            ..GateConfig::default()
        };
        for (registers, caught) in [(30, false), (31, false), (32, true), (40, true)] {
            let mut cur = baseline();
            saxpy(&mut cur).registers = registers;
            let r = compare(&baseline(), &cur, &cfg);
            assert_eq!(!r.passed(), caught, "{registers}: {}", r.render_table());
            if caught {
                assert_eq!(r.worse[0].kernel.as_deref(), Some("saxpy"));
                let expected = format!("registers 29 → {registers} (+{})", registers - 29);
                assert_eq!(r.worse[0].what, expected);
                assert_eq!(r.exit_code(), EXIT_REGRESSION);
            }
        }
    }

    #[test]
    fn device_functions_are_not_gated() {
        let mut cur = baseline();
        trial(&mut cur, "saxpy.rs").kernels[1].registers = 200;
        assert!(compare(&baseline(), &cur, &GateConfig::default()).passed());
    }

    #[test]
    fn passed_to_failed_or_skipped_is_caught() {
        let mut cur = baseline();
        trial(&mut cur, "ok.rs").verdict = Verdict::Failed {
            message: "\nerror: mismatch\nmore detail".into(),
        };
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(r.worse[0].what, "passed → failed: error: mismatch");

        let mut cur = baseline();
        trial(&mut cur, "ok.rs").verdict = Verdict::Skipped {
            reason: "no CUDA driver".into(),
        };
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse[0].what, "passed → skipped: no CUDA driver");
    }

    #[test]
    fn a_trial_that_now_fails_is_worse_whatever_it_was() {
        // Skipped (no GPU in the baseline) → failed on a GPU now.
        let mut cur = baseline();
        trial(&mut cur, "skip.rs").verdict = Verdict::Failed {
            message: "CUDA_ERROR_ILLEGAL_ADDRESS\nmore".into(),
        };
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(
            r.worse[0].what,
            "skipped → failed: CUDA_ERROR_ILLEGAL_ADDRESS"
        );
        // Absent from the baseline, failing now.
        let mut cur = baseline();
        cur.trials.push(record(
            id("ui", "new-failing.rs"),
            Verdict::Failed {
                message: "boom".into(),
            },
            false,
        ));
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(r.worse[0].what, "new → failed: boom");
        assert_eq!(r.exit_code(), EXIT_REGRESSION);
        // Failing before and now: not a new regression.
        assert!(compare(&baseline(), &baseline(), &GateConfig::default()).passed());
    }

    #[test]
    fn runs_of_different_matrices_or_gpus_are_not_comparable() {
        let with = |matrix: &[&str], gpu: Option<&str>| {
            let mut r = baseline();
            r.info.matrix = matrix.iter().map(|s| s.to_string()).collect();
            r.info.gpu = gpu.map(str::to_string);
            r
        };
        let a = with(&["sm_80", "sm_90"], None);
        assert_eq!(
            check_comparable(&a, &with(&["sm_90", "sm_80"], None)),
            Ok(())
        );
        let e = check_comparable(&a, &with(&["sm_80"], None)).unwrap_err();
        assert!(
            e.starts_with(
                "the runs have different sm matrices: the baseline sm_80,sm_90, this run sm_80;"
            ),
            "{e}"
        );
        // GPUs: compared as sets; a run without a GPU is comparable with one
        // that had GPUs (the per-trial device changes say what moved).
        let h100 = with(
            &["sm_80"],
            Some("NVIDIA H100 (sm_90), driver 12.8, NVIDIA A100 (sm_80)"),
        );
        let same = with(
            &["sm_80"],
            Some("NVIDIA A100 (sm_80), driver 12.9, NVIDIA H100 (sm_90)"),
        );
        assert_eq!(check_comparable(&h100, &same), Ok(()));
        assert_eq!(check_comparable(&h100, &with(&["sm_80"], None)), Ok(()));
        assert_eq!(check_comparable(&with(&["sm_80"], None), &h100), Ok(()));
        let e =
            check_comparable(&h100, &with(&["sm_80"], Some("NVIDIA A100 (sm_80)"))).unwrap_err();
        assert!(
            e.contains("the baseline on NVIDIA A100 (sm_80), NVIDIA H100 (sm_90), this run on NVIDIA A100 (sm_80)"),
            "{e}"
        );
    }

    #[test]
    fn removed_trial_is_caught_unless_it_was_skipped() {
        let mut cur = baseline();
        cur.trials.retain(|t| t.id.test != "ok.rs");
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1);
        assert_eq!(r.worse[0].trial, id("ui", "ok.rs"));
        assert_eq!(r.worse[0].what, "passed → removed");

        let mut cur = baseline();
        cur.trials.retain(|t| t.id.test != "skip.rs");
        assert!(compare(&baseline(), &cur, &GateConfig::default()).passed());
    }

    #[test]
    fn losing_execution_is_caught() {
        let mut cur = baseline();
        trial(&mut cur, "saxpy.rs").executed = false;
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(r.worse[0].what, "executed → not executed");

        // The reverse is an improvement.
        let r = compare(&cur, &baseline(), &GateConfig::default());
        assert!(r.passed());
        assert_eq!(r.better[0].what, "not executed → executed");
    }

    #[test]
    fn instruction_growth_over_percent_is_caught() {
        let cfg = GateConfig::default(); // 5%
        let mut cur = baseline();
        saxpy(&mut cur).ptx_instructions = 105;
        assert!(compare(&baseline(), &cur, &cfg).passed());

        saxpy(&mut cur).ptx_instructions = 106;
        let r = compare(&baseline(), &cur, &cfg);
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(r.worse[0].what, "ptx instructions 100 → 106 (+6, +6.0%)");

        // From zero, any growth counts.
        let mut base = baseline();
        saxpy(&mut base).ptx_instructions = 0;
        let mut cur = baseline();
        saxpy(&mut cur).ptx_instructions = 1;
        assert!(!compare(&base, &cur, &cfg).passed());
    }

    #[test]
    fn sass_instruction_growth_over_its_threshold_is_caught() {
        let cfg = GateConfig {
            max_sass_instruction_growth_pct: 10.0,
            ..GateConfig::default()
        };
        let mut base = baseline();
        saxpy(&mut base).sass_instructions = Some(200);
        let mut cur = base.clone();
        saxpy(&mut cur).sass_instructions = Some(220);
        assert!(compare(&base, &cur, &cfg).passed(), "10% is allowed");

        saxpy(&mut cur).sass_instructions = Some(221);
        let r = compare(&base, &cur, &cfg);
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(r.worse[0].kernel.as_deref(), Some("saxpy"));
        assert_eq!(r.worse[0].what, "sass instructions 200 → 221 (+21, +10.5%)");
        assert!(r.render_table().contains("sass instructions 200 → 221"));

        // Shrinking beyond the threshold is listed as better.
        saxpy(&mut cur).sass_instructions = Some(150);
        let r = compare(&base, &cur, &cfg);
        assert!(r.passed());
        assert_eq!(
            r.better[0].what,
            "sass instructions 200 → 150 (-50, -25.0%)"
        );

        // A run that did not disassemble (no sass stage) is not compared.
        saxpy(&mut cur).sass_instructions = None;
        assert!(compare(&base, &cur, &cfg).passed());
        assert!(compare(&base, &cur, &cfg).better.is_empty());

        // The threshold is read from the gate config file.
        let parsed: GateConfig = toml::from_str("max-sass-instruction-growth-pct = 2.5").unwrap();
        assert_eq!(parsed.max_sass_instruction_growth_pct, 2.5);
        assert_eq!(parsed.max_instruction_growth_pct, 5.0);
    }

    #[test]
    fn spill_and_stack_growth_are_caught() {
        let mut cur = baseline();
        saxpy(&mut cur).spill_stores = 4;
        saxpy(&mut cur).spill_loads = 4;
        saxpy(&mut cur).stack = 8;
        let r = compare(&baseline(), &cur, &GateConfig::default());
        let whats: Vec<&str> = r.worse.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["spill bytes 0 → 8 (+8)", "stack bytes 0 → 8 (+8)"]);
        let loose = GateConfig {
            max_spill_growth: 8,
            max_stack_growth: 8,
            ..GateConfig::default()
        };
        assert!(compare(&baseline(), &cur, &loose).passed());
    }

    #[test]
    fn improvements_are_listed_as_better() {
        let mut cur = baseline();
        trial(&mut cur, "broken.rs").verdict = Verdict::Passed;
        trial(&mut cur, "skip.rs").verdict = Verdict::Passed;
        saxpy(&mut cur).registers = 24;
        saxpy(&mut cur).ptx_instructions = 80;
        cur.trials
            .push(record(id("ui", "new.rs"), Verdict::Passed, false));
        cur.trials.push(record(
            id("ui", "new-skipped.rs"),
            Verdict::Skipped { reason: "x".into() },
            false,
        ));
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert!(r.passed(), "{}", r.render_table());
        let whats: Vec<&str> = r.better.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "registers 29 → 24 (-5)",
                "ptx instructions 100 → 80 (-20, -20.0%)",
                "failed → passed",
                "new → passed",
                "skipped → passed",
            ]
        );
        let table = r.render_table();
        assert!(
            table.ends_with("gate: PASS (0 worse, 5 better)\n"),
            "{table}"
        );
    }

    #[test]
    fn table_is_aligned() {
        let mut cur = baseline();
        saxpy(&mut cur).registers = 34;
        trial(&mut cur, "ok.rs").verdict = Verdict::Failed {
            message: "bad".into(),
        };
        trial(&mut cur, "broken.rs").verdict = Verdict::Passed;
        let table = compare(&baseline(), &cur, &GateConfig::default()).render_table();
        let expected = "\
WORSE
  trial                   kernel  change
  run-gpu/saxpy.rs@sm_80  saxpy   registers 29 → 34 (+5)
  ui/ok.rs@sm_80          -       passed → failed: bad
BETTER
  trial                   kernel  change
  ui/broken.rs@sm_80      -       failed → passed
gate: FAIL (2 worse, 1 better)
";
        assert_eq!(table, expected);
    }
    #[test]
    fn an_emulated_run_is_never_taken_for_a_gpu_run() {
        let emulated = |run: &mut RunResults| {
            let t = trial(run, "saxpy.rs");
            t.device = Some(DeviceKind::Emulator);
            t.device_name = Some("ptx-emu 0.1 (sm_80)".into());
        };
        // GPU baseline, emulated run: lost GPU coverage is worse, and said so.
        let mut cur = baseline();
        emulated(&mut cur);
        let r = compare(&baseline(), &cur, &GateConfig::default());
        assert_eq!(r.worse.len(), 1, "{}", r.render_table());
        assert_eq!(
            r.worse[0].what,
            "executed on a GPU (Test GPU (sm_90)) → only on the emulator (ptx-emu 0.1 (sm_80))"
        );
        assert_eq!(r.notes.len(), 1);
        assert!(r.render_table().starts_with("NOTE the baseline executed 1 trial(s) on a GPU and 0 on the emulator; this run 0 on a GPU and 1 on the emulator."), "{}", r.render_table());
        // The reverse is better.
        let r = compare(&cur, &baseline(), &GateConfig::default());
        assert!(r.passed(), "{}", r.render_table());
        assert!(r.better[0].what.starts_with("executed on the emulator"));
        // Emulated both times: nothing to say.
        let r = compare(&cur, &cur, &GateConfig::default());
        assert!(r.passed() && r.better.is_empty() && r.notes.is_empty());
        // Emulated, then not executed: worse.
        let mut gone = cur.clone();
        trial(&mut gone, "saxpy.rs").executed = false;
        let r = compare(&cur, &gone, &GateConfig::default());
        assert_eq!(r.worse[0].what, "executed on the emulator → not executed");
        let r = compare(&gone, &cur, &GateConfig::default());
        assert_eq!(r.better[0].what, "not executed → executed on the emulator");
        // A verdict change across devices names both.
        let mut failed = cur.clone();
        trial(&mut failed, "saxpy.rs").verdict = Verdict::Failed {
            message: "stdout differs".into(),
        };
        let r = compare(&baseline(), &failed, &GateConfig::default());
        assert_eq!(
            r.worse[0].what,
            "passed → failed [baseline on a GPU, now on the emulator]: stdout differs"
        );
    }
}

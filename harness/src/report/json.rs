//! The JSON results file: writing and reading a [`RunResults`], and merging the
//! results of several machines or GPUs into one run.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

use super::verdict::{
    DeviceKind, RunInfo, RunResults, TrialId, TrialRecord, Verdict, RESULTS_FORMAT,
};
use crate::atomic_file::write_atomic;

/// Separator between the GPUs of a merged run in [`RunInfo::gpu`].
const GPU_SEPARATOR: &str = ", ";
/// Separator between conflicting tool versions of a merged run.
const VERSION_SEPARATOR: &str = " | ";

/// Writes `results` as pretty-printed JSON to `path`, atomically.
///
/// The file is stamped with the current [`RESULTS_FORMAT`], whatever
/// `results.format` holds: this harness only writes its own format.
pub fn write_results(results: &RunResults, path: &Path) -> anyhow::Result<()> {
    let mut stamped = results.clone();
    stamped.format = RESULTS_FORMAT;
    let mut text = serde_json::to_string_pretty(&stamped)
        .with_context(|| format!("serializing results for {}", path.display()))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Reads a results file written by [`write_results`].
///
/// Errors name the file, and say which format version it has when that is
/// not [`RESULTS_FORMAT`].
pub fn read_results(path: &Path) -> anyhow::Result<RunResults> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read results file {}", path.display()))?;

    /// Just enough of the file to check its version before parsing the rest.
    #[derive(Deserialize)]
    struct Header {
        format: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON results file", path.display()))?;
    match header.format {
        None => bail!(
            "{} is not a results file: it has no `format` field (expected format version {})",
            path.display(),
            RESULTS_FORMAT
        ),
        // Format 1 had no emulator: every execution in it ran on its GPU.
        Some(v) if v.as_u64() == Some(1) => {
            let mut old: RunResults = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a valid results file (format version 1)",
                    path.display()
                )
            })?;
            for t in old.trials.iter_mut().filter(|t| t.executed) {
                t.device = Some(DeviceKind::Gpu);
                t.device_name = old.info.gpu.clone();
            }
            old.format = RESULTS_FORMAT;
            return Ok(old);
        }
        Some(v) if v.as_u64() != Some(u64::from(RESULTS_FORMAT)) => bail!(
            "{} has results format version {}, but this harness reads version {}; \
             re-run the harness that wrote it or regenerate the file",
            path.display(),
            v,
            RESULTS_FORMAT
        ),
        Some(_) => {}
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid results file (format version {})",
            path.display(),
            RESULTS_FORMAT
        )
    })
}

/// Combines the results of several runs (machines, GPUs) into one.
///
/// For each [`TrialId`]:
/// - a trial that ran (passed or failed) beats one that was skipped, one that
///   executed on a GPU beats one that executed on the emulator, and that one
///   beats one that did not execute;
/// - if the runs disagree, or several failed, the failure is kept and its
///   message ends with a line naming the device of each outcome (and saying
///   so when a GPU and the emulator disagree);
/// - if all were skipped, the skip is kept (with each distinct reason).
///
/// [`RunInfo::gpu`] becomes the comma-joined list of GPUs (and
/// [`RunInfo::emulator`] of emulators), tool versions are
/// merged key by key (conflicting values joined with `" | "`), and the sm
/// matrices are united. Fails if `runs` is empty, if a run is not in
/// [`RESULTS_FORMAT`], or if the runs come from different backends.
pub fn merge(runs: &[RunResults]) -> anyhow::Result<RunResults> {
    if runs.is_empty() {
        bail!("no results to merge");
    }
    for (i, run) in runs.iter().enumerate() {
        if run.format != RESULTS_FORMAT {
            bail!(
                "cannot merge run #{} ({}): it has results format version {}, expected {}",
                i + 1,
                run_label(run, i),
                run.format,
                RESULTS_FORMAT
            );
        }
    }

    let info = merge_info(runs)?;

    let mut by_id: BTreeMap<&TrialId, Vec<(String, &TrialRecord)>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        let label = run_label(run, i);
        for trial in &run.trials {
            // An execution is labelled with the device it ran on.
            let label = match (&trial.device_name, trial.executed) {
                (Some(name), true) if !name.is_empty() => name.clone(),
                _ => label.clone(),
            };
            by_id.entry(&trial.id).or_default().push((label, trial));
        }
    }
    let trials: Vec<TrialRecord> = by_id
        .into_values()
        .map(|candidates| merge_trial(&candidates))
        .collect();
    let mut info = info;
    let run_tools = runs
        .iter()
        .filter_map(|r| r.info.sanitizer.as_ref())
        .fold(crate::plan::sanitize::ToolSet::NONE, |a, s| a.union(s.run));
    info.sanitizer = super::verdict::SanitizerSummary::of(run_tools, &trials);

    Ok(RunResults {
        format: RESULTS_FORMAT,
        info,
        trials,
    })
}

/// The name a run goes by in merge notes: its GPU, or its position.
fn run_label(run: &RunResults, index: usize) -> String {
    match &run.info.gpu {
        Some(gpu) if !gpu.is_empty() => gpu.clone(),
        _ => format!("run #{} (no GPU)", index + 1),
    }
}

/// Merges the environments of several runs.
fn merge_info(runs: &[RunResults]) -> anyhow::Result<RunInfo> {
    let mut backend = String::new();
    for (i, run) in runs.iter().enumerate() {
        let b = &run.info.backend;
        if b.is_empty() {
            continue;
        }
        if backend.is_empty() {
            backend = b.clone();
        } else if *b != backend {
            bail!(
                "cannot merge results of different backends: `{}` and `{}` (run #{})",
                backend,
                b,
                i + 1
            );
        }
    }

    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for run in runs {
        for (tool, value) in &run.info.versions {
            let seen = versions.entry(tool.clone()).or_default();
            for part in value.split(VERSION_SEPARATOR) {
                push_unique(seen, part);
            }
        }
    }

    let mut gpus = Vec::new();
    for run in runs {
        if let Some(gpu) = &run.info.gpu {
            for part in gpu.split(GPU_SEPARATOR) {
                push_unique(&mut gpus, part.trim());
            }
        }
    }

    let mut emulators = Vec::new();
    for run in runs {
        if let Some(emu) = &run.info.emulator {
            for part in emu.split(VERSION_SEPARATOR) {
                push_unique(&mut emulators, part.trim());
            }
        }
    }

    let mut matrix = Vec::new();
    for run in runs {
        for sm in &run.info.matrix {
            push_unique(&mut matrix, sm);
        }
    }

    Ok(RunInfo {
        backend,
        versions: versions
            .into_iter()
            .map(|(tool, values)| (tool, values.join(VERSION_SEPARATOR)))
            .collect(),
        gpu: (!gpus.is_empty()).then(|| gpus.join(GPU_SEPARATOR)),
        emulator: (!emulators.is_empty()).then(|| emulators.join(VERSION_SEPARATOR)),
        matrix,
        // Runs merged from several machines share a commit when they agree.
        commit: runs
            .iter()
            .map(|r| r.info.commit.clone())
            .reduce(|a, b| if a == b { a } else { None })
            .flatten(),
        date: runs.iter().filter_map(|r| r.info.date.clone()).max(),
        // Recounted from the merged trials by `merge`.
        sanitizer: None,
    })
}

/// Appends `value` unless it is empty or already there.
fn push_unique(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// Merges the records of one trial from several runs (`(run label, record)`).
fn merge_trial(candidates: &[(String, &TrialRecord)]) -> TrialRecord {
    let (_, first) = &candidates[0];
    if candidates.len() == 1 {
        return (*first).clone();
    }
    let ran: Vec<&(String, &TrialRecord)> = candidates
        .iter()
        .filter(|(_, t)| !matches!(t.verdict, Verdict::Skipped { .. }))
        .collect();

    if ran.is_empty() {
        // Skipped everywhere: keep the first skip, with every distinct reason.
        let mut merged = (*first).clone();
        let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
        for (label, t) in candidates {
            if let Verdict::Skipped { reason } = &t.verdict {
                match reasons.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, labels)) => labels.push(label),
                    None => reasons.push((reason.clone(), vec![label])),
                }
            }
        }
        if reasons.len() > 1 {
            let reason = reasons
                .iter()
                .map(|(r, labels)| format!("{r} (on {})", labels.join(", ")))
                .collect::<Vec<_>>()
                .join("; ");
            merged.verdict = Verdict::Skipped { reason };
        }
        return merged;
    }

    // Prefer a failure (never hide one), then a record that executed.
    // (`max_by_key` keeps the last maximum; reversed, that is the first run's.)
    let chosen: &TrialRecord = ran
        .iter()
        .rev()
        .map(|(_, t)| *t)
        .max_by_key(|t| (t.verdict.is_failed(), t.executed_on_gpu(), t.executed))
        .expect("`ran` is not empty");
    let mut merged = chosen.clone();
    merged.executed = ran.iter().any(|(_, t)| t.executed);
    if merged.executed && !chosen.executed {
        if let Some((_, t)) = ran.iter().find(|(_, t)| t.executed) {
            merged.device = t.device;
            merged.device_name = t.device_name.clone();
        }
    }
    if merged.kernels.is_empty() {
        if let Some((_, t)) = ran.iter().find(|(_, t)| !t.kernels.is_empty()) {
            merged.kernels = t.kernels.clone();
        }
    }
    if merged.reproduce.is_none() {
        merged.reproduce = ran.iter().find_map(|(_, t)| t.reproduce.clone());
    }

    if let Verdict::Failed { message } = &mut merged.verdict {
        if ran.len() > 1 {
            let labels_of = |failed: bool| {
                let mut labels: Vec<&str> = Vec::new();
                for (label, t) in &ran {
                    if t.verdict.is_failed() == failed && !labels.contains(&label.as_str()) {
                        labels.push(label);
                    }
                }
                labels
            };
            let failed_on = labels_of(true);
            let passed_on = labels_of(false);
            let mut note = format!("merged: failed on {}", failed_on.join(", "));
            if !passed_on.is_empty() {
                note.push_str(&format!("; passed on {}", passed_on.join(", ")));
                let kinds = |failed: bool| -> Vec<DeviceKind> {
                    ran.iter()
                        .filter(|(_, t)| t.executed && t.verdict.is_failed() == failed)
                        .filter_map(|(_, t)| t.device)
                        .collect()
                };
                let (f, p) = (kinds(true), kinds(false));
                let both = |k: DeviceKind| f.contains(&k) || p.contains(&k);
                if both(DeviceKind::Gpu) && both(DeviceKind::Emulator) && f != p {
                    note.push_str(" (the GPU and the emulator disagree)");
                }
            }
            if !message.ends_with('\n') && !message.is_empty() {
                message.push('\n');
            }
            message.push_str(&note);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::DecidedBy;
    use ptx_backend::metrics::KernelMetrics;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn id(suite: &str, test: &str, sm: &str) -> TrialId {
        TrialId {
            suite: suite.into(),
            test: test.into(),
            revision: None,
            sm: sm.into(),
        }
    }

    fn record(id: TrialId, verdict: Verdict, executed: bool) -> TrialRecord {
        TrialRecord {
            id,
            verdict,
            decided_by: DecidedBy::Complete,
            executed,
            device: executed.then_some(DeviceKind::Gpu),
            device_name: None,
            duration: Duration::from_millis(1500),
            kernels: vec![],
            reproduce: None,
            sanitizer: None,
        }
    }

    fn failed(msg: &str) -> Verdict {
        Verdict::Failed {
            message: msg.into(),
        }
    }

    fn skipped(reason: &str) -> Verdict {
        Verdict::Skipped {
            reason: reason.into(),
        }
    }

    fn run(gpu: Option<&str>, versions: &[(&str, &str)], trials: Vec<TrialRecord>) -> RunResults {
        RunResults {
            format: RESULTS_FORMAT,
            info: RunInfo {
                backend: "llvm-ptx".into(),
                versions: versions
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                gpu: gpu.map(str::to_string),
                emulator: None,
                matrix: vec!["sm_80".into()],
                commit: None,
                date: None,
                sanitizer: None,
            },
            trials,
        }
    }

    fn sample() -> RunResults {
        let mut with_kernels = record(
            TrialId {
                revision: Some("opt".into()),
                ..id("run-gpu", "saxpy.rs", "sm_80")
            },
            Verdict::Passed,
            true,
        );
        with_kernels.kernels = vec![KernelMetrics {
            name: "saxpy".into(),
            entry: true,
            registers: 29,
            ptx_instructions: 40,
            ..Default::default()
        }];
        with_kernels.reproduce = Some("ptx-rustc --crate-type cdylib saxpy.rs".into());
        run(
            Some("NVIDIA H100 (sm_90)"),
            &[("rustc", "1.90.0-nightly"), ("ptxas", "12.4")],
            vec![
                with_kernels,
                record(
                    id("ui", "a.rs", "sm_80"),
                    failed("error: <oops> & \"more\"\nline 2"),
                    false,
                ),
                record(
                    id("ui", "b.rs", "sm_80"),
                    skipped("ignore-sm: sm_80"),
                    false,
                ),
            ],
        )
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/results.json");
        let results = sample();
        write_results(&results, &path).unwrap();
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "temporary file left behind"
        );
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("\n  \"format\": {RESULTS_FORMAT}")),
            "not pretty: {text}"
        );
        assert_eq!(read_results(&path).unwrap(), results);
    }

    #[test]
    fn write_stamps_the_current_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        write_results(&RunResults::default(), &path).unwrap();
        assert_eq!(read_results(&path).unwrap().format, RESULTS_FORMAT);
    }

    #[test]
    fn bad_files_error_clearly() {
        let dir = tempfile::tempdir().unwrap();

        let missing = dir.path().join("missing.json");
        let e = format!("{:#}", read_results(&missing).unwrap_err());
        assert!(e.contains("missing.json"), "{e}");

        let garbage = dir.path().join("garbage.json");
        fs::write(&garbage, "not json").unwrap();
        let e = format!("{:#}", read_results(&garbage).unwrap_err());
        assert!(e.contains("garbage.json"), "{e}");

        let old = dir.path().join("old.json");
        fs::write(&old, r#"{"format": 99, "info": {}, "trials": []}"#).unwrap();
        let e = format!("{:#}", read_results(&old).unwrap_err());
        assert!(e.contains("old.json") && e.contains("99"), "{e}");
        assert!(e.contains(&format!("version {RESULTS_FORMAT}")), "{e}");

        let no_format = dir.path().join("other.json");
        fs::write(&no_format, r#"{"trials": []}"#).unwrap();
        let e = format!("{:#}", read_results(&no_format).unwrap_err());
        assert!(e.contains("other.json") && e.contains("format"), "{e}");

        let broken = dir.path().join("broken.json");
        fs::write(
            &broken,
            r#"{"format": 1, "info": {}, "trials": [{"id": 3}]}"#,
        )
        .unwrap();
        let e = format!("{:#}", read_results(&broken).unwrap_err());
        assert!(e.contains("broken.json") && e.contains("version 1"), "{e}");
    }

    #[test]
    fn merge_prefers_executed_over_skipped() {
        let t = id("run-gpu", "saxpy.rs", "sm_80");
        let a = run(
            None,
            &[],
            vec![record(t.clone(), skipped("no CUDA driver"), false)],
        );
        let b = run(
            Some("H100"),
            &[],
            vec![record(t.clone(), Verdict::Passed, true)],
        );
        for runs in [[a.clone(), b.clone()], [b, a]] {
            let m = merge(&runs).unwrap();
            assert_eq!(m.trials.len(), 1);
            assert_eq!(m.trials[0].verdict, Verdict::Passed);
            assert!(m.trials[0].executed);
        }
    }

    #[test]
    fn merge_keeps_failure_and_names_both_gpus() {
        let t = id("run-gpu", "saxpy.rs", "sm_80");
        let a = run(
            Some("A100"),
            &[],
            vec![record(t.clone(), Verdict::Passed, true)],
        );
        let b = run(
            Some("H100"),
            &[],
            vec![record(t.clone(), failed("wrong result at 3"), true)],
        );
        let m = merge(&[a, b]).unwrap();
        let Verdict::Failed { message } = &m.trials[0].verdict else {
            panic!("expected failure: {:?}", m.trials[0]);
        };
        assert!(message.starts_with("wrong result at 3\n"), "{message}");
        assert!(message.contains("failed on H100"), "{message}");
        assert!(message.contains("passed on A100"), "{message}");
        assert_eq!(m.info.gpu.as_deref(), Some("A100, H100"));
    }

    #[test]
    fn merge_all_skipped_stays_skipped() {
        let t = id("run-gpu", "saxpy.rs", "sm_80");
        let a = run(
            None,
            &[],
            vec![record(t.clone(), skipped("no CUDA driver"), false)],
        );
        let b = run(
            None,
            &[],
            vec![record(t.clone(), skipped("no CUDA driver"), false)],
        );
        let m = merge(&[a, b]).unwrap();
        assert_eq!(m.trials[0].verdict, skipped("no CUDA driver"));
        assert_eq!(m.info.gpu, None);
    }

    #[test]
    fn merge_unites_trials_and_info() {
        let a = run(
            Some("A100"),
            &[("rustc", "1.90"), ("driver", "550")],
            vec![record(id("ui", "a.rs", "sm_80"), Verdict::Passed, false)],
        );
        let mut b = run(
            Some("H100"),
            &[("rustc", "1.90"), ("driver", "560")],
            vec![
                record(id("ui", "b.rs", "sm_90"), Verdict::Passed, false),
                record(id("ui", "a.rs", "sm_80"), Verdict::Passed, false),
            ],
        );
        b.info.matrix = vec!["sm_90".into(), "sm_80".into()];
        let m = merge(&[a, b]).unwrap();
        assert_eq!(m.format, RESULTS_FORMAT);
        let ids: Vec<String> = m.trials.iter().map(|t| t.id.name()).collect();
        assert_eq!(ids, ["ui/a.rs@sm_80", "ui/b.rs@sm_90"]);
        assert_eq!(m.info.versions["rustc"], "1.90");
        assert_eq!(m.info.versions["driver"], "550 | 560");
        assert_eq!(m.info.matrix, ["sm_80", "sm_90"]);
        assert_eq!(m.info.backend, "llvm-ptx");

        // Merging a merged run again changes nothing.
        let again = merge(&[m.clone(), m.clone()]).unwrap();
        assert_eq!(again.info, m.info);
        assert_eq!(again.trials, m.trials);
    }

    #[test]
    fn merge_rejects_bad_input() {
        assert!(merge(&[]).is_err());
        let mut other_format = sample();
        other_format.format = 0;
        assert!(merge(&[sample(), other_format]).is_err());
        let mut other_backend = sample();
        other_backend.info.backend = "nvvm".into();
        let e = merge(&[sample(), other_backend]).unwrap_err().to_string();
        assert!(e.contains("nvvm") && e.contains("llvm-ptx"), "{e}");
    }
    #[test]
    fn format_1_files_are_read_as_gpu_executions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.json");
        fs::write(
            &path,
            r#"{"format": 1, "info": {"backend": "b", "versions": {}, "gpu": "NVIDIA A100 (sm_80), driver 12.8", "matrix": ["sm_80"]},
               "trials": [
                 {"id": {"suite": "run-gpu", "test": "a.rs", "revision": null, "sm": "sm_80"}, "verdict": "passed",
                  "decided_by": "complete", "executed": true, "duration": 0.5, "kernels": [], "reproduce": null},
                 {"id": {"suite": "run-gpu", "test": "b.rs", "revision": null, "sm": "sm_80"}, "verdict": "skipped", "reason": "no CUDA driver",
                  "decided_by": "execution", "executed": false, "duration": 0.5, "kernels": [], "reproduce": null}
               ]}"#,
        )
        .unwrap();
        let r = read_results(&path).unwrap();
        assert_eq!(r.format, RESULTS_FORMAT);
        assert!(r.trials[0].executed_on_gpu());
        assert_eq!(
            r.trials[0].device_name.as_deref(),
            Some("NVIDIA A100 (sm_80), driver 12.8")
        );
        assert_eq!(r.trials[1].device, None);
    }

    #[test]
    fn merge_names_each_device_and_flags_gpu_emulator_disagreement() {
        let t = id("run-gpu", "saxpy.rs", "sm_80");
        let mut on_gpu = record(t.clone(), Verdict::Passed, true);
        on_gpu.device_name = Some("NVIDIA A100 (sm_80)".into());
        let mut on_emu = record(t.clone(), failed("stdout differs"), true);
        on_emu.device = Some(DeviceKind::Emulator);
        on_emu.device_name = Some("ptx-emu 0.1 (sm_80)".into());
        let mut emu_run = run(None, &[], vec![on_emu]);
        emu_run.info.emulator = Some("ptx-emu 0.1 (x)".into());
        let m = merge(&[
            run(Some("NVIDIA A100"), &[], vec![on_gpu.clone()]),
            emu_run.clone(),
        ])
        .unwrap();
        let Verdict::Failed { message } = &m.trials[0].verdict else {
            panic!("{:?}", m.trials[0]);
        };
        assert!(
            message.ends_with(
                "merged: failed on ptx-emu 0.1 (sm_80); passed on NVIDIA A100 (sm_80) (the GPU and the emulator disagree)"
            ),
            "{message}"
        );
        assert_eq!(m.info.emulator.as_deref(), Some("ptx-emu 0.1 (x)"));
        assert_eq!(m.info.gpu.as_deref(), Some("NVIDIA A100"));

        // Both passed: the GPU execution is the one kept.
        let mut emu_pass = emu_run.clone();
        emu_pass.trials[0].verdict = Verdict::Passed;
        let m = merge(&[emu_pass, run(Some("NVIDIA A100"), &[], vec![on_gpu])]).unwrap();
        assert!(m.trials[0].executed_on_gpu(), "{:?}", m.trials[0]);
    }

    /// Every key a results file can hold, as `trials[].kernels[].name`.
    fn key_paths(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.insert(path.clone());
                    // Tool versions are a map by tool name, not fields.
                    if path != "info.versions" {
                        key_paths(v, &path, out);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    key_paths(v, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }

    /// docs/results-json.md documents every key of the current format, in
    /// its field table as `` `path` ``, and every verdict and stage name.
    #[test]
    fn every_results_field_is_documented() {
        let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/results-json.md");
        let doc = std::fs::read_to_string(doc_path).expect("docs/results-json.md exists");
        assert!(
            doc.starts_with(&format!("# results.json, format {RESULTS_FORMAT}\n")),
            "docs/results-json.md must describe format {RESULTS_FORMAT}"
        );
        // A record of every shape, with every optional field set.
        let mut results = sample();
        results.info.emulator = Some("ptx-emu 0.1 (test, sha256 0)".into());
        results.info.versions.insert("rustc".into(), "1".into());
        results.info.commit = Some("0123abc".into());
        results.info.date = Some("2026-12-07T23:20:00Z".into());
        let mut t = record(id("run-gpu", "a", "sm_80"), Verdict::Passed, true);
        t.id.revision = Some("r".into());
        t.device = Some(DeviceKind::Emulator);
        t.device_name = Some("ptx-emu 0.1 (sm_80)".into());
        t.reproduce = Some("ptx-rustc …".into());
        t.kernels = vec![KernelMetrics::default()];
        t.sanitizer = Some(crate::report::verdict::SanitizerRecord {
            tools: crate::plan::sanitize::ToolSet::parse_list("initcheck").unwrap(),
            applied: true,
            pinned: Some(crate::plan::sanitize::Tool::Initcheck),
            findings: vec![crate::check::sanitizer::Finding {
                tool: crate::plan::sanitize::Tool::Initcheck,
                text: "ptx-emu: …: initcheck: …".into(),
            }],
        });
        results.trials.push(t);
        results.info.sanitizer = crate::report::verdict::SanitizerSummary::of(
            crate::plan::sanitize::ToolSet::all(),
            &results.trials,
        );
        results
            .trials
            .push(record(id("ui", "f", "sm_80"), failed("x"), false));
        results
            .trials
            .push(record(id("ui", "s", "sm_80"), skipped("y"), false));
        let mut keys = BTreeSet::new();
        key_paths(&serde_json::to_value(&results).unwrap(), "", &mut keys);
        let undocumented: Vec<&String> = keys
            .iter()
            .filter(|k| !doc.contains(&format!("| `{k}` |")))
            .collect();
        assert!(
            undocumented.is_empty(),
            "fields of results.json missing from docs/results-json.md's table: {undocumented:?}"
        );
        let names = [
            "passed",
            "failed",
            "skipped",
            "gpu",
            "emulator",
            "plan",
            "rustc",
            "llvm",
            "ptxas",
            "snapshot",
            "file-check",
            "diagnostics",
            "host-build",
            "execution",
            "complete",
        ];
        let stages = [
            DecidedBy::Plan,
            DecidedBy::Rustc,
            DecidedBy::Llvm,
            DecidedBy::Ptxas,
            DecidedBy::Snapshot,
            DecidedBy::FileCheck,
            DecidedBy::Diagnostics,
            DecidedBy::HostBuild,
            DecidedBy::Execution,
            DecidedBy::Complete,
        ];
        for stage in stages {
            let name = serde_json::to_value(stage).unwrap();
            assert!(names.contains(&name.as_str().unwrap()), "{name}");
        }
        for name in names {
            assert!(
                doc.contains(&format!("`{name}`")),
                "`{name}` is not documented"
            );
        }
    }
}

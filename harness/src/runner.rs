//! The whole run: resolve settings, build the backend and the plan, hand the
//! trials to libtest-mimic, then bless, print the summary per suite and per
//! sm, and write the JSON and JUnit reports. `cargo test` and the
//! `ptx-harness` binary both come through here.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use libtest_mimic::{Arguments, Conclusion, Trial as LibTrial};
use ptx_backend::external::ExternalBackend;
use ptx_backend::sysroot::DeviceSysroot;
use ptx_backend::{Backend, BuiltinBackend, PipelineOptions, Toolchain};

use crate::check::snapshot::{bless_test, orphan_candidates, remove_orphans, BlessReport};
use crate::config::{Overrides, Settings};
use crate::execute::compile::CompileCache;
use crate::execute::device::Emulator;
use crate::execute::gpu::GpuStatus;
use crate::execute::host::HostBuilder;
use crate::plan::discover::Suite;
use crate::plan::expectations::Expectations;
use crate::plan::trial::{plan, suite_matrix, PlanItem, Trial};
use crate::report::verdict::{
    DecidedBy, RunInfo, RunResults, SanitizerSummary, TrialId, TrialRecord, Verdict, RESULTS_FORMAT,
};
use crate::run::{Collected, Engine, Phase, RevisionTarget};

/// Builds the engine: backend, cache, GPU probe and host builder.
pub fn engine(settings: Settings) -> Result<Engine> {
    let toolchain = match Toolchain::discover() {
        // `cargo test -p ptx-harness` alone doesn't build the driver binary.
        Err(e) if e.what.contains("ptx-rustc") && std::env::var_os("PTX_RUSTC").is_none() => {
            build_driver().with_context(|| e.to_string())?;
            Toolchain::discover()?
        }
        other => other?,
    };
    let (backend, sysroots): (Arc<dyn Backend>, Vec<PathBuf>) = match &settings.backend_config {
        Some(cfg) => (
            Arc::new(ExternalBackend::from_config_file(cfg)?),
            vec![toolchain.sysroot.clone()],
        ),
        None => {
            let sysroot = DeviceSysroot::ensure(&toolchain)?;
            let roots = vec![sysroot.root.clone(), toolchain.sysroot.clone()];
            let be = BuiltinBackend::new(toolchain.clone(), sysroot, PipelineOptions::from_env()?)?;
            be.require_prelude()?;
            (Arc::new(be), roots)
        }
    };
    let expectations = match &settings.expectations {
        Some(path) => Expectations::load(path, &settings.root)?,
        None => {
            let path = Expectations::default_path(&settings.root, backend.name());
            if path.is_file() {
                Expectations::load(&path, &settings.root)?
            } else {
                Expectations::default()
            }
        }
    };
    let work = settings.work_dir.clone();
    crate::execute::compile::remove_stale_staging(&work.join("host"));
    let known_backends = crate::run::known_backends(&settings.root, backend.name());
    Ok(Engine {
        expectations,
        cache: CompileCache::new(work.join("cache"), settings.cache),
        hosts: HostBuilder::new(work.join("host"), &toolchain)
            .with_timeout(settings.compile_timeout),
        gpu: if settings.device.allows_gpu() {
            GpuStatus::probe()
        } else {
            GpuStatus::Absent("--device emu: the GPU is not used".into())
        },
        emulator: Emulator::new(work.join("emu-lib")),
        backend,
        sysroots,
        collected: Mutex::new(Collected::default()),
        color: crate::check::diff::stderr_is_terminal(),
        progress: None,
        known_backends,
        settings,
    })
}

/// Builds `ptx-rustc` with cargo, in the profile of the running executable.
fn build_driver() -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let release = std::env::current_exe()?
        .components()
        .any(|c| c.as_os_str() == "release");
    eprintln!("ptx-rustc not built yet; running `cargo build -p ptx-rustc`");
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(ptx_backend::toolchain::workspace_root())
        .args(["build", "-p", "ptx-rustc"]);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().context("cannot run cargo")?;
    anyhow::ensure!(status.success(), "`cargo build -p ptx-rustc` failed");
    Ok(())
}

fn lib_trial(engine: &Arc<Engine>, trial: &Trial, phase: Phase, name: String) -> LibTrial {
    let (e, t) = (engine.clone(), trial.clone());
    let skip = match (&trial.skip, phase) {
        (Some(s), _) => Some(s.clone()),
        (None, Phase::Execute) => engine.select_for(trial).err(),
        _ => None,
    };
    let kind = match trial.test.suite {
        Suite::Ui => "ui",
        Suite::PtxSnapshots => "ptx",
        Suite::RunGpu if phase == Phase::Build => "gpu-build",
        // The tools are the emulator's: a GPU execution runs without them.
        Suite::RunGpu
            if !engine.sanitize_tools(trial).is_default()
                && engine.select_for(trial) == Ok(crate::execute::device::DeviceKind::Gpu) =>
        {
            "gpu-run; sanitize: not applied on a GPU"
        }
        Suite::RunGpu => "gpu-run",
    };
    let mut lt = LibTrial::test(name, move || e.run(&t, phase).map_err(Into::into)).with_kind(kind);
    if let Some(reason) = skip {
        // libtest can only say "ignored"; the reason goes into the kind column
        // and into our own summary and reports.
        lt = lt
            .with_ignored_flag(true)
            .with_kind(format!("skip: {reason}"));
    }
    lt
}

/// Turns the plan into libtest trials (run-gpu gets a build and an execute trial).
///
/// Every execution comes after every build: an execution waits for its
/// own build (the same compile, shared through the cache), so a build
/// followed at once by its execution would keep two threads on one compile.
pub fn trials(engine: &Arc<Engine>, items: &[PlanItem]) -> Vec<LibTrial> {
    let mut out = Vec::new();
    let mut executions = Vec::new();
    for item in items {
        match item {
            PlanItem::Invalid { id, error, .. } => {
                let (e, id2, err) = (engine.clone(), id.clone(), error.clone());
                out.push(LibTrial::test(id.name(), move || {
                    e.collected
                        .lock()
                        .unwrap()
                        .records
                        .push(TrialRecord::not_run(
                            id2,
                            Verdict::Failed {
                                message: err.clone(),
                            },
                            DecidedBy::Plan,
                        ));
                    Err(err.into())
                }));
            }
            PlanItem::Trial(t) if t.test.suite == Suite::RunGpu && runs_on_gpu(t) => {
                out.push(lib_trial(
                    engine,
                    t,
                    Phase::Build,
                    format!("{}/build", t.id.name()),
                ));
                executions.push(lib_trial(engine, t, Phase::Execute, t.id.name()));
            }
            PlanItem::Trial(t) => out.push(lib_trial(engine, t, Phase::Build, t.id.name())),
        }
    }
    out.extend(executions);
    out
}

/// Compiles the trials about to run that ask for the `sass` stage first,
/// with their disassemblies batched (one nvdisasm run per target instead of
/// one per trial; see [`crate::execute::sass_batch`]); the trials then find
/// their compiles in the cache.
fn prepare_sass(engine: &Engine, items: &[PlanItem], args: &Arguments, lib_trials: &[LibTrial]) {
    let running: HashSet<&str> = lib_trials
        .iter()
        .filter(|t| !args.is_filtered_out(t) && !args.is_ignored(t))
        .map(LibTrial::name)
        .collect();
    let jobs: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            PlanItem::Trial(t) if t.skip.is_none() && running.contains(t.id.name().as_str()) => {
                Some(engine.job(t))
            }
            _ => None,
        })
        .filter(|j| j.sass)
        .collect();
    if jobs.len() < 2 {
        return;
    }
    let parallel = args.test_threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    crate::execute::sass_batch::prepare(&engine.cache, engine.backend.as_ref(), &jobs, parallel);
}

/// Whether a run-gpu trial executes (a `build-fail` known-bug test doesn't).
fn runs_on_gpu(t: &Trial) -> bool {
    t.directives.outcome.is_none_or(|o| o.runs())
}

/// The record per (test, revision, sm): for run-gpu the execution's verdict
/// when it ran, else the build's, where a passed build that could not execute
/// is a skip (never a pass).
pub fn merge_records(
    engine: &Engine,
    items: &[PlanItem],
    records: Vec<TrialRecord>,
) -> Vec<TrialRecord> {
    let mut by_id: BTreeMap<_, Vec<TrialRecord>> = BTreeMap::new();
    for r in records {
        by_id.entry(r.id.clone()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (id, recs) in by_id {
        if id.suite != Suite::RunGpu.dir_name() {
            out.extend(recs);
            continue;
        }
        // An execution that ran, or one assigned to a device that could not
        // start it (the emulator library is missing): a verdict, not a skip.
        let executed = recs.iter().find(|r| r.executed || r.device.is_some());
        let build_failed = recs
            .iter()
            .find(|r| r.verdict.is_failed() && r.decided_by != DecidedBy::Execution);
        if let Some(r) = executed.or(build_failed) {
            out.push(r.clone());
            continue;
        }
        let mut r = recs
            .iter()
            .find(|r| r.verdict == Verdict::Passed)
            .unwrap_or(&recs[0])
            .clone();
        let planned = items.iter().find_map(|i| match i {
            PlanItem::Trial(t) if t.id == id => Some(t),
            _ => None,
        });
        let Some(planned) = planned.filter(|t| runs_on_gpu(t)) else {
            out.push(r); // nothing to execute: the build verdict is the verdict
            continue;
        };
        if r.verdict == Verdict::Passed || r.decided_by == DecidedBy::Execution {
            let reason = engine
                .select_for(planned)
                .err()
                .unwrap_or_else(|| "execution was filtered out".into());
            r.verdict = Verdict::Skipped {
                reason: format!("{reason} (PTX and host program built)"),
            };
            r.decided_by = DecidedBy::Execution;
        }
        out.push(r);
    }
    out
}

/// Runs the suites with libtest arguments. Returns the conclusion and results.
///
/// A filter that matches no trial is an error when blessing (`./bless.sh
/// typo/` must not report success); otherwise, as with any `cargo test`
/// filter, it is a warning, because `cargo test --workspace -- NAME` passes
/// the same filter to every test binary.
pub fn run(
    settings: Settings,
    args: &Arguments,
    suites: &[Suite],
) -> Result<(Conclusion, RunResults)> {
    let strict = settings.bless;
    run_with_progress(settings, args, suites, false, strict)
}

/// When the filter and `--skip` arguments leave no trial to run: a message
/// naming them, the suites and top-level folders that exist, and the closest
/// folder or test names.
pub fn unmatched_filter(args: &Arguments, trials: &[LibTrial]) -> Option<String> {
    let filtered = args.filter.is_some() || !args.skip.is_empty();
    if !filtered || trials.iter().any(|t| !args.is_filtered_out(t)) {
        return None;
    }
    let mut what = Vec::new();
    if let Some(f) = &args.filter {
        what.push(format!("the filter `{f}`"));
    }
    if !args.skip.is_empty() {
        what.push(format!("--skip {}", args.skip.join(", --skip ")));
    }
    let mut msg = format!(
        "no trial matched {} (of {} trials)",
        what.join(" with "),
        trials.len()
    );
    // `suite/` and `suite/folder/` of every trial, and test names without the target.
    let mut folders = BTreeSet::new();
    let mut tests = BTreeSet::new();
    for t in trials {
        let name = t.name();
        let test = name.split(['@', '[']).next().unwrap_or(name);
        let parts: Vec<&str> = test.split('/').collect();
        folders.insert(format!("{}/", parts[0]));
        if parts.len() > 2 {
            folders.insert(format!("{}/{}/", parts[0], parts[1]));
        }
        tests.insert(test.to_string());
    }
    if let Some(f) = &args.filter {
        let candidates: Vec<&str> = folders
            .iter()
            .chain(tests.iter())
            .map(String::as_str)
            .collect();
        let close = ptx_backend::suggest::similar_paths(f, &candidates);
        if !close.is_empty() {
            let names: Vec<String> = close.iter().take(3).map(|c| format!("`{c}`")).collect();
            msg.push_str(&format!("\ndid you mean {}?", names.join(" or ")));
        }
    }
    msg.push_str(&format!(
        "\nfolders: {}",
        folders.iter().cloned().collect::<Vec<_>>().join(" ")
    ));
    Some(msg)
}

/// "no tests found under <root>/tests (suites: …)".
fn no_tests(settings: &Settings, suites: &[Suite]) -> anyhow::Error {
    anyhow::anyhow!(
        "no tests found under {} (suites: {})",
        settings.root.join("tests").display(),
        suites
            .iter()
            .map(|s| s.dir_name())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// [`run`], optionally with a progress bar on stderr (libtest's own output
/// should then go to `args.logfile`). With `strict`, a filter that matches
/// no trial is an error instead of a warning.
pub fn run_with_progress(
    settings: Settings,
    args: &Arguments,
    suites: &[Suite],
    progress: bool,
    strict: bool,
) -> Result<(Conclusion, RunResults)> {
    run_suites(settings, args, suites, progress, strict, true)
}

/// [`run`] without the summary on stderr, for callers that run the harness
/// many times and report themselves (`ptx-harness fuzz`).
pub fn run_quietly(
    settings: Settings,
    args: &Arguments,
    suites: &[Suite],
) -> Result<(Conclusion, RunResults)> {
    run_suites(settings, args, suites, false, false, false)
}

fn run_suites(
    settings: Settings,
    args: &Arguments,
    suites: &[Suite],
    progress: bool,
    strict: bool,
    summary: bool,
) -> Result<(Conclusion, RunResults)> {
    // An empty tree is reported before the backend is set up (a copied
    // checkout without tools must say "no tests", not "ptxas not found").
    if strict {
        let mut found = 0;
        for &suite in suites {
            found += crate::plan::discover::discover(&settings.root, suite)
                .context("discovering tests")?
                .len();
        }
        if found == 0 {
            return Err(no_tests(&settings, suites));
        }
    }
    if let Some(v) = std::env::var_os(crate::plan::sanitize::EMU_TOOLS_ENV).filter(|_| summary) {
        eprintln!(
            "warning: {}={} is not passed on: each emulated execution runs with the tools of \
             --sanitize ({} or `sanitize` in ptx-harness.toml) and its test's //@ sanitize",
            crate::plan::sanitize::EMU_TOOLS_ENV,
            v.to_string_lossy(),
            crate::plan::sanitize::SANITIZE_ENV,
        );
    }
    let mut engine = engine(settings)?;
    let items = plan(
        &engine.settings,
        suites,
        engine.backend.as_ref(),
        &engine.expectations,
    )
    .context("discovering tests")?;
    let settings = &engine.settings;
    if strict && items.is_empty() {
        return Err(no_tests(settings, suites));
    }
    let count = items
        .iter()
        .map(|i| match i {
            PlanItem::Trial(t) if t.test.suite == Suite::RunGpu => 2,
            _ => 1,
        })
        .sum::<u64>();
    if progress && !args.list {
        engine.progress = Some(progress_bar(count));
    }
    let engine = Arc::new(engine);
    let lib_trials = trials(&engine, &items);
    if let Some(msg) = unmatched_filter(args, &lib_trials) {
        if strict && !args.list {
            anyhow::bail!(msg);
        }
        eprintln!("warning: {msg}");
    }
    if args.list {
        let conclusion = libtest_mimic::run(args, lib_trials);
        return Ok((conclusion, RunResults::default()));
    }
    prepare_sass(&engine, &items, args, &lib_trials);
    let conclusion = libtest_mimic::run(args, lib_trials);
    if let Some(bar) = &engine.progress {
        bar.finish_and_clear();
    }
    let mut collected = std::mem::take(&mut *engine.collected.lock().unwrap());
    let filtered = args.filter.is_some() || !args.skip.is_empty();
    let records = run_records(
        &engine,
        &items,
        std::mem::take(&mut collected.records),
        filtered,
    );
    if engine.settings.bless {
        if engine.settings.ci {
            eprintln!("bless: CI is set, so no snapshot was written");
        } else {
            let mut report = bless(&engine, &items, &collected, filtered.then_some(args))?;
            let root = &engine.settings.root;
            for list in [
                &mut report.created,
                &mut report.changed,
                &mut report.removed,
                &mut report.orphans_left,
            ] {
                for p in list.iter_mut() {
                    *p = p
                        .strip_prefix(root)
                        .map(|r| r.to_path_buf())
                        .unwrap_or_else(|_| p.clone());
                }
            }
            eprintln!("{report}");
        }
    }
    let results = run_results(&engine, records);
    if summary {
        eprint!("{}", crate::report::terminal::summary(&results));
    }
    if summary {
        let fresh = engine
            .cache
            .fresh_compiles
            .load(std::sync::atomic::Ordering::Relaxed);
        let distinct = engine
            .cache
            .distinct_requests
            .load(std::sync::atomic::Ordering::Relaxed);
        eprintln!(
            "compile cache: {fresh} compiled, {} reused",
            distinct - fresh
        );
    }
    Ok((conclusion, results))
}

/// The progress bar of an interactive run of `count` libtest trials.
fn progress_bar(count: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(count);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} trials")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

/// One record per trial of the plan, sorted: those that ran (a run-gpu
/// trial's two halves merged), and a skipped record for each trial a
/// directive skips, unless a filter chose the trials.
fn run_records(
    engine: &Engine,
    items: &[PlanItem],
    ran: Vec<TrialRecord>,
    filtered: bool,
) -> Vec<TrialRecord> {
    let mut records = merge_records(engine, items, ran);
    // Directive skips never ran; they still get their record.
    let seen: BTreeSet<_> = records.iter().map(|r| r.id.clone()).collect();
    for item in items {
        if let PlanItem::Trial(t) = item {
            if let (Some(reason), false, false) = (&t.skip, seen.contains(&t.id), filtered) {
                records.push(TrialRecord::not_run(
                    t.id.clone(),
                    Verdict::Skipped {
                        reason: reason.clone(),
                    },
                    DecidedBy::Plan,
                ));
            }
        }
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    records
}

/// The run's results: its environment (backend, versions, GPU, emulator,
/// matrix, commit, date, sanitizer tools) and its records.
fn run_results(engine: &Engine, records: Vec<TrialRecord>) -> RunResults {
    let mut versions = engine.backend.versions();
    if let GpuStatus::Present(info) = &engine.gpu {
        versions.insert("driver".into(), info.driver_version.clone());
    }
    RunResults {
        format: RESULTS_FORMAT,
        info: RunInfo {
            backend: engine.backend.name().to_string(),
            versions,
            gpu: engine.gpu.describe(),
            emulator: engine.emulator.located().map(|l| l.describe()),
            matrix: engine.settings.matrix.iter().map(|s| s.name()).collect(),
            commit: RunInfo::commit_of(&engine.settings.root),
            date: Some(RunInfo::now()),
            sanitizer: SanitizerSummary::of(engine.settings.sanitize, &records),
        },
        trials: records,
    }
}

/// Writes the snapshots of every test that ran and removes stale ones.
///
/// A test whose every runnable trial reached the comparison is rewritten
/// wholesale; otherwise (a filter, or a trial that failed before producing
/// output) the targets that did not report keep their current files.
///
/// Snapshots of deleted tests are removed when the test they belonged to
/// would have been selected by the filter (`filter`: the arguments of a
/// filtered run); the others are listed in the report with the command that
/// removes them.
fn bless(
    engine: &Engine,
    items: &[PlanItem],
    collected: &Collected,
    filter: Option<&Arguments>,
) -> Result<BlessReport> {
    let mut report = BlessReport::default();
    // Per test: the (revision, sm) trials that should run, and every target it has.
    let mut runnable: BTreeMap<PathBuf, (BTreeSet<RevisionTarget>, BTreeSet<String>)> =
        BTreeMap::new();
    for item in items {
        if let PlanItem::Trial(t) = item {
            if t.test.suite == Suite::RunGpu {
                continue;
            }
            let e = runnable.entry(t.test.path.clone()).or_default();
            if t.skip.is_none() {
                e.0.insert((engine.snapshot_revision(t), t.sm.name()));
            }
            e.1.insert(t.sm.name());
        }
    }
    let empty_snaps = Default::default();
    let empty_reached = BTreeSet::new();
    // Backends that keep snapshots here have an expectations file.
    let other_backends: Vec<String> = std::fs::read_dir(engine.settings.root.join("expectations"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".toml").map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    for (path, (trials, sms)) in &runnable {
        let reached = collected.reached.get(path).unwrap_or(&empty_reached);
        if reached.is_empty() {
            continue; // nothing ran (filtered out, or failed early): leave its files alone
        }
        let snaps = collected.snapshots.get(path).unwrap_or(&empty_snaps);
        let ran_all = trials.is_subset(reached);
        let all: Vec<String> = sms.iter().cloned().collect();
        let backend = engine.backend.name();
        // The built-in backend's revision parts are plain revisions (cfg
        // names: no `.` or `-`); another backend's end in its name.
        let mine = |rev: Option<&str>| match rev {
            None => backend == "builtin",
            Some(r) if backend == "builtin" => {
                !r.contains(['.', '-']) && !other_backends.iter().any(|b| b == r)
            }
            Some(r) => r == backend || r.ends_with(&format!(".{backend}")),
        };
        report.extend(bless_test(path, snaps, ran_all, &all, &mine)?);
    }
    for suite in [Suite::Ui, Suite::PtxSnapshots] {
        let dir = engine.settings.root.join("tests").join(suite.dir_name());
        let matrix: Vec<String> = suite_matrix(&engine.settings, suite)
            .iter()
            .map(|s| s.name())
            .collect();
        let selected = |file: &Path| match filter {
            None => true,
            Some(args) => orphan_candidates(&dir, file).iter().any(|(test, n)| {
                let sms = match &n.sm {
                    Some(sm) => vec![sm.clone()],
                    None => matrix.clone(),
                };
                sms.iter().any(|sm| {
                    let id = TrialId {
                        suite: suite.dir_name().into(),
                        test: test.clone(),
                        revision: n.revision.clone(),
                        sm: sm.clone(),
                    };
                    !args.is_filtered_out(&LibTrial::test(id.name(), || Ok(())))
                })
            }),
        };
        report.extend(remove_orphans(&dir, &selected)?);
    }
    Ok(report)
}

/// Settings for `cargo test` and `./bless.sh`: the repository found at run
/// time (`PTX_HARNESS_ROOT`, else upward from the current directory, which is
/// `harness/` under cargo test, else from the test executable).
pub fn default_settings(overrides: &Overrides) -> Result<Settings> {
    let root = ptx_backend::toolchain::discover_root(None)?;
    Settings::resolve(&root, overrides)
}

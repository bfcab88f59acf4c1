//! The differential lane, `ptx-harness fuzz`: random programs from
//! `ptx-fuzz`, each compiled for the host (the oracle) and through the
//! backend at `-O0` and the default level, run on the device or the
//! emulator, and classified ([`classify`]). Findings are triaged (which of
//! opt level, sm, emulator schedule and backend changes the verdict),
//! reduced on the syntax tree, and promoted to run-gpu tests ([`promote`]).
//!
//! Generated programs are ordinary run-gpu tests written into a scratch
//! tree of their own, so they go through the same runner, cache, devices and
//! reports as the suite.

pub mod classify;
pub mod promote;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use libtest_mimic::Arguments;
use ptx_fuzz::ast::Program;
use ptx_fuzz::reduce::{reduce, Reduction};
use ptx_fuzz::{generate_with, Config, Level};

use crate::config::Settings;
use crate::plan::discover::Suite;
use crate::report::verdict::{RunResults, TrialRecord, RESULTS_FORMAT};
use classify::{classify, headline, Class};

/// The folder, under `tests/run-gpu/`, of generated tests.
pub const FOLDER: &str = "fuzz";

/// Which seeds to run.
#[derive(Clone, Debug)]
pub enum Seeds {
    /// `--seeds A..B`.
    Range(std::ops::Range<u64>),
    /// `--time 60s`: consecutive seeds from `start` until the time is up.
    Time {
        /// The first seed (random unless given, and printed).
        start: u64,
        /// How long to keep going.
        limit: Duration,
    },
}

/// How a lane runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The seeds.
    pub seeds: Seeds,
    /// Level 1 or 2.
    pub level: Level,
    /// What the generator may emit.
    pub config: Config,
    /// Programs per generated test: one compile per revision and target,
    /// and one host program, for all of them.
    pub batch: usize,
    /// Parallel trials.
    pub jobs: Option<usize>,
    /// Triage findings (rerun under another schedule and backend).
    pub triage: bool,
    /// Reduce findings, trying at most this many candidates each (0: don't).
    pub reduce_budget: usize,
    /// A second backend to rerun findings under.
    pub compare_backend: Option<PathBuf>,
}

/// The test name of a seed: `l1-s42`.
pub fn test_name(level: Level, seed: u64) -> String {
    format!("l{}-s{seed}", level.number())
}

/// A failing trial of one seed, with what the lane learned about it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The seed.
    pub seed: u64,
    /// Its level.
    pub level: Level,
    /// The generator's configuration.
    pub config: Config,
    /// `o0` or `opt`.
    pub revision: String,
    /// `sm_80`, …
    pub sm: String,
    /// What happened.
    pub class: Class,
    /// The line that says most about it.
    pub headline: String,
    /// Who-is-wrong reruns: (what changed, the class it gave).
    pub triage: Vec<(String, Class)>,
    /// The reduced program, if it was reduced.
    pub reduced: Option<Reduction>,
}

/// What a lane did.
#[derive(Default)]
pub struct Summary {
    /// Trials by class.
    pub trials: BTreeMap<Class, usize>,
    /// Seeds run.
    pub seeds: usize,
    /// Seeds with at least one finding.
    pub failing_seeds: usize,
    /// Wall time of the runs (triage and reduction excluded).
    pub elapsed: Duration,
    /// The findings, one per failing seed (its first failing trial).
    pub findings: Vec<Finding>,
    /// Every trial's record, for results.json and JUnit.
    pub results: RunResults,
    /// What went wrong outside any one seed.
    pub notes: Vec<String>,
}

impl Summary {
    /// Seeds per minute of the runs.
    pub fn seeds_per_minute(&self) -> f64 {
        self.seeds as f64 / self.elapsed.as_secs_f64().max(1e-9) * 60.0
    }

    /// The counts and the rate, one line each.
    pub fn render(&self) -> String {
        let mut s = format!(
            "fuzz: {} seeds, {} trials in {:.1} s ({:.1} seeds/min), {} seeds with findings\n",
            self.seeds,
            self.trials.values().sum::<usize>(),
            self.elapsed.as_secs_f64(),
            self.seeds_per_minute(),
            self.failing_seeds
        );
        for c in Class::ALL {
            if let Some(n) = self.trials.get(&c) {
                s.push_str(&format!("  {c:<24} {n}\n"));
            }
        }
        for n in &self.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
        for f in &self.findings {
            s.push_str(&format!(
                "  finding: level {} seed {} [{}]@{}: {}: {}\n",
                f.level.number(),
                f.seed,
                f.revision,
                f.sm,
                f.class,
                f.headline
            ));
            for (what, class) in &f.triage {
                s.push_str(&format!("    {what}: {class}\n"));
            }
            if let Some(r) = &f.reduced {
                s.push_str(&format!(
                    "    reduced to {} lines of program in {} tries{}\n",
                    program_lines(&r.program),
                    r.tries,
                    if r.exhausted {
                        " (budget exhausted)"
                    } else {
                        ""
                    }
                ));
            }
        }
        s
    }
}

pub use ptx_fuzz::render::generated_lines as program_lines;

/// A scratch tree holding generated tests, and the settings that run it.
pub struct Lane {
    settings: Settings,
    scratch: PathBuf,
    jobs: Option<usize>,
}

impl Lane {
    /// A lane over a scratch tree under the run's work folder; everything
    /// else (matrix, backend, device, cache) as `settings` say.
    pub fn new(settings: &Settings, jobs: Option<usize>) -> Result<Lane> {
        // One folder per lane: several lanes may run in one process.
        static LANES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = LANES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = settings
            .work_dir
            .join("fuzz")
            .join(format!("scratch-{}-{n}", std::process::id()));
        remove_dead_scratch(&settings.work_dir.join("fuzz"));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(scratch.join("tests").join(Suite::RunGpu.dir_name()))
            .with_context(|| format!("cannot create {}", scratch.display()))?;
        let mut settings = settings.clone();
        settings.root = scratch.clone();
        // Generated tests never bless, and their backend's expectations
        // file (about the suite's tests) does not apply to them.
        settings.bless = false;
        settings.expectations = None;
        Ok(Lane {
            settings,
            scratch,
            jobs,
        })
    }

    fn folder(&self) -> PathBuf {
        self.scratch
            .join("tests")
            .join(Suite::RunGpu.dir_name())
            .join(FOLDER)
    }

    /// Runs the given test files (name → source), or only the trials whose
    /// names contain `filter`; `settings` changes this run only.
    pub fn run(
        &self,
        files: &[(String, String)],
        filter: Option<String>,
        tweak: impl FnOnce(&mut Settings),
    ) -> Result<RunResults> {
        let folder = self.folder();
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder)?;
        for (name, source) in files {
            std::fs::write(folder.join(format!("{name}.rs")), source)?;
        }
        let mut args = Arguments::from_iter(["ptx-harness-fuzz", "--quiet"]);
        args.filter = filter;
        args.test_threads = self.jobs;
        args.logfile = Some(self.scratch.join("libtest.log").display().to_string());
        let mut settings = self.settings.clone();
        tweak(&mut settings);
        let (_, results) = crate::runner::run_quietly(settings, &args, &[Suite::RunGpu])?;
        Ok(results)
    }

    /// Removes the scratch tree.
    pub fn clean(&self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Removes the scratch trees of lanes whose process is gone (killed runs).
fn remove_dead_scratch(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("scratch-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !ptx_backend::process::pid_alive(p)) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The records of one seed's test.
fn seed_of(r: &TrialRecord, level: Level) -> Option<u64> {
    let name = r.id.test.strip_prefix(&format!("{FOLDER}/"))?;
    let rest = name.strip_prefix(&format!("l{}-s", level.number()))?;
    rest.parse().ok()
}

/// Runs the lane: every seed, then triage and reduction of each finding.
pub fn run(settings: &Settings, opts: &Options) -> Result<Summary> {
    let lane = Lane::new(settings, opts.jobs)?;
    let outcome = run_in(&lane, opts);
    lane.clean();
    outcome
}

fn run_in(lane: &Lane, opts: &Options) -> Result<Summary> {
    let mut summary = Summary::default();
    let start = Instant::now();
    let (mut next, end, deadline) = match &opts.seeds {
        Seeds::Range(r) => (r.start, r.end, None),
        Seeds::Time { start: s, limit } => (*s, u64::MAX, Some(start + *limit)),
    };
    let mut records = Vec::new();
    let mut by_seed: BTreeMap<u64, Vec<TrialRecord>> = BTreeMap::new();
    let mut info = None;
    while next < end && deadline.is_none_or(|d| Instant::now() < d) {
        // A round: several batches in one harness run, so that every core
        // has a compile or an execution to do.
        let mut batches = Vec::new();
        for _ in 0..BATCHES_PER_ROUND {
            if next >= end {
                break;
            }
            let upto = end.min(next.saturating_add(opts.batch.max(1) as u64));
            batches.push(
                (next..upto)
                    .map(|seed| generate_with(seed, opts.level, opts.config).0)
                    .collect::<Vec<Program>>(),
            );
            next = upto;
        }
        let round = run_round(lane, opts.level, &batches, &mut summary)?;
        info.get_or_insert(round.info.clone());
        records.extend(round.trials.iter().cloned());
        for r in round.trials {
            if let Some(seed) = seed_of(&r, opts.level) {
                by_seed.entry(seed).or_default().push(r);
            }
        }
        summary.seeds += batches.iter().map(Vec::len).sum::<usize>();
    }
    summary.elapsed = start.elapsed();
    for (seed, recs) in &by_seed {
        for r in recs {
            *summary.trials.entry(classify(r)).or_default() += 1;
        }
        let Some(first) = recs.iter().find(|r| classify(r).is_finding()) else {
            continue;
        };
        summary.failing_seeds += 1;
        let mut finding = Finding {
            seed: *seed,
            level: opts.level,
            config: opts.config,
            revision: first.id.revision.clone().unwrap_or_default(),
            sm: first.id.sm.clone(),
            class: classify(first),
            headline: headline(first),
            triage: Vec::new(),
            reduced: None,
        };
        // The other revisions and targets of the same seed already ran.
        for r in recs.iter().filter(|r| r.id != first.id) {
            finding.triage.push((
                format!(
                    "[{}]@{}",
                    r.id.revision.clone().unwrap_or_default(),
                    r.id.sm
                ),
                classify(r),
            ));
        }
        if opts.triage {
            triage(lane, opts, &mut finding)?;
        }
        if opts.reduce_budget > 0 {
            finding.reduced = Some(reduce_finding(lane, &finding, opts.reduce_budget)?);
        }
        summary.findings.push(finding);
    }
    summary.results = RunResults {
        format: RESULTS_FORMAT,
        info: info.unwrap_or_default(),
        trials: records,
    };
    Ok(summary)
}

/// Batches per harness run.
const BATCHES_PER_ROUND: usize = 4;

/// Runs batches of programs, each batch as one test (one compile per
/// revision and target for all its programs, one host program). The
/// programs of a batch with a failing trial run again alone, to say which
/// ones fail; a passing batch's records are renamed to each of its seeds,
/// so that results.json has one record per seed, revision and target.
fn run_round(
    lane: &Lane,
    level: Level,
    batches: &[Vec<Program>],
    summary: &mut Summary,
) -> Result<RunResults> {
    let batch_name = |ps: &[Program]| {
        format!(
            "l{}-b{}-{}",
            level.number(),
            ps[0].seed,
            ps[ps.len() - 1].seed
        )
    };
    let files: Vec<(String, String)> = batches
        .iter()
        .map(|ps| {
            let text = ptx_fuzz::render::render_batch(ps, &ptx_fuzz::render::batch_head(ps));
            (batch_name(ps), text)
        })
        .collect();
    let round = lane.run(&files, None, |_| {})?;
    let mut out = round.clone();
    out.trials.clear();
    let mut alone = Vec::new();
    for ps in batches {
        let test = format!("{FOLDER}/{}", batch_name(ps));
        let recs: Vec<&TrialRecord> = round.trials.iter().filter(|r| r.id.test == test).collect();
        if let Some(bad) = recs.iter().find(|r| classify(r).is_finding()) {
            alone.push((ps, headline(bad)));
            continue;
        }
        for p in ps {
            for r in &recs {
                let mut r = (*r).clone();
                r.id.test = format!("{FOLDER}/{}", test_name(level, p.seed));
                out.trials.push(r);
            }
        }
    }
    if alone.is_empty() {
        return Ok(out);
    }
    let singles: Vec<(String, String)> = alone
        .iter()
        .flat_map(|(ps, _)| ps.iter())
        .map(|p| (test_name(level, p.seed), ptx_fuzz::render::render(p)))
        .collect();
    let rerun = lane.run(&singles, None, |_| {})?;
    for (ps, why) in &alone {
        let seeds: Vec<String> = ps.iter().map(|p| test_name(level, p.seed)).collect();
        let mine = rerun
            .trials
            .iter()
            .filter(|r| seeds.iter().any(|s| r.id.test == format!("{FOLDER}/{s}")));
        if mine.clone().all(|r| !classify(r).is_finding()) {
            summary.notes.push(format!(
                "seeds {}..={} fail together but pass alone: {why}",
                ps[0].seed,
                ps[ps.len() - 1].seed
            ));
        }
        out.trials.extend(mine.cloned());
    }
    Ok(out)
}

/// The trial filter of one (revision, sm) of a test.
fn trial_filter(name: &str, revision: &str, sm: &str) -> String {
    format!("{FOLDER}/{name}[{revision}]@{sm}")
}

/// Reruns one trial of `source` and classifies it.
fn rerun(
    lane: &Lane,
    name: &str,
    source: String,
    revision: &str,
    sm: &str,
    tweak: impl FnOnce(&mut Settings),
) -> Result<Class> {
    let results = lane.run(
        &[(name.to_string(), source)],
        Some(trial_filter(name, revision, sm)),
        tweak,
    )?;
    let rec = results
        .trials
        .iter()
        .find(|r| r.id.sm == sm && r.id.revision.as_deref() == Some(revision));
    Ok(rec.map(classify).unwrap_or(Class::Skipped))
}

/// The name of the emulator's schedule variable, and the second schedule.
const SCHEDULE_ENV: &str = "PTX_EMU_SCHEDULE";
const SECOND_SCHEDULE: &str = "shuffle:1";

/// Who is wrong: the finding rerun under a second emulator schedule and
/// under the other backend, when one is configured.
fn triage(lane: &Lane, opts: &Options, f: &mut Finding) -> Result<()> {
    let (p, _) = generate_with(f.seed, f.level, f.config);
    let name = test_name(f.level, f.seed);
    let source = ptx_fuzz::render::render(&p);
    if f.class == Class::Mismatch || f.class == Class::DeviceFault {
        let saved = std::env::var_os(SCHEDULE_ENV);
        // The runner's threads have finished; host programs inherit this.
        std::env::set_var(SCHEDULE_ENV, SECOND_SCHEDULE);
        let class = rerun(lane, &name, source.clone(), &f.revision, &f.sm, |_| {});
        match saved {
            Some(v) => std::env::set_var(SCHEDULE_ENV, v),
            None => std::env::remove_var(SCHEDULE_ENV),
        }
        f.triage
            .push((format!("emulator schedule {SECOND_SCHEDULE}"), class?));
    }
    if let Some(other) = &opts.compare_backend {
        let class = rerun(lane, &name, source, &f.revision, &f.sm, |s| {
            s.backend_config = Some(other.clone());
        })?;
        f.triage
            .push((format!("backend {}", other.display()), class));
    }
    Ok(())
}

/// Reduces a finding's program while the same trial keeps the same class.
pub fn reduce_finding(lane: &Lane, f: &Finding, budget: usize) -> Result<Reduction> {
    let (p, _) = generate_with(f.seed, f.level, f.config);
    let name = test_name(f.level, f.seed);
    let mut error = None;
    let reduction = reduce(&p, budget, |candidate| {
        if error.is_some() {
            return false;
        }
        let source = ptx_fuzz::render::render(candidate);
        match rerun(lane, &name, source, &f.revision, &f.sm, |_| {}) {
            Ok(class) => class == f.class,
            Err(e) => {
                error = Some(e);
                false
            }
        }
    });
    match error {
        Some(e) => Err(e.context("reducing")),
        None => Ok(reduction),
    }
}

/// Parses `A..B` (B excluded).
pub fn parse_seed_range(s: &str) -> Result<std::ops::Range<u64>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("`{s}` is not a seed range; write A..B, e.g. 0..100"))?;
    let a: u64 = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` in `{s}` is not a seed (an unsigned integer)"))?;
    let b: u64 = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` in `{s}` is not a seed (an unsigned integer)"))?;
    if b <= a {
        return Err(format!(
            "the seed range `{s}` is empty; write A..B with A < B"
        ));
    }
    Ok(a..b)
}

/// Writes a reduced finding beside the reports: `<dir>/l1-s42.rs`.
pub fn write_finding(dir: &Path, f: &Finding) -> Result<Option<PathBuf>> {
    let Some(r) = &f.reduced else { return Ok(None) };
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.rs", test_name(f.level, f.seed)));
    let text = promote::render_finding(f, &r.program, None);
    crate::atomic_file::write_atomic(&path, text.as_bytes())?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges() {
        assert_eq!(parse_seed_range("0..100").unwrap(), 0..100);
        assert!(parse_seed_range("5..5").unwrap_err().contains("empty"));
        assert!(parse_seed_range("x..5").unwrap_err().contains("`x`"));
        assert!(parse_seed_range("12").unwrap_err().contains("A..B"));
    }
}

//! `ptx-harness`: the conformance suite's main command (run with reports),
//! the regression gate, and merging results from several GPUs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use libtest_mimic::Arguments;
use ptx_backend::SmTarget;
use ptx_harness::config::{Overrides, Settings};
use ptx_harness::execute::device::DeviceChoice;
use ptx_harness::plan::discover::Suite;
use ptx_harness::plan::sanitize::ToolSet;
use ptx_harness::report::gate::{self, GateConfig};
use ptx_harness::report::history::History;
use ptx_harness::report::html::{write_site, Site};
use ptx_harness::report::json::{merge, read_results, write_results};
use ptx_harness::report::junit::write_junit;
use ptx_harness::runner;

#[derive(Parser)]
#[command(
    name = "ptx-harness",
    version,
    about = "Conformance harness for Rust→PTX compiler backends"
)]
struct Cli {
    /// The checkout to test: its tests/, ptx-harness.toml, tools/ and target/
    /// (default: PTX_HARNESS_ROOT, else the checkout around the current
    /// directory, else the one around this executable).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the suites and write results.json and junit.xml.
    Run(RunArgs),
    /// Compare two results files; exit 1 on any regression, 2 on bad input.
    Gate {
        /// The baseline results.json.
        baseline: PathBuf,
        /// This run's results.json.
        current: PathBuf,
        /// Thresholds (TOML with max-register-growth, max-spill-growth,
        /// max-stack-growth, max-instruction-growth-pct).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Compile every run-gpu trial into a self-contained folder for GPU machines.
    Bundle {
        /// The bundle folder.
        #[arg(long, short = 'o', default_value = "target/ptx-harness/bundle")]
        output: PathBuf,
        /// sm matrix to compile for.
        #[arg(long, value_delimiter = ',', value_parser = parse_sm)]
        sm: Option<Vec<SmTarget>>,
    },
    /// Run a bundle on this machine's GPU; writes results.json and junit.xml.
    RunBundle {
        /// The bundle folder.
        dir: PathBuf,
        /// Where the reports go (default: `<dir>/results`).
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// auto (the GPU where it can run a target, else the bundled
        /// emulator), gpu or emu.
        #[arg(long, env = "PTX_DEVICE", default_value = "auto", value_parser = parse_device)]
        device: DeviceChoice,
    },
    /// The differential lane: random programs compiled for the host (the
    /// oracle) and through the backend, run, compared, reduced, promoted.
    Fuzz(FuzzArgs),
    /// Write the HTML report: the conformance grid, a page per trial, the
    /// gate's verdict, and plots of the history.
    Report(ReportArgs),
    /// The results history (an SQLite file).
    History {
        #[command(subcommand)]
        command: HistoryCmd,
    },
    /// Merge results from several machines into one file.
    Merge {
        /// Output file.
        #[arg(long, short = 'o')]
        output: PathBuf,
        /// Input results.json files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

/// `ptx-harness run`'s arguments.
#[derive(clap::Args)]
struct RunArgs {
    /// Only trials whose name contains this (e.g. `integers/`, `@sm_90a`).
    filter: Option<String>,
    /// sm matrix (over PTX_SM_MATRIX over ptx-harness.toml over the default).
    #[arg(long, value_delimiter = ',', value_parser = parse_sm)]
    sm: Option<Vec<SmTarget>>,
    /// Suites to run (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_suite)]
    suite: Option<Vec<Suite>>,
    /// Rewrite snapshots instead of comparing them.
    #[arg(long)]
    bless: bool,
    /// Test an external backend described by this TOML file.
    #[arg(long)]
    backend_config: Option<PathBuf>,
    /// The backend's known gaps (default: expectations/<backend>.toml
    /// when it exists). Over PTX_EXPECTATIONS over ptx-harness.toml.
    #[arg(long)]
    expectations: Option<PathBuf>,
    /// Parallel trials (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Where results.json and junit.xml go (default: target/ptx-harness).
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Where run-gpu trials execute: auto (a GPU that can run the target,
    /// else the PTX emulator), gpu (GPU only; skip otherwise) or emu
    /// (always the emulator). Over PTX_DEVICE over ptx-harness.toml.
    #[arg(long, value_parser = parse_device)]
    device: Option<DeviceChoice>,
    /// The emulator's sanitizer tools for every emulated execution,
    /// besides memcheck (always on): `all`, or a list of racecheck,
    /// initcheck, synccheck. United with each test's `//@ sanitize`;
    /// a GPU execution ignores them. Over PTX_SANITIZE over
    /// ptx-harness.toml.
    #[arg(long, value_name = "TOOLS", value_parser = parse_tools)]
    sanitize: Option<ToolSet>,
    /// Record this run in a history file (SQLite; created when missing),
    /// for `report --html --history`.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
}

/// `ptx-harness report`'s arguments: the HTML report, the Markdown
/// conformance table (docs/conformance.md), or both.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("output").required(true).multiple(true))]
struct ReportArgs {
    /// The folder the site goes into.
    #[arg(long, value_name = "DIR", group = "output")]
    html: Option<PathBuf>,
    /// The Markdown conformance table to write (one results file per backend run).
    #[arg(long, value_name = "FILE", group = "output")]
    markdown: Option<PathBuf>,
    /// With --markdown: write nothing; fail when FILE is not what it would write.
    #[arg(long, requires = "markdown")]
    check: bool,
    /// results.json files to show (default: the last run's,
    /// target/ptx-harness/results.json).
    results: Vec<PathBuf>,
    /// A history file (SQLite) to plot.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// A baseline results.json: the front page shows the gate's verdict
    /// for the first results file against it.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(Subcommand)]
enum HistoryCmd {
    /// Record earlier runs (results.json files, the GPU CI's merged results
    /// included) in the history, each in one transaction.
    Import {
        /// The history file (created when missing).
        #[arg(long, value_name = "FILE")]
        history: PathBuf,
        /// results.json files.
        #[arg(required = true)]
        results: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct FuzzArgs {
    /// Seeds to run: A..B (B excluded).
    #[arg(long, value_parser = ptx_harness::fuzz::parse_seed_range, conflicts_with = "time")]
    seeds: Option<std::ops::Range<u64>>,
    /// Run consecutive seeds for this long (e.g. `60s`, `10m`), from
    /// `--start` or a random seed (printed). Checked between rounds of up
    /// to 4 batches, so the last round may end after the time.
    #[arg(long, value_parser = ptx_backend::process::parse_duration)]
    time: Option<std::time::Duration>,
    /// The first seed with `--time`.
    #[arg(long, requires = "time")]
    start: Option<u64>,
    /// 1: one thread computes; 2: a block of threads communicates.
    #[arg(long, default_value = "1", value_parser = parse_level)]
    level: ptx_fuzz::Level,
    /// sm targets (default: 80,90).
    #[arg(long, value_delimiter = ',', value_parser = parse_sm)]
    sm: Option<Vec<SmTarget>>,
    /// Test an external backend described by this TOML file.
    #[arg(long)]
    backend_config: Option<PathBuf>,
    /// Rerun findings under this second backend too (who is wrong?).
    #[arg(long)]
    compare_backend: Option<PathBuf>,
    /// auto, gpu or emu (as for `run`).
    #[arg(long, value_parser = parse_device)]
    device: Option<DeviceChoice>,
    /// Parallel trials (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Programs per generated test (one compile per revision and target for
    /// all of them; a failing batch reruns its programs alone).
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Reduce each finding, trying at most this many candidates (each a
    /// compile and a run); 0 reports findings unreduced.
    #[arg(long, default_value_t = 0)]
    reduce_budget: usize,
    /// Don't rerun findings under a second emulator schedule (or backend).
    #[arg(long)]
    no_triage: bool,
    /// Run this seed, reduce its finding (budget: --reduce-budget, else
    /// 400) and write it as tests/run-gpu/fuzz/l<level>-s<seed>.rs.
    #[arg(long, conflicts_with_all = ["seeds", "time"])]
    promote: Option<u64>,
    /// With --promote: the upstream bug the test pins; it then expects the
    /// failure instead of matching traces.
    #[arg(long, requires = "promote")]
    known_bug: Option<String>,
    /// Also generate constructs that hit known upstream bugs (float `%`,
    /// see ptx_fuzz::gen::KNOWN_BUGS); left out by default.
    #[arg(long)]
    with_known_bugs: bool,
    /// Write the generated tests of --seeds into this folder; run nothing.
    #[arg(long, requires = "seeds")]
    emit: Option<PathBuf>,
    /// Where results.json, junit.xml and reduced findings go (default:
    /// target/ptx-harness/fuzz).
    #[arg(long)]
    report_dir: Option<PathBuf>,
}

fn parse_level(s: &str) -> Result<ptx_fuzz::Level, String> {
    ptx_fuzz::Level::parse(s).ok_or_else(|| format!("`{s}` is not a level; use 1 or 2"))
}

/// `ptx-harness fuzz`.
fn fuzz(root_arg: Option<&std::path::Path>, a: FuzzArgs) -> Result<ExitCode> {
    use ptx_harness::fuzz::{self, Options, Seeds};
    let seeds = match (&a.seeds, a.time, a.promote) {
        (Some(r), _, _) => Seeds::Range(r.clone()),
        (None, Some(limit), _) => {
            let start = a.start.unwrap_or_else(|| fastrand::u64(..u64::MAX / 2));
            eprintln!("fuzz: seeds from {start} for {limit:?}");
            Seeds::Time { start, limit }
        }
        (None, None, Some(seed)) => Seeds::Range(seed..seed + 1),
        (None, None, None) => {
            anyhow::bail!("say which seeds: --seeds A..B, --time 60s or --promote SEED")
        }
    };
    let config = ptx_fuzz::Config {
        known_bugs: a.with_known_bugs,
    };
    if let (Some(dir), Seeds::Range(r)) = (&a.emit, &seeds) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for seed in r.clone() {
            let (p, _) = ptx_fuzz::generate_with(seed, a.level, config);
            let path = dir.join(format!("{}.rs", fuzz::test_name(a.level, seed)));
            std::fs::write(&path, ptx_fuzz::render::render(&p))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!("fuzz: wrote {} tests to {}", r.end - r.start, dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let overrides = Overrides {
        matrix: Some(
            a.sm.unwrap_or_else(|| vec!["sm_80".parse().unwrap(), "sm_90".parse().unwrap()]),
        ),
        backend_config: a.backend_config,
        device: a.device,
        ..Default::default()
    };
    let root = root(root_arg)?;
    let settings = Settings::resolve(&root, &overrides)?;
    let report_dir = a
        .report_dir
        .unwrap_or_else(|| settings.work_dir.join("fuzz"));
    let reduce_budget = match (a.promote, a.reduce_budget) {
        (Some(_), 0) => 400,
        (_, n) => n,
    };
    let opts = Options {
        seeds,
        level: a.level,
        config,
        batch: a.batch,
        jobs: a.jobs,
        triage: !a.no_triage,
        reduce_budget,
        compare_backend: a.compare_backend,
    };
    let summary = fuzz::run(&settings, &opts)?;
    std::fs::create_dir_all(&report_dir)
        .with_context(|| format!("cannot create the report folder {}", report_dir.display()))?;
    write_results(&summary.results, &report_dir.join("results.json"))?;
    write_junit(&summary.results, &report_dir.join("junit.xml"))?;
    eprint!("{}", summary.render());
    for f in &summary.findings {
        if let Some(path) = fuzz::write_finding(&report_dir.join("findings"), f)? {
            eprintln!("  reduced case: {}", path.display());
        }
    }
    eprintln!(
        "reports: {}, {}",
        report_dir.join("results.json").display(),
        report_dir.join("junit.xml").display()
    );
    if let Some(seed) = a.promote {
        let Some(f) = summary.findings.first() else {
            anyhow::bail!(
                "seed {seed} (level {}) passes everywhere it ran: nothing to promote",
                a.level.number()
            );
        };
        let path = fuzz::promote::write_test(&root, f, a.known_bug.as_deref())?;
        eprintln!("promoted: {}", path.display());
    }
    Ok(if summary.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn parse_sm(s: &str) -> Result<SmTarget, String> {
    s.parse::<SmTarget>().map_err(|e| e.to_string())
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
}

fn parse_tools(s: &str) -> Result<ToolSet, String> {
    ToolSet::parse_list(s)
}

fn parse_suite(s: &str) -> Result<Suite, String> {
    Suite::ALL
        .into_iter()
        .find(|x| x.dir_name() == s)
        .ok_or_else(|| format!("unknown suite `{s}`; use ui, ptx-snapshots or run-gpu"))
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(gate::EXIT_ERROR as u8)
        }
    }
}

/// The repository root, found at run time (never a path built into the
/// binary). An explicit `--root` is exported as `PTX_HARNESS_ROOT` so that
/// tool discovery (`tools/`, `target/`) and child processes agree with it.
fn root(explicit: Option<&std::path::Path>) -> Result<PathBuf> {
    let root = ptx_backend::toolchain::discover_root(explicit)?;
    if explicit.is_some() {
        // Single-threaded here: nothing else reads the environment yet.
        std::env::set_var(ptx_backend::toolchain::ROOT_ENV, &root);
    }
    Ok(root)
}

fn real_main() -> Result<ExitCode> {
    let cli = Cli::parse();
    let root_arg = cli.root.as_deref();
    match cli.command {
        Cmd::Run(args) => run(root_arg, args),
        Cmd::Gate {
            baseline,
            current,
            config,
        } => gate_cmd(&baseline, &current, config.as_deref()),
        Cmd::Bundle { output, sm } => bundle(root_arg, &output, sm),
        Cmd::RunBundle {
            dir,
            report_dir,
            device,
        } => run_bundle(&dir, report_dir, device),
        Cmd::Fuzz(args) => fuzz(root_arg, args),
        Cmd::Report(args) => report(root_arg, args),
        Cmd::History {
            command: HistoryCmd::Import { history, results },
        } => history_import(&history, &results),
        Cmd::Merge { output, inputs } => merge_cmd(&output, &inputs),
    }
}

/// `ptx-harness run`: the suites, then results.json, junit.xml and the history.
fn run(root_arg: Option<&Path>, args: RunArgs) -> Result<ExitCode> {
    let RunArgs {
        filter,
        sm,
        suite,
        bless,
        backend_config,
        expectations,
        jobs,
        report_dir,
        device,
        sanitize,
        history,
    } = args;
    let overrides = Overrides {
        matrix: sm,
        bless,
        backend_config,
        device,
        expectations,
        sanitize,
    };
    let root = root(root_arg)?;
    let settings = Settings::resolve(&root, &overrides)?;
    let report_dir = report_dir.unwrap_or_else(|| settings.work_dir.clone());
    let mut args = Arguments::from_iter(["ptx-harness"]);
    args.filter = filter;
    args.test_threads = jobs;
    // On a terminal: a progress bar, with libtest's per-trial lines in
    // a log file. Otherwise: plain, line-oriented output.
    use std::io::IsTerminal;
    let interactive = std::io::stderr().is_terminal();
    if interactive {
        std::fs::create_dir_all(&report_dir)?;
        args.logfile = Some(report_dir.join("libtest.log").display().to_string());
    }
    let suites = suite.unwrap_or_else(|| Suite::ALL.to_vec());
    let (conclusion, results) =
        runner::run_with_progress(settings, &args, &suites, interactive, true)?;
    std::fs::create_dir_all(&report_dir)
        .with_context(|| format!("cannot create the report folder {}", report_dir.display()))?;
    write_results(&results, &report_dir.join("results.json"))?;
    write_junit(&results, &report_dir.join("junit.xml"))?;
    eprintln!(
        "reports: {}, {}",
        report_dir.join("results.json").display(),
        report_dir.join("junit.xml").display()
    );
    if let Some(h) = &history {
        let id = History::open(h)?.record(&results, None)?;
        eprintln!("history: run {id} recorded in {}", h.display());
    }
    Ok(if conclusion.has_failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `ptx-harness gate`.
fn gate_cmd(baseline: &Path, current: &Path, config: Option<&Path>) -> Result<ExitCode> {
    let cfg = match config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("{}: invalid gate config", p.display()))?
        }
        None => GateConfig::default(),
    };
    let base = read_results(baseline)?;
    let cur = read_results(current)?;
    if let Err(why) = gate::check_comparable(&base, &cur) {
        anyhow::bail!(
            "cannot gate {} against {}: {why}",
            current.display(),
            baseline.display()
        );
    }
    let report = gate::compare(&base, &cur, &cfg);
    print!("{}", report.render_table());
    Ok(ExitCode::from(report.exit_code() as u8))
}

/// `ptx-harness bundle`.
fn bundle(root_arg: Option<&Path>, output: &Path, sm: Option<Vec<SmTarget>>) -> Result<ExitCode> {
    let overrides = Overrides {
        matrix: sm,
        ..Default::default()
    };
    let settings = Settings::resolve(&root(root_arg)?, &overrides)?;
    let engine = runner::engine(settings)?;
    let items = ptx_harness::plan::trial::plan(
        &engine.settings,
        &[Suite::RunGpu],
        engine.backend.as_ref(),
        &engine.expectations,
    )?;
    let (manifest, bytes) = ptx_harness::bundle::create(&engine, &items, output)?;
    let tests: std::collections::BTreeSet<_> = manifest.trials.iter().map(|t| &t.id.test).collect();
    let failed = manifest.trials.iter().filter(|t| t.build.is_err()).count();
    eprintln!(
        "bundle: {} trials of {} tests in {} ({:.1} MiB, {:.1} MiB per test); {} failed to build",
        manifest.trials.len(),
        tests.len(),
        output.display(),
        bytes as f64 / 1048576.0,
        bytes as f64 / 1048576.0 / tests.len().max(1) as f64,
        failed
    );
    eprintln!("run it on a GPU machine with: {}/run.sh", output.display());
    Ok(ExitCode::SUCCESS)
}

/// `ptx-harness run-bundle`.
fn run_bundle(dir: &Path, report_dir: Option<PathBuf>, device: DeviceChoice) -> Result<ExitCode> {
    let gpu = if device.allows_gpu() {
        ptx_harness::execute::gpu::GpuStatus::probe()
    } else {
        ptx_harness::execute::gpu::GpuStatus::Absent("--device emu: the GPU is not used".into())
    };
    let results = ptx_harness::bundle::run(dir, &gpu, device)?;
    let report_dir = report_dir.unwrap_or_else(|| dir.join("results"));
    std::fs::create_dir_all(&report_dir)?;
    write_results(&results, &report_dir.join("results.json"))?;
    write_junit(&results, &report_dir.join("junit.xml"))?;
    eprint!("{}", ptx_harness::report::terminal::summary(&results));
    let failed = results.trials.iter().any(|t| t.verdict.is_failed());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `ptx-harness report`.
fn report(root_arg: Option<&Path>, args: ReportArgs) -> Result<ExitCode> {
    let ReportArgs {
        html,
        markdown,
        check,
        results,
        history,
        baseline,
    } = args;
    let root = root(root_arg)?;
    let work_dir = Settings::resolve(&root, &Overrides::default()).map(|s| s.work_dir);
    let results = if results.is_empty() {
        let work_dir = work_dir.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
        vec![work_dir.join("results.json")]
    } else {
        results
    };
    let runs = results
        .iter()
        .map(|p| read_results(p))
        .collect::<Result<Vec<_>>>()?;
    let gate = match (&baseline, runs.first()) {
        (Some(b), Some(cur)) => {
            let base = read_results(b)?;
            gate::check_comparable(&base, cur).map_err(|why| {
                anyhow::anyhow!(
                    "cannot gate {} against {}: {why}",
                    results[0].display(),
                    b.display()
                )
            })?;
            Some(gate::compare(&base, cur, &GateConfig::default()))
        }
        _ => None,
    };
    if let Some(md) = &markdown {
        let inputs: Vec<&Path> = results.iter().map(PathBuf::as_path).collect();
        let text = ptx_harness::report::markdown::render(&runs.iter().collect::<Vec<_>>(), &inputs);
        let regenerate = ptx_harness::report::markdown::command(md, &inputs);
        if check {
            if let Some(stale) = ptx_harness::report::markdown::check(md, &text, &regenerate)? {
                eprintln!("error: {stale}");
                return Ok(ExitCode::from(1));
            }
            eprintln!("report: {} is current", md.display());
        } else {
            ptx_harness::report::markdown::write(md, &text)?;
            eprintln!("report: {}", md.display());
        }
    }
    let Some(html) = html else {
        return Ok(ExitCode::SUCCESS);
    };
    let history = match &history {
        Some(h) => History::open(h)?.runs()?,
        None => Vec::new(),
    };
    let site = Site {
        runs: results
            .iter()
            .zip(&runs)
            .map(|(p, r)| (p.display().to_string(), r))
            .collect(),
        history,
        gate,
        // Trial pages look here for stage dumps made elsewhere.
        cache: work_dir.ok().map(|w| w.join("cache")),
    };
    let started = std::time::Instant::now();
    write_site(&site, &html)?;
    eprintln!(
        "report: {} ({} trials, {:.1} s)",
        html.join("index.html").display(),
        runs.iter().map(|r| r.trials.len()).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `ptx-harness history import`.
fn history_import(history: &Path, results: &[PathBuf]) -> Result<ExitCode> {
    let mut h = History::open(history)?;
    for p in results {
        let run = read_results(p)?;
        let id = h.record(&run, Some(p))?;
        eprintln!("history: {} recorded as run {id}", p.display());
    }
    eprintln!("history: {} runs in {}", h.count()?, history.display());
    Ok(ExitCode::SUCCESS)
}

/// `ptx-harness merge`.
fn merge_cmd(output: &Path, inputs: &[PathBuf]) -> Result<ExitCode> {
    let runs = inputs
        .iter()
        .map(|p| read_results(p))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge(&runs)?;
    write_results(&merged, output)?;
    eprint!("{}", ptx_harness::report::terminal::summary(&merged));
    Ok(ExitCode::SUCCESS)
}

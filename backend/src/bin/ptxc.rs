//! `ptxc`: compile one `.rs` file for a list of sm targets through a backend
//! and write the chosen stage dumps to a folder; `ptxc bench` times the
//! pipeline against a bare shell replay of the same tool calls.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use ptx_backend::external::ExternalBackend;
use ptx_backend::{Backend, BuiltinBackend, CompileRequest, CompileStatus, SmTarget, Stage};

#[derive(Parser)]
#[command(
    name = "ptxc",
    version,
    about = "Compile Rust GPU kernels to PTX for several sm targets"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Compile one file and write stage dumps to `<out-dir>/<sm>/<crate>.<stage>`.
    Compile(CompileArgs),
    /// Time each step against a bare shell replay of the same commands.
    Bench {
        #[command(flatten)]
        common: Common,
        /// Timed repetitions (the median is reported).
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
}

#[derive(Args)]
struct Common {
    /// The kernel crate's root file.
    file: PathBuf,
    /// sm targets, comma-separated (`75,80,90a` or `sm_75,…`).
    #[arg(long, value_delimiter = ',', value_parser = parse_sm, default_value = "sm_80")]
    sm: Vec<SmTarget>,
    /// `--cfg` values to pass to rustc.
    #[arg(long = "cfg")]
    cfgs: Vec<String>,
    /// Optimization level for rustc, opt and llc (0–3); overrides PTX_OPT_LEVEL.
    #[arg(long)]
    opt_level: Option<String>,
    /// Use an external `-Zcodegen-backend` described by this TOML file.
    #[arg(long)]
    backend_config: Option<PathBuf>,
    /// Skip ptxas (no validation, no `ptxas` stage).
    #[arg(long)]
    no_ptxas: bool,
    /// Extra rustc flags, after `--`.
    #[arg(last = true)]
    flags: Vec<String>,
}

#[derive(Args)]
struct CompileArgs {
    #[command(flatten)]
    common: Common,
    /// Stages to write: mir, llvm-ir, llvm-ir-opt, ptx, ptxas, sass (default: all
    /// but sass, which needs nvdisasm), and the stages an external backend's
    /// config defines.
    #[arg(long, value_delimiter = ',')]
    emit: Vec<String>,
    /// Where to write the dumps.
    #[arg(long, short = 'o', default_value = "ptx-out")]
    out_dir: PathBuf,
}

fn parse_sm(s: &str) -> Result<SmTarget, String> {
    s.parse::<SmTarget>().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    match Cli::parse().command {
        Cmd::Compile(args) => compile(args),
        Cmd::Bench { common, runs } => bench(common, runs),
    }
}

fn make_backend(c: &Common) -> Result<Box<dyn Backend>> {
    ptx_backend::process::compile_timeout_from_env().map_err(anyhow::Error::msg)?;
    if let Some(cfg) = &c.backend_config {
        // The same switches as for the built-in backend: `--no-ptxas` skips
        // validation, `--opt-level` replaces the config's `-Copt-level=`.
        let mut be = ExternalBackend::from_config_file(cfg)?;
        if let Some(l) = &c.opt_level {
            be = be.with_opt_level(ptx_backend::pipeline::parse_opt_level(l)?);
        }
        if c.no_ptxas {
            be = be.without_ptxas();
        }
        return Ok(Box::new(be));
    }
    let tc = ptx_backend::Toolchain::discover()?;
    let sysroot = ptx_backend::sysroot::DeviceSysroot::ensure(&tc)?;
    let mut opts = ptx_backend::PipelineOptions::from_env()?;
    if let Some(l) = &c.opt_level {
        opts.opt_level = ptx_backend::pipeline::parse_opt_level(l)?;
    }
    opts.validate = !c.no_ptxas;
    Ok(Box::new(BuiltinBackend::new(tc, sysroot, opts)?))
}

fn check_input(file: &Path) -> Result<()> {
    if !file.is_file() {
        bail!(
            "{}: no such file; pass the kernel crate's root `.rs` file",
            file.display()
        );
    }
    Ok(())
}

/// Fails early, before any compile, if the output folder can't be written.
fn check_writable(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the output folder {}; choose another with --out-dir",
            dir.display()
        )
    })?;
    let probe = dir.join(".ptxc-write-test");
    std::fs::write(&probe, b"").with_context(|| {
        format!(
            "the output folder {} is not writable; choose another with --out-dir",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn request(c: &Common, sm: SmTarget, out: &Path) -> CompileRequest {
    let mut req = CompileRequest::new(&c.file, sm, out);
    req.cfgs = c.cfgs.clone();
    req.flags = c.flags.clone();
    // PTX_COMPILE_TIMEOUT raises or lowers the per-step limit; an invalid
    // value was already reported by `make_backend`.
    if let Ok(Some(t)) = ptx_backend::process::compile_timeout_from_env() {
        req.timeout = t;
    }
    req
}

fn compile(args: CompileArgs) -> Result<ExitCode> {
    let c = &args.common;
    check_input(&c.file)?;
    check_writable(&args.out_dir)?;
    let backend = make_backend(c)?;
    let custom = backend.custom_stages();
    let emit: Vec<String> = if args.emit.is_empty() {
        Stage::ALL
            .into_iter()
            .filter(|s| *s != Stage::Sass)
            .map(|s| s.name().to_string())
            .chain(custom.iter().cloned())
            .collect()
    } else {
        for e in &args.emit {
            if e.parse::<Stage>().is_err() && !custom.contains(e) {
                let mut known: Vec<String> =
                    Stage::ALL.iter().map(|s| s.name().to_string()).collect();
                known.extend(custom.iter().cloned());
                bail!(
                    "--emit: unknown stage `{e}`; this backend's stages are {}",
                    known.join(", ")
                );
            }
        }
        args.emit.clone()
    };
    let mut failed = false;
    for &sm in &c.sm {
        let work = tempdir_in(&args.out_dir, &format!(".work-{sm}"))?;
        let mut req = request(c, sm, &work);
        req.sass = emit.iter().any(|e| e == "sass");
        req.stages = emit.clone();
        let out = backend.compile(&req)?;
        let dest = args.out_dir.join(sm.name());
        std::fs::create_dir_all(&dest)
            .with_context(|| format!("cannot create {}", dest.display()))?;
        let mut written = Vec::new();
        for st in &emit {
            if let Some(src) = out.stage_path(st) {
                let to = dest.join(format!(
                    "{}.{}",
                    CompileRequest::new(&c.file, sm, "").crate_name,
                    st
                ));
                std::fs::copy(src, &to)
                    .with_context(|| format!("cannot write {}", to.display()))?;
                written.push(st.as_str());
            }
        }
        let _ = std::fs::remove_dir_all(&work);
        let total: Duration = out.total_time();
        match &out.status {
            CompileStatus::Succeeded => {
                println!(
                    "{sm}: ok in {:.0?} -> {} [{}]",
                    total,
                    dest.display(),
                    written.join(", ")
                );
                for k in out.kernels.iter().filter(|k| k.entry) {
                    let sass = k
                        .sass_instructions
                        .map(|n| format!(", {n} SASS instructions"))
                        .unwrap_or_default();
                    println!(
                        "  kernel {}: {} registers, {} B stack, {} B spills, {} B smem, {} PTX instructions{sass}",
                        k.name, k.registers, k.stack, k.spill_stores + k.spill_loads, k.shared, k.ptx_instructions
                    );
                }
            }
            CompileStatus::RustcFailed { exit_code } => {
                failed = true;
                eprint!("{}", out.diagnostics);
                eprintln!(
                    "{sm}: rustc failed (exit code {exit_code:?}); fix the errors above in {}",
                    c.file.display()
                );
            }
            CompileStatus::ToolFailed { step, message } => {
                failed = true;
                eprintln!("{sm}: {step} failed:\n{message}");
                if let Some(cmd) = out.commands.last() {
                    eprintln!("reproduce with:\n  {cmd}");
                }
            }
            other @ (CompileStatus::Killed { .. } | CompileStatus::TimedOut { .. }) => {
                failed = true;
                eprint!("{}", out.diagnostics);
                eprintln!("{sm}: {}", other.interruption().unwrap_or_default());
                if let Some(cmd) = out.commands.last() {
                    eprintln!("reproduce with:\n  {cmd}");
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn tempdir_in(parent: &Path, name: &str) -> Result<PathBuf> {
    let p = parent.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
    Ok(p)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: Common, runs: usize) -> Result<ExitCode> {
    check_input(&c.file)?;
    let runs = runs.max(1);
    let backend = make_backend(&c)?;
    let scratch = std::env::temp_dir().join(format!("ptxc-bench-{}", std::process::id()));
    println!(
        "backend: {}; {} runs per figure, medians",
        backend.name(),
        runs
    );
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11} {:>9}",
        "sm", "rustc", "llvm-link", "opt", "llc", "ptxas", "backend", "bare shell", "overhead"
    );
    for &sm in &c.sm {
        let req = request(&c, sm, &scratch);
        let mut whole = Vec::new();
        let mut per_step: std::collections::BTreeMap<String, Vec<Duration>> = Default::default();
        let mut commands = Vec::new();
        backend.compile(&req)?; // warm the file cache
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(&scratch);
            let start = Instant::now();
            let out = backend.compile(&req)?;
            whole.push(start.elapsed());
            if out.status != CompileStatus::Succeeded {
                bail!(
                    "{sm}: the compile failed ({:?}); fix it before benchmarking",
                    out.status
                );
            }
            for t in &out.timings {
                per_step.entry(t.step.clone()).or_default().push(t.duration);
            }
            commands = out.commands;
        }
        let script = commands.join(" && \\\n");
        let mut bare = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(&scratch);
            std::fs::create_dir_all(&scratch)?;
            let start = Instant::now();
            let st = Command::new("sh").arg("-c").arg(&script).output()?;
            bare.push(start.elapsed());
            if !st.status.success() {
                bail!(
                    "the bare replay failed:\n{script}\n{}",
                    String::from_utf8_lossy(&st.stderr)
                );
            }
        }
        let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
        let step = |s: &str| {
            per_step
                .get(s)
                .map(|v| ms(median(v.clone())))
                .unwrap_or_else(|| "-".into())
        };
        let (w, b) = (median(whole), median(bare));
        println!(
            "{:<8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11} {:>8.1}%",
            sm.name(),
            step("rustc"),
            step("llvm-link"),
            step("opt"),
            step("llc"),
            step("ptxas"),
            ms(w),
            ms(b),
            (w.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

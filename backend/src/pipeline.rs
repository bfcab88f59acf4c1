//! The built-in backend: `ptx-rustc` → `llvm-link` (+ core bitcode) →
//! internalize all but the exported symbols → `opt` → `llc -mcpu=sm_XX` → `ptxas -v`
//! (→ `nvdisasm` on its cubin, when the `sass` stage is asked for).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use regex::Regex;

use crate::backend::{Backend, CompileRequest};
use crate::metrics::{count_ptx_instructions, parse_ptxas_verbose, render_ptxas_stage};
use crate::prelude::{self, BuiltPrelude, PreludeCache, PreludeSource};
use crate::process::{
    compile_timeout_from_env, run_with_timeout_capped, signal_name, OutputCap, ProcessOutcome,
    DEFAULT_COMPILE_TIMEOUT,
};
use crate::sm::SmTarget;
use crate::stage::{CompileOutput, CompileStatus, Stage, StepTime};
use crate::sysroot::{DeviceSysroot, DEVICE_TRIPLE};
use crate::toolchain::Toolchain;

/// Options of the built-in pipeline.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// `opt`/`llc`/rustc optimization level, 0–3 (`PTX_OPT_LEVEL`, default 3).
    pub opt_level: u8,
    /// Run ptxas on the PTX (validation and resource use).
    pub validate: bool,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            opt_level: 3,
            validate: true,
        }
    }
}

impl PipelineOptions {
    /// Defaults, with `PTX_OPT_LEVEL` applied.
    pub fn from_env() -> Result<Self> {
        let mut o = PipelineOptions::default();
        if let Ok(v) = std::env::var("PTX_OPT_LEVEL") {
            o.opt_level = parse_opt_level(&v)
                .with_context(|| format!("in the environment variable PTX_OPT_LEVEL={v}"))?;
        }
        Ok(o)
    }
}

/// The optimization level a rustc command line asks for: the last
/// `-Copt-level=N` / `-C opt-level=N` / `-O` (= 2) wins, as in rustc. `s` and
/// `z` are size levels; opt and llc get 2 for them.
pub fn requested_opt_level(flags: &[String]) -> Option<u8> {
    let mut level = None;
    let mut iter = flags.iter().peekable();
    while let Some(f) = iter.next() {
        let value = if f == "-O" {
            Some("2")
        } else if let Some(v) = f.strip_prefix("-Copt-level=") {
            Some(v)
        } else if f == "-C" {
            iter.peek()
                .and_then(|n| n.strip_prefix("opt-level="))
                .inspect(|_| {
                    iter.next();
                })
        } else {
            None
        };
        if let Some(v) = value {
            level = match v {
                "s" | "z" => Some(2),
                v => parse_opt_level(v).ok().or(level),
            };
        }
    }
    level
}

/// Parses `0`–`3` (optionally `O3`).
pub fn parse_opt_level(s: &str) -> Result<u8> {
    match s.trim().trim_start_matches(['O', 'o']) {
        "0" => Ok(0),
        "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        _ => bail!("`{s}` is not an optimization level; use 0, 1, 2 or 3"),
    }
}

/// The built-in Rust→PTX backend.
#[derive(Debug, Clone)]
pub struct BuiltinBackend {
    /// The tools.
    pub toolchain: Toolchain,
    /// The device sysroot.
    pub sysroot: DeviceSysroot,
    /// Pipeline options.
    pub options: PipelineOptions,
    /// The device prelude (crate `gpu`) given to every compile, if found.
    prelude: Option<PreludeSource>,
    preludes: Arc<PreludeCache>,
    /// Per prelude bitcode file: whether it refers to symbols it does not define.
    undefined_symbols: Arc<Mutex<HashMap<PathBuf, bool>>>,
    identity: String,
}

impl BuiltinBackend {
    /// Discovers the tools, ensures the device sysroot and applies `PTX_OPT_LEVEL`.
    pub fn from_env() -> Result<Self> {
        let tc = Toolchain::discover()?;
        let sysroot = DeviceSysroot::ensure(&tc)?;
        Self::new(tc, sysroot, PipelineOptions::from_env()?)
    }

    /// A backend over explicit parts. Fails if validation is on and ptxas is missing.
    pub fn new(
        toolchain: Toolchain,
        sysroot: DeviceSysroot,
        options: PipelineOptions,
    ) -> Result<Self> {
        if options.validate {
            if let Err(e) = &toolchain.ptxas {
                bail!("{e}");
            }
        }
        let driver_stamp = driver_identity(&toolchain.ptx_rustc);
        let identity = format!(
            "builtin/{}\n{}\nptx-rustc {}\nopt-level {} validate {}\nptxas {:?}\n",
            env!("PTX_BACKEND_SOURCE_HASH"),
            toolchain.rustc_version,
            driver_stamp,
            options.opt_level,
            options.validate,
            toolchain.ptxas_version()
        );
        let mut backend = BuiltinBackend {
            toolchain,
            sysroot,
            options,
            prelude: None,
            preludes: Arc::default(),
            undefined_symbols: Arc::default(),
            identity,
        };
        // Outside a checkout (an installed `ptxc`) there may be no prelude;
        // the harness insists on one with `require_prelude`.
        if let Ok(p) = PreludeSource::builtin_default() {
            backend = backend.with_prelude(p);
        }
        Ok(backend)
    }

    /// Uses `prelude` as the crate `gpu` of every compile (another dialect).
    pub fn with_prelude(mut self, prelude: PreludeSource) -> Self {
        if let Some(old) = &self.prelude {
            self.identity = self.identity.replace(&prelude_identity(old), "");
        }
        self.identity.push_str(&prelude_identity(&prelude));
        self.prelude = Some(prelude);
        self
    }

    /// The device prelude, or the error that says where it was looked for.
    pub fn require_prelude(&self) -> Result<&PreludeSource> {
        match &self.prelude {
            Some(p) => Ok(p),
            None => PreludeSource::builtin_default()
                .map(|_| unreachable!("a prelude that loads now was loaded in `new`"))
                .context("the built-in backend needs its device prelude"),
        }
    }

    /// The prelude built for `sm`, if there is a prelude.
    fn built_prelude(&self, sm: SmTarget, timeout: Duration) -> Result<Option<BuiltPrelude>> {
        let Some(prelude) = &self.prelude else {
            return Ok(None);
        };
        let opt = self.options.opt_level.to_string();
        // The identity already names the compiler, the driver (hashed once,
        // in `new`), the options and the prelude; hashing the driver again
        // here would cost a read of the binary on every compile.
        let key = prelude::key(&["builtin", &self.identity, &sm.to_string()]);
        let built = self.preludes.get(&key, timeout, true, |_| {
            let mut cmd = Command::new(&self.toolchain.ptx_rustc);
            cmd.arg(&prelude.path)
                .args(["--crate-name", prelude::PRELUDE_CRATE])
                .args(["--crate-type", "rlib", "--edition", "2021"])
                .args(["--target", DEVICE_TRIPLE])
                .arg("--sysroot")
                .arg(&self.sysroot.root)
                .arg(format!("-Ctarget-cpu={sm}"))
                .arg(format!("-Copt-level={opt}"))
                .args(["-Ccodegen-units=1", "-Cdebuginfo=0", "--color", "never"])
                .arg("--emit=link,llvm-bc");
            cmd
        })?;
        Ok(Some(built))
    }

    /// The ptx-rustc command line for a request (also used by ui tests),
    /// with the device prelude when there is one.
    pub fn rustc_command(
        &self,
        req: &CompileRequest,
        emit: &str,
        prelude: Option<&BuiltPrelude>,
    ) -> Command {
        let mut cmd = Command::new(&self.toolchain.ptx_rustc);
        // An ICE report goes beside the other dumps, not into the caller's cwd.
        cmd.env("RUSTC_ICE", &req.out_dir);
        cmd.arg(&req.source)
            .args(["--crate-name", &req.crate_name])
            .args(["--crate-type", "cdylib"])
            .args(edition_args(DEFAULT_EDITION, &req.flags))
            .args(["--target", DEVICE_TRIPLE])
            .arg("--sysroot")
            .arg(&self.sysroot.root)
            .arg(format!("-Ctarget-cpu={}", req.sm))
            .arg(format!("-Copt-level={}", self.options.opt_level))
            .args(["-Ccodegen-units=1", "-Cdebuginfo=0", "--color", "never"])
            .arg(format!("--emit={emit}"))
            .arg("--out-dir")
            .arg(&req.out_dir);
        if let Some(p) = prelude {
            cmd.args(p.rustc_args())
                .args(crate::prelude::sm_cfgs(req.sm));
        }
        if req.json_diagnostics {
            cmd.arg("--error-format=json");
        }
        for cfg in &req.cfgs {
            cmd.args(["--cfg", cfg]);
        }
        cmd.args(&req.flags);
        cmd
    }
}

impl Backend for BuiltinBackend {
    fn name(&self) -> &str {
        "builtin"
    }

    fn identity(&self) -> String {
        self.identity.clone()
    }

    fn versions(&self) -> BTreeMap<String, String> {
        let mut v = BTreeMap::new();
        v.insert("rustc".into(), self.toolchain.short_version());
        v.insert("llvm".into(), self.toolchain.llvm_version());
        if let Some(p) = self.toolchain.ptxas_version() {
            v.insert("ptxas".into(), p);
        }
        if let Some(p) = &self.prelude {
            v.insert("prelude".into(), format!("{} {}", p.dialect(), p.hash));
        }
        if let Ok(Ok(d)) = self
            .toolchain
            .nvdisasm()
            .map(crate::toolchain::nvdisasm_version)
        {
            v.insert("nvdisasm".into(), d);
        }
        v
    }

    fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
        std::fs::create_dir_all(&req.out_dir).with_context(|| {
            format!("cannot create the output folder {}", req.out_dir.display())
        })?;
        let out_dir = std::path::absolute(&req.out_dir)?;
        let req = &CompileRequest {
            out_dir,
            ..req.clone()
        };
        let mut run = Run::new(req.timeout);
        let name = &req.crate_name;
        let file = |ext: &str| req.out_dir.join(format!("{name}.{ext}"));

        // 1. Front end: MIR, LLVM IR and bitcode.
        let prelude = self.built_prelude(req.sm, req.timeout)?;
        let rustc = run.step(
            "rustc",
            self.rustc_command(req, "mir,llvm-ir,llvm-bc", prelude.as_ref()),
        )?;
        run.add_stage(Stage::Mir, file("mir"));
        run.add_stage(Stage::LlvmIr, file("ll"));
        let Some(rustc) = rustc else {
            return Ok(run.conclude());
        };
        run.diagnostics = rustc.stderr.clone();
        if !rustc.status.success() {
            return Ok(run.finish(CompileStatus::RustcFailed {
                exit_code: rustc.status.code,
            }));
        }
        if req.front_end_only {
            // `check-pass`: rustc ran exactly as for a full compile (same
            // emits, so the same diagnostics); the back end does not run.
            return Ok(run.finish(CompileStatus::Succeeded));
        }
        let ir = std::fs::read_to_string(file("ll"))
            .with_context(|| format!("rustc succeeded but wrote no {}", file("ll").display()))?;
        let exported = exported_symbols(&ir);
        let libs: Vec<PathBuf> = prelude.into_iter().filter_map(|p| p.bitcode).collect();
        // A test's own `-Copt-level` reaches opt and llc too, not only rustc.
        let level = requested_opt_level(&req.flags).unwrap_or(self.options.opt_level);
        self.back_end(
            &mut run,
            &[file("bc")],
            &libs,
            &exported,
            level,
            req.sm,
            &req.out_dir,
            name,
            req.sass,
        )?;
        Ok(run.conclude())
    }
}

impl BuiltinBackend {
    /// Runs the back end (link, internalize, opt, llc, ptxas) on bitcode that
    /// was produced elsewhere, e.g. by cargo for a multi-crate kernel project.
    /// `ir` is the top crate's LLVM IR text, which names the kernels.
    pub fn compile_bitcode(
        &self,
        bitcode: &[PathBuf],
        ir: &str,
        sm: SmTarget,
        out_dir: &Path,
        name: &str,
    ) -> Result<CompileOutput> {
        std::fs::create_dir_all(out_dir)
            .with_context(|| format!("cannot create the output folder {}", out_dir.display()))?;
        let out_dir = &std::path::absolute(out_dir)?;
        let bitcode: Vec<PathBuf> = bitcode
            .iter()
            .map(std::path::absolute)
            .collect::<std::io::Result<_>>()?;
        let timeout = compile_timeout_from_env()
            .map_err(|e| anyhow::anyhow!(e))?
            .unwrap_or(DEFAULT_COMPILE_TIMEOUT);
        let mut run = Run::new(timeout);
        self.back_end(
            &mut run,
            &bitcode,
            &[],
            &exported_symbols(ir),
            self.options.opt_level,
            sm,
            out_dir,
            name,
            false,
        )?;
        Ok(run.conclude())
    }

    /// Whether a library's bitcode leaves symbols undefined (so it may need
    /// core after it), asked of `llvm-nm` once per file and process. When
    /// that cannot be told, `true`: linking core once more is always correct.
    fn refers_to_symbols(&self, bitcode: &Path) -> bool {
        let mut known = self
            .undefined_symbols
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *known.entry(bitcode.to_path_buf()).or_insert_with(|| {
            let nm = self.toolchain.llvm_link.with_file_name("llvm-nm");
            match Command::new(nm)
                .arg("--undefined-only")
                .arg(bitcode)
                .output()
            {
                Ok(out) if out.status.success() => !out.stdout.trim_ascii().is_empty(),
                _ => true,
            }
        })
    }

    /// Links crate bitcode with core and `libs` (the device prelude), both
    /// only where needed, internalizes all but `exported`, optimizes,
    /// emits PTX for `sm` and validates it (and disassembles the cubin with
    /// `sass`). `level` is opt's and llc's optimization level. A failing
    /// step is recorded in `run`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn back_end(
        &self,
        run: &mut Run,
        bitcode: &[PathBuf],
        libs: &[PathBuf],
        exported: &[String],
        level: u8,
        sm: SmTarget,
        out_dir: &Path,
        name: &str,
        sass: bool,
    ) -> Result<()> {
        // A missing disassembler is a setup error, before any work is done.
        let nvdisasm = if sass {
            if !self.options.validate {
                bail!("the `sass` stage disassembles ptxas's cubin, but validation (ptxas) is off");
            }
            Some(
                self.toolchain
                    .nvdisasm()
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            )
        } else {
            None
        };
        // Tools run inside `out_dir` on relative names, so no scratch path
        // leaks into the dumps (opt records its input as the ModuleID).
        let file = |ext: &str| PathBuf::from(format!("{name}.{ext}"));
        let tool = |program: &Path| {
            let mut c = Command::new(program);
            c.current_dir(out_dir);
            c
        };
        // 2. Link with core's bitcode, pulling in only what is referenced.
        let linked = file("linked.bc");
        let mut link = tool(&self.toolchain.llvm_link);
        // With `--only-needed` llvm-link takes from each file only what the
        // files before it left undefined, so the prelude comes after core:
        // core's `panic_fmt` needs the prelude's panic handler. Core comes
        // once more after the prelude only for a prelude whose bitcode
        // itself refers to symbols (the built-in preludes' hold just the
        // panic handler, which refers to none, so that second pass added
        // nothing but the time to read core again).
        link.args(bitcode)
            .arg("--only-needed")
            .arg(&self.sysroot.device_libs);
        if !libs.is_empty() {
            link.args(libs);
            if libs.iter().any(|l| self.refers_to_symbols(l)) {
                link.arg(&self.sysroot.device_libs);
            }
        }
        link.arg("-o").arg(&linked);
        if !run.tool_step("llvm-link", link)? {
            return Ok(());
        }

        // 3+4. Internalize everything but the exported symbols, then optimize.
        let opt_ll = file("opt.ll");
        let mut opt = tool(&self.toolchain.opt);
        opt.arg(format!("-passes=internalize,globaldce,default<O{level}>"))
            .arg(format!(
                "-internalize-public-api-list={}",
                exported.join(",")
            ))
            .arg("-S")
            .arg(&linked)
            .arg("-o")
            .arg(&opt_ll);
        if !run.tool_step("opt", opt)? {
            return Ok(());
        }
        run.add_stage(Stage::LlvmIrOpt, out_dir.join(&opt_ll));

        // 5. PTX for the target, at the oldest PTX ISA that describes it,
        // from opt's IR with what NVPTX can't select rewritten first.
        let llc_input = match std::fs::read_to_string(out_dir.join(&opt_ll))
            .ok()
            .and_then(|ir| crate::legalize::expand_wide_fp_to_int_sat(&ir))
        {
            Some(legal) => {
                let path = file("legal.ll");
                std::fs::write(out_dir.join(&path), legal)
                    .with_context(|| format!("cannot write {}", out_dir.join(&path).display()))?;
                path
            }
            None => opt_ll.clone(),
        };
        let ptx = file("ptx");
        let mut llc = tool(&self.toolchain.llc);
        llc.args(["-march=nvptx64", &format!("-mcpu={}", sm)])
            .arg(format!("-mattr=+ptx{}", sm.min_ptx_isa()))
            .arg(format!("-O{}", level.min(3)))
            // NVPTX can't call compiler-builtins' `__floattisf` & co., so
            // llc aborts on i128 <-> float casts ("unsupported library call
            // operation"). LLVM's own ExpandFp pass rewrites conversions wider
            // than 64 bits into plain integer IR instead; that needs no
            // bitcode of compiler-builtins linked in, which the device
            // sysroot does not have.
            .arg("-expand-fp-convert-bits=64")
            .arg(&llc_input)
            .arg("-o")
            .arg(&ptx);
        if !run.tool_step("llc", llc)? {
            return Ok(());
        }
        run.add_stage(Stage::Ptx, out_dir.join(&ptx));

        // 6. ptxas: validation and resource use.
        if self.options.validate {
            let ptxas_path = self.toolchain.ptxas().map_err(|e| anyhow::anyhow!("{e}"))?;
            ptxas_step(
                run,
                ptxas_path,
                sm,
                &out_dir.join(&ptx),
                out_dir,
                name,
                nvdisasm,
                Some(level),
            )?;
        }
        Ok(())
    }
}

/// Runs `ptxas -v` on a PTX file (`-O0` at opt `level` 0), records metrics and the `ptxas` stage; with
/// `nvdisasm`, also disassembles the cubin into the `sass` stage and records
/// SASS instruction counts. Returns `false` when ptxas (or nvdisasm) failed
/// (recorded in `run`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ptxas_step(
    run: &mut Run,
    ptxas: &Path,
    sm: SmTarget,
    ptx: &Path,
    out_dir: &Path,
    name: &str,
    nvdisasm: Option<&Path>,
    level: Option<u8>,
) -> Result<bool> {
    let mut cmd = Command::new(ptxas);
    cmd.current_dir(out_dir).arg(format!("-arch={sm}"));
    // At opt level 0 ptxas doesn't optimize either, and compiles as fast as
    // it can (`-Ofc max`): unoptimized PTX (every core method its own
    // function) takes it seconds at its default -O3, and only SASS and the
    // metrics depend on it.
    if level == Some(0) {
        cmd.args(["-O0", "-Ofc", "max"]);
    }
    cmd.arg("-v")
        .arg(ptx.strip_prefix(out_dir).unwrap_or(ptx))
        .arg("-o")
        .arg(format!("{name}.cubin"));
    let Some(out) = run.step("ptxas", cmd)? else {
        return Ok(false);
    };
    let log = format!("{}{}", out.stdout, out.stderr);
    std::fs::write(out_dir.join(format!("{name}.ptxas.log")), &log)?;
    if !out.status.success() {
        run.failure = Some(("ptxas".into(), log));
        return Ok(false);
    }
    let text = std::fs::read_to_string(ptx)?;
    let counts = count_ptx_instructions(&text);
    let mut kernels = parse_ptxas_verbose(&log);
    for k in &mut kernels {
        k.ptx_instructions = counts.get(&k.name).copied().unwrap_or(0);
    }
    let stage = out_dir.join(format!("{name}.ptxas"));
    std::fs::write(&stage, render_ptxas_stage(&kernels))?;
    run.add_stage(Stage::Ptxas, stage);
    let ok = match nvdisasm {
        Some(nvdisasm) => sass_step(run, nvdisasm, out_dir, name, &mut kernels)?,
        None => true,
    };
    run.kernels = kernels;
    Ok(ok)
}

/// Disassembles `<name>.cubin` with nvdisasm into `<name>.nvdisasm` (as
/// printed) and the normalized `<name>.sass` stage, and fills in each
/// function's SASS instruction count.
fn sass_step(
    run: &mut Run,
    nvdisasm: &Path,
    out_dir: &Path,
    name: &str,
    kernels: &mut [crate::metrics::KernelMetrics],
) -> Result<bool> {
    let cubin = PathBuf::from(format!("{name}.cubin"));
    // A batch (the harness's, for the compiles of a run) may have it: its
    // share of that run's time is the step's, and the command that prints
    // this cubin's listing alone is the one to reproduce it with.
    if let Some(batched) = crate::sass::batched_listing(nvdisasm, &out_dir.join(&cubin)) {
        let mut cmd = crate::sass::nvdisasm_dataflow_command(nvdisasm, &cubin);
        cmd.current_dir(out_dir);
        run.commands.push(shell_line(&cmd));
        run.timings.push(StepTime {
            step: "nvdisasm".into(),
            duration: batched.share,
        });
        return finish_sass(run, out_dir, name, kernels, batched.text);
    }
    let mut cmd = crate::sass::nvdisasm_command(nvdisasm, &cubin);
    cmd.current_dir(out_dir);
    let Some(mut out) = run.step("nvdisasm", cmd)? else {
        return Ok(false);
    };
    // Without the dataflow analysis first (a third of the call's cost); a
    // listing with an indirect branch (or a warning) is printed again with
    // it, so the text is always plain `nvdisasm --print-code`'s.
    if out.status.success() && crate::sass::needs_dataflow(&out.stdout, &out.stderr) {
        let mut cmd = crate::sass::nvdisasm_dataflow_command(nvdisasm, &cubin);
        cmd.current_dir(out_dir);
        let Some(again) = run.step("nvdisasm", cmd)? else {
            return Ok(false);
        };
        out = again;
    }
    if !out.status.success() {
        run.failure = Some(("nvdisasm".into(), out.stderr));
        return Ok(false);
    }
    // Captured output is capped (OutputCap::COMPILE_STEP); a SASS dump cut in
    // the middle must never become a snapshot.
    if out.stdout.contains(" bytes omitted …]") {
        run.failure = Some((
            "nvdisasm".into(),
            "the disassembly is larger than the captured-output limit (2 MiB + 256 KiB); \
             this kernel is too large to snapshot as SASS"
                .into(),
        ));
        return Ok(false);
    }
    finish_sass(run, out_dir, name, kernels, out.stdout)
}

/// Writes a cubin's listing as `<name>.nvdisasm` and its cleaned text as the
/// `sass` stage, and fills in each function's SASS instruction count.
fn finish_sass(
    run: &mut Run,
    out_dir: &Path,
    name: &str,
    kernels: &mut [crate::metrics::KernelMetrics],
    raw: String,
) -> Result<bool> {
    std::fs::write(out_dir.join(format!("{name}.nvdisasm")), raw.as_bytes())?;
    let functions = crate::sass::parse_nvdisasm(&raw);
    let counts = crate::sass::instruction_counts(&functions);
    for k in kernels.iter_mut() {
        k.sass_instructions = counts.get(&k.name).copied();
    }
    let stage = out_dir.join(format!("{name}.sass"));
    std::fs::write(&stage, crate::sass::render_sass(&functions))?;
    run.add_stage(Stage::Sass, stage);
    Ok(true)
}

/// The symbols the crate exports, which stay external (and so in the PTX):
/// the `ptx_kernel` functions, every other function rustc gave external
/// linkage and default visibility (`#[no_mangle]` / `#[export_name]`
/// functions of a cdylib, kept as `.visible .func` so other modules can
/// link against them, as rustc's own NVPTX linker does), and the globals
/// rustc gave external linkage (`#[no_mangle] pub static`, which
/// `cuModuleGetGlobal` finds by name). Everything else is internalized.
pub fn exported_symbols(ir: &str) -> Vec<String> {
    static FUNCTION: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r#"(?m)^define ([^@\n]*)@("[^"]+"|[\w$.]+)\("#).unwrap()
    });
    /// Linkage and visibility keywords that make a definition local to
    /// the crate (rustc marks its panic handler `hidden`).
    const LOCAL: &[&str] = &[
        "private",
        "internal",
        "hidden",
        "linkonce",
        "linkonce_odr",
        "weak",
        "weak_odr",
        "available_externally",
        "extern_weak",
        "common",
        "appending",
    ];
    let mut names = exported_kernels_and_globals(ir);
    for c in FUNCTION.captures_iter(ir) {
        let name = c[2].trim_matches('"').to_string();
        let local = c[1].split_whitespace().any(|w| LOCAL.contains(&w));
        if !local && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The kernels, then the globals with external linkage.
fn exported_kernels_and_globals(ir: &str) -> Vec<String> {
    static GLOBAL: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        // No linkage keyword between `=` and `global`/`constant` means external.
        Regex::new(r#"(?m)^@("[^"]+"|[\w$.]+) = (?:dso_local |local_unnamed_addr |unnamed_addr |addrspace\(\d+\) |externally_initialized )*(?:global|constant) "#)
            .unwrap()
    });
    let mut names = kernel_names(ir);
    names.extend(
        GLOBAL
            .captures_iter(ir)
            .map(|c| c[1].trim_matches('"').to_string()),
    );
    names
}

/// The names of `ptx_kernel` functions defined in rustc's LLVM IR.
pub fn kernel_names(ir: &str) -> Vec<String> {
    static RE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r#"(?m)^define [^@\n]*\bptx_kernel\b[^@\n]*@("[^"]+"|[\w$.]+)\("#).unwrap()
    });
    let re = &*RE;
    re.captures_iter(ir)
        .map(|c| c[1].trim_matches('"').to_string())
        .collect()
}

/// Accumulates the steps of one compile.
pub(crate) struct Run {
    pub diagnostics: String,
    pub stages: BTreeMap<Stage, PathBuf>,
    pub custom_stages: BTreeMap<String, PathBuf>,
    pub kernels: Vec<crate::metrics::KernelMetrics>,
    pub timings: Vec<StepTime>,
    pub commands: Vec<String>,
    pub failure: Option<(String, String)>,
    /// The hard limit for each step.
    pub timeout: Duration,
    /// A step that was killed by a signal or ran past `timeout`.
    pub stopped: Option<CompileStatus>,
}

impl Run {
    pub fn new(timeout: Duration) -> Self {
        Run {
            diagnostics: String::new(),
            stages: BTreeMap::new(),
            custom_stages: BTreeMap::new(),
            kernels: Vec::new(),
            timings: Vec::new(),
            commands: Vec::new(),
            failure: None,
            timeout,
            stopped: None,
        }
    }

    /// Runs one step in its own process group under `timeout`, timing it and
    /// recording its command line. Returns `None` when the step timed out or
    /// was killed by a signal (recorded in `stopped`): nothing after it runs.
    pub fn step(&mut self, step: &str, cmd: Command) -> Result<Option<ProcessOutcome>> {
        self.commands.push(shell_line(&cmd));
        let program = cmd.get_program().to_string_lossy().into_owned();
        let out = run_with_timeout_capped(cmd, self.timeout, OutputCap::COMPILE_STEP)
            .with_context(|| format!("cannot run {program}"))?;
        self.timings.push(StepTime {
            step: step.into(),
            duration: out.duration,
        });
        if out.timed_out {
            self.stopped = Some(CompileStatus::TimedOut {
                step: step.into(),
                limit: self.timeout,
            });
            return Ok(None);
        }
        if let Some(sig) = out.status.signal {
            self.stopped = Some(CompileStatus::Killed {
                step: step.into(),
                signal: signal_name(sig)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("signal {sig}")),
                message: out.stderr,
            });
            return Ok(None);
        }
        Ok(Some(out))
    }

    /// Runs an LLVM tool step; on failure records it and returns `false`.
    pub fn tool_step(&mut self, step: &str, cmd: Command) -> Result<bool> {
        let Some(out) = self.step(step, cmd)? else {
            return Ok(false);
        };
        if !out.status.success() {
            self.failure = Some((step.into(), out.stderr));
        }
        Ok(out.status.success())
    }

    /// The final status: a kill or timeout, else a failed tool, else success.
    pub fn conclude(mut self) -> CompileOutput {
        match self.stopped.take() {
            Some(status) => self.finish(status),
            None if self.failure.is_some() => self.failed(),
            None => self.finish(CompileStatus::Succeeded),
        }
    }

    /// Records a stage dump if its file exists (a stage that never ran stays absent).
    pub fn add_stage(&mut self, stage: Stage, path: PathBuf) {
        if path.is_file() {
            self.stages.insert(stage, path);
        }
    }

    pub fn failed(self) -> CompileOutput {
        let (step, message) = self.failure.clone().unwrap_or_default();
        self.finish(CompileStatus::ToolFailed { step, message })
    }

    pub fn finish(self, status: CompileStatus) -> CompileOutput {
        CompileOutput {
            status,
            diagnostics: self.diagnostics,
            stages: self.stages,
            custom_stages: self.custom_stages,
            kernels: self.kernels,
            timings: self.timings,
            commands: self.commands,
        }
    }
}

/// The edition a test compiles in unless its `compile-flags` name one.
pub const DEFAULT_EDITION: &str = "2021";

/// `--edition <default>`, or nothing when `flags` (a test's `compile-flags`)
/// already give `--edition X` or `--edition=X`: rustc rejects the option
/// twice ("Option 'edition' given more than once"), and the test's wins.
pub fn edition_args(default: &str, flags: &[String]) -> Vec<String> {
    if flags
        .iter()
        .any(|f| f == "--edition" || f.starts_with("--edition="))
    {
        Vec::new()
    } else {
        vec!["--edition".into(), default.into()]
    }
}

/// A command as a copy-pasteable shell line.
pub fn shell_line(cmd: &Command) -> String {
    let mut s = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        let _ = write!(s, "cd {} && ", shell_quote(&dir.to_string_lossy()));
    }
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            let _ = write!(
                s,
                "{}={} ",
                k.to_string_lossy(),
                shell_quote(&v.to_string_lossy())
            );
        }
    }
    s.push_str(&shell_quote(&cmd.get_program().to_string_lossy()));
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&shell_quote(&a.to_string_lossy()));
    }
    s
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The driver's part of the cache identity: its content, not its path and
/// mtime, so a fresh build of the same sources (a CI run that restores its
/// compile cache) reuses the entries, and a changed driver never does.
pub fn driver_identity(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            use sha2::Digest;
            format!("sha256 {:x}", sha2::Sha256::digest(&bytes))
        }
        Err(e) => format!("{} unreadable: {e}", path.display()),
    }
}

/// The part of a backend identity that names its prelude.
fn prelude_identity(p: &PreludeSource) -> String {
    format!("prelude {} {}\n", p.dialect(), p.hash)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_driver_is_identified_by_content_not_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ptx-rustc");
        std::fs::write(&p, b"driver v1").unwrap();
        let first = driver_identity(&p);
        // Rewritten with the same bytes (a fresh build): a new mtime, the same identity.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&p, b"driver v1").unwrap();
        assert_eq!(driver_identity(&p), first);
        std::fs::write(&p, b"driver v2").unwrap();
        assert_ne!(driver_identity(&p), first);
    }
    use super::*;

    #[test]
    fn finds_kernels_in_ir() {
        let ir = "define hidden void @helper() {\n}\n\
                  define ptx_kernel void @saxpy(i32 noundef %n) unnamed_addr #1 {\n}\n\
                  define dso_local ptx_kernel void @\"odd$name\"() {\n}\n";
        assert_eq!(kernel_names(ir), vec!["saxpy", "odd$name"]);
    }

    #[test]
    fn exported_statics_stay_external_and_internal_ones_do_not() {
        let ir = "@LAUNCHES = local_unnamed_addr global [8 x i8] c\"\\05\", align 8\n\
                  @VERSION = local_unnamed_addr constant [4 x i8] c\"\\07\", align 4\n\
                  @_RNvCs8_3foo7COUNTER = internal unnamed_addr global i32 0, align 4\n\
                  @alloc_1 = private unnamed_addr constant [3 x i8] c\"abc\", align 1\n\
                  define ptx_kernel void @k() {\n}\n";
        assert_eq!(exported_symbols(ir), vec!["k", "LAUNCHES", "VERSION"]);
    }

    /// `#[no_mangle]` / `#[export_name]` device functions stay external
    /// (rustc's NVPTX linker keeps them as `.visible .func`); internal
    /// helpers and the hidden panic handler do not.
    #[test]
    fn exported_device_functions_stay_external() {
        let ir = "define hidden void @_RNvCs_7___rustc17rust_begin_unwind(ptr %_1) unnamed_addr #0 {\n}\n\
                  define internal fastcc noundef i32 @_RNvCs_1e6helper(i32 noundef %x) unnamed_addr #1 {\n}\n\
                  define noundef float @add_f32(float noundef %a, float noundef %b) unnamed_addr #2 {\n}\n\
                  define ptx_kernel void @k(ptr noundef captures(none) %p) unnamed_addr #3 {\n}\n\
                  define linkonce_odr void @inl() {\n}\n\
                  define dso_local noundef i32 @renamed_fn(i32 noundef %x) unnamed_addr #2 {\n}\n\
                  declare i32 @vprintf(ptr, ptr)\n";
        assert_eq!(exported_symbols(ir), vec!["k", "add_f32", "renamed_fn"]);
    }

    #[test]
    fn requested_opt_level_follows_rustc() {
        let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(requested_opt_level(&flags(&["--cfg", "x"])), None);
        assert_eq!(requested_opt_level(&flags(&["-Copt-level=0"])), Some(0));
        assert_eq!(requested_opt_level(&flags(&["-C", "opt-level=1"])), Some(1));
        assert_eq!(requested_opt_level(&flags(&["-O"])), Some(2));
        assert_eq!(requested_opt_level(&flags(&["-Copt-level=z"])), Some(2));
        // The last one wins, as in rustc.
        assert_eq!(
            requested_opt_level(&flags(&["-Copt-level=3", "-Copt-level=0"])),
            Some(0)
        );
    }

    #[test]
    fn opt_levels() {
        assert_eq!(parse_opt_level("O2").unwrap(), 2);
        assert_eq!(parse_opt_level("3").unwrap(), 3);
        assert!(parse_opt_level("fast")
            .unwrap_err()
            .to_string()
            .contains("0, 1, 2 or 3"));
    }

    #[test]
    fn a_tests_edition_wins_over_the_default() {
        let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(edition_args("2021", &[]), ["--edition", "2021"]);
        assert!(edition_args("2021", &flags(&["--edition=2024"])).is_empty());
        assert!(edition_args("2021", &flags(&["-O", "--edition", "2018"])).is_empty());
        // Another option that merely mentions the word keeps the default.
        assert_eq!(
            edition_args("2024", &flags(&["--cfg", "edition"])),
            ["--edition", "2024"]
        );
    }

    #[test]
    fn shell_lines_quote_what_needs_it() {
        let mut c = Command::new("opt");
        c.arg("-passes=internalize,default<O3>").arg("a b.bc");
        assert_eq!(
            shell_line(&c),
            "opt '-passes=internalize,default<O3>' 'a b.bc'"
        );
    }
}

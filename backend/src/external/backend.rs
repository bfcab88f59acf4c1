//! The `Backend` implementation of an external backend: construction
//! (every setup check, once), the command line and environment of its
//! rustc and cargo, and a compile from the request to the stage dumps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use regex::Regex;

use super::config::{config_stage, resolve_path, ExternalConfig};
use super::library::{check_loads, find_library, toolchain_rustc};
use super::ExternalBackend;
use crate::backend::{Backend, CompileRequest};
use crate::pipeline::{edition_args, ptxas_step, Run};
use crate::prelude::{self, BuiltPrelude, PreludeSource};
use crate::stage::{CompileOutput, CompileStatus, Stage};
use crate::toolchain::{find_nvdisasm, find_ptxas, Toolchain};

impl ExternalBackend {
    /// Reads the config and finds the library, rustc and (if validating)
    /// ptxas, checks that the library loads into that rustc, and builds the
    /// device dependencies.
    pub fn from_config_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the backend config {}", path.display()))?;
        let config: ExternalConfig = toml::from_str(&text)
            .with_context(|| format!("{}: invalid backend config", path.display()))?;
        let path = std::path::absolute(path)?;
        let base = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        Self::build(config, &base, Some(path), Some(text))
    }

    /// Resolves an already parsed config; relative paths are taken from `base`.
    pub fn new(config: ExternalConfig, base: &Path) -> Result<Self> {
        Self::build(config, &std::path::absolute(base)?, None, None)
    }

    fn build(
        mut config: ExternalConfig,
        base: &Path,
        config_path: Option<PathBuf>,
        config_text: Option<String>,
    ) -> Result<Self> {
        for value in config.path_env.values_mut() {
            *value = resolve_path(value, base);
        }
        config.check()?;
        let where_ = config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the backend config".into());
        let library = find_library(&config.codegen_backend, base, &config.name)
            .map_err(|e| anyhow::anyhow!(e))?;
        let rustc = match (&config.rustc, &config.toolchain) {
            (Some(_), Some(_)) => {
                bail!("{where_}: give `rustc` or `toolchain`, not both")
            }
            (Some(r), None) => resolve_path(r, base),
            (None, Some(t)) => toolchain_rustc(Path::new("rustup"), t)
                .with_context(|| format!("`toolchain = \"{t}\"` in {where_}"))?,
            (None, None) => Toolchain::discover()?.rustc,
        };
        check_loads(&rustc, &library, &where_)?;
        let ptxas = if config.validate {
            Some(find_ptxas().map_err(|e| anyhow::anyhow!("{e}"))?)
        } else {
            None
        };
        let prelude = match &config.prelude {
            Some(p) => Some(PreludeSource::from_file(&resolve_path(p, base))?),
            None => None,
        };
        let mut backend = ExternalBackend {
            config,
            library,
            rustc,
            ptxas,
            deps: Vec::new(),
            prelude,
            preludes: Arc::default(),
            config_text,
            identity: String::new(),
        };
        // Identity without the deps names the folder the built deps go to.
        backend.identity = backend.compute_identity();
        backend.deps = backend.resolve_deps(base)?;
        backend.identity = backend.compute_identity();
        Ok(backend)
    }

    /// Turns ptxas validation off (`ptxc --no-ptxas`).
    pub fn without_ptxas(mut self) -> Self {
        self.config.validate = false;
        self.config.stages.remove("sass");
        self.ptxas = None;
        self.identity = self.compute_identity();
        self
    }

    /// Sets the optimization level (`ptxc --opt-level`): replaces every
    /// `-Copt-level=` (or `-C opt-level=`) in `rustc_flags`, or appends one.
    pub fn with_opt_level(mut self, level: u8) -> Self {
        let mut flags = Vec::new();
        let mut it = self.config.rustc_flags.iter().peekable();
        while let Some(f) = it.next() {
            if f.starts_with("-Copt-level=") {
                continue;
            }
            if f == "-C" && it.peek().is_some_and(|v| v.starts_with("opt-level=")) {
                it.next();
                continue;
            }
            flags.push(f.clone());
        }
        flags.push(format!("-Copt-level={level}"));
        self.config.rustc_flags = flags;
        self.identity = self.compute_identity();
        self
    }

    /// The rustc that runs the backend.
    pub fn rustc(&self) -> &Path {
        &self.rustc
    }

    /// `-Zcodegen-backend=<so>` and the config's flags: what cargo gets as
    /// `CARGO_ENCODED_RUSTFLAGS`.
    fn backend_flags(&self) -> Vec<String> {
        let mut f = vec![format!("-Zcodegen-backend={}", self.library.display())];
        f.extend(self.config.rustc_flags.iter().cloned());
        f
    }

    /// The environment of every command of this backend: for a compile,
    /// the sm and the output folder in the config's variables; always its
    /// rustc first on `PATH`, then the config's `env` and `path_env`.
    pub(super) fn backend_env(&self, cmd: &mut Command, compile: Option<(crate::SmTarget, &Path)>) {
        if let Some((sm, out_dir)) = compile {
            if let Some(var) = &self.config.sm_env {
                cmd.env(var, sm.name());
            }
            if let Some(var) = &self.config.out_dir_env {
                cmd.env(var, out_dir);
            }
        }
        cmd.env("PATH", self.search_path())
            .envs(&self.config.env)
            .envs(&self.config.path_env);
    }

    /// `cargo` building with this backend's rustc and flags (none of the
    /// caller's wrappers or `RUSTFLAGS`) into `target_dir`; the caller adds
    /// [`Self::backend_env`].
    pub(super) fn cargo_command(&self, cargo: &Path, target_dir: &Path) -> Command {
        let mut cmd = Command::new(cargo);
        cmd.env("RUSTC", &self.rustc)
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("RUSTFLAGS")
            .env("CARGO_ENCODED_RUSTFLAGS", self.backend_flags().join("\x1f"))
            .env("CARGO_TARGET_DIR", target_dir);
        cmd
    }

    /// `PATH` with the folder of the backend's rustc first. A backend that
    /// runs `rustc` from `PATH` (cuda-oxide asks it for the sysroot whose
    /// llc it uses) then gets the rustc it is loaded into, not the toolchain
    /// that the working folder's `rust-toolchain.toml` selects through the
    /// rustup proxy, so the result does not depend on where the run starts.
    fn search_path(&self) -> std::ffi::OsString {
        let mut dirs: Vec<PathBuf> = self
            .rustc
            .parent()
            .map(Path::to_path_buf)
            .into_iter()
            .collect();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
    }

    /// The prelude built for `sm` (or once for every sm when the config has
    /// no `sm_env`, since nothing else tells the backend the target).
    fn built_prelude(&self, req: &CompileRequest) -> Result<Option<BuiltPrelude>> {
        let Some(prelude) = &self.prelude else {
            return Ok(None);
        };
        let sm = match &self.config.sm_env {
            Some(_) => req.sm.name(),
            None => String::new(),
        };
        let key = prelude::key(&["external", &self.identity, &prelude.hash, &sm]);
        let built = self.preludes.get(&key, req.timeout, false, |dir| {
            let mut cmd = Command::new(&self.rustc);
            cmd.arg(&prelude.path)
                .args(["--crate-name", prelude::PRELUDE_CRATE])
                .args(["--crate-type", "rlib", "--edition", &self.config.edition])
                .args(self.backend_flags())
                .args(["--cfg", prelude::DEVICE_CFG]);
            for d in &self.deps {
                cmd.args(d.rustc_args());
            }
            self.backend_env(&mut cmd, Some((req.sm, dir)));
            cmd
        })?;
        Ok(Some(built))
    }
}

impl ExternalBackend {
    /// The library that was found.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// Builds the library of a cargo package through this backend for `sm`
    /// (what `cargo ptx --backend-config` runs): `cargo build --lib
    /// --release` with this backend's rustc, flags and environment, as the
    /// backend's own cargo driver would (cargo-oxide sets the same
    /// `RUSTC`, `CARGO_ENCODED_RUSTFLAGS` and dump variables). The package
    /// names its device crates in its own Cargo.toml, so neither the config's
    /// device dependencies nor the test prelude are added. The backend's
    /// dumps for `crate_name` then become the stages, and ptxas validates
    /// the PTX as for a single file.
    #[allow(clippy::too_many_arguments)]
    pub fn build_package(
        &self,
        cargo: &Path,
        manifest: &Path,
        cargo_args: &[String],
        crate_name: &str,
        sm: crate::SmTarget,
        out_dir: &Path,
        target_dir: &Path,
        timeout: Duration,
    ) -> Result<CompileOutput> {
        std::fs::create_dir_all(out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
        let out_dir = std::path::absolute(out_dir)?;
        let mut cmd = self.cargo_command(cargo, target_dir);
        cmd.args(["build", "--lib", "--release", "--manifest-path"])
            .arg(manifest)
            .args(cargo_args)
            .env("RUSTC_ICE", &out_dir);
        self.backend_env(&mut cmd, Some((sm, &out_dir)));
        let mut run = Run::new(timeout);
        let Some(out) = run.step("cargo", cmd)? else {
            return Ok(run.conclude());
        };
        run.diagnostics = out.stderr.clone();
        for (name, src) in &self.config.stages {
            if let (Some(f), Ok(Ok(stage))) = (&src.file, config_stage(name)) {
                run.add_stage(stage, f.find(&out_dir, crate_name));
            }
        }
        if !out.status.success() {
            return Ok(run.finish(CompileStatus::RustcFailed {
                exit_code: out.status.code,
            }));
        }
        if let Some(ptxas) = &self.ptxas {
            let Some(ptx) = run.stages.get(&Stage::Ptx).cloned() else {
                let message = format!(
                    "cargo succeeded, but the backend wrote no PTX for `{crate_name}` in {}",
                    out_dir.display()
                );
                return Ok(run.finish(CompileStatus::ToolFailed {
                    step: "cargo".into(),
                    message,
                }));
            };
            if !ptxas_step(&mut run, ptxas, sm, &ptx, &out_dir, crate_name, None, None)? {
                return Ok(run.conclude());
            }
        }
        Ok(run.finish(CompileStatus::Succeeded))
    }
}

/// Cuts the section that starts after a banner line and ends before the next banner.
pub fn stderr_section(stderr: &str, banner: &Regex, end: &Regex) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|l| banner.is_match(l))?;
    let body: Vec<&str> = lines.take_while(|l| !end.is_match(l)).collect();
    Some(body.join("\n") + "\n")
}

/// Whether a rustc that exited with 101 crashed (an ICE: rustc's panic hook
/// says so on stderr and writes `rustc-ice-*.txt` into `RUSTC_ICE`'s folder)
/// rather than reported a user error by panicking.
fn is_ice(stderr: &str, ice_dir: &Path) -> bool {
    let file = std::fs::read_dir(ice_dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("rustc-ice-"));
    file || stderr.contains("internal compiler error")
        || stderr.contains("the compiler unexpectedly panicked")
}

impl Backend for ExternalBackend {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn identity(&self) -> String {
        self.identity.clone()
    }

    fn custom_stages(&self) -> Vec<String> {
        self.config
            .stages
            .keys()
            .filter(|n| n.parse::<Stage>().is_err())
            .cloned()
            .collect()
    }

    fn gated_stages(&self) -> Vec<String> {
        self.config
            .stages
            .iter()
            .filter(|(_, s)| !s.env.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn versions(&self) -> BTreeMap<String, String> {
        let mut v = BTreeMap::new();
        v.insert("codegen-backend".into(), self.library.display().to_string());
        let mut cmd = Command::new(&self.rustc);
        cmd.arg("-V");
        // Bounded, like every compile step: a hanging rustc must not hang the run.
        if let Ok(out) = crate::process::run_with_timeout(cmd, Duration::from_secs(60)) {
            if out.success() {
                v.insert("rustc".into(), out.stdout.trim().to_string());
            }
        }
        if let Some(p) = &self.prelude {
            v.insert("prelude".into(), format!("{} {}", p.dialect(), p.hash));
        }
        if let Some(p) = self
            .ptxas
            .as_deref()
            .and_then(crate::toolchain::ptxas_version_of)
        {
            v.insert("ptxas".into(), p);
        }
        // The .so cannot say which source it was built from; whoever built
        // it can (backends/cuda-oxide/run-suite.sh sets it from the checkout).
        if let Some(commit) = std::env::var("PTX_BACKEND_COMMIT")
            .ok()
            .filter(|c| !c.trim().is_empty())
        {
            v.insert("backend-commit".into(), commit.trim().to_string());
        }
        v
    }

    fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
        std::fs::create_dir_all(&req.out_dir)
            .with_context(|| format!("cannot create {}", req.out_dir.display()))?;
        // rustc runs inside the output folder (so a relative path in a
        // flag, and an ICE report, never depend on the caller's folder), so
        // every path it gets is absolute.
        let out_dir = std::path::absolute(&req.out_dir)?;
        let source = std::path::absolute(&req.source)?;
        let prelude = self.built_prelude(req)?;
        let mut cmd = Command::new(&self.rustc);
        cmd.current_dir(&out_dir).env("RUSTC_ICE", &out_dir);
        cmd.arg(&source)
            .args(["--crate-name", &req.crate_name])
            .args(["--crate-type", &self.config.crate_type])
            .args(edition_args(&self.config.edition, &req.flags))
            .args(self.backend_flags())
            .arg("--out-dir")
            .arg(&out_dir);
        for d in &self.deps {
            cmd.args(d.rustc_args());
        }
        if let Some(p) = &prelude {
            cmd.args(p.rustc_args()).args(prelude::sm_cfgs(req.sm));
        }
        if req.json_diagnostics {
            cmd.arg("--error-format=json");
        }
        for cfg in &req.cfgs {
            cmd.args(["--cfg", cfg]);
        }
        cmd.args(&req.flags);
        self.backend_env(&mut cmd, Some((req.sm, &out_dir)));
        let asked: BTreeSet<&str> = req.stages.iter().map(String::as_str).collect();
        for (name, src) in &self.config.stages {
            if asked.contains(name.as_str()) {
                cmd.envs(&src.env);
            }
        }
        // The disassembler is looked for first: a missing one is a setup error.
        let nvdisasm = if req.sass {
            if !self.config.stages.contains_key("sass") {
                bail!(
                    "the `sass` stage was asked for, but the backend config `{}` has no \
                     [stages.sass]; add an empty `[stages.sass]` table to disassemble ptxas's cubin",
                    self.config.name
                );
            }
            Some(find_nvdisasm().map_err(|e| anyhow::anyhow!("{e}"))?)
        } else {
            None
        };
        let mut run = Run::new(req.timeout);
        let Some(out) = run.step("rustc", cmd)? else {
            return Ok(run.conclude());
        };
        run.diagnostics = out.stderr.clone();
        let default_end = Regex::new(r"^=== .* ===$").unwrap();
        for (name, src) in &self.config.stages {
            let stage = config_stage(name)?;
            if stage == Ok(Stage::Sass) {
                continue;
            }
            let path = if let Some(f) = &src.file {
                f.find(&out_dir, &req.crate_name)
            } else if let Some(b) = &src.stderr_banner {
                let banner = Regex::new(b)?;
                let end = match &src.section_end {
                    Some(e) => Regex::new(e)?,
                    None => default_end.clone(),
                };
                let Some(text) = stderr_section(&run.diagnostics, &banner, &end) else {
                    continue;
                };
                let p = out_dir.join(format!("{}.{name}.stderr-section", req.crate_name));
                std::fs::write(&p, text)?;
                p
            } else {
                continue;
            };
            match stage {
                Ok(stage) => run.add_stage(stage, path),
                Err(custom) => {
                    if path.is_file() {
                        run.custom_stages.insert(custom, path);
                    }
                }
            }
        }
        if !out.status.success() {
            let mut exit_code = out.status.code;
            if self.config.user_errors_panic
                && exit_code == Some(101)
                && !is_ice(&run.diagnostics, &out_dir)
            {
                // A user error reported by a panic: the crate is wrong, the
                // compiler did not crash. Recorded as rustc's error exit.
                exit_code = Some(1);
            }
            return Ok(run.finish(CompileStatus::RustcFailed { exit_code }));
        }
        if req.front_end_only {
            // `check-pass`: the codegen backend runs inside rustc, but
            // ptxas, the one step after it, does not.
            return Ok(run.finish(CompileStatus::Succeeded));
        }
        if let (Some(ptxas), Some(ptx)) = (&self.ptxas, run.stages.get(&Stage::Ptx).cloned()) {
            if !ptxas_step(
                &mut run,
                ptxas,
                req.sm,
                &ptx,
                &out_dir,
                &req.crate_name,
                nvdisasm.as_deref(),
                crate::pipeline::requested_opt_level(&req.flags),
            )? {
                return Ok(run.conclude());
            }
        }
        Ok(run.finish(CompileStatus::Succeeded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::external::test_support::{backend, calls, compile, fake_rustc};

    #[test]
    fn cuts_stderr_sections_at_banners() {
        let err = "noise\n=== Rustc MIR (before translation) ===\nfn k() {\n}\n=== LLVM dialect (pre-verify) ===\nllvm stuff\n";
        let banner = Regex::new(r"^=== Rustc MIR").unwrap();
        let end = Regex::new(r"^=== .* ===$").unwrap();
        assert_eq!(stderr_section(err, &banner, &end).unwrap(), "fn k() {\n}\n");
        let llvm = Regex::new(r"^=== LLVM dialect").unwrap();
        assert_eq!(stderr_section(err, &llvm, &end).unwrap(), "llvm stuff\n");
        assert!(stderr_section(err, &Regex::new("^nothing").unwrap(), &end).is_none());
    }

    /// A stand-in "rustc" that behaves like cuda-oxide's: it reads the env
    /// variables, writes `<crate>.ptx` and prints banner sections on stderr.
    #[test]
    fn compiles_through_a_fake_codegen_backend() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(
            d,
            "echo '=== Rustc MIR (before translation) ===' >&2\necho \"mir for $FAKE_TARGET\" >&2\n\
             echo '=== done ===' >&2\nprintf '.version 7.8\\n.target %s\\n.address_size 64\\n' \"$FAKE_TARGET\" > \"$FAKE_DIR/k.ptx\"",
        );
        let be = backend(
            d,
            &rustc,
            "sm_env = 'FAKE_TARGET'\nout_dir_env = 'FAKE_DIR'\n\
             [stages.ptx]\nfile = '{crate}.ptx'\n[stages.mir]\nstderr_banner = '^=== Rustc MIR'\n",
        )
        .unwrap();
        assert_eq!(be.library(), d.join("libfake.so"));
        let out = compile(&be, d, "sm_90", &[]);
        assert_eq!(out.status, CompileStatus::Succeeded);
        let ptx = out.read_stage(Stage::Ptx).unwrap().unwrap();
        assert!(ptx.contains(".target sm_90"), "{ptx}");
        assert_eq!(
            out.read_stage(Stage::Mir).unwrap().unwrap(),
            "mir for sm_90\n"
        );
        assert!(out.read_stage(Stage::LlvmIr).is_none());
    }

    /// A stage's `file` may list candidates: the first that exists is the
    /// stage (cuda-oxide's `.linked.opt.ll` when it linked libdevice), and an
    /// empty list is a config error.
    #[test]
    fn a_stage_file_may_list_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let stages = "out_dir_env = 'FAKE_DIR'\n[stages.ptx]\nfile = '{crate}.ptx'\n\
                      [stages.llvm-ir-opt]\nfile = ['{crate}.linked.opt.ll', '{crate}.opt.ll']\n";
        let rustc = fake_rustc(
            d,
            "echo plain > \"$FAKE_DIR/k.opt.ll\"; echo '.version 7.8' > \"$FAKE_DIR/k.ptx\"",
        );
        let be = backend(d, &rustc, stages).unwrap();
        let out = compile(&be, d, "sm_80", &[]);
        assert_eq!(
            out.read_stage(Stage::LlvmIrOpt).unwrap().unwrap(),
            "plain\n"
        );
        let rustc = fake_rustc(
            d,
            "echo plain > \"$FAKE_DIR/k.opt.ll\"; echo linked > \"$FAKE_DIR/k.linked.opt.ll\"",
        );
        let be = backend(d, &rustc, stages).unwrap();
        let out = compile(&be, d, "sm_90", &[]);
        assert_eq!(
            out.read_stage(Stage::LlvmIrOpt).unwrap().unwrap(),
            "linked\n"
        );
        let err = backend(d, &rustc, "[stages.ptx]\nfile = []\n").unwrap_err();
        assert!(format!("{err:#}").contains("lists no file name"), "{err:#}");
    }

    /// rustc runs in the output folder with `RUSTC_ICE` pointing there, and
    /// gets the source by its absolute path.
    #[test]
    fn rustc_runs_in_the_output_folder_with_ice_reports_there() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        let be = backend(d, &rustc, "").unwrap();
        compile(&be, d, "sm_80", &[]);
        let (head, args) = calls(d).pop().unwrap();
        let out = std::fs::canonicalize(d.join("out-sm_80")).unwrap();
        let (cwd, ice) = head.split_once(" ICE=").unwrap();
        assert_eq!(std::fs::canonicalize(cwd).unwrap(), out, "{head}");
        assert_eq!(std::fs::canonicalize(ice).unwrap(), out, "{head}");
        assert!(Path::new(&args[0]).is_absolute(), "{args:?}");
        assert!(args[0].ends_with("k.rs"), "{args:?}");
    }

    /// The backend's rustc is the first `rustc` on the compile's `PATH`, so a
    /// backend that runs `rustc --print sysroot` itself finds its own
    /// toolchain (regression: cuda-oxide found the llc of whichever toolchain
    /// the working folder selected).
    #[test]
    fn the_backends_rustc_is_first_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let seen = d.join("path-seen");
        let rustc = fake_rustc(d, &format!("command -v rustc > '{}'", seen.display()));
        std::fs::copy(&rustc, d.join("rustc")).unwrap();
        let be = backend(d, &rustc, "").unwrap();
        compile(&be, d, "sm_80", &[]);
        let found = std::fs::read_to_string(&seen).unwrap();
        assert_eq!(Path::new(found.trim()), d.join("rustc"), "{found}");
    }

    /// `path_env` values are paths taken from the config's folder (rustc
    /// runs elsewhere), with `~` expanded; `env` values are passed as is.
    #[test]
    fn path_env_values_are_resolved_from_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let seen = d.join("env-seen");
        let rustc = fake_rustc(d, &format!("echo \"$LIB|$RAW\" > '{}'", seen.display()));
        let be = backend(
            d,
            &rustc,
            "env = { RAW = 'x/y' }\npath_env = { LIB = 'tools/libdevice.bc' }",
        )
        .unwrap();
        compile(&be, d, "sm_80", &[]);
        let found = std::fs::read_to_string(&seen).unwrap();
        let (lib, raw) = found.trim().split_once('|').unwrap();
        assert_eq!(
            Path::new(lib),
            std::path::absolute(d).unwrap().join("tools/libdevice.bc")
        );
        assert_eq!(raw, "x/y");
    }

    /// The edition comes from the config (default 2021); a test's own
    /// `--edition` replaces it instead of being passed twice.
    #[test]
    fn the_edition_comes_from_the_config_unless_the_test_names_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        let editions = |args: &[String]| -> Vec<String> {
            args.iter()
                .enumerate()
                .filter(|(_, a)| a.starts_with("--edition"))
                .map(|(i, a)| match a.as_str() {
                    "--edition" => args[i + 1].clone(),
                    _ => a.trim_start_matches("--edition=").to_string(),
                })
                .collect()
        };
        let be = backend(d, &rustc, "").unwrap();
        compile(&be, d, "sm_80", &[]);
        assert_eq!(editions(&calls(d).pop().unwrap().1), ["2021"]);
        let be = backend(d, &rustc, "edition = '2024'").unwrap();
        compile(&be, d, "sm_80", &[]);
        assert_eq!(editions(&calls(d).pop().unwrap().1), ["2024"]);
        compile(&be, d, "sm_80", &["--edition=2018"]);
        assert_eq!(editions(&calls(d).pop().unwrap().1), ["2018"]);
        compile(&be, d, "sm_80", &["--edition", "2015"]);
        assert_eq!(editions(&calls(d).pop().unwrap().1), ["2015"]);
    }

    /// `prelude = …` builds crate `gpu` with the backend's rustc (per sm
    /// when `sm_env` is set) and gives every compile `--cfg gpu_device
    /// --extern gpu=…`; the prelude's source is part of the identity.
    #[test]
    fn the_prelude_is_built_per_sm_and_passed_to_every_compile() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // The prelude build writes libgpu.rlib in its folder (its cwd).
        let rustc = fake_rustc(
            d,
            "case \" $* \" in *' --crate-name gpu '*) echo \"$FAKE_TARGET\" > libgpu.rlib;; esac",
        );
        std::fs::create_dir_all(d.join("prelude")).unwrap();
        std::fs::write(d.join("prelude/lib.rs"), "// v1\n").unwrap();
        let extra = "prelude = 'prelude/lib.rs'\nsm_env = 'FAKE_TARGET'\n";
        let be = backend(d, &rustc, extra).unwrap();
        compile(&be, d, "sm_80", &[]);
        compile(&be, d, "sm_80", &[]);
        compile(&be, d, "sm_90", &[]);
        let all = calls(d);
        let (preludes, compiles): (Vec<_>, Vec<_>) = all.iter().partition(|(_, a)| {
            a.windows(2)
                .any(|w| w[0] == "--crate-name" && w[1] == "gpu")
        });
        assert_eq!(preludes.len(), 2, "one build per sm: {all:?}");
        assert_eq!(compiles.len(), 3);
        for (_, args) in &compiles {
            assert!(
                args.windows(2)
                    .any(|w| w[0] == "--cfg" && w[1] == "gpu_device"),
                "{args:?}"
            );
            let gpu = args
                .iter()
                .find_map(|a| a.strip_prefix("gpu="))
                .expect("--extern gpu=");
            assert!(Path::new(gpu).is_file(), "{gpu}");
        }
        let first = be.identity();
        std::fs::write(d.join("prelude/lib.rs"), "// v2\n").unwrap();
        assert_ne!(backend(d, &rustc, extra).unwrap().identity(), first);
    }

    /// Stages the harness does not know come from the config; a stage's
    /// `env` is set only when that stage is asked for.
    #[test]
    fn custom_stages_and_per_stage_environment() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(
            d,
            "[ \"$SHOW_MIR\" = 1 ] && { echo '=== Rustc MIR ===' >&2; echo 'fn k()' >&2; }\n\
             echo '=== dialect-mir module ===' >&2; echo 'dialect' >&2; echo '=== end ===' >&2; exit 0",
        );
        let be = backend(
            d,
            &rustc,
            "[stages.mir]\nstderr_banner = '^=== Rustc MIR'\nenv = { SHOW_MIR = '1' }\n\
             [stages.dialect-mir]\nstderr_banner = '^=== dialect-mir module'\n",
        )
        .unwrap();
        assert_eq!(be.custom_stages(), ["dialect-mir"]);
        assert_eq!(be.gated_stages(), ["mir"]);
        let out = compile(&be, d, "sm_80", &[]);
        assert!(out.read_stage(Stage::Mir).is_none(), "not asked for");
        assert_eq!(
            std::fs::read_to_string(out.stage_path("dialect-mir").unwrap()).unwrap(),
            "dialect\n"
        );
        let src = d.join("k.rs");
        let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), d.join("o2"));
        req.stages = vec!["mir".into()];
        let out = be.compile(&req).unwrap();
        assert_eq!(out.read_stage(Stage::Mir).unwrap().unwrap(), "fn k()\n");
        // A near miss of a built-in stage is still a typo.
        let e = backend(d, &rustc, "[stages.ptxx]\nfile = 'a'\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown stage `ptxx`; did you mean `ptx`?"),
            "{e}"
        );
        let e = backend(d, &rustc, "[stages.stderr]\nfile = 'a'\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not `stderr`"), "{e}");
    }

    /// With `user_errors_panic`, exit 101 without an ICE report is a compile
    /// error; a real ICE (or any 101 without the key) stays a crash.
    #[test]
    fn user_errors_reported_by_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let user = fake_rustc(
            d,
            "echo \"thread 'rustc' panicked: kernel takes a reference\" >&2; exit 101",
        );
        let status = |extra: &str| {
            let be = backend(d, &user, extra).unwrap();
            compile(&be, d, "sm_80", &[]).status
        };
        assert_eq!(
            status(""),
            CompileStatus::RustcFailed {
                exit_code: Some(101)
            }
        );
        assert_eq!(
            status("user_errors_panic = true"),
            CompileStatus::RustcFailed { exit_code: Some(1) }
        );
        let ice = fake_rustc(
            d,
            "echo 'error: internal compiler error: unexpected type' >&2; exit 101",
        );
        let be = backend(d, &ice, "user_errors_panic = true").unwrap();
        assert_eq!(
            compile(&be, d, "sm_80", &[]).status,
            CompileStatus::RustcFailed {
                exit_code: Some(101)
            }
        );
        // An ICE file in RUSTC_ICE's folder marks a crash too.
        let ice_file = fake_rustc(d, "echo x > \"$RUSTC_ICE/rustc-ice-1.txt\"; exit 101");
        let be = backend(d, &ice_file, "user_errors_panic = true").unwrap();
        assert_eq!(
            compile(&be, d, "sm_80", &[]).status,
            CompileStatus::RustcFailed {
                exit_code: Some(101)
            }
        );
    }

    /// `ptxc --opt-level` and `--no-ptxas` on an external backend.
    #[test]
    fn opt_level_replaces_the_configs_and_validation_can_be_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        let be = backend(
            d,
            &rustc,
            "rustc_flags = ['-Copt-level=3', '-Zalways-encode-mir', '-C', 'opt-level=2']",
        )
        .unwrap();
        let id = be.identity();
        let be = be.with_opt_level(1);
        assert_ne!(be.identity(), id);
        compile(&be, d, "sm_80", &[]);
        let args = calls(d).pop().unwrap().1;
        let opt: Vec<&String> = args.iter().filter(|a| a.contains("opt-level")).collect();
        assert_eq!(opt, ["-Copt-level=1"], "{args:?}");
        assert!(args.contains(&"-Zalways-encode-mir".to_string()));
        let be = be.without_ptxas();
        assert!(be.ptxas.is_none());
        assert!(be.identity().contains("validate: false"));
    }

    /// The same ptxas and nvdisasm serve an external backend's PTX.
    #[test]
    fn an_external_backend_gets_sass_from_ptxas_cubin() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("libfake.so"), "").unwrap();
        let rustc = fake_rustc(
            d,
            "printf '.version 8.0\\n.target %s\\n.address_size 64\\n             .visible .entry k(.param .u64 p)\\n{\\n.reg .b32 %%r<2>;\\n.reg .b64 %%rd<3>;\\n             ld.param.u64 %%rd1, [p];\\ncvta.to.global.u64 %%rd2, %%rd1;\\nmov.u32 %%r1, %%tid.x;\\n             st.global.u32 [%%rd2], %%r1;\\nret;\\n}\\n' \"$FAKE_TARGET\" > \"$FAKE_DIR/k.ptx\"",
        );
        let config = |sass: &str| {
            format!(
                "name = \"fake\"\nrustc = \"{}\"\nsm_env = \"FAKE_TARGET\"\nout_dir_env = \"FAKE_DIR\"\n                 [codegen_backend]\nfile_name = \"libfake.so\"\npath = \"libfake.so\"\n                 [stages.ptx]\nfile = \"{{crate}}.ptx\"\n{sass}",
                rustc.display()
            )
        };
        let src = d.join("k.rs");
        std::fs::write(&src, "").unwrap();
        let cfg_path = d.join("with-sass.toml");
        std::fs::write(&cfg_path, config("[stages.sass]\n")).unwrap();
        let be =
            ExternalBackend::from_config_file(&cfg_path).expect("ptxas installed (./setup.sh)");
        let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), d.join("o"));
        req.sass = true;
        let out = be.compile(&req).expect("nvdisasm installed (./setup.sh)");
        assert_eq!(out.status, CompileStatus::Succeeded, "{:?}", out.status);
        let sass = out.read_stage(Stage::Sass).unwrap().unwrap();
        assert!(sass.starts_with(".entry k\n"), "{sass}");
        assert!(sass.contains("S2R R") && sass.contains("EXIT ;"), "{sass}");
        let k = out.kernels.iter().find(|k| k.name == "k").unwrap();
        assert!(k.sass_instructions.unwrap() > 2, "{k:?}");
        // Without [stages.sass] a sass request is a clear error.
        let cfg_path = d.join("no-sass.toml");
        std::fs::write(&cfg_path, config("")).unwrap();
        let be = ExternalBackend::from_config_file(&cfg_path).unwrap();
        req.out_dir = d.join("o2");
        let e = be.compile(&req).unwrap_err().to_string();
        assert!(e.contains("has no [stages.sass]"), "{e}");
    }
}

//! External backends: a `-Zcodegen-backend=<lib>.so` (such as NVIDIA's
//! cuda-oxide) driven by its own rustc, with its stage dumps collected from
//! files in its output folder or from banner-delimited sections of stderr.
//!
//! The `.so` is found the way cargo-oxide finds its backend: an environment
//! variable, then a project config (`.cargo/cuda-oxide.toml`'s `backend`),
//! then a local build, then the user cache (`$CARGO_HOME/<name>/`). At
//! construction the backend checks once that the `.so` loads into the
//! chosen rustc, builds its device dependencies, and (per compile, once per
//! key) its device prelude.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;

use crate::backend::{Backend, CompileRequest};
use crate::pipeline::{edition_args, ptxas_step, shell_line, Run, DEFAULT_EDITION};
use crate::prelude::{self, BuiltPrelude, PreludeCache, PreludeSource};
use crate::stage::{CompileOutput, CompileStatus, Stage};
use crate::toolchain::{find_nvdisasm, find_ptxas, Toolchain};

/// The TOML description of an external backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalConfig {
    /// A short name for reports.
    pub name: String,
    /// How to find the codegen backend library.
    pub codegen_backend: LibrarySearch,
    /// The rustc to run (a path; default: the pinned toolchain's).
    #[serde(default)]
    pub rustc: Option<PathBuf>,
    /// Or a rustup toolchain whose rustc runs it (`nightly-2026-04-03`).
    #[serde(default)]
    pub toolchain: Option<String>,
    /// rustc flags besides `-Zcodegen-backend`.
    #[serde(default)]
    pub rustc_flags: Vec<String>,
    /// The crate type to build (default `lib`).
    #[serde(default = "default_crate_type")]
    pub crate_type: String,
    /// The edition tests compile in unless their `compile-flags` name one.
    #[serde(default = "default_edition")]
    pub edition: String,
    /// The environment variable that receives the sm target (`sm_90`).
    #[serde(default)]
    pub sm_env: Option<String>,
    /// The environment variable that receives the output folder.
    #[serde(default)]
    pub out_dir_env: Option<String>,
    /// Extra environment (e.g. `CUDA_OXIDE_VERBOSE = "1"`), passed as is.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Extra environment whose values are paths: `~` is expanded and a
    /// relative one is taken from the config file's folder, as for every
    /// other path of the config (rustc runs in the output folder, so a
    /// relative path in `env` would not name the same file).
    #[serde(default)]
    pub path_env: BTreeMap<String, PathBuf>,
    /// Where each stage comes from, keyed by stage name.
    #[serde(default)]
    pub stages: BTreeMap<String, StageSource>,
    /// Run ptxas on the PTX stage (default true).
    #[serde(default = "yes")]
    pub validate: bool,
    /// The backend reports user errors by panicking: an exit code of 101
    /// with no ICE report is a compile error, not a compiler crash.
    #[serde(default)]
    pub user_errors_panic: bool,
    /// Crates every test may use (`--extern name=…`).
    #[serde(default)]
    pub device_deps: Vec<DeviceDep>,
    /// The backend's implementation of the device prelude (crate `gpu`).
    #[serde(default)]
    pub prelude: Option<PathBuf>,
}

fn default_crate_type() -> String {
    "lib".into()
}

fn default_edition() -> String {
    DEFAULT_EDITION.into()
}

fn yes() -> bool {
    true
}

/// Where the codegen backend library may be.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibrarySearch {
    /// The library's file name, e.g. `librustc_codegen_cuda.so`.
    pub file_name: String,
    /// 1. This environment variable, holding a path.
    #[serde(default)]
    pub env_var: Option<String>,
    /// 2. An explicit path (relative to the config file).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// 3. A cargo-oxide project config (`…/.cargo/cuda-oxide.toml`) whose
    ///    `backend` key names the library, relative to its folder. Default:
    ///    `.cargo/<name>.toml` in the config file's folder or one above it.
    #[serde(default)]
    pub project_config: Option<PathBuf>,
    /// 4. Local build folders (relative to the config file), e.g. `target/release`.
    #[serde(default)]
    pub local_build: Vec<PathBuf>,
    /// 5. The user cache folder (default `$CARGO_HOME/<name>`, or `~/.cargo/<name>`).
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

/// One stage's source. `[stages.sass]` names neither: the SASS always comes
/// from disassembling the cubin that ptxas writes for the backend's PTX.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSource {
    /// A file in the output folder; `{crate}` is replaced by the crate name.
    /// A list names the places a backend may write it, the first that
    /// exists wins (cuda-oxide writes `{crate}.linked.opt.ll` instead of
    /// `{crate}.opt.ll` when it links libdevice).
    #[serde(default)]
    pub file: Option<FileNames>,
    /// A regex for the stderr banner line that starts the section.
    #[serde(default)]
    pub stderr_banner: Option<String>,
    /// A regex for the line that ends a stderr section (default: any `=== … ===` banner).
    #[serde(default)]
    pub section_end: Option<String>,
    /// Environment set only when this stage is asked for (the variable that
    /// makes the backend print it).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// One file name or several candidates, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileNames {
    /// `file = "{crate}.ptx"`
    One(String),
    /// `file = ["{crate}.linked.opt.ll", "{crate}.opt.ll"]`
    Many(Vec<String>),
}

impl FileNames {
    /// The first candidate that exists in `dir`, else the first (so a
    /// missing dump names the file that was expected).
    fn find(&self, dir: &Path, crate_name: &str) -> PathBuf {
        let names: &[String] = match self {
            FileNames::One(n) => std::slice::from_ref(n),
            FileNames::Many(v) => v,
        };
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|n| dir.join(n.replace("{crate}", crate_name)))
            .collect();
        paths
            .iter()
            .find(|p| p.is_file())
            .or(paths.first())
            .cloned()
            .unwrap_or_else(|| dir.join(crate_name))
    }
}

/// One line of `ldd`'s output: the library file it resolves to (`libfoo.so.1
/// => /usr/lib/libfoo.so.1 (0x…)`, `/lib64/ld-linux… (0x…)`), or the line
/// without its load address (`linux-vdso.so.1 (0x…)`, `libbar.so => not
/// found`). The address changes on every run (ASLR), so it must not reach
/// the identity: with it, no compile of an external backend was ever reused.
fn ldd_target(line: &str) -> Result<&str, String> {
    let target = line
        .split_once("=>")
        .map_or(line, |(_, t)| t)
        .split_whitespace()
        .next()
        .unwrap_or("");
    if target.starts_with('/') {
        return Ok(target);
    }
    let without_address = match line.trim().rsplit_once(" (0x") {
        Some((head, tail)) if tail.ends_with(')') => head,
        _ => line.trim(),
    };
    Err(without_address.to_string())
}

/// A crate that tests may use: prebuilt, or built from a cargo manifest with
/// the backend's own rustc and flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceDep {
    /// The crate name tests use (`cuda_device`).
    pub name: String,
    /// A prebuilt rlib (relative to the config file).
    #[serde(default)]
    pub rlib: Option<PathBuf>,
    /// Where the prebuilt rlib's own dependencies are (`-L dependency=`).
    #[serde(default)]
    pub deps_dir: Option<PathBuf>,
    /// Or a `Cargo.toml` to build with `cargo build --release`.
    #[serde(default)]
    pub manifest: Option<PathBuf>,
    /// The package to build from `manifest` (`-p`), if not its only one.
    #[serde(default)]
    pub package: Option<String>,
}

/// A device dependency ready for `--extern`.
#[derive(Debug, Clone)]
struct ResolvedDep {
    name: String,
    rlib: PathBuf,
    dep_dirs: Vec<PathBuf>,
}

impl ResolvedDep {
    fn rustc_args(&self) -> Vec<OsString> {
        let mut ext = OsString::from(format!("{}=", self.name));
        ext.push(&self.rlib);
        let mut args = vec!["--extern".into(), ext];
        for d in &self.dep_dirs {
            let mut dep = OsString::from("dependency=");
            dep.push(d);
            args.push("-L".into());
            args.push(dep);
        }
        args
    }
}

/// `~` and `~/…` become the home folder; a relative path is taken from `base`.
pub fn resolve_path(p: &Path, base: &Path) -> PathBuf {
    resolve_path_with(p, base, std::env::var_os("HOME").map(PathBuf::from))
}

fn resolve_path_with(p: &Path, base: &Path, home: Option<PathBuf>) -> PathBuf {
    let text = p.to_string_lossy();
    let expanded = match (text.as_ref(), home) {
        ("~", Some(h)) => h,
        (t, Some(h)) if t.starts_with("~/") => h.join(&t[2..]),
        _ => p.to_path_buf(),
    };
    base.join(expanded)
}

/// A device dependency's path. `$NAME` or `${NAME}` at its start is taken
/// from `env` (where the user's own build of the backend is); the rest is
/// as for [`resolve_path`]. `Err` names a variable that is not set.
fn dep_path(
    p: &Path,
    base: &Path,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<PathBuf, String> {
    let text = p.to_string_lossy();
    let Some(rest) = text.strip_prefix('$') else {
        return Ok(resolve_path(p, base));
    };
    let (name, tail) = match rest.strip_prefix('{') {
        Some(r) => r.split_once('}').unwrap_or((r, "")),
        None => rest.split_at(rest.find('/').unwrap_or(rest.len())),
    };
    let value = env(name).ok_or_else(|| name.to_string())?;
    let tail = tail.trim_start_matches('/');
    let path = PathBuf::from(value);
    Ok(if tail.is_empty() {
        path
    } else {
        path.join(tail)
    })
}

fn unset_var(dep: &str, key: &str, var: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "[[device_deps]] `{dep}`: `{key}` is taken from ${var}, which is not set; \
         point it at your build of the backend (its `{key}`)"
    )
}

/// A found library, or every place that was tried.
pub fn find_library(search: &LibrarySearch, base: &Path, name: &str) -> Result<PathBuf, String> {
    find_library_with(search, base, name, &|k| {
        std::env::var_os(k).map(PathBuf::from)
    })
}

fn find_library_with(
    search: &LibrarySearch,
    base: &Path,
    name: &str,
    env: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<PathBuf, String> {
    let home = env("HOME");
    let resolve = |p: &Path, base: &Path| resolve_path_with(p, base, home.clone());
    let mut misses = Vec::new();
    // 1. The environment variable.
    if let Some(var) = &search.env_var {
        match env(var) {
            Some(p) => {
                let p = resolve(&p, Path::new(""));
                if p.is_file() {
                    return Ok(p);
                }
                misses.push(format!("${var} = {} is not a file", p.display()));
            }
            None => misses.push(format!("${var} is not set")),
        }
    }
    // 2. The harness config's own `path`.
    if let Some(p) = &search.path {
        let p = resolve(p, base);
        if p.is_file() {
            return Ok(p);
        }
        misses.push(format!("config `path` {} does not exist", p.display()));
    }
    // 3. The project config (cargo-oxide's `.cargo/cuda-oxide.toml`).
    let project = match &search.project_config {
        Some(p) => Some(resolve(p, base)),
        None => base
            .ancestors()
            .take(2)
            .map(|d| d.join(".cargo").join(format!("{name}.toml")))
            .find(|p| p.is_file()),
    };
    match &project {
        Some(cfg) => match project_backend(cfg) {
            Ok(Some(p)) if p.is_file() => return Ok(p),
            Ok(Some(p)) => misses.push(format!(
                "{} names `backend = {}`, which does not exist",
                cfg.display(),
                p.display()
            )),
            Ok(None) => misses.push(format!("{} has no `backend` key", cfg.display())),
            Err(e) => misses.push(e),
        },
        None => misses.push(format!(
            "no project config {}",
            base.join(".cargo").join(format!("{name}.toml")).display()
        )),
    }
    // 4. Local builds.
    for dir in &search.local_build {
        let p = resolve(dir, base).join(&search.file_name);
        if p.is_file() {
            return Ok(p);
        }
        misses.push(format!("no local build at {}", p.display()));
    }
    // 5. The user cache: `$CARGO_HOME/<name>/`, as cargo-oxide keeps it.
    let cache = match &search.cache_dir {
        Some(d) => resolve(d, base),
        None => env("CARGO_HOME")
            .or_else(|| home.clone().map(|h| h.join(".cargo")))
            .unwrap_or_else(|| PathBuf::from(".cargo"))
            .join(name),
    };
    let p = cache.join(&search.file_name);
    if p.is_file() {
        return Ok(p);
    }
    misses.push(format!("not in the user cache {}", p.display()));
    Err(format!(
        "codegen backend `{}` for `{name}` not found; tried, in order:\n  - {}\nbuild it, or point ${} at it",
        search.file_name,
        misses.join("\n  - "),
        search.env_var.as_deref().unwrap_or("<env_var>")
    ))
}

/// The `backend` of a cargo-oxide project config, resolved from its folder.
fn project_backend(cfg: &Path) -> Result<Option<PathBuf>, String> {
    let text = std::fs::read_to_string(cfg)
        .map_err(|e| format!("cannot read the project config {}: {e}", cfg.display()))?;
    let value: toml::Value = toml::from_str(&text)
        .map_err(|e| format!("cannot parse the project config {}: {e}", cfg.display()))?;
    match value.get("backend") {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(resolve_path(
            Path::new(s),
            cfg.parent().unwrap_or(Path::new(".")),
        ))),
        Some(_) => Err(format!(
            "{}: `backend` must be a string (a path)",
            cfg.display()
        )),
    }
}

/// The rustc of a rustup toolchain: `rustup which rustc --toolchain X`, else
/// `<rustup run X rustc --print sysroot>/bin/rustc`.
pub fn toolchain_rustc(rustup: &Path, toolchain: &str) -> Result<PathBuf> {
    let run = |args: &[&str]| -> Result<String, String> {
        let mut cmd = Command::new(rustup);
        cmd.args(args);
        match crate::process::run_with_timeout(cmd, Duration::from_secs(60)) {
            Ok(o) if o.success() => Ok(o.stdout.trim().to_string()),
            Ok(o) => Err(format!("{}: {}", o.describe(), o.stderr.trim())),
            Err(e) => Err(format!("cannot run {}: {e}", rustup.display())),
        }
    };
    let which = run(&["which", "rustc", "--toolchain", toolchain]);
    if let Ok(p) = &which {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
    }
    let sysroot = run(&["run", toolchain, "rustc", "--print", "sysroot"]);
    if let Ok(s) = &sysroot {
        let p = Path::new(s).join("bin/rustc");
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "cannot find the rustc of toolchain `{toolchain}`:\n  - `rustup which rustc --toolchain {toolchain}`: {}\n  \
         - `rustup run {toolchain} rustc --print sysroot`: {}\ninstall it with `rustup toolchain install {toolchain}`",
        which.unwrap_or_else(|e| e),
        sysroot.unwrap_or_else(|e| e)
    )
}

/// Edit distance, to tell a typo of a built-in stage from a new stage.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A stage name from a config: a built-in stage, or (`Err`) a custom one.
fn config_stage(name: &str) -> Result<Result<Stage, String>> {
    if let Ok(s) = name.parse::<Stage>() {
        return Ok(Ok(s));
    }
    if let Some(near) = Stage::ALL
        .iter()
        .find(|s| distance(name, s.name()) <= 1 || name == format!("{}s", s.name()))
    {
        bail!(
            "[stages.{name}]: unknown stage `{name}`; did you mean `{near}`? (a stage of the \
             backend's own needs a name that is not this close to a built-in one)"
        );
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name != "stderr"
        && name != "run";
    if !ok {
        bail!(
            "[stages.{name}]: a stage of the backend's own is named with lowercase letters, \
             digits, `-` and `_` (and is not `stderr` or `run`, which snapshots use)"
        );
    }
    Ok(Err(name.to_string()))
}

/// An external backend described by an [`ExternalConfig`].
#[derive(Debug, Clone)]
pub struct ExternalBackend {
    config: ExternalConfig,
    library: PathBuf,
    rustc: PathBuf,
    ptxas: Option<PathBuf>,
    deps: Vec<ResolvedDep>,
    prelude: Option<PreludeSource>,
    preludes: Arc<PreludeCache>,
    /// The config file's text, when read from a file.
    config_text: Option<String>,
    /// Everything the output depends on besides the request (see [`Backend::identity`]).
    identity: String,
}

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
        for (name, src) in &config.stages {
            let stage = config_stage(name)?;
            if stage == Ok(Stage::Sass) {
                if src.file.is_some() || src.stderr_banner.is_some() || src.section_end.is_some() {
                    bail!(
                        "[stages.sass] takes no `file` or `stderr_banner`: the SASS is disassembled \
                         from the cubin ptxas writes for the PTX stage; write just `[stages.sass]`"
                    );
                }
                if !config.validate {
                    bail!(
                        "[stages.sass] needs `validate = true`: the SASS comes from ptxas's cubin"
                    );
                }
                if !config.stages.contains_key("ptx") {
                    bail!("[stages.sass] needs a [stages.ptx] for ptxas to assemble");
                }
                continue;
            }
            if matches!(&src.file, Some(FileNames::Many(v)) if v.is_empty()) {
                bail!("[stages.{name}]: `file` lists no file name");
            }
            match (&src.file, &src.stderr_banner) {
                (Some(_), None) | (None, Some(_)) => {}
                _ => bail!("[stages.{name}] needs exactly one of `file` or `stderr_banner`"),
            }
            for re in [&src.stderr_banner, &src.section_end].into_iter().flatten() {
                Regex::new(re).with_context(|| format!("[stages.{name}]: invalid regex `{re}`"))?;
            }
        }
        for dep in &config.device_deps {
            match (&dep.rlib, &dep.manifest) {
                (Some(_), None) if dep.package.is_none() => {}
                (None, Some(_)) if dep.deps_dir.is_none() => {}
                _ => bail!(
                    "[[device_deps]] `{}` needs either `rlib` (and optionally `deps_dir`) or \
                     `manifest` (and optionally `package`)",
                    dep.name
                ),
            }
        }
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

    /// Device dependencies: prebuilt ones as they are, manifest ones built
    /// with cargo under the backend's rustc and flags.
    fn resolve_deps(&self, base: &Path) -> Result<Vec<ResolvedDep>> {
        let mut out = Vec::new();
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        for dep in &self.config.device_deps {
            if let Some(rlib) = &dep.rlib {
                let rlib =
                    dep_path(rlib, base, &env).map_err(|var| unset_var(&dep.name, "rlib", &var))?;
                if !rlib.is_file() {
                    bail!(
                        "[[device_deps]] `{}`: the rlib {} does not exist",
                        dep.name,
                        rlib.display()
                    );
                }
                let dir = match &dep.deps_dir {
                    Some(d) => dep_path(d, base, &env)
                        .map_err(|var| unset_var(&dep.name, "deps_dir", &var))?,
                    None => rlib.parent().unwrap_or(Path::new("/")).to_path_buf(),
                };
                out.push(ResolvedDep {
                    name: dep.name.clone(),
                    rlib,
                    dep_dirs: vec![dir],
                });
            } else if let Some(manifest) = &dep.manifest {
                out.push(self.build_dep(dep, &resolve_path(manifest, base))?);
            }
        }
        Ok(out)
    }

    /// `cargo build --release --message-format=json` of one device crate,
    /// in a target folder of its own per backend identity.
    fn build_dep(&self, dep: &DeviceDep, manifest: &Path) -> Result<ResolvedDep> {
        let key = prelude::key(&[
            "external-deps",
            &self.identity,
            &manifest.to_string_lossy(),
            dep.package.as_deref().unwrap_or(""),
        ]);
        let target = crate::toolchain::target_dir()
            .join("ptx-external-deps")
            .join(key);
        let cargo = self
            .rustc
            .parent()
            .map(|d| d.join("cargo"))
            .filter(|c| c.is_file())
            .or_else(|| std::env::var_os("CARGO").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("cargo"));
        let mut cmd = self.cargo_command(&cargo, &target);
        cmd.args(["build", "--release", "--message-format=json"])
            .arg("--manifest-path")
            .arg(manifest);
        if let Some(p) = &dep.package {
            cmd.args(["-p", p]);
        }
        self.backend_env(&mut cmd, None);
        let line = shell_line(&cmd);
        let out = crate::process::run_with_timeout(cmd, Duration::from_secs(1800))
            .with_context(|| format!("cannot build the device dependency `{}`", dep.name))?;
        if !out.success() {
            bail!(
                "the device dependency `{}` did not build ({}):\n{line}\n{}{}",
                dep.name,
                out.describe(),
                rendered_messages(&out.stdout),
                out.stderr
            );
        }
        let crate_name = dep.name.replace('-', "_");
        let mut rlibs = Vec::new();
        for l in out.stdout.lines() {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(l) else {
                continue;
            };
            if msg["reason"] != "compiler-artifact" {
                continue;
            }
            let name = msg["target"]["name"]
                .as_str()
                .unwrap_or("")
                .replace('-', "_");
            for f in msg["filenames"].as_array().into_iter().flatten() {
                if let Some(f) = f.as_str().filter(|f| f.ends_with(".rlib")) {
                    rlibs.push((name.clone(), PathBuf::from(f)));
                }
            }
        }
        let rlib = rlibs
            .iter()
            .rev()
            .find(|(n, _)| *n == crate_name)
            .map(|(_, p)| p.clone())
            .with_context(|| {
                format!(
                    "cargo built {} but reported no rlib for crate `{crate_name}` (it reported: {:?}); \
                     set `package` or `name` in [[device_deps]]",
                    manifest.display(),
                    rlibs.iter().map(|(n, _)| n).collect::<Vec<_>>()
                )
            })?;
        // The package's own rlib is uplifted to `release/`; what it depends
        // on stays in `release/deps/`.
        let mut dep_dirs: Vec<PathBuf> = Vec::new();
        for (_, p) in &rlibs {
            if let Some(d) = p.parent() {
                for d in [d.to_path_buf(), d.join("deps")] {
                    if d.is_dir() && !dep_dirs.contains(&d) {
                        dep_dirs.push(d);
                    }
                }
            }
        }
        Ok(ResolvedDep {
            name: crate_name,
            rlib,
            dep_dirs,
        })
    }

    /// The cache identity: the whole config (parsed, and its file's text),
    /// the codegen library (path, size, mtime and SHA-256), the shared
    /// libraries it loads (from `ldd`: path, size, mtime), the rustc that
    /// runs it (path, stamp and `rustc -vV`, or why it cannot run), that
    /// rustc's `librustc_driver`, ptxas, the device dependencies (each
    /// rlib's SHA-256; the other rlibs of their folders by size and mtime)
    /// and the prelude's source. A config that points at another rustc, a
    /// rebuilt `.so` or an updated dependency never reuses results.
    fn compute_identity(&self) -> String {
        use std::fmt::Write as _;
        // The version names how this file composes a compile's command line
        // (v4: `--cfg gpu_sm=…`); bump it when that changes, or cache
        // entries compiled without the change are reused.
        let mut id = format!(
            "external/v4 {}\nconfig {:?}\nconfig-text {:?}\n",
            self.config.name, self.config, self.config_text
        );
        let _ = writeln!(id, "library {}", file_stamp(&self.library, true));
        let _ = writeln!(id, "rustc {}", file_stamp(&self.rustc, false));
        let _ = writeln!(id, "rustc -vV: {}", bounded_output(&self.rustc, &["-vV"]));
        // A rustc built from source loads `<bin>/../lib/librustc_driver-*.so`
        // (a rustup toolchain too; its proxy is covered by `rustc -vV`).
        // Found by path, not by running rustc again: a rustc that hangs on
        // `--print sysroot` must not stall every run.
        let lib_dir = std::fs::canonicalize(&self.rustc)
            .unwrap_or_else(|_| self.rustc.clone())
            .parent()
            .and_then(Path::parent)
            .map(|p| p.join("lib"))
            .unwrap_or_default();
        if let Ok(entries) = std::fs::read_dir(&lib_dir) {
            let mut drivers: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("librustc_driver"))
                })
                .collect();
            drivers.sort();
            for d in drivers {
                let _ = writeln!(id, "driver {}", file_stamp(&d, false));
            }
        }
        let ldd = bounded_output(Path::new("ldd"), &[&self.library.to_string_lossy()]);
        for line in ldd.lines() {
            match ldd_target(line) {
                Ok(target) => {
                    let _ = writeln!(id, "dep {}", file_stamp(Path::new(target), false));
                }
                Err(rest) => {
                    let _ = writeln!(id, "dep-line {rest}");
                }
            }
        }
        if let Some(p) = &self.ptxas {
            let _ = writeln!(id, "ptxas {}", file_stamp(p, false));
        }
        // A file a `path_env` variable names (libdevice) is an input too.
        for (var, path) in &self.config.path_env {
            if path.is_file() {
                let _ = writeln!(id, "path-env {var} {}", file_stamp(path, true));
            }
        }
        for dep in &self.deps {
            let _ = writeln!(
                id,
                "device-dep {} {}",
                dep.name,
                file_stamp(&dep.rlib, true)
            );
            for dir in &dep.dep_dirs {
                let mut rlibs: Vec<PathBuf> = std::fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "rlib") && *p != dep.rlib)
                    .collect();
                rlibs.sort();
                for r in rlibs {
                    let _ = writeln!(id, "device-dep-lib {}", file_stamp(&r, false));
                }
            }
        }
        if let Some(p) = &self.prelude {
            let _ = writeln!(id, "prelude {} {}", p.dialect(), p.hash);
        }
        id
    }

    /// The environment of every command of this backend: for a compile,
    /// the sm and the output folder in the config's variables; always its
    /// rustc first on `PATH`, then the config's `env` and `path_env`.
    fn backend_env(&self, cmd: &mut Command, compile: Option<(crate::SmTarget, &Path)>) {
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
    fn cargo_command(&self, cargo: &Path, target_dir: &Path) -> Command {
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

/// Checks once that `library` loads into `rustc`: `--print sysroot` loads
/// the codegen backend (`--version` does not) and costs nothing else.
fn check_loads(rustc: &Path, library: &Path, config: &str) -> Result<()> {
    let mut cmd = Command::new(rustc);
    cmd.arg(format!("-Zcodegen-backend={}", library.display()))
        .args(["--print", "sysroot"]);
    let why = match crate::process::run_with_timeout(cmd, Duration::from_secs(60)) {
        Ok(out) if out.success() => return Ok(()),
        Ok(out) => format!("{}: {}", out.describe(), out.stderr.trim()),
        Err(e) => format!("cannot run it: {e}"),
    };
    bail!(
        "the codegen backend {} does not load into rustc {}: {why}\n\
         set `rustc` or `toolchain` in {config} to the toolchain it was built with",
        library.display(),
        rustc.display()
    )
}

/// The `rendered` diagnostics of cargo's JSON messages.
fn rendered_messages(stdout: &str) -> String {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m["message"]["rendered"].as_str().map(str::to_string))
        .collect()
}

/// `path size mtime [sha256]`, or `path: <error>`.
fn file_stamp(path: &Path, hash: bool) -> String {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return format!("{}: {e}", path.display()),
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut s = format!("{} {} {mtime}", path.display(), meta.len());
    if hash {
        use sha2::{Digest, Sha256};
        match std::fs::read(path) {
            Ok(bytes) => {
                let digest = Sha256::digest(&bytes);
                s.push(' ');
                for b in digest {
                    s.push_str(&format!("{b:02x}"));
                }
            }
            Err(e) => s.push_str(&format!(" unreadable: {e}")),
        }
    }
    s
}

/// A program's stdout, or a line saying why it gave none (bounded in time).
fn bounded_output(program: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args);
    match crate::process::run_with_timeout(cmd, Duration::from_secs(10)) {
        Ok(out) if out.success() => out.stdout,
        Ok(out) => format!("failed ({}): {}", out.describe(), out.stderr.trim()),
        Err(e) => format!("cannot run {}: {e}", program.display()),
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

    #[test]
    fn device_dep_paths_from_the_environment() {
        let env = |k: &str| match k {
            "BUILD" => Some(std::ffi::OsString::from("/opt/oxide")),
            _ => None,
        };
        let base = Path::new("/repo/backends/x");
        assert_eq!(
            dep_path(Path::new("$BUILD"), base, &env).unwrap(),
            PathBuf::from("/opt/oxide")
        );
        assert_eq!(
            dep_path(Path::new("${BUILD}/release/libc.rlib"), base, &env).unwrap(),
            PathBuf::from("/opt/oxide/release/libc.rlib")
        );
        assert_eq!(
            dep_path(Path::new("$BUILD/deps"), base, &env).unwrap(),
            PathBuf::from("/opt/oxide/deps")
        );
        assert_eq!(
            dep_path(Path::new("lib/x.rlib"), base, &env).unwrap(),
            PathBuf::from("/repo/backends/x/lib/x.rlib")
        );
        assert_eq!(
            dep_path(Path::new("$NOPE/x"), base, &env).unwrap_err(),
            "NOPE"
        );
        let msg = unset_var("cuda_device", "rlib", "NOPE").to_string();
        assert!(msg.contains("$NOPE, which is not set"), "{msg}");
    }

    fn executable(path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }

    /// A stand-in rustc: answers `-vV` and the load check (`--print`),
    /// appends `--- <cwd> ICE=<RUSTC_ICE>` and its arguments (one a line)
    /// to `<dir>/log`, then runs `body`.
    fn fake_rustc(dir: &Path, body: &str) -> PathBuf {
        let rustc = dir.join("fake-rustc");
        executable(
            &rustc,
            &format!(
                "case \"$1\" in -V|-vV) echo 'rustc 1.0.0-fake'; exit 0;; esac\n\
                 for a; do [ \"$a\" = --print ] && {{ echo /fake/sysroot; exit 0; }}; done\n\
                 echo \"--- $(pwd) ICE=$RUSTC_ICE\" >> '{log}'\nprintf '%s\\n' \"$@\" >> '{log}'\n{body}",
                log = dir.join("log").display()
            ),
        );
        rustc
    }

    /// Writes `backend.toml` (with `rustc`, the library and `extra`) and loads it.
    fn backend(dir: &Path, rustc: &Path, extra: &str) -> Result<ExternalBackend> {
        if !dir.join("libfake.so").exists() {
            std::fs::write(dir.join("libfake.so"), "so").unwrap();
        }
        let cfg = dir.join("backend.toml");
        std::fs::write(
            &cfg,
            format!(
                "name = 'fake'\nrustc = '{}'\nvalidate = false\n{extra}\n\
                 [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n",
                rustc.display()
            ),
        )
        .unwrap();
        ExternalBackend::from_config_file(&cfg)
    }

    /// The invocations in the fake rustc's log: (first line, arguments).
    fn calls(dir: &Path) -> Vec<(String, Vec<String>)> {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        log.split("--- ")
            .filter(|c| !c.is_empty())
            .map(|c| {
                let mut lines = c.lines().map(str::to_string);
                (lines.next().unwrap(), lines.collect())
            })
            .collect()
    }

    fn compile(be: &ExternalBackend, dir: &Path, sm: &str, flags: &[&str]) -> CompileOutput {
        let src = dir.join("k.rs");
        std::fs::write(&src, "").unwrap();
        let mut req = CompileRequest::new(&src, sm.parse().unwrap(), dir.join(format!("out-{sm}")));
        req.flags = flags.iter().map(|s| s.to_string()).collect();
        be.compile(&req).unwrap()
    }

    fn search() -> LibrarySearch {
        LibrarySearch {
            file_name: "libfake.so".into(),
            env_var: Some("FAKE_BACKEND".into()),
            path: None,
            project_config: None,
            local_build: vec![PathBuf::from("target/release")],
            cache_dir: None,
        }
    }

    /// cargo-oxide's order: the variable, the project config
    /// (`.cargo/<name>.toml`'s `backend`, relative to its folder), a local
    /// build, `$CARGO_HOME/<name>/`; every place tried is listed.
    #[test]
    fn library_search_order_and_explained_misses() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let s = search();
        let home = d.join("home");
        let cargo_home = d.join("cargo-home");
        let mut vars: BTreeMap<String, PathBuf> = BTreeMap::new();
        vars.insert("HOME".into(), home.clone());
        let env = |vars: &BTreeMap<String, PathBuf>| {
            let vars = vars.clone();
            move |k: &str| vars.get(k).cloned()
        };
        let err = find_library_with(&s, d, "fake", &env(&vars)).unwrap_err();
        for miss in [
            "$FAKE_BACKEND is not set",
            "no project config",
            "no local build at",
            "not in the user cache",
        ] {
            assert!(err.contains(miss), "{miss}: {err}");
        }
        // The default cache is cargo-oxide's: ~/.cargo/<name>, or $CARGO_HOME/<name>.
        assert!(
            err.contains(&home.join(".cargo/fake/libfake.so").display().to_string()),
            "{err}"
        );
        let write = |p: PathBuf| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
            p
        };
        let cached = write(home.join(".cargo/fake/libfake.so"));
        assert_eq!(
            find_library_with(&s, d, "fake", &env(&vars)).unwrap(),
            cached
        );
        vars.insert("CARGO_HOME".into(), cargo_home.clone());
        let err = find_library_with(&s, d, "fake", &env(&vars)).unwrap_err();
        assert!(err.contains("cargo-home/fake/libfake.so"), "{err}");
        let cached = write(cargo_home.join("fake/libfake.so"));
        assert_eq!(
            find_library_with(&s, d, "fake", &env(&vars)).unwrap(),
            cached
        );
        let local = write(d.join("target/release/libfake.so"));
        assert_eq!(
            find_library_with(&s, d, "fake", &env(&vars)).unwrap(),
            local
        );
        // A project config outranks the local build; its path is relative to `.cargo/`.
        std::fs::create_dir_all(d.join(".cargo")).unwrap();
        std::fs::write(d.join(".cargo/fake.toml"), "backend = 'so/libfake.so'\n").unwrap();
        let err_or_local = find_library_with(&s, d, "fake", &env(&vars)).unwrap();
        assert_eq!(
            err_or_local, local,
            "a missing project backend falls through"
        );
        let pinned = write(d.join(".cargo/so/libfake.so"));
        assert_eq!(
            find_library_with(&s, d, "fake", &env(&vars)).unwrap(),
            pinned
        );
        // An explicit `project_config`, with `~` expanded.
        let mut s2 = s.clone();
        s2.project_config = Some(PathBuf::from("~/proj/.cargo/cuda-oxide.toml"));
        std::fs::create_dir_all(home.join("proj/.cargo")).unwrap();
        std::fs::write(
            home.join("proj/.cargo/cuda-oxide.toml"),
            "backend = '../lib/libfake.so'\n",
        )
        .unwrap();
        let via_home = write(home.join("proj/lib/libfake.so"));
        assert_eq!(
            std::fs::canonicalize(find_library_with(&s2, d, "fake", &env(&vars)).unwrap()).unwrap(),
            std::fs::canonicalize(via_home).unwrap()
        );
        // The variable outranks everything (and `~` in it is expanded too).
        let from_env = write(home.join("env/libfake.so"));
        vars.insert("FAKE_BACKEND".into(), PathBuf::from("~/env/libfake.so"));
        assert_eq!(
            find_library_with(&s, d, "fake", &env(&vars)).unwrap(),
            from_env
        );
    }

    /// The sample cuda-oxide config in docs/backends.md parses, and names what cuda-oxide
    /// needs: its rustc, the variables that print the banners it waits for,
    /// libdevice, and `cuda_device`.
    #[test]
    fn the_readme_sample_config_is_a_valid_cuda_oxide_config() {
        let readme = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/backends.md"),
        )
        .unwrap();
        let section = &readme[readme.find("### External backends").unwrap()..];
        let start = section.find("```toml\n").unwrap() + 8;
        let text = &section[start..start + section[start..].find("```").unwrap()];
        let cfg: ExternalConfig = toml::from_str(text).unwrap();
        assert_eq!(cfg.toolchain.as_deref(), Some("nightly-2026-04-03"));
        assert!(cfg.path_env.contains_key("CUDA_OXIDE_LIBDEVICE"));
        assert_eq!(cfg.edition, "2021");
        assert_eq!(cfg.stages["mir"].env["CUDA_OXIDE_SHOW_RUSTC_MIR"], "1");
        assert!(cfg.stages["mir"]
            .stderr_banner
            .as_deref()
            .is_some_and(|b| Regex::new(b)
                .unwrap()
                .is_match("=== Rustc MIR (before translation) ===")));
        assert_eq!(cfg.device_deps[0].name, "cuda_device");
        assert_eq!(
            cfg.codegen_backend.env_var.as_deref(),
            Some("CUDA_OXIDE_BACKEND")
        );
        for name in cfg.stages.keys() {
            let _custom_or_builtin = config_stage(name).unwrap();
        }
    }

    /// The shipped cuda-oxide config parses, and the files it names inside
    /// this repository (its prelude, libdevice from setup.sh's CUDA wheel)
    /// are where it says, relative to its folder.
    #[test]
    fn the_shipped_cuda_oxide_config_names_existing_repository_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../backends/cuda-oxide");
        let text = std::fs::read_to_string(dir.join("cuda-oxide.toml")).unwrap();
        let cfg: ExternalConfig = toml::from_str(&text).unwrap();
        assert_eq!(cfg.name, "cuda-oxide");
        let prelude = resolve_path(cfg.prelude.as_deref().unwrap(), &dir);
        assert!(prelude.is_file(), "{}", prelude.display());
        let libdevice = resolve_path(&cfg.path_env["CUDA_OXIDE_LIBDEVICE"], &dir);
        assert!(
            libdevice.ends_with("tools/ptxas/nvidia/cu13/nvvm/libdevice/libdevice.10.bc"),
            "{}",
            libdevice.display()
        );
        assert_eq!(cfg.device_deps[0].name, "cuda_device");
        // The build is the user's: its paths come from the environment,
        // never from a build inside this checkout.
        let rlib = cfg.device_deps[0].rlib.as_deref().unwrap();
        assert_eq!(rlib, Path::new("$CUDA_OXIDE_DEVICE_RLIB"));
        assert!(!text.contains("target/cuda-oxide"), "{text}");
        assert!(cfg.codegen_backend.local_build.is_empty());
    }

    #[test]
    fn paths_expand_the_home_folder_and_follow_the_config() {
        let home = Some(PathBuf::from("/home/u"));
        let base = Path::new("/cfg");
        assert_eq!(
            resolve_path_with(Path::new("~/x/y"), base, home.clone()),
            PathBuf::from("/home/u/x/y")
        );
        assert_eq!(
            resolve_path_with(Path::new("~"), base, home.clone()),
            PathBuf::from("/home/u")
        );
        assert_eq!(
            resolve_path_with(Path::new("a/b"), base, home.clone()),
            PathBuf::from("/cfg/a/b")
        );
        assert_eq!(
            resolve_path_with(Path::new("/abs"), base, home),
            PathBuf::from("/abs")
        );
    }

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

    /// A `.so` that does not load into the rustc is one clear error at
    /// start-up, naming both and the config keys that fix it.
    #[test]
    fn a_library_that_does_not_load_is_a_setup_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = d.join("old-rustc");
        executable(
            &rustc,
            "for a; do [ \"$a\" = --print ] && { echo \"error: couldn't load codegen backend $(echo $1 | cut -d= -f2): undefined symbol: _RNvXs_rustc_driver\" >&2; exit 1; }; done\n\
             echo 'rustc 1.0.0-old'",
        );
        let e = format!("{:#}", backend(d, &rustc, "").unwrap_err());
        assert!(e.contains("does not load into rustc"), "{e}");
        assert!(e.contains(&rustc.display().to_string()), "{e}");
        assert!(e.contains("undefined symbol"), "{e}");
        assert!(
            e.contains("set `rustc` or `toolchain` in") && e.contains("backend.toml"),
            "{e}"
        );
        // The check runs once, at construction, not per compile.
        let ok = fake_rustc(d, "");
        let be = backend(d, &ok, "").unwrap();
        let _ = std::fs::remove_file(d.join("log"));
        compile(&be, d, "sm_80", &[]);
        compile(&be, d, "sm_90", &[]);
        assert_eq!(calls(d).len(), 2);
    }

    #[test]
    fn a_toolchain_name_resolves_through_rustup() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let real = d.join("toolchains/nightly-x/bin/rustc");
        executable(&real, "echo rustc");
        // `rustup which` knows it.
        let rustup = d.join("rustup");
        executable(
            &rustup,
            &format!(
                "[ \"$1 $2 $3 $4\" = 'which rustc --toolchain nightly-x' ] && {{ echo {}; exit 0; }}\n\
                 echo \"error: toolchain '$4' is not installed\" >&2; exit 1",
                real.display()
            ),
        );
        assert_eq!(toolchain_rustc(&rustup, "nightly-x").unwrap(), real);
        let e = format!("{:#}", toolchain_rustc(&rustup, "nightly-y").unwrap_err());
        assert!(e.contains("not installed"), "{e}");
        assert!(e.contains("rustup toolchain install nightly-y"), "{e}");
        // An older rustup without `which --toolchain`: its sysroot.
        executable(
            &rustup,
            &format!(
                "[ \"$1\" = run ] && [ \"$2\" = nightly-x ] && {{ echo {}; exit 0; }}\nexit 1",
                d.join("toolchains/nightly-x").display()
            ),
        );
        assert_eq!(toolchain_rustc(&rustup, "nightly-x").unwrap(), real);
        // `rustc` and `toolchain` together are ambiguous.
        let rustc = fake_rustc(d, "");
        let e = backend(d, &rustc, "toolchain = 'nightly-x'")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`rustc` or `toolchain`, not both"), "{e}");
    }

    /// Prebuilt device dependencies are passed as `--extern` with their
    /// folder as `-L dependency=`, and their content is part of the identity.
    #[test]
    fn prebuilt_device_dependencies_are_passed_and_identified() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        std::fs::create_dir_all(d.join("deps/more")).unwrap();
        std::fs::write(d.join("deps/libcuda_device.rlib"), "v1").unwrap();
        let extra = "[[device_deps]]\nname = 'cuda_device'\nrlib = 'deps/libcuda_device.rlib'\ndeps_dir = 'deps/more'\n";
        let be = backend(d, &rustc, extra).unwrap();
        compile(&be, d, "sm_80", &[]);
        let args = calls(d).pop().unwrap().1;
        let ext = format!(
            "cuda_device={}",
            d.join("deps/libcuda_device.rlib").display()
        );
        let i = args.iter().position(|a| *a == ext).expect("--extern");
        assert_eq!(args[i - 1], "--extern");
        let l = format!("dependency={}", d.join("deps/more").display());
        assert!(
            args.windows(2).any(|w| w[0] == "-L" && w[1] == l),
            "{args:?}"
        );
        let first = be.identity();
        std::fs::write(d.join("deps/libcuda_device.rlib"), "v2").unwrap();
        assert_ne!(backend(d, &rustc, extra).unwrap().identity(), first);
        // A missing rlib, or a dependency that names both sources, is an error.
        std::fs::remove_file(d.join("deps/libcuda_device.rlib")).unwrap();
        let e = backend(d, &rustc, extra).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = backend(
            d,
            &rustc,
            "[[device_deps]]\nname = 'x'\nrlib = 'a'\nmanifest = 'b'\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("needs either `rlib`"), "{e}");
    }

    /// A manifest dependency is built by cargo with the backend's rustc and
    /// `-Zcodegen-backend` in `CARGO_ENCODED_RUSTFLAGS`; the rlib cargo
    /// reports is passed to every compile. (The stand-in rustc drops the
    /// `-Z` flag and runs the real one.)
    #[test]
    fn manifest_device_dependencies_are_built_with_the_backends_flags() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let sysroot = Command::new("rustc")
            .args(["--print", "sysroot"])
            .output()
            .unwrap();
        let real = Path::new(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin/rustc");
        let rustc = d.join("wrap-rustc");
        executable(
            &rustc,
            &format!(
                "for a; do shift; case \"$a\" in -Zcodegen-backend=*) echo \"$a\" >> '{}';; *) set -- \"$@\" \"$a\";; esac; done\n\
                 exec {} \"$@\"",
                d.join("seen").display(),
                real.display()
            ),
        );
        std::fs::create_dir_all(d.join("dev/src")).unwrap();
        std::fs::write(
            d.join("dev/Cargo.toml"),
            "[package]\nname = \"cuda-device\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\nname = \"cuda_device\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("dev/src/lib.rs"),
            "#![no_std]\npub fn one() -> u32 { 1 }\n",
        )
        .unwrap();
        let be = backend(
            d,
            &rustc,
            "[[device_deps]]\nname = 'cuda_device'\nmanifest = 'dev/Cargo.toml'\npackage = 'cuda-device'\n",
        )
        .unwrap();
        let seen = std::fs::read_to_string(d.join("seen")).unwrap();
        assert!(seen.contains("-Zcodegen-backend="), "{seen}");
        let id = be.identity();
        assert!(id.contains("device-dep cuda_device"), "{id}");
        let dep = &be.deps[0];
        assert!(dep.rlib.is_file(), "{dep:?}");
        assert!(dep.rlib.ends_with("release/libcuda_device.rlib"), "{dep:?}");
        // Compiles get it (the stand-in rustc logs nothing; the args are checked above).
        assert!(dep.rustc_args().contains(&OsString::from(format!(
            "cuda_device={}",
            dep.rlib.display()
        ))));
        assert!(be.identity().contains(&dep.rlib.display().to_string()));
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

    #[test]
    fn sass_is_named_without_a_source_and_needs_ptxas() {
        let parse = |extra: &str| -> ExternalConfig {
            toml::from_str(&format!(
                "name='x'\n{extra}\n[codegen_backend]\nfile_name='x.so'\n[stages.ptx]\nfile='{{crate}}.ptx'\n[stages.sass]\n"
            ))
            .unwrap()
        };
        // A well-formed [stages.sass] gets past the stage checks (and then
        // fails on the missing library, which is the next thing looked for).
        let e = ExternalBackend::new(parse(""), Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("codegen backend `x.so`"), "{e}");
        let e = ExternalBackend::new(parse("validate = false"), Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[stages.sass] needs `validate = true`"), "{e}");
        let cfg: ExternalConfig = toml::from_str(
            "name='x'\n[codegen_backend]\nfile_name='x.so'\n[stages.ptx]\nfile='a'\n[stages.sass]\nfile='a.sass'\n",
        )
        .unwrap();
        let e = ExternalBackend::new(cfg, Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[stages.sass] takes no `file`"), "{e}");
    }

    /// ldd's load addresses never reach the identity (regression: the vDSO
    /// line's address made every run's cache keys new).
    #[test]
    fn ldd_lines_lose_their_load_address() {
        assert_eq!(
            ldd_target("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3a1c000000)"),
            Ok("/lib/x86_64-linux-gnu/libc.so.6")
        );
        assert_eq!(
            ldd_target("\t/lib64/ld-linux-x86-64.so.2 (0x00007f3a1c400000)"),
            Ok("/lib64/ld-linux-x86-64.so.2")
        );
        assert_eq!(
            ldd_target("\tlinux-vdso.so.1 (0x00007ffd5a3e2000)"),
            Err("linux-vdso.so.1".to_string())
        );
        assert_eq!(
            ldd_target("\tlinux-vdso.so.1 (0x00007ffc11111000)"),
            ldd_target("\tlinux-vdso.so.1 (0x00007ffd5a3e2000)")
        );
        assert_eq!(
            ldd_target("\tlibLLVM.so.22 => not found"),
            Err("libLLVM.so.22 => not found".to_string())
        );
    }

    /// A file named by `path_env` (libdevice) is part of the identity: new
    /// content, new cache keys.
    #[test]
    fn identity_covers_path_env_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        let lib = d.join("libdevice.bc");
        let id = || {
            backend(d, &rustc, "path_env = { LIB = 'libdevice.bc' }")
                .unwrap()
                .identity()
        };
        std::fs::write(&lib, "v1").unwrap();
        let first = id();
        assert_eq!(first, id());
        std::fs::write(&lib, "v2").unwrap();
        assert_ne!(first, id());
    }

    #[test]
    fn identity_covers_rustc_library_and_config() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rustc = fake_rustc(d, "");
        let id = |extra: &str| backend(d, &rustc, extra).unwrap().identity();
        let base = id("");
        assert_eq!(base, id(""), "stable");
        assert!(base.contains("rustc -vV: rustc 1.0.0-fake"), "{base}");
        // Another config text (here: a comment) is another identity.
        assert_ne!(base, id("# changed"));
        // Same size and (possibly) same mtime, other content: the hash differs.
        let lib = d.join("libfake.so");
        let check = |lib_text: &str| {
            let cfg = d.join("backend.toml");
            std::fs::write(&lib, lib_text).unwrap();
            ExternalBackend::from_config_file(&cfg).unwrap().identity()
        };
        assert_ne!(base, check("SO"));
        // Another rustc version (`rustc -vV`).
        std::fs::write(&lib, "so").unwrap();
        let text = std::fs::read_to_string(&rustc)
            .unwrap()
            .replace("1.0.0-fake", "2.0.0-fake");
        std::fs::write(&rustc, text).unwrap();
        assert_ne!(base, id(""));
    }
}

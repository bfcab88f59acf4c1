//! External backends: a `-Zcodegen-backend=<lib>.so` (such as NVIDIA's
//! cuda-oxide) driven by plain rustc, with its stage dumps collected from
//! files in its output folder or from banner-delimited sections of stderr.
//!
//! The `.so` is found the way cargo-oxide finds its backend: an environment
//! variable, then the config file, then a local build, then the user cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;

use crate::backend::{Backend, CompileRequest};
use crate::pipeline::{ptxas_step, Run};
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
    /// The rustc to run (default: the pinned toolchain's).
    #[serde(default)]
    pub rustc: Option<PathBuf>,
    /// rustc flags besides `-Zcodegen-backend`.
    #[serde(default)]
    pub rustc_flags: Vec<String>,
    /// The crate type to build (default `lib`).
    #[serde(default = "default_crate_type")]
    pub crate_type: String,
    /// The environment variable that receives the sm target (`sm_90`).
    #[serde(default)]
    pub sm_env: Option<String>,
    /// The environment variable that receives the output folder.
    #[serde(default)]
    pub out_dir_env: Option<String>,
    /// Extra environment (e.g. `CUDA_OXIDE_DUMP_MIR = "1"`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Where each stage comes from, keyed by stage name.
    #[serde(default)]
    pub stages: BTreeMap<String, StageSource>,
    /// Run ptxas on the PTX stage (default true).
    #[serde(default = "yes")]
    pub validate: bool,
}

fn default_crate_type() -> String {
    "lib".into()
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
    /// 3. Local build folders (relative to the config file), e.g. `target/release`.
    #[serde(default)]
    pub local_build: Vec<PathBuf>,
    /// 4. The user cache folder (default `$XDG_CACHE_HOME/<name>` or `~/.cache/<name>`).
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

/// One stage's source. `[stages.sass]` names neither: the SASS always comes
/// from disassembling the cubin that ptxas writes for the backend's PTX.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSource {
    /// A file in the output folder; `{crate}` is replaced by the crate name.
    #[serde(default)]
    pub file: Option<String>,
    /// A regex for the stderr banner line that starts the section.
    #[serde(default)]
    pub stderr_banner: Option<String>,
    /// A regex for the line that ends a stderr section (default: any `=== … ===` banner).
    #[serde(default)]
    pub section_end: Option<String>,
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
    let mut misses = Vec::new();
    if let Some(var) = &search.env_var {
        match env(var) {
            Some(p) if p.is_file() => return Ok(p),
            Some(p) => misses.push(format!("${var} = {} is not a file", p.display())),
            None => misses.push(format!("${var} is not set")),
        }
    }
    if let Some(p) = &search.path {
        let p = base.join(p);
        if p.is_file() {
            return Ok(p);
        }
        misses.push(format!("config `path` {} does not exist", p.display()));
    } else {
        misses.push("config has no `path`".into());
    }
    for dir in &search.local_build {
        let p = base.join(dir).join(&search.file_name);
        if p.is_file() {
            return Ok(p);
        }
        misses.push(format!("no local build at {}", p.display()));
    }
    let cache = search.cache_dir.clone().unwrap_or_else(|| {
        env("XDG_CACHE_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"))
            .join(name)
    });
    let p = cache.join(&search.file_name);
    if p.is_file() {
        return Ok(p);
    }
    misses.push(format!("not in the user cache {}", p.display()));
    Err(format!(
        "codegen backend `{}` for `{name}` not found:\n  - {}\nbuild it, or point ${} at it",
        search.file_name,
        misses.join("\n  - "),
        search.env_var.as_deref().unwrap_or("<env_var>")
    ))
}

/// An external backend described by an [`ExternalConfig`].
#[derive(Debug, Clone)]
pub struct ExternalBackend {
    config: ExternalConfig,
    library: PathBuf,
    rustc: PathBuf,
    ptxas: Option<PathBuf>,
    /// The config file's text, when read from a file.
    config_text: Option<String>,
    /// Everything the output depends on besides the request (see [`Backend::identity`]).
    identity: String,
}

impl ExternalBackend {
    /// Reads the config and finds the library, rustc and (if validating) ptxas.
    pub fn from_config_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the backend config {}", path.display()))?;
        let config: ExternalConfig = toml::from_str(&text)
            .with_context(|| format!("{}: invalid backend config", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut backend = Self::new(config, base)?;
        backend.config_text = Some(text);
        backend.identity = backend.compute_identity();
        Ok(backend)
    }

    /// Resolves an already parsed config; relative paths are taken from `base`.
    pub fn new(config: ExternalConfig, base: &Path) -> Result<Self> {
        for (name, src) in &config.stages {
            let stage: Stage = name
                .parse()
                .map_err(|e| anyhow::anyhow!("[stages.{name}]: {e}"))?;
            if stage == Stage::Sass {
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
            match (&src.file, &src.stderr_banner) {
                (Some(_), None) | (None, Some(_)) => {}
                _ => bail!("[stages.{stage}] needs exactly one of `file` or `stderr_banner`"),
            }
            for re in [&src.stderr_banner, &src.section_end].into_iter().flatten() {
                Regex::new(re)
                    .with_context(|| format!("[stages.{stage}]: invalid regex `{re}`"))?;
            }
        }
        let library = find_library(&config.codegen_backend, base, &config.name)
            .map_err(|e| anyhow::anyhow!(e))?;
        let rustc = match &config.rustc {
            Some(r) => base.join(r),
            None => Toolchain::discover()?.rustc,
        };
        let ptxas = if config.validate {
            Some(find_ptxas().map_err(|e| anyhow::anyhow!("{e}"))?)
        } else {
            None
        };
        let mut backend = ExternalBackend {
            config,
            library,
            rustc,
            ptxas,
            config_text: None,
            identity: String::new(),
        };
        backend.identity = backend.compute_identity();
        Ok(backend)
    }

    /// The cache identity: the whole config (parsed, and its file's text),
    /// the codegen library (path, size, mtime and SHA-256), the shared
    /// libraries it loads (from `ldd`: path, size, mtime), the rustc that
    /// runs it (path, stamp and `rustc -vV`, or why it cannot run), that
    /// rustc's `librustc_driver`, and ptxas. A config that points at another
    /// rustc, a rebuilt `.so` or an updated dependency never reuses results.
    fn compute_identity(&self) -> String {
        use std::fmt::Write as _;
        let mut id = format!(
            "external/v2 {}\nconfig {:?}\nconfig-text {:?}\n",
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
            // `libfoo.so.1 => /usr/lib/libfoo.so.1 (0x...)` or `/lib64/ld-linux... (0x...)`
            let target = line
                .split_once("=>")
                .map_or(line, |(_, t)| t)
                .split_whitespace()
                .next()
                .unwrap_or("");
            if target.starts_with('/') {
                let _ = writeln!(id, "dep {}", file_stamp(Path::new(target), false));
            } else {
                let _ = writeln!(id, "dep-line {}", line.trim());
            }
        }
        if let Some(p) = &self.ptxas {
            let _ = writeln!(id, "ptxas {}", file_stamp(p, false));
        }
        id
    }
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
    match crate::process::run_with_timeout(cmd, std::time::Duration::from_secs(10)) {
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
}

/// Cuts the section that starts after a banner line and ends before the next banner.
pub fn stderr_section(stderr: &str, banner: &Regex, end: &Regex) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|l| banner.is_match(l))?;
    let body: Vec<&str> = lines.take_while(|l| !end.is_match(l)).collect();
    Some(body.join("\n") + "\n")
}

impl Backend for ExternalBackend {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn identity(&self) -> String {
        self.identity.clone()
    }

    fn versions(&self) -> BTreeMap<String, String> {
        let mut v = BTreeMap::new();
        v.insert("codegen-backend".into(), self.library.display().to_string());
        let mut cmd = Command::new(&self.rustc);
        cmd.arg("-V");
        // Bounded, like every compile step: a hanging rustc must not hang the run.
        if let Ok(out) = crate::process::run_with_timeout(cmd, std::time::Duration::from_secs(60)) {
            if out.success() {
                v.insert("rustc".into(), out.stdout.trim().to_string());
            }
        }
        v
    }

    fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
        std::fs::create_dir_all(&req.out_dir)
            .with_context(|| format!("cannot create {}", req.out_dir.display()))?;
        let mut cmd = Command::new(&self.rustc);
        cmd.arg(&req.source)
            .args(["--crate-name", &req.crate_name])
            .args(["--crate-type", &self.config.crate_type, "--edition", "2021"])
            .arg(format!("-Zcodegen-backend={}", self.library.display()))
            .args(&self.config.rustc_flags)
            .arg("--out-dir")
            .arg(&req.out_dir);
        if req.json_diagnostics {
            cmd.arg("--error-format=json");
        }
        for cfg in &req.cfgs {
            cmd.args(["--cfg", cfg]);
        }
        cmd.args(&req.flags);
        if let Some(var) = &self.config.sm_env {
            cmd.env(var, req.sm.name());
        }
        if let Some(var) = &self.config.out_dir_env {
            cmd.env(var, &req.out_dir);
        }
        cmd.envs(&self.config.env);
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
            let stage: Stage = name.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            if stage == Stage::Sass {
                continue;
            }
            if let Some(f) = &src.file {
                run.add_stage(
                    stage,
                    req.out_dir.join(f.replace("{crate}", &req.crate_name)),
                );
            } else if let Some(b) = &src.stderr_banner {
                let banner = Regex::new(b)?;
                let end = match &src.section_end {
                    Some(e) => Regex::new(e)?,
                    None => default_end.clone(),
                };
                if let Some(text) = stderr_section(&run.diagnostics, &banner, &end) {
                    let p = req
                        .out_dir
                        .join(format!("{}.{}.stderr-section", req.crate_name, stage));
                    std::fs::write(&p, text)?;
                    run.add_stage(stage, p);
                }
            }
        }
        if !out.status.success() {
            return Ok(run.finish(CompileStatus::RustcFailed {
                exit_code: out.status.code,
            }));
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
                &req.out_dir,
                &req.crate_name,
                nvdisasm.as_deref(),
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

    fn search(dir: &Path) -> LibrarySearch {
        LibrarySearch {
            file_name: "libfake.so".into(),
            env_var: Some("FAKE_BACKEND".into()),
            path: None,
            local_build: vec![PathBuf::from("target/release")],
            cache_dir: Some(dir.join("cache")),
        }
    }

    #[test]
    fn library_search_order_and_explained_misses() {
        let dir = tempfile::tempdir().unwrap();
        let s = search(dir.path());
        let none = |_: &str| None;
        let err = find_library_with(&s, dir.path(), "fake", &none).unwrap_err();
        assert!(err.contains("$FAKE_BACKEND is not set"), "{err}");
        assert!(err.contains("no local build at"), "{err}");
        assert!(err.contains("not in the user cache"), "{err}");
        let write = |rel: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
            p
        };
        let cached = write("cache/libfake.so");
        assert_eq!(
            find_library_with(&s, dir.path(), "fake", &none).unwrap(),
            cached
        );
        let local = write("target/release/libfake.so");
        assert_eq!(
            find_library_with(&s, dir.path(), "fake", &none).unwrap(),
            local
        );
        let from_env = write("env/libfake.so");
        let env = |k: &str| (k == "FAKE_BACKEND").then(|| from_env.clone());
        assert_eq!(
            find_library_with(&s, dir.path(), "fake", &env).unwrap(),
            from_env
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
        let lib = dir.path().join("libfake.so");
        std::fs::write(&lib, "").unwrap();
        let rustc = dir.path().join("fake-rustc");
        std::fs::write(
            &rustc,
            "#!/bin/sh\necho '=== Rustc MIR (before translation) ===' >&2\necho \"mir for $FAKE_TARGET\" >&2\n\
             echo '=== done ===' >&2\nprintf '.version 7.8\\n.target %s\\n.address_size 64\\n' \"$FAKE_TARGET\" > \"$FAKE_DIR/k.ptx\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let toml = format!(
            r#"name = "fake"
rustc = "{}"
sm_env = "FAKE_TARGET"
out_dir_env = "FAKE_DIR"
validate = false
[codegen_backend]
file_name = "libfake.so"
path = "libfake.so"
[stages.ptx]
file = "{{crate}}.ptx"
[stages.mir]
stderr_banner = '^=== Rustc MIR'
"#,
            rustc.display()
        );
        let cfg_path = dir.path().join("backend.toml");
        std::fs::write(&cfg_path, toml).unwrap();
        let be = ExternalBackend::from_config_file(&cfg_path).unwrap();
        assert_eq!(be.library(), lib);
        let src = dir.path().join("k.rs");
        std::fs::write(&src, "").unwrap();
        let out_dir = dir.path().join("out");
        let out = be
            .compile(&CompileRequest::new(
                &src,
                "sm_90".parse().unwrap(),
                &out_dir,
            ))
            .unwrap();
        assert_eq!(out.status, CompileStatus::Succeeded);
        let ptx = out.read_stage(Stage::Ptx).unwrap().unwrap();
        assert!(ptx.contains(".target sm_90"), "{ptx}");
        assert_eq!(
            out.read_stage(Stage::Mir).unwrap().unwrap(),
            "mir for sm_90\n"
        );
        assert!(out.read_stage(Stage::LlvmIr).is_none());
    }

    /// The same ptxas and nvdisasm serve an external backend's PTX.
    #[test]
    fn an_external_backend_gets_sass_from_ptxas_cubin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libfake.so"), "").unwrap();
        let rustc = dir.path().join("fake-rustc");
        std::fs::write(
            &rustc,
            "#!/bin/sh\nprintf '.version 8.0\\n.target %s\\n.address_size 64\\n             .visible .entry k(.param .u64 p)\\n{\\n.reg .b32 %%r<2>;\\n.reg .b64 %%rd<3>;\\n             ld.param.u64 %%rd1, [p];\\ncvta.to.global.u64 %%rd2, %%rd1;\\nmov.u32 %%r1, %%tid.x;\\n             st.global.u32 [%%rd2], %%r1;\\nret;\\n}\\n' \"$FAKE_TARGET\" > \"$FAKE_DIR/k.ptx\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let config = |sass: &str| {
            format!(
                "name = \"fake\"\nrustc = \"{}\"\nsm_env = \"FAKE_TARGET\"\nout_dir_env = \"FAKE_DIR\"\n                 [codegen_backend]\nfile_name = \"libfake.so\"\npath = \"libfake.so\"\n                 [stages.ptx]\nfile = \"{{crate}}.ptx\"\n{sass}",
                rustc.display()
            )
        };
        let src = dir.path().join("k.rs");
        std::fs::write(&src, "").unwrap();
        let cfg_path = dir.path().join("with-sass.toml");
        std::fs::write(&cfg_path, config("[stages.sass]\n")).unwrap();
        let be =
            ExternalBackend::from_config_file(&cfg_path).expect("ptxas installed (./setup.sh)");
        let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), dir.path().join("o"));
        req.sass = true;
        let out = be.compile(&req).expect("nvdisasm installed (./setup.sh)");
        assert_eq!(out.status, CompileStatus::Succeeded, "{:?}", out.status);
        let sass = out.read_stage(Stage::Sass).unwrap().unwrap();
        assert!(sass.starts_with(".entry k\n"), "{sass}");
        assert!(sass.contains("S2R R") && sass.contains("EXIT ;"), "{sass}");
        let k = out.kernels.iter().find(|k| k.name == "k").unwrap();
        assert!(k.sass_instructions.unwrap() > 2, "{k:?}");
        // Without [stages.sass] a sass request is a clear error.
        let cfg_path = dir.path().join("no-sass.toml");
        std::fs::write(&cfg_path, config("")).unwrap();
        let be = ExternalBackend::from_config_file(&cfg_path).unwrap();
        req.out_dir = dir.path().join("o2");
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

    #[test]
    fn identity_covers_rustc_library_and_config() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libfake.so");
        std::fs::write(&lib, "v1").unwrap();
        let config = |rustc: &str, extra: &str| {
            let p = dir.path().join("backend.toml");
            std::fs::write(
                &p,
                format!(
                    "name = 'fake'\nrustc = '{rustc}'\nvalidate = false\n{extra}\n\
                     [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n"
                ),
            )
            .unwrap();
            ExternalBackend::from_config_file(&p).unwrap().identity()
        };
        let rustc = dir.path().join("fake-rustc");
        std::fs::write(&rustc, "#!/bin/sh\necho 'rustc 1.0.0-fake'\n").unwrap();
        std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let base = config(&rustc.to_string_lossy(), "");
        assert_eq!(base, config(&rustc.to_string_lossy(), ""), "stable");
        let missing = config("/nonexistent/rustc", "");
        assert_ne!(base, missing);
        assert!(missing.contains("/nonexistent/rustc"), "{missing}");
        // Another config text (here: a comment) is another identity.
        assert_ne!(base, config(&rustc.to_string_lossy(), "# changed"));
        // Same size and (possibly) same mtime, other content: the hash differs.
        std::fs::write(&lib, "v2").unwrap();
        assert_ne!(base, config(&rustc.to_string_lossy(), ""));
        // Another rustc version.
        std::fs::write(&lib, "v1").unwrap();
        std::fs::write(&rustc, "#!/bin/sh\necho 'rustc 2.0.0-fake'\n").unwrap();
        assert_ne!(base, config(&rustc.to_string_lossy(), ""));
    }

    #[test]
    fn rejects_bad_stage_config() {
        let cfg: ExternalConfig = toml::from_str(
            "name='x'\n[codegen_backend]\nfile_name='x.so'\n[stages.ptxx]\nfile='a'\n",
        )
        .unwrap();
        let e = ExternalBackend::new(cfg, Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown stage `ptxx`"), "{e}");
    }
}

//! The TOML schema of an external backend's config (`ExternalConfig` and
//! the tables in it), the checks the schema alone cannot make, and how
//! the config's paths and stage names are read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;

use crate::pipeline::DEFAULT_EDITION;
use crate::stage::Stage;

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

impl ExternalConfig {
    /// Checks what the schema alone cannot: every stage's name and source
    /// (`[stages.sass]` needs ptxas and a PTX stage), and that each device
    /// dependency names one source.
    pub(super) fn check(&self) -> Result<()> {
        for (name, src) in &self.stages {
            let stage = config_stage(name)?;
            if stage == Ok(Stage::Sass) {
                if src.file.is_some() || src.stderr_banner.is_some() || src.section_end.is_some() {
                    bail!(
                        "[stages.sass] takes no `file` or `stderr_banner`: the SASS is disassembled \
                         from the cubin ptxas writes for the PTX stage; write just `[stages.sass]`"
                    );
                }
                if !self.validate {
                    bail!(
                        "[stages.sass] needs `validate = true`: the SASS comes from ptxas's cubin"
                    );
                }
                if !self.stages.contains_key("ptx") {
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
        for dep in &self.device_deps {
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
        Ok(())
    }
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
    pub(super) fn find(&self, dir: &Path, crate_name: &str) -> PathBuf {
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

/// `~` and `~/…` become the home folder; a relative path is taken from `base`.
pub fn resolve_path(p: &Path, base: &Path) -> PathBuf {
    resolve_path_with(p, base, std::env::var_os("HOME").map(PathBuf::from))
}

pub(super) fn resolve_path_with(p: &Path, base: &Path, home: Option<PathBuf>) -> PathBuf {
    let text = p.to_string_lossy();
    let expanded = match (text.as_ref(), home) {
        ("~", Some(h)) => h,
        (t, Some(h)) if t.starts_with("~/") => h.join(&t[2..]),
        _ => p.to_path_buf(),
    };
    base.join(expanded)
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
pub(super) fn config_stage(name: &str) -> Result<Result<Stage, String>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::external::ExternalBackend;

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
}

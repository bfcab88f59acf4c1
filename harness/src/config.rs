//! Run settings with one documented precedence: command-line flag over
//! environment variable over `ptx-harness.toml` over built-in default.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use ptx_backend::SmTarget;
use serde::Deserialize;

use crate::execute::device::{DeviceChoice, DEVICE_ENV};
use crate::plan::sanitize::{ToolSet, SANITIZE_ENV};

/// The config file at the repository root.
pub const CONFIG_FILE: &str = "ptx-harness.toml";

/// `ptx-harness.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The sm matrix for ptx-snapshots and run-gpu.
    #[serde(default)]
    pub matrix: Option<Vec<String>>,
    /// The sm targets ui tests compile for (diagnostics rarely depend on sm).
    #[serde(default)]
    pub ui_matrix: Option<Vec<String>>,
    /// An external backend config to test instead of the built-in backend.
    #[serde(default)]
    pub backend_config: Option<PathBuf>,
    /// Where run-gpu trials execute: `auto`, `gpu` or `emu`.
    #[serde(default)]
    pub device: Option<String>,
    /// The hard limit per compile step, e.g. `"300s"` or `"5m"`.
    #[serde(default)]
    pub compile_timeout: Option<String>,
    /// The backend's expectations file (default `expectations/<backend>.toml`).
    #[serde(default)]
    pub expectations: Option<PathBuf>,
    /// The emulator's sanitizer tools for every emulated execution, e.g.
    /// `["initcheck", "racecheck"]` or `["all"]`.
    #[serde(default)]
    pub sanitize: Option<Vec<String>>,
}

/// Everything a run needs to know, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The repository root (the folder holding `tests/`).
    pub root: PathBuf,
    /// sm matrix for ptx-snapshots and run-gpu.
    pub matrix: Vec<SmTarget>,
    /// sm matrix for ui tests.
    pub ui_matrix: Vec<SmTarget>,
    /// Rewrite snapshots instead of comparing (`BLESS=1` or `--bless`).
    pub bless: bool,
    /// `CI` is set: never write, a missing snapshot fails.
    pub ci: bool,
    /// Where caches, scratch files and reports go.
    pub work_dir: PathBuf,
    /// An external backend's TOML, if testing one.
    pub backend_config: Option<PathBuf>,
    /// Use the compile cache (`PTX_HARNESS_NO_CACHE=1` turns it off).
    pub cache: bool,
    /// Where run-gpu trials execute (`--device` > `PTX_DEVICE` > `device` in
    /// ptx-harness.toml > `auto`).
    pub device: DeviceChoice,
    /// The hard limit for each compile step and host-program build:
    /// `PTX_COMPILE_TIMEOUT` > `compile_timeout` in ptx-harness.toml > 300 s.
    /// A test's `//@ compile-timeout` wins over it for that test.
    pub compile_timeout: Duration,
    /// The expectations file: `--expectations`, else `PTX_EXPECTATIONS`,
    /// else `expectations` in ptx-harness.toml. `None` means the backend's
    /// default, `expectations/<backend>.toml`, when it exists.
    pub expectations: Option<PathBuf>,
    /// The emulator's sanitizer tools for every emulated execution, united
    /// with each test's `//@ sanitize`: `--sanitize` > `PTX_SANITIZE` >
    /// `sanitize` in ptx-harness.toml > none (memcheck alone).
    pub sanitize: ToolSet,
}

/// Command-line values, which win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--sm`.
    pub matrix: Option<Vec<SmTarget>>,
    /// `--bless`.
    pub bless: bool,
    /// `--backend-config`.
    pub backend_config: Option<PathBuf>,
    /// `--device`.
    pub device: Option<DeviceChoice>,
    /// `--expectations`.
    pub expectations: Option<PathBuf>,
    /// `--sanitize`.
    pub sanitize: Option<ToolSet>,
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn parse_matrix(list: &[String], origin: &str) -> Result<Vec<SmTarget>> {
    list.iter()
        .map(|s| {
            s.parse::<SmTarget>()
                .with_context(|| format!("in {origin}"))
        })
        .collect()
}

impl Settings {
    /// Resolves settings for the repository at `root`.
    ///
    /// Matrix: `--sm` > `PTX_SM_MATRIX` > `matrix` in ptx-harness.toml > the
    /// default (`ptx_backend::sm::DEFAULT_MATRIX`). ui tests use `ui_matrix`
    /// (`PTX_UI_SM_MATRIX`, default `sm_80`).
    pub fn resolve(root: &Path, cli: &Overrides) -> Result<Settings> {
        let file_path = root.join(CONFIG_FILE);
        let file: ConfigFile = match std::fs::read_to_string(&file_path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("{}: invalid config", file_path.display()))?,
            Err(_) => ConfigFile::default(),
        };
        let origin = format!("`matrix` of {}", file_path.display());
        let mut matrix = match &file.matrix {
            Some(m) => parse_matrix(m, &origin)?,
            None => SmTarget::default_matrix(),
        };
        if let Ok(v) = std::env::var("PTX_SM_MATRIX") {
            matrix = SmTarget::parse_list(&v)
                .with_context(|| format!("in the environment variable PTX_SM_MATRIX={v}"))?;
        }
        if let Some(m) = &cli.matrix {
            matrix = m.clone();
        }
        let mut ui_matrix = match &file.ui_matrix {
            Some(m) => parse_matrix(m, &format!("`ui_matrix` of {}", file_path.display()))?,
            None => vec!["sm_80".parse().unwrap()],
        };
        if let Ok(v) = std::env::var("PTX_UI_SM_MATRIX") {
            ui_matrix = SmTarget::parse_list(&v)
                .with_context(|| format!("in the environment variable PTX_UI_SM_MATRIX={v}"))?;
        }
        let mut compile_timeout = ptx_backend::process::DEFAULT_COMPILE_TIMEOUT;
        if let Some(t) = &file.compile_timeout {
            compile_timeout = ptx_backend::process::parse_duration(t).map_err(|e| {
                anyhow::anyhow!("`compile_timeout` of {}: {e}", file_path.display())
            })?;
        }
        if let Some(t) =
            ptx_backend::process::compile_timeout_from_env().map_err(anyhow::Error::msg)?
        {
            compile_timeout = t;
        }
        let ci = env_flag("CI");
        let bless = cli.bless || env_flag("BLESS");
        let backend_config = cli
            .backend_config
            .clone()
            .or_else(|| std::env::var_os("PTX_BACKEND_CONFIG").map(PathBuf::from))
            .or(file.backend_config.map(|p| root.join(p)));
        let mut device = match &file.device {
            Some(d) => d
                .parse::<DeviceChoice>()
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("in `device` of {}", file_path.display()))?,
            None => DeviceChoice::Auto,
        };
        if let Some(v) = std::env::var(DEVICE_ENV).ok().filter(|v| !v.is_empty()) {
            device = v
                .parse()
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("in the environment variable {DEVICE_ENV}={v}"))?;
        }
        if let Some(d) = cli.device {
            device = d;
        }
        let expectations = cli
            .expectations
            .clone()
            .or_else(|| {
                std::env::var_os("PTX_EXPECTATIONS")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or(file.expectations.map(|p| root.join(p)));
        let mut sanitize = match &file.sanitize {
            Some(list) => ToolSet::parse_list(&list.join(","))
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("in `sanitize` of {}", file_path.display()))?,
            None => ToolSet::NONE,
        };
        if let Some(v) = std::env::var(SANITIZE_ENV).ok().filter(|v| !v.is_empty()) {
            sanitize = ToolSet::parse_list(&v)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("in the environment variable {SANITIZE_ENV}={v}"))?;
        }
        if let Some(s) = cli.sanitize {
            sanitize = s;
        }
        Ok(Settings {
            sanitize,
            expectations,
            root: root.to_path_buf(),
            device,
            matrix,
            ui_matrix,
            bless,
            ci,
            // Under the root being tested (not wherever the binary was built).
            work_dir: std::env::var_os("PTX_HARNESS_WORK_DIR")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("CARGO_TARGET_DIR")
                        .map(|t| PathBuf::from(t).join("ptx-harness"))
                })
                .unwrap_or_else(|| root.join("target/ptx-harness")),
            backend_config,
            cache: !env_flag("PTX_HARNESS_NO_CACHE"),
            compile_timeout,
        })
    }

    /// Whether snapshot files may be written in this run.
    pub fn may_write(&self) -> bool {
        self.bless && !self.ci
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_comes_from_the_file_and_the_command_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let resolve = |o: &Overrides| Settings::resolve(dir.path(), o);
        // PTX_SANITIZE in the environment of `cargo test` (CI sets it) wins
        // over the file, so those checks only run without it.
        let env = std::env::var_os(SANITIZE_ENV).is_some();
        if !env {
            assert_eq!(
                resolve(&Overrides::default()).unwrap().sanitize,
                ToolSet::NONE
            );
        }
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "sanitize = [\"initcheck\", \"racecheck\"]\n",
        )
        .unwrap();
        if !env {
            let s = resolve(&Overrides::default()).unwrap().sanitize;
            assert_eq!(s.names(), ["racecheck", "initcheck"]);
        }
        let cli = Overrides {
            sanitize: Some(ToolSet::all()),
            ..Default::default()
        };
        assert_eq!(resolve(&cli).unwrap().sanitize, ToolSet::all());
        std::fs::write(dir.path().join(CONFIG_FILE), "sanitize = [\"initchek\"]\n").unwrap();
        if !env {
            let e = format!("{:#}", resolve(&Overrides::default()).unwrap_err());
            assert!(e.contains("in `sanitize` of"), "{e}");
            assert!(e.contains("did you mean `initcheck`?"), "{e}");
        }
    }
}

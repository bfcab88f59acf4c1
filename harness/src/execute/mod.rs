//! Phase 2: compile trials through the backend (with a content-addressed
//! cache), build host programs and run them in isolated processes.
pub mod compile;
pub mod device;
pub mod gpu;
pub mod host;
pub mod process;
pub mod sass_batch;

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Builds `package` of the workspace with `cargo build -p PACKAGE
/// --message-format=json` and returns the first file of its target `target`
/// whose name ends in `suffix`, with the package id cargo reported.
pub(crate) fn cargo_artifact(
    package: &str,
    target: &str,
    suffix: &str,
) -> Result<(PathBuf, String)> {
    let root = ptx_backend::toolchain::workspace_root();
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "-p", package, "--message-format=json"])
        .output()
        .with_context(|| format!("cannot run cargo to build {package}"))?;
    if !out.status.success() {
        bail!(
            "`cargo build -p {package}` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" || msg["target"]["name"] != target {
            continue;
        }
        let file = msg["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
            .find(|f| f.ends_with(suffix));
        if let Some(f) = file {
            let id = msg["package_id"].as_str().unwrap_or("").to_string();
            return Ok((PathBuf::from(f), id));
        }
    }
    bail!("cargo built {package} but reported no {suffix} file for its target {target}")
}

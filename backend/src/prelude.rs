//! The device prelude: the crate `gpu` that portable tests write their
//! kernels against (`gpu::kernel!`, `gpu::thread_idx_x()`, …). Each backend
//! has one implementation of it (`device-prelude/<backend>/lib.rs`); the
//! backend builds it once per (compiler, sm, options) and passes it to every
//! device compile as `--extern gpu=…`, together with `--cfg gpu_device`,
//! the cfg that splits a single-source test into its device and host halves
//! (`target_arch` can't: some backends compile device code for the host),
//! and `--cfg gpu_sm="NN"` for every architecture up to the target (see
//! [`sm_cfgs`]).
//!
//! Built preludes are cached under `<target>/ptx-prelude/<key>/`, built in a
//! private folder and published with one rename, as the device sysroot is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::process::run_with_timeout;
use crate::sm::SmTarget;
use crate::toolchain::{target_dir, workspace_root};

/// The crate name every prelude implementation has.
pub const PRELUDE_CRATE: &str = "gpu";

/// The cfg the harness sets on every device compile (and never on a host
/// build): `#[cfg(gpu_device)] pub mod device { … }`.
pub const DEVICE_CFG: &str = "gpu_device";

/// The cfg naming the target architecture: `gpu_sm = "80"`.
pub const SM_CFG: &str = "gpu_sm";

/// `--cfg gpu_sm="NN"` for every known architecture number from sm_75 up to
/// `sm`'s (and `"90a"` for sm_90a itself), so `#[cfg(gpu_sm = "80")]` means
/// "sm_80 or newer", as `target_feature = "sm_80"` does on rustc's NVPTX
/// target. Every backend gets it: `target_feature` is the host's where
/// device code is compiled for the host triple.
pub fn sm_cfgs(sm: SmTarget) -> Vec<std::ffi::OsString> {
    let mut numbers: Vec<u32> = crate::sm::KNOWN_TARGETS
        .iter()
        .filter_map(|t| t.parse::<SmTarget>().ok())
        .map(|t| t.number)
        .filter(|&n| n <= sm.number)
        .collect();
    numbers.dedup();
    let mut values: Vec<String> = numbers.iter().map(u32::to_string).collect();
    let name = sm.name();
    let exact = name.trim_start_matches("sm_");
    if !values.iter().any(|v| v == exact) {
        values.push(exact.to_string());
    }
    values
        .into_iter()
        .flat_map(|v| ["--cfg".into(), format!("{SM_CFG}=\"{v}\"").into()])
        .collect()
}

/// A prelude implementation: its source file, read once and hashed.
#[derive(Debug, Clone)]
pub struct PreludeSource {
    /// The crate root (`…/lib.rs`).
    pub path: PathBuf,
    /// SHA-256 of the source, part of every cache key.
    pub hash: String,
}

impl PreludeSource {
    /// Reads and hashes a prelude implementation.
    pub fn from_file(path: &Path) -> Result<PreludeSource> {
        let text = std::fs::read(path).with_context(|| {
            format!(
                "cannot read the device prelude {} (a backend's implementation of crate `gpu`; \
                 see device-prelude/README.md)",
                path.display()
            )
        })?;
        let path = std::path::absolute(path)?;
        Ok(PreludeSource {
            path,
            hash: hex(&Sha256::digest(&text)[..12]),
        })
    }

    /// The built-in backend's: `device-prelude/builtin/lib.rs` of the
    /// checkout, or the file `PTX_PRELUDE` names (another dialect for the
    /// same backend, e.g. `device-prelude/gpu-kernel/lib.rs`).
    pub fn builtin_default() -> Result<PreludeSource> {
        match std::env::var_os(PRELUDE_ENV).filter(|v| !v.is_empty()) {
            Some(p) => Self::from_file(Path::new(&p))
                .with_context(|| format!("${PRELUDE_ENV} names the device prelude")),
            None => Self::from_file(&workspace_root().join("device-prelude/builtin/lib.rs")),
        }
    }

    /// The implementation's name: its folder (`builtin`, `gpu-kernel`).
    pub fn dialect(&self) -> String {
        self.path
            .parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "gpu".into())
    }
}

/// The environment variable that swaps the built-in backend's prelude.
pub const PRELUDE_ENV: &str = "PTX_PRELUDE";

/// A built prelude.
#[derive(Debug, Clone)]
pub struct BuiltPrelude {
    /// The rlib, for `--extern gpu=…`.
    pub rlib: PathBuf,
    /// Its LLVM bitcode, linked with the kernel's (the built-in backend
    /// asks for it; an external backend links the rlib itself).
    pub bitcode: Option<PathBuf>,
}

impl BuiltPrelude {
    /// The rustc arguments that give a device compile the prelude.
    pub fn rustc_args(&self) -> Vec<std::ffi::OsString> {
        let mut extern_arg = std::ffi::OsString::from(format!("{PRELUDE_CRATE}="));
        extern_arg.push(&self.rlib);
        let mut dep = std::ffi::OsString::from("dependency=");
        dep.push(self.rlib.parent().unwrap_or(Path::new(".")));
        vec![
            "--cfg".into(),
            DEVICE_CFG.into(),
            "--extern".into(),
            extern_arg,
            "-L".into(),
            dep,
        ]
    }
}

/// Builds preludes on demand and remembers them for the life of the process.
#[derive(Debug, Default)]
pub struct PreludeCache {
    built: Mutex<HashMap<String, BuiltPrelude>>,
}

impl PreludeCache {
    /// The prelude built by `command` (a rustc invocation missing only
    /// `--out-dir`; it gets the folder it builds in, and runs there with
    /// `RUSTC_ICE` pointing at it), cached under `key`. `command` must emit
    /// `link` for crate `gpu`, and `llvm-bc` too when `bitcode` is asked
    /// for. A failing build is an error that shows the compiler's output:
    /// it is a broken prelude, not a failing test.
    pub fn get(
        &self,
        key: &str,
        timeout: Duration,
        bitcode: bool,
        command: impl FnOnce(&Path) -> Command,
    ) -> Result<BuiltPrelude> {
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = built.get(key) {
            return Ok(b.clone());
        }
        let dir = target_dir().join("ptx-prelude").join(key);
        let ready = BuiltPrelude {
            rlib: dir.join(format!("lib{PRELUDE_CRATE}.rlib")),
            bitcode: bitcode.then(|| dir.join(format!("{PRELUDE_CRATE}.bc"))),
        };
        let complete = |b: &BuiltPrelude| b.rlib.is_file() && b.bitcode.iter().all(|p| p.is_file());
        if !complete(&ready) {
            let staging = dir.with_extension(format!("staging-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging)
                .with_context(|| format!("cannot create {}", staging.display()))?;
            let staging = std::path::absolute(&staging)?;
            let mut cmd = command(&staging);
            cmd.current_dir(&staging)
                .env("RUSTC_ICE", &staging)
                .arg("--out-dir")
                .arg(&staging);
            let line = crate::pipeline::shell_line(&cmd);
            let out = run_with_timeout(cmd, timeout)
                .with_context(|| format!("cannot run the prelude build: {line}"))?;
            if !out.success() {
                let _ = std::fs::remove_dir_all(&staging);
                bail!(
                    "the device prelude (crate `{PRELUDE_CRATE}`) did not compile ({}):\n{}\n{}",
                    out.describe(),
                    line,
                    out.stderr
                );
            }
            // Another process may have published the same key meanwhile;
            // its copy is identical, so either one serves.
            if std::fs::rename(&staging, &dir).is_err() {
                let _ = std::fs::remove_dir_all(&staging);
            }
            if !complete(&ready) {
                bail!(
                    "the prelude build wrote no {}{}",
                    ready.rlib.display(),
                    ready
                        .bitcode
                        .as_ref()
                        .map(|b| format!(" and {}", b.display()))
                        .unwrap_or_default()
                );
            }
        }
        built.insert(key.to_string(), ready.clone());
        Ok(ready)
    }
}

/// A cache key from its parts.
pub fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..12])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `gpu_sm` holds for every architecture up to the target, plus the
    /// target's own `a` name, like rustc's cumulative `sm_NN` features.
    #[test]
    fn sm_cfgs_are_cumulative() {
        let values = |sm: &str| -> Vec<String> {
            sm_cfgs(sm.parse().unwrap())
                .chunks(2)
                .map(|pair| {
                    assert_eq!(pair[0], "--cfg");
                    pair[1].to_string_lossy().into_owned()
                })
                .collect()
        };
        assert_eq!(values("sm_75"), [r#"gpu_sm="75""#]);
        let sm90a = values("sm_90a");
        assert!(sm90a.contains(&r#"gpu_sm="80""#.to_string()), "{sm90a:?}");
        assert!(sm90a.contains(&r#"gpu_sm="90""#.to_string()), "{sm90a:?}");
        assert_eq!(sm90a.last().unwrap(), r#"gpu_sm="90a""#);
        assert!(!sm90a.contains(&r#"gpu_sm="100""#.to_string()), "{sm90a:?}");
        let sm80 = values("sm_80");
        assert_eq!(sm80, [r#"gpu_sm="75""#, r#"gpu_sm="80""#]);
        assert_eq!(
            values("sm_120")
                .iter()
                .filter(|v| v.ends_with("\"120\""))
                .count(),
            1
        );
    }

    #[test]
    fn keys_change_with_every_part() {
        let a = key(&["rustc 1", "sm_80", "abc"]);
        assert_ne!(a, key(&["rustc 1", "sm_90", "abc"]));
        assert_ne!(a, key(&["rustc 1", "sm_80", "abd"]));
        // Parts are delimited: moving a character between parts changes it.
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
    }

    #[test]
    fn dialect_is_the_folder_name() {
        let p = PreludeSource {
            path: PathBuf::from("/x/device-prelude/gpu-kernel/lib.rs"),
            hash: String::new(),
        };
        assert_eq!(p.dialect(), "gpu-kernel");
    }

    #[test]
    fn a_missing_prelude_names_the_file() {
        let e = PreludeSource::from_file(Path::new("/nonexistent/prelude/lib.rs")).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("/nonexistent/prelude/lib.rs"), "{msg}");
        assert!(msg.contains("device-prelude/README.md"), "{msg}");
    }
}

//! The device sysroot: `core` and `compiler_builtins` built for
//! `nvptx64-nvidia-cuda` from rust-src, cached under `target/` by toolchain
//! identity, plus their bitcode linked into one `device-libs.bc`.
//!
//! Concurrent processes serialize on a lock file, build into a private folder
//! and publish it with one atomic rename, so a reader never sees half a sysroot.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use fs2::FileExt;
use sha2::{Digest, Sha256};

use crate::toolchain::{target_dir, Toolchain};

/// The target triple of the device.
pub const DEVICE_TRIPLE: &str = "nvptx64-nvidia-cuda";

/// A ready device sysroot.
#[derive(Debug, Clone)]
pub struct DeviceSysroot {
    /// Pass as `--sysroot`.
    pub root: PathBuf,
    /// core + compiler_builtins bitcode, linked into one module.
    pub device_libs: PathBuf,
    /// Whether this call found it cached rather than building it.
    pub reused: bool,
}

/// The cache key: a hash of `rustc -vV`, which names the exact toolchain build.
pub fn toolchain_key(rustc_version: &str) -> String {
    let digest = Sha256::digest(rustc_version.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where sysroots are cached: `PTX_SYSROOT_CACHE`, else `<target>/ptx-sysroot`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("PTX_SYSROOT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("ptx-sysroot"))
}

impl DeviceSysroot {
    /// Returns the cached sysroot for this toolchain, building it first if needed.
    pub fn ensure(tc: &Toolchain) -> Result<DeviceSysroot> {
        Self::ensure_in(tc, &cache_dir())
    }

    /// [`DeviceSysroot::ensure`] with an explicit cache folder.
    pub fn ensure_in(tc: &Toolchain, cache: &Path) -> Result<DeviceSysroot> {
        let key = toolchain_key(&tc.rustc_version);
        let root = cache.join(&key);
        let ready = |reused| DeviceSysroot {
            device_libs: root.join("device-libs.bc"),
            root: root.clone(),
            reused,
        };
        if is_complete(&root) {
            return Ok(ready(true));
        }
        fs::create_dir_all(cache)
            .with_context(|| format!("cannot create the sysroot cache {}", cache.display()))?;
        let lock_path = cache.join(format!("{key}.lock"));
        let lock = fs::File::create(&lock_path)
            .with_context(|| format!("cannot create {}", lock_path.display()))?;
        lock.lock_exclusive()
            .with_context(|| format!("cannot lock {}", lock_path.display()))?;
        // Another process may have finished while we waited for the lock.
        if is_complete(&root) {
            return Ok(ready(true));
        }
        let staging = cache.join(format!("{key}.staging-{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        build_into(tc, &staging).with_context(|| {
            format!(
                "building the device sysroot (core for {DEVICE_TRIPLE}) in {}",
                staging.display()
            )
        })?;
        let _ = fs::remove_dir_all(&root); // an incomplete leftover, if any
        fs::rename(&staging, &root)
            .with_context(|| format!("cannot publish the sysroot at {}", root.display()))?;
        Ok(ready(false))
    }
}

fn is_complete(root: &Path) -> bool {
    root.join(".complete").is_file() && root.join("device-libs.bc").is_file()
}

fn build_into(tc: &Toolchain, staging: &Path) -> Result<()> {
    let project = staging.join("build");
    fs::create_dir_all(project.join("src"))?;
    fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"device-sysroot\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [lib]\npath = \"src/lib.rs\"\n\n[profile.release]\npanic = \"abort\"\n\n[workspace]\n",
    )?;
    fs::write(project.join("src/lib.rs"), "#![no_std]\n")?;
    let mut cmd = Command::new(&tc.cargo);
    cmd.current_dir(&project)
        .args([
            "build",
            "--release",
            "-Zbuild-std=core",
            "--target",
            DEVICE_TRIPLE,
        ])
        .env("RUSTC", &tc.rustc)
        .env("CARGO_TARGET_DIR", project.join("target"))
        .env("RUSTC_BOOTSTRAP", "1");
    // A parent cargo's flags and wrappers must not leak into core's build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", tc.cargo.display()))?;
    if !out.status.success() {
        bail!(
            "`cargo build -Zbuild-std=core --target {DEVICE_TRIPLE}` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let deps = project.join(format!("target/{DEVICE_TRIPLE}/release/deps"));
    let lib = staging.join(format!("lib/rustlib/{DEVICE_TRIPLE}/lib"));
    fs::create_dir_all(&lib)?;
    let mut rlibs = Vec::new();
    for entry in fs::read_dir(&deps)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let wanted = name.starts_with("libcore-") || name.starts_with("libcompiler_builtins-");
        if wanted && (name.ends_with(".rlib") || name.ends_with(".rmeta")) {
            fs::copy(&path, lib.join(&name))?;
            if name.ends_with(".rlib") {
                rlibs.push(lib.join(&name));
            }
        }
    }
    if rlibs.len() != 2 {
        bail!(
            "expected core and compiler_builtins rlibs in {}, found {rlibs:?}",
            deps.display()
        );
    }
    link_device_libs(tc, &rlibs, staging)?;
    fs::write(staging.join("toolchain.txt"), &tc.rustc_version)?;
    let _ = fs::remove_dir_all(&project);
    fs::write(staging.join(".complete"), "")?;
    Ok(())
}

/// Extracts the bitcode members of the rlibs and links them into `device-libs.bc`.
fn link_device_libs(tc: &Toolchain, rlibs: &[PathBuf], staging: &Path) -> Result<()> {
    let members = staging.join("bitcode");
    let mut inputs = Vec::new();
    for (i, rlib) in rlibs.iter().enumerate() {
        inputs.extend(extract_bitcode(tc, rlib, &members.join(i.to_string()))?);
    }
    inputs.sort();
    let out = Command::new(&tc.llvm_link)
        .args(&inputs)
        .arg("-o")
        .arg(staging.join("device-libs.bc"))
        .output()?;
    if !out.status.success() {
        bail!(
            "llvm-link of core's bitcode failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    fs::remove_dir_all(&members)?;
    Ok(())
}

/// Extracts the bitcode members (`*.o`; rlibs for nvptx hold LLVM bitcode)
/// of an rlib into `into`, which is emptied first, and returns their paths.
pub fn extract_bitcode(tc: &Toolchain, rlib: &Path, into: &Path) -> Result<Vec<PathBuf>> {
    let ar = tc.llvm_link.with_file_name("llvm-ar");
    // llvm-ar runs inside `into`, so a relative archive path would name a
    // file there; both are made absolute against the caller's folder.
    let rlib = &std::path::absolute(rlib)?;
    let into = &std::path::absolute(into)?;
    let _ = fs::remove_dir_all(into);
    fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    let st = Command::new(&ar)
        .current_dir(into)
        .arg("x")
        .arg(rlib)
        .status()
        .with_context(|| format!("cannot run {}", ar.display()))?;
    if !st.success() {
        bail!("`llvm-ar x {}` failed", rlib.display());
    }
    let mut members = Vec::new();
    for e in fs::read_dir(into)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "o") {
            members.push(p);
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_changes_with_toolchain() {
        let a = toolchain_key("rustc 1.97.0-nightly (e50aa6fba 2026-05-19)");
        let b = toolchain_key("rustc 1.97.0-nightly (0000000aa 2026-05-20)");
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn builds_once_then_reuses_and_rebuilds_for_a_new_toolchain() {
        let tc = Toolchain::discover().expect("toolchain");
        let cache = tempfile::tempdir().unwrap();
        let first = DeviceSysroot::ensure_in(&tc, cache.path()).expect("build");
        assert!(!first.reused);
        assert!(first.device_libs.is_file());
        let libdir = first.root.join(format!("lib/rustlib/{DEVICE_TRIPLE}/lib"));
        assert!(fs::read_dir(&libdir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("libcore-")));
        let second = DeviceSysroot::ensure_in(&tc, cache.path()).expect("reuse");
        assert!(second.reused);
        assert_eq!(first.root, second.root);
        // A half-written sysroot (no marker) is never trusted.
        fs::remove_file(first.root.join(".complete")).unwrap();
        let mut other = tc.clone();
        other.rustc_version.push_str("\n(different build)");
        let third = DeviceSysroot::ensure_in(&other, cache.path()).expect("rebuild");
        assert!(!third.reused);
        assert_ne!(third.root, first.root);
        assert!(!is_complete(&first.root));
    }
}

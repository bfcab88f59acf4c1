//! `cargo ptx`: builds a user's kernel crate (and its dependencies) for the
//! GPU through the same backend as the harness. Like cargo-oxide and clippy,
//! it sets the driver (`RUSTC_WORKSPACE_WRAPPER=ptx-rustc`) and the flags
//! (`CARGO_ENCODED_RUSTFLAGS`), spawns cargo, then runs the back end
//! (link with core, internalize, opt, llc, ptxas) on the bitcode cargo made.
//! With `--backend-config`, cargo runs with the external backend's rustc,
//! flags and environment instead, and ptxas checks the PTX it wrote
//! ([`ExternalBackend::build_package`]).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Parser;
use ptx_backend::external::ExternalBackend;
use ptx_backend::sysroot::{extract_bitcode, DeviceSysroot, DEVICE_TRIPLE};
use ptx_backend::{
    Backend, BuiltinBackend, CompileStatus, PipelineOptions, SmTarget, Stage, Toolchain,
};
use std::time::Duration;

#[derive(Parser)]
#[command(bin_name = "cargo", name = "cargo-ptx", version)]
enum CargoCli {
    /// Build a kernel crate to PTX.
    Ptx(PtxArgs),
}

#[derive(clap::Args)]
#[command(
    display_name = "cargo-ptx",
    version,
    about = "Build a kernel crate to PTX for several sm targets"
)]
struct PtxArgs {
    /// The crate's Cargo.toml.
    #[arg(long, default_value = "Cargo.toml")]
    manifest_path: PathBuf,
    /// sm targets, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = |s: &str| s.parse::<SmTarget>().map_err(|e| e.to_string()), default_value = "sm_80")]
    sm: Vec<SmTarget>,
    /// Where the PTX and stage dumps go: `<out-dir>/<sm>/<crate>.<ext>`
    /// (default: `target/ptx` beside the crate's Cargo.toml; a relative
    /// path is relative to the current folder).
    #[arg(long, short = 'o')]
    out_dir: Option<PathBuf>,
    /// Build through an external backend (as `ptxc --backend-config`): cargo
    /// runs with its rustc, flags and environment, and its PTX is validated
    /// by ptxas. The crate names its device crates (`cuda_device`) in its
    /// own Cargo.toml.
    #[arg(long)]
    backend_config: Option<PathBuf>,
    /// Extra arguments for cargo, after `--`.
    #[arg(last = true)]
    cargo_args: Vec<String>,
}

fn main() -> ExitCode {
    let CargoCli::Ptx(args) = CargoCli::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: PtxArgs) -> Result<bool> {
    if !args.manifest_path.is_file() {
        bail!(
            "{}: no such manifest; run in a crate folder or pass --manifest-path",
            args.manifest_path.display()
        );
    }
    // Every path is absolute from here on: cargo and the LLVM tools run in
    // other folders.
    let manifest = std::path::absolute(&args.manifest_path)?;
    let out_root = match &args.out_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => manifest
            .parent()
            .unwrap_or(Path::new("/"))
            .join("target/ptx"),
    };
    if let Some(cfg) = &args.backend_config {
        return run_external(&args, cfg, &manifest, &out_root);
    }
    let tc = Toolchain::discover()?;
    let sysroot = DeviceSysroot::ensure(&tc)?;
    let backend = BuiltinBackend::new(tc.clone(), sysroot.clone(), PipelineOptions::from_env()?)?;
    let mut ok = true;
    for &sm in &args.sm {
        let target_dir = out_root.join(format!("cargo-{sm}"));
        let flags = [
            "--sysroot".to_string(),
            sysroot.root.display().to_string(),
            format!("-Ctarget-cpu={sm}"),
            "-Ccodegen-units=1".into(),
        ];
        let status = Command::new(&tc.cargo)
            .args(["rustc", "--lib", "--release", "--target", DEVICE_TRIPLE])
            .arg("--manifest-path")
            .arg(&manifest)
            .args(&args.cargo_args)
            .args(["--", "--emit=llvm-bc,llvm-ir,mir"])
            .env("RUSTC", &tc.rustc)
            .env("RUSTC_WORKSPACE_WRAPPER", &tc.ptx_rustc)
            .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            eprintln!("{sm}: cargo failed");
            ok = false;
            continue;
        }
        let deps = target_dir.join(format!("{DEVICE_TRIPLE}/release/deps"));
        let (bc, ll) = newest_pair(&deps)?;
        let name = bc.file_stem().unwrap().to_string_lossy();
        let crate_name = name.split('-').next().unwrap_or(&name).to_string();
        let ir = std::fs::read_to_string(&ll)?;
        let mut inputs = vec![bc.clone()];
        inputs.extend(dependency_bitcode(
            &tc,
            &deps,
            &crate_name,
            &target_dir.join("dep-bitcode"),
        )?);
        let out_dir = out_root.join(sm.name());
        let out = backend.compile_bitcode(&inputs, &ir, sm, &out_dir, &crate_name)?;
        match &out.status {
            CompileStatus::Succeeded => println!(
                "{sm}: {}",
                out_dir.join(format!("{crate_name}.ptx")).display()
            ),
            other => {
                ok = false;
                eprintln!("{sm}: {other:?}");
            }
        }
    }
    Ok(ok)
}

/// `cargo ptx --backend-config`: one cargo build per sm through the external
/// backend, its dumps in `<out-dir>/<sm>/`.
fn run_external(args: &PtxArgs, cfg: &Path, manifest: &Path, out_root: &Path) -> Result<bool> {
    let backend = ExternalBackend::from_config_file(cfg)?;
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let crate_name = lib_name(&cargo, manifest)?;
    let mut ok = true;
    for &sm in &args.sm {
        let out_dir = out_root.join(sm.name());
        let target_dir = out_root.join(format!("cargo-{}-{sm}", backend.name()));
        let out = backend.build_package(
            &cargo,
            manifest,
            &args.cargo_args,
            &crate_name,
            sm,
            &out_dir,
            &target_dir,
            Duration::from_secs(1800),
        )?;
        match &out.status {
            CompileStatus::Succeeded => println!(
                "{sm}: {}",
                out.stages.get(&Stage::Ptx).map_or_else(
                    || out_dir.display().to_string(),
                    |p| p.display().to_string()
                )
            ),
            other => {
                ok = false;
                eprint!("{}", out.diagnostics);
                eprintln!("{sm}: {other:?}");
            }
        }
    }
    Ok(ok)
}

/// The crate name of the package's library target, from `cargo metadata`.
fn lib_name(cargo: &Path, manifest: &Path) -> Result<String> {
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed for {}:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let manifest = std::fs::canonicalize(manifest)?;
    let package = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["manifest_path"]
                .as_str()
                .and_then(|m| std::fs::canonicalize(m).ok())
                .is_some_and(|m| m == manifest)
        })
        .with_context(|| format!("cargo metadata lists no package for {}", manifest.display()))?;
    package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["kind"].as_array().is_some_and(|k| {
                k.iter()
                    .any(|k| matches!(k.as_str(), Some("lib" | "rlib" | "cdylib" | "staticlib")))
            })
        })
        .and_then(|t| t["name"].as_str())
        .map(|n| n.replace('-', "_"))
        .with_context(|| format!("{} has no library target to build", manifest.display()))
}

/// The `.bc` and `.ll` that `--emit` left for the top crate (the newest pair).
fn newest_pair(deps: &Path) -> Result<(PathBuf, PathBuf)> {
    let mut bcs: Vec<_> = std::fs::read_dir(deps)
        .with_context(|| format!("cargo left no {}", deps.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bc"))
        .collect();
    bcs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let bc = bcs
        .pop()
        .with_context(|| format!("no bitcode in {}", deps.display()))?;
    let ll = bc.with_extension("ll");
    Ok((bc, ll))
}

/// Bitcode members of the dependency rlibs (core comes from the sysroot).
fn dependency_bitcode(
    tc: &Toolchain,
    deps: &Path,
    top: &str,
    scratch: &Path,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(deps)? {
        let p = e?.path();
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        if !file.ends_with(".rlib") || file.starts_with(&format!("lib{top}-")) {
            continue;
        }
        out.extend(extract_bitcode(tc, &p, &scratch.join(&file))?);
    }
    Ok(out)
}

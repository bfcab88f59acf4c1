//! An external backend's device dependencies: prebuilt rlibs (paths may
//! come from the environment) or crates built with cargo under the
//! backend's rustc and flags, ready for `--extern`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::config::{resolve_path, DeviceDep};
use super::ExternalBackend;
use crate::pipeline::shell_line;
use crate::prelude;

/// A device dependency ready for `--extern`.
#[derive(Debug, Clone)]
pub(super) struct ResolvedDep {
    pub(super) name: String,
    pub(super) rlib: PathBuf,
    pub(super) dep_dirs: Vec<PathBuf>,
}

impl ResolvedDep {
    pub(super) fn rustc_args(&self) -> Vec<OsString> {
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

impl ExternalBackend {
    /// Device dependencies: prebuilt ones as they are, manifest ones built
    /// with cargo under the backend's rustc and flags.
    pub(super) fn resolve_deps(&self, base: &Path) -> Result<Vec<ResolvedDep>> {
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
}

/// The `rendered` diagnostics of cargo's JSON messages.
fn rendered_messages(stdout: &str) -> String {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m["message"]["rendered"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::backend::Backend;
    use crate::external::test_support::{backend, calls, compile, executable, fake_rustc};

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
}

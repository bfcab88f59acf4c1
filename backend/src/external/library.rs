//! Finding what an external backend runs: its codegen library (in
//! cargo-oxide's order, every miss listed), the rustc of a rustup
//! toolchain, and the check that the one loads into the other.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Result};

use super::config::{resolve_path, resolve_path_with, LibrarySearch};

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

/// Checks once that `library` loads into `rustc`: `--print sysroot` loads
/// the codegen backend (`--version` does not) and costs nothing else.
pub(super) fn check_loads(rustc: &Path, library: &Path, config: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::external::test_support::{backend, calls, compile, executable, fake_rustc};

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
}

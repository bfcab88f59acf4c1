//! An external backend's cache identity: everything its output depends
//! on besides the request (config, codegen library and what it loads,
//! rustc, ptxas, device dependencies, prelude), stamped by file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::ExternalBackend;

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

impl ExternalBackend {
    /// The cache identity: the whole config (parsed, and its file's text),
    /// the codegen library (path, size, mtime and SHA-256), the shared
    /// libraries it loads (from `ldd`: path, size, mtime), the rustc that
    /// runs it (path, stamp and `rustc -vV`, or why it cannot run), that
    /// rustc's `librustc_driver`, ptxas, the device dependencies (each
    /// rlib's SHA-256; the other rlibs of their folders by size and mtime)
    /// and the prelude's source. A config that points at another rustc, a
    /// rebuilt `.so` or an updated dependency never reuses results.
    pub(super) fn compute_identity(&self) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use crate::external::test_support::{backend, fake_rustc};

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

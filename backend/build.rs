//! Records the sysroot of the toolchain that builds the backend, so tool
//! discovery finds the pinned toolchain even when run outside the repository,
//! and a hash of the backend's own sources, so compile caches keyed on the
//! backend's identity miss as soon as the pipeline code changes.
use std::path::Path;
use std::process::Command;

fn hash_dir(dir: &Path, h: &mut u64) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hash_dir(&p, h);
        } else if p.extension().is_some_and(|e| e == "rs") {
            // FNV-1a: enough to notice an edit; no dependency needed in build.rs.
            for b in p
                .to_string_lossy()
                .bytes()
                .chain(std::fs::read(&p).unwrap())
            {
                *h = (*h ^ u64::from(b)).wrapping_mul(0x100000001b3);
            }
        }
    }
}

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8(out.stdout).expect("utf-8 sysroot");
    println!("cargo:rustc-env=PTX_BUILD_SYSROOT={}", sysroot.trim());
    let mut h = 0xcbf29ce484222325u64;
    hash_dir(Path::new("src"), &mut h);
    println!("cargo:rustc-env=PTX_BACKEND_SOURCE_HASH={h:016x}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
}

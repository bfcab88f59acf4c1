//! The `sass` stage in batches: a run's sass trials are disassembled with one
//! nvdisasm run per target, even one trial at a time (`-j 1`), and each
//! trial's `sass` stage is exactly what nvdisasm on its cubin alone gives.
//!
//! A test file of its own: it points `NVDISASM` at a wrapper that logs each
//! call, which must not leak into other tests of the same process.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::Scratch;
use ptx_harness::plan::discover::Suite;

const JUMP_TABLE: &str = r#"//! A dense match: a jump table (`BRX` in SASS).
//@ stages: sass
#![no_std]

#[inline(never)]
fn opaque(x: u32) -> u32 {
    x.wrapping_mul(2654435761)
}

gpu::kernel! {
    pub unsafe fn dense(op: u32, a: u32, b: u32, out: *mut u32) {
        *out = match op {
            0 => a.wrapping_add(b),
            1 => a.wrapping_sub(b),
            2 => a.wrapping_mul(b),
            3 => a & b,
            4 => a | b,
            5 => a ^ b,
            6 => a.wrapping_shl(b),
            7 => opaque(a),
            8 => opaque(b) + 1,
            _ => 0,
        };
    }
}
"#;

const GLOBAL: &str = r#"//! A static in global memory: a relocation in the code.
//@ stages: sass
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

static TICKETS: AtomicU32 = AtomicU32::new(0);

gpu::kernel! {
    pub unsafe fn take_ticket(out: *mut u32) {
        let t = TICKETS.fetch_add(1, Relaxed);
        *out.add(gpu::thread_idx_x() as usize) = t;
    }
}
"#;

const CALLS: &str = r#"//! A device function ptxas copies into each kernel that calls it.
//@ stages: sass
#![no_std]

#[inline(never)]
fn depth(n: u32) -> u32 {
    if n == 0 { 0 } else { 1 + depth(n / 2) }
}

gpu::kernel! {
    pub unsafe fn one(n: u32, out: *mut u32) {
        *out = depth(n);
    }
}

gpu::kernel! {
    pub unsafe fn two(n: u32, out: *mut u32) {
        *out = depth(n + 1) * 2;
    }
}
"#;

/// Every cache entry's `sass` stage against nvdisasm on its cubin alone.
fn check_entries_against_nvdisasm_alone(cache: &Path, nvdisasm: &Path) -> usize {
    let mut checked = 0;
    for entry in std::fs::read_dir(cache).unwrap().flatten() {
        for file in std::fs::read_dir(entry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "cubin") {
                continue;
            }
            let stage = path.with_extension("sass");
            let kept = std::fs::read_to_string(&stage).unwrap();
            let alone = std::process::Command::new(nvdisasm)
                .arg("--print-code")
                .arg(&path)
                .output()
                .unwrap();
            assert!(alone.status.success(), "{}", path.display());
            let raw = String::from_utf8(alone.stdout).unwrap();
            let expected = ptx_backend::sass::render_sass(&ptx_backend::sass::parse_nvdisasm(&raw));
            assert_eq!(kept, expected, "{}", stage.display());
            checked += 1;
        }
    }
    checked
}

#[test]
fn sass_trials_share_one_nvdisasm_run_per_target_and_keep_their_listings() {
    let Ok(nvdisasm) = ptx_backend::toolchain::find_nvdisasm() else {
        eprintln!("skipped: no nvdisasm (run ./setup.sh)");
        return;
    };
    let s = Scratch::new("ptx-sass-batch-", &["ptx-snapshots"]);
    let log = s.root().join("nvdisasm.log");
    let wrapper = s.root().join("bin/nvdisasm");
    s.write(
        &wrapper,
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            nvdisasm.display()
        ),
    );
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: the only test of this binary; nothing else reads the
    // environment concurrently.
    unsafe { std::env::set_var("NVDISASM", &wrapper) };
    s.write("tests/ptx-snapshots/jump-table.rs", JUMP_TABLE);
    s.write("tests/ptx-snapshots/global.rs", GLOBAL);
    s.write("tests/ptx-snapshots/calls.rs", CALLS);
    let disassemblies = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("--print-code"))
            .count()
    };

    let mut settings = s.settings(&["sm_80", "sm_90"], None);
    settings.bless = true;
    let (conclusion, results) = s.run(settings, "sass-batch", &[], &[Suite::PtxSnapshots]);
    assert!(!conclusion.has_failed(), "{:?}", results.trials);
    assert_eq!(results.trials.len(), 6);
    // Six trials, two targets: two runs, each over three cubins.
    assert_eq!(
        disassemblies(),
        2,
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    let cache = s.root().join("work/cache");
    assert_eq!(check_entries_against_nvdisasm_alone(&cache, &nvdisasm), 6);
    let sass = std::fs::read_to_string(s.root().join("tests/ptx-snapshots/jump-table.sass"))
        .or_else(|_| {
            std::fs::read_to_string(s.root().join("tests/ptx-snapshots/jump-table.sm_80.sass"))
        })
        .unwrap();
    assert!(sass.contains("BRANCH_TARGETS"), "{sass}");

    // Nothing changed: every trial from the cache, no disassembly.
    let (conclusion, results) = s.run(
        s.settings(&["sm_80", "sm_90"], None),
        "sass-batch",
        &[],
        &[Suite::PtxSnapshots],
    );
    assert!(!conclusion.has_failed(), "{:?}", results.trials);
    assert_eq!(disassemblies(), 2);
}

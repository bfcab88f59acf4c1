//! Runs that must not mislead: the root is the checkout you run from (found
//! at run time), a filter that matches nothing is an error, and a hanging
//! compiler is killed at its limit with a verdict that names the step.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use libtest_mimic::Arguments;
use ptx_harness::config::{Overrides, Settings};
use ptx_harness::plan::discover::Suite;
use ptx_harness::report::verdict::{DecidedBy, Verdict};
use ptx_harness::runner;

const TEST_HEADER: &str = "#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }
";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn executable(path: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(path, &format!("#!/bin/sh\n{script}\n"));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// This checkout's root: two levels above the test binary's crate folder.
fn this_checkout() -> PathBuf {
    ptx_backend::toolchain::discover_root(None).unwrap()
}

fn harness_cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ptx-harness"));
    for var in ["CI", "BLESS", "PTX_HARNESS_ROOT", "PTX_SM_MATRIX"] {
        cmd.env_remove(var);
    }
    cmd
}

fn settings(root: &Path, work: &Path) -> Settings {
    let mut s = Settings::resolve(
        root,
        &Overrides {
            matrix: Some(vec!["sm_80".parse().unwrap()]),
            ..Default::default()
        },
    )
    .unwrap();
    s.ui_matrix = s.matrix.clone();
    s.work_dir = work.to_path_buf();
    s.bless = false;
    s.ci = true;
    s.cache = true;
    s
}

fn quiet_args(root: &Path, extra: &[&str]) -> Arguments {
    let argv = ["trust", "--quiet"].iter().chain(extra);
    let mut args = Arguments::from_iter(argv.map(|s| s.to_string()));
    args.test_threads = Some(1);
    args.logfile = Some(root.join("libtest.log").display().to_string());
    args
}

/// `cargo test` runs in `harness/`, which has a `tests/` folder of its own:
/// the root found from there is the workspace, never `harness/`.
#[test]
fn the_root_is_the_workspace_from_a_crate_folder() {
    let root = runner::default_settings(&Overrides::default())
        .unwrap()
        .root;
    assert_eq!(root, this_checkout());
    assert!(root.join("tests/ptx-snapshots").is_dir());
    assert!(std::env::current_dir().unwrap().starts_with(&root));
}

/// A copied checkout run from its `harness/` folder works on the copy (here
/// an empty one, which is an error) and never on the checkout that built the
/// binary, nor on `harness/tests`.
#[test]
fn a_copied_checkout_run_from_a_subfolder_tests_the_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path();
    std::fs::copy(this_checkout().join("Cargo.toml"), copy.join("Cargo.toml")).unwrap();
    std::fs::create_dir_all(copy.join("tests/ui")).unwrap();
    std::fs::create_dir_all(copy.join("harness/tests")).unwrap();
    let reports = copy.join("reports");
    let out = harness_cli()
        .current_dir(copy.join("harness"))
        .env("PTX_HARNESS_WORK_DIR", copy.join("work"))
        .args(["run", "--report-dir"])
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no tests found under {}",
            copy.join("tests").display()
        )),
        "{stderr}"
    );
    assert!(!reports.join("results.json").exists());
    // `--root` names any folder with a tests/ (here an empty one).
    let bare = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bare.path().join("tests")).unwrap();
    let out = harness_cli()
        .current_dir(bare.path())
        .env("PTX_HARNESS_WORK_DIR", copy.join("work"))
        .args(["--root"])
        .arg(bare.path())
        .args(["run", "--report-dir"])
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no tests found under {}",
            bare.path().join("tests").display()
        )),
        "{stderr}"
    );
    assert!(!reports.join("results.json").exists());
}

/// `ptx-harness run integer/` (the folder is `integers/`) fails, says why,
/// suggests the folder, and writes no report.
#[test]
fn a_filter_that_matches_nothing_fails_with_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let out = harness_cli()
        .current_dir(this_checkout())
        .env("PTX_HARNESS_WORK_DIR", tmp.path().join("work"))
        .env("PTX_HARNESS_NO_GPU", "1")
        .args([
            "run",
            "integer/",
            "--suite",
            "ptx-snapshots",
            "--report-dir",
        ])
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("no trial matched the filter `integer/`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `ptx-snapshots/integers/`"),
        "{stderr}"
    );
    assert!(stderr.contains("folders: "), "{stderr}");
    assert!(!reports.join("results.json").exists());
}

/// `CI=1 ./bless.sh typo/` goes through `runner::run` with bless set: an error.
#[test]
fn a_bless_whose_filter_matches_nothing_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join("tests/ptx-snapshots/integers/add.rs"),
        &format!("{TEST_HEADER}#[no_mangle]\npub unsafe extern \"ptx-kernel\" fn k(p: *mut i32) {{ *p += 1; }}\n"),
    );
    let mut s = settings(root, &root.join("work"));
    s.bless = true;
    let err = runner::run(s, &quiet_args(root, &["integer/"]), &[Suite::PtxSnapshots])
        .map(|_| ())
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("no trial matched the filter `integer/`"),
        "{msg}"
    );
    assert!(msg.contains("`ptx-snapshots/integers/`"), "{msg}");
    // The same filter, spelled right, runs.
    let mut s = settings(root, &root.join("work"));
    s.bless = true;
    s.ci = false;
    let (_, results) =
        runner::run(s, &quiet_args(root, &["integers/"]), &[Suite::PtxSnapshots]).unwrap();
    assert_eq!(results.trials.len(), 1);
}

/// An external backend whose rustc hangs: with `//@ compile-timeout: 1s` the
/// trial fails within seconds, naming the step and the limit, and the
/// timeout is not cached (the next run compiles, and times out, again).
#[test]
fn a_hanging_compiler_is_killed_at_the_compile_timeout_and_never_cached() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let rustc = root.join("fake-rustc");
    executable(
        &rustc,
        "case \"$1\" in -V|-vV) echo 'rustc 0.0.0-fake'; exit 0;; esac\n\
         for a; do [ \"$a\" = --print ] && { echo /sysroot; exit 0; }; done\nsleep 120 &\nsleep 120",
    );
    write(&root.join("libfake.so"), "");
    let cfg = root.join("backend.toml");
    write(
        &cfg,
        &format!(
            "name = \"fake\"\nrustc = \"{}\"\nvalidate = false\n\
             [codegen_backend]\nfile_name = \"libfake.so\"\npath = \"libfake.so\"\n\
             [stages.ptx]\nfile = \"{{crate}}.ptx\"\n",
            rustc.display()
        ),
    );
    write(
        &root.join("tests/ptx-snapshots/slow/hang.rs"),
        &format!("//@ compile-timeout: 1s\n{TEST_HEADER}"),
    );
    for _ in 0..2 {
        let mut s = settings(root, &root.join("work"));
        s.backend_config = Some(cfg.clone());
        let start = Instant::now();
        let (_, results) = runner::run(s, &quiet_args(root, &[]), &[Suite::PtxSnapshots]).unwrap();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(30), "{took:?}");
        assert_eq!(results.trials.len(), 1);
        let r = &results.trials[0];
        let Verdict::Failed { message } = &r.verdict else {
            panic!("{r:?}");
        };
        assert!(
            message.starts_with("rustc timed out after 1 s (limit: compile-timeout)"),
            "{message}"
        );
        assert!(message.contains("//@ compile-timeout"), "{message}");
        assert_eq!(r.decided_by, DecidedBy::Rustc);
        // Nothing in the cache but the kept, never-read `.uncached` folder.
        let entries: Vec<String> = std::fs::read_dir(root.join("work/cache"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            entries.iter().all(|e| e.ends_with(".uncached")),
            "{entries:?}"
        );
    }
}

/// An external backend's own stage (`[stages.dialect-mir]`) is a stage a
/// test may snapshot; a stage whose `env` switches its dump on gets it only
/// in the trial that asks; a stage the backend lacks is an error at the
/// directive's line.
#[test]
fn an_external_backends_own_stages_are_snapshotted() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let rustc = root.join("fake-rustc");
    executable(
        &rustc,
        "case \"$1\" in -V|-vV) echo 'rustc 0.0.0-fake'; exit 0;; esac\n\
         for a; do [ \"$a\" = --print ] && { echo /sysroot; exit 0; }; done\n\
         [ \"$SHOW_MIR\" = 1 ] && { echo '=== MIR ===' >&2; echo 'fn k()' >&2; }\n\
         echo '=== dialect-mir module ===' >&2; echo 'func @k' >&2; echo '=== end ===' >&2\n\
         printf '.version 8.0\\n.target sm_80\\n.visible .entry k()\\n{\\nret;\\n}\\n' > \"$FAKE_DIR/k.ptx\"",
    );
    write(&root.join("libfake.so"), "");
    let cfg = root.join("backend.toml");
    write(
        &cfg,
        &format!(
            "name = \"fake\"\nrustc = \"{}\"\nvalidate = false\nout_dir_env = \"FAKE_DIR\"\n\
             [codegen_backend]\nfile_name = \"libfake.so\"\npath = \"libfake.so\"\n\
             [stages.ptx]\nfile = \"k.ptx\"\n\
             [stages.mir]\nstderr_banner = \"^=== MIR\"\nenv = {{ SHOW_MIR = \"1\" }}\n\
             [stages.dialect-mir]\nstderr_banner = \"^=== dialect-mir module\"\n",
            rustc.display()
        ),
    );
    let dir = root.join("tests/ptx-snapshots/ext");
    write(&dir.join("k.rs"), "//@ stages: dialect-mir mir\n");
    write(&dir.join("other.rs"), "//@ stages: ptx dialect-mri\n");
    let run = |bless: bool| {
        let mut s = settings(root, &root.join("work"));
        s.backend_config = Some(cfg.clone());
        s.bless = bless;
        s.ci = false;
        runner::run(s, &quiet_args(root, &[]), &[Suite::PtxSnapshots])
            .unwrap()
            .1
    };
    run(true);
    // A backend other than the built-in one keeps its own snapshots.
    assert_eq!(
        std::fs::read_to_string(dir.join("k.fake.dialect-mir")).unwrap(),
        "func @k\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("k.fake.mir")).unwrap(),
        "fn k()\n"
    );
    let results = run(false);
    let by_test = |name: &str| {
        results
            .trials
            .iter()
            .find(|t| t.id.test == name)
            .unwrap_or_else(|| panic!("{name}: {:?}", results.trials))
    };
    assert!(
        matches!(by_test("ext/k").verdict, Verdict::Passed),
        "{:?}",
        by_test("ext/k")
    );
    let Verdict::Failed { message } = &by_test("ext/other").verdict else {
        panic!("{:?}", by_test("ext/other"));
    };
    assert!(message.contains("unknown stage `dialect-mri`"), "{message}");
    assert!(message.contains("did you mean `dialect-mir`?"), "{message}");
}

//! One suite, many backends: `only-backend`/`ignore-backend` skips, the
//! backend's expectations file (expected failures, unexpected passes,
//! failures of the wrong kind, skips), `build-fail` tests that must fail for
//! the reason they pin, and tests written in the portable dialect (crate
//! `gpu`) compiling under the built-in backend.

use std::path::Path;

use libtest_mimic::Arguments;
use ptx_harness::plan::discover::Suite;
use ptx_harness::report::verdict::{RunResults, Verdict};
use ptx_harness::runner;

/// A kernel in the portable dialect with one FileCheck line.
fn portable(check: &str) -> String {
    format!(
        "#![no_std]\n// CHECK: {check}\ngpu::kernel! {{\n    pub unsafe fn add_one(p: *mut i32) {{\n        *p.add(gpu::thread_idx_x() as usize) += 1;\n    }}\n}}\n"
    )
}

mod common;
use common::{record, Scratch};

/// A scratch repository with ptx-snapshots, run-gpu and ui folders.
struct Repo(Scratch);

impl std::ops::Deref for Repo {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.0
    }
}

impl Repo {
    fn new() -> Repo {
        Repo(Scratch::new(
            "ptx-harness-backends-",
            &["ptx-snapshots", "run-gpu", "ui"],
        ))
    }

    /// `suites` on sm_80 in CI mode (snapshots compared, never written).
    fn run(&self, suites: &[Suite], expectations: Option<&Path>) -> RunResults {
        let mut settings = self.settings(&["sm_80"], expectations);
        settings.ci = true;
        self.0.run(settings, "backends", &[], suites).1
    }
}

#[test]
fn portable_tests_compile_and_backend_gates_skip_with_the_reason() {
    let repo = Repo::new();
    repo.write(
        "tests/ptx-snapshots/plain.rs",
        &portable(".visible .entry add_one("),
    );
    repo.write(
        "tests/ptx-snapshots/elsewhere.rs",
        &format!("//@ only-backend: cuda-oxide\n{}", portable("add_one")),
    );
    repo.write(
        "tests/ptx-snapshots/not-here.rs",
        &format!("//@ ignore-backend: builtin\n{}", portable("add_one")),
    );
    // Only FileCheck lines, no snapshot files: CI mode would fail a
    // missing snapshot, so give it an empty stage list through `stages`.
    for name in ["plain", "elsewhere", "not-here"] {
        let p = repo
            .dir
            .path()
            .join(format!("tests/ptx-snapshots/{name}.rs"));
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("//@ stages: ptx\n{text}")).unwrap();
    }
    let r = repo.run(&[Suite::PtxSnapshots], None);
    // `plain` has no snapshot file, so it fails on that, after compiling.
    match &record(&r, "plain").verdict {
        Verdict::Failed { message } => {
            assert!(message.contains("missing ptx snapshot"), "{message}")
        }
        v => panic!("plain: {v:?}"),
    }
    assert_eq!(
        record(&r, "elsewhere").verdict,
        Verdict::Skipped {
            reason: "only-backend: cuda-oxide (backend is builtin)".into()
        }
    );
    assert_eq!(
        record(&r, "not-here").verdict,
        Verdict::Skipped {
            reason: "ignore-backend: builtin".into()
        }
    );
}

#[test]
fn expectations_turn_known_gaps_into_expected_failures_and_flag_passes() {
    let repo = Repo::new();
    // Three tests whose PTX snapshot is wrong (they fail), one (a ui
    // check-pass test) that passes.
    for name in ["gap", "wrong-kind", "skipped", "other-message"] {
        repo.write(
            &format!("tests/ptx-snapshots/{name}.rs"),
            &format!("//@ stages: ptx\n{}", portable("add_one")),
        );
        repo.write(&format!("tests/ptx-snapshots/{name}.ptx"), "not the PTX\n");
    }
    repo.write(
        "tests/ui/fixed.rs",
        "//@ check-pass\n#![no_std]\ngpu::kernel! { pub unsafe fn k(p: *mut u32) { *p = 1; } }\n",
    );
    let file = repo.dir.path().join("expectations/builtin.toml");
    repo.write(
        "expectations/builtin.toml",
        r#"
[[expect]]
test = "ptx-snapshots/gap"
state = "fail"
reason = "the backend's PTX differs"
link = "https://example.com/1"

[[expect]]
test = "ptx-snapshots/wrong-kind"
state = "crash"
reason = "expected to crash"

[[expect]]
test = "ptx-snapshots/skipped"
sm = ["sm_80"]
state = "skip"
reason = "hangs the backend"

[[expect]]
test = "ui/fixed"
state = "fail"
reason = "used to fail"

[[expect]]
test = "ptx-snapshots/other-message"
state = "fail"
reason = "the backend rejects it"
message = 'Unsupported construct'
"#,
    );
    // Found by default as expectations/<backend>.toml …
    let r = repo.run(&[Suite::PtxSnapshots, Suite::Ui], None);
    // … and named explicitly it gives the same result.
    let r2 = repo.run(&[Suite::PtxSnapshots, Suite::Ui], Some(&file));
    for r in [&r, &r2] {
        match &record(r, "gap").verdict {
            Verdict::ExpectedFailure { reason, message } => {
                assert_eq!(reason, "the backend's PTX differs (https://example.com/1)");
                assert!(message.contains("ptx snapshot differs"), "{message}");
            }
            v => panic!("gap: {v:?}"),
        }
        match &record(r, "wrong-kind").verdict {
            Verdict::Failed { message } => {
                assert!(message.contains("expected `crash`"), "{message}");
                assert!(message.contains("it failed another way"), "{message}");
            }
            v => panic!("wrong-kind: {v:?}"),
        }
        match &record(r, "skipped").verdict {
            Verdict::Skipped { reason } => {
                assert!(
                    reason.starts_with("expectations: hangs the backend"),
                    "{reason}"
                );
                assert!(reason.contains("entry #3"), "{reason}");
            }
            v => panic!("skipped: {v:?}"),
        }
        // A failure whose message is not the entry's is a failure.
        match &record(r, "other-message").verdict {
            Verdict::Failed { message } => {
                assert!(message.contains("ptx snapshot differs"), "{message}");
                assert!(
                    message.contains("with a message matching `Unsupported construct`"),
                    "{message}"
                );
            }
            v => panic!("other-message: {v:?}"),
        }
        match &record(r, "fixed").verdict {
            Verdict::Failed { message } => {
                assert!(message.starts_with("unexpected pass"), "{message}");
                assert!(message.contains("entry #4"), "{message}");
                assert!(message.contains("remove the entry"), "{message}");
            }
            v => panic!("fixed: {v:?}"),
        }
    }
    // The summary counts expected failures apart from failures.
    let summary = ptx_harness::report::terminal::summary(&r);
    assert!(summary.contains("1 expected failures"), "{summary}");
}

#[test]
fn a_stale_expectation_is_an_error_not_a_no_op() {
    let repo = Repo::new();
    repo.write(
        "expectations/builtin.toml",
        "[[expect]]\ntest = \"run-gpu/gone\"\nstate = \"fail\"\nreason = \"x\"\n",
    );
    let settings = repo.settings(&["sm_80"], None);
    let args = Arguments::from_iter(["backends", "--quiet"].map(String::from));
    let err = match runner::run(settings, &args, &[Suite::PtxSnapshots]) {
        Ok(_) => panic!("a stale entry must stop the run"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("run-gpu/gone"), "{err}");
    assert!(err.contains("no such test"), "{err}");
}

#[test]
fn build_fail_tests_must_fail_for_the_pinned_reason() {
    let repo = Repo::new();
    let broken = |header: &str| {
        format!(
            "{header}#![cfg_attr(gpu_device, no_std)]\n#[cfg(gpu_device)]\npub mod device {{\n    gpu::kernel! {{ pub unsafe fn k(p: *mut u32) {{ *p = undefined_name; }} }}\n}}\n#[cfg(not(gpu_device))]\nfn main() {{}}\n"
        )
    };
    repo.write("tests/run-gpu/unpinned.rs", &broken("//@ build-fail\n"));
    repo.write(
        "tests/run-gpu/wrong-reason.rs",
        &broken("//@ build-fail\n//@ error-pattern: unsupported library call operation\n"),
    );
    repo.write(
        "tests/run-gpu/right-reason.rs",
        &broken("//@ build-fail\n//@ error-pattern: cannot find value `undefined_name`\n"),
    );
    let r = repo.run(&[Suite::RunGpu], None);
    match &record(&r, "unpinned").verdict {
        Verdict::Failed { message } => assert!(message.contains("error-pattern"), "{message}"),
        v => panic!("unpinned: {v:?}"),
    }
    match &record(&r, "wrong-reason").verdict {
        Verdict::Failed { message } => {
            assert!(message.contains("but it failed otherwise"), "{message}");
            assert!(message.contains("undefined_name"), "{message}");
        }
        v => panic!("wrong-reason: {v:?}"),
    }
    assert_eq!(record(&r, "right-reason").verdict, Verdict::Passed);
}

/// Every expectations file in the repository loads against this checkout's
/// tests, and every reason says what kind of entry it is (`<backend> gap`,
/// `shape:` or `test problem:`). CI runs only the
/// built-in backend, so without this a renamed test would leave a stale
/// entry that only the next cuda-oxide run finds.
#[test]
fn the_repositorys_expectations_files_name_existing_tests() {
    use ptx_harness::plan::expectations::Expectations;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("expectations")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Expectations::load(&path, &root).unwrap_or_else(|e| panic!("{e:#}"));
            let text = std::fs::read_to_string(&path).unwrap();
            let gap = format!("{} gap", path.file_stem().unwrap().to_string_lossy());
            for line in text.lines().filter(|l| l.starts_with("reason = ")) {
                let reason = line.trim_start_matches("reason = \"");
                assert!(
                    [gap.as_str(), "shape:", "test problem:"]
                        .iter()
                        .any(|k| reason.starts_with(k)),
                    "{}: a reason must start with its kind: {line}",
                    path.display()
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 1, "no expectations file under expectations/");
}

/// A check prefix may name a backend: `builtin-CHECK:` runs under the
/// built-in backend only, `other-CHECK:` (a backend with an expectations
/// file) only under that one, and a misspelt backend is an error naming the
/// nearest prefix.
#[test]
fn backend_scoped_check_prefixes_apply_to_their_backend_only() {
    let repo = Repo::new();
    repo.write("expectations/other.toml", "");
    let kernel = portable("add_one");
    repo.write(
        "tests/ptx-snapshots/scoped.rs",
        &format!(
            "// builtin-CHECK: .visible .entry add_one(\n\
             // other-CHECK: this line is not in the built-in backend's PTX\n{kernel}"
        ),
    );
    repo.write(
        "tests/ptx-snapshots/failing.rs",
        &format!("// builtin-CHECK: not in the PTX either\n{kernel}"),
    );
    repo.write(
        "tests/ptx-snapshots/typo.rs",
        &format!("// builtn-CHECK: .visible .entry add_one(\n{kernel}"),
    );
    for name in ["scoped", "failing", "typo"] {
        repo.write(&format!("tests/ptx-snapshots/{name}.ptx"), "");
    }
    let r = repo.run(&[Suite::PtxSnapshots], None);
    let message = |test: &str| match &record(&r, test).verdict {
        Verdict::Failed { message } => message.clone(),
        v => panic!("{test}: {v:?}"),
    };
    // `scoped` fails only on its snapshots: both scoped lines were accepted,
    // the built-in one ran and held (with the kernel's own `CHECK:`: 2), and
    // the other backend's, which would fail here, did not run.
    let scoped = message("scoped");
    assert!(scoped.contains("snapshot"), "{scoped}");
    assert!(
        scoped.contains("FileCheck: all 2 CHECK lines still pass"),
        "{scoped}"
    );
    let failing = message("failing");
    assert!(failing.contains("not in the PTX either"), "{failing}");
    let typo = message("typo");
    assert!(typo.contains("builtn-CHECK"), "{typo}");
    assert!(typo.contains("builtin-CHECK"), "{typo}");
}

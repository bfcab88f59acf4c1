//! End-to-end tests of the harness: each test lays out a throwaway repository
//! (`<tmp>/tests/ptx-snapshots/…`, `<tmp>/tests/ui/…`), runs the whole
//! harness on it with the real backend (`runner::run`), and checks the
//! verdicts, their messages and the snapshot files on disk.
//!
//! The settings are resolved and then pinned (`bless`, `ci`, matrices,
//! work folder), so the environment of the test process (`CI`, `BLESS`,
//! `PTX_SM_MATRIX`, …) does not change what these tests see.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ptx_harness::plan::discover::Suite;
use ptx_harness::report::verdict::{DecidedBy, RunResults, TrialRecord, Verdict};

const SMS: [&str; 2] = ["sm_80", "sm_90a"];

const HEADER: &str = "#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }
";

/// A valid ptx-snapshot test that adds `n` through a pointer.
fn add_kernel(n: i32) -> String {
    format!(
        "{HEADER}// CHECK-LABEL: .visible .entry add_one(
// CHECK: add.s32
#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn add_one(p: *mut i32) {{ *p += {n}; }}
"
    )
}

/// Another valid test, with a different kernel.
fn mul_kernel() -> String {
    format!(
        "{HEADER}// CHECK-LABEL: .visible .entry mul_two(
// CHECK: mul
#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn mul_two(p: *mut u32, q: *const u32) {{ *p *= *q; }}
"
    )
}

mod common;
use common::Scratch;

/// A throwaway repository with its own work folder.
struct Repo(Scratch);

impl std::ops::Deref for Repo {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.0
    }
}

impl Repo {
    fn new() -> Repo {
        Repo(Scratch::new("ptx-harness-e2e-", &["ptx-snapshots", "ui"]))
    }

    /// `tests/ptx-snapshots/<rel>`.
    fn snap(&self, rel: &str) -> PathBuf {
        self.root().join("tests/ptx-snapshots").join(rel)
    }

    /// `tests/ui/<rel>`.
    fn ui(&self, rel: &str) -> PathBuf {
        self.root().join("tests/ui").join(rel)
    }

    /// Runs `suite` with `bless` and `ci` pinned, on `sms`.
    fn run_on(&self, suite: Suite, sms: &[&str], bless: bool, ci: bool) -> RunResults {
        self.run_args(suite, sms, bless, ci, &[])
    }

    /// `run_on` with extra libtest arguments (a filter, say).
    fn run_args(
        &self,
        suite: Suite,
        sms: &[&str],
        bless: bool,
        ci: bool,
        extra: &[&str],
    ) -> RunResults {
        let mut settings = self.settings(sms, None);
        settings.bless = bless;
        settings.ci = ci;
        settings.cache = true;
        let (conclusion, results) = self.0.run(settings, "end_to_end", extra, &[suite]);
        // libtest's count and the records agree.
        let failed = results.trials.iter().filter(|t| t.verdict.is_failed());
        assert_eq!(
            conclusion.num_failed as usize,
            failed.count(),
            "{results:#?}"
        );
        results
    }

    fn run(&self, bless: bool, ci: bool) -> RunResults {
        self.run_on(Suite::PtxSnapshots, &SMS, bless, ci)
    }

    /// Every file under `tests/`, relative to the root, with its content.
    fn tree(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.root().join("tests")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(self.root())
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    out.insert(rel, std::fs::read_to_string(&p).unwrap_or_default());
                }
            }
        }
        out
    }

    /// The sorted file names in `dir`.
    fn names(&self, dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }
}

/// Removes ANSI color sequences, in case stderr is a terminal.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn records<'a>(results: &'a RunResults, test: &str) -> Vec<&'a TrialRecord> {
    results
        .trials
        .iter()
        .filter(|r| r.id.test == test)
        .collect()
}

fn message(r: &TrialRecord) -> String {
    match &r.verdict {
        Verdict::Failed { message } => plain(message),
        other => panic!("{} did not fail: {other:?}", r.id.name()),
    }
}

#[track_caller]
fn assert_all_pass(results: &RunResults, test: &str, count: usize) {
    let rs = records(results, test);
    assert_eq!(rs.len(), count, "trials of {test}: {rs:#?}");
    for r in rs {
        assert_eq!(r.verdict, Verdict::Passed, "{}: {r:#?}", r.id.name());
    }
}

/// Every trial of `test` failed; returns them (at least one).
#[track_caller]
fn assert_all_fail<'a>(results: &'a RunResults, test: &str) -> Vec<&'a TrialRecord> {
    let rs = records(results, test);
    assert!(!rs.is_empty(), "no trial of {test} in {results:#?}");
    for r in &rs {
        assert!(r.verdict.is_failed(), "{} should fail: {r:#?}", r.id.name());
    }
    rs
}

#[track_caller]
fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            haystack.contains(n),
            "expected {n:?} in the message:\n{haystack}"
        );
    }
}

/// The removed (`-`) or added (`+`) lines of a diff, without their marker.
/// The harness puts old/new line numbers in a gutter before the marker
/// (`  22     |-text`); a plain unified diff (`-text`) is accepted too.
fn diff_lines(diff: &str, sign: char) -> impl Iterator<Item = &str> {
    diff.lines().filter_map(move |l| {
        let body = match l.split_once('|') {
            Some((gutter, rest)) if gutter.chars().all(|c| c.is_ascii_digit() || c == ' ') => rest,
            _ if l.starts_with("---") || l.starts_with("+++") => return None,
            _ => l,
        };
        body.strip_prefix(sign)
    })
}

/// 1-based line of the first line of `source` containing `needle`.
fn line_of(source: &str, needle: &str) -> usize {
    source
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in source"))
        + 1
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

#[test]
fn bless_then_compare_and_bless_is_stable() {
    let repo = Repo::new();
    let test = repo.snap("ints/add.rs");
    repo.write(&test, &add_kernel(1));
    let dir = test.parent().unwrap().to_path_buf();

    // A fresh test has no snapshot: it fails, and nothing is written.
    let r = repo.run(false, false);
    for rec in assert_all_fail(&r, "ints/add") {
        assert_eq!(rec.decided_by, DecidedBy::Snapshot);
        assert_contains(
            &message(rec),
            &["missing ptx snapshot", "ints/add.ptx", "./bless.sh"],
        );
    }
    assert_eq!(repo.names(&dir), ["add.rs"]);

    // Bless writes the shared files, and sm-specific ones only where they differ.
    let r = repo.run(true, false);
    assert_all_pass(&r, "ints/add", 2);
    let names = repo.names(&dir);
    assert!(names.contains(&"add.ptx".to_string()), "{names:?}");
    assert!(names.contains(&"add.ptxas".to_string()), "{names:?}");
    for n in &names {
        if n == "add.rs" || n == "add.ptx" || n == "add.ptxas" {
            continue;
        }
        let (sm_name, stage) = n
            .strip_prefix("add.")
            .and_then(|r| r.split_once('.'))
            .unwrap_or_else(|| panic!("unexpected file {n}"));
        assert!(SMS.contains(&sm_name), "unexpected file {n}");
        assert!(stage == "ptx" || stage == "ptxas", "unexpected file {n}");
        let shared = std::fs::read_to_string(dir.join(format!("add.{stage}"))).unwrap();
        let specific = std::fs::read_to_string(dir.join(n)).unwrap();
        assert_ne!(shared, specific, "{n} duplicates add.{stage}");
    }
    // With two targets, at most one of them can differ from the shared file.
    assert!(names.len() <= 5, "{names:?}");
    let ptx = std::fs::read_to_string(dir.join("add.ptx")).unwrap();
    assert!(ptx.contains(".visible .entry add_one("), "{ptx}");
    assert!(
        !ptx.contains(&*repo.root().to_string_lossy()),
        "the temp path leaked into the snapshot:\n{ptx}"
    );
    let ptxas = std::fs::read_to_string(dir.join("add.ptxas")).unwrap();
    assert!(ptxas.contains("add_one"), "{ptxas}");

    // A normal run now passes.
    let r = repo.run(false, false);
    assert_all_pass(&r, "ints/add", 2);

    // Blessing again changes nothing: same files, same content, not rewritten.
    let before = repo.tree();
    #[cfg(unix)]
    let inodes: Vec<u64> = names.iter().map(|n| inode(&dir.join(n))).collect();
    let r = repo.run(true, false);
    assert_all_pass(&r, "ints/add", 2);
    assert_eq!(repo.tree(), before, "a second bless changed the snapshots");
    #[cfg(unix)]
    assert_eq!(
        names
            .iter()
            .map(|n| inode(&dir.join(n)))
            .collect::<Vec<_>>(),
        inodes,
        "a second bless rewrote unchanged files"
    );
    // No temporary files are left behind.
    assert_eq!(repo.names(&dir), names);
}

#[test]
fn an_edit_fails_only_that_test_with_a_readable_diff_until_blessed() {
    let repo = Repo::new();
    let edited = repo.snap("edited.rs");
    repo.write(&edited, &add_kernel(1));
    repo.write(&repo.snap("untouched.rs"), &mul_kernel());
    let r = repo.run(true, false);
    assert_all_pass(&r, "edited", 2);
    assert_all_pass(&r, "untouched", 2);

    repo.write(&edited, &add_kernel(2));
    let r = repo.run(false, false);
    assert_all_pass(&r, "untouched", 2);
    for rec in assert_all_fail(&r, "edited") {
        assert_eq!(rec.decided_by, DecidedBy::Snapshot, "{rec:#?}");
        let m = message(rec);
        assert_contains(
            &m,
            &[
                "ptx snapshot differs",
                &rec.id.sm,
                "edited.ptx",
                "@@",
                "./bless.sh 'ptx-snapshots/edited@'",
            ],
        );
        let removed = diff_lines(&m, '-').any(|l| l.contains(", 1;"));
        let added = diff_lines(&m, '+').any(|l| l.contains(", 2;"));
        assert!(
            removed && added,
            "the diff should show `, 1;` replaced by `, 2;`:\n{m}"
        );
    }
    // Nothing was written by a failing normal run.
    let ptx = std::fs::read_to_string(repo.snap("edited.ptx")).unwrap();
    assert!(ptx.contains(", 1;"), "{ptx}");

    let r = repo.run(true, false);
    assert_all_pass(&r, "edited", 2);
    let r = repo.run(false, false);
    assert_all_pass(&r, "edited", 2);
    assert_all_pass(&r, "untouched", 2);
    let ptx = std::fs::read_to_string(repo.snap("edited.ptx")).unwrap();
    assert!(ptx.contains(", 2;") && !ptx.contains(", 1;"), "{ptx}");
}

/// A test with two revisions whose kernels differ.
fn revisions_test(revs: &str) -> String {
    format!(
        "//@ revisions: {revs}
{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn k(p: *mut i32) {{
    #[cfg(a)]
    {{ *p += 1; }}
    #[cfg(not(a))]
    {{ *p -= 7; }}
}}
"
    )
}

#[test]
fn bless_removes_deleted_tests_and_renamed_revisions() {
    let repo = Repo::new();
    repo.write(&repo.snap("keep.rs"), &add_kernel(1));
    repo.write(&repo.snap("gone.rs"), &mul_kernel());
    let revs = repo.snap("revs.rs");
    repo.write(&revs, &revisions_test("a b"));
    let dir = repo.root().join("tests/ptx-snapshots");
    let r = repo.run(true, false);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    let names = repo.names(&dir);
    for f in [
        "gone.ptx",
        "gone.ptxas",
        "keep.ptx",
        "revs.a.ptx",
        "revs.a.ptxas",
        "revs.b.ptx",
        "revs.b.ptxas",
    ] {
        assert!(names.contains(&f.to_string()), "{f} missing in {names:?}");
    }
    let keep_before: BTreeMap<String, String> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| k.contains("/keep."))
        .collect();

    std::fs::remove_file(repo.snap("gone.rs")).unwrap();
    repo.write(&revs, &revisions_test("a c"));
    let r = repo.run(true, false);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    assert!(records(&r, "gone").is_empty());
    assert_eq!(records(&r, "revs").len(), 4);
    let names = repo.names(&dir);
    assert!(
        !names.iter().any(|n| n.starts_with("gone.")),
        "snapshots of a deleted test survived: {names:?}"
    );
    assert!(
        !names.iter().any(|n| n.starts_with("revs.b.")),
        "snapshots of a removed revision survived: {names:?}"
    );
    for f in ["revs.a.ptx", "revs.a.ptxas", "revs.c.ptx", "revs.c.ptxas"] {
        assert!(names.contains(&f.to_string()), "{f} missing in {names:?}");
    }
    // The revisions differ, and revision `c` got the `not(a)` kernel.
    let c = std::fs::read_to_string(dir.join("revs.c.ptx")).unwrap();
    let a = std::fs::read_to_string(dir.join("revs.a.ptx")).unwrap();
    assert_ne!(a, c);
    // The untouched test's snapshots stayed as they were.
    let keep_after: BTreeMap<String, String> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| k.contains("/keep."))
        .collect();
    assert_eq!(keep_before, keep_after);

    // And the result compares clean.
    let r = repo.run(false, false);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
}

#[test]
fn errors_fail_precisely_with_file_and_line() {
    let repo = Repo::new();

    let typo = format!("{HEADER}//@ stages-x: ptx\n{}", add_kernel(1));
    repo.write(&repo.snap("errors/typo.rs"), &typo);

    let bad_sm = format!("//@ sm: 91\n{}", add_kernel(1));
    repo.write(&repo.snap("errors/bad-sm.rs"), &bad_sm);

    let bad_regex = format!("{}//@ normalize-ptx: \"(\" -> \"x\"\n", add_kernel(1));
    repo.write(&repo.snap("errors/bad-regex.rs"), &bad_regex);

    let never = format!("{}// CHECK: this.never.appears\n", add_kernel(1));
    repo.write(&repo.snap("errors/never.rs"), &never);

    let gpu_check = format!(
        "{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn by_ref(x: &f32, out: *mut f32) {{ *out = *x; }}
"
    );
    repo.write(&repo.snap("errors/gpu-check.rs"), &gpu_check);

    // Blessed, so that a failure can't be blamed on a missing snapshot.
    let r = repo.run(true, false);
    let r2 = repo.run(false, false);

    for results in [&r, &r2] {
        let rec = assert_all_fail(results, "errors/typo");
        assert_eq!(rec[0].decided_by, DecidedBy::Plan);
        let line = line_of(&typo, "stages-x");
        assert_contains(
            &message(rec[0]),
            &[
                "unknown directive",
                "stages-x",
                &format!("errors/typo.rs:{line}:"),
            ],
        );

        let rec = assert_all_fail(results, "errors/bad-sm");
        assert_eq!(rec[0].decided_by, DecidedBy::Plan);
        assert_contains(&message(rec[0]), &["errors/bad-sm.rs:1:", "91"]);

        let rec = assert_all_fail(results, "errors/bad-regex");
        assert_eq!(rec[0].decided_by, DecidedBy::Plan);
        let line = line_of(&bad_regex, "normalize-ptx");
        assert_contains(&message(rec[0]), &[&format!("errors/bad-regex.rs:{line}:")]);

        let line = line_of(&never, "this.never.appears");
        for rec in assert_all_fail(results, "errors/never") {
            assert_eq!(rec.decided_by, DecidedBy::FileCheck, "{rec:#?}");
            assert_contains(
                &message(rec),
                &[
                    &format!("errors/never.rs:{line}:"),
                    "FileCheck failed",
                    "this.never.appears",
                ],
            );
        }

        let line = line_of(&gpu_check, "fn by_ref");
        for rec in assert_all_fail(results, "errors/gpu-check") {
            assert_eq!(rec.decided_by, DecidedBy::Rustc, "{rec:#?}");
            assert_contains(
                &message(rec),
                &[
                    "gpu::kernel-reference-param",
                    &format!("gpu-check.rs:{line}:"),
                ],
            );
        }
    }
    assert!(r
        .trials
        .iter()
        .chain(&r2.trials)
        .all(|t| t.verdict.is_failed()));
}

#[test]
fn a_missing_snapshot_in_ci_fails_and_writes_nothing() {
    let repo = Repo::new();
    repo.write(&repo.snap("fresh.rs"), &add_kernel(1));
    let before = repo.tree();
    let r = repo.run(true, true);
    for rec in assert_all_fail(&r, "fresh") {
        assert_eq!(rec.decided_by, DecidedBy::Snapshot);
        assert_contains(
            &message(rec),
            &["missing ptx snapshot", "fresh.ptx", "CI never writes"],
        );
        // One hint per failing trial (ptx and ptxas are both missing), with
        // a filter that matches this test's trials only.
        let m = message(rec);
        assert_eq!(m.matches("to accept:").count(), 1, "{m}");
        assert_contains(&m, &["to accept: ./bless.sh 'ptx-snapshots/fresh@'"]);
    }
    assert_eq!(repo.tree(), before);
}

#[test]
fn a_compiler_panic_fails_the_test() {
    let repo = Repo::new();
    let src = format!(
        "//@ compile-flags: -Ztreat-err-as-bug=1
{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn k(p: *mut u32) {{ let x: u32 = \"not a number\"; *p = x; }}
"
    );
    repo.write(&repo.snap("ice.rs"), &src);
    // Bless first: the panic must fail even when snapshots are being written.
    for bless in [true, false] {
        let r = repo.run_on(Suite::PtxSnapshots, &SMS[..1], bless, false);
        for rec in assert_all_fail(&r, "ice") {
            assert_eq!(rec.decided_by, DecidedBy::Rustc, "{rec:#?}");
            let m = message(rec);
            assert!(
                m.contains("panicked") || m.contains("crashed"),
                "the message should say the compiler panicked:\n{m}"
            );
        }
    }
}

/// A ui test whose reference parameter is on its own line, so the
/// annotation can go on the next line without changing the stderr.
fn ui_test(annotation: &str) -> String {
    format!(
        "{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn by_ref(
    x: &f32,
{annotation}
    out: *mut f32,
) {{
    *out = *x;
}}
"
    )
}

#[test]
fn ui_annotations_and_stderr_snapshot() {
    let repo = Repo::new();
    let test = repo.ui("checks/ref.rs");
    repo.write(
        &test,
        &ui_test("    //~^ ERROR gpu::kernel-reference-param"),
    );
    let r = repo.run_on(Suite::Ui, &SMS[..1], true, false);
    assert_all_pass(&r, "checks/ref", 1);
    let stderr_path = repo.ui("checks/ref.stderr");
    let stderr = std::fs::read_to_string(&stderr_path).expect("bless wrote ref.stderr");
    assert!(stderr.contains("gpu::kernel-reference-param"), "{stderr}");
    assert!(stderr.contains("$DIR/ref.rs"), "{stderr}");
    assert!(
        !stderr.contains(&*repo.root().to_string_lossy()),
        "the temp path leaked into the stderr snapshot:\n{stderr}"
    );
    assert_eq!(repo.names(&repo.ui("checks")), ["ref.rs", "ref.stderr"]);

    let r = repo.run_on(Suite::Ui, &SMS[..1], false, false);
    assert_all_pass(&r, "checks/ref", 1);

    // Without the annotation (same stderr), the error is unexpected.
    repo.write(&test, &ui_test("    // (no annotation)"));
    let r = repo.run_on(Suite::Ui, &SMS[..1], false, false);
    for rec in assert_all_fail(&r, "checks/ref") {
        assert_eq!(rec.decided_by, DecidedBy::Diagnostics, "{rec:#?}");
        let line = line_of(&ui_test(""), "x: &f32");
        assert_contains(
            &message(rec),
            &[
                "unexpected ERROR",
                &format!("line {line}"),
                "gpu::kernel-reference-param",
            ],
        );
    }
}

/// A message whose continuation lines look like rustc's own layout (an
/// `-->` location, an `error:` head, a `= note:` child): the annotation
/// matches the diagnostic rustc reported at its line, and the snapshot is
/// the text rustc prints, lines and all.
#[test]
fn ui_multi_line_messages_match_at_their_line_and_snapshot_as_rendered() {
    let repo = Repo::new();
    let test = repo.ui("checks/multi-line.rs");
    let src = format!(
        "{HEADER}compile_error!(\"first\\n --> elsewhere.rs:1:1\\nerror: second\\n= note: third\"); //~ ERROR first
"
    );
    repo.write(&test, &src);
    for bless in [true, false] {
        let r = repo.run_on(Suite::Ui, &SMS[..1], bless, false);
        assert_all_pass(&r, "checks/multi-line", 1);
    }
    let stderr = std::fs::read_to_string(repo.ui("checks/multi-line.stderr")).unwrap();
    assert!(
        stderr.starts_with(
            "error: first\n        --> elsewhere.rs:1:1\n       error: second\n       = note: third\n --> $DIR/multi-line.rs:5:1\n"
        ),
        "{stderr}"
    );
}

/// rustc's panic text is no JSON: a ui test whose compiler panics shows it,
/// in place among the rendered diagnostics.
#[test]
fn a_compiler_panic_in_a_ui_test_shows_rustcs_text() {
    let repo = Repo::new();
    let src = format!(
        "//@ compile-flags: -Ztreat-err-as-bug=1
{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn k(p: *mut u32) {{ let x: u32 = \"not a number\"; *p = x; }} //~ ERROR mismatched types
"
    );
    repo.write(&repo.ui("ice.rs"), &src);
    let r = repo.run_on(Suite::Ui, &SMS[..1], false, false);
    for rec in assert_all_fail(&r, "ice") {
        assert_eq!(rec.decided_by, DecidedBy::Rustc, "{rec:#?}");
        let m = message(rec);
        assert_contains(
            &m,
            &[
                "the compiler panicked",
                "error[E0308]: mismatched types\n",
                "thread 'rustc'",
            ],
        );
        assert!(!m.contains("$message_type"), "JSON in the message:\n{m}");
        assert!(
            m.find("mismatched types") < m.find("thread 'rustc'"),
            "out of order:\n{m}"
        );
    }
}

/// A ui test that passes the checks (check-pass) but whose PTX ptxas
/// rejects is a failure that names ptxas, never a silent pass.
/// A ui test's PTX that ptxas rejects: `not.a.ptx.instruction` passes rustc
/// and its checks, and only ptxas sees it.
fn bad_ptx_ui_test(outcome: &str) -> String {
    format!(
        "//@ {outcome}\n#![feature(asm_experimental_arch)]\n{HEADER}#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn bad() {{
    core::arch::asm!(\"not.a.ptx.instruction;\");
}}
"
    )
}

#[test]
fn a_build_pass_ui_test_that_ptxas_rejects_fails() {
    let repo = Repo::new();
    let test = repo.ui("checks/pass-bad-ptx.rs");
    repo.write(&test, &bad_ptx_ui_test("build-pass"));
    let r = repo.run_on(Suite::Ui, &SMS[..1], false, false);
    for rec in assert_all_fail(&r, "checks/pass-bad-ptx") {
        assert_eq!(rec.decided_by, DecidedBy::Ptxas, "{rec:#?}");
        assert_contains(
            &message(rec),
            &["passes the checks, but ptxas rejects it for sm_80"],
        );
    }
}

/// `check-pass` stops after rustc, as compiletest's does: the back end
/// never runs, so PTX that ptxas would reject goes unseen (that is what
/// `build-pass` is for), and no ptxas metrics are recorded.
#[test]
fn a_check_pass_ui_test_stops_after_rustc() {
    let repo = Repo::new();
    let test = repo.ui("checks/pass-bad-ptx.rs");
    repo.write(&test, &bad_ptx_ui_test("check-pass"));
    let r = repo.run_on(Suite::Ui, &SMS[..1], false, false);
    assert_all_pass(&r, "checks/pass-bad-ptx", 1);
    let rec = records(&r, "checks/pass-bad-ptx")[0];
    assert!(rec.kernels.is_empty(), "ptxas ran: {rec:#?}");
    assert_eq!(rec.decided_by, DecidedBy::Complete, "{rec:#?}");
}

#[test]
fn ci_mode_never_writes() {
    let repo = Repo::new();
    repo.write(&repo.snap("a.rs"), &add_kernel(1));
    repo.write(&repo.snap("b.rs"), &mul_kernel());
    repo.write(
        &repo.ui("u.rs"),
        &ui_test("    //~^ ERROR gpu::kernel-reference-param"),
    );
    // Existing snapshots: one stale, one orphaned, one sm-specific duplicate.
    repo.write(&repo.snap("a.ptx"), "stale\n");
    repo.write(&repo.snap("gone.ptx"), "orphan\n");
    repo.write(&repo.snap("gone.sm_80.ptxas"), "orphan\n");
    let before = repo.tree();

    let r = repo.run(true, true);
    assert_eq!(repo.tree(), before, "a CI run wrote or removed files");
    for rec in assert_all_fail(&r, "a") {
        assert_contains(&message(rec), &["ptx snapshot differs", "stale"]);
    }
    for rec in assert_all_fail(&r, "b") {
        assert_contains(&message(rec), &["missing ptx snapshot", "CI never writes"]);
    }

    let r = repo.run_on(Suite::Ui, &SMS[..1], true, true);
    assert_eq!(repo.tree(), before, "a CI run wrote or removed files");
    for rec in assert_all_fail(&r, "u") {
        assert_contains(&message(rec), &["missing stderr snapshot"]);
    }
}

#[test]
fn bless_keeps_the_snapshots_of_a_test_that_is_broken_for_now() {
    let repo = Repo::new();
    let (build, plan) = (repo.snap("build.rs"), repo.snap("plan.rs"));
    repo.write(&build, &add_kernel(1));
    repo.write(&plan, &mul_kernel());
    let r = repo.run(true, false);
    assert_all_pass(&r, "build", 2);
    assert_all_pass(&r, "plan", 2);
    let blessed = repo.tree();

    // A directive typo: the plan fails, and bless leaves the file's snapshots alone.
    repo.write(&plan, &format!("//@ stagse: ptx\n{}", mul_kernel()));
    let r = repo.run(true, false);
    assert_all_fail(&r, "plan");
    let now: BTreeMap<_, _> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".rs"))
        .collect();
    let then: BTreeMap<_, _> = blessed
        .iter()
        .filter(|(k, _)| !k.ends_with(".rs"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        now, then,
        "bless touched snapshots while a test could not be planned"
    );
    repo.write(&plan, &mul_kernel());

    // A compile error: the trials fail; the snapshots are not \"no longer
    // produced\", they are just not produced this time, so they stay.
    repo.write(
        &build,
        &add_kernel(1).replace("*p += 1;", "*p += 1; let _x: u32 = \"oops\";"),
    );
    let r = repo.run(true, false);
    for rec in assert_all_fail(&r, "build") {
        assert_eq!(rec.decided_by, DecidedBy::Rustc, "{rec:#?}");
    }
    let now: BTreeMap<_, _> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".rs"))
        .collect();
    assert_eq!(
        now, then,
        "bless removed the snapshots of a test that failed to build"
    );

    // Fixed again, it compares clean with no bless needed.
    repo.write(&build, &add_kernel(1));
    let r = repo.run(false, false);
    assert_all_pass(&r, "build", 2);
    assert_all_pass(&r, "plan", 2);
}

#[test]
fn a_filtered_bless_of_a_test_with_renamed_revisions_removes_the_old_revision() {
    let repo = Repo::new();
    let revs = repo.snap("revs.rs");
    repo.write(&revs, &revisions_test("a b"));
    repo.write(&repo.snap("other.rs"), &mul_kernel());
    let dir = repo.root().join("tests/ptx-snapshots");
    let r = repo.run(true, false);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    let other_before: BTreeMap<String, String> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| k.contains("/other."))
        .collect();

    // `./bless.sh revs`: the filter selects every trial of this test.
    repo.write(&revs, &revisions_test("a c"));
    let r = repo.run_args(Suite::PtxSnapshots, &SMS, true, false, &["revs"]);
    assert_eq!(records(&r, "revs").len(), 4, "{r:#?}");
    assert!(records(&r, "other").is_empty());
    let names = repo.names(&dir);
    for f in ["revs.a.ptx", "revs.c.ptx", "revs.c.ptxas"] {
        assert!(names.contains(&f.to_string()), "{f} missing in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("revs.b.")),
        "a bless that ran every trial of the test kept the removed revision: {names:?}"
    );
    let other_after: BTreeMap<String, String> = repo
        .tree()
        .into_iter()
        .filter(|(k, _)| k.contains("/other."))
        .collect();
    assert_eq!(
        other_before, other_after,
        "a filtered bless touched another test"
    );
}

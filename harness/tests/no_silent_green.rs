//! Runs that must not pass or mislead silently: a ptx-snapshot test that
//! checks nothing, misspelled CHECK prefixes, CHECK results hidden by a
//! snapshot diff, unreadable snapshots reported as missing, and snapshots of
//! deleted tests (or torn temporary files) that a filtered bless leaves behind.

use std::path::PathBuf;

use ptx_harness::plan::discover::Suite;
use ptx_harness::report::verdict::{DecidedBy, RunResults, Verdict};

const HEADER: &str = "#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }
";

fn kernel(checks: &str, n: i32) -> String {
    format!(
        "{HEADER}{checks}
#[no_mangle]
pub unsafe extern \"ptx-kernel\" fn add_one(p: *mut i32) {{ *p += {n}; }}
"
    )
}

mod common;
use common::{record, Scratch};

/// A scratch repository with ptx-snapshots and ui folders.
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
            "ptx-harness-silent-",
            &["ptx-snapshots", "ui"],
        ))
    }

    fn snap(&self, rel: &str) -> PathBuf {
        self.root().join("tests/ptx-snapshots").join(rel)
    }

    /// The ptx-snapshots suite on sm_80, blessing or not, with the cache.
    fn run(&self, bless: bool, extra: &[&str]) -> RunResults {
        let mut settings = self.settings(&["sm_80"], None);
        settings.bless = bless;
        settings.cache = true;
        self.0
            .run(settings, "silent", extra, &[Suite::PtxSnapshots])
            .1
    }
}

fn failure(r: &RunResults, test: &str) -> (DecidedBy, String) {
    let rec = record(r, test);
    match &rec.verdict {
        Verdict::Failed { message, .. } => (rec.decided_by, message.clone()),
        v => panic!("{test} should fail, got {v:?}"),
    }
}

/// Item 9: no kernel entry and no CHECK line means nothing is checked.
#[test]
fn a_ptx_snapshot_test_that_checks_nothing_fails() {
    let repo = Repo::new();
    // A plain function: internalized away, the PTX is an empty module.
    repo.write(
        &repo.snap("nothing.rs"),
        &format!("{HEADER}pub fn helper(x: u32) -> u32 {{ x + 1 }}\n"),
    );
    let r = repo.run(true, &[]);
    let (by, m) = failure(&r, "nothing");
    assert_eq!(by, DecidedBy::FileCheck, "{m}");
    assert!(m.contains("checks nothing"), "{m}");
    assert!(m.contains("no kernel entry"), "{m}");
}

/// Item 9: a test whose only checks are misspelled does not pass.
#[test]
fn misspelled_check_prefixes_fail_with_the_nearest_valid_one() {
    let repo = Repo::new();
    repo.write(&repo.snap("typo.rs"), &kernel("// CHEKC: mul.lo.s32", 1));
    repo.write(
        &repo.snap("sm.rs"),
        &kernel("// sm80-CHECK: this text is not in the PTX", 1),
    );
    let r = repo.run(true, &[]);
    let (by, m) = failure(&r, "typo");
    assert_eq!(by, DecidedBy::FileCheck, "{m}");
    assert!(m.contains("typo.rs:5"), "{m}");
    assert!(m.contains("did you mean `CHECK:`"), "{m}");
    let (_, m) = failure(&r, "sm");
    assert!(m.contains("did you mean `sm_80-CHECK:`"), "{m}");
}

/// Item 9: on a snapshot mismatch the CHECK lines still run, and their
/// result is shown beside the diff.
#[test]
fn a_snapshot_mismatch_shows_the_filecheck_result_beside_the_diff() {
    let repo = Repo::new();
    let good = repo.snap("good.rs");
    let bad = repo.snap("bad.rs");
    repo.write(&good, &kernel("// CHECK: add.s32", 1));
    repo.write(&bad, &kernel("// CHECK: add.s32", 1));
    let r = repo.run(true, &[]);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    repo.write(&good, &kernel("// CHECK: add.s32", 2));
    repo.write(&bad, &kernel("// CHECK: sub.s32", 2));
    let r = repo.run(false, &[]);
    let (by, m) = failure(&r, "good");
    assert_eq!(by, DecidedBy::Snapshot, "{m}");
    assert!(m.contains("ptx snapshot differs"), "{m}");
    assert!(m.contains("FileCheck: all 1 CHECK lines still pass"), "{m}");
    let (by, m) = failure(&r, "bad");
    assert_eq!(by, DecidedBy::Snapshot, "{m}");
    assert!(m.contains("ptx snapshot differs"), "{m}");
    assert!(m.contains("FileCheck also fails"), "{m}");
    assert!(m.contains("sub.s32"), "{m}");
}

/// Item 7: a snapshot that is not UTF-8 is reported as such, not as missing.
#[test]
fn an_unreadable_snapshot_is_reported_as_such() {
    let repo = Repo::new();
    repo.write(&repo.snap("k.rs"), &kernel("// CHECK: add.s32", 1));
    let r = repo.run(true, &[]);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    let ptx = repo.snap("k.ptx");
    let mut bytes = std::fs::read(&ptx).unwrap();
    bytes[10] = 0xff;
    std::fs::write(&ptx, bytes).unwrap();
    let r = repo.run(false, &[]);
    let (by, m) = failure(&r, "k");
    assert_eq!(by, DecidedBy::Snapshot, "{m}");
    assert!(!m.contains("missing"), "{m}");
    assert!(m.contains("invalid UTF-8 at byte offset 10"), "{m}");
    assert!(m.contains("k.ptx"), "{m}");
}

/// Item 6: a filtered bless removes the snapshots of a deleted test inside
/// the filter, lists those outside it, and removes torn temporary files.
#[test]
fn a_filtered_bless_removes_orphans_under_the_filter_and_lists_the_rest() {
    let repo = Repo::new();
    for t in ["a/keep.rs", "a/gone.rs", "b/gone.rs"] {
        repo.write(&repo.snap(t), &kernel("// CHECK: add.s32", 1));
    }
    let r = repo.run(true, &[]);
    assert!(
        r.trials.iter().all(|t| t.verdict == Verdict::Passed),
        "{r:#?}"
    );
    assert!(repo.snap("a/gone.ptx").is_file() && repo.snap("b/gone.ptx").is_file());
    std::fs::remove_file(repo.snap("a/gone.rs")).unwrap();
    std::fs::remove_file(repo.snap("b/gone.rs")).unwrap();
    // An interrupted write of a process that no longer exists.
    let torn = repo.snap("a/.keep.ptx.tmp-2147483646-3");
    repo.write(&torn, "half");

    let r = repo.run(true, &["a/"]);
    assert_eq!(record(&r, "a/keep").verdict, Verdict::Passed);
    assert!(
        !repo.snap("a/gone.ptx").exists() && !repo.snap("a/gone.ptxas").exists(),
        "the orphans under the filter were kept"
    );
    assert!(!torn.exists(), "the torn temporary file was kept");
    // Outside the filter: left alone (and listed on stderr).
    assert!(repo.snap("b/gone.ptx").is_file());

    // Without a filter, the rest goes too.
    repo.run(true, &[]);
    assert!(!repo.snap("b/gone.ptx").exists());
    assert!(repo.snap("a/keep.ptx").is_file());
}

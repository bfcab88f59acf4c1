//! Snapshot files beside each test, and blessing them.
//!
//! A snapshot is `name[.rev].<stage>` (shared by every sm target) or
//! `name[.rev].<sm>.<stage>` (only where that target's content differs).
//! A backend other than the built-in one has its own:
//! `name[.rev].<backend>[.<sm>].<stage>`.
//! Bless writes complete files atomically, keeps one shared file per
//! (revision, stage) plus the sm-specific files that differ from it, and
//! removes every snapshot of the test that no trial produces any more.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Stage suffixes that bless owns. `.run.stdout` files are written by hand
/// (expected GPU output must come from an independent source) and never touched.
pub const SNAPSHOT_STAGES: &[&str] = &ptx_backend::stage::names_and::<7, 1>(["stderr"]);

/// The two candidate files for a trial's stage: sm-specific, then shared.
pub fn snapshot_paths(test: &Path, rev: Option<&str>, sm: &str, stage: &str) -> (PathBuf, PathBuf) {
    let stem = test.file_stem().unwrap_or_default().to_string_lossy();
    let dir = test.parent().unwrap_or(Path::new("."));
    let base = match rev {
        Some(r) => format!("{stem}.{r}"),
        None => stem.to_string(),
    };
    (
        dir.join(format!("{base}.{sm}.{stage}")),
        dir.join(format!("{base}.{stage}")),
    )
}

/// A snapshot file that exists but cannot be used: unreadable, or not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it (the io error, or where the invalid UTF-8 starts).
    pub problem: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot use the snapshot {}: {}",
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for SnapshotError {}

/// Reads one snapshot file: `Ok(None)` only when it does not exist; an
/// unreadable file or one that is not UTF-8 is an error that says why.
pub fn read_snapshot(path: &Path) -> Result<Option<String>, SnapshotError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SnapshotError {
                path: path.to_path_buf(),
                problem: format!("cannot read it: {e}"),
            })
        }
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        SnapshotError {
            path: path.to_path_buf(),
            problem: format!(
                "invalid UTF-8 at byte offset {offset} (line {line}, byte 0x{:02x}); \
                 snapshots are UTF-8 text",
                bytes[offset]
            ),
        }
    })
}

/// The expected content for a trial's stage and the file it came from:
/// the sm-specific file, else the shared one. `Ok(None)` means neither exists.
pub fn read_expected(
    test: &Path,
    rev: Option<&str>,
    sm: &str,
    stage: &str,
) -> Result<Option<(PathBuf, String)>, SnapshotError> {
    let (specific, shared) = snapshot_paths(test, rev, sm, stage);
    for p in [specific, shared] {
        if let Some(text) = read_snapshot(&p)? {
            return Ok(Some((p, text)));
        }
    }
    Ok(None)
}

/// A snapshot file name taken apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SnapshotName {
    /// The revision part, if any.
    pub revision: Option<String>,
    /// The sm part, if any.
    pub sm: Option<String>,
    /// The stage suffix.
    pub stage: String,
}

/// Parses `rest` of `<stem>.<rest>` as `[rev.][sm_XX.]stage`.
pub fn parse_snapshot_name(rest: &str) -> Option<SnapshotName> {
    let stage = SNAPSHOT_STAGES
        .iter()
        .filter(|s| rest == **s || rest.ends_with(&format!(".{s}")))
        .max_by_key(|s| s.len())?;
    let head = rest[..rest.len() - stage.len()].trim_end_matches('.');
    let parts: Vec<&str> = if head.is_empty() {
        vec![]
    } else {
        head.split('.').collect()
    };
    // The revision part is the revision, a backend's name, or both
    // (`rev.backend`, see `run::snapshot_revision`).
    let (rest, sm) = match parts.split_last() {
        Some((last, rest)) if last.starts_with("sm_") => (rest, Some(last.to_string())),
        _ => (parts.as_slice(), None),
    };
    if rest.len() > 2 || rest.iter().any(|p| p.is_empty()) {
        return None;
    }
    let revision = (!rest.is_empty()).then(|| rest.join("."));
    Some(SnapshotName {
        revision,
        sm,
        stage: stage.to_string(),
    })
}

/// Every existing snapshot file of one test.
pub fn existing_snapshots(test: &Path) -> Vec<(PathBuf, SnapshotName)> {
    let stem = test
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let dir = test.parent().unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().to_string();
            let rest = name.strip_prefix(&format!("{stem}."))?;
            if rest == "rs" {
                return None;
            }
            parse_snapshot_name(rest).map(|n| (p, n))
        })
        .collect();
    out.sort();
    out
}

/// What a bless pass did.
#[derive(Debug, Default)]
pub struct BlessReport {
    /// New files.
    pub created: Vec<PathBuf>,
    /// Rewritten files.
    pub changed: Vec<PathBuf>,
    /// Deleted files.
    pub removed: Vec<PathBuf>,
    /// Snapshots of deleted tests that a filter kept out of this bless.
    pub orphans_left: Vec<PathBuf>,
}

impl BlessReport {
    /// Whether nothing changed on disk.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// Adds another report's entries.
    pub fn extend(&mut self, other: BlessReport) {
        self.created.extend(other.created);
        self.changed.extend(other.changed);
        self.removed.extend(other.removed);
        self.orphans_left.extend(other.orphans_left);
    }
}

impl fmt::Display for BlessReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (what, list) in [
            ("created", &self.created),
            ("changed", &self.changed),
            ("removed", &self.removed),
        ] {
            for p in list {
                writeln!(f, "  {what:<8} {}", p.display())?;
            }
        }
        write!(
            f,
            "bless: {} created, {} changed, {} removed",
            self.created.len(),
            self.changed.len(),
            self.removed.len()
        )?;
        if !self.orphans_left.is_empty() {
            write!(
                f,
                "\nbless: {} snapshot(s) of deleted tests are outside the filter and remain:",
                self.orphans_left.len()
            )?;
            for p in &self.orphans_left {
                write!(f, "\n  orphan   {}", p.display())?;
            }
            write!(
                f,
                "\nremove them with `./bless.sh` (no filter), or `git rm` them"
            )?;
        }
        Ok(())
    }
}

/// The new snapshot content of one test: (revision, stage) → sm → text.
pub type TestSnapshots = BTreeMap<(Option<String>, String), BTreeMap<String, String>>;

/// Writes a snapshot atomically (see [`crate::atomic_file`]).
pub fn write_atomic(path: &Path, content: &str) -> Result<()> {
    crate::atomic_file::write_atomic(path, content.as_bytes())
}

/// Rewrites the snapshots of one test so they hold exactly `produced`.
///
/// `all_targets` lists every sm the test has for each revision; a target that
/// did not run in this pass (a filter excluded it) keeps its current content.
///
/// `mine(revision part)` says which existing files belong to the backend
/// under test; the others (another backend's) are never touched.
pub fn bless_test(
    test: &Path,
    produced: &TestSnapshots,
    ran_all: bool,
    all_targets: &[String],
    mine: &dyn Fn(Option<&str>) -> bool,
) -> Result<BlessReport> {
    let mut report = BlessReport::default();
    let mut keep: BTreeSet<PathBuf> = BTreeSet::new();
    let mut keys: BTreeSet<(Option<String>, String)> = produced.keys().cloned().collect();
    let existing: Vec<_> = existing_snapshots(test)
        .into_iter()
        .filter(|(_, n)| mine(n.revision.as_deref()))
        .collect();
    if !ran_all {
        // Stages of revisions that didn't run at all stay as they are.
        for (p, n) in existing.iter().cloned() {
            if !produced.keys().any(|(r, _)| *r == n.revision) {
                keep.insert(p);
            } else {
                keys.insert((n.revision.clone(), n.stage.clone()));
            }
        }
    }
    for key in keys {
        let (rev, stage) = &key;
        let mut by_sm: BTreeMap<String, String> = produced.get(&key).cloned().unwrap_or_default();
        if !ran_all {
            for sm in all_targets {
                if !by_sm.contains_key(sm) {
                    if let Some((_, text)) = read_expected(test, rev.as_deref(), sm, stage)? {
                        by_sm.insert(sm.clone(), text);
                    }
                }
            }
        }
        if by_sm.is_empty() {
            continue;
        }
        // The most common content is shared; ties go to the first target.
        let mut counts: Vec<(usize, usize, &String)> = Vec::new();
        for (i, text) in by_sm.values().enumerate() {
            match counts.iter_mut().find(|c| c.2 == text) {
                Some(c) => c.0 += 1,
                None => counts.push((1, i, text)),
            }
        }
        counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let shared = counts[0].2.clone();
        let (_, shared_path) = snapshot_paths(test, rev.as_deref(), "", stage);
        write_if_changed(&shared_path, &shared, &mut report)?;
        keep.insert(shared_path);
        for (sm, text) in &by_sm {
            if *text != shared {
                let (specific, _) = snapshot_paths(test, rev.as_deref(), sm, stage);
                write_if_changed(&specific, text, &mut report)?;
                keep.insert(specific);
            }
        }
    }
    for (p, _) in existing {
        if !keep.contains(&p) {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
            report.removed.push(p);
        }
    }
    Ok(report)
}

fn write_if_changed(path: &Path, content: &str, report: &mut BlessReport) -> Result<()> {
    match std::fs::read(path) {
        Ok(old) if old == content.as_bytes() => Ok(()),
        Ok(_) => {
            write_atomic(path, content)?;
            report.changed.push(path.to_path_buf());
            Ok(())
        }
        Err(_) => {
            write_atomic(path, content)?;
            report.created.push(path.to_path_buf());
            Ok(())
        }
    }
}

/// The candidate test names (relative to `suite_dir`, `/`-separated, no
/// `.rs`) and snapshot names of an orphaned snapshot file: one per way of
/// splitting its file name into `<stem>.<rest>`.
pub fn orphan_candidates(suite_dir: &Path, file: &Path) -> Vec<(String, SnapshotName)> {
    let name = file
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let rel_dir = file
        .parent()
        .and_then(|d| d.strip_prefix(suite_dir).ok())
        .map(|d| d.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    name.match_indices('.')
        .filter(|(i, _)| *i > 0)
        .filter_map(|(i, _)| {
            let n = parse_snapshot_name(&name[i + 1..])?;
            let test = if rel_dir.is_empty() {
                name[..i].to_string()
            } else {
                format!("{rel_dir}/{}", &name[..i])
            };
            Some((test, n))
        })
        .collect()
}

/// Whether `name` is a temporary file of an interrupted atomic write
/// (`.<file>.tmp-<pid>-<n>`, see [`crate::atomic_file`]); returns its pid.
fn atomic_write_leftover(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Removes snapshot files under `suite_dir` whose test `.rs` no longer exists,
/// and the temporary files that interrupted writes left beside snapshots.
///
/// `selected(file)` says whether an orphan is inside this bless's filter:
/// orphans outside it are not removed but listed in `orphans_left`. Pass
/// `&|_| true` for an unfiltered bless.
pub fn remove_orphans(suite_dir: &Path, selected: &dyn Fn(&Path) -> bool) -> Result<BlessReport> {
    let mut report = BlessReport::default();
    if !suite_dir.is_dir() {
        return Ok(report);
    }
    let mut stack = vec![suite_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if let Some(pid) = atomic_write_leftover(&name) {
                // A writer that is still running owns its file.
                if pid == std::process::id() || ptx_backend::process::pid_alive(pid) {
                    continue;
                }
                std::fs::remove_file(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
                report.removed.push(p);
                continue;
            }
            let Some((stem, rest)) = name.split_once('.') else {
                continue;
            };
            if parse_snapshot_name(rest).is_none() {
                continue;
            }
            // A test may itself contain dots; any `.rs` that owns the file keeps it.
            let owned = name
                .match_indices('.')
                .any(|(i, _)| dir.join(format!("{}.rs", &name[..i])).is_file());
            if !owned && !stem.is_empty() {
                if !selected(&p) {
                    report.orphans_left.push(p);
                    continue;
                }
                std::fs::remove_file(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
                report.removed.push(p);
            }
        }
    }
    report.orphans_left.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snaps(entries: &[(Option<&str>, &str, &str, &str)]) -> TestSnapshots {
        let mut m = TestSnapshots::new();
        for (rev, stage, sm, text) in entries {
            m.entry((rev.map(String::from), stage.to_string()))
                .or_default()
                .insert(sm.to_string(), text.to_string());
        }
        m
    }

    /// The PTX snapshot a trial of `test` on `sm` is compared with.
    fn expected_ptx(test: &Path, sm: &str) -> String {
        read_expected(test, None, sm, "ptx").unwrap().unwrap().1
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn parses_snapshot_names() {
        let p = |s| parse_snapshot_name(s);
        assert_eq!(p("ptx").unwrap().stage, "ptx");
        assert_eq!(p("llvm-ir-opt").unwrap().stage, "llvm-ir-opt");
        let n = p("fast.sm_90a.llvm-ir").unwrap();
        assert_eq!(
            (n.revision.as_deref(), n.sm.as_deref(), n.stage.as_str()),
            (Some("fast"), Some("sm_90a"), "llvm-ir")
        );
        assert_eq!(p("sm_80.ptxas").unwrap().sm.as_deref(), Some("sm_80"));
        let n = p("sm_90a.sass").unwrap();
        assert_eq!(
            (n.sm.as_deref(), n.stage.as_str()),
            (Some("sm_90a"), "sass")
        );
        assert!(p("run.stdout").is_none());
        assert!(p("rs").is_none());
    }

    #[test]
    fn bless_shares_the_common_content_and_keeps_only_differences() {
        let dir = tempfile::tempdir().unwrap();
        let test = dir.path().join("k.rs");
        std::fs::write(&test, "").unwrap();
        let produced = snaps(&[
            (None, "ptx", "sm_75", "A"),
            (None, "ptx", "sm_80", "B"),
            (None, "ptx", "sm_90", "B"),
        ]);
        let r = bless_test(&test, &produced, true, &[], &|_| true).unwrap();
        assert_eq!(names(dir.path()), vec!["k.ptx", "k.rs", "k.sm_75.ptx"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("k.ptx")).unwrap(),
            "B"
        );
        assert_eq!(r.created.len(), 2);
        // Lookup prefers the sm-specific file.
        assert_eq!(expected_ptx(&test, "sm_75"), "A");
        assert_eq!(expected_ptx(&test, "sm_90"), "B");
        // Now all agree: the sm-specific duplicate is removed; nothing else changes.
        let same = snaps(&[
            (None, "ptx", "sm_75", "B"),
            (None, "ptx", "sm_80", "B"),
            (None, "ptx", "sm_90", "B"),
        ]);
        let r = bless_test(&test, &same, true, &[], &|_| true).unwrap();
        assert_eq!(names(dir.path()), vec!["k.ptx", "k.rs"]);
        assert_eq!(
            (r.created.len(), r.changed.len(), r.removed.len()),
            (0, 0, 1)
        );
        // Blessing again is a no-op.
        assert!(bless_test(&test, &same, true, &[], &|_| true)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bless_removes_stages_and_revisions_no_longer_produced() {
        let dir = tempfile::tempdir().unwrap();
        let test = dir.path().join("k.rs");
        std::fs::write(&test, "").unwrap();
        let old = snaps(&[
            (Some("old"), "ptx", "sm_80", "A"),
            (Some("old"), "mir", "sm_80", "M"),
        ]);
        bless_test(&test, &old, true, &[], &|_| true).unwrap();
        assert_eq!(names(dir.path()), vec!["k.old.mir", "k.old.ptx", "k.rs"]);
        let new = snaps(&[(Some("new"), "ptx", "sm_80", "A")]);
        let r = bless_test(&test, &new, true, &[], &|_| true).unwrap();
        assert_eq!(names(dir.path()), vec!["k.new.ptx", "k.rs"]);
        assert_eq!(r.removed.len(), 2);
    }

    #[test]
    fn another_backends_snapshots_are_its_own() {
        let p = |s| parse_snapshot_name(s).unwrap();
        let n = p("fast.cuda-oxide.sm_80.ptx");
        assert_eq!(n.revision.as_deref(), Some("fast.cuda-oxide"));
        assert_eq!(n.sm.as_deref(), Some("sm_80"));
        assert_eq!(p("cuda-oxide.ptx").revision.as_deref(), Some("cuda-oxide"));
        assert!(parse_snapshot_name("a.b.c.ptx").is_none());

        // Blessing the built-in backend leaves cuda-oxide's files alone,
        // and blessing cuda-oxide writes only its own.
        let dir = tempfile::tempdir().unwrap();
        let test = dir.path().join("k.rs");
        std::fs::write(&test, "").unwrap();
        std::fs::write(dir.path().join("k.cuda-oxide.ptx"), "theirs").unwrap();
        let builtin_mine = |r: Option<&str>| r.is_none_or(|r| !r.contains(['.', '-']));
        bless_test(
            &test,
            &snaps(&[(None, "ptx", "sm_80", "ours")]),
            true,
            &[],
            &builtin_mine,
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("k.ptx")).unwrap(),
            "ours"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("k.cuda-oxide.ptx")).unwrap(),
            "theirs"
        );
        let oxide_mine = |r: Option<&str>| r == Some("cuda-oxide");
        bless_test(
            &test,
            &snaps(&[(Some("cuda-oxide"), "ptx", "sm_80", "new")]),
            true,
            &[],
            &oxide_mine,
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("k.ptx")).unwrap(),
            "ours"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("k.cuda-oxide.ptx")).unwrap(),
            "new"
        );
    }

    #[test]
    fn partial_bless_keeps_the_targets_that_did_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let test = dir.path().join("k.rs");
        std::fs::write(&test, "").unwrap();
        let all = [
            "sm_75".to_string(),
            "sm_80".to_string(),
            "sm_90".to_string(),
        ];
        bless_test(
            &test,
            &snaps(&[
                (None, "ptx", "sm_75", "A"),
                (None, "ptx", "sm_80", "A"),
                (None, "ptx", "sm_90", "A"),
            ]),
            true,
            &all,
            &|_| true,
        )
        .unwrap();
        // Only sm_80 ran, and it changed: sm_75 and sm_90 keep "A".
        bless_test(
            &test,
            &snaps(&[(None, "ptx", "sm_80", "Z")]),
            false,
            &all,
            &|_| true,
        )
        .unwrap();
        assert_eq!(expected_ptx(&test, "sm_75"), "A");
        assert_eq!(expected_ptx(&test, "sm_90"), "A");
        assert_eq!(expected_ptx(&test, "sm_80"), "Z");
    }

    #[test]
    fn orphans_of_deleted_tests_are_removed_but_hand_written_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "gone.ptx",
            "gone.sm_80.ptxas",
            "kept.rs",
            "kept.ptx",
            "kept.run.stdout",
            "README.md",
            "x.y.rs",
            "x.y.stderr",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let r = remove_orphans(dir.path(), &|_| true).unwrap();
        assert_eq!(r.removed.len(), 2);
        assert_eq!(
            names(dir.path()),
            vec![
                "README.md",
                "kept.ptx",
                "kept.rs",
                "kept.run.stdout",
                "x.y.rs",
                "x.y.stderr"
            ]
        );
    }

    #[test]
    fn filtered_orphan_removal_lists_what_it_leaves_and_removes_dead_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        // A pid that cannot be running: above the kernel's pid_max limit.
        let dead = ".k.ptx.tmp-2147483646-0";
        let live = format!(".k.ptx.tmp-{}-7", std::process::id());
        for f in [
            "a/gone.ptx",
            "a/gone.fast.sm_80.ptxas",
            "b/gone.ptx",
            "a/k.rs",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        std::fs::write(dir.path().join("a").join(dead), "").unwrap();
        std::fs::write(dir.path().join("a").join(&live), "").unwrap();
        let in_a = |p: &Path| {
            orphan_candidates(dir.path(), p)
                .iter()
                .any(|(test, _)| test.starts_with("a/"))
        };
        let r = remove_orphans(dir.path(), &in_a).unwrap();
        let mut removed: Vec<_> = r
            .removed
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        removed.sort();
        assert_eq!(
            removed,
            vec![
                format!("a/{dead}"),
                "a/gone.fast.sm_80.ptxas".into(),
                "a/gone.ptx".into()
            ]
        );
        assert_eq!(r.orphans_left, vec![dir.path().join("b/gone.ptx")]);
        let text = r.to_string();
        assert!(text.contains("b/gone.ptx"), "{text}");
        assert!(text.contains("./bless.sh` (no filter)"), "{text}");
        // The temporary file of a writer that is still running stays.
        assert!(dir.path().join("a").join(&live).exists());
        let c = orphan_candidates(dir.path(), &dir.path().join("a/gone.fast.sm_80.ptxas"));
        assert_eq!(c[0].0, "a/gone");
        assert_eq!(c[0].1.revision.as_deref(), Some("fast"));
        assert_eq!(c[0].1.sm.as_deref(), Some("sm_80"));
    }

    #[test]
    fn unreadable_snapshots_are_reported_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let test = dir.path().join("k.rs");
        std::fs::write(&test, "").unwrap();
        assert_eq!(read_expected(&test, None, "sm_80", "ptx").unwrap(), None);
        // A non-UTF-8 byte on line 2, at byte offset 5.
        std::fs::write(dir.path().join("k.ptx"), b"ab\ncd\xffef\n").unwrap();
        let e = read_expected(&test, None, "sm_80", "ptx").unwrap_err();
        assert_eq!(e.path, dir.path().join("k.ptx"));
        let msg = e.to_string();
        assert!(msg.contains("invalid UTF-8 at byte offset 5"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("k.ptx"), "{msg}");
        // A snapshot that cannot be read (here: a folder) names the io error.
        std::fs::create_dir(dir.path().join("k.sm_80.ptx")).unwrap();
        let e = read_expected(&test, None, "sm_80", "ptx").unwrap_err();
        assert!(e.to_string().contains("cannot read it"), "{e}");
        assert!(e.path.ends_with("k.sm_80.ptx"));
    }

    #[test]
    fn atomic_write_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.ptx");
        write_atomic(&p, "x").unwrap();
        write_atomic(&p, "y").unwrap();
        assert_eq!(names(dir.path()), vec!["a.ptx"]);
        assert_eq!(std::fs::read_to_string(p).unwrap(), "y");
    }
}

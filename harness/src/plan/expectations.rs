//! Per-backend expectations: the known gaps of one backend, kept outside the
//! tests (as ANGLE's and WebGPU CTS's expectations files and lit's
//! `--xfail-from-file` are), so a backend can adopt the suite with its gaps
//! listed and watch the list shrink.
//!
//! `expectations/<backend>.toml`:
//!
//! ```toml
//! [[expect]]
//! test = "run-gpu/printf/hello"        # suite/test, or a folder prefix ending in `/`
//! sm = ["sm_80", "sm_90"]              # optional: every target when absent
//! revision = "fast"                    # optional: every revision when absent
//! state = "fail"                       # fail | crash | timeout | skip
//! reason = "no vprintf lowering"       # required: a gap of the backend, or a test problem
//! message = 'Symbol vprintf not found' # optional regex the failure's message must match
//! link = "https://…/issues/12"         # optional tracker link
//! ```
//!
//! A trial that fails the way its entry says is an *expected failure*, not
//! a failure. One that passes is an *unexpected pass*: a failure that says
//! to remove the entry. One that fails another way (`crash` expected, a
//! snapshot differs, or a `message` that does not match) is a failure, so
//! a known gap can't hide a new bug in the same test. `skip` entries don't
//! run at all.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::trial::TrialId;

/// How an expected trial ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectedState {
    /// Any failure (a compile error, a snapshot or output mismatch, …).
    Fail,
    /// The compiler (or the host program) crashed: a panic, an ICE, a signal.
    Crash,
    /// A compile step or the execution ran past its time limit.
    Timeout,
    /// Not run at all (it would hang, or take the machine down).
    Skip,
}

impl ExpectedState {
    /// The TOML spelling.
    pub fn name(self) -> &'static str {
        match self {
            ExpectedState::Fail => "fail",
            ExpectedState::Crash => "crash",
            ExpectedState::Timeout => "timeout",
            ExpectedState::Skip => "skip",
        }
    }

    /// Whether a failure with this message is the expected kind.
    pub fn matches_failure(self, message: &str) -> bool {
        match self {
            ExpectedState::Fail | ExpectedState::Skip => true,
            ExpectedState::Crash => {
                message.contains("crashed")
                    || message.contains("panicked")
                    || message.contains("killed by")
                    || message.contains("internal compiler error")
            }
            ExpectedState::Timeout => message.contains("timed out"),
        }
    }
}

/// One entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// `suite/test` (as in trial names), or a folder prefix ending in `/`.
    pub test: String,
    /// The targets it applies to; all when absent.
    #[serde(default)]
    pub sm: Option<Vec<String>>,
    /// The revision it applies to; all when absent.
    #[serde(default)]
    pub revision: Option<String>,
    /// How the trial is expected to end.
    pub state: ExpectedState,
    /// Why: the backend's gap or the test's problem.
    pub reason: String,
    /// A tracker link.
    #[serde(default)]
    pub link: Option<String>,
    /// A regex the failure's message must match (the error the gap
    /// produces), so that another failure of the same trial is reported.
    #[serde(default)]
    pub message: Option<String>,
    /// `message`, compiled when the file is loaded.
    #[serde(skip)]
    pub message_re: Option<regex::Regex>,
    /// The 1-based position of the entry in the file (for messages).
    #[serde(skip)]
    pub index: usize,
}

impl Expectation {
    /// Whether this entry covers `id`.
    pub fn covers(&self, id: &TrialId) -> bool {
        let name = format!("{}/{}", id.suite, id.test);
        let test_ok = if self.test.ends_with('/') {
            name.starts_with(&self.test)
        } else {
            name == self.test
        };
        test_ok
            && self.sm.as_ref().is_none_or(|l| l.contains(&id.sm))
            && self
                .revision
                .as_ref()
                .is_none_or(|r| id.revision.as_ref() == Some(r))
    }

    /// Whether a failure with this message is the one the entry expects:
    /// the state's kind, and the `message` regex when there is one.
    pub fn expects_failure(&self, message: &str) -> bool {
        self.state.matches_failure(message)
            && self
                .message_re
                .as_ref()
                .is_none_or(|re| re.is_match(message))
    }

    /// `reason (link)`.
    pub fn describe(&self) -> String {
        match &self.link {
            Some(l) => format!("{} ({l})", self.reason),
            None => self.reason.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    expect: Vec<Expectation>,
}

/// A backend's expectations file, read and checked.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// The file, for messages.
    pub path: Option<PathBuf>,
    /// The entries, in file order.
    pub entries: Vec<Expectation>,
}

impl Expectations {
    /// The default file of a backend: `<root>/expectations/<backend>.toml`.
    pub fn default_path(root: &Path, backend: &str) -> PathBuf {
        root.join("expectations").join(format!("{backend}.toml"))
    }

    /// Reads `path`. Every entry must name a test that exists under
    /// `<root>/tests` (a stale entry is an error, not a silent no-op), and
    /// have a reason.
    pub fn load(path: &Path, root: &Path) -> Result<Expectations> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the expectations file {}", path.display()))?;
        let file: File = toml::from_str(&text)
            .with_context(|| format!("{}: invalid expectations file", path.display()))?;
        let mut entries = file.expect;
        for (i, e) in entries.iter_mut().enumerate() {
            e.index = i + 1;
            let at = format!(
                "{}: [[expect]] #{} (test = \"{}\")",
                path.display(),
                e.index,
                e.test
            );
            if e.reason.trim().is_empty() {
                bail!("{at}: `reason` is empty; say which gap of the backend or problem of the test it is");
            }
            let tests = root.join("tests");
            let exists = if let Some(dir) = e.test.strip_suffix('/') {
                tests.join(dir).is_dir()
            } else {
                tests.join(format!("{}.rs", e.test)).is_file()
            };
            if !exists {
                bail!(
                    "{at}: no such test under {} (write `suite/path/name` without `.rs`, \
                     or a folder ending in `/`); remove the entry if the test is gone",
                    tests.display()
                );
            }
            if let Some(m) = &e.message {
                e.message_re = Some(regex::Regex::new(m).with_context(|| {
                    format!(
                        "{at}: `message` is not a valid regex (escape `(`, `[`, `.` … with `\\`)"
                    )
                })?);
            }
            if let Some(sms) = &e.sm {
                for sm in sms {
                    if let Err(err) = sm.parse::<ptx_backend::SmTarget>() {
                        bail!("{at}: `{sm}`: {err}");
                    }
                }
            }
        }
        Ok(Expectations {
            path: Some(path.to_path_buf()),
            entries,
        })
    }

    /// The first entry that covers `id`.
    pub fn find(&self, id: &TrialId) -> Option<&Expectation> {
        self.entries.iter().find(|e| e.covers(id))
    }

    /// `file:#N` for an entry.
    pub fn locate(&self, e: &Expectation) -> String {
        format!(
            "{} entry #{}",
            self.path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "expectations".into()),
            e.index
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(test: &str, rev: Option<&str>, sm: &str) -> TrialId {
        let (suite, test) = test.split_once('/').unwrap();
        TrialId {
            suite: suite.into(),
            test: test.into(),
            revision: rev.map(Into::into),
            sm: sm.into(),
        }
    }

    fn root_with(tests: &[&str], toml: &str) -> (tempfile::TempDir, Result<Expectations>) {
        let dir = tempfile::tempdir().unwrap();
        for t in tests {
            let p = dir.path().join("tests").join(format!("{t}.rs"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let file = dir.path().join("expectations/x.toml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, toml).unwrap();
        let e = Expectations::load(&file, dir.path());
        (dir, e)
    }

    /// With `message`, only a failure whose message matches is the expected
    /// one; an invalid regex is an error naming the entry.
    #[test]
    fn a_message_pattern_narrows_the_expected_failure() {
        let (_d, e) = root_with(
            &["run-gpu/a/b"],
            "[[expect]]\ntest = \"run-gpu/a/b\"\nstate = \"fail\"\nreason = \"x gap: no dyn\"\n\
             message = 'Type translation not yet implemented for: RigidTy\\(Dynamic'\n",
        );
        let e = e.unwrap();
        let entry = e.find(&id("run-gpu/a/b", None, "sm_80")).unwrap();
        assert!(entry.expects_failure(
            "error: Unsupported construct: Type translation not yet implemented for: RigidTy(Dynamic([…]))"
        ));
        assert!(!entry.expects_failure("stdout differs: line 1"));
        let (_d, e) = root_with(
            &["run-gpu/a/b"],
            "[[expect]]\ntest = \"run-gpu/a/b\"\nstate = \"fail\"\nreason = \"r\"\nmessage = 'RigidTy(Dynamic'\n",
        );
        let err = format!("{:#}", e.unwrap_err());
        assert!(err.contains("entry") || err.contains("#1"), "{err}");
        assert!(err.contains("`message` is not a valid regex"), "{err}");
    }

    #[test]
    fn entries_cover_tests_folders_targets_and_revisions() {
        let (_d, e) = root_with(
            &["run-gpu/printf/hello", "ui/a/b"],
            r#"
[[expect]]
test = "run-gpu/printf/hello"
sm = ["sm_80"]
state = "fail"
reason = "no vprintf"

[[expect]]
test = "ui/"
revision = "r"
state = "crash"
reason = "panics on everything"
link = "https://example.com/1"
"#,
        );
        let e = e.unwrap();
        let hello = e.find(&id("run-gpu/printf/hello", None, "sm_80")).unwrap();
        assert_eq!((hello.index, hello.state), (1, ExpectedState::Fail));
        assert!(e.find(&id("run-gpu/printf/hello", None, "sm_90")).is_none());
        assert!(e
            .find(&id("run-gpu/printf/hello2", None, "sm_80"))
            .is_none());
        let ui = e.find(&id("ui/a/b", Some("r"), "sm_75")).unwrap();
        assert_eq!(
            ui.describe(),
            "panics on everything (https://example.com/1)"
        );
        assert!(e.find(&id("ui/a/b", None, "sm_75")).is_none());
    }

    #[test]
    fn stale_or_unexplained_entries_are_errors() {
        let (_d, e) = root_with(
            &[],
            "[[expect]]\ntest = \"run-gpu/gone\"\nstate = \"fail\"\nreason = \"x\"\n",
        );
        let msg = format!("{:#}", e.unwrap_err());
        assert!(msg.contains("#1 (test = \"run-gpu/gone\")"), "{msg}");
        assert!(msg.contains("no such test"), "{msg}");
        let (_d, e) = root_with(
            &["ui/a"],
            "[[expect]]\ntest = \"ui/a\"\nstate = \"fail\"\nreason = \" \"\n",
        );
        assert!(format!("{:#}", e.unwrap_err()).contains("`reason` is empty"));
        let (_d, e) = root_with(
            &["ui/a"],
            "[[expect]]\ntest = \"ui/a\"\nstate = \"flaky\"\nreason = \"x\"\n",
        );
        assert!(format!("{:#}", e.unwrap_err()).contains("flaky"));
        let (_d, e) = root_with(
            &["ui/a"],
            "[[expect]]\ntest = \"ui/a\"\nsm = [\"sm_81\"]\nstate = \"fail\"\nreason = \"x\"\n",
        );
        assert!(format!("{:#}", e.unwrap_err()).contains("sm_81"));
    }

    #[test]
    fn crash_and_timeout_need_their_kind_of_failure() {
        assert!(ExpectedState::Crash.matches_failure("the compiler panicked or crashed"));
        assert!(!ExpectedState::Crash.matches_failure("ptx snapshot differs"));
        assert!(ExpectedState::Timeout.matches_failure("rustc timed out after 300s"));
        assert!(!ExpectedState::Timeout.matches_failure("the compiler crashed"));
        assert!(ExpectedState::Fail.matches_failure("anything"));
    }
}

//! The plan: one trial per (test, revision, sm target), built from the
//! discovered files and their directives. A file whose directives don't parse
//! becomes one failing entry that carries the rendered error.

use std::collections::BTreeSet;
use std::sync::Arc;

use ptx_backend::{SmTarget, Stage};
use serde::{Deserialize, Serialize};

use super::annotations::{parse_annotations, Annotation};
use super::check_prefixes;
use super::directives::{Directives, RevisionDirectives};
use super::discover::{discover, Suite, TestFile};
use super::expectations::{Expectations, ExpectedState};
use super::matrix::targets_for;
use super::LineError;
use crate::config::Settings;

/// The identity of a trial, stable across runs: the key the gate joins on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TrialId {
    /// `ui`, `ptx-snapshots` or `run-gpu`.
    pub suite: String,
    /// The test path relative to its suite folder, with `/`.
    pub test: String,
    /// The revision, if the test has revisions.
    pub revision: Option<String>,
    /// The sm target, e.g. `sm_90a`.
    pub sm: String,
}

impl TrialId {
    /// `suite/test[rev]@sm`, the name libtest and reports show.
    pub fn name(&self) -> String {
        match &self.revision {
            Some(r) => format!("{}/{}[{}]@{}", self.suite, self.test, r, self.sm),
            None => format!("{}/{}@{}", self.suite, self.test, self.sm),
        }
    }
}

/// One planned trial.
#[derive(Clone, Debug)]
pub struct Trial {
    /// Its stable identity.
    pub id: TrialId,
    /// The test file.
    pub test: Arc<TestFile>,
    /// The file's text, as read when planning.
    pub source: Arc<String>,
    /// The directives in force for its revision.
    pub directives: Arc<RevisionDirectives>,
    /// What the test file says beyond its directives, shared by its trials.
    pub facts: Arc<TestFacts>,
    /// The target.
    pub sm: SmTarget,
    /// Set when a directive excludes this target.
    pub skip: Option<String>,
}

/// What a test file says about itself beyond one revision's directives,
/// read once when planning and shared by every trial of the file. A
/// malformed annotation or check prefix fails each trial that reads it (as
/// the checks would), not the plan.
#[derive(Debug)]
pub struct TestFacts {
    /// Every revision the test declares.
    pub revisions: Vec<String>,
    /// Its `//~` annotations, of every revision, or the first malformed one.
    pub annotations: Result<Vec<Annotation>, LineError>,
    /// The stages its CHECK lines read.
    pub checked_stages: BTreeSet<Stage>,
    /// `Err` when a check prefix names no stage (see [`check_prefixes::validate`]).
    pub check_prefixes: Result<(), LineError>,
}

impl TestFacts {
    /// Reads the facts of a test file's `source`, whose directives declare `revisions`.
    pub fn read(source: &str, revisions: &[String]) -> TestFacts {
        TestFacts {
            revisions: revisions.to_vec(),
            annotations: parse_annotations(source),
            checked_stages: check_prefixes::checked_stages(source),
            check_prefixes: check_prefixes::validate(source, revisions),
        }
    }
}

/// An entry of the plan.
#[derive(Clone, Debug)]
pub enum PlanItem {
    /// A runnable (or directive-skipped) trial.
    Trial(Trial),
    /// A test file that could not be planned; running it fails with `error`.
    Invalid {
        /// `sm` is `-` since no target could be chosen.
        id: TrialId,
        /// The test file.
        test: Arc<TestFile>,
        /// The rendered error (file, line, caret, fix).
        error: String,
    },
}

impl PlanItem {
    /// The entry's identity.
    pub fn id(&self) -> &TrialId {
        match self {
            PlanItem::Trial(t) => &t.id,
            PlanItem::Invalid { id, .. } => id,
        }
    }
}

/// The suite's sm matrix under these settings.
pub fn suite_matrix(settings: &Settings, suite: Suite) -> &[SmTarget] {
    match suite {
        Suite::Ui => &settings.ui_matrix,
        Suite::PtxSnapshots | Suite::RunGpu => &settings.matrix,
    }
}

/// Plans every trial of the given suites for `backend`: its
/// `only-backend`/`ignore-backend` skips, its own stage names, and the
/// `skip` entries of its expectations.
pub fn plan(
    settings: &Settings,
    suites: &[Suite],
    backend: &dyn ptx_backend::Backend,
    expectations: &Expectations,
) -> std::io::Result<Vec<PlanItem>> {
    let mut items = Vec::new();
    let custom = backend.custom_stages();
    for &suite in suites {
        for test in discover(&settings.root, suite)? {
            plan_file(
                settings,
                Arc::new(test),
                backend.name(),
                &custom,
                &mut items,
            );
        }
    }
    for item in &mut items {
        if let PlanItem::Trial(t) = item {
            if t.skip.is_none() {
                if let Some(e) = expectations.find(&t.id) {
                    if e.state == ExpectedState::Skip {
                        t.skip = Some(format!(
                            "expectations: {} ({})",
                            e.describe(),
                            expectations.locate(e)
                        ));
                    }
                }
            }
        }
    }
    Ok(items)
}

fn plan_file(
    settings: &Settings,
    test: Arc<TestFile>,
    backend: &str,
    custom_stages: &[String],
    items: &mut Vec<PlanItem>,
) {
    let invalid = |error: String| PlanItem::Invalid {
        id: TrialId {
            suite: test.suite.dir_name().into(),
            test: test.name.clone(),
            revision: None,
            sm: "-".into(),
        },
        test: test.clone(),
        error,
    };
    let source = match std::fs::read_to_string(&test.path) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            items.push(invalid(format!(
                "{}: cannot read: {e}",
                test.path.display()
            )));
            return;
        }
    };
    let display = test
        .path
        .strip_prefix(&settings.root)
        .unwrap_or(&test.path)
        .to_path_buf();
    let directives = match Directives::parse_with_stages(&display, &source, custom_stages) {
        Ok(d) => d,
        Err(e) => {
            items.push(invalid(e.to_string()));
            return;
        }
    };
    let facts = Arc::new(TestFacts::read(&source, directives.revisions()));
    for rev in directives.each_revision() {
        let rev = Arc::new(rev);
        let backend_skip = rev.backend_filter(backend).err();
        for choice in targets_for(&rev, suite_matrix(settings, test.suite)) {
            items.push(PlanItem::Trial(Trial {
                id: TrialId {
                    suite: test.suite.dir_name().into(),
                    test: test.name.clone(),
                    revision: rev.revision.clone(),
                    sm: choice.sm.name(),
                },
                test: test.clone(),
                source: source.clone(),
                directives: rev.clone(),
                facts: facts.clone(),
                sm: choice.sm,
                skip: backend_skip.clone().or(choice.skip),
            }));
        }
    }
}

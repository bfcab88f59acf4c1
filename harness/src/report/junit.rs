//! JUnit XML for CI dashboards: one `<testsuite>` per suite and one
//! `<testcase>` per trial, with failures, skips and the run's environment.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::verdict::{DecidedBy, RunResults, TrialRecord, Verdict};
use crate::atomic_file::write_atomic;

/// The suites in the order reports list them; any others follow by name.
const SUITE_ORDER: [&str; 3] = ["ui", "ptx-snapshots", "run-gpu"];

/// Renders `results` as JUnit XML.
///
/// Each `<testcase>` is named `test[rev]@sm` with the suite as its
/// `classname` and the trial's wall time as `time`. Failures carry the first
/// line of the message as `message`, the stage that decided them as `type`
/// and the whole message (plus the reproduce command) as text; skips carry
/// their reason as `message`. Each `<testsuite>` has a `skipped` count and
/// properties for the backend, tool versions, GPU and sm matrix. ANSI escapes
/// and characters XML 1.0 forbids are removed.
pub fn to_junit(results: &RunResults) -> String {
    let mut suites: Vec<&str> = results.trials.iter().map(|t| t.id.suite.as_str()).collect();
    suites.sort_by_key(|s| {
        let rank = SUITE_ORDER
            .iter()
            .position(|o| o == s)
            .unwrap_or(SUITE_ORDER.len());
        (rank, *s)
    });
    suites.dedup();

    let properties = run_properties(results);
    let mut report = Report::new("ptx-harness");
    let mut total = Duration::ZERO;
    for suite_name in suites {
        let mut trials: Vec<&TrialRecord> = results
            .trials
            .iter()
            .filter(|t| t.id.suite == suite_name)
            .collect();
        trials.sort_by(|a, b| a.id.cmp(&b.id));

        let mut suite = TestSuite::new(clean(suite_name));
        suite.add_properties(properties.iter().cloned());
        let mut time = Duration::ZERO;
        let mut skipped = 0usize;
        for trial in trials {
            time += trial.duration;
            if matches!(trial.verdict, Verdict::Skipped { .. }) {
                skipped += 1;
            }
            suite.add_test_case(test_case(trial));
        }
        suite.set_time(time);
        suite
            .extra
            .insert("skipped".into(), skipped.to_string().into());
        total += time;
        report.add_test_suite(suite);
    }
    report.set_time(total);
    report
        .to_string()
        .expect("serializing JUnit XML to memory cannot fail")
}

/// Writes [`to_junit`]'s XML to `path`, atomically (via `<path>.tmp`).
pub fn write_junit(results: &RunResults, path: &Path) -> anyhow::Result<()> {
    write_atomic(path, to_junit(results).as_bytes())
}

/// The properties every suite carries: backend, tool versions, GPU, matrix.
fn run_properties(results: &RunResults) -> Vec<Property> {
    let info = &results.info;
    let mut props = vec![Property::new("backend", clean(&info.backend))];
    for (tool, version) in &info.versions {
        props.push(Property::new(
            clean(&format!("version.{tool}")),
            clean(version),
        ));
    }
    props.push(Property::new(
        "gpu",
        clean(info.gpu.as_deref().unwrap_or("none")),
    ));
    if let Some(emu) = &info.emulator {
        props.push(Property::new("emulator", clean(emu)));
    }
    props.push(Property::new("matrix", clean(&info.matrix.join(","))));
    if let Some(s) = &info.sanitizer {
        props.push(Property::new("sanitizer", clean(&s.render())));
    }
    props
}

/// One trial as a `<testcase>`.
fn test_case(trial: &TrialRecord) -> TestCase {
    let id = &trial.id;
    let name = match &id.revision {
        Some(rev) => format!("{}[{}]@{}", id.test, rev, id.sm),
        None => format!("{}@{}", id.test, id.sm),
    };
    let stage = stage_name(trial.decided_by);
    let status = match &trial.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Failed { message } => {
            let message = clean(message);
            let mut description = message.clone();
            if let Some(cmd) = &trial.reproduce {
                if !description.is_empty() && !description.ends_with('\n') {
                    description.push('\n');
                }
                description.push_str(&format!("\nreproduce: {}", clean(cmd)));
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(first_line(&message))
                .set_type(stage.as_str())
                .set_description(description);
            status
        }
        Verdict::Skipped { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(first_line(&clean(reason)));
            status
        }
        // JUnit has no expected failure; CI dashboards show it as a skip
        // whose message says it is a known gap.
        Verdict::ExpectedFailure { reason, message } => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(format!("expected failure: {}", first_line(&clean(reason))))
                .set_description(clean(message));
            status
        }
    };
    let mut case = TestCase::new(clean(&name), status);
    case.set_classname(clean(&id.suite))
        .set_time(trial.duration);
    case.add_property(Property::new("decided-by", stage));
    if trial.executed {
        case.add_property(Property::new("executed", "true"));
    }
    // The device of the execution (`gpu` or `emulator`) and its name; also
    // set for an execution that could not start on its device.
    if let Some(kind) = trial.device {
        case.add_property(Property::new("device", kind.name()));
    }
    if let Some(name) = &trial.device_name {
        case.add_property(Property::new("device-name", clean(name)));
    }
    if let Some(cmd) = &trial.reproduce {
        case.add_property(Property::new("reproduce", clean(cmd)));
    }
    // The sanitizer tools of the execution: `initcheck` on the emulator,
    // `initcheck (not applied on a GPU)`, and how many findings.
    if let Some(s) = &trial.sanitizer {
        let tools = if s.applied {
            s.tools.to_string()
        } else {
            format!("{} (not applied on a GPU)", s.tools)
        };
        case.add_property(Property::new("sanitize", clean(&tools)));
        case.add_property(Property::new(
            "sanitizer-findings",
            s.findings.len().to_string(),
        ));
    }
    case
}

/// The kebab-case name of a stage, as the JSON results spell it.
fn stage_name(stage: DecidedBy) -> String {
    match serde_json::to_value(stage) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{stage:?}"),
    }
}

/// The first line of `text`, trimmed (attribute values cannot keep newlines).
fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Removes ANSI escape sequences and every character XML 1.0 forbids
/// (control characters other than tab, newline and carriage return, and the
/// non-characters U+FFFE and U+FFFF).
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (e.g. hyperlinks): up to BEL or ESC '\'.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                // Any other escape is two characters long.
                _ => {}
            },
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::{RunInfo, TrialId, RESULTS_FORMAT};

    fn record(suite: &str, test: &str, rev: Option<&str>, verdict: Verdict) -> TrialRecord {
        TrialRecord {
            id: TrialId {
                suite: suite.into(),
                test: test.into(),
                revision: rev.map(str::to_string),
                sm: "sm_80".into(),
            },
            verdict,
            decided_by: DecidedBy::FileCheck,
            executed: false,
            device: None,
            device_name: None,
            duration: Duration::from_millis(250),
            kernels: vec![],
            sanitizer: None,
            reproduce: Some("ptx-rustc --emit=asm a.rs".into()),
        }
    }

    fn sample() -> RunResults {
        RunResults {
            format: RESULTS_FORMAT,
            info: RunInfo {
                backend: "llvm-ptx".into(),
                versions: [("rustc".to_string(), "1.90.0 <nightly> & co".to_string())]
                    .into_iter()
                    .collect(),
                gpu: Some("NVIDIA H100 (sm_90)".into()),
                emulator: None,
                matrix: vec!["sm_80".into()],
                commit: None,
                date: None,
                sanitizer: None,
            },
            trials: vec![
                record("ptx-snapshots", "ok.rs", Some("opt"), Verdict::Passed),
                record(
                    "ptx-snapshots",
                    "bad.rs",
                    None,
                    Verdict::Failed {
                        message: "\x1b[1;31merror\x1b[0m: expected `<i32>` & \"u32\"\n\x1b]8;;http://x\x07link\x1b]8;;\x07 \u{1}done"
                            .into(),
                    },
                ),
                record(
                    "ptx-snapshots",
                    "skip.rs",
                    None,
                    Verdict::Skipped {
                        reason: "ignore-sm: sm_80 <old> & \x1b[33mslow\x1b[0m".into(),
                    },
                ),
            ],
        }
    }

    #[test]
    fn renders_counts_and_attributes() {
        let xml = to_junit(&sample());
        assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
        assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
        assert_eq!(xml.matches("<skipped ").count(), 1, "{xml}");
        for attr in [r#"tests="3""#, r#"failures="1""#, r#"skipped="1""#] {
            assert!(xml.contains(attr), "missing {attr}: {xml}");
        }
        assert!(xml.contains(r#"name="ok.rs[opt]@sm_80""#), "{xml}");
        assert!(xml.contains(r#"classname="ptx-snapshots""#), "{xml}");
        assert!(xml.contains(r#"type="file-check""#), "{xml}");
        assert!(xml.contains(r#"time="0.250""#), "{xml}");
        assert!(
            xml.contains(r#"name="gpu" value="NVIDIA H100 (sm_90)""#),
            "{xml}"
        );
        assert!(xml.contains(r#"name="version.rustc""#), "{xml}");
    }

    #[test]
    fn special_characters_make_valid_xml() {
        let xml = to_junit(&sample());
        assert!(!xml.contains('\x1b'), "ANSI escape left in: {xml:?}");
        assert!(!xml.contains('\u{1}'), "control character left in: {xml:?}");
        assert!(xml.contains("&lt;i32&gt;"), "{xml}");
        assert!(xml.contains("&amp;"), "{xml}");
        assert!(xml.contains(r#"message="error: expected"#), "{xml}");
        assert!(
            xml.contains(r#"message="ignore-sm: sm_80 &lt;old&gt; &amp; slow""#),
            "{xml}"
        );

        // A real XML parser reads it back, with the text intact.
        let report = Report::deserialize_from_str(&xml).expect("valid JUnit XML");
        assert_eq!(report.test_suites.len(), 1);
        let suite = &report.test_suites[0];
        assert_eq!((suite.tests, suite.failures), (3, 1));
        let bad = suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == "bad.rs@sm_80")
            .expect("failed case");
        match &bad.status {
            TestCaseStatus::NonSuccess {
                message,
                description,
                ty,
                ..
            } => {
                assert_eq!(
                    message.as_deref(),
                    Some("error: expected `<i32>` & \"u32\"")
                );
                assert_eq!(ty.as_deref(), Some("file-check"));
                let d = description.as_deref().unwrap_or_default();
                assert!(d.contains("link done"), "{d:?}");
                assert!(d.contains("reproduce: ptx-rustc --emit=asm a.rs"), "{d:?}");
            }
            other => panic!("expected a failure: {other:?}"),
        }
    }

    #[test]
    fn suites_follow_the_pipeline_order() {
        let mut results = sample();
        results
            .trials
            .push(record("run-gpu", "k.rs", None, Verdict::Passed));
        results
            .trials
            .push(record("ui", "u.rs", None, Verdict::Passed));
        let xml = to_junit(&results);
        let pos = |s: &str| xml.find(&format!(r#"<testsuite name="{s}""#)).unwrap();
        assert!(pos("ui") < pos("ptx-snapshots") && pos("ptx-snapshots") < pos("run-gpu"));
    }

    #[test]
    fn writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");
        write_junit(&sample(), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, to_junit(&sample()));
        assert!(!dir.path().join("junit.xml.tmp").exists());
    }

    #[test]
    fn clean_strips_escapes() {
        assert_eq!(clean("\x1b[1;31mred\x1b[0m\tok\n"), "red\tok\n");
        assert_eq!(clean("a\x1b]8;;url\x1b\\b\x1b]8;;\x1b\\c"), "abc");
        assert_eq!(clean("x\x1b7y\u{0}\u{ffff}z"), "xyz");
    }
    #[test]
    fn executions_name_their_device() {
        let mut r = sample();
        let mut emu = record("run-gpu", "k.rs", None, Verdict::Passed);
        emu.executed = true;
        emu.device = Some(crate::report::verdict::DeviceKind::Emulator);
        emu.device_name = Some("ptx-emu 0.1 (sm_80)".into());
        r.trials.push(emu);
        r.info.emulator = Some("ptx-emu 0.1 (ptx-emu-cuda 0.1.0)".into());
        let xml = to_junit(&r);
        assert!(xml.contains(r#"name="device" value="emulator""#), "{xml}");
        assert!(
            xml.contains(r#"name="device-name" value="ptx-emu 0.1 (sm_80)""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"name="emulator" value="ptx-emu 0.1 (ptx-emu-cuda 0.1.0)""#),
            "{xml}"
        );
        assert!(!xml.contains(r#"name="device" value="gpu""#), "{xml}");
    }
}

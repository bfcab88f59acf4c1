//! Compares a run-gpu program's stdout with the expected output, exactly or
//! with a floating-point [`Tolerance`], and reports the first differing line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::check::sanitizer::{check_findings, findings_in};
use crate::plan::sanitize::{Tool, ToolSet};

/// How close two floating-point tokens must be to count as equal; the
/// `float-tolerance:` directive's value.
pub use crate::plan::directives::FloatTolerance as Tolerance;

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Relative(tol) => write!(f, "rel={tol:e}"),
            Tolerance::Ulp(n) => write!(f, "ulp={n}"),
        }
    }
}

impl FromStr for Tolerance {
    type Err = String;

    /// Parses `rel=1e-5` (or `relative=1e-5`) and `ulp=4` (or `ulps=4`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kind, value) = s
            .split_once('=')
            .ok_or_else(|| format!("tolerance `{s}`: expected `rel=<float>` or `ulp=<integer>`"))?;
        let value = value.trim();
        match kind.trim() {
            "rel" | "relative" => match value.parse::<f64>() {
                Ok(tol) if tol.is_finite() && tol >= 0.0 => Ok(Tolerance::Relative(tol)),
                _ => Err(format!(
                    "tolerance `{s}`: `{value}` is not a finite, non-negative number"
                )),
            },
            "ulp" | "ulps" => value
                .parse::<u64>()
                .map(Tolerance::Ulp)
                .map_err(|_| format!("tolerance `{s}`: `{value}` is not an unsigned integer")),
            other => Err(format!(
                "tolerance `{s}`: unknown kind `{other}` (expected `rel` or `ulp`)"
            )),
        }
    }
}

/// The first difference between expected and actual output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StdoutMismatch {
    /// 1-based line number of the first difference.
    pub line: usize,
    /// The expected line, or `None` when the expected output has ended.
    pub expected: Option<String>,
    /// The actual line, or `None` when the actual output has ended.
    pub actual: Option<String>,
    /// Why the lines differ, e.g. `3.1416 vs 3.1401: relative error 4.8e-4 > 1e-5`.
    pub reason: String,
}

impl StdoutMismatch {
    /// A multi-line description: the one-line summary plus both lines.
    pub fn details(&self) -> String {
        let show = |l: &Option<String>| match l {
            Some(l) => format!("`{l}`"),
            None => "<end of output>".to_string(),
        };
        format!(
            "{self}\n  expected: {}\n  actual:   {}",
            show(&self.expected),
            show(&self.actual)
        )
    }
}

impl fmt::Display for StdoutMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for StdoutMismatch {}

/// Normalizes program output for comparison: CRLF becomes LF and whitespace
/// at the very end of the output is dropped (whitespace inside lines is kept).
pub fn normalize_output(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_string()
}

/// The lines of normalized output; empty output has no lines.
fn output_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    }
}

/// Compares `actual` program output with `expected`.
///
/// Both are normalized with [`normalize_output`] and compared line by line.
/// Without a tolerance lines must be identical. With one, each line is split
/// on whitespace and the tokens compared pairwise: tokens that parse as `f64`
/// on both sides (`inf`, `-inf` and `NaN` included) must be within the
/// tolerance (NaN equals only NaN, an infinity only the same infinity); all
/// other tokens must be equal. A number wrapped in brackets or followed by
/// punctuation, as in `[1.5,` or `2.0)` from `{:?}` output, counts as a number
/// when the wrapping is the same on both sides.
pub fn compare_stdout(
    expected: &str,
    actual: &str,
    tolerance: Option<Tolerance>,
) -> Result<(), StdoutMismatch> {
    let expected = normalize_output(expected);
    let actual = normalize_output(actual);
    let exp_lines = output_lines(&expected);
    let act_lines = output_lines(&actual);
    for (index, (e, a)) in exp_lines.iter().zip(&act_lines).enumerate() {
        let result = match tolerance {
            None => compare_exact(e, a),
            Some(tol) => compare_tokens(e, a, tol),
        };
        if let Err(reason) = result {
            return Err(StdoutMismatch {
                line: index + 1,
                expected: Some(e.to_string()),
                actual: Some(a.to_string()),
                reason,
            });
        }
    }
    let (ne, na) = (exp_lines.len(), act_lines.len());
    if ne == na {
        return Ok(());
    }
    let line = ne.min(na) + 1;
    let counts = format!("expected {ne} line(s), got {na}");
    Err(if ne > na {
        let e = exp_lines[na];
        StdoutMismatch {
            line,
            expected: Some(e.to_string()),
            actual: None,
            reason: format!("expected `{e}`, got end of output ({counts})"),
        }
    } else {
        let a = act_lines[ne];
        StdoutMismatch {
            line,
            expected: None,
            actual: Some(a.to_string()),
            reason: format!("unexpected extra line `{a}` ({counts})"),
        }
    })
}

/// Exact comparison of one line, naming the first differing column.
fn compare_exact(e: &str, a: &str) -> Result<(), String> {
    if e == a {
        return Ok(());
    }
    let column = e.chars().zip(a.chars()).take_while(|(x, y)| x == y).count() + 1;
    Err(format!(
        "expected `{e}`, got `{a}` (first difference at column {column})"
    ))
}

/// Tolerant comparison of one line, token by token.
fn compare_tokens(e: &str, a: &str, tol: Tolerance) -> Result<(), String> {
    let et: Vec<&str> = e.split_whitespace().collect();
    let at: Vec<&str> = a.split_whitespace().collect();
    if et.len() != at.len() {
        return Err(format!(
            "expected {} token(s), got {}: expected `{e}`, got `{a}`",
            et.len(),
            at.len()
        ));
    }
    et.iter()
        .zip(&at)
        .try_for_each(|(x, y)| compare_token(x, y, tol))
}

/// Leading and trailing punctuation allowed around a number token.
const NUMBER_PREFIX: &[char] = &['(', '[', '{', '<'];
const NUMBER_SUFFIX: &[char] = &[',', ';', ':', ')', ']', '}', '>', '%'];

/// Splits `[1.5,` into (`[`, `1.5`, `,`).
fn split_affixes(token: &str) -> (&str, &str, &str) {
    let core_start = token.len() - token.trim_start_matches(NUMBER_PREFIX).len();
    let rest = &token[core_start..];
    let core = rest.trim_end_matches(NUMBER_SUFFIX);
    (&token[..core_start], core, &rest[core.len()..])
}

/// Compares two tokens under a tolerance.
fn compare_token(e: &str, a: &str, tol: Tolerance) -> Result<(), String> {
    if e == a {
        return Ok(());
    }
    let (ep, en, es) = split_affixes(e);
    let (ap, an, as_) = split_affixes(a);
    if ep == ap && es == as_ {
        if let (Ok(x), Ok(y)) = (en.parse::<f64>(), an.parse::<f64>()) {
            return compare_floats(x, y, tol).map_err(|why| format!("{en} vs {an}: {why}"));
        }
    }
    Err(format!("`{e}` vs `{a}`: tokens differ"))
}

/// Whether two floats are equal within `tol`; the error says why not.
pub fn compare_floats(x: f64, y: f64, tol: Tolerance) -> Result<(), String> {
    if x.is_nan() || y.is_nan() {
        return if x.is_nan() && y.is_nan() {
            Ok(())
        } else {
            Err("only one side is NaN".to_string())
        };
    }
    if x == y {
        return Ok(());
    }
    if x.is_infinite() || y.is_infinite() {
        return Err("infinities must match exactly".to_string());
    }
    match tol {
        Tolerance::Relative(tol) => {
            let diff = (x - y).abs();
            let scale = x.abs().max(y.abs());
            if diff <= tol * scale {
                Ok(())
            } else {
                Err(format!("relative error {:.1e} > {tol:e}", diff / scale))
            }
        }
        Tolerance::Ulp(max) => {
            let distance = ulp_distance(x, y);
            if distance <= max {
                Ok(())
            } else {
                Err(format!("{distance} ulps apart > {max}"))
            }
        }
    }
}

/// Number of representable `f64` values between `x` and `y` (0 for `0.0` vs `-0.0`).
pub fn ulp_distance(x: f64, y: f64) -> u64 {
    // Map the bit patterns onto a monotonic integer line.
    fn ordered(v: f64) -> i128 {
        let bits = v.to_bits() as i64;
        if bits < 0 {
            i64::MIN as i128 - bits as i128
        } else {
            bits as i128
        }
    }
    (ordered(x) - ordered(y))
        .unsigned_abs()
        .min(u64::MAX as u128) as u64
}

/// What a run-gpu program must do: the part of a test's directives that a
/// GPU machine needs, so bundles can carry it without the test sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunExpectation {
    /// `run-fail`: the program must fail.
    pub expect_failure: bool,
    /// The exact exit code a `run-fail` program must end with, if given.
    pub exit_code: Option<i32>,
    /// The expected stdout (`None` only for run-fail tests that don't check it).
    pub stdout: Option<String>,
    /// Float tolerance for stdout.
    pub tolerance: Option<Tolerance>,
    /// `run-fail: CUDA_ERROR_…`: the CUDA error name the failing program's
    /// stderr must contain (host_runtime prints it; the emulator's
    /// `ptx-emu: ` lines name it too).
    #[serde(default)]
    pub cuda_error: Option<String>,
    /// `run-fail-stderr:` regexes that must each match somewhere in stderr.
    #[serde(default)]
    pub stderr_patterns: Vec<String>,
    /// The emulator's sanitizer tools for the execution (`//@ sanitize`
    /// united with the run's `--sanitize`); a GPU execution ignores them.
    #[serde(default)]
    pub sanitize: ToolSet,
    /// `run-fail: initcheck`: the tool whose finding the program's stderr
    /// must hold. A finding of any other tool fails the execution, with or
    /// without it (see [`crate::check::sanitizer`]).
    #[serde(default)]
    pub sanitizer_finding: Option<Tool>,
}

/// The `CUDA_ERROR_…` names in `text`, in order of appearance, without repeats.
pub fn cuda_errors_in(text: &str) -> Vec<&str> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"\bCUDA_ERROR_[A-Z0-9_]+\b").unwrap());
    let mut out: Vec<&str> = Vec::new();
    for m in re.find_iter(text) {
        if !out.contains(&m.as_str()) {
            out.push(m.as_str());
        }
    }
    out
}

/// Checks how a failing program failed: its CUDA error and stderr patterns.
fn check_failure(expect: &RunExpectation, stderr: &str) -> Result<(), String> {
    if let Some(want) = &expect.cuda_error {
        let found = cuda_errors_in(stderr);
        if !found.contains(&want.as_str()) {
            let got = if found.is_empty() {
                "its stderr names no CUDA error".to_string()
            } else {
                format!("its stderr names {}", found.join(", "))
            };
            return Err(format!(
                "expected the program to fail with {want}, but {got}\nstderr:\n{stderr}"
            ));
        }
    }
    for pattern in &expect.stderr_patterns {
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("invalid run-fail-stderr regex `{pattern}`: {e}"))?;
        if !re.is_match(stderr) {
            return Err(format!(
                "stderr does not match `{pattern}` (run-fail-stderr)\nstderr:\n{stderr}"
            ));
        }
    }
    Ok(())
}

/// Lines of a program's stderr shown when its stdout differs.
const STDERR_TAIL: usize = 20;

/// Checks a finished execution against its expectation.
pub fn check_execution(
    expect: &RunExpectation,
    run: &crate::execute::process::ProcessOutcome,
    color: bool,
) -> Result<(), String> {
    if run.timed_out {
        return Err(format!(
            "timed out after {:.1?} and was killed",
            run.duration
        ));
    }
    // A finding decides the verdict before anything it may have caused (a
    // failed launch, a short stdout): the message names the tool.
    check_findings(expect.sanitizer_finding, &findings_in(&run.stderr)).map_err(|m| {
        // A missing finding: say what the program did instead.
        if m.starts_with("expected ") {
            format!(
                "{m} (the program ended: {})\nstderr:\n{}",
                run.describe(),
                run.stderr
            )
        } else {
            m
        }
    })?;
    if expect.expect_failure {
        let ok = match expect.exit_code {
            Some(want) => run.status.code == Some(want),
            None => !run.success(),
        };
        if !ok {
            let want = expect
                .exit_code
                .map(|c| format!("exit code {c}"))
                .unwrap_or_else(|| "a failure".into());
            return Err(format!(
                "expected {want}, but the program {}\nstderr:\n{}",
                run.describe(),
                run.stderr
            ));
        }
        check_failure(expect, &run.stderr)?;
    } else if !run.success() {
        return Err(format!(
            "the program {}\nstderr:\n{}\nstdout:\n{}",
            run.describe(),
            run.stderr,
            run.stdout
        ));
    }
    if let Some(expected) = &expect.stdout {
        compare_stdout(expected, &run.stdout, expect.tolerance).map_err(|m| {
            let mut msg = format!(
                "stdout differs: {m}\n{}",
                crate::check::diff::unified_diff(expected, &run.stdout, "expected stdout", color)
            );
            // What the program said about it (the differential lane's
            // first trace difference, say), its last lines.
            let lines: Vec<&str> = run.stderr.lines().collect();
            if !lines.is_empty() {
                let tail = &lines[lines.len().saturating_sub(STDERR_TAIL)..];
                msg.push_str(&format!("stderr:\n{}\n", tail.join("\n")));
            }
            msg
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mismatch(e: &str, a: &str, tol: Option<Tolerance>) -> StdoutMismatch {
        compare_stdout(e, a, tol).unwrap_err()
    }

    #[test]
    fn exact_match_and_normalization() {
        assert!(compare_stdout("Output: 42\n", "Output: 42\n", None).is_ok());
        assert!(compare_stdout("a\nb\n", "a\r\nb\r\n", None).is_ok());
        assert!(compare_stdout("a\nb", "a\nb\n\n  \n", None).is_ok());
        assert!(compare_stdout("a\nb\n", "a\nb", None).is_ok());
        assert!(compare_stdout("", "", None).is_ok());
        assert!(compare_stdout("", "\n\n", None).is_ok());
        // Whitespace inside the output is significant.
        let m = mismatch("a \nb", "a\nb", None);
        assert_eq!(m.line, 1);
        let m = mismatch("a  b", "a b", None);
        assert_eq!(m.line, 1);
    }

    #[test]
    fn exact_mismatch_report() {
        let m = mismatch("Output: 1\nOutput: 42\n", "Output: 1\nOutput: 43\n", None);
        assert_eq!(m.line, 2);
        assert_eq!(m.expected.as_deref(), Some("Output: 42"));
        assert_eq!(m.actual.as_deref(), Some("Output: 43"));
        assert_eq!(
            m.to_string(),
            "line 2: expected `Output: 42`, got `Output: 43` (first difference at column 10)"
        );
        assert!(m.details().contains("  expected: `Output: 42`"));
    }

    #[test]
    fn line_count_mismatch() {
        let m = mismatch("a\nb\nc\n", "a\nb\n", None);
        assert_eq!(m.line, 3);
        assert_eq!(m.expected.as_deref(), Some("c"));
        assert_eq!(m.actual, None);
        assert_eq!(
            m.to_string(),
            "line 3: expected `c`, got end of output (expected 3 line(s), got 2)"
        );
        let m = mismatch("a\n", "a\nextra\n", Some(Tolerance::Relative(1e-5)));
        assert_eq!(m.line, 2);
        assert_eq!(m.expected, None);
        assert_eq!(
            m.to_string(),
            "line 2: unexpected extra line `extra` (expected 1 line(s), got 2)"
        );
        assert!(m.details().contains("expected: <end of output>"));
        let m = mismatch("x\n", "", None);
        assert_eq!((m.line, m.actual), (1, None));
    }

    #[test]
    fn relative_tolerance() {
        let tol = Some(Tolerance::Relative(1e-5));
        assert!(compare_stdout("pi = 3.14159", "pi = 3.141592", tol).is_ok());
        assert!(compare_stdout("Output: 1 2.5 x", "Output:   1   2.500001 x", tol).is_ok());
        let m = mismatch("a\nvalue 3.1416\n", "a\nvalue 3.1401\n", tol);
        assert_eq!(m.line, 2);
        assert_eq!(
            m.to_string(),
            "line 2: 3.1416 vs 3.1401: relative error 4.8e-4 > 1e-5"
        );
        // Non-numeric tokens must match exactly.
        let m = mismatch("Output: 1.0", "Result: 1.0", tol);
        assert_eq!(
            m.to_string(),
            "line 1: `Output:` vs `Result:`: tokens differ"
        );
        // Token counts must match.
        let m = mismatch("1 2 3", "1 2", tol);
        assert!(m.reason.starts_with("expected 3 token(s), got 2"), "{m}");
        // Integers are compared as numbers too.
        assert!(compare_stdout("10000", "10001", tol).is_err());
        assert!(compare_stdout("0", "-0", tol).is_ok());
        assert!(compare_stdout("0", "1e-300", tol).is_err());
    }

    #[test]
    fn bracketed_numbers() {
        let tol = Some(Tolerance::Relative(1e-6));
        assert!(compare_stdout("[1.0, 2.0, 3.0]", "[1.0000001, 2.0, 2.9999999]", tol).is_ok());
        assert!(compare_stdout("(0.5, NaN)", "(0.50000001, NaN)", tol).is_ok());
        let m = mismatch("[1.0, 2.0]", "[1.0, 2.5]", tol);
        assert_eq!(
            m.to_string(),
            "line 1: 2.0 vs 2.5: relative error 2.0e-1 > 1e-6"
        );
        // Different wrapping is a plain token difference.
        let m = mismatch("[1.0,", "(1.0,", tol);
        assert!(m.reason.contains("tokens differ"), "{m}");
        assert_eq!(split_affixes("[[1.5],"), ("[[", "1.5", "],"));
        assert_eq!(split_affixes("sm_90"), ("", "sm_90", ""));
        assert_eq!(split_affixes("]"), ("", "", "]"));
    }

    #[test]
    fn ulp_tolerance() {
        let one = 1.0f64;
        let next = f64::from_bits(one.to_bits() + 3);
        assert_eq!(ulp_distance(one, next), 3);
        assert_eq!(ulp_distance(0.0, -0.0), 0);
        assert_eq!(ulp_distance(f64::from_bits(1), -f64::from_bits(1)), 2);
        assert_eq!(ulp_distance(f64::MAX, f64::INFINITY), 1);
        let (e, a) = (format!("x {one:?}"), format!("x {next:?}"));
        assert!(compare_stdout(&e, &a, Some(Tolerance::Ulp(3))).is_ok());
        let m = mismatch(&e, &a, Some(Tolerance::Ulp(2)));
        assert_eq!(
            m.to_string(),
            "line 1: 1.0 vs 1.0000000000000007: 3 ulps apart > 2"
        );
        assert!(compare_stdout("0.1", "0.1", Some(Tolerance::Ulp(0))).is_ok());
    }

    #[test]
    fn nan_and_infinity() {
        let tol = Some(Tolerance::Relative(0.5));
        assert!(compare_stdout("NaN inf -inf", "nan inf -inf", tol).is_ok());
        assert!(compare_stdout("NaN", "-nan", tol).is_ok());
        assert!(compare_stdout("inf", "Infinity", tol).is_ok());
        let m = mismatch("NaN", "1.5", tol);
        assert_eq!(m.to_string(), "line 1: NaN vs 1.5: only one side is NaN");
        let m = mismatch("1.5", "NaN", Some(Tolerance::Ulp(u64::MAX)));
        assert!(m.reason.contains("only one side is NaN"));
        let m = mismatch("inf", "1e308", tol);
        assert_eq!(
            m.to_string(),
            "line 1: inf vs 1e308: infinities must match exactly"
        );
        assert!(compare_stdout("inf", "-inf", tol).is_err());
        assert!(compare_stdout("inf", "-inf", Some(Tolerance::Ulp(u64::MAX))).is_err());
        // Without a tolerance, NaN spellings must match exactly.
        assert!(compare_stdout("NaN", "nan", None).is_err());
    }

    #[test]
    fn tolerance_parsing() {
        assert_eq!("rel=1e-5".parse(), Ok(Tolerance::Relative(1e-5)));
        assert_eq!(" relative = 0.01 ".parse(), Ok(Tolerance::Relative(0.01)));
        assert_eq!("ulp=4".parse(), Ok(Tolerance::Ulp(4)));
        assert_eq!("ulps=0".parse(), Ok(Tolerance::Ulp(0)));
        assert!("rel=-1".parse::<Tolerance>().is_err());
        assert!("rel=nan".parse::<Tolerance>().is_err());
        assert!("ulp=1.5".parse::<Tolerance>().is_err());
        assert!("abs=1".parse::<Tolerance>().is_err());
        assert!("1e-5".parse::<Tolerance>().is_err());
        assert_eq!(Tolerance::Relative(1e-5).to_string(), "rel=1e-5");
        assert_eq!(Tolerance::Ulp(4).to_string(), "ulp=4");
        for t in [Tolerance::Relative(2.5e-7), Tolerance::Ulp(16)] {
            assert_eq!(t.to_string().parse(), Ok(t));
        }
    }
    fn failed_run(stderr: &str) -> crate::execute::process::ProcessOutcome {
        crate::execute::process::ProcessOutcome {
            status: crate::execute::process::ProcessStatus {
                code: Some(1),
                signal: None,
            },
            stdout: "Output: 42\n".into(),
            stderr: stderr.into(),
            timed_out: false,
            duration: std::time::Duration::from_millis(5),
        }
    }

    fn run_fail(cuda_error: Option<&str>, patterns: &[&str]) -> RunExpectation {
        RunExpectation {
            expect_failure: true,
            exit_code: Some(1),
            stdout: Some("Output: 42\n".into()),
            tolerance: None,
            cuda_error: cuda_error.map(str::to_string),
            stderr_patterns: patterns.iter().map(|p| p.to_string()).collect(),
            sanitize: ToolSet::NONE,
            sanitizer_finding: None,
        }
    }

    const FINDING: &str = "ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `sum` at PTX line 21, block [0, 0, 0] thread [0, 0, 0]: initcheck: load of 4 bytes at 0x7f0000000000 reads 4 uninitialized byte(s) of the 16-byte cuMemAlloc allocation at 0x7f0000000000 (nothing wrote them: no host copy, memset or device store)\n\
        kernel `sum` failed: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)\n";

    #[test]
    fn a_finding_the_test_does_not_pin_fails_naming_the_tool() {
        // A run-pass test whose launch initcheck stopped: not "exit code 1".
        let run = failed_run(FINDING);
        let mut expect = run_fail(None, &[]);
        expect.expect_failure = false;
        expect.exit_code = None;
        let e = check_execution(&expect, &run, false).unwrap_err();
        assert!(e.starts_with("initcheck finding:\n"), "{e}");
        assert!(e.contains("`//@ run-fail: initcheck`"), "{e}");
        assert!(e.contains("reads 4 uninitialized byte(s)"), "{e}");
        // A run-fail test that pins the CUDA error only: the finding still fails it.
        let e = check_execution(
            &run_fail(Some("CUDA_ERROR_LAUNCH_FAILED"), &[]),
            &run,
            false,
        )
        .unwrap_err();
        assert!(e.starts_with("initcheck finding:\n"), "{e}");
        // Even a program that exits 0 after the finding (it ignored the error).
        let mut ok_exit = failed_run(FINDING);
        ok_exit.status.code = Some(0);
        let e = check_execution(&expect, &ok_exit, false).unwrap_err();
        assert!(e.starts_with("initcheck finding:\n"), "{e}");
    }

    #[test]
    fn a_pinned_finding_passes_and_a_missing_one_fails() {
        let mut expect = run_fail(None, &[r"initcheck: load of 4 bytes"]);
        expect.sanitizer_finding = Some(Tool::Initcheck);
        check_execution(&expect, &failed_run(FINDING), false).unwrap();
        // The other run-fail checks still apply to a pinned finding.
        expect.stderr_patterns = vec!["PTX line 99".into()];
        let e = check_execution(&expect, &failed_run(FINDING), false).unwrap_err();
        assert!(e.starts_with("stderr does not match `PTX line 99`"), "{e}");
        // The finding did not happen: the program failed some other way.
        expect.stderr_patterns.clear();
        let other = failed_run(
            "kernel `sum` failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)\n",
        );
        let e = check_execution(&expect, &other, false).unwrap_err();
        assert!(
            e.starts_with("expected an initcheck finding (`//@ run-fail: initcheck`), got none (the program ended: exit code 1)\nstderr:\n"),
            "{e}"
        );
        assert!(e.contains("CUDA_ERROR_ILLEGAL_ADDRESS"), "{e}");
        // Pinned racecheck, found initcheck: the initcheck finding is named.
        expect.sanitizer_finding = Some(Tool::Racecheck);
        let e = check_execution(&expect, &failed_run(FINDING), false).unwrap_err();
        assert!(e.starts_with("initcheck finding:\n"), "{e}");
        assert!(
            e.contains("(the test pins racecheck, not initcheck)"),
            "{e}"
        );
    }

    #[test]
    fn a_stdout_difference_shows_the_programs_last_stderr_lines() {
        let mut run = failed_run("");
        run.status.code = Some(0);
        run.stdout = "Output: 41\n".into();
        run.stderr = (0..30).map(|i| format!("note {i}\n")).collect();
        let mut expect = run_fail(None, &[]);
        expect.expect_failure = false;
        let e = check_execution(&expect, &run, false).unwrap_err();
        assert!(e.starts_with("stdout differs"), "{e}");
        assert!(
            e.contains("stderr:\nnote 10\n") && e.contains("note 29"),
            "{e}"
        );
        assert!(!e.contains("note 9\n"), "only the last lines: {e}");
        // Nothing said on stderr: no empty section.
        run.stderr.clear();
        assert!(!check_execution(&expect, &run, false)
            .unwrap_err()
            .contains("stderr:"));
    }

    #[test]
    fn run_fail_checks_the_cuda_error_and_stderr_patterns() {
        let emu = "ptx-emu: CUDA_ERROR_ILLEGAL_ADDRESS in kernel store at PTX line 23, block (0,0,0) thread (0,0,0): store of 4 bytes to 0x10\n\
                   kernel `store` failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)\n";
        let run = failed_run(emu);
        assert_eq!(cuda_errors_in(emu), ["CUDA_ERROR_ILLEGAL_ADDRESS"]);
        check_execution(&run_fail(None, &[]), &run, false).unwrap();
        check_execution(
            &run_fail(Some("CUDA_ERROR_ILLEGAL_ADDRESS"), &[]),
            &run,
            false,
        )
        .unwrap();
        check_execution(
            &run_fail(
                Some("CUDA_ERROR_ILLEGAL_ADDRESS"),
                &[r"^ptx-emu: .* at PTX line \d+", "kernel `store`"],
            ),
            &run,
            false,
        )
        .unwrap();

        let e = check_execution(
            &run_fail(Some("CUDA_ERROR_ILLEGAL_INSTRUCTION"), &[]),
            &run,
            false,
        )
        .unwrap_err();
        assert!(
            e.starts_with("expected the program to fail with CUDA_ERROR_ILLEGAL_INSTRUCTION, but its stderr names CUDA_ERROR_ILLEGAL_ADDRESS"),
            "{e}"
        );
        // A misspelled kernel name fails too, but not with the pinned error.
        let typo = failed_run("kernel `stroe` not found in the PTX module (entries: store)\n");
        let e = check_execution(
            &run_fail(Some("CUDA_ERROR_ILLEGAL_ADDRESS"), &[]),
            &typo,
            false,
        )
        .unwrap_err();
        assert!(e.contains("but its stderr names no CUDA error"), "{e}");
        assert!(check_execution(&run_fail(None, &[]), &typo, false).is_ok());

        let e = check_execution(&run_fail(None, &["PTX line 99"]), &run, false).unwrap_err();
        assert!(e.starts_with("stderr does not match `PTX line 99`"), "{e}");
        // A prefix of a longer name is not that name.
        let e = check_execution(
            &run_fail(Some("CUDA_ERROR_ILLEGAL"), &[]),
            &failed_run("CUDA_ERROR_ILLEGAL_ADDRESS\n"),
            false,
        )
        .unwrap_err();
        assert!(e.contains("names CUDA_ERROR_ILLEGAL_ADDRESS"), "{e}");
    }
}

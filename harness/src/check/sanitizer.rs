//! Sanitizer findings in an emulated program's stderr, and the verdict on
//! them: a finding fails the trial naming its tool, unless the test pins it
//! with `//@ run-fail: <tool>`; a pinned finding that does not occur fails
//! too.
//!
//! The emulator reports a finding on one line, the location first, then
//! the tool: ``ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `k` at PTX line 7,
//! block [0, 0, 0] thread [0, 0, 0]: initcheck: load of 4 bytes …``.

use serde::{Deserialize, Serialize};

use crate::plan::sanitize::Tool;

/// One finding: the tool and the emulator's whole line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The tool that reported it.
    pub tool: Tool,
    /// The line, without its end of line.
    pub text: String,
}

/// The findings in `stderr`, in order: lines that start with `ptx-emu: `
/// and name a reporting tool after the location (`…]: racecheck: …`).
pub fn findings_in(stderr: &str) -> Vec<Finding> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"^ptx-emu: .*?: (racecheck|initcheck|synccheck): ").unwrap()
    });
    stderr
        .lines()
        .filter_map(|line| {
            let tool = re.captures(line)?.get(1)?.as_str().parse().ok()?;
            Some(Finding {
                tool,
                text: line.trim_end().to_string(),
            })
        })
        .collect()
}

/// The verdict on the findings of one execution: `Err` names the tool and
/// quotes the finding when one is not pinned, or says that the pinned
/// tool's finding is missing.
pub fn check_findings(pinned: Option<Tool>, findings: &[Finding]) -> Result<(), String> {
    if let Some(f) = findings.iter().find(|f| Some(f.tool) != pinned) {
        let more = findings.iter().filter(|g| Some(g.tool) != pinned).count() - 1;
        let hint = match pinned {
            Some(p) => format!("(the test pins {p}, not {})", f.tool),
            None => format!("(a test that expects it says `//@ run-fail: {}`)", f.tool),
        };
        return Err(format!(
            "{tool} finding{}:\n  {}\n{hint}",
            if more > 0 {
                format!(" ({more} more after it)")
            } else {
                String::new()
            },
            f.text,
            tool = f.tool,
        ));
    }
    if let Some(p) = pinned {
        if !findings.iter().any(|f| f.tool == p) {
            let a = if p.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            return Err(format!(
                "expected {a} {p} finding (`//@ run-fail: {p}`), got none"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INIT: &str = "ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `sum` at PTX line 21, \
        block [0, 0, 0] thread [0, 0, 0]: initcheck: load of 4 bytes at 0x7f0000000000 reads \
        4 uninitialized byte(s) of the 16-byte cuMemAlloc allocation at 0x7f0000000000 \
        (nothing wrote them: no host copy, memset or device store)";
    const RACE: &str = "ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `k` at PTX line 9, \
        block [0, 0, 0] thread [3, 0, 0]: racecheck: write of 4 bytes at shared 0x0 …";

    fn stderr(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn findings_are_the_emulators_lines_that_name_a_tool() {
        let text = stderr(&[
            "note: something else",
            INIT,
            "kernel `sum` failed: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)",
            // memcheck's faults are CUDA errors, not findings of a tool.
            "ptx-emu: CUDA_ERROR_ILLEGAL_ADDRESS in kernel store at PTX line 23, block [0, 0, 0] thread [0, 0, 0]: store of 4 bytes to 0x10",
            // The program's own text that mentions a tool is not a finding.
            "Output: initcheck: 0",
            RACE,
        ]);
        let f = findings_in(&text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].tool, f[0].text.as_str()), (Tool::Initcheck, INIT));
        assert_eq!(f[1].tool, Tool::Racecheck);
        assert!(findings_in("").is_empty());
    }

    #[test]
    fn a_finding_not_pinned_fails_naming_the_tool() {
        let f = findings_in(INIT);
        let e = check_findings(None, &f).unwrap_err();
        assert!(
            e.starts_with(
                "initcheck finding:\n  ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `sum`"
            ),
            "{e}"
        );
        assert!(e.contains("reads 4 uninitialized byte(s)"), "{e}");
        assert!(
            e.ends_with("\n(a test that expects it says `//@ run-fail: initcheck`)"),
            "{e}"
        );
        // Pinned to another tool: still a failure, naming both.
        let e = check_findings(Some(Tool::Racecheck), &f).unwrap_err();
        assert!(
            e.contains("(the test pins racecheck, not initcheck)"),
            "{e}"
        );
        // Several: the first is quoted, the rest counted.
        let both = findings_in(&stderr(&[RACE, INIT, RACE]));
        let e = check_findings(None, &both).unwrap_err();
        assert!(
            e.starts_with("racecheck finding (2 more after it):\n  ptx-emu: "),
            "{e}"
        );
    }

    #[test]
    fn a_pinned_finding_passes_and_a_missing_one_fails() {
        check_findings(Some(Tool::Initcheck), &findings_in(INIT)).unwrap();
        check_findings(None, &[]).unwrap();
        let e = check_findings(Some(Tool::Initcheck), &[]).unwrap_err();
        assert!(e.starts_with("expected an initcheck finding"), "{e}");
        let e = check_findings(Some(Tool::Racecheck), &[]).unwrap_err();
        assert_eq!(
            e,
            "expected a racecheck finding (`//@ run-fail: racecheck`), got none"
        );
    }
}

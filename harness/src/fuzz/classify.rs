//! What a differential trial's record says: pass, a mismatch of the traces,
//! or the step that failed and how.

use std::fmt;

use serde::Serialize;

use crate::report::verdict::{DecidedBy, TrialRecord, Verdict};

/// The lane's verdict on one (seed, revision, sm) trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The device's trace equals the host's.
    Pass,
    /// The traces differ: a miscompile (or an emulator bug).
    Mismatch,
    /// A compiler step crashed (an ICE, an LLVM abort, a signal).
    CompileCrash,
    /// A compiler step rejected the program.
    CompileError,
    /// ptxas rejected the PTX.
    PtxasError,
    /// The kernel faulted on the device.
    DeviceFault,
    /// The emulator met an instruction it doesn't implement.
    Unsupported,
    /// The host program didn't build or didn't finish normally.
    HostFailure,
    /// A compile or the execution ran past its limit.
    Timeout,
    /// Not run here (no device for the target, …).
    Skipped,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 10] = [
        Class::Pass,
        Class::Mismatch,
        Class::CompileCrash,
        Class::CompileError,
        Class::PtxasError,
        Class::DeviceFault,
        Class::Unsupported,
        Class::HostFailure,
        Class::Timeout,
        Class::Skipped,
    ];

    /// A finding worth reducing and triaging.
    pub fn is_finding(self) -> bool {
        !matches!(self, Class::Pass | Class::Skipped)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Pass => "pass",
            Class::Mismatch => "mismatch",
            Class::CompileCrash => "compile crash",
            Class::CompileError => "compile error",
            Class::PtxasError => "ptxas error",
            Class::DeviceFault => "device fault",
            Class::Unsupported => "unsupported instruction",
            Class::HostFailure => "host failure",
            Class::Timeout => "timeout",
            Class::Skipped => "skipped",
        })
    }
}

/// Classifies one record of a generated test.
pub fn classify(r: &TrialRecord) -> Class {
    let message = match &r.verdict {
        Verdict::Passed => return Class::Pass,
        Verdict::Skipped { .. } => return Class::Skipped,
        // Expectations are cleared for generated tests; classify anyway.
        Verdict::Failed { message } | Verdict::ExpectedFailure { message, .. } => message.as_str(),
    };
    let has = |s: &str| message.contains(s);
    if has("timed out") {
        return Class::Timeout;
    }
    match r.decided_by {
        DecidedBy::Rustc | DecidedBy::Llvm => {
            if has("killed by SIG")
                || has("LLVM ERROR")
                || has("internal compiler error")
                || has("panicked at")
            {
                Class::CompileCrash
            } else {
                Class::CompileError
            }
        }
        DecidedBy::Ptxas => Class::PtxasError,
        DecidedBy::HostBuild => Class::HostFailure,
        DecidedBy::Execution => {
            if has("trace mismatch") || has(ptx_fuzz::TRACE_DIFFERS) {
                Class::Mismatch
            } else if has("not supported by the emulator")
                || has("unsupported")
                || has("CUDA_ERROR_NOT_SUPPORTED")
            {
                Class::Unsupported
            } else if has("CUDA_ERROR_") {
                Class::DeviceFault
            } else {
                Class::HostFailure
            }
        }
        _ => Class::HostFailure,
    }
}

/// The line of a failure message that says most about it: the trace
/// mismatch, an `LLVM ERROR`, rustc's first error, or the first line.
pub fn headline(r: &TrialRecord) -> String {
    let (Verdict::Failed { message } | Verdict::ExpectedFailure { message, .. }) = &r.verdict
    else {
        return String::new();
    };
    for key in [
        "trace mismatch:",
        "LLVM ERROR",
        "error:",
        "error[",
        "CUDA_ERROR_",
        "panicked at",
    ] {
        if let Some(line) = message.lines().find(|l| l.contains(key)) {
            return line.trim().chars().take(300).collect();
        }
    }
    message
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::TrialId;

    fn failed(by: DecidedBy, message: &str) -> TrialRecord {
        TrialRecord::not_run(
            TrialId {
                suite: "run-gpu".into(),
                test: "fuzz/l1-s1".into(),
                revision: None,
                sm: "sm_80".into(),
            },
            Verdict::Failed {
                message: message.into(),
            },
            by,
        )
    }

    #[test]
    fn failures_by_step_and_text() {
        let cases = [
            (
                DecidedBy::Execution,
                "stdout differs\ntrace mismatch: thread 0 value #3",
                Class::Mismatch,
            ),
            (
                DecidedBy::Llvm,
                "llc was killed by SIGABRT\nLLVM ERROR: x",
                Class::CompileCrash,
            ),
            (
                DecidedBy::Llvm,
                "llc failed:\nerror: bad",
                Class::CompileError,
            ),
            (
                DecidedBy::Rustc,
                "error[E0308]: mismatched types",
                Class::CompileError,
            ),
            (DecidedBy::Ptxas, "ptxas fatal", Class::PtxasError),
            (
                DecidedBy::Execution,
                "CUDA_ERROR_ILLEGAL_ADDRESS",
                Class::DeviceFault,
            ),
            (
                DecidedBy::Execution,
                "the execution timed out after 30 s",
                Class::Timeout,
            ),
            (
                DecidedBy::HostBuild,
                "building the host program failed",
                Class::HostFailure,
            ),
        ];
        for (by, msg, want) in cases {
            assert_eq!(classify(&failed(by, msg)), want, "{msg}");
        }
        assert_eq!(
            headline(&failed(DecidedBy::Llvm, "llc failed\nLLVM ERROR: nope\n")),
            "LLVM ERROR: nope"
        );
    }
}

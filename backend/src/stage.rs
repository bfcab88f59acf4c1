//! The stages a compile passes through, and the structured result of one
//! compile: diagnostics, stage dumps on disk, per-kernel metrics and timings.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::metrics::KernelMetrics;

/// A pipeline stage whose output can be dumped and snapshotted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// rustc's MIR, after optimization (`--emit=mir`).
    Mir,
    /// The crate's LLVM IR as rustc emitted it, before linking with core.
    LlvmIr,
    /// LLVM IR after linking with core, internalizing and `opt`.
    LlvmIrOpt,
    /// The PTX from `llc`.
    Ptx,
    /// ptxas's resource report per kernel (registers, spills, stack, smem, cmem).
    Ptxas,
    /// The machine code in ptxas's cubin, disassembled by `nvdisasm` and
    /// normalized (see [`crate::sass`]). Only produced when asked for.
    Sass,
}

impl Stage {
    /// Every stage in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::Mir,
        Stage::LlvmIr,
        Stage::LlvmIrOpt,
        Stage::Ptx,
        Stage::Ptxas,
        Stage::Sass,
    ];

    /// The name used in directives, file names and `--emit`.
    pub const fn name(self) -> &'static str {
        match self {
            Stage::Mir => "mir",
            Stage::LlvmIr => "llvm-ir",
            Stage::LlvmIrOpt => "llvm-ir-opt",
            Stage::Ptx => "ptx",
            Stage::Ptxas => "ptxas",
            Stage::Sass => "sass",
        }
    }
}

/// The stage names in pipeline order followed by `extra` (output streams
/// such as `stderr`): the one table the harness's stage lists derive from.
/// `M` must be the number of stages plus `N` (checked at compile time).
pub const fn names_and<const M: usize, const N: usize>(
    extra: [&'static str; N],
) -> [&'static str; M] {
    assert!(
        M == Stage::ALL.len() + N,
        "M must be the stage count plus N"
    );
    let mut out = [""; M];
    let mut i = 0;
    while i < Stage::ALL.len() {
        out[i] = Stage::ALL[i].name();
        i += 1;
    }
    let mut j = 0;
    while j < N {
        out[i + j] = extra[j];
        j += 1;
    }
    out
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Stage::ALL.iter().map(|s| s.name()).collect();
                format!("unknown stage `{s}`; known stages: {}", names.join(", "))
            })
    }
}

/// A step that takes time, for the per-stage timing table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTime {
    /// `rustc`, `llvm-link`, `opt`, `llc`, `ptxas` or `nvdisasm`.
    pub step: String,
    /// Wall time of the step.
    pub duration: Duration,
}

/// How far a compile got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CompileStatus {
    /// Every step ran and ptxas accepted the PTX.
    Succeeded,
    /// The Rust front end (rustc or ptx-rustc's GPU checks) rejected the crate.
    RustcFailed {
        /// rustc's exit code (1 for errors, 101 for an ICE), if it exited normally.
        exit_code: Option<i32>,
    },
    /// A later tool failed (`llvm-link`, `opt`, `llc`, `ptxas` or `nvdisasm`).
    ToolFailed {
        /// The step that failed.
        step: String,
        /// What it printed.
        message: String,
    },
    /// A step was killed by a signal (a crash, the out-of-memory killer).
    /// Cached only when the tool crashed on its own (see
    /// [`CompileStatus::is_cacheable`]): the next run compiles again after
    /// a kill from outside.
    Killed {
        /// The step that was killed (`rustc`, `llc`, …).
        step: String,
        /// The signal's name, e.g. `SIGKILL` (or `signal 60`).
        signal: String,
        /// What it printed on stderr before it died.
        message: String,
    },
    /// A step ran past its time limit and its process group was killed.
    /// Never cached.
    TimedOut {
        /// The step that timed out.
        step: String,
        /// The limit it ran under (`compile-timeout`).
        limit: Duration,
    },
}

/// The signals a tool raises on itself when it crashes on an input.
const SELF_INFLICTED: [&str; 5] = ["SIGABRT", "SIGSEGV", "SIGILL", "SIGFPE", "SIGBUS"];

impl CompileStatus {
    /// Whether the result says something about the input and may be cached
    /// and replayed: false for a kill or a timeout, which depend on the machine.
    pub fn is_cacheable(&self) -> bool {
        match self {
            // A tool that crashed on its own (LLVM's fatal errors abort,
            // a null dereference faults) does so again on the same input:
            // the crash is the input's result, and a warm run replays it.
            // A kill from outside (SIGKILL from the out-of-memory killer or
            // a user, SIGTERM, SIGINT) says nothing about the input.
            CompileStatus::Killed { signal, .. } => SELF_INFLICTED.contains(&signal.as_str()),
            CompileStatus::TimedOut { .. } => false,
            _ => true,
        }
    }

    /// For a kill or a timeout, one line naming the step and the signal or
    /// limit, e.g. `llc timed out after 300 s (limit: compile-timeout)` or
    /// `llc was killed by SIGABRT`.
    pub fn interruption(&self) -> Option<String> {
        match self {
            CompileStatus::Killed { step, signal, .. } => {
                Some(format!("{step} was killed by {signal}"))
            }
            CompileStatus::TimedOut { step, limit } => Some(format!(
                "{step} timed out after {} (limit: compile-timeout)",
                crate::process::format_limit(*limit)
            )),
            _ => None,
        }
    }

    /// Whether the step was stopped from outside (its time limit, or a
    /// signal sent to it: SIGKILL from the out-of-memory killer, SIGTERM,
    /// SIGINT, SIGHUP), so the result says nothing about the input and no
    /// expected outcome can match it. A crash of the tool itself (SIGABRT
    /// from `LLVM ERROR`, SIGSEGV) is a failure of that step, which a
    /// `build-fail` test may expect; it is still never cached.
    pub fn is_interrupted(&self) -> bool {
        match self {
            CompileStatus::TimedOut { .. } => true,
            CompileStatus::Killed { signal, .. } => {
                matches!(signal.as_str(), "SIGKILL" | "SIGTERM" | "SIGINT" | "SIGHUP")
            }
            _ => false,
        }
    }

    /// The step that stopped the compile, if one failed, crashed or timed out.
    pub fn failed_step(&self) -> Option<&str> {
        match self {
            CompileStatus::Succeeded => None,
            CompileStatus::RustcFailed { .. } => Some("rustc"),
            CompileStatus::ToolFailed { step, .. }
            | CompileStatus::Killed { step, .. }
            | CompileStatus::TimedOut { step, .. } => Some(step),
        }
    }
}

/// The result of compiling one crate for one sm target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompileOutput {
    /// How far it got.
    pub status: CompileStatus,
    /// What rustc printed on stderr (diagnostics), verbatim: human text, or
    /// JSON lines when the request asked for `json_diagnostics`.
    pub diagnostics: String,
    /// Stage dumps that exist. A stage that never ran is absent, never empty.
    pub stages: BTreeMap<Stage, PathBuf>,
    /// Dumps of stages the harness does not know, which an external
    /// backend's config defines (`[stages.dialect-mir]`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_stages: BTreeMap<String, PathBuf>,
    /// ptxas resource use, PTX (and, with the `sass` stage, SASS) instruction
    /// counts per kernel.
    pub kernels: Vec<KernelMetrics>,
    /// Wall time per step, in order.
    pub timings: Vec<StepTime>,
    /// Shell commands that reproduce the compile, one per step.
    pub commands: Vec<String>,
}

impl CompileOutput {
    /// The contents of a stage dump, if that stage ran.
    pub fn read_stage(&self, stage: Stage) -> Option<std::io::Result<String>> {
        self.stages.get(&stage).map(std::fs::read_to_string)
    }

    /// A stage's dump by name: a built-in stage, or one the backend defines.
    pub fn stage_path(&self, name: &str) -> Option<&PathBuf> {
        match name.parse::<Stage>() {
            Ok(stage) => self.stages.get(&stage),
            Err(_) => self.custom_stages.get(name),
        }
    }

    /// Total wall time over all steps.
    pub fn total_time(&self) -> Duration {
        self.timings.iter().map(|t| t.duration).sum()
    }
}

//! The run-gpu suite's checks: the build half (the outcome, the host
//! program), then the execution on the selected device and its stdout.

use std::path::{Path, PathBuf};

use ptx_backend::Stage;

use super::{Built, Engine, Failure, Phase, TrialCx};
use crate::check::stdout::{check_execution, RunExpectation};
use crate::execute::device::{self, Device, DeviceKind};
use crate::execute::gpu::{GpuStatus, DEFAULT_TIMEOUT};
use crate::plan::directives::Outcome;
use crate::plan::sanitize::ToolSet;
use crate::plan::trial::Trial;
use crate::report::verdict::{DecidedBy, SanitizerRecord};

impl Engine {
    pub(super) fn check_run_gpu(
        &self,
        trial: &Trial,
        phase: Phase,
        b: &Built,
        cx: &mut TrialCx,
    ) -> Result<(), Failure> {
        let out = b.out();
        let (outcome, reproduce) = (b.outcome, b.reproduce.as_str());
        let (built, front_end_ok) = (b.built, b.front_end_ok);
        let job = &b.job;

        // The build half only knows whether it should build.
        let build_outcome = if outcome.runs() {
            Outcome::BuildPass
        } else {
            outcome
        };
        if outcome == Outcome::BuildFail && trial.directives.error_patterns.is_empty() {
            // A run-gpu test has no stderr snapshot to pin its failure.
            return Err(Failure::AtSource {
                by: DecidedBy::Plan,
                file: self.display(&trial.test.path),
                line: None,
                message: "a `build-fail` test must say how it fails, or any failure \
                     (a typo, another backend's missing feature) passes it: add \
                     `//@ error-pattern: <text of the expected compiler error>`"
                    .into(),
            });
        }
        self.check_outcome(
            build_outcome,
            &trial.directives.error_patterns,
            out,
            front_end_ok,
            built,
            reproduce,
        )?;
        if !built {
            return Ok(());
        }
        let expect = self.expectation(trial, outcome).map_err(Failure::Plan)?;
        let host = self
            .hosts
            .build(
                &trial.test.path,
                &job.crate_name,
                &job.cfgs,
                &trial.directives.host_compile_flags,
            )
            .map_err(|e| Failure::HostBuild(format!("{e:#}")))?;
        cx.reproduce_after.extend(self.hosts.command_line(&host));
        if phase == Phase::Build {
            return Ok(());
        }
        let kind = self.select_for(trial).map_err(Failure::NoDevice)?;
        let ptx = out.stages.get(&Stage::Ptx).ok_or(Failure::NoPtx)?;
        let device = match kind {
            DeviceKind::Gpu => {
                cx.device = Some((kind, self.gpu_name()));
                Device::Gpu
            }
            DeviceKind::Emulator => {
                // Assigned to the emulator: a missing library is a
                // failure of this execution, never a skip.
                cx.device = Some((kind, format!("ptx-emu ({})", trial.sm)));
                let lib = self
                    .emulator
                    .lib()
                    .map_err(|e| Failure::NoEmulator(e.to_string()))?;
                cx.device = Some((kind, lib.device_name(trial.sm)));
                Device::Emulator(lib, trial.sm)
            }
        };
        cx.executed = true;
        cx.reproduce_after
            .push(device.reproduce(&host, ptx, expect.sanitize));
        self.execute_and_compare(trial, &expect, &host, ptx, device, cx)?;
        Ok(())
    }

    /// The sanitizer tools of a trial's emulated executions: the test's
    /// `//@ sanitize` and the run's `--sanitize`.
    pub fn sanitize_tools(&self, trial: &Trial) -> ToolSet {
        trial.directives.sanitize.union(self.settings.sanitize)
    }

    /// `NVIDIA H100 (sm_90)`: the GPU's name for execution records.
    fn gpu_name(&self) -> String {
        match &self.gpu {
            GpuStatus::Present(i) => format!("{} ({})", i.name, i.sm()),
            GpuStatus::Absent(_) => "no GPU".into(),
        }
    }

    /// The expectation of a run-gpu trial; a run-pass test without expected output is an error.
    pub fn expectation(&self, trial: &Trial, outcome: Outcome) -> Result<RunExpectation, String> {
        let stdout = match &trial.directives.stdout {
            Some(lines) => Some(lines.join("\n") + "\n"),
            None => {
                let stem = trial.test.path.with_extension("");
                let file = match &trial.directives.revision {
                    Some(r) => PathBuf::from(format!("{}.{r}.run.stdout", stem.display())),
                    None => PathBuf::from(format!("{}.run.stdout", stem.display())),
                };
                std::fs::read_to_string(file).ok()
            }
        };
        if stdout.is_none() && outcome == Outcome::RunPass {
            return Err(
                "a run-pass test needs expected output: `//@ stdout: …` or a `.run.stdout` file \
                 (derived on the host or by hand, never copied from the GPU)"
                    .into(),
            );
        }
        Ok(RunExpectation {
            expect_failure: outcome == Outcome::RunFail,
            exit_code: trial.directives.exit_code,
            stdout,
            tolerance: trial.directives.float_tolerance,
            cuda_error: trial.directives.cuda_error.clone(),
            stderr_patterns: trial.directives.stderr_patterns.clone(),
            sanitize: self.sanitize_tools(trial),
            sanitizer_finding: trial.directives.sanitizer_finding,
        })
    }

    fn execute_and_compare(
        &self,
        trial: &Trial,
        expect: &RunExpectation,
        host: &Path,
        ptx: &Path,
        on: Device<'_>,
        cx: &mut TrialCx,
    ) -> Result<(), Failure> {
        let timeout = trial.directives.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let run = device::execute(on, host, ptx, timeout, expect.sanitize).map_err(|e| {
            Failure::HostDidNotStart {
                host: host.to_path_buf(),
                error: e.to_string(),
            }
        })?;
        cx.sanitizer = SanitizerRecord::of_execution(on.kind(), expect, &run.stderr);
        check_execution(expect, &run, self.color).map_err(|mismatch| Failure::Execution {
            mismatch,
            device: match on {
                Device::Gpu => format!("GPU, {}", self.gpu_name()),
                Device::Emulator(lib, sm) => format!("emulator, {}", lib.device_name(sm)),
            },
            sanitize: match (on, expect.sanitize.is_default()) {
                (_, true) => String::new(),
                (Device::Gpu, false) => "; sanitize: not applied on a GPU".to_string(),
                (Device::Emulator(..), false) => format!("; sanitize: {}", expect.sanitize),
            },
            reproduce: on.reproduce(host, ptx, expect.sanitize),
        })
    }
}

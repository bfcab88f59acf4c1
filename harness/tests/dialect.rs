//! The second dialect: the ptx-snapshots and run-gpu suites once more, with
//! the built-in backend's prelude swapped for `device-prelude/gpu-kernel`
//! (`extern "gpu-kernel"` and NVVM intrinsics, never `core::arch::nvptx` or
//! `extern "ptx-kernel"`), against the same snapshots and expected output.
//! A portable test that secretly depends on the built-in dialect fails here.
//! Two targets (sm_80, sm_90) suffice: the targets are the main suite's job.
//! Never blesses; reports go to `target/ptx-harness-gpu-kernel/`.

use std::process::ExitCode;

use libtest_mimic::Arguments;
use ptx_harness::config::Overrides;
use ptx_harness::plan::discover::Suite;
use ptx_harness::runner;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = match ptx_backend::toolchain::discover_root(None) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Read once, when the backend is built (before any trial runs).
    std::env::set_var(
        ptx_backend::prelude::PRELUDE_ENV,
        root.join("device-prelude/gpu-kernel/lib.rs"),
    );
    let overrides = Overrides {
        matrix: Some(vec!["sm_80".parse().unwrap(), "sm_90".parse().unwrap()]),
        ..Default::default()
    };
    let mut settings = match runner::default_settings(&overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    settings.bless = false;
    settings.work_dir = settings.work_dir.with_file_name(format!(
        "{}-gpu-kernel",
        settings
            .work_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    ));
    match runner::run(settings, &args, &[Suite::PtxSnapshots, Suite::RunGpu]) {
        Ok((conclusion, results)) => {
            if !args.list && args.filter.is_none() {
                let prelude = results
                    .info
                    .versions
                    .get("prelude")
                    .cloned()
                    .unwrap_or_default();
                if !prelude.starts_with("gpu-kernel ") {
                    eprintln!("error: the run used prelude `{prelude}`, not gpu-kernel");
                    return ExitCode::from(2);
                }
            }
            conclusion.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! GPU execution for run-gpu trials: the device probe (once per run), and
//! runs that never overlap on one GPU, each in its own process with a
//! timeout. (Host programs are built by `host.rs`, for both devices.)

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use ptx_backend::SmTarget;

use super::process::{run_with_timeout, ProcessOutcome};

/// The default limit for one execution.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The device the run executes on, or why there is none.
#[derive(Clone, Debug)]
pub enum GpuStatus {
    /// A usable device.
    Present(host_runtime::DeviceInfo),
    /// No driver or no device, with the reason for skip messages.
    Absent(String),
}

impl GpuStatus {
    /// Probes the driver and device 0 (`PTX_HARNESS_NO_GPU=1` pretends there is none).
    pub fn probe() -> GpuStatus {
        if std::env::var_os("PTX_HARNESS_NO_GPU").is_some() {
            return GpuStatus::Absent("GPU disabled by PTX_HARNESS_NO_GPU".into());
        }
        match host_runtime::probe() {
            // A libcuda on the library path that is the emulator is no GPU:
            // an emulated execution is never counted as a GPU execution.
            Ok(info) if info.name.starts_with("ptx-emu") => GpuStatus::Absent(format!(
                "the libcuda found is the PTX emulator ({}), not a GPU driver",
                info.name
            )),
            Ok(info) => GpuStatus::Present(info),
            Err(e) if e.is_unavailable() => GpuStatus::Absent(short_reason(&e.to_string())),
            Err(e) => GpuStatus::Absent(format!("GPU probe failed: {e}")),
        }
    }

    /// Why `sm` can't run here, if it can't.
    pub fn skip_reason(&self, sm: SmTarget) -> Option<String> {
        match self {
            GpuStatus::Absent(why) => Some(why.clone()),
            GpuStatus::Present(info) => {
                let (major, minor) = info.compute_capability();
                sm.runs_on(major, minor).err().map(|e| e.0)
            }
        }
    }

    /// `NVIDIA H100 (sm_90), driver 12.8` for reports.
    pub fn describe(&self) -> Option<String> {
        match self {
            GpuStatus::Present(i) => Some(format!(
                "{} ({}), driver {}",
                i.name,
                i.sm(),
                i.driver_version
            )),
            GpuStatus::Absent(_) => None,
        }
    }
}

fn short_reason(msg: &str) -> String {
    if msg.to_ascii_lowercase().contains("driver") {
        "no CUDA driver".into()
    } else {
        msg.lines().next().unwrap_or(msg).to_string()
    }
}

/// Serializes executions on the one GPU.
static GPU_LOCK: Mutex<()> = Mutex::new(());

/// Runs a host program with the PTX for one target, alone on the GPU.
pub fn execute(program: &Path, ptx: &Path, timeout: Duration) -> std::io::Result<ProcessOutcome> {
    let _guard = GPU_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut cmd = Command::new(program);
    cmd.env("HOST_RUNTIME_PTX", ptx);
    run_with_timeout(cmd, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(major: u32, minor: u32) -> GpuStatus {
        GpuStatus::Present(host_runtime::DeviceInfo {
            ordinal: 0,
            name: "Test GPU".into(),
            major,
            minor,
            driver_version: "12.8".into(),
            total_memory_bytes: 0,
            multiprocessors: 0,
        })
    }

    #[test]
    fn skip_logic_follows_device_and_suffix() {
        let t = |s: &str| s.parse::<SmTarget>().unwrap();
        let h100 = info(9, 0);
        assert!(h100.skip_reason(t("sm_80")).is_none());
        assert!(h100.skip_reason(t("sm_90")).is_none());
        assert!(h100.skip_reason(t("sm_90a")).is_none());
        assert_eq!(
            h100.skip_reason(t("sm_100")).unwrap(),
            "device is sm_90, test needs sm_100 (sm_100 needs that architecture or newer)"
        );
        let b200 = info(10, 0);
        assert!(b200
            .skip_reason(t("sm_90a"))
            .unwrap()
            .contains("runs only on exactly"));
        assert!(b200.skip_reason(t("sm_100f")).is_none());
        assert!(info(12, 0).skip_reason(t("sm_100f")).is_some());
        let none = GpuStatus::Absent("no CUDA driver".into());
        assert_eq!(none.skip_reason(t("sm_75")).unwrap(), "no CUDA driver");
    }

    #[test]
    fn probe_without_driver_is_absent_not_a_panic() {
        // This machine class has no GPU; where one exists this still must not panic.
        let status = GpuStatus::probe();
        if let GpuStatus::Absent(why) = status {
            assert!(!why.is_empty());
        }
    }
}

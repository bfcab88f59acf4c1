//! Faults only the emulator can report precisely, end to end through the
//! real emulator library: an infinite loop ends at the execution timeout, and
//! a warp whose threads wait in different collectives is a deadlock
//! (`CUDA_ERROR_LAUNCH_FAILED` naming the kernel and the PTX lines) instead
//! of a hang. These live here rather than in tests/run-gpu because a GPU
//! hangs on the second one (until the timeout), so the suite could not
//! expect the same failure on both devices.

use std::process::Command;
use std::time::{Duration, Instant};

use ptx_harness::report::json::read_results;
use ptx_harness::report::verdict::{DeviceKind, Verdict};

const SPIN: &str = r#"//@ run-pass
//@ timeout: 3s
//@ stdout: Output: never printed
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { core::arch::nvptx::trap() }
    }

    /// Waits for a flag nobody sets.
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn spin(flag: *const u32) {
        while flag.read_volatile() == 0 {}
    }
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let flag = gpu.zeros::<u32>(1)?;
        module.kernel("spin")?.launch(LaunchConfig::single_thread(), &[&flag])?;
        println!("Output: never printed");
        Ok(())
    });
}
"#;

const DIVERGE: &str = r#"//@ run-fail: CUDA_ERROR_LAUNCH_FAILED
//@ run-fail-stderr: deadlock in kernel `diverge`
//@ exit-code: 1
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx, link_llvm_intrinsics))]
#![cfg_attr(target_arch = "nvptx64", allow(internal_features))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    use core::arch::nvptx::*;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { trap() }
    }

    extern "C" {
        #[link_name = "llvm.nvvm.shfl.sync.idx.i32"]
        fn shfl_idx(mask: u32, val: i32, src_lane: u32, clamp: u32) -> i32;
    }

    /// Thread 0 waits at the block barrier; threads 1-31 wait in a
    /// full-warp shuffle that needs thread 0. Neither can complete.
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn diverge(out: *mut i32) {
        let t = _thread_idx_x();
        if t == 0 {
            _syncthreads();
        } else {
            *out.add(t as usize) = shfl_idx(0xffff_ffff, t as i32, 0, 31);
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<i32>(32)?;
        module.kernel("diverge")?.launch(LaunchConfig::grid_block(1, 32), &[&out])?;
        println!("Output: the divergent kernel finished");
        Ok(())
    });
}
"#;

#[test]
fn infinite_loops_time_out_and_divergent_collectives_are_deadlocks() {
    let dir = tempfile::Builder::new()
        .prefix("ptx-harness-emu-faults-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    for (name, text) in [("spin.rs", SPIN), ("diverge.rs", DIVERGE)] {
        let p = root.join("tests/run-gpu/faults").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let report = root.join("report");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ptx-harness"))
        .current_dir(root)
        .arg("--root")
        .arg(root)
        .args(["run", "--suite", "run-gpu", "--sm", "80", "--device", "emu"])
        .arg("--report-dir")
        .arg(&report)
        .env("PTX_HARNESS_WORK_DIR", root.join("work"))
        .env_remove("PTX_EMU_LIB")
        .env_remove("PTX_EMU_SCHEDULE")
        .env_remove("PTX_HARNESS_ROOT")
        .env_remove("PTX_DEVICE")
        .env_remove("PTX_SM_MATRIX")
        .env_remove("BLESS")
        .output()
        .expect("ptx-harness runs");
    let log =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let r = read_results(&report.join("results.json")).unwrap_or_else(|e| panic!("{e:#}\n{log}"));
    let find = |test: &str| {
        r.trials
            .iter()
            .find(|t| t.id.test == test)
            .unwrap_or_else(|| panic!("no {test}: {log}"))
    };
    let spin = find("faults/spin");
    assert_eq!(spin.device, Some(DeviceKind::Emulator));
    match &spin.verdict {
        Verdict::Failed { message } => assert!(message.contains("timed out"), "{message}"),
        other => panic!("an endless kernel must fail at the timeout, got {other:?}\n{log}"),
    }
    // Bounded: the whole run (two compiles, a 3 s timeout) ends well within a minute.
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
    let diverge = find("faults/diverge");
    assert_eq!(diverge.verdict, Verdict::Passed, "{diverge:#?}\n{log}");
}

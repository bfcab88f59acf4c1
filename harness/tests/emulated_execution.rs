//! End to end: `ptx-harness run --device emu` on a throwaway repository with
//! run-gpu tests, with `PTX_EMU_LIB` pointing at the mock driver
//! (host-runtime/tests/mock/libcuda.c, built with the system C compiler).
//! The mock stands in for the emulator library: it implements the driver
//! entry points host programs call and knows a few kernels by name (`saxpy`
//! computes, `fault` reports CUDA_ERROR_ILLEGAL_ADDRESS), which is enough to
//! check the plumbing: the library folder, the environment, the device in
//! every report, and `run-fail: CUDA_ERROR_…`.
//!
//! The harness runs as a separate process so that `PTX_EMU_LIB` and
//! `PTX_HARNESS_WORK_DIR` never leak into other tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use ptx_harness::report::json::read_results;
use ptx_harness::report::verdict::{DeviceKind, RunResults, TrialRecord, Verdict};

const SAXPY: &str = r#"//@ run-pass
// 2 * i + 1 for i = 0, 1, 9.
//@ stdout: Output: 1 3 19
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    use core::arch::nvptx::*;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { trap() }
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn saxpy(n: u32, a: f32, x: *const f32, y: *mut f32) {
        let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
        if i < n as usize {
            *y.add(i) = a * *x.add(i) + *y.add(i);
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 10u32;
        let x = gpu.upload(&(0..n).map(|i| i as f32).collect::<Vec<_>>())?;
        let y = gpu.filled(n as usize, 1.0f32)?;
        module
            .kernel("saxpy")?
            .launch(LaunchConfig::for_num_elems(n), &[&n, &2.0f32, &x, &y])?;
        let y = y.to_vec()?;
        println!("Output: {} {} {}", y[0], y[1], y[9]);
        Ok(())
    });
}
"#;

/// A kernel named `fault`, which the mock fails with CUDA_ERROR_ILLEGAL_ADDRESS.
/// Revision `right` pins that; `wrong` pins another error and must fail.
const FAULT: &str = r#"//@ revisions: right wrong
//@[right] run-fail: CUDA_ERROR_ILLEGAL_ADDRESS
//@[right] run-fail-stderr: kernel `fault` failed
//@[wrong] run-fail: CUDA_ERROR_ILLEGAL_INSTRUCTION
//@ exit-code: 1
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { core::arch::nvptx::trap() }
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn fault() {}
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        module.launch("fault", LaunchConfig::single_thread(), &[])?;
        println!("Output: the fault kernel did not fail");
        Ok(())
    });
}
"#;

/// Builds the mock driver; `None` when there is no working C compiler.
fn build_mock(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-runtime/tests/mock/libcuda.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let lib = dir.join("libmock_cuda.so");
    let status = Command::new(cc)
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .ok()?;
    status.success().then_some(lib)
}

/// Runs `ptx-harness --root ROOT run` with `emu_lib` as PTX_EMU_LIB: the
/// tests come from the throwaway root, the tools and crates from this checkout.
fn harness(root: &Path, emu_lib: &Path, args: &[&str]) -> (RunResults, String) {
    let report = root.join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_ptx-harness"))
        .current_dir(root)
        .arg("--root")
        .arg(root)
        .args(["run", "--suite", "run-gpu", "--sm", "80,90a", "-j", "2"])
        .args(args)
        .arg("--report-dir")
        .arg(&report)
        .env("PTX_EMU_LIB", emu_lib)
        .env("PTX_HARNESS_WORK_DIR", root.join("work"))
        .env_remove("PTX_DEVICE")
        .env_remove("PTX_HARNESS_ROOT")
        .env_remove("PTX_SM_MATRIX")
        .env_remove("BLESS")
        // The messages checked here are those of a run without sanitizer
        // tools (CI sets PTX_SANITIZE for the whole workspace).
        .env_remove("PTX_SANITIZE")
        .output()
        .expect("ptx-harness runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let results = read_results(&report.join("results.json"))
        .unwrap_or_else(|e| panic!("no results.json ({e:#}); stderr:\n{stderr}"));
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap();
    (results, format!("{stderr}\n--- junit.xml ---\n{junit}"))
}

fn record<'a>(r: &'a RunResults, test: &str, rev: Option<&str>, sm: &str) -> &'a TrialRecord {
    r.trials
        .iter()
        .find(|t| t.id.test == test && t.id.revision.as_deref() == rev && t.id.sm == sm)
        .unwrap_or_else(|| panic!("no record for {test} {rev:?} {sm}: {r:#?}"))
}

fn message(t: &TrialRecord) -> &str {
    match &t.verdict {
        Verdict::Failed { message } => message,
        _ => "",
    }
}

#[test]
fn device_emu_runs_every_target_on_the_emulator_and_says_so() {
    let dir = tempfile::Builder::new()
        .prefix("ptx-harness-emu-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    let Some(mock) = build_mock(root) else {
        eprintln!("skipped: no C compiler for the mock driver");
        return;
    };
    for (name, text) in [("saxpy.rs", SAXPY), ("fault.rs", FAULT)] {
        let p = root.join("tests/run-gpu/emu").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    let (r, log) = harness(root, &mock, &["--device", "emu"]);
    // 2 targets × (saxpy, fault[right], fault[wrong]): every one executed on the emulator.
    assert_eq!(r.trials.len(), 6, "{log}");
    for t in &r.trials {
        assert!(t.executed, "{t:#?}\n{log}");
        assert_eq!(t.device, Some(DeviceKind::Emulator), "{t:#?}");
        assert!(!t.executed_on_gpu());
        assert_eq!(
            t.device_name.as_deref(),
            Some(format!("ptx-emu ({})", t.id.sm).as_str()),
            "PTX_EMU_LIB gives no version: {t:#?}"
        );
    }
    for sm in ["sm_80", "sm_90a"] {
        let saxpy = record(&r, "emu/saxpy", None, sm);
        assert_eq!(saxpy.verdict, Verdict::Passed, "{}\n{log}", message(saxpy));
        let right = record(&r, "emu/fault", Some("right"), sm);
        assert_eq!(right.verdict, Verdict::Passed, "{}\n{log}", message(right));
        let wrong = record(&r, "emu/fault", Some("wrong"), sm);
        let m = message(wrong);
        assert!(
            m.starts_with("expected the program to fail with CUDA_ERROR_ILLEGAL_INSTRUCTION, but its stderr names CUDA_ERROR_ILLEGAL_ADDRESS"),
            "{m}\n{log}"
        );
        assert!(
            m.contains(&format!("(on the emulator, ptx-emu ({sm}))")),
            "{m}"
        );
        assert!(
            m.contains(&format!("PTX_EMU_SM={sm} HOST_RUNTIME_PTX=")),
            "{m}"
        );
    }
    let emu = r.info.emulator.as_deref().unwrap_or("");
    assert!(emu.starts_with("ptx-emu (PTX_EMU_LIB="), "{emu}");
    assert_eq!(r.info.gpu, None, "--device emu never probes the GPU");
    assert!(
        log.contains(
            "harness: 4 passed, 2 failed, 0 skipped (0 executed on a GPU, 6 on the emulator)"
        ),
        "{log}"
    );
    assert!(log.contains(r#"name="device" value="emulator""#), "{log}");
    assert!(
        log.contains(r#"name="device-name" value="ptx-emu (sm_90a)""#),
        "{log}"
    );
    // The library folder: a copy of the library and the two libcuda links.
    let libs: Vec<_> = std::fs::read_dir(root.join("work/emu-lib"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(libs.len(), 1, "{libs:?}");
    for f in ["libcuda.so", "libcuda.so.1", "libptx_emu_cuda.so"] {
        assert!(libs[0].join(f).exists(), "{f} in {}", libs[0].display());
    }

    // No emulator library: every execution fails with the reason; none is skipped.
    let (r, log) = harness(root, &root.join("missing.so"), &["--device", "emu"]);
    assert_eq!(r.trials.len(), 6, "{log}");
    for t in &r.trials {
        let m = message(t);
        assert!(
            m.contains("cannot execute on the emulator") && m.contains("missing.so is not a file"),
            "{t:#?}\n{log}"
        );
        assert!(!t.executed);
        assert_eq!(t.device, Some(DeviceKind::Emulator));
    }
    assert!(
        log.contains(
            "harness: 0 passed, 6 failed, 0 skipped (0 executed on a GPU, 0 on the emulator)"
        ),
        "{log}"
    );

    // --device gpu on a machine without a GPU: skipped with the reason, as before.
    // (On a GPU machine these would execute there; only check the no-GPU case.)
    let (r, log) = harness(root, &mock, &["--device", "gpu"]);
    if r.info.gpu.is_none() {
        for t in &r.trials {
            assert!(
                matches!(t.verdict, Verdict::Skipped { .. }),
                "{t:#?}\n{log}"
            );
            assert_eq!(t.device, None);
        }
    }
}

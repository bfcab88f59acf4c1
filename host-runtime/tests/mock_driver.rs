//! Exercises the whole host-runtime API against a fake `libcuda` built from
//! `tests/mock/libcuda.c` with the system C compiler (skipped when there is none).

use std::path::{Path, PathBuf};
use std::process::Command;

use host_runtime::prelude::*;
use host_runtime::{EXIT_FAILURE, PTX_ENV_VAR};

/// Selects what `mock_child` does when this binary re-runs itself.
const CHILD_ENV: &str = "HOST_RUNTIME_MOCK_CHILD";

/// Builds the mock driver into `dir`; `None` when no C compiler works.
fn build_mock(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mock/libcuda.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let lib = dir.join("libcuda.so");
    let status = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .ok()?;
    status.success().then_some(lib)
}

/// Runs `mock_child` in `mode` with the mock driver first on the library path.
fn run_child(dir: &Path, mode: &str) -> (Option<i32>, String, String) {
    let ptx = dir.join("mock.ptx");
    std::fs::write(
        &ptx,
        ".version 8.0\n.target sm_90\n.visible .entry saxpy()\n",
    )
    .unwrap();
    let mut path = dir.as_os_str().to_owned();
    if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
        path.push(":");
        path.push(old);
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["mock_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env("LD_LIBRARY_PATH", path)
        .env(PTX_ENV_VAR, &ptx)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Affine {
    scale: f32,
    shift: f32,
}
// SAFETY: repr(C), two f32 fields.
unsafe impl DeviceCopy for Affine {}

/// The API walk-through, run against the mock driver.
fn api_walkthrough() -> Result<(), GpuError> {
    let gpu = Gpu::new()?;
    let info = gpu.device_info();
    assert_eq!(info.name, "Mock GPU");
    assert_eq!((info.major, info.minor), (9, 0));
    assert_eq!(info.sm(), "sm_90");
    assert_eq!(info.driver_version, "12.8");
    assert_eq!(info.multiprocessors, 132);
    assert_eq!(host_runtime::probe()?, *info);

    let data: Vec<u64> = (0..100).collect();
    assert_eq!(gpu.upload(&data)?.to_vec()?, data);
    assert_eq!(gpu.zeros::<i16>(5)?.to_vec()?, [0; 5]);
    assert_eq!(gpu.filled(3, 2.5f64)?.to_vec()?, [2.5; 3]);
    assert!(gpu.upload::<u8>(&[])?.to_vec()?.is_empty());
    let mut b = gpu.zeros::<u32>(3)?;
    b.copy_from_host(&[7, 8, 9])?;
    assert_eq!(gpu.download(&b)?, [7, 8, 9]);
    assert!(matches!(
        b.copy_from_host(&[1]),
        Err(GpuError::SizeMismatch { .. })
    ));

    let module = gpu.load_module_from_env()?;
    assert_eq!(module.kernel_names(), ["saxpy"]);
    let n = 10u32;
    let x = gpu.upload(&(0..n).map(|i| i as f32).collect::<Vec<_>>())?;
    let y = gpu.filled(n as usize, 1.0f32)?;
    let saxpy = module.kernel("saxpy")?;
    assert_eq!(saxpy.param_sizes(), Some(vec![4, 4, 8, 8]));
    saxpy.launch(LaunchConfig::for_num_elems(n), &[&n, &2.0f32, &x, &y])?;
    assert_eq!(y.to_vec()?[9], 19.0);

    let v = gpu.upload(&[1.0f32, 2.0])?;
    let p = Affine {
        scale: 10.0,
        shift: 0.5,
    };
    module.launch("affine", LaunchConfig::single_block(2), &[&p, &v])?;
    assert_eq!(v.to_vec()?, [10.5, 20.5]);

    module.write_global("COUNTER", &[41u32])?;
    module.launch("bump", LaunchConfig::single_thread(), &[])?;
    assert_eq!(module.read_global::<u32>("COUNTER")?, [42]);
    assert!(matches!(
        module.read_global::<u32>("NOPE"),
        Err(GpuError::GlobalNotFound { .. })
    ));
    assert!(matches!(
        module.write_global("COUNTER", &[1u64]),
        Err(GpuError::SizeMismatch { .. })
    ));

    let e = module.kernel("nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        "kernel `nope` not found in the PTX module (entries: saxpy)"
    );
    let e = saxpy
        .launch(LaunchConfig::single_thread(), &[&n, &x])
        .unwrap_err();
    assert!(matches!(e, GpuError::KernelArgs { .. }), "{e}");
    let e = saxpy
        .launch(
            LaunchConfig::single_thread(),
            &[&(n as u64), &2.0f32, &x, &y],
        )
        .unwrap_err();
    assert!(e.to_string().contains("argument 0 is a `u64`"), "{e}");
    let e = saxpy
        .launch(LaunchConfig::grid_block(1, 2048), &[&n, &2.0f32, &x, &y])
        .unwrap_err();
    assert!(matches!(e, GpuError::InvalidLaunchConfig { .. }), "{e}");

    let e = gpu.load_ptx("BAD").unwrap_err();
    assert_eq!(
        e.to_string(),
        "loading PTX <inline PTX> failed: CUDA_ERROR_INVALID_PTX (mock error)\nJIT log:\nptxas fatal   : mock syntax error"
    );
    assert!(matches!(
        gpu.load_ptx("a\0b"),
        Err(GpuError::InvalidPtx { .. })
    ));
    gpu.synchronize()?;
    Ok(())
}

/// Not a test of its own: the body of the child processes started by `mock_driver`.
#[test]
fn mock_child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    match mode.as_str() {
        "api" => {
            if let Err(e) = api_walkthrough() {
                panic!("{e}");
            }
            println!("MOCK API OK");
        }
        "fault" => host_runtime::run(|gpu| {
            let module = gpu.load_module_from_env()?;
            println!("Output: before");
            module.launch("fault", LaunchConfig::single_thread(), &[])?;
            println!("Output: unreachable");
            Ok(())
        }),
        other => panic!("unknown mode {other}"),
    }
}

#[test]
fn mock_driver() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_lib) = build_mock(dir.path()) else {
        eprintln!("skipped: no working C compiler to build the mock driver");
        return;
    };

    let (code, stdout, stderr) = run_child(dir.path(), "api");
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("MOCK API OK"), "{stdout}");

    let (code, stdout, stderr) = run_child(dir.path(), "fault");
    assert_eq!(code, Some(EXIT_FAILURE), "stderr:\n{stderr}");
    assert!(stdout.contains("Output: before"));
    assert!(!stdout.contains("unreachable"));
    assert!(
        stderr.contains(
            "kernel `fault` failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)"
        ),
        "stderr:\n{stderr}"
    );
}

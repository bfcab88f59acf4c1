//! End-to-end tests of host-runtime: `run`'s exit codes in a child process
//! (everywhere) and real launches of hand-written PTX (only where a GPU is present).

use std::path::PathBuf;
use std::process::Command;

use host_runtime::prelude::*;
use host_runtime::{probe, EXIT_FAILURE, EXIT_NO_DEVICE, EXIT_NO_DRIVER, PTX_ENV_VAR};

/// Selects what the `child` test does when this binary re-runs itself.
const CHILD_ENV: &str = "HOST_RUNTIME_TEST_CHILD";

const PTX: &str = r#"
.version 7.0
.target sm_52
.address_size 64

.visible .global .align 4 .u32 COUNTER;

.visible .entry saxpy(
    .param .u32 saxpy_n,
    .param .f32 saxpy_a,
    .param .u64 saxpy_x,
    .param .u64 saxpy_y
)
{
    .reg .pred %p<2>;
    .reg .b32 %r<6>;
    .reg .f32 %f<5>;
    .reg .b64 %rd<8>;

    ld.param.u32 %r1, [saxpy_n];
    ld.param.f32 %f1, [saxpy_a];
    ld.param.u64 %rd1, [saxpy_x];
    ld.param.u64 %rd2, [saxpy_y];
    mov.u32 %r2, %ctaid.x;
    mov.u32 %r3, %ntid.x;
    mov.u32 %r4, %tid.x;
    mad.lo.s32 %r5, %r2, %r3, %r4;
    setp.ge.u32 %p1, %r5, %r1;
    @%p1 bra DONE;
    cvta.to.global.u64 %rd3, %rd1;
    cvta.to.global.u64 %rd4, %rd2;
    mul.wide.u32 %rd5, %r5, 4;
    add.s64 %rd6, %rd3, %rd5;
    add.s64 %rd7, %rd4, %rd5;
    ld.global.f32 %f2, [%rd6];
    ld.global.f32 %f3, [%rd7];
    fma.rn.f32 %f4, %f1, %f2, %f3;
    st.global.f32 [%rd7], %f4;
DONE:
    ret;
}

.visible .entry affine(
    .param .align 4 .b8 affine_p[8],
    .param .u64 affine_v
)
{
    .reg .b32 %r<2>;
    .reg .f32 %f<5>;
    .reg .b64 %rd<5>;

    ld.param.f32 %f1, [affine_p];
    ld.param.f32 %f2, [affine_p+4];
    ld.param.u64 %rd1, [affine_v];
    cvta.to.global.u64 %rd2, %rd1;
    mov.u32 %r1, %tid.x;
    mul.wide.u32 %rd3, %r1, 4;
    add.s64 %rd4, %rd2, %rd3;
    ld.global.f32 %f3, [%rd4];
    fma.rn.f32 %f4, %f3, %f1, %f2;
    st.global.f32 [%rd4], %f4;
    ret;
}

.visible .entry bump()
{
    .reg .b32 %r<3>;

    ld.global.u32 %r1, [COUNTER];
    add.u32 %r2, %r1, 1;
    st.global.u32 [COUNTER], %r2;
    ret;
}

.visible .entry write_null()
{
    .reg .b32 %r<2>;
    .reg .b64 %rd<2>;

    mov.u64 %rd1, 0;
    mov.u32 %r1, 42;
    st.global.u32 [%rd1], %r1;
    ret;
}
"#;

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Affine {
    scale: f32,
    shift: f32,
}
// SAFETY: repr(C), two f32 fields, matches `.param .align 4 .b8 [8]`.
unsafe impl DeviceCopy for Affine {}

/// Writes the PTX to a file that lives as long as the returned guard.
fn ptx_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.ptx");
    std::fs::write(&path, PTX).unwrap();
    (dir, path)
}

/// Re-runs this test binary's `child` test with `mode`; returns (exit code, stdout, stderr).
fn run_child(mode: &str, ptx: Option<&PathBuf>) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode);
    match ptx {
        Some(p) => cmd.env(PTX_ENV_VAR, p),
        None => cmd.env_remove(PTX_ENV_VAR),
    };
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Not a test of its own: the body of the child processes started by the other tests.
#[test]
fn child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    match mode.as_str() {
        "ok" => host_runtime::run(|_gpu| {
            println!("Output: fine");
            Ok(())
        }),
        "fail" => host_runtime::run(|_gpu| {
            println!("Output: partial");
            host_runtime::ensure!(1 + 1 == 3, "arithmetic is broken");
            Ok(())
        }),
        "env" => host_runtime::run(|gpu| {
            let module = gpu.load_module_from_env()?;
            println!("Output: {}", module.kernel_names().join(","));
            Ok(())
        }),
        "fault" => host_runtime::run(|gpu| {
            let module = gpu.load_module_from_env()?;
            module.launch("write_null", LaunchConfig::single_thread(), &[])?;
            println!("Output: unreachable");
            Ok(())
        }),
        other => panic!("unknown child mode {other}"),
    }
}

#[test]
fn run_exit_codes() {
    match probe() {
        Err(e @ GpuError::NoDriver { .. }) => {
            eprintln!("no driver here ({e}); checking run()'s no-driver exit");
            let (code, stdout, stderr) = run_child("ok", None);
            assert_eq!(code, Some(EXIT_NO_DRIVER), "stderr: {stderr}");
            assert!(stderr.contains("no CUDA driver"), "stderr: {stderr}");
            assert!(!stdout.contains("Output: fine"));
        }
        Err(e @ GpuError::NoDevice { .. }) => {
            let (code, _, stderr) = run_child("ok", None);
            assert_eq!(code, Some(EXIT_NO_DEVICE), "{e}; stderr: {stderr}");
            assert!(stderr.contains("no CUDA device"), "stderr: {stderr}");
        }
        Err(e) => panic!("probe failed: {e}"),
        Ok(info) => {
            eprintln!("GPU: {info:?}");
            let (code, stdout, stderr) = run_child("ok", None);
            assert_eq!(code, Some(0), "stderr: {stderr}");
            assert!(stdout.contains("Output: fine"));

            let (code, stdout, stderr) = run_child("fail", None);
            assert_eq!(code, Some(EXIT_FAILURE));
            assert!(stdout.contains("Output: partial"));
            assert!(stderr.contains("arithmetic is broken"), "stderr: {stderr}");

            let (code, _, stderr) = run_child("env", None);
            assert_eq!(code, Some(EXIT_FAILURE));
            assert!(stderr.contains("HOST_RUNTIME_PTX is not set"), "{stderr}");

            let (_dir, path) = ptx_file();
            let (code, stdout, stderr) = run_child("env", Some(&path));
            assert_eq!(code, Some(0), "stderr: {stderr}");
            assert!(stdout.contains("Output: saxpy,affine,bump,write_null"));

            // A fault poisons the context, so it runs in its own process.
            let (code, stdout, stderr) = run_child("fault", Some(&path));
            assert_eq!(code, Some(EXIT_FAILURE), "stderr: {stderr}");
            assert!(!stdout.contains("unreachable"));
            assert!(
                stderr.contains("kernel `write_null` failed: CUDA_ERROR_ILLEGAL_ADDRESS"),
                "stderr: {stderr}"
            );
        }
    }
}

#[test]
fn launches_on_a_real_gpu() {
    let gpu = match Gpu::new() {
        Ok(gpu) => gpu,
        Err(e) if e.is_unavailable() => {
            eprintln!("skipped: {e}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let info = gpu.device_info();
    assert!(info.major >= 5, "{info:?}");

    // Buffers.
    let data: Vec<u64> = (0..1000).collect();
    assert_eq!(gpu.upload(&data).unwrap().to_vec().unwrap(), data);
    assert_eq!(gpu.zeros::<i16>(7).unwrap().to_vec().unwrap(), [0; 7]);
    assert_eq!(gpu.filled(3, 2.5f64).unwrap().to_vec().unwrap(), [2.5; 3]);
    let empty = gpu.upload::<f32>(&[]).unwrap();
    assert!(empty.is_empty() && empty.to_vec().unwrap().is_empty());
    let mut b = gpu.zeros::<u32>(4).unwrap();
    b.copy_from_host(&[1, 2, 3, 4]).unwrap();
    let mut out = [0u32; 4];
    b.copy_to_host(&mut out).unwrap();
    assert_eq!(out, [1, 2, 3, 4]);
    assert!(matches!(
        b.copy_from_host(&[1]),
        Err(GpuError::SizeMismatch { .. })
    ));

    // Modules and kernels.
    let module = gpu.load_ptx(PTX).unwrap();
    assert_eq!(
        module.kernel_names(),
        ["saxpy", "affine", "bump", "write_null"]
    );
    let n = 1000u32;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let x = gpu.upload(&x).unwrap();
    let y = gpu.filled(n as usize, 1.0f32).unwrap();
    module
        .kernel("saxpy")
        .unwrap()
        .launch(LaunchConfig::for_num_elems(n), &[&n, &2.0f32, &x, &y])
        .unwrap();
    let y = y.to_vec().unwrap();
    assert_eq!((y[0], y[1], y[999]), (1.0, 3.0, 1999.0));

    let v = gpu.upload(&[1.0f32, 2.0, 3.0, 4.0]).unwrap();
    let p = Affine {
        scale: 10.0,
        shift: 0.5,
    };
    module
        .launch("affine", LaunchConfig::single_block(4), &[&p, &v])
        .unwrap();
    assert_eq!(v.to_vec().unwrap(), [10.5, 20.5, 30.5, 40.5]);

    // Globals.
    module.write_global("COUNTER", &[41u32]).unwrap();
    module
        .launch("bump", LaunchConfig::single_thread(), &[])
        .unwrap();
    assert_eq!(module.read_global::<u32>("COUNTER").unwrap(), [42]);
    assert!(matches!(
        module.read_global::<u32>("NOPE"),
        Err(GpuError::GlobalNotFound { .. })
    ));

    // Errors caught before the launch leave the context usable.
    let e = module.kernel("nope").unwrap_err();
    assert!(e.to_string().contains("entries: saxpy, affine"), "{e}");
    let e = module
        .launch("bump", LaunchConfig::single_block(2048), &[])
        .unwrap_err();
    assert!(matches!(e, GpuError::InvalidLaunchConfig { .. }), "{e}");
    let saxpy = module.kernel("saxpy").unwrap();
    if let Some(sizes) = saxpy.param_sizes() {
        assert_eq!(sizes, [4, 4, 8, 8]);
        let e = saxpy
            .launch(LaunchConfig::single_thread(), &[&n, &x])
            .unwrap_err();
        assert!(matches!(e, GpuError::KernelArgs { .. }), "{e}");
        let e = saxpy
            .launch(
                LaunchConfig::single_thread(),
                &[&(n as u64), &2.0f32, &x, &x],
            )
            .unwrap_err();
        assert!(e.to_string().contains("argument 0 is a `u64`"), "{e}");
    }
    let e = gpu.load_ptx(".version 7.0\n.target sm_52\n.address_size 64\n.visible .entry bad() { bogus.instr; }\n").unwrap_err();
    assert!(matches!(e, GpuError::ModuleLoad { .. }), "{e}");
    assert!(e.to_string().contains("CUDA_ERROR_INVALID_PTX"), "{e}");
    gpu.synchronize().unwrap();
}

//! `ptx-emu run` with a host program nobody here wrote the driver calls of
//! in Rust: Python's ctypes loading `libcuda.so.1` from the loader's path.

use std::path::PathBuf;
use std::process::Command;

/// The emulator's driver library, built by cargo if needed.
fn lib() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "ptx-emu-cuda"])
        .current_dir(&root)
        .status()
        .expect("cargo");
    assert!(status.success());
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), PathBuf::from);
    target.join("debug/libptx_emu_cuda.so")
}

fn run(extra: &[&str], script: &str) -> (i32, String, String) {
    let lib = lib();
    let mut args = vec!["run", "--lib", lib.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "python3", "-c", script]);
    let out = Command::new(env!("CARGO_BIN_EXE_ptx-emu"))
        .args(&args)
        .output()
        .expect("ptx-emu run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const PRELUDE: &str =
    "import ctypes, sys\nl = ctypes.CDLL('libcuda.so.1')\nassert l.cuInit(0) == 0\n";

#[test]
fn the_program_loads_the_emulator_as_libcuda() {
    let script = format!(
        "{PRELUDE}name = ctypes.create_string_buffer(64)\nassert l.cuDeviceGetName(name, 64, 0) == 0\nprint(name.value.decode())\n\
         v = ctypes.c_int()\nassert l.cuDeviceGetAttribute(ctypes.byref(v), 75, 0) == 0\nprint('major', v.value)\n\
         # An entry point the emulator does not implement exists and says so.\nprint('graph', l.cuGraphCreate(None, 0))\n"
    );
    let (code, out, err) = run(&["--sm", "sm_90a"], &script);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ptx-emu 0.1 (sm_90a)"), "{out}");
    assert!(out.contains("major 9"), "{out}");
    assert!(out.contains("graph 801"), "{out}");
    assert!(err.contains("cuGraphCreate is not implemented"), "{err}");
    assert!(err.contains("ERROR SUMMARY: 0 errors"), "{err}");
}

#[test]
fn error_exitcode_reports_detected_errors() {
    // cuMemFree of a pointer that was never allocated: an API error.
    let script = format!(
        "{PRELUDE}c = ctypes.c_void_p()\nassert l.cuDevicePrimaryCtxRetain(ctypes.byref(c), 0) == 0\nassert l.cuCtxSetCurrent(c) == 0\n\
         print('free', l.cuMemFree_v2(ctypes.c_uint64(0x1234)))\n"
    );
    let (code, out, err) = run(&["--error-exitcode", "9"], &script);
    assert_eq!(code, 9, "{out}{err}");
    assert!(out.contains("free 1"), "CUDA_ERROR_INVALID_VALUE: {out}");
    assert!(err.contains("ERROR SUMMARY: 1 error"), "{err}");
    // Without the option, the program's own status stands.
    let (code, _, _) = run(&[], &script);
    assert_eq!(code, 0);
}

#[test]
fn the_log_file_takes_the_emulators_messages() {
    let log = std::env::temp_dir().join(format!("ptx-emu-run-test-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let script = format!("{PRELUDE}print('dev', l.cuDeviceGet(ctypes.byref(ctypes.c_int()), 3))\n");
    let (code, out, err) = run(&["--log-file", log.to_str().unwrap()], &script);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("dev 101"), "CUDA_ERROR_INVALID_DEVICE: {out}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("device 3: the emulator has one device"),
        "{text}"
    );
    assert!(text.contains("ERROR SUMMARY"), "{text}");
    assert!(
        !err.contains("ptx-emu:"),
        "the messages went to the file: {err}"
    );
    let _ = std::fs::remove_file(&log);
}

#[test]
fn bad_options_are_clear_errors() {
    let (code, _, err) = run(&["--sm", "sm_xx"], "pass");
    assert_eq!(code, 2);
    assert!(err.contains("--sm sm_xx"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_ptx-emu"))
        .args(["run", "--lib", "/no/such.so", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such.so does not exist"));
}

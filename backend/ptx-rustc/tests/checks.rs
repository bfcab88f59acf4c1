//! Integration tests for the `ptx-rustc` GPU kernel checks.
//!
//! Each fixture in `tests/fixtures/` is compiled for `nvptx64-nvidia-cuda`
//! with the built `ptx-rustc` binary. Expected diagnostics are written in the
//! fixtures as compiletest-style annotations:
//!
//! * `//~ ERROR gpu::<name>` expects a `[gpu::<name>]` error on this line;
//! * `//~^ ERROR gpu::<name>` (one `^` per line) expects it that many lines up.
//!
//! The set of reported `[gpu::*]` errors must equal the annotated set exactly,
//! every one must carry a `help:`, and some full messages are pinned here.
//!
//! Compiling for nvptx64 needs a sysroot with `core` built for that target.
//! It is taken from `PTX_DEVICE_SYSROOT` if set, else from the backend's
//! sysroot cache (`ptx_backend::sysroot`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TARGET: &str = "nvptx64-nvidia-cuda";
const DRIVER: &str = env!("CARGO_BIN_EXE_ptx-rustc");

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The device sysroot: `PTX_DEVICE_SYSROOT` if set, else the backend's
/// cached one (built once per toolchain, shared with the harness).
fn device_sysroot() -> &'static Path {
    static SYSROOT: OnceLock<PathBuf> = OnceLock::new();
    SYSROOT.get_or_init(|| match std::env::var_os("PTX_DEVICE_SYSROOT") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let tc = ptx_backend::Toolchain::discover().expect("toolchain");
            ptx_backend::sysroot::DeviceSysroot::ensure(&tc)
                .expect("device sysroot")
                .root
        }
    })
}

/// The result of compiling one fixture.
struct Output {
    code: Option<i32>,
    stderr: String,
}

/// A `[gpu::*]` error as printed by the driver.
#[derive(Debug)]
struct GpuError {
    name: String,
    line: usize,
    message: String,
    /// The whole diagnostic block, as printed.
    text: String,
}

fn compile(fixture: &str, emit: &str) -> Output {
    compile_with(fixture, emit, &[])
}

fn compile_with(fixture: &str, emit: &str, extra: &[&str]) -> Output {
    let src = fixtures_dir().join(fixture);
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ptx-rustc-checks");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out_file = out_dir.join(format!("{fixture}.{emit}"));
    let out = Command::new(DRIVER)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "cdylib",
            "--color",
            "never",
        ])
        .args(["--target", TARGET, "--sysroot"])
        .arg(device_sysroot())
        .arg(format!("--emit={emit}"))
        .arg("-o")
        .arg(&out_file)
        .arg(&src)
        .args(extra)
        .env_remove("RUSTC_LOG")
        .output()
        .expect("failed to run ptx-rustc");
    Output {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Splits rustc's human-readable output into diagnostics and keeps the
/// `[gpu::*]` errors.
fn gpu_errors(stderr: &str) -> Vec<GpuError> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning") || blocks.is_empty() {
            blocks.push(Vec::new());
        }
        blocks.last_mut().unwrap().push(line);
    }
    blocks
        .into_iter()
        .filter_map(|block| {
            let message = block[0].strip_prefix("error: ")?;
            let name = message.rsplit_once(" [gpu::")?.1.strip_suffix(']')?;
            let location = block
                .iter()
                .find_map(|l| l.trim_start().strip_prefix("--> "))?;
            let mut parts = location.rsplitn(3, ':');
            let _col = parts.next();
            let line = parts.next()?.parse().ok()?;
            Some(GpuError {
                name: name.to_string(),
                line,
                message: message.to_string(),
                text: block.join("\n"),
            })
        })
        .collect()
}

/// `(line, name)` pairs annotated in a fixture.
fn expected(fixture: &str) -> BTreeSet<(usize, String)> {
    let src = std::fs::read_to_string(fixtures_dir().join(fixture)).unwrap();
    let mut set = BTreeSet::new();
    for (idx, line) in src.lines().enumerate() {
        let Some((_, ann)) = line.split_once("//~") else {
            continue;
        };
        let up = ann.chars().take_while(|&c| c == '^').count();
        let name = ann[up..]
            .trim()
            .strip_prefix("ERROR gpu::")
            .unwrap_or_else(|| panic!("bad annotation on line {}: {line}", idx + 1));
        set.insert((idx + 1 - up, name.trim().to_string()));
    }
    set
}

/// Compiles `fixture` and checks the reported `[gpu::*]` errors against its
/// annotations. Returns the errors for further assertions.
fn check_fixture(fixture: &str) -> Vec<GpuError> {
    check_fixture_with(fixture, &[])
}

/// [`check_fixture`] with extra rustc arguments (such as a target cpu).
fn check_fixture_with(fixture: &str, extra: &[&str]) -> Vec<GpuError> {
    let out = compile_with(fixture, "metadata", extra);
    let errors = gpu_errors(&out.stderr);
    let got: BTreeSet<_> = errors.iter().map(|e| (e.line, e.name.clone())).collect();
    let want = expected(fixture);
    assert_eq!(
        got, want,
        "reported gpu errors (left) differ from annotations (right) in {fixture}; stderr:\n{}",
        out.stderr
    );
    assert_eq!(
        got.len(),
        errors.len(),
        "duplicate diagnostics:\n{}",
        out.stderr
    );
    let expected_code = if want.is_empty() { 0 } else { 1 };
    assert_eq!(
        out.code,
        Some(expected_code),
        "exit code; stderr:\n{}",
        out.stderr
    );
    for e in &errors {
        assert!(e.text.contains("= help: "), "no help in:\n{}", e.text);
    }
    errors
}

/// Asserts that a `[gpu::*]` error with exactly this message was reported.
fn assert_message(errors: &[GpuError], message: &str) {
    assert!(
        errors.iter().any(|e| e.message == message),
        "message not found: {message}\nreported:\n{}",
        errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Asserts that a `help:` line with exactly this text was reported.
fn assert_help(errors: &[GpuError], help: &str) {
    let line = format!("= help: {help}");
    assert!(
        errors
            .iter()
            .any(|e| e.text.lines().any(|l| l.trim() == line)),
        "help not found: {help}\nreported:\n{}",
        errors
            .iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn clean_kernels_compile() {
    let out = compile("clean.rs", "asm");
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    assert!(!out.stderr.contains("error"), "stderr:\n{}", out.stderr);
    assert!(gpu_errors(&out.stderr).is_empty());
    let ptx_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ptx-rustc-checks/clean.rs.asm");
    let ptx = std::fs::read_to_string(ptx_path).unwrap();
    for entry in ["saxpy", "reduce", "fill_kernel", "reexported"] {
        assert!(
            ptx.contains(&format!(".entry {entry}(")),
            "missing .entry {entry} in PTX:\n{ptx}"
        );
    }
}

#[test]
fn kernel_reference_param() {
    let errors = check_fixture("reference_param.rs");
    assert_message(
        &errors,
        "kernel `by_ref` parameter `x` has type `&f32`, which is a reference; references and \
         fat pointers cannot cross the kernel launch ABI [gpu::kernel-reference-param]",
    );
    assert_help(&errors, "pass a raw pointer instead: `*const f32`");
    assert_help(
        &errors,
        "pass a raw pointer instead: `*mut u32` plus a `len: usize`",
    );
    assert_message(
        &errors,
        "kernel `by_slice` parameter `_fat` has type `*const [u8]`, which is a fat raw pointer; \
         references and fat pointers cannot cross the kernel launch ABI \
         [gpu::kernel-reference-param]",
    );
}

#[test]
fn kernel_generic() {
    let errors = check_fixture("generic.rs");
    assert_message(
        &errors,
        "kernel `fill` has generic parameters (`T`) and can never be exported under a fixed \
         symbol [gpu::kernel-generic]",
    );
    assert_help(
        &errors,
        "write a non-generic kernel for each instantiation that calls a generic device function",
    );
}

#[test]
fn kernel_no_mangle() {
    let errors = check_fixture("no_mangle.rs");
    assert_message(
        &errors,
        "kernel `mangled` is not `#[no_mangle]`, so the host cannot find its mangled symbol \
         [gpu::kernel-no-mangle]",
    );
    assert_help(
        &errors,
        "add `#[no_mangle]` (`#[unsafe(no_mangle)]` in edition 2024) so it is exported as \
         `mangled`",
    );
}

#[test]
fn kernel_ffi_unsafe_param() {
    let errors = check_fixture("ffi_unsafe_param.rs");
    assert_message(
        &errors,
        "kernel `bad_params` parameter `_a` has type `NotC`, which has no stable C layout (it is \
         not `#[repr(C)]`) [gpu::kernel-ffi-unsafe-param]",
    );
    assert_message(
        &errors,
        "kernel `bad_params` parameter `_e` has type `Nested`, which has no stable C layout (it \
         contains `char`: `char` has no C equivalent) [gpu::kernel-ffi-unsafe-param]",
    );
    assert_help(
        &errors,
        "mark the type `#[repr(C)]` or pass its fields as separate parameters",
    );
}

#[test]
fn kernel_unreachable() {
    let errors = check_fixture("unreachable.rs");
    assert_message(
        &errors,
        "kernel `private_kernel` is not `pub`, so rustc may drop it and the host cannot launch \
         it [gpu::kernel-unreachable]",
    );
    assert_message(
        &errors,
        "kernel `in_private_mod` is `pub` but not reachable from the crate root, so rustc may \
         drop it and the host cannot launch it [gpu::kernel-unreachable]",
    );
    assert_help(
        &errors,
        "make it `pub` and reachable from the crate root (a `pub` item in `pub` modules, or \
         re-exported with `pub use`)",
    );
}

#[test]
fn kernel_params_too_large() {
    // sm_100's oldest PTX ISA is 8.6: the 32764-byte limit.
    let errors = check_fixture_with("params_too_large.rs", &["-Ctarget-cpu=sm_100"]);
    assert_message(
        &errors,
        "kernel `too_big` takes 40004 bytes of parameters, more than CUDA's limit of 32764 bytes \
         [gpu::kernel-params-too-large]",
    );
    assert_help(
        &errors,
        "pass large data through a device pointer (`*const T`) instead of by value",
    );
}

/// Below PTX ISA 8.1 (sm_80 is emitted as ISA 7.0, sm_90a as 8.0) ptxas
/// allows 4352 bytes, so the check must too; `-Ctarget-feature=+ptx81`
/// raises the ISA and with it the limit.
#[test]
fn kernel_params_limit_follows_the_ptx_isa() {
    for cpu in ["-Ctarget-cpu=sm_80", "-Ctarget-cpu=sm_90a"] {
        let errors = check_fixture_with("params_too_large_isa70.rs", &[cpu]);
        assert_message(
            &errors,
            "kernel `over` takes 4356 bytes of parameters, more than CUDA's limit of 4352 bytes \
             [gpu::kernel-params-too-large]",
        );
    }
    let errors = check_fixture_with("params_too_large_isa70.rs", &["-Ctarget-cpu=sm_80"]);
    assert!(
        errors[0]
            .text
            .contains("= note: this crate targets PTX ISA 7.0 for sm_80; the limit is 32764 bytes"),
        "{}",
        errors[0].text
    );
    // With ISA 8.1 the same kernels fit.
    let out = compile_with(
        "params_too_large_isa70.rs",
        "metadata",
        &["-Ctarget-cpu=sm_80", "-Ctarget-feature=+ptx81"],
    );
    assert!(gpu_errors(&out.stderr).is_empty(), "{}", out.stderr);
}

#[test]
fn several_violations_in_one_file() {
    let errors = check_fixture("multiple.rs");
    let names: BTreeSet<_> = errors.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), 6, "every check should fire: {names:?}");
}

#[test]
fn clean_fixture_has_no_annotations() {
    assert!(expected("clean.rs").is_empty());
}

#[test]
fn checks_skipped_after_compile_errors() {
    let out = compile("type_error.rs", "metadata");
    assert_eq!(out.code, Some(1), "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains("error[E0308]"),
        "stderr:\n{}",
        out.stderr
    );
    assert!(!out.stderr.contains("[gpu::"), "stderr:\n{}", out.stderr);
}

/// Runs the driver with `args` (no device sysroot needed).
fn run_driver(args: &[&str]) -> std::process::Output {
    Command::new(DRIVER)
        .args(args)
        .output()
        .expect("failed to run ptx-rustc")
}

#[test]
fn version_and_wrapper_mode() {
    let direct = run_driver(&["-vV"]);
    assert!(direct.status.success());
    let text = String::from_utf8_lossy(&direct.stdout);
    assert!(text.starts_with("rustc "), "{text}");
    assert!(text.contains("\nhost: "), "{text}");
    // As a cargo wrapper, argv[1] is the path of rustc and is dropped.
    let wrapped = run_driver(&["/some/toolchain/bin/rustc", "-vV"]);
    assert!(wrapped.status.success());
    assert_eq!(wrapped.stdout, direct.stdout);
}

#[test]
fn host_crate_compiles_like_rustc() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ptx-rustc-checks");
    std::fs::create_dir_all(&out_dir).unwrap();
    let src = fixtures_dir().join("host.rs");
    let out = out_dir.join("libhost.rlib");
    let ok = run_driver(&[
        "--edition",
        "2021",
        "--crate-type",
        "lib",
        "-o",
        out.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.exists());
    // Bad arguments exit with rustc's error code 1.
    let bad = run_driver(&["--no-such-flag"]);
    assert_eq!(bad.status.code(), Some(1));
}

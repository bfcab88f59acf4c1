//! `cargo ptx` on a user's kernel crate with a dependency: the dependency's
//! bitcode is linked in, and the GPU checks run through the wrapper driver.

use std::path::Path;
use std::process::Command;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn make_crates(dir: &Path, kernel_param: &str) {
    write(
        &dir.join("kdep/Cargo.toml"),
        "[package]\nname = \"kdep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        &dir.join("kdep/src/lib.rs"),
        "#![no_std]\n#[inline(never)]\npub fn scale(x: f32, k: f32) -> f32 { x * k + 1.0 }\n",
    );
    write(
        &dir.join("kcrate/Cargo.toml"),
        "[package]\nname = \"kcrate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         [dependencies]\nkdep = { path = \"../kdep\" }\n[profile.release]\npanic = \"abort\"\n",
    );
    write(
        &dir.join("kcrate/src/lib.rs"),
        &format!(
            "#![no_std]\n#![feature(abi_ptx, stdarch_nvptx)]\n\
             #[panic_handler]\nfn p(_: &core::panic::PanicInfo) -> ! {{ unsafe {{ core::arch::nvptx::trap() }} }}\n\
             #[no_mangle]\npub unsafe extern \"ptx-kernel\" fn k(x: {kernel_param}) {{ *x = kdep::scale(*x, 3.0); }}\n"
        ),
    );
}

fn cargo_ptx(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-ptx"))
        .args(["ptx", "--sm", "80,90a", "-o"])
        .arg(dir.join("out"))
        .arg("--manifest-path")
        .arg(dir.join("kcrate/Cargo.toml"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap()
}

#[test]
fn builds_a_crate_with_a_dependency_for_each_target() {
    let dir = tempfile::tempdir().unwrap();
    make_crates(dir.path(), "*mut f32");
    let out = cargo_ptx(dir.path());
    let log =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    for sm in ["sm_80", "sm_90a"] {
        let ptx =
            std::fs::read_to_string(dir.path().join("out").join(sm).join("kcrate.ptx")).unwrap();
        assert!(ptx.contains(".visible .entry k("), "{ptx}");
        // The dependency's non-inlined function was linked in from its bitcode.
        assert!(ptx.contains("scale"), "{ptx}");
        assert!(dir
            .path()
            .join("out")
            .join(sm)
            .join("kcrate.ptxas")
            .is_file());
    }
}

#[test]
fn gpu_checks_run_through_the_wrapper() {
    let dir = tempfile::tempdir().unwrap();
    make_crates(dir.path(), "&mut f32");
    let out = cargo_ptx(dir.path());
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(log.contains("[gpu::kernel-reference-param]"), "{log}");
}

/// The default `-o` (`target/ptx` of the crate) from the crate's folder, and
/// a relative `-o` through a relative `--manifest-path`: `llvm-ar x` of a
/// dependency used to run on a relative path from another folder.
#[test]
fn default_and_relative_output_folders_work() {
    let dir = tempfile::tempdir().unwrap();
    make_crates(dir.path(), "*mut f32");
    let run = |cwd: &Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-ptx"))
            .arg("ptx")
            .args(args)
            .current_dir(cwd)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "cargo ptx {args:?} in {cwd:?}:\n{log}"
        );
    };
    // From the crate's folder, with the defaults.
    run(&dir.path().join("kcrate"), &[]);
    let ptx = dir.path().join("kcrate/target/ptx/sm_80/kcrate.ptx");
    assert!(std::fs::read_to_string(&ptx).unwrap().contains("scale"));
    // From the parent, through --manifest-path: the default output is the
    // crate's own target/ptx, a relative -o is relative to the caller.
    std::fs::remove_dir_all(dir.path().join("kcrate/target")).unwrap();
    run(dir.path(), &["--manifest-path", "kcrate/Cargo.toml"]);
    assert!(ptx.is_file(), "default output through --manifest-path");
    run(
        dir.path(),
        &["--manifest-path", "kcrate/Cargo.toml", "-o", "rel-out"],
    );
    assert!(dir.path().join("rel-out/sm_80/kcrate.ptx").is_file());
}

/// `--version` works as `cargo-ptx --version` and as `cargo ptx --version`.
#[test]
fn version() {
    for args in [&["--version"][..], &["ptx", "--version"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-ptx"))
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {stdout}");
        assert_eq!(
            stdout.trim(),
            concat!("cargo-ptx ", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// `--backend-config` is refused clearly, naming what works instead,
/// before anything is built.
#[test]
fn an_external_backend_config_is_refused_with_the_alternatives() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ptx"))
        .args(["ptx", "--backend-config", "oxide.toml", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`cargo ptx` builds crates through the built-in backend only"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ptxc compile FILE.rs --backend-config oxide.toml"),
        "{stderr}"
    );
}

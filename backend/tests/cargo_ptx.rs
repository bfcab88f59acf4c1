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

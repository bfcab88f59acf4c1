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

/// `--backend-config`: cargo builds the crate with the backend's rustc and
/// flags (here a stand-in that drops `-Zcodegen-backend`, runs the real
/// rustc and writes the PTX a backend would, as cuda-oxide does), once per
/// sm, with the sm and output folder in the config's variables; ptxas
/// validates each PTX. A backend that writes no PTX for the crate is a
/// clear failure.
#[test]
fn an_external_backend_builds_the_crate_for_each_target() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let real = ptx_backend::Toolchain::discover().unwrap().rustc;
    let rustc = d.join("fake-rustc");
    write(
        &rustc,
        &format!(
            "#!/usr/bin/env bash
             args=()
             for a in \"$@\"; do [[ $a == -Zcodegen-backend=* ]] || args+=(\"$a\"); done
             for ((i = 0; i < ${{#args[@]}}; i++)); do
               if [[ ${{args[i]}} == --crate-name && ${{args[i+1]}} == kdep && -n $FAKE_DIR ]]; then
                 printf '.version 7.8\\n.target %s\\n.address_size 64\\n\\n.visible .entry k()\\n{{\\n\\tret;\\n}}\\n' \"$FAKE_TARGET\" > \"$FAKE_DIR/kdep.ptx\"
               fi
             done
             exec '{}' \"${{args[@]}}\"
",
            real.display()
        ),
    );
    std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    write(&d.join("libfake.so"), "");
    write(
        &d.join("fake.toml"),
        &format!(
            "name = 'fake'\nrustc = '{}'\nsm_env = 'FAKE_TARGET'\nout_dir_env = 'FAKE_DIR'\n\
             [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n\
             [stages.ptx]\nfile = '{{crate}}.ptx'\n",
            rustc.display()
        ),
    );
    make_crates(d, "*mut f32");
    let run = |manifest: &str| {
        Command::new(env!("CARGO_BIN_EXE_cargo-ptx"))
            .args(["ptx", "--sm", "80,90", "-o"])
            .arg(d.join("out"))
            .arg("--backend-config")
            .arg(d.join("fake.toml"))
            .arg("--manifest-path")
            .arg(d.join(manifest))
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap()
    };
    let out = run("kdep/Cargo.toml");
    let log =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    for sm in ["sm_80", "sm_90"] {
        let dir = d.join("out").join(sm);
        let ptx = std::fs::read_to_string(dir.join("kdep.ptx")).unwrap();
        assert!(ptx.contains(&format!(".target {sm}")), "{ptx}");
        assert!(
            dir.join("kdep.ptxas").is_file(),
            "ptxas did not run for {sm}"
        );
        assert!(
            log.contains(&format!("{sm}: {}", dir.join("kdep.ptx").display())),
            "{log}"
        );
    }
    // kother builds, but the stand-in writes PTX for kdep only.
    write(
        &d.join("kother/Cargo.toml"),
        "[package]\nname = \"kother\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&d.join("kother/src/lib.rs"), "#![no_std]\npub fn f() {}\n");
    let out = run("kother/Cargo.toml");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("the backend wrote no PTX for `kother`"),
        "{log}"
    );
}

//! `ptxc` from the outside: it writes the chosen stages per target, and bad
//! input (unknown sm, missing file, unwritable folder, a syntax error) gets a
//! clear error and a non-zero exit, never a panic.

use std::process::Command;

const PTXC: &str = env!("CARGO_BIN_EXE_ptxc");

const SAXPY: &str = "#![no_std]\n#![feature(abi_ptx, stdarch_nvptx)]\n\
#[panic_handler]\nfn p(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }\n\
#[no_mangle]\npub unsafe extern \"ptx-kernel\" fn k(x: *mut f32) { *x *= 2.0; }\n";

fn ptxc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(PTXC).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn writes_the_chosen_stages_for_each_target() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("k.rs");
    std::fs::write(&src, SAXPY).unwrap();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = ptxc(&[
        "compile",
        src.to_str().unwrap(),
        "--sm",
        "75,90a",
        "--emit",
        "ptx,ptxas",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for sm in ["sm_75", "sm_90a"] {
        assert!(out.join(sm).join("k.ptx").is_file());
        assert!(out.join(sm).join("k.ptxas").is_file());
        assert!(
            !out.join(sm).join("k.mir").exists(),
            "only the chosen stages"
        );
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("k.rs");
    std::fs::write(&src, SAXPY).unwrap();
    let s = src.to_str().unwrap();
    let (code, _, err) = ptxc(&["compile", s, "--sm", "sm_91"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`sm_91` is not a known sm target") && err.contains("did you mean"),
        "{err}"
    );
    let (code, _, err) = ptxc(&["compile", "/nonexistent/k.rs"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/k.rs: no such file"), "{err}");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let (code, _, err) = ptxc(&["compile", s, "-o", blocker.join("x").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot create the output folder") && err.contains("--out-dir"),
        "{err}"
    );
    let bad = dir.path().join("bad.rs");
    std::fs::write(&bad, "fn x( {\n").unwrap();
    let (code, _, err) = ptxc(&[
        "compile",
        bad.to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.rs:1:") && err.contains("rustc failed"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// With `--backend-config`, `--opt-level` replaces the config's
/// `-Copt-level=` and `--no-ptxas` skips ptxas (whose input here is not
/// valid PTX); `--emit` takes the backend's own stages.
#[test]
fn an_external_backend_honours_opt_level_no_ptxas_and_its_stages() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rustc = d.join("fake-rustc");
    std::fs::write(
        &rustc,
        format!(
            "#!/bin/sh\ncase \"$1\" in -V|-vV) echo 'rustc 1.0.0-fake'; exit 0;; esac\n\
             for a; do [ \"$a\" = --print ] && {{ echo /sysroot; exit 0; }}; done\n\
             printf '%s\\n' \"$@\" > '{}'\n\
             echo '=== dialect-mir module ===' >&2; echo dialect >&2\n\
             echo 'not ptx' > \"$FAKE_DIR/k.ptx\"\n",
            d.join("args").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&rustc, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(d.join("libfake.so"), "").unwrap();
    let cfg = d.join("backend.toml");
    std::fs::write(
        &cfg,
        format!(
            "name = 'fake'\nrustc = '{}'\nout_dir_env = 'FAKE_DIR'\nrustc_flags = ['-Copt-level=3']\n\
             [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n\
             [stages.ptx]\nfile = '{{crate}}.ptx'\n[stages.dialect-mir]\nstderr_banner = '^=== dialect-mir'\n",
            rustc.display()
        ),
    )
    .unwrap();
    let src = d.join("k.rs");
    std::fs::write(&src, "").unwrap();
    let out = d.join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "compile",
            src.to_str().unwrap(),
            "--backend-config",
            cfg.to_str().unwrap(),
            "--emit",
            "ptx,dialect-mir",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ptxc(&args)
    };
    let (code, stdout, stderr) = run(&["--no-ptxas", "--opt-level", "1"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("sm_80/k.dialect-mir")).unwrap(),
        "dialect\n"
    );
    let args = std::fs::read_to_string(d.join("args")).unwrap();
    let opt: Vec<&str> = args.lines().filter(|l| l.contains("opt-level")).collect();
    assert_eq!(opt, ["-Copt-level=1"], "{args}");
    // Without --no-ptxas, ptxas rejects the stand-in's PTX.
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("ptxas failed"), "{stderr}");
    let (code, _, stderr) = run(&["--emit", "dialect-mri"]);
    assert_eq!(code, 2, "{stderr}");
}

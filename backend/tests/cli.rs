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

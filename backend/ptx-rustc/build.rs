//! Build script for `ptx-rustc`.
//!
//! The driver links against `librustc_driver-*.so` from the toolchain's
//! sysroot. Cargo sets `LD_LIBRARY_PATH` when it runs the binary, but a user
//! running it directly does not have that, so we embed an rpath to
//! `<sysroot>/lib`. The sysroot is also exported as `PTX_RUSTC_SYSROOT`.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .unwrap_or_else(|e| panic!("failed to run `{rustc} --print sysroot`: {e}"));
    assert!(
        out.status.success(),
        "`{rustc} --print sysroot` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sysroot = String::from_utf8(out.stdout)
        .expect("sysroot path is not UTF-8")
        .trim()
        .to_string();
    println!("cargo:rustc-link-arg=-Wl,-rpath,{sysroot}/lib");
    println!("cargo:rustc-env=PTX_RUSTC_SYSROOT={sysroot}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rerun-if-changed=build.rs");
}

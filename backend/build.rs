//! Records the sysroot of the toolchain that builds the backend, so tool
//! discovery finds the pinned toolchain even when run outside the repository.
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8(out.stdout).expect("utf-8 sysroot");
    println!("cargo:rustc-env=PTX_BUILD_SYSROOT={}", sysroot.trim());
    println!("cargo:rerun-if-changed=build.rs");
}

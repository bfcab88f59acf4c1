//! `ptx-rustc`: a rustc driver that behaves exactly like `rustc` but, after
//! analysis, runs GPU kernel checks (see [`checks`]) over every
//! `extern "ptx-kernel"` function of the local crate.
//!
//! Usage is the same as `rustc`. It can also be used as a cargo
//! `RUSTC_WORKSPACE_WRAPPER` / `RUSTC_WRAPPER`: if the first argument is a path
//! to a `rustc` binary, it is dropped (as clippy-driver does).

#![feature(rustc_private)]

extern crate rustc_abi;
extern crate rustc_driver;
extern crate rustc_hir;
extern crate rustc_interface;
extern crate rustc_middle;
extern crate rustc_session;
extern crate rustc_span;

mod checks;

use rustc_driver::Compilation;
use rustc_interface::interface::Compiler;
use rustc_middle::ty::TyCtxt;
use std::path::Path;
use std::process::ExitCode;

/// Driver callbacks: run the kernel checks once analysis succeeded.
struct PtxCallbacks;

impl rustc_driver::Callbacks for PtxCallbacks {
    fn after_analysis<'tcx>(&mut self, _compiler: &Compiler, tcx: TyCtxt<'tcx>) -> Compilation {
        // Only check code that type-checked cleanly: layouts and signatures of
        // erroneous items are not meaningful.
        if tcx.dcx().has_errors().is_none() {
            checks::run_all(tcx);
        }
        Compilation::Continue
    }
}

/// Returns true if `arg` is the path of a rustc binary, as passed by cargo in
/// wrapper mode (`RUSTC_WRAPPER` / `RUSTC_WORKSPACE_WRAPPER`). Only the exact
/// file names `rustc`/`rustc.exe` count, so a source file `rustc.rs` is kept.
fn is_rustc_path(arg: &str) -> bool {
    Path::new(arg)
        .file_name()
        .is_some_and(|name| name == "rustc" || name == "rustc.exe")
}

/// Restores the default `SIGPIPE` disposition, as rustc does (it is built with
/// `-Zon-broken-pipe=kill`), so `ptx-rustc -vV | head -1` exits quietly
/// instead of panicking on a broken pipe.
#[cfg(unix)]
fn reset_sigpipe() {
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // SAFETY: installing the default disposition for SIGPIPE before any
    // threads are spawned.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn reset_sigpipe() {}

fn main() -> ExitCode {
    reset_sigpipe();
    let early_dcx =
        rustc_session::EarlyDiagCtxt::new(rustc_session::config::ErrorOutputType::default());
    rustc_driver::init_rustc_env_logger(&early_dcx);
    rustc_driver::install_ice_hook(rustc_driver::DEFAULT_BUG_REPORT_URL, |_| ());
    rustc_driver::catch_with_exit_code(|| {
        let mut args = rustc_driver::args::raw_args(&early_dcx);
        if args.get(1).is_some_and(|a| is_rustc_path(a)) {
            args.remove(1);
        }
        rustc_driver::run_compiler(&args, &mut PtxCallbacks);
    })
}

#[cfg(test)]
mod tests {
    use super::is_rustc_path;

    #[test]
    fn detects_rustc_binary() {
        assert!(is_rustc_path("rustc"));
        assert!(is_rustc_path("/home/u/.rustup/toolchains/x/bin/rustc"));
        assert!(is_rustc_path("C:/bin/rustc.exe"));
        assert!(!is_rustc_path("rustc.rs"));
        assert!(!is_rustc_path("src/rustc.rs"));
        assert!(!is_rustc_path("--crate-type"));
        assert!(!is_rustc_path("kernel.rs"));
    }
}

//! The built-in pipeline end to end: real kernels through ptx-rustc, llvm-link,
//! opt, llc and ptxas for every target of the issue's list, and the errors a
//! user gets for bad input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ptx_backend::sysroot::DeviceSysroot;
use ptx_backend::{
    Backend, BuiltinBackend, CompileRequest, CompileStatus, PipelineOptions, SmTarget, Stage,
    Toolchain,
};

const TARGETS: &str = "sm_75,sm_80,sm_86,sm_89,sm_90,sm_90a,sm_100,sm_120";

const SAXPY: &str = r#"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
use core::arch::nvptx::*;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { trap() } }

#[no_mangle]
pub unsafe extern "ptx-kernel" fn saxpy(n: u32, a: f32, x: *const f32, y: *mut f32) {
    let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    if i < n as usize {
        *y.add(i) = a * *x.add(i) + *y.add(i);
    }
}
"#;

/// Uses core: slices with bounds checks, `Option::unwrap`, iterators.
const USES_CORE: &str = r#"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
use core::arch::nvptx::*;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { trap() } }

#[no_mangle]
pub unsafe extern "ptx-kernel" fn stats(data: *const u32, n: usize, idx: usize, out: *mut u32) {
    let xs = core::slice::from_raw_parts(data, n);
    let picked = xs[idx];
    let first_even = *xs.iter().find(|v| **v % 2 == 0).unwrap();
    let sum: u32 = xs.iter().map(|v| v.wrapping_mul(3)).filter(|v| v % 5 != 0).sum();
    *out = picked + first_even + sum + _thread_idx_x();
}
"#;

/// A dense `match`: a PTX jump table (`brx.idx`), an indirect branch (`BRX`)
/// in SASS.
const JUMP_TABLE: &str = r#"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
use core::arch::nvptx::*;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { trap() } }

#[inline(never)]
fn opaque(x: u32) -> u32 { x.wrapping_mul(2654435761) }

#[no_mangle]
pub unsafe extern "ptx-kernel" fn dense(op: u32, a: u32, b: u32, out: *mut u32) {
    *out = match op {
        0 => a.wrapping_add(b),
        1 => a.wrapping_sub(b),
        2 => a.wrapping_mul(b),
        3 => a & b,
        4 => a | b,
        5 => a ^ b,
        6 => a.wrapping_shl(b),
        7 => opaque(a),
        8 => opaque(b) + 1,
        _ => _thread_idx_x(),
    };
}
"#;

fn backend() -> &'static BuiltinBackend {
    static B: OnceLock<BuiltinBackend> = OnceLock::new();
    B.get_or_init(|| {
        let tc = Toolchain::discover().expect("toolchain (run ./setup.sh)");
        let sr = DeviceSysroot::ensure(&tc).expect("device sysroot");
        BuiltinBackend::new(tc, sr, PipelineOptions::default()).expect("backend (ptxas installed?)")
    })
}

fn source(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(format!("{name}.rs"));
    std::fs::write(&p, text).unwrap();
    p
}

/// Writes `text` as `<name>.rs` and compiles it once for `sm` with the default backend.
fn compile_once(dir: &Path, name: &str, text: &str, sm: &str) -> ptx_backend::CompileOutput {
    let src = source(dir, name, text);
    backend()
        .compile(&CompileRequest::new(
            &src,
            sm.parse().unwrap(),
            dir.join("o"),
        ))
        .unwrap()
}

#[test]
fn saxpy_and_a_core_kernel_build_for_every_target_with_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, kernel) in [("saxpy", SAXPY, "saxpy"), ("uses_core", USES_CORE, "stats")] {
        let src = source(dir.path(), name, text);
        for sm in SmTarget::parse_list(TARGETS).unwrap() {
            let out_dir = dir.path().join(format!("{name}-{sm}"));
            let mut req = CompileRequest::new(&src, sm, &out_dir);
            req.sass = true;
            let out = backend().compile(&req).unwrap();
            assert_eq!(
                out.status,
                CompileStatus::Succeeded,
                "{name} {sm}: {:?}\n{}",
                out.status,
                out.diagnostics
            );
            for stage in Stage::ALL {
                let text = out
                    .read_stage(stage)
                    .unwrap_or_else(|| panic!("{name} {sm}: no {stage}"))
                    .unwrap();
                assert!(!text.is_empty(), "{name} {sm}: empty {stage}");
            }
            let ptx = out.read_stage(Stage::Ptx).unwrap().unwrap();
            assert!(ptx.contains(&format!(".target {sm}")), "{name} {sm}");
            assert!(
                ptx.contains(&format!(".visible .entry {kernel}(")),
                "{name} {sm}"
            );
            let k = out
                .kernels
                .iter()
                .find(|k| k.entry && k.name == kernel)
                .expect("ptxas metrics");
            assert!(k.registers > 0 && k.ptx_instructions > 0, "{k:?}");
            assert!(k.sass_instructions.unwrap_or(0) > 0, "{k:?}");
            let sass = out.read_stage(Stage::Sass).unwrap().unwrap();
            assert!(sass.contains(&format!(".entry {kernel}\n")), "{sass}");
            assert!(sass.contains("EXIT ;"), "{sass}");
            assert!(
                !sass.contains("/*"),
                "addresses stay out of the dump:\n{sass}"
            );
            let steps: Vec<_> = out.timings.iter().map(|t| t.step.as_str()).collect();
            assert_eq!(
                steps,
                ["rustc", "llvm-link", "opt", "llc", "ptxas", "nvdisasm"]
            );
        }
    }
}

#[test]
fn core_panics_are_linked_in_and_everything_else_internalized() {
    let dir = tempfile::tempdir().unwrap();
    let out = compile_once(dir.path(), "uses_core", USES_CORE, "sm_80");
    let ir = out.read_stage(Stage::LlvmIrOpt).unwrap().unwrap();
    // The only externally visible definition is the kernel.
    let public: Vec<_> = ir
        .lines()
        .filter(|l| {
            l.starts_with("define ") && !l.contains(" internal ") && !l.contains(" private ")
        })
        .collect();
    assert_eq!(public.len(), 1, "{public:#?}");
    assert!(public[0].contains("@stats("));
    // The bounds check's panic path is present (it traps through the panic handler).
    let ptx = out.read_stage(Stage::Ptx).unwrap().unwrap();
    assert!(
        ptx.contains("trap;"),
        "bounds checks must reach the panic handler"
    );
}

#[test]
fn a_syntax_error_stops_at_rustc_and_later_stages_are_absent() {
    let dir = tempfile::tempdir().unwrap();
    let out = compile_once(dir.path(), "broken", "#![no_std]\nfn x( {\n", "sm_80");
    assert_eq!(
        out.status,
        CompileStatus::RustcFailed { exit_code: Some(1) }
    );
    assert!(
        out.diagnostics.contains("broken.rs:2:"),
        "{}",
        out.diagnostics
    );
    assert!(
        out.diagnostics.contains("unclosed delimiter"),
        "{}",
        out.diagnostics
    );
    for stage in [Stage::LlvmIrOpt, Stage::Ptx, Stage::Ptxas] {
        assert!(
            !out.stages.contains_key(&stage),
            "{stage} must be absent, not empty"
        );
    }
    assert!(out.kernels.is_empty());
}

#[test]
fn a_gpu_check_failure_is_a_rustc_failure_with_the_check_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = compile_once(dir.path(), "generic", "#![no_std]\n#![feature(abi_ptx)]\n#[panic_handler]\nfn p(_: &core::panic::PanicInfo) -> ! { loop {} }\n\
         #[no_mangle]\npub unsafe extern \"ptx-kernel\" fn fill<T: Copy>(_p: *mut T) {}\n", "sm_90");
    assert_eq!(
        out.status,
        CompileStatus::RustcFailed { exit_code: Some(1) }
    );
    assert!(
        out.diagnostics.contains("[gpu::kernel-generic]"),
        "{}",
        out.diagnostics
    );
    assert!(
        out.diagnostics.contains("generic.rs:6:"),
        "{}",
        out.diagnostics
    );
}

#[test]
fn an_unwritable_output_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "saxpy", SAXPY);
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let err = backend()
        .compile(&CompileRequest::new(
            &src,
            "sm_80".parse().unwrap(),
            blocker.join("out"),
        ))
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("cannot create the output folder"),
        "{err:#}"
    );
}

#[test]
fn missing_ptxas_names_the_install_command() {
    let mut tc = Toolchain::discover().unwrap();
    tc.ptxas = Err(ptx_backend::SetupError {
        what: "ptxas".into(),
        searched: vec!["PATH".into()],
        fix: "python3 -m pip install --target tools/ptxas nvidia-cuda-nvcc==13.0.88".into(),
    });
    let sr = DeviceSysroot::ensure(&tc).unwrap();
    let err = BuiltinBackend::new(tc.clone(), sr.clone(), PipelineOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("nvidia-cuda-nvcc==13.0.88"),
        "{err}"
    );
    // Without validation the pipeline still produces PTX, and no ptxas stage.
    let be = BuiltinBackend::new(
        tc,
        sr,
        PipelineOptions {
            validate: false,
            ..Default::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "saxpy", SAXPY);
    let out = be
        .compile(&CompileRequest::new(
            &src,
            "sm_80".parse().unwrap(),
            dir.path().join("o"),
        ))
        .unwrap();
    assert!(out.stages.contains_key(&Stage::Ptx));
    assert!(!out.stages.contains_key(&Stage::Ptxas));
}

#[test]
fn missing_nvdisasm_fails_only_a_compile_that_asks_for_sass() {
    let mut tc = Toolchain::discover().unwrap();
    let fix = format!(
        "python3 -m pip install --target tools/nvdisasm {}",
        ptx_backend::toolchain::NVDISASM_WHEEL
    );
    tc.nvdisasm = Err(ptx_backend::SetupError {
        what: "nvdisasm (the SASS disassembler, needed by the `sass` stage)".into(),
        searched: vec!["NVDISASM (unset)".into(), "PATH".into()],
        fix: fix.clone(),
    });
    let sr = DeviceSysroot::ensure(&tc).unwrap();
    let be = BuiltinBackend::new(tc, sr, PipelineOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "saxpy", SAXPY);
    let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), dir.path().join("o"));
    let out = be.compile(&req).unwrap();
    assert_eq!(out.status, CompileStatus::Succeeded);
    assert!(!out.stages.contains_key(&Stage::Sass));
    assert!(out.kernels.iter().all(|k| k.sass_instructions.is_none()));
    req.sass = true;
    req.out_dir = dir.path().join("o2");
    let err = be.compile(&req).unwrap_err().to_string();
    assert!(err.contains("nvdisasm (the SASS disassembler"), "{err}");
    assert!(err.contains(&fix), "{err}");
}

#[test]
fn the_opt_level_changes_the_code() {
    let tc = Toolchain::discover().unwrap();
    let sr = DeviceSysroot::ensure(&tc).unwrap();
    let o0 = BuiltinBackend::new(
        tc,
        sr,
        PipelineOptions {
            opt_level: 0,
            validate: true,
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "uses_core", USES_CORE);
    let sm: SmTarget = "sm_80".parse().unwrap();
    let a = o0
        .compile(&CompileRequest::new(&src, sm, dir.path().join("o0")))
        .unwrap();
    let b = backend()
        .compile(&CompileRequest::new(&src, sm, dir.path().join("o3")))
        .unwrap();
    assert_eq!(a.status, CompileStatus::Succeeded, "{}", a.diagnostics);
    assert_ne!(
        a.read_stage(Stage::Ptx).unwrap().unwrap(),
        b.read_stage(Stage::Ptx).unwrap().unwrap()
    );
    assert_ne!(
        o0.identity(),
        backend().identity(),
        "caches must key on the opt level"
    );
}

/// A shell script standing in for a tool.
fn fake_tool(dir: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn a_hanging_step_is_killed_at_its_limit_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut be = backend().clone();
    // An llc that hangs, with a child that would keep the pipes open.
    be.toolchain.llc = fake_tool(dir.path(), "llc", "sleep 120 &\nsleep 120");
    let src = source(dir.path(), "saxpy", SAXPY);
    let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), dir.path().join("o"));
    req.timeout = std::time::Duration::from_secs(5);
    let start = std::time::Instant::now();
    let out = be.compile(&req).unwrap();
    let took = start.elapsed();
    assert_eq!(
        out.status,
        CompileStatus::TimedOut {
            step: "llc".into(),
            limit: std::time::Duration::from_secs(5)
        }
    );
    assert_eq!(
        out.status.interruption().unwrap(),
        "llc timed out after 5 s (limit: compile-timeout)"
    );
    assert!(!out.status.is_cacheable());
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
    assert!(!out.stages.contains_key(&Stage::Ptx));
}

#[test]
fn a_step_killed_by_a_signal_names_the_signal() {
    let dir = tempfile::tempdir().unwrap();
    let mut be = backend().clone();
    be.toolchain.ptxas = Ok(fake_tool(
        dir.path(),
        "ptxas",
        "echo 'out of memory' >&2\nkill -KILL $$",
    ));
    let src = source(dir.path(), "saxpy", SAXPY);
    let out = be
        .compile(&CompileRequest::new(
            &src,
            "sm_80".parse().unwrap(),
            dir.path().join("o"),
        ))
        .unwrap();
    match &out.status {
        CompileStatus::Killed {
            step,
            signal,
            message,
        } => {
            assert_eq!((step.as_str(), signal.as_str()), ("ptxas", "SIGKILL"));
            assert!(message.contains("out of memory"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out.status.interruption().unwrap(),
        "ptxas was killed by SIGKILL"
    );
    assert!(out.status.is_interrupted());
    assert!(!out.status.is_cacheable());
    // A crash of the tool itself (LLVM ERROR aborts) is a failure of the
    // step that a build-fail test may expect, named, and cached: the same
    // input crashes the tool again.
    be.toolchain.ptxas = Ok(fake_tool(dir.path(), "ptxas2", "kill -ABRT $$"));
    let out = be
        .compile(&CompileRequest::new(
            &src,
            "sm_80".parse().unwrap(),
            dir.path().join("o2"),
        ))
        .unwrap();
    assert_eq!(
        out.status.interruption().unwrap(),
        "ptxas was killed by SIGABRT"
    );
    assert!(!out.status.is_interrupted());
    assert!(out.status.is_cacheable());
}

/// A test's `-Copt-level=0` reaches opt and llc, not only rustc (they used
/// to stay at the backend's level, so the PTX was optimized anyway).
#[test]
fn a_requested_opt_level_reaches_the_whole_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "saxpy", SAXPY);
    let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), dir.path().join("o0"));
    req.flags = vec!["-Copt-level=0".into()];
    let out = backend().compile(&req).unwrap();
    assert_eq!(out.status, CompileStatus::Succeeded, "{}", out.diagnostics);
    let cmd = |tool: &str| {
        out.commands
            .iter()
            .find(|c| c.contains(&format!("/{tool} ")))
            .unwrap_or_else(|| panic!("no {tool} command in {:?}", out.commands))
            .clone()
    };
    assert!(cmd("opt").contains("default<O0>"), "{}", cmd("opt"));
    assert!(cmd("llc").contains(" -O0 "), "{}", cmd("llc"));
    assert!(cmd("ptxas").contains(" -O0 "), "{}", cmd("ptxas"));
    // Without the flag, the backend's own level (3).
    let plain = compile_once(dir.path(), "saxpy3", SAXPY, "sm_80");
    assert!(plain.commands.iter().any(|c| c.contains("default<O3>")));
}

/// u128/i128 <-> float casts (saturating float-to-int included) compile at
/// every opt level: llc used to abort on them with "unsupported library
/// call operation".
#[test]
fn wide_int_float_casts_compile_at_every_level() {
    const CASTS: &str = r#"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }
#[no_mangle]
pub unsafe extern "ptx-kernel" fn casts(f: *const f32, d: *const f64, w: *mut u128, s: *mut i128, o: *mut f64) {
    *w = *f as u128;
    *w.add(1) = *d as u128;
    *s = *f as i128;
    *s.add(1) = *d as i128;
    *o = *w as f64 + *s as f32 as f64;
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "casts", CASTS);
    for level in ["0", "3"] {
        let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), dir.path().join(level));
        req.flags = vec![format!("-Copt-level={level}")];
        let out = backend().compile(&req).unwrap();
        assert_eq!(
            out.status,
            CompileStatus::Succeeded,
            "-O{level}: {:?}",
            out.status
        );
    }
}

/// How many times the llvm-link command of a compile names core's bitcode.
fn device_libs_links(out: &ptx_backend::CompileOutput) -> usize {
    let link = out
        .commands
        .iter()
        .find(|c| c.contains("llvm-link"))
        .expect("an llvm-link step");
    link.matches("device-libs.bc").count()
}

/// The built-in prelude's bitcode (its panic handler) refers to nothing,
/// so core is linked once; a prelude whose own code calls into core (a
/// bounds check) gets core once more after it.
#[test]
fn core_is_linked_a_second_time_only_for_a_prelude_that_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    let kernel = "#![no_std]\n#![feature(abi_ptx)]\n\
        #[no_mangle]\npub unsafe extern \"ptx-kernel\" fn k(p: *mut u32, i: usize) {\n\
            let xs = [1u32, 2, 3, 4];\n    *p = gpu::pick(&xs, i);\n}\n";
    let prelude = dir.path().join("prelude.rs");
    std::fs::write(
        &prelude,
        "#![no_std]\n#![feature(stdarch_nvptx)]\n\
         #[panic_handler]\nfn panic(_: &core::panic::PanicInfo) -> ! { unsafe { core::arch::nvptx::trap() } }\n\
         #[inline(never)]\npub fn pick(xs: &[u32], i: usize) -> u32 { xs[i] }\n",
    )
    .unwrap();
    let custom = backend()
        .clone()
        .with_prelude(ptx_backend::prelude::PreludeSource::from_file(&prelude).unwrap());
    let src = source(dir.path(), "picker", kernel);
    let out = custom
        .compile(&CompileRequest::new(
            &src,
            "sm_80".parse().unwrap(),
            dir.path().join("c"),
        ))
        .unwrap();
    // Known gap, as before this change: `pick`'s bounds check pulls in
    // core's `panic_fmt` in that second pass, which needs the prelude's
    // panic handler again (ptxas: unresolved `rust_begin_unwind`); the
    // built-in preludes never hit it.
    assert_eq!(device_libs_links(&out), 2, "{:?}", out.commands);

    let builtin = compile_once(dir.path(), "saxpy", SAXPY, "sm_80");
    assert_eq!(builtin.status, CompileStatus::Succeeded);
    assert_eq!(device_libs_links(&builtin), 1, "{:?}", builtin.commands);
}

/// The backend runs nvdisasm without its dataflow analysis (a third of each
/// call) and again with it only for a listing with an indirect branch: the
/// listing it keeps is exactly plain `nvdisasm --print-code`'s either way.
#[test]
fn the_sass_listing_is_plain_nvdisasm_print_code_with_or_without_an_indirect_branch() {
    let Ok(nvdisasm) = ptx_backend::toolchain::find_nvdisasm() else {
        eprintln!("skipped: no nvdisasm (run ./setup.sh)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, text, runs) in [("saxpy", SAXPY, 1), ("jump_table", JUMP_TABLE, 2)] {
        let src = source(dir.path(), name, text);
        let out_dir = dir.path().join(name);
        let mut req = CompileRequest::new(&src, "sm_80".parse().unwrap(), &out_dir);
        req.sass = true;
        let out = backend().compile(&req).unwrap();
        assert_eq!(
            out.status,
            CompileStatus::Succeeded,
            "{name}: {:?}",
            out.status
        );
        let ptx = out.read_stage(Stage::Ptx).unwrap().unwrap();
        assert_eq!(
            ptx.contains("brx.idx"),
            runs == 2,
            "{name}: the test's premise"
        );
        let calls = out.timings.iter().filter(|t| t.step == "nvdisasm").count();
        assert_eq!(calls, runs, "{name}: nvdisasm calls");
        let kept = std::fs::read_to_string(out_dir.join(format!("{name}.nvdisasm"))).unwrap();
        let plain = std::process::Command::new(&nvdisasm)
            .arg("--print-code")
            .arg(out_dir.join(format!("{name}.cubin")))
            .output()
            .unwrap();
        assert!(plain.status.success());
        assert_eq!(kept, String::from_utf8(plain.stdout).unwrap(), "{name}");
        let sass = out.read_stage(Stage::Sass).unwrap().unwrap();
        assert_eq!(
            sass.contains("BRANCH_TARGETS"),
            runs == 2,
            "{name}:\n{sass}"
        );
    }
}

/// One nvdisasm run over a merge of several cubins (`ptx_backend::cubin`)
/// gives each cubin the same `sass` stage as a run on it alone: a jump table
/// (`BRX`, whose targets come from its constant bank and `.nv.info`), core's
/// panics (device functions copied into the kernel) and a plain kernel.
#[test]
fn a_merge_of_cubins_disassembles_to_each_cubins_own_sass() {
    let Ok(nvdisasm) = ptx_backend::toolchain::find_nvdisasm() else {
        eprintln!("skipped: no nvdisasm (run ./setup.sh)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for sm in ["sm_80", "sm_90", "sm_120"] {
        let mut cubins = Vec::new();
        let mut stages = Vec::new();
        for (name, text) in [
            ("saxpy", SAXPY),
            ("jump_table", JUMP_TABLE),
            ("uses_core", USES_CORE),
        ] {
            let src = source(dir.path(), name, text);
            let out_dir = dir.path().join(format!("{name}-{sm}"));
            let mut req = CompileRequest::new(&src, sm.parse().unwrap(), &out_dir);
            req.sass = true;
            let out = backend().compile(&req).unwrap();
            assert_eq!(out.status, CompileStatus::Succeeded, "{name} {sm}");
            let bytes = std::fs::read(out_dir.join(format!("{name}.cubin"))).unwrap();
            cubins.push(ptx_backend::cubin::Cubin::parse(&bytes).expect("a cubin a merge takes"));
            stages.push(out.read_stage(Stage::Sass).unwrap().unwrap());
        }
        let merged = ptx_backend::cubin::merge(&cubins).unwrap();
        let file = dir.path().join(format!("merged-{sm}.cubin"));
        std::fs::write(&file, merged).unwrap();
        let out = std::process::Command::new(&nvdisasm)
            .arg("--print-code")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listing = String::from_utf8(out.stdout).unwrap();
        let parts: Vec<Vec<String>> = cubins.iter().map(|c| c.code_sections()).collect();
        let texts = ptx_backend::cubin::split_listing(&listing, &parts).unwrap();
        assert_eq!(texts.len(), stages.len());
        for (text, stage) in texts.iter().zip(&stages) {
            let sass = ptx_backend::sass::render_sass(&ptx_backend::sass::parse_nvdisasm(text));
            assert_eq!(&sass, stage, "{sm}");
        }
        assert!(stages[1].contains("BRANCH_TARGETS"), "{}", stages[1]);
    }
}

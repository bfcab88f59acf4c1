//! Every prelude CI can build implements the whole API of
//! device-prelude/README.md: `device-prelude/api-check.rs` names every item
//! with its signature and must compile (through ptxas) against each.

use ptx_backend::prelude::PreludeSource;
use ptx_backend::{Backend, BuiltinBackend, CompileRequest, CompileStatus};

#[test]
fn builtin_and_gpu_kernel_preludes_implement_the_whole_api() {
    let root = ptx_backend::toolchain::workspace_root();
    let backend = BuiltinBackend::from_env().expect("the built-in backend");
    for dialect in ["builtin", "gpu-kernel"] {
        let prelude =
            PreludeSource::from_file(&root.join(format!("device-prelude/{dialect}/lib.rs")))
                .unwrap();
        let be = backend.clone().with_prelude(prelude);
        let out = tempfile::tempdir().unwrap();
        let req = CompileRequest::new(
            root.join("device-prelude/api-check.rs"),
            "sm_80".parse().unwrap(),
            out.path(),
        );
        let got = be.compile(&req).expect("the backend runs");
        assert_eq!(
            got.status,
            CompileStatus::Succeeded,
            "{dialect}: {:?}\n{}",
            got.status,
            got.diagnostics
        );
    }
}

#[test]
fn the_readme_lists_every_prelude_folder() {
    let root = ptx_backend::toolchain::workspace_root();
    let readme = std::fs::read_to_string(root.join("device-prelude/README.md")).unwrap();
    for entry in std::fs::read_dir(root.join("device-prelude")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                readme.contains(&format!("`{name}/`")),
                "device-prelude/README.md does not describe `{name}/`"
            );
        }
    }
}

//! docs/conformance.md is what `scripts/conformance-doc.sh` writes from the
//! committed results (ci/baseline.json and backends/cuda-oxide/results.json):
//! the page and the HTML report have one source, and a results file updated
//! without the page (or the page edited by hand) fails here.

use std::path::Path;
use std::process::Command;

#[test]
fn docs_conformance_md_is_generated_from_the_committed_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new("bash")
        .arg(root.join("scripts/conformance-doc.sh"))
        .arg("--check")
        .env("PTX_HARNESS", env!("CARGO_BIN_EXE_ptx-harness"))
        .current_dir(root)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}\n(regenerate it with scripts/conformance-doc.sh)",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(root.join("docs/conformance.md")).unwrap();
    for source in ["`ci/baseline.json`", "`backends/cuda-oxide/results.json`"] {
        assert!(page.contains(source), "the page names its source {source}");
    }
}

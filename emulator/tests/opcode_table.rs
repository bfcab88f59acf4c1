//! Every opcode in every `.ptx` under `tests/` loads and is implemented, and
//! docs/emulator.md's table is the current one.

use std::path::PathBuf;

#[test]
fn every_snapshot_opcode_is_implemented_and_the_table_is_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = ptx_emu::coverage::ptx_files(&[root.join("tests")]);
    assert!(
        files.len() > 100,
        "expected the suite's PTX snapshots, found {}",
        files.len()
    );
    let cov = ptx_emu::coverage::scan(&files);
    assert!(
        cov.failures.is_empty(),
        "files that do not load: {:#?}",
        cov.failures
    );
    let missing: Vec<_> = cov
        .rows
        .iter()
        .filter(|(_, r)| !r.implemented)
        .map(|(k, _)| k)
        .collect();
    assert!(missing.is_empty(), "unimplemented opcodes: {missing:?}");
    let doc = std::fs::read_to_string(root.join("docs/emulator.md")).unwrap();
    assert!(
        doc.contains(&ptx_emu::coverage::markdown(&cov)),
        "docs/emulator.md's opcode table is stale: run `cargo run -p ptx-emu -- opcodes --write docs/emulator.md`"
    );
}

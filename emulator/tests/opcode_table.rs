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

/// Two instructions on one line (as inline asm writes them), one of them
/// unimplemented: only that one is listed as unimplemented. The table once
/// matched decoded instructions to the PTX by line, so `selp.b32` sharing a
/// line with an unimplemented instruction read "not implemented".
#[test]
fn an_unimplemented_instruction_does_not_taint_its_line() {
    let dir = std::env::temp_dir().join(format!("ptx-emu-opcodes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("one_line.ptx");
    std::fs::write(
        &file,
        ".version 8.0\n.target sm_80\n.address_size 64\n\
         .visible .entry k()\n{\n.reg .b32 %r<4>;\n.reg .pred %p<2>;\n\
         setp.eq.u32 %p1, %r1, 0;\n\
         selp.b32 %r2, 1, 0, %p1; bar.red.popc.u32 %r3, 0, %p1;\n\
         ret;\n}\n",
    )
    .unwrap();
    let cov = ptx_emu::coverage::scan(&[file]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(cov.failures.is_empty(), "{:?}", cov.failures);
    assert!(cov.rows["selp.b32"].implemented);
    assert!(cov.rows["setp.eq.u32"].implemented);
    assert!(!cov.rows["bar.red.popc.u32"].implemented);
}

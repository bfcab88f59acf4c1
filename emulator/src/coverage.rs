//! Which PTX opcodes a set of files uses, and whether the emulator
//! implements each: the table `ptx-emu opcodes` prints and CI checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::exec::program::Op;
use crate::exec::{Arch, Machine, Schedule};
use crate::ptx::ast::Statement;

/// One opcode's row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// Instructions with this opcode, over all files.
    pub count: usize,
    /// Files that use it.
    pub files: usize,
    /// Whether every use decoded to an implemented instruction.
    pub implemented: bool,
}

/// The opcode table, and the files that failed to load (path, error).
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    pub rows: BTreeMap<String, Row>,
    pub failures: Vec<(PathBuf, String)>,
    pub files: usize,
}

/// Snapshots hold `$SM`/`$PTX_ISA` placeholders in `.target`/`.version`.
pub fn denormalize(text: &str) -> String {
    text.replace(".target $SM", ".target sm_80")
        .replace(".version $PTX_ISA", ".version 8.0")
}

/// Every `*.ptx` under `dirs`, sorted.
pub fn ptx_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    walk(&e.path(), out);
                }
            }
        } else if p.extension().is_some_and(|e| e == "ptx") {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(d, &mut out);
    }
    out.sort();
    out
}

/// Loads each file into a fresh emulated device and tallies its opcodes.
pub fn scan(files: &[PathBuf]) -> Coverage {
    let mut cov = Coverage::default();
    for f in files {
        cov.files += 1;
        let text = match std::fs::read_to_string(f) {
            Ok(t) => denormalize(&t),
            Err(e) => {
                cov.failures.push((f.clone(), e.to_string()));
                continue;
            }
        };
        let ast = match crate::ptx::parse(&text) {
            Ok(a) => a,
            Err(e) => {
                cov.failures.push((f.clone(), e.to_string()));
                continue;
            }
        };
        let mut machine = Machine::new(Arch::parse("sm_100a").expect("valid"), Schedule::InOrder);
        let module = match machine.load_parsed(&ast) {
            Ok(i) => machine.modules[i].take().expect("just loaded"),
            Err(e) => {
                cov.failures.push((f.clone(), e.to_string()));
                continue;
            }
        };
        // Instructions are matched to their decoded form by position (the
        // decoder emits one per instruction, functions in order), not by
        // line: several instructions can share a line (inline asm such as
        // `selp.b32 %r2, 1, 0, %p; ldmatrix… ;`), and an unsupported one
        // must not mark its neighbours unimplemented.
        let mut seen = std::collections::HashSet::new();
        for (func, decoded) in ast.functions.iter().zip(&module.funcs) {
            let instrs = func.body.iter().flatten().filter_map(|s| match s {
                Statement::Instr(i) => Some(i),
                _ => None,
            });
            for (k, i) in instrs.enumerate() {
                let row = cov.rows.entry(i.opcode.clone()).or_insert(Row {
                    implemented: true,
                    ..Row::default()
                });
                row.count += 1;
                row.implemented &= !matches!(
                    decoded.code.get(k).map(|inst| &inst.op),
                    Some(Op::Unsupported(_)) | None
                );
                if seen.insert(i.opcode.clone()) {
                    row.files += 1;
                }
            }
        }
    }
    cov
}

/// The table as Markdown.
pub fn markdown(cov: &Coverage) -> String {
    let mut out = String::new();
    let implemented = cov.rows.values().filter(|r| r.implemented).count();
    out += &format!(
        "{} opcodes in {} files; {} implemented, {} not.\n\n",
        cov.rows.len(),
        cov.files,
        implemented,
        cov.rows.len() - implemented
    );
    out += "| opcode | uses | files | implemented |\n|---|---:|---:|---|\n";
    for (op, r) in &cov.rows {
        out += &format!(
            "| `{op}` | {} | {} | {} |\n",
            r.count,
            r.files,
            if r.implemented { "yes" } else { "**no**" }
        );
    }
    out
}

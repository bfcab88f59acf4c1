//! Parses every PTX snapshot under the repository's `tests/` folder and checks
//! that no instruction was skipped: the number of parsed instructions must
//! equal an independent, line-based count of instruction lines.

use std::path::{Path, PathBuf};

use ptx_emu::ptx::ast::Statement;
use ptx_emu::ptx::parse;

fn ptx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            ptx_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "ptx") {
            out.push(p);
        }
    }
}

/// Removes `//` and `/* */` comments, keeping line breaks.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut in_block = false;
    while !rest.is_empty() {
        if in_block {
            match rest.find("*/") {
                Some(i) => {
                    out.extend(rest[..i].chars().filter(|&c| c == '\n'));
                    rest = &rest[i + 2..];
                    in_block = false;
                }
                None => {
                    out.extend(rest.chars().filter(|&c| c == '\n'));
                    rest = "";
                }
            }
        } else {
            let line_c = rest.find("//");
            let block_c = rest.find("/*");
            match (line_c, block_c) {
                (Some(l), b) if b.is_none_or(|b| l < b) => {
                    out.push_str(&rest[..l]);
                    let end = rest[l..].find('\n').map_or(rest.len(), |e| l + e);
                    rest = &rest[end..];
                }
                (_, Some(b)) => {
                    out.push_str(&rest[..b]);
                    rest = &rest[b + 2..];
                    in_block = true;
                }
                _ => {
                    out.push_str(rest);
                    rest = "";
                }
            }
        }
    }
    out
}

/// Strips a leading `name:` / `name :` label from a line.
fn strip_label(line: &str) -> &str {
    let ident_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '%'))
        .unwrap_or(line.len());
    if ident_len == 0 {
        return line;
    }
    let after = line[ident_len..].trim_start();
    match after.strip_prefix(':') {
        Some(rest) if !rest.starts_with(':') => rest.trim_start(),
        _ => line,
    }
}

/// Counts instructions line by line, independently of the parser. A line
/// that continues an unfinished statement (the previous line did not end in
/// ';', '{', '}' or a label's ':') is skipped. Otherwise the line is cut into
/// statements at ';'; scope braces and a leading `name:` label are dropped
/// from each; a statement is an instruction unless it starts with '.'
/// (a directive or declaration) or ')' (the end of a signature). This handles
/// `trap; exit;` and `{ .reg .b32 tmp; mov.b64 {tmp, %r2}, %rd1; }`.
fn count_instruction_lines(text: &str) -> usize {
    let mut count = 0;
    let mut continuing = false;
    for raw in strip_comments(text).lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if !continuing {
            let mut rest = line;
            loop {
                rest = rest.trim_start_matches(|c: char| c == '{' || c == '}' || c.is_whitespace());
                rest = strip_label(rest);
                if rest.is_empty() {
                    break;
                }
                let (stmt, after) = rest.split_once(';').unwrap_or((rest, ""));
                if !stmt.starts_with(['.', ')']) {
                    count += 1;
                }
                rest = after;
            }
        }
        continuing = !(line.ends_with(';')
            || line.ends_with('{')
            || line.ends_with('}')
            || line.ends_with(':'));
    }
    count
}

fn count_parsed_instructions(m: &ptx_emu::ptx::ast::Module) -> usize {
    m.functions
        .iter()
        .filter_map(|f| f.body.as_ref())
        .flatten()
        .filter(|s| matches!(s, Statement::Instr(_)))
        .count()
}

#[test]
fn every_ptx_snapshot_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let mut files = Vec::new();
    ptx_files(&root, &mut files);
    assert!(
        files.len() >= 100,
        "only {} .ptx files under {}",
        files.len(),
        root.display()
    );
    let mut failures = Vec::new();
    let mut total_instrs = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let text = text.replace("$SM", "sm_80").replace("$PTX_ISA", "8.0");
        match parse(&text) {
            Ok(m) => {
                let parsed = count_parsed_instructions(&m);
                let expected = count_instruction_lines(&text);
                if parsed != expected {
                    failures.push(format!(
                        "{}: parsed {parsed} instructions, the line count says {expected}",
                        path.display()
                    ));
                }
                if m.version != Some((8, 0)) || m.target != ["sm_80"] {
                    failures.push(format!("{}: wrong .version/.target", path.display()));
                }
                total_instrs += parsed;
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    eprintln!(
        "parsed {} PTX files, {total_instrs} instructions",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The independent count itself, on the shapes it must handle.
#[test]
fn instruction_line_count() {
    let text = "/* ret;\n */ .version 8.0 // ret;\n.global .b8 a[2] = {1,\n 2};\n\
        .visible .entry k(\n\t.param .u64 p\n)\n.maxntid 1, 1, 1\n{\n\t.reg .b32 %r<2>;\n\
        $L_brx_0: .branchtargets\n\t$L1,\n\t$L2;\n$L1:\n\t@%p1 bra $L1;\n$L2: ret;\n\
        { // callseq\n\tprototype_0 : .callprototype ()_ (.param .b64 _);\n\tcall %rd1, (param0), prototype_0;\n}\n\
        { .reg .b32 tmp; mov.b64 {tmp, %r2}, %rd1; }\n\ttrap; exit;\n}\n";
    assert_eq!(count_instruction_lines(text), 6);
    let m = parse(text).unwrap();
    assert_eq!(count_parsed_instructions(&m), 6);
}

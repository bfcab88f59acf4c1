//! The `sass` stage: the machine code ptxas wrote into the cubin, disassembled
//! by NVIDIA's `nvdisasm -c` and cleaned into a stable, readable text.
//!
//! The clean-up keeps what a reader judges code by (instructions with their
//! predicates and operands, branch labels, one header per function) and drops
//! what changes without the code changing:
//!
//! - instruction addresses (`/*0010*/`) and encodings (`/* 0x… */`, as printed
//!   with `-hex` or by `cuobjdump -sass`);
//! - the ELF header and section noise (`.target`, `.elftype`, `.section`,
//!   `.sectioninfo`, `.align`, `.global`, `.type`, `.size`, `.other`, the
//!   `//----- .text.k -----` rulers and the `k:`/`.text.k:` labels);
//! - the `NOP`s that pad each function to its alignment after its last
//!   instruction, and labels no instruction refers to (the end-of-function
//!   label that only `.size` uses);
//! - module-wide label numbers: `.L_x_17` becomes `.L0`, `.L1`, … in order of
//!   appearance inside each function, so adding a kernel does not renumber the
//!   branches of every other one.
//!
//! Functions keep nvdisasm's order (the cubin's section order, which ptxas
//! derives from the PTX). Each starts with `.entry name` or `.func name`;
//! device functions that ptxas copied into a kernel's section
//! (`$kernel$callee`) get their own `.func` header after the kernel.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use regex::Regex;

/// One function of a normalized SASS listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SassFunction {
    /// The function's symbol.
    pub name: String,
    /// `true` for kernels (`STO_CUDA_ENTRY`).
    pub entry: bool,
    /// The function whose code section holds this one: itself, or the kernel
    /// for the copies of device functions ptxas places in a kernel's section
    /// (named `$kernel$callee`).
    pub section: String,
    /// Instructions and labels, in order, already cleaned.
    pub lines: Vec<SassLine>,
}

/// A line of a function body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SassLine {
    /// A label definition, without the colon.
    Label(String),
    /// An instruction, with its predicate and operands, ending in `;`.
    Instruction(String),
}

impl SassFunction {
    /// The number of instructions, padding excluded.
    pub fn instruction_count(&self) -> u32 {
        self.lines
            .iter()
            .filter(|l| matches!(l, SassLine::Instruction(_)))
            .count() as u32
    }
}

/// The `nvdisasm` command line for a cubin: code sections only, without the
/// dataflow analysis. That analysis costs about a third of a call (a fixed
/// cost, like the rest of nvdisasm's start-up) and changes the listing only
/// at indirect branches (`BRX`, `JMX`), which it annotates with their targets
/// and whose targets it labels; a listing that has one is printed again with
/// [`nvdisasm_dataflow_command`] (see [`needs_dataflow`]), so the text is
/// always what plain `nvdisasm --print-code` prints.
pub fn nvdisasm_command(nvdisasm: &Path, cubin: &Path) -> Command {
    let mut cmd = Command::new(nvdisasm);
    cmd.arg("--print-code").arg("--no-dataflow").arg(cubin);
    cmd
}

/// The `nvdisasm` command line for a cubin with the dataflow analysis (code
/// sections only): for a cubin whose [`nvdisasm_command`] listing
/// [`needs_dataflow`].
pub fn nvdisasm_dataflow_command(nvdisasm: &Path, cubin: &Path) -> Command {
    let mut cmd = Command::new(nvdisasm);
    cmd.arg("--print-code").arg(cubin);
    cmd
}

/// What the cache keys of `sass` compiles add to the disassembler's path and
/// version: how the listing is printed. A change to the commands above
/// changes it, so no entry printed the old way is served.
pub const LISTING_MODE: &str = "print-code; no-dataflow, again with it at an indirect branch";

/// Whether a listing printed by [`nvdisasm_command`] (its `stdout` and
/// `stderr`) must be printed again with the dataflow analysis: it has an
/// indirect branch (`BRX`, `BRXU`, `JMX`, `JMXU`), whose targets only that
/// analysis finds, or nvdisasm warned (as it does about such a branch
/// without the analysis) — a warning is never trusted to be harmless.
pub fn needs_dataflow(stdout: &str, stderr: &str) -> bool {
    static INDIRECT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(?:BRXU?|JMXU?)\b").unwrap());
    !stderr.trim().is_empty() || INDIRECT.is_match(stdout)
}

/// A cubin's listing from a run of nvdisasm over many cubins (see
/// [`crate::cubin`]), as a [`ListingSource`] hands it out.
#[derive(Clone, Debug)]
pub struct BatchedListing {
    /// The cubin's part of the `--print-code` listing.
    pub text: String,
    /// Its share of the batch's wall time (the batch's time over its cubins),
    /// recorded as the compile's `nvdisasm` step.
    pub share: std::time::Duration,
}

/// Disassembles cubins in batches for the compiles of one thread (see
/// [`with_listing_source`]): the harness lets the compiles of a run that
/// ask for the `sass` stage wait for each other, so that one nvdisasm run
/// per target serves them all.
pub trait ListingSource: Send + Sync {
    /// The listing of the cubin at `cubin`, or `None` to disassemble it
    /// alone as usual (a cubin a batch can't take, a batch that failed).
    fn listing(&self, nvdisasm: &Path, cubin: &Path) -> Option<BatchedListing>;
}

thread_local! {
    static SOURCE: std::cell::RefCell<Option<std::sync::Arc<dyn ListingSource>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `source` serving the `sass` listings of the compiles this
/// thread runs (and restores the previous source after).
pub fn with_listing_source<R>(
    source: std::sync::Arc<dyn ListingSource>,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore(Option<std::sync::Arc<dyn ListingSource>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SOURCE.with(|s| *s.borrow_mut() = previous);
        }
    }
    let _restore = Restore(SOURCE.with(|s| s.borrow_mut().replace(source)));
    f()
}

/// The listing of `cubin` from this thread's [`ListingSource`], if it has
/// one and it takes the cubin.
pub fn batched_listing(nvdisasm: &Path, cubin: &Path) -> Option<BatchedListing> {
    let source = SOURCE.with(|s| s.borrow().clone())?;
    source.listing(nvdisasm, cubin)
}

/// Parses `nvdisasm -c` output (also tolerates `-hex` encodings) into functions.
pub fn parse_nvdisasm(raw: &str) -> Vec<SassFunction> {
    static RE: LazyLock<[Regex; 6]> = LazyLock::new(|| {
        [
            // `.section .text.name,"ax",@progbits` starts a function.
            r#"^\s*\.section\s+\.text\.([^,\s]+)"#,
            // `.type name,@function` declares a function (maybe a second one
            // in the same section).
            r#"^\s*\.type\s+([^,\s]+),@function"#,
            // `.other name,@"STO_CUDA_ENTRY STV_DEFAULT"` marks a kernel.
            r#"^\s*\.other\s+([^,\s]+),@"[^"]*STO_CUDA_ENTRY"#,
            // Addresses and encodings inside comments.
            r"/\*\s*(?:[0-9a-fA-F]{4,}|0x[0-9a-fA-F]+)\s*\*/",
            // A label definition on its own line.
            r"^\s*([.\w$]+):\s*$",
            // Module-wide branch labels.
            r"\.L_x_(\d+)",
        ]
        .map(|r| Regex::new(r).unwrap())
    });
    let [section, function_type, other, comment, label, branch_label] = &*RE;
    let mut functions: Vec<SassFunction> = Vec::new();
    for raw_line in raw.lines() {
        if let Some(c) = section.captures(raw_line) {
            functions.push(SassFunction {
                name: c[1].to_string(),
                section: c[1].to_string(),
                ..SassFunction::default()
            });
            continue;
        }
        if let Some(c) = function_type.captures(raw_line) {
            let Some(f) = functions.last() else {
                continue;
            };
            if c[1] != f.name {
                let section = f.section.clone();
                functions.push(SassFunction {
                    name: c[1].to_string(),
                    section,
                    ..SassFunction::default()
                });
            }
            continue;
        }
        let Some(f) = functions.last_mut() else {
            continue;
        };
        if let Some(c) = other.captures(raw_line) {
            if c[1] == f.name {
                f.entry = true;
            }
            continue;
        }
        let line = comment.replace_all(raw_line, "");
        let line = line.trim();
        if line.is_empty()
            || line.starts_with("//")
            || (line.starts_with('.') && !line.ends_with(':'))
        {
            continue;
        }
        if let Some(c) = label.captures(line) {
            let name = &c[1];
            // The function's own symbol and its section label are the header.
            if name == f.name || name == format!(".text.{}", f.section) {
                continue;
            }
            f.lines.push(SassLine::Label(name.to_string()));
            continue;
        }
        f.lines.push(SassLine::Instruction(collapse_spaces(line)));
    }
    for f in &mut functions {
        // Padding after the last real instruction.
        while let Some(pos) = f
            .lines
            .iter()
            .rposition(|l| matches!(l, SassLine::Instruction(_)))
        {
            match &f.lines[pos] {
                SassLine::Instruction(i) if is_nop(i) => {
                    f.lines.remove(pos);
                }
                _ => break,
            }
        }
        // Labels: keep the referenced ones, numbered per function.
        let mut numbers: HashMap<String, usize> = HashMap::new();
        for l in &f.lines {
            if let SassLine::Instruction(i) = l {
                for c in branch_label.captures_iter(i) {
                    let n = numbers.len();
                    numbers.entry(c[1].to_string()).or_insert(n);
                }
            }
        }
        let rename = |text: &str| {
            branch_label
                .replace_all(text, |c: &regex::Captures| match numbers.get(&c[1]) {
                    Some(n) => format!(".L{n}"),
                    None => c[0].to_string(),
                })
                .into_owned()
        };
        f.lines = f
            .lines
            .iter()
            .filter_map(|l| match l {
                SassLine::Label(name) => {
                    let n = name.strip_prefix(".L_x_")?;
                    numbers
                        .contains_key(n)
                        .then(|| SassLine::Label(rename(name)))
                }
                SassLine::Instruction(i) => Some(SassLine::Instruction(rename(i))),
            })
            .collect();
    }
    functions
}

fn is_nop(instruction: &str) -> bool {
    let op = instruction.trim_end_matches(';').trim();
    op == "NOP"
}

/// Runs of spaces and tabs become one space; `;` keeps one space before it.
fn collapse_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if let Some(body) = out.strip_suffix(';') {
        out = format!("{} ;", body.trim_end());
    }
    out
}

/// The text of the `sass` stage.
pub fn render_sass(functions: &[SassFunction]) -> String {
    let mut out = String::new();
    for (i, f) in functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(if f.entry { ".entry " } else { ".func " });
        out.push_str(&f.name);
        out.push('\n');
        for l in &f.lines {
            match l {
                SassLine::Label(name) => {
                    out.push_str(name);
                    out.push_str(":\n");
                }
                SassLine::Instruction(text) => {
                    out.push_str("        ");
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Instructions per function name. A kernel's count covers its whole code
/// section: its own body and the device functions ptxas copied into it, i.e.
/// all the code a launch of it can run.
pub fn instruction_counts(functions: &[SassFunction]) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for f in functions {
        *counts.entry(f.name.clone()).or_insert(0) += f.instruction_count();
        if f.section != f.name {
            *counts.entry(f.section.clone()).or_insert(0) += f.instruction_count();
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "\t.target\tsm_80

\t.elftype\t@\"ET_EXEC\"


//--------------------- .text.helper              --------------------------
\t.section\t.text.helper,\"ax\",@progbits
\t.sectioninfo\t@\"SHI_REGISTERS=8\"
\t.align\t128
        .type           helper,@function
        .size           helper,(.L_x_9 - helper)
helper:
.text.helper:
        /*0000*/                   IADD3 R4, R4, 0x1, RZ ;
        /*0010*/                   RET.REL.NODEC R20 `(k) ;
.L_x_9:


//--------------------- .text.k                   --------------------------
\t.section\t.text.k,\"ax\",@progbits
\t.sectioninfo\t@\"SHI_REGISTERS=16\"
\t.align\t128
        .global         k
        .type           k,@function
        .size           k,(.L_x_12 - k)
        .other          k,@\"STO_CUDA_ENTRY STV_DEFAULT\"
k:
.text.k:
        /*0000*/                   S2R R0, SR_TID.X ;  /* 0x0000000000007919 */
                                                       /* 0x000e220000002100 */
.L_x_10:
        /*0010*/                   ISETP.GT.U32.AND P0, PT, R0, 0x4, PT ;
        /*0020*/               @P0 BRA `(.L_x_10) ;
        /*0030*/                   EXIT ;
.L_x_11:
        /*0040*/                   BRA `(.L_x_11);
        .type           $k$helper,@function
        .size           $k$helper,(.L_x_12 - $k$helper)
$k$helper:
        /*0050*/                   IADD3 R4, R4, 0x1, RZ ;
        /*0060*/                   RET.REL.NODEC R20 `(k) ;
        /*0070*/                   NOP;
.L_x_12:
";

    #[test]
    fn strips_addresses_encodings_headers_and_padding() {
        let fs = parse_nvdisasm(RAW);
        let text = render_sass(&fs);
        assert_eq!(
            text,
            ".func helper
        IADD3 R4, R4, 0x1, RZ ;
        RET.REL.NODEC R20 `(k) ;

.entry k
        S2R R0, SR_TID.X ;
.L0:
        ISETP.GT.U32.AND P0, PT, R0, 0x4, PT ;
        @P0 BRA `(.L0) ;
        EXIT ;
.L1:
        BRA `(.L1) ;

.func $k$helper
        IADD3 R4, R4, 0x1, RZ ;
        RET.REL.NODEC R20 `(k) ;
"
        );
        let counts = instruction_counts(&fs);
        // The kernel's section: its 5 instructions and the 2 of its copy of helper.
        assert_eq!(counts["k"], 7);
        assert_eq!(counts["$k$helper"], 2);
        assert_eq!(counts["helper"], 2);
        assert!(fs[1].entry && !fs[0].entry && !fs[2].entry);
        assert_eq!(fs[2].section, "k");
    }

    #[test]
    fn labels_are_numbered_per_function_so_other_kernels_do_not_shift_them() {
        // The same kernel after another function took the first label numbers.
        let shifted = RAW
            .replace(".L_x_10", ".L_x_40")
            .replace(".L_x_11", ".L_x_41");
        let a = render_sass(&parse_nvdisasm(RAW));
        let b = render_sass(&parse_nvdisasm(&shifted));
        assert_eq!(a, b);
    }

    #[test]
    fn only_an_indirect_branch_or_a_warning_needs_the_dataflow_analysis() {
        // RAW has direct branches, calls and returns only.
        assert!(!needs_dataflow(RAW, ""));
        // As `--no-dataflow` prints a jump table's branch, and its warning.
        let brx = "        /*00c0*/                   BRX R2 -0xd0 ;\n";
        assert!(needs_dataflow(&format!("{RAW}{brx}"), ""));
        for op in ["BRXU UR4 -0x90", "JMX R2", "JMXU UR6", "@P0 BRX R4 -0x40"] {
            let line = format!("        /*0010*/                   {op} ;\n");
            assert!(needs_dataflow(&line, ""), "{op}");
        }
        let warning = "nvdisasm warning : Section '.text.sparse', pc= 0xc0, Indirect branch \
                       address must go via symbolic table base in constant memory";
        assert!(needs_dataflow(RAW, warning));
        // A name that merely contains the letters is no branch.
        assert!(!needs_dataflow(
            "        CALL.REL.NOINC `($k$BRXfoo) ;\n",
            ""
        ));
        // The first command skips the analysis, the second keeps it.
        let args = |c: Command| -> Vec<String> {
            c.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let (nv, cubin) = (Path::new("nvdisasm"), Path::new("k.cubin"));
        assert_eq!(
            args(nvdisasm_command(nv, cubin)),
            ["--print-code", "--no-dataflow", "k.cubin"]
        );
        assert_eq!(
            args(nvdisasm_dataflow_command(nv, cubin)),
            ["--print-code", "k.cubin"]
        );
    }

    #[test]
    fn nothing_before_the_first_section_is_kept() {
        assert!(parse_nvdisasm("\t.target\tsm_80\n\t.elftype\t@\"ET_EXEC\"\n").is_empty());
    }
}

//! Per-kernel resource metrics: parsed from `ptxas -v`, plus a count of PTX
//! instructions per function (and of SASS instructions, from the `sass`
//! stage), and their stable text form (the `ptxas` stage).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Resource use of one function as ptxas reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelMetrics {
    /// The function's symbol.
    pub name: String,
    /// `true` for `.entry` kernels, `false` for device functions.
    pub entry: bool,
    /// Registers per thread.
    pub registers: u32,
    /// Bytes of spill stores.
    pub spill_stores: u32,
    /// Bytes of spill loads.
    pub spill_loads: u32,
    /// Stack frame bytes.
    pub stack: u32,
    /// Static shared memory bytes.
    pub shared: u32,
    /// Constant bank 0 bytes (kernel parameters and driver constants).
    pub cmem0: u32,
    /// Barriers used.
    pub barriers: u32,
    /// PTX instructions in the function's body.
    pub ptx_instructions: u32,
    /// SASS instructions (alignment padding excluded); for a kernel, its whole
    /// code section: its body and the device functions ptxas copied into it.
    /// Only measured when the compile disassembled the cubin (the `sass` stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sass_instructions: Option<u32>,
}

/// Parses `ptxas -v` output (its stderr) into metrics per function.
pub fn parse_ptxas_verbose(log: &str) -> Vec<KernelMetrics> {
    static RE: LazyLock<[Regex; 7]> = LazyLock::new(|| {
        [
            r"Compiling entry function '([^']+)'",
            r"Function properties for (\S+)",
            r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads",
            r"Used (\d+) registers",
            r"used (\d+) barriers",
            r"(\d+) bytes smem",
            r"(\d+) bytes cmem\[0\]",
        ]
        .map(|r| Regex::new(r).unwrap())
    });
    let [compiling, props, frame, used, barriers, smem, cmem] = &*RE;
    let mut by_name: BTreeMap<String, KernelMetrics> = BTreeMap::new();
    let mut current: Option<String> = None;
    let num = |c: &regex::Captures, i: usize| c[i].parse::<u32>().unwrap_or(0);
    for line in log.lines() {
        if let Some(c) = compiling.captures(line) {
            let name = c[1].to_string();
            by_name.entry(name.clone()).or_default().entry = true;
            current = Some(name);
        } else if let Some(c) = props.captures(line) {
            current = Some(c[1].to_string());
            by_name.entry(c[1].to_string()).or_default();
        } else if let Some(name) = &current {
            let m = by_name.get_mut(name).expect("entry inserted above");
            if let Some(c) = frame.captures(line) {
                m.stack = num(&c, 1);
                m.spill_stores = num(&c, 2);
                m.spill_loads = num(&c, 3);
            }
            if let Some(c) = used.captures(line) {
                m.registers = num(&c, 1);
                if let Some(b) = barriers.captures(line) {
                    m.barriers = num(&b, 1);
                }
                if let Some(s) = smem.captures(line) {
                    m.shared = num(&s, 1);
                }
                if let Some(s) = cmem.captures(line) {
                    m.cmem0 = num(&s, 1);
                }
            }
        }
    }
    by_name
        .into_iter()
        .map(|(name, mut m)| {
            m.name = name;
            m
        })
        .collect()
}

/// Counts the PTX instructions in each function body: statements inside the
/// braces that are not directives (`.reg`, `.local`…), labels or comments.
pub fn count_ptx_instructions(ptx: &str) -> BTreeMap<String, u32> {
    let header =
        Regex::new(r"^\s*(?:\.visible\s+|\.weak\s+)?\.(entry|func)\s+(?:\([^)]*\)\s*)?([\w$]+)")
            .unwrap();
    let mut counts = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut depth = 0i32;
    for raw in ptx.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if depth == 0 {
            if let Some(c) = header.captures(line) {
                current = Some(c[2].to_string());
            }
        }
        for ch in line.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth > 0 {
            if let Some(name) = &current {
                let stmt = line.trim_start_matches('{').trim();
                let is_instr = !stmt.is_empty()
                    && !stmt.starts_with('.')
                    && !stmt.ends_with(':')
                    && !stmt.starts_with('}')
                    && !stmt.starts_with('(')
                    && !stmt.starts_with(')');
                if is_instr {
                    *counts.entry(name.clone()).or_insert(0) += 1;
                }
            }
        } else if line.contains('}') {
            current = None;
        }
    }
    counts
}

/// The deterministic text of the `ptxas` stage: one line per function, kernels first.
pub fn render_ptxas_stage(kernels: &[KernelMetrics]) -> String {
    let mut sorted: Vec<&KernelMetrics> = kernels.iter().collect();
    sorted.sort_by_key(|k| (!k.entry, k.name.clone()));
    let mut out = String::new();
    for k in sorted {
        out.push_str(&format!(
            "{} {}: registers={} stack={} spill-stores={} spill-loads={} smem={} cmem0={} barriers={} ptx-instructions={}\n",
            if k.entry { "entry" } else { "func" },
            k.name,
            k.registers,
            k.stack,
            k.spill_stores,
            k.spill_loads,
            k.shared,
            k.cmem0,
            k.barriers,
            k.ptx_instructions
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'saxpy' for 'sm_80'
ptxas info    : Function properties for saxpy
    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 29 registers, used 1 barriers, 128 bytes smem, 376 bytes cmem[0]
ptxas info    : Compile time = 8.739 ms
ptxas info    : Function properties for _RNvNtCs3qCAgFoAmQb_4core6option13unwrap_failed
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
";

    #[test]
    fn parses_ptxas_verbose() {
        let m = parse_ptxas_verbose(LOG);
        assert_eq!(m.len(), 2);
        let s = m.iter().find(|k| k.name == "saxpy").unwrap();
        assert!(s.entry);
        assert_eq!(
            (
                s.registers,
                s.stack,
                s.spill_stores,
                s.spill_loads,
                s.shared,
                s.cmem0,
                s.barriers
            ),
            (29, 8, 4, 12, 128, 376, 1)
        );
        let f = m.iter().find(|k| k.name.contains("unwrap_failed")).unwrap();
        assert!(!f.entry);
        assert_eq!(f.registers, 0);
    }

    #[test]
    fn counts_instructions_per_function() {
        let ptx = "
.func _Z3foo
()
.noreturn;
.visible .entry k(
\t.param .u64 k_param_0
)
{
\t.reg .b32 \t%r<3>;
\tld.param.u64 \t%rd1, [k_param_0];  // comment
$L__BB0_1:
\tadd.s32 \t%r1, %r1, 1;
\tret;
}
.func _Z3foo()
{
\ttrap;
}
";
        let c = count_ptx_instructions(ptx);
        assert_eq!(c.get("k"), Some(&3));
        assert_eq!(c.get("_Z3foo"), Some(&1));
    }

    #[test]
    fn stage_text_is_stable_and_lists_kernels_first() {
        let mut m = parse_ptxas_verbose(LOG);
        m.reverse();
        let text = render_ptxas_stage(&m);
        assert!(
            text.starts_with("entry saxpy: registers=29 stack=8"),
            "{text}"
        );
        assert!(!text.contains("Compile time"));
    }
}

//! Prints a program as one single-source run-gpu test: the program's module
//! (compiled for the device and for the host), the kernel, and a host `main`
//! that computes the trace on the host, runs the kernel, and compares the
//! two traces value by value.

use std::fmt::Write;

use crate::ast::{print_block, Program};
use crate::gen::{Level, StepKind, BLOCK};
use crate::{TRACE_DIFFERS, TRACE_MATCHES};

/// Trace entries each thread may write (more are counted, not stored).
pub const TRACE_CAP: usize = 2048;

/// Everything of the module `prog` that doesn't depend on the seed: the
/// trace, and the helpers generated code calls.
const PRELUDE: &str = r#"
    /// A thread's trace: entries of three words (site << 8 | type tag, low
    /// and high 64 bits of the value), counted past the capacity.
    pub struct Trace {
        buf: *mut u64,
        cap: usize,
        pub len: usize,
    }

    impl Trace {
        pub fn new(buf: *mut u64, cap: usize) -> Trace {
            Trace { buf, cap, len: 0 }
        }

        #[inline(always)]
        pub fn dump<T: Dump>(&mut self, site: u32, v: T) {
            let (tag, bits) = v.bits();
            self.push(site, tag, bits);
        }

        #[inline(never)]
        fn push(&mut self, site: u32, tag: u8, bits: u128) {
            if self.len < self.cap {
                unsafe {
                    let p = self.buf.add(self.len * 3);
                    p.write(((site as u64) << 8) | tag as u64);
                    p.add(1).write(bits as u64);
                    p.add(2).write((bits >> 64) as u64);
                }
            }
            self.len += 1;
        }
    }

    /// A value's type tag and bits (integers zero-extended from their width).
    pub trait Dump {
        fn bits(self) -> (u8, u128);
    }

    macro_rules! dump_int {
        ($($t:ty => $u:ty, $tag:expr;)*) => {$(
            impl Dump for $t {
                fn bits(self) -> (u8, u128) { ($tag, self as $u as u128) }
            }
        )*};
    }
    dump_int! {
        i8 => u8, 0; i16 => u16, 1; i32 => u32, 2; i64 => u64, 3; i128 => u128, 4; isize => usize, 5;
        u8 => u8, 6; u16 => u16, 7; u32 => u32, 8; u64 => u64, 9; u128 => u128, 10; usize => usize, 11;
    }
    impl Dump for f32 {
        fn bits(self) -> (u8, u128) { (12, self.to_bits() as u128) }
    }
    impl Dump for f64 {
        fn bits(self) -> (u8, u128) { (13, self.to_bits() as u128) }
    }
    impl Dump for bool {
        fn bits(self) -> (u8, u128) { (14, self as u128) }
    }
    impl Dump for char {
        fn bits(self) -> (u8, u128) { (15, self as u32 as u128) }
    }

    /// A float's bits with every NaN made one NaN: Rust leaves a NaN's sign
    /// and payload unspecified, so only canonical bits are observed.
    #[inline(never)]
    pub fn bits32(x: f32) -> u32 {
        if x.is_nan() { 0x7fc0_0000 } else { x.to_bits() }
    }

    #[inline(never)]
    pub fn bits64(x: f64) -> u64 {
        if x.is_nan() { 0x7ff8_0000_0000_0000 } else { x.to_bits() }
    }

    #[inline(never)]
    pub fn larger<T: PartialOrd + Copy>(a: T, b: T) -> T {
        if a > b { a } else { b }
    }

    pub trait Shape {
        fn eval(&self, x: u64) -> u64;
    }

    #[inline(never)]
    pub fn pick_shape<'a>(a: &'a dyn Shape, b: &'a dyn Shape, first: bool) -> &'a dyn Shape {
        if first { a } else { b }
    }
"#;

/// The host's comparison of traces, and the names of the type tags.
const HOST_CHECK: &str = r#"
const TYPE_NAMES: [&str; 16] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    "f32", "f64", "bool", "char",
];

/// The value with every NaN of its type made one NaN.
fn canonical(tag: u64, bits: u128) -> u128 {
    match tag {
        12 if f32::from_bits(bits as u32).is_nan() => 0x7fc0_0000,
        13 if f64::from_bits(bits as u64).is_nan() => 0x7ff8_0000_0000_0000,
        _ => bits,
    }
}

/// Compares one thread's traces; `None` when they are equal.
fn first_difference(thread: usize, want: &[u64], got: &[u64]) -> Option<String> {
    let (n_want, n_got) = (want[0] as usize, got[0] as usize);
    let stored = n_want.min(n_got).min(TRACE_CAP);
    for k in 0..stored {
        let (w, g) = (&want[1 + 3 * k..4 + 3 * k], &got[1 + 3 * k..4 + 3 * k]);
        let (tag, site) = (w[0] & 0xff, w[0] >> 8);
        let wb = w[1] as u128 | (w[2] as u128) << 64;
        let gb = g[1] as u128 | (g[2] as u128) << 64;
        if w[0] != g[0] {
            return Some(format!(
                "thread {thread} value #{k}: the host traced site {site} ({}), the device site {} ({})",
                TYPE_NAMES[tag as usize % 16],
                g[0] >> 8,
                TYPE_NAMES[(g[0] & 0xff) as usize % 16]
            ));
        }
        if canonical(tag, wb) != canonical(tag, gb) {
            return Some(format!(
                "thread {thread} value #{k} (site {site}, {}): host {wb:#x}, device {gb:#x}",
                TYPE_NAMES[tag as usize % 16]
            ));
        }
    }
    if n_want != n_got {
        return Some(format!(
            "thread {thread}: the host traced {n_want} values, the device {n_got}"
        ));
    }
    None
}

fn report(seed: u64, want: &[u64], got: &[u64]) {
    let per_thread = 1 + 3 * TRACE_CAP;
    for (thread, (w, g)) in want.chunks(per_thread).zip(got.chunks(per_thread)).enumerate() {
        if let Some(diff) = first_difference(thread, w, g) {
            println!("__DIFFERS__");
            eprintln!("trace mismatch: seed {seed}, {diff}");
            return;
        }
    }
    println!("__MATCHES__");
}
"#;

/// The whole test file for `p`, as the lane runs it.
pub fn render(p: &Program) -> String {
    render_with_head(p, &default_head(p))
}

/// The doc comment and directives the lane gives a generated test: both
/// opt levels (constant folding hides most of a program at the default
/// level; at 0 the device computes), one expected line per program.
pub fn default_head(p: &Program) -> String {
    batch_head(std::slice::from_ref(p))
}

/// [`default_head`] of a batch of programs in one test.
pub fn batch_head(ps: &[Program]) -> String {
    let seeds: Vec<String> = ps.iter().map(|p| p.seed.to_string()).collect();
    let mut head = format!(
        "//! Differential lane, level {}, seed {}: generated by `ptx-harness fuzz`.\n\
         //! Each module `prog…` is compiled for the device and for the host; the\n\
         //! device's trace of intermediate values must equal the host's bit for\n\
         //! bit (NaNs canonicalized).\n\
         //@ revisions: o0 opt\n\
         //@[o0] compile-flags: -Copt-level=0\n\
         //@ host-compile-flags: -Copt-level=0\n\
         //@ run-pass\n",
        ps.first().map_or(1, |p| p.level.number()),
        seeds.join(", ")
    );
    for _ in ps {
        let _ = writeln!(head, "//@ stdout: {TRACE_MATCHES}");
    }
    head
}

/// The test file for `p` under `head` (its doc comment and directives).
pub fn render_with_head(p: &Program, head: &str) -> String {
    render_batch(std::slice::from_ref(p), head)
}

/// One test file running every program of `ps` (all of one level), each
/// with its own module and kernel, printing one line per program in order.
pub fn render_batch(ps: &[Program], head: &str) -> String {
    let mut out = String::from(head);
    out.push_str(
        "#![cfg_attr(gpu_device, no_std)]\n#![feature(core_float_math)]\n#![allow(warnings)]\n\n",
    );
    out.push_str(&runtime_module());
    let single = ps.len() == 1;
    for p in ps {
        out.push('\n');
        out.push_str(&named_module(p, &module_name(p, single)));
    }
    out.push('\n');
    out.push_str("#[cfg(gpu_device)]\npub mod device {\n");
    for p in ps {
        out.push_str(&kernel(p, single));
    }
    out.push_str("}\n\n");
    out.push_str(&host_main(ps, single));
    out
}

fn module_name(p: &Program, single: bool) -> String {
    if single {
        "prog".into()
    } else {
        format!("prog_s{}", p.seed)
    }
}

fn kernel_name(p: &Program, single: bool) -> String {
    if single {
        "fuzz".into()
    } else {
        format!("fuzz_s{}", p.seed)
    }
}

/// `pub mod rt { … }`: the trace and the helpers every program uses.
pub fn runtime_module() -> String {
    format!("pub mod rt {{{PRELUDE}}}\n")
}

/// Lines of `p`'s module beyond what every program's module has: the size
/// of what the generator made (and the reducer left).
pub fn generated_lines(p: &Program) -> usize {
    let empty = Program {
        types: Vec::new(),
        functions: Vec::new(),
        body: Vec::new(),
        steps: Vec::new(),
        thread_value: None,
        ..p.clone()
    };
    let full = program_module(p).lines().count();
    full.saturating_sub(program_module(&empty).lines().count())
}

/// `pub mod prog { … }`: the types, the functions and the entry of `p`.
pub fn program_module(p: &Program) -> String {
    named_module(p, "prog")
}

fn named_module(p: &Program, name: &str) -> String {
    let mut out = format!("pub mod {name} {{\n    use super::rt::*;\n");
    for t in &p.types {
        out.push('\n');
        for line in t.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    for f in &p.functions {
        out.push('\n');
        if let Some(text) = &f.fixed {
            for line in text.lines() {
                let _ = writeln!(out, "    {line}");
            }
            continue;
        }
        let params: Vec<String> = f
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {}", t.name()))
            .collect();
        let _ = writeln!(
            out,
            "    #[inline(never)]\n    pub fn {}(t: &mut Trace, {}) -> {} {{",
            f.name,
            params.join(", "),
            f.ret.name()
        );
        print_block(&mut out, &f.body, 2);
        let _ = writeln!(out, "        {}\n    }}", f.result.print());
    }
    out.push('\n');
    match p.level {
        Level::One => {
            out.push_str("    pub fn run(inp: &[u64; 16], t: &mut Trace) {\n");
            print_block(&mut out, &p.body, 2);
            out.push_str("    }\n");
        }
        Level::Two => {
            out.push_str(
                "    pub fn thread_value(tid: u32, inp: &[u64; 16], t: &mut Trace) -> u32 {\n",
            );
            print_block(&mut out, &p.body, 2);
            let tv = p
                .thread_value
                .as_ref()
                .map(|e| e.print())
                .unwrap_or("tid".into());
            let _ = writeln!(out, "        {tv}\n    }}");
        }
    }
    out.push_str("}\n");
    out
}

fn kernel(p: &Program, single: bool) -> String {
    let m = module_name(p, single);
    let mut out = String::from("    gpu::kernel! {\n");
    let _ = writeln!(
        out,
        "        pub unsafe fn {}(inp: *const u64, out: *mut u64, cap: u32) {{\n\
         \x20           let inp = &*(inp as *const [u64; 16]);",
        kernel_name(p, single)
    );
    match p.level {
        Level::One => {
            let _ = writeln!(
                out,
                "            let mut t = super::rt::Trace::new(out.add(1), cap as usize);\n\
                 \x20           super::{m}::run(inp, &mut t);\n\
                 \x20           *out = t.len as u64;"
            );
        }
        Level::Two => {
            let _ = writeln!(
                out,
                "            let tid = gpu::thread_idx_x();\n\
                 \x20           let base = out.add(tid as usize * (1 + 3 * cap as usize));\n\
                 \x20           let mut t = super::rt::Trace::new(base.add(1), cap as usize);\n\
                 \x20           let mut v: u32 = super::{m}::thread_value(tid, inp, &mut t);\n\
                 \x20           let sh = gpu::static_shared!(SHARED_S{seed}: [u32; {BLOCK}]);\n\
                 \x20           let word = gpu::static_shared!(WORD_S{seed}: [u32; 1]);\n\
                 \x20           let lane = tid % 32;",
                seed = p.seed
            );
            for s in &p.steps {
                out.push_str(&device_step(s.kind, &s.combine));
            }
            out.push_str("            *base = t.len as u64;\n");
        }
    }
    out.push_str("        }\n    }\n");
    out
}

fn device_step(kind: StepKind, combine: &str) -> String {
    let atomic = |op: &str| {
        format!(
            "            {{\n\
             \x20               if tid == 0 {{ *word = 0; }}\n\
             \x20               gpu::sync_threads();\n\
             \x20               core::sync::atomic::AtomicU32::from_ptr(word).{op}(v, core::sync::atomic::Ordering::Relaxed);\n\
             \x20               gpu::sync_threads();\n\
             \x20               let o = core::ptr::read_volatile(word);\n\
             \x20               gpu::sync_threads();\n\
             \x20               v = {combine};\n\
             \x20           }}\n"
        )
    };
    let exchange = |get: String| {
        format!("            {{\n                let o: u32 = {get};\n                v = {combine};\n            }}\n")
    };
    match kind {
        StepKind::SharedRotate(k) => format!(
            "            {{\n\
             \x20               *sh.add(tid as usize) = v;\n\
             \x20               gpu::sync_threads();\n\
             \x20               let o = *sh.add(((tid + {k}) % {BLOCK}) as usize);\n\
             \x20               gpu::sync_threads();\n\
             \x20               v = {combine};\n\
             \x20           }}\n"
        ),
        StepKind::ShuffleXor(k) => {
            exchange(format!("gpu::shfl_sync_bfly_i32(0xffff_ffff, v as i32, {k}, 31) as u32"))
        }
        StepKind::ShuffleIdx(k) => {
            exchange(format!("gpu::shfl_sync_idx_i32(0xffff_ffff, v as i32, {k}, 31) as u32"))
        }
        StepKind::Ballot(k) => exchange(format!("gpu::vote_sync_ballot(0xffff_ffff, (v >> {k}) & 1 != 0)")),
        StepKind::VoteAny(k) => {
            exchange(format!("gpu::vote_sync_any(0xffff_ffff, (v >> {k}) & 1 != 0) as u32"))
        }
        StepKind::AtomicAdd => atomic("fetch_add"),
        StepKind::AtomicXor => atomic("fetch_xor"),
        StepKind::AtomicMax => atomic("fetch_max"),
        StepKind::Diverge(k) => format!(
            "            if (tid >> {k}) & 1 == 1 {{\n                let o = tid;\n                v = {combine};\n            }} else {{\n                v = v.rotate_left(3);\n            }}\n"
        ),
        StepKind::Dump(site) => format!("            t.dump({site}, v);\n"),
    }
}

/// The host twin of a step: every thread's value updated at once from the
/// values before the step (`old`), as the barriers and warp operations make
/// the device do.
fn host_step(kind: StepKind, combine: &str) -> String {
    let each = |o: &str| {
        format!(
            "    {{\n        let old = vs;\n        for tid in 0..{BLOCK} {{\n            let lane = tid % 32;\n            let warp = tid - lane;\n            let _ = (lane, warp);\n            let v = old[tid as usize];\n            let o: u32 = {o};\n            vs[tid as usize] = {combine};\n        }}\n    }}\n"
        )
    };
    let whole = |fold: &str| {
        format!(
            "    {{\n        let o: u32 = vs.iter().fold(0u32, |a, &x| {fold});\n        for v in vs.iter_mut() {{\n            let v0 = *v;\n            *v = {{ let v = v0; {combine} }};\n        }}\n    }}\n"
        )
    };
    let warp_vote = |k: u32, any: bool| {
        let value = if any {
            "(ballot != 0) as u32"
        } else {
            "ballot"
        };
        each(&format!(
            "{{ let mut ballot = 0u32; for l in 0..32 {{ if (old[(warp + l) as usize] >> {k}) & 1 != 0 {{ ballot |= 1 << l; }} }} {value} }}"
        ))
    };
    match kind {
        StepKind::SharedRotate(k) => each(&format!("old[((tid + {k}) % {BLOCK}) as usize]")),
        StepKind::ShuffleXor(k) => each(&format!("old[(warp + (lane ^ {k})) as usize]")),
        StepKind::ShuffleIdx(k) => each(&format!("old[(warp + {k}) as usize]")),
        StepKind::Ballot(k) => warp_vote(k, false),
        StepKind::VoteAny(k) => warp_vote(k, true),
        StepKind::AtomicAdd => whole("a.wrapping_add(x)"),
        StepKind::AtomicXor => whole("a ^ x"),
        StepKind::AtomicMax => whole("a.max(x)"),
        StepKind::Diverge(k) => format!(
            "    for tid in 0..{BLOCK}u32 {{\n        let v = vs[tid as usize];\n        vs[tid as usize] = if (tid >> {k}) & 1 == 1 {{ let o = tid; {combine} }} else {{ v.rotate_left(3) }};\n    }}\n"
        ),
        StepKind::Dump(site) => format!(
            "    for tid in 0..{BLOCK} {{\n        traces[tid].dump({site}, vs[tid]);\n    }}\n"
        ),
    }
}

fn host_main(ps: &[Program], single: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#[cfg(not(gpu_device))]\nconst TRACE_CAP: usize = {TRACE_CAP};"
    );
    out.push_str("#[cfg(not(gpu_device))]\nmod check {\n    use super::TRACE_CAP;\n");
    let check = HOST_CHECK
        .replace("__MATCHES__", TRACE_MATCHES)
        .replace("__DIFFERS__", TRACE_DIFFERS);
    for line in check.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push_str(
        "    pub fn compare(seed: u64, want: &[u64], got: &[u64]) { report(seed, want, got) }\n}\n\n",
    );
    out.push_str("#[cfg(not(gpu_device))]\nfn main() {\n    use host_runtime::prelude::*;\n");
    out.push_str(
        "    host_runtime::run(|gpu| {\n        let module = gpu.load_module_from_env()?;\n",
    );
    for p in ps {
        out.push_str(&host_program(p, single));
    }
    out.push_str("        Ok(())\n    });\n}\n");
    out
}

/// The host's part for one program: the oracle's trace, the launch, the
/// comparison (one line on stdout).
fn host_program(p: &Program, single: bool) -> String {
    let m = module_name(p, single);
    let mut out = String::new();
    let inputs: Vec<String> = p.inputs.iter().map(|x| format!("{x:#x}")).collect();
    let threads = match p.level {
        Level::One => 1,
        Level::Two => BLOCK as usize,
    };
    let _ = writeln!(
        out,
        "        {{\n\
         \x20       // seed {seed}\n\
         \x20       let inp: [u64; 16] = [{}];\n\
         \x20       let per_thread = 1 + 3 * TRACE_CAP;\n\
         \x20       let mut want = vec![0u64; {threads} * per_thread];",
        inputs.join(", "),
        seed = p.seed
    );
    match p.level {
        Level::One => {
            let _ = writeln!(
                out,
                "        // The oracle: the same module, compiled for the host.\n\
                 \x20       let mut t = rt::Trace::new(want[1..].as_mut_ptr(), TRACE_CAP);\n\
                 \x20       {m}::run(&inp, &mut t);\n\
                 \x20       want[0] = t.len as u64;"
            );
        }
        Level::Two => {
            let _ = writeln!(
                out,
                "        // The oracle: every thread's value on the host, then each step\n\
                 \x20       // for the whole block at once, phase by phase.\n\
                 \x20       let base = want.as_mut_ptr();\n\
                 \x20       let mut traces: Vec<rt::Trace> = (0..{BLOCK})\n\
                 \x20           .map(|tid| rt::Trace::new(unsafe {{ base.add(tid * per_thread + 1) }}, TRACE_CAP))\n\
                 \x20           .collect();\n\
                 \x20       let mut vs = [0u32; {BLOCK}];\n\
                 \x20       for tid in 0..{BLOCK} {{\n\
                 \x20           vs[tid] = {m}::thread_value(tid as u32, &inp, &mut traces[tid]);\n\
                 \x20       }}"
            );
            for s in &p.steps {
                out.push_str(&host_step(s.kind, &s.combine));
            }
            let _ = writeln!(
                out,
                "        for tid in 0..{BLOCK} {{\n            unsafe {{ *base.add(tid * per_thread) = traces[tid].len as u64 }};\n        }}"
            );
        }
    }
    let launch = match p.level {
        Level::One => "LaunchConfig::single_thread()".to_string(),
        Level::Two => format!("LaunchConfig::single_block({BLOCK}u32)"),
    };
    let _ = writeln!(
        out,
        "        let d_inp = gpu.upload(&inp)?;\n\
         \x20       let d_out = gpu.zeros::<u64>(want.len())?;\n\
         \x20       module\n\
         \x20           .kernel(\"{}\")?\n\
         \x20           .launch({launch}, &[&d_inp, &d_out, &(TRACE_CAP as u32)])?;\n\
         \x20       check::compare({}, &want, &d_out.to_vec()?);\n\
         \x20       }}",
        kernel_name(p, single),
        p.seed
    );
    out
}

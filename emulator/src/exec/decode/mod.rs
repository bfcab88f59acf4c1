//! [`ast::Module`] → [`Program`]: resolves registers, labels, symbols and
//! opcodes. An opcode the emulator does not implement becomes
//! [`Op::Unsupported`], which fails any launch that can reach it.

use std::collections::HashMap;

use super::memory::CODE_BASE;
use super::ops::{Cmp, IntOp, IntUnary, PrmtMode, Rnd};
use super::program::*;
use super::types::Ty;
use crate::ptx::ast::{self, AddressBase, Imm, Operand, Space, Statement};

mod mbarrier;
mod operands;

use mbarrier::decode_mbarrier;

/// Where module-scope symbols live once the module is loaded.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    /// `.global`/`.const` variables: absolute addresses.
    pub globals: HashMap<String, u64>,
    /// `.shared` variables: offsets in the block's shared memory.
    pub shared: HashMap<String, u64>,
    /// Functions: index in the program.
    pub functions: HashMap<String, u32>,
    /// `.shared` variables declared inside function bodies: (function, variable) → offset.
    pub fn_shared: HashMap<(String, String), u64>,
}

/// Size and alignment of a declared variable.
pub fn var_layout(v: &ast::Variable) -> Result<(u64, u64), String> {
    let ty = Ty::parse(&v.ty).ok_or_else(|| format!("unknown type .{}", v.ty))?;
    let elem = ty.size() as u64 * v.vector.unwrap_or(1) as u64;
    let mut count = 1u64;
    for d in &v.dims {
        count = count.saturating_mul(d.unwrap_or(0));
    }
    let align = v.align.map(|a| a as u64).unwrap_or(elem).max(1);
    Ok((elem.saturating_mul(count), align))
}

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a.max(1)) * a.max(1)
}

/// The param slots of a parameter list, laid out from `start`.
fn layout_params(vars: &[ast::Variable], start: &mut u64) -> Result<Vec<Slot>, String> {
    let mut slots = Vec::new();
    for v in vars {
        let (size, align) = var_layout(v)?;
        let off = align_up(*start, align);
        slots.push(Slot {
            offset: off as u32,
            size: size as u32,
            align: align as u32,
        });
        *start = off + size;
    }
    Ok(slots)
}

struct Ctx<'a> {
    syms: &'a Symbols,
    regs: HashMap<String, u32>,
    labels: HashMap<String, u32>,
    branch_tables: HashMap<String, Vec<String>>,
    /// Innermost scope last: param-space names of this frame.
    params: Vec<HashMap<String, Slot>>,
    locals: HashMap<String, u32>,
    /// `.shared` variables of this function body.
    shared: HashMap<String, u64>,
    callees: Vec<u32>,
    calls_indirect: bool,
    /// Functions named as values (see [`Func::address_taken`]); a cell, as
    /// operands are decoded through `&self`.
    address_taken: std::cell::RefCell<Vec<u32>>,
}

/// Decodes one function (the caller has laid out module symbols).
pub fn decode_function(f: &ast::Function, syms: &Symbols) -> Result<Func, ast::ParseError> {
    let err = |line: u32, message: String| ast::ParseError { line, message };
    let mut next = 0u64;
    let params = layout_params(&f.params, &mut next).map_err(|m| err(f.line, m))?;
    let returns = layout_params(&f.returns, &mut next).map_err(|m| err(f.line, m))?;
    let mut top = HashMap::new();
    for (v, s) in f
        .params
        .iter()
        .zip(&params)
        .chain(f.returns.iter().zip(&returns))
    {
        top.insert(v.name.clone(), *s);
    }
    let dims = |name: &str| -> Option<[u32; 3]> {
        f.directives.iter().find(|(n, _)| n == name).map(|(_, v)| {
            let g = |i: usize| v.get(i).copied().unwrap_or(1) as u32;
            [g(0), g(1), g(2)]
        })
    };
    let mut func = Func {
        name: f.name.clone(),
        is_entry: f.kind == ast::FunctionKind::Entry,
        line: f.line,
        params,
        returns,
        param_size: 0,
        local_size: 0,
        nregs: 0,
        code: Vec::new(),
        builtin: None,
        has_body: f.body.is_some(),
        unsupported: Vec::new(),
        callees: Vec::new(),
        calls_indirect: false,
        address_taken: Vec::new(),
        cross_block: None,
        static_shared: 0,
        reqntid: dims("reqntid"),
        maxntid: dims("maxntid"),
        reqnctapercluster: dims("reqnctapercluster"),
    };
    let Some(body) = &f.body else {
        func.builtin = match f.name.as_str() {
            "vprintf" => Some(Builtin::Vprintf),
            "malloc" => Some(Builtin::Malloc),
            "free" => Some(Builtin::Free),
            "__assertfail" => Some(Builtin::AssertFail),
            _ => None,
        };
        func.param_size = next as u32;
        return Ok(func);
    };
    let mut ctx = Ctx {
        syms,
        regs: HashMap::new(),
        labels: HashMap::new(),
        branch_tables: HashMap::new(),
        params: vec![top],
        locals: HashMap::new(),
        shared: syms
            .fn_shared
            .iter()
            .filter(|((f2, _), _)| *f2 == f.name)
            .map(|((_, v), off)| (v.clone(), *off))
            .collect(),
        callees: Vec::new(),
        calls_indirect: false,
        address_taken: Default::default(),
    };
    // Pass 1: registers, locals, labels, branch tables.
    let mut nregs = 0u32;
    let mut local = 0u64;
    let mut index = 0u32;
    for s in body {
        match s {
            Statement::Reg { name, count, .. } => match count {
                Some(n) => {
                    for i in 0..*n {
                        ctx.regs.insert(format!("{name}{i}"), nregs);
                        nregs += 1;
                    }
                }
                None => {
                    ctx.regs.insert(name.clone(), nregs);
                    nregs += 1;
                }
            },
            Statement::Var(v) if v.space == Space::Local => {
                let (size, align) = var_layout(v).map_err(|m| err(v.line, m))?;
                local = align_up(local, align);
                ctx.locals.insert(v.name.clone(), local as u32);
                local += size;
            }
            Statement::Label { name, .. } => {
                ctx.labels.insert(name.clone(), index);
            }
            Statement::BranchTargets { name, targets, .. } => {
                ctx.branch_tables.insert(name.clone(), targets.clone());
            }
            Statement::Instr(_) => index += 1,
            _ => {}
        }
    }
    func.nregs = nregs;
    func.local_size = align_up(local, 16) as u32;
    // Pass 2: instructions, with param scopes.
    for s in body {
        match s {
            Statement::BlockStart { .. } => ctx.params.push(HashMap::new()),
            Statement::BlockEnd { line } => {
                if ctx.params.len() <= 1 {
                    return Err(err(*line, "unbalanced '}'".into()));
                }
                ctx.params.pop();
            }
            Statement::Var(v) if v.space == Space::Param => {
                let (size, align) = var_layout(v).map_err(|m| err(v.line, m))?;
                let off = align_up(next, align);
                next = off + size;
                ctx.params.last_mut().unwrap().insert(
                    v.name.clone(),
                    Slot {
                        offset: off as u32,
                        size: size as u32,
                        align: align as u32,
                    },
                );
            }
            Statement::Var(v) if v.space == Space::Local => {}
            Statement::Var(v) if v.space == Space::Shared && ctx.shared.contains_key(&v.name) => {}
            Statement::Var(v) => {
                return Err(err(
                    v.line,
                    format!(
                        "a {:?} variable inside a function body is not supported",
                        v.space
                    ),
                ))
            }
            Statement::Instr(i) => {
                let guard = match &i.guard {
                    Some(g) => Some((ctx.reg(&g.reg).map_err(|m| err(i.line, m))?, g.negated)),
                    None => None,
                };
                let op = match decode_instr(&mut ctx, i) {
                    Ok(op) if !super::ops::float::implemented(&op) => {
                        let text =
                            format!("{} (this combination of types and modifiers)", i.opcode);
                        func.unsupported.push((text.clone(), i.line));
                        Op::Unsupported(text)
                    }
                    Ok(op) => op,
                    Err(Decode::Unsupported(text)) => {
                        func.unsupported.push((text.clone(), i.line));
                        Op::Unsupported(text)
                    }
                    Err(Decode::Bad(m)) => return Err(err(i.line, format!("{}: {m}", i.opcode))),
                };
                if func.cross_block.is_none() && crosses_blocks(&i.opcode, &op) {
                    func.cross_block = Some(i.line);
                }
                func.code.push(Inst {
                    op,
                    guard,
                    line: i.line,
                });
            }
            _ => {}
        }
    }
    func.param_size = align_up(next, 16) as u32;
    func.callees = ctx.callees;
    func.calls_indirect = ctx.calls_indirect;
    func.address_taken = ctx.address_taken.into_inner();
    Ok(func)
}

/// Whether blocks of a launch could communicate through this instruction
/// (see [`Func::cross_block`]). Plain loads and stores of global memory
/// from different blocks without such an instruction are a data race, whose
/// outcome the PTX memory model leaves undefined.
fn crosses_blocks(opcode: &str, op: &Op) -> bool {
    let mut parts = opcode.split('.');
    let base = parts.next().unwrap_or("");
    let has = |m: &str| opcode.split('.').any(|p| p == m);
    match op {
        Op::Atom { space, .. } => *space != MemSpace::Shared,
        Op::Ld { space, .. } | Op::St { space, .. } => {
            *space != MemSpace::Shared
                && ["volatile", "relaxed", "acquire", "release", "mmio"]
                    .iter()
                    .any(|m| has(m))
        }
        _ => matches!(base, "fence" | "membar") && !has("cta"),
    }
}

enum Decode {
    /// Well-formed, but not implemented: fails the launch.
    Unsupported(String),
    /// Malformed: fails the module load.
    Bad(String),
}

type R<T> = Result<T, Decode>;

fn bad<T>(m: impl Into<String>) -> R<T> {
    Err(Decode::Bad(m.into()))
}

/// The parts of a dotted opcode after the base name.
struct Mods<'a> {
    parts: Vec<&'a str>,
}

impl<'a> Mods<'a> {
    fn has(&self, m: &str) -> bool {
        self.parts.contains(&m)
    }
    /// All type parts, in order.
    fn types(&self) -> Vec<Ty> {
        self.parts.iter().filter_map(|p| Ty::parse(p)).collect()
    }
    fn ty(&self) -> R<Ty> {
        self.types()
            .last()
            .copied()
            .ok_or_else(|| Decode::Bad("the opcode has no type".into()))
    }
    fn rnd(&self) -> Rnd {
        self.parts
            .iter()
            .find_map(|p| Rnd::parse(p))
            .unwrap_or(Rnd::Default)
    }
    fn space(&self) -> MemSpace {
        for p in &self.parts {
            let p = p.split("::").next().unwrap_or(p);
            match p {
                "global" => return MemSpace::Global,
                "shared" => return MemSpace::Shared,
                "local" => return MemSpace::Local,
                "const" => return MemSpace::Const,
                "param" => return MemSpace::Param,
                _ => {}
            }
        }
        MemSpace::Generic
    }
    /// The comparison of `setp`/`set` (the first part).
    fn cmp(&self) -> R<Cmp> {
        self.parts
            .first()
            .and_then(|p| Cmp::parse(p))
            .ok_or_else(|| Decode::Bad("unknown comparison".into()))
    }
    /// The `.and/.or/.xor` combiner of `setp`/`set`.
    fn bool_op(&self) -> Option<BoolOp> {
        self.parts.iter().find_map(|p| match *p {
            "and" => Some(BoolOp::And),
            "or" => Some(BoolOp::Or),
            "xor" => Some(BoolOp::Xor),
            _ => None,
        })
    }
    fn vector(&self) -> u32 {
        for p in &self.parts {
            match *p {
                "v2" => return 2,
                "v4" => return 4,
                "v8" => return 8,
                _ => {}
            }
        }
        1
    }
    fn fmods(&self) -> FMods {
        FMods {
            rnd: self.rnd(),
            ftz: self.has("ftz"),
            sat: self.has("sat"),
            nan: self.has("NaN"),
            approx: self.has("approx"),
            relu: self.has("relu"),
            satfinite: self.has("satfinite"),
            xorsign: self.has("xorsign") && self.has("abs"),
        }
    }
}

fn unsupported<T>(i: &ast::Instruction, why: &str) -> R<T> {
    Err(Decode::Unsupported(if why.is_empty() {
        i.opcode.clone()
    } else {
        format!("{} ({why})", i.opcode)
    }))
}

fn decode_instr(ctx: &mut Ctx, i: &ast::Instruction) -> R<Op> {
    let mut it = i.opcode.split('.');
    let base = it.next().unwrap_or("");
    let m = Mods {
        parts: it.collect(),
    };
    let o = &i.operands;
    let arg = |k: usize| -> R<&Operand> {
        o.get(k)
            .ok_or_else(|| Decode::Bad(format!("expected at least {} operands", k + 1)))
    };
    let n = |want: usize| -> R<()> {
        if o.len() == want {
            Ok(())
        } else {
            bad(format!("expected {want} operands, found {}", o.len()))
        }
    };
    macro_rules! s {
        ($k:expr, $ty:expr) => {
            ctx.src(arg($k)?, $ty)?
        };
    }
    // The optional third source of `setp`/`set` with a boolean combiner.
    macro_rules! comb {
        () => {
            match m.bool_op() {
                Some(op) => {
                    n(4)?;
                    Some((op, s!(3, None)))
                }
                None => {
                    n(3)?;
                    None
                }
            }
        };
    }
    macro_rules! d {
        ($k:expr) => {
            ctx.dst(arg($k)?)?
        };
    }
    if let Some(p) = unknown_float_modifier(base, &m) {
        return unsupported(i, &format!("the modifier .{p}"));
    }
    Ok(match base {
        "mov" => {
            n(2)?;
            let ty = m.ty()?;
            match (&o[0], &o[1]) {
                (_, Operand::Vector(parts)) => Op::Pack {
                    d: d!(0),
                    bits: ty.bits() / parts.len() as u32,
                    parts: parts
                        .iter()
                        .map(|p| ctx.src(p, None))
                        .collect::<R<Vec<_>>>()?,
                },
                (Operand::Vector(ds), _) => Op::Unpack {
                    bits: ty.bits() / ds.len() as u32,
                    ds: ds.iter().map(|p| ctx.dst(p)).collect::<R<Vec<_>>>()?,
                    a: s!(1, Some(ty)),
                },
                _ => Op::Mov {
                    d: d!(0),
                    a: s!(1, Some(ty)),
                },
            }
        }
        "add" | "sub" | "addc" | "subc" => {
            let ty = m.ty()?;
            n(3)?;
            if ty.is_float() {
                let op = if base == "add" { FBin::Add } else { FBin::Sub };
                Op::FBin {
                    op,
                    ty,
                    m: m.fmods(),
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                }
            } else if m.has("cc") || base.ends_with('c') {
                Op::AddC {
                    bits: ty.bits(),
                    sub: base.starts_with("sub"),
                    cin: base.ends_with('c'),
                    cout: m.has("cc"),
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                }
            } else {
                if m.has("sat") {
                    return unsupported(i, "integer .sat");
                }
                Op::Int {
                    op: if base == "add" {
                        IntOp::Add
                    } else {
                        IntOp::Sub
                    },
                    ty,
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                }
            }
        }
        "mul" | "div" | "rem" | "and" | "or" | "xor" | "shl" | "shr" | "min" | "max" => {
            let ty = m.ty()?;
            if matches!(base, "min" | "max") && ty.is_float() && o.len() == 4 {
                return unsupported(i, "three-input min/max");
            }
            if m.has("xorsign") != m.has("abs") && ty.is_float() {
                return unsupported(i, ".xorsign and .abs go together");
            }
            n(3)?;
            if ty == Ty::Pred {
                let op = match base {
                    "and" => BoolOp::And,
                    "or" => BoolOp::Or,
                    "xor" => BoolOp::Xor,
                    _ => return bad("not a predicate operation"),
                };
                return Ok(Op::PredLogic {
                    op: Some(op),
                    d: d!(0),
                    a: s!(1, None),
                    b: s!(2, None),
                });
            }
            if ty.is_float() {
                let op = match base {
                    "mul" => FBin::Mul,
                    "div" => FBin::Div,
                    "min" => FBin::Min,
                    "max" => FBin::Max,
                    _ => return bad("not a float operation"),
                };
                return Ok(Op::FBin {
                    op,
                    ty,
                    m: m.fmods(),
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                });
            }
            if m.has("relu") {
                return unsupported(i, "");
            }
            let op = match base {
                "mul" if m.has("hi") => IntOp::MulHi,
                "mul" if m.has("wide") => IntOp::MulWide,
                "mul" => IntOp::MulLo,
                "div" => IntOp::Div,
                "rem" => IntOp::Rem,
                "and" => IntOp::And,
                "or" => IntOp::Or,
                "xor" => IntOp::Xor,
                "shl" => IntOp::Shl,
                "shr" => IntOp::Shr,
                "min" => IntOp::Min,
                _ => IntOp::Max,
            };
            Op::Int {
                op,
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
            }
        }
        "mad" | "madc" | "fma" => {
            let ty = m.ty()?;
            n(4)?;
            if ty.is_float() {
                Op::Fma {
                    ty,
                    m: m.fmods(),
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                    c: s!(3, Some(ty)),
                }
            } else {
                if m.has("sat") {
                    return unsupported(i, "");
                }
                if m.has("cc") || base == "madc" {
                    if m.has("wide") || !matches!(ty.bits(), 32 | 64) {
                        return unsupported(i, "");
                    }
                    return Ok(Op::MadC {
                        part: if m.has("hi") {
                            IntOp::MulHi
                        } else {
                            IntOp::MulLo
                        },
                        ty,
                        cin: base == "madc",
                        cout: m.has("cc"),
                        d: d!(0),
                        a: s!(1, Some(ty)),
                        b: s!(2, Some(ty)),
                        c: s!(3, Some(ty)),
                    });
                }
                let part = if m.has("hi") {
                    IntOp::MulHi
                } else if m.has("wide") {
                    IntOp::MulWide
                } else {
                    IntOp::MulLo
                };
                let cty = if part == IntOp::MulWide { Ty::B64 } else { ty };
                Op::Mad {
                    part,
                    ty,
                    d: d!(0),
                    a: s!(1, Some(ty)),
                    b: s!(2, Some(ty)),
                    c: s!(3, Some(cty)),
                }
            }
        }
        "not" | "cnot" | "neg" | "abs" | "popc" | "clz" | "brev" => {
            let ty = m.ty()?;
            n(2)?;
            if ty == Ty::Pred && base == "not" {
                return Ok(Op::PredLogic {
                    op: None,
                    d: d!(0),
                    a: s!(1, None),
                    b: Src::Imm(0),
                });
            }
            if ty.is_float() {
                let op = match base {
                    "neg" => FUn::Neg,
                    "abs" => FUn::Abs,
                    _ => return bad("not a float operation"),
                };
                return Ok(Op::FUn {
                    op,
                    ty,
                    m: m.fmods(),
                    d: d!(0),
                    a: s!(1, Some(ty)),
                });
            }
            let op = match base {
                "not" => IntUnary::Not,
                "cnot" => IntUnary::Cnot,
                "neg" => IntUnary::Neg,
                "abs" => IntUnary::Abs,
                "popc" => IntUnary::Popc,
                "clz" => IntUnary::Clz,
                _ => IntUnary::Brev,
            };
            Op::IntUn {
                op,
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
            }
        }
        "sqrt" | "rcp" | "rsqrt" | "sin" | "cos" | "lg2" | "ex2" | "tanh" => {
            let ty = m.ty()?;
            n(2)?;
            let op = match base {
                "sqrt" => FUn::Sqrt,
                "rcp" => FUn::Rcp,
                "rsqrt" => FUn::Rsqrt,
                "sin" => FUn::Sin,
                "cos" => FUn::Cos,
                "lg2" => FUn::Lg2,
                "ex2" => FUn::Ex2,
                _ => FUn::Tanh,
            };
            Op::FUn {
                op,
                ty,
                m: m.fmods(),
                d: d!(0),
                a: s!(1, Some(ty)),
            }
        }
        "copysign" => {
            let ty = m.ty()?;
            n(3)?;
            Op::FBin {
                op: FBin::Copysign,
                ty,
                m: m.fmods(),
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
            }
        }
        "testp" => {
            let ty = m.ty()?;
            n(2)?;
            let op = match m.parts.first().copied() {
                Some("finite") => TestP::Finite,
                Some("infinite") => TestP::Infinite,
                Some("number") => TestP::Number,
                Some("notanumber") => TestP::NotANumber,
                Some("normal") => TestP::Normal,
                Some("subnormal") => TestP::Subnormal,
                _ => return bad("unknown testp property"),
            };
            Op::Testp {
                op,
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
            }
        }
        "bfe" => {
            let ty = m.ty()?;
            n(4)?;
            Op::Bfe {
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, None),
                c: s!(3, None),
            }
        }
        "bfi" => {
            let ty = m.ty()?;
            n(5)?;
            Op::Bfi {
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
                c: s!(3, None),
                e: s!(4, None),
            }
        }
        "prmt" => {
            n(4)?;
            let mode = match m.parts.iter().find(|p| **p != "b32") {
                None => None,
                Some(p) => match PrmtMode::parse(p) {
                    Some(mode) => Some(mode),
                    None => return bad("unknown prmt mode"),
                },
            };
            Op::Prmt {
                mode,
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
            }
        }
        "shf" => {
            n(4)?;
            Op::Shf {
                left: m.has("l"),
                wrap: m.has("wrap"),
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
            }
        }
        "bmsk" => {
            n(3)?;
            Op::Bmsk {
                wrap: m.has("wrap"),
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
            }
        }
        "bfind" => {
            n(2)?;
            let ty = m.ty()?;
            Op::Bfind {
                ty,
                shiftamt: m.has("shiftamt"),
                d: d!(0),
                a: s!(1, Some(ty)),
            }
        }
        "mul24" | "mad24" => {
            let ty = m.ty()?;
            if m.has("sat") {
                return unsupported(i, "");
            }
            n(if base == "mul24" { 3 } else { 4 })?;
            Op::Mul24 {
                signed: ty.is_signed(),
                hi: m.has("hi"),
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
                c: if base == "mad24" {
                    s!(3, Some(ty))
                } else {
                    Src::Imm(0)
                },
            }
        }
        "sad" => {
            n(4)?;
            let ty = m.ty()?;
            Op::Sad {
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
                c: s!(3, Some(ty)),
            }
        }
        "dp2a" => {
            n(4)?;
            let tys = m.types();
            if tys.len() != 2 || !(m.has("lo") || m.has("hi")) {
                return bad("dp2a needs .lo or .hi and two types");
            }
            Op::Dp2a {
                a_signed: tys[0].is_signed(),
                b_signed: tys[1].is_signed(),
                hi: m.has("hi"),
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
            }
        }
        "dp4a" => {
            n(4)?;
            let tys = m.types();
            if tys.len() != 2 {
                return bad("dp4a needs two types");
            }
            Op::Dp4a {
                a_signed: tys[0].is_signed(),
                b_signed: tys[1].is_signed(),
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
            }
        }
        "szext" => {
            n(3)?;
            let ty = m.ty()?;
            Op::Szext {
                signed: ty.is_signed(),
                wrap: m.has("wrap"),
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
            }
        }
        "slct" => {
            n(4)?;
            let tys = m.types();
            if tys.len() != 2 {
                return bad("slct needs two types");
            }
            Op::Slct {
                float: tys[1] == Ty::F32,
                ftz: m.has("ftz"),
                d: d!(0),
                a: s!(1, Some(tys[0])),
                b: s!(2, Some(tys[0])),
                c: s!(3, Some(tys[1])),
            }
        }
        "set" => {
            let tys = m.types();
            if tys.len() != 2 {
                return bad("set needs a destination and a source type");
            }
            let cmp = m.cmp()?;
            let comb = comb!();
            Op::Set {
                cmp,
                dty: tys[0],
                sty: tys[1],
                d: d!(0),
                a: s!(1, Some(tys[1])),
                b: s!(2, Some(tys[1])),
                comb,
                ftz: m.has("ftz"),
            }
        }
        "isspacep" => {
            n(2)?;
            Op::IsSpace {
                space: m.space(),
                d: d!(0),
                a: s!(1, None),
            }
        }
        "elect" => {
            n(2)?;
            let (d, p) = ctx.dst_pair(&o[0])?;
            Op::Elect {
                d,
                p,
                mask: s!(1, None),
            }
        }
        "griddepcontrol" => Op::Nop,
        "lop3" => {
            n(5)?;
            Op::Lop3 {
                d: d!(0),
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
                lut: s!(4, None),
            }
        }
        "setp" => {
            let ty = m.ty()?;
            let cmp = m.cmp()?;
            let (d, d2) = ctx.dst_pair(arg(0)?)?;
            let comb = comb!();
            Op::Setp {
                cmp,
                ty,
                d,
                d2,
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
                comb,
                ftz: m.has("ftz"),
            }
        }
        "selp" => {
            let ty = m.ty()?;
            n(4)?;
            Op::Selp {
                d: d!(0),
                a: s!(1, Some(ty)),
                b: s!(2, Some(ty)),
                c: s!(3, None),
            }
        }
        "cvt" => {
            let tys = m.types();
            if tys.len() != 2 {
                return bad("cvt needs a destination and a source type");
            }
            // `cvt.frnd2{.relu}{.satfinite}.{f16x2,bf16x2}.f32 d, a, b`
            // packs two conversions; the `.rs` form adds random bits.
            let pair = matches!(tys[0], Ty::F16x2 | Ty::BF16x2) && tys[1] == Ty::F32;
            if pair && o.len() == 4 {
                return unsupported(i, "stochastic rounding");
            }
            n(if pair { 3 } else { 2 })?;
            Op::Cvt {
                dty: tys[0],
                sty: tys[1],
                m: m.fmods(),
                d: d!(0),
                a: s!(1, Some(tys[1])),
                b: if pair {
                    Some(s!(2, Some(tys[1])))
                } else {
                    None
                },
            }
        }
        "cvta" => {
            n(2)?;
            let to = m.has("to");
            Op::Cvta {
                to,
                space: m.space(),
                d: d!(0),
                a: s!(1, None),
            }
        }
        "ld" | "ldu" | "st" => {
            n(2)?;
            let ty = m.ty()?;
            let space = m.space();
            let vec = m.vector();
            let strong = ["volatile", "relaxed", "acquire", "release", "mmio"]
                .iter()
                .any(|q| m.has(q));
            let regs = |op: &Operand| -> R<Vec<Operand>> {
                match op {
                    Operand::Vector(v) if v.len() as u32 == vec => Ok(v.clone()),
                    Operand::Vector(v) => bad(format!(".v{vec} with {} registers", v.len())),
                    other if vec == 1 => Ok(vec![other.clone()]),
                    _ => bad(format!(".v{vec} needs a {{…}} vector operand")),
                }
            };
            if base == "st" {
                Op::St {
                    space,
                    ty,
                    addr: ctx.addr(&o[0])?,
                    srcs: regs(&o[1])?
                        .iter()
                        .map(|r| ctx.src(r, Some(ty)))
                        .collect::<R<Vec<_>>>()?,
                    strong,
                }
            } else {
                Op::Ld {
                    space,
                    ty,
                    addr: ctx.addr(&o[1])?,
                    ds: regs(&o[0])?
                        .iter()
                        .map(|r| ctx.dst(r))
                        .collect::<R<Vec<_>>>()?,
                    strong,
                }
            }
        }
        "atom" | "red" => {
            let ty = m.ty()?;
            if m.vector() != 1 {
                return unsupported(i, "vector atomics");
            }
            let op = m
                .parts
                .iter()
                .find_map(|p| atom_op(p))
                .ok_or_else(|| Decode::Bad("unknown atomic operation".into()))?;
            let space = m.space();
            if base == "red" {
                n(2)?;
                Op::Atom {
                    space,
                    op,
                    ty,
                    d: SINK,
                    addr: ctx.addr(&o[0])?,
                    b: s!(1, Some(ty)),
                    c: None,
                }
            } else if op == AtomOp::Cas {
                n(4)?;
                Op::Atom {
                    space,
                    op,
                    ty,
                    d: d!(0),
                    addr: ctx.addr(&o[1])?,
                    b: s!(2, Some(ty)),
                    c: Some(s!(3, Some(ty))),
                }
            } else {
                n(3)?;
                Op::Atom {
                    space,
                    op,
                    ty,
                    d: d!(0),
                    addr: ctx.addr(&o[1])?,
                    b: s!(2, Some(ty)),
                    c: None,
                }
            }
        }
        "cp" if m.parts.first() == Some(&"async") && m.has("mbarrier") => {
            n(1)?;
            Op::Mbar {
                op: MbarOp::CpAsyncArrive {
                    noinc: m.has("noinc"),
                },
                space: m.space(),
                addr: ctx.addr(&o[0])?,
                d: SINK,
                a: None,
            }
        }
        "mbarrier" => decode_mbarrier(ctx, i, &m)?,
        "mapa" => {
            n(3)?;
            Op::Mapa {
                generic: m.space() != MemSpace::Shared,
                d: d!(0),
                a: s!(1, None),
                rank: s!(2, None),
            }
        }
        "getctarank" => {
            n(2)?;
            Op::GetCtaRank {
                generic: m.space() != MemSpace::Shared,
                d: d!(0),
                a: s!(1, None),
            }
        }
        "cp" if m.parts.first() == Some(&"async") => {
            if m.has("commit_group") || m.has("wait_group") || m.has("wait_all") {
                return Ok(Op::Nop);
            }
            if o.len() < 3 || !m.has("shared") {
                return unsupported(i, "");
            }
            let size = match &o[2] {
                Operand::Imm(Imm::Int(v)) => *v as u32,
                _ => return bad("cp.async needs an immediate size"),
            };
            Op::CpAsync {
                dst: ctx.addr(&o[0])?,
                src: ctx.addr(&o[1])?,
                size,
                src_size: match o.get(3) {
                    Some(x) => Some(ctx.src(x, None)?),
                    None => None,
                },
            }
        }
        "bra" => {
            n(1)?;
            Op::Bra {
                target: ctx.label(&o[0])?,
            }
        }
        "brx" => {
            n(2)?;
            let Operand::Symbol(table) = &o[1] else {
                return bad("brx.idx needs a .branchtargets label");
            };
            let names = ctx
                .branch_tables
                .get(table)
                .cloned()
                .ok_or_else(|| Decode::Bad(format!("unknown branch table {table}")))?;
            let targets = names
                .iter()
                .map(|l| ctx.label(&Operand::Symbol(l.clone())))
                .collect::<R<Vec<_>>>()?;
            Op::BrxIdx {
                idx: s!(0, None),
                targets,
            }
        }
        "call" => decode_call(ctx, o)?,
        "ret" => Op::Ret,
        "exit" => Op::Exit,
        "trap" => Op::Trap,
        "brkpt" => Op::Brkpt,
        "bar" | "barrier" => {
            if m.has("warp") {
                n(1)?;
                return Ok(Op::WarpSync { mask: s!(0, None) });
            }
            if m.has("red") {
                return unsupported(i, "");
            }
            if m.has("cluster") {
                // `barrier.cluster.arrive{.release|.relaxed}{.aligned}` and
                // `barrier.cluster.wait{.acquire}{.aligned}`: no operands.
                return Ok(Op::ClusterBar {
                    wait: m.has("wait"),
                });
            }
            let wait = m.has("sync") || m.parts.is_empty() || m.parts == ["aligned"];
            if !wait && !m.has("arrive") {
                return unsupported(i, "");
            }
            Op::Bar {
                aligned: base == "bar" || m.has("aligned"),
                id: s!(0, None),
                count: match o.get(1) {
                    Some(x) => Some(ctx.src(x, None)?),
                    None => None,
                },
                wait,
            }
        }
        // The emulator has no `alloca`, so nothing moves a thread's stack
        // pointer: `stacksave` reads the frame's local base (a valid local
        // address) and `stackrestore` has nothing to undo.
        "stacksave" => {
            n(1)?;
            Op::Mov {
                d: d!(0),
                a: Src::LocalAddr(0),
            }
        }
        "stackrestore" => {
            n(1)?;
            Op::Nop
        }
        "membar" | "fence" | "prefetch" | "prefetchu" | "nanosleep" | "setmaxnreg" | "pmevent" => {
            if base == "fence" && (m.has("proxy") && m.has("tensormap")) {
                return unsupported(i, "");
            }
            if matches!(base, "membar" | "fence") && !m.has("proxy") {
                Op::Fence
            } else {
                Op::Nop
            }
        }
        "shfl" => {
            if !m.has("sync") {
                return unsupported(i, "shfl without .sync");
            }
            n(5)?;
            let mode = match () {
                _ if m.has("up") => ShflMode::Up,
                _ if m.has("down") => ShflMode::Down,
                _ if m.has("bfly") => ShflMode::Bfly,
                _ if m.has("idx") => ShflMode::Idx,
                _ => return bad("unknown shfl mode"),
            };
            let (d, p) = ctx.dst_pair(&o[0])?;
            Op::Shfl {
                mode,
                d,
                p,
                a: s!(1, None),
                b: s!(2, None),
                c: s!(3, None),
                mask: s!(4, None),
            }
        }
        "ldmatrix" => {
            n(2)?;
            if !(m.has("sync") && m.has("aligned")) {
                return bad("ldmatrix needs .sync.aligned");
            }
            // Only the 8x8 matrices of 16-bit elements (not .m16n16/.m8n16
            // with their 8/6/4-bit formats).
            if !m.has("m8n8") || m.ty()? != Ty::B16 || m.types().len() != 1 {
                return unsupported(i, "only .m8n8 .b16 is implemented");
            }
            let num = match () {
                _ if m.has("x1") => 1,
                _ if m.has("x2") => 2,
                _ if m.has("x4") => 4,
                _ => return bad("ldmatrix needs .x1, .x2 or .x4"),
            };
            let ds = match &o[0] {
                Operand::Vector(v) => v.iter().map(|r| ctx.dst(r)).collect::<R<Vec<_>>>()?,
                other => vec![ctx.dst(other)?],
            };
            if ds.len() != num {
                return bad(format!(
                    ".x{num} needs {num} destination registers, found {}",
                    ds.len()
                ));
            }
            Op::Ldmatrix {
                trans: m.has("trans"),
                space: m.space(),
                addr: ctx.addr(&o[1])?,
                ds,
            }
        }
        "vote" => {
            n(3)?;
            if !m.has("sync") {
                return unsupported(i, "vote without .sync");
            }
            let mode = match () {
                _ if m.has("all") => VoteMode::All,
                _ if m.has("any") => VoteMode::Any,
                _ if m.has("uni") => VoteMode::Uni,
                _ if m.has("ballot") => VoteMode::Ballot,
                _ => return bad("unknown vote mode"),
            };
            Op::Vote {
                mode,
                d: d!(0),
                a: s!(1, None),
                mask: s!(2, None),
            }
        }
        "activemask" => {
            n(1)?;
            Op::Activemask { d: d!(0) }
        }
        "redux" => {
            n(3)?;
            let ty = m.ty()?;
            if ty.is_float() {
                return unsupported(i, "float redux");
            }
            let op = m
                .parts
                .iter()
                .find_map(|p| atom_op(p))
                .ok_or_else(|| Decode::Bad("unknown redux operation".into()))?;
            Op::Redux {
                op,
                ty,
                d: d!(0),
                a: s!(1, Some(ty)),
                mask: s!(2, None),
            }
        }
        "match" => {
            let ty = m.ty()?;
            let all = m.has("all");
            let (d, p) = ctx.dst_pair(&o[0])?;
            n(3)?;
            Op::Match {
                all,
                ty,
                d,
                p,
                a: s!(1, Some(ty)),
                mask: s!(2, None),
            }
        }
        _ => return unsupported(i, ""),
    })
}

/// The first modifier of a float instruction (or of any `cvt`) that the
/// emulator does not implement, so that it fails the launch instead of being
/// ignored: each instruction admits its types, its rounding modes and the
/// modifiers listed here (the PTX ISA's for that instruction).
fn unknown_float_modifier<'a>(base: &str, m: &Mods<'a>) -> Option<&'a str> {
    let float = m.types().last().is_some_and(|t| t.is_float());
    let extra: &[&str] = match base {
        "cvt" => &["ftz", "sat", "relu", "satfinite"],
        _ if !float => return None,
        "add" | "sub" | "mul" => &["ftz", "sat"],
        "div" => &["ftz", "approx", "full"],
        "min" | "max" => &["ftz", "NaN", "xorsign", "abs"],
        "fma" | "mad" => &["ftz", "sat", "relu"],
        "neg" | "abs" => &["ftz"],
        "sqrt" | "rcp" | "rsqrt" | "sin" | "cos" | "lg2" | "ex2" | "tanh" => {
            &["approx", "full", "ftz"]
        }
        "copysign" => &[],
        "testp" => &[
            "finite",
            "infinite",
            "number",
            "notanumber",
            "normal",
            "subnormal",
        ],
        "setp" | "set" => &["ftz", "and", "or", "xor"],
        _ => return None,
    };
    m.parts.iter().copied().find(|p| {
        let rounding = match Rnd::parse(p) {
            // The integer rounding modes and `.rna` are cvt's alone.
            Some(Rnd::Rn | Rnd::Rz | Rnd::Rm | Rnd::Rp) => true,
            Some(_) => base == "cvt",
            None => false,
        };
        let cmp = matches!(base, "setp" | "set") && Cmp::parse(p).is_some();
        !(Ty::parse(p).is_some() || rounding || cmp || extra.contains(p))
    })
}

fn atom_op(p: &str) -> Option<AtomOp> {
    Some(match p {
        "add" => AtomOp::Add,
        "min" => AtomOp::Min,
        "max" => AtomOp::Max,
        "and" => AtomOp::And,
        "or" => AtomOp::Or,
        "xor" => AtomOp::Xor,
        "exch" => AtomOp::Exch,
        "cas" => AtomOp::Cas,
        "inc" => AtomOp::Inc,
        "dec" => AtomOp::Dec,
        _ => return None,
    })
}

fn decode_call(ctx: &mut Ctx, o: &[Operand]) -> R<Op> {
    // call (rets), target, (args) [, prototype] | call target, (args) [, prototype]
    let mut k = 0;
    let rets = match o.first() {
        Some(l @ Operand::List(_)) => {
            k = 1;
            ctx.param_list(l)?
        }
        _ => Vec::new(),
    };
    let target = match o.get(k) {
        Some(Operand::Symbol(s)) => match ctx.syms.functions.get(s) {
            Some(&f) => {
                ctx.callees.push(f);
                CallTarget::Direct(f)
            }
            None => return bad(format!("call to unknown function {s}")),
        },
        Some(Operand::Reg(r)) => {
            ctx.calls_indirect = true;
            CallTarget::Indirect(Src::R(ctx.reg(r).map_err(Decode::Bad)?))
        }
        other => return bad(format!("expected a call target, found {other:?}")),
    };
    let args = match o.get(k + 1) {
        Some(l @ Operand::List(_)) => ctx.param_list(l)?,
        None => Vec::new(),
        Some(other) => return bad(format!("expected an argument list, found {other:?}")),
    };
    Ok(Op::Call { target, args, rets })
}

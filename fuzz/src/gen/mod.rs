//! The seeded generator. Every program it makes is free of undefined
//! behaviour and of panics by construction: arithmetic is explicitly
//! wrapping, checked or saturating, shift amounts are masked, divisors are
//! made non-zero (`| 1`) or go through `checked_div`, indices are reduced
//! modulo the array length, loops and recursion have fixed bounds, every
//! variable is initialized where it is declared, raw pointers and references
//! live in a scope of their own while the variable they point to is not named.
//! Values whose bits Rust leaves unspecified are never observed: a NaN's sign
//! and payload (only `bits32`/`bits64`, which canonicalize NaN, turn a float
//! into bits), and which zero `min`/`max` return (not generated).

use std::collections::BTreeSet;

use crate::ast::{Expr, Function, IntTy, Lit, Program, Stmt, Ty};

mod expr;

/// The two levels of programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// One thread computes; its trace is compared with the host's.
    One,
    /// A block of threads computes per-thread values and combines them
    /// through shared memory, barriers, warp shuffles and votes, and
    /// atomics whose result doesn't depend on order.
    Two,
}

impl Level {
    /// `1` or `2`.
    pub fn number(self) -> u8 {
        match self {
            Level::One => 1,
            Level::Two => 2,
        }
    }

    /// Parses `1` or `2`.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "1" => Some(Level::One),
            "2" => Some(Level::Two),
            _ => None,
        }
    }
}

/// Threads per block in level-2 programs (two warps).
pub const BLOCK: u32 = 64;

/// A level-2 communication step. `combine` is a template over `v` (this
/// thread's value) and `o` (what the step brought it), both `u32`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// How the other value arrives.
    pub kind: StepKind,
    /// `v = combine(v, o)`.
    pub combine: String,
}

/// The ways threads exchange a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Through shared memory and barriers: `o` = the value of thread `(tid + k) % BLOCK`.
    SharedRotate(u32),
    /// `shfl.sync.bfly`: `o` = the value of lane `lane ^ k`.
    ShuffleXor(u32),
    /// `shfl.sync.idx`: `o` = the value of lane `k` of this warp.
    ShuffleIdx(u32),
    /// `vote.sync.ballot` of bit `k` of every lane's value.
    Ballot(u32),
    /// `vote.sync.any` of bit `k` (as 0/1).
    VoteAny(u32),
    /// An atomic add of every thread's value to a shared counter.
    AtomicAdd,
    /// An atomic xor into a shared word.
    AtomicXor,
    /// An atomic max into a shared word.
    AtomicMax,
    /// Threads whose bit `k` of `tid` is set take the other branch (no
    /// communication: divergence, then reconvergence).
    Diverge(u32),
    /// Every thread dumps its value (site number).
    Dump(u32),
}

/// What the generator may emit beyond the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Also emit constructs that hit known upstream bugs (see
    /// [`KNOWN_BUGS`]); off by default, so that the lane finds new ones.
    pub known_bugs: bool,
}

/// Constructs left out by default because they hit a bug that is already
/// known and pinned by a test of the suite: (construct, the bug, its test).
pub const KNOWN_BUGS: &[(&str, &str, &str)] = &[(
    "float `%`",
    "LLVM's NVPTX back end expands frem as a - trunc(a/b)*b, not exact fmod for large quotients",
    "tests/ptx-snapshots/floats/float-rem.rs",
)];

/// Generates the program of `seed` at `level`, with the constructs it used.
pub fn generate(seed: u64, level: Level) -> (Program, BTreeSet<&'static str>) {
    generate_with(seed, level, Config::default())
}

/// [`generate`] under `config`.
pub fn generate_with(seed: u64, level: Level, config: Config) -> (Program, BTreeSet<&'static str>) {
    let mut g = Gen::new(seed, level);
    g.config = config;
    let mut program = g.program();
    program.seed = seed;
    program.config = config;
    (program, g.covered)
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
    /// A closure: its argument type (its result is `ty`).
    closure_arg: Option<Ty>,
}

struct Gen {
    rng: fastrand::Rng,
    config: Config,
    level: Level,
    covered: BTreeSet<&'static str>,
    scopes: Vec<Vec<Var>>,
    next_name: u32,
    next_site: u32,
    /// Field types of the generated structs.
    structs: Vec<Vec<Ty>>,
    /// Variants of the generated enums: field types (empty: a unit variant).
    enums: Vec<Vec<Vec<Ty>>>,
    /// Callable functions: name, parameter types, result.
    fns: Vec<(String, Vec<Ty>, Ty)>,
    /// No calls while generating arguments of a call (both would borrow
    /// the trace) or inside closures and recursive helpers.
    no_calls: bool,
    /// `inp` is in scope (the kernel's inputs).
    has_inputs: bool,
    /// A variable that a live reference or raw pointer points to.
    hidden: Option<String>,
    /// Statements still allowed in this program.
    budget: i32,
}

const SCALAR_WEIGHTS: &[(u32, &str)] = &[
    (12, "int"),
    (3, "f32"),
    (3, "f64"),
    (2, "bool"),
    (1, "char"),
];

impl Gen {
    fn new(seed: u64, level: Level) -> Gen {
        Gen {
            rng: fastrand::Rng::with_seed(seed ^ 0x9e37_79b9_7f4a_7c15),
            config: Config::default(),
            level,
            covered: BTreeSet::new(),
            scopes: vec![Vec::new()],
            next_name: 0,
            next_site: 0,
            structs: Vec::new(),
            enums: Vec::new(),
            fns: Vec::new(),
            no_calls: false,
            has_inputs: false,
            hidden: None,
            budget: 0,
        }
    }

    fn cover(&mut self, what: &'static str) {
        self.covered.insert(what);
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}", self.next_name)
    }

    fn site(&mut self) -> u32 {
        self.next_site += 1;
        self.next_site
    }

    fn program(&mut self) -> Program {
        let mut inputs = [0u64; 16];
        for (i, x) in inputs.iter_mut().enumerate() {
            *x = match i % 4 {
                0 => self.rng.u64(..),
                1 => self.rng.u64(0..256),
                2 => [0, 1, u64::MAX, 1 << 63, 0x7fff_ffff, 0x8000_0000][self.rng.usize(0..6)],
                _ => (self.rng.i64(-1000..1000)) as u64,
            };
        }
        let types = self.type_defs();
        self.budget = match self.level {
            Level::One => self.rng.i32(25..70),
            Level::Two => self.rng.i32(8..25),
        };
        let mut functions = Vec::new();
        for _ in 0..self.rng.usize(1..4) {
            let f = self.function();
            self.fns.push((
                f.name.clone(),
                f.params.iter().map(|p| p.1.clone()).collect(),
                f.ret.clone(),
            ));
            functions.push(f);
        }
        if self.chance(60) {
            let f = self.recursive_function();
            self.fns.push((
                f.name.clone(),
                vec![Ty::Int(IntTy::U32), f.ret.clone()],
                f.ret.clone(),
            ));
            functions.push(f);
        }
        self.has_inputs = true;
        self.scopes = vec![Vec::new()];
        let mut thread_value = None;
        let mut steps = Vec::new();
        if self.level == Level::Two {
            self.declare("tid", Ty::Int(IntTy::U32), false);
        }
        let mut body = self.block(2);
        // Dump every scalar variable still in scope at the end: nothing is dead.
        for v in self.scopes[0].clone() {
            if v.ty.is_scalar() && v.closure_arg.is_none() {
                let site = self.site();
                body.push(Stmt::Dump {
                    site,
                    value: Expr::var(v.ty.clone(), v.name.clone()),
                });
            }
        }
        if self.level == Level::Two {
            thread_value = Some(self.expr(&Ty::Int(IntTy::U32), 2));
            steps = self.steps();
        }
        Program {
            seed: 0,
            config: self.config,
            level: self.level,
            types,
            functions,
            body,
            thread_value,
            steps,
            inputs,
        }
    }

    // ---- declarations -------------------------------------------------

    fn type_defs(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for s in 0..self.rng.usize(1..3) {
            let fields: Vec<Ty> = (0..self.rng.usize(2..4))
                .map(|_| self.scalar_ty())
                .collect();
            let decl: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, t)| format!("f{i}: {}", t.name()))
                .collect();
            out.push(format!(
                "#[derive(Clone, Copy)]\npub struct S{s} {{ {} }}",
                decl.join(", ")
            ));
            self.structs.push(fields);
        }
        // Every struct is a `Shape`, so a `&dyn Shape` can hold any of them.
        for (s, fields) in self.structs.clone().iter().enumerate() {
            self.scopes = vec![Vec::new()];
            self.no_calls = true;
            self.declare("x", Ty::Int(IntTy::U64), false);
            for (i, t) in fields.iter().enumerate() {
                self.declare(&format!("self.f{i}"), t.clone(), false);
            }
            let body = self.expr(&Ty::Int(IntTy::U64), 3);
            self.no_calls = false;
            out.push(format!(
                "impl Shape for S{s} {{\n    fn eval(&self, x: u64) -> u64 {{ {} }}\n}}",
                body.print()
            ));
        }
        for e in 0..self.rng.usize(1..3) {
            let variants: Vec<Vec<Ty>> = (0..3)
                .map(|v| match v {
                    0 => (0..self.rng.usize(1..3))
                        .map(|_| self.scalar_ty())
                        .collect(),
                    1 => vec![self.scalar_ty()],
                    _ => Vec::new(),
                })
                .collect();
            let decl: Vec<String> = variants
                .iter()
                .enumerate()
                .map(|(i, fs)| match fs.len() {
                    0 => format!("V{i}"),
                    _ => {
                        let tys: Vec<String> = fs.iter().map(Ty::name).collect();
                        format!("V{i}({})", tys.join(", "))
                    }
                })
                .collect();
            out.push(format!(
                "#[derive(Clone, Copy)]\npub enum E{e} {{ {} }}",
                decl.join(", ")
            ));
            self.enums.push(variants);
        }
        self.scopes = vec![Vec::new()];
        out
    }

    fn function(&mut self) -> Function {
        let name = self.fresh("f");
        self.scopes = vec![Vec::new()];
        self.has_inputs = false;
        let params: Vec<(String, Ty)> = (0..self.rng.usize(1..4))
            .map(|_| (self.fresh("p"), self.scalar_ty()))
            .collect();
        for (n, t) in &params {
            self.declare(n, t.clone(), false);
        }
        let ret = self.scalar_ty();
        let saved = self.budget;
        self.budget = self.rng.i32(3..10);
        let body = self.block(1);
        self.budget = saved;
        let result = self.expr(&ret, 3);
        self.cover("inline(never) call");
        Function {
            name,
            params,
            ret,
            body,
            result,
            fixed: None,
        }
    }

    /// `fn recN(n: u32, x: T) -> T`: recursion bounded by `n`, which the
    /// callers keep under 8.
    fn recursive_function(&mut self) -> Function {
        let name = self.fresh("rec");
        let ty = Ty::Int(self.int_ty());
        self.scopes = vec![Vec::new()];
        self.has_inputs = false;
        self.no_calls = true;
        self.declare("x", ty.clone(), false);
        self.declare("n", Ty::Int(IntTy::U32), false);
        let step = self.expr(&ty, 2);
        self.no_calls = false;
        self.cover("bounded recursion");
        let t = ty.name();
        Function {
            name: name.clone(),
            params: vec![("n".into(), Ty::Int(IntTy::U32)), ("x".into(), ty.clone())],
            ret: ty.clone(),
            body: Vec::new(),
            result: Expr::lit(ty.clone(), ty.zero().unwrap()),
            fixed: Some(format!(
                "#[inline(never)]\npub fn {name}(t: &mut Trace, n: u32, x: {t}) -> {t} {{\n    if n == 0 {{ x }} else {{ {name}(t, n - 1, {}) }}\n}}",
                step.print()
            )),
        }
    }

    // ---- scopes -------------------------------------------------------

    fn declare(&mut self, name: &str, ty: Ty, mutable: bool) {
        self.scopes.last_mut().unwrap().push(Var {
            name: name.into(),
            ty,
            mutable,
            closure_arg: None,
        });
    }

    fn visible(&self) -> impl Iterator<Item = &Var> {
        self.scopes
            .iter()
            .flatten()
            .filter(move |v| Some(&v.name) != self.hidden.as_ref())
    }

    fn pick_var(&mut self, want: impl Fn(&Var) -> bool) -> Option<Var> {
        let found: Vec<Var> = self.visible().filter(|v| want(v)).cloned().collect();
        if found.is_empty() {
            None
        } else {
            Some(found[self.rng.usize(0..found.len())].clone())
        }
    }

    // ---- types --------------------------------------------------------

    fn int_ty(&mut self) -> IntTy {
        let i = IntTy::ALL[self.rng.usize(0..IntTy::ALL.len())];
        self.cover(i.name());
        i
    }

    fn scalar_ty(&mut self) -> Ty {
        let total: u32 = SCALAR_WEIGHTS.iter().map(|w| w.0).sum();
        let mut r = self.rng.u32(0..total);
        for (w, k) in SCALAR_WEIGHTS {
            if r < *w {
                let ty = match *k {
                    "int" => Ty::Int(self.int_ty()),
                    "f32" => Ty::F32,
                    "f64" => Ty::F64,
                    "bool" => Ty::Bool,
                    _ => Ty::Char,
                };
                if ty.int().is_none() {
                    self.cover(k);
                }
                return ty;
            }
            r -= w;
        }
        Ty::Bool
    }

    fn aggregate_ty(&mut self) -> Ty {
        match self.rng.u32(0..7) {
            0 | 1 => Ty::Array(Box::new(self.scalar_ty()), self.rng.usize(2..7)),
            2 => Ty::Tuple(
                (0..self.rng.usize(2..4))
                    .map(|_| self.scalar_ty())
                    .collect(),
            ),
            3 => Ty::Struct(self.rng.usize(0..self.structs.len())),
            4 => Ty::Enum(self.rng.usize(0..self.enums.len())),
            5 => Ty::Option(Box::new(self.scalar_ty())),
            _ => Ty::Result(Box::new(self.scalar_ty())),
        }
    }

    // ---- literals and leaves -------------------------------------------

    fn literal(&mut self, ty: &Ty) -> Expr {
        let lit = match ty {
            Ty::Int(i) => self.int_lit(*i),
            Ty::F32 => {
                let v: f32 = match self.rng.u32(0..10) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f32::INFINITY,
                    3 => f32::NAN,
                    4 => f32::MIN_POSITIVE / 8.0,
                    5 => f32::MAX,
                    6 => 0.1,
                    _ => self.rng.i32(-100..100) as f32 / 8.0,
                };
                Lit::F32(v.to_bits())
            }
            Ty::F64 => {
                let v: f64 = match self.rng.u32(0..10) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f64::NEG_INFINITY,
                    3 => f64::NAN,
                    4 => f64::MIN_POSITIVE / 16.0,
                    5 => 1e300,
                    6 => 0.1,
                    _ => self.rng.i32(-100..100) as f64 / 16.0,
                };
                Lit::F64(v.to_bits())
            }
            Ty::Bool => Lit::Bool(self.rng.bool()),
            Ty::Char => {
                Lit::Char(['a', 'Z', '0', '9', ' ', 'é', '€', '\u{10FFFF}'][self.rng.usize(0..8)])
            }
            _ => unreachable!("literal of a non-scalar"),
        };
        Expr::lit(ty.clone(), lit)
    }

    fn int_lit(&mut self, i: IntTy) -> Lit {
        let bits = i.bits();
        let special = self.rng.u32(0..4) == 0;
        if i == IntTy::U128 && special && self.rng.bool() {
            return Lit::U128(u128::MAX - self.rng.u128(0..3));
        }
        let v: i128 = if special {
            let (min, max) = if i.signed() && bits == 128 {
                (i128::MIN, i128::MAX)
            } else if i.signed() {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else if bits == 128 {
                (0, i128::MAX)
            } else {
                (0, (1i128 << bits) - 1)
            };
            [min, max, 0, 1, max / 2][self.rng.usize(0..5)]
        } else if i.signed() {
            self.rng.i128(-200..200)
        } else {
            self.rng.i128(0..300)
        };
        let v = if !i.signed() && bits < 128 {
            v.rem_euclid(1i128 << bits)
        } else if i.signed() && bits < 128 {
            #[allow(clippy::manual_clamp)]
            v.clamp(-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            v
        };
        Lit::Int(i, v)
    }

    fn leaf(&mut self, ty: &Ty) -> Expr {
        if let Some(v) = self.pick_var(|v| &v.ty == ty && v.closure_arg.is_none()) {
            if self.chance(70) {
                return Expr::var(ty.clone(), v.name);
            }
        }
        if self.has_inputs && self.chance(50) {
            let k = self.rng.u32(0..16);
            let t = match ty {
                Ty::Int(i) => format!("(inp[{k}] as {})", i.name()),
                Ty::F32 => {
                    if self.rng.bool() {
                        format!("f32::from_bits(inp[{k}] as u32)")
                    } else {
                        format!("(inp[{k}] as i32 as f32 * 0.375f32)")
                    }
                }
                Ty::F64 => {
                    if self.rng.bool() {
                        format!("f64::from_bits(inp[{k}])")
                    } else {
                        format!("(inp[{k}] as i64 as f64 / 3.0f64)")
                    }
                }
                Ty::Bool => format!("(inp[{k}] & 1 == 1)"),
                Ty::Char => format!("char::from_u32(inp[{k}] as u32 % 0x11_0000).unwrap_or('?')"),
                _ => unreachable!(),
            };
            return Expr::tmpl(ty.clone(), t, vec![]);
        }
        self.literal(ty)
    }

    // ---- statements -----------------------------------------------------

    fn block(&mut self, depth: u32) -> Vec<Stmt> {
        self.scopes.push(Vec::new());
        let mut out = Vec::new();
        // A function's top block takes what is left of the budget.
        let n = if self.scopes.len() == 2 {
            i32::MAX
        } else {
            self.rng.i32(1..6)
        };
        for _ in 0..n {
            if self.budget <= 0 {
                break;
            }
            self.budget -= 1;
            out.extend(self.stmt(depth));
        }
        let top = self.scopes.len() == 2;
        let vars = self.scopes.pop().unwrap();
        // Leaving a nested block: dump one of its variables, so that what
        // happened in it is observed.
        if !top {
            if let Some(v) = vars
                .iter()
                .rev()
                .find(|v| v.ty.is_scalar() && v.closure_arg.is_none())
            {
                let site = self.site();
                out.push(Stmt::Dump {
                    site,
                    value: Expr::var(v.ty.clone(), v.name.clone()),
                });
            }
        } else {
            // The function's top block: its variables stay visible to the
            // final dumps and the result.
            self.scopes.last_mut().unwrap().extend(vars);
        }
        out
    }

    fn stmt(&mut self, depth: u32) -> Vec<Stmt> {
        let nest = depth > 0;
        match self.rng.u32(0..22) {
            0..=5 => {
                let ty = self.scalar_ty();
                let init = self.expr(&ty, 3);
                let name = self.fresh("v");
                let mutable = self.chance(50);
                self.declare(&name, ty.clone(), mutable);
                let dump = self.chance(40).then(|| Stmt::Dump {
                    site: self.site(),
                    value: Expr::var(ty.clone(), name.clone()),
                });
                let mut out = vec![Stmt::Let {
                    name,
                    ty,
                    mutable,
                    init,
                }];
                out.extend(dump);
                out
            }
            6 | 7 => {
                let ty = self.aggregate_ty();
                let init = self.aggregate_init(&ty);
                let name = self.fresh("a");
                let mutable = matches!(ty, Ty::Array(..) | Ty::Struct(_)) && self.chance(60);
                self.declare(&name, ty.clone(), mutable);
                vec![Stmt::Let {
                    name,
                    ty,
                    mutable,
                    init,
                }]
            }
            8 | 9 => self.assign(),
            10 | 11 => {
                let ty = self.scalar_ty();
                let value = self.expr(&ty, 2);
                vec![Stmt::Dump {
                    site: self.site(),
                    value,
                }]
            }
            12 if nest => {
                let cond = self.expr(&Ty::Bool, 2);
                let then = self.block(depth - 1);
                let els = if self.rng.bool() {
                    self.block(depth - 1)
                } else {
                    Vec::new()
                };
                vec![Stmt::If { cond, then, els }]
            }
            13 if nest => {
                self.cover("for loop");
                let var = self.fresh("i");
                self.scopes.push(Vec::new());
                self.declare(&var, Ty::Int(IntTy::U32), false);
                let body = self.block(depth - 1);
                self.scopes.pop();
                vec![Stmt::For {
                    var,
                    n: self.rng.u32(1..6),
                    body,
                }]
            }
            14 if nest => {
                self.cover("loop with break value");
                let ty = self.scalar_ty();
                let counter = self.fresh("c");
                self.scopes.push(Vec::new());
                self.declare(&counter, Ty::Int(IntTy::U32), false);
                let cond = self.expr(&Ty::Bool, 2);
                let value = self.expr(&ty, 2);
                let body = self.block(depth - 1);
                self.scopes.pop();
                let name = self.fresh("v");
                self.declare(&name, ty.clone(), true);
                let limit = self.rng.u32(1..6);
                vec![
                    Stmt::LoopBreak {
                        name: name.clone(),
                        ty: ty.clone(),
                        counter,
                        limit,
                        cond,
                        value,
                        body,
                    },
                    Stmt::Dump {
                        site: self.site(),
                        value: Expr::var(ty, name),
                    },
                ]
            }
            15 if nest => {
                self.cover("if let");
                self.cover("Option");
                let inner = self.scalar_ty();
                let opt = match self.pick_var(|v| v.ty == Ty::Option(Box::new(inner.clone()))) {
                    Some(v) => Expr::var(v.ty.clone(), v.name),
                    None => self.aggregate_init(&Ty::Option(Box::new(inner.clone()))),
                };
                let bind = self.fresh("s");
                self.scopes.push(Vec::new());
                self.declare(&bind, inner, false);
                let then = self.block(depth - 1);
                self.scopes.pop();
                let els = self.block(depth - 1);
                vec![Stmt::IfLet {
                    bind,
                    opt,
                    then,
                    els,
                }]
            }
            16 if nest => {
                self.cover("match");
                let i = self.int_ty();
                let scrut = self.expr(&Ty::Int(i), 2);
                let t = i.name();
                let mut arms = Vec::new();
                let pats = if i.signed() {
                    vec![
                        format!("0{t}"),
                        format!("-8{t}..=-1{t}"),
                        format!("1{t} | 2{t} | 3{t}"),
                    ]
                } else {
                    vec![
                        format!("0{t}"),
                        format!("1{t}..=9{t}"),
                        format!("10{t} | 11{t}"),
                    ]
                };
                for p in pats.into_iter().take(self.rng.usize(1..4)) {
                    arms.push((p, self.block(depth - 1)));
                }
                arms.push(("_".into(), self.block(depth - 1)));
                vec![Stmt::Match { scrut, arms }]
            }
            17 => self.pointer_scope(),
            18 => {
                self.cover("closure");
                let arg = self.scalar_ty();
                let ret = self.scalar_ty();
                let name = self.fresh("k");
                let param = self.fresh("x");
                self.scopes.push(Vec::new());
                self.declare(&param, arg.clone(), false);
                let saved = std::mem::replace(&mut self.no_calls, true);
                let body = self.expr(&ret, 3);
                self.no_calls = saved;
                self.scopes.pop();
                let init = Expr::tmpl(
                    ret.clone(),
                    format!(
                        "move |{param}: {}| -> {} {{ {{0}} }}",
                        arg.name(),
                        ret.name()
                    ),
                    vec![body],
                );
                self.scopes.last_mut().unwrap().push(Var {
                    name: name.clone(),
                    ty: ret,
                    mutable: false,
                    closure_arg: Some(arg),
                });
                vec![Stmt::Let {
                    name,
                    ty: Ty::Tuple(vec![]),
                    mutable: false,
                    init,
                }]
            }
            _ => {
                let ty = self.scalar_ty();
                let value = self.expr(&ty, 3);
                vec![Stmt::Dump {
                    site: self.site(),
                    value,
                }]
            }
        }
    }

    fn assign(&mut self) -> Vec<Stmt> {
        let Some(var) = self.pick_var(|v| v.mutable && v.closure_arg.is_none()) else {
            return Vec::new();
        };
        let name = var.name.clone();
        match &var.ty {
            Ty::Array(e, n) => {
                let idx = self.expr(&Ty::Int(IntTy::U32), 1);
                let value = self.expr(e, 3);
                vec![Stmt::Assign {
                    place: Expr::tmpl(
                        (**e).clone(),
                        format!("{name}[({{0}} as usize) % {n}]"),
                        vec![idx],
                    ),
                    value,
                    unsafe_: false,
                }]
            }
            Ty::Struct(s) => {
                let fields = self.structs[*s].clone();
                let k = self.rng.usize(0..fields.len());
                let value = self.expr(&fields[k], 3);
                vec![Stmt::Assign {
                    place: Expr::var(fields[k].clone(), format!("{name}.f{k}")),
                    value,
                    unsafe_: false,
                }]
            }
            ty if ty.is_scalar() => {
                let ty = ty.clone();
                let value = self.expr(&ty, 3);
                vec![Stmt::Assign {
                    place: Expr::var(ty, name),
                    value,
                    unsafe_: false,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// `{ let p = &raw mut v; unsafe { *p = f(*p) } }` or the same through
    /// `&mut`; `v` is not named inside, so no other access interleaves.
    fn pointer_scope(&mut self) -> Vec<Stmt> {
        let Some(var) = self.pick_var(|v| v.mutable && v.ty.is_scalar() && v.closure_arg.is_none())
        else {
            return Vec::new();
        };
        let ty = var.ty.clone();
        let raw = self.rng.bool();
        let p = self.fresh(if raw { "p" } else { "r" });
        let saved = self.hidden.replace(var.name.clone());
        let other = self.expr(&ty, 2);
        self.hidden = saved;
        let (prefix, read) = if raw {
            self.cover("raw pointer");
            (
                format!("let {p} = &raw mut {};", var.name),
                format!("(unsafe {{ *{p} }})"),
            )
        } else {
            self.cover("reference");
            (format!("let {p} = &mut {};", var.name), format!("(*{p})"))
        };
        let old = Expr::tmpl(ty.clone(), read, vec![]);
        let value = match &ty {
            Ty::Int(_) => Expr::tmpl(ty.clone(), "{0}.wrapping_add({1})", vec![old, other]),
            Ty::F32 | Ty::F64 => Expr::tmpl(ty.clone(), "({0} * {1})", vec![old, other]),
            Ty::Bool => Expr::tmpl(ty.clone(), "({0} ^ {1})", vec![old, other]),
            _ => Expr::tmpl(
                ty.clone(),
                "(if {1} < {0} { {1} } else { {0} })",
                vec![old, other],
            ),
        };
        vec![Stmt::Scope {
            prefix: vec![prefix],
            body: vec![Stmt::Assign {
                place: Expr::var(ty, format!("*{p}")),
                value,
                unsafe_: raw,
            }],
        }]
    }

    // ---- level 2 ----------------------------------------------------------

    fn steps(&mut self) -> Vec<Step> {
        let mut out = Vec::new();
        for _ in 0..self.rng.usize(3..9) {
            let kind = match self.rng.u32(0..10) {
                0 | 1 => {
                    self.cover("shared memory + barrier");
                    StepKind::SharedRotate(self.rng.u32(1..BLOCK))
                }
                2 => {
                    self.cover("warp shuffle");
                    StepKind::ShuffleXor(1 << self.rng.u32(0..5))
                }
                3 => {
                    self.cover("warp shuffle");
                    StepKind::ShuffleIdx(self.rng.u32(0..32))
                }
                4 => {
                    self.cover("warp vote");
                    StepKind::Ballot(self.rng.u32(0..32))
                }
                5 => {
                    self.cover("warp vote");
                    StepKind::VoteAny(self.rng.u32(0..32))
                }
                6 => {
                    self.cover("order-independent atomics");
                    [
                        StepKind::AtomicAdd,
                        StepKind::AtomicXor,
                        StepKind::AtomicMax,
                    ][self.rng.usize(0..3)]
                }
                7 => {
                    self.cover("divergence");
                    StepKind::Diverge(self.rng.u32(0..6))
                }
                _ => StepKind::Dump(self.site()),
            };
            let combine = [
                "v.wrapping_add(o)",
                "v ^ o.rotate_left(7)",
                "v.wrapping_mul(o | 1)",
                "v.rotate_left(o & 31) ^ o",
                "v.wrapping_sub(o >> 3)",
            ][self.rng.usize(0..5)]
            .to_string();
            out.push(Step { kind, combine });
        }
        out.push(Step {
            kind: StepKind::Dump(self.site()),
            combine: String::new(),
        });
        out
    }
}

/// The constructs every level-1 program set covers (the coverage table's rows).
pub const LEVEL1_CONSTRUCTS: &[&str] = &[
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "bool",
    "char",
    "as casts",
    "i128/u128 <-> float cast",
    "bool/char as int",
    "char methods",
    "array",
    "tuple",
    "struct",
    "enum with payload",
    "Option",
    "Result",
    "reference",
    "raw pointer",
    "slice",
    "match",
    "if let",
    "if expression",
    "for loop",
    "loop with break value",
    "closure",
    "generic fn with trait bound",
    "trait object",
    "iterator chain",
    "inline(never) call",
    "bounded recursion",
    "shift (masked)",
    "rotate_left/right",
    "leading_zeros/count_ones",
    "division (non-zero divisor)",
    "checked_*",
    "saturating_*",
    "overflowing_*",
    "mul_add",
    "to_bits",
];

/// The constructs of level 2 on top of level 1's.
pub const LEVEL2_CONSTRUCTS: &[&str] = &[
    "shared memory + barrier",
    "warp shuffle",
    "warp vote",
    "order-independent atomics",
    "divergence",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_program() {
        let a = crate::render::render(&generate(7, Level::One).0);
        let b = crate::render::render(&generate(7, Level::One).0);
        assert_eq!(a, b);
        let c = crate::render::render(&generate(8, Level::One).0);
        assert_ne!(a, c);
    }

    /// Every construct the lane promises occurs within the first seeds of
    /// each level: the coverage table.
    #[test]
    fn every_construct_occurs() {
        for (level, seeds, want) in [
            (Level::One, 200, LEVEL1_CONSTRUCTS),
            (Level::Two, 100, LEVEL2_CONSTRUCTS),
        ] {
            let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
            for seed in 0..seeds {
                for c in generate(seed, level).1 {
                    *seen.entry(c).or_default() += 1;
                }
            }
            for c in want {
                assert!(
                    seen.get(c).copied().unwrap_or(0) > 0,
                    "level {}: `{c}` never generated in {seeds} seeds (seen: {seen:?})",
                    level.number()
                );
            }
        }
    }
}

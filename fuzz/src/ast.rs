//! The generator's syntax tree: types, expressions, statements and items,
//! and their printing as Rust source. Expressions are templates (`{0}` marks
//! a child) so that the printer and the reducer need not know every
//! construct the generator emits.

use std::fmt::Write;

/// An integer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntTy {
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `i128`
    I128,
    /// `isize`
    Isize,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `u128`
    U128,
    /// `usize`
    Usize,
}

impl IntTy {
    /// Every integer type.
    pub const ALL: [IntTy; 12] = [
        IntTy::I8,
        IntTy::I16,
        IntTy::I32,
        IntTy::I64,
        IntTy::I128,
        IntTy::Isize,
        IntTy::U8,
        IntTy::U16,
        IntTy::U32,
        IntTy::U64,
        IntTy::U128,
        IntTy::Usize,
    ];

    /// The Rust name.
    pub fn name(self) -> &'static str {
        match self {
            IntTy::I8 => "i8",
            IntTy::I16 => "i16",
            IntTy::I32 => "i32",
            IntTy::I64 => "i64",
            IntTy::I128 => "i128",
            IntTy::Isize => "isize",
            IntTy::U8 => "u8",
            IntTy::U16 => "u16",
            IntTy::U32 => "u32",
            IntTy::U64 => "u64",
            IntTy::U128 => "u128",
            IntTy::Usize => "usize",
        }
    }

    /// Width in bits (`isize`/`usize` are 64 on both nvptx64 and x86-64).
    pub fn bits(self) -> u32 {
        match self {
            IntTy::I8 | IntTy::U8 => 8,
            IntTy::I16 | IntTy::U16 => 16,
            IntTy::I32 | IntTy::U32 => 32,
            IntTy::I64 | IntTy::U64 | IntTy::Isize | IntTy::Usize => 64,
            IntTy::I128 | IntTy::U128 => 128,
        }
    }

    /// Whether the type is signed.
    pub fn signed(self) -> bool {
        matches!(
            self,
            IntTy::I8 | IntTy::I16 | IntTy::I32 | IntTy::I64 | IntTy::I128 | IntTy::Isize
        )
    }

    /// The unsigned type of the same width.
    pub fn unsigned(self) -> IntTy {
        match self {
            IntTy::I8 => IntTy::U8,
            IntTy::I16 => IntTy::U16,
            IntTy::I32 => IntTy::U32,
            IntTy::I64 => IntTy::U64,
            IntTy::I128 => IntTy::U128,
            IntTy::Isize => IntTy::Usize,
            u => u,
        }
    }
}

/// A type of the generated language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// An integer.
    Int(IntTy),
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `char`
    Char,
    /// `[T; N]` of a scalar.
    Array(Box<Ty>, usize),
    /// A tuple of scalars.
    Tuple(Vec<Ty>),
    /// A generated struct, by index.
    Struct(usize),
    /// A generated enum, by index.
    Enum(usize),
    /// `Option<T>` of a scalar.
    Option(Box<Ty>),
    /// `Result<T, u8>` of a scalar.
    Result(Box<Ty>),
}

impl Ty {
    /// The Rust spelling.
    pub fn name(&self) -> String {
        match self {
            Ty::Int(i) => i.name().into(),
            Ty::F32 => "f32".into(),
            Ty::F64 => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Char => "char".into(),
            Ty::Array(t, n) => format!("[{}; {n}]", t.name()),
            Ty::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(Ty::name).collect();
                format!("({},)", parts.join(", "))
            }
            Ty::Struct(i) => format!("S{i}"),
            Ty::Enum(i) => format!("E{i}"),
            Ty::Option(t) => format!("Option<{}>", t.name()),
            Ty::Result(t) => format!("Result<{}, u8>", t.name()),
        }
    }

    /// Whether a value of this type is one trace entry.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Ty::Int(_) | Ty::F32 | Ty::F64 | Ty::Bool | Ty::Char)
    }

    /// Whether this is `f32` or `f64`.
    pub fn is_float(&self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }

    /// The integer type, if this is one.
    pub fn int(&self) -> Option<IntTy> {
        match self {
            Ty::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// A plain value of a scalar type, for the reducer: `0`, `false`, `'a'`.
    pub fn zero(&self) -> Option<Lit> {
        Some(match self {
            Ty::Int(i) => Lit::Int(*i, 0),
            Ty::F32 => Lit::F32(0),
            Ty::F64 => Lit::F64(0),
            Ty::Bool => Lit::Bool(false),
            Ty::Char => Lit::Char('a'),
            _ => return None,
        })
    }
}

/// A scalar literal. Floats are kept as bits so that every value prints exactly.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// An integer (the value fits the type; signed values as i128).
    Int(IntTy, i128),
    /// Only for `u128` values above `i128::MAX`.
    U128(u128),
    /// `f32` bits.
    F32(u32),
    /// `f64` bits.
    F64(u64),
    /// `true`/`false`.
    Bool(bool),
    /// A char.
    Char(char),
}

impl Lit {
    /// The Rust spelling; negative values in parentheses.
    pub fn print(&self) -> String {
        match self {
            Lit::Int(t, v) if *v < 0 => format!("({v}{})", t.name()),
            Lit::Int(t, v) => format!("{v}{}", t.name()),
            Lit::U128(v) => format!("{v}u128"),
            Lit::F32(b) => float_lit(
                f32::from_bits(*b) as f64,
                f32::from_bits(*b).is_finite(),
                *b as u64,
                "f32",
            ),
            Lit::F64(b) => float_lit(
                f64::from_bits(*b),
                f64::from_bits(*b).is_finite(),
                *b,
                "f64",
            ),
            Lit::Bool(b) => b.to_string(),
            Lit::Char(c) => format!("'\\u{{{:x}}}'", *c as u32),
        }
    }
}

fn float_lit(v: f64, finite: bool, bits: u64, ty: &str) -> String {
    // Finite values print as decimal literals (Debug round-trips exactly);
    // infinities and NaNs as their bits.
    if finite {
        let s = if ty == "f32" {
            format!("{:?}", v as f32)
        } else {
            format!("{v:?}")
        };
        if s.starts_with('-') {
            format!("({s}{ty})")
        } else {
            format!("{s}{ty}")
        }
    } else {
        format!("{ty}::from_bits({bits:#x})")
    }
}

/// An expression with its type.
#[derive(Clone, Debug)]
pub struct Expr {
    /// Its type.
    pub ty: Ty,
    /// What it is.
    pub kind: ExprKind,
}

/// The shapes of expressions.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A literal.
    Lit(Lit),
    /// A variable (or any fixed text, such as `self.f0`).
    Var(String),
    /// A template: `{0}`, `{1}`, … are replaced by the printed children.
    Tmpl(String, Vec<Expr>),
}

impl Expr {
    /// A literal expression.
    pub fn lit(ty: Ty, lit: Lit) -> Expr {
        Expr {
            ty,
            kind: ExprKind::Lit(lit),
        }
    }

    /// A variable.
    pub fn var(ty: Ty, name: impl Into<String>) -> Expr {
        Expr {
            ty,
            kind: ExprKind::Var(name.into()),
        }
    }

    /// A template over children.
    pub fn tmpl(ty: Ty, t: impl Into<String>, args: Vec<Expr>) -> Expr {
        Expr {
            ty,
            kind: ExprKind::Tmpl(t.into(), args),
        }
    }

    /// The Rust source.
    pub fn print(&self) -> String {
        match &self.kind {
            ExprKind::Lit(l) => l.print(),
            ExprKind::Var(v) => v.clone(),
            ExprKind::Tmpl(t, args) => fill(t, args),
        }
    }

    /// The number of nodes.
    pub fn size(&self) -> usize {
        match &self.kind {
            ExprKind::Tmpl(_, args) => 1 + args.iter().map(Expr::size).sum::<usize>(),
            _ => 1,
        }
    }
}

fn fill(t: &str, args: &[Expr]) -> String {
    let mut out = String::with_capacity(t.len() + 16);
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after.as_bytes().get(digits) == Some(&b'}') {
            let n: usize = after[..digits].parse().unwrap_or(usize::MAX);
            match args.get(n) {
                Some(a) => out.push_str(&a.print()),
                None => out.push_str("{?}"),
            }
            rest = &after[digits + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let [mut] name: ty = init;` (`let name = init;` for a closure,
    /// whose `ty` is the empty tuple).
    Let {
        /// The variable.
        name: String,
        /// Its type.
        ty: Ty,
        /// `let mut`.
        mutable: bool,
        /// Its value.
        init: Expr,
    },
    /// `place = value;` (inside `unsafe` when `unsafe_`).
    Assign {
        /// The place, printed as is.
        place: Expr,
        /// The new value.
        value: Expr,
        /// The place goes through a raw pointer.
        unsafe_: bool,
    },
    /// `t.dump(site, value);`
    Dump {
        /// The trace site number.
        site: u32,
        /// A scalar.
        value: Expr,
    },
    /// `if cond { then } else { els }`
    If {
        /// The condition.
        cond: Expr,
        /// Then.
        then: Vec<Stmt>,
        /// Else.
        els: Vec<Stmt>,
    },
    /// `for var in 0..n { body }`
    For {
        /// The `u32` loop variable.
        var: String,
        /// The trip count.
        n: u32,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `let mut counter = 0u32; let name: ty = loop { counter += 1;
    /// if counter > limit || cond { break value; } body };`
    LoopBreak {
        /// The variable that receives the break value.
        name: String,
        /// Its type.
        ty: Ty,
        /// The trip counter.
        counter: String,
        /// The most iterations.
        limit: u32,
        /// The early exit.
        cond: Expr,
        /// The break value.
        value: Expr,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `if let Some(bind) = opt { then } else { els }`
    IfLet {
        /// The bound name.
        bind: String,
        /// An `Option`.
        opt: Expr,
        /// Then.
        then: Vec<Stmt>,
        /// Else.
        els: Vec<Stmt>,
    },
    /// `match scrut { pat => { body } … }` (the last pattern is `_`).
    Match {
        /// An integer scrutinee.
        scrut: Expr,
        /// Patterns and bodies.
        arms: Vec<(String, Vec<Stmt>)>,
    },
    /// `{ prefix; body }`: a scope for a reference or raw pointer.
    Scope {
        /// Fixed lines (the borrow).
        prefix: Vec<String>,
        /// The statements.
        body: Vec<Stmt>,
    },
}

impl Stmt {
    /// Prints the statement at `indent` levels.
    pub fn print(&self, out: &mut String, indent: usize) {
        let pad = "    ".repeat(indent);
        match self {
            Stmt::Let {
                name,
                ty,
                mutable,
                init,
            } => {
                let m = if *mutable { "mut " } else { "" };
                if *ty == Ty::Tuple(Vec::new()) {
                    // A closure: its type can't be written.
                    let _ = writeln!(out, "{pad}let {name} = {};", init.print());
                } else {
                    let _ = writeln!(out, "{pad}let {m}{name}: {} = {};", ty.name(), init.print());
                }
            }
            Stmt::Assign {
                place,
                value,
                unsafe_,
            } => {
                if *unsafe_ {
                    let _ = writeln!(
                        out,
                        "{pad}unsafe {{ {} = {}; }}",
                        place.print(),
                        value.print()
                    );
                } else {
                    let _ = writeln!(out, "{pad}{} = {};", place.print(), value.print());
                }
            }
            Stmt::Dump { site, value } => {
                let v = value.print();
                if v.contains("(t, ") {
                    // A call that borrows the trace can't be an argument of
                    // a method that borrows it too.
                    let _ = writeln!(out, "{pad}{{ let d = {v}; t.dump({site}, d); }}");
                } else {
                    let _ = writeln!(out, "{pad}t.dump({site}, {v});");
                }
            }
            Stmt::If { cond, then, els } => {
                let _ = writeln!(out, "{pad}if {} {{", cond.print());
                print_block(out, then, indent + 1);
                if els.is_empty() {
                    let _ = writeln!(out, "{pad}}}");
                } else {
                    let _ = writeln!(out, "{pad}}} else {{");
                    print_block(out, els, indent + 1);
                    let _ = writeln!(out, "{pad}}}");
                }
            }
            Stmt::For { var, n, body } => {
                let _ = writeln!(out, "{pad}for {var} in 0..{n}u32 {{");
                print_block(out, body, indent + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::LoopBreak {
                name,
                ty,
                counter,
                limit,
                cond,
                value,
                body,
            } => {
                let _ = writeln!(out, "{pad}let mut {counter} = 0u32;");
                let _ = writeln!(out, "{pad}let mut {name}: {} = loop {{", ty.name());
                let _ = writeln!(out, "{pad}    {counter} += 1;");
                let _ = writeln!(
                    out,
                    "{pad}    if {counter} > {limit} || {} {{ break {}; }}",
                    cond.print(),
                    value.print()
                );
                print_block(out, body, indent + 1);
                let _ = writeln!(out, "{pad}}};");
            }
            Stmt::IfLet {
                bind,
                opt,
                then,
                els,
            } => {
                let _ = writeln!(out, "{pad}if let Some({bind}) = {} {{", opt.print());
                print_block(out, then, indent + 1);
                let _ = writeln!(out, "{pad}}} else {{");
                print_block(out, els, indent + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::Match { scrut, arms } => {
                let _ = writeln!(out, "{pad}match {} {{", scrut.print());
                for (pat, body) in arms {
                    let _ = writeln!(out, "{pad}    {pat} => {{");
                    print_block(out, body, indent + 2);
                    let _ = writeln!(out, "{pad}    }}");
                }
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::Scope { prefix, body } => {
                let _ = writeln!(out, "{pad}{{");
                for p in prefix {
                    let _ = writeln!(out, "{pad}    {p}");
                }
                print_block(out, body, indent + 1);
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }

    /// The statement blocks nested directly in this statement.
    pub fn blocks_mut(&mut self) -> Vec<&mut Vec<Stmt>> {
        match self {
            Stmt::If { then, els, .. } | Stmt::IfLet { then, els, .. } => vec![then, els],
            Stmt::For { body, .. } | Stmt::LoopBreak { body, .. } | Stmt::Scope { body, .. } => {
                vec![body]
            }
            Stmt::Match { arms, .. } => arms.iter_mut().map(|(_, b)| b).collect(),
            Stmt::Let { .. } | Stmt::Assign { .. } | Stmt::Dump { .. } => Vec::new(),
        }
    }

    /// The expressions directly in this statement.
    pub fn exprs_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Stmt::Let { init, .. } => vec![init],
            Stmt::Assign { value, .. } => vec![value],
            Stmt::Dump { value, .. } => vec![value],
            Stmt::If { cond, .. } => vec![cond],
            Stmt::LoopBreak { cond, value, .. } => vec![cond, value],
            Stmt::IfLet { opt, .. } => vec![opt],
            Stmt::Match { scrut, .. } => vec![scrut],
            Stmt::For { .. } | Stmt::Scope { .. } => Vec::new(),
        }
    }
}

/// Prints statements at `indent` levels.
pub fn print_block(out: &mut String, stmts: &[Stmt], indent: usize) {
    for s in stmts {
        s.print(out, indent);
    }
}

/// A generated function: `#[inline(never)] fn name(t: &mut Trace, params) -> ret`.
#[derive(Clone, Debug)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Parameters (scalars).
    pub params: Vec<(String, Ty)>,
    /// The return type (a scalar).
    pub ret: Ty,
    /// The body.
    pub body: Vec<Stmt>,
    /// The returned value.
    pub result: Expr,
    /// Fixed text instead of a generated body (generic and recursive helpers).
    pub fixed: Option<String>,
}

/// A whole generated program.
#[derive(Clone, Debug)]
pub struct Program {
    /// The seed it came from.
    pub seed: u64,
    /// Level 1 (one thread) or 2 (threads that communicate).
    pub level: crate::Level,
    /// What the generator was allowed to emit.
    pub config: crate::gen::Config,
    /// Type definitions and trait impls, printed as is.
    pub types: Vec<String>,
    /// Functions, callees before callers.
    pub functions: Vec<Function>,
    /// The body of `run` (level 1) or of the per-thread value (level 2).
    pub body: Vec<Stmt>,
    /// Level 2: the value each thread starts its communication with.
    pub thread_value: Option<Expr>,
    /// Level 2: the communication steps, in order.
    pub steps: Vec<crate::gen::Step>,
    /// The 16 `u64` inputs the kernel reads from device memory.
    pub inputs: [u64; 16],
}

impl Program {
    /// The number of statements, nested ones included (a size for reduction).
    pub fn size(&self) -> usize {
        fn count(stmts: &[Stmt]) -> usize {
            stmts
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    let inner: usize = s.blocks_mut().iter().map(|b| count(b)).sum();
                    let exprs: usize = s.exprs_mut().iter().map(|e| e.size()).sum();
                    1 + inner + exprs
                })
                .sum()
        }
        let fns: usize = self
            .functions
            .iter()
            .map(|f| 1 + count(&f.body) + f.result.size())
            .sum();
        fns + count(&self.body) + self.types.len() + self.steps.len()
    }
}

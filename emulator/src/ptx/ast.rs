//! The syntax tree of a PTX module: what the text says, before any meaning
//! is given to opcodes. The interpreter (`crate::exec`) decodes it.
//!
//! Every node that can fail later carries its 1-based PTX source line, so an
//! error can always name the line.

/// A whole `.ptx` file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    /// `.version 8.0` → `(8, 0)`.
    pub version: Option<(u32, u32)>,
    /// `.target sm_90a, texmode_independent` → `["sm_90a", "texmode_independent"]`.
    pub target: Vec<String>,
    /// `.address_size 64` (64 when absent).
    pub address_size: u32,
    /// Module-scope variables (`.global`, `.shared`, `.const`, `.extern .shared`, …), in order.
    pub variables: Vec<Variable>,
    /// `.entry` and `.func` definitions and declarations, in order.
    pub functions: Vec<Function>,
    /// The debug lines (`.file`, `.loc`).
    pub debug: DebugLines,
}

/// Debug lines: `.file N "name"` by number, and each `.loc F L C` as (the
/// PTX line it stands on, file number, source line), in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DebugLines {
    pub files: std::collections::HashMap<u32, String>,
    pub locs: Vec<(u32, u32, u32)>,
}

impl DebugLines {
    /// ` (src/lib.rs:42)`, the source position of PTX line `line` for a
    /// report, when the PTX carries debug lines; else nothing.
    pub fn note(&self, line: u32) -> String {
        self.source_of(line)
            .map_or(String::new(), |s| format!(" ({s})"))
    }

    /// The source position (`name:line`) the `.loc` before PTX line `line`
    /// names, if the PTX carries debug lines.
    pub fn source_of(&self, line: u32) -> Option<String> {
        let k = self.locs.partition_point(|l| l.0 < line).checked_sub(1)?;
        let (_, file, src) = self.locs[k];
        Some(format!("{}:{src}", self.files.get(&file)?))
    }
}

/// A state space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    Reg,
    Global,
    Shared,
    Const,
    Local,
    Param,
}

/// `.visible`, `.extern`, `.weak`, `.common`, or none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Linkage {
    #[default]
    None,
    Visible,
    Extern,
    Weak,
    Common,
}

/// A scalar type as written: `.b8 .b16 .b32 .b64 .b128 .u8 … .s64 .f16 .f16x2
/// .bf16 .bf16x2 .f32 .f64 .pred` (the dot is not kept: `"b32"`).
pub type TypeName = String;

/// A variable or parameter declaration (not a `.reg`, see [`Statement::Reg`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub name: String,
    pub space: Space,
    pub linkage: Linkage,
    /// `.align N`.
    pub align: Option<u32>,
    /// `"b8"`, `"u64"`, `"f32"`, … without the dot.
    pub ty: TypeName,
    /// `.v2` / `.v4` → `Some(2)` / `Some(4)`.
    pub vector: Option<u32>,
    /// Array dimensions: `x[4][2]` → `[Some(4), Some(2)]`; `x[]` → `[None]`; scalar → `[]`.
    pub dims: Vec<Option<u64>>,
    /// `.ptr` with its optional `.global`/`.align N` (kept only as a flag).
    pub ptr: bool,
    /// `= {…}` or `= value`, flattened in order.
    pub init: Option<Vec<Init>>,
    pub line: u32,
}

/// One initializer element.
#[derive(Clone, Debug, PartialEq)]
pub enum Init {
    /// An integer, as the bits of a 64-bit two's complement value.
    Int(u64),
    /// `0fXXXXXXXX`.
    F32(u32),
    /// `0dXXXXXXXXXXXXXXXX` or a decimal float.
    F64(u64),
    /// The address of a variable or function: `name`, `name+4`,
    /// `generic(name)`, `generic(name)+4`.
    Symbol {
        name: String,
        offset: i64,
        generic: bool,
    },
}

/// `.entry` or `.func`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    Entry,
    Func,
}

/// A kernel or device function.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub kind: FunctionKind,
    pub linkage: Linkage,
    /// Return parameters: `.func (.param .b32 func_retval0) f(…)`.
    pub returns: Vec<Variable>,
    pub params: Vec<Variable>,
    /// Performance directives between the signature and the body
    /// (`.maxntid 256, 1, 1` → `("maxntid", [256, 1, 1])`, `.noreturn` → `("noreturn", [])`).
    pub directives: Vec<(String, Vec<u64>)>,
    /// `None` for a declaration without a body (`.extern .func vprintf(…);`).
    pub body: Option<Vec<Statement>>,
    pub line: u32,
}

/// One statement of a function body.
///
/// The parser drops `.pragma "…";` (e.g. `"nounroll"`) and the debug
/// directives `.loc`/`.file`: they have no statement here.
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// `.reg .b32 %r<5>;` → `name: "%r", count: Some(5)`: registers `%r0`…`%r4`.
    /// `.reg .pred p;` → `count: None`. One statement per declared name
    /// (`.reg .b32 a, b;` gives two).
    Reg {
        name: String,
        ty: TypeName,
        vector: Option<u32>,
        count: Option<u32>,
        line: u32,
    },
    /// `.local`, `.param`, `.shared` (and rarely `.global`/`.const`) declared inside a body.
    Var(Variable),
    /// `$L__BB0_2:`.
    Label {
        name: String,
        line: u32,
    },
    /// `$L_brx_0: .branchtargets $L__BB0_2, $L__BB0_6;`.
    BranchTargets {
        name: String,
        targets: Vec<String>,
        line: u32,
    },
    /// `prototype_0 : .callprototype (.param .b32 _) _ (.param .b32 _, .param .b64 _);`.
    CallPrototype {
        name: String,
        returns: Vec<Variable>,
        params: Vec<Variable>,
        line: u32,
    },
    /// `{` opening a nested scope (a call sequence).
    BlockStart {
        line: u32,
    },
    /// `}` closing it.
    BlockEnd {
        line: u32,
    },
    Instr(Instruction),
}

/// `@%p1 add.s32 %r1, %r2, 4;`.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    /// `@%p1` / `@!%p1`.
    pub guard: Option<Guard>,
    /// The whole dotted opcode as written: `"ld.global.nc.b32"`, `"call.uni"`, `"ret"`.
    pub opcode: String,
    pub operands: Vec<Operand>,
    pub line: u32,
}

/// A predicate guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guard {
    pub reg: String,
    pub negated: bool,
}

/// An instruction operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `%r1`, `%rd4`, `%p2`, and special registers with their component:
    /// `%tid.x`, `%ctaid.y`, `%laneid`, `%clock64`.
    Reg(String),
    /// `!%p1` as a source operand.
    NotReg(String),
    /// A literal.
    Imm(Imm),
    /// A label, variable, function or prototype name used bare: `bra $L__BB0_2;`,
    /// `mov.u64 %rd1, name;`, `call.uni f, …`.
    Symbol(String),
    /// `[%rd1]`, `[%rd1+8]`, `[%rd1+-4]`, `[name]`, `[name+4]`, `[0x1000]`.
    Address { base: AddressBase, offset: i64 },
    /// `{%r1, %r2}`; an element may be [`Operand::Sink`].
    Vector(Vec<Operand>),
    /// `%p1|%p2`: the two destinations of `setp`.
    PredPair(String, String),
    /// `_`.
    Sink,
    /// A parenthesized list in `call`: `(retval0)`, `(param0, param1)`, `()`.
    List(Vec<Operand>),
}

/// What an address expression is relative to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressBase {
    Reg(String),
    Symbol(String),
    /// An absolute address `[0x1000]`.
    Absolute(u64),
}

/// A literal operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Imm {
    /// An integer (decimal, `0x`, `0b`, octal `0…`, optional `U`), as 64-bit
    /// two's complement bits: `-1` is `u64::MAX`.
    Int(u64),
    /// `0fXXXXXXXX`: the bits of an f32.
    F32(u32),
    /// `0dXXXXXXXXXXXXXXXX` or a decimal float: the bits of an f64.
    F64(u64),
}

/// A malformed or unsupported construct, with its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PTX line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

//! The PTX parser: a hand-written tokenizer ([`super::lex`]) and a recursive
//! descent over its tokens. Purely syntactic: opcodes stay strings.
//!
//! Dropped on purpose (they carry no meaning for execution):
//! - `.pragma "…";` at any place (module, function header, body);
//! - debug-line directives `.file N "name"` and `.loc …` (to the end of their line),
//!   kept in the module's `debug` tables for fault reports.
//!
//! Everything else that is not understood is an error naming its line.

use super::ast::*;
use super::lex::{number, tokenize, Kind, Num, Token};

/// Parses a whole PTX module.
pub fn parse(text: &str) -> Result<Module, ParseError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        toks: &tokens,
        pos: 0,
        nesting: 0,
        debug: DebugLines::default(),
    };
    p.module()
}

type PResult<T> = Result<T, ParseError>;

struct Parser<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
    /// Depth of nested `{…}`/`(…)` in initializers and operands, bounded so
    /// that garbage input cannot overflow the stack.
    nesting: u32,
    /// Debug lines read so far.
    debug: DebugLines,
}

/// The deepest nesting of braces in an initializer or operand.
const MAX_NESTING: u32 = 64;

const TYPES: &[&str] = &[
    "b8", "b16", "b32", "b64", "b128", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f16",
    "f16x2", "bf16", "bf16x2", "f32", "f64", "pred", "tf32", "e4m3", "e5m2", "e4m3x2", "e5m2x2",
];

const PERF_DIRECTIVES: &[&str] = &[
    ".maxntid",
    ".reqntid",
    ".minnctapersm",
    ".maxnctapersm",
    ".maxnreg",
    ".noreturn",
    ".explicitcluster",
    ".reqnctapercluster",
    ".maxclusterrank",
    ".blocksareclusters",
];

fn space_of(d: &str) -> Option<Space> {
    Some(match d {
        ".reg" => Space::Reg,
        ".global" => Space::Global,
        ".shared" => Space::Shared,
        ".const" => Space::Const,
        ".local" => Space::Local,
        ".param" => Space::Param,
        _ => return None,
    })
}

fn linkage_of(d: &str) -> Option<Linkage> {
    Some(match d {
        ".visible" => Linkage::Visible,
        ".extern" => Linkage::Extern,
        ".weak" => Linkage::Weak,
        ".common" => Linkage::Common,
        _ => return None,
    })
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Token<'a> {
        self.toks[self.pos]
    }

    fn peek_at(&self, n: usize) -> Token<'a> {
        self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token<'a> {
        let t = self.toks[self.pos];
        if t.kind != Kind::Eof {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, line: u32, message: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            line,
            message: message.into(),
        })
    }

    fn unexpected<T>(&self, expected: &str) -> PResult<T> {
        let t = self.peek();
        self.err(
            t.line,
            format!("expected {expected}, found {}", t.describe()),
        )
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek().is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char, context: &str) -> PResult<Token<'a>> {
        if self.peek().is_punct(c) {
            Ok(self.bump())
        } else {
            self.unexpected(&format!("'{c}'{context}"))
        }
    }

    fn expect_word(&mut self, what: &str) -> PResult<Token<'a>> {
        if self.peek().kind == Kind::Word {
            Ok(self.bump())
        } else {
            self.unexpected(what)
        }
    }

    /// An unsigned integer literal (a count, a dimension, an alignment).
    fn expect_uint(&mut self, what: &str) -> PResult<u64> {
        let t = self.peek();
        if t.kind != Kind::Number {
            return self.unexpected(what);
        }
        match number(t.text) {
            Ok(Num::Int(v)) => {
                self.pos += 1;
                Ok(v)
            }
            Ok(_) => self.err(t.line, format!("expected {what}, found {}", t.describe())),
            Err(e) => self.err(t.line, e),
        }
    }

    fn expect_u32(&mut self, what: &str) -> PResult<u32> {
        let line = self.peek().line;
        let v = self.expect_uint(what)?;
        u32::try_from(v).or_else(|_| self.err(line, format!("{what} {v} is too large")))
    }

    /// Skips `.pragma "…"(, "…")* ;` (the `.pragma` token is current).
    fn skip_pragma(&mut self) -> PResult<()> {
        self.bump();
        loop {
            if self.peek().kind != Kind::Str {
                return self.unexpected("a string after .pragma");
            }
            self.bump();
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(';', " after .pragma")?;
        Ok(())
    }

    /// Skips a debug directive (`.loc`, `.file`) to the end of its line.
    fn skip_line(&mut self) {
        let line = self.bump().line;
        while self.peek().kind != Kind::Eof && self.peek().line == line {
            self.bump();
        }
    }

    /// Reads a debug directive into the module's tables, to the end of its
    /// line: `.file N "name" …` and `.loc F L C …` (anything it does not
    /// understand is skipped: debug lines never fail a load).
    fn debug_line(&mut self) {
        let t = self.peek();
        let (line, what) = (t.line, t.text);
        let mut words = Vec::new();
        let mut k = self.pos + 1;
        while let Some(w) = self
            .toks
            .get(k)
            .filter(|w| w.kind != Kind::Eof && w.line == line)
        {
            words.push(*w);
            k += 1;
        }
        let num = |i: usize| -> Option<u32> {
            let w = words.get(i)?;
            (w.kind == Kind::Number)
                .then(|| w.text.parse().ok())
                .flatten()
        };
        match what {
            ".file" => {
                if let (Some(n), Some(name)) =
                    (num(0), words.get(1).filter(|w| w.kind == Kind::Str))
                {
                    self.debug
                        .files
                        .insert(n, name.text.trim_matches('"').to_string());
                }
            }
            _ => {
                if let (Some(f), Some(l)) = (num(0), num(1)) {
                    self.debug.locs.push((line, f, l));
                }
            }
        }
        self.skip_line();
    }

    // ---------------------------------------------------------------- module

    fn module(&mut self) -> PResult<Module> {
        let mut m = Module {
            address_size: 64,
            ..Module::default()
        };
        loop {
            let t = self.peek();
            match t.kind {
                Kind::Eof => {
                    m.debug = std::mem::take(&mut self.debug);
                    return Ok(m);
                }
                Kind::Directive => {}
                _ => return self.unexpected("a directive at module scope"),
            }
            match t.text {
                ".version" => {
                    self.bump();
                    let v = self.peek();
                    let parsed = (v.kind == Kind::Number)
                        .then(|| v.text.split_once('.'))
                        .flatten()
                        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                    match parsed {
                        Some(ver) => m.version = Some(ver),
                        None => return self.unexpected("a version number like 8.0 after .version"),
                    }
                    self.bump();
                }
                ".target" => {
                    self.bump();
                    loop {
                        let w = self.expect_word("a target name after .target")?;
                        m.target.push(w.text.to_string());
                        if !self.eat_punct(',') {
                            break;
                        }
                    }
                }
                ".address_size" => {
                    self.bump();
                    m.address_size = self.expect_u32("an address size after .address_size")?;
                }
                ".pragma" => self.skip_pragma()?,
                ".file" | ".loc" => self.debug_line(),
                _ => {
                    let line = t.line;
                    let mut linkage = Linkage::None;
                    while let Some(l) =
                        linkage_of(self.peek().text).filter(|_| self.peek().kind == Kind::Directive)
                    {
                        if linkage != Linkage::None {
                            return self.err(
                                self.peek().line,
                                format!("second linkage {}", self.peek().text),
                            );
                        }
                        linkage = l;
                        self.bump();
                    }
                    let d = self.peek();
                    if d.is_directive(".entry") || d.is_directive(".func") {
                        let f = self.function(linkage, line)?;
                        m.functions.push(f);
                    } else if d.kind == Kind::Directive && space_of(d.text).is_some() {
                        let vars = self.var_decl_list(linkage)?;
                        m.variables.extend(vars);
                    } else if d.kind == Kind::Directive {
                        return self.err(d.line, format!("unknown directive {}", d.text));
                    } else {
                        return self
                            .unexpected("'.entry', '.func' or a variable after the linkage");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------- variables

    /// `.space [attributes] name[dims] [= init] (, name[dims] [= init])* ;`
    /// with the state-space token current.
    fn var_decl_list(&mut self, linkage: Linkage) -> PResult<Vec<Variable>> {
        let first = self.variable(linkage)?;
        let mut out = vec![first];
        while self.eat_punct(',') {
            let proto = out[0].clone();
            let v = self.var_tail(proto)?;
            out.push(v);
        }
        self.expect_punct(';', " after a variable declaration")?;
        Ok(out)
    }

    /// One variable: state space, attributes, name, dimensions, initializer.
    fn variable(&mut self, linkage: Linkage) -> PResult<Variable> {
        let t = self.bump();
        let space = match space_of(t.text).filter(|_| t.kind == Kind::Directive) {
            Some(s) => s,
            None => {
                return self.err(
                    t.line,
                    format!(
                        "expected a state space (.param, .reg, …), found {}",
                        t.describe()
                    ),
                )
            }
        };
        let mut v = Variable {
            name: String::new(),
            space,
            linkage,
            align: None,
            ty: String::new(),
            vector: None,
            dims: Vec::new(),
            ptr: false,
            init: None,
            line: t.line,
        };
        self.var_attributes(&mut v.align, &mut v.vector, &mut v.ty, Some(&mut v.ptr))?;
        self.var_tail(v)
    }

    /// `.align N`, `.vN`, the type, `.ptr [.space] [.align N]`, in any order,
    /// up to the name.
    fn var_attributes(
        &mut self,
        align: &mut Option<u32>,
        vector: &mut Option<u32>,
        ty: &mut String,
        mut ptr: Option<&mut bool>,
    ) -> PResult<()> {
        loop {
            let t = self.peek();
            if t.kind != Kind::Directive {
                break;
            }
            match t.text {
                ".align" => {
                    self.bump();
                    *align = Some(self.expect_u32("an alignment after .align")?);
                }
                ".v2" | ".v4" | ".v8" => {
                    self.bump();
                    *vector = Some(t.text[2..].parse().unwrap_or(0));
                }
                ".ptr" if ptr.is_some() => {
                    self.bump();
                    if let Some(p) = ptr.as_deref_mut() {
                        *p = true;
                    }
                    if matches!(
                        self.peek().text,
                        ".global" | ".shared" | ".const" | ".local"
                    ) && self.peek().kind == Kind::Directive
                    {
                        self.bump();
                    }
                    if self.peek().is_directive(".align") {
                        self.bump();
                        self.expect_u32("an alignment after .ptr .align")?;
                    }
                }
                _ if TYPES.contains(&&t.text[1..]) => {
                    if !ty.is_empty() {
                        return self
                            .err(t.line, format!("second type {} in a declaration", t.text));
                    }
                    self.bump();
                    *ty = t.text[1..].to_string();
                }
                _ => {
                    return self.err(
                        t.line,
                        format!("unknown directive {} in a declaration", t.text),
                    )
                }
            }
        }
        if ty.is_empty() {
            return self.unexpected("a type (.b32, .u64, …) in the declaration");
        }
        Ok(())
    }

    /// Name, dimensions and initializer, filling in `v`.
    fn var_tail(&mut self, mut v: Variable) -> PResult<Variable> {
        let name = self.expect_word("a variable name")?;
        v.name = name.text.to_string();
        v.line = name.line;
        v.dims.clear();
        v.init = None;
        while self.eat_punct('[') {
            if self.eat_punct(']') {
                v.dims.push(None);
            } else {
                v.dims.push(Some(self.expect_uint("an array size")?));
                self.expect_punct(']', " after the array size")?;
            }
        }
        if self.eat_punct('=') {
            let mut init = Vec::new();
            self.init_value(&mut init)?;
            v.init = Some(init);
        }
        Ok(v)
    }

    /// `value` or `{value, …}` (nested braces flattened).
    fn init_value(&mut self, out: &mut Vec<Init>) -> PResult<()> {
        if self.peek().is_punct('{') {
            self.enter()?;
            let r = self.init_braced(out);
            self.nesting -= 1;
            return r;
        }
        self.init_scalar(out)
    }

    fn enter(&mut self) -> PResult<()> {
        if self.nesting >= MAX_NESTING {
            let line = self.peek().line;
            return self.err(line, format!("braces nested deeper than {MAX_NESTING}"));
        }
        self.nesting += 1;
        Ok(())
    }

    fn init_braced(&mut self, out: &mut Vec<Init>) -> PResult<()> {
        {
            self.bump();
            if self.eat_punct('}') {
                return Ok(());
            }
            loop {
                self.init_value(out)?;
                if self.eat_punct('}') {
                    return Ok(());
                }
                if !self.eat_punct(',') {
                    return self.unexpected("',' or '}' in the initializer");
                }
            }
        }
    }

    fn init_scalar(&mut self, out: &mut Vec<Init>) -> PResult<()> {
        let t = self.peek();
        if t.kind == Kind::Word && t.text == "generic" && self.peek_at(1).is_punct('(') {
            self.bump();
            self.bump();
            let name = self.expect_word("a name in generic(…)")?;
            self.expect_punct(')', " after generic(name")?;
            let offset = self.symbol_offset()?;
            out.push(Init::Symbol {
                name: name.text.to_string(),
                offset,
                generic: true,
            });
            return Ok(());
        }
        if t.kind == Kind::Word {
            self.bump();
            let offset = self.symbol_offset()?;
            out.push(Init::Symbol {
                name: t.text.to_string(),
                offset,
                generic: false,
            });
            return Ok(());
        }
        let imm = self.immediate("an initializer value")?;
        out.push(match imm {
            Imm::Int(v) => Init::Int(v),
            Imm::F32(v) => Init::F32(v),
            Imm::F64(v) => Init::F64(v),
        });
        Ok(())
    }

    /// `+N`, `-N`, `+-N` after a symbol or register, or nothing (0).
    fn symbol_offset(&mut self) -> PResult<i64> {
        let negative = if self.eat_punct('+') {
            self.eat_punct('-')
        } else if self.eat_punct('-') {
            true
        } else {
            return Ok(0);
        };
        let v = self.expect_uint("an offset")? as i64;
        Ok(if negative { v.wrapping_neg() } else { v })
    }

    /// A possibly negative numeric literal.
    fn immediate(&mut self, what: &str) -> PResult<Imm> {
        let negative = self.eat_punct('-');
        let t = self.peek();
        if t.kind != Kind::Number {
            return self.unexpected(what);
        }
        self.bump();
        let n = number(t.text).or_else(|e| self.err(t.line, e))?;
        Ok(match (n, negative) {
            (Num::Int(v), false) => Imm::Int(v),
            (Num::Int(v), true) => Imm::Int(v.wrapping_neg()),
            (Num::F32(v), neg) => Imm::F32(if neg { v ^ (1 << 31) } else { v }),
            (Num::F64(v), neg) => Imm::F64(if neg { v ^ (1 << 63) } else { v }),
        })
    }

    // ------------------------------------------------------------- functions

    /// `( .param …, .param … )` or `()`, the `(` current.
    fn param_list(&mut self) -> PResult<Vec<Variable>> {
        self.expect_punct('(', "")?;
        let mut out = Vec::new();
        if self.eat_punct(')') {
            return Ok(out);
        }
        loop {
            let t = self.peek();
            if !(t.is_directive(".param") || t.is_directive(".reg")) {
                return self.unexpected("'.param' or '.reg' in the parameter list");
            }
            out.push(self.variable(Linkage::None)?);
            if self.eat_punct(')') {
                return Ok(out);
            }
            if !self.eat_punct(',') {
                return self.unexpected("',' or ')' in the parameter list");
            }
        }
    }

    fn function(&mut self, linkage: Linkage, line: u32) -> PResult<Function> {
        let kind = if self.bump().text == ".entry" {
            FunctionKind::Entry
        } else {
            FunctionKind::Func
        };
        let returns = if kind == FunctionKind::Func && self.peek().is_punct('(') {
            self.param_list()?
        } else {
            Vec::new()
        };
        let name = self.expect_word("a function name")?.text.to_string();
        let params = if self.peek().is_punct('(') {
            self.param_list()?
        } else {
            Vec::new()
        };
        let mut directives = Vec::new();
        loop {
            let t = self.peek();
            if t.kind != Kind::Directive {
                break;
            }
            if t.text == ".pragma" {
                self.skip_pragma()?;
                continue;
            }
            if !PERF_DIRECTIVES.contains(&t.text) {
                return self.err(
                    t.line,
                    format!("unknown directive {} in the header of {name}", t.text),
                );
            }
            self.bump();
            let mut values = Vec::new();
            if self.peek().kind == Kind::Number {
                loop {
                    values.push(self.expect_uint("a number")?);
                    if !self.eat_punct(',') {
                        break;
                    }
                }
            }
            directives.push((t.text[1..].to_string(), values));
        }
        let body = if self.eat_punct(';') {
            None
        } else if self.peek().is_punct('{') {
            self.bump();
            Some(self.body()?)
        } else {
            return self.unexpected(&format!("'{{' or ';' after the signature of {name}"));
        };
        Ok(Function {
            name,
            kind,
            linkage,
            returns,
            params,
            directives,
            body,
            line,
        })
    }

    /// Statements up to the `}` that closes the body (the `{` consumed).
    fn body(&mut self) -> PResult<Vec<Statement>> {
        let mut out = Vec::new();
        let mut depth = 0u32;
        loop {
            let t = self.peek();
            match t.kind {
                Kind::Eof => return self.unexpected("'}' closing the function body"),
                Kind::Punct if t.is_punct('{') => {
                    self.bump();
                    depth += 1;
                    out.push(Statement::BlockStart { line: t.line });
                }
                Kind::Punct if t.is_punct('}') => {
                    self.bump();
                    if depth == 0 {
                        return Ok(out);
                    }
                    depth -= 1;
                    out.push(Statement::BlockEnd { line: t.line });
                }
                Kind::Directive => self.body_directive(&mut out)?,
                Kind::Word if self.peek_at(1).is_punct(':') => {
                    self.bump();
                    self.bump();
                    self.after_label(t, &mut out)?;
                }
                Kind::Word | Kind::Punct if t.kind == Kind::Word || t.is_punct('@') => {
                    out.push(Statement::Instr(self.instruction()?));
                }
                _ => return self.unexpected("an instruction, a declaration or a label"),
            }
        }
    }

    fn body_directive(&mut self, out: &mut Vec<Statement>) -> PResult<()> {
        let t = self.peek();
        match t.text {
            ".reg" => {
                self.bump();
                let (mut align, mut vector, mut ty) = (None, None, String::new());
                self.var_attributes(&mut align, &mut vector, &mut ty, None)?;
                loop {
                    let name = self.expect_word("a register name")?;
                    let count = if self.eat_punct('<') {
                        let n = self.expect_u32("a register count")?;
                        self.expect_punct('>', " after the register count")?;
                        Some(n)
                    } else {
                        None
                    };
                    out.push(Statement::Reg {
                        name: name.text.to_string(),
                        ty: ty.clone(),
                        vector,
                        count,
                        line: name.line,
                    });
                    if !self.eat_punct(',') {
                        break;
                    }
                }
                self.expect_punct(';', " after a .reg declaration")?;
            }
            ".local" | ".param" | ".shared" | ".global" | ".const" => {
                for v in self.var_decl_list(Linkage::None)? {
                    out.push(Statement::Var(v));
                }
            }
            ".pragma" => self.skip_pragma()?,
            ".loc" | ".file" => self.debug_line(),
            _ => return self.err(t.line, format!("unknown directive {}", t.text)),
        }
        Ok(())
    }

    /// After `name :`: a label, a `.branchtargets` or a `.callprototype`.
    fn after_label(&mut self, name: Token<'a>, out: &mut Vec<Statement>) -> PResult<()> {
        let t = self.peek();
        if t.is_directive(".branchtargets") {
            self.bump();
            let mut targets = Vec::new();
            loop {
                targets.push(
                    self.expect_word("a label in .branchtargets")?
                        .text
                        .to_string(),
                );
                if !self.eat_punct(',') {
                    break;
                }
            }
            self.expect_punct(';', " or ',' in .branchtargets")?;
            out.push(Statement::BranchTargets {
                name: name.text.to_string(),
                targets,
                line: name.line,
            });
        } else if t.is_directive(".callprototype") {
            self.bump();
            let returns = self.param_list()?;
            let sink = self.expect_word("'_' after the return list of .callprototype")?;
            if sink.text != "_" {
                return self.err(
                    sink.line,
                    format!("expected '_' in .callprototype, found '{}'", sink.text),
                );
            }
            let params = if self.peek().is_punct('(') {
                self.param_list()?
            } else {
                Vec::new()
            };
            while matches!(self.peek().text, ".noreturn") && self.peek().kind == Kind::Directive {
                self.bump();
            }
            self.expect_punct(';', " after .callprototype")?;
            out.push(Statement::CallPrototype {
                name: name.text.to_string(),
                returns,
                params,
                line: name.line,
            });
        } else {
            out.push(Statement::Label {
                name: name.text.to_string(),
                line: name.line,
            });
        }
        Ok(())
    }

    // ---------------------------------------------------------- instructions

    fn instruction(&mut self) -> PResult<Instruction> {
        let line = self.peek().line;
        let guard = if self.eat_punct('@') {
            let negated = self.eat_punct('!');
            let r = self.expect_word("a predicate register after '@'")?;
            Some(Guard {
                reg: r.text.to_string(),
                negated,
            })
        } else {
            None
        };
        let op = self.expect_word("an opcode")?;
        if op.text.starts_with(['%', '$']) {
            return self.err(op.line, format!("expected an opcode, found '{}'", op.text));
        }
        let mut operands = Vec::new();
        if !self.eat_punct(';') {
            loop {
                operands.push(self.operand()?);
                if self.eat_punct(';') {
                    break;
                }
                if !self.eat_punct(',') {
                    return self.unexpected("',' or ';' after operand");
                }
            }
        }
        Ok(Instruction {
            guard,
            opcode: op.text.to_string(),
            operands,
            line,
        })
    }

    /// Operands separated by ',' up to the closing `close`, which is consumed.
    fn operand_list(&mut self, close: char, what: &str) -> PResult<Vec<Operand>> {
        let mut out = Vec::new();
        if self.eat_punct(close) {
            return Ok(out);
        }
        loop {
            out.push(self.operand()?);
            if self.eat_punct(close) {
                return Ok(out);
            }
            if !self.eat_punct(',') {
                return self.unexpected(&format!("',' or '{close}' in {what}"));
            }
        }
    }

    fn operand(&mut self) -> PResult<Operand> {
        let t = self.peek();
        match t.kind {
            Kind::Word => {
                self.bump();
                if t.text == "_" {
                    return Ok(Operand::Sink);
                }
                if t.text.starts_with('%') {
                    if self.eat_punct('|') {
                        let q = self.expect_word("a predicate register after '|'")?;
                        return Ok(Operand::PredPair(t.text.to_string(), q.text.to_string()));
                    }
                    return Ok(Operand::Reg(t.text.to_string()));
                }
                if self.peek().is_punct('+')
                    || self.peek().is_punct('-')
                    || self.peek().is_punct('(')
                {
                    return self.unexpected(&format!("',' or ';' after operand '{}'", t.text));
                }
                Ok(Operand::Symbol(t.text.to_string()))
            }
            Kind::Number => Ok(Operand::Imm(self.immediate("an operand")?)),
            Kind::Punct => match t.text {
                "-" => Ok(Operand::Imm(self.immediate("a number after '-'")?)),
                "!" => {
                    self.bump();
                    let r = self.expect_word("a register after '!'")?;
                    Ok(Operand::NotReg(r.text.to_string()))
                }
                "[" => {
                    self.bump();
                    self.address()
                }
                "{" => {
                    self.bump();
                    self.enter()?;
                    let r = self.operand_list('}', "a vector operand");
                    self.nesting -= 1;
                    Ok(Operand::Vector(r?))
                }
                "(" => {
                    self.bump();
                    self.enter()?;
                    let r = self.operand_list(')', "a parenthesized list");
                    self.nesting -= 1;
                    Ok(Operand::List(r?))
                }
                _ => self.unexpected("an operand"),
            },
            _ => self.unexpected("an operand"),
        }
    }

    /// `base[+offset]]` after `[`.
    fn address(&mut self) -> PResult<Operand> {
        let t = self.peek();
        let base = match t.kind {
            Kind::Word => {
                self.bump();
                if t.text.starts_with('%') {
                    AddressBase::Reg(t.text.to_string())
                } else {
                    AddressBase::Symbol(t.text.to_string())
                }
            }
            Kind::Number => match self.immediate("an address")? {
                Imm::Int(v) => AddressBase::Absolute(v),
                _ => return self.err(t.line, format!("a float {} cannot be an address", t.text)),
            },
            _ => return self.unexpected("a register, a name or a number in the address"),
        };
        let mut offset = self.symbol_offset()?;
        if let AddressBase::Absolute(a) = base {
            let a = a.wrapping_add(offset as u64);
            offset = 0;
            self.expect_punct(']', " closing the address")?;
            return Ok(Operand::Address {
                base: AddressBase::Absolute(a),
                offset,
            });
        }
        self.expect_punct(']', " closing the address")?;
        Ok(Operand::Address { base, offset })
    }
}

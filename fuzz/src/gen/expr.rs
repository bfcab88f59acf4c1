//! The generator's expressions: scalar expressions of every type, casts,
//! calls, projections out of aggregates, and aggregate initializers. Each
//! method returns a tree whose evaluation can't trap or hit undefined
//! behaviour (see the module above).

use super::Gen;
use crate::ast::{Expr, IntTy, Ty};

impl Gen {
    // ---- expressions ----------------------------------------------------

    /// A scalar expression of type `ty`, at most `depth` levels deep.
    pub(super) fn expr(&mut self, ty: &Ty, depth: u32) -> Expr {
        if depth == 0 || self.chance(25) {
            return self.leaf(ty);
        }
        for _ in 0..4 {
            let e = match self.rng.u32(0..10) {
                0..=5 => match ty {
                    Ty::Int(i) => Some(self.int_expr(*i, depth)),
                    Ty::F32 | Ty::F64 => Some(self.float_expr(ty, depth)),
                    Ty::Bool => Some(self.bool_expr(depth)),
                    Ty::Char => Some(self.char_expr(depth)),
                    _ => None,
                },
                6 => Some(self.cast_expr(ty, depth)),
                7 => self.call_expr(ty, depth),
                _ => self.projection(ty, depth),
            };
            if let Some(e) = e {
                return e;
            }
        }
        self.leaf(ty)
    }

    pub(super) fn sub(&mut self, ty: &Ty, depth: u32) -> Expr {
        self.expr(ty, depth - 1)
    }

    pub(super) fn u32_sub(&mut self, depth: u32) -> Expr {
        self.sub(&Ty::Int(IntTy::U32), depth)
    }

    pub(super) fn int_expr(&mut self, i: IntTy, depth: u32) -> Expr {
        let ty = Ty::Int(i);
        let t = i.name();
        let mask = i.bits() - 1;
        let a = self.sub(&ty, depth);
        let choice = self.rng.u32(0..24);
        let (tmpl, args): (String, Vec<Expr>) = match choice {
            0 => (
                "{0}.wrapping_add({1})".into(),
                vec![a, self.sub(&ty, depth)],
            ),
            1 => (
                "{0}.wrapping_sub({1})".into(),
                vec![a, self.sub(&ty, depth)],
            ),
            2 => (
                "{0}.wrapping_mul({1})".into(),
                vec![a, self.sub(&ty, depth)],
            ),
            3 => {
                let op = ["^", "&", "|"][self.rng.usize(0..3)];
                (format!("({{0}} {op} {{1}})"), vec![a, self.sub(&ty, depth)])
            }
            4 => {
                self.cover("shift (masked)");
                let op = ["<<", ">>"][self.rng.usize(0..2)];
                (
                    format!("({{0}} {op} ({{1}} & {mask}u32))"),
                    vec![a, self.u32_sub(depth)],
                )
            }
            5 => {
                self.cover("shift (masked)");
                let m = ["wrapping_shl", "wrapping_shr"][self.rng.usize(0..2)];
                (format!("{{0}}.{m}({{1}})"), vec![a, self.u32_sub(depth)])
            }
            6 => {
                self.cover("rotate_left/right");
                let m = ["rotate_left", "rotate_right"][self.rng.usize(0..2)];
                (format!("{{0}}.{m}({{1}})"), vec![a, self.u32_sub(depth)])
            }
            7 => {
                self.cover("division (non-zero divisor)");
                let m = [
                    "wrapping_div",
                    "wrapping_rem",
                    "wrapping_div_euclid",
                    "wrapping_rem_euclid",
                ][self.rng.usize(0..4)];
                (
                    format!("{{0}}.{m}({{1}} | 1)"),
                    vec![a, self.sub(&ty, depth)],
                )
            }
            8 => {
                self.cover("checked_*");
                self.cover("Option");
                let m = [
                    "checked_add",
                    "checked_sub",
                    "checked_mul",
                    "checked_div",
                    "checked_rem",
                ][self.rng.usize(0..5)];
                let d = self.literal(&ty);
                (
                    format!("{{0}}.{m}({{1}}).unwrap_or({{2}})"),
                    vec![a, self.sub(&ty, depth), d],
                )
            }
            9 => {
                self.cover("saturating_*");
                let m =
                    ["saturating_add", "saturating_sub", "saturating_mul"][self.rng.usize(0..3)];
                (format!("{{0}}.{m}({{1}})"), vec![a, self.sub(&ty, depth)])
            }
            10 => {
                self.cover("overflowing_*");
                if self.rng.bool() {
                    (
                        "{0}.overflowing_add({1}).0".into(),
                        vec![a, self.sub(&ty, depth)],
                    )
                } else {
                    (
                        format!("({{0}}.overflowing_mul({{1}}).1 as {t})"),
                        vec![a, self.sub(&ty, depth)],
                    )
                }
            }
            11 => {
                let m = ["wrapping_neg()", "swap_bytes()", "reverse_bits()"][self.rng.usize(0..3)];
                (format!("{{0}}.{m}"), vec![a])
            }
            12 | 13 => {
                self.cover("leading_zeros/count_ones");
                let other = Ty::Int(self.int_ty());
                let m = [
                    "leading_zeros",
                    "trailing_zeros",
                    "count_ones",
                    "count_zeros",
                    "trailing_ones",
                ][self.rng.usize(0..5)];
                (
                    format!("({{0}}.{m}() as {t})"),
                    vec![self.sub(&other, depth)],
                )
            }
            14 => {
                let other = self.int_ty();
                (
                    format!("({{0}}.abs_diff({{1}}) as {t})"),
                    vec![
                        self.sub(&Ty::Int(other), depth),
                        self.sub(&Ty::Int(other), depth),
                    ],
                )
            }
            15 => (
                "{0}.wrapping_pow({1} % 7)".into(),
                vec![a, self.u32_sub(depth)],
            ),
            16 => {
                let m = ["min", "max"][self.rng.usize(0..2)];
                (format!("{{0}}.{m}({{1}})"), vec![a, self.sub(&ty, depth)])
            }
            17 if i.signed() => {
                let m = ["wrapping_abs()", "signum()"][self.rng.usize(0..2)];
                (format!("{{0}}.{m}"), vec![a])
            }
            17 => ("{0}.isqrt()".into(), vec![a]),
            18 => {
                self.cover("if expression");
                (
                    "(if {0} { {1} } else { {2} })".into(),
                    vec![self.sub(&Ty::Bool, depth), a, self.sub(&ty, depth)],
                )
            }
            19 => return self.match_expr(&ty, depth),
            20 => {
                self.cover("to_bits");
                if self.rng.bool() {
                    (
                        format!("(bits32({{0}}) as {t})"),
                        vec![self.sub(&Ty::F32, depth)],
                    )
                } else {
                    (
                        format!("(bits64({{0}}) as {t})"),
                        vec![self.sub(&Ty::F64, depth)],
                    )
                }
            }
            21 => {
                self.cover("generic fn with trait bound");
                ("larger({0}, {1})".into(), vec![a, self.sub(&ty, depth)])
            }
            22 => {
                self.cover("Result");
                // try_from narrows: Ok when the value fits.
                let from = Ty::Int(self.int_ty());
                let d = self.literal(&ty);
                (
                    format!("{t}::try_from({{0}}).unwrap_or({{1}})"),
                    vec![self.sub(&from, depth), d],
                )
            }
            _ => {
                self.cover("bool/char as int");
                if self.rng.bool() {
                    (format!("({{0}} as {t})"), vec![self.sub(&Ty::Bool, depth)])
                } else {
                    (format!("({{0}} as {t})"), vec![self.sub(&Ty::Char, depth)])
                }
            }
        };
        Expr::tmpl(ty, tmpl, args)
    }

    pub(super) fn float_expr(&mut self, ty: &Ty, depth: u32) -> Expr {
        let f = ty.name();
        let a = self.sub(ty, depth);
        let (tmpl, args): (String, Vec<Expr>) = match self.rng.u32(0..12) {
            0..=3 => {
                let ops = if self.config.known_bugs { 5 } else { 4 };
                let op = ["+", "-", "*", "/", "%"][self.rng.usize(0..ops)];
                (format!("({{0}} {op} {{1}})"), vec![a, self.sub(ty, depth)])
            }
            4 => ("(-{0})".into(), vec![a]),
            5 => ("{0}.abs()".into(), vec![a]),
            6 => {
                self.cover("mul_add");
                (
                    format!("core::{f}::math::mul_add({{0}}, {{1}}, {{2}})"),
                    vec![a, self.sub(ty, depth), self.sub(ty, depth)],
                )
            }
            7 => {
                let m = ["sqrt", "floor", "ceil", "trunc", "round"][self.rng.usize(0..5)];
                (format!("core::{f}::math::{m}({{0}})"), vec![a])
            }
            8 => {
                let bits = if ty == &Ty::F32 {
                    IntTy::U32
                } else {
                    IntTy::U64
                };
                (
                    format!("{f}::from_bits({{0}})"),
                    vec![self.sub(&Ty::Int(bits), depth)],
                )
            }
            9 => {
                self.cover("if expression");
                (
                    "(if {0} { {1} } else { {2} })".into(),
                    vec![self.sub(&Ty::Bool, depth), a, self.sub(ty, depth)],
                )
            }
            10 => {
                self.cover("generic fn with trait bound");
                ("larger({0}, {1})".into(), vec![a, self.sub(ty, depth)])
            }
            _ => return self.match_expr(ty, depth),
        };
        Expr::tmpl(ty.clone(), tmpl, args)
    }

    pub(super) fn bool_expr(&mut self, depth: u32) -> Expr {
        let b = Ty::Bool;
        let (tmpl, args): (String, Vec<Expr>) = match self.rng.u32(0..9) {
            0..=2 => {
                let s = self.scalar_ty();
                let op = ["<", "<=", "==", "!=", ">", ">="][self.rng.usize(0..6)];
                (
                    format!("({{0}} {op} {{1}})"),
                    vec![self.sub(&s, depth), self.sub(&s, depth)],
                )
            }
            3 => {
                let op = ["&&", "||", "^"][self.rng.usize(0..3)];
                (
                    format!("({{0}} {op} {{1}})"),
                    vec![self.sub(&b, depth), self.sub(&b, depth)],
                )
            }
            4 => ("(!{0})".into(), vec![self.sub(&b, depth)]),
            5 => {
                let f = if self.rng.bool() { Ty::F32 } else { Ty::F64 };
                let m = [
                    "is_nan",
                    "is_finite",
                    "is_infinite",
                    "is_normal",
                    "is_subnormal",
                ][self.rng.usize(0..5)];
                (format!("{{0}}.{m}()"), vec![self.sub(&f, depth)])
            }
            6 => {
                let u = [IntTy::U8, IntTy::U16, IntTy::U32, IntTy::U64, IntTy::U128]
                    [self.rng.usize(0..5)];
                (
                    "{0}.is_power_of_two()".into(),
                    vec![self.sub(&Ty::Int(u), depth)],
                )
            }
            7 => {
                let m = [
                    "is_ascii_digit",
                    "is_alphabetic",
                    "is_ascii_punctuation",
                    "is_whitespace",
                ][self.rng.usize(0..4)];
                (format!("{{0}}.{m}()"), vec![self.sub(&Ty::Char, depth)])
            }
            _ => {
                self.cover("Option");
                let i = Ty::Int(self.int_ty());
                (
                    "{0}.checked_add({1}).is_some()".into(),
                    vec![self.sub(&i, depth), self.sub(&i, depth)],
                )
            }
        };
        Expr::tmpl(b, tmpl, args)
    }

    pub(super) fn char_expr(&mut self, depth: u32) -> Expr {
        self.cover("char methods");
        let c = Ty::Char;
        let (tmpl, args): (String, Vec<Expr>) = match self.rng.u32(0..5) {
            0 => (
                "char::from_u32({0}).unwrap_or('?')".into(),
                vec![self.u32_sub(depth)],
            ),
            1 => (
                "({0} as char)".into(),
                vec![self.sub(&Ty::Int(IntTy::U8), depth)],
            ),
            2 => (
                "char::from_digit({0} % 36, 36).unwrap_or('#')".into(),
                vec![self.u32_sub(depth)],
            ),
            3 => {
                let m = ["to_ascii_uppercase", "to_ascii_lowercase"][self.rng.usize(0..2)];
                (format!("{{0}}.{m}()"), vec![self.sub(&c, depth)])
            }
            _ => (
                "(if {0} { {1} } else { {2} })".into(),
                vec![
                    self.sub(&Ty::Bool, depth),
                    self.sub(&c, depth),
                    self.sub(&c, depth),
                ],
            ),
        };
        Expr::tmpl(c, tmpl, args)
    }

    /// `(x as T)` from another scalar type: every cast Rust allows.
    pub(super) fn cast_expr(&mut self, ty: &Ty, depth: u32) -> Expr {
        self.cover("as casts");
        let from = match ty {
            // Only u8 casts to char.
            Ty::Char => Ty::Int(IntTy::U8),
            // Nothing casts to bool.
            Ty::Bool => return self.bool_expr(depth),
            Ty::Int(_) => match self.rng.u32(0..4) {
                0 => Ty::F32,
                1 => Ty::F64,
                _ => Ty::Int(self.int_ty()),
            },
            _ => {
                if self.rng.bool() {
                    Ty::Int(self.int_ty())
                } else if ty == &Ty::F32 {
                    Ty::F64
                } else {
                    Ty::F32
                }
            }
        };
        if from.int().is_some_and(|i| i.bits() == 128) && ty.is_float()
            || ty.int().is_some_and(|i| i.bits() == 128) && from.is_float()
        {
            self.cover("i128/u128 <-> float cast");
        }
        let inner = self.sub(&from, depth);
        Expr::tmpl(ty.clone(), format!("({{0}} as {})", ty.name()), vec![inner])
    }

    pub(super) fn match_expr(&mut self, ty: &Ty, depth: u32) -> Expr {
        self.cover("match");
        let scrut = Expr::tmpl(
            Ty::Int(IntTy::U8),
            "(({0} & 7) as u8)",
            vec![self.sub(&Ty::Int(IntTy::U32), depth)],
        );
        let a = self.sub(ty, depth);
        let b = self.sub(ty, depth);
        let c = self.sub(ty, depth);
        Expr::tmpl(
            ty.clone(),
            "(match {0} { 0 | 3 => {1}, 4..=6 => {2}, _ => {3} })",
            vec![scrut, a, b, c],
        )
    }

    pub(super) fn call_expr(&mut self, ty: &Ty, depth: u32) -> Option<Expr> {
        if self.no_calls {
            return None;
        }
        if let Some(c) = self.pick_var(|v| v.closure_arg.is_some() && &v.ty == ty) {
            self.cover("closure");
            let arg_ty = c.closure_arg.clone().unwrap();
            let saved = std::mem::replace(&mut self.no_calls, true);
            let arg = self.sub(&arg_ty, depth);
            self.no_calls = saved;
            return Some(Expr::tmpl(
                ty.clone(),
                format!("{}({{0}})", c.name),
                vec![arg],
            ));
        }
        let candidates: Vec<(String, Vec<Ty>, Ty)> =
            self.fns.iter().filter(|f| &f.2 == ty).cloned().collect();
        if candidates.is_empty() {
            return None;
        }
        let (name, params, _) = candidates[self.rng.usize(0..candidates.len())].clone();
        let saved = std::mem::replace(&mut self.no_calls, true);
        let mut args = Vec::new();
        let mut holes = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if name.starts_with("rec") && i == 0 {
                // The recursion depth.
                args.push(Expr::tmpl(p.clone(), "({0} % 8)", vec![self.sub(p, depth)]));
            } else {
                args.push(self.sub(p, depth));
            }
            holes.push(format!("{{{i}}}"));
        }
        self.no_calls = saved;
        Some(Expr::tmpl(
            ty.clone(),
            format!("{name}(t, {})", holes.join(", ")),
            args,
        ))
    }

    /// A scalar read out of an aggregate variable.
    pub(super) fn projection(&mut self, ty: &Ty, depth: u32) -> Option<Expr> {
        let var = self.pick_var(|v| !v.ty.is_scalar() && v.closure_arg.is_none())?;
        let name = var.name.clone();
        let holder = Expr::var(var.ty.clone(), name.clone());
        match &var.ty {
            Ty::Array(elem, n) => {
                let n = *n;
                let e = (**elem).clone();
                if &e == ty {
                    let idx = self.sub(&Ty::Int(IntTy::U32), depth);
                    return Some(match self.rng.u32(0..4) {
                        0 => {
                            self.cover("raw pointer");
                            Expr::tmpl(
                                ty.clone(),
                                format!("(unsafe {{ (&raw const {name} as *const {}).add(({{0}} as usize) % {n}).read() }})", e.name()),
                                vec![idx],
                            )
                        }
                        1 => {
                            self.cover("slice");
                            let lo = self.rng.usize(0..n);
                            let d = self.literal(ty);
                            Expr::tmpl(
                                ty.clone(),
                                format!("{name}[{lo}..].get(({{0}} as usize) % 4).copied().unwrap_or({{1}})"),
                                vec![idx, d],
                            )
                        }
                        _ => {
                            self.cover("array");
                            Expr::tmpl(
                                ty.clone(),
                                format!("{name}[({{0}} as usize) % {n}]"),
                                vec![idx],
                            )
                        }
                    });
                }
                if let (Ty::Int(i), Ty::Int(_)) = (ty, &e) {
                    return Some(self.iter_chain(*i, &name, &e, n, depth));
                }
                if ty == &Ty::Bool {
                    self.cover("iterator chain");
                    let bound = self.fresh("e");
                    self.scopes.push(Vec::new());
                    self.declare(&bound, e.clone(), false);
                    let saved = std::mem::replace(&mut self.no_calls, true);
                    let pred = self.sub(&Ty::Bool, depth);
                    self.no_calls = saved;
                    self.scopes.pop();
                    let m = ["any", "all"][self.rng.usize(0..2)];
                    return Some(Expr::tmpl(
                        Ty::Bool,
                        format!("{name}.iter().copied().{m}(|{bound}| {{0}})"),
                        vec![pred],
                    ));
                }
                None
            }
            Ty::Tuple(ts) => {
                let k = ts.iter().position(|t| t == ty)?;
                self.cover("tuple");
                Some(Expr::tmpl(ty.clone(), format!("{name}.{k}"), vec![]))
            }
            Ty::Struct(s) => {
                let k = self.structs[*s].iter().position(|t| t == ty);
                match k {
                    Some(k) => {
                        self.cover("struct");
                        Some(Expr::tmpl(ty.clone(), format!("{name}.f{k}"), vec![]))
                    }
                    None => self.dyn_call(ty, depth),
                }
            }
            Ty::Enum(e) => Some(self.enum_match(holder, *e, ty, depth)),
            Ty::Option(inner) => {
                let inner = (**inner).clone();
                self.cover("Option");
                if &inner == ty {
                    let d = self.sub(ty, depth);
                    Some(Expr::tmpl(
                        ty.clone(),
                        format!("{name}.unwrap_or({{0}})"),
                        vec![d],
                    ))
                } else {
                    self.cover("closure");
                    let bound = self.fresh("x");
                    self.scopes.push(Vec::new());
                    self.declare(&bound, inner, false);
                    let saved = std::mem::replace(&mut self.no_calls, true);
                    let body = self.sub(ty, depth);
                    self.no_calls = saved;
                    self.scopes.pop();
                    let d = self.literal(ty);
                    Some(Expr::tmpl(
                        ty.clone(),
                        format!("{name}.map(|{bound}| {{0}}).unwrap_or({{1}})"),
                        vec![body, d],
                    ))
                }
            }
            Ty::Result(inner) => {
                let inner = (**inner).clone();
                self.cover("Result");
                let ok = self.fresh("ok");
                let err = self.fresh("err");
                self.scopes.push(Vec::new());
                self.declare(&ok, inner, false);
                let a = self.sub(ty, depth);
                self.scopes.pop();
                self.scopes.push(Vec::new());
                self.declare(&err, Ty::Int(IntTy::U8), false);
                let b = self.sub(ty, depth);
                self.scopes.pop();
                Some(Expr::tmpl(
                    ty.clone(),
                    format!("(match {name} {{ Ok({ok}) => {{0}}, Err({err}) => {{1}} }})"),
                    vec![a, b],
                ))
            }
            _ => None,
        }
    }

    pub(super) fn iter_chain(
        &mut self,
        i: IntTy,
        name: &str,
        elem: &Ty,
        n: usize,
        depth: u32,
    ) -> Expr {
        self.cover("iterator chain");
        self.cover("closure");
        let t = i.name();
        let bound = self.fresh("e");
        self.scopes.push(Vec::new());
        self.declare(&bound, elem.clone(), false);
        let saved = std::mem::replace(&mut self.no_calls, true);
        let map = self.sub(&Ty::Int(i), depth);
        let pred = self.sub(&Ty::Bool, depth);
        self.no_calls = saved;
        self.scopes.pop();
        let init = self.literal(&Ty::Int(i));
        let tail = match self.rng.u32(0..3) {
            0 => format!(".fold({{2}}, |acc: {t}, x| acc.wrapping_mul(3).wrapping_add(x))"),
            1 => ".max().unwrap_or({2})".to_string(),
            _ => format!(
                ".enumerate().fold({{2}}, |acc: {t}, (k, x)| acc ^ x.rotate_left(k as u32))"
            ),
        };
        let rev = if self.rng.bool() { ".rev()" } else { "" };
        let _ = n;
        Expr::tmpl(
            Ty::Int(i),
            format!(
                "{name}.iter(){rev}.copied().filter(|&{bound}| {{1}}).map(|{bound}| {{0}}){tail}"
            ),
            vec![map, pred, init],
        )
    }

    pub(super) fn dyn_call(&mut self, ty: &Ty, depth: u32) -> Option<Expr> {
        let Ty::Int(i) = ty else { return None };
        let a = self.pick_var(|v| matches!(v.ty, Ty::Struct(_)))?;
        let b = self.pick_var(|v| matches!(v.ty, Ty::Struct(_)))?;
        self.cover("trait object");
        let cond = self.sub(&Ty::Bool, depth);
        let x = self.sub(&Ty::Int(IntTy::U64), depth);
        Some(Expr::tmpl(
            ty.clone(),
            format!(
                "(pick_shape(&{}, &{}, {{0}}).eval({{1}}) as {})",
                a.name,
                b.name,
                i.name()
            ),
            vec![cond, x],
        ))
    }

    pub(super) fn enum_match(&mut self, holder: Expr, e: usize, ty: &Ty, depth: u32) -> Expr {
        self.cover("enum with payload");
        self.cover("match");
        let variants = self.enums[e].clone();
        let mut arms = Vec::new();
        let mut args = vec![holder];
        for (v, fields) in variants.iter().enumerate() {
            self.scopes.push(Vec::new());
            let binds: Vec<String> = fields
                .iter()
                .map(|f| {
                    let n = self.fresh("b");
                    self.declare(&n, f.clone(), false);
                    n
                })
                .collect();
            let body = self.sub(ty, depth);
            self.scopes.pop();
            args.push(body);
            let pat = if binds.is_empty() {
                format!("E{e}::V{v}")
            } else {
                format!("E{e}::V{v}({})", binds.join(", "))
            };
            arms.push(format!("{pat} => {{{}}}", args.len() - 1));
        }
        Expr::tmpl(
            ty.clone(),
            format!("(match {{0}} {{ {} }})", arms.join(", ")),
            args,
        )
    }

    /// The initializer of an aggregate variable.
    pub(super) fn aggregate_init(&mut self, ty: &Ty) -> Expr {
        let d = 2;
        match ty {
            Ty::Array(e, n) => {
                self.cover("array");
                let elems: Vec<Expr> = (0..*n).map(|_| self.expr(e, d)).collect();
                let holes: Vec<String> = (0..*n).map(|i| format!("{{{i}}}")).collect();
                Expr::tmpl(ty.clone(), format!("[{}]", holes.join(", ")), elems)
            }
            Ty::Tuple(ts) => {
                self.cover("tuple");
                let elems: Vec<Expr> = ts.iter().map(|t| self.expr(t, d)).collect();
                let holes: Vec<String> = (0..ts.len()).map(|i| format!("{{{i}}}")).collect();
                Expr::tmpl(ty.clone(), format!("({},)", holes.join(", ")), elems)
            }
            Ty::Struct(s) => {
                self.cover("struct");
                let fields = self.structs[*s].clone();
                let elems: Vec<Expr> = fields.iter().map(|t| self.expr(t, d)).collect();
                let holes: Vec<String> = (0..fields.len())
                    .map(|i| format!("f{i}: {{{i}}}"))
                    .collect();
                Expr::tmpl(
                    ty.clone(),
                    format!("S{s} {{ {} }}", holes.join(", ")),
                    elems,
                )
            }
            Ty::Enum(e) => {
                self.cover("enum with payload");
                let variants = self.enums[*e].clone();
                let v = self.rng.usize(0..variants.len());
                let elems: Vec<Expr> = variants[v].iter().map(|t| self.expr(t, d)).collect();
                if elems.is_empty() {
                    Expr::tmpl(ty.clone(), format!("E{e}::V{v}"), vec![])
                } else {
                    let holes: Vec<String> = (0..elems.len()).map(|i| format!("{{{i}}}")).collect();
                    Expr::tmpl(
                        ty.clone(),
                        format!("E{e}::V{v}({})", holes.join(", ")),
                        elems,
                    )
                }
            }
            Ty::Option(inner) => {
                self.cover("Option");
                if let Ty::Int(_) = **inner {
                    if self.rng.bool() {
                        self.cover("checked_*");
                        let (a, b) = (self.expr(inner, d), self.expr(inner, d));
                        return Expr::tmpl(ty.clone(), "{0}.checked_mul({1})", vec![a, b]);
                    }
                }
                let (c, v) = (self.expr(&Ty::Bool, d), self.expr(inner, d));
                Expr::tmpl(
                    ty.clone(),
                    "(if {0} { Some({1}) } else { None })",
                    vec![c, v],
                )
            }
            Ty::Result(inner) => {
                self.cover("Result");
                let (c, v, e) = (
                    self.expr(&Ty::Bool, d),
                    self.expr(inner, d),
                    self.expr(&Ty::Int(IntTy::U8), d),
                );
                Expr::tmpl(
                    ty.clone(),
                    "(if {0} { Ok({1}) } else { Err({2}) })",
                    vec![c, v, e],
                )
            }
            _ => self.expr(ty, d),
        }
    }
}

//! Reduction on the generator's syntax tree: remove statements (in halves,
//! then one by one), unwrap `if`/`for`/`match`/`loop` into their bodies,
//! replace expressions by a plain value of their type or by a child of the
//! same type, and drop unused functions, types and level-2 steps, keeping
//! each edit only while the failure persists. Every candidate is a whole
//! program the generator could have printed, so it still type-checks in
//! almost every case; one that doesn't (a removed `let` still named) is
//! caught before it is tried.

use crate::ast::{Expr, ExprKind, Program, Stmt, Ty};
use crate::render::program_module;

/// What a reduction did.
#[derive(Debug, Clone)]
pub struct Reduction {
    /// The smallest failing program found.
    pub program: Program,
    /// Candidates tried (each one a compile and run).
    pub tries: usize,
    /// Candidates kept.
    pub kept: usize,
    /// The budget ran out before a fixpoint.
    pub exhausted: bool,
}

/// Reduces `p` while `still_fails` holds, trying at most `budget` candidates.
pub fn reduce(
    p: &Program,
    budget: usize,
    mut still_fails: impl FnMut(&Program) -> bool,
) -> Reduction {
    let mut best = p.clone();
    let mut tries = 0;
    let mut kept = 0;
    loop {
        let mut progress = false;
        for pass in PASSES {
            let mut index = 0;
            while let Some(candidate) = pass(&best, index) {
                let Some(candidate) = candidate else {
                    index += 1;
                    continue;
                };
                if tries >= budget {
                    return Reduction {
                        program: best,
                        tries,
                        kept,
                        exhausted: true,
                    };
                }
                tries += 1;
                if still_fails(&candidate) {
                    best = candidate;
                    kept += 1;
                    progress = true;
                    // The same index now names the next site.
                } else {
                    index += 1;
                }
            }
        }
        if !progress {
            return Reduction {
                program: best,
                tries,
                kept,
                exhausted: false,
            };
        }
    }
}

/// A pass maps (program, site index) to `None` when the index is past the
/// last site, `Some(None)` when the site can't be edited, and
/// `Some(Some(candidate))` otherwise.
type Pass = fn(&Program, usize) -> Option<Option<Program>>;

const PASSES: &[Pass] = &[
    drop_functions,
    drop_steps,
    delete_chunks,
    unwrap_control,
    delete_statements,
    simplify_exprs,
    drop_types,
];

// ---- traversal ------------------------------------------------------------

/// Every statement block of the program, in a fixed pre-order, each given
/// to `f` until it returns true.
fn for_each_block(p: &mut Program, f: &mut dyn FnMut(&mut Vec<Stmt>) -> bool) -> bool {
    fn walk(block: &mut Vec<Stmt>, f: &mut dyn FnMut(&mut Vec<Stmt>) -> bool) -> bool {
        if f(block) {
            return true;
        }
        for s in block.iter_mut() {
            for b in s.blocks_mut() {
                if walk(b, f) {
                    return true;
                }
            }
        }
        false
    }
    for func in p.functions.iter_mut() {
        if walk(&mut func.body, f) {
            return true;
        }
    }
    walk(&mut p.body, f)
}

/// Every expression node, in a fixed pre-order, each given to `f` until it
/// returns true.
fn for_each_expr(p: &mut Program, f: &mut dyn FnMut(&mut Expr) -> bool) -> bool {
    fn walk(e: &mut Expr, f: &mut dyn FnMut(&mut Expr) -> bool) -> bool {
        if f(e) {
            return true;
        }
        if let ExprKind::Tmpl(_, args) = &mut e.kind {
            for a in args {
                if walk(a, f) {
                    return true;
                }
            }
        }
        false
    }
    let mut found = false;
    for_each_block(p, &mut |block| {
        for s in block.iter_mut() {
            for e in s.exprs_mut() {
                if walk(e, f) {
                    found = true;
                    return true;
                }
            }
        }
        false
    });
    if found {
        return true;
    }
    for func in p.functions.iter_mut().filter(|f| f.fixed.is_none()) {
        if walk(&mut func.result, f) {
            return true;
        }
    }
    if let Some(tv) = &mut p.thread_value {
        if walk(tv, f) {
            return true;
        }
    }
    false
}

/// Whether `name` occurs in `text` as a whole identifier.
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Names declared by statements (a `let`, a loop's break variable).
fn declared(stmts: &[Stmt]) -> Vec<String> {
    stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Let { name, .. } | Stmt::LoopBreak { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The candidate, unless it still names something it no longer declares.
fn checked(candidate: Program, removed: &[String]) -> Option<Program> {
    let text = program_module(&candidate);
    if removed.iter().any(|n| mentions(&text, n)) {
        None
    } else {
        Some(candidate)
    }
}

// ---- passes -----------------------------------------------------------------

fn drop_functions(p: &Program, index: usize) -> Option<Option<Program>> {
    let f = p.functions.get(index)?;
    let mut c = p.clone();
    c.functions.remove(index);
    Some(checked(c, std::slice::from_ref(&f.name)))
}

fn drop_steps(p: &Program, index: usize) -> Option<Option<Program>> {
    // The last step is the final dump; it stays.
    if index + 1 >= p.steps.len() {
        return None;
    }
    let mut c = p.clone();
    c.steps.remove(index);
    Some(Some(c))
}

fn drop_types(p: &Program, index: usize) -> Option<Option<Program>> {
    let t = p.types.get(index)?;
    // `pub struct S0 …`, `pub enum E1 …`; an impl goes with its struct.
    let name = t
        .split_whitespace()
        .skip_while(|w| *w != "struct" && *w != "enum")
        .nth(1)?
        .to_string();
    let mut c = p.clone();
    c.types.retain(|t| {
        !t.contains(&format!("struct {name} "))
            && !t.contains(&format!("for {name} "))
            && !t.contains(&format!("enum {name} "))
    });
    Some(checked(c, &[name]))
}

/// Deletes a run of statements of one block: halves first, then quarters,
/// down to runs of two (single statements are `delete_statements`).
fn delete_chunks(p: &Program, index: usize) -> Option<Option<Program>> {
    // Enumerate (block, start, len) sites in a fixed order.
    let mut sizes = Vec::new();
    let mut probe = p.clone();
    for_each_block(&mut probe, &mut |b| {
        sizes.push(b.len());
        false
    });
    let mut sites = Vec::new();
    for (block, &n) in sizes.iter().enumerate() {
        let mut len = n / 2;
        while len >= 2 {
            let mut start = 0;
            while start + len <= n {
                sites.push((block, start, len));
                start += len;
            }
            len /= 2;
        }
    }
    let &(block, start, len) = sites.get(index)?;
    let mut c = p.clone();
    let mut seen = 0;
    let mut removed = Vec::new();
    for_each_block(&mut c, &mut |b| {
        if seen == block {
            if start + len <= b.len() {
                removed = declared(&b[start..start + len]);
                b.drain(start..start + len);
            }
            return true;
        }
        seen += 1;
        false
    });
    Some(checked(c, &removed))
}

fn delete_statements(p: &Program, index: usize) -> Option<Option<Program>> {
    let mut c = p.clone();
    let mut seen = 0;
    let mut removed = None;
    for_each_block(&mut c, &mut |b| {
        if index < seen + b.len() {
            let s = b.remove(index - seen);
            removed = Some(declared(std::slice::from_ref(&s)));
            return true;
        }
        seen += b.len();
        false
    });
    let removed = removed?;
    Some(checked(c, &removed))
}

/// Replaces an `if`, `if let`, `match`, `for` or `loop` by one of its bodies.
fn unwrap_control(p: &Program, index: usize) -> Option<Option<Program>> {
    let mut c = p.clone();
    let mut seen = 0;
    let mut result = None;
    for_each_block(&mut c, &mut |b| {
        if index < seen + b.len() {
            let at = index - seen;
            let replacement: Option<Vec<Stmt>> = match &b[at] {
                Stmt::If { then, .. } => Some(then.clone()),
                Stmt::IfLet { els, .. } => Some(els.clone()),
                Stmt::Match { arms, .. } => arms.last().map(|a| a.1.clone()),
                Stmt::For { var, body, .. } => Some(vec![Stmt::Scope {
                    prefix: vec![format!("let {var} = 0u32;")],
                    body: body.clone(),
                }]),
                Stmt::LoopBreak {
                    name,
                    ty,
                    counter,
                    value,
                    ..
                } => Some(vec![
                    Stmt::Let {
                        name: counter.clone(),
                        ty: Ty::Int(crate::ast::IntTy::U32),
                        mutable: false,
                        init: Expr::lit(
                            Ty::Int(crate::ast::IntTy::U32),
                            crate::ast::Lit::Int(crate::ast::IntTy::U32, 1),
                        ),
                    },
                    Stmt::Let {
                        name: name.clone(),
                        ty: ty.clone(),
                        mutable: true,
                        init: value.clone(),
                    },
                ]),
                _ => None,
            };
            result = Some(replacement.map(|r| {
                b.splice(at..at + 1, r);
            }));
            return true;
        }
        seen += b.len();
        false
    });
    match result? {
        Some(()) => Some(checked(c, &[])),
        None => Some(None),
    }
}

/// Replaces an expression by a plain value of its type, or by a child of
/// the same type.
fn simplify_exprs(p: &Program, index: usize) -> Option<Option<Program>> {
    // Two candidates per node: index 2k is "a plain value", 2k+1 "a child".
    let (node, child) = (index / 2, index % 2 == 1);
    let mut c = p.clone();
    let mut seen = 0;
    let mut outcome = None;
    for_each_expr(&mut c, &mut |e| {
        if seen < node {
            seen += 1;
            return false;
        }
        outcome = Some(if child {
            let same = match &e.kind {
                ExprKind::Tmpl(_, args) => args.iter().find(|a| a.ty == e.ty).cloned(),
                _ => None,
            };
            same.map(|s| *e = s).is_some()
        } else {
            match (e.ty.zero(), &e.kind) {
                (_, ExprKind::Lit(_)) => false,
                // A place or closure text: not a value to replace.
                (_, ExprKind::Var(v)) if v.starts_with('*') || v.contains('.') => false,
                (Some(z), _) => {
                    *e = Expr::lit(e.ty.clone(), z);
                    true
                }
                (None, _) => false,
            }
        });
        true
    });
    match outcome? {
        true => Some(Some(c)),
        false => Some(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{generate, Level};

    /// A stand-in for a miscompile: the program "fails" while it still
    /// contains a `wrapping_mul`. The reducer keeps one and drops the rest.
    #[test]
    fn reduces_to_the_failing_construct() {
        let seed = (0..100)
            .find(|s| program_module(&generate(*s, Level::One).0).contains("wrapping_mul("))
            .expect("some seed multiplies");
        let (p, _) = generate(seed, Level::One);
        let before = crate::render::generated_lines(&p);
        let r = reduce(&p, 5000, |c| program_module(c).contains("wrapping_mul("));
        let text = program_module(&r.program);
        assert!(text.contains("wrapping_mul("));
        // What is left beyond the fixed prelude is a handful of lines.
        let after = crate::render::generated_lines(&r.program);
        assert!(after < before, "{after} lines from {before}");
        assert!(after <= 20, "{after} lines left:\n{text}");
        assert!(!r.exhausted);
    }

    #[test]
    fn mentions_whole_identifiers_only() {
        assert!(mentions("let x = v12 + 1;", "v12"));
        assert!(!mentions("let x = v123 + 1;", "v12"));
        assert!(!mentions("let x = av12;", "v12"));
    }
}

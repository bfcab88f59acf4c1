//! Where a module's `.shared` variables lie, kernel by kernel.
//!
//! A GPU gives each kernel only the static shared variables that it and
//! the functions it calls name, laid out from offset 0: two kernels with a
//! 256-byte array each both find theirs at 0, and a kernel's launch limit
//! counts only its own. Here every variable has one offset for the whole
//! module (the decoder resolves names to offsets once, and a function
//! called by two kernels must find a variable at one place), chosen so
//! that each kernel's variables still pack from 0: variables in the order
//! declared, each at the first offset past the variables already placed
//! for every kernel that uses it. Variables no kernel uses sit at 0.
//!
//! Dynamic shared memory (`.extern .shared`, or an array without a size)
//! starts after the static variables of every kernel that names it.

use std::collections::{HashMap, HashSet};

use super::decode::var_layout;
use super::LoadError;
use crate::ptx::ast::{self, AddressBase, Operand, Space, Statement};

/// A shared variable: a module-scope one by name, or one declared in a
/// function body (inline assembly) by (function, name).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Var {
    Module(String),
    Body(String, String),
}

pub(super) struct SharedLayout {
    /// Module-scope variables (dynamic ones included): offsets.
    pub offsets: HashMap<String, u64>,
    /// Variables declared in function bodies: (function, variable) → offset.
    pub body_offsets: HashMap<(String, String), u64>,
    /// Per kernel: its static shared bytes, where its dynamic shared
    /// memory starts.
    pub kernel_static: HashMap<String, u64>,
}

/// What a function names: shared variables, functions, and whether it
/// calls through a pointer (then it may reach every function).
#[derive(Default)]
struct Names {
    vars: HashSet<Var>,
    functions: HashSet<String>,
    indirect: bool,
}

fn collect(o: &Operand, out: &mut Vec<String>) {
    match o {
        Operand::Symbol(s) => out.push(s.clone()),
        Operand::Address {
            base: AddressBase::Symbol(s),
            ..
        } => out.push(s.clone()),
        Operand::Vector(v) | Operand::List(v) => v.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

fn names_of(f: &ast::Function, module_vars: &HashSet<&str>, functions: &HashSet<&str>) -> Names {
    let mut n = Names::default();
    let body = f.body.as_deref().unwrap_or_default();
    let own: HashSet<&str> = body
        .iter()
        .filter_map(|st| match st {
            Statement::Var(v) if v.space == Space::Shared => Some(v.name.as_str()),
            _ => None,
        })
        .collect();
    for st in body {
        let Statement::Instr(i) = st else { continue };
        let mut syms = Vec::new();
        i.operands.iter().for_each(|o| collect(o, &mut syms));
        if i.opcode.split('.').next() == Some("call")
            && i.operands.iter().any(|o| matches!(o, Operand::Reg(_)))
        {
            n.indirect = true;
        }
        for s in syms {
            if own.contains(s.as_str()) {
                n.vars.insert(Var::Body(f.name.clone(), s));
            } else if module_vars.contains(s.as_str()) {
                n.vars.insert(Var::Module(s));
            } else if functions.contains(s.as_str()) {
                n.functions.insert(s);
            }
        }
    }
    n
}

fn is_dynamic(v: &ast::Variable) -> bool {
    v.linkage == ast::Linkage::Extern || v.dims == [None]
}

pub(super) fn layout(m: &ast::Module) -> Result<SharedLayout, LoadError> {
    let err = |line: u32, message: String| LoadError { line, message };
    // Every shared variable in declaration order, with its size and alignment.
    let mut vars: Vec<(Var, u64, u64, bool)> = Vec::new();
    for v in m.variables.iter().filter(|v| v.space == Space::Shared) {
        let (size, align) = var_layout(v).map_err(|e| err(v.line, e))?;
        vars.push((Var::Module(v.name.clone()), size, align, is_dynamic(v)));
    }
    for f in &m.functions {
        for st in f.body.iter().flatten() {
            if let Statement::Var(v) = st {
                if v.space == Space::Shared {
                    let (size, align) = var_layout(v).map_err(|e| err(v.line, e))?;
                    vars.push((
                        Var::Body(f.name.clone(), v.name.clone()),
                        size,
                        align,
                        false,
                    ));
                }
            }
        }
    }
    let module_vars: HashSet<&str> = m
        .variables
        .iter()
        .filter(|v| v.space == Space::Shared)
        .map(|v| v.name.as_str())
        .collect();
    let function_names: HashSet<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
    let mut names: HashMap<&str, Names> = HashMap::new();
    for f in &m.functions {
        let n = names_of(f, &module_vars, &function_names);
        let e = names.entry(f.name.as_str()).or_default();
        e.vars.extend(n.vars);
        e.functions.extend(n.functions);
        e.indirect |= n.indirect;
    }
    // The variables each kernel reaches through its calls.
    let mut uses: Vec<(&str, HashSet<Var>)> = Vec::new();
    for f in m
        .functions
        .iter()
        .filter(|f| f.kind == ast::FunctionKind::Entry)
    {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = vec![f.name.as_str()];
        let mut reach = HashSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            let Some(n) = names.get(g) else { continue };
            reach.extend(n.vars.iter().cloned());
            stack.extend(n.functions.iter().map(String::as_str));
            if n.indirect {
                stack.extend(function_names.iter().copied());
            }
        }
        uses.push((f.name.as_str(), reach));
    }
    let mut top: HashMap<&str, u64> = uses.iter().map(|(k, _)| (*k, 0)).collect();
    let mut out = SharedLayout {
        offsets: HashMap::new(),
        body_offsets: HashMap::new(),
        kernel_static: HashMap::new(),
    };
    let mut place = |var: &Var, off: u64| match var {
        Var::Module(n) => {
            out.offsets.insert(n.clone(), off);
        }
        Var::Body(f, n) => {
            out.body_offsets.insert((f.clone(), n.clone()), off);
        }
    };
    for (var, size, align, dynamic) in &vars {
        if *dynamic {
            continue;
        }
        let users: Vec<&str> = uses
            .iter()
            .filter(|(_, u)| u.contains(var))
            .map(|(k, _)| *k)
            .collect();
        let start = users.iter().map(|k| top[k]).max().unwrap_or(0);
        let off = start.div_ceil(*align) * *align;
        for k in users {
            top.insert(k, off + size);
        }
        place(var, off);
    }
    // Dynamic shared memory: after the statics of every kernel naming it,
    // aligned for the most demanding declaration (16 at least).
    let dynamic: Vec<&(Var, u64, u64, bool)> = vars.iter().filter(|v| v.3).collect();
    let dyn_align = dynamic.iter().map(|v| v.2).max().unwrap_or(1).max(16);
    let dyn_users: Vec<&str> = uses
        .iter()
        .filter(|(_, u)| dynamic.iter().any(|v| u.contains(&v.0)))
        .map(|(k, _)| *k)
        .collect();
    let dyn_start = dyn_users.iter().map(|k| top[k]).max().unwrap_or(0);
    let dyn_start = dyn_start.div_ceil(dyn_align) * dyn_align;
    for v in &dynamic {
        place(&v.0, dyn_start);
    }
    for (k, t) in top {
        let own = t.div_ceil(16) * 16;
        let start = if dyn_users.contains(&k) {
            dyn_start
        } else {
            own
        };
        out.kernel_static.insert(k.to_string(), start);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout_of(src: &str) -> SharedLayout {
        let m = crate::ptx::parse(&format!(
            ".version 8.0\n.target sm_80\n.address_size 64\n{src}"
        ))
        .expect("parses");
        layout(&m).expect("lays out")
    }

    /// Each kernel's own array at 0; a helper's array shared by two kernels
    /// after both kernels' own; dynamic memory after the statics of the
    /// kernel naming it.
    #[test]
    fn each_kernel_packs_its_own_variables_from_zero() {
        let l = layout_of(
            ".shared .align 4 .b8 a[256];
.shared .align 4 .b8 b[100];
.shared .align 8 .b8 h[8];
.extern .shared .align 16 .b8 dyn[];
.func f() { .reg .b64 %rd1; mov.u64 %rd1, h; ret; }
.entry ka() { .reg .b64 %rd1; mov.u64 %rd1, a; call f, (); ret; }
.entry kb() { .reg .b64 %rd1; mov.u64 %rd1, b; call f, (); mov.u64 %rd1, dyn; ret; }
.entry kc() { ret; }",
        );
        assert_eq!((l.offsets["a"], l.offsets["b"]), (0, 0));
        // h: past a (256) for ka and past b (100) for kb: 256.
        assert_eq!(l.offsets["h"], 256);
        assert_eq!(l.kernel_static["ka"], 272);
        // kb's dynamic memory after its statics (264), aligned to 16.
        assert_eq!(l.offsets["dyn"], 272);
        assert_eq!(l.kernel_static["kb"], 272);
        assert_eq!(l.kernel_static["kc"], 0);
    }
}

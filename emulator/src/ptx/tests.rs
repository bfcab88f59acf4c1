//! Unit tests of the PTX parser: small snippets and their exact syntax trees.

use super::ast::*;
use super::parse;

const HEADER: &str = ".version 8.0\n.target sm_80\n.address_size 64\n";

fn module(body: &str) -> Module {
    let text = format!("{HEADER}{body}");
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The statements of `.entry k() { body }`.
fn stmts(body: &str) -> Vec<Statement> {
    let m = module(&format!(".visible .entry k()\n{{\n{body}\n}}\n"));
    m.functions[0].body.clone().unwrap()
}

fn instrs(body: &str) -> Vec<Instruction> {
    stmts(body)
        .into_iter()
        .filter_map(|s| match s {
            Statement::Instr(i) => Some(i),
            _ => None,
        })
        .collect()
}

fn one(body: &str) -> Instruction {
    let mut v = instrs(body);
    assert_eq!(v.len(), 1, "{body}");
    v.remove(0)
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn reg(s: &str) -> Operand {
    Operand::Reg(s.into())
}

fn sym(s: &str) -> Operand {
    Operand::Symbol(s.into())
}

fn int(v: i64) -> Operand {
    Operand::Imm(Imm::Int(v as u64))
}

fn var(name: &str, space: Space, ty: &str, line: u32) -> Variable {
    Variable {
        name: name.into(),
        space,
        linkage: Linkage::None,
        align: None,
        ty: ty.into(),
        vector: None,
        dims: vec![],
        ptr: false,
        init: None,
        line,
    }
}

#[test]
fn header_and_comments() {
    let m = parse(
        "// c\n/* multi\nline */ .version 7.8 // x\n.target sm_90a, texmode_independent\n.address_size 32\n",
    )
    .unwrap();
    assert_eq!(m.version, Some((7, 8)));
    assert_eq!(m.target, vec!["sm_90a", "texmode_independent"]);
    assert_eq!(m.address_size, 32);
    assert!(m.functions.is_empty() && m.variables.is_empty());
    assert_eq!(parse("").unwrap().address_size, 64);
}

#[test]
fn module_variables() {
    let m = module(
        ".global .align 4 .u32 a = 5;\n\
         .visible .global .align 1 .b8 anon_$_abc_$_0[3] = {1, 2, 3};\n\
         .extern .shared .align 4 .b8 dyn[];\n\
         .const .v4 .f32 c[2][3] = {0f3F800000, 0d3FF0000000000000, 1.5, -1};\n\
         .global .u64 t[4] = {f, generic(x), generic(x)+8, x+4, x-2};\n\
         .weak .global .b32 w1, w2 = 7;\n\
         .common .global .b32 cm;\n\
         .global .align 8 .u64 _RNvCs$HASH_3FOO;\n",
    );
    let v = &m.variables;
    assert_eq!(v.len(), 9);
    assert_eq!(
        v[0],
        Variable {
            align: Some(4),
            init: Some(vec![Init::Int(5)]),
            ..var("a", Space::Global, "u32", 4)
        }
    );
    assert_eq!(
        v[1],
        Variable {
            linkage: Linkage::Visible,
            align: Some(1),
            dims: vec![Some(3)],
            init: Some(vec![Init::Int(1), Init::Int(2), Init::Int(3)]),
            ..var("anon_$_abc_$_0", Space::Global, "b8", 5)
        }
    );
    assert_eq!(
        v[2],
        Variable {
            linkage: Linkage::Extern,
            align: Some(4),
            dims: vec![None],
            ..var("dyn", Space::Shared, "b8", 6)
        }
    );
    assert_eq!(
        v[3],
        Variable {
            vector: Some(4),
            dims: vec![Some(2), Some(3)],
            init: Some(vec![
                Init::F32(0x3F80_0000),
                Init::F64(0x3FF0_0000_0000_0000),
                Init::F64(1.5f64.to_bits()),
                Init::Int(u64::MAX),
            ]),
            ..var("c", Space::Const, "f32", 7)
        }
    );
    let s = |name: &str, offset, generic| Init::Symbol {
        name: name.into(),
        offset,
        generic,
    };
    assert_eq!(
        v[4].init,
        Some(vec![
            s("f", 0, false),
            s("x", 0, true),
            s("x", 8, true),
            s("x", 4, false),
            s("x", -2, false)
        ])
    );
    assert_eq!(v[5].name, "w1");
    assert_eq!(v[5].linkage, Linkage::Weak);
    assert_eq!(v[5].init, None);
    assert_eq!(v[6].name, "w2");
    assert_eq!(v[6].linkage, Linkage::Weak);
    assert_eq!(v[6].init, Some(vec![Init::Int(7)]));
    assert_eq!(v[7].linkage, Linkage::Common);
    assert_eq!(v[8].name, "_RNvCs$HASH_3FOO");
}

#[test]
fn nested_initializer_is_flattened() {
    let m = module(".global .b32 g[2][2] = {{1, 2}, {3, 4}};\n");
    let want: Vec<Init> = (1..=4).map(Init::Int).collect();
    assert_eq!(m.variables[0].init, Some(want));
}

#[test]
fn functions_and_signatures() {
    let m = module(
        ".extern .func (.param .b32 func_retval0) vprintf\n(\n\t.param .b64 vprintf_param_0,\n\t.param .b64 vprintf_param_1\n)\n;\n\
         .visible .entry k(\n\t.param .u64 .ptr .align 8 k_param_0,\n\t.param .align 8 .b8 k_param_1[16],\n\t.param .u64 .ptr .global .align 16 k_param_2\n)\n\
         .maxntid 256, 1, 1\n.minnctapersm 2\n.explicitcluster\n.reqnctapercluster 2, 1, 1\n{\n\tret;\n}\n\
         .func (.param .align 16 .b8 func_retval0[16]) f()\n.noreturn\n{\n\ttrap;\n}\n\
         .weak .func g\n{\n\texit;\n}\n",
    );
    let f = &m.functions;
    assert_eq!(f.len(), 4);
    assert_eq!(
        f[0],
        Function {
            name: "vprintf".into(),
            kind: FunctionKind::Func,
            linkage: Linkage::Extern,
            returns: vec![var("func_retval0", Space::Param, "b32", 4)],
            params: vec![
                var("vprintf_param_0", Space::Param, "b64", 6),
                var("vprintf_param_1", Space::Param, "b64", 7)
            ],
            directives: vec![],
            body: None,
            line: 4,
        }
    );
    assert_eq!(f[1].kind, FunctionKind::Entry);
    assert_eq!(f[1].linkage, Linkage::Visible);
    assert_eq!(f[1].line, 10);
    assert_eq!(
        f[1].params,
        vec![
            Variable {
                ptr: true,
                ..var("k_param_0", Space::Param, "u64", 11)
            },
            Variable {
                align: Some(8),
                dims: vec![Some(16)],
                ..var("k_param_1", Space::Param, "b8", 12)
            },
            Variable {
                ptr: true,
                ..var("k_param_2", Space::Param, "u64", 13)
            },
        ]
    );
    assert_eq!(
        f[1].directives,
        vec![
            ("maxntid".to_string(), vec![256, 1, 1]),
            ("minnctapersm".to_string(), vec![2]),
            ("explicitcluster".to_string(), vec![]),
            ("reqnctapercluster".to_string(), vec![2, 1, 1]),
        ]
    );
    assert_eq!(f[1].body.as_ref().unwrap().len(), 1);
    assert_eq!(
        f[2].returns,
        vec![Variable {
            align: Some(16),
            dims: vec![Some(16)],
            ..var("func_retval0", Space::Param, "b8", 22)
        }]
    );
    assert!(f[2].params.is_empty());
    assert_eq!(f[2].directives, vec![("noreturn".to_string(), vec![])]);
    assert_eq!((f[3].name.as_str(), f[3].linkage), ("g", Linkage::Weak));
    assert!(f[3].params.is_empty() && f[3].returns.is_empty());
}

#[test]
fn declarations_in_bodies() {
    let s = stmts(
        "\t.reg .b32 \t%r<12>;\n\t.reg .pred %p<3>;\n\t.reg .b64 %SP;\n\t.reg .b32 a, b;\n\t.reg .v2 .b32 v;\n\
         \t.local .align 8 .b8 __local_depot0[32];\n\t.shared .align 4 .b8 sh[64];\n\t.pragma \"nounroll\";\n\t.param .b32 param0;",
    );
    let r = |name: &str, ty: &str, vector, count, line| Statement::Reg {
        name: name.into(),
        ty: ty.into(),
        vector,
        count,
        line,
    };
    assert_eq!(
        s,
        vec![
            r("%r", "b32", None, Some(12), 6),
            r("%p", "pred", None, Some(3), 7),
            r("%SP", "b64", None, None, 8),
            r("a", "b32", None, None, 9),
            r("b", "b32", None, None, 9),
            r("v", "b32", Some(2), None, 10),
            Statement::Var(Variable {
                align: Some(8),
                dims: vec![Some(32)],
                ..var("__local_depot0", Space::Local, "b8", 11)
            }),
            Statement::Var(Variable {
                align: Some(4),
                dims: vec![Some(64)],
                ..var("sh", Space::Shared, "b8", 12)
            }),
            // The pragma on line 13 is dropped.
            Statement::Var(var("param0", Space::Param, "b32", 14)),
        ]
    );
}

#[test]
fn labels_branchtargets_prototypes_and_scopes() {
    let s = stmts(
        "$L__BB0_2:\n\t$L_brx_0: .branchtargets\n\t\t$L__BB0_2,\n\t\t$L__BB0_6;\n\
         { // callseq 0, 0\n\tprototype_0 : .callprototype (.param .b32 _) _ (.param .b32 _, .param .b64 _);\n\
         \tprototype_1 : .callprototype ()_ (.param .b64 _);\n}\n",
    );
    assert_eq!(
        s,
        vec![
            Statement::Label {
                name: "$L__BB0_2".into(),
                line: 6
            },
            Statement::BranchTargets {
                name: "$L_brx_0".into(),
                targets: vec!["$L__BB0_2".into(), "$L__BB0_6".into()],
                line: 7
            },
            Statement::BlockStart { line: 10 },
            Statement::CallPrototype {
                name: "prototype_0".into(),
                returns: vec![var("_", Space::Param, "b32", 11)],
                params: vec![
                    var("_", Space::Param, "b32", 11),
                    var("_", Space::Param, "b64", 11)
                ],
                line: 11
            },
            Statement::CallPrototype {
                name: "prototype_1".into(),
                returns: vec![],
                params: vec![var("_", Space::Param, "b64", 12)],
                line: 12
            },
            Statement::BlockEnd { line: 13 },
        ]
    );
}

#[test]
fn guards_and_operandless_instructions() {
    let v = instrs("@%p1 bra $L__BB0_2;\n@!%p2 bra.uni $L;\nret;\nexit;\ntrap; bar.sync 0;\nfence.sc.sys;\n$L: ret;");
    assert_eq!(
        v[0],
        Instruction {
            guard: Some(Guard {
                reg: "%p1".into(),
                negated: false
            }),
            opcode: "bra".into(),
            operands: vec![sym("$L__BB0_2")],
            line: 6,
        }
    );
    assert_eq!(
        v[1].guard,
        Some(Guard {
            reg: "%p2".into(),
            negated: true
        })
    );
    let ops: Vec<_> = v
        .iter()
        .map(|i| (i.opcode.as_str(), i.operands.len(), i.line))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("bra", 1, 6),
            ("bra.uni", 1, 7),
            ("ret", 0, 8),
            ("exit", 0, 9),
            ("trap", 0, 10),
            ("bar.sync", 1, 10),
            ("fence.sc.sys", 0, 11),
            ("ret", 0, 12),
        ]
    );
    assert_eq!(v[5].operands, vec![int(0)]);
}

#[test]
fn register_and_immediate_operands() {
    let i = one(
        "foo.b32 %r1, %rd4, %fd2, %rs1, %p1, %SP, %SPL, %tid.x, %ntid.y, %ctaid.z, %nctaid.x, %laneid, %warpid, \
         %lanemask_lt, %clock64, %envreg3, !%p1, _;",
    );
    assert_eq!(i.opcode, "foo.b32");
    let mut want: Vec<Operand> = [
        "%r1",
        "%rd4",
        "%fd2",
        "%rs1",
        "%p1",
        "%SP",
        "%SPL",
        "%tid.x",
        "%ntid.y",
        "%ctaid.z",
        "%nctaid.x",
        "%laneid",
        "%warpid",
        "%lanemask_lt",
        "%clock64",
        "%envreg3",
    ]
    .iter()
    .map(|r| reg(r))
    .collect();
    want.push(Operand::NotReg("%p1".into()));
    want.push(Operand::Sink);
    assert_eq!(i.operands, want);

    let i = one("mov.b32 %r1, 5, -1, 0x1F, 0b101, 017, 7U, 0f3F800000, 0d4000000000000000, 1.5, -2.5e-1, 18446744073709551615;");
    assert_eq!(
        i.operands[1..],
        [
            int(5),
            int(-1),
            int(31),
            int(5),
            int(15),
            int(7),
            Operand::Imm(Imm::F32(0x3F80_0000)),
            Operand::Imm(Imm::F64(0x4000_0000_0000_0000)),
            Operand::Imm(Imm::F64(1.5f64.to_bits())),
            Operand::Imm(Imm::F64((-0.25f64).to_bits())),
            Operand::Imm(Imm::Int(u64::MAX)),
        ]
    );
    assert_eq!(one("mov.u64 %rd1, name;").operands[1], sym("name"));
}

#[test]
fn address_vector_and_pair_operands() {
    let i = one(
        "ld.b32 %r1, [%rd1], [%rd1+8], [%rd1+-8], [%rd1-8], [name], [name+4], [0x10], [0x10+4];",
    );
    let a = |base: AddressBase, offset| Operand::Address { base, offset };
    let r = |s: &str| AddressBase::Reg(s.into());
    let s = |s: &str| AddressBase::Symbol(s.into());
    assert_eq!(
        i.operands[1..],
        [
            a(r("%rd1"), 0),
            a(r("%rd1"), 8),
            a(r("%rd1"), -8),
            a(r("%rd1"), -8),
            a(s("name"), 0),
            a(s("name"), 4),
            a(AddressBase::Absolute(16), 0),
            a(AddressBase::Absolute(20), 0),
        ]
    );
    let i = one("mov.b64 {%r1, _}, {%r2, %r3};");
    assert_eq!(
        i.operands,
        vec![
            Operand::Vector(vec![reg("%r1"), Operand::Sink]),
            Operand::Vector(vec![reg("%r2"), reg("%r3")])
        ]
    );
    let i = one("setp.lt.s32 %p1|%p2, %r1, 0;");
    assert_eq!(i.operands[0], Operand::PredPair("%p1".into(), "%p2".into()));
    let i = one("ld.shared::cta.b32 %r1, [s];");
    assert_eq!(i.opcode, "ld.shared::cta.b32");
}

#[test]
fn call_forms() {
    let l = |v: &[&str]| Operand::List(v.iter().map(|s| sym(s)).collect());
    let v = instrs(
        "call.uni (retval0), name, (param0, param1);\n\
         call.uni name, (param0);\n\
         call.uni (retval0), vprintf, (param0, param1);\n\
         call (retval0), %rd2, (param0), prototype_0;\n\
         call %rd11, (param0, param1), prototype_0;\n\
         call.uni name, ();",
    );
    let ops: Vec<_> = v.iter().map(|i| i.operands.clone()).collect();
    assert_eq!(
        ops,
        vec![
            vec![l(&["retval0"]), sym("name"), l(&["param0", "param1"])],
            vec![sym("name"), l(&["param0"])],
            vec![l(&["retval0"]), sym("vprintf"), l(&["param0", "param1"])],
            vec![
                l(&["retval0"]),
                reg("%rd2"),
                l(&["param0"]),
                sym("prototype_0")
            ],
            vec![reg("%rd11"), l(&["param0", "param1"]), sym("prototype_0")],
            vec![sym("name"), l(&[])],
        ]
    );
    assert_eq!(v[0].opcode, "call.uni");
    assert_eq!(v[3].opcode, "call");
}

#[test]
fn inline_scope_on_one_line() {
    let s = stmts("{ .reg .b32 tmp; mov.b64 {tmp, %r2}, %rd1; }");
    assert_eq!(s.len(), 4);
    assert!(matches!(s[0], Statement::BlockStart { line: 6 }));
    assert!(matches!(&s[1], Statement::Reg { name, .. } if name == "tmp"));
    assert!(matches!(&s[2], Statement::Instr(i) if i.opcode == "mov.b64"));
    assert!(matches!(s[3], Statement::BlockEnd { line: 6 }));
}

#[test]
fn errors_name_the_line() {
    let body = |b: &str| format!("{HEADER}.entry k()\n{{\n{b}\n}}\n");
    assert_eq!(
        err(&body("add.s32 %r1, %r2 %r3;")),
        "PTX line 6: expected ',' or ';' after operand, found '%r3'"
    );
    assert_eq!(
        err(".version 8.0\n\n.foo 3\n"),
        "PTX line 3: unknown directive .foo"
    );
    assert_eq!(err(&body(".foo;")), "PTX line 6: unknown directive .foo");
    assert_eq!(
        err(&body("\tret")),
        "PTX line 7: expected an operand, found '}'"
    );
    assert_eq!(
        err(&format!("{HEADER}.entry k()\n{{\nret;\n")),
        "PTX line 7: expected '}' closing the function body, found end of input"
    );
    assert_eq!(
        err(".global .b32 x = 0f3F80;"),
        "PTX line 1: '0f3F80': 0f needs exactly 8 hex digits"
    );
    assert_eq!(
        err(".global .b32 x = 99999999999999999999;"),
        "PTX line 1: number '99999999999999999999' does not fit in 64 bits"
    );
    assert_eq!(err("/* open\n\n"), "PTX line 1: unterminated /* comment");
    assert_eq!(
        err(".version 8.0\n#include"),
        "PTX line 2: unexpected character '#'"
    );
    assert_eq!(
        err(".global x;"),
        "PTX line 1: expected a type (.b32, .u64, …) in the declaration, found 'x'"
    );
    assert_eq!(
        err("ret;"),
        "PTX line 1: expected a directive at module scope, found 'ret'"
    );
}

/// Every prefix of a realistic module, and some garbage, gives a result or an
/// error, never a panic.
#[test]
fn truncated_and_garbage_inputs_do_not_panic() {
    let text = format!(
        "{HEADER}.global .align 8 .u64 T[2] = {{generic(f), 0f3F800000}};\n\
         .visible .entry k(.param .u64 .ptr .align 8 p, .param .align 8 .b8 q[16])\n.maxntid 32, 1, 1\n{{\n\
         .reg .b32 %r<4>; .reg .pred %p<2>; .local .align 8 .b8 d[8];\n\
         $L_brx_0: .branchtargets $L1, $L2;\n@!%p1 bra $L1;\n$L1:\n\
         {{ .param .b32 param0; prototype_0 : .callprototype (.param .b32 _) _ (.param .b32 _);\n\
         call (retval0), %rd2, (param0), prototype_0; }}\n\
         setp.lt.s32 %p1|%p2, %r1, -0x10; ld.global.v2.b32 {{%r1, _}}, [%rd1+-8]; /* c */ mov.f32 %r1, 1.5e-3;\n\
         $L2: ret;\n}}\n"
    );
    assert!(parse(&text).is_ok(), "{:?}", parse(&text));
    for end in 0..text.len() {
        if text.is_char_boundary(end) {
            let _ = parse(&text[..end]);
        }
    }
    for g in [
        "{",
        "}",
        "(",
        "[",
        "@",
        "@!",
        ".entry",
        ".func (",
        ".global .b8 x[",
        ".global .b8 x = {",
        "\"",
        "0x",
        "0xU",
        "0f",
        "0d1",
        ".v2",
        "%",
        "$",
        "é",
        ".entry k() { ret; } }",
        ".entry k() { .reg .b32 %r<>; }",
        ".entry k() { ld.b32 %r1, [0f3F800000]; }",
        ".entry k() { x: y: z }",
        ".entry k() { .pragma 1; }",
    ] {
        let _ = parse(g);
    }
    let deep = "{".repeat(100_000);
    let _ = parse(&format!(".global .b8 x = {deep}"));
    let _ = parse(&format!(".entry k() {{ mov.b32 {deep}"));
    let _ = parse(&format!(".entry k() {{ call ({}", "(".repeat(100_000)));
    let _ = parse(&format!(".entry k() {deep}"));
}

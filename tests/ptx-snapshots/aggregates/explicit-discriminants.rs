//! Fieldless enums with explicit discriminants. A `#[repr(u8)]` enum is
//! FFI-safe and passed by value as a `.u8` parameter (`#[repr(u16)]` as
//! `.u16`, `#[repr(i32)]` as `.u32` read with a sign-extending load); `as`
//! casts are the discriminant itself. A `match` over sparse discriminants
//! (1, 2, 4, 8) is a `brx.idx` jump table over `op - 1` whose holes, like
//! an out-of-range value, go to the `unreachable` block. Converting an
//! untrusted byte goes through a fallible `match`, which LLVM turns into a
//! range check and a shift of a packed 64-bit constant. Dense discriminants
//! starting at 0x10 index a `switch.table` global directly (offset -0x10
//! elements), with no range check: a valid enum needs none.
//@ stages: ptx ptxas
#![no_std]

#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add = 1,
    Sub = 2,
    Mul = 4,
    Max = 8,
}

#[repr(i32)]
#[derive(Clone, Copy)]
pub enum Level {
    Low = -100,
    Mid = 0,
    High = 100,
}

#[repr(u16)]
#[derive(Clone, Copy)]
pub enum Code {
    A = 0x10,
    B = 0x11,
    C = 0x12,
    D = 0x13,
    E = 0x14,
}

// CHECK: .global .align 4 .b8 [[$TABLE:switch_\$_table_\$_d_dense_table]][20] = {44, 1, 0, 0, 100, 0, 0, 0, 144, 1, 0, 0, 100, 0, 0, 0, 244, 1};

/// The enum is a `.u8` parameter; the arms are picked by a jump table over
/// `op - 1` (8 entries for values 1..=8). Up to sm_90a a range check
/// guards the table (out of range goes to the `exit` of `unreachable`);
/// for sm_100 and sm_120 llc drops the `unreachable` block and the check.
// CHECK-LABEL: .visible .entry a_apply_op(
// CHECK-NEXT: .param .u8 a_apply_op_param_0,
// CHECK: add.s16 [[IDX:%rs[0-9]+]], {{%rs[0-9]+}}, -1;
// sm_75-CHECK-NEXT: setp.gt.u16 {{%p[0-9]+}}, [[IDX]], 7;
// sm_90a-CHECK-NEXT: setp.gt.u16 {{%p[0-9]+}}, [[IDX]], 7;
// sm_100-CHECK-NOT: setp
// sm_120-CHECK-NOT: setp
// CHECK: .branchtargets
// CHECK-COUNT-8: $L__BB
// CHECK: brx.idx
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_apply_op(op: Op, a: *const i32, b: *const i32, out: *mut i32) {
        let i = gpu::thread_idx_x() as usize;
        let (x, y) = (*a.add(i), *b.add(i));
        *out.add(i) = match op {
            Op::Add => x.wrapping_add(y),
            Op::Sub => x.wrapping_sub(y),
            Op::Mul => x.wrapping_mul(y),
            Op::Max => x.max(y),
        };
    }
}

/// `as` casts are the discriminants themselves: `Op as u8` is the
/// parameter byte, `Level as i32` the signed value.
// CHECK-LABEL: .visible .entry b_casts(
// CHECK-NEXT: .param .u8 b_casts_param_0,
// CHECK-NEXT: .param .u32 b_casts_param_1,
// CHECK-DAG: ld.param.b8 [[OP:%rd[0-9]+]], [b_casts_param_0];
// CHECK-DAG: ld.param.s32 [[LEVEL:%rd[0-9]+]], [b_casts_param_1];
// CHECK-DAG: setp.eq.b64 {{%p[0-9]+}}, [[OP]], 4;
// CHECK: st.global.b64 [{{%rd[0-9]+}}], [[OP]];
// CHECK-NEXT: st.global.b64 [{{%rd[0-9]+}}+8], [[LEVEL]];
gpu::kernel! {
    pub unsafe fn b_casts(op: Op, level: Level, out: *mut i64) {
        *out = op as u8 as i64;
        *out.add(1) = level as i32 as i64;
        *out.add(2) = (op == Op::Mul) as i64;
    }
}

/// Bytes to `Op` with a fallible `match`: unknown bytes map to `None`
/// (0xff). The result bytes (10, 20, 0xff, 40, 0xff, 0xff, 0xff, 80 for
/// inputs 1..=8) are packed into one 64-bit constant.
// CHECK-LABEL: .visible .entry c_decode(
// CHECK: setp.lt.u16 [[IN:%p[0-9]+]], {{%rs[0-9]+}}, 8;
// CHECK: mov.b64 [[PACKED:%rd[0-9]+]], 5836665113465000970;
// CHECK: shr.u64 {{%rd[0-9]+}}, [[PACKED]],
// CHECK: selp.b16 {{%rs[0-9]+}}, {{%rs[0-9]+}}, -1, [[IN]];
// CHECK-NOT: bra
gpu::kernel! {
    pub unsafe fn c_decode(bytes: *const u8, out: *mut u8) {
        let i = gpu::thread_idx_x() as usize;
        let op = match *bytes.add(i) {
            1 => Some(Op::Add),
            2 => Some(Op::Sub),
            4 => Some(Op::Mul),
            8 => Some(Op::Max),
            _ => None,
        };
        *out.add(i) = match op {
            Some(o) => o as u8 * 10,
            None => 0xff,
        };
    }
}

/// Dense discriminants starting at 0x10: the `weight * 100` values (300,
/// 100, 400, 100, 500) are a table indexed by `code` with a -64 byte
/// offset; no range check, no branch.
// CHECK-LABEL: .visible .entry d_dense_table(
// CHECK-NEXT: .param .u16 d_dense_table_param_0,
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$TABLE]];
// CHECK-NOT: setp
// CHECK: ld.global.nc.b32 {{%r[0-9]+}}, [{{%rd[0-9]+}}+-64];
// CHECK-NOT: bra
gpu::kernel! {
    pub unsafe fn d_dense_table(code: Code, out: *mut u32) {
        let weight = match code {
            Code::A => 3,
            Code::B => 1,
            Code::C => 4,
            Code::D => 1,
            Code::E => 5,
        };
        *out = weight * 100 + code as u16 as u32;
    }
}

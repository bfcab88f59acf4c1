//! Integer, bit, logic, comparison and move instructions (`add` … `lop3`,
//! `setp`, `selp`, `mov`): register in, register out, semantics in [`ops`].

use super::executor::*;
use super::*;
use crate::exec::ops::{Cmp, IntOp};

/// Executes one instruction of this family for the thread of `x`, whose
/// top frame is `depth`.
#[inline(always)]
pub(super) fn exec(x: &mut Executor, depth: usize, inst: &Inst) -> Result<Flow, Unlocated> {
    let Executor {
        t, ids, executed, ..
    } = x;
    let executed = *executed;
    let fr = &mut t.frames[depth];
    macro_rules! v {
        ($s:expr) => {
            value(fr, ids, executed, $s)
        };
    }
    macro_rules! set {
        ($d:expr, $v:expr) => {{
            let d = $d;
            if d != SINK {
                fr.regs[d as usize] = $v;
            }
        }};
    }
    match &inst.op {
        Op::Mov { d, a } => {
            let x = v!(*a);
            set!(*d, x)
        }
        Op::Pack { d, parts, bits } => {
            let mut x = 0u64;
            for (k, p) in parts.iter().enumerate() {
                x |= (v!(*p) & mask(*bits)) << (k as u32 * bits);
            }
            set!(*d, x)
        }
        Op::Unpack { ds, a, bits } => {
            let x = v!(*a);
            for (k, d) in ds.iter().enumerate() {
                set!(*d, (x >> (k as u32 * bits)) & mask(*bits));
            }
        }
        Op::Int { op, ty, d, a, b } => {
            let x = ops::int_binary(*op, *ty, v!(*a), v!(*b));
            set!(*d, x)
        }
        Op::IntUn { op, ty, d, a } => {
            let x = ops::int_unary(*op, *ty, v!(*a));
            set!(*d, x)
        }
        Op::AddC {
            bits,
            sub,
            cin,
            cout,
            d,
            a,
            b,
        } => {
            let (r, c) = ops::add_carry(*bits, v!(*a), v!(*b), *cin && t.cc, *sub);
            if *cout {
                t.cc = c;
            }
            set!(*d, r)
        }
        Op::Mad {
            part,
            ty,
            d,
            a,
            b,
            c,
        } => {
            let x = mad(*part, *ty, v!(*a), v!(*b), v!(*c));
            set!(*d, x)
        }
        Op::MadC {
            part,
            ty,
            cin,
            cout,
            d,
            a,
            b,
            c,
        } => {
            let product = mad(*part, *ty, v!(*a), v!(*b), 0);
            let (r, carry) = ops::add_carry(ty.bits(), product, v!(*c), *cin && t.cc, false);
            if *cout {
                t.cc = carry;
            }
            set!(*d, r)
        }
        Op::PredLogic { op, d, a, b } => {
            let (x, y) = (v!(*a) != 0, v!(*b) != 0);
            let r = match op {
                None => !x,
                Some(BoolOp::And) => x & y,
                Some(BoolOp::Or) => x | y,
                Some(BoolOp::Xor) => x ^ y,
            };
            set!(*d, r as u64)
        }
        Op::Bfe { ty, d, a, b, c } => {
            let x = ops::bfe(*ty, v!(*a), v!(*b), v!(*c));
            set!(*d, x)
        }
        Op::Bfi { ty, d, a, b, c, e } => {
            let x = ops::bfi(*ty, v!(*a), v!(*b), v!(*c), v!(*e));
            set!(*d, x)
        }
        Op::Prmt { mode, d, a, b, c } => {
            let x = ops::prmt(*mode, v!(*a) as u32, v!(*b) as u32, v!(*c) as u32).unwrap_or(0);
            set!(*d, x as u64)
        }
        Op::Shf {
            left,
            wrap,
            d,
            a,
            b,
            c,
        } => {
            let x = ops::shf(*left, *wrap, v!(*a) as u32, v!(*b) as u32, v!(*c) as u32);
            set!(*d, x as u64)
        }
        Op::Bmsk { wrap, d, a, b } => {
            let x = ops::bmsk(*wrap, v!(*a) as u32, v!(*b) as u32);
            set!(*d, x as u64)
        }
        Op::Bfind { ty, shiftamt, d, a } => {
            let x = ops::bfind(*ty, *shiftamt, v!(*a));
            set!(*d, x as u64)
        }
        Op::Mul24 {
            signed,
            hi,
            d,
            a,
            b,
            c,
        } => {
            let x =
                ops::mul24(*signed, *hi, v!(*a) as u32, v!(*b) as u32).wrapping_add(v!(*c) as u32);
            set!(*d, x as u64)
        }
        Op::Sad { ty, d, a, b, c } => {
            let (x, y) = (v!(*a), v!(*b));
            let diff = if ty.is_signed() {
                sext(x, ty.bits()).abs_diff(sext(y, ty.bits()))
            } else {
                (x & ty.mask()).abs_diff(y & ty.mask())
            };
            set!(*d, v!(*c).wrapping_add(diff) & ty.mask())
        }
        Op::Dp2a {
            a_signed,
            b_signed,
            hi,
            d,
            a,
            b,
            c,
        } => {
            let x = ops::dp2a(
                *a_signed,
                *b_signed,
                *hi,
                v!(*a) as u32,
                v!(*b) as u32,
                v!(*c) as u32,
            );
            set!(*d, x as u64)
        }
        Op::Dp4a {
            a_signed,
            b_signed,
            d,
            a,
            b,
            c,
        } => {
            let x = ops::dp4a(
                *a_signed,
                *b_signed,
                v!(*a) as u32,
                v!(*b) as u32,
                v!(*c) as u32,
            );
            set!(*d, x as u64)
        }
        Op::Szext {
            signed,
            wrap,
            d,
            a,
            b,
        } => {
            let x = ops::szext(*signed, *wrap, v!(*a) as u32, v!(*b) as u32);
            set!(*d, x as u64)
        }
        Op::Slct {
            float,
            ftz,
            d,
            a,
            b,
            c,
        } => {
            let cv = v!(*c);
            let take_a = if *float {
                let f = f32::from_bits(cv as u32);
                let f = if *ftz { ops::ftz32(f) } else { f };
                f >= 0.0
            } else {
                cv as u32 as i32 >= 0
            };
            let x = if take_a { v!(*a) } else { v!(*b) };
            set!(*d, x)
        }
        Op::Set {
            cmp,
            dty,
            sty,
            d,
            a,
            b,
            comb,
            ftz,
        } => {
            let (x, y) = (v!(*a), v!(*b));
            let r = if sty.is_float() {
                ops::float::compare(*cmp, *sty, *ftz, x, y)
            } else {
                ops::int_compare(*cmp, *sty, x, y)
            };
            let Some(mut r) = r else {
                return raw(
                    FaultKind::Unsupported,
                    format!("comparison {cmp:?} on .{sty:?}"),
                );
            };
            if let Some((op, c)) = comb {
                let cv = v!(*c) != 0;
                r = match op {
                    BoolOp::And => r & cv,
                    BoolOp::Or => r | cv,
                    BoolOp::Xor => r ^ cv,
                };
            }
            let out = match (dty, r) {
                (Ty::F32, true) => 1.0f32.to_bits() as u64,
                (_, true) => 0xffff_ffff,
                (_, false) => 0,
            };
            set!(*d, out)
        }
        Op::Lop3 { d, a, b, c, lut } => {
            let (x, y, z, f) = (v!(*a) as u32, v!(*b) as u32, v!(*c) as u32, v!(*lut) as u8);
            let mut r = 0u32;
            for bit in 0..32 {
                let idx = ((x >> bit) & 1) << 2 | ((y >> bit) & 1) << 1 | ((z >> bit) & 1);
                r |= (((f >> idx) & 1) as u32) << bit;
            }
            set!(*d, r as u64)
        }
        Op::Setp {
            cmp,
            ty,
            d,
            d2,
            a,
            b,
            comb,
            ftz,
        } => {
            let c = comb.map(|(op, c)| (op, v!(c) != 0));
            let Some((p, q)) = setp(*cmp, *ty, *ftz, v!(*a), v!(*b), c) else {
                return raw(
                    FaultKind::Unsupported,
                    format!("comparison {cmp:?} on .{ty:?}"),
                );
            };
            set!(*d, p as u64);
            set!(*d2, q as u64);
        }
        Op::Selp { d, a, b, c } => {
            let x = if v!(*c) != 0 { v!(*a) } else { v!(*b) };
            set!(*d, x)
        }
        _ => {
            return raw(
                FaultKind::Unsupported,
                format!("internal error: {:?} is not a integer instruction", inst.op),
            )
        }
    }
    Ok(Flow::Next)
}

/// Executes one instruction of this family for every lane of a converged
/// warp (the common ones; the rest run lane by lane).
pub(super) fn exec_warp(inst: &Inst, lanes: &mut [&mut Frame]) -> WarpStep {
    let g = inst.guard;
    match &inst.op {
        Op::Mov { d, a } if plain(*a) => {
            each_lane!(lanes, g, |fr| lane_set(fr, *d, lane_value(fr, *a)))
        }
        Op::Int { op, ty, d, a, b } if plain(*a) && plain(*b) && *d != SINK => {
            // The common operations inline (as ops::int_binary computes
            // them), the operand kinds resolved once for the warp.
            let m = ty.mask();
            macro_rules! bin {
                ($f:expr) => {{
                    let f = $f;
                    match (*a, *b) {
                        (Src::R(ra), Src::R(rb)) => each_lane!(lanes, g, |fr| {
                            fr.regs[*d as usize] = f(fr.regs[ra as usize], fr.regs[rb as usize]);
                        }),
                        (Src::R(ra), Src::Imm(ib)) => each_lane!(lanes, g, |fr| {
                            fr.regs[*d as usize] = f(fr.regs[ra as usize], ib);
                        }),
                        _ => each_lane!(lanes, g, |fr| {
                            let x = f(lane_value(fr, *a), lane_value(fr, *b));
                            lane_set(fr, *d, x)
                        }),
                    }
                }};
            }
            match op {
                IntOp::Add => bin!(|x: u64, y: u64| x.wrapping_add(y) & m),
                IntOp::Sub => bin!(|x: u64, y: u64| x.wrapping_sub(y) & m),
                IntOp::MulLo => bin!(|x: u64, y: u64| x.wrapping_mul(y) & m),
                IntOp::And => bin!(|x: u64, y: u64| x & y & m),
                IntOp::Or => bin!(|x: u64, y: u64| (x | y) & m),
                IntOp::Xor => bin!(|x: u64, y: u64| (x ^ y) & m),
                // Shifts by the width or more give 0 (ops::int_binary; the
                // planted test bug lives in its 64-bit shr, kept there).
                IntOp::Shl => {
                    let bits = ty.bits() as u64;
                    bin!(|x: u64, y: u64| if y >= bits { 0 } else { (x << y) & m })
                }
                IntOp::Shr if !ty.is_signed() && ty.bits() <= 32 => {
                    let bits = ty.bits() as u64;
                    bin!(|x: u64, y: u64| if y >= bits { 0 } else { (x & m) >> y })
                }
                _ => bin!(|x: u64, y: u64| ops::int_binary(*op, *ty, x, y)),
            }
        }
        Op::IntUn { op, ty, d, a } if plain(*a) => each_lane!(lanes, g, |fr| {
            let x = ops::int_unary(*op, *ty, lane_value(fr, *a));
            lane_set(fr, *d, x)
        }),
        Op::Mad {
            part,
            ty,
            d,
            a,
            b,
            c,
        } if plain(*a) && plain(*b) && plain(*c) => match (*part, *a, *b, *c) {
            // mad.lo with a register and two immediates (an LCG, an index).
            (IntOp::MulLo, Src::R(ra), Src::Imm(ib), Src::Imm(ic)) if *d != SINK => {
                let m = ty.mask();
                each_lane!(lanes, g, |fr| {
                    fr.regs[*d as usize] =
                        fr.regs[ra as usize].wrapping_mul(ib).wrapping_add(ic) & m;
                })
            }
            _ => each_lane!(lanes, g, |fr| {
                let x = mad(
                    *part,
                    *ty,
                    lane_value(fr, *a),
                    lane_value(fr, *b),
                    lane_value(fr, *c),
                );
                lane_set(fr, *d, x)
            }),
        },
        // An unsigned (or bit-type) integer comparison without a combiner.
        Op::Setp {
            cmp,
            ty,
            d,
            d2,
            a,
            b,
            comb: None,
            ..
        } if plain(*a) && plain(*b) && !ty.is_float() && !ty.is_signed() => {
            let m = ty.mask();
            macro_rules! cmp {
                ($f:expr) => {{
                    let f = $f;
                    each_lane!(lanes, g, |fr| {
                        let r = f(lane_value(fr, *a) & m, lane_value(fr, *b) & m);
                        lane_set(fr, *d, r as u64);
                        lane_set(fr, *d2, !r as u64);
                    })
                }};
            }
            match cmp {
                Cmp::Eq => cmp!(|x: u64, y: u64| x == y),
                Cmp::Ne => cmp!(|x: u64, y: u64| x != y),
                Cmp::Lt | Cmp::Lo => cmp!(|x: u64, y: u64| x < y),
                Cmp::Le | Cmp::Ls => cmp!(|x: u64, y: u64| x <= y),
                Cmp::Gt | Cmp::Hi => cmp!(|x: u64, y: u64| x > y),
                Cmp::Ge | Cmp::Hs => cmp!(|x: u64, y: u64| x >= y),
                _ => WarpStep::Fallback,
            }
        }
        Op::Setp {
            cmp,
            ty,
            d,
            d2,
            a,
            b,
            comb,
            ftz,
        } if plain(*a)
            && plain(*b)
            && comb.is_none_or(|(_, c)| plain(c))
            && setp(*cmp, *ty, *ftz, 0, 0, None).is_some() =>
        {
            each_lane!(lanes, g, |fr| {
                let c = comb.map(|(op, c)| (op, lane_value(fr, c) != 0));
                let (p, q) = setp(*cmp, *ty, *ftz, lane_value(fr, *a), lane_value(fr, *b), c)
                    .unwrap_or_default();
                lane_set(fr, *d, p as u64);
                lane_set(fr, *d2, q as u64);
            })
        }
        Op::Selp { d, a, b, c } if plain(*a) && plain(*b) && plain(*c) => {
            each_lane!(lanes, g, |fr| {
                let x = if lane_value(fr, *c) != 0 {
                    lane_value(fr, *a)
                } else {
                    lane_value(fr, *b)
                };
                lane_set(fr, *d, x)
            })
        }
        _ => WarpStep::Fallback,
    }
}

/// `mad.lo/.hi/.wide`: `(a * b).part + c`.
pub(super) fn mad(part: ops::IntOp, ty: Ty, a: u64, b: u64, c: u64) -> u64 {
    let p = ops::int_binary(part, ty, a, b);
    let bits = if part == ops::IntOp::MulWide {
        ty.bits() * 2
    } else {
        ty.bits()
    };
    p.wrapping_add(c) & mask(bits)
}

/// `setp.cmp[.bool].ty a, b[, c]`: the predicate and its complement
/// (`None` for a comparison the type lacks).
pub(super) fn setp(
    cmp: ops::Cmp,
    ty: Ty,
    ftz: bool,
    x: u64,
    y: u64,
    comb: Option<(BoolOp, bool)>,
) -> Option<(bool, bool)> {
    let r = if ty.is_float() {
        ops::float::compare(cmp, ty, ftz, x, y)
    } else {
        ops::int_compare(cmp, ty, x, y)
    }?;
    Some(match comb {
        None => (r, !r),
        Some((op, cv)) => {
            let f = |z: bool| match op {
                BoolOp::And => z & cv,
                BoolOp::Or => z | cv,
                BoolOp::Xor => z ^ cv,
            };
            (f(r), f(!r))
        }
    })
}

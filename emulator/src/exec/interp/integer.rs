//! Integer, bit, logic, comparison and move instructions (`add` … `lop3`,
//! `setp`, `selp`, `mov`): register in, register out, semantics in [`ops`].

use super::executor::*;
use super::*;

/// Executes one instruction of this family for the thread of `x`, whose
/// top frame is `depth`.
#[inline(always)]
pub(super) fn exec(x: &mut Executor, depth: usize, inst: &Inst) -> Result<Flow, Raw> {
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
            let p = ops::int_binary(*part, *ty, v!(*a), v!(*b));
            let bits = if *part == ops::IntOp::MulWide {
                ty.bits() * 2
            } else {
                ty.bits()
            };
            set!(*d, p.wrapping_add(v!(*c)) & mask(bits))
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
                ops::float_compare(*cmp, to_f64(*sty, x, *ftz), to_f64(*sty, y, *ftz))
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
            let (x, y) = (v!(*a), v!(*b));
            let r = if ty.is_float() {
                let (fx, fy) = (to_f64(*ty, x, *ftz), to_f64(*ty, y, *ftz));
                ops::float_compare(*cmp, fx, fy)
            } else {
                ops::int_compare(*cmp, *ty, x, y)
            };
            let Some(r) = r else {
                return raw(
                    FaultKind::Unsupported,
                    format!("comparison {cmp:?} on .{ty:?}"),
                );
            };
            let (p, q) = match comb {
                None => (r, !r),
                Some((op, c)) => {
                    let cv = v!(*c) != 0;
                    let f = |z: bool| match op {
                        BoolOp::And => z & cv,
                        BoolOp::Or => z | cv,
                        BoolOp::Xor => z ^ cv,
                    };
                    (f(r), f(!r))
                }
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

//! Float arithmetic and conversions (`add.f32` … `fma`, `testp`, `cvt`):
//! the semantics, generic over the float format, are in [`ops::float`].

use super::executor::*;
use super::*;
use crate::exec::ops::float::cvt_pair;

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
        Op::Cvt {
            dty,
            sty,
            m: fm,
            d,
            a,
            b: Some(b),
        } => match cvt_pair(*dty, *sty, *fm, v!(*a), v!(*b)) {
            Some(x) => set!(*d, x),
            None => {
                return raw(
                    FaultKind::Unsupported,
                    format!("cvt from two .{sty:?} to .{dty:?} with {fm:?}"),
                )
            }
        },
        Op::Cvt {
            dty,
            sty,
            m: fm,
            d,
            a,
            b: None,
        } => match cvt(*dty, *sty, *fm, v!(*a)) {
            Some(x) => set!(*d, x),
            None => {
                return raw(
                    FaultKind::Unsupported,
                    format!("cvt from .{sty:?} to .{dty:?} with {fm:?}"),
                )
            }
        },
        Op::FBin {
            op,
            ty,
            m: fm,
            d,
            a,
            b,
        } => match fbin(*op, *ty, *fm, v!(*a), v!(*b)) {
            Some(x) => set!(*d, x),
            None => return raw(FaultKind::Unsupported, format!("{op:?}.{ty:?} with {fm:?}")),
        },
        Op::FUn {
            op,
            ty,
            m: fm,
            d,
            a,
        } => match fun(*op, *ty, *fm, v!(*a)) {
            Some(x) => set!(*d, x),
            None => return raw(FaultKind::Unsupported, format!("{op:?}.{ty:?} with {fm:?}")),
        },
        Op::Fma {
            ty,
            m: fm,
            d,
            a,
            b,
            c,
        } => match ffma(*ty, *fm, v!(*a), v!(*b), v!(*c)) {
            Some(x) => set!(*d, x),
            None => return raw(FaultKind::Unsupported, format!("fma.{ty:?} with {fm:?}")),
        },
        Op::Testp { op, ty, d, a } => {
            let x = to_f64(*ty, v!(*a), false);
            let sub = match ty {
                Ty::F32 => f32::from_bits(v!(*a) as u32).is_subnormal(),
                _ => x.is_subnormal(),
            };
            let r = match op {
                TestP::Finite => x.is_finite(),
                TestP::Infinite => x.is_infinite(),
                TestP::Number => !x.is_nan(),
                TestP::NotANumber => x.is_nan(),
                TestP::Normal => x.is_finite() && x != 0.0 && !sub,
                TestP::Subnormal => sub,
            };
            set!(*d, r as u64)
        }
        _ => {
            return raw(
                FaultKind::Unsupported,
                format!("internal error: {:?} is not a float instruction", inst.op),
            )
        }
    }
    Ok(Flow::Next)
}

/// Executes one instruction of this family for every lane of a converged
/// warp. The decoder admits only combinations whose semantics exist, so
/// the helpers' `None` never comes for them.
pub(super) fn exec_warp(inst: &Inst, lanes: &mut [&mut Frame]) -> WarpStep {
    let g = inst.guard;
    match &inst.op {
        Op::FBin { op, ty, m, d, a, b } if plain(*a) && plain(*b) => each_lane!(lanes, g, |fr| {
            if let Some(x) = fbin(*op, *ty, *m, lane_value(fr, *a), lane_value(fr, *b)) {
                lane_set(fr, *d, x)
            }
        }),
        Op::FUn { op, ty, m, d, a } if plain(*a) => each_lane!(lanes, g, |fr| {
            if let Some(x) = fun(*op, *ty, *m, lane_value(fr, *a)) {
                lane_set(fr, *d, x)
            }
        }),
        // fma.rn.f32 without .ftz/.sat: the IEEE fma, canonical NaN.
        Op::Fma {
            ty: Ty::F32,
            m,
            d,
            a,
            b,
            c,
        } if plain(*a)
            && plain(*b)
            && plain(*c)
            && matches!(m.rnd, ops::Rnd::Rn | ops::Rnd::Default)
            && !m.ftz
            && !m.sat
            && *d != SINK =>
        {
            let f = |s: Src, fr: &Frame| f32::from_bits(lane_value(fr, s) as u32);
            each_lane!(lanes, g, |fr| {
                let r = f(*a, fr).mul_add(f(*b, fr), f(*c, fr));
                fr.regs[*d as usize] = ops::canon32(r).to_bits() as u64;
            })
        }
        Op::Fma { ty, m, d, a, b, c } if plain(*a) && plain(*b) && plain(*c) => {
            each_lane!(lanes, g, |fr| {
                let x = ffma(
                    *ty,
                    *m,
                    lane_value(fr, *a),
                    lane_value(fr, *b),
                    lane_value(fr, *c),
                );
                if let Some(x) = x {
                    lane_set(fr, *d, x)
                }
            })
        }
        Op::Cvt {
            dty,
            sty,
            m,
            d,
            a,
            b: None,
        } if plain(*a) => each_lane!(lanes, g, |fr| {
            if let Some(x) = cvt(*dty, *sty, *m, lane_value(fr, *a)) {
                lane_set(fr, *d, x)
            }
        }),
        _ => WarpStep::Fallback,
    }
}

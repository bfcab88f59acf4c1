//! Float semantics: arithmetic per rounding mode, conversions and float
//! atomics, as pure functions on register bits.

use super::*;
use crate::exec::ops;
use crate::exec::program::{AtomOp, FBin, FMods, FUn, Op};

pub fn f16v(bits: u64) -> f64 {
    half::f16::from_bits(bits as u16).to_f64()
}

pub fn bf16v(bits: u64) -> f64 {
    half::bf16::from_bits(bits as u16).to_f64()
}

pub fn to_f64(ty: Ty, bits: u64, ftz: bool) -> f64 {
    match ty {
        Ty::F32 => {
            let x = f32::from_bits(bits as u32);
            (if ftz { ops::ftz32(x) } else { x }) as f64
        }
        Ty::F64 => f64::from_bits(bits),
        Ty::F16 => f16v(bits),
        Ty::BF16 => bf16v(bits),
        _ => f64::NAN,
    }
}

/// `s + e = a + b` exactly (Knuth's TwoSum).
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

pub fn fin32(x: f32, m: FMods) -> f32 {
    let x = if m.ftz { ops::ftz32(x) } else { x };
    let x = if m.sat { ops::sat32(x) } else { x };
    ops::canon32(x)
}

pub fn fin64(x: f64, m: FMods) -> f64 {
    ops::canon64(if m.sat { ops::sat64(x) } else { x })
}

pub fn rn(r: Rnd) -> Rnd {
    if r == Rnd::Default {
        Rnd::Rn
    } else {
        r
    }
}

pub fn f32_bin(op: FBin, m: FMods, a: u32, b: u32) -> Option<u32> {
    let ftz = |x: f32| if m.ftz { ops::ftz32(x) } else { x };
    let (x, y) = (ftz(f32::from_bits(a)), ftz(f32::from_bits(b)));
    let (xd, yd) = (x as f64, y as f64);
    let rnd = rn(m.rnd);
    let r = match op {
        FBin::Add | FBin::Sub => {
            let yd = if op == FBin::Sub { -yd } else { yd };
            let (s, e) = two_sum(xd, yd);
            round_to_f32(s, sgn(e), rnd)
        }
        FBin::Mul => round_to_f32(xd * yd, 0, rnd),
        FBin::Div => {
            if m.approx {
                // div.approx: within 2 ulp; the correctly rounded quotient is.
                (xd / yd) as f32
            } else {
                let q = xd / yd;
                let res = (-q).mul_add(yd, xd);
                round_to_f32(q, sgn(res) * if yd < 0.0 { -1 } else { 1 }, rnd)
            }
        }
        FBin::Min => return Some(fin32(ops::fminmax32(false, m.nan, x, y), m).to_bits()),
        FBin::Max => return Some(fin32(ops::fminmax32(true, m.nan, x, y), m).to_bits()),
        // copysign: the sign of a, the rest of b.
        FBin::Copysign => return Some((a & 0x8000_0000) | (b & 0x7fff_ffff)),
    };
    Some(fin32(r, m).to_bits())
}

pub fn f64_bin(op: FBin, m: FMods, a: u64, b: u64) -> Option<u64> {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let rnd = rn(m.rnd);
    let r = match op {
        FBin::Add | FBin::Sub => {
            let y = if op == FBin::Sub { -y } else { y };
            let (s, e) = two_sum(x, y);
            round_f64(s, sgn(e), rnd)
        }
        FBin::Mul => {
            let p = x * y;
            round_f64(p, sgn(x.mul_add(y, -p)), rnd)
        }
        FBin::Div => {
            let q = x / y;
            let res = (-q).mul_add(y, x);
            round_f64(q, sgn(res) * if y < 0.0 { -1 } else { 1 }, rnd)
        }
        FBin::Min => ops::fminmax64(false, m.nan, x, y),
        FBin::Max => ops::fminmax64(true, m.nan, x, y),
        FBin::Copysign => {
            return Some((a & (1 << 63)) | (b & !(1 << 63)));
        }
    };
    Some(fin64(r, m).to_bits())
}

/// Half-precision binary ops: exact in f64, then one rounding to the format.
pub fn half_bin(op: FBin, bf: bool, m: FMods, a: u16, b: u16) -> Option<u16> {
    if !matches!(rn(m.rnd), Rnd::Rn) {
        return None;
    }
    let conv = |x: u16| if bf { bf16v(x as u64) } else { f16v(x as u64) };
    let (x, y) = (conv(a), conv(b));
    let r = match op {
        FBin::Add => x + y,
        FBin::Sub => x - y,
        FBin::Mul => x * y,
        FBin::Min => ops::fminmax64(false, m.nan, x, y),
        FBin::Max => ops::fminmax64(true, m.nan, x, y),
        _ => return None,
    };
    let r = if m.sat { ops::sat64(r) } else { r };
    Some(if r.is_nan() {
        0x7fff
    } else if bf {
        half::bf16::from_f64(r).to_bits()
    } else {
        half::f16::from_f64(r).to_bits()
    })
}

pub fn fbin(op: FBin, ty: Ty, m: FMods, a: u64, b: u64) -> Option<u64> {
    match ty {
        Ty::F32 => f32_bin(op, m, a as u32, b as u32).map(|x| x as u64),
        Ty::F64 => f64_bin(op, m, a, b),
        Ty::F32x2 => {
            let lo = f32_bin(op, m, a as u32, b as u32)?;
            let hi = f32_bin(op, m, (a >> 32) as u32, (b >> 32) as u32)?;
            Some((hi as u64) << 32 | lo as u64)
        }
        Ty::F16 | Ty::BF16 => half_bin(op, ty == Ty::BF16, m, a as u16, b as u16).map(|x| x as u64),
        Ty::F16x2 | Ty::BF16x2 => {
            let bf = ty == Ty::BF16x2;
            let lo = half_bin(op, bf, m, a as u16, b as u16)?;
            let hi = half_bin(op, bf, m, (a >> 16) as u16, (b >> 16) as u16)?;
            Some(((hi as u64) << 16) | lo as u64)
        }
        _ => None,
    }
}

pub fn fun(op: FUn, ty: Ty, m: FMods, a: u64) -> Option<u64> {
    match ty {
        Ty::F32 => {
            let x = f32::from_bits(a as u32);
            let x = if m.ftz { ops::ftz32(x) } else { x };
            let xd = x as f64;
            let rnd = rn(m.rnd);
            let r = match op {
                FUn::Neg => return Some((x.to_bits() ^ 0x8000_0000) as u64),
                FUn::Abs => return Some((x.to_bits() & 0x7fff_ffff) as u64),
                FUn::Sqrt if m.approx => xd.sqrt() as f32,
                FUn::Sqrt => {
                    let q = xd.sqrt();
                    round_to_f32(q, sgn((-q).mul_add(q, xd)), rnd)
                }
                FUn::Rcp if m.approx => (1.0 / xd) as f32,
                FUn::Rcp => {
                    let q = 1.0 / xd;
                    round_to_f32(
                        q,
                        sgn((-q).mul_add(xd, 1.0)) * if xd < 0.0 { -1 } else { 1 },
                        rnd,
                    )
                }
                // The .approx functions: computed in f64 and rounded once,
                // which is within every documented error bound.
                FUn::Rsqrt => (1.0 / xd.sqrt()) as f32,
                FUn::Sin => xd.sin() as f32,
                FUn::Cos => xd.cos() as f32,
                FUn::Lg2 => xd.log2() as f32,
                FUn::Ex2 => xd.exp2() as f32,
                FUn::Tanh => xd.tanh() as f32,
            };
            Some(fin32(r, m).to_bits() as u64)
        }
        Ty::F64 => {
            let x = f64::from_bits(a);
            let rnd = rn(m.rnd);
            let r = match op {
                FUn::Neg => return Some(a ^ (1 << 63)),
                FUn::Abs => return Some(a & !(1 << 63)),
                FUn::Sqrt => {
                    let q = x.sqrt();
                    round_f64(q, sgn((-q).mul_add(q, x)), rnd)
                }
                FUn::Rcp if m.approx => 1.0 / x,
                FUn::Rcp => {
                    let q = 1.0 / x;
                    round_f64(
                        q,
                        sgn((-q).mul_add(x, 1.0)) * if x < 0.0 { -1 } else { 1 },
                        rnd,
                    )
                }
                FUn::Rsqrt => 1.0 / x.sqrt(),
                _ => return None,
            };
            Some(fin64(r, m).to_bits())
        }
        Ty::F16 | Ty::BF16 | Ty::F16x2 | Ty::BF16x2 => {
            let lane = |h: u16| -> Option<u16> {
                Some(match op {
                    FUn::Neg => h ^ 0x8000,
                    FUn::Abs => h & 0x7fff,
                    _ => return None,
                })
            };
            if matches!(ty, Ty::F16 | Ty::BF16) {
                lane(a as u16).map(|x| x as u64)
            } else {
                Some(((lane((a >> 16) as u16)? as u64) << 16) | lane(a as u16)? as u64)
            }
        }
        _ => None,
    }
}

pub fn ffma(ty: Ty, m: FMods, a: u64, b: u64, c: u64) -> Option<u64> {
    let rnd = rn(m.rnd);
    match ty {
        Ty::F32 => {
            let ftz = |x: u64| {
                let x = f32::from_bits(x as u32);
                (if m.ftz { ops::ftz32(x) } else { x }) as f64
            };
            // a*b is exact in f64; TwoSum keeps the sum's error.
            let (s, e) = two_sum(ftz(a) * ftz(b), ftz(c));
            Some(fin32(round_to_f32(s, sgn(e), rnd), m).to_bits() as u64)
        }
        Ty::F64 => {
            if rnd != Rnd::Rn {
                return None;
            }
            let r = f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c));
            Some(fin64(r, m).to_bits())
        }
        Ty::F32x2 => {
            let one = |sh: u32| {
                ffma(
                    Ty::F32,
                    m,
                    a >> sh & 0xffff_ffff,
                    b >> sh & 0xffff_ffff,
                    c >> sh & 0xffff_ffff,
                )
            };
            Some(one(32)? << 32 | one(0)?)
        }
        Ty::F16 | Ty::BF16 => {
            if rnd != Rnd::Rn {
                return None;
            }
            let bf = ty == Ty::BF16;
            let conv = |x: u64| if bf { bf16v(x) } else { f16v(x) };
            // Exact: an 11-bit by 11-bit product plus a half fits in f64.
            let r = conv(a) * conv(b) + conv(c);
            let r = if m.sat { ops::sat64(r) } else { r };
            Some(if bf {
                half::bf16::from_f64(r).to_bits()
            } else {
                half::f16::from_f64(r).to_bits()
            } as u64)
        }
        _ => None,
    }
}

pub fn int_value(ty: Ty, x: u64) -> i128 {
    if ty.is_signed() {
        sext(x, ty.bits()) as i128
    } else {
        (x & ty.mask()) as i128
    }
}

/// A narrow integer result as its register holds it: a signed type is
/// sign-extended to the register's width (the PTX manual's rule for `cvt`
/// and `ld` into a wider register), an unsigned one zero-extended.
pub fn extend(ty: Ty, v: u64) -> u64 {
    if ty.is_signed() {
        sext(v, ty.bits()) as u64
    } else {
        v & ty.mask()
    }
}

pub fn cvt(dty: Ty, sty: Ty, m: FMods, a: u64) -> Option<u64> {
    let sf = sty.is_float();
    let df = dty.is_float();
    match (sf, df) {
        (false, false) => {
            let v = int_value(sty, a);
            if m.sat {
                let bits = dty.bits();
                let (lo, hi) = if dty.is_signed() {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                Some(extend(dty, v.clamp(lo, hi) as u64))
            } else {
                Some(extend(dty, v as u64))
            }
        }
        (true, false) => {
            let rnd = if m.rnd == Rnd::Default {
                Rnd::Rzi
            } else {
                m.rnd
            };
            Some(extend(
                dty,
                ops::float_to_int(to_f64(sty, a, m.ftz), rnd, dty),
            ))
        }
        (false, true) => {
            let v = int_value(sty, a);
            let rnd = rn(m.rnd);
            match dty {
                Ty::F32 => Some(fin32(ops::int_to_f32(v, rnd), m).to_bits() as u64),
                Ty::F64 => Some(fin64(ops::int_to_f64(v, rnd), m).to_bits()),
                Ty::F16 if rnd == Rnd::Rn => Some(half::f16::from_f64(v as f64).to_bits() as u64),
                Ty::BF16 if rnd == Rnd::Rn => Some(half::bf16::from_f64(v as f64).to_bits() as u64),
                _ => None,
            }
        }
        (true, true) => {
            let x = to_f64(sty, a, m.ftz);
            let integral = matches!(m.rnd, Rnd::Rni | Rnd::Rzi | Rnd::Rmi | Rnd::Rpi);
            let x = if integral && !x.is_nan() {
                ops::round_integral(m.rnd, x)
            } else {
                x
            };
            let rnd = if integral { Rnd::Rn } else { rn(m.rnd) };
            match dty {
                Ty::F32 => {
                    let r = if x.is_nan() {
                        f32::NAN
                    } else {
                        round_to_f32(x, 0, rnd)
                    };
                    Some(fin32(r, m).to_bits() as u64)
                }
                Ty::F64 => Some(fin64(x, m).to_bits()),
                Ty::F16 if rnd == Rnd::Rn => {
                    let r = if m.sat { ops::sat64(x) } else { x };
                    Some(if r.is_nan() {
                        0x7fff
                    } else {
                        half::f16::from_f64(r).to_bits()
                    } as u64)
                }
                Ty::BF16 if rnd == Rnd::Rn => {
                    let r = if m.sat { ops::sat64(x) } else { x };
                    Some(if r.is_nan() {
                        0x7fff
                    } else {
                        half::bf16::from_f64(r).to_bits()
                    } as u64)
                }
                _ => None,
            }
        }
    }
}

pub fn atom(op: AtomOp, ty: Ty, old: u64, b: u64, c: Option<u64>) -> Option<u64> {
    let msk = ty.mask();
    Some(match op {
        AtomOp::Add => match ty {
            // atom.add.f32 rounds to nearest and flushes subnormals.
            Ty::F32 => {
                let r = ops::ftz32(
                    ops::ftz32(f32::from_bits(old as u32)) + ops::ftz32(f32::from_bits(b as u32)),
                );
                ops::canon32(r).to_bits() as u64
            }
            Ty::F64 => ops::canon64(f64::from_bits(old) + f64::from_bits(b)).to_bits(),
            t if t.is_float() => return None,
            _ => old.wrapping_add(b) & msk,
        },
        AtomOp::Min | AtomOp::Max if ty.is_float() => return None,
        AtomOp::Min => ops::int_binary(ops::IntOp::Min, ty, old, b),
        AtomOp::Max => ops::int_binary(ops::IntOp::Max, ty, old, b),
        AtomOp::And => old & b & msk,
        AtomOp::Or => (old | b) & msk,
        AtomOp::Xor => (old ^ b) & msk,
        AtomOp::Exch => b & msk,
        AtomOp::Cas => {
            if old & msk == b & msk {
                c? & msk
            } else {
                old & msk
            }
        }
        AtomOp::Inc => {
            if old & msk >= b & msk {
                0
            } else {
                (old + 1) & msk
            }
        }
        AtomOp::Dec => {
            if old & msk == 0 || old & msk > b & msk {
                b & msk
            } else {
                (old - 1) & msk
            }
        }
    })
}

/// Whether the semantics of `op` exist for its types and modifiers (the
/// arithmetic helpers answer `None` for a combination they lack, whatever
/// the operand values): the decoder turns a `false` into
/// [`Op::Unsupported`], so the gap shows at load time and in the opcode table.
pub fn implemented(op: &Op) -> bool {
    match op {
        Op::Cvt { dty, sty, m, .. } => cvt(*dty, *sty, *m, 0).is_some(),
        Op::FBin { op, ty, m, .. } => fbin(*op, *ty, *m, 0, 0).is_some(),
        Op::FUn { op, ty, m, .. } => fun(*op, *ty, *m, 0).is_some(),
        Op::Fma { ty, m, .. } => ffma(*ty, *m, 0, 0, 0).is_some(),
        Op::Atom { op, ty, .. } => atom(*op, *ty, 0, 0, Some(0)).is_some(),
        Op::Setp { cmp, ty, .. } => {
            if ty.is_float() {
                ops::float_compare(*cmp, 0.0, 0.0).is_some()
            } else {
                ops::int_compare(*cmp, *ty, 0, 0).is_some()
            }
        }
        _ => true,
    }
}

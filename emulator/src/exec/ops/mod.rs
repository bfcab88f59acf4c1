//! Scalar semantics of PTX instructions, as pure functions on register bits.
//!
//! Each function follows the PTX ISA manual (and IEEE 754 for floats); the
//! unit tests below work their expected values out by hand.

use super::types::{mask, sext, Ty};

pub mod float;

/// The canonical NaN a GPU writes for an invalid f32 operation.
pub const F32_CANONICAL_NAN: u32 = 0x7fff_ffff;
/// The canonical NaN a GPU writes for an invalid f64 operation.
pub const F64_CANONICAL_NAN: u64 = 0x7fff_ffff_ffff_ffff;

/// Integer binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOp {
    Add,
    Sub,
    MulLo,
    MulHi,
    MulWide,
    Div,
    Rem,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Min,
    Max,
}

/// `op.ty a, b` on integers (bit types are unsigned). `MulWide` returns the
/// double-width product.
#[inline]
pub fn int_binary(op: IntOp, ty: Ty, a: u64, b: u64) -> u64 {
    let bits = ty.bits().min(64);
    let m = mask(bits);
    // The common cases first, without sign extension.
    match op {
        IntOp::Add => return a.wrapping_add(b) & m,
        IntOp::Sub => return a.wrapping_sub(b) & m,
        IntOp::MulLo => return a.wrapping_mul(b) & m,
        IntOp::And => return a & b & m,
        IntOp::Or => return (a | b) & m,
        IntOp::Xor => return (a ^ b) & m,
        _ => {}
    }
    let (a, b) = (a & m, b & m);
    let (sa, sb) = (sext(a, bits), sext(b, bits));
    let signed = ty.is_signed();
    let r = match op {
        IntOp::Add => a.wrapping_add(b),
        IntOp::Sub => a.wrapping_sub(b),
        IntOp::MulLo => a.wrapping_mul(b),
        IntOp::MulHi => {
            if signed {
                ((sa as i128 * sb as i128) >> bits) as u64
            } else {
                ((a as u128 * b as u128) >> bits) as u64
            }
        }
        IntOp::MulWide => {
            let wide = if signed {
                (sa as i128 * sb as i128) as u128
            } else {
                a as u128 * b as u128
            };
            return (wide as u64) & mask(bits * 2);
        }
        // Division by zero: the hardware's result is all ones for the
        // quotient and the dividend for the remainder (the PTX manual leaves
        // it unspecified). INT_MIN / -1 wraps to INT_MIN with remainder 0.
        IntOp::Div => {
            if b == 0 {
                m
            } else if signed {
                sa.wrapping_div(sb) as u64
            } else {
                a / b
            }
        }
        IntOp::Rem => {
            if b == 0 {
                a
            } else if signed {
                sa.wrapping_rem(sb) as u64
            } else {
                a % b
            }
        }
        IntOp::And => a & b,
        IntOp::Or => a | b,
        IntOp::Xor => a ^ b,
        // Shift amounts are unsigned; shifting by the width or more gives 0,
        // or the sign fill for shr.sN.
        IntOp::Shl => {
            if b >= bits as u64 {
                0
            } else {
                a << b
            }
        }
        IntOp::Shr => {
            if signed {
                (sa >> b.min(63)) as u64
            } else if bits == 64 && (32..64).contains(&b) && planted_shr_bug() {
                // Deliberately wrong (see `planted_shr_bug`).
                a >> (b - 32)
            } else if b >= bits as u64 {
                0
            } else {
                a >> b
            }
        }
        IntOp::Min => {
            if signed {
                sa.min(sb) as u64
            } else {
                a.min(b)
            }
        }
        IntOp::Max => {
            if signed {
                sa.max(sb) as u64
            } else {
                a.max(b)
            }
        }
    };
    r & m
}

/// Integer unary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntUnary {
    Not,
    Cnot,
    Neg,
    Abs,
    Popc,
    Clz,
    Brev,
}

/// `op.ty a` on integers.
pub fn int_unary(op: IntUnary, ty: Ty, a: u64) -> u64 {
    let bits = ty.bits().min(64);
    let m = mask(bits);
    let a = a & m;
    let r = match op {
        IntUnary::Not => !a,
        IntUnary::Cnot => (a == 0) as u64,
        IntUnary::Neg => a.wrapping_neg(),
        IntUnary::Abs => sext(a, bits).wrapping_abs() as u64,
        IntUnary::Popc => a.count_ones() as u64,
        IntUnary::Clz => (a.leading_zeros() - (64 - bits)) as u64,
        IntUnary::Brev => a.reverse_bits() >> (64 - bits),
    };
    r & m
}

/// `add.cc`/`addc`/`sub.cc`/`subc`: the result and the carry (or borrow) out.
pub fn add_carry(bits: u32, a: u64, b: u64, carry_in: bool, sub: bool) -> (u64, bool) {
    let m = mask(bits);
    let (a, b) = (a & m, b & m);
    let wide = if sub {
        // a - b - borrow, computed as a + !b + !borrow; the flag is the borrow.
        let r = (a as u128)
            .wrapping_sub(b as u128)
            .wrapping_sub(carry_in as u128);
        return ((r as u64) & m, (a as u128) < b as u128 + carry_in as u128);
    } else {
        a as u128 + b as u128 + carry_in as u128
    };
    ((wide as u64) & m, (wide >> bits) & 1 == 1)
}

/// `bfe.ty d, a, pos, len` (pos and len are taken mod 256, as the manual says).
pub fn bfe(ty: Ty, a: u64, pos: u64, len: u64) -> u64 {
    let bits = ty.bits() as u64;
    let pos = pos & 0xff;
    let len = len & 0xff;
    let m = mask(bits as u32);
    let a = a & m;
    let sign_bit = if ty.is_signed() {
        if len == 0 {
            false
        } else {
            let msb = (pos + len - 1).min(bits - 1);
            (a >> msb) & 1 == 1
        }
    } else {
        false
    };
    let mut d = 0u64;
    for i in 0..bits {
        let bit = if i < len && pos + i < bits {
            (a >> (pos + i)) & 1 == 1
        } else {
            sign_bit
        };
        if bit {
            d |= 1 << i;
        }
    }
    d & m
}

/// `bfi.ty f, a, b, pos, len`: insert the low `len` bits of `a` into `b` at `pos`.
pub fn bfi(ty: Ty, a: u64, b: u64, pos: u64, len: u64) -> u64 {
    let bits = ty.bits() as u64;
    let pos = pos & 0xff;
    let len = len & 0xff;
    let mut f = b & mask(bits as u32);
    for i in 0..len {
        if pos + i >= bits {
            break;
        }
        let bit = (a >> i) & 1;
        f = (f & !(1 << (pos + i))) | (bit << (pos + i));
    }
    f
}

/// The modes of `prmt.b32.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrmtMode {
    F4e,
    B4e,
    Rc8,
    Ecl,
    Ecr,
    Rc16,
}

impl PrmtMode {
    /// Parses a mode suffix without its dot (`"f4e"`).
    pub fn parse(s: &str) -> Option<PrmtMode> {
        Some(match s {
            "f4e" => PrmtMode::F4e,
            "b4e" => PrmtMode::B4e,
            "rc8" => PrmtMode::Rc8,
            "ecl" => PrmtMode::Ecl,
            "ecr" => PrmtMode::Ecr,
            "rc16" => PrmtMode::Rc16,
            _ => return None,
        })
    }
}

/// `prmt.b32{.mode} d, a, b, c`.
pub fn prmt(mode: Option<PrmtMode>, a: u32, b: u32, c: u32) -> Option<u32> {
    let bytes = ((b as u64) << 32 | a as u64).to_le_bytes();
    let byte = |i: u32| bytes[(i & 7) as usize];
    let mut d = [0u8; 4];
    match mode {
        None => {
            for (k, out) in d.iter_mut().enumerate() {
                let sel = (c >> (4 * k)) & 0xf;
                let v = byte(sel & 7);
                *out = if sel & 8 != 0 {
                    if v & 0x80 != 0 {
                        0xff
                    } else {
                        0
                    }
                } else {
                    v
                };
            }
        }
        Some(m) => {
            let s = c & 3;
            let idx: [u32; 4] = match m {
                PrmtMode::F4e => [s, s + 1, s + 2, s + 3],
                PrmtMode::B4e => {
                    [s, s.wrapping_sub(1), s.wrapping_sub(2), s.wrapping_sub(3)].map(|x| x & 7)
                }
                PrmtMode::Rc8 => [s; 4],
                PrmtMode::Ecl => [s, s.max(1), s.max(2), 3],
                PrmtMode::Ecr => [0, s.min(1), s.min(2), s],
                PrmtMode::Rc16 => {
                    let lo = (c & 1) * 2;
                    [lo, lo + 1, lo, lo + 1]
                }
            };
            for k in 0..4 {
                d[k] = byte(idx[k] & 7);
            }
        }
    }
    Some(u32::from_le_bytes(d))
}

/// `shf.{l,r}.{wrap,clamp}.b32 d, a, b, c`: a funnel shift of `b:a`.
pub fn shf(left: bool, wrap: bool, a: u32, b: u32, c: u32) -> u32 {
    let n = if wrap { c & 31 } else { c.min(32) };
    let wide = (b as u64) << 32 | a as u64;
    if left {
        ((wide << n) >> 32) as u32
    } else {
        (wide >> n) as u32
    }
}

/// `bmsk.{clamp,wrap}.b32 d, a, b`: `b` ones starting at bit `a`.
pub fn bmsk(wrap: bool, a: u32, b: u32) -> u32 {
    let (a, b) = if wrap {
        (a & 31, b & 31)
    } else {
        (a.min(32), b.min(32))
    };
    if a >= 32 {
        return 0;
    }
    let ones = if b >= 32 { u32::MAX } else { (1u32 << b) - 1 };
    ones.checked_shl(a).unwrap_or(0)
}

/// `bfind.ty a` (with `.shiftamt`): the bit position of the most
/// significant non-sign bit, or all ones when there is none.
pub fn bfind(ty: Ty, shiftamt: bool, a: u64) -> u32 {
    let bits = ty.bits();
    let a = a & mask(bits);
    let v = if ty.is_signed() && (a >> (bits - 1)) & 1 == 1 {
        !a & mask(bits)
    } else {
        a
    };
    if v == 0 {
        return u32::MAX;
    }
    let pos = 63 - v.leading_zeros();
    if shiftamt {
        bits - 1 - pos
    } else {
        pos
    }
}

/// `mul24.{lo,hi}`: the 48-bit product of the low 24 bits (sign-extended
/// for `.s32`); `.lo` is bits 0–31, `.hi` bits 16–47.
pub fn mul24(signed: bool, hi: bool, a: u32, b: u32) -> u32 {
    let ext = |x: u32| -> i64 {
        if signed {
            sext(x as u64 & 0xff_ffff, 24)
        } else {
            (x & 0xff_ffff) as i64
        }
    };
    let p = ext(a) * ext(b);
    if hi {
        (p >> 16) as u32
    } else {
        p as u32
    }
}

/// `dp4a.atype.btype`: `c` plus the four byte-wise products.
pub fn dp4a(a_signed: bool, b_signed: bool, a: u32, b: u32, c: u32) -> u32 {
    let byte = |x: u32, k: u32, s: bool| -> i64 {
        let v = (x >> (8 * k)) & 0xff;
        if s {
            v as u8 as i8 as i64
        } else {
            v as i64
        }
    };
    let sum: i64 = (0..4)
        .map(|k| byte(a, k, a_signed) * byte(b, k, b_signed))
        .sum();
    (c as i64).wrapping_add(sum) as u32
}

/// `dp2a.{lo,hi}.atype.btype d, a, b, c`: `a`'s two 16-bit halves times
/// two bytes of `b` (bytes 0 and 1 for `.lo`, 2 and 3 for `.hi`), plus `c`,
/// each operand signed or not as its type says; the sum wraps to 32 bits.
pub fn dp2a(a_signed: bool, b_signed: bool, hi: bool, a: u32, b: u32, c: u32) -> u32 {
    let half = |k: u32| -> i64 {
        let v = (a >> (16 * k)) & 0xffff;
        if a_signed {
            v as u16 as i16 as i64
        } else {
            v as i64
        }
    };
    let byte = |k: u32| -> i64 {
        let v = (b >> (8 * k)) & 0xff;
        if b_signed {
            v as u8 as i8 as i64
        } else {
            v as i64
        }
    };
    let base = if hi { 2 } else { 0 };
    (c as i64).wrapping_add(half(0) * byte(base) + half(1) * byte(base + 1)) as u32
}

/// `szext.{wrap,clamp}.{u32,s32} a, b`: extend from the low `b` bits.
pub fn szext(signed: bool, wrap: bool, a: u32, b: u32) -> u32 {
    let n = if wrap { b & 31 } else { b.min(32) };
    if n == 0 {
        return 0;
    }
    if n >= 32 {
        return a;
    }
    if signed {
        sext(a as u64, n) as u32
    } else {
        a & ((1u32 << n) - 1)
    }
}

/// Comparison operators of `setp` (integers, and floats with unordered forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Lo,
    Ls,
    Hi,
    Hs,
    Equ,
    Neu,
    Ltu,
    Leu,
    Gtu,
    Geu,
    Num,
    Nan,
}

impl Cmp {
    pub fn parse(s: &str) -> Option<Cmp> {
        Some(match s {
            "eq" => Cmp::Eq,
            "ne" => Cmp::Ne,
            "lt" => Cmp::Lt,
            "le" => Cmp::Le,
            "gt" => Cmp::Gt,
            "ge" => Cmp::Ge,
            "lo" => Cmp::Lo,
            "ls" => Cmp::Ls,
            "hi" => Cmp::Hi,
            "hs" => Cmp::Hs,
            "equ" => Cmp::Equ,
            "neu" => Cmp::Neu,
            "ltu" => Cmp::Ltu,
            "leu" => Cmp::Leu,
            "gtu" => Cmp::Gtu,
            "geu" => Cmp::Geu,
            "num" => Cmp::Num,
            "nan" => Cmp::Nan,
            _ => return None,
        })
    }
}

/// `setp.cmp.ty a, b` (integers; `lo/ls/hi/hs` are unsigned).
#[inline]
pub fn int_compare(cmp: Cmp, ty: Ty, a: u64, b: u64) -> Option<bool> {
    let bits = ty.bits().min(64);
    if !ty.is_signed() {
        let m = mask(bits);
        let (ua, ub) = (a & m, b & m);
        match cmp {
            Cmp::Eq => return Some(ua == ub),
            Cmp::Ne => return Some(ua != ub),
            Cmp::Lt | Cmp::Lo => return Some(ua < ub),
            Cmp::Le | Cmp::Ls => return Some(ua <= ub),
            Cmp::Gt | Cmp::Hi => return Some(ua > ub),
            Cmp::Ge | Cmp::Hs => return Some(ua >= ub),
            _ => return None,
        }
    }
    let (ua, ub) = (a & mask(bits), b & mask(bits));
    let (sa, sb) = (sext(a, bits), sext(b, bits));
    let ord = if ty.is_signed() {
        sa.cmp(&sb)
    } else {
        ua.cmp(&ub)
    };
    use std::cmp::Ordering::*;
    Some(match cmp {
        Cmp::Eq => ua == ub,
        Cmp::Ne => ua != ub,
        Cmp::Lt => ord == Less,
        Cmp::Le => ord != Greater,
        Cmp::Gt => ord == Greater,
        Cmp::Ge => ord != Less,
        Cmp::Lo => ua < ub,
        Cmp::Ls => ua <= ub,
        Cmp::Hi => ua > ub,
        Cmp::Hs => ua >= ub,
        _ => return None,
    })
}

/// `setp.cmp.fXX a, b`: ordered comparisons are false when either is NaN,
/// the `u` forms are true.
pub fn float_compare(cmp: Cmp, a: f64, b: f64) -> Option<bool> {
    let unordered = a.is_nan() || b.is_nan();
    Some(match cmp {
        Cmp::Eq => !unordered && a == b,
        Cmp::Ne => !unordered && a != b,
        Cmp::Lt => !unordered && a < b,
        Cmp::Le => !unordered && a <= b,
        Cmp::Gt => !unordered && a > b,
        Cmp::Ge => !unordered && a >= b,
        Cmp::Equ => unordered || a == b,
        Cmp::Neu => unordered || a != b,
        Cmp::Ltu => unordered || a < b,
        Cmp::Leu => unordered || a <= b,
        Cmp::Gtu => unordered || a > b,
        Cmp::Geu => unordered || a >= b,
        Cmp::Num => !unordered,
        Cmp::Nan => unordered,
        _ => return None,
    })
}

/// `min.f32`/`max.f32`: a NaN operand yields the other operand; two NaNs
/// yield the canonical NaN; -0.0 is less than +0.0. With `.NaN`, any NaN
/// operand yields the canonical NaN.
pub fn fminmax32(max: bool, nan_mode: bool, a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        if nan_mode || (a.is_nan() && b.is_nan()) {
            return f32::from_bits(F32_CANONICAL_NAN);
        }
        return if a.is_nan() { b } else { a };
    }
    if a == b {
        // Equal values differ only in the sign of zero.
        let a_neg = a.is_sign_negative();
        return if a_neg == max { b } else { a };
    }
    if (a < b) != max {
        a
    } else {
        b
    }
}

/// `min.f64`/`max.f64`, with the rules of [`fminmax32`].
pub fn fminmax64(max: bool, nan_mode: bool, a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        if nan_mode || (a.is_nan() && b.is_nan()) {
            return f64::from_bits(F64_CANONICAL_NAN);
        }
        return if a.is_nan() { b } else { a };
    }
    if a == b {
        let a_neg = a.is_sign_negative();
        return if a_neg == max { b } else { a };
    }
    if (a < b) != max {
        a
    } else {
        b
    }
}

/// A NaN result replaced by the GPU's canonical NaN.
pub fn canon32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(F32_CANONICAL_NAN)
    } else {
        x
    }
}

/// A NaN result replaced by the GPU's canonical NaN.
pub fn canon64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(F64_CANONICAL_NAN)
    } else {
        x
    }
}

/// `.ftz`: a subnormal f32 becomes a zero of the same sign.
pub fn ftz32(x: f32) -> f32 {
    if x.is_subnormal() {
        f32::from_bits(x.to_bits() & 0x8000_0000)
    } else {
        x
    }
}

/// `.sat` on a float: clamp to [0, 1]; NaN becomes +0.
pub fn sat32(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// `.sat` on an f64.
pub fn sat64(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// Rounding modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rnd {
    /// No modifier given.
    Default,
    Rn,
    Rz,
    Rm,
    Rp,
    Rna,
    Rni,
    Rzi,
    Rmi,
    Rpi,
}

impl Rnd {
    pub fn parse(s: &str) -> Option<Rnd> {
        Some(match s {
            "rn" => Rnd::Rn,
            "rz" => Rnd::Rz,
            "rm" => Rnd::Rm,
            "rp" => Rnd::Rp,
            "rna" => Rnd::Rna,
            "rni" => Rnd::Rni,
            "rzi" => Rnd::Rzi,
            "rmi" => Rnd::Rmi,
            "rpi" => Rnd::Rpi,
            _ => return None,
        })
    }
}

/// Rounds `x` to an integral value the way an integer rounding modifier says
/// (`.rni` ties to even).
pub fn round_integral(rnd: Rnd, x: f64) -> f64 {
    match rnd {
        Rnd::Rni | Rnd::Rn | Rnd::Default => x.round_ties_even(),
        Rnd::Rzi | Rnd::Rz => x.trunc(),
        Rnd::Rmi | Rnd::Rm => x.floor(),
        Rnd::Rpi | Rnd::Rp => x.ceil(),
        Rnd::Rna => x.round(),
    }
}

/// Float → integer conversion: round per `rnd`, then saturate to the
/// destination range; NaN converts to 0 (the PTX manual's rule).
pub fn float_to_int(x: f64, rnd: Rnd, dty: Ty) -> u64 {
    if x.is_nan() {
        return 0;
    }
    let r = round_integral(rnd, x);
    let bits = dty.bits();
    if dty.is_signed() {
        let lo = -(2f64.powi(bits as i32 - 1));
        let hi = 2f64.powi(bits as i32 - 1);
        let v = if r < lo {
            i64::MIN >> (64 - bits)
        } else if r >= hi {
            i64::MAX >> (64 - bits)
        } else {
            r as i64
        };
        (v as u64) & mask(bits)
    } else {
        let hi = 2f64.powi(bits as i32);
        if r <= 0.0 {
            0
        } else if r >= hi {
            mask(bits)
        } else {
            r as u64
        }
    }
}

/// Integer → f32 with a rounding mode (`.rn` ties to even; `.rz/.rm/.rp` directed).
pub fn int_to_f32(v: i128, rnd: Rnd) -> f32 {
    // `v as f64` is the f64 nearest `v` (exact below 2^53); the sign of what
    // it lost decides ties and directed rounding.
    let s = v as f64;
    round_to_f32(s, (v - s as i128).signum() as i32, rnd)
}

/// Integer → f64 with a rounding mode.
pub fn int_to_f64(v: i128, rnd: Rnd) -> f64 {
    let s = v as f64;
    round_f64(s, (v - s as i128).signum() as i32, rnd)
}

/// f64 → f32 with a rounding mode.
pub fn f64_to_f32(x: f64, rnd: Rnd) -> f32 {
    round_to_f32(x, 0, rnd)
}

/// The sign of `exact - approx` where `exact = approx + err`.
pub fn sgn(err: f64) -> i32 {
    if err > 0.0 {
        1
    } else if err < 0.0 {
        -1
    } else {
        0
    }
}

/// Rounds the exact value `s + (tiny error of sign e)` to f32 in mode `rnd`.
/// `s` is the f64 nearest the exact value, so only ties and exact f32 values
/// need the error's sign.
pub fn round_to_f32(s: f64, e: i32, rnd: Rnd) -> f32 {
    if !s.is_finite() {
        return s as f32;
    }
    let n = s as f32;
    let nf = n as f64;
    if nf == s {
        return match (rnd, e) {
            (_, 0) => n,
            (Rnd::Rp, 1) => n.next_up(),
            (Rnd::Rm, -1) => n.next_down(),
            (Rnd::Rz, 1) if n < 0.0 => n.next_up(),
            (Rnd::Rz, -1) if n > 0.0 => n.next_down(),
            _ => n,
        };
    }
    let (lo, hi) = if nf < s {
        (n, n.next_up())
    } else {
        (n.next_down(), n)
    };
    match rnd {
        Rnd::Rz => {
            if s > 0.0 {
                lo
            } else {
                hi
            }
        }
        Rnd::Rm => lo,
        Rnd::Rp => hi,
        _ => {
            let mid = (lo as f64 + hi as f64) / 2.0;
            if s == mid && e != 0 {
                if e > 0 {
                    hi
                } else {
                    lo
                }
            } else {
                n
            }
        }
    }
}

/// Applies a directed rounding to an f64 result `q` whose exact value is `q + err(sign e)`.
pub fn round_f64(q: f64, e: i32, rnd: Rnd) -> f64 {
    match (rnd, e) {
        (_, 0) => q,
        (Rnd::Rp, 1) => q.next_up(),
        (Rnd::Rm, -1) => q.next_down(),
        (Rnd::Rz, 1) if q < 0.0 => q.next_up(),
        (Rnd::Rz, -1) if q > 0.0 => q.next_down(),
        _ => q,
    }
}

/// A deliberately broken `shr.u64` (amounts 32..63 shift by 32 less), on
/// only when `PTX_EMU_PLANTED_BUG=shr.u64`: a stand-in miscompile with which
/// tests show that the differential lane (`ptx-harness fuzz`) finds and
/// reduces a wrong result. Read once per process.
pub fn planted_shr_bug() -> bool {
    static PLANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PLANTED.get_or_init(|| std::env::var("PTX_EMU_PLANTED_BUG").is_ok_and(|v| v == "shr.u64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_sub_wrap_at_width() {
        // 0xFFFF_FFFF + 1 wraps to 0 in 32 bits.
        assert_eq!(int_binary(IntOp::Add, Ty::U32, 0xFFFF_FFFF, 1), 0);
        // 0 - 1 in 16 bits is 0xFFFF.
        assert_eq!(int_binary(IntOp::Sub, Ty::S16, 0, 1), 0xFFFF);
    }

    #[test]
    fn shifts_by_width_or_more() {
        assert_eq!(int_binary(IntOp::Shl, Ty::B32, 1, 32), 0);
        assert_eq!(int_binary(IntOp::Shl, Ty::B32, 1, 31), 0x8000_0000);
        assert_eq!(int_binary(IntOp::Shr, Ty::U32, 0x8000_0000, 40), 0);
        // shr.s32 of a negative value by 40 fills with the sign: -1.
        assert_eq!(
            int_binary(IntOp::Shr, Ty::S32, 0x8000_0000, 40),
            0xFFFF_FFFF
        );
        // shr.s32 -8 >> 1 = -4.
        assert_eq!(
            int_binary(IntOp::Shr, Ty::S32, (-8i32) as u32 as u64, 1),
            (-4i32) as u32 as u64
        );
        assert_eq!(int_binary(IntOp::Shl, Ty::B64, 1, 64), 0);
        assert_eq!(int_binary(IntOp::Shl, Ty::B16, 1, 15), 0x8000);
    }

    #[test]
    fn division_edges() {
        // INT_MIN / -1 wraps to INT_MIN, remainder 0.
        let min = 0x8000_0000u64;
        let neg1 = 0xFFFF_FFFFu64;
        assert_eq!(int_binary(IntOp::Div, Ty::S32, min, neg1), min);
        assert_eq!(int_binary(IntOp::Rem, Ty::S32, min, neg1), 0);
        // -7 / 2 = -3 (truncating), -7 % 2 = -1.
        assert_eq!(
            int_binary(IntOp::Div, Ty::S32, (-7i32) as u32 as u64, 2),
            (-3i32) as u32 as u64
        );
        assert_eq!(
            int_binary(IntOp::Rem, Ty::S32, (-7i32) as u32 as u64, 2),
            (-1i32) as u32 as u64
        );
        // Division by zero: all ones; remainder: the dividend.
        assert_eq!(int_binary(IntOp::Div, Ty::U32, 5, 0), 0xFFFF_FFFF);
        assert_eq!(int_binary(IntOp::Rem, Ty::U32, 5, 0), 5);
        assert_eq!(int_binary(IntOp::Div, Ty::U64, 100, 7), 14);
    }

    #[test]
    fn mul_hi_and_wide() {
        // 0xFFFFFFFF * 0xFFFFFFFF = 0xFFFFFFFE_00000001.
        assert_eq!(
            int_binary(IntOp::MulHi, Ty::U32, 0xFFFF_FFFF, 0xFFFF_FFFF),
            0xFFFF_FFFE
        );
        assert_eq!(
            int_binary(IntOp::MulWide, Ty::U32, 0xFFFF_FFFF, 0xFFFF_FFFF),
            0xFFFF_FFFE_0000_0001
        );
        // Signed: -1 * -1 = 1, high half 0.
        assert_eq!(
            int_binary(IntOp::MulHi, Ty::S32, 0xFFFF_FFFF, 0xFFFF_FFFF),
            0
        );
        // mul.wide.s16 -2 * 3 = -6 as 32 bits.
        assert_eq!(int_binary(IntOp::MulWide, Ty::S16, 0xFFFE, 3), 0xFFFF_FFFA);
        // mul.hi.u64 2^63 * 4 = 2^65 → high 2.
        assert_eq!(int_binary(IntOp::MulHi, Ty::U64, 1 << 63, 4), 2);
    }

    #[test]
    fn min_max_signedness() {
        assert_eq!(int_binary(IntOp::Min, Ty::S32, 0xFFFF_FFFF, 1), 0xFFFF_FFFF);
        assert_eq!(int_binary(IntOp::Min, Ty::U32, 0xFFFF_FFFF, 1), 1);
    }

    #[test]
    fn unary_bit_ops() {
        assert_eq!(int_unary(IntUnary::Clz, Ty::B32, 0), 32);
        assert_eq!(int_unary(IntUnary::Clz, Ty::B32, 1), 31);
        assert_eq!(int_unary(IntUnary::Clz, Ty::B64, 1 << 40), 23);
        assert_eq!(int_unary(IntUnary::Popc, Ty::B32, 0xF0F0), 8);
        assert_eq!(int_unary(IntUnary::Brev, Ty::B32, 1), 0x8000_0000);
        assert_eq!(
            int_unary(IntUnary::Brev, Ty::B64, 0b110),
            0x6000_0000_0000_0000
        );
        assert_eq!(int_unary(IntUnary::Neg, Ty::S32, 1), 0xFFFF_FFFF);
        // abs(INT_MIN) = INT_MIN.
        assert_eq!(int_unary(IntUnary::Abs, Ty::S32, 0x8000_0000), 0x8000_0000);
        assert_eq!(int_unary(IntUnary::Not, Ty::B16, 0), 0xFFFF);
        assert_eq!(int_unary(IntUnary::Cnot, Ty::B32, 7), 0);
    }

    #[test]
    fn carry_chains_64() {
        // (2^64 - 1) + 1 = 0 carry 1; then 0 + 0 + carry = 1: a 128-bit add.
        let (lo, c) = add_carry(64, u64::MAX, 1, false, false);
        assert_eq!((lo, c), (0, true));
        let (hi, c2) = add_carry(64, 0, 0, c, false);
        assert_eq!((hi, c2), (1, false));
        // 0 - 1 borrows; then 5 - 0 - borrow = 4.
        let (lo, b) = add_carry(64, 0, 1, false, true);
        assert_eq!((lo, b), (u64::MAX, true));
        assert_eq!(add_carry(64, 5, 0, b, true), (4, false));
        // 32-bit: 0xFFFFFFFF + 0xFFFFFFFF + 1 = 0x1_FFFFFFFF.
        assert_eq!(
            add_carry(32, 0xFFFF_FFFF, 0xFFFF_FFFF, true, false),
            (0xFFFF_FFFF, true)
        );
    }

    #[test]
    fn bitfields() {
        // Bits 4..8 of 0xABCD are 0xC.
        assert_eq!(bfe(Ty::U32, 0xABCD, 4, 4), 0xC);
        // Signed: 0xC has its top bit set → sign-extended to -4.
        assert_eq!(bfe(Ty::S32, 0xABCD, 4, 4), 0xFFFF_FFFC);
        // len 0 gives 0.
        assert_eq!(bfe(Ty::S32, 0xFFFF_FFFF, 3, 0), 0);
        // pos past the width: unsigned 0, signed replicates bit 31.
        assert_eq!(bfe(Ty::U32, 0x8000_0000, 40, 4), 0);
        assert_eq!(bfe(Ty::S32, 0x8000_0000, 40, 4), 0xFFFF_FFFF);
        assert_eq!(bfi(Ty::B32, 0xF, 0, 8, 4), 0xF00);
        assert_eq!(bfi(Ty::B32, 0x0, 0xFFFF_FFFF, 28, 8), 0x0FFF_FFFF);
    }

    #[test]
    fn permute_and_funnel() {
        // Default mode: selector 0x3210 is the identity on a.
        assert_eq!(
            prmt(None, 0x4433_2211, 0x8877_6655, 0x3210),
            Some(0x4433_2211)
        );
        // 0x5410 takes a's low half and b's low half.
        assert_eq!(
            prmt(None, 0x4433_2211, 0x8877_6655, 0x5410),
            Some(0x6655_2211)
        );
        // Sign replicate: byte 7 (0x88) with bit 3 set → 0xFF.
        assert_eq!(prmt(None, 0, 0x8800_0000, 0x000F), Some(0x0000_00FF));
        // The modes (PTX manual's selector table, msb..lsb): bytes of b:a are
        // 88 77 66 55 : 44 33 22 11, numbered 7..0.
        let (a, b) = (0x4433_2211, 0x8877_6655);
        // f4e, c = 1: 4 3 2 1.
        assert_eq!(prmt(Some(PrmtMode::F4e), a, b, 1), Some(0x5544_3322));
        // b4e, c = 1: 6 7 0 1.
        assert_eq!(prmt(Some(PrmtMode::B4e), a, b, 1), Some(0x7788_1122));
        // rc8, c = 2: 2 2 2 2.
        assert_eq!(prmt(Some(PrmtMode::Rc8), a, b, 2), Some(0x3333_3333));
        // ecl, c = 1: 3 2 1 1.
        assert_eq!(prmt(Some(PrmtMode::Ecl), a, b, 1), Some(0x4433_2222));
        // ecr, c = 2: 2 2 1 0.
        assert_eq!(prmt(Some(PrmtMode::Ecr), a, b, 2), Some(0x3333_2211));
        // rc16, c = 1: 3 2 3 2.
        assert_eq!(prmt(Some(PrmtMode::Rc16), a, b, 1), Some(0x4433_4433));
        assert_eq!(PrmtMode::parse("rc16"), Some(PrmtMode::Rc16));
        assert_eq!(PrmtMode::parse("f4"), None);
        // Funnel shift left by 8 of b:a = 0x11223344_55667788 → 0x22334455.
        assert_eq!(shf(true, true, 0x5566_7788, 0x1122_3344, 8), 0x2233_4455);
        assert_eq!(shf(false, true, 0x5566_7788, 0x1122_3344, 8), 0x4455_6677);
        // wrap takes the amount mod 32; clamp caps it at 32.
        assert_eq!(shf(true, true, 1, 0, 33), 0);
        assert_eq!(shf(true, false, 0xAB, 0, 40), 0xAB);
        assert_eq!(bmsk(false, 4, 4), 0xF0);
        assert_eq!(bmsk(false, 0, 32), 0xFFFF_FFFF);
        assert_eq!(bmsk(true, 0, 33), 1);
    }

    #[test]
    fn bfind_mul24_dp4a_szext() {
        // 0x00F0: the most significant set bit is bit 7; shiftamt 31 - 7 = 24.
        assert_eq!(bfind(Ty::U32, false, 0xF0), 7);
        assert_eq!(bfind(Ty::U32, true, 0xF0), 24);
        assert_eq!(bfind(Ty::U32, false, 0), u32::MAX);
        // -1 (s32) has no non-sign bit; -2 = ...1110 has its first 0 at bit 0.
        assert_eq!(bfind(Ty::S32, false, 0xFFFF_FFFF), u32::MAX);
        assert_eq!(bfind(Ty::S32, false, 0xFFFF_FFFE), 0);
        assert_eq!(bfind(Ty::U64, false, 1 << 40), 40);
        // 0x800000 * 2 = 0x1000000 unsigned (24-bit operands); bits 16..47 → 0x100.
        assert_eq!(mul24(false, false, 0x80_0000, 2), 0x100_0000);
        assert_eq!(mul24(false, true, 0x80_0000, 2), 0x100);
        // Signed: 0x800000 is -2^23 in 24 bits; * 2 = -2^24.
        assert_eq!(mul24(true, false, 0x80_0000, 2), (-(1i32 << 24)) as u32);
        // The high byte of the operands is ignored: 0xFF000003 * 5 = 15.
        assert_eq!(mul24(false, false, 0xFF00_0003, 5), 15);
        // dp4a.u32.u32: 1*5 + 2*6 + 3*7 + 4*8 = 70, plus c = 30 → 100.
        assert_eq!(dp4a(false, false, 0x0403_0201, 0x0807_0605, 30), 100);
        // dp4a.s32.s32 with bytes -1 (0xFF) * 2 = -2 in each lane: -8 + 0.
        assert_eq!(
            dp4a(true, true, 0xFFFF_FFFF, 0x0202_0202, 0),
            (-8i32) as u32
        );
        // szext.clamp.s32 of 0x0F from 4 bits: 0b1111 → -1.
        assert_eq!(szext(true, false, 0x0F, 4), u32::MAX);
        assert_eq!(szext(false, false, 0xFF, 4), 0xF);
        assert_eq!(szext(true, false, 0x7, 40), 0x7);
        assert_eq!(szext(true, true, 0x0F, 36), u32::MAX, "wrap: 36 mod 32 = 4");
    }

    #[test]
    fn compares() {
        assert_eq!(int_compare(Cmp::Lt, Ty::S32, 0xFFFF_FFFF, 0), Some(true));
        assert_eq!(int_compare(Cmp::Lt, Ty::U32, 0xFFFF_FFFF, 0), Some(false));
        assert_eq!(int_compare(Cmp::Lo, Ty::S32, 0xFFFF_FFFF, 0), Some(false));
        assert_eq!(float_compare(Cmp::Lt, f64::NAN, 1.0), Some(false));
        assert_eq!(float_compare(Cmp::Ltu, f64::NAN, 1.0), Some(true));
        assert_eq!(float_compare(Cmp::Ne, f64::NAN, 1.0), Some(false));
        assert_eq!(float_compare(Cmp::Neu, f64::NAN, f64::NAN), Some(true));
        assert_eq!(float_compare(Cmp::Eq, 0.0, -0.0), Some(true));
    }

    #[test]
    fn float_min_max_nan_rules() {
        assert_eq!(fminmax32(false, false, f32::NAN, 2.0), 2.0);
        assert_eq!(fminmax32(true, false, 3.0, f32::NAN), 3.0);
        assert_eq!(
            fminmax32(false, false, f32::NAN, f32::NAN).to_bits(),
            0x7fff_ffff
        );
        assert_eq!(fminmax32(false, true, f32::NAN, 2.0).to_bits(), 0x7fff_ffff);
        assert_eq!(fminmax32(false, false, 0.0, -0.0).to_bits(), 0x8000_0000);
        assert_eq!(fminmax32(true, false, -0.0, 0.0).to_bits(), 0);
        assert_eq!(fminmax64(false, false, -1.0, 1.0), -1.0);
    }

    #[test]
    fn ftz_and_sat() {
        let denorm = f32::from_bits(1);
        assert_eq!(ftz32(denorm).to_bits(), 0);
        assert_eq!(ftz32(-denorm).to_bits(), 0x8000_0000);
        assert_eq!(ftz32(1.0), 1.0);
        assert_eq!(sat32(1.5), 1.0);
        assert_eq!(sat32(-0.5), 0.0);
        assert_eq!(sat32(f32::NAN), 0.0);
    }

    #[test]
    fn float_to_int_saturates_and_nan_is_zero() {
        assert_eq!(float_to_int(f64::NAN, Rnd::Rzi, Ty::S32), 0);
        assert_eq!(float_to_int(3e9, Rnd::Rzi, Ty::S32), 0x7FFF_FFFF);
        assert_eq!(float_to_int(-3e9, Rnd::Rzi, Ty::S32), 0x8000_0000);
        assert_eq!(float_to_int(-1.5, Rnd::Rzi, Ty::U32), 0);
        assert_eq!(float_to_int(f64::INFINITY, Rnd::Rzi, Ty::U16), 0xFFFF);
        assert_eq!(float_to_int(-2.7, Rnd::Rzi, Ty::S16), 0xFFFE);
        // Ties: rni to even, rmi floor, rpi ceil.
        assert_eq!(float_to_int(2.5, Rnd::Rni, Ty::S32), 2);
        assert_eq!(float_to_int(3.5, Rnd::Rni, Ty::S32), 4);
        assert_eq!(float_to_int(-2.5, Rnd::Rmi, Ty::S32), (-3i32) as u32 as u64);
        assert_eq!(float_to_int(2.1, Rnd::Rpi, Ty::S32), 3);
        assert_eq!(float_to_int(1e30, Rnd::Rzi, Ty::U64), u64::MAX);
        assert_eq!(float_to_int(-1e30, Rnd::Rzi, Ty::S64), 1 << 63);
    }

    #[test]
    fn int_to_float_rounding() {
        // 2^24 + 1 is halfway between 2^24 and 2^24 + 2: ties to even → 2^24.
        assert_eq!(int_to_f32((1 << 24) + 1, Rnd::Rn), 16_777_216.0);
        assert_eq!(int_to_f32((1 << 24) + 1, Rnd::Rp), 16_777_218.0);
        assert_eq!(int_to_f32((1 << 24) + 1, Rnd::Rz), 16_777_216.0);
        assert_eq!(int_to_f32(-((1 << 24) + 1), Rnd::Rm), -16_777_218.0);
        assert_eq!(int_to_f32(-((1 << 24) + 1), Rnd::Rz), -16_777_216.0);
        // 2^24 + 3 is halfway between 2^24 + 2 and 2^24 + 4: ties to even → 2^24 + 4.
        assert_eq!(int_to_f32((1 << 24) + 3, Rnd::Rn), 16_777_220.0);
        assert_eq!(int_to_f64((1 << 53) + 1, Rnd::Rp), 9_007_199_254_740_994.0);
        assert_eq!(
            int_to_f64(u64::MAX as i128, Rnd::Rn),
            18_446_744_073_709_551_616.0
        );
    }

    #[test]
    fn narrowing_f64_to_f32() {
        // 1 + 2^-30 is between 1 and 1 + 2^-23.
        let x = 1.0 + 2f64.powi(-30);
        assert_eq!(f64_to_f32(x, Rnd::Rn), 1.0);
        assert_eq!(f64_to_f32(x, Rnd::Rp), 1.0 + 2f32.powi(-23));
        assert_eq!(f64_to_f32(-x, Rnd::Rz), -1.0);
        assert_eq!(f64_to_f32(1e39, Rnd::Rn), f32::INFINITY);
        assert_eq!(round_integral(Rnd::Rzi, -2.7f32 as f64), -2.0);
        assert_eq!(round_integral(Rnd::Rni, 0.5), 0.0);
    }
}

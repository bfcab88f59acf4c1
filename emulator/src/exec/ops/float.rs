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

/// `setp.cmp{.ftz}.ty a, b` and `set` on floats (`None` for a comparison
/// floats lack).
pub fn compare(cmp: ops::Cmp, ty: Ty, ftz: bool, a: u64, b: u64) -> Option<bool> {
    // `setp.ftz.f16` flushes f16 operands too (`to_f64` flushes only f32s,
    // as `cvt.ftz` does).
    let half = |x: u64| {
        if ty == Ty::F16 {
            flush16(x as u16, ftz) as u64
        } else {
            x
        }
    };
    ops::float_compare(cmp, to_f64(ty, half(a), ftz), to_f64(ty, half(b), ftz))
}

/// `.ftz` on an f16 (`add.ftz.f16` and the rest: "flushes subnormal inputs
/// and results to sign-preserving zero"); bf16 has no `.ftz`.
pub fn flush16(h: u16, ftz: bool) -> u16 {
    if ftz && h & 0x7c00 == 0 {
        h & 0x8000
    } else {
        h
    }
}

/// `s + e = a + b` exactly (Knuth's TwoSum).
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

pub fn rn(r: Rnd) -> Rnd {
    if r == Rnd::Default {
        Rnd::Rn
    } else {
        r
    }
}

/// An IEEE binary format PTX computes in (`.f32`, `.f64`): each float
/// operation is written once, generic over it. Values are computed exactly
/// (or with an exact error term) in f64 and rounded once with [`Float::round`].
pub trait Float: Copy + PartialOrd + std::ops::Add<Output = Self> {
    /// The sign bit in a register.
    const SIGN: u64;
    /// The bits of a register the format uses.
    const MASK: u64;
    /// Whether the format has the `.approx` forms (`div/sqrt.approx`,
    /// `sin cos lg2 ex2 tanh`): f32 only.
    const APPROX: bool;
    /// Whether a product of two values is exact in f64 (f32: 24 + 24 bits).
    const EXACT_PRODUCT: bool;
    fn from_reg(bits: u64) -> Self;
    fn to_reg(self) -> u64;
    fn to_f64(self) -> f64;
    /// `x + err`, rounded by `rnd`, where only the sign of the (tiny) error is known.
    fn round(x: f64, err_sign: i32, rnd: Rnd) -> Self;
    /// The value nearest `x` (the `.approx` results).
    fn nearest(x: f64) -> Self;
    /// An integer, rounded by `rnd`.
    fn from_int(v: i128, rnd: Rnd) -> Self;
    /// `.ftz`: subnormals to signed zero (f64 has no `.ftz`: unchanged).
    fn flush(self) -> Self;
    /// `.sat`: clamped to [0, 1], NaN to 0.
    fn saturate(self) -> Self;
    /// The canonical NaN for every NaN.
    fn canonical(self) -> Self;
    /// `min`/`max` with PTX's NaN and signed-zero rules (`nan`: `.NaN`).
    fn min_max(max: bool, nan: bool, a: Self, b: Self) -> Self;
    /// `a * b + c` rounded once by `rnd`; `None` for a mode the format lacks.
    fn fused(a: Self, b: Self, c: Self, rnd: Rnd) -> Option<Self>;
}

impl Float for f32 {
    const SIGN: u64 = 0x8000_0000;
    const MASK: u64 = 0xffff_ffff;
    const APPROX: bool = true;
    const EXACT_PRODUCT: bool = true;
    fn from_reg(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
    fn to_reg(self) -> u64 {
        self.to_bits() as u64
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn round(x: f64, err_sign: i32, rnd: Rnd) -> Self {
        round_to_f32(x, err_sign, rnd)
    }
    fn nearest(x: f64) -> Self {
        x as f32
    }
    fn from_int(v: i128, rnd: Rnd) -> Self {
        ops::int_to_f32(v, rnd)
    }
    fn flush(self) -> Self {
        ops::ftz32(self)
    }
    fn saturate(self) -> Self {
        ops::sat32(self)
    }
    fn canonical(self) -> Self {
        ops::canon32(self)
    }
    fn min_max(max: bool, nan: bool, a: Self, b: Self) -> Self {
        ops::fminmax32(max, nan, a, b)
    }
    fn fused(a: Self, b: Self, c: Self, rnd: Rnd) -> Option<Self> {
        if rnd == Rnd::Rn {
            // IEEE fma: the CPU's instruction where it has one.
            return Some(a.mul_add(b, c));
        }
        // a*b is exact in f64; TwoSum keeps the sum's error.
        let (p, c) = (a as f64 * b as f64, c as f64);
        let (s, e) = two_sum(p, c);
        if let Some(z) = exact_zero(p, c, s, e, rnd) {
            return Some(z as f32);
        }
        Some(round_to_f32(s, sgn(e), rnd))
    }
}

impl Float for f64 {
    const SIGN: u64 = 1 << 63;
    const MASK: u64 = u64::MAX;
    const APPROX: bool = false;
    const EXACT_PRODUCT: bool = false;
    fn from_reg(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    fn to_reg(self) -> u64 {
        self.to_bits()
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn round(x: f64, err_sign: i32, rnd: Rnd) -> Self {
        round_f64(x, err_sign, rnd)
    }
    fn nearest(x: f64) -> Self {
        x
    }
    fn from_int(v: i128, rnd: Rnd) -> Self {
        ops::int_to_f64(v, rnd)
    }
    fn flush(self) -> Self {
        self
    }
    fn saturate(self) -> Self {
        ops::sat64(self)
    }
    fn canonical(self) -> Self {
        ops::canon64(self)
    }
    fn min_max(max: bool, nan: bool, a: Self, b: Self) -> Self {
        ops::fminmax64(max, nan, a, b)
    }
    fn fused(a: Self, b: Self, c: Self, rnd: Rnd) -> Option<Self> {
        if rnd == Rnd::Rn {
            return Some(a.mul_add(b, c));
        }
        // The directed modes need the exact a*b+c, which no f64 operation
        // gives; rustc_apfloat (rustc's soft-float) computes it.
        use rustc_apfloat::ieee::Double;
        use rustc_apfloat::Float as _;
        let d = |x: f64| Double::from_bits(x.to_bits() as u128);
        let r = d(a).mul_add_r(d(b), d(c), apfloat_round(rnd)?).value;
        Some(f64::from_bits(r.to_bits() as u64))
    }
}

/// The zero that `x + y` is when it is exactly zero and its sign is not
/// simply the operands' (IEEE 754 §6.3): from opposite signs (`x - x`,
/// `+0 + -0`) it is +0, except -0 when rounding toward -inf. None when the
/// sum is not such a zero (`s`, `e`: the sum and its TwoSum error).
fn exact_zero(x: f64, y: f64, s: f64, e: f64, rnd: Rnd) -> Option<f64> {
    let same_sign_zeros = x == 0.0 && y == 0.0 && x.is_sign_negative() == y.is_sign_negative();
    (s == 0.0 && e == 0.0 && !same_sign_zeros).then_some(if rnd == Rnd::Rm { -0.0 } else { 0.0 })
}

/// A result that overflowed f64 from finite operands, as a directed
/// rounding mode delivers it: the largest finite value instead of an
/// infinity when rounding toward zero, or away from that infinity (IEEE 754
/// §7.4). Only f64 operations can overflow while being computed in f64.
fn overflowed<F: Float>(r: F, rnd: Rnd) -> F {
    let v = r.to_f64();
    let toward_zero = match rn(rnd) {
        Rnd::Rz => true,
        Rnd::Rm => v > 0.0,
        Rnd::Rp => v < 0.0,
        _ => false,
    };
    if toward_zero {
        // The bits below an infinity's are the largest finite value.
        F::from_reg(r.to_reg() - 1)
    } else {
        r
    }
}

/// Whether an f64 value is within 2^54 of the subnormal range, where an
/// error term computed with an f64 fma or residual can itself round.
fn tiny(v: f64) -> bool {
    v.abs() < f64::MIN_POSITIVE * (1u64 << 54) as f64
}

/// `x op y` in f64 rounded by `rnd`, by rustc_apfloat.
fn apfloat_f64(op: FBin, x: f64, y: f64, rnd: Rnd) -> f64 {
    use rustc_apfloat::ieee::Double;
    use rustc_apfloat::Float as _;
    let d = |v: f64| Double::from_bits(v.to_bits() as u128);
    let round = apfloat_round(rnd).unwrap_or(rustc_apfloat::Round::NearestTiesToEven);
    let r = match op {
        FBin::Mul => d(x).mul_r(d(y), round).value,
        _ => d(x).div_r(d(y), round).value,
    };
    f64::from_bits(r.to_bits() as u64)
}

/// A PTX rounding modifier as rustc_apfloat's (None for the integral ones).
fn apfloat_round(rnd: Rnd) -> Option<rustc_apfloat::Round> {
    use rustc_apfloat::Round;
    Some(match rn(rnd) {
        Rnd::Rn => Round::NearestTiesToEven,
        Rnd::Rz => Round::TowardZero,
        Rnd::Rm => Round::TowardNegative,
        Rnd::Rp => Round::TowardPositive,
        _ => return None,
    })
}

/// `value` (exact in f64) rounded to f16 or bf16 by `rnd`; NaN canonical.
/// Through rustc_apfloat in every mode: the `half` crate's `from_f64`
/// drops the low 32 bits of the f64 before rounding (or, with F16C, rounds
/// to f32 first), so a value just above a tie whose sticky bits lie there
/// came out rounded down.
fn to_half(value: f64, bf: bool, rnd: Rnd) -> Option<u16> {
    Some(round_half(value, bf, apfloat_round(rnd)?))
}

/// `value` rounded once to f16 or bf16 by rustc_apfloat; NaN canonical.
fn round_half(value: f64, bf: bool, round: rustc_apfloat::Round) -> u16 {
    use rustc_apfloat::ieee::{BFloat, Double, Half};
    use rustc_apfloat::{Float as _, FloatConvert};
    if value.is_nan() {
        return 0x7fff;
    }
    let d = Double::from_bits(value.to_bits() as u128);
    let mut loses = false;
    if bf {
        let r: BFloat = d.convert_r(round, &mut loses).value;
        r.to_bits() as u16
    } else {
        let r: Half = d.convert_r(round, &mut loses).value;
        r.to_bits() as u16
    }
}

/// An integer rounded once to f16 or bf16 by `rnd` (rustc_apfloat: an
/// integer of more than 53 bits would round twice through f64).
fn int_to_half(v: i128, bf: bool, rnd: Rnd) -> Option<u16> {
    use rustc_apfloat::ieee::{BFloat, Half};
    use rustc_apfloat::Float as _;
    let round = apfloat_round(rnd)?;
    Some(if bf {
        BFloat::from_i128_r(v, round).value.to_bits() as u16
    } else {
        Half::from_i128_r(v, round).value.to_bits() as u16
    })
}

/// The modifiers every float result goes through: `.ftz`, `.sat`, and the canonical NaN.
pub fn finish<F: Float>(x: F, m: FMods) -> F {
    let x = if m.ftz { x.flush() } else { x };
    let x = if m.sat { x.saturate() } else { x };
    x.canonical()
}

/// An operand as the instruction reads it (`.ftz` flushes inputs too).
fn operand<F: Float>(bits: u64, m: FMods) -> F {
    let x = F::from_reg(bits);
    if m.ftz {
        x.flush()
    } else {
        x
    }
}

/// The sign of `y` as a factor (the error of `x / y` flips with it).
fn sign_of(y: f64) -> i32 {
    if y < 0.0 {
        -1
    } else {
        1
    }
}

/// `op.rnd.ftz.sat.F a, b`.
pub fn binary<F: Float>(op: FBin, m: FMods, a: u64, b: u64) -> u64 {
    let (x, y) = (operand::<F>(a, m), operand::<F>(b, m));
    let (xd, yd) = (x.to_f64(), y.to_f64());
    let rnd = rn(m.rnd);
    let r = match op {
        FBin::Add | FBin::Sub => {
            let yd = if op == FBin::Sub { -yd } else { yd };
            let (s, e) = two_sum(xd, yd);
            match exact_zero(xd, yd, s, e, rnd) {
                Some(z) => F::nearest(z),
                None => F::round(s, sgn(e), rnd),
            }
        }
        // A directed f64 product or quotient near the subnormal range: its
        // error term is not exact there, so rustc_apfloat rounds it.
        FBin::Mul | FBin::Div
            if !F::EXACT_PRODUCT
                && rn(m.rnd) != Rnd::Rn
                && !m.approx
                && (tiny(if op == FBin::Mul { xd * yd } else { xd / yd })
                    || (op == FBin::Div && (tiny(xd) || tiny(yd)))) =>
        {
            F::nearest(apfloat_f64(op, xd, yd, rnd))
        }
        FBin::Mul => {
            let p = xd * yd;
            // The error term needs an fma (a library call on CPUs without one).
            let e = if F::EXACT_PRODUCT {
                0
            } else {
                sgn(xd.mul_add(yd, -p))
            };
            F::round(p, e, rnd)
        }
        // div.approx is a * (1/b): for 2^126 < |b| the reciprocal is
        // subnormal and flushed, so the result is a signed zero, or NaN for
        // an infinite a (PTX ISA, div: "For 2^126 < |b| < 2^128, if a is
        // infinity, div.approx.f32 returns NaN, otherwise it returns a
        // sign-preserving zero").
        FBin::Div if m.approx && F::APPROX && yd.abs() > 2f64.powi(126) && !yd.is_nan() => {
            if xd.is_infinite() || xd.is_nan() {
                F::nearest(f64::NAN)
            } else {
                F::from_reg((a ^ b) & F::SIGN)
            }
        }
        // div.approx otherwise: within 2 ulp; the nearest value to the
        // quotient is.
        FBin::Div if m.approx && F::APPROX => F::nearest(xd / yd),
        FBin::Div => {
            let q = xd / yd;
            let res = (-q).mul_add(yd, xd);
            F::round(q, sgn(res) * sign_of(yd), rnd)
        }
        FBin::Min => F::min_max(false, m.nan, x, y),
        FBin::Max => F::min_max(true, m.nan, x, y),
        // copysign: the sign of a, the rest of b.
        FBin::Copysign => return (a & F::SIGN) | (b & F::MASK & !F::SIGN),
    };
    // An infinity from finite operands (not a division by zero) overflowed.
    let overflow = r.to_f64().is_infinite()
        && xd.is_finite()
        && yd.is_finite()
        && !(op == FBin::Div && yd == 0.0);
    let r = if overflow { overflowed(r, rnd) } else { r };
    finish(r, m).to_reg()
}

/// `op.rnd.ftz.sat.F a` (`None` for a function the format lacks).
pub fn unary<F: Float>(op: FUn, m: FMods, a: u64) -> Option<u64> {
    let x = operand::<F>(a, m);
    let xd = x.to_f64();
    let rnd = rn(m.rnd);
    if !F::APPROX && m.approx && m.ftz && matches!(op, FUn::Rcp | FUn::Rsqrt) {
        return Some(gross_f64(op == FUn::Rsqrt, a));
    }
    let r = match op {
        FUn::Neg => return Some(x.to_reg() ^ F::SIGN),
        FUn::Abs => return Some(x.to_reg() & !F::SIGN),
        FUn::Sqrt if m.approx && F::APPROX => F::nearest(xd.sqrt()),
        // Below 2^-900 the residual x - q² can fall under the smallest
        // subnormal and round to 0, losing its sign: the root is taken of
        // x·2^200 (exact) and scaled back by 2^-100 (exact: the root of any
        // f64 is normal).
        FUn::Sqrt if xd > 0.0 && xd < 2f64.powi(-900) => {
            let xs = xd * 2f64.powi(200);
            let q = xs.sqrt();
            F::round(q * 2f64.powi(-100), sgn((-q).mul_add(q, xs)), rnd)
        }
        FUn::Sqrt => {
            let q = xd.sqrt();
            F::round(q, sgn((-q).mul_add(q, xd)), rnd)
        }
        FUn::Rcp if m.approx => F::nearest(1.0 / xd),
        FUn::Rcp => {
            let q = 1.0 / xd;
            F::round(q, sgn((-q).mul_add(xd, 1.0)) * sign_of(xd), rnd)
        }
        FUn::Rsqrt => F::nearest(1.0 / xd.sqrt()),
        // The .approx functions: computed in f64 and rounded once, which is
        // within every documented error bound.
        _ if !F::APPROX => return None,
        FUn::Sin => F::nearest(xd.sin()),
        FUn::Cos => F::nearest(xd.cos()),
        FUn::Lg2 => F::nearest(xd.log2()),
        FUn::Ex2 => F::nearest(xd.exp2()),
        FUn::Tanh => F::nearest(xd.tanh()),
    };
    Some(finish(r, m).to_reg())
}

/// `rcp.approx.ftz.f64` and `rsqrt.approx.ftz.f64`: computed from the upper
/// word of `a` (1.11.20) with subnormals flushed, and the result's lower 32
/// bits zero (PTX ISA: "d[63:32] = 1.0 / tmp; d[31:0] = 0x00000000"; NaN
/// gives 0x7fffffff00000000). The manual gives no error bound; the upper
/// word here is the exact result rounded to nearest at 20 fraction bits.
pub fn gross_f64(rsqrt: bool, a: u64) -> u64 {
    const NAN: u64 = 0x7fff_ffff_0000_0000;
    let x = f64::from_bits(a & 0xffff_ffff_0000_0000);
    let x = if x.is_subnormal() {
        0.0f64.copysign(x)
    } else {
        x
    };
    let r = if rsqrt { 1.0 / x.sqrt() } else { 1.0 / x };
    if r.is_nan() {
        return NAN;
    }
    let r = if r.is_subnormal() {
        0.0f64.copysign(r)
    } else {
        r
    };
    if r.is_infinite() || r == 0.0 {
        return r.to_bits();
    }
    // Round to nearest at bit 32 (ties away: the manual leaves it open);
    // a carry into the exponent is the correct rounding.
    (r.to_bits() + 0x8000_0000) & 0xffff_ffff_0000_0000
}

/// `fma.rnd.ftz.sat.F a, b, c`.
pub fn fused<F: Float>(m: FMods, a: u64, b: u64, c: u64) -> Option<u64> {
    let (x, y, z) = (operand::<F>(a, m), operand::<F>(b, m), operand::<F>(c, m));
    Some(finish(F::fused(x, y, z, rn(m.rnd))?, m).to_reg())
}

/// Half-precision add, sub and mul in `.rz/.rm/.rp`, through rustc_apfloat
/// (the exact result of a bf16 add does not always fit in an f64).
fn half_bin_directed(op: FBin, bf: bool, m: FMods, a: u16, b: u16) -> Option<u16> {
    use rustc_apfloat::ieee::{BFloat, Half};
    use rustc_apfloat::Float as _;
    let round = apfloat_round(m.rnd)?;
    if m.sat {
        return None;
    }
    fn go<T: rustc_apfloat::Float>(op: FBin, x: T, y: T, round: rustc_apfloat::Round) -> Option<T> {
        Some(match op {
            FBin::Add => x.add_r(y, round).value,
            FBin::Sub => x.sub_r(y, round).value,
            FBin::Mul => x.mul_r(y, round).value,
            _ => return None,
        })
    }
    let (r, nan) = if bf {
        let r = go(
            op,
            BFloat::from_bits(a as u128),
            BFloat::from_bits(b as u128),
            round,
        )?;
        (r.to_bits() as u16, r.is_nan())
    } else {
        let r = go(
            op,
            Half::from_bits(a as u128),
            Half::from_bits(b as u128),
            round,
        )?;
        (r.to_bits() as u16, r.is_nan())
    };
    Some(if nan { 0x7fff } else { r })
}

/// Half-precision binary ops: exact in f64, then one rounding to the
/// format; `.ftz` (f16) flushes the operands and the result, `.sat` clamps
/// the rounded result (as for f32).
pub fn half_bin(op: FBin, bf: bool, m: FMods, a: u16, b: u16) -> Option<u16> {
    // bf16 arithmetic has no `.ftz` or `.sat` forms.
    if bf && (m.ftz || m.sat) {
        return None;
    }
    let ftz = m.ftz;
    let (a, b) = (flush16(a, ftz), flush16(b, ftz));
    if !matches!(rn(m.rnd), Rnd::Rn) {
        return half_bin_directed(op, bf, m, a, b).map(|r| flush16(r, ftz));
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
    Some(half_result(r, bf, ftz, m.sat))
}

/// `a * b + c` in f16 or bf16, rounded once to nearest, as an f64 (exact).
fn half_fma(bf: bool, a: u16, b: u16, c: u16) -> f64 {
    use rustc_apfloat::ieee::{BFloat, Half};
    use rustc_apfloat::Float as _;
    let round = rustc_apfloat::Round::NearestTiesToEven;
    let bits = if bf {
        let f = |x: u16| BFloat::from_bits(x as u128);
        f(a).mul_add_r(f(b), f(c), round).value.to_bits() as u64
    } else {
        let f = |x: u16| Half::from_bits(x as u128);
        f(a).mul_add_r(f(b), f(c), round).value.to_bits() as u64
    };
    if bf {
        bf16v(bits)
    } else {
        f16v(bits)
    }
}

/// A value exact in f64 rounded to nearest f16 or bf16, then `.ftz`
/// (f16), then `.sat`; NaN canonical (0x7fff).
fn half_result(r: f64, bf: bool, ftz: bool, sat: bool) -> u16 {
    if r.is_nan() {
        return if sat { 0 } else { 0x7fff };
    }
    let h = round_half(r, bf, rustc_apfloat::Round::NearestTiesToEven);
    let h = if bf { h } else { flush16(h, ftz) };
    if sat {
        half_saturate(h, bf)
    } else {
        h
    }
}

/// `.relu` on an f16 or bf16 result: "clamps the result to 0 if negative.
/// NaN result is converted to canonical NaN" (PTX ISA, fma and cvt). A -0
/// becomes +0 as well (relu is max(x, +0), and +0 > -0 in PTX's max).
fn half_relu(h: u16, bf: bool) -> u16 {
    let v = if bf { bf16v(h as u64) } else { f16v(h as u64) };
    if v.is_nan() {
        0x7fff
    } else if h & 0x8000 != 0 {
        0
    } else {
        h
    }
}

/// An f32 converted to f16 or bf16 by `cvt.frnd2{.relu}{.satfinite}`:
/// `.satfinite` first clamps a magnitude above the format's largest finite
/// value (infinities included) to it, keeping the sign, so that the rounding
/// gives that value; NaN stays the canonical NaN; then `.relu`.
fn f32_to_half(bf: bool, m: FMods, a: u64) -> Option<u16> {
    let x = f32::from_bits(a as u32) as f64;
    let max = if bf { bf16v(0x7f7f) } else { f16v(0x7bff) };
    let x = if m.satfinite && x.abs() > max {
        max.copysign(x)
    } else {
        x
    };
    let h = to_half(x, bf, rn(m.rnd))?;
    Some(if m.relu { half_relu(h, bf) } else { h })
}

/// `cvt.{rna,rn,rz}{.satfinite}{.relu}.tf32.f32`: the f32 rounded to 10
/// fraction bits, as an f32 bit pattern with the low 13 bits zero (the
/// format is "implementation defined" in the PTX ISA; this is the layout
/// the hardware uses, which mma reads as an f32). `.rna` rounds ties away
/// from zero, `.rn` to even, `.rz` truncates; subnormals round the same way
/// (the carry of a rounding moves into the exponent, up to infinity).
/// `.satfinite` clamps |x| above the largest tf32, 0x7f7fe000, to it
/// (sign kept); a NaN is the canonical NaN (0x7fffffff); `.relu` as for
/// halves. `.rna` has no `.relu` form; `.ftz`/`.sat` none.
fn f32_to_tf32(m: FMods, a: u64) -> Option<u64> {
    if m.ftz || m.sat || (m.relu && m.rnd == Rnd::Rna) {
        return None;
    }
    let bits = a as u32;
    let (sign, mag) = (bits & 0x8000_0000, bits & 0x7fff_ffff);
    if mag > 0x7f80_0000 {
        return Some(0x7fff_ffff);
    }
    const MAX: u32 = 0x7f7f_e000;
    let r = if m.satfinite && mag > MAX {
        MAX
    } else {
        match m.rnd {
            Rnd::Rna => (mag + 0x1000) & !0x1fff,
            Rnd::Rn => (mag + 0xfff + ((mag >> 13) & 1)) & !0x1fff,
            Rnd::Rz => mag & !0x1fff,
            _ => return None,
        }
    };
    let r = sign | r;
    Some(if m.relu && sign != 0 { 0 } else { r } as u64)
}

/// The pair forms `cvt.frnd2{.relu}{.satfinite}.{f16x2,bf16x2}.f32 d, a, b`:
/// "d[31:16] = convert(a); d[15:0] = convert(b)" (PTX ISA, cvt).
pub fn cvt_pair(dty: Ty, sty: Ty, m: FMods, a: u64, b: u64) -> Option<u64> {
    if sty != Ty::F32 || m.ftz || m.sat || !matches!(m.rnd, Rnd::Rn | Rnd::Rz) {
        return None;
    }
    let bf = match dty {
        Ty::F16x2 => false,
        Ty::BF16x2 => true,
        _ => return None,
    };
    Some((f32_to_half(bf, m, a)? as u64) << 16 | f32_to_half(bf, m, b)? as u64)
}

/// `.sat` on an f16 or bf16 result: below zero to +0, above one to 1, NaN
/// to +0 (a -0 stays, as [`ops::sat32`] keeps it).
fn half_saturate(h: u16, bf: bool) -> u16 {
    let v = if bf { bf16v(h as u64) } else { f16v(h as u64) };
    let one = if bf { 0x3f80 } else { 0x3c00 };
    if v.is_nan() || v < 0.0 {
        0
    } else if v > 1.0 {
        one
    } else {
        h
    }
}

pub fn fbin(op: FBin, ty: Ty, m: FMods, a: u64, b: u64) -> Option<u64> {
    if m.relu || m.satfinite {
        return None;
    }
    if m.xorsign {
        return xorsign_abs(op, ty, m, a, b);
    }
    match ty {
        Ty::F32 => Some(binary::<f32>(op, m, a, b)),
        Ty::F64 => Some(binary::<f64>(op, m, a, b)),
        Ty::F32x2 => {
            let lo = binary::<f32>(op, m, a & 0xffff_ffff, b & 0xffff_ffff);
            let hi = binary::<f32>(op, m, a >> 32, b >> 32);
            Some(hi << 32 | lo)
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

/// `min/max.xorsign.abs` (PTX ISA, min/max): the sign is the xor of the
/// operands' sign bits (taken before `.abs`), the magnitude the min/max of
/// |a| and |b| under the instruction's NaN rules (`.NaN`, `.ftz` as
/// without `.xorsign.abs`); a NaN result is the canonical NaN, no sign set.
/// f32 (sm_86), f16, bf16 and their pairs; not f64.
fn xorsign_abs(op: FBin, ty: Ty, m: FMods, a: u64, b: u64) -> Option<u64> {
    if !matches!(op, FBin::Min | FBin::Max) {
        return None;
    }
    let plain = FMods {
        xorsign: false,
        ..m
    };
    // One lane of `bits` bits (sign bit on top) of the scalar type `lane`.
    let one = |lane: Ty, bits: u32, a: u64, b: u64| -> Option<u64> {
        let sign = 1u64 << (bits - 1);
        let (a, b) = (a & mask(bits), b & mask(bits));
        let r = fbin(op, lane, plain, a & !sign, b & !sign)?;
        let nan = match lane {
            Ty::F32 => f32::from_bits(r as u32).is_nan(),
            Ty::F16 => f16v(r).is_nan(),
            _ => bf16v(r).is_nan(),
        };
        Some(if nan {
            r
        } else {
            (r & !sign) | ((a ^ b) & sign)
        })
    };
    match ty {
        Ty::F32 | Ty::F16 | Ty::BF16 => one(ty, ty.bits(), a, b),
        Ty::F16x2 | Ty::BF16x2 => {
            let lane = if ty == Ty::F16x2 { Ty::F16 } else { Ty::BF16 };
            let lo = one(lane, 16, a, b)?;
            let hi = one(lane, 16, a >> 16, b >> 16)?;
            Some(hi << 16 | lo)
        }
        _ => None,
    }
}

pub fn fun(op: FUn, ty: Ty, m: FMods, a: u64) -> Option<u64> {
    if m.relu || m.satfinite || m.xorsign {
        return None;
    }
    match ty {
        Ty::F32 => unary::<f32>(op, m, a),
        Ty::F64 => unary::<f64>(op, m, a),
        Ty::F16 | Ty::BF16 | Ty::F16x2 | Ty::BF16x2 => {
            // `neg/abs.ftz.{f16,f16x2}` flush a subnormal input to a
            // sign-preserving zero first; bf16 has no `.ftz` form.
            let bf = matches!(ty, Ty::BF16 | Ty::BF16x2);
            if bf && m.ftz {
                return None;
            }
            let lane = |h: u16| -> Option<u16> {
                let h = flush16(h, m.ftz);
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
    if m.satfinite || m.xorsign {
        return None;
    }
    // `.relu` is for the half-precision forms alone.
    if m.relu && !matches!(ty, Ty::F16 | Ty::F16x2 | Ty::BF16 | Ty::BF16x2) {
        return None;
    }
    match ty {
        Ty::F32 => fused::<f32>(m, a, b, c),
        Ty::F64 => fused::<f64>(m, a, b, c),
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
        // Two lanes, each an f16/bf16 fma of its own (PTX ISA, half
        // precision fma: "d[i] = fA[i] * fB[i] + fC[i]"), a[15:0] the low.
        Ty::F16x2 | Ty::BF16x2 => {
            let lane = if ty == Ty::F16x2 { Ty::F16 } else { Ty::BF16 };
            let one = |sh: u32| {
                ffma(
                    lane,
                    m,
                    a >> sh & 0xffff,
                    b >> sh & 0xffff,
                    c >> sh & 0xffff,
                )
            };
            Some(one(16)? << 16 | one(0)?)
        }
        Ty::F16 | Ty::BF16 => {
            let bf = ty == Ty::BF16;
            // Only .rn; bf16 has no .ftz/.sat; .sat and .relu exclude each other.
            if rnd != Rnd::Rn || (bf && (m.ftz || m.sat)) || (m.sat && m.relu) {
                return None;
            }
            let ftz = m.ftz;
            let (a, b, c) = (
                flush16(a as u16, ftz),
                flush16(b as u16, ftz),
                flush16(c as u16, ftz),
            );
            // a*b + c rounded once by rustc_apfloat: the product (up to 22
            // bits) can sit exactly on a tie of the format with c far below
            // it, where a sum in f64 would drop c and round the tie.
            let r = half_fma(bf, a, b, c);
            let h = half_result(r, bf, ftz, m.sat);
            Some(if m.relu { half_relu(h, bf) } else { h } as u64)
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
    if m.xorsign || m.approx || m.nan {
        return None;
    }
    if dty == Ty::TF32 {
        return if sty == Ty::F32 {
            f32_to_tf32(m, a)
        } else {
            None
        };
    }
    // `.relu`/`.satfinite` exist for f32 to f16/bf16 (and the pair forms,
    // in [`cvt_pair`]), with .rn or .rz.
    if m.relu || m.satfinite {
        if sty != Ty::F32
            || !matches!(dty, Ty::F16 | Ty::BF16)
            || m.ftz
            || m.sat
            || !matches!(m.rnd, Rnd::Rn | Rnd::Rz)
        {
            return None;
        }
        return f32_to_half(dty == Ty::BF16, m, a).map(|h| h as u64);
    }
    if sty == Ty::TF32 {
        return None;
    }
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
            let x = to_f64(sty, a, m.ftz);
            // A NaN converts to 0, except from .f64 or to a 64-bit integer,
            // where it is 1 << (width - 1) (PTX ISA, cvt, "Integer Notes").
            if x.is_nan() && (sty == Ty::F64 || dty.bits() == 64) {
                return Some(extend(dty, 1 << (dty.bits() - 1)));
            }
            Some(extend(dty, ops::float_to_int(x, rnd, dty)))
        }
        (false, true) => {
            let v = int_value(sty, a);
            let rnd = rn(m.rnd);
            match dty {
                Ty::F32 => Some(finish(f32::from_int(v, rnd), m).to_reg()),
                Ty::F64 => Some(finish(f64::from_int(v, rnd), m).to_reg()),
                Ty::F16 | Ty::BF16 => {
                    let bf = dty == Ty::BF16;
                    let h = int_to_half(v, bf, rnd)?;
                    Some(if m.sat { half_saturate(h, bf) } else { h } as u64)
                }
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
                    Some(finish(r, m).to_reg())
                }
                Ty::F64 => Some(finish(x, m).to_reg()),
                Ty::F16 | Ty::BF16 => {
                    let bf = dty == Ty::BF16;
                    let h = to_half(x, bf, rnd)?;
                    Some(if m.sat { half_saturate(h, bf) } else { h } as u64)
                }
                _ => None,
            }
        }
    }
}

/// `atom.add.F`: rounds to nearest, and flushes subnormals (f32).
fn atomic_add<F: Float>(old: u64, b: u64) -> u64 {
    (F::from_reg(old).flush() + F::from_reg(b).flush())
        .flush()
        .canonical()
        .to_reg()
}

/// `atom.add.noftz.f16`/`.bf16`: a half-precision add, rounded to nearest
/// even, subnormals kept, a NaN result canonical (0x7fff). The sum of two
/// halves is exact in f64 and rounded once.
fn half_add(old: u16, b: u16) -> u16 {
    round_half(
        f16v(old as u64) + f16v(b as u64),
        false,
        rustc_apfloat::Round::NearestTiesToEven,
    )
}

/// `atom.add.noftz.bf16`: as [`half_add`], for bfloat16.
fn bf16_add(old: u16, b: u16) -> u16 {
    round_half(
        bf16v(old as u64) + bf16v(b as u64),
        true,
        rustc_apfloat::Round::NearestTiesToEven,
    )
}

pub fn atom(op: AtomOp, ty: Ty, old: u64, b: u64, c: Option<u64>) -> Option<u64> {
    let msk = ty.mask();
    Some(match op {
        AtomOp::Add => match ty {
            Ty::F32 => atomic_add::<f32>(old, b),
            Ty::F64 => atomic_add::<f64>(old, b),
            Ty::F16 => half_add(old as u16, b as u16) as u64,
            Ty::BF16 => bf16_add(old as u16, b as u16) as u64,
            // Two halves, each added on its own.
            Ty::F16x2 | Ty::BF16x2 => {
                let add = if ty == Ty::F16x2 { half_add } else { bf16_add };
                let lo = add(old as u16, b as u16) as u64;
                let hi = add((old >> 16) as u16, (b >> 16) as u16) as u64;
                lo | hi << 16
            }
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
        Op::Cvt {
            dty,
            sty,
            m,
            b: None,
            ..
        } => cvt(*dty, *sty, *m, 0).is_some(),
        Op::Cvt {
            dty,
            sty,
            m,
            b: Some(_),
            ..
        } => cvt_pair(*dty, *sty, *m, 0, 0).is_some(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mods(rnd: Rnd) -> FMods {
        FMods {
            rnd,
            ftz: false,
            sat: false,
            nan: false,
            approx: false,
            relu: false,
            satfinite: false,
            xorsign: false,
        }
    }

    #[test]
    fn one_implementation_rounds_both_formats_in_every_mode() {
        // 1 + 2^-30 is between 1 and the next f32 (1 + 2^-23): .rn and .rz
        // give 1, .rp the next one up.
        let (one, tiny) = (1f32.to_bits() as u64, (2f32.powi(-30)).to_bits() as u64);
        let add = |r| binary::<f32>(FBin::Add, mods(r), one, tiny);
        assert_eq!(add(Rnd::Rn), one);
        assert_eq!(add(Rnd::Rz), one);
        assert_eq!(add(Rnd::Rp), one + 1);
        // The same in f64 with 2^-60 (the next f64 after 1 is 1 + 2^-52).
        let (one, tiny) = (1f64.to_bits(), 2f64.powi(-60).to_bits());
        let add = |r| binary::<f64>(FBin::Add, mods(r), one, tiny);
        assert_eq!(add(Rnd::Rn), one);
        assert_eq!(add(Rnd::Rm), one);
        assert_eq!(add(Rnd::Rp), one + 1);
        // 1/3 = 1.0101…b × 2^-2: the bits after the 23rd are 1010…, more
        // than half an ulp, so .rn rounds up to 0x3eaaaaab and .rz truncates
        // to 0x3eaaaaaa.
        let third = |r| {
            binary::<f32>(
                FBin::Div,
                mods(r),
                1f32.to_bits() as u64,
                3f32.to_bits() as u64,
            )
        };
        assert_eq!(third(Rnd::Rn), 0x3eaa_aaab);
        assert_eq!(third(Rnd::Rz), 0x3eaa_aaaa);
    }

    #[test]
    fn nan_results_are_canonical_and_sign_operations_keep_payloads() {
        let m = mods(Rnd::Default);
        let inf = f32::INFINITY.to_bits() as u64;
        // inf - inf is invalid: the canonical NaN.
        assert_eq!(binary::<f32>(FBin::Sub, m, inf, inf), 0x7fff_ffff);
        assert_eq!(
            binary::<f64>(
                FBin::Sub,
                m,
                f64::INFINITY.to_bits(),
                f64::INFINITY.to_bits()
            ),
            0x7fff_ffff_ffff_ffff
        );
        // neg flips the sign bit of a NaN with a payload and nothing else.
        assert_eq!(unary::<f32>(FUn::Neg, m, 0x7fc0_0001), Some(0xffc0_0001));
        assert_eq!(
            unary::<f64>(FUn::Abs, m, 0xfff0_0000_0000_0001),
            Some(0x7ff0_0000_0000_0001)
        );
        // copysign: the sign of a, the rest of b.
        assert_eq!(
            binary::<f32>(FBin::Copysign, m, 0x8000_0000, 0x3f80_0000),
            0xbf80_0000
        );
    }

    #[test]
    fn formats_without_a_form_say_so() {
        let m = mods(Rnd::Default);
        // sin and friends exist in .approx.f32 only; fma.f64 in every mode
        // (the directed ones through rustc_apfloat).
        assert_eq!(unary::<f64>(FUn::Sin, m, 0), None);
        assert!(unary::<f32>(FUn::Sin, m, 0).is_some());
        // 1 * 1 + 2^-60 toward zero is 1; toward +inf, 1 + ulp.
        let (one, tiny) = (0x3ff0_0000_0000_0000, 0x3c30_0000_0000_0000);
        assert_eq!(fused::<f64>(mods(Rnd::Rz), one, one, tiny), Some(one));
        assert_eq!(fused::<f64>(mods(Rnd::Rp), one, one, tiny), Some(one + 1));
        assert_eq!(fused::<f64>(mods(Rnd::Rn), 0, 0, 0), Some(0));
    }
}

//! Everything else the emulator does with floats: sqrt, rcp, .ftz and .sat,
//! cvt between every pair of float types and between floats and integers,
//! min/max, setp, exhaustive 16-bit conversions, and the .approx bounds.

use super::*;

impl Kind for Half {
    const TY: Ty = Ty::F16;
    const WIDTH: u32 = 16;
    const FTZ: bool = true;
    fn edges() -> Vec<u64> {
        vec![
            0, 0x8000, 1, 0x8001, 0x03ff, 0x83ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x7c00, 0xfc00,
            0x7e00, 0x7c01, 0xfe01, 0x3c00, 0xbc00, 0x3c01, 0x3bff, 0x1400, 0x1000, 0x3555, 0x4248,
        ]
    }
}

impl Kind for BFloat {
    const TY: Ty = Ty::BF16;
    const WIDTH: u32 = 16;
    fn edges() -> Vec<u64> {
        vec![
            0, 0x8000, 1, 0x8001, 0x007f, 0x807f, 0x0080, 0x8080, 0x7f7f, 0xff7f, 0x7f80, 0xff80,
            0x7fc0, 0x7f81, 0xffc1, 0x3f80, 0xbf80, 0x3f81, 0x3f7f, 0x3c00, 0x3b80, 0x3eab, 0x4049,
        ]
    }
}

/// Counts cases and keeps the first few disagreements.
struct Tally {
    name: &'static str,
    n: usize,
    bad: usize,
    shown: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Tally {
        Tally {
            name,
            n: 0,
            bad: 0,
            shown: Vec::new(),
        }
    }
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.n += 1;
        if !ok {
            self.bad += 1;
            if self.shown.len() < 12 {
                self.shown.push(what());
            }
        }
    }
    fn done(self) {
        eprintln!("{}: {} cases, {} disagree", self.name, self.n, self.bad);
        assert!(
            self.bad == 0,
            "{}: {} of {} cases disagree, e.g.\n{}",
            self.name,
            self.bad,
            self.n,
            self.shown.join("\n")
        );
    }
}

/// Whether the emulator's bits are apfloat's value (any NaN for a NaN).
fn agrees<K: Kind>(got: u64, want: K) -> bool {
    if want.is_nan() {
        K::of(got).is_nan()
    } else {
        got & K::mask() == want.to_bits() as u64
    }
}

fn fm(rnd: Rnd, ftz: bool, sat: bool) -> FMods {
    FMods {
        rnd,
        ftz,
        sat,
        nan: false,
        approx: false,
        relu: false,
        satfinite: false,
        xorsign: false,
    }
}

/// `.sat`: NaN to +0, below zero to +0, above one to 1 (PTX ISA, "Floating
/// Point Instructions": "clamps the result to [0.0, 1.0]. NaN results are
/// flushed to +0.0f"). The manual does not say what -0.0 becomes; it is in
/// [0, 1] and stays -0.0 here and in the emulator.
fn saturate<K: Kind>(x: K, sat: bool) -> K {
    if !sat {
        return x;
    }
    let one = K::from_u128(1).value;
    if x.is_nan() || (x.is_negative() && !x.is_zero()) {
        K::ZERO
    } else if x > one {
        one
    } else {
        x
    }
}

/// Seeded operands of one type: its edges, uniform bit patterns, and (for
/// 16-bit types) every pattern.
fn singles<K: Kind>(rng: &mut fastrand::Rng, random: usize) -> Vec<u64> {
    if K::WIDTH == 16 {
        return (0..=0xffffu64).collect();
    }
    let mut v = K::edges();
    for _ in 0..random {
        v.push(rng.u64(..) & K::mask());
    }
    v
}

/// The square root of `x` rounded by `round`, derived with integers
/// (rustc_apfloat has no square root): `x = m·2^e` exactly, `e` even, `m`
/// scaled by `4^k` until its integer square root `s` has at least p + 3
/// bits; then `2s + (s² ≠ m·4^k)` carries the sticky bit below the guard
/// bits, so rounding that (exact in quad precision) once to the format is
/// rounding the true root. apfloat only converts exact values here.
fn sqrt_reference<K: Kind>(x: K, round: Round) -> K
where
    Quad: FloatConvert<K>,
{
    if x.is_nan() || x.is_zero() || (x.is_infinite() && !x.is_negative()) {
        return x;
    }
    if x.is_negative() {
        return K::NAN;
    }
    let p = K::PRECISION as i32;
    let mut loses = false;
    let q: Quad = x.convert(&mut loses).value;
    let lg = q.ilogb();
    // m in [2^(p-1), 2^p), an integer; x = m * 2^e.
    let mut m = q.scalbn(p - 1 - lg).to_u128(128).value;
    let mut e = lg - (p - 1);
    if e.rem_euclid(2) == 1 {
        m <<= 1;
        e -= 1;
    }
    let need = 2 * (p + 3);
    let have = 128 - m.leading_zeros() as i32;
    let k = if have < need {
        (need - have + 1) / 2
    } else {
        0
    };
    let big = m << (2 * k);
    let s = big.isqrt();
    let t = (s << 1) | (s * s != big) as u128;
    let exact = Quad::from_u128(t).value.scalbn(e / 2 - k - 1);
    exact.convert_r(round, &mut loses).value
}

/// sqrt and rcp (`.rn/.rz/.rm/.rp`, and `.ftz` for f32) over the edges,
/// perfect squares and their neighbours, values whose reciprocal is
/// subnormal or overflows, and random patterns. rcp's reference is
/// apfloat's `1 / x`; sqrt's is [`sqrt_reference`].
fn sqrt_rcp<K: Kind>(tally: &mut Tally, random: usize)
where
    Quad: FloatConvert<K>,
{
    let mut rng = fastrand::Rng::with_seed(2);
    let mut xs = singles::<K>(&mut rng, random);
    for _ in 0..random / 4 {
        // A perfect square and the values one ulp either side of it.
        let r = K::of(rng.u64(..) & K::mask()).abs();
        let sq = r.mul_r(r, Round::NearestTiesToEven).value;
        let b = sq.to_bits() as u64;
        xs.extend([b, b.wrapping_add(1), b.wrapping_sub(1)]);
    }
    // Reciprocals at the ends of the range.
    for e in [K::MAX_EXP - 2, K::MAX_EXP - 1, K::MAX_EXP, K::MIN_EXP - 1] {
        let v = K::from_u128(1).value.scalbn(e);
        let b = v.to_bits() as u64;
        xs.extend([b, b + 1, b + 7, b | (1 << (K::WIDTH - 1))]);
    }
    let one = K::from_u128(1).value;
    for ftz in [false, true] {
        if ftz && !K::FTZ {
            continue;
        }
        for (rnd, round) in MODES {
            for &a in &xs {
                let x = K::of(a).flush(ftz);
                let want = sqrt_reference(x, round).flush(ftz);
                let got = fun(FUn::Sqrt, K::TY, fm(rnd, ftz, false), a).expect("sqrt");
                tally.check(agrees(got, want), || {
                    format!(
                        "sqrt.{rnd:?}.{:?} ftz={ftz} {a:#x}: emulator {got:#x}, reference {:#x}",
                        K::TY,
                        want.to_bits()
                    )
                });
                let want = one.div_r(x, round).value.flush(ftz);
                let got = fun(FUn::Rcp, K::TY, fm(rnd, ftz, false), a).expect("rcp");
                tally.check(agrees(got, want), || {
                    format!(
                        "rcp.{rnd:?}.{:?} ftz={ftz} {a:#x}: emulator {got:#x}, apfloat {:#x}",
                        K::TY,
                        want.to_bits()
                    )
                });
            }
        }
    }
}

#[test]
fn sqrt_and_rcp_round_correctly_in_every_mode() {
    let mut t = Tally::new("sqrt/rcp f32 and f64");
    sqrt_rcp::<Single>(&mut t, cases());
    sqrt_rcp::<Double>(&mut t, cases());
    t.done();
}

/// The integer square root checked against itself at a few known values,
/// so that the reference is not wrong in the same way as the emulator.
#[test]
fn the_sqrt_reference_is_right_where_the_answer_is_known() {
    let r = |x: f64, round| sqrt_reference(Double::from_bits(x.to_bits() as u128), round);
    let f = |d: Double| f64::from_bits(d.to_bits() as u64);
    assert_eq!(f(r(4.0, Round::TowardZero)), 2.0);
    assert_eq!(
        f(r(2.0, Round::NearestTiesToEven)),
        std::f64::consts::SQRT_2
    );
    // sqrt(2) = 1.41421356237309504880..., between 0x3ff6a09e667f3bcc and ..cd.
    assert_eq!(r(2.0, Round::TowardZero).to_bits(), 0x3ff6_a09e_667f_3bcc);
    assert_eq!(
        r(2.0, Round::TowardPositive).to_bits(),
        0x3ff6_a09e_667f_3bcd
    );
    // The smallest subnormal 2^-1074: its root 2^-537 is exact.
    assert_eq!(f(r(f64::from_bits(1), Round::TowardZero)), 2f64.powi(-537));
    assert_eq!(
        f(r(f64::from_bits(1), Round::TowardPositive)),
        2f64.powi(-537)
    );
}

/// f32 `add/sub/mul/div/fma` with `.ftz` and `.sat` in every mode: operands
/// flushed, apfloat's result, the result flushed, then clamped.
#[test]
fn f32_ftz_and_sat_agree_with_apfloat() {
    let mut t = Tally::new("f32 .ftz/.sat arithmetic");
    let edges = Single::edges();
    let mut rng = fastrand::Rng::with_seed(32);
    let mut ops: Vec<(u64, u64, u64)> = Vec::new();
    for (i, &a) in edges.iter().enumerate() {
        for &b in &edges {
            ops.push((a, b, edges[(i * 5) % edges.len()]));
        }
    }
    for k in 0..cases() / 2 {
        ops.push(random::<Single>(&mut rng, k));
        // Subnormal operands and results: small exponents.
        let small = |rng: &mut fastrand::Rng| (rng.u64(0..0x0200_0000)) | (rng.u64(0..2) << 31);
        ops.push((
            small(&mut rng),
            rng.u64(0x3000_0000..0x4000_0000),
            small(&mut rng),
        ));
    }
    for (ftz, sat) in [(true, false), (false, true), (true, true)] {
        for (rnd, round) in MODES {
            for &(a, b, c) in &ops {
                let (x, y, z) = (
                    Single::of(a).flush(ftz),
                    Single::of(b).flush(ftz),
                    Single::of(c).flush(ftz),
                );
                let m = fm(rnd, ftz, sat);
                for (name, op) in [
                    ("add", Some(FBin::Add)),
                    ("sub", Some(FBin::Sub)),
                    ("mul", Some(FBin::Mul)),
                    ("div", Some(FBin::Div)),
                    ("fma", None),
                ] {
                    let want = match op {
                        Some(FBin::Add) => x.add_r(y, round).value,
                        Some(FBin::Sub) => x.sub_r(y, round).value,
                        Some(FBin::Mul) => x.mul_r(y, round).value,
                        Some(_) => x.div_r(y, round).value,
                        None => x.mul_add_r(y, z, round).value,
                    };
                    let want = saturate(want.flush(ftz), sat);
                    let got = match op {
                        Some(op) => fbin(op, Ty::F32, m, a, b),
                        None => ffma(Ty::F32, m, a, b, c),
                    }
                    .expect("implemented");
                    t.check(agrees(got, want), || {
                        format!("{name}.{rnd:?} ftz={ftz} sat={sat} {a:#x} {b:#x} {c:#x}: emulator {got:#x}, apfloat {:#x}", want.to_bits())
                    });
                }
            }
        }
    }
    t.done();
}

/// A grid of 16-bit operands: the edges, then seeded patterns.
fn grid16<K: Kind>(size: usize, seed: u64) -> Vec<u64> {
    let mut g = K::edges();
    let mut rng = fastrand::Rng::with_seed(seed);
    while g.len() < size {
        g.push(rng.u64(0..0x10000));
    }
    g
}

/// f16 and bf16 `add/sub/mul` (`.rn`, with `.ftz` and `.sat` for f16),
/// `fma.rn` (the only mode PTX has for them), over `size`² operand pairs
/// (fma: each pair with a third operand from the grid).
fn half_binary<K: Kind>(t: &mut Tally, size: usize) {
    let g = grid16::<K>(size, 16);
    let combos: &[(bool, bool)] = if K::TY == Ty::F16 {
        &[(false, false), (true, false), (false, true), (true, true)]
    } else {
        &[(false, false)]
    };
    let round = Round::NearestTiesToEven;
    for &(ftz, sat) in combos {
        let m = fm(Rnd::Rn, ftz, sat);
        for (i, &a) in g.iter().enumerate() {
            for (j, &b) in g.iter().enumerate() {
                let c = g[(i * 31 + j * 17) % g.len()];
                let (x, y, z) = (
                    K::of(a).flush(ftz),
                    K::of(b).flush(ftz),
                    K::of(c).flush(ftz),
                );
                for (name, op) in [
                    ("add", Some(FBin::Add)),
                    ("sub", Some(FBin::Sub)),
                    ("mul", Some(FBin::Mul)),
                    ("fma", None),
                ] {
                    let want = match op {
                        Some(FBin::Add) => x.add_r(y, round).value,
                        Some(FBin::Sub) => x.sub_r(y, round).value,
                        Some(_) => x.mul_r(y, round).value,
                        None => x.mul_add_r(y, z, round).value,
                    };
                    let want = saturate(want.flush(ftz), sat);
                    let got = match op {
                        Some(op) => fbin(op, K::TY, m, a, b),
                        None => ffma(K::TY, m, a, b, c),
                    }
                    .expect("implemented");
                    t.check(agrees(got, want), || {
                        format!("{name}.rn.{:?} ftz={ftz} sat={sat} {a:#x} {b:#x} {c:#x}: emulator {got:#x}, apfloat {:#x}", K::TY, want.to_bits())
                    });
                }
            }
        }
    }
}

/// The grid for the default run: 96 values of each 16-bit type (the
/// edges, then seeded patterns), every pair.
const HALF_GRID: usize = 96;

#[test]
fn half_precision_ftz_sat_and_fma_agree_with_apfloat() {
    let mut t = Tally::new("f16/bf16 add/sub/mul/fma with .ftz/.sat");
    half_binary::<Half>(&mut t, HALF_GRID);
    half_binary::<BFloat>(&mut t, HALF_GRID);
    t.done();
}

/// The same over a larger grid (`FLOAT_REFERENCE_GRID` values, default 1024,
/// so about a million pairs per modifier combination).
#[test]
#[ignore]
fn half_precision_binary_large_grid() {
    let size = std::env::var("FLOAT_REFERENCE_GRID")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let mut t = Tally::new("f16/bf16 binary, large grid");
    half_binary::<Half>(&mut t, size);
    half_binary::<BFloat>(&mut t, size);
    eprintln!("grid of {size} values per type");
    t.done();
}

/// Source values for a conversion from `S` to `D`: every pattern of a
/// 16-bit source; otherwise the edges, random patterns, and for a narrowing
/// conversion the values of `D` widened, the midpoints between neighbours
/// of `D` (the ties) and the source values next to those.
fn conversion_sources<S: Kind, D: Kind>(rng: &mut fastrand::Rng, random: usize) -> Vec<u64>
where
    Quad: FloatConvert<S>,
{
    let mut v = singles::<S>(rng, random);
    if S::WIDTH == 16 || D::PRECISION >= S::PRECISION {
        return v;
    }
    let mut loses = false;
    for _ in 0..random {
        let d = D::of(rng.u64(..) & D::mask());
        if !d.is_finite() {
            continue;
        }
        let lo: Quad = d.convert(&mut loses).value;
        let hi: Quad = d.next_up().value.convert(&mut loses).value;
        let mid = lo.add_r(hi, Round::NearestTiesToEven).value.scalbn(-1);
        for q in [lo, mid] {
            let s: S = q.convert(&mut loses).value;
            let b = s.to_bits() as u64;
            v.extend([b, b.wrapping_add(1), b.wrapping_sub(1)]);
        }
    }
    v
}

/// `cvt.rnd.D.S` in every mode, with `.ftz` where an f32 is involved and
/// `.sat` for f16, f32 and f64 destinations (PTX ISA, cvt: ".ftz ... applies
/// only to single precision (.f32) inputs and results"; ".sat ... Applies to
/// .f16, .f32, and .f64 types").
fn convert_pair<S: Kind + FloatConvert<D>, D: Kind>(t: &mut Tally, random: usize)
where
    Quad: FloatConvert<S>,
{
    let mut rng = fastrand::Rng::with_seed(S::WIDTH as u64 * 7 + D::WIDTH as u64);
    let xs = conversion_sources::<S, D>(&mut rng, random);
    let f32_involved = S::TY == Ty::F32 || D::TY == Ty::F32;
    let mut loses = false;
    for ftz in [false, true] {
        if ftz && !f32_involved {
            continue;
        }
        for sat in [false, true] {
            if sat && D::TY == Ty::BF16 {
                continue;
            }
            for (rnd, round) in MODES {
                for &a in &xs {
                    let x = S::of(a);
                    let x = if S::TY == Ty::F32 { x.flush(ftz) } else { x };
                    let want: D = x.convert_r(round, &mut loses).value;
                    let want = if D::TY == Ty::F32 {
                        want.flush(ftz)
                    } else {
                        want
                    };
                    let want = saturate(want, sat);
                    let got = cvt(D::TY, S::TY, fm(rnd, ftz, sat), a).expect("cvt");
                    t.check(agrees(got, want), || {
                        format!(
                            "cvt.{rnd:?}.{:?}.{:?} ftz={ftz} sat={sat} {a:#x}: emulator {got:#x}, apfloat {:#x}",
                            D::TY,
                            S::TY,
                            want.to_bits()
                        )
                    });
                }
            }
        }
    }
}

/// `cvt.{rni,rzi,rmi,rpi}.F.F`: rounding to an integral value in the same
/// format (apfloat's `round_to_integral`), with `.ftz` and `.sat` for f32.
fn round_integral<K: Kind>(t: &mut Tally, random: usize) {
    let mut rng = fastrand::Rng::with_seed(99);
    let mut xs = singles::<K>(&mut rng, random);
    // Halves and near-halves around small integers, both signs.
    for k in 0..random.min(2000) {
        let v = K::from_i128((k as i128 % 41) - 20).value;
        let half = K::from_u128(1).value.scalbn(-1);
        let b = v.add(half).value.to_bits() as u64;
        xs.extend([b, b + 1, b - 1]);
    }
    let modes = [
        (Rnd::Rni, Round::NearestTiesToEven),
        (Rnd::Rzi, Round::TowardZero),
        (Rnd::Rmi, Round::TowardNegative),
        (Rnd::Rpi, Round::TowardPositive),
    ];
    for ftz in [false, true] {
        if ftz && K::TY != Ty::F32 {
            continue;
        }
        for sat in [false, true] {
            if sat && K::TY == Ty::BF16 {
                continue;
            }
            for (rnd, round) in modes {
                for &a in &xs {
                    let want = K::of(a).flush(ftz).round_to_integral(round).value;
                    let want = saturate(want, sat);
                    let got = cvt(K::TY, K::TY, fm(rnd, ftz, sat), a).expect("cvt");
                    t.check(agrees(got, want), || {
                        format!("cvt.{rnd:?}.{:?}.{:?} ftz={ftz} sat={sat} {a:#x}: emulator {got:#x}, apfloat {:#x}", K::TY, K::TY, want.to_bits())
                    });
                }
            }
        }
    }
}

fn float_conversions(random: usize) -> Tally {
    let mut t = Tally::new("cvt between float types");
    macro_rules! from {
        ($s:ty) => {
            convert_pair::<$s, Half>(&mut t, random);
            convert_pair::<$s, BFloat>(&mut t, random);
            convert_pair::<$s, Single>(&mut t, random);
            convert_pair::<$s, Double>(&mut t, random);
            round_integral::<$s>(&mut t, random);
        };
    }
    from!(Half);
    from!(BFloat);
    from!(Single);
    from!(Double);
    t
}

/// Every pair of float types in every mode. The 16-bit sources are
/// exhaustive (all 65,536 patterns).
#[test]
fn float_to_float_conversions_agree_with_apfloat() {
    float_conversions(cases() / 2).done();
}

const INTS: [Ty; 8] = [
    Ty::S8,
    Ty::S16,
    Ty::S32,
    Ty::S64,
    Ty::U8,
    Ty::U16,
    Ty::U32,
    Ty::U64,
];

/// What `cvt.irnd.I.F` gives for a NaN (PTX ISA, cvt, "Integer Notes"):
/// zero, except `1 << (width - 1)` when the source is `.f64` or the
/// destination is 64 bits wide. apfloat's own answer is zero.
fn nan_to_int(sty: Ty, dty: Ty) -> u64 {
    if sty == Ty::F64 || dty.bits() == 64 {
        1 << (dty.bits() - 1)
    } else {
        0
    }
}

/// The bits of the `K` nearest `v`.
fn from_f64<K: Kind>(v: f64) -> u64
where
    Quad: FloatConvert<K>,
{
    let mut loses = false;
    let q: Quad = Double::from_bits(v.to_bits() as u128)
        .convert(&mut loses)
        .value;
    let k: K = q.convert_r(Round::NearestTiesToEven, &mut loses).value;
    k.to_bits() as u64
}

/// `cvt.{rni,rzi,rmi,rpi}{.ftz}.I.F` for every integer type: apfloat's
/// `to_i128_r`/`to_u128_r`, which clamp out-of-range values to the
/// destination's range as PTX does ("the result is clamped to the
/// destination range by default"). Compared in the destination's width.
fn float_to_ints<K: Kind>(t: &mut Tally, random: usize)
where
    Quad: FloatConvert<K>,
{
    let mut rng = fastrand::Rng::with_seed(64);
    let mut xs = singles::<K>(&mut rng, random);
    if K::WIDTH > 16 {
        // The ends of every integer range, ± a half and ± an ulp.
        for w in [8i32, 16, 32, 64] {
            for v in [
                2f64.powi(w - 1),
                2f64.powi(w),
                -(2f64.powi(w - 1)),
                2f64.powi(w - 1) - 0.5,
                2f64.powi(w) - 0.5,
                -(2f64.powi(w - 1)) - 0.5,
                -0.5,
                0.5,
                1.5,
                -1.5,
                2.5,
            ] {
                let b = from_f64::<K>(v);
                xs.extend([b, b + 1, b - 1]);
            }
        }
        for _ in 0..random {
            // Values of integer size with fractions.
            let v = (rng.i64(..) >> rng.u32(0..63)) as f64 + rng.f64() - 0.5;
            let b = from_f64::<K>(v);
            xs.push(b);
        }
    }
    let modes = [
        (Rnd::Rni, Round::NearestTiesToEven),
        (Rnd::Rzi, Round::TowardZero),
        (Rnd::Rmi, Round::TowardNegative),
        (Rnd::Rpi, Round::TowardPositive),
    ];
    for ftz in [false, true] {
        if ftz && K::TY != Ty::F32 {
            continue;
        }
        for dty in INTS {
            let w = dty.bits() as usize;
            let mask = dty.mask();
            for (rnd, round) in modes {
                for &a in &xs {
                    let x = K::of(a).flush(ftz);
                    let mut exact = false;
                    let want = if x.is_nan() {
                        nan_to_int(K::TY, dty)
                    } else if dty.is_signed() {
                        x.to_i128_r(w, round, &mut exact).value as u64
                    } else {
                        x.to_u128_r(w, round, &mut exact).value as u64
                    } & mask;
                    let got = cvt(dty, K::TY, fm(rnd, ftz, false), a).expect("cvt") & mask;
                    t.check(got == want, || {
                        format!("cvt.{rnd:?}.{dty:?}.{:?} ftz={ftz} {a:#x}: emulator {got:#x}, apfloat {want:#x}", K::TY)
                    });
                }
            }
        }
    }
}

/// `cvt.rnd{.sat}.F.I` for every integer type: apfloat's
/// `from_i128_r`/`from_u128_r`. The integers include the ends of each
/// range, powers of two and their neighbours, and `r·2^k` for random
/// (p+1)-bit `r`, which are ties of the destination format, ± 1.
fn ints_to_float<K: Kind>(t: &mut Tally, random: usize) {
    let mut rng = fastrand::Rng::with_seed(128);
    for sty in INTS {
        let w = sty.bits();
        let mask = sty.mask();
        let mut vs: Vec<u64> = vec![0, 1, mask, mask - 1, mask >> 1, (mask >> 1) + 1, 2, 3];
        for k in 0..w {
            vs.extend([1u64 << k, (1u64 << k).wrapping_sub(1), (1u64 << k) + 1]);
        }
        let p = K::PRECISION as u32;
        for _ in 0..random {
            vs.push(rng.u64(..));
            let r = rng.u64(..) & ((1u64 << (p + 1).min(63)) - 1) | 1;
            let k = rng.u32(0..w);
            let tie = r.checked_shl(k).unwrap_or(0);
            vs.extend([tie, tie.wrapping_add(1), tie.wrapping_sub(1)]);
        }
        for sat in [false, true] {
            if sat && K::TY == Ty::BF16 {
                continue;
            }
            for (rnd, round) in MODES {
                for &raw in &vs {
                    let bits = raw & mask;
                    let want = if sty.is_signed() {
                        let v = ((bits << (64 - w)) as i64 >> (64 - w)) as i128;
                        K::from_i128_r(v, round).value
                    } else {
                        K::from_u128_r(bits as u128, round).value
                    };
                    let want = saturate(want, sat);
                    let got = cvt(K::TY, sty, fm(rnd, false, sat), bits);
                    let ok = got.is_some_and(|g| agrees(g, want));
                    t.check(ok, || {
                        format!("cvt.{rnd:?}.{:?}.{sty:?} sat={sat} {bits:#x}: emulator {got:x?}, apfloat {:#x}", K::TY, want.to_bits())
                    });
                }
            }
        }
    }
}

fn int_conversions(random: usize) -> Tally {
    let mut t = Tally::new("cvt between floats and integers");
    float_to_ints::<Half>(&mut t, random);
    float_to_ints::<BFloat>(&mut t, random);
    float_to_ints::<Single>(&mut t, random);
    float_to_ints::<Double>(&mut t, random);
    ints_to_float::<Half>(&mut t, random);
    ints_to_float::<BFloat>(&mut t, random);
    ints_to_float::<Single>(&mut t, random);
    ints_to_float::<Double>(&mut t, random);
    t
}

/// Float to integer (the 16-bit sources exhaustive) and integer to float,
/// every type and mode.
#[test]
fn float_integer_conversions_agree_with_apfloat() {
    int_conversions(cases() / 4).done();
}

/// The conversions with `FLOAT_REFERENCE_CASES` × 25 random values per
/// type (default 100,000).
#[test]
#[ignore]
fn conversions_large() {
    let n = cases() * 25;
    eprintln!("{n} random values per type");
    float_conversions(n).done();
    int_conversions(n).done();
}

/// Operand pairs for min/max and setp: the edges crossed, then random
/// pairs, equal pairs and pairs that differ only in sign.
fn pairs<K: Kind>(random: usize) -> Vec<(u64, u64)> {
    let e = K::edges();
    let mut v: Vec<(u64, u64)> = e
        .iter()
        .flat_map(|&a| e.iter().map(move |&b| (a, b)))
        .collect();
    let mut rng = fastrand::Rng::with_seed(3);
    let sign = 1u64 << (K::WIDTH - 1);
    for _ in 0..random {
        let a = rng.u64(..) & K::mask();
        v.extend([(a, rng.u64(..) & K::mask()), (a, a), (a, a ^ sign)]);
    }
    v
}

/// `min`/`max` with and without `.NaN` (and `.ftz` for f32 and f16), per
/// the PTX ISA's pseudocode (min: "if (isNaN(x) && isNaN(y)) z = NaN; else
/// if (isNaN(x)) z = y; else if (isNaN(y)) z = x; else z = (x < y) ? x : y"
/// with "-0.0 < +0.0 here"; `.NaN`: NaN when either is). apfloat's
/// `minimum/maximum` (IEEE 754-2019, NaN-propagating, -0 < +0) give the
/// `.NaN` forms; its `min/max` (minNum) give the others, with the zeros
/// ordered as PTX orders them.
fn min_max<K: Kind>(t: &mut Tally, random: usize) {
    for ftz in [false, true] {
        if ftz && !K::FTZ {
            continue;
        }
        for nan in [false, true] {
            let m = FMods {
                nan,
                ..fm(Rnd::Default, ftz, false)
            };
            for &(a, b) in &pairs::<K>(random) {
                let (x, y) = (K::of(a).flush(ftz), K::of(b).flush(ftz));
                let zeros = x.is_zero() && y.is_zero();
                for max in [false, true] {
                    let want = match (nan, max) {
                        (true, false) => x.minimum(y),
                        (true, true) => x.maximum(y),
                        _ if zeros => {
                            if x.is_negative() == max {
                                y
                            } else {
                                x
                            }
                        }
                        (false, false) => x.min(y),
                        (false, true) => x.max(y),
                    };
                    let op = if max { FBin::Max } else { FBin::Min };
                    let got = fbin(op, K::TY, m, a, b).expect("min/max");
                    t.check(agrees(got, want), || {
                        format!("{op:?}.{:?} nan={nan} ftz={ftz} {a:#x} {b:#x}: emulator {got:#x}, apfloat {:#x}", K::TY, want.to_bits())
                    });
                }
            }
        }
    }
}

#[test]
fn min_max_follow_the_ptx_rules() {
    let mut t = Tally::new("min/max");
    min_max::<Single>(&mut t, cases());
    min_max::<Double>(&mut t, cases());
    min_max::<Half>(&mut t, cases());
    min_max::<BFloat>(&mut t, cases());
    t.done();
}

/// Every `setp` comparison against apfloat's `partial_cmp` (`None`:
/// unordered): the ordered forms are false on NaN, the `u` forms true.
/// `.ftz` flushes f32 and f16 operands (PTX ISA, setp: "setp.ftz.f32
/// flushes subnormal inputs to sign-preserving zero"; half precision setp:
/// `setp.CmpOp{.ftz}.f16`).
fn setp<K: Kind>(t: &mut Tally, random: usize) {
    use std::cmp::Ordering::*;
    let cmps = [
        Cmp::Eq,
        Cmp::Ne,
        Cmp::Lt,
        Cmp::Le,
        Cmp::Gt,
        Cmp::Ge,
        Cmp::Equ,
        Cmp::Neu,
        Cmp::Ltu,
        Cmp::Leu,
        Cmp::Gtu,
        Cmp::Geu,
        Cmp::Num,
        Cmp::Nan,
    ];
    for ftz in [false, true] {
        if ftz && !K::FTZ {
            continue;
        }
        for &(a, b) in &pairs::<K>(random) {
            let o = K::of(a).flush(ftz).partial_cmp(&K::of(b).flush(ftz));
            for cmp in cmps {
                let u = o.is_none();
                let want = match cmp {
                    Cmp::Eq => o == Some(Equal),
                    Cmp::Ne => o == Some(Less) || o == Some(Greater),
                    Cmp::Lt => o == Some(Less),
                    Cmp::Le => o == Some(Less) || o == Some(Equal),
                    Cmp::Gt => o == Some(Greater),
                    Cmp::Ge => o == Some(Greater) || o == Some(Equal),
                    Cmp::Equ => u || o == Some(Equal),
                    Cmp::Neu => u || o != Some(Equal),
                    Cmp::Ltu => u || o == Some(Less),
                    Cmp::Leu => u || o != Some(Greater),
                    Cmp::Gtu => u || o == Some(Greater),
                    Cmp::Geu => u || o != Some(Less),
                    Cmp::Num => !u,
                    _ => u,
                };
                let got = compare(cmp, K::TY, ftz, a, b);
                t.check(got == Some(want), || {
                    format!("setp.{cmp:?}.{:?} ftz={ftz} {a:#x} {b:#x}: emulator {got:?}, apfloat {want}", K::TY)
                });
            }
        }
    }
}

#[test]
fn setp_agrees_with_apfloat_partial_cmp() {
    let mut t = Tally::new("setp");
    setp::<Single>(&mut t, cases());
    setp::<Double>(&mut t, cases());
    setp::<Half>(&mut t, cases());
    setp::<BFloat>(&mut t, cases());
    t.done();
}

/// `neg` and `abs` of every f16 and bf16 pattern: the sign bit flipped or
/// cleared and nothing else.
#[test]
fn every_half_negates_and_takes_its_absolute_value() {
    let mut t = Tally::new("f16/bf16 neg/abs, exhaustive");
    for ty in [Ty::F16, Ty::BF16] {
        for h in 0..=0xffffu64 {
            let m = fm(Rnd::Default, false, false);
            let n = fun(FUn::Neg, ty, m, h);
            let a = fun(FUn::Abs, ty, m, h);
            t.check(n == Some(h ^ 0x8000) && a == Some(h & 0x7fff), || {
                format!("{ty:?} {h:#x}: neg {n:x?}, abs {a:x?}")
            });
        }
    }
    t.done();
}

/// The spacing of f32 values at magnitude `r` (the subnormal spacing
/// below 2^-126).
fn ulp32(r: f64) -> f64 {
    let e = if r == 0.0 || !r.is_finite() {
        -126
    } else {
        ((r.abs().to_bits() >> 52) as i32 - 1023).max(-126)
    };
    2f64.powi(e - 23)
}

fn approx(ftz: bool) -> FMods {
    FMods {
        approx: true,
        ..fm(Rnd::Default, ftz, false)
    }
}

/// The corner cases the PTX ISA tabulates for each `.approx` function
/// (input, result; NaN only has to be a NaN).
fn approx_corners(op: FUn) -> Vec<(f32, f32)> {
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    match op {
        FUn::Rcp => vec![
            (-inf, -0.0),
            (-0.0, -inf),
            (0.0, inf),
            (inf, 0.0),
            (nan, nan),
        ],
        FUn::Sqrt => vec![
            (-inf, nan),
            (-2.0, nan),
            (-0.0, -0.0),
            (0.0, 0.0),
            (inf, inf),
            (nan, nan),
        ],
        FUn::Rsqrt => vec![
            (-inf, nan),
            (-2.0, nan),
            (-0.0, -inf),
            (0.0, inf),
            (inf, 0.0),
            (nan, nan),
        ],
        FUn::Sin => vec![
            (-inf, nan),
            (-0.0, -0.0),
            (0.0, 0.0),
            (inf, nan),
            (nan, nan),
        ],
        FUn::Cos => vec![(-inf, nan), (-0.0, 1.0), (0.0, 1.0), (inf, nan), (nan, nan)],
        FUn::Lg2 => vec![
            (-inf, nan),
            (-2.0, nan),
            (-0.0, -inf),
            (0.0, -inf),
            (inf, inf),
            (nan, nan),
        ],
        FUn::Ex2 => vec![(-inf, 0.0), (-0.0, 1.0), (0.0, 1.0), (inf, inf), (nan, nan)],
        _ => vec![
            (-inf, -1.0),
            (-0.0, -0.0),
            (0.0, 0.0),
            (inf, 1.0),
            (nan, nan),
        ],
    }
}

/// Whether `got` is within the PTX ISA's documented error of `op(x)` (the
/// reference in f64, whose own error, about 2^-52 relative, is far below
/// every bound). Bounds, from the PTX ISA's floating point instructions:
/// - `rcp.approx.f32`: "The maximum ulp error is 1 across the full range";
/// - `sqrt.approx.f32`: "maximum relative error over the entire positive
///   finite floating-point range is 2^-23";
/// - `rsqrt.approx.f32`: "maximum relative error ... is 2^-22.9";
/// - `ex2.approx.f32`: "maximum ulp error is 2 ulp from correctly rounded
///   result across the full range";
/// - `lg2.approx.f32`: "maximum absolute error is 2^-22 when the input
///   operand is in the range (0.5, 2). For positive finite inputs outside
///   of this interval, maximum relative error is 2^-22";
/// - `sin/cos.approx.f32`: maximum absolute error 2^-20.5 in [-2π, 2π] and
///   2^-14.7 in [-100π, 100π]; outside, "no defined error guarantees" (only
///   |result| ≤ 1 is checked);
/// - `tanh.approx.f32`: "maximum relative error over the entire floating
///   point range is 2^-11".
fn within_bound(op: FUn, x: f64, got: f32) -> bool {
    let g = got as f64;
    let r = match op {
        FUn::Rcp => 1.0 / x,
        FUn::Sqrt => x.sqrt(),
        FUn::Rsqrt => 1.0 / x.sqrt(),
        FUn::Sin => x.sin(),
        FUn::Cos => x.cos(),
        FUn::Lg2 => x.log2(),
        FUn::Ex2 => x.exp2(),
        _ => x.tanh(),
    };
    if r.abs() > f32::MAX as f64 {
        // Beyond the largest f32: the infinity of its sign (or, within the
        // bound, the largest finite value).
        return (got.is_infinite() && g.signum() == r.signum())
            || (g - r).abs() <= ulp32(f32::MAX as f64) * 2.0;
    }
    let err = (g - r).abs();
    match op {
        FUn::Rcp => err <= ulp32(r),
        FUn::Ex2 => err <= 2.0 * ulp32(r),
        FUn::Sqrt => err <= 2f64.powf(-23.0) * r.abs(),
        FUn::Rsqrt => err <= 2f64.powf(-22.9) * r.abs(),
        FUn::Lg2 if x > 0.5 && x < 2.0 => err <= 2f64.powi(-22),
        FUn::Lg2 => err <= 2f64.powi(-22) * r.abs(),
        FUn::Sin | FUn::Cos if x.abs() <= 2.0 * std::f64::consts::PI => err <= 2f64.powf(-20.5),
        FUn::Sin | FUn::Cos if x.abs() <= 100.0 * std::f64::consts::PI => err <= 2f64.powf(-14.7),
        FUn::Sin | FUn::Cos => g.abs() <= 1.0,
        _ => err <= 2f64.powi(-11) * r.abs(),
    }
}

/// Every `.approx` f32 function (and `.ftz`): the corner cases exactly, and
/// random inputs (any pattern, and uniform over each function's documented
/// ranges) within the documented bound. With `.ftz` the input is flushed,
/// and a result in the subnormal range may be the zero of its sign.
#[test]
fn approx_functions_are_within_the_documented_bounds() {
    let mut t = Tally::new(".approx f32 functions");
    let mut rng = fastrand::Rng::with_seed(5);
    let pi = std::f64::consts::PI;
    let ops = [
        FUn::Rcp,
        FUn::Sqrt,
        FUn::Rsqrt,
        FUn::Sin,
        FUn::Cos,
        FUn::Lg2,
        FUn::Ex2,
        FUn::Tanh,
    ];
    for op in ops {
        let mut xs: Vec<u32> = Single::edges().iter().map(|&b| b as u32).collect();
        for _ in 0..cases() {
            xs.push(rng.u32(..));
            let v = match op {
                FUn::Sin | FUn::Cos if rng.bool() => (rng.f64() - 0.5) * 4.0 * pi,
                FUn::Sin | FUn::Cos => (rng.f64() - 0.5) * 200.0 * pi,
                FUn::Lg2 => 0.5 + rng.f64() * 1.5,
                FUn::Ex2 => (rng.f64() - 0.5) * 300.0,
                _ => (rng.f64() - 0.5) * 20.0,
            };
            xs.push((v as f32).to_bits());
        }
        for ftz in [false, true] {
            for (x, want) in approx_corners(op) {
                let got = f32::from_bits(
                    fun(op, Ty::F32, approx(ftz), x.to_bits() as u64).expect("approx") as u32,
                );
                let ok = if want.is_nan() {
                    got.is_nan()
                } else {
                    got.to_bits() == want.to_bits()
                };
                t.check(ok, || {
                    format!("{op:?}.approx ftz={ftz} {x}: emulator {got}, PTX ISA {want}")
                });
            }
            for &a in &xs {
                let x = Single::of(a as u64).flush(ftz);
                let xf = f32::from_bits(x.to_bits() as u32);
                if !xf.is_finite()
                    || approx_corners(op)
                        .iter()
                        .any(|c| c.0.to_bits() == xf.to_bits())
                {
                    continue;
                }
                let got =
                    f32::from_bits(fun(op, Ty::F32, approx(ftz), a as u64).expect("approx") as u32);
                let x = xf as f64;
                // Outside a function's domain (a negative root or logarithm)
                // the result is NaN.
                let nan_domain = matches!(op, FUn::Sqrt | FUn::Rsqrt | FUn::Lg2) && x < 0.0;
                let ok = if nan_domain {
                    got.is_nan()
                } else {
                    within_bound(op, x, got)
                        || (ftz && got == 0.0 && within_bound(op, x, 0.0))
                        || (ftz && got == 0.0 && {
                            // A flushed subnormal result.
                            let r = f32::from_bits(
                                fun(op, Ty::F32, approx(false), xf.to_bits() as u64)
                                    .expect("approx") as u32,
                            );
                            r.is_subnormal() || r == 0.0
                        })
                };
                t.check(ok, || {
                    format!("{op:?}.approx ftz={ftz} {a:#x} ({xf:e}): emulator {got:e}")
                });
            }
        }
    }
    t.done();
}

/// `div.approx.f32`: within 2 ulp for |b| in [2^-126, 2^126]; for
/// 2^126 < |b| < 2^128 a signed zero, or NaN when a is infinite (PTX ISA,
/// div). `div.full.f32` (no rounding modifier, not `.approx`): within 2 ulp
/// everywhere.
#[test]
fn div_approx_and_full_are_within_the_documented_bounds() {
    let mut t = Tally::new("div.approx/div.full f32");
    let mut rng = fastrand::Rng::with_seed(6);
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let e = Single::edges();
    for &a in &e {
        for &b in &e {
            pairs.push((a as u32, b as u32));
        }
    }
    for _ in 0..cases() {
        pairs.push((rng.u32(..), rng.u32(..)));
        // A divisor above 2^126.
        pairs.push((
            rng.u32(..),
            rng.u32(0x7e80_0001..0x7f80_0000) | (rng.u32(0..2) << 31),
        ));
    }
    for (a, b) in pairs {
        let (x, y) = (f32::from_bits(a) as f64, f32::from_bits(b) as f64);
        let q = x / y;
        for full in [false, true] {
            let m = if full {
                fm(Rnd::Default, false, false)
            } else {
                approx(false)
            };
            let got = f32::from_bits(
                fbin(FBin::Div, Ty::F32, m, a as u64, b as u64).expect("div") as u32,
            );
            let ok = if !full && y.abs() > 2f64.powi(126) && y.is_finite() {
                if x.is_infinite() || x.is_nan() {
                    got.is_nan()
                } else {
                    got == 0.0 && got.is_sign_negative() == ((a ^ b) >> 31 == 1)
                }
            } else if !full && (y.abs() < 2f64.powi(-126) || y.is_infinite()) {
                // No documented bound (a subnormal or infinite divisor).
                true
            } else if q.is_nan() {
                got.is_nan()
            } else if q.is_infinite() || q.abs() > f32::MAX as f64 {
                got.is_infinite() && (got as f64).signum() == q.signum()
                    || ((got as f64) - q).abs() <= 2.0 * ulp32(f32::MAX as f64)
            } else {
                ((got as f64) - q).abs() <= 2.0 * ulp32(q)
            };
            t.check(ok, || {
                format!("div full={full} {a:#x} {b:#x}: emulator {got:e}, quotient {q:e}")
            });
        }
    }
    t.done();
}

/// `rcp.approx.ftz.f64` and `rsqrt.approx.ftz.f64`: the PTX ISA computes
/// them from the upper 32 bits of the operand and zeroes the lower 32 bits
/// of the result; subnormals flush, NaN is 0x7fffffff00000000. It gives no
/// error bound ("a fast, gross approximation"); the input's truncation to
/// 20 fraction bits alone costs up to 2^-20, so 2^-19 relative to the exact
/// function of the whole operand is checked. `rsqrt.approx.f64` (no `.ftz`,
/// "emulated in software", no bound given) is checked to 1 ulp.
#[test]
fn gross_f64_approximations_follow_the_ptx_isa() {
    let mut t = Tally::new("rcp/rsqrt.approx.ftz.f64, rsqrt.approx.f64");
    let mut rng = fastrand::Rng::with_seed(7);
    let mut xs = Double::edges();
    for _ in 0..cases() {
        xs.push(rng.u64(..));
    }
    let m = approx(true);
    for &a in &xs {
        let x = f64::from_bits(a);
        for rsqrt in [false, true] {
            let op = if rsqrt { FUn::Rsqrt } else { FUn::Rcp };
            let got = fun(op, Ty::F64, m, a).expect("gross f64");
            let g = f64::from_bits(got);
            let xf = if x.is_subnormal() {
                0.0f64.copysign(x)
            } else {
                x
            };
            let r = if rsqrt { 1.0 / xf.sqrt() } else { 1.0 / xf };
            let ok = got & 0xffff_ffff == 0
                && if r.is_nan() {
                    got == 0x7fff_ffff_0000_0000
                } else if r.is_infinite() || r == 0.0 || r.is_subnormal() {
                    g == if r.is_subnormal() {
                        0.0f64.copysign(r)
                    } else {
                        r
                    } && g.is_sign_negative() == r.is_sign_negative()
                } else {
                    ((g - r) / r).abs() <= 2f64.powi(-19)
                };
            t.check(ok, || {
                format!("{op:?}.approx.ftz.f64 {a:#x}: emulator {got:#x}")
            });
        }
        let got = f64::from_bits(fun(FUn::Rsqrt, Ty::F64, approx(false), a).expect("rsqrt.f64"));
        let r = 1.0 / x.sqrt();
        let ok = if r.is_nan() {
            got.is_nan()
        } else if r.is_infinite() || r == 0.0 {
            got == r && got.is_sign_negative() == r.is_sign_negative()
        } else {
            ((got - r) / r).abs() <= 2f64.powi(-52)
        };
        t.check(ok, || {
            format!("rsqrt.approx.f64 {a:#x}: emulator {got:e}, {r:e}")
        });
    }
    t.done();
}

/// One case for each bug these sweeps found, worked out by hand.
#[test]
fn regressions_found_by_the_sweeps() {
    let m = |rnd, ftz| fm(rnd, ftz, false);
    // add.ftz.f16: the subnormal 0x0001 is flushed, so 0 + it is +0.
    assert_eq!(fbin(FBin::Add, Ty::F16, m(Rnd::Rn, true), 0, 1), Some(0));
    // min.ftz.f16 of -0 and a negative subnormal: both -0.
    assert_eq!(
        fbin(FBin::Min, Ty::F16, m(Rnd::Default, true), 0, 0x8001),
        Some(0x8000)
    );
    // setp.eq.ftz.f16 0, subnormal: equal once flushed.
    assert_eq!(compare(Cmp::Eq, Ty::F16, true, 0, 1), Some(true));
    // cvt.rzi.s32.f64 NaN and cvt.rzi.s64.f32 NaN: 1 << (width - 1).
    let nan64 = f64::NAN.to_bits();
    assert_eq!(
        cvt(Ty::S32, Ty::F64, m(Rnd::Rzi, false), nan64).map(|v| v as u32),
        Some(0x8000_0000)
    );
    assert_eq!(
        cvt(Ty::S64, Ty::F32, m(Rnd::Rzi, false), 0x7fc0_0000),
        Some(0x8000_0000_0000_0000)
    );
    // ... and 0 from f32 to a 32-bit integer.
    assert_eq!(
        cvt(Ty::U32, Ty::F32, m(Rnd::Rzi, false), 0x7fc0_0000),
        Some(0)
    );
    // sqrt.rz.f64 of 2·2^-1074: sqrt(2)·2^-537 rounded toward zero
    // (sqrt(2) = 0x3ff6a09e667f3bcc.. truncated, exponent moved by -537).
    assert_eq!(
        fun(FUn::Sqrt, Ty::F64, m(Rnd::Rz, false), 2),
        Some(0x1e66_a09e_667f_3bcc)
    );
    // cvt.rn.bf16.f32 0x32228001: above the tie between 0x3222 and 0x3223
    // by one f32 ulp, so up. The half crate's from_f64 dropped that bit.
    assert_eq!(
        cvt(Ty::BF16, Ty::F32, m(Rnd::Rn, false), 0x3222_8001),
        Some(0x3223)
    );
    // cvt.rn.bf16.u64 2^62 + 2^54 + 1: just above the tie between 2^62 and
    // 2^62 + 2^55, so up (through f64 it became the tie, rounded to even).
    let v = (1u64 << 62) + (1 << 54) + 1;
    assert_eq!(cvt(Ty::BF16, Ty::U64, m(Rnd::Rn, false), v), Some(0x5e81));
    // cvt.rz.f16.s32 and cvt.rp.bf16.u32 exist (they were missing).
    assert_eq!(
        cvt(Ty::F16, Ty::S32, m(Rnd::Rz, false), 65535),
        Some(0x7bff)
    );
    assert_eq!(cvt(Ty::BF16, Ty::U32, m(Rnd::Rp, false), 257), Some(0x4381));
    // fma.rn.bf16 0x49a8 * 0x49a8 + 0x2a97: the product 0x53dc8 (in bf16
    // units) is a tie, and the tiny addend decides it: up.
    assert_eq!(
        ffma(Ty::BF16, m(Rnd::Rn, false), 0x49a8, 0x49a8, 0x2a97),
        Some(0x53dd)
    );
    // div.approx.f32 by 2^127: a signed zero; of infinity: NaN.
    let ap = approx(false);
    let big = 0x7f00_0000u64;
    assert_eq!(fbin(FBin::Div, Ty::F32, ap, 0x3f80_0000, big), Some(0));
    assert_eq!(
        fbin(FBin::Div, Ty::F32, ap, 0xbf80_0000, big),
        Some(0x8000_0000)
    );
    let inf_by_big = fbin(FBin::Div, Ty::F32, ap, 0x7f80_0000, big).unwrap();
    assert!(f32::from_bits(inf_by_big as u32).is_nan());
    // rcp.approx.ftz.f64 3: 1/3 with the lower 32 bits zero.
    assert_eq!(
        fun(FUn::Rcp, Ty::F64, approx(true), 3f64.to_bits()),
        Some(0x3fd5_5555_0000_0000)
    );
}

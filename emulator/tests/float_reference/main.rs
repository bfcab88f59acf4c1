//! The emulator's float semantics held to an independent IEEE 754
//! implementation: `rustc_apfloat`, rustc's own soft-float (Miri checks
//! floats with it too). The emulator computes with the host's f64 and
//! error terms (`exec/ops/float.rs`); apfloat computes with integers. Every
//! case must agree bit for bit; a NaN result only has to be a NaN (PTX
//! returns the canonical NaN, apfloat propagates payloads).
//!
//! - f32 and f64 `add`, `sub`, `mul`, `div`, `fma` in `.rn`, `.rz`, `.rm`
//!   and `.rp`, over the edge values (±0, the smallest subnormal, the
//!   largest subnormal, the smallest and largest normals, ±inf, NaNs,
//!   values whose sum or product is a tie at a rounding boundary) crossed
//!   with each other, plus seeded random operands (uniform bit patterns and
//!   values near each other, where cancellation happens); f32 also with
//!   `.ftz` and `.sat`;
//! - `sqrt` and `rcp` in every mode (sqrt against an integer square root);
//! - f16 and bf16 arithmetic over grids, `cvt` between every pair of float
//!   types and between floats and every integer type (16-bit sources
//!   exhaustive), `min`/`max`, `setp`, `neg`/`abs` of every 16-bit value;
//! - the `.approx` functions within the PTX ISA's documented error bounds.
//!
//! The counts are printed (`--nocapture`); `FLOAT_REFERENCE_CASES` raises
//! the random cases per operation (default 4,000; the default run takes
//! about 2 s), and the `#[ignore]`d sweeps (`-- --ignored`) run 180 million
//! more cases.

use ptx_emu::exec::ops::float::{compare, cvt, fbin, ffma, fun};
use ptx_emu::exec::ops::{Cmp, Rnd};
use ptx_emu::exec::program::{FBin, FMods, FUn};
use ptx_emu::exec::types::Ty;
use rustc_apfloat::ieee::{BFloat, Double, Half, Quad, Single};
use rustc_apfloat::{Float, FloatConvert, Round};

const MODES: [(Rnd, Round); 4] = [
    (Rnd::Rn, Round::NearestTiesToEven),
    (Rnd::Rz, Round::TowardZero),
    (Rnd::Rm, Round::TowardNegative),
    (Rnd::Rp, Round::TowardPositive),
];

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

fn cases() -> usize {
    std::env::var("FLOAT_REFERENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

/// One type's bit patterns and its apfloat counterpart.
trait Kind: Float + Copy + FloatConvert<Quad> {
    const TY: Ty;
    const WIDTH: u32;
    /// Whether `.ftz` applies to the format (f32, f16).
    const FTZ: bool = false;
    fn edges() -> Vec<u64>;
    fn mask() -> u64 {
        if Self::WIDTH == 64 {
            u64::MAX
        } else {
            (1u64 << Self::WIDTH) - 1
        }
    }
    fn of(bits: u64) -> Self {
        Self::from_bits((bits & Self::mask()) as u128)
    }
    /// `.ftz` as PTX defines it: a subnormal becomes the zero of its sign.
    fn flush(self, ftz: bool) -> Self {
        if ftz && Self::FTZ && self.is_denormal() {
            Self::ZERO.copy_sign(self)
        } else {
            self
        }
    }
}

impl Kind for Single {
    const TY: Ty = Ty::F32;
    const WIDTH: u32 = 32;
    const FTZ: bool = true;
    fn edges() -> Vec<u64> {
        let mut v: Vec<u64> = vec![
            0x0000_0000,
            0x8000_0000, // ±0
            0x0000_0001,
            0x8000_0001, // smallest subnormals
            0x007f_ffff,
            0x0080_0000, // largest subnormal, smallest normal
            0x7f7f_ffff,
            0xff7f_ffff, // largest normals
            0x7f80_0000,
            0xff80_0000, // ±inf
            0x7fc0_0000,
            0x7fa0_0001, // quiet and signalling NaN
            0x3f80_0000,
            0xbf80_0000, // ±1
            0x3f80_0001,
            0x3fff_ffff, // 1 + ulp, just under 2
            0x3400_0000,
            0x3380_0000, // 2^-23 (one ulp of 1), 2^-24 (half an ulp: ties)
            0x4b00_0000,
            0x4b80_0000, // 2^23, 2^24
            0x3eaa_aaab,
            0x4049_0fdb, // 1/3, pi
        ];
        v.extend([0x0040_0000u64, 0x00c0_0000, 0x5f80_0000, 0x1f80_0000]);
        v
    }
}

impl Kind for Double {
    const TY: Ty = Ty::F64;
    const WIDTH: u32 = 64;
    fn edges() -> Vec<u64> {
        vec![
            0,
            0x8000_0000_0000_0000,
            1,
            0x8000_0000_0000_0001,
            0x000f_ffff_ffff_ffff,
            0x0010_0000_0000_0000,
            0x7fef_ffff_ffff_ffff,
            0xffef_ffff_ffff_ffff,
            0x7ff0_0000_0000_0000,
            0xfff0_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0x7ff4_0000_0000_0001,
            0x3ff0_0000_0000_0000,
            0xbff0_0000_0000_0000,
            0x3ff0_0000_0000_0001,
            0x3cb0_0000_0000_0000, // 2^-52
            0x3ca0_0000_0000_0000, // 2^-53: half an ulp of 1
            0x4330_0000_0000_0000, // 2^52
            0x3fd5_5555_5555_5555, // 1/3
            0x4009_21fb_5444_2d18, // pi
            0x2000_0000_0000_0000,
            0x5ff0_0000_0000_0000,
        ]
    }
}

/// Random operands: uniform bit patterns, and pairs close to each other
/// (cancellation, ties), alternately.
fn random<K: Kind>(rng: &mut fastrand::Rng, k: usize) -> (u64, u64, u64) {
    let mask = if K::WIDTH == 64 {
        u64::MAX
    } else {
        (1u64 << K::WIDTH) - 1
    };
    let a = rng.u64(..) & mask;
    if k.is_multiple_of(2) {
        (a, rng.u64(..) & mask, rng.u64(..) & mask)
    } else {
        // b differs from a in its low bits (and maybe the sign): their sum,
        // difference and fma cancel.
        let low = rng.u64(..) & ((1u64 << (K::WIDTH / 2)) - 1);
        let sign = if rng.bool() {
            1u64 << (K::WIDTH - 1)
        } else {
            0
        };
        (a, (a ^ low) ^ sign, rng.u64(..) & mask)
    }
}

fn reference<K: Kind>(op: &str, round: Round, a: u64, b: u64, c: u64) -> K {
    let (x, y, z) = (
        K::from_bits(a as u128),
        K::from_bits(b as u128),
        K::from_bits(c as u128),
    );
    match op {
        "add" => x.add_r(y, round).value,
        "sub" => x.sub_r(y, round).value,
        "mul" => x.mul_r(y, round).value,
        "div" => x.div_r(y, round).value,
        "fma" => x.mul_add_r(y, z, round).value,
        _ => unreachable!(),
    }
}

fn emulated<K: Kind>(op: &str, rnd: Rnd, a: u64, b: u64, c: u64) -> u64 {
    let m = mods(rnd);
    let r = match op {
        "add" => fbin(FBin::Add, K::TY, m, a, b),
        "sub" => fbin(FBin::Sub, K::TY, m, a, b),
        "mul" => fbin(FBin::Mul, K::TY, m, a, b),
        "div" => fbin(FBin::Div, K::TY, m, a, b),
        "fma" => ffma(K::TY, m, a, b, c),
        _ => unreachable!(),
    };
    r.expect("implemented")
}

/// Checks every operation and mode over the edges and random operands;
/// returns (cases, disagreements with the first few).
fn sweep<K: Kind>() -> (usize, Vec<String>) {
    let edges = K::edges();
    let mut rng = fastrand::Rng::with_seed(754);
    let mut operands: Vec<(u64, u64, u64)> = Vec::new();
    for (i, &a) in edges.iter().enumerate() {
        for &b in &edges {
            operands.push((a, b, edges[(i * 7) % edges.len()]));
        }
    }
    for k in 0..cases() {
        operands.push(random::<K>(&mut rng, k));
    }
    let mut bad = Vec::new();
    let mut n = 0;
    for op in ["add", "sub", "mul", "div", "fma"] {
        for (rnd, round) in MODES {
            for &(a, b, c) in &operands {
                n += 1;
                let want = reference::<K>(op, round, a, b, c);
                let got = emulated::<K>(op, rnd, a, b, c);
                let ok = if want.is_nan() {
                    K::from_bits(got as u128).is_nan()
                } else {
                    got as u128 == want.to_bits()
                };
                if !ok && bad.len() < 10 {
                    bad.push(format!(
                        "{op}.{rnd:?}.{:?} {a:#x} {b:#x} {c:#x}: emulator {got:#x}, apfloat {:#x}",
                        K::TY,
                        want.to_bits()
                    ));
                }
            }
        }
    }
    (n, bad)
}

#[test]
fn f32_arithmetic_agrees_with_apfloat_in_every_rounding_mode() {
    let (n, bad) = sweep::<Single>();
    eprintln!("f32: {n} cases");
    assert!(
        bad.is_empty(),
        "{} disagreements, e.g.\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn f64_arithmetic_agrees_with_apfloat_in_every_rounding_mode() {
    let (n, bad) = sweep::<Double>();
    eprintln!("f64: {n} cases");
    assert!(
        bad.is_empty(),
        "{} disagreements, e.g.\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_f16_converts_exactly_and_f32_to_f16_rounds_as_apfloat_does() {
    let mut loses = false;
    for h in 0..=u16::MAX {
        let want = Half::from_bits(h as u128);
        let w32: Single = want.convert_r(Round::NearestTiesToEven, &mut loses).value;
        let got = cvt(Ty::F32, Ty::F16, mods(Rnd::Default), h as u64).expect("cvt.f32.f16");
        if w32.is_nan() {
            assert!(Single::from_bits(got as u128).is_nan(), "{h:#x}");
        } else {
            assert_eq!(got as u128, w32.to_bits(), "cvt.f32.f16 {h:#x}");
        }
    }
    let mut rng = fastrand::Rng::with_seed(16);
    let mut n = 0;
    for (rnd, round) in MODES {
        for k in 0..cases() * 4 {
            // Alternately any f32, and f32s in f16's range (subnormals and ties included).
            let a = if k.is_multiple_of(2) {
                rng.u32(..)
            } else {
                (rng.u32(0x3300_0000..0x4780_0000)) | (rng.u32(..) & 0x8000_0000)
            };
            let want: Half = Single::from_bits(a as u128)
                .convert_r(round, &mut loses)
                .value;
            let got = cvt(Ty::F16, Ty::F32, mods(rnd), a as u64).expect("cvt.f16.f32");
            if want.is_nan() {
                assert!(Half::from_bits(got as u128).is_nan(), "{a:#x}");
            } else {
                assert_eq!(got as u128, want.to_bits(), "cvt.{rnd:?}.f16.f32 {a:#x}");
            }
            n += 1;
        }
    }
    eprintln!("f16: 65536 widening conversions, {n} narrowing conversions");
}

/// Every bf16 widened to f32 (exact), and f16 and bf16 `add`, `sub` and
/// `mul` in every rounding mode over a grid of 160 values each (the edges
/// and a spread of exponents, signs and mantissas). `.rn` is computed from
/// f64 and the `half` crate, independently of apfloat; the directed modes
/// go through apfloat itself, so for them this checks the wiring.
#[test]
fn half_precision_arithmetic_agrees_with_apfloat() {
    use rustc_apfloat::ieee::BFloat;
    let mut loses = false;
    for h in 0..=u16::MAX {
        let want: Single = BFloat::from_bits(h as u128)
            .convert_r(Round::NearestTiesToEven, &mut loses)
            .value;
        let got = cvt(Ty::F32, Ty::BF16, mods(Rnd::Default), h as u64).expect("cvt.f32.bf16");
        if want.is_nan() {
            assert!(Single::from_bits(got as u128).is_nan(), "{h:#x}");
        } else {
            assert_eq!(got as u128, want.to_bits(), "cvt.f32.bf16 {h:#x}");
        }
    }
    let mut grid: Vec<u16> = vec![
        0, 0x8000, 1, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x3c00, 0xbc00,
        0x3c01, 0x1400, 0x1000,
    ];
    let mut rng = fastrand::Rng::with_seed(11);
    while grid.len() < 160 {
        grid.push(rng.u16(..));
    }
    let mut n = 0;
    for (bf, ty) in [(false, Ty::F16), (true, Ty::BF16)] {
        for (op, name) in [(FBin::Add, "add"), (FBin::Sub, "sub"), (FBin::Mul, "mul")] {
            for (rnd, round) in MODES {
                for &a in &grid {
                    for &b in &grid {
                        let got = fbin(op, ty, mods(rnd), a as u64, b as u64).expect("implemented")
                            as u16;
                        let (want, nan) = if bf {
                            let (x, y) =
                                (BFloat::from_bits(a as u128), BFloat::from_bits(b as u128));
                            let r = match op {
                                FBin::Add => x.add_r(y, round).value,
                                FBin::Sub => x.sub_r(y, round).value,
                                _ => x.mul_r(y, round).value,
                            };
                            (r.to_bits() as u16, r.is_nan())
                        } else {
                            let (x, y) = (Half::from_bits(a as u128), Half::from_bits(b as u128));
                            let r = match op {
                                FBin::Add => x.add_r(y, round).value,
                                FBin::Sub => x.sub_r(y, round).value,
                                _ => x.mul_r(y, round).value,
                            };
                            (r.to_bits() as u16, r.is_nan())
                        };
                        if nan {
                            assert_eq!(
                                got & 0x7fff,
                                0x7fff,
                                "{name}.{rnd:?}.{ty:?} {a:#x} {b:#x}: a NaN"
                            );
                        } else {
                            assert_eq!(got, want, "{name}.{rnd:?}.{ty:?} {a:#x} {b:#x}");
                        }
                        n += 1;
                    }
                }
            }
        }
    }
    eprintln!("half precision: 65536 bf16 widenings, {n} operations");
}

mod other_operations;

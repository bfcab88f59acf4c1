//! Instruction forms added for cuda-oxide's kernels (cvt pairs and tf32,
//! packed half fma, xorsign, ldmatrix), debug lines in fault reports, and
//! HMM.

use super::*;

/// A one-thread kernel that runs each step in turn (each leaves a value in
/// `%r1`) and stores step k's value at out[k]. Registers: `%h<10>` (b16),
/// `%r<10>` (b32), `%f<10>` (f32), `%p<4>`.
fn steps_kernel(steps: &[&str]) -> String {
    let mut code = String::new();
    for (k, s) in steps.iter().enumerate() {
        code += &format!("  {s}\n  st.global.u32 [%rd1+{}], %r1;\n", 4 * k);
    }
    format!(
        ".visible .entry k(.param .u64 out) {{
  .reg .b16 %h<10>; .reg .b32 %r<10>; .reg .b64 %rd<5>; .reg .pred %p<4>; .reg .f32 %f<10>;
  ld.param.u64 %rd1, [out];
{code}  ret;
}}"
    )
}

fn run_steps(steps: &[&str]) -> Vec<u32> {
    run_u32(&steps_kernel(steps), "k", cfg(1, 1), steps.len()).unwrap()
}

/// The launch of a one-thread kernel running `step` fails as unsupported,
/// naming `what` (the module itself loads).
fn assert_unsupported(step: &str, what: &str) {
    let e = run_u32(&steps_kernel(&[step]), "k", cfg(1, 1), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::Unsupported, "{step}: {}", e.message);
    assert!(e.message.contains(what), "{step}: {}", e.message);
}

#[test]
fn cvt_packs_two_f32_into_f16x2_and_bf16x2() {
    // PTX ISA, cvt: "d[31:16] = convert(a); d[15:0] = convert(b)".
    let v = run_steps(&[
        // 1.0 → f16 0x3C00 (upper), -2.0 → 0xC000 (lower).
        "cvt.rn.f16x2.f32 %r1, 0f3F800000, 0fC0000000;",
        // 1 + 2^-11 + 2^-12 (0x3F801800): f16 keeps 10 fraction bits (ulp
        // 2^-10 at 1), the rest is 3/4 ulp: .rn rounds up to 0x3C01, .rz
        // down to 0x3C00; the negative twin gives 0xBC01 / 0xBC00.
        "cvt.rn.f16x2.f32 %r1, 0f3F801800, 0fBF801800;",
        "cvt.rz.f16x2.f32 %r1, 0f3F801800, 0fBF801800;",
        // .relu: -3.0 → 0; 2.5 = 1.25 * 2^1 → exponent 16, fraction 0x100 → 0x4100.
        "cvt.rn.relu.f16x2.f32 %r1, 0fC0400000, 0f40200000;",
        // .relu: a NaN becomes the canonical NaN 0x7FFF.
        "cvt.rn.relu.f16x2.f32 %r1, 0f7FC00000, 0f40200000;",
        // 1e6 (0x49742400) and -inf are past the largest f16, 65504 = 0x7BFF:
        // without .satfinite they are ±inf (0x7C00, 0xFC00) ...
        "cvt.rn.f16x2.f32 %r1, 0f49742400, 0fFF800000;",
        // ... with it, ±65504 (0x7BFF, 0xFBFF).
        "cvt.rn.satfinite.f16x2.f32 %r1, 0f49742400, 0fFF800000;",
        // bf16: 1.0 → 0x3F80, -2.0 → 0xC000.
        "cvt.rn.bf16x2.f32 %r1, 0f3F800000, 0fC0000000;",
        // 1 + 2^-8 + 2^-9 (0x3F80C000): bf16 keeps 7 fraction bits, the rest
        // is 3/4 ulp: .rn → 0x3F81, .rz → 0x3F80.
        "cvt.rn.bf16x2.f32 %r1, 0f3F80C000, 0f3F80C000;",
        "cvt.rz.bf16x2.f32 %r1, 0f3F80C000, 0f3F80C000;",
        // The largest f32 (0x7F7FFFFF) is above bf16's largest, 0x7F7F, by
        // more than half its ulp: .rn gives inf 0x7F80 (and -inf 0xFF80) ...
        "cvt.rn.bf16x2.f32 %r1, 0f7F7FFFFF, 0fFF800000;",
        // ... .satfinite gives ±0x7F7F.
        "cvt.rn.satfinite.bf16x2.f32 %r1, 0f7F7FFFFF, 0fFF800000;",
        // .relu on bf16: -1.0 → 0, 1.0 → 0x3F80.
        "cvt.rn.relu.bf16x2.f32 %r1, 0fBF800000, 0f3F800000;",
        // The single forms take .relu/.satfinite too: -1.0 → 0 in the low
        // half (cvt.u32.u16 zero-extends); 1e6 → 0x7BFF.
        "cvt.rn.relu.f16.f32 %h1, 0fBF800000; cvt.u32.u16 %r1, %h1;",
        "cvt.rn.satfinite.f16.f32 %h1, 0f49742400; cvt.u32.u16 %r1, %h1;",
    ]);
    assert_eq!(
        v,
        vec![
            0x3C00_C000,
            0x3C01_BC01,
            0x3C00_BC00,
            0x0000_4100,
            0x7FFF_4100,
            0x7C00_FC00,
            0x7BFF_FBFF,
            0x3F80_C000,
            0x3F81_3F81,
            0x3F80_3F80,
            0x7F80_FF80,
            0x7F7F_FF7F,
            0x0000_3F80,
            0,
            0x7BFF,
        ]
    );
    // The stochastic-rounding form is not implemented (and says so).
    assert_unsupported(
        "cvt.rs.f16x2.f32 %r1, 0f3F800000, 0f3F800000, %r2;",
        "cvt.rs.f16x2.f32",
    );
}

#[test]
fn cvt_to_tf32_rounds_to_ten_fraction_bits() {
    // tf32 is an f32 pattern with the low 13 fraction bits zero.
    let v = run_steps(&[
        // 1 + 2^-11 (0x3F801000): the dropped bits are exactly half an ulp
        // (0x1000 of 0x2000). .rna: ties away → 0x3F802000; .rn: ties to
        // even (bit 13 is 0) → 0x3F800000; .rz → 0x3F800000.
        "cvt.rna.tf32.f32 %r1, 0f3F801000;",
        "cvt.rn.tf32.f32 %r1, 0f3F801000;",
        "cvt.rz.tf32.f32 %r1, 0f3F801000;",
        // 0x3F803000: a tie with bit 13 set: .rn rounds up to even, 0x3F804000.
        "cvt.rn.tf32.f32 %r1, 0f3F803000;",
        // Just above the tie (0x3F801001): .rn → 0x3F802000; .rz → 0x3F800000.
        "cvt.rn.tf32.f32 %r1, 0f3F801001;",
        "cvt.rz.tf32.f32 %r1, 0f3F801001;",
        // Negative ties go away from zero in magnitude: 0xBF801000 → 0xBF802000.
        "cvt.rna.tf32.f32 %r1, 0fBF801000;",
        // The largest f32 rounds up past the largest tf32 to inf (0x7F800000) ...
        "cvt.rna.tf32.f32 %r1, 0f7F7FFFFF;",
        // ... and .satfinite keeps it at the largest tf32, 0x7F7FE000 (-inf:
        // 0xFF7FE000).
        "cvt.rna.satfinite.tf32.f32 %r1, 0f7F7FFFFF;",
        "cvt.rn.satfinite.tf32.f32 %r1, 0fFF800000;",
        // .relu: -1.5 → 0, 1.5 (0x3FC00000, already tf32) stays, NaN → the
        // canonical NaN 0x7FFFFFFF.
        "cvt.rn.relu.tf32.f32 %r1, 0fBFC00000;",
        "cvt.rz.relu.tf32.f32 %r1, 0f3FC00000;",
        "cvt.rn.relu.tf32.f32 %r1, 0f7FC00001;",
    ]);
    assert_eq!(
        v,
        vec![
            0x3F80_2000,
            0x3F80_0000,
            0x3F80_0000,
            0x3F80_4000,
            0x3F80_2000,
            0x3F80_0000,
            0xBF80_2000,
            0x7F80_0000,
            0x7F7F_E000,
            0xFF7F_E000,
            0,
            0x3FC0_0000,
            0x7FFF_FFFF,
        ]
    );
    // cvt.rna has no .relu form in the PTX ISA.
    assert_unsupported(
        "cvt.rna.relu.tf32.f32 %r1, 0f3F800000;",
        "cvt.rna.relu.tf32.f32",
    );
}

#[test]
fn packed_half_fma_in_every_form() {
    // f16 lanes (upper, lower): a = (2.0 0x4000, 1.5 0x3E00), b = (3.0
    // 0x4200, -2.0 0xC000), c = (0.5 0x3800, 1.0 0x3C00). Upper: 2*3 + 0.5 =
    // 6.5 = 1.625 * 2^2 → exponent 17, fraction 0.625*1024 = 0x280 →
    // 0x4680. Lower: 1.5 * -2 + 1 = -2.0 → 0xC000.
    let set = "mov.b32 %r2, 0x40003E00; mov.b32 %r3, 0x4200C000; mov.b32 %r4, 0x38003C00;";
    // Tiny lanes: a = (2^-14 0x0400, 2.0 0x4000), b = (0.5 0x3800, 2.0
    // 0x4000), c = 0: upper 2^-15 (subnormal 0x0200), lower 4.0 (0x4400).
    let tiny = "mov.b32 %r2, 0x04004000; mov.b32 %r3, 0x38004000; mov.b32 %r4, 0;";
    // bf16 lanes: a = (2.0 0x4000, 1.5 0x3FC0), b = (3.0 0x4040, -2.0
    // 0xC000), c = (0.5 0x3F00, 1.0 0x3F80): upper 6.5 → exponent 129,
    // fraction 0.625*128 = 0x50 → 0x40D0; lower -2.0 → 0xC000.
    let bf = "mov.b32 %r2, 0x40003FC0; mov.b32 %r3, 0x4040C000; mov.b32 %r4, 0x3F003F80;";
    let steps: Vec<String> = [
        (set, "fma.rn.f16x2"),
        // .relu: the negative lane becomes 0.
        (set, "fma.rn.relu.f16x2"),
        // .sat: 6.5 → 1.0 (0x3C00), -2.0 → 0.
        (set, "fma.rn.sat.f16x2"),
        (tiny, "fma.rn.f16x2"),
        // .ftz flushes the subnormal 2^-15 to +0.
        (tiny, "fma.rn.ftz.f16x2"),
        // .ftz.sat: 0 and 4.0 → 1.0.
        (tiny, "fma.rn.ftz.sat.f16x2"),
        // .ftz.relu: 0 and 4.0 (positive, kept).
        (tiny, "fma.rn.ftz.relu.f16x2"),
        (bf, "fma.rn.bf16x2"),
        (bf, "fma.rn.relu.bf16x2"),
    ]
    .iter()
    .map(|(s, op)| format!("{s} {op} %r1, %r2, %r3, %r4;"))
    .collect();
    let steps: Vec<&str> = steps.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        run_steps(&steps),
        vec![
            0x4680_C000,
            0x4680_0000,
            0x3C00_0000,
            0x0200_4400,
            0x0000_4400,
            0x0000_3C00,
            0x0000_4400,
            0x40D0_C000,
            0x40D0_0000,
        ]
    );
    // The scalar relu form: 1.5 * -2 + 1 = -2 → 0.
    let v = run_steps(&[
        "mov.b16 %h2, 0x3E00; mov.b16 %h3, 0xC000; mov.b16 %h4, 0x3C00; fma.rn.relu.f16 %h1, %h2, %h3, %h4; cvt.u32.u16 %r1, %h1;",
    ]);
    assert_eq!(v, vec![0]);
    // neg.ftz.f16x2 flushes a subnormal input (0x0001, 2^-24) to a
    // sign-preserving zero before negating: 0x8000; a normal lane (1.0,
    // 0x3C00) just flips its sign: 0xBC00. Without .ftz: 0x8001.
    let v = run_steps(&[
        "mov.b32 %r2, 0x00013C00; neg.ftz.f16x2 %r1, %r2;",
        "mov.b32 %r2, 0x00013C00; neg.f16x2 %r1, %r2;",
    ]);
    assert_eq!(v, vec![0x8000_BC00, 0x8001_BC00]);
    // bf16 has no .ftz/.sat forms; .oob is not implemented: all say so.
    assert_unsupported("fma.rn.ftz.bf16x2 %r1, %r2, %r3, %r4;", "fma.rn.ftz.bf16x2");
    assert_unsupported("fma.rn.oob.f16x2 %r1, %r2, %r3, %r4;", "the modifier .oob");
}

#[test]
fn min_max_xorsign_abs() {
    // PTX ISA, min/max: xorsign = sign(a) ^ sign(b) (before .abs); d is the
    // min/max of |a| and |b| (NaN rules as without the modifier); the sign
    // bit of d is set to xorsign unless d is NaN.
    let v = run_steps(&[
        // f16 min(|1.0|, |-2.0|) = 1.0, sign 0^1 → -1.0 = 0xBC00.
        "mov.b16 %h2, 0x3C00; mov.b16 %h3, 0xC000; min.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // max → 2.0 with sign 1 → -2.0 = 0xC000.
        "mov.b16 %h2, 0x3C00; mov.b16 %h3, 0xC000; max.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // f16x2: a = (-3.0 0xC200, 0.5 0x3800), b = (-1.0 0xBC00, -4.0 0xC400).
        // min: upper min(3, 1) = 1, sign 1^1 = 0 → 0x3C00; lower min(0.5, 4)
        // = 0.5, sign 0^1 = 1 → -0.5 = 0xB800.
        "mov.b32 %r2, 0xC2003800; mov.b32 %r3, 0xBC00C400; min.xorsign.abs.f16x2 %r1, %r2, %r3;",
        // max: upper 3.0 sign 0 → 0x4200; lower 4.0 sign 1 → -4.0 = 0xC400.
        "mov.b32 %r2, 0xC2003800; mov.b32 %r3, 0xBC00C400; max.xorsign.abs.f16x2 %r1, %r2, %r3;",
        // A NaN operand (0x7E00) is dropped: |b| = 2.0, sign 0^1 → -2.0 = 0xC000.
        "mov.b16 %h2, 0x7E00; mov.b16 %h3, 0xC000; min.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // With .NaN the result is NaN, and then no sign is set: 0x7FFF.
        "mov.b16 %h2, 0x7E00; mov.b16 %h3, 0xC000; min.NaN.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // bf16 max(|-1.5| (0xBFC0), |2.0| (0x4000)) = 2.0, sign 1 → 0xC000.
        "mov.b16 %h2, 0xBFC0; mov.b16 %h3, 0x4000; max.xorsign.abs.bf16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // bf16x2: a = (-1.0 0xBF80, 3.0 0x4040), b = (-2.0 0xC000, 0.5 0x3F00):
        // upper min(1, 2) = 1, sign 0 → 0x3F80; lower 0.5, sign 0 → 0x3F00.
        "mov.b32 %r2, 0xBF804040; mov.b32 %r3, 0xC0003F00; min.xorsign.abs.bf16x2 %r1, %r2, %r3;",
        // f32: min(|1.0|, |-2.0|) = 1, sign 1 → -1.0 = 0xBF800000.
        "min.xorsign.abs.f32 %f1, 0f3F800000, 0fC0000000; mov.b32 %r1, %f1;",
        // max(|-3.0|, |-0.5|) = 3.0, sign 1^1 = 0 → 0x40400000.
        "max.xorsign.abs.f32 %f1, 0fC0400000, 0fBF000000; mov.b32 %r1, %f1;",
    ]);
    assert_eq!(
        v,
        vec![
            0xBC00,
            0xC000,
            0x3C00_B800,
            0x4200_C400,
            0xC000,
            0x7FFF,
            0xC000,
            0x3F80_3F00,
            0xBF80_0000,
            0x4040_0000,
        ]
    );
    // .xorsign without .abs and f64 (which has no such form) are not ignored.
    assert_unsupported("min.xorsign.f32 %f1, %f2, %f3;", "min.xorsign.f32");
    assert_unsupported(
        "min.xorsign.abs.f64 %rd2, %rd3, %rd4;",
        "min.xorsign.abs.f64",
    );
}

#[test]
fn float_modifiers_the_emulator_lacks_fail_the_launch() {
    // Modifiers outside each instruction's PTX ISA syntax, or not
    // implemented, make the instruction unsupported instead of being ignored.
    assert_unsupported("add.rn.relu.f32 %f1, %f2, %f3;", "the modifier .relu");
    assert_unsupported("add.ftz.bf16 %h1, %h2, %h3;", "add.ftz.bf16");
    assert_unsupported("cvt.pack.sat.u16.s32 %r1, %r2, %r3;", "the modifier .pack");
    assert_unsupported("mul.rni.f32 %f1, %f2, %f3;", "the modifier .rni");
    assert_unsupported("min.ftz.NaN.f32 %f1, %f2, %f3, %f4;", "three-input");
    assert_unsupported(
        "cvt.rn.satfinite.f32.f64 %f1, %rd2;",
        "cvt.rn.satfinite.f32.f64",
    );
}

/// A one-warp kernel: shared memory holds 32 rows of 8 b16 elements, row R
/// at byte 16·R holding the values 8R..8R+7; lane l gives the address of
/// row π(l) = 5·l mod 32 (lanes past 8·num give an address past the end of
/// shared memory, which ldmatrix must not read), runs `ldmatrix` with `num`
/// matrices, and stores register j at out[4·l + j].
fn ldmatrix_kernel(num: u32, trans: bool, generic: bool) -> String {
    let regs: Vec<String> = (0..num).map(|j| format!("%r{}", 10 + j)).collect();
    let stores: String = (0..num)
        .map(|j| format!("  st.global.u32 [%rd3+{}], %r{};\n", 4 * j, 10 + j))
        .collect();
    let (space, addr) = if generic {
        (
            "",
            "  cvt.u64.u32 %rd4, %r9;\n  cvta.shared.u64 %rd4, %rd4;\n",
        )
    } else {
        (".shared", "  cvt.u64.u32 %rd4, %r9;\n")
    };
    format!(
        ".shared .align 16 .b8 smem[512];
.visible .entry k(.param .u64 out) {{
  .reg .b32 %r<20>; .reg .b64 %rd<5>; .reg .pred %p<4>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  shl.b32 %r1, %r0, 3;
  shl.b32 %r2, %r0, 4;
  mov.u32 %r3, smem;
  add.u32 %r4, %r3, %r2;
  mad.lo.u32 %r5, %r1, 0x10001, 0x10000;
  add.u32 %r6, %r5, 0x20002;
  add.u32 %r7, %r6, 0x20002;
  add.u32 %r8, %r7, 0x20002;
  st.shared.v4.b32 [%r4], {{%r5, %r6, %r7, %r8}};
  bar.sync 0;
  mul.lo.u32 %r9, %r0, 5;
  and.b32 %r9, %r9, 31;
  shl.b32 %r9, %r9, 4;
  add.u32 %r9, %r9, %r3;
  setp.ge.u32 %p1, %r0, {lanes};
  @%p1 mov.u32 %r9, 0xfff0;
{addr}  ldmatrix.sync.aligned.m8n8.x{num}{trans}{space}.b16 {{{regs}}}, [%rd4];
  mul.wide.u32 %rd2, %r0, 16;
  add.s64 %rd3, %rd1, %rd2;
{stores}  ret;
}}",
        lanes = 8 * num,
        trans = if trans { ".trans" } else { "" },
        regs = regs.join(", "),
    )
}

#[test]
fn ldmatrix_loads_fragments_of_8x8_matrices() {
    // PTX ISA, ldmatrix: lanes 8j..8j+7 give the addresses of rows 0..7 of
    // matrix j; lane k receives, in register j, the elements (row k/4,
    // columns 2(k%4) and 2(k%4)+1) of matrix j, the first in the low half.
    // Here row r of matrix j is memory row π(8j + r), whose element c is
    // 8·π(8j + r) + c. With .trans the matrix is read column-major: the
    // addresses are those of its columns, so element (r, c) is element r of
    // memory row π(8j + c).
    let pi = |l: u32| (5 * l) % 32;
    let want = |num: u32, trans: bool| -> Vec<u32> {
        let mut v = vec![0u32; 128];
        for k in 0..32u32 {
            for j in 0..num {
                let (r, c) = (k / 4, 2 * (k % 4));
                let (lo, hi) = if trans {
                    (8 * pi(8 * j + c) + r, 8 * pi(8 * j + c + 1) + r)
                } else {
                    (8 * pi(8 * j + r) + c, 8 * pi(8 * j + r) + c + 1)
                };
                v[(4 * k + j) as usize] = lo | hi << 16;
            }
        }
        v
    };
    // Spot checks by hand. .x4, lane 5, register 2: j = 2, r = 1, c = 2:
    // memory row π(17) = 85 mod 32 = 21 → elements 170 and 171 → 0x00AB00AA.
    // With .trans: rows π(18) = 26 and π(19) = 31, element r = 1 of each:
    // 209 and 249 → 0x00F900D1. .x1, lane 0: row π(0) = 0, elements 0, 1 →
    // 0x00010000; lane 31 (r = 7, c = 6): row π(7) = 3 → 30, 31 → 0x001F001E.
    assert_eq!(want(4, false)[4 * 5 + 2], 0x00AB_00AA);
    assert_eq!(want(4, true)[4 * 5 + 2], 0x00F9_00D1);
    assert_eq!(want(1, false)[0], 0x0001_0000);
    assert_eq!(want(1, false)[4 * 31], 0x001F_001E);
    for (num, trans, generic) in [
        (1, false, false),
        (1, true, false),
        (2, false, true),
        (2, true, true),
        (4, false, false),
        (4, true, false),
    ] {
        let got = run_u32(&ldmatrix_kernel(num, trans, generic), "k", cfg(1, 32), 128).unwrap();
        assert_eq!(
            got,
            want(num, trans),
            ".x{num} trans={trans} generic={generic}"
        );
    }
    // A row address that is not 16-byte aligned faults (the ISA: "the
    // matrix addresses must be naturally aligned").
    let misaligned = ldmatrix_kernel(1, false, false).replace(
        "  setp.ge.u32 %p1",
        "  add.u32 %r9, %r9, 2;\n  setp.ge.u32 %p1",
    );
    let e = run_u32(&misaligned, "k", cfg(1, 32), 128).unwrap_err();
    assert_eq!(e.kind, FaultKind::Misaligned, "{}", e.message);
}

/// With debug lines in the PTX (`.file`, `.loc`: a build with debug info),
/// a fault names the source line of the faulting instruction beside its
/// PTX line: the store on PTX line 10 follows `.loc 1 7 5`.
#[test]
fn a_fault_names_the_source_line_when_the_ptx_has_debug_lines() {
    let body = ".file 1 \"src/kernels.rs\"
.visible .entry k(.param .u64 out) {
  .reg .b64 %rd<3>; .reg .b32 %r<2>;
  .loc 1 6 9
  mov.u64 %rd1, 16;
  .loc 1 7 5
  st.global.u32 [%rd1], 1;
  ret;
}";
    let e = run_u32(body, "k", cfg(1, 1), 1).unwrap_err();
    assert!(
        e.message
            .contains("in kernel `k` at PTX line 10 (src/kernels.rs:7), block [0, 0, 0]"),
        "{}",
        e.message
    );
}

/// HMM, on request: with `Machine::hmm`, a kernel reads and writes the
/// host program's own memory through a plain pointer (a Rust array on this
/// test's stack): out = in[0] + in[1] = 40 + 2, and in[1] becomes 7.
/// Without it the same pointer is an illegal address, as on a GPU without
/// HMM; and an unmapped host address is one even with HMM.
#[test]
fn hmm_lets_a_kernel_reach_host_memory_when_asked() {
    let body = ".visible .entry k(.param .u64 src, .param .u64 dst) {
  .reg .b32 %r<4>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [src];
  ld.param.u64 %rd2, [dst];
  ld.global.u32 %r1, [%rd1];
  ld.global.u32 %r2, [%rd1+4];
  add.u32 %r3, %r1, %r2;
  st.global.u32 [%rd1+4], 7;
  st.global.u32 [%rd2], %r3;
  ret;
}";
    for hmm in [false, true] {
        let mut src = [40u32, 2];
        let mut dst = [0u32];
        let mut m = machine();
        m.hmm = hmm;
        let module = m.load_module(&format!("{HEADER}{body}")).unwrap();
        let mut params = (src.as_mut_ptr() as u64).to_le_bytes().to_vec();
        params.extend_from_slice(&(dst.as_mut_ptr() as u64).to_le_bytes());
        let r = m.launch(module, "k", &cfg(1, 1), &params);
        if hmm {
            r.unwrap();
            assert_eq!(std::hint::black_box(dst), [42]);
            assert_eq!(std::hint::black_box(src), [40, 7]);
            let mut wild = 16u64.to_le_bytes().to_vec();
            wild.extend_from_slice(&16u64.to_le_bytes());
            let e = m.launch(module, "k", &cfg(1, 1), &wild).unwrap_err();
            assert_eq!(e.kind, FaultKind::IllegalAddress);
        } else {
            assert_eq!(r.unwrap_err().kind, FaultKind::IllegalAddress);
        }
    }
}

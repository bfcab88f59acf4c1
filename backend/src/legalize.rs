//! IR the NVPTX back end can't select, rewritten before llc.
//!
//! Rust's float-to-int `as` casts are saturating: rustc emits
//! `llvm.fptoui.sat.*` / `llvm.fptosi.sat.*`. For `i128` results llc
//! legalizes them into a plain 128-bit conversion inside instruction
//! selection, after the IR-level ExpandFp pass (`-expand-fp-convert-bits`)
//! has already run, so it ends as a libcall (`__fixunsdfti`) that NVPTX
//! can't emit ("unsupported library call operation"). Rewriting each such
//! call into a call of a small function that clamps by hand (NaN → 0,
//! below the range → MIN, above → MAX) around a plain `fptoui`/`fptosi`
//! leaves only conversions that ExpandFp expands in IR. LLVM has no pass
//! that does this, so it is done here on opt's textual output.

/// The saturating conversions to 128 bits: (intrinsic, signed, float type).
const WIDE_SAT: &[(&str, bool, &str)] = &[
    ("fptoui.sat.i128.f32", false, "float"),
    ("fptoui.sat.i128.f64", false, "double"),
    ("fptosi.sat.i128.f32", true, "float"),
    ("fptosi.sat.i128.f64", true, "double"),
];

/// `ir` with every 128-bit saturating float-to-int intrinsic replaced by a
/// call of an internal function that computes the same value; `None` when
/// `ir` calls none of them.
pub fn expand_wide_fp_to_int_sat(ir: &str) -> Option<String> {
    let used: Vec<_> = WIDE_SAT
        .iter()
        .filter(|(name, ..)| ir.contains(&format!("@llvm.{name}(")))
        .collect();
    if used.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(ir.len() + 1024);
    for line in ir.lines() {
        // The intrinsic's declaration goes; the helper defines the new name.
        if line.starts_with("declare")
            && used
                .iter()
                .any(|(n, ..)| line.contains(&format!("@llvm.{n}(")))
        {
            continue;
        }
        let mut line = line.to_string();
        for (name, ..) in &used {
            line = line.replace(
                &format!("@llvm.{name}("),
                &format!("@{}(", helper_name(name)),
            );
        }
        out.push_str(&line);
        out.push('\n');
    }
    for (name, signed, ty) in used {
        out.push_str(&helper(name, *signed, ty));
    }
    Some(out)
}

fn helper_name(intrinsic: &str) -> String {
    format!("__ptx_{}", intrinsic.replace('.', "_"))
}

/// `define internal i128 @__ptx_…(<ty> %x)`: the saturating conversion.
fn helper(intrinsic: &str, signed: bool, ty: &str) -> String {
    let name = helper_name(intrinsic);
    // Double-precision hex constants (LLVM writes float constants as
    // doubles): 2^128, 2^127 and -2^127 are exact in both types; a float
    // never reaches 2^128 (f32::MAX < 2^128), so only +inf saturates it.
    let (conv, min, max, low_cmp, high) = if signed {
        (
            "fptosi",
            "-170141183460469231731687303715884105728",
            "170141183460469231731687303715884105727",
            "olt",
            "0x47E0000000000000",
        )
    } else if ty == "float" {
        ("fptoui", "0", "-1", "ole", "0x7FF0000000000000")
    } else {
        ("fptoui", "0", "-1", "ole", "0x47F0000000000000")
    };
    let low = if signed { "0xC7E0000000000000" } else { "0.0" };
    // For unsigned, `x <= 0` (with -0 and negatives) gives 0, which the plain
    // conversion also gives for (-1, 0]; for signed, below -2^127 is MIN.
    format!(
        "\ndefine internal i128 @{name}({ty} %x) alwaysinline {{\n\
         \x20 %nan = fcmp uno {ty} %x, %x\n\
         \x20 %low = fcmp {low_cmp} {ty} %x, {low}\n\
         \x20 %high = fcmp oge {ty} %x, {high}\n\
         \x20 %plain = {conv} {ty} %x to i128\n\
         \x20 %a = select i1 %high, i128 {max}, i128 %plain\n\
         \x20 %b = select i1 %low, i128 {min}, i128 %a\n\
         \x20 %r = select i1 %nan, i128 0, i128 %b\n\
         \x20 ret i128 %r\n\
         }}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const IR: &str = "define void @k(double %d, ptr %p) {\n  %w = call i128 @llvm.fptoui.sat.i128.f64(double %d)\n  store i128 %w, ptr %p\n  ret void\n}\n\ndeclare i128 @llvm.fptoui.sat.i128.f64(double)\n";

    #[test]
    fn untouched_without_wide_saturating_casts() {
        assert_eq!(
            expand_wide_fp_to_int_sat("define void @k() {\n  ret void\n}\n"),
            None
        );
        let narrow = "  %w = call i64 @llvm.fptoui.sat.i64.f64(double %d)\n";
        assert_eq!(expand_wide_fp_to_int_sat(narrow), None);
    }

    #[test]
    fn calls_renamed_declaration_replaced_by_a_definition() {
        let out = expand_wide_fp_to_int_sat(IR).unwrap();
        assert!(!out.contains("@llvm.fptoui.sat.i128.f64"), "{out}");
        assert!(
            out.contains("call i128 @__ptx_fptoui_sat_i128_f64(double %d)"),
            "{out}"
        );
        assert!(out.contains("define internal i128 @__ptx_fptoui_sat_i128_f64(double %x)"));
        assert!(out.contains("fptoui double %x to i128"));
    }
}

//! Normalization applied to every stage dump before it is compared: things
//! that change between two identical runs or two machines (mangling hashes,
//! paths, tool versions, the PTX header's target lines) become placeholders,
//! then the test's own `normalize-<stage>` rules apply on top.

use std::path::Path;

use ptx_backend::SmTarget;
use regex::Regex;
use std::sync::OnceLock;

use crate::plan::directives::NormalizeRule;

/// What the built-in rules need to know about the trial.
#[derive(Debug, Clone)]
pub struct NormalizeContext<'a> {
    /// The folder holding the test file; becomes `$DIR`.
    pub test_dir: &'a Path,
    /// The repository root; becomes `$ROOT`.
    pub root: &'a Path,
    /// Paths of toolchains and sysroots; each becomes `$SYSROOT`.
    pub sysroots: &'a [&'a Path],
    /// The compile cache's folder: a compile's own output folder in it
    /// (`<key>` or its staging name `<key>.tmp-<pid>-<n>`) becomes `$OUT`.
    /// A backend that records where it wrote (cuda-oxide's `; ModuleID =
    /// '…/k.ll'`) would otherwise differ on every uncached compile.
    pub cache_dir: Option<&'a Path>,
    /// The trial's target: `.target` and `.version` lines that match it become placeholders.
    pub sm: SmTarget,
}

struct Builtins {
    v0_crate_hash: Regex,
    legacy_hash: Regex,
    rustc_version: Regex,
    ptx_target: Regex,
    ptx_version: Regex,
    home: Regex,
}

fn builtins() -> &'static Builtins {
    static B: OnceLock<Builtins> = OnceLock::new();
    B.get_or_init(|| Builtins {
        // v0 mangling's crate disambiguator, e.g. `Cs3qCAgFoAmQb_4core`: it hashes
        // the crate's metadata, which includes where core's source was built from.
        v0_crate_hash: Regex::new(r"Cs[0-9a-zA-Z]{1,13}_(\d)").unwrap(),
        legacy_hash: Regex::new(r"17h[0-9a-f]{16}E").unwrap(),
        rustc_version: Regex::new(r"rustc version [0-9][^\x22\n]*").unwrap(),
        ptx_target: Regex::new(r"(?m)^\.target\s+(sm_\w+)").unwrap(),
        ptx_version: Regex::new(r"(?m)^\.version\s+(\d+)\.(\d+)").unwrap(),
        home: Regex::new(r"/(?:root|home/[^/\s]+)/\.(?:rustup|cargo)/[^\s\x22':)]*").unwrap(),
    })
}

/// Applies the built-in rules, then the test's rules for `stage`, in order.
pub fn normalize(
    text: &str,
    stage: &str,
    cx: &NormalizeContext,
    rules: &[NormalizeRule],
) -> String {
    let mut out = builtin(text, cx);
    for rule in rules.iter().filter(|r| r.stage == stage) {
        out = rule
            .regex
            .replace_all(&out, rule.replacement.as_str())
            .into_owned();
    }
    out
}

fn replace_path(text: String, path: &Path, with: &str) -> String {
    let p = path.to_string_lossy();
    if p.len() <= 1 {
        return text;
    }
    text.replace(p.as_ref(), with)
}

fn builtin(text: &str, cx: &NormalizeContext) -> String {
    let b = builtins();
    // Longest paths first, so `$DIR` wins over `$ROOT`.
    let mut out = text.replace("\r\n", "\n");
    if let Some(cache) = cx.cache_dir.map(|c| c.to_string_lossy()) {
        if cache.len() > 1 && out.contains(cache.as_ref()) {
            let re = Regex::new(&format!(
                r"{}/[0-9a-f]+(?:\.tmp-\d+-\d+)?",
                regex::escape(&cache)
            ))
            .expect("an escaped path is a valid regex");
            out = re.replace_all(&out, "$$OUT").into_owned();
        }
    }
    for s in cx.sysroots {
        out = replace_path(out, s, "$SYSROOT");
    }
    out = replace_path(out, cx.test_dir, "$DIR");
    out = replace_path(out, cx.root, "$ROOT");
    out = b.home.replace_all(&out, "$$TOOLCHAIN_FILE").into_owned();
    out = b
        .v0_crate_hash
        .replace_all(&out, "Cs$$HASH_$1")
        .into_owned();
    out = b.legacy_hash.replace_all(&out, "17h$$HASHE").into_owned();
    out = b
        .rustc_version
        .replace_all(&out, "rustc version $$VERSION")
        .into_owned();
    let sm = cx.sm.name();
    out = b
        .ptx_target
        .replace_all(&out, |c: &regex::Captures| {
            if c[1] == sm {
                ".target $SM".to_string()
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    let isa = cx.sm.min_ptx_isa();
    out = b
        .ptx_version
        .replace_all(&out, |c: &regex::Captures| {
            let v: u32 = c[1].parse::<u32>().unwrap_or(0) * 10 + c[2].parse::<u32>().unwrap_or(0);
            if v == isa {
                ".version $PTX_ISA".to_string()
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx<'a>(sysroots: &'a [&'a Path]) -> NormalizeContext<'a> {
        NormalizeContext {
            test_dir: Path::new("/repo/tests/ui/checks"),
            root: Path::new("/repo"),
            sysroots,
            cache_dir: Some(Path::new("/repo/target/ptx-harness/cache")),
            sm: "sm_90a".parse().unwrap(),
        }
    }

    /// A compile's output folder in the cache, final or staging, is `$OUT`
    /// (regression: cuda-oxide's ModuleID named the staging folder, so its
    /// llvm-ir-opt snapshots differed on every uncached run).
    #[test]
    fn the_compiles_output_folder_becomes_out() {
        let text =
            "; ModuleID = '/repo/target/ptx-harness/cache/3f1d96132649ba9d.tmp-14130-30/k.ll'\n\
                    ; ModuleID = '/repo/target/ptx-harness/cache/3f1d96132649ba9d/k.ll'\n\
                    /repo/target/ptx-harness/other/k.ll\n";
        assert_eq!(
            normalize(text, "llvm-ir-opt", &cx(&[]), &[]),
            "; ModuleID = '$OUT/k.ll'\n; ModuleID = '$OUT/k.ll'\n$ROOT/target/ptx-harness/other/k.ll\n"
        );
    }

    #[test]
    fn hashes_paths_and_versions_become_placeholders() {
        let sr = [Path::new("/repo/target/ptx-sysroot/abcd")];
        let c = cx(&sr);
        let text = "call _RNvNtCs3qCAgFoAmQb_4core9panicking5panic\n\
                    _ZN4core9panicking5panic17h0123456789abcdefE\n\
                    --> /repo/tests/ui/checks/a.rs:3:4\n\
                    /repo/target/ptx-sysroot/abcd/lib/x\n\
                    !0 = !{!\"rustc version 1.97.0-nightly (e50aa6fba 2026-05-19)\"}\n\
                    /root/.rustup/toolchains/nightly/lib/rustlib/src/rust/library/core/src/lib.rs:1\n";
        let n = normalize(text, "ptx", &c, &[]);
        assert!(n.contains("_RNvNtCs$HASH_4core9panicking5panic"), "{n}");
        assert!(n.contains("17h$HASHE"), "{n}");
        assert!(n.contains("--> $DIR/a.rs:3:4"), "{n}");
        assert!(n.contains("$SYSROOT/lib/x"), "{n}");
        assert!(n.contains("rustc version $VERSION\""), "{n}");
        assert!(n.contains("$TOOLCHAIN_FILE:1"), "{n}");
    }

    #[test]
    fn ptx_header_placeholders_only_when_they_match_the_target() {
        let c = cx(&[]);
        let good = ".version 8.0\n.target sm_90a\n.address_size 64\n";
        assert_eq!(
            normalize(good, "ptx", &c, &[]),
            ".version $PTX_ISA\n.target $SM\n.address_size 64\n"
        );
        // A wrong target or ISA stays visible, so it shows up in the diff.
        let bad = ".version 7.8\n.target sm_90\n";
        assert_eq!(normalize(bad, "ptx", &c, &[]), bad);
    }

    #[test]
    fn test_rules_apply_after_builtins_and_only_to_their_stage() {
        let c = cx(&[]);
        let rule = NormalizeRule {
            line: 1,
            stage: "ptx".into(),
            regex: Regex::new(r"%r\d+").unwrap(),
            replacement: "%rN".into(),
        };
        assert_eq!(
            normalize("add %r1, %r22", "ptx", &c, std::slice::from_ref(&rule)),
            "add %rN, %rN"
        );
        assert_eq!(normalize("add %r1", "mir", &c, &[rule]), "add %r1");
    }
}

//! GPU architecture targets (`sm_XX`, with CUDA's `a` and `f` suffixes) and the
//! rules for which device can run PTX built for which target.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// CUDA's architecture-specific suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ArchSuffix {
    /// Plain `sm_XY`: forward compatible through the driver's PTX JIT.
    None,
    /// `sm_XYa`: architecture-specific features, runs on exactly compute capability X.Y.
    Arch,
    /// `sm_XYf`: family-specific features, runs on the same major family at X.Y or newer.
    Family,
}

/// One GPU architecture target, such as `sm_80` or `sm_90a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SmTarget {
    /// The compute capability as `major * 10 + minor` (sm_90 → 90, sm_100 → 100).
    pub number: u32,
    /// `a`, `f` or none.
    pub suffix: ArchSuffix,
}

/// Targets that both the pinned LLVM (`llc -mcpu=help`) and ptxas 13.0 accept.
/// CUDA 13 dropped everything older than sm_75.
pub const KNOWN_TARGETS: &[&str] = &[
    "sm_75", "sm_80", "sm_86", "sm_87", "sm_88", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a",
    "sm_100f", "sm_101", "sm_101a", "sm_101f", "sm_103", "sm_103a", "sm_103f", "sm_110", "sm_110a",
    "sm_110f", "sm_120", "sm_120a", "sm_120f", "sm_121", "sm_121a", "sm_121f",
];

/// The default matrix: one target per shipping GPU generation plus one `a` target.
pub const DEFAULT_MATRIX: &[&str] = &[
    "sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_120",
];

/// A string that is not an sm target, with a suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmParseError {
    /// What the user wrote.
    pub input: String,
    /// The nearest known target, if one is close.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for SmParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a known sm target", self.input)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        write!(
            f,
            "; known targets: {} (ptxas 13 supports sm_75 and newer)",
            KNOWN_TARGETS.join(" ")
        )
    }
}

impl std::error::Error for SmParseError {}

impl FromStr for SmTarget {
    type Err = SmParseError;

    /// Accepts `sm_90a`, `90a` and `SM_90A`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let body = lower.strip_prefix("sm_").unwrap_or(&lower);
        let canonical = format!("sm_{body}");
        let err = || SmParseError {
            input: s.to_string(),
            suggestion: nearest(&canonical),
        };
        if !KNOWN_TARGETS.contains(&canonical.as_str()) {
            return Err(err());
        }
        let (digits, suffix) = match body.as_bytes().last() {
            Some(b'a') => (&body[..body.len() - 1], ArchSuffix::Arch),
            Some(b'f') => (&body[..body.len() - 1], ArchSuffix::Family),
            _ => (body, ArchSuffix::None),
        };
        let number = digits.parse().map_err(|_| err())?;
        Ok(SmTarget { number, suffix })
    }
}

fn nearest(input: &str) -> Option<&'static str> {
    crate::suggest::nearest(input, KNOWN_TARGETS)
}

impl fmt::Display for SmTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.suffix {
            ArchSuffix::None => "",
            ArchSuffix::Arch => "a",
            ArchSuffix::Family => "f",
        };
        write!(f, "sm_{}{}", self.number, suffix)
    }
}

impl Serialize for SmTarget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SmTarget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a device can't run PTX built for a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatible(pub String);

impl SmTarget {
    /// Parses a comma- or space-separated list such as `75,80 90a`.
    pub fn parse_list(s: &str) -> Result<Vec<SmTarget>, SmParseError> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect()
    }

    /// The default matrix as targets.
    pub fn default_matrix() -> Vec<SmTarget> {
        DEFAULT_MATRIX.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// Compute capability major version (sm_90 → 9, sm_100 → 10).
    pub fn major(&self) -> u32 {
        self.number / 10
    }

    /// Compute capability minor version.
    pub fn minor(&self) -> u32 {
        self.number % 10
    }

    /// The `-mcpu` name for llc and the `-arch` name for ptxas.
    pub fn name(&self) -> String {
        self.to_string()
    }

    /// The oldest PTX ISA version (as `major*10+minor`, e.g. 78 for 7.8) that
    /// can describe this target. Mirrors the table in LLVM's NVPTX backend, so
    /// the PTX header is as old, and so as widely JIT-able, as possible.
    pub fn min_ptx_isa(&self) -> u32 {
        match (self.number, self.suffix) {
            (75, _) => 63,
            (80, _) => 70,
            (86, _) => 71,
            (87, _) => 74,
            (89, _) | (90, ArchSuffix::None) => 78,
            (90, _) => 80,
            (88, _) | (110, _) => 90,
            (100, ArchSuffix::Family) | (101, ArchSuffix::Family) => 88,
            (100, _) | (101, _) => 86,
            (103, _) => 88,
            (120, ArchSuffix::Family) | (121, _) => 88,
            (120, _) => 87,
            _ => 90,
        }
    }

    /// Whether a device of compute capability `major.minor` can run PTX built for this target:
    /// plain targets JIT forward to any newer device, `a` targets run on exactly
    /// that capability, and `f` targets run within the same major family.
    pub fn runs_on(&self, major: u32, minor: u32) -> Result<(), Incompatible> {
        let device = major * 10 + minor;
        let ok = match self.suffix {
            ArchSuffix::None => device >= self.number,
            ArchSuffix::Arch => device == self.number,
            ArchSuffix::Family => major == self.major() && device >= self.number,
        };
        if ok {
            Ok(())
        } else {
            let why = match self.suffix {
                ArchSuffix::Arch => "runs only on exactly that architecture",
                ArchSuffix::Family => "runs only within its family, at that version or newer",
                ArchSuffix::None => "needs that architecture or newer",
            };
            Err(Incompatible(format!(
                "device is sm_{device}, test needs {self} ({self} {why})"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms_and_round_trips() {
        for s in KNOWN_TARGETS {
            let t: SmTarget = s.parse().unwrap();
            assert_eq!(&t.to_string(), s);
        }
        assert_eq!("90a".parse::<SmTarget>().unwrap().to_string(), "sm_90a");
        assert_eq!(
            "SM_100F".parse::<SmTarget>().unwrap().to_string(),
            "sm_100f"
        );
        let list = SmTarget::parse_list("75, 80 90a").unwrap();
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn rejects_unknown_with_suggestion() {
        let e = "sm_9O".parse::<SmTarget>().unwrap_err();
        assert_eq!(e.suggestion, Some("sm_90"));
        assert!(e.to_string().contains("did you mean `sm_90`"));
        let e = "sm_70".parse::<SmTarget>().unwrap_err();
        assert!(e.to_string().contains("sm_75 and newer"));
        assert!("banana"
            .parse::<SmTarget>()
            .unwrap_err()
            .suggestion
            .is_none());
    }

    #[test]
    fn run_rules_follow_cuda() {
        let t = |s: &str| s.parse::<SmTarget>().unwrap();
        // Plain PTX JITs forward.
        assert!(t("sm_80").runs_on(9, 0).is_ok());
        assert!(t("sm_80").runs_on(8, 0).is_ok());
        assert!(t("sm_90").runs_on(8, 6).is_err());
        assert!(t("sm_100").runs_on(9, 0).is_err());
        // `a` runs on exactly that capability.
        assert!(t("sm_90a").runs_on(9, 0).is_ok());
        assert!(t("sm_90a").runs_on(10, 0).is_err());
        assert!(t("sm_100a").runs_on(10, 3).is_err());
        // `f` runs within the family at or above the version.
        assert!(t("sm_100f").runs_on(10, 3).is_ok());
        assert!(t("sm_100f").runs_on(10, 0).is_ok());
        assert!(t("sm_100f").runs_on(12, 0).is_err());
        assert!(t("sm_103f").runs_on(10, 0).is_err());
        let msg = t("sm_100").runs_on(9, 0).unwrap_err().0;
        assert!(msg.contains("device is sm_90, test needs sm_100"), "{msg}");
    }

    #[test]
    fn ptx_isa_matches_llc_defaults() {
        let t = |s: &str| s.parse::<SmTarget>().unwrap().min_ptx_isa();
        assert_eq!(t("sm_75"), 63);
        assert_eq!(t("sm_80"), 70);
        assert_eq!(t("sm_90"), 78);
        assert_eq!(t("sm_90a"), 80);
        assert_eq!(t("sm_100"), 86);
        assert_eq!(t("sm_120"), 87);
    }
}

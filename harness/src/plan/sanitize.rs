//! The emulator's sanitizer tools as the harness names them: `//@ sanitize:`,
//! `--sanitize`, `PTX_SANITIZE` and `sanitize = […]` in ptx-harness.toml all
//! give a [`ToolSet`]; an emulated execution runs with the union of the
//! test's and the run's set in `PTX_EMU_TOOLS`.
//!
//! memcheck (bounds, alignment) is always on in the emulator; naming it is
//! allowed and changes nothing. The other tools report a finding as a line
//! `ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel … thread […]: <tool>: <what>`
//! (see [`crate::check::sanitizer`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The variable the emulator's libcuda reads at `cuInit`: a comma-separated
/// list of tools.
pub const EMU_TOOLS_ENV: &str = "PTX_EMU_TOOLS";
/// The harness's own variable for the run's tools (`--sanitize` wins over it).
pub const SANITIZE_ENV: &str = "PTX_SANITIZE";

/// One sanitizer tool of the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    /// Bounds and alignment of every access; always on.
    Memcheck,
    /// Shared-memory data races between threads of a block.
    Racecheck,
    /// Device reads of global memory nothing wrote.
    Initcheck,
    /// Barriers used wrongly (divergent `bar.sync`, mismatched counts).
    Synccheck,
}

impl Tool {
    /// Every tool, in the order lists print them.
    pub const ALL: [Tool; 4] = [
        Tool::Memcheck,
        Tool::Racecheck,
        Tool::Initcheck,
        Tool::Synccheck,
    ];

    /// The tools whose findings are lines `…: <tool>: …` (memcheck's faults
    /// are CUDA errors, pinned with `run-fail: CUDA_ERROR_…`).
    pub const REPORTING: [Tool; 3] = [Tool::Racecheck, Tool::Initcheck, Tool::Synccheck];

    /// `memcheck`, `racecheck`, `initcheck` or `synccheck`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Memcheck => "memcheck",
            Tool::Racecheck => "racecheck",
            Tool::Initcheck => "initcheck",
            Tool::Synccheck => "synccheck",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The names a list may use: the tools and `all`.
    pub fn valid_names() -> String {
        let mut names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
        names.push("all");
        names.join(", ")
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(s: &str) -> Result<Tool, String> {
        Tool::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| unknown_tool(s))
    }
}

/// "`x` is not a sanitizer tool (did you mean …?); the tools are …".
fn unknown_tool(s: &str) -> String {
    let mut names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
    names.push("all");
    match ptx_backend::suggest::nearest(s, &names) {
        Some(n) => format!(
            "`{s}` is not a sanitizer tool (did you mean `{n}`?); the tools are {}",
            Tool::valid_names()
        ),
        None => format!(
            "`{s}` is not a sanitizer tool; the tools are {}",
            Tool::valid_names()
        ),
    }
}

/// A set of tools. Empty means memcheck alone, the emulator's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ToolSet(u8);

impl ToolSet {
    /// No tool beyond memcheck.
    pub const NONE: ToolSet = ToolSet(0);

    /// Every tool (`all`).
    pub fn all() -> ToolSet {
        Tool::ALL.into_iter().collect()
    }

    /// Whether `tool` is in the set.
    pub fn contains(self, tool: Tool) -> bool {
        self.0 & tool.bit() != 0
    }

    /// Adds `tool`.
    pub fn insert(&mut self, tool: Tool) {
        self.0 |= tool.bit();
    }

    /// Both sets' tools.
    pub fn union(self, other: ToolSet) -> ToolSet {
        ToolSet(self.0 | other.0)
    }

    /// The tools, in [`Tool::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Tool> {
        Tool::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// The tools that change anything: all but memcheck, which is always on.
    pub fn beyond_memcheck(self) -> ToolSet {
        ToolSet(self.0 & !Tool::Memcheck.bit())
    }

    /// Whether the set asks for nothing beyond memcheck.
    pub fn is_default(self) -> bool {
        self.beyond_memcheck().0 == 0
    }

    /// The names, in order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Tool::name).collect()
    }

    /// `PTX_EMU_TOOLS`'s value for this set (the tools beyond memcheck,
    /// comma-separated), or `None` when there are none.
    pub fn emu_env(self) -> Option<String> {
        let set = self.beyond_memcheck();
        (!set.is_default()).then(|| set.names().join(","))
    }

    /// Parses a list separated by commas and/or spaces (`initcheck,
    /// racecheck`, `all`). Empty is an error; an unknown name is an error
    /// naming it and the valid names.
    pub fn parse_list(s: &str) -> Result<ToolSet, String> {
        let mut set = ToolSet::NONE;
        let mut any = false;
        for word in s.split(|c: char| c == ',' || c.is_whitespace()) {
            if word.is_empty() {
                continue;
            }
            any = true;
            set = set.union(ToolSet::parse_name(word)?);
        }
        if !any {
            return Err(format!(
                "no sanitizer tool given; the tools are {}",
                Tool::valid_names()
            ));
        }
        Ok(set)
    }

    /// One name: a tool, or `all`.
    pub fn parse_name(word: &str) -> Result<ToolSet, String> {
        if word == "all" {
            return Ok(ToolSet::all());
        }
        let tool: Tool = word.parse()?;
        Ok(std::iter::once(tool).collect())
    }
}

impl FromIterator<Tool> for ToolSet {
    fn from_iter<I: IntoIterator<Item = Tool>>(iter: I) -> ToolSet {
        let mut set = ToolSet::NONE;
        for t in iter {
            set.insert(t);
        }
        set
    }
}

impl fmt::Display for ToolSet {
    /// `initcheck, racecheck`, or `memcheck` for the default set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_default() {
            return f.write_str("memcheck");
        }
        f.write_str(&self.beyond_memcheck().names().join(", "))
    }
}

impl FromStr for ToolSet {
    type Err = String;

    fn from_str(s: &str) -> Result<ToolSet, String> {
        ToolSet::parse_list(s)
    }
}

impl Serialize for ToolSet {
    /// A list of names: `["initcheck", "racecheck"]`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ToolSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ToolSet, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut set = ToolSet::NONE;
        for n in names {
            set = set.union(ToolSet::parse_name(&n).map_err(serde::de::Error::custom)?);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_with_commas_spaces_and_all() {
        let s = ToolSet::parse_list("racecheck, initcheck").unwrap();
        assert_eq!(s.names(), ["racecheck", "initcheck"]);
        assert_eq!(s.to_string(), "racecheck, initcheck");
        assert_eq!(s.emu_env().as_deref(), Some("racecheck,initcheck"));
        let all = ToolSet::parse_list("all").unwrap();
        assert_eq!(all, ToolSet::all());
        assert_eq!(
            all.emu_env().as_deref(),
            Some("racecheck,initcheck,synccheck")
        );
        assert_eq!(
            ToolSet::parse_list("initcheck all").unwrap(),
            ToolSet::all()
        );
        // memcheck is always on: naming it alone changes nothing.
        let m = ToolSet::parse_list("memcheck").unwrap();
        assert!(m.is_default() && m.emu_env().is_none());
        assert_eq!(m.to_string(), "memcheck");
        assert_eq!(ToolSet::NONE.to_string(), "memcheck");
    }

    #[test]
    fn bad_names_say_which_and_list_the_valid_ones() {
        let e = ToolSet::parse_list("initcheck, racechek").unwrap_err();
        assert_eq!(
            e,
            "`racechek` is not a sanitizer tool (did you mean `racecheck`?); \
             the tools are memcheck, racecheck, initcheck, synccheck, all"
        );
        assert!(ToolSet::parse_list(" , ")
            .unwrap_err()
            .contains("no sanitizer tool"));
        assert!(ToolSet::parse_list("asan")
            .unwrap_err()
            .starts_with("`asan` is not a sanitizer tool; the tools are"));
    }

    #[test]
    fn sets_serialize_as_name_lists() {
        let s = ToolSet::parse_list("synccheck initcheck").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["initcheck","synccheck"]"#);
        assert_eq!(serde_json::from_str::<ToolSet>(&json).unwrap(), s);
        assert!(serde_json::from_str::<ToolSet>(r#"["x"]"#).is_err());
        assert_eq!(
            serde_json::to_string(&Tool::Racecheck).unwrap(),
            r#""racecheck""#
        );
    }
}

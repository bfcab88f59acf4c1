//! Finds the test files of each suite: every `.rs` under `tests/ui`,
//! `tests/ptx-snapshots` and `tests/run-gpu`, except `auxiliary/` folders.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The three suites, each with its own mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Suite {
    /// Diagnostics: `//~` annotations and `.stderr` snapshots.
    Ui,
    /// Codegen: stage snapshots, FileCheck lines and ptxas validation.
    PtxSnapshots,
    /// Execution on a GPU, compared with expected stdout.
    RunGpu,
}

impl Suite {
    /// All suites in run order.
    pub const ALL: [Suite; 3] = [Suite::Ui, Suite::PtxSnapshots, Suite::RunGpu];

    /// The folder name under `tests/`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Suite::Ui => "ui",
            Suite::PtxSnapshots => "ptx-snapshots",
            Suite::RunGpu => "run-gpu",
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

/// One test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestFile {
    /// Its suite.
    pub suite: Suite,
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the suite folder, with `/` separators and no `.rs`.
    pub name: String,
}

/// Lists the tests of a suite under `<root>/tests/<suite>`, sorted by name.
pub fn discover(root: &Path, suite: Suite) -> std::io::Result<Vec<TestFile>> {
    let base = root.join("tests").join(suite.dir_name());
    let mut out = Vec::new();
    if base.is_dir() {
        walk(&base, &base, suite, &mut out)?;
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn walk(base: &Path, dir: &Path, suite: Suite, out: &mut Vec<TestFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "auxiliary") {
                walk(base, &path, suite, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).expect("walk stays under base");
            let name = rel.with_extension("").to_string_lossy().replace('\\', "/");
            out.push(TestFile { suite, path, name });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rs_files_recursively_and_skips_auxiliary() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("tests/ptx-snapshots");
        for f in ["a.rs", "ints/b.rs", "ints/b.ptx", "auxiliary/helper.rs"] {
            let p = base.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let found = discover(dir.path(), Suite::PtxSnapshots).unwrap();
        let names: Vec<_> = found.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["a", "ints/b"]);
        assert!(discover(dir.path(), Suite::Ui).unwrap().is_empty());
    }
}

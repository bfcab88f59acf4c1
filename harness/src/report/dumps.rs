//! A trial's stage dumps (MIR, LLVM IR, PTX, ptxas's report, SASS, an
//! external backend's own stages) for its report page. results.json holds
//! no dumps: they stay in the compile cache entry that the trial's
//! reproduce command names (the folder its commands run in, see
//! `execute::compile`), read and verified from there. Results made on
//! another machine name a folder that is not here; then the page says so.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use ptx_backend::Stage;
use regex::Regex;

use super::verdict::TrialRecord;
use crate::execute::compile::read_entry;

/// The most lines of one dump a page shows.
pub const MAX_LINES: usize = 2_000;
/// The most bytes of one dump a page shows.
pub const MAX_BYTES: usize = 256 * 1024;

/// One stage's dump, bounded for a page.
#[derive(Debug)]
pub struct StageDump {
    /// The stage's name (`ptx`, `sass`, `dialect-mir`, …).
    pub stage: String,
    /// Its text, at most [`MAX_LINES`] lines and [`MAX_BYTES`] bytes.
    pub text: String,
    /// What was left out of `text` (`… 120 lines omitted`), if anything.
    pub omitted: Option<String>,
    /// The whole dump.
    pub path: PathBuf,
}

/// What a trial's page can show of its stage dumps.
#[derive(Debug)]
pub enum Dumps {
    /// The dumps of its compile, in pipeline order, the backend's own last.
    Shown(Vec<StageDump>),
    /// None, and why (a sentence for the page).
    Unavailable(String),
}

impl Dumps {
    /// The dump of `stage`, if shown.
    pub fn get(&self, stage: &str) -> Option<&StageDump> {
        match self {
            Dumps::Shown(d) => d.iter().find(|d| d.stage == stage),
            Dumps::Unavailable(_) => None,
        }
    }
}

/// The cache entry folder a reproduce command names: its first absolute
/// path whose last part is a cache key (32 hex digits, `.uncached` for a
/// compile that was killed or timed out).
pub fn entry_named_by(reproduce: &str) -> Option<PathBuf> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:^|[\s='"])(/[^\s'"]*?/[0-9a-f]{32}(?:\.uncached)?)(?:[/\s'";&]|$)"#)
            .unwrap()
    });
    RE.captures(reproduce).map(|c| PathBuf::from(&c[1]))
}

/// The stage dumps of `t`'s compile: from the cache entry its reproduce
/// command names, or, when that folder is not here, from the entry of the
/// same key in `cache` (this checkout's compile cache: the key is the hash
/// of everything the compile read, so an entry of that key holds the same
/// compile).
pub fn of_trial(t: &TrialRecord, cache: Option<&Path>) -> Dumps {
    let Some(named) = t.reproduce.as_deref().and_then(entry_named_by) else {
        return Dumps::Unavailable("This trial compiled nothing, so it has no stage dumps.".into());
    };
    let entry = if named.is_dir() {
        named
    } else {
        match cache.map(|c| c.join(named.file_name().expect("a key"))) {
            Some(local) if local.is_dir() => local,
            _ => {
                return Dumps::Unavailable(format!(
                    "The stage dumps are not available: this trial's compile cache entry {} is not \
                     on this machine (the results come from another machine or checkout, or the \
                     cache was cleaned since). Run the trial here to see them.",
                    named.display()
                ))
            }
        }
    };
    if entry.extension().is_some_and(|e| e == "uncached") {
        return Dumps::Unavailable(format!(
            "The compile was killed or timed out, so it was not cached; what it left is in {}.",
            entry.display()
        ));
    }
    let out = match read_entry(&entry) {
        Ok(out) => out,
        Err(why) => {
            return Dumps::Unavailable(format!(
                "The stage dumps are not available: the cache entry {} cannot be used: {why}.",
                entry.display()
            ))
        }
    };
    let stages = Stage::ALL
        .iter()
        .filter_map(|s| out.stages.get(s).map(|p| (s.name().to_string(), p)))
        .chain(out.custom_stages.iter().map(|(s, p)| (s.clone(), p)));
    let mut dumps = Vec::new();
    for (stage, path) in stages {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("(cannot read {}: {e})", path.display()),
        };
        let (text, omitted) = bound(&text, MAX_LINES, MAX_BYTES);
        dumps.push(StageDump {
            stage,
            text,
            omitted,
            path: path.clone(),
        });
    }
    if dumps.is_empty() {
        return Dumps::Unavailable(format!(
            "The compile left no stage dumps (its cache entry is {}).",
            entry.display()
        ));
    }
    Dumps::Shown(dumps)
}

/// The first lines of `text`, at most `max_lines` and `max_bytes` (whole
/// lines; a first line longer than that is cut at a character boundary),
/// and, when something was left out, a marker saying what:
/// `… 120 lines omitted`.
pub fn bound(text: &str, max_lines: usize, max_bytes: usize) -> (String, Option<String>) {
    let total = text.lines().count();
    let mut kept = String::new();
    let mut n = 0;
    for line in text.lines() {
        if n == max_lines || kept.len() + line.len() + 1 > max_bytes {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        n += 1;
    }
    let lines = |k: usize| format!("{k} line{}", if k == 1 { "" } else { "s" });
    if n == 0 && total > 0 {
        let first = text.lines().next().unwrap_or_default();
        let mut end = max_bytes.min(first.len());
        while !first.is_char_boundary(end) {
            end -= 1;
        }
        kept.push_str(&first[..end]);
        kept.push('\n');
        let mut marker = format!("… {} bytes of the first line omitted", first.len() - end);
        if total > 1 {
            marker.push_str(&format!(", and {} after it", lines(total - 1)));
        }
        return (kept, Some(marker));
    }
    let marker = (n < total).then(|| format!("… {} omitted", lines(total - n)));
    (kept, marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_is_the_first_cache_folder_the_command_names() {
        let key = "cd05bf5bc2d60085790827558462285a";
        let r = format!(
            "RUSTC_ICE=/w/target/ptx-harness/cache/{key} /w/target/debug/ptx-rustc /w/tests/a.rs \
             --out-dir /w/target/ptx-harness/cache/{key} && cd /w/target/ptx-harness/cache/{key} && ptxas -v a.ptx"
        );
        assert_eq!(
            entry_named_by(&r),
            Some(PathBuf::from(format!("/w/target/ptx-harness/cache/{key}")))
        );
        let r = format!("cd /c/{key}.uncached && llc k.ll");
        assert_eq!(
            entry_named_by(&r),
            Some(PathBuf::from(format!("/c/{key}.uncached")))
        );
        // A path into the entry names the entry; a short hex name is no key.
        let r = format!("ptxas /c/{key}/k.ptx");
        assert_eq!(entry_named_by(&r), Some(PathBuf::from(format!("/c/{key}"))));
        assert_eq!(entry_named_by("rustc /w/deadbeef/a.rs"), None);
    }

    #[test]
    fn long_dumps_are_cut_with_a_marker_of_what_was_left_out() {
        let text: String = (0..10).map(|i| format!("line {i}\n")).collect();
        assert_eq!(bound(&text, 20, 1000), (text.clone(), None));
        let (kept, omitted) = bound(&text, 3, 1000);
        assert_eq!(kept, "line 0\nline 1\nline 2\n");
        assert_eq!(omitted.as_deref(), Some("… 7 lines omitted"));
        // Bytes bound it too, at whole lines.
        let (kept, omitted) = bound(&text, 20, 15);
        assert_eq!(kept, "line 0\nline 1\n");
        assert_eq!(omitted.as_deref(), Some("… 8 lines omitted"));
        assert_eq!(bound(&text, 9, 1000).1.as_deref(), Some("… 1 line omitted"));
        // One huge line is cut inside, at a character boundary.
        let (kept, omitted) = bound(&format!("{}\nnext", "é".repeat(100)), 20, 9);
        assert_eq!(kept, "éééé\n");
        assert_eq!(
            omitted.as_deref(),
            Some("… 192 bytes of the first line omitted, and 1 line after it")
        );
    }
}

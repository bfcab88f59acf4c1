//! `ptx-harness report --html DIR`: a static site from results files and,
//! when given, the history. No server, no JavaScript, no network: every
//! page is one HTML file with its style inline, and links are relative, so
//! the folder opens from disk and from a CI artifact.
//!
//! - `index.html`: each run's environment and counts, the gate's verdict
//!   against a baseline when one is given, and the conformance grid (test ×
//!   sm, one grid per backend and device), each cell linking to its trial;
//! - `trials/<run>/<trial>.html`: the verdict, the deciding stage, the
//!   message (a diff's added and removed lines coloured), the reproduce
//!   command, and the kernels' resource use;
//! - `history.html` (with a history): the pass rate per backend over the
//!   recorded runs, and per kernel the registers, spills, stack, PTX and
//!   SASS instructions over the runs where any of them changed, increases
//!   marked.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::dumps::{self, Dumps, StageDump};
use super::gate::GateReport;
use super::grid::{Counts, Grid};
use super::history::RecordedRun;
use super::svg::{line_plot, Series};
use super::verdict::{RunResults, TrialId, TrialRecord, Verdict};

/// What the site is made from.
pub struct Site<'a> {
    /// The runs to show, each with a label (its file, usually).
    pub runs: Vec<(String, &'a RunResults)>,
    /// The recorded history, oldest first.
    pub history: Vec<RecordedRun>,
    /// The gate's verdict for the first run against its baseline.
    pub gate: Option<GateReport>,
    /// This checkout's compile cache, where trial pages look for their
    /// stage dumps when the folder a trial's results name is not here.
    pub cache: Option<std::path::PathBuf>,
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}\
th{background:#f4f4f4;text-align:left}td.c{text-align:center;width:3.2em}\
.passed{background:#cfeccf}.failed{background:#f5b7b1}.expected-failure{background:#fde7a9}\
.skipped{background:#e5e5e5;color:#666}.none{background:#fff}\
a{color:#1a4f9c}td.c a{display:block;color:#222;text-decoration:none}\
pre{background:#f8f8f8;border:1px solid #ddd;padding:.6em;overflow-x:auto;font-size:12px}\
.add{background:#dff5df;display:block}.del{background:#f9dede;display:block}\
.ok{color:#17692a;font-weight:bold}.bad{color:#a31515;font-weight:bold}\
.dumps{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.8em}\
.dump pre{max-height:40em;overflow:auto;margin:.3em 0}.dump h3{margin:.2em 0}\
.note{color:#555;font-size:13px}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n{body}\n</body></html>\n",
        esc(title)
    )
}

/// A file-name-safe slug of a trial id, unique per id.
fn slug(id: &TrialId) -> String {
    let raw = format!(
        "{}-{}{}-{}",
        id.suite,
        id.test,
        id.revision
            .as_deref()
            .map(|r| format!("[{r}]"))
            .unwrap_or_default(),
        id.sm
    );
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The device part of a grid's name: `on the emulator`, `on the gpu`, or
/// `not executed` (ui and ptx-snapshots trials, and run-gpu trials that
/// did not reach a device).
fn device_of(t: &TrialRecord) -> String {
    t.device
        .map_or("not executed".into(), |d| format!("on the {d}"))
}

/// Writes the site into `dir` (created; existing pages replaced).
pub fn write_site(site: &Site, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir.join("trials"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let mut body = String::from("<h1>Conformance report</h1>\n");
    if !site.history.is_empty() {
        body.push_str("<p><a href=\"history.html\">History and plots</a></p>\n");
    }
    if let Some(g) = &site.gate {
        let _ = writeln!(
            body,
            "<h2>Gate</h2><p class=\"{}\">{}</p><pre>{}</pre>",
            if g.passed() { "ok" } else { "bad" },
            if g.passed() {
                "no regression against the baseline"
            } else {
                "regressions against the baseline"
            },
            esc(&g.render_table())
        );
    }
    for (n, (label, run)) in site.runs.iter().enumerate() {
        body.push_str(&run_section(n, label, run));
        for t in &run.trials {
            let path = dir
                .join("trials")
                .join(format!("{n}"))
                .join(format!("{}.html", slug(&t.id)));
            std::fs::create_dir_all(path.parent().expect("has a parent"))?;
            let dumps = dumps::of_trial(t, site.cache.as_deref());
            write_file(&path, &trial_page(label, run, t, &dumps))?;
        }
    }
    write_file(&dir.join("index.html"), &page("Conformance report", &body))?;
    if !site.history.is_empty() {
        write_file(&dir.join("history.html"), &history_page(&site.history))?;
    }
    Ok(())
}

/// Writes a page through a temporary file, so a killed run leaves no half page.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn run_section(n: usize, label: &str, run: &RunResults) -> String {
    let info = &run.info;
    let mut s = format!("<h2>{}</h2>\n<table>", esc(label));
    let mut row = |k: &str, v: &str| {
        let _ = write!(s, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    };
    row("backend", &info.backend);
    row("commit", info.commit.as_deref().unwrap_or("(not recorded)"));
    row("date", info.date.as_deref().unwrap_or("(not recorded)"));
    row("GPU", info.gpu.as_deref().unwrap_or("none"));
    if let Some(e) = &info.emulator {
        row("emulator", e);
    }
    for (tool, v) in &info.versions {
        row(tool, v);
    }
    row("matrix", &info.matrix.join(" "));
    let c = Counts::of(&run.trials);
    row("verdicts", &c.render());
    row("compiled", &c.compiled_share());
    s.push_str("</table>\n");
    // One grid per (backend, device): executions on a GPU and on the
    // emulator are never shown as one another.
    let mut by_device: BTreeMap<String, Vec<&TrialRecord>> = BTreeMap::new();
    for t in &run.trials {
        by_device.entry(device_of(t)).or_default().push(t);
    }
    for (device, trials) in by_device {
        s.push_str(&grid(n, &format!("{}, {device}", info.backend), &trials));
    }
    s
}

/// The test × sm grid of some trials.
fn grid(n: usize, title: &str, trials: &[&TrialRecord]) -> String {
    let Grid { sms, rows } = Grid::of(trials);
    let mut s = format!(
        "<h3>{}</h3>\n<table class=\"grid\"><tr><th>test</th>",
        esc(title)
    );
    for sm in &sms {
        let _ = write!(s, "<th>{}</th>", esc(sm));
    }
    s.push_str("</tr>\n");
    for (label, cells) in rows {
        let _ = write!(s, "<tr><td>{}</td>", esc(&label));
        for sm in &sms {
            match cells.get(sm) {
                Some(t) => {
                    let kind = t.verdict.kind();
                    let mark = match &t.verdict {
                        Verdict::Passed => "✓",
                        Verdict::Failed { .. } => "✗",
                        Verdict::ExpectedFailure { .. } => "xfail",
                        Verdict::Skipped { .. } => "skip",
                    };
                    let _ = write!(
                        s,
                        "<td class=\"c {kind}\" title=\"{}\"><a href=\"trials/{n}/{}.html\">{mark}</a></td>",
                        esc(&format!("{} {}", t.id.name(), kind)),
                        slug(&t.id)
                    );
                }
                None => s.push_str("<td class=\"c none\"></td>"),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    s
}

/// A message with a diff's `+`/`-` lines marked.
fn render_message(m: &str) -> String {
    let mut s = String::from("<pre>");
    for line in m.lines() {
        let class = if line.starts_with('+') && !line.starts_with("+++") {
            Some("add")
        } else if line.starts_with('-') && !line.starts_with("---") {
            Some("del")
        } else {
            None
        };
        match class {
            Some(c) => {
                let _ = write!(s, "<span class=\"{c}\">{}</span>", esc(line));
            }
            None => {
                s.push_str(&esc(line));
                s.push('\n');
            }
        }
    }
    s.push_str("</pre>");
    s
}

fn trial_page(label: &str, run: &RunResults, t: &TrialRecord, dumps: &Dumps) -> String {
    let name = t.id.name();
    let mut b = format!(
        "<p><a href=\"../../index.html\">← report</a></p>\n<h1>{}</h1>\n<p>{} · {}</p>\n<table>",
        esc(&name),
        esc(label),
        esc(&run.info.backend)
    );
    let mut row = |k: &str, v: &str| {
        let _ = write!(b, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    };
    row("verdict", t.verdict.kind());
    row(
        "decided by",
        serde_json::to_value(t.decided_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .as_deref()
            .unwrap_or(""),
    );
    row("executed", if t.executed { "yes" } else { "no" });
    if let Some(d) = &t.device_name {
        row("device", d);
    }
    row("duration", &format!("{:.2} s", t.duration.as_secs_f64()));
    b.push_str("</table>\n");
    match &t.verdict {
        Verdict::Failed { message } => {
            b.push_str("<h2>What differed</h2>");
            b.push_str(&render_message(message));
        }
        Verdict::ExpectedFailure { reason, message } => {
            let _ = write!(b, "<h2>Expected failure</h2><p>{}</p>", esc(reason));
            b.push_str(&render_message(message));
        }
        Verdict::Skipped { reason } => {
            let _ = write!(b, "<h2>Skipped</h2><p>{}</p>", esc(reason));
        }
        Verdict::Passed => {}
    }
    if let Some(r) = &t.reproduce {
        let _ = write!(
            b,
            "<h2>Reproduce</h2><pre>{}</pre>",
            esc(&r.replace(" && ", " &&\n  "))
        );
    }
    let kernels: Vec<_> = t.kernels.iter().filter(|k| k.entry).collect();
    if !kernels.is_empty() {
        b.push_str(
            "<h2>Kernels</h2><table><tr><th>kernel</th><th>registers</th><th>spill stores</th>\
                    <th>spill loads</th><th>stack</th><th>shared</th><th>PTX instructions</th>\
                    <th>SASS instructions</th></tr>",
        );
        for k in kernels {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&k.name),
                k.registers,
                k.spill_stores,
                k.spill_loads,
                k.stack,
                k.shared,
                k.ptx_instructions,
                // Only trials with the `sass` stage disassemble.
                k.sass_instructions
                    .map_or_else(|| "-".to_string(), |n| n.to_string())
            );
        }
        b.push_str("</table>");
    }
    b.push_str(&render_dumps(dumps));
    page(&name, &b)
}

/// A stage's heading on a trial page.
fn stage_title(stage: &str) -> &str {
    match stage {
        "mir" => "MIR",
        "llvm-ir" => "LLVM IR (rustc)",
        "llvm-ir-opt" => "LLVM IR (linked, after opt)",
        "ptx" => "PTX",
        "ptxas" => "ptxas -v",
        "sass" => "SASS",
        other => other,
    }
}

/// The stage dumps, two columns: PTX next to SASS first, then the other
/// stages in pipeline order (the backend's own last).
fn render_dumps(dumps: &Dumps) -> String {
    let mut b = String::from("<h2>Stage dumps</h2>\n");
    let shown = match dumps {
        Dumps::Unavailable(why) => {
            let _ = writeln!(b, "<p class=\"note\" id=\"no-dumps\">{}</p>", esc(why));
            return b;
        }
        Dumps::Shown(d) => d,
    };
    b.push_str("<div class=\"dumps\">\n");
    let section = |b: &mut String, d: &StageDump| {
        let _ = write!(
            b,
            "<section class=\"dump\" data-stage=\"{0}\"><h3>{1}</h3><pre>{2}</pre>",
            esc(&d.stage),
            esc(stage_title(&d.stage)),
            esc(&d.text)
        );
        if let Some(o) = &d.omitted {
            let _ = write!(
                b,
                "<p class=\"note omitted\">{}; the whole dump is {}</p>",
                esc(o),
                esc(&d.path.display().to_string())
            );
        }
        b.push_str("</section>\n");
    };
    let missing = |b: &mut String, stage: &str, why: &str| {
        let _ = writeln!(
            b,
            "<section class=\"dump missing\" data-stage=\"{stage}\"><h3>{}</h3><p class=\"note\">{why}</p></section>",
            stage_title(stage)
        );
    };
    let (ptx, sass) = (dumps.get("ptx"), dumps.get("sass"));
    if ptx.is_some() || sass.is_some() {
        match ptx {
            Some(d) => section(&mut b, d),
            None => missing(&mut b, "ptx", "This compile produced no PTX."),
        }
        match sass {
            Some(d) => section(&mut b, d),
            None => missing(
                &mut b,
                "sass",
                "No SASS: this trial's compile did not disassemble its cubin (a test asks for \
                 that with <code>//@ stages: … sass</code> or a <code>SASS-CHECK</code> line).",
            ),
        }
    }
    for d in shown
        .iter()
        .filter(|d| d.stage != "ptx" && d.stage != "sass")
    {
        section(&mut b, d);
    }
    b.push_str("</div>\n");
    b
}

/// A run's label on a plot's axis: its short commit, else its number.
fn run_label(i: usize, r: &RecordedRun) -> String {
    r.results
        .info
        .commit
        .as_deref()
        .map(|c| c.chars().take(8).collect())
        .unwrap_or_else(|| format!("run {}", i + 1))
}

fn history_page(history: &[RecordedRun]) -> String {
    let labels: Vec<String> = history
        .iter()
        .enumerate()
        .map(|(i, r)| run_label(i, r))
        .collect();
    let mut b = String::from("<p><a href=\"index.html\">← report</a></p>\n<h1>History</h1>\n");
    let _ = write!(
        b,
        "<p>{} recorded runs, oldest first.</p>\n<h2>Pass rate per backend</h2>\n",
        history.len()
    );
    // Pass rate per backend: the share of non-skipped trials that passed.
    let mut by_backend: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for (i, r) in history.iter().enumerate() {
        let trials = &r.results.trials;
        let counted = trials
            .iter()
            .filter(|t| !matches!(t.verdict, Verdict::Skipped { .. }))
            .count();
        let passed = trials
            .iter()
            .filter(|t| t.verdict == Verdict::Passed)
            .count();
        let series = by_backend
            .entry(r.results.info.backend.as_str())
            .or_insert_with(|| vec![None; history.len()]);
        series[i] = (counted > 0).then(|| 100.0 * passed as f64 / counted as f64);
    }
    let series: Vec<Series> = by_backend
        .into_iter()
        .map(|(name, points)| Series::new(name, points))
        .collect();
    b.push_str(&line_plot(
        "pass rate (%)",
        &labels,
        &series,
        false,
        Some((0.0, 100.0)),
    ));
    b.push_str("<h2>Kernels whose resource use changed</h2>\n<p>Increases are marked with a red ring (what the gate flags).</p>\n");
    // Per kernel (trial × kernel name): each metric over the runs.
    type Key = (String, String);
    let mut kernels: BTreeMap<Key, Vec<Option<[Option<f64>; 6]>>> = BTreeMap::new();
    for (i, r) in history.iter().enumerate() {
        for t in &r.results.trials {
            for k in t.kernels.iter().filter(|k| k.entry) {
                let key = (
                    format!("{} ({})", t.id.name(), r.results.info.backend),
                    k.name.clone(),
                );
                let v = kernels
                    .entry(key)
                    .or_insert_with(|| vec![None; history.len()]);
                v[i] = Some([
                    Some(k.registers as f64),
                    Some(k.spill_stores as f64),
                    Some(k.spill_loads as f64),
                    Some(k.stack as f64),
                    Some(k.ptx_instructions as f64),
                    // Only trials with the `sass` stage have it.
                    k.sass_instructions.map(f64::from),
                ]);
            }
        }
    }
    let names = [
        "registers",
        "spill stores",
        "spill loads",
        "stack",
        "PTX instructions",
        "SASS instructions",
    ];
    let mut shown = 0;
    for ((trial, kernel), points) in kernels {
        let values: Vec<[Option<f64>; 6]> = points.iter().flatten().copied().collect();
        if values.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        shown += 1;
        let _ = writeln!(
            b,
            "<h3>{} — <code>{}</code></h3>",
            esc(&trial),
            esc(&kernel)
        );
        let series: Vec<Series> = (0..names.len())
            .filter(|&m| values.windows(2).any(|w| w[0][m] != w[1][m]))
            .map(|m| {
                Series::new(
                    names[m],
                    points.iter().map(|p| p.and_then(|v| v[m])).collect(),
                )
            })
            .collect();
        b.push_str(&line_plot("bytes / count", &labels, &series, true, None));
    }
    if shown == 0 {
        b.push_str("<p>No kernel's resource use changed across the recorded runs.</p>\n");
    }
    page("History", &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::{DecidedBy, RunInfo};
    use ptx_backend::metrics::KernelMetrics;

    fn trial(test: &str, sm: &str, verdict: Verdict, registers: u32) -> TrialRecord {
        let mut t = TrialRecord::not_run(
            TrialId {
                suite: "run-gpu".into(),
                test: test.into(),
                revision: None,
                sm: sm.into(),
            },
            verdict,
            DecidedBy::Complete,
        );
        t.kernels = vec![KernelMetrics {
            name: "k".into(),
            entry: true,
            registers,
            ..Default::default()
        }];
        t
    }

    fn run(commit: &str, registers: u32, planted: bool) -> RunResults {
        let bad = Verdict::Failed {
            message: "stdout differs\n-Output: 42\n+Output: 43".into(),
        };
        RunResults {
            format: 2,
            info: RunInfo {
                backend: "builtin".into(),
                commit: Some(commit.into()),
                matrix: vec!["sm_80".into(), "sm_90".into()],
                ..Default::default()
            },
            trials: vec![
                trial("basics/double", "sm_80", Verdict::Passed, registers),
                trial(
                    "basics/double",
                    "sm_90",
                    if planted { bad } else { Verdict::Passed },
                    registers,
                ),
                trial(
                    "basics/<odd> & name",
                    "sm_80",
                    Verdict::Skipped {
                        reason: "min-sm: 90".into(),
                    },
                    8,
                ),
            ],
        }
    }

    /// Every relative `href` in the site's pages names a file that exists.
    fn dead_links(dir: &Path) -> Vec<String> {
        let re = regex::Regex::new(r##"href="([^"#]+)""##).unwrap();
        let mut dead = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "html") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for c in re.captures_iter(&text) {
                        if !p.parent().unwrap().join(&c[1]).exists() {
                            dead.push(format!("{}: {}", p.display(), &c[1]));
                        }
                    }
                }
            }
        }
        dead
    }

    #[test]
    fn the_grid_shows_the_planted_failure_in_its_cell_and_every_link_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let r = run("c0ffee00", 10, true);
        let site = Site {
            runs: vec![("results.json".into(), &r)],
            history: vec![],
            gate: None,
            cache: None,
        };
        write_site(&site, dir.path()).unwrap();
        let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        // The sm_90 cell of basics/double is the failed one, and links to its page.
        let row = index
            .lines()
            .find(|l| l.contains("<td>run-gpu/basics/double</td>"))
            .expect("the row");
        let cells: Vec<&str> = row.split("<td class=\"c ").skip(1).collect();
        assert_eq!(cells.len(), 2, "{row}");
        assert!(cells[0].starts_with("passed"), "{row}");
        assert!(cells[1].starts_with("failed"), "{row}");
        assert!(
            cells[1].contains("run-gpu-basics_double-sm_90.html"),
            "{row}"
        );
        // Names are escaped.
        assert!(index.contains("basics/&lt;odd&gt; &amp; name"));
        let page =
            std::fs::read_to_string(dir.path().join("trials/0/run-gpu-basics_double-sm_90.html"))
                .unwrap();
        assert!(
            page.contains("<span class=\"add\">+Output: 43</span>"),
            "{page}"
        );
        assert!(
            dead_links(dir.path()).is_empty(),
            "{:?}",
            dead_links(dir.path())
        );
    }

    /// history.html of a site whose history is `runs`, in order, and whose
    /// front page shows the last of them.
    fn history_page_of(dir: &Path, runs: &[RunResults]) -> String {
        let history = runs
            .iter()
            .enumerate()
            .map(|(i, r)| RecordedRun {
                id: i as i64,
                results: r.clone(),
            })
            .collect();
        let site = Site {
            runs: vec![("latest".into(), runs.last().unwrap())],
            history,
            gate: None,
            cache: None,
        };
        write_site(&site, dir).unwrap();
        std::fs::read_to_string(dir.join("history.html")).unwrap()
    }

    #[test]
    fn the_history_plot_has_a_point_per_run_and_marks_the_planted_regression() {
        let dir = tempfile::tempdir().unwrap();
        let runs: Vec<RunResults> = [10, 10, 14, 14]
            .iter()
            .enumerate()
            .map(|(i, &r)| run(&format!("c{i}000000"), r, false))
            .collect();
        let h = history_page_of(dir.path(), &runs);
        let kernel_plot = &h[h.find("Kernels whose resource use changed").unwrap()..];
        let first = &kernel_plot[..kernel_plot.find("</svg>").unwrap()];
        assert_eq!(
            first.matches("class=\"point\"").count(),
            4,
            "one point per run"
        );
        assert_eq!(
            first.matches("class=\"rise\"").count(),
            1,
            "the regression, once"
        );
        // The rise is at the third run (commit c2000000).
        assert!(first.contains("class=\"rise\" data-run=\"2\""), "{first}");
        assert!(first.contains("c2000000"), "{first}");
        assert!(dead_links(dir.path()).is_empty());
    }

    /// A backend that writes the dumps of a compile: MIR, a long LLVM IR,
    /// PTX with characters HTML must escape, and SASS when `sass` is set.
    struct Dumping {
        sass: bool,
    }

    impl ptx_backend::Backend for Dumping {
        fn name(&self) -> &str {
            "dumping"
        }
        fn identity(&self) -> String {
            format!("dumping/{}", self.sass)
        }
        fn versions(&self) -> BTreeMap<String, String> {
            BTreeMap::new()
        }
        fn compile(
            &self,
            req: &ptx_backend::CompileRequest,
        ) -> anyhow::Result<ptx_backend::CompileOutput> {
            use ptx_backend::Stage;
            let mut stages = BTreeMap::new();
            let mut dump = |stage: Stage, file: &str, text: String| {
                let p = req.out_dir.join(file);
                std::fs::write(&p, text).unwrap();
                stages.insert(stage, p);
            };
            dump(Stage::Mir, "k.mir", "fn k() -> () { return; }\n".into());
            let ir: String = (0..2500)
                .map(|i| format!("  %{i} = add i32 0, {i}\n"))
                .collect();
            dump(Stage::LlvmIr, "k.ll", ir);
            dump(
                Stage::Ptx,
                "k.ptx",
                ".visible .entry k(){\n  // a<b> & c\n  ret;\n}\n".into(),
            );
            if self.sass {
                dump(Stage::Sass, "k.sass", "k:\n  EXIT ;\n".into());
            }
            Ok(ptx_backend::CompileOutput {
                status: ptx_backend::CompileStatus::Succeeded,
                diagnostics: String::new(),
                stages,
                custom_stages: BTreeMap::new(),
                kernels: vec![],
                timings: vec![],
                commands: vec![format!("cd {} && llc k.ll", req.out_dir.display())],
            })
        }
    }

    /// A trial whose compile went through a real compile cache under
    /// `dir/cache`; its reproduce command names the cache entry.
    fn compiled_trial(dir: &Path, sm: &str, sass: bool) -> TrialRecord {
        use crate::execute::compile::{CompileCache, CompileJob};
        let source = dir.join("k.rs");
        std::fs::write(&source, "fn k() {}").unwrap();
        let job = CompileJob {
            source,
            crate_name: "k".into(),
            sm: sm.parse().unwrap(),
            cfgs: vec![],
            flags: vec![],
            timeout: ptx_backend::process::DEFAULT_COMPILE_TIMEOUT,
            sass: false,
            front_end_only: false,
            json_diagnostics: false,
            stages: vec![],
        };
        let out = CompileCache::new(dir.join("cache"), true)
            .compile(&Dumping { sass }, &job)
            .unwrap();
        let mut t = trial("basics/dumps", sm, Verdict::Passed, 10);
        t.reproduce = Some(out.output.commands.join(" && "));
        t
    }

    fn trial_page_of(dir: &Path, t: &TrialRecord, cache: Option<&Path>) -> String {
        let r = RunResults {
            trials: vec![t.clone()],
            ..run("c0ffee00", 10, false)
        };
        let site_dir = dir.join("site");
        let site = Site {
            runs: vec![("results.json".into(), &r)],
            history: vec![],
            gate: None,
            cache: cache.map(Path::to_path_buf),
        };
        write_site(&site, &site_dir).unwrap();
        assert!(
            dead_links(&site_dir).is_empty(),
            "{:?}",
            dead_links(&site_dir)
        );
        std::fs::read_to_string(
            site_dir
                .join("trials/0")
                .join(format!("{}.html", slug(&t.id))),
        )
        .unwrap()
    }

    #[test]
    fn the_kernels_table_has_sass_instructions_where_the_trial_disassembled() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = trial("floats/saxpy", "sm_90", Verdict::Passed, 12);
        t.kernels[0].ptx_instructions = 31;
        let page = trial_page_of(dir.path(), &t, None);
        assert!(page.contains("<td>31</td><td>-</td></tr>"), "{page}");
        t.kernels[0].sass_instructions = Some(57);
        let page = trial_page_of(dir.path(), &t, None);
        assert!(page.contains("<td>31</td><td>57</td></tr>"), "{page}");
    }

    #[test]
    fn a_trial_page_shows_ptx_next_to_sass_and_its_other_dumps_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let t = compiled_trial(dir.path(), "sm_90", true);
        let page = trial_page_of(dir.path(), &t, None);
        let dumps = &page[page.find("<div class=\"dumps\">").expect("the dumps")..];
        let order: Vec<&str> = dumps
            .split("data-stage=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        // PTX and SASS are the first row of the two columns; then MIR, LLVM IR.
        assert_eq!(order, ["ptx", "sass", "mir", "llvm-ir"], "{dumps}");
        assert!(dumps.contains("// a&lt;b&gt; &amp; c"), "escaped: {dumps}");
        assert!(dumps.contains("EXIT ;"), "{dumps}");
        // The 2,500-line IR is cut at 2,000 lines, and says so.
        let ir = &dumps[dumps.find("data-stage=\"llvm-ir\"").unwrap()..];
        assert!(ir.contains("%1999 = add") && !ir.contains("%2000 = add"));
        assert!(
            ir.contains("… 500 lines omitted; the whole dump is /"),
            "{ir}"
        );
        assert!(!page.contains("id=\"no-dumps\""));

        // Without the sass stage, the SASS column says why it is empty.
        let t = compiled_trial(dir.path(), "sm_80", false);
        let page = trial_page_of(dir.path(), &t, None);
        assert!(
            page.contains("data-stage=\"sass\"><h3>SASS</h3><p class=\"note\">No SASS:"),
            "{page}"
        );
    }

    #[test]
    fn a_trial_page_says_when_its_dumps_are_not_on_this_machine() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = compiled_trial(dir.path(), "sm_90", true);
        // As if made on another machine: its entry folder is named elsewhere.
        let here = dir.path().join("cache").display().to_string();
        t.reproduce = Some(
            t.reproduce
                .unwrap()
                .replace(&here, "/elsewhere/target/ptx-harness/cache"),
        );
        let page = trial_page_of(dir.path(), &t, None);
        assert!(page.contains("id=\"no-dumps\""), "{page}");
        assert!(
            page.contains("is not on this machine (the results come from another machine"),
            "{page}"
        );
        assert!(!page.contains("<div class=\"dumps\">"));
        // This checkout's cache has the entry of the same key: shown from there.
        let page = trial_page_of(dir.path(), &t, Some(&dir.path().join("cache")));
        assert!(page.contains("data-stage=\"ptx\""), "{page}");
        // A trial that compiled nothing says so.
        let skipped = trial(
            "basics/dumps",
            "sm_90",
            Verdict::Skipped {
                reason: "min-sm: 100".into(),
            },
            0,
        );
        let page = trial_page_of(dir.path(), &skipped, None);
        assert!(page.contains("This trial compiled nothing"), "{page}");
    }

    #[test]
    fn sass_instruction_counts_are_plotted_with_a_gap_where_a_run_has_none() {
        let dir = tempfile::tempdir().unwrap();
        // Registers stay; SASS: 20, none (no sass stage), 20, 26.
        let runs: Vec<RunResults> = [Some(20), None, Some(20), Some(26)]
            .iter()
            .enumerate()
            .map(|(i, &sass)| {
                let mut r = run(&format!("c{i}000000"), 10, false);
                r.trials[0].kernels[0].sass_instructions = sass;
                r
            })
            .collect();
        let h = history_page_of(dir.path(), &runs);
        let kernels = &h[h.find("Kernels whose resource use changed").unwrap()..];
        assert_eq!(
            kernels.matches("<svg").count(),
            1,
            "only the sm_80 trial's kernel changed"
        );
        let plot = &kernels[..kernels.find("</svg>").unwrap()];
        assert!(plot.contains(">SASS instructions</text>"), "{plot}");
        assert!(
            !plot.contains(">registers</text>"),
            "registers did not change: {plot}"
        );
        assert_eq!(
            plot.matches("class=\"point\"").count(),
            3,
            "no point for the run without SASS"
        );
        assert_eq!(plot.matches("class=\"rise\"").count(), 1);
        assert!(plot.contains("class=\"rise\" data-run=\"3\""), "{plot}");
    }
}

//! The HTML report in a real browser: headless Chromium opens a site made
//! from fixture runs (a planted failure, a history with a planted register
//! regression) and must load every page without a console error, show the
//! failure in its cell, draw one point per recorded run, and lay a trial's
//! PTX and SASS dumps out side by side. Screenshots of
//! the front page and of one trial page go to
//! `target/ptx-harness/report-screenshots/` for a reviewer.
//!
//! Chromium is `PTX_CHROMIUM`, else `chromium`, `chromium-browser` or
//! `google-chrome` on PATH (`.ci/run` installs Debian's `chromium`; so does
//! `PTX_INSTALL_CHROMIUM=1 ./setup.sh`). Without one the tests say so and
//! skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ptx_backend::metrics::KernelMetrics;
use ptx_backend::{Backend, CompileOutput, CompileRequest, CompileStatus, Stage};
use ptx_harness::execute::compile::{CompileCache, CompileJob};
use ptx_harness::report::history::RecordedRun;
use ptx_harness::report::html::{write_site, Site};
use ptx_harness::report::verdict::{DecidedBy, RunInfo, RunResults, TrialId, TrialRecord, Verdict};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PTX_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| {
            std::env::split_paths(&path)
                .map(|d| d.join(n))
                .find(|p| p.is_file())
        })
}

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
        name: "saxpy".into(),
        entry: true,
        registers,
        ..Default::default()
    }];
    t
}

fn run(commit: &str, registers: u32, planted_failure: bool) -> RunResults {
    let fail = Verdict::Failed {
        message: "stdout differs\n--- expected\n+++ actual\n-Output: 42\n+Output: 43".into(),
    };
    RunResults {
        format: 2,
        info: RunInfo {
            backend: "builtin".into(),
            commit: Some(commit.into()),
            date: Some("2026-12-07T00:00:00Z".into()),
            matrix: vec!["sm_80".into(), "sm_90".into()],
            ..Default::default()
        },
        trials: vec![
            trial("floats/saxpy", "sm_80", Verdict::Passed, registers),
            trial(
                "floats/saxpy",
                "sm_90",
                if planted_failure {
                    fail
                } else {
                    Verdict::Passed
                },
                registers,
            ),
            trial(
                "basics/double",
                "sm_80",
                Verdict::Skipped {
                    reason: "min-sm: 90".into(),
                },
                8,
            ),
            trial("basics/double", "sm_90", Verdict::Passed, 8),
        ],
    }
}

/// A backend that writes a PTX and a SASS dump.
struct Dumps;

impl Backend for Dumps {
    fn name(&self) -> &str {
        "dumps"
    }
    fn identity(&self) -> String {
        "dumps/1".into()
    }
    fn versions(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
    fn compile(&self, req: &CompileRequest) -> anyhow::Result<CompileOutput> {
        let ptx = req.out_dir.join("saxpy.ptx");
        let sass = req.out_dir.join("saxpy.sass");
        std::fs::write(
            &ptx,
            ".visible .entry saxpy(\n  .param .u64 x\n)\n{\n  ld.param.u64 %rd1, [x];\n  ret;\n}\n",
        )?;
        std::fs::write(
            &sass,
            "saxpy:\n  /*0000*/ LDC R1, c[0x0][0x28] ;\n  /*0010*/ EXIT ;\n",
        )?;
        Ok(CompileOutput {
            status: CompileStatus::Succeeded,
            diagnostics: String::new(),
            stages: [(Stage::Ptx, ptx), (Stage::Sass, sass)]
                .into_iter()
                .collect(),
            custom_stages: BTreeMap::new(),
            kernels: vec![],
            timings: vec![],
            commands: vec![format!("cd {} && ptxas saxpy.ptx", req.out_dir.display())],
        })
    }
}

/// The reproduce command of a compile through a cache under `dir`.
fn compiled_reproduce(dir: &Path) -> String {
    let source = dir.join("saxpy.rs");
    std::fs::write(&source, "// saxpy").unwrap();
    let job = CompileJob {
        source,
        crate_name: "saxpy".into(),
        sm: "sm_90".parse().unwrap(),
        cfgs: vec![],
        flags: vec![],
        timeout: ptx_backend::process::DEFAULT_COMPILE_TIMEOUT,
        sass: false,
        front_end_only: false,
        json_diagnostics: false,
        stages: vec![],
    };
    let out = CompileCache::new(dir.join("cache"), true)
        .compile(&Dumps, &job)
        .unwrap();
    out.output.commands.join(" && ")
}

/// Where `page` lays out its PTX and SASS dumps: `[top, left, right]` of
/// each, measured by Chromium in a wrapper page that loads it in a frame.
fn dump_boxes(chrome: &Path, page: &Path, dir: &Path) -> Option<[[f64; 3]; 2]> {
    let wrapper = dir.join("measure.html");
    std::fs::write(
        &wrapper,
        format!(
            r#"<!DOCTYPE html><html><body><iframe id="f" src="file://{}" width="1200" height="900"></iframe>
<script>document.getElementById('f').onload = () => {{
  const d = document.getElementById('f').contentDocument;
  const r = s => {{ const b = d.querySelector('[data-stage="' + s + '"]').getBoundingClientRect(); return [b.top, b.left, b.right].join(','); }};
  const p = document.createElement('p'); p.id = 'boxes'; p.textContent = r('ptx') + ';' + r('sass');
  document.body.appendChild(p);
}};</script></body></html>"#,
            page.display()
        ),
    )
    .unwrap();
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", wrapper.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let text = dom.split("<p id=\"boxes\">").nth(1)?.split('<').next()?;
    let mut boxes = text.split(';').map(|b| {
        let v: Vec<f64> = b.split(',').map(|n| n.parse().unwrap()).collect();
        [v[0], v[1], v[2]]
    });
    Some([boxes.next()?, boxes.next()?])
}

/// Renders `page` headless; returns its DOM and the browser's stderr.
fn load(chrome: &Path, page: &Path, screenshot: Option<&Path>) -> (String, String) {
    let url = format!("file://{}", page.display());
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
    ]);
    match screenshot {
        Some(s) => {
            cmd.arg(format!("--screenshot={}", s.display()))
                .arg("--window-size=1200,900");
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    let out = cmd.arg(&url).output().expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console errors and failed loads in Chromium's log.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains("Failed to load resource")
                || l.contains("net::ERR_")
        })
        .collect()
}

#[test]
fn the_report_renders_in_a_browser() {
    let Some(chrome) = chromium() else {
        eprintln!("skipped: no Chromium (set PTX_CHROMIUM, or install Debian's `chromium`: PTX_INSTALL_CHROMIUM=1 ./setup.sh)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = root.join("target/ptx-harness/report-screenshots");
    let site_dir = out.join("site");
    let _ = std::fs::remove_dir_all(&out);
    let runs: Vec<RunResults> = [(30, false), (30, false), (38, false), (38, true)]
        .iter()
        .enumerate()
        .map(|(i, &(r, f))| run(&format!("{i}aaaaaaa"), r, f))
        .collect();
    // The failed trial's compile is in a cache here: its page shows the dumps.
    let scratch = tempfile::tempdir().unwrap();
    let mut runs = runs;
    runs[3].trials[1].reproduce = Some(compiled_reproduce(scratch.path()));
    let history = runs
        .iter()
        .enumerate()
        .map(|(i, r)| RecordedRun {
            id: i as i64,
            results: r.clone(),
        })
        .collect();
    let site = Site {
        runs: vec![("fixture".into(), &runs[3])],
        history,
        gate: None,
        cache: None,
    };
    write_site(&site, &site_dir).unwrap();

    let (dom, log) = load(&chrome, &site_dir.join("index.html"), None);
    assert!(
        errors(&log).is_empty(),
        "console errors: {:?}",
        errors(&log)
    );
    // The planted failure: floats/saxpy at sm_90 (the second column).
    let row = dom
        .split("<tr>")
        .find(|r| r.contains("run-gpu/floats/saxpy"))
        .expect("the saxpy row");
    let cells: Vec<&str> = row.split("<td class=\"c ").skip(1).collect();
    assert!(cells[0].starts_with("passed"), "{row}");
    assert!(cells[1].starts_with("failed"), "{row}");

    let trial = site_dir.join("trials/0/run-gpu-floats_saxpy-sm_90.html");
    let (dom, log) = load(&chrome, &trial, None);
    assert!(errors(&log).is_empty(), "{:?}", errors(&log));
    assert!(dom.contains("+Output: 43"), "{dom}");
    assert!(
        dom.contains("EXIT ;") && dom.contains("ld.param.u64"),
        "{dom}"
    );

    // PTX and SASS side by side: one row, SASS to the right of PTX.
    let [ptx, sass] = dump_boxes(&chrome, &trial, scratch.path()).expect("the dumps' layout");
    assert_eq!(
        ptx[0], sass[0],
        "PTX {ptx:?} and SASS {sass:?} start on one row"
    );
    assert!(sass[1] >= ptx[2], "SASS {sass:?} is right of PTX {ptx:?}");

    let (dom, log) = load(&chrome, &site_dir.join("history.html"), None);
    assert!(errors(&log).is_empty(), "{:?}", errors(&log));
    let pass_rate = &dom[..dom.find("</svg>").expect("a plot")];
    assert_eq!(
        pass_rate.matches("class=\"point\"").count(),
        4,
        "a point per run"
    );
    assert_eq!(
        dom.matches("class=\"rise\"").count(),
        2,
        "the regression, in each saxpy trial's plot"
    );

    for (page, png) in [
        (site_dir.join("index.html"), "index.png"),
        (trial, "trial.png"),
    ] {
        let shot = out.join(png);
        let (_, log) = load(&chrome, &page, Some(&shot));
        assert!(errors(&log).is_empty(), "{:?}", errors(&log));
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 5_000,
            "{} is {size} bytes: an empty page?",
            shot.display()
        );
    }
    eprintln!("screenshots: {}", out.display());
}

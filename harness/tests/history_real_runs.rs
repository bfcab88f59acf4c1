//! The history and its plots over the committed runs of both backends
//! (ci/baseline.json, the built-in backend; backends/cuda-oxide/results.json)
//! plus fixture runs of the built-in backend over four later commits, one
//! of which plants a register-count increase in one kernel: the pass-rate
//! plot has a point per run of each backend, and the one kernel plot that
//! changed rings the increase at the planted commit.

use std::path::Path;

use ptx_harness::report::history::History;
use ptx_harness::report::html::{write_site, Site};
use ptx_harness::report::json::read_results;

#[test]
fn both_backends_and_a_planted_register_regression_render_at_the_right_commit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let builtin = read_results(&root.join("ci/baseline.json")).unwrap();
    let oxide = read_results(&root.join("backends/cuda-oxide/results.json")).unwrap();
    assert_eq!(builtin.info.backend, "builtin");
    assert_eq!(oxide.info.backend, "cuda-oxide");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let mut history = History::open(&path).unwrap();
    history.record(&builtin, None).unwrap();
    history.record(&oxide, None).unwrap();
    // The planted kernel: the first entry kernel of the built-in run.
    let (trial_at, planted) = builtin
        .trials
        .iter()
        .enumerate()
        .find_map(|(i, t)| t.kernels.iter().find(|k| k.entry).map(|k| (i, k.clone())))
        .expect("the built-in run has kernels");
    let planted_trial = builtin.trials[trial_at].id.name();
    for n in 1..=4 {
        let mut run = builtin.clone();
        run.info.commit = Some(format!("c0ffee0{n}"));
        run.info.date = Some(format!("2099-01-0{n}T00:00:00Z"));
        if n >= 3 {
            let k = run.trials[trial_at]
                .kernels
                .iter_mut()
                .find(|k| k.name == planted.name)
                .unwrap();
            k.registers += 8;
        }
        history.record(&run, None).unwrap();
    }
    let runs = History::open(&path).unwrap().runs().unwrap();
    assert_eq!(runs.len(), 6);
    // Oldest first: the two committed runs, then the fixtures in order.
    let planted_index = runs
        .iter()
        .position(|r| r.results.info.commit.as_deref() == Some("c0ffee03"))
        .unwrap();
    assert_eq!(planted_index, 4);

    let site_dir = dir.path().join("site");
    write_site(
        &Site {
            runs: vec![("builtin".into(), &builtin), ("cuda-oxide".into(), &oxide)],
            history: runs,
            gate: None,
            cache: None,
        },
        &site_dir,
    )
    .unwrap();
    let page = std::fs::read_to_string(site_dir.join("history.html")).unwrap();
    let pass_rate = &page[..page.find("</svg>").expect("the pass-rate plot")];
    assert_eq!(
        pass_rate.matches("class=\"point\"").count(),
        6,
        "a point per run: five of the built-in backend, one of cuda-oxide"
    );
    assert!(pass_rate.contains("<title>cuda-oxide: "), "{pass_rate}");
    assert!(pass_rate.contains("<title>builtin: "), "{pass_rate}");
    assert!(pass_rate.contains("c0ffee03"), "the commits label the runs");
    // One kernel changed: one kernel plot, its increase ringed at the planted run.
    assert_eq!(
        page.matches("<h3>").count(),
        1,
        "only the planted kernel changed"
    );
    assert!(
        page.contains(&format!("<h3>{planted_trial} (builtin)")),
        "the plot names the planted trial {planted_trial}"
    );
    assert_eq!(page.matches("class=\"rise\"").count(), 1);
    assert!(
        page.contains(&format!("class=\"rise\" data-run=\"{planted_index}\"")),
        "the increase is ringed at c0ffee03"
    );
}

//! The differential lane on every commit: a fixed range of seeds of both
//! levels, at sm_80 and sm_90, both opt levels, on the emulator, must all
//! pass (the device's trace equals the host's). About a minute on 2 cores;
//! the seeds per minute are printed (and by scripts/bench-fuzz.sh). A
//! failure here names the seed: `ptx-harness fuzz --promote SEED` reduces it
//! and writes it as a run-gpu test. The reports go to
//! target/ptx-harness/fuzz-ci/.

use ptx_harness::config::{Overrides, Settings};
use ptx_harness::execute::device::DeviceChoice;
use ptx_harness::fuzz::{self, Options, Seeds};
use ptx_harness::report::{json::write_results, junit::write_junit};

fn lane(level: ptx_fuzz::Level, seeds: std::ops::Range<u64>) {
    let root = ptx_backend::toolchain::workspace_root();
    let settings = Settings::resolve(
        &root,
        &Overrides {
            matrix: Some(vec!["sm_80".parse().unwrap(), "sm_90".parse().unwrap()]),
            device: Some(DeviceChoice::Emu),
            ..Default::default()
        },
    )
    .unwrap();
    let opts = Options {
        seeds: Seeds::Range(seeds.clone()),
        level,
        config: ptx_fuzz::Config::default(),
        batch: 8,
        jobs: None,
        triage: true,
        reduce_budget: 0,
        compare_backend: None,
    };
    let summary = fuzz::run(&settings, &opts).unwrap();
    let dir = settings
        .work_dir
        .join("fuzz-ci")
        .join(format!("level{}", level.number()));
    std::fs::create_dir_all(&dir).unwrap();
    write_results(&summary.results, &dir.join("results.json")).unwrap();
    write_junit(&summary.results, &dir.join("junit.xml")).unwrap();
    eprint!("{}", summary.render());
    assert_eq!(summary.seeds, (seeds.end - seeds.start) as usize);
    assert_eq!(
        summary.trials.values().sum::<usize>(),
        summary.seeds * 4,
        "2 targets x 2 opt levels per seed"
    );
    assert!(
        summary.findings.is_empty() && summary.notes.is_empty(),
        "the lane found something; reduce and promote with `ptx-harness fuzz --level {} --promote SEED`:\n{}",
        level.number(),
        summary.render()
    );
}

#[test]
fn level1_fixed_seeds_pass() {
    lane(ptx_fuzz::Level::One, 0..48);
}

#[test]
fn level2_fixed_seeds_pass() {
    lane(ptx_fuzz::Level::Two, 0..32);
}

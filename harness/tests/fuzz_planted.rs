//! The differential lane finds a planted miscompile and reduces it: the
//! emulator's `shr.u64` is broken on purpose (`PTX_EMU_PLANTED_BUG`, a
//! test-only switch), and the lane must report a trace mismatch within a
//! bounded number of seeds and shrink the program while it still fails.
//! (A test binary of its own: the switch is an environment variable that
//! every host program of this process inherits.)

use ptx_harness::config::{Overrides, Settings};
use ptx_harness::execute::device::DeviceChoice;
use ptx_harness::fuzz::{self, classify::Class, Options, Seeds};

#[test]
fn a_planted_wrong_shift_is_found_and_reduced() {
    std::env::set_var("PTX_EMU_PLANTED_BUG", "shr.u64");
    let root = ptx_backend::toolchain::workspace_root();
    let settings = Settings::resolve(
        &root,
        &Overrides {
            matrix: Some(vec!["sm_80".parse().unwrap()]),
            device: Some(DeviceChoice::Emu),
            ..Default::default()
        },
    )
    .unwrap();
    let opts = Options {
        seeds: Seeds::Range(0..12),
        level: ptx_fuzz::Level::One,
        config: ptx_fuzz::Config::default(),
        batch: 12,
        jobs: None,
        triage: false,
        reduce_budget: 0,
        compare_backend: None,
    };
    let summary = fuzz::run(&settings, &opts).unwrap();
    let finding = summary
        .findings
        .iter()
        .find(|f| f.class == Class::Mismatch)
        .unwrap_or_else(|| panic!("no mismatch in 12 seeds:\n{}", summary.render()));
    assert!(
        finding.headline.contains("trace mismatch"),
        "{}",
        finding.headline
    );

    // Reduce it within a bounded number of candidates.
    let lane = fuzz::Lane::new(&settings, None).unwrap();
    let reduction = fuzz::reduce_finding(&lane, finding, 150).unwrap();
    lane.clean();
    let before = fuzz::program_lines(&ptx_fuzz::generate(finding.seed, finding.level).0);
    let after = fuzz::program_lines(&reduction.program);
    assert!(reduction.kept > 0, "nothing could be removed");
    assert!(
        after * 2 < before,
        "seed {}: reduced only from {before} to {after} lines in {} tries",
        finding.seed,
        reduction.tries
    );
    eprintln!(
        "planted bug: seed {} reduced from {before} to {after} program lines in {} tries",
        finding.seed, reduction.tries
    );
}

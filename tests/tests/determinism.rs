//! Determinism: a run is a pure function of (scenario, parameters, seed).
//!
//! Every built-in scenario runs twice with the same seed and must give the
//! same trace hash; different seeds must give different hashes. Scenarios run
//! at a reduced size (see `small_params`) so the suite stays fast in debug
//! builds; the engine does not know the difference.

use weft_scenarios::{ParamKind, RunOptions, RunReport, Scenario, library};

/// Every count parameter capped at 64, so each scenario runs in well under a
/// second in a debug build.
fn small_params(scenario: &Scenario) -> Vec<(String, String)> {
    scenario
        .params
        .iter()
        .filter_map(|p| match p.kind {
            ParamKind::Count { min, .. } => {
                let default: u64 = p.default.parse().expect("count defaults are numbers");
                Some((p.name.to_string(), default.min(64).max(min).to_string()))
            }
            ParamKind::Choice(_) => None,
        })
        .collect()
}

/// Every variant worth checking: each scenario at its small size, and once
/// for every value of each choice parameter.
fn variants() -> Vec<(&'static Scenario, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for scenario in library() {
        let base = small_params(scenario);
        out.push((scenario, base.clone()));
        for p in scenario.params {
            if let ParamKind::Choice(options) = p.kind {
                for option in options.iter().filter(|o| **o != p.default) {
                    let mut sets = base.clone();
                    sets.push((p.name.to_string(), option.to_string()));
                    out.push((scenario, sets));
                }
            }
        }
    }
    out
}

fn run(scenario: &Scenario, sets: &[(String, String)], seed: u64, keep_trace: bool) -> RunReport {
    let params = scenario.params(sets).expect("test parameters are valid");
    scenario.run(&params, &RunOptions { seed, keep_trace }).expect("built-in scenarios build")
}

#[test]
fn same_seed_gives_the_same_trace_hash() {
    for (scenario, sets) in variants() {
        let first = run(scenario, &sets, 7, false);
        let second = run(scenario, &sets, 7, false);
        assert_eq!(
            first.trace_hash, second.trace_hash,
            "{} {sets:?}: two runs of seed 7 differ",
            scenario.name
        );
        assert_eq!(first.stats, second.stats, "{} {sets:?}", scenario.name);
        assert!(first.stats.events > 0, "{} {sets:?} did nothing", scenario.name);
    }
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    for (scenario, sets) in variants() {
        let hashes: std::collections::BTreeSet<String> =
            (0..5).map(|seed| run(scenario, &sets, seed, false).trace_hash).collect();
        assert_eq!(
            hashes.len(),
            5,
            "{} {sets:?}: seeds 0..5 gave only {} distinct hashes",
            scenario.name,
            hashes.len()
        );
    }
}

#[test]
fn keeping_the_trace_does_not_change_the_hash() {
    for (scenario, sets) in variants() {
        let lean = run(scenario, &sets, 3, false);
        let full = run(scenario, &sets, 3, true);
        let trace = full.trace.as_ref().expect("trace was kept");
        assert_eq!(lean.trace_hash, full.trace_hash, "{} {sets:?}", scenario.name);
        assert_eq!(trace.events.len() as u64, full.stats.events, "{} {sets:?}", scenario.name);
        assert_eq!(trace.footer.trace_hash, full.trace_hash);
    }
}

#[test]
fn every_built_in_scenario_holds_its_checks() {
    for (scenario, sets) in variants() {
        for seed in 0..3 {
            let report = run(scenario, &sets, seed, false);
            assert!(
                report.violations.is_empty(),
                "{} {sets:?} seed {seed}: {:?}\nreplay: {}",
                scenario.name,
                report.violations,
                report.replay_command()
            );
        }
    }
}

#[test]
fn a_streamed_trace_is_the_kept_trace_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("weft-stream-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (i, (scenario, sets)) in variants().into_iter().enumerate() {
        let kept = run(scenario, &sets, 11, true);
        let mut expected = Vec::new();
        kept.trace.as_ref().expect("kept").write_jsonl(&mut expected).expect("write to memory");

        let path = dir.join(format!("{i}.jsonl"));
        let file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let params = scenario.params(&sets).expect("valid");
        let streamed = scenario
            .run_traced(
                &params,
                &RunOptions { seed: 11, keep_trace: false },
                Box::new(weft_sim::trace::JsonLines::new(file)),
            )
            .expect("runs");
        assert_eq!(streamed.trace_hash, kept.trace_hash);
        assert!(streamed.trace.is_none(), "a streamed trace is not also kept");
        let written = std::fs::read(&path).expect("read back");
        assert!(
            written == expected,
            "{} {sets:?}: the streamed trace differs from the kept one",
            scenario.name
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

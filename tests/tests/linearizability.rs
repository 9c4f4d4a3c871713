//! Linearizability, end to end: the replicated store's clients record a
//! history in every run, and the checker judges it when the run stops.
//!
//! The proof that this finds real bugs: the broken variant (followers answer
//! reads from their own, possibly stale, copies) is caught by a sweep, and
//! its history is rejected by the checker on its own; the correct store
//! passes a sweep of a thousand seeds under a swarm nemesis.

use weft_check::history::{EventType, Function, History};
use weft_check::{Budget, Model, Verdict, check};
use weft_scenarios::catalog::LINEARIZABLE;
use weft_scenarios::run::UNDECIDED;
use weft_scenarios::sweep::{Summary, sweep};
use weft_scenarios::{RunOptions, open};

fn sets(sets: &[&str]) -> Vec<String> {
    sets.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_correct_store_is_linearizable_on_a_thousand_seeds_under_a_swarm_nemesis() {
    let scenario = open("replication-nemesis", &sets(&["nemesis.swarm=true"])).expect("a library scenario");
    assert!(
        scenario.checks.iter().any(|c| c.property.name == LINEARIZABLE),
        "the sweep must check linearizability, or passing it proves nothing"
    );
    let seeds: Vec<u64> = (1..=1000).collect();
    let results = sweep(&scenario, &seeds, None, |_| {}).expect("the scenario runs");
    let summary = Summary::of(&results).expect("one sweep");
    let replays: Vec<&str> = summary.failing.iter().map(|f| f.replay.as_str()).collect();
    assert_eq!(summary.failed, 0, "{:?}; replay: {replays:#?}", summary.violations);
    // The nemesis did break things: clients gave up on requests in some runs.
    let unknown = results.iter().filter(|r| r.metrics.get("requests_unknown").is_some_and(|n| *n > 0.0));
    assert!(unknown.count() > 100, "a nemesis that never hurts tests nothing");
    // A run whose check gave up passes too (undecided is not a violation):
    // passing proves something only if every history was decided.
    let undecided: Vec<u64> =
        results.iter().filter(|r| r.metrics.contains_key(UNDECIDED)).map(|r| r.seed).collect();
    assert!(undecided.is_empty(), "the checker gave up on seeds {undecided:?}");
}

#[test]
fn a_sweep_catches_stale_follower_reads_and_the_checker_rejects_the_history() {
    let broken = sets(&["follower_reads=true"]);
    let scenario = open("replication-nemesis", &broken).expect("a library scenario");
    let seeds: Vec<u64> = (1..=20).collect();
    let results = sweep(&scenario, &seeds, None, |_| {}).expect("the scenario runs");
    let caught: Vec<u64> = results
        .iter()
        .filter(|r| r.violations.iter().any(|v| v.property == LINEARIZABLE))
        .map(|r| r.seed)
        .collect();
    assert!(caught.len() >= 10, "stale reads are common; only seeds {caught:?} of 20 caught them");
    assert!(
        results.iter().all(|r| r.violations.iter().all(|v| v.property == LINEARIZABLE)),
        "the replicas still agree and lose nothing: only the reads are wrong"
    );

    // The checker on its own, given the failing run's history as a file
    // would give it, says the same, and blames a read.
    let report = scenario.run(&RunOptions { seed: caught[0], keep_trace: false }).expect("it runs");
    let written = report.history.expect("replication records a history").to_json_lines();
    let history = History::from_json_lines(&written).expect("a run's history reads back");
    let verdict = check(&history, Model::Kv, Budget::DEFAULT).expect("a kv history").verdict;
    let Verdict::NotLinearizable { violation } = verdict else {
        panic!("seed {} broke `linearizable` in the run, but the checker says {verdict:?}", caught[0]);
    };
    let stale_read = violation
        .window
        .operations
        .iter()
        .any(|op| op.f == Function::Get && op.outcome == weft_check::Outcome::Ok);
    assert!(stale_read, "the window holds a read that returned: {}", violation.render());
}

#[test]
fn reads_through_the_log_make_the_same_workload_linearizable() {
    let scenario =
        open("replication-follower-reads", &sets(&["follower_reads=false"])).expect("a library scenario");
    for seed in 1..=20 {
        let report = scenario.run(&RunOptions { seed, keep_trace: false }).expect("it runs");
        assert!(report.violations.is_empty(), "seed {seed}: {:?}", report.violations);
        let history = report.history.expect("a history");
        let completed = history.events().iter().filter(|e| e.event.kind == EventType::Ok).count();
        assert!(completed > 250, "seed {seed}: the clients got answers ({completed})");
    }
}

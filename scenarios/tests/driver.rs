//! The run driver: planned faults fire at their times, on the targets the
//! run has when they fire; `for` undoes them; bounded checks are judged at
//! the end of the last fault plus `within`.

use weft_scenarios::{RunOptions, RunReport, Scenario};
use weft_sim::{SimTime, TraceKind};

/// A flood on a ring of `nodes`, one value per 10 ms for `values` values,
/// plus `extra` TOML.
fn flood(nodes: u32, values: u32, extra: &str) -> Scenario {
    let text = format!(
        r#"
name = "driver-test"
description = "a test"
pattern = "flood"
[nodes]
node = {nodes}
[topology]
shape = "ring"
[network]
latency = "constant 1ms"
[workload]
arrival = "periodic"
rate = "100/s"
requests = {values}
{extra}
"#
    );
    Scenario::load("test.toml", &text, &[], "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn run(scenario: &Scenario, seed: u64) -> RunReport {
    scenario.run(&RunOptions { seed, keep_trace: true }).expect("runs")
}

/// Every fault the run applied: (time, kind, node if any).
fn faults(report: &RunReport) -> Vec<(SimTime, String, Option<u64>)> {
    let trace = report.trace.as_ref().expect("kept");
    trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Fault { fault } => Some((
                e.time,
                fault["fault"].as_str().expect("named").to_string(),
                fault.get("node").and_then(|n| n.as_u64()),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn a_minority_crash_lasts_as_long_as_its_for() {
    let scenario = flood(7, 20, "[[faults]]\nat = \"50ms\"\ncrash = \"minority\"\nfor = \"100ms\"\n");
    for seed in 0..5 {
        let applied = faults(&run(&scenario, seed));
        let crashes: Vec<_> = applied.iter().filter(|f| f.1 == "crash").collect();
        let restarts: Vec<_> = applied.iter().filter(|f| f.1 == "restart").collect();
        // A minority of 7 is 3.
        assert_eq!(crashes.len(), 3, "seed {seed}: {applied:?}");
        assert!(crashes.iter().all(|f| f.0 == SimTime::from_millis(50)));
        assert!(restarts.iter().all(|f| f.0 == SimTime::from_millis(150)));
        let crashed: Vec<_> = crashes.iter().map(|f| f.2).collect();
        let restarted: Vec<_> = restarts.iter().map(|f| f.2).collect();
        assert_eq!(crashed, restarted, "seed {seed}: the same nodes come back");
    }
}

#[test]
fn symbolic_targets_resolve_against_the_run_when_they_fire() {
    // "crashed" at 200 ms means whoever the random crash at 100 ms hit.
    let scenario = flood(
        5,
        30,
        "[[faults]]\nat = \"100ms\"\ncrash = \"random\"\n[[faults]]\nat = \"200ms\"\nrestart = \"crashed\"\n",
    );
    let nodes: std::collections::BTreeSet<Option<u64>> = (0..20)
        .map(|seed| {
            let applied = faults(&run(&scenario, seed));
            assert_eq!(applied.len(), 2, "{applied:?}");
            assert_eq!(applied[0].1, "crash");
            assert_eq!(applied[1].1, "restart");
            assert_eq!(applied[0].2, applied[1].2, "the restart finds the crashed node");
            applied[0].2
        })
        .collect();
    assert!(nodes.len() > 1, "the random target depends on the seed: {nodes:?}");
}

#[test]
fn a_fault_after_the_run_went_quiet_still_fires_at_its_time() {
    let scenario = flood(4, 1, "[[faults]]\nat = \"5s\"\npause = \"all\"\n");
    let report = run(&scenario, 1);
    let applied = faults(&report);
    assert_eq!(applied.len(), 4, "{applied:?}");
    assert!(applied.iter().all(|f| f.0 == SimTime::from_secs(5) && f.1 == "pause"));
}

#[test]
fn a_target_that_names_nobody_is_a_note_not_a_fault() {
    let scenario = flood(4, 1, "[[faults]]\nat = \"1ms\"\nrestart = \"crashed\"\n");
    let report = run(&scenario, 1);
    assert!(faults(&report).is_empty());
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].contains("`restart` had no target"), "{:?}", report.notes);
}

#[test]
fn a_bounded_check_is_judged_within_its_bound_after_the_last_fault() {
    // Values stop at 200 ms; the partition ends at 300 ms. Flooding never
    // repairs, so the check fails, and it fails exactly at 300 ms + 5 ms.
    let extra = "[[faults]]\nat = \"50ms\"\npartition = \"halves\"\nfor = \"250ms\"\n\
                 [checks]\nevery-node-sees-every-value = { within = \"5ms\" }\n";
    let report = run(&flood(6, 20, extra), 3);
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
    assert_eq!(report.violations[0].time, SimTime::from_millis(305));

    // Without the partition it holds.
    let report = run(&flood(6, 20, "[checks]\nevery-node-sees-every-value = { within = \"5ms\" }\n"), 3);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[test]
fn the_nemesis_is_seeded_and_undoes_what_it_does() {
    let extra = "[nemesis]\nevery = \"20ms\"\nlasting = \"5ms..15ms\"\nstop = \"300ms\"\nfaults = [\"crash\", \"pause\"]\n\
                 [checks]\nexact-deliveries = false\nevery-node-sees-every-value = false\n";
    let scenario = flood(5, 30, extra);
    let a = faults(&run(&scenario, 8));
    assert_eq!(a, faults(&run(&scenario, 8)), "same seed, same faults");
    assert_ne!(a, faults(&run(&scenario, 9)), "another seed, other faults");
    let count = |kind: &str| a.iter().filter(|f| f.1 == kind).count();
    assert!(count("crash") + count("pause") >= 5, "{a:?}");
    assert_eq!(count("crash"), count("restart"), "every crash is undone: {a:?}");
    assert_eq!(count("pause"), count("resume"), "every pause is undone: {a:?}");
}

#[test]
fn a_fault_never_undone_counts_from_when_it_fires() {
    // The leader crashes at 1 s for good. `within = "1.01s"` gives the
    // others 1.01 s from the crash to elect a new leader, not 10 ms.
    let sets = [
        "faults=[{ at = \"1s\", crash = \"leader\" }]".to_string(),
        "checks={ leader-elected = { within = \"1.01s\" } }".to_string(),
    ];
    let scenario = weft_scenarios::open("leader-election", &sets).unwrap_or_else(|e| panic!("{e}"));
    for seed in 1..=5 {
        let report = run(&scenario, seed);
        assert!(report.violations.is_empty(), "seed {seed}: {:?}", report.violations);
        assert!(report.notes.is_empty(), "seed {seed}: {:?}", report.notes);
    }
}

#[test]
fn a_check_the_run_ends_before_is_judged_at_the_end_with_a_note() {
    let scenario = weft_scenarios::open("replication", &["duration=1s".to_string()]).expect("loads");
    let report = run(&scenario, 1);
    let note = report.notes.iter().find(|n| n.contains("`clients-complete` was due at"));
    let note = note.unwrap_or_else(|| panic!("{:?}", report.notes));
    assert!(note.contains("but the run stopped at 1"), "{note}");
}

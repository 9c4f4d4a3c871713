//! scatter-gather: known answers on the library scenarios, refused
//! parameters, and random fault schedules under which the always-properties
//! hold and every query is answered.

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use weft_scenarios::{RunOptions, RunReport, Scenario, ScenarioError, library};
use weft_sim::TraceKind;
use weft_tests::faults::{FaultBudget, holds_under, schedules};

fn run(name: &str, sets: &[&str], seed: u64, keep_trace: bool) -> Result<RunReport, ScenarioError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let scenario = library::find(name)
        .expect("a library scenario")
        .load(&sets)
        .unwrap_or_else(|d| panic!("{name} loads:\n{}", d.render(false)));
    scenario.run(&RunOptions { seed, keep_trace })
}

fn passing(name: &str, sets: &[&str], seed: u64) -> RunReport {
    let report = run(name, sets, seed, false).expect("runs");
    assert!(report.verdict().passed(), "{name} seed {seed}: {:?}", report.violations);
    report
}

fn gauge(report: &RunReport, name: &str) -> f64 {
    report.metrics.gauges[name]
}

#[test]
fn a_calm_run_answers_everything_completely_with_the_exact_message_count() {
    let report = passing("scatter-gather", &[], 7);
    assert_eq!(report.metrics.counters["answers_complete"], 200);
    assert_eq!(report.metrics.counters["answers_partial"], 0);
    // Per query: client → root, 8 searches, 8 parts, root → client.
    assert_eq!(gauge(&report, "messages_per_query"), 18.0);
    assert_eq!(gauge(&report, "fanout"), 8.0);
    assert_eq!(gauge(&report, "partial_answer_rate"), 0.0);
}

#[test]
fn partial_answers_name_exactly_the_slow_and_the_crashed_shard() {
    let report = run("scatter-gather-slow-leaf", &[], 3, true).expect("runs");
    assert!(report.verdict().passed(), "{:?}", report.violations);
    let trace = report.trace.expect("kept");
    let mut missing_seen = BTreeSet::new();
    let mut partial = 0;
    for event in &trace.events {
        let TraceKind::Observe { obs, .. } = &event.kind else { continue };
        let Some(answered) = obs.get("answered") else { continue };
        let missing: Vec<u64> = answered["missing"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_u64().expect("a shard"))
            .collect();
        if missing.is_empty() {
            continue;
        }
        partial += 1;
        // leaf-3 is slow from 300 ms to 700 ms (plus the searches queued
        // behind it); leaf-6 is down from 1 s to 1.5 s.
        let at = event.time.as_nanos() / 1_000_000;
        match missing.as_slice() {
            [3] => assert!((300..900).contains(&at), "shard 3 missing at {at} ms"),
            [6] => assert!((1000..1600).contains(&at), "shard 6 missing at {at} ms"),
            other => panic!("at {at} ms an answer missed {other:?}: only shards 3 and 6 were ever down"),
        }
        missing_seen.extend(missing);
    }
    assert_eq!(missing_seen, BTreeSet::from([3, 6]));
    assert_eq!(report.metrics.counters["answers_partial"], partial);
    // The deadline held: no gather took longer than 50 ms (to the
    // histogram's 0.1%).
    assert!(report.metrics.histograms["gather_latency"].max_ns <= 50_050_000);
}

#[test]
fn hedging_cuts_the_tail_for_a_few_percent_more_searches() {
    for seed in 1..=3 {
        let hedged = passing("scatter-gather-hedged", &[], seed);
        let unhedged = passing("scatter-gather-hedged", &["hedge_after=0s"], seed);
        let p99 = |r: &RunReport| Duration::from_nanos(r.metrics.histograms["query_latency"].p99_ns);
        assert!(
            p99(&hedged) * 2 < p99(&unhedged),
            "seed {seed}: p99 {:?} hedged, {:?} not",
            p99(&hedged),
            p99(&unhedged)
        );
        let extra = gauge(&hedged, "hedge_extra_load");
        assert!(extra > 0.0 && extra < 0.1, "seed {seed}: extra load {extra}");
        assert_eq!(gauge(&unhedged, "hedge_extra_load"), 0.0);
        assert!(hedged.metrics.counters["hedge_wins"] <= hedged.metrics.counters["hedges_sent"]);
    }
}

#[test]
fn deduplicating_parts_is_what_keeps_the_counts_right() {
    // The library scenario shows the naive root failing; the same run with
    // deduplication holds.
    let naive = run("scatter-gather-double-count", &[], 1, false).expect("runs");
    assert!(naive.violations.iter().any(|v| v.property == "no-part-merged-twice"));
    let text = library::find("scatter-gather-double-count").expect("in the library").text;
    let (without_expect, _) = text.split_once("[expect]").expect("the scenario expects a violation");
    let fixed = Scenario::load("fixed.toml", without_expect, &["dedupe_parts=true".into()], "fixed")
        .unwrap_or_else(|d| panic!("{}", d.render(false)))
        .run(&RunOptions { seed: 1, keep_trace: false })
        .expect("runs");
    assert!(fixed.verdict().passed(), "{:?}", fixed.violations);
    assert!(fixed.metrics.counters["parts_discarded"] > 0, "duplicates were discarded, not merged");
}

#[test]
fn impossible_parameters_are_refused_with_a_reason() {
    // Refused when the scenario loads (so `weft validate` refuses it too),
    // at the `--set` that made it impossible.
    let refused = |sets: &[&str], expected: &str| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let scenario = library::find("scatter-gather").expect("a library scenario");
        let errors = scenario.load(&sets).expect_err("refused");
        let found = errors.list.iter().find(|d| d.message.contains(expected));
        let found = found.unwrap_or_else(|| panic!("{sets:?}: {}", errors.render(false)));
        let location = errors.location(found).unwrap_or_default();
        assert!(location.starts_with("--set"), "{sets:?}: at {location}");
    };
    refused(&["replicas=3"], "multiple of `replicas`");
    refused(&["hedge_after=10ms"], "replicas = 1");
    refused(&["replicas=2", "hedge_after=50ms"], "shorter than the deadline");
    refused(&["deadline=0s"], "longer than 0s");
    refused(&["client_timeout=50ms"], "longer than the deadline");
    refused(&["workload.clients=3"], "names 3 clients");
}

fn leaves() -> Vec<String> {
    (0..8).map(|i| format!("leaf-{i}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Loss, duplicates, the scenario's own crashes and a cut-off root, and
    /// on top random crashes and pauses of leaves, partitions and clock
    /// jumps: answers stay honest, on time, and every query is answered.
    #[test]
    fn answers_stay_honest_under_random_faults(
        faults in schedules(FaultBudget {
            targets: leaves(),
            max_down: 4,
            window: (Duration::ZERO, Duration::from_millis(1500)),
            longest: Duration::from_millis(500),
            partitions: true,
            pauses: true,
            clock_jumps: Some(Duration::from_millis(500)),
            max_faults: 6,
        }),
        seed in 0u64..1_000_000,
    ) {
        holds_under("scatter-gather-faults", &faults, seed)?;
    }

    /// Without replicas or hedging: a crashed or paused leaf is a missing
    /// shard, named in every answer it misses.
    #[test]
    fn a_single_copy_of_each_shard_fails_honestly(
        faults in schedules(FaultBudget {
            targets: leaves(),
            max_down: 8,
            window: (Duration::ZERO, Duration::from_millis(2000)),
            longest: Duration::from_millis(800),
            partitions: true,
            pauses: true,
            clock_jumps: None,
            max_faults: 5,
        }),
        seed in 0u64..1_000_000,
    ) {
        holds_under("scatter-gather-slow-leaf", &faults, seed)?;
    }
}

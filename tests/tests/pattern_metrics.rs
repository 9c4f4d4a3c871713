//! The patterns' metrics as a run reports them: every counter a pattern
//! declares is reported on every seed (at 0 when nothing counted it), no
//! undeclared counter slips in, and each pattern's docs page names every
//! metric its library scenarios report.

use std::collections::BTreeSet;
use std::path::Path;

use weft_patterns::{leader_election, ownership_election, replication, scatter_gather, sharding};
use weft_scenarios::library;
use weft_tests::run_library;

/// Each pattern with declared counters, and its declaration.
const DECLARED: &[(&str, &[&str])] = &[
    ("leader-election", leader_election::metrics::COUNTERS),
    ("ownership-election", ownership_election::metrics::COUNTERS),
    ("replication", replication::metrics::COUNTERS),
    ("sharding", sharding::metrics::COUNTERS),
    ("scatter-gather", scatter_gather::metrics::COUNTERS),
];

/// The library scenarios of `pattern`.
fn scenarios_of(pattern: &str) -> Vec<&'static str> {
    library()
        .iter()
        .filter(|b| b.load(&[]).expect("library scenarios load").info().name == pattern)
        .map(|b| b.name)
        .collect()
}

#[test]
fn every_declared_counter_is_reported_on_every_seed_and_nothing_else() {
    for (pattern, declared) in DECLARED {
        let declared: BTreeSet<&str> = declared.iter().copied().collect();
        for name in scenarios_of(pattern) {
            for seed in [1, 2] {
                let report = run_library(name, seed, &[]);
                let reported: BTreeSet<&str> = report.metrics.counters.keys().map(String::as_str).collect();
                assert_eq!(
                    reported, declared,
                    "{name} seed {seed}: the counters reported are not the declared ones"
                );
            }
        }
    }
}

#[test]
fn a_counter_nothing_counted_is_reported_as_zero() {
    // The calm leader election never times an election out or steps a
    // leader down; both still show, at 0, so every seed has the same keys.
    let report = run_library("leader-election", 1, &[]);
    assert_eq!(report.metrics.counters.get("elections_timed_out"), Some(&0));
    assert_eq!(report.metrics.counters.get("leader_step_downs"), Some(&0));
}

#[test]
fn every_pattern_page_names_every_metric_its_scenarios_report() {
    let mut missing = Vec::new();
    for (pattern, _) in DECLARED {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/patterns/{pattern}.md"));
        let page = std::fs::read_to_string(&path).expect("the pattern's page");
        let mut reported = BTreeSet::new();
        for name in scenarios_of(pattern) {
            let m = run_library(name, 1, &[]).metrics;
            reported
                .extend(m.counters.into_keys().chain(m.histograms.into_keys()).chain(m.gauges.into_keys()));
        }
        for metric in reported {
            // Sharding's per-shard histograms are documented once, as a family.
            let per_shard = metric
                .strip_prefix("shard_")
                .and_then(|rest| rest.strip_suffix("_latency"))
                .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()));
            let documented = if per_shard { "shard_NN_latency".to_string() } else { metric.clone() };
            if !page.contains(&format!("`{documented}`")) {
                missing.push(format!("docs/patterns/{pattern}.md does not name metric `{metric}`"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

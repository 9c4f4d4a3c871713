//! Shared helpers of weft's end-to-end tests (the tests live in
//! `tests/tests/`).
//!
//! [`faults`] makes random fault schedules for the patterns' property-based
//! fault tests: each pattern's test states its *fault budget* (which nodes
//! may fail, how many at once, which kinds of fault) and asks that its
//! library scenario hold under any schedule within it.

pub mod faults;

use weft_scenarios::{RunOptions, RunReport, library};

/// Runs library scenario `name` with seed `seed` and `--set`s `sets`.
///
/// Panics if the scenario is missing or does not load or run: in a test,
/// that is the failure to report.
pub fn run_library(name: &str, seed: u64, sets: &[&str]) -> RunReport {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let scenario = library::find(name).expect("a library scenario").load(&sets).expect("it loads");
    scenario.run(&RunOptions { seed, keep_trace: false }).expect("it runs")
}

/// The counter `name` of a run (zero if never counted).
pub fn counter(report: &RunReport, name: &str) -> u64 {
    report.metrics.counters.get(name).copied().unwrap_or(0)
}

/// The gauge `name` of a run (NaN if never set, so any comparison fails).
pub fn gauge(report: &RunReport, name: &str) -> f64 {
    report.metrics.gauges.get(name).copied().unwrap_or(f64::NAN)
}

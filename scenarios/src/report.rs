//! What a run produced: counts, metrics, the hash, and the checks' verdicts.

use serde::Serialize;
use weft_sim::{MetricsSummary, Outcome, RunStats, SimTime, Trace};

/// How to run a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The seed: every random choice of the run derives from it.
    pub seed: u64,
    /// Keep every trace event (for `--trace`); the hash is the same either way.
    pub keep_trace: bool,
}

/// A property that did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The property's name, e.g. `exact-deliveries`.
    pub property: String,
    /// When it was found to be violated (virtual time).
    pub time: SimTime,
    /// What was seen, against what was expected.
    pub message: String,
}

/// The result of running a scenario once.
#[derive(Debug)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The `--set` pairs it ran with.
    pub overrides: Vec<(String, String)>,
    /// The stable 64-bit hash of the whole run, as 16 hex digits.
    pub trace_hash: String,
    /// Why the run stopped.
    pub outcome: Outcome,
    /// Counts of what happened.
    pub stats: RunStats,
    /// Messages neither delivered nor dropped when the run stopped.
    pub in_flight: u64,
    /// The virtual time when the run stopped.
    pub sim_time: SimTime,
    /// Counters and histograms recorded by nodes.
    pub metrics: MetricsSummary,
    /// Properties that did not hold; empty when all held.
    pub violations: Vec<Violation>,
    /// The full trace, if it was kept.
    pub trace: Option<Trace>,
}

impl RunReport {
    /// The one command that replays this run exactly.
    pub fn replay_command(&self) -> String {
        let mut command = format!("weft run {} --seed {}", self.scenario, self.seed);
        for (key, value) in &self.overrides {
            command.push_str(&format!(" --set {key}={value}"));
        }
        command
    }
}

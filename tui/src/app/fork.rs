//! Forks: change one thing at a moment of a run, run the same seed again,
//! and see what changed.
//!
//! The explorer itself runs nothing (it only reads traces). A [`Host`], the
//! program that embeds it, runs scenarios: given the faults a fork adds, it
//! re-runs the scenario with the same seed and hands back the new trace.
//! Because runs are deterministic, everything before the fork's moment is
//! the same in both runs, and every difference after it was caused by the
//! one fault the student added.

use std::collections::{BTreeMap, BTreeSet};

use weft_sim::trace::Trace;
use weft_sim::{NodeId, SimTime};

use crate::describe::{self, Names};
use crate::recording::{Recording, World};

/// A fault the student adds at a moment of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkFault {
    /// When it fires.
    pub at: SimTime,
    /// What it does.
    pub kind: ForkKind,
}

/// What a fork's fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForkKind {
    /// Crash the node.
    Crash(NodeId),
    /// Restart the node from its durable storage.
    Restart(NodeId),
    /// Partition the node away from every other node.
    Isolate(NodeId),
    /// Drop messages from the first node to the second; `both_ways` drops
    /// the replies too.
    Cut {
        /// The sender whose messages are lost.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// Whether the other direction is cut too.
        both_ways: bool,
    },
    /// Remove every partition and cut.
    Heal,
}

impl ForkFault {
    /// The fault in words, with node names.
    pub fn describe(&self, names: Names<'_>) -> String {
        let n = |node: &NodeId| names.name(*node);
        let what = match &self.kind {
            ForkKind::Crash(node) => format!("crash {}", n(node)),
            ForkKind::Restart(node) => format!("restart {}", n(node)),
            ForkKind::Isolate(node) => format!("isolate {}", n(node)),
            ForkKind::Cut { from, to, both_ways: true } => format!("cut {} ↔ {}", n(from), n(to)),
            ForkKind::Cut { from, to, both_ways: false } => format!("cut {} → {}", n(from), n(to)),
            ForkKind::Heal => "heal the network".to_string(),
        };
        format!("{what} at {}", describe::time(self.at))
    }
}

/// A scenario the picker offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioEntry {
    /// Its name, as `weft explore NAME` takes it.
    pub name: String,
    /// The pattern it runs.
    pub pattern: String,
    /// What it shows, in a sentence.
    pub description: String,
}

/// Where the explorer gets runs from: the program that embeds it (the
/// `weft` CLI runs scenarios with `weft-scenarios`; a test passes a fake).
pub trait Host {
    /// The scenarios the picker offers.
    fn scenarios(&self) -> Vec<ScenarioEntry>;

    /// Runs scenario `name` with `seed` (`None`: the scenario's own) and the
    /// fork faults `forks` added, and returns its trace (with its
    /// violations in the footer). An `Err` is a message for the status line.
    fn run(&mut self, name: &str, seed: Option<u64>, forks: &[ForkFault]) -> Result<Trace, String>;
}

/// How a fork's run differs from the run it was forked from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// The fault the fork added, in words.
    pub fault: String,
    /// The first event that differs (index and time), if any does.
    pub first_difference: Option<(usize, SimTime)>,
    /// Lines comparing counts: events, messages, drops, violations.
    pub counts: Vec<(String, String, String)>,
    /// Violations only in the fork, then only in the parent.
    pub violations: Vec<String>,
    /// Nodes whose last observed state differs, as `node: before → after`.
    pub nodes: Vec<String>,
}

impl Diff {
    /// Compares `fork` with `parent`.
    pub fn between(parent: &Recording, fork: &Recording, fault: String) -> Diff {
        let (a, b) = (&parent.trace, &fork.trace);
        let first_difference = a
            .events
            .iter()
            .zip(&b.events)
            .position(|(x, y)| x != y)
            .or_else(|| (a.events.len() != b.events.len()).then(|| a.events.len().min(b.events.len())))
            .map(|i| (i, b.events.get(i).or(a.events.get(i)).map_or(SimTime::ZERO, |e| e.time)));
        let end_a = parent.world_at(parent.len().saturating_sub(1));
        let end_b = fork.world_at(fork.len().saturating_sub(1));
        let total = |w: &World, f: fn(&crate::recording::world::NodeCounts) -> u64| {
            w.nodes.iter().map(|n| f(&n.counts)).sum::<u64>().to_string()
        };
        let counts = vec![
            ("events".to_string(), a.events.len().to_string(), b.events.len().to_string()),
            ("messages sent".to_string(), total(&end_a, |c| c.sent), total(&end_b, |c| c.sent)),
            ("messages lost".to_string(), total(&end_a, |c| c.lost_sent), total(&end_b, |c| c.lost_sent)),
            (
                "violations".to_string(),
                a.footer.violations.len().to_string(),
                b.footer.violations.len().to_string(),
            ),
        ];
        let mut violations = Vec::new();
        for v in &b.footer.violations {
            if !a.footer.violations.iter().any(|w| w.property == v.property) {
                violations.push(format!("new: {} at {}", v.property, describe::time(v.time)));
            }
        }
        for v in &a.footer.violations {
            if !b.footer.violations.iter().any(|w| w.property == v.property) {
                violations.push(format!("gone: {}", v.property));
            }
        }
        let names = Names(&b.header);
        let nodes = end_a
            .nodes
            .iter()
            .zip(&end_b.nodes)
            .enumerate()
            .filter_map(|(i, (x, y))| {
                let (before, after) = (Belief::of(x), Belief::of(y));
                (before != after).then(|| {
                    let node = names.name(NodeId::new(i as u32));
                    let differing = before.differing_fields(&after);
                    format!("{node}: {} → {}", before.summary(&differing), after.summary(&differing))
                })
            })
            .collect();
        Diff { fault, first_difference, counts, violations, nodes }
    }
}

/// What a node ended up saying about itself: its status and its latest
/// observation with the fields that observation carried. Fields only older
/// observations carried are left out: they are what it said once, not what
/// it says at the end.
#[derive(PartialEq)]
struct Belief<'a> {
    status: crate::recording::Status,
    latest: Option<&'a str>,
    fields: BTreeMap<&'a str, &'a serde_json::Value>,
}

/// The fields a summary shows even when they are the same on both sides:
/// they say who leads and how far along a node is.
const TELLING_FIELDS: [&str; 6] = ["term", "leader", "token", "version", "log_length", "commit_index"];

impl<'a> Belief<'a> {
    fn of(node: &'a crate::recording::NodeState) -> Belief<'a> {
        Belief {
            status: node.status,
            latest: node.latest.as_ref().map(|(name, _)| name.as_str()),
            fields: node.current_fields().map(|(k, f)| (k.as_str(), &f.value)).collect(),
        }
    }

    /// The fields whose values differ between the two (or that one side
    /// lacks).
    fn differing_fields(&self, other: &Belief<'a>) -> BTreeSet<&'a str> {
        let keys = self.fields.keys().chain(other.fields.keys());
        keys.filter(|k| self.fields.get(*k) != other.fields.get(*k)).copied().collect()
    }

    /// In a few words: the status, the latest observation, the telling
    /// fields and those in `differing`, so two summaries of beliefs that
    /// differ never read the same.
    fn summary(&self, differing: &BTreeSet<&str>) -> String {
        use crate::recording::Status;
        let status = match self.status {
            Status::Crashed => "crashed, ",
            Status::Paused => "paused, ",
            Status::NotStarted => "not started, ",
            Status::Up => "",
        };
        let mut words = vec![format!("{status}{}", self.latest.unwrap_or("nothing observed"))];
        for key in TELLING_FIELDS.iter().copied().chain(differing.iter().copied()).collect::<BTreeSet<_>>() {
            match (self.fields.get(key), differing.contains(key)) {
                (Some(value), _) => words.push(format!("{key}={}", describe::value(value))),
                (None, true) => words.push(format!("no {key}")),
                (None, false) => {}
            }
        }
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use weft_sim::trace::{TraceEvent, TraceKind};

    use super::*;
    use crate::testing::sample_trace;

    /// The sample trace with `extra` observations of node-2 appended.
    fn with(extra: &[serde_json::Value]) -> Recording {
        let mut trace = sample_trace(60);
        let end = trace.events.last().map_or(SimTime::ZERO, |e| e.time);
        for obs in extra {
            let kind = TraceKind::Observe { node: NodeId::new(2), obs: obs.clone() };
            trace.events.push(TraceEvent { time: end, kind });
        }
        Recording::new(trace)
    }

    #[test]
    fn the_summary_compares_latest_observations_and_names_the_fields_that_differ() {
        let parent = with(&[json!({"follows": {"leader": 1, "term": 1, "since": 4}})]);
        let fork = with(&[json!({"follows": {"leader": 1, "term": 1, "since": 9}})]);
        let diff = Diff::between(&parent, &fork, "x".into());
        assert_eq!(
            diff.nodes,
            ["node-2: follows leader=1 since=4 term=1 → follows leader=1 since=9 term=1"],
            "a field outside the usual few is shown when it is what differs"
        );
    }

    #[test]
    fn stale_fields_of_older_observations_are_no_difference() {
        // Both end as a candidate of term 2; only the parent once followed
        // a leader. What node-2 says at the end is the same.
        let parent = with(&[json!({"follows": {"leader": 0}}), json!({"became-candidate": {"term": 2}})]);
        let fork = with(&[json!({"became-candidate": {"term": 2}})]);
        let diff = Diff::between(&parent, &fork, "x".into());
        assert!(diff.nodes.is_empty(), "{:?}", diff.nodes);

        let fork = with(&[json!({"became-candidate": {"term": 3}})]);
        let diff = Diff::between(&parent, &fork, "x".into());
        assert_eq!(diff.nodes, ["node-2: became-candidate term=2 → became-candidate term=3"]);
    }
}

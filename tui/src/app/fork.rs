//! Forks: change one thing at a moment of a run, run the same seed again,
//! and see what changed.
//!
//! The explorer itself runs nothing (it only reads traces). A [`Host`], the
//! program that embeds it, runs scenarios: given the faults a fork adds, it
//! re-runs the scenario with the same seed and hands back the new trace.
//! Because runs are deterministic, everything before the fork's moment is
//! the same in both runs, and every difference after it was caused by the
//! one fault the student added.

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
            .filter(|(_, (x, y))| x.fields != y.fields || x.status != y.status)
            .map(|(i, (x, y))| {
                let node = names.name(NodeId::new(i as u32));
                format!("{node}: {} → {}", summary(x), summary(y))
            })
            .collect();
        Diff { fault, first_difference, counts, violations, nodes }
    }
}

/// A node's end state in a few words: its status and latest observation.
fn summary(node: &crate::recording::NodeState) -> String {
    let status = match node.status {
        crate::recording::Status::Crashed => "crashed, ",
        crate::recording::Status::Paused => "paused, ",
        _ => "",
    };
    let latest = node.latest.as_ref().map_or("nothing observed".to_string(), |(name, _)| name.clone());
    let fields: Vec<String> = node
        .fields
        .iter()
        .filter(|(k, _)| {
            ["term", "leader", "token", "version", "log_length", "commit_index"].contains(&k.as_str())
        })
        .map(|(k, v)| format!("{k}={}", describe::value(v)))
        .collect();
    if fields.is_empty() {
        format!("{status}{latest}")
    } else {
        format!("{status}{latest} {}", fields.join(" "))
    }
}

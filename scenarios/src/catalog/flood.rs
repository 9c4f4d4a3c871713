//! `pattern = "flood"`: values broadcast by flooding.
//!
//! The workload is open loop: `requests` values arrive at `rate`, each at a
//! node drawn at random from the workload stream (among the first `clients`
//! nodes, if `clients` is given; among all nodes otherwise).

use rand::Rng;
use weft_patterns::flood::{self, Flood, Injection};
use weft_sim::queue::QueueKind;
use weft_sim::rng::{Stream, stream_rng};
use weft_sim::{NodeId, Sim, SimTime};

use super::{Conflict, Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;

/// The flooding pattern.
#[derive(Debug)]
pub struct FloodPattern;

/// Property: without loss, flooding delivers an exact number of messages.
pub const EXACT_DELIVERIES: &str = "exact-deliveries";
/// Property: every node ends up with every value.
pub const EVERY_NODE_SEES_EVERY_VALUE: &str = "every-node-sees-every-value";

/// What the flood's properties are judged against.
#[derive(Debug)]
pub struct FloodJudge {
    /// When each value is injected, by value.
    injected_at: Vec<SimTime>,
    /// Where each value is injected, by value: it reaches only that node's
    /// connected component.
    injected_by: Vec<NodeId>,
}

/// The most `nodes × values` a flood may have: 2^33 bits, 1 GiB of "seen"
/// bitmaps.
const MAX_SEEN_BITS: u64 = 1 << 33;

impl Pattern for FloodPattern {
    type Node = Flood;
    type Judge = FloodJudge;

    const INFO: PatternInfo = PatternInfo {
        name: "flood",
        description: "values broadcast by flooding: every node forwards what is new to it",
        roles: &[RoleSpec {
            name: "node",
            help: "forwards each value it sees for the first time to all its other neighbours",
            default_count: 10,
            min: 2,
            max: 1_000_000,
        }],
        params: &[],
        workload: Some(WorkloadSupport {
            closed_loop: false,
            open_loop: true,
            max_clients: None,
            operations: &[],
            keys: false,
        }),
        properties: &[
            PropertySpec {
                name: EXACT_DELIVERIES,
                description: "exactly 2E - n + 1 deliveries per value (E links, n nodes of the injecting node's connected component): true only without loss or faults",
                kind: PropertyKind::AtEnd,
            },
            PropertySpec {
                name: EVERY_NODE_SEES_EVERY_VALUE,
                description: "every node has seen every injected value",
                kind: PropertyKind::Eventually,
            },
        ],
        has_leader: false,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let nodes = scenario.node_count() as u64;
        let values = scenario.workload.as_ref().map_or(0, |w| w.requests);
        if values > u64::from(u32::MAX) || nodes.saturating_mul(values) > MAX_SEEN_BITS {
            return vec![Conflict::new(
                &["workload.requests", "nodes.node"],
                format!(
                    "a flood of {values} values over {nodes} nodes: nodes × values must be at most \
                     {MAX_SEEN_BITS} (each node remembers every value)"
                ),
            )];
        }
        Vec::new()
    }

    fn prepare(scenario: &Scenario, seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let nodes = scenario.node_count();
        let Some(workload) = &scenario.workload else {
            return Ok(Prepared {
                factories: vec![Box::new(|_| Flood::new(0, Vec::new()))],
                judge: FloodJudge { injected_at: Vec::new(), injected_by: Vec::new() },
            });
        };
        let values = u32::try_from(workload.requests).expect("validate: at most u32::MAX values");
        // Arrivals and their nodes come from the workload stream, so changing
        // the workload never shifts the network's draws.
        let mut rng = stream_rng(seed, Stream::Workload);
        let arrivals = workload.open_arrivals(&mut rng);
        let sources = workload.clients.map_or(nodes, |c| (c as usize).min(nodes));
        let mut injections = vec![Vec::new(); nodes];
        let mut injected_by = Vec::with_capacity(arrivals.len());
        for (value, at) in arrivals.iter().enumerate() {
            let value = value as u32;
            let source = rng.random_range(0..sources);
            injections[source].push(Injection { value, at: *at });
            injected_by.push(NodeId::new(source as u32));
        }
        let factory = move |id: NodeId| Flood::new(values, injections[id.index()].clone());
        Ok(Prepared {
            factories: vec![Box::new(factory)],
            judge: FloodJudge { injected_at: arrivals, injected_by },
        })
    }

    fn judge<Q: QueueKind>(
        judge: &FloodJudge,
        property: &str,
        sim: &Sim<Flood, Q>,
        when: Judgement,
    ) -> Result<(), String> {
        let n = sim.node_count();
        match property {
            EXACT_DELIVERIES => {
                // Each value costs what its injecting node's connected
                // component costs: on a disconnected network a value never
                // leaves the part it starts in.
                let per_value = flood::messages_per_value(sim.adjacency());
                let expected: u64 = (judge.injected_at.iter().zip(&judge.injected_by))
                    .filter(|(at, _)| **at <= when.now)
                    .map(|(_, source)| per_value[source.index()])
                    .sum();
                let delivered = sim.stats().messages_delivered;
                if delivered == expected {
                    Ok(())
                } else {
                    Err(format!(
                        "{delivered} messages delivered; without loss flooding delivers exactly {expected}"
                    ))
                }
            }
            _ => {
                // Values that had their time to spread: all of those injected
                // so far at the end; at a bounded check, those injected at
                // least `within` ago.
                let settled = match (when.at_end, when.within) {
                    (false, Some(within)) => {
                        SimTime::from_nanos(when.now.as_nanos().saturating_sub(within.as_nanos() as u64))
                    }
                    _ => when.now,
                };
                let values: Vec<u32> = (0..judge.injected_at.len() as u32)
                    .filter(|v| judge.injected_at[*v as usize] <= settled)
                    .collect();
                let missing: Vec<NodeId> = (0..n as u32)
                    .map(NodeId::new)
                    .filter(|id| sim.node(*id).is_none_or(|node| !values.iter().all(|v| node.has_seen(*v))))
                    .collect();
                match missing.as_slice() {
                    [] => Ok(()),
                    [first, ..] => {
                        let name = &sim.node_info()[first.index()].name;
                        Err(format!(
                            "{} of {n} nodes missed at least one of {} values (first: {name})",
                            missing.len(),
                            values.len()
                        ))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{RunOptions, open};

    /// Runs the flood scenario with `sets`, and returns the violated properties' messages.
    fn violations(sets: &[&str]) -> Vec<String> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let scenario = open("flood", &sets).expect("valid scenario");
        let report = scenario.run(&RunOptions { seed: 1, keep_trace: false }).expect("runs");
        report.violations.iter().map(|v| format!("{}: {}", v.property, v.message)).collect()
    }

    #[test]
    fn exact_deliveries_counts_each_value_in_its_own_component() {
        // Ten nodes, one link: most values stay where they start.
        let found = violations(&["topology={shape=\"edges\", edges=[[\"node-0\", \"node-1\"]]}"]);
        assert!(found.iter().all(|v| !v.starts_with("exact-deliveries")), "{found:?}");
        assert!(found.iter().any(|v| v.starts_with("every-node-sees-every-value")), "{found:?}");
        // Three nodes, one link: values injected at node-0 or node-1 cost
        // one message each, so the count is not "exactly 0".
        let found =
            violations(&["nodes.node=3", "topology={shape=\"edges\", edges=[[\"node-0\", \"node-1\"]]}"]);
        assert!(found.iter().all(|v| !v.starts_with("exact-deliveries")), "{found:?}");
    }
}

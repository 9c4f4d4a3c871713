//! # Flooding: the simplest broadcast
//!
//! How does a value reach every node of a network where each node only knows
//! its neighbours? *Flooding*: the node where a value appears sends it to all
//! its neighbours; a node that sees a value for the first time forwards it to
//! all its neighbours except the one it came from; a node that has seen it
//! before does nothing. Every node ends up with every value, as long as the
//! network is connected and no message is lost.
//!
//! The cost is exact. A value injected at node `s` is sent `deg(s)` times by
//! `s`, and `deg(u) - 1` times by each other node `u`, once each:
//! `2E - n + 1` messages per value, where `E` is the number of links and `n`
//! the number of nodes, both counted in the injecting node's connected
//! component (a value never leaves it). On a full mesh that is almost `n²`; on a sparse
//! 3-regular graph about `2n`. That difference is why real systems gossip
//! over sparse overlays instead of flooding meshes.
//!
//! **What to watch in a run**: the duplicates. Most deliveries on a mesh are
//! of values the receiver already has: the `redundant_deliveries` counter.
//!
//! **Faults**: loss or a partition leaves some nodes without some values;
//! flooding has no repair. Gossip (a later pattern) adds it.

use std::time::Duration;

use serde::Serialize;
use weft_sim::{Adjacency, Ctx, Node, NodeId, SimTime};

// ----- Roles -----

/// A flooding node: every node plays the same role.
#[derive(Debug)]
pub struct Flood {
    /// Bit `v` is set once the node has seen value `v`.
    seen: Vec<u64>,
    /// The values this node injects, and when.
    injections: Vec<Injection>,
}

/// A value that appears at a node at a time (a client write, a sensor
/// reading): the workload of a flood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injection {
    /// The value.
    pub value: u32,
    /// When it appears.
    pub at: SimTime,
}

impl Flood {
    /// A node that will see values `0..values`, and inject `injections`.
    pub fn new(values: u32, injections: Vec<Injection>) -> Flood {
        Flood { seen: vec![0; (values as usize).div_ceil(64)], injections }
    }

    /// True if the node has seen `value`.
    pub fn has_seen(&self, value: u32) -> bool {
        self.seen[value as usize / 64] & (1 << (value % 64)) != 0
    }

    /// Marks `value` seen; returns true if it was new.
    fn mark_seen(&mut self, value: u32) -> bool {
        let (word, bit) = (value as usize / 64, 1u64 << (value % 64));
        let new = self.seen[word] & bit == 0;
        self.seen[word] |= bit;
        new
    }

    /// Sends `value` to every neighbour except `except`.
    fn forward(value: u32, except: Option<NodeId>, ctx: &mut Ctx<'_, Self>) {
        for neighbour in ctx.neighbours() {
            if Some(neighbour) != except {
                ctx.send(neighbour, Message::Value(value));
            }
        }
    }
}

// ----- Messages and timers -----

/// The only message: a value being flooded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// "Here is value v."
    Value(u32),
}

/// Wakes a node when it is time to inject a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// Inject value v now.
    Inject(u32),
}

// ----- Metrics -----

/// Counter: deliveries of a value the receiver had already seen.
pub const REDUNDANT_DELIVERIES: &str = "redundant_deliveries";
/// Counter: values injected.
pub const INJECTED: &str = "values_injected";

/// The exact number of messages that flooding `values` values sends on a
/// connected graph with `nodes` nodes and `links` links, without loss.
///
/// ```
/// // A full mesh of 100 nodes has 4,950 links.
/// assert_eq!(weft_patterns::flood::expected_messages(100, 4_950, 1_000), 9_801_000);
/// ```
///
/// # Panics
///
/// If `links + 1 < nodes`: such a graph is not connected, and a value
/// reaches only part of it. [`messages_per_value`] counts any graph.
pub fn expected_messages(nodes: u64, links: u64, values: u64) -> u64 {
    assert!(links + 1 >= nodes, "{nodes} nodes and {links} links cannot be connected");
    values * (2 * links + 1 - nodes)
}

/// For each node, the exact number of messages flooding one value injected
/// there sends, without loss, on any graph, connected or not.
///
/// A value reaches exactly the injecting node's connected component, so the
/// count is `2E - n + 1` with `E` and `n` counted in that component only: a
/// node alone sends nothing, and two linked nodes among ten send one
/// message, not `2·1 - 10 + 1`.
///
/// ```
/// use weft_sim::rng::{Stream, stream_rng};
/// use weft_sim::{NodeId, Topology};
///
/// // Nodes 0-1-2 in a line, and node 3 alone.
/// let edges = vec![(NodeId::new(0), NodeId::new(1)), (NodeId::new(1), NodeId::new(2))];
/// let adjacency = Topology::Edges(edges).resolve(4, &mut stream_rng(1, Stream::Setup))?;
/// assert_eq!(weft_patterns::flood::messages_per_value(&adjacency), vec![2, 2, 2, 0]);
/// # Ok::<(), weft_sim::TopologyError>(())
/// ```
pub fn messages_per_value(adjacency: &Adjacency) -> Vec<u64> {
    let nodes = adjacency.node_count();
    let mut cost: Vec<Option<u64>> = vec![None; nodes];
    let mut unvisited = nodes;
    let mut stack = Vec::new();
    for start in 0..nodes {
        if cost[start].is_some() {
            continue;
        }
        // Walk the component of `start`, marking its members with a
        // placeholder until its cost is known.
        let mut members = vec![start];
        cost[start] = Some(0);
        unvisited -= 1;
        stack.push(start);
        while let Some(node) = stack.pop() {
            // Once every node is visited no neighbour can be new: stopping
            // here keeps a full mesh linear instead of quadratic.
            if unvisited == 0 {
                break;
            }
            for neighbour in adjacency.neighbours(NodeId::new(node as u32)) {
                if cost[neighbour.index()].is_none() {
                    cost[neighbour.index()] = Some(0);
                    unvisited -= 1;
                    members.push(neighbour.index());
                    stack.push(neighbour.index());
                }
            }
        }
        stack.clear();
        // The degrees of a component's nodes sum to twice its links.
        let degree_sum: u64 = members.iter().map(|m| adjacency.degree(NodeId::new(*m as u32)) as u64).sum();
        let component_nodes = members.len() as u64;
        debug_assert!(degree_sum + 2 >= 2 * component_nodes, "a connected component has n - 1 links or more");
        let per_value = degree_sum + 1 - component_nodes;
        for member in members {
            cost[member] = Some(per_value);
        }
    }
    cost.into_iter().map(|c| c.expect("every node is in a component")).collect()
}

// ----- Behaviour -----

impl Node for Flood {
    type Message = Message;
    type Timer = Timer;
    type Observation = ();
    type Durable = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        let now = ctx.now();
        for injection in &self.injections {
            // After a restart, injections already past are not repeated.
            if injection.at >= now {
                let after: Duration = injection.at - now;
                ctx.set_timer(after, Timer::Inject(injection.value));
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        let Message::Value(value) = msg;
        if self.mark_seen(value) {
            Self::forward(value, Some(from), ctx);
        } else {
            ctx.metrics().count(REDUNDANT_DELIVERIES);
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        let Timer::Inject(value) = timer;
        ctx.metrics().count(INJECTED);
        if self.mark_seen(value) {
            Self::forward(value, None, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use weft_sim::{Outcome, Sim, Topology};

    use super::*;

    #[test]
    fn every_node_sees_every_value_on_a_ring() {
        let values = 5;
        let mut sim = Sim::builder(1)
            .topology(Topology::Ring)
            .nodes(10, move |id| {
                let injections = (0..values)
                    .filter(|v| v % 10 == id.as_u32())
                    .map(|v| Injection { value: v, at: SimTime::from_millis(u64::from(v) + 1) })
                    .collect();
                Flood::new(values, injections)
            })
            .build()
            .expect("valid simulation");
        assert_eq!(sim.run(), Outcome::Quiescent);
        for n in 0..10 {
            let node = sim.node(NodeId::new(n)).expect("no crashes");
            assert!((0..values).all(|v| node.has_seen(v)), "node {n} missed a value");
        }
        // Ring of 10: 10 links, so 2*10 - 10 + 1 = 11 messages per value.
        assert_eq!(sim.stats().messages_delivered, expected_messages(10, 10, 5));
    }

    /// Floods one value from `source` on `topology` and counts deliveries.
    fn delivered_from(topology: Topology, nodes: u32, source: u32) -> u64 {
        let mut sim = Sim::builder(1)
            .topology(topology)
            .nodes(nodes as usize, move |id| {
                let injections = if id.as_u32() == source {
                    vec![Injection { value: 0, at: SimTime::from_millis(1) }]
                } else {
                    Vec::new()
                };
                Flood::new(1, injections)
            })
            .build()
            .expect("valid simulation");
        assert_eq!(sim.run(), Outcome::Quiescent);
        sim.stats().messages_delivered
    }

    #[test]
    fn the_count_per_value_is_exact_on_disconnected_graphs_too() {
        let edge = |a: u32, b: u32| (NodeId::new(a), NodeId::new(b));
        let graphs: Vec<(Topology, u32)> = vec![
            // Ten nodes, one link: the audit's underflow.
            (Topology::Edges(vec![edge(0, 1)]), 10),
            // Three nodes, one link: not "exactly 0".
            (Topology::Edges(vec![edge(0, 1)]), 3),
            // Two triangles and a pair.
            (
                Topology::Edges(vec![
                    edge(0, 1),
                    edge(1, 2),
                    edge(2, 0),
                    edge(3, 4),
                    edge(4, 5),
                    edge(5, 3),
                    edge(6, 7),
                ]),
                8,
            ),
            (Topology::Ring, 7),
            (Topology::Mesh, 6),
        ];
        for (topology, nodes) in graphs {
            let mut rng = weft_sim::rng::stream_rng(1, weft_sim::rng::Stream::Setup);
            let adjacency = topology.resolve(nodes as usize, &mut rng).expect("valid topology");
            let expected = messages_per_value(&adjacency);
            for source in 0..nodes {
                let delivered = delivered_from(topology.clone(), nodes, source);
                assert_eq!(delivered, expected[source as usize], "{topology:?}, value injected at {source}");
            }
        }
    }

    #[test]
    fn on_a_connected_graph_both_counts_agree() {
        let mut rng = weft_sim::rng::stream_rng(1, weft_sim::rng::Stream::Setup);
        let ring = Topology::Ring.resolve(10, &mut rng).expect("valid topology");
        assert_eq!(messages_per_value(&ring), vec![expected_messages(10, 10, 1); 10]);
    }
}

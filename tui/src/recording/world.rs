//! The world as the trace shows it at one moment: who is up, how the network
//! is cut, what each node has said about itself.
//!
//! The explorer never looks inside a node. Everything here is a fold over
//! trace events: a crash event marks a node crashed, an observation such as
//! `{"became-leader": {"term": 3}}` sets that node's `term` field to 3 and its
//! latest observation to `became-leader`. That is the point of observations:
//! a node says what it wants the world to know, and tools read only that.
//!
//! A field keeps the observation that last carried it and when. Only the
//! latest observation's fields are what the node says *now*: a `leader`
//! field from an old `follows` is what it said then, and may be long stale
//! (it has since become a candidate, say, and no observation of a candidate
//! names a leader). The inspector shows the two apart.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use weft_sim::trace::{TraceEvent, TraceKind};
use weft_sim::{NodeId, SimTime};

use crate::describe;

/// Whether a node is running, as the trace shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Its handler has not started yet.
    #[default]
    NotStarted,
    /// Running.
    Up,
    /// Crashed: handles nothing until a restart.
    Crashed,
    /// Paused: handles nothing until it resumes; messages wait for it.
    Paused,
}

/// The state of the link between two nodes, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkState {
    /// Messages cannot cross in either direction.
    Cut,
    /// Messages from the first node to the second are dropped; the other
    /// way works.
    CutOneWay {
        /// The sender whose messages are lost.
        from: NodeId,
    },
    /// The link was degraded (more latency or loss).
    Degraded,
    /// As configured.
    Healthy,
}

/// What the trace says about one node so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeState {
    /// Running, crashed or paused.
    pub status: Status,
    /// Every field any of its observations carried (`term`, `leader`,
    /// `log_length`...), each with the observation that last carried it.
    pub fields: BTreeMap<String, Field>,
    /// Its latest observation's name (`became-leader`) and when it was made.
    pub latest: Option<(String, SimTime)>,
    /// Whether a slow-node fault is in effect on it.
    pub slow: bool,
    /// Its last clock jump, described (`+50ms, 100 ppm`), if any.
    pub clock: Option<String>,
    /// Its traffic and activity so far.
    pub counts: NodeCounts,
}

/// The last value a node's observations gave a field, and which observation
/// said it.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The value.
    pub value: Value,
    /// The observation that carried it (`follows`).
    pub observation: String,
    /// When.
    pub at: SimTime,
    /// Which of the node's observations it was, counting from 1: the field
    /// is current when this is the node's latest observation.
    pub number: u64,
}

impl NodeState {
    /// Whether `field` came with the node's latest observation: what the
    /// node says now, not what it said once.
    pub fn is_current(&self, field: &Field) -> bool {
        field.number == self.counts.observations
    }

    /// The fields its latest observation carried.
    pub fn current_fields(&self) -> impl Iterator<Item = (&String, &Field)> {
        self.fields.iter().filter(|(_, f)| self.is_current(f))
    }

    /// The fields only earlier observations carried: what it said then.
    pub fn earlier_fields(&self) -> impl Iterator<Item = (&String, &Field)> {
        self.fields.iter().filter(|(_, f)| !self.is_current(f))
    }
}

/// How much a node has done, counted from the trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCounts {
    /// Messages it sent.
    pub sent: u64,
    /// Messages delivered to it.
    pub received: u64,
    /// Messages it sent that were dropped.
    pub lost_sent: u64,
    /// Messages to it that were dropped.
    pub lost_received: u64,
    /// Timers that fired on it.
    pub timers: u64,
    /// Observations it made.
    pub observations: u64,
}

/// Everything the explorer shows about one moment of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    /// How many events have been applied: this is the world after
    /// `events[..applied]`.
    pub applied: usize,
    /// The time of the last applied event.
    pub time: SimTime,
    /// Per node, indexed by `NodeId`.
    pub nodes: Vec<NodeState>,
    /// The current partition, as a side number per node (nodes named in no
    /// group share side 0), or `None` when the network is whole.
    partition: Option<Vec<u32>>,
    /// One-way cuts, as (from, to).
    cuts: BTreeSet<(NodeId, NodeId)>,
    /// Degraded links, as (lower id, higher id).
    degraded: BTreeSet<(NodeId, NodeId)>,
    /// Messages sent (or duplicated) and not yet delivered or dropped.
    pub in_flight: BTreeSet<u64>,
}

impl World {
    /// The world before anything happened, for a run of `nodes` nodes.
    pub fn new(nodes: usize) -> World {
        World {
            applied: 0,
            time: SimTime::ZERO,
            nodes: vec![NodeState::default(); nodes],
            partition: None,
            cuts: BTreeSet::new(),
            degraded: BTreeSet::new(),
            in_flight: BTreeSet::new(),
        }
    }

    /// Applies the next event. Events name nodes by id; an id the header
    /// did not declare (a hand-edited trace) is ignored rather than trusted.
    pub fn apply(&mut self, event: &TraceEvent) {
        self.applied += 1;
        self.time = event.time;
        match &event.kind {
            TraceKind::Start { node } => self.set_status(*node, Status::Up),
            TraceKind::Send { id, from, .. } => {
                self.in_flight.insert(*id);
                self.count(*from, |c| c.sent += 1);
            }
            TraceKind::Duplicate { copy, .. } => {
                self.in_flight.insert(*copy);
            }
            TraceKind::Deliver { id, to, .. } => {
                self.in_flight.remove(id);
                self.count(*to, |c| c.received += 1);
            }
            TraceKind::Drop { id, from, to, .. } => {
                self.in_flight.remove(id);
                self.count(*from, |c| c.lost_sent += 1);
                self.count(*to, |c| c.lost_received += 1);
            }
            TraceKind::Timer { node, .. } => self.count(*node, |c| c.timers += 1),
            TraceKind::Fault { fault } => self.apply_fault(fault),
            TraceKind::Observe { node, obs } => {
                let time = event.time;
                if let Some(state) = self.nodes.get_mut(node.index()) {
                    state.counts.observations += 1;
                    let number = state.counts.observations;
                    let (name, fields) = observation_parts(obs);
                    for (key, value) in fields {
                        let field = Field { value, observation: name.clone(), at: time, number };
                        state.fields.insert(key, field);
                    }
                    state.latest = Some((name, time));
                }
            }
        }
    }

    /// The state of the link between `a` and `b` now.
    pub fn link(&self, a: NodeId, b: NodeId) -> LinkState {
        let split = self.partition.as_ref().is_some_and(|sides| side(sides, a) != side(sides, b));
        let a_to_b = split || self.cuts.contains(&(a, b));
        let b_to_a = split || self.cuts.contains(&(b, a));
        match (a_to_b, b_to_a) {
            (true, true) => LinkState::Cut,
            (true, false) => LinkState::CutOneWay { from: a },
            (false, true) => LinkState::CutOneWay { from: b },
            (false, false) if self.degraded.contains(&ordered(a, b)) => LinkState::Degraded,
            (false, false) => LinkState::Healthy,
        }
    }

    /// Whether any partition or cut is in effect.
    pub fn is_split(&self) -> bool {
        self.partition.is_some() || !self.cuts.is_empty()
    }

    fn set_status(&mut self, node: NodeId, status: Status) {
        if let Some(state) = self.nodes.get_mut(node.index()) {
            state.status = status;
        }
    }

    fn count(&mut self, node: NodeId, add: impl FnOnce(&mut NodeCounts)) {
        if let Some(state) = self.nodes.get_mut(node.index()) {
            add(&mut state.counts);
        }
    }

    /// Faults arrive as JSON (the engine's `Fault`, serialised); read the
    /// fields each kind has.
    fn apply_fault(&mut self, fault: &Value) {
        let node = |key: &str| describe::fault_node(fault, key);
        match fault.get("fault").and_then(Value::as_str).unwrap_or("") {
            "crash" => node("node").into_iter().for_each(|n| self.set_status(n, Status::Crashed)),
            // The restart's start event follows and marks it up; until then
            // it is down.
            "restart" => node("node").into_iter().for_each(|n| self.set_status(n, Status::Crashed)),
            "pause" => node("node").into_iter().for_each(|n| self.set_status(n, Status::Paused)),
            "resume" => node("node").into_iter().for_each(|n| self.set_status(n, Status::Up)),
            "partition" => {
                let mut sides = vec![0u32; self.nodes.len()];
                for (g, group) in describe::partition_groups(fault).iter().enumerate() {
                    for n in group {
                        if let Some(side) = sides.get_mut(n.index()) {
                            *side = g as u32 + 1;
                        }
                    }
                }
                self.partition = Some(sides);
            }
            "cut-one-way" => {
                if let (Some(from), Some(to)) = (node("from"), node("to")) {
                    self.cuts.insert((from, to));
                }
            }
            "heal" => {
                self.partition = None;
                self.cuts.clear();
            }
            "degrade-link" => {
                if let (Some(a), Some(b)) = (node("a"), node("b")) {
                    self.degraded.insert(ordered(a, b));
                }
            }
            "restore-link" => {
                if let (Some(a), Some(b)) = (node("a"), node("b")) {
                    self.degraded.remove(&ordered(a, b));
                }
            }
            "slow-node" => node("node").into_iter().for_each(|n| self.set_slow(n, true)),
            "restore-speed" => node("node").into_iter().for_each(|n| self.set_slow(n, false)),
            "clock-skew" => {
                if let Some(state) = node("node").and_then(|n| self.nodes.get_mut(n.index())) {
                    state.clock = Some(describe::clock_skew(fault));
                }
            }
            _ => {}
        }
    }

    fn set_slow(&mut self, node: NodeId, slow: bool) {
        if let Some(state) = self.nodes.get_mut(node.index()) {
            state.slow = slow;
        }
    }
}

fn side(sides: &[u32], node: NodeId) -> u32 {
    sides.get(node.index()).copied().unwrap_or(0)
}

fn ordered(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Splits an observation into its name and its fields. Observations are
/// enums serialised the serde way: `"started"`, `{"hedge": 8}` or
/// `{"became-leader": {"term": 3}}`.
pub fn observation_parts(obs: &Value) -> (String, Vec<(String, Value)>) {
    match obs {
        Value::String(name) => (name.clone(), Vec::new()),
        Value::Object(map) if map.len() == 1 => {
            let (name, inner) = map.iter().next().expect("one entry");
            let fields = match inner {
                Value::Object(fields) => fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                Value::Null => Vec::new(),
                other => vec![(name.clone(), other.clone())],
            };
            (name.clone(), fields)
        }
        Value::Object(map) => {
            ("observation".into(), map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        other => (other.to_string(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(ms: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent { time: SimTime::from_millis(ms), kind }
    }

    fn n(i: u32) -> NodeId {
        NodeId::new(i)
    }

    #[test]
    fn observations_fold_into_fields_and_latest() {
        let mut world = World::new(2);
        world.apply(&at(0, TraceKind::Start { node: n(1) }));
        world.apply(&at(5, TraceKind::Observe { node: n(1), obs: json!({"became-candidate": {"term": 1}}) }));
        world.apply(&at(9, TraceKind::Observe { node: n(1), obs: json!({"became-leader": {"term": 2}}) }));
        let node = &world.nodes[1];
        assert_eq!(node.status, Status::Up);
        assert_eq!(node.fields.get("term").map(|f| &f.value), Some(&json!(2)));
        assert_eq!(node.latest, Some(("became-leader".to_string(), SimTime::from_millis(9))));
        assert_eq!(node.counts.observations, 2);
        assert_eq!(world.nodes[0].status, Status::NotStarted);
    }

    #[test]
    fn fields_an_older_observation_carried_are_not_current() {
        let mut world = World::new(1);
        let observe = |ms, obs| at(ms, TraceKind::Observe { node: n(0), obs });
        world.apply(&observe(5, json!({"follows": {"leader": 4, "term": 1}})));
        world.apply(&observe(9, json!({"voted": {"candidate": 2, "term": 2}})));
        world.apply(&observe(12, json!({"became-candidate": {"term": 3}})));
        let node = &world.nodes[0];
        let current: Vec<&str> = node.current_fields().map(|(k, _)| k.as_str()).collect();
        assert_eq!(current, ["term"], "only the candidacy speaks for now");
        let term = &node.fields["term"];
        assert_eq!((term.value.clone(), term.at), (json!(3), SimTime::from_millis(12)));
        let earlier: Vec<(&str, &str, SimTime)> =
            node.earlier_fields().map(|(k, f)| (k.as_str(), f.observation.as_str(), f.at)).collect();
        assert_eq!(
            earlier,
            [("candidate", "voted", SimTime::from_millis(9)), ("leader", "follows", SimTime::from_millis(5)),],
            "each older field says which observation carried it, and when"
        );
        // An observation without fields makes every field an earlier one.
        world.apply(&observe(20, json!("stepped-down")));
        assert_eq!(world.nodes[0].current_fields().count(), 0);
        assert_eq!(world.nodes[0].earlier_fields().count(), 3);
    }

    #[test]
    fn partitions_cuts_and_heal_set_link_states() {
        let mut world = World::new(3);
        let fault = |f| TraceKind::Fault { fault: f };
        world.apply(&at(1, fault(json!({"fault": "partition", "groups": [[0]]}))));
        assert_eq!(world.link(n(0), n(1)), LinkState::Cut);
        assert_eq!(world.link(n(1), n(2)), LinkState::Healthy, "unnamed nodes share a side");
        world.apply(&at(2, fault(json!({"fault": "heal"}))));
        world.apply(&at(3, fault(json!({"fault": "cut-one-way", "from": 2, "to": 1}))));
        assert_eq!(world.link(n(1), n(2)), LinkState::CutOneWay { from: n(2) });
        assert_eq!(world.link(n(2), n(1)), LinkState::CutOneWay { from: n(2) });
        world.apply(&at(4, fault(json!({"fault": "degrade-link", "a": 1, "b": 0, "link": {}}))));
        assert_eq!(world.link(n(0), n(1)), LinkState::Degraded);
        world.apply(&at(5, fault(json!({"fault": "crash", "node": 7}))));
        assert_eq!(world.nodes.len(), 3, "an unknown node id is ignored, not a panic");
    }

    #[test]
    fn messages_are_in_flight_from_send_to_delivery_or_drop() {
        let mut world = World::new(2);
        world.apply(&at(0, TraceKind::Send { id: 0, from: n(0), to: n(1), msg: json!("ping") }));
        world.apply(&at(0, TraceKind::Duplicate { id: 0, copy: 1 }));
        assert_eq!(world.in_flight.len(), 2);
        world.apply(&at(3, TraceKind::Deliver { id: 0, from: n(0), to: n(1) }));
        world.apply(&at(
            4,
            TraceKind::Drop { id: 1, from: n(0), to: n(1), reason: weft_sim::DropReason::Loss },
        ));
        assert!(world.in_flight.is_empty());
        assert_eq!((world.nodes[0].counts.sent, world.nodes[1].counts.received), (1, 1));
        assert_eq!(world.nodes[1].counts.lost_received, 1);
    }
}

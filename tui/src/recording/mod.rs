//! A recorded run, ready to explore: its trace, and indexes built once when
//! it is loaded so that every move of the cursor is cheap.
//!
//! - **Messages**: for each message id, the event that sent it and the one
//!   that ended it (delivery or drop), so an arrow can be drawn from one to
//!   the other and an in-flight message placed along its link.
//! - **Marks**: faults and property violations, in order, for the timeline
//!   and for jumping between them.
//! - **Snapshots**: the [`World`] every [`SNAPSHOT_EVERY`] events (more
//!   apart on runs so long that a thousand snapshots would not cover them).
//!   The world at any event is the nearest snapshot before it plus at most
//!   that many events, so stepping back on a run of millions of events is as
//!   fast as stepping forward: no replay from the start.

pub mod world;

use std::collections::{BTreeMap, BTreeSet};

use weft_sim::trace::{Trace, TraceKind, Violation};
use weft_sim::{NodeId, SimTime};

pub use world::{Field, LinkState, NodeState, Status, World};

/// How many events apart the snapshots are, at least: a seek applies at
/// most this many events to a cloned snapshot.
pub const SNAPSHOT_EVERY: usize = 256;

/// At most about this many snapshots are kept: a run of millions of events
/// spaces them further apart rather than holding a world per 256 events.
const MAX_SNAPSHOTS: usize = 1024;

/// Where a message's life is recorded in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageLife {
    /// The event that sent it (or, for a duplicate's copy, that made it).
    pub sent: usize,
    /// The event that delivered or dropped it; `None` if it was still in
    /// flight when the run stopped.
    pub ended: Option<usize>,
    /// Its sender.
    pub from: NodeId,
    /// Its addressee.
    pub to: NodeId,
}

/// Something worth jumping to.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A fault took effect at this event.
    Fault,
    /// A property was found violated at this moment; its event is the last
    /// one at or before the violation's time.
    Violation(Violation),
}

/// A run to explore: the trace and its indexes.
#[derive(Debug)]
pub struct Recording {
    /// The run.
    pub trace: Trace,
    /// Per message id, where its life is recorded. (The engine numbers
    /// messages densely from 0, but a hand-edited trace file may not: a map
    /// keeps an id of 2^64-1 from asking for that much memory.)
    messages: BTreeMap<u64, MessageLife>,
    /// Faults and violations by event index, in order.
    pub marks: Vec<(usize, Mark)>,
    /// Per node, the indexes of the events it took part in.
    node_events: Vec<Vec<usize>>,
    /// Every pair of nodes that exchanged a message, (lower, higher): the
    /// links the topology view draws.
    pub links: Vec<(NodeId, NodeId)>,
    /// `snapshots[k]` is the world after `k * every` events.
    snapshots: Vec<World>,
    /// How many events apart the snapshots are.
    every: usize,
}

impl Recording {
    /// Indexes `trace`. Linear in its length.
    pub fn new(trace: Trace) -> Recording {
        let node_count = trace.header.nodes.len();
        let mut messages = BTreeMap::new();
        let mut marks = Vec::new();
        let mut node_events = vec![Vec::new(); node_count];
        let mut links = BTreeSet::new();
        let every = (trace.events.len() / MAX_SNAPSHOTS).max(SNAPSHOT_EVERY);
        let mut snapshots = Vec::with_capacity(trace.events.len() / every + 1);
        let mut world = World::new(node_count);
        for (i, event) in trace.events.iter().enumerate() {
            if i % every == 0 {
                snapshots.push(world.clone());
            }
            world.apply(event);
            let mut involve = |node: NodeId| {
                if let Some(list) = node_events.get_mut(node.index()) {
                    list.push(i);
                }
            };
            match &event.kind {
                TraceKind::Send { id, from, to, .. } => {
                    messages.insert(*id, MessageLife { sent: i, ended: None, from: *from, to: *to });
                    involve(*from);
                    if from != to {
                        involve(*to);
                    }
                    links.insert(if from <= to { (*from, *to) } else { (*to, *from) });
                }
                TraceKind::Duplicate { id, copy } => {
                    if let Some(original) = messages.get(id).copied() {
                        messages.insert(*copy, MessageLife { sent: i, ended: None, ..original });
                    }
                }
                TraceKind::Deliver { id, from, to } | TraceKind::Drop { id, from, to, .. } => {
                    if let Some(life) = messages.get_mut(id) {
                        life.ended = Some(i);
                    }
                    involve(*from);
                    if from != to {
                        involve(*to);
                    }
                }
                TraceKind::Start { node }
                | TraceKind::Timer { node, .. }
                | TraceKind::Observe { node, .. } => involve(*node),
                TraceKind::Fault { fault } => {
                    marks.push((i, Mark::Fault));
                    crate::describe::fault_nodes(fault).for_each(&mut involve);
                }
            }
        }
        let mut recording = Recording {
            messages,
            marks,
            node_events,
            links: links.into_iter().filter(|(a, b)| a != b).collect(),
            snapshots,
            every,
            trace,
        };
        for violation in recording.trace.footer.violations.clone() {
            let at = recording.event_at_time(violation.time);
            recording.marks.push((at, Mark::Violation(violation)));
        }
        recording.marks.sort_by_key(|(i, _)| *i);
        recording
    }

    /// How many events the run has.
    pub fn len(&self) -> usize {
        self.trace.events.len()
    }

    /// Whether the run has no events at all.
    pub fn is_empty(&self) -> bool {
        self.trace.events.is_empty()
    }

    /// How many nodes the run has.
    pub fn node_count(&self) -> usize {
        self.trace.header.nodes.len()
    }

    /// The time the last event happened (zero for an empty run).
    pub fn end_time(&self) -> SimTime {
        self.trace.events.last().map_or(SimTime::ZERO, |e| e.time)
    }

    /// How many events apart the snapshots are: the most events a seek
    /// applies.
    pub fn snapshot_every(&self) -> usize {
        self.every
    }

    /// The world just after event `cursor` (before any event if the run is
    /// empty): the nearest snapshot, then at most
    /// [`snapshot_every`](Recording::snapshot_every) events.
    pub fn world_at(&self, cursor: usize) -> World {
        let applied = (cursor + 1).min(self.len());
        let k = (applied / self.every).min(self.snapshots.len().saturating_sub(1));
        let mut world = self.snapshots.get(k).cloned().unwrap_or_else(|| World::new(self.node_count()));
        self.advance(&mut world, applied);
        world
    }

    /// Applies events to `world` until it has applied `applied` of them
    /// (only forwards).
    pub fn advance(&self, world: &mut World, applied: usize) {
        let upto = applied.min(self.len());
        while world.applied < upto {
            world.apply(&self.trace.events[world.applied]);
        }
    }

    /// Where message `id`'s life is recorded.
    pub fn message(&self, id: u64) -> Option<MessageLife> {
        self.messages.get(&id).copied()
    }

    /// The message a send, duplicate, delivery or drop event is about.
    pub fn message_of(&self, event: usize) -> Option<(u64, MessageLife)> {
        let id = match &self.trace.events.get(event)?.kind {
            TraceKind::Send { id, .. } | TraceKind::Deliver { id, .. } | TraceKind::Drop { id, .. } => *id,
            TraceKind::Duplicate { copy, .. } => *copy,
            _ => return None,
        };
        Some((id, self.message(id)?))
    }

    /// The content of message `id`, as the send event recorded it.
    pub fn message_body(&self, id: u64) -> Option<&serde_json::Value> {
        let life = self.message(id)?;
        match &self.trace.events.get(life.sent)?.kind {
            TraceKind::Send { msg, .. } => Some(msg),
            TraceKind::Duplicate { id, .. } => self.message_body(*id),
            _ => None,
        }
    }

    /// The indexes of the events node `node` took part in, in order.
    pub fn events_of(&self, node: NodeId) -> &[usize] {
        self.node_events.get(node.index()).map_or(&[], Vec::as_slice)
    }

    /// The last event at or before `time` (the first event if none is).
    pub fn event_at_time(&self, time: SimTime) -> usize {
        self.trace.events.partition_point(|e| e.time <= time).saturating_sub(1)
    }

    /// The violations, with the event each is marked at.
    pub fn violations(&self) -> impl Iterator<Item = (usize, &Violation)> {
        self.marks.iter().filter_map(|(i, m)| match m {
            Mark::Violation(v) => Some((*i, v)),
            Mark::Fault => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_trace;

    #[test]
    fn a_seek_equals_a_replay_from_the_start() {
        let recording = Recording::new(sample_trace(1_000));
        let mut replayed = World::new(recording.node_count());
        for cursor in 0..recording.len() {
            replayed.apply(&recording.trace.events[cursor]);
            // Check every event near the snapshot edges, and a sample elsewhere.
            if cursor % SNAPSHOT_EVERY < 3 || cursor % SNAPSHOT_EVERY > SNAPSHOT_EVERY - 3 || cursor % 37 == 0
            {
                assert_eq!(recording.world_at(cursor), replayed, "world after event {cursor}");
            }
        }
    }

    #[test]
    fn messages_know_where_they_start_and_end() {
        let recording = Recording::new(sample_trace(40));
        for (i, event) in recording.trace.events.iter().enumerate() {
            if let TraceKind::Deliver { id, .. } = event.kind {
                let life = recording.message(id).expect("delivered messages were sent");
                assert!(life.sent < i);
                assert_eq!(life.ended, Some(i));
                assert!(matches!(
                    recording.trace.events[life.sent].kind,
                    TraceKind::Send { .. } | TraceKind::Duplicate { .. }
                ));
            }
        }
        assert!(!recording.links.is_empty());
        assert!(recording.marks.iter().any(|(_, m)| matches!(m, Mark::Violation(_))));
    }
}

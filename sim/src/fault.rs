//! The fault vocabulary: everything that can go wrong, by name.
//!
//! A fault is data. Schedule it at a virtual time with
//! [`SimBuilder::fault_at`](crate::SimBuilder::fault_at), or apply it now with
//! [`Sim::inject`](crate::Sim::inject); either way it is recorded in the trace
//! when it takes effect.

use std::time::Duration;

use serde::Serialize;

use crate::{Latency, LinkModel, NodeId};

/// Something that goes wrong (or gets better) at a point in virtual time.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum Fault {
    /// The node stops: its volatile state and timers are lost, and messages
    /// to it (including those already in flight) are dropped. Its durable
    /// storage survives.
    Crash {
        /// The node that crashes.
        node: NodeId,
    },
    /// The node is rebuilt by its factory and started again, keeping its
    /// durable storage. Restarting a running node crashes it first.
    Restart {
        /// The node that restarts.
        node: NodeId,
    },
    /// A stop-the-world pause (a long GC, a VM migration): the node handles
    /// nothing, and messages and timers for it wait until it resumes.
    Pause {
        /// The node that freezes.
        node: NodeId,
    },
    /// Ends a [`Fault::Pause`]; everything that waited is handled in order.
    Resume {
        /// The node that wakes up.
        node: NodeId,
    },
    /// Splits the network: nodes in different groups cannot exchange
    /// messages. Nodes not named in any group form one more group together.
    /// Replaces any earlier partition (but not one-way cuts).
    Partition {
        /// The sides of the partition.
        groups: Vec<Vec<NodeId>>,
    },
    /// Drops every message from `from` to `to`, while `to` can still reach
    /// `from`: the asymmetric failures that confuse failure detectors.
    CutOneWay {
        /// The sender whose messages are lost.
        from: NodeId,
        /// The receiver that stops hearing from `from`.
        to: NodeId,
    },
    /// Removes every partition and one-way cut.
    Heal,
    /// Moves the node's local clock and sets its rate. The jump is applied
    /// once; the drift continues until the next `ClockSkew` for the node.
    ClockSkew {
        /// The node whose clock is wrong.
        node: NodeId,
        /// How far the clock jumps.
        offset: ClockOffset,
        /// How fast the clock runs wrong, in parts per million: `+100.0` means
        /// the local clock gains 100 µs every virtual second.
        drift_ppm: f64,
    },
    /// The node takes `extra` more time to handle each message (an
    /// overloaded machine, a failing disk), until [`Fault::RestoreSpeed`].
    SlowNode {
        /// The slow node.
        node: NodeId,
        /// The added processing delay per message.
        #[serde(serialize_with = "crate::network::serialize_display")]
        extra: Latency,
    },
    /// Ends a [`Fault::SlowNode`].
    RestoreSpeed {
        /// The node back at full speed.
        node: NodeId,
    },
    /// Replaces the behaviour of the link between `a` and `b`, both
    /// directions (more latency, more loss), until [`Fault::RestoreLink`].
    DegradeLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// How the link behaves while degraded.
        link: LinkModel,
    },
    /// Returns the link between `a` and `b` to its configured behaviour.
    RestoreLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
    },
}

impl Fault {
    /// Every node this fault names, to check them against the node count.
    pub(crate) fn nodes(&self) -> Vec<NodeId> {
        match self {
            Fault::Crash { node }
            | Fault::Restart { node }
            | Fault::Pause { node }
            | Fault::Resume { node }
            | Fault::ClockSkew { node, .. }
            | Fault::SlowNode { node, .. }
            | Fault::RestoreSpeed { node } => vec![*node],
            Fault::Partition { groups } => groups.iter().flatten().copied().collect(),
            Fault::CutOneWay { from, to } => vec![*from, *to],
            Fault::DegradeLink { a, b, .. } | Fault::RestoreLink { a, b } => vec![*a, *b],
            Fault::Heal => Vec::new(),
        }
    }
}

/// A jump of a node's local clock, ahead of or behind true time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockOffset {
    /// The clock jumps forward.
    Ahead(Duration),
    /// The clock jumps back (never below zero).
    Behind(Duration),
}

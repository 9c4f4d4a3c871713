//! The two roles, as one node type: replicas (the replicated log and the
//! store) and clients (the workload, with retries and request ids).

use weft_sim::{Ctx, Node, NodeId};

use super::log::Disk;
use super::messages::{Message, Timer};
use super::observations::Observation;

pub mod client;
pub mod replica;

pub use client::{Client, OpKind, PlannedOp};
pub use replica::Replica;

/// A node of the replicated store: a replica or a client.
#[derive(Debug)]
pub enum Replication {
    /// One copy of the log and the store.
    Replica(Replica),
    /// A client running its plan.
    Client(Client),
}

impl Replication {
    /// The replica, if this node is one.
    pub fn as_replica(&self) -> Option<&Replica> {
        match self {
            Replication::Replica(r) => Some(r),
            Replication::Client(_) => None,
        }
    }

    /// The client, if this node is one.
    pub fn as_client(&self) -> Option<&Client> {
        match self {
            Replication::Client(c) => Some(c),
            Replication::Replica(_) => None,
        }
    }
}

impl Node for Replication {
    type Message = Message;
    type Timer = Timer;
    type Observation = Observation;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            Replication::Replica(r) => r.on_start(ctx),
            Replication::Client(c) => c.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match self {
            Replication::Replica(r) => r.on_message(from, msg, ctx),
            Replication::Client(c) => c.on_message(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            Replication::Replica(r) => r.on_timer(timer, ctx),
            Replication::Client(c) => c.on_timer(timer, ctx),
        }
    }
}

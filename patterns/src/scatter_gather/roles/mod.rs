//! The three roles, as one node type: the root scatters and gathers, leaves
//! answer for their shard, clients ask.

use std::collections::BTreeSet;

use weft_sim::{Ctx, Node, NodeId};

use super::{Config, GatherId, Message, Observation, QueryId, ROOT, Timer};
use crate::client::Plan;

mod client;
mod leaf;
mod root;

pub use client::Client;
pub use leaf::Leaf;
pub use root::Root;

/// A node of scatter/gather.
#[derive(Debug)]
pub enum ScatterGather {
    /// Node 0: scatters queries, gathers parts, answers by the deadline.
    Root(Root),
    /// Holds one shard (one replica of it) and answers searches on it.
    Leaf(Leaf),
    /// Asks queries and waits for their answers.
    Client(Client),
}

/// What survives a crash. The root keeps its gather counter, so a restarted
/// root never reuses a gather id; a client keeps which of its queries were
/// answered, so it does not ask them again.
#[derive(Debug, Default)]
pub struct Disk {
    /// Root: the next gather id to use.
    pub next_gather: u64,
    /// Client: the queries answered so far.
    pub answered: BTreeSet<QueryId>,
}

impl ScatterGather {
    /// The node `id` of a deployment: the root (node 0), a leaf, or a client
    /// with `plan` (ignored by the other roles).
    pub fn new(config: &Config, id: NodeId, plan: Plan<QueryId>) -> ScatterGather {
        if id == ROOT {
            ScatterGather::Root(Root::new(config.clone()))
        } else if let Some(shard) = config.shard_of(id) {
            ScatterGather::Leaf(Leaf::new(shard))
        } else {
            ScatterGather::Client(Client::new(config.client_timeout, plan))
        }
    }

    /// The next gather id from the root's disk.
    fn next_gather(ctx: &mut Ctx<'_, Self>) -> GatherId {
        let disk = ctx.durable();
        let id = GatherId(disk.next_gather);
        disk.next_gather += 1;
        id
    }
}

impl Node for ScatterGather {
    type Message = Message;
    type Timer = Timer;
    type Observation = Observation;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            ScatterGather::Root(_) | ScatterGather::Leaf(_) => {}
            ScatterGather::Client(client) => client.start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match self {
            ScatterGather::Root(root) => root.on_message(from, msg, ctx),
            ScatterGather::Leaf(leaf) => leaf.on_message(from, msg, ctx),
            ScatterGather::Client(client) => client.on_message(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            ScatterGather::Root(root) => root.on_timer(timer, ctx),
            ScatterGather::Leaf(_) => {}
            ScatterGather::Client(client) => client.on_timer(timer, ctx),
        }
    }
}

//! The three roles, as one node type: the router (the ambassador), the
//! shards, and the clients.

mod client;
mod router;
mod shard;

pub use client::{Client, ClientDisk};
pub use router::{Router, RouterDisk};
pub use shard::{Shard, ShardDisk};

use weft_sim::{Ctx, Node, NodeId};

use super::messages::{Message, Timer};
use super::observations::Observation;

/// A node of the sharded key-value service.
#[derive(Debug)]
pub enum Sharding {
    /// The ambassador: holds the shard map, forwards requests, reshards.
    Router(Router),
    /// Holds the keys the map gives it.
    Shard(Shard),
    /// Sends the workload's requests to the router.
    Client(Client),
}

/// What survives a crash. Each role uses its own part.
#[derive(Debug, Default)]
pub struct Disk {
    /// The router's map and resharding progress.
    pub router: RouterDisk,
    /// A shard's map, keys and handoff progress.
    pub shard: ShardDisk,
    /// A client's progress.
    pub client: ClientDisk,
}

impl Sharding {
    /// The shard's role, if this node is a shard (for tests and the
    /// explorer).
    pub fn as_shard(&self) -> Option<&Shard> {
        match self {
            Sharding::Shard(shard) => Some(shard),
            _ => None,
        }
    }
}

impl Node for Sharding {
    type Message = Message;
    type Timer = Timer;
    type Observation = Observation;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            Sharding::Router(router) => router.on_start(ctx),
            Sharding::Shard(shard) => shard.on_start(ctx),
            Sharding::Client(client) => client.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match self {
            Sharding::Router(router) => router.on_message(from, msg, ctx),
            Sharding::Shard(shard) => shard.on_message(from, msg, ctx),
            Sharding::Client(client) => client.on_message(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            Sharding::Router(router) => router.on_timer(timer, ctx),
            Sharding::Shard(shard) => shard.on_timer(timer, ctx),
            Sharding::Client(client) => client.on_timer(timer, ctx),
        }
    }
}

//! # Sharding: a key-value service split by consistent hashing
//!
//! One machine cannot hold every key, or serve every request. *Sharding*
//! splits the keys among shards: each key has exactly one owner, and a
//! request goes to that owner. Two questions follow, and this pattern is the
//! answers:
//!
//! - **Who owns a key?** Consistent hashing ([`ring`]): shards and keys are
//!   points on a ring of 64-bit hashes, each shard at `virtual_nodes` points;
//!   a key belongs to the next shard point clockwise. Adding a shard to `N`
//!   moves only the keys that land on its new points, about `1/(N+1)` of them
//!   (hashing `key mod N` would move almost all).
//! - **Who knows the owner?** The *router*: the ambassador of Burns'
//!   *Designing Distributed Systems*. Clients talk only to it; it holds the
//!   versioned shard map, forwards each request to the key's owner under its
//!   current map, retries, and runs resharding. Shards check every request:
//!   they refuse keys they do not own under their current map, and requests
//!   routed by another map version.
//!
//! **Resharding** (add or remove a shard) moves keys without losing any, in
//! two phases run by the router: *prepare* map `v+1` (each shard hands the
//! keys it loses to their new owners, which acknowledge them durably, then
//! tells the router it is prepared), then *install* `v+1` (the router makes
//! it its map, durably, and tells every shard, which then drops the keys it
//! handed away). While a key is moving, its old owner freezes it: reads are
//! still served, writes are refused and the router retries them, on the new
//! owner once `v+1` is installed. Turn that freeze off
//! (`freeze_moving_keys = false`, the library's `sharding-no-freeze`) and
//! writes that arrive during the move are acknowledged, then lost.
//!
//! **Faults it tolerates**: shard crashes and restarts (a shard's map, keys,
//! handoff progress and applied-write ids are durable; a restarted shard
//! resumes its handoff), message loss, duplication and partitions (every
//! step is retried by a timer and answered idempotently), pauses and slow
//! shards. Requests to a shard that is down fail after `request_deadline`
//! (a write's outcome is then unknown: `info` in the client's history);
//! nothing acknowledged is lost. **Not tolerated**: the router is a single
//! point of failure: its map is durable and a restarted router resumes
//! resharding, but the requests it was holding are lost and their clients
//! time out. A restarted client goes on with its plan under a fresh
//! history process id (its operation in flight at the crash stays open).
//! Each shard holds one copy: a shard's disk is assumed to survive (a
//! crashed shard comes back); replication is another pattern.
//!
//! **What to watch in a run**: `requests_refused` and `router_retries` jump while a
//! shard is added (writes to moving keys wait for the new map);
//! `last_reshard_moved_fraction` lands near `1/(N+1)`; `shard_load_max_over_mean` shows
//! how skewed the keys are (Zipf workloads load the hot key's shard).
//!
//! ```
//! use weft_patterns::sharding::{Config, Reshard};
//! use weft_patterns::sharding::ring::Ring;
//!
//! let config = Config { shard_nodes: 5, initial_shards: 4, reshard: Reshard::Add, ..Config::default() };
//! let first = config.first_map();
//! let next = config.next_map(&first).expect("a spare shard can join");
//! assert_eq!((first.shards.len(), next.shards.clone()), (4, vec![0, 1, 2, 3, 4]));
//! let (before, after) = (Ring::of(&first, 100), Ring::of(&next, 100));
//! let moved = (0..1000).filter(|k| before.owner(*k) != after.owner(*k)).count();
//! assert!((150..250).contains(&moved), "{moved} of 1000 keys moved");
//! ```

use std::time::Duration;

use weft_sim::NodeId;

pub mod invariants;
pub mod messages;
pub mod metrics;
pub mod observations;
pub mod ring;
mod roles;

pub use invariants::Checker;
pub use messages::{Message, Op, RequestId, Timer};
pub use observations::Observation;
pub use roles::{Client, ClientDisk, Disk, Router, RouterDisk, Shard, ShardDisk, Sharding};

use ring::ShardMap;

/// What resharding the run does, once, at `reshard_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reshard {
    /// None.
    None,
    /// Add the first shard node not in the map.
    Add,
    /// Remove the last shard of the map.
    Remove,
}

/// The pattern's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Shard nodes in the run (the `shard` role's count).
    pub shard_nodes: u32,
    /// How many of them (the first ones) are in map version 1; the rest are
    /// spares, which join when a shard is added.
    pub initial_shards: u32,
    /// Points per shard on the ring.
    pub virtual_nodes: u32,
    /// The resharding the run does.
    pub reshard: Reshard,
    /// When the router starts it (on its own clock).
    pub reshard_at: Duration,
    /// How long the router waits for a shard's answer before trying again.
    pub shard_timeout: Duration,
    /// How long the router waits after a refusal before trying again.
    pub retry_delay: Duration,
    /// How long the router keeps trying a request before answering
    /// "unavailable".
    pub request_deadline: Duration,
    /// How often a shard re-sends a handoff not yet acknowledged.
    pub handoff_retry: Duration,
    /// Whether a shard refuses writes to keys it is handing away (turn off
    /// to see writes lost).
    pub freeze_moving_keys: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shard_nodes: 4,
            initial_shards: 4,
            virtual_nodes: 100,
            reshard: Reshard::None,
            reshard_at: Duration::from_millis(200),
            shard_timeout: Duration::from_millis(50),
            retry_delay: Duration::from_millis(5),
            request_deadline: Duration::from_secs(1),
            handoff_retry: Duration::from_millis(50),
            freeze_moving_keys: true,
        }
    }
}

impl Config {
    /// The router's node: always the first.
    pub fn router() -> NodeId {
        NodeId::new(0)
    }

    /// The node of shard `shard` (shards follow the router).
    pub fn shard_node(shard: u32) -> NodeId {
        NodeId::new(1 + shard)
    }

    /// The shard number of `node`, if it is a shard.
    pub fn shard_of(&self, node: NodeId) -> Option<u32> {
        node.as_u32().checked_sub(1).filter(|s| *s < self.shard_nodes)
    }

    /// The client of `node`, if it is a client.
    pub fn client_of(&self, node: NodeId) -> Option<u32> {
        node.as_u32().checked_sub(1 + self.shard_nodes)
    }

    /// How long a client waits for the router: its deadline, and the time
    /// for its answer to arrive.
    pub fn client_timeout(&self) -> Duration {
        self.request_deadline + self.shard_timeout
    }

    /// Map version 1.
    pub fn first_map(&self) -> ShardMap {
        ShardMap::first(self.initial_shards)
    }

    /// The map resharding makes from `map`, if there is one to make.
    pub fn next_map(&self, map: &ShardMap) -> Option<ShardMap> {
        match self.reshard {
            Reshard::None => None,
            Reshard::Add => (0..self.shard_nodes).find(|s| !map.contains(*s)).map(|s| map.with(s)),
            Reshard::Remove => map.shards.last().filter(|_| map.shards.len() > 1).map(|s| map.without(*s)),
        }
    }
}

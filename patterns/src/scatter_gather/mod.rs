//! # Scatter/gather: one question, many shards, one deadline
//!
//! A search index, a log store or a metrics database is too big for one
//! machine, so it is split into *shards*, each held by a *leaf*. A question
//! about all of it ("how many documents match `rust`?") goes to a *root*,
//! which *scatters* it to one leaf of every shard, *gathers* their parts and
//! *merges* them into one answer for the client.
//!
//! The catch is the tail. The root waits for the slowest of its `n` leaves,
//! so if one leaf in a hundred is slow, a query over a hundred shards is slow
//! almost two times in three (`1 - 0.99^100`): fan-out *amplifies* tail
//! latency. Two defences, both here:
//!
//! - **a deadline**: the root answers when every shard has answered or the
//!   deadline passes, whichever is first. An answer at the deadline is
//!   *partial*, and says so: it names exactly the shards whose parts are
//!   missing, so the client knows what it is not seeing (a search page that
//!   says "results from 15 of 16 shards"). A partial answer that pretended to
//!   be complete would be a lie; one that counted a part twice, a wrong sum.
//! - **hedged requests** (Dean and Barroso, "The Tail at Scale", 2013): with
//!   `replicas` copies of every shard, a shard that has not answered
//!   `hedge_after` into the query is asked again, of another replica. The
//!   first part to arrive is merged; the loser is dropped. Hedging after the
//!   95th percentile of a leaf's latency costs about 5% more requests and
//!   cuts the tail that fan-out amplifies.
//!
//! **Faults it tolerates**: slow, paused or crashed leaves (partial answers
//! naming them, on time), lost messages (a lost request or part is a missing
//! shard; a lost query or answer, the client's retry), partitions (the same),
//! a restarted root (clients retry; gather ids come from durable storage, so
//! a reborn root never mixes an old gather's parts into a new one). **Not
//! tolerated**: a root that is paused or overloaded past the deadline
//! answers late (`answers-by-deadline` says so); with one replica, nothing
//! masks a dead leaf, answers are just honest about it.
//!
//! **What to watch in a run**: `gather_latency` against `shard_latency` (the
//! same run at fan-out 1), and `queries_past_leaf_p99`: the share of
//! queries slower than 99% of the leaves' answers, 1% at fan-out 1 and
//! about `1 - 0.99^n` at fan-out `n`. With hedging, `hedges_sent`, `hedge_wins` and `hedge_extra_load`:
//! what the shorter tail cost. Under faults, `partial_answer_rate`.
//!
//! The layout, fixed by the role order: the root is node 0, leaves follow
//! (replica `r` of shard `s` is leaf `r × shards + s`), then the clients.
//!
//! ```
//! use std::time::Duration;
//! use weft_patterns::client::Request;
//! use weft_patterns::scatter_gather::{Config, QueryId, ScatterGather, ShardId};
//! use weft_sim::{NodeId, Outcome, Sim};
//!
//! // 1 root, 4 leaves (2 shards × 2 replicas), 1 client asking 10 queries
//! // in a closed loop.
//! let config = Config { shards: 2, replicas: 2, ..Config::default() };
//! assert_eq!(config.leaf(ShardId(1), 1), NodeId::new(4));
//! let plan: Vec<_> = (0..10).map(|q| Request { at: None, op: QueryId(q) }).collect();
//! let nodes = config.first_client().index() + 1;
//! let mut sim = Sim::builder(7)
//!     .nodes(nodes, move |id| ScatterGather::new(&config, id, plan.clone()))
//!     .build()?;
//! assert_eq!(sim.run(), Outcome::Quiescent);
//! let latency = &sim.metrics().summary().histograms["query_latency"];
//! assert_eq!(latency.count, 10);
//! // Every link takes 1 ms: client → root → leaf → root → client, 4 ms
//! // (to the histogram's precision, 0.1%).
//! let four_ms = Duration::from_millis(4).as_nanos() as u64;
//! assert!(latency.min_ns.abs_diff(four_ms) < four_ms / 1000 && latency.max_ns.abs_diff(four_ms) < four_ms / 1000);
//! # Ok::<(), weft_sim::BuildError>(())
//! ```

use std::time::Duration;

use serde::Serialize;
use weft_sim::NodeId;

mod invariants;
mod messages;
pub mod metrics;
mod observations;
mod roles;

pub use invariants::{
    ANSWERS_BY_DEADLINE, ANSWERS_NAME_MISSING_LEAVES, COMPLETE_WHEN_HEALTHY, Checker, EVERY_QUERY_ANSWERED,
    NO_PART_MERGED_TWICE,
};
pub use messages::{Message, Timer};
pub use observations::Observation;
pub use roles::{Client, Disk, Leaf, Root, ScatterGather};

/// A query: the number the workload gave it, unique across clients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct QueryId(pub u64);

/// A shard of the index, `0..shards`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ShardId(pub u32);

/// One attempt of the root at one query: a scatter, its gather, its answer.
/// Drawn from the root's durable counter, so unique across root restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct GatherId(pub u64);

/// The parameters of a scatter/gather deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// How many shards the index is split into: the fan-out of each query.
    pub shards: u32,
    /// How many leaves hold each shard. Hedging needs at least 2.
    pub replicas: u32,
    /// How long the root waits for parts before answering with what it has.
    pub deadline: Duration,
    /// When to ask another replica of a shard that has not answered yet;
    /// `None`: never (no hedging).
    pub hedge_after: Option<Duration>,
    /// How long a client waits for an answer before asking again (the query
    /// or its answer may have been lost). Longer than `deadline`.
    pub client_timeout: Duration,
    /// Merge only the first part of each shard (true, the correct root), or
    /// every part that arrives (false: the naive root, which counts a
    /// duplicated message or a hedge's loser twice; a lesson, not a mode).
    pub dedupe_parts: bool,
}

impl Default for Config {
    /// 8 shards, 1 replica, a 50 ms deadline, no hedging, 150 ms client
    /// timeout, parts deduplicated.
    fn default() -> Config {
        Config {
            shards: 8,
            replicas: 1,
            deadline: Duration::from_millis(50),
            hedge_after: None,
            client_timeout: Duration::from_millis(150),
            dedupe_parts: true,
        }
    }
}

/// The root: always node 0.
pub const ROOT: NodeId = NodeId::new(0);

impl Config {
    /// How many leaves: shards × replicas.
    pub fn leaves(&self) -> u32 {
        self.shards * self.replicas
    }

    /// The leaf that holds replica `replica` of `shard`.
    pub fn leaf(&self, shard: ShardId, replica: u32) -> NodeId {
        debug_assert!(shard.0 < self.shards && replica < self.replicas, "shard {shard:?} replica {replica}");
        NodeId::new(1 + replica * self.shards + shard.0)
    }

    /// The shard `leaf` holds, if it is a leaf.
    pub fn shard_of(&self, leaf: NodeId) -> Option<ShardId> {
        let index = leaf.as_u32().checked_sub(1)?;
        (index < self.leaves()).then(|| ShardId(index % self.shards))
    }

    /// Which replica of its shard `leaf` is.
    pub fn replica_of(&self, leaf: NodeId) -> Option<u32> {
        let index = leaf.as_u32().checked_sub(1)?;
        (index < self.leaves()).then(|| index / self.shards)
    }

    /// The first client: the node after the last leaf.
    pub fn first_client(&self) -> NodeId {
        NodeId::new(1 + self.leaves())
    }

    /// Every shard, in order.
    pub fn all_shards(&self) -> impl Iterator<Item = ShardId> + use<> {
        (0..self.shards).map(ShardId)
    }
}

/// How many documents of `shard` match `query`: what a leaf answers. A
/// fixed function of its arguments (every replica of a shard holds the same
/// documents), so a checker can recompute any merge.
///
/// ```
/// use weft_patterns::scatter_gather::{QueryId, ShardId, matches};
/// assert_eq!(matches(QueryId(7), ShardId(3)), matches(QueryId(7), ShardId(3)));
/// assert!(matches(QueryId(7), ShardId(3)) < 100);
/// ```
pub fn matches(query: QueryId, shard: ShardId) -> u64 {
    // SplitMix64's finaliser: well mixed, and the same on every platform.
    let mut z =
        query.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(shard.0).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 100
}

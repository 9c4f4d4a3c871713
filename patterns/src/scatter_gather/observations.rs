//! What the nodes tell the world: the checker and the explorer read these,
//! never the nodes' insides.

use serde::Serialize;
use weft_sim::NodeId;

use super::{GatherId, QueryId, ShardId};

/// Something a node of scatter/gather did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// Root: sent `query` to one leaf of each of `shards` shards.
    Scattered {
        /// The question.
        query: QueryId,
        /// This attempt.
        gather: GatherId,
        /// How many shards were asked (the fan-out).
        shards: u32,
    },
    /// Root: asked another replica of a shard that had not answered.
    Hedged {
        /// The attempt.
        gather: GatherId,
        /// The silent shard.
        shard: ShardId,
        /// The replica asked now.
        to_leaf: NodeId,
    },
    /// Root: merged a shard's part into the gather.
    Merged {
        /// The attempt.
        gather: GatherId,
        /// The shard.
        shard: ShardId,
        /// The leaf whose part it was.
        from_leaf: NodeId,
        /// The part: how many documents of the shard matched.
        matches: u64,
    },
    /// Root: answered the client.
    Answered {
        /// The question.
        query: QueryId,
        /// The attempt.
        gather: GatherId,
        /// True if every shard's part is in it.
        complete: bool,
        /// The sum of the merged parts.
        matches: u64,
        /// The shards merged, in order.
        merged: Vec<ShardId>,
        /// The shards missing, in order.
        missing: Vec<ShardId>,
    },
    /// Leaf: answered a search for its shard.
    Served {
        /// The question.
        query: QueryId,
        /// The shard.
        shard: ShardId,
    },
    /// Client: sent a query for the first time.
    Asked {
        /// The question.
        query: QueryId,
    },
    /// Client: got the (first) answer to a query.
    Received {
        /// The question.
        query: QueryId,
        /// True if no shard was missing.
        complete: bool,
    },
}

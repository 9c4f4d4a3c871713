//! What the roles say to each other, and the timers they set.

use serde::Serialize;

use super::{GatherId, QueryId, ShardId};

/// The one wire format of scatter/gather.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// Client to root: "answer `query`". Sent again when no answer comes in
    /// time.
    Query {
        /// The question.
        query: QueryId,
        /// Every query of this client below this one has been answered: the
        /// root may forget those answers. (A client session, as in Raft's
        /// client protocol: it bounds what the root must remember to answer a
        /// retry without asking the leaves again.)
        settled_below: QueryId,
    },
    /// Root to leaf: "count what matches `query` in your `shard`".
    Search {
        /// The root's attempt this part belongs to.
        gather: GatherId,
        /// The question.
        query: QueryId,
        /// The shard asked (the leaf checks it holds it).
        shard: ShardId,
    },
    /// Leaf to root: a shard's part of the answer.
    Part {
        /// The attempt it answers.
        gather: GatherId,
        /// The shard.
        shard: ShardId,
        /// How many of its documents match.
        matches: u64,
    },
    /// Root to client: the merged answer, complete or not.
    Answer {
        /// The question.
        query: QueryId,
        /// The sum of the merged parts.
        matches: u64,
        /// The shards whose parts are not in `matches`; empty: complete.
        missing: Vec<ShardId>,
    },
}

/// What the roles ask to be woken for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// Root: the gather's deadline: answer with what has arrived.
    Deadline(GatherId),
    /// Root: time to hedge the shards of the gather that are still silent.
    Hedge(GatherId),
    /// Client: an open-loop query's arrival time (an index into the plan).
    Arrival(usize),
    /// Client: no answer to the query yet; ask again.
    Retry(QueryId),
}

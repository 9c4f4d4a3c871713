//! What the router, the shards and the clients say to each other, and the
//! timers they set.

use serde::Serialize;

use super::ring::ShardMap;

/// Names one client request, for its whole life: a client's number and the
/// request's place in its plan. Retries keep the id, so a shard can tell a
/// retry from a new write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RequestId {
    /// The client (its number among the clients).
    pub client: u32,
    /// The request's number in that client's plan.
    pub seq: u32,
}

/// A key-value operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// Read `key`.
    Get {
        /// The key.
        key: u64,
    },
    /// Write `value` to `key`.
    Put {
        /// The key.
        key: u64,
        /// The value (unique per request in weft's workloads, so a checker
        /// can tell writes apart).
        value: u64,
    },
}

impl Op {
    /// The key the operation touches.
    pub fn key(&self) -> u64 {
        match self {
            Op::Get { key } | Op::Put { key, .. } => *key,
        }
    }
}

/// What the router tells a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// The key's value (`None`: never written).
    Value(Option<u64>),
    /// The write is stored.
    Written,
    /// The router gave up before its deadline: a write may or may not have
    /// happened.
    Unavailable,
}

/// Why a shard refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The key is not this shard's under the shard's current map.
    NotOwner,
    /// The key is being handed to its next owner: writes wait for the new
    /// map.
    Moving,
    /// The request names a map version this shard has not installed yet.
    Behind,
    /// The request names a map version older than the shard's.
    Stale,
}

/// What a shard answers to a forwarded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// The key's value.
    Value(Option<u64>),
    /// The write is stored (durably).
    Written,
    /// Refused: try again, maybe elsewhere, maybe later.
    Refused(Refusal),
}

/// Every message of the pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// Client to router: please do `op`.
    Request {
        /// The request.
        id: RequestId,
        /// What to do.
        op: Op,
    },
    /// Router to client: how request `id` ended.
    Response {
        /// The request.
        id: RequestId,
        /// How it ended.
        answer: Answer,
    },
    /// Router to shard: do `op`, which is yours under map `version`.
    Forward {
        /// The request.
        id: RequestId,
        /// The router's attempt number, so a late answer to an earlier
        /// attempt is not mistaken for this one's.
        attempt: u32,
        /// What to do.
        op: Op,
        /// The router's map version.
        version: u64,
    },
    /// Shard to router: the answer to `Forward { id, attempt }`.
    Reply {
        /// The request.
        id: RequestId,
        /// The attempt answered.
        attempt: u32,
        /// The answer.
        reply: Reply,
    },
    /// Router to shard: map `next` is coming; hand the keys you lose under it
    /// to their new owners, then say `Prepared`.
    Prepare {
        /// The proposed map.
        next: ShardMap,
    },
    /// Shard to router: every key I lose under `version` is acknowledged by
    /// its new owner.
    Prepared {
        /// The proposed version.
        version: u64,
    },
    /// Shard to shard: these keys are yours under map `version`.
    Handoff {
        /// The version under which they become the receiver's.
        version: u64,
        /// (key, value) pairs.
        entries: Vec<(u64, u64)>,
    },
    /// Shard to shard: your handoff for `version` is stored.
    HandoffAck {
        /// The version.
        version: u64,
    },
    /// Router to shard: `map` is now the map; serve under it.
    Install {
        /// The new map.
        map: ShardMap,
    },
    /// Shard to router: I serve under `version`.
    Installed {
        /// The version.
        version: u64,
    },
}

/// Every timer of the pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// Router: time to reshard.
    StartReshard,
    /// Router: re-send `Prepare` or `Install` to the shards that have not
    /// answered (messages get lost, shards crash).
    ReshardRetry,
    /// Router: attempt `attempt` of request `id` got no answer in time.
    ShardTimeout {
        /// The request.
        id: RequestId,
        /// The attempt.
        attempt: u32,
    },
    /// Router: try request `id` again (after a refusal).
    Retry {
        /// The request.
        id: RequestId,
    },
    /// Shard: re-send the handoffs not yet acknowledged.
    HandoffRetry {
        /// The version being prepared.
        version: u64,
    },
    /// Client: request `seq` of the plan arrives (open loop).
    Arrival {
        /// Its number in the plan.
        seq: u32,
    },
    /// Client: request `seq` got no answer in time.
    ClientTimeout {
        /// Its number in the plan.
        seq: u32,
    },
}

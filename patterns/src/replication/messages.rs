//! What replicas and clients say to each other, and what wakes them.
//!
//! Replicas speak Raft's two RPCs (`RequestVote` and `AppendEntries`, each
//! with its reply); clients send `Request`s and get a `Reply` or a
//! `NotLeader` redirect. Every message carries what its receiver needs to
//! act on it alone: the sender's term, the request id.

use serde::Serialize;
use weft_sim::NodeId;

use super::log::Entry;

/// A key-value operation, as a client asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Read `key`.
    Get {
        /// The key.
        key: String,
    },
    /// Set `key` to `value`.
    Put {
        /// The key.
        key: String,
        /// The new value (unique per request, e.g. `c2-r17`).
        value: String,
    },
    /// Append `value` to `key`'s value, as one more element of a
    /// comma-separated list.
    Append {
        /// The key.
        key: String,
        /// The element appended (unique per request).
        value: String,
    },
}

impl Operation {
    /// True for operations that change the store.
    pub fn is_write(&self) -> bool {
        !matches!(self, Operation::Get { .. })
    }
}

/// Every message of the pattern.
#[derive(Clone, Debug, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// Candidate -> replica: "vote for me in `term`".
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// The index of the candidate's last log entry.
        last_index: u64,
        /// The term of the candidate's last log entry.
        last_term: u64,
    },
    /// Replica -> candidate: the vote, or not.
    Vote {
        /// The voter's term (a higher one makes the candidate step down).
        term: u64,
        /// True if the vote is granted.
        granted: bool,
    },
    /// Leader -> follower: "after the entry at `prev_index` (of term
    /// `prev_term`) come these entries; I have committed up to
    /// `leader_commit`". With no entries it is a heartbeat.
    AppendEntries {
        /// The leader's term.
        term: u64,
        /// The index of the entry just before `entries`.
        prev_index: u64,
        /// Its term: the follower must hold the same, or refuse.
        prev_term: u64,
        /// New entries, in order (empty for a heartbeat).
        entries: Vec<Entry>,
        /// The leader's commit index.
        leader_commit: u64,
    },
    /// Follower -> leader: did the entries fit?
    AppendReply {
        /// The follower's term.
        term: u64,
        /// True if the follower's log now matches the leader's up to `index`.
        success: bool,
        /// On success, the index up to which the follower's log matches the
        /// leader's; on refusal, the index the leader should try next (the
        /// first index of the conflicting term, or the end of the
        /// follower's log): the conflict-term optimisation, which skips a
        /// whole term per round trip instead of one entry.
        index: u64,
    },
    /// Client -> replica: please do `op`.
    Request {
        /// The client's number (0, 1, ...).
        client: u32,
        /// The client's id for this request: a retry keeps it, so the store
        /// applies the request once however often it arrives.
        request: u64,
        /// What to do.
        op: Operation,
    },
    /// Leader -> client: done.
    Reply {
        /// The request answered.
        request: u64,
        /// For a `get`, the value read (`None`: absent); for writes, `None`.
        value: Option<String>,
    },
    /// Replica -> client: "I am not the leader; try `leader`, if I know it".
    NotLeader {
        /// The request refused (it was not appended).
        request: u64,
        /// The leader of the replica's term, if it knows one.
        leader: Option<NodeId>,
    },
}

/// Everything that wakes a node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// Replica: no word from a leader for a whole election timeout; stand.
    ElectionTimeout,
    /// Leader: time to send heartbeats (and resend what is unacknowledged).
    Heartbeat,
    /// Client: the open-loop request number `index` of the plan arrives.
    Arrive {
        /// Its place in the client's plan.
        index: usize,
    },
    /// Client: attempt `attempt` of `request` got no answer in time.
    RequestTimeout {
        /// The request.
        request: u64,
        /// Which attempt timed out (later attempts make it stale).
        attempt: u32,
    },
    /// Client: retry `request` now (after a short back-off, when nobody
    /// knew a leader).
    Retry {
        /// The request.
        request: u64,
        /// The attempt this retry follows.
        attempt: u32,
    },
}

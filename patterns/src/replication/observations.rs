//! What replicas and clients tell the world. The checker
//! ([`super::invariants`]) reads these, and nothing else.

use serde::Serialize;

use crate::history::HistoryEvent;

/// What a committed entry is, as the checker compares them: two entries at
/// the same index are the same entry when their terms and tags agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryTag {
    /// A leader's no-op.
    Noop,
    /// A client's request.
    Request {
        /// The client's number.
        client: u32,
        /// Its request id.
        request: u64,
        /// True for a `put` or `append`.
        write: bool,
    },
}

/// Everything the pattern's nodes observe about themselves.
#[derive(Clone, Debug, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// A replica (re)started from its disk: it has forgotten its commit
    /// index and will commit (and apply) its log again from the start.
    Recovered {
        /// The term on its disk.
        term: u64,
        /// The length of the log on its disk.
        log_length: u64,
    },
    /// A replica won an election.
    BecameLeader {
        /// The term it leads.
        term: u64,
    },
    /// A replica learnt that the entry at `index` is committed, and applied
    /// it. Emitted for every index in order, once per (re)start.
    Committed {
        /// The log index.
        index: u64,
        /// The entry's term.
        term: u64,
        /// What the entry is.
        entry: EntryTag,
    },
    /// A client's history event: `request` is the client's request id, so
    /// that acknowledged writes can be found in the log.
    Client {
        /// The client's number.
        client: u32,
        /// The request id.
        request: u64,
        /// The event, as a linearizability checker reads it.
        event: HistoryEvent,
    },
}

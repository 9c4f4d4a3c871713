//! The write-ahead log and what else survives a crash.
//!
//! A replica's disk holds exactly what Raft says must be durable before it
//! answers anyone: its current term, whom it voted for in that term, and the
//! log. A replica that forgot its vote could vote twice in one term (two
//! leaders); one that forgot an entry it acknowledged could let a leader
//! count it towards a majority it no longer belongs to (a lost write). The
//! commit index and the key-value store itself are *not* durable: after a
//! restart the replica learns the commit index from the leader and rebuilds
//! the store by re-applying its log.
//!
//! In the simulator a handler's writes to [`weft_sim::Ctx::durable`] take
//! effect at once and a crash falls between handlers, so "write, then send
//! the acknowledgement" in one handler is exactly an fsync before the reply.

use serde::Serialize;
use weft_sim::NodeId;

use super::messages::Operation;

/// One log entry: a command, stamped with the term of the leader that
/// created it. (Raft's Log Matching property: two logs with an entry of the
/// same index and term agree on everything up to it.)
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Entry {
    /// The term of the leader that appended it.
    pub term: u64,
    /// What it does to the store.
    pub command: Command,
}

/// What an entry does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    /// Nothing: a new leader appends one so that it can commit (a leader
    /// only commits entries of its own term, and with them everything
    /// before).
    Noop,
    /// A client's request.
    Request {
        /// The client's number.
        client: u32,
        /// Where the client is, to answer it.
        reply_to: NodeId,
        /// The client's request id.
        request: u64,
        /// The operation.
        op: Operation,
    },
}

/// A replica's durable state: term, vote and the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wal {
    /// The latest term this replica has seen.
    pub term: u64,
    /// The replica it voted for in `term`, if any.
    pub voted_for: Option<NodeId>,
    /// The log; entry `i` (from 1) is `entries[i - 1]`.
    entries: Vec<Entry>,
}

impl Wal {
    /// The index of the last entry (0 when empty).
    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The term of the last entry (0 when empty).
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// The term of the entry at `index`: 0 for index 0 (before the log),
    /// `None` past the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == 0 { Some(0) } else { self.entries.get(index as usize - 1).map(|e| e.term) }
    }

    /// The entry at `index` (from 1).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        index.checked_sub(1).and_then(|i| self.entries.get(i as usize))
    }

    /// Up to `limit` entries from `from` on.
    pub fn entries_from(&self, from: u64, limit: usize) -> Vec<Entry> {
        let start = (from.max(1) - 1) as usize;
        self.entries.iter().skip(start).take(limit).cloned().collect()
    }

    /// The first index holding an entry of `term` at or before `index` going
    /// back: the start of that term's run in the log.
    pub fn first_index_of_term_before(&self, index: u64) -> u64 {
        let Some(term) = self.term_at(index) else { return index };
        let mut first = index;
        while first > 1 && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// Appends `entry`; returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        debug_assert!(entry.term >= self.last_term(), "terms in a log never decrease");
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and every one after it.
    pub fn truncate_from(&mut self, index: u64) {
        self.entries.truncate((index.max(1) - 1) as usize);
    }

    /// True if this log is at least as up to date as one ending with an
    /// entry of `last_term` at `last_index` (Raft §5.4.1): the later last
    /// term wins, and with equal last terms, the longer log.
    pub fn at_most_as_up_to_date_as(&self, last_index: u64, last_term: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }
}

/// A client's journal: enough to go on after a crash without reusing a
/// request id or pretending an unanswered request never happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    /// The next request id to use.
    pub next_request: u64,
    /// The next request of the plan to invoke.
    pub next_in_plan: usize,
    /// How many times this client has had to give up on a write whose fate
    /// is unknown (each time it continues as a new history process).
    pub incarnation: u32,
    /// The request invoked and not completed, if any: its id and operation.
    pub open: Option<(u64, Operation)>,
}

/// What a node keeps on disk: a replica's log, or a client's journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Disk {
    /// A node that has never started.
    #[default]
    Blank,
    /// A replica's disk.
    Replica(Wal),
    /// A client's disk.
    Client(Journal),
}

impl Disk {
    /// The replica's log, created on first use.
    pub fn wal(&mut self) -> &mut Wal {
        if !matches!(self, Disk::Replica(_)) {
            *self = Disk::Replica(Wal::default());
        }
        match self {
            Disk::Replica(wal) => wal,
            _ => unreachable!("just made a replica disk"),
        }
    }

    /// The client's journal, created on first use.
    pub fn journal(&mut self) -> &mut Journal {
        if !matches!(self, Disk::Client(_)) {
            *self = Disk::Client(Journal { next_request: 1, ..Journal::default() });
        }
        match self {
            Disk::Client(journal) => journal,
            _ => unreachable!("just made a client disk"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(term: u64) -> Entry {
        Entry { term, command: Command::Noop }
    }

    #[test]
    fn terms_and_conflict_hints() {
        let mut wal = Wal::default();
        for term in [1, 1, 2, 2, 2, 3] {
            wal.append(noop(term));
        }
        assert_eq!(wal.term_at(0), Some(0));
        assert_eq!(wal.term_at(4), Some(2));
        assert_eq!(wal.term_at(7), None);
        assert_eq!(wal.first_index_of_term_before(5), 3);
        assert_eq!(wal.first_index_of_term_before(2), 1);
        wal.truncate_from(4);
        assert_eq!(wal.last_index(), 3);
        assert_eq!(wal.entries_from(2, 10), vec![noop(1), noop(2)]);
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let mut wal = Wal::default();
        wal.append(noop(1));
        wal.append(noop(2));
        assert!(wal.at_most_as_up_to_date_as(2, 2));
        assert!(wal.at_most_as_up_to_date_as(1, 3), "a later last term wins, however short");
        assert!(!wal.at_most_as_up_to_date_as(5, 1), "an earlier last term loses, however long");
        assert!(!wal.at_most_as_up_to_date_as(1, 2));
    }
}

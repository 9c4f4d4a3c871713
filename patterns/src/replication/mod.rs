//! # Replication: a leader-follower replicated log under a key-value store
//!
//! **The problem.** One server holding a key-value store loses everything
//! (or at least availability) when it dies. Keep copies on `2f + 1`
//! replicas, and the store should survive `f` of them failing. But copies
//! drift: messages are lost, replicas crash mid-write, the network splits.
//! Clients must still see *one* store, where every acknowledged write stays
//! written and every read sees the latest write (linearizability).
//!
//! **The idea** (Raft's log replication, Ongaro & Ousterhout 2014, §5):
//! the replicas agree on a *log* of commands, and each applies the log in
//! order to its own copy of the store. Same log, same order, same store.
//!
//! - One replica is the *leader* of a numbered *term* (elections:
//!   [`election`]). Clients send it their requests; it appends each to its
//!   log, on disk, and sends the new entries to the followers.
//! - A follower accepts entries only if its log holds the leader's entry
//!   just before them (same index, same term): the *consistency check*. If
//!   not, it refuses, and the leader backs up and resends, overwriting any
//!   conflicting entries a deposed leader left behind.
//! - Once a *majority* has an entry of the leader's own term on disk, it is
//!   *committed*: every future leader will have it, because a majority
//!   must vote for a leader, and nobody votes for a candidate whose log is
//!   less up to date than its own. Then every replica applies it, and the
//!   leader answers the client.
//! - Reads go through the log too, so a read is ordered after every write
//!   committed before it: a deposed leader that does not know it yet cannot
//!   answer a read from its stale store.
//! - Clients time out and retry with the *same* request id; the store keeps
//!   each client's last request id and result ([`kv`]), so a retried write is
//!   applied once.
//!
//! **Faults tolerated**: crashes (and restarts from disk) and pauses of up
//! to `f` of `2f + 1` replicas at once, partitions, lost, duplicated and
//! reordered messages, clock skew (timeouts are local; safety never depends
//! on time). No acknowledged write is lost, and committed prefixes agree.
//! **Not tolerated**: more than `f` replicas down at once stops progress
//! (it never breaks safety); losing a disk breaks safety, and so does
//! turning off the vote restriction (`vote_restriction = false`, the
//! broken variant in the library: a stale replica wins an election and
//! overwrites committed entries), and so does letting followers answer
//! reads from their own copies (`follower_reads = true`: a follower that
//! has not heard of a commit yet returns an older value, and the client
//! history is not linearizable).
//!
//! **What to watch in a run**: `BecameLeader` observations (a new term after
//! each leader crash), the `commit_latency` histogram (one majority round
//! trip), `entries_truncated` (a deposed leader's uncommitted tail being
//! overwritten), `follower_lag_max_entries` (a restarted follower catching
//! up in batches), and the client histories (`ok`, `fail`, `info`).
//!
//! ```
//! use weft_patterns::client::Request;
//! use weft_patterns::replication::{Config, OpKind, PlannedOp, Replication};
//! use weft_sim::{NodeId, Sim, SimTime};
//!
//! let config = Config::default(); // 3 replicas
//! let plan: Vec<Request<PlannedOp>> = (0..5)
//!     .map(|i| Request { at: None, op: PlannedOp { kind: if i % 2 == 0 { OpKind::Put } else { OpKind::Get }, key: 1 } })
//!     .collect();
//! let mut sim = Sim::builder(7)
//!     .nodes(4, move |id: NodeId| {
//!         if id.index() < 3 {
//!             Replication::replica(id, config)
//!         } else {
//!             Replication::client(0, 1, plan.clone(), config)
//!         }
//!     })
//!     .build()?;
//! let _ = sim.run_until(SimTime::from_secs(2));
//! let leaders = (0..3).filter(|i| sim.node(NodeId::new(*i)).and_then(|n| n.as_replica()).is_some_and(|r| r.is_leader()));
//! assert_eq!(leaders.count(), 1);
//! assert_eq!(sim.metrics().counter("requests_ok"), 5);
//! # Ok::<(), weft_sim::BuildError>(())
//! ```

use std::time::Duration;

use weft_sim::NodeId;

pub mod election;
pub mod invariants;
pub mod kv;
pub mod log;
pub mod messages;
pub mod metrics;
pub mod observations;
pub mod roles;

pub use invariants::Checker;
pub use messages::{Message, Operation, Timer};
pub use observations::{EntryTag, Observation};
pub use roles::{Client, OpKind, PlannedOp, Replica, Replication};

/// The pattern's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many replicas (nodes `0..replicas`); `2f + 1` tolerates `f` down.
    pub replicas: usize,
    /// A follower that hears no leader for a random time in
    /// `[election_timeout, 2 × election_timeout)` stands for election.
    pub election_timeout: Duration,
    /// How often a leader sends heartbeats (and resends unacknowledged
    /// entries); well below `election_timeout`.
    pub heartbeat_interval: Duration,
    /// The most entries in one `AppendEntries`.
    pub batch_limit: usize,
    /// Vote only for candidates whose log is at least as up to date as ours
    /// (Raft §5.4.1). `false` is the broken variant: committed entries can
    /// be lost.
    pub vote_restriction: bool,
    /// Let any replica answer a read from its own copy of the store, without
    /// going through the log. Tempting (reads get cheap and spread over the
    /// replicas) and wrong: a follower learns of a commit only with the
    /// leader's next message, so it can return a value older than a write
    /// already acknowledged. `true` is the broken variant: the history is
    /// not linearizable.
    pub follower_reads: bool,
    /// How long a client waits for an answer before trying another replica.
    pub request_timeout: Duration,
    /// How long a client first waits before retrying when nobody knows a
    /// leader; it doubles with each such answer, up to `request_timeout`.
    pub retry_backoff: Duration,
    /// How long after invoking a request (on its own clock) a client gives
    /// up on it: `fail` for a read, `info` for a write.
    pub request_deadline: Duration,
}

impl Config {
    /// The defaults: three replicas, Raft's suggested timings for a LAN.
    pub const DEFAULT: Config = Config {
        replicas: 3,
        election_timeout: Duration::from_millis(150),
        heartbeat_interval: Duration::from_millis(50),
        batch_limit: 64,
        vote_restriction: true,
        follower_reads: false,
        request_timeout: Duration::from_millis(200),
        retry_backoff: Duration::from_millis(20),
        request_deadline: Duration::from_secs(4),
    };
}

impl Default for Config {
    fn default() -> Config {
        Config::DEFAULT
    }
}

impl Replication {
    /// Replica `id` (one of nodes `0..config.replicas`).
    pub fn replica(id: NodeId, config: Config) -> Replication {
        debug_assert!(id.index() < config.replicas, "replicas are the first nodes");
        Replication::Replica(Replica::new(id, config))
    }

    /// Client number `number` of `clients`, running `plan`.
    pub fn client(
        number: u32,
        clients: u32,
        plan: crate::client::Plan<PlannedOp>,
        config: Config,
    ) -> Replication {
        Replication::Client(Client::new(number, clients, plan, config))
    }
}

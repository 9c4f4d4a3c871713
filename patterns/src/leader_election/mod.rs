//! # Leader election: Raft's terms, votes and heartbeats
//!
//! Many systems want exactly one node in charge (one writer of a log, one
//! lock holder, one scheduler), and want a new one quickly when it fails.
//! But nodes cannot tell a crashed leader from a slow network, so two nodes
//! may both believe they should lead. Raft's election makes that harmless:
//!
//! - Time is cut into numbered **terms**. Every message carries its
//!   sender's term; a node that sees a newer term adopts it at once, and a
//!   leader or candidate that sees one **steps down**.
//! - A follower that hears nothing from a leader for an **election
//!   timeout** becomes a **candidate**: it starts a new term, votes for
//!   itself and asks everyone for their vote.
//! - Each node gives **at most one vote per term**, first come first
//!   served. A candidate with votes from a **majority** leads the term. Two
//!   majorities always share a node, and that node voted once: so **at most
//!   one leader per term**.
//! - The leader sends **heartbeats** (every `heartbeat_interval`, well
//!   under the election timeout) so followers do not stand.
//! - Election timeouts are **random** (in `election_timeout_min..max`), so
//!   one node usually times out first and wins before anyone competes. When
//!   two stand at once and split the votes, both time out again, at
//!   different random times.
//!
//! The one-vote rule must survive a crash: a node that voted, restarted and
//! forgot could vote again in the same term, and two candidates could both
//! count it. So the term and the vote are **durable**, written *before* the
//! vote is sent ([`VoteStorage::Durable`]). [`VoteStorage::Volatile`] is the
//! broken variant that keeps them in memory only; the
//! `leader-election-volatile-votes` scenario shows the double vote it allows.
//!
//! **Faults tolerated**: any crash, restart or pause of nodes, message loss
//! and partitions never break the two safety properties. A leader is elected
//! once a majority is up and connected (liveness needs that majority; with
//! `f` of `2f + 1` down, the rest still elect).
//!
//! **Not tolerated, or not attempted**: without Raft's *pre-vote*, a node
//! cut off from the others keeps standing in ever newer terms, and when it
//! rejoins its high term deposes a perfectly good leader (watch
//! `split_votes` and the leader gaps after a partition heals). Without
//! *check-quorum*, a leader cut off from the majority still believes it
//! leads its (old) term until it hears a newer one; it is harmless here,
//! because a leader of an old term can no longer win a majority for
//! anything.
//!
//! **What to watch in a run**: `BecameCandidate`, `Voted` and `BecameLeader`
//! observations in the trace; the `election_time` histogram (from the first
//! candidacy after a leader is lost to the next leader) beside
//! `failover_time` (from the last heartbeat of the lost leader); `split_votes`.
//!
//! The rules live in [`Election`] (no I/O, reusable by a replicated log);
//! [`ElectionNode`] drives it with timers and messages.
//!
//! ```
//! use weft_patterns::leader_election::{Config, ElectionNode};
//! use weft_sim::{NodeId, Sim, SimTime};
//!
//! let mut sim = Sim::builder(7).nodes(5, |id| ElectionNode::new(id, 5, Config::default())).build()?;
//! let _ = sim.run_until(SimTime::from_secs(2));
//! let leaders: Vec<NodeId> = (0..5).map(NodeId::new).filter(|n| sim.node(*n).unwrap().is_leader()).collect();
//! assert_eq!(leaders.len(), 1);
//! # Ok::<(), weft_sim::BuildError>(())
//! ```

use std::time::Duration;

pub mod election;
pub mod invariants;
pub mod messages;
pub mod metrics;
pub mod observations;
pub mod roles;

pub use election::{Election, HardState, Term};
pub use invariants::ElectionChecker;
pub use messages::{Message, Timer};
pub use observations::Observation;
pub use roles::ElectionNode;

/// Where a node keeps its current term and its vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteStorage {
    /// On disk, written before the vote is sent: survives restarts (Raft).
    Durable,
    /// In memory only: a restarted node starts again at term 0 with no vote,
    /// and may vote a second time in a term (the broken variant).
    Volatile,
}

/// The election's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The shortest election timeout: a follower waits at least this long
    /// without word from a leader before standing.
    pub election_timeout_min: Duration,
    /// The longest election timeout (each wait is drawn uniformly between
    /// the two).
    pub election_timeout_max: Duration,
    /// How often a leader sends heartbeats; well under
    /// `election_timeout_min`, or followers stand while the leader is fine.
    pub heartbeat_interval: Duration,
    /// Where the term and the vote are kept.
    pub vote_storage: VoteStorage,
}

impl Default for Config {
    /// Raft's suggested timings for a local network: timeouts of
    /// 150–300 ms, a heartbeat every 50 ms, durable votes.
    fn default() -> Config {
        Config {
            election_timeout_min: Duration::from_millis(150),
            election_timeout_max: Duration::from_millis(300),
            heartbeat_interval: Duration::from_millis(50),
            vote_storage: VoteStorage::Durable,
        }
    }
}

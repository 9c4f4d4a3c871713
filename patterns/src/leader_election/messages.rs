//! What election nodes say to each other, and the timers they set.

use serde::Serialize;

use super::Term;

/// A message between members. Every message carries its sender's term: a
/// node that sees a newer term adopts it, and a leader or candidate that
/// sees one steps down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// "I stand for election in `term`: vote for me." (Raft's RequestVote.)
    RequestVote {
        /// The candidate's new term.
        term: Term,
    },
    /// The answer to a vote request.
    VoteReply {
        /// The voter's term (newer than the candidate's: the candidate steps
        /// down).
        term: Term,
        /// True if the vote is granted.
        granted: bool,
    },
    /// "I lead `term`." Sent by the leader every heartbeat interval; it
    /// resets the followers' election timers. (Raft's empty AppendEntries.)
    Heartbeat {
        /// The leader's term.
        term: Term,
    },
    /// The answer to a heartbeat: tells a deposed leader about the newer
    /// term.
    HeartbeatReply {
        /// The follower's term.
        term: Term,
        /// False if the heartbeat's term was stale.
        accepted: bool,
    },
}

/// What a node asks to be woken with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// No word from a leader for a whole (randomized) election timeout:
    /// stand for election. `round` tells a current timer from one that was
    /// reset after it came due (a paused node handles timers late).
    ElectionTimeout {
        /// Which reset of the election timer this is.
        round: u64,
    },
    /// Time for the leader of `term` to send its heartbeats.
    HeartbeatDue {
        /// The term the node led when it set the timer.
        term: Term,
    },
}

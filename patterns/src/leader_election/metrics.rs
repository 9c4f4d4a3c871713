//! The election's metrics: counters and a histogram the nodes keep, and a
//! histogram and gauges the checker derives from the observations when the
//! run stops.

/// Counter: elections started (each candidacy, by any node).
pub const ELECTIONS_STARTED: &str = "elections_started";
/// Counter: elections won.
pub const ELECTIONS_WON: &str = "elections_won";
/// Counter: candidacies whose election timeout expired before a majority
/// answered (a split vote, or too few nodes reachable): the candidate tries
/// again in a new term.
pub const ELECTIONS_TIMED_OUT: &str = "elections_timed_out";
/// Counter: votes granted.
pub const VOTES_GRANTED: &str = "votes_granted";
/// Counter: vote requests refused (stale term, or already voted).
pub const VOTES_REFUSED: &str = "votes_refused";
/// Counter: leaders that stepped down on seeing a newer term.
pub const LEADER_STEP_DOWNS: &str = "leader_step_downs";
/// Histogram: the failover time (a leader lost, a new one elected), recorded by each new leader that had
/// followed an older one: from the last heartbeat it heard from the old
/// leader to its own victory. It is what clients of a leader-based system
/// wait through: the failure detection (an election timeout) plus the
/// election. A first election, or a leader that restarted since it last
/// heard a leader, records none.
pub const FAILOVER_TIME: &str = "failover_time";
/// Counter: heartbeats sent by leaders (one per follower).
pub const HEARTBEATS_SENT: &str = "heartbeats_sent";

/// Gauge: the highest term any node reached.
pub const TERMS: &str = "terms";
/// Gauge: terms in which some node stood for election and nobody became
/// leader, and which a later term replaced (split votes, and elections cut
/// short by faults).
pub const SPLIT_VOTES: &str = "split_votes";
/// Histogram (derived): how long each election took, the first one of the
/// run included. An election opens when a node votes for another node's
/// candidacy in a term above the newest term that had a leader (so at
/// least two nodes agree a new leader is needed; a cut-off node standing
/// alone opens none), and lasts from the moment that candidate stood to the
/// next `BecameLeader` of a newer term. It leaves out the detection time
/// (up to an election timeout after the last heartbeat), which
/// [`FAILOVER_TIME`] includes.
pub const ELECTION_TIME: &str = "election_time";

/// The counters the nodes count, each reported (at 0 if never counted).
pub const COUNTERS: &[&str] = &[
    ELECTIONS_STARTED,
    ELECTIONS_WON,
    ELECTIONS_TIMED_OUT,
    VOTES_GRANTED,
    VOTES_REFUSED,
    LEADER_STEP_DOWNS,
    HEARTBEATS_SENT,
];

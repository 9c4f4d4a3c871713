//! The election's metrics: counters the nodes keep, and gauges the checker
//! derives from the observations when the run stops.

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
/// Histogram: the failover time, recorded by each new leader that had
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
/// Gauge: how many leader gaps ended (see [`LEADER_GAP_P50_MS`]).
pub const LEADER_GAPS: &str = "leader_gaps";
/// Gauge: the median leader gap, in milliseconds. A *leader gap* opens
/// when a node votes for another node's candidacy in a term above the newest
/// term that had a leader (so at least two nodes agree a new leader is
/// needed; a cut-off node standing alone opens none), and lasts from the
/// moment that candidate stood to the next `BecameLeader` of a newer term.
/// It leaves out the detection time (up to an election timeout after the
/// last heartbeat). The first election of a run counts too.
pub const LEADER_GAP_P50_MS: &str = "leader_gap_p50_ms";
/// Gauge: the 99th percentile leader gap, in milliseconds (nearest rank).
pub const LEADER_GAP_P99_MS: &str = "leader_gap_p99_ms";
/// Gauge: the longest leader gap, in milliseconds.
pub const LEADER_GAP_MAX_MS: &str = "leader_gap_max_ms";

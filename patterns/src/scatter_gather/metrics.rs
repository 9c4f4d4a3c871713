//! The metrics of scatter/gather: names, and the gauges derived from them at
//! the end of a run.
//!
//! Every query of a run fans out to the same number of shards (the
//! `fanout` gauge: the scenario's leaves, less their replicas), so a run's
//! latency histograms are the latencies *at that fan-out*. To see latency
//! by fan-out, run the scenario at several (`--set nodes.leaf=N`, or a
//! `weft sweep` per fan-out) and compare `gather_latency` with
//! `shard_latency`, which is what a fan-out of one would see.

/// Histogram (client): first send of a query to its answer.
pub const QUERY_LATENCY: &str = "query_latency";
/// Histogram (root): scatter to answer, the latency at this run's fan-out
/// (every query of a run has the same one).
pub const GATHER_LATENCY: &str = "gather_latency";
/// Histogram (root): scatter to a shard's part merged: the latency a fan-out
/// of 1 would see.
pub const SHARD_LATENCY: &str = "shard_latency";
/// Counter (client): queries sent for the first time.
pub const QUERIES_SENT: &str = "queries_sent";
/// Counter (client): queries sent again after `client_timeout`.
pub const QUERY_RETRIES: &str = "query_retries";
/// Counter (root): answers with every shard.
pub const ANSWERS_COMPLETE: &str = "answers_complete";
/// Counter (root): answers at the deadline, naming the shards still
/// missing then.
pub const ANSWERS_PARTIAL: &str = "answers_partial";
/// Counter (root): answers sent again from the session cache (a retry of a
/// query already answered).
pub const ANSWERS_RESENT: &str = "answers_resent";
/// Counter (root): first requests to leaves (one per shard per gather).
pub const LEAF_REQUESTS: &str = "leaf_requests";
/// Counter (root): hedged requests, to a second replica.
pub const HEDGES_SENT: &str = "hedges_sent";
/// Counter (root): parts merged from the hedged replica (it beat the first).
pub const HEDGE_WINS: &str = "hedge_wins";
/// Counter (root): parts not merged because their shard was already
/// settled: the loser of a hedge (expected: the winner's copy was merged),
/// a duplicate, or a part that came after its gather answered. Discarding
/// them loses nothing; it is what keeps a part from being merged twice.
pub const PARTS_DISCARDED: &str = "parts_discarded";
/// Counter (client): answers to a query already answered (the root resent
/// it for a retry, or the network duplicated it): ignored, the first one
/// counted.
pub const DUPLICATE_ANSWERS: &str = "duplicate_answers";

/// Gauge: the fan-out (shards per query).
pub const FANOUT: &str = "fanout";
/// Gauge: partial answers / answers.
pub const PARTIAL_ANSWER_RATE: &str = "partial_answer_rate";
/// Gauge: messages sent / queries asked.
pub const MESSAGES_PER_QUERY: &str = "messages_per_query";
/// Gauge: hedged requests / first requests: the extra load hedging costs.
pub const HEDGE_EXTRA_LOAD: &str = "hedge_extra_load";
/// Gauge: the fraction of queries slower than the leaves' 99th percentile
/// (`shard_latency`'s p99): 1% at a fan-out of 1, about `1 - 0.99^n` at a
/// fan-out of `n`. How much the fan-out amplifies the tail.
pub const QUERIES_PAST_LEAF_P99: &str = "queries_past_leaf_p99";

/// The counters the nodes count, each reported (at 0 if never counted).
pub const COUNTERS: &[&str] = &[
    QUERIES_SENT,
    QUERY_RETRIES,
    DUPLICATE_ANSWERS,
    ANSWERS_COMPLETE,
    ANSWERS_PARTIAL,
    ANSWERS_RESENT,
    LEAF_REQUESTS,
    HEDGES_SENT,
    HEDGE_WINS,
    PARTS_DISCARDED,
];

/// `numerator / denominator`, and 0 when there is nothing to divide.
pub fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

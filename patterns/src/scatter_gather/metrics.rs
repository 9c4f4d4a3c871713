//! The metrics of scatter/gather: names, and the gauges derived from them at
//! the end of a run.

/// Histogram (client): first send of a query to its answer.
pub const QUERY_LATENCY: &str = "query_latency";
/// Histogram (root): scatter to answer, the latency at this run's fan-out.
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
/// Counter (root): answers at the deadline, naming missing shards.
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
/// Counter (root): parts that came too late (after the answer) or second
/// (a hedge's loser, a duplicate): dropped, never merged.
pub const PARTS_DROPPED: &str = "parts_dropped";

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

/// `numerator / denominator`, and 0 when there is nothing to divide.
pub fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

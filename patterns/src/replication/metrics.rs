//! Metric names, and the gauges derived from them at the end of a run.
//!
//! Client outcomes are named as in every pattern with a client history:
//! `requests_ok`, `requests_failed` and `requests_unknown` count the
//! history's `ok`, `fail` and `info` completions.

/// Histogram: from the leader appending a client's entry to the leader
/// committing it (one majority round trip, plus waiting behind earlier
/// entries).
pub const COMMIT_LATENCY: &str = "commit_latency";
/// Histogram: from a client invoking a request to its `ok` (retries,
/// redirects and, open loop, queueing at the client included).
pub const CLIENT_LATENCY: &str = "client_latency";
/// Counter: requests that completed `ok`.
pub const REQUESTS_OK: &str = "requests_ok";
/// Counter: writes given up on with their fate unknown (`info` in the
/// history).
pub const REQUESTS_UNKNOWN: &str = "requests_unknown";
/// Counter: reads given up on (`fail` in the history: a read changes
/// nothing).
pub const REQUESTS_FAILED: &str = "requests_failed";
/// Counter: request attempts after the first (timeouts and redirects).
pub const CLIENT_RETRIES: &str = "client_retries";
/// Counter: elections started (a replica became a candidate).
pub const ELECTIONS: &str = "elections_started";
/// Counter: elections won (a replica became leader).
pub const ELECTIONS_WON: &str = "elections_won";
/// Counter: entries a follower removed because they conflicted with the
/// leader's log (uncommitted entries of a deposed leader).
pub const ENTRIES_TRUNCATED: &str = "entries_truncated";
/// Helper counter: follower-lag samples taken (one per follower per
/// heartbeat). Folded into [`LAG_MEAN`] when the run stops, and not
/// reported.
pub const LAG_SAMPLES: &str = "follower_lag_samples";
/// Helper counter: the sum of the sampled lags, in entries. Folded into
/// [`LAG_MEAN`] when the run stops, and not reported.
pub const LAG_TOTAL: &str = "follower_lag_entries_total";
/// Gauge: the most entries any follower was behind the leader's log at a
/// heartbeat (last index − follower's match index).
pub const LAG_MAX: &str = "follower_lag_max_entries";
/// Gauge: the mean follower lag over all samples, in entries.
pub const LAG_MEAN: &str = "follower_lag_mean_entries";
/// Gauge: messages sent (all of them: votes, appends, heartbeats, client
/// traffic) per distinct write committed.
pub const MESSAGES_PER_WRITE: &str = "messages_per_write";
/// Gauge: distinct writes committed (retries counted once).
pub const WRITES_COMMITTED: &str = "writes_committed";

/// The counters the nodes count and the report shows, each reported (at 0
/// if never counted). The lag helpers are not among them.
pub const COUNTERS: &[&str] = &[
    REQUESTS_OK,
    REQUESTS_UNKNOWN,
    REQUESTS_FAILED,
    CLIENT_RETRIES,
    ELECTIONS,
    ELECTIONS_WON,
    ENTRIES_TRUNCATED,
];

/// The mean of `total` over `samples`, or 0 with no samples.
///
/// ```
/// assert_eq!(weft_patterns::replication::metrics::mean(10, 4), 2.5);
/// assert_eq!(weft_patterns::replication::metrics::mean(10, 0), 0.0);
/// ```
pub fn mean(total: u64, samples: u64) -> f64 {
    if samples == 0 { 0.0 } else { total as f64 / samples as f64 }
}

//! Metric names, and the gauges derived from them at the end of a run.

/// Histogram: from the leader appending a client's entry to the leader
/// committing it (one majority round trip, plus waiting behind earlier
/// entries).
pub const COMMIT_LATENCY: &str = "commit_latency";
/// Histogram: from a client invoking a request to its `ok` (retries,
/// redirects and, open loop, queueing at the client included).
pub const CLIENT_LATENCY: &str = "client_latency";
/// Counter: requests that completed `ok`.
pub const REQUESTS_OK: &str = "requests_ok";
/// Counter: writes given up on with their fate unknown (`info`).
pub const REQUESTS_UNKNOWN: &str = "requests_unknown";
/// Counter: reads given up on (`fail`: a read changes nothing).
pub const REQUESTS_FAILED: &str = "requests_failed";
/// Counter: request attempts after the first (timeouts and redirects).
pub const CLIENT_RETRIES: &str = "client_retries";
/// Counter: elections started (a replica became a candidate).
pub const ELECTIONS: &str = "elections_started";
/// Counter: leaders elected.
pub const LEADERS_ELECTED: &str = "leaders_elected";
/// Counter: entries a follower removed because they conflicted with the
/// leader's log (uncommitted entries of a deposed leader).
pub const ENTRIES_TRUNCATED: &str = "entries_truncated";
/// Counter: follower-lag samples taken (one per follower per heartbeat).
pub const LAG_SAMPLES: &str = "follower_lag_samples";
/// Counter: the sum of the sampled lags, in entries (the mean is the gauge).
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

/// The mean of `total` over `samples`, or 0 with no samples.
///
/// ```
/// assert_eq!(weft_patterns::replication::metrics::mean(10, 4), 2.5);
/// assert_eq!(weft_patterns::replication::metrics::mean(10, 0), 0.0);
/// ```
pub fn mean(total: u64, samples: u64) -> f64 {
    if samples == 0 { 0.0 } else { total as f64 / samples as f64 }
}

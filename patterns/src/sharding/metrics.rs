//! Metric names. Counters and histograms are recorded by the nodes; the
//! gauges are computed at the end by the checker ([`gauges`]).
//!
//! Client outcomes are named as in every pattern with a client history:
//! `requests_ok`, `requests_failed` and `requests_unknown` count the
//! history's `ok`, `fail` and `info` completions.

/// Counter (router): requests forwarded to a shard, retries included.
pub const FORWARDED: &str = "requests_forwarded";
/// Counter (router): forwarded requests retried (after a refusal or a
/// timeout).
pub const RETRIES: &str = "router_retries";
/// Counter (router): requests the router gave up on after
/// `request_deadline`, answering `unavailable`.
pub const UNAVAILABLE: &str = "requests_unavailable";
/// Counter (shards): requests refused (not the owner, key moving, map
/// version mismatch).
pub const REFUSALS: &str = "requests_refused";
/// Counter (shards): keys sent to a new owner by resharding, summed over
/// every resharding of the run (a restarted shard's resend counts once).
pub const KEYS_HANDED_OFF: &str = "keys_handed_off";
/// Counter (clients): operations that completed `ok`.
pub const REQUESTS_OK: &str = "requests_ok";
/// Counter (clients): operations that definitely failed (`fail` in the
/// history).
pub const REQUESTS_FAILED: &str = "requests_failed";
/// Counter (clients): operations whose outcome is unknown (`info` in the
/// history).
pub const REQUESTS_UNKNOWN: &str = "requests_unknown";

/// The counters the nodes count, each reported (at 0 if never counted).
pub const COUNTERS: &[&str] = &[
    FORWARDED,
    RETRIES,
    UNAVAILABLE,
    REFUSALS,
    KEYS_HANDED_OFF,
    REQUESTS_OK,
    REQUESTS_FAILED,
    REQUESTS_UNKNOWN,
];

/// Histogram (clients): request to answer, as a client sees it.
pub const CLIENT_LATENCY: &str = "client_latency";
/// Histogram (router): from `ReshardStarted` to `MapInstalled`.
pub const RESHARD_DURATION: &str = "reshard_duration";

/// Metric names must be `&'static str`: spell out one per shard.
macro_rules! shard_names {
    ($($n:literal)*) => { [$(concat!("shard_", $n, "_latency")),*] };
}

/// Histograms (router): forward to reply, per shard (`shard_07_latency` for
/// shard 7); the count of each is that shard's load as the router saw it.
pub const SHARD_LATENCY: [&str; 64] = shard_names!(
    "00" "01" "02" "03" "04" "05" "06" "07" "08" "09" "10" "11" "12" "13" "14" "15"
    "16" "17" "18" "19" "20" "21" "22" "23" "24" "25" "26" "27" "28" "29" "30" "31"
    "32" "33" "34" "35" "36" "37" "38" "39" "40" "41" "42" "43" "44" "45" "46" "47"
    "48" "49" "50" "51" "52" "53" "54" "55" "56" "57" "58" "59" "60" "61" "62" "63"
);

/// Gauge: requests served by the busiest shard (reads and writes).
pub const LOAD_MAX: &str = "shard_load_max";
/// Gauge: requests served per shard, on average over the shards of any map.
pub const LOAD_MEAN: &str = "shard_load_mean";
/// Gauge: `shard_load_max / shard_load_mean`: 1 is perfect balance.
pub const LOAD_IMBALANCE: &str = "shard_load_max_over_mean";
/// Gauge: distinct keys moved by the last resharding (the one the
/// `moved-fraction` check judges when there is one).
pub const LAST_RESHARD_KEYS_MOVED: &str = "last_reshard_keys_moved";
/// Gauge: distinct keys moved / distinct keys stored, at the last
/// resharding; left out when nothing was stored then (0 of 0 is no
/// fraction).
pub const LAST_RESHARD_MOVED_FRACTION: &str = "last_reshard_moved_fraction";

/// The gauges of a run, from its checker: load balance over the shards of
/// any map (shards that served nothing count, as zero), and the last
/// resharding's moved keys.
pub fn gauges(checker: &super::Checker) -> Vec<(&'static str, f64)> {
    let mut gauges = Vec::new();
    let shards = checker.shards_ever();
    if !shards.is_empty() {
        let loads: Vec<f64> =
            shards.iter().map(|s| checker.load().get(s).copied().unwrap_or(0) as f64).collect();
        let max = loads.iter().copied().fold(0.0, f64::max);
        let mean = loads.iter().sum::<f64>() / loads.len() as f64;
        gauges.push((LOAD_MAX, max));
        gauges.push((LOAD_MEAN, mean));
        if mean > 0.0 {
            gauges.push((LOAD_IMBALANCE, max / mean));
        }
    }
    if let Some(last) = checker.moves().last() {
        gauges.push((LAST_RESHARD_KEYS_MOVED, last.keys_moved as f64));
        if last.keys_stored > 0 {
            gauges.push((LAST_RESHARD_MOVED_FRACTION, last.fraction()));
        }
    }
    gauges
}

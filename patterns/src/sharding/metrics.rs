//! Metric names. Counters and histograms are recorded by the nodes; the
//! gauges are computed at the end by the checker (`Checker::gauges`).

/// Counter (router): requests forwarded to a shard, retries included.
pub const FORWARDED: &str = "forwarded";
/// Counter (router): forwarded requests retried (after a refusal or a
/// timeout).
pub const RETRIES: &str = "router_retries";
/// Counter (router): requests the router gave up on.
pub const UNAVAILABLE: &str = "unavailable";
/// Counter (shards): requests refused (not the owner, key moving, map
/// version mismatch).
pub const REFUSALS: &str = "refusals";
/// Counter (shards): keys handed to a new owner by resharding.
pub const KEYS_MOVED: &str = "keys_moved";
/// Counter (clients): operations that completed `ok`.
pub const CLIENT_OK: &str = "client_ok";
/// Counter (clients): operations that definitely failed.
pub const CLIENT_FAIL: &str = "client_fail";
/// Counter (clients): operations whose outcome is unknown (`info`).
pub const CLIENT_INFO: &str = "client_info";

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
/// Gauge: distinct keys moved by the last resharding.
pub const MOVED_KEYS: &str = "moved_keys";
/// Gauge: distinct keys moved / distinct keys stored, at the last
/// resharding.
pub const MOVED_FRACTION: &str = "moved_fraction";

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
        gauges.push((MOVED_KEYS, last.keys_moved as f64));
        gauges.push((MOVED_FRACTION, last.fraction()));
    }
    gauges
}

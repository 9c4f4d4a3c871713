//! Metric names. Counters and histograms are recorded by the nodes; the
//! gauges are derived from the observations by [`super::Checker`].

/// Counter (lock service): leases granted with a new token.
pub const ACQUISITIONS: &str = "acquisitions";
/// Counter (lock service): leases renewed by their holder.
pub const RENEWALS: &str = "renewals";
/// Counter (lock service): grants to a different contender than the last
/// holder: ownership moved.
pub const FAILOVERS: &str = "failovers";
/// Counter (lock service): leases that ran out without a renewal.
pub const EXPIRIES: &str = "expiries";
/// Histogram (lock service): from a lease running out to the next grant,
/// in true time: how long the work had no owner.
pub const TIME_WITHOUT_HOLDER: &str = "time_without_holder";
/// Counter (contender): actions started under a lease.
pub const ACTIONS: &str = "actions";
/// Counter (contender): leases given up (deadline passed, taken, fenced).
pub const LEASES_LOST: &str = "leases_lost";
/// Counter (resource): writes accepted.
pub const WRITES_ACCEPTED: &str = "writes_accepted";
/// Counter (resource): writes refused because their token was stale.
pub const STALE_WRITES_REJECTED: &str = "stale_writes_rejected";

/// Gauge: the fraction of the run during which some contender held a live
/// lease at the lock service (from `Granted` to `Expired`).
pub const HELD_FRACTION: &str = "lease_held_fraction";
/// Gauge: the longest stretch without a live lease, in milliseconds
/// (including the start of the run, before the first grant).
pub const LONGEST_GAP_MS: &str = "longest_without_holder_ms";

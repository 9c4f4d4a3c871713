//! Metric names. Counters are recorded by the nodes; the histograms and
//! the gauge are derived from the observations by [`super::Checker`], in
//! true time.

/// Counter (lock service): leases granted with a new token.
pub const ACQUISITIONS: &str = "acquisitions";
/// Counter (lock service): leases renewed by their holder.
pub const RENEWALS: &str = "renewals";
/// Counter (lock service): grants to a different contender than the last
/// holder: ownership moved.
pub const FAILOVERS: &str = "failovers";
/// Counter (lock service): leases that ran out without a renewal.
pub const EXPIRIES: &str = "expiries";
/// Counter (contender): actions started under a lease.
pub const ACTIONS: &str = "actions";
/// Counter (contender): leases given up (deadline passed, taken, fenced).
pub const LEASES_LOST: &str = "leases_lost";
/// Counter (resource): writes accepted.
pub const WRITES_ACCEPTED: &str = "writes_accepted";
/// Counter (resource): writes refused because their token was stale.
pub const STALE_WRITES_REJECTED: &str = "stale_writes_rejected";

/// Histogram (derived): each stretch without a live lease at the lock
/// service: from the start of the run to the first grant, from each expiry
/// to the next grant, and one still open when the run stops. How long the
/// work had no owner; its max is the longest such stretch.
pub const TIME_WITHOUT_HOLDER: &str = "time_without_holder";
/// Histogram (derived): from each write the resource accepted to the next.
/// Its median is the work's cadence; its max is the longest stall, whatever
/// caused it: no owner, or an owner that thinks it holds the lease but is
/// paused, fenced, or not yet told it lost it.
pub const TIME_BETWEEN_WRITES: &str = "time_between_writes";
/// Gauge: the fraction of the run during which some contender held a live
/// lease at the lock service (from `Granted` to `Expired`).
pub const HELD_FRACTION: &str = "lease_held_fraction";

/// The counters the nodes count, each reported (at 0 if never counted).
pub const COUNTERS: &[&str] = &[
    ACQUISITIONS,
    RENEWALS,
    FAILOVERS,
    EXPIRIES,
    ACTIONS,
    LEASES_LOST,
    WRITES_ACCEPTED,
    STALE_WRITES_REJECTED,
];

//! # Ownership election: leases and fencing tokens
//!
//! **The problem.** Some work must be done by one process at a time: one
//! scheduler, one writer of a file, one owner of a shard. Several replicas
//! run so that one can take over when the owner dies, and they must agree
//! on who owns the work *now*. Burns (*Designing Distributed Systems*, the
//! chapter on ownership election) builds this on a key-value store with two
//! features, as etcd, ZooKeeper or Consul offer them: **compare-and-swap**
//! (set the key to me only if it is empty: exactly one contender wins) and
//! **TTLs** (the key disappears by itself if its owner stops renewing it, so
//! a dead owner does not hold the lock forever).
//!
//! **The idea, in three parts.**
//!
//! 1. *A lease, not a lock.* The `lock-service` grants the key for a `ttl`,
//!    measured on its own clock. The holder renews it every `renew_every`. A
//!    holder that crashes, pauses or is cut off stops renewing, and the
//!    service gives the key to the next contender once the TTL has run out.
//! 2. *The holder judges its lease by its own clock, pessimistically.* It
//!    cannot see the service's clock, and it does not know when its request
//!    arrived. So it counts from the moment it *sent* the request (which is
//!    before the service received it) and subtracts `skew_bound`, the most
//!    the two clocks may drift apart during a lease: valid until
//!    `sent + ttl - skew_bound` on its local clock. It starts an action only
//!    if the whole action fits before that deadline.
//! 3. *Fencing tokens.* Each grant carries a token, the service's revision
//!    counter: it only grows, and it is kept durably so a restarted service
//!    never hands out a number twice. Every write to the guarded `resource`
//!    carries the writer's token, and the resource refuses any token lower
//!    than the highest it has accepted. A holder that was paused for longer
//!    than its lease (a garbage-collection pause, a VM migration) and wakes
//!    up believing it still owns the work is stopped *at the resource*:
//!    leases keep honest processes apart; only fencing stops a process that
//!    does not know it is late.
//!
//! **The gap fencing closes.** A real process checks its lease, then writes.
//! Between the two it can be paused, or its write can sit in a network
//! queue; no re-check closes that gap, because the pause can come after any
//! check. The simulator pauses nodes only between handlers, so the contender
//! models the gap with actions that take time: it checks its lease when an
//! action *starts* (`Acting`), and the action's write leaves when it
//! *finishes*, `act_every` later. A pause in between delays the write past
//! the lease, exactly as in Kleppmann's example.
//!
//! **Faults tolerated.** Crashes and restarts of any node (the service's
//! store, the resource's highest token and a contender's incarnation number
//! are durable), pauses of any length, partitions, message loss and delay,
//! and clock jumps as long as, during any one lease, the service's clock
//! gaining on the holder's stays within `skew_bound`. **Not tolerated**:
//! clock errors beyond `skew_bound` (two holders may then act at once; the
//! resource's fencing still refuses the older one's writes), and a resource
//! that does not check tokens (`fencing = false`: a woken holder's stale
//! write is accepted over the new holder's).
//!
//! **What to watch in a run**: the lock service's `Granted`, `Renewed` and
//! `Expired`; a contender's `Acquired`, `Acting` and `LostLease`; and, after
//! a pause, the resource's `Rejected` of the stale token.
//!
//! ```
//! use std::time::Duration;
//! use weft_patterns::ownership_election::{Config, OwnershipElection, Token};
//! use weft_sim::{NodeId, Sim, SimTime};
//!
//! // n0 is the lock service, n1..=n3 contend, n4 is the guarded resource.
//! let config = Config::default();
//! let (service, resource) = (NodeId::new(0), NodeId::new(4));
//! let mut sim = Sim::builder(7)
//!     .nodes(5, move |id| match id.as_u32() {
//!         0 => OwnershipElection::lock_service(),
//!         4 => OwnershipElection::resource(config.fencing),
//!         _ => OwnershipElection::contender(config, service, resource),
//!     })
//!     .build()?;
//! let _ = sim.run_until(SimTime::from_secs(3));
//! // Exactly one grant in a calm run: the first holder keeps renewing.
//! assert_eq!(sim.metrics().counter(weft_patterns::ownership_election::metrics::ACQUISITIONS), 1);
//! let highest = sim.node(resource).and_then(|r| r.highest_accepted());
//! assert_eq!(highest, Some(Token(1)));
//! # Ok::<(), weft_sim::BuildError>(())
//! ```

use std::time::Duration;

pub mod invariants;
pub mod messages;
pub mod metrics;
pub mod observations;
pub mod roles;

pub use invariants::Checker;
pub use messages::{Lease, Message, RequestId, Timer, Token};
pub use observations::{LossReason, Observation};
pub use roles::{Contender, Disk, LockService, OwnershipElection, Resource};

/// The one key the contenders compete for. The lock service is a general
/// key-value store; the contenders agree to use this key as their lock.
pub const LOCK_KEY: &str = "leader";

/// The pattern's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a grant or renewal lasts, on the lock service's clock.
    pub ttl: Duration,
    /// How often the holder renews (and a waiting contender retries).
    pub renew_every: Duration,
    /// The most the lock service's clock may gain on a contender's during
    /// one lease: the contender gives up its lease this much early.
    pub skew_bound: Duration,
    /// How long one action takes: the holder checks its lease when an
    /// action starts, writes to the resource when it ends, and starts the
    /// next one at once.
    pub act_every: Duration,
    /// Whether the resource checks fencing tokens (`false`: the broken
    /// variant, it accepts any token).
    pub fencing: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            ttl: Duration::from_secs(1),
            renew_every: Duration::from_millis(300),
            skew_bound: Duration::from_millis(100),
            act_every: Duration::from_millis(100),
            fencing: true,
        }
    }
}

impl Config {
    /// How long a holder may use a lease, at most, after sending the request
    /// that granted or renewed it: `ttl - skew_bound`.
    pub fn usable_lease(&self) -> Duration {
        self.ttl.saturating_sub(self.skew_bound)
    }

    /// Every way the timings fail to fit together (empty if they fit).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft_patterns::ownership_election::Config;
    ///
    /// assert!(Config::default().validate().is_empty());
    /// let slow_renewals = Config { renew_every: Duration::from_secs(1), ..Config::default() };
    /// assert_eq!(slow_renewals.validate()[0].params[0], "renew_every");
    /// ```
    pub fn validate(&self) -> Vec<ConfigError> {
        let Config { ttl, renew_every, skew_bound, act_every, .. } = *self;
        if skew_bound >= ttl {
            // Nothing else can be judged: no lease is usable at all.
            return vec![ConfigError {
                params: &["skew_bound", "ttl"],
                message: format!(
                    "skew_bound ({skew_bound:?}) must be shorter than ttl ({ttl:?}): no lease would be usable"
                ),
            }];
        }
        let usable = self.usable_lease();
        let mut errors = Vec::new();
        if renew_every.is_zero() || renew_every >= usable {
            errors.push(ConfigError {
                params: &["renew_every", "ttl", "skew_bound"],
                message: format!(
                    "renew_every ({renew_every:?}) must be more than 0 and less than ttl - skew_bound \
                     ({usable:?}), or a holder's lease lapses between two renewals"
                ),
            });
        }
        if act_every.is_zero() || act_every >= usable {
            errors.push(ConfigError {
                params: &["act_every", "ttl", "skew_bound"],
                message: format!(
                    "act_every ({act_every:?}) must be more than 0 and less than ttl - skew_bound ({usable:?}), \
                     or no action fits inside a lease"
                ),
            });
        }
        errors
    }
}

/// Timings of a [`Config`] that do not fit together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The fields involved, the one at fault first.
    pub params: &'static [&'static str],
    /// Why, naming the values.
    pub message: String,
}

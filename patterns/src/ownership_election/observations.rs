//! What the nodes tell the world. The checker (`invariants`) and the
//! explorer read these, never the nodes' internals.

use std::time::Duration;

use serde::Serialize;
use weft_sim::NodeId;

use super::Token;

/// Why a contender stopped believing it holds the lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LossReason {
    /// Its local deadline passed without a renewal.
    DeadlinePassed,
    /// The lock service says another contender holds the key.
    HeldByAnother,
    /// The lock service says the key is gone (the lease expired there).
    Expired,
    /// The resource refused its write: a newer token exists.
    Fenced,
}

/// An observation, by role.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// Lock service: the lock went to `holder` with a new `token`, for `ttl`.
    Granted {
        /// The new holder.
        holder: NodeId,
        /// Its fencing token.
        token: Token,
        /// How long the grant lasts on the service's clock.
        ttl: Duration,
    },
    /// Lock service: `holder` renewed its lease for another `ttl`.
    Renewed {
        /// The holder.
        holder: NodeId,
        /// Its token (unchanged by a renewal).
        token: Token,
        /// How long the renewal lasts on the service's clock.
        ttl: Duration,
    },
    /// Lock service: the lease of `holder` ran out on the service's clock.
    Expired {
        /// The holder that did not renew in time.
        holder: NodeId,
        /// Its token, never to be granted again.
        token: Token,
    },
    /// Contender: it now holds the lease, usable for `lease_for` more on its
    /// own clock.
    Acquired {
        /// Its fencing token.
        token: Token,
        /// How long it may still use the lease.
        lease_for: Duration,
    },
    /// Contender: it starts an action under its lease (the action's write
    /// follows when it finishes).
    Acting {
        /// The token the action carries.
        token: Token,
        /// How much of the lease is left on the contender's clock.
        lease_left: Duration,
    },
    /// Contender: it no longer holds the lease.
    LostLease {
        /// The token it held.
        token: Token,
        /// How it found out.
        reason: LossReason,
    },
    /// Resource: it took a write.
    Accepted {
        /// Who wrote.
        writer: NodeId,
        /// The write's token.
        token: Token,
    },
    /// Resource: it refused a write whose token is older than one it took.
    Rejected {
        /// Who wrote.
        writer: NodeId,
        /// The write's (stale) token.
        token: Token,
        /// The highest token accepted so far.
        highest: Token,
    },
}

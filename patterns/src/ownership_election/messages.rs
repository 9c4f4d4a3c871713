//! What the lock service, the contenders and the resource say to each other.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use weft_sim::NodeId;

/// A fencing token: the lock service's revision number at the moment it
/// granted the lock. Every new grant gets a larger one; renewals keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Token(pub u64);

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token {}", self.0)
    }
}

/// Names a request so its reply can be matched to it: the sender's
/// incarnation (one more at each restart, kept durably) and a sequence
/// number within it. A reply meant for an earlier life, or older than a
/// reply already handled, is recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RequestId {
    /// The sender's incarnation.
    pub incarnation: u64,
    /// The request's number within the incarnation, from 0.
    pub seq: u64,
}

/// Who holds a key of the lock service, and with which token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Lease {
    /// The holder.
    pub holder: NodeId,
    /// Its fencing token.
    pub token: Token,
}

/// Every message of the pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// Contender to lock service: "if `key` holds `expected` (`None`: the key
    /// is absent), make it hold `new`, for `ttl`". Acquiring is
    /// `None -> me`; renewing is `me -> me`.
    CompareAndSwap {
        /// Names the request.
        request: RequestId,
        /// The key.
        key: &'static str,
        /// What the key must hold for the swap to happen.
        expected: Option<NodeId>,
        /// What it will hold.
        new: NodeId,
        /// How long it will hold it, unless renewed.
        ttl: Duration,
    },
    /// Lock service to contender: the answer to a compare-and-swap.
    CasReply {
        /// The request answered.
        request: RequestId,
        /// True if the swap happened.
        swapped: bool,
        /// Who holds the key now (after the swap, if it happened).
        current: Option<Lease>,
    },
    /// Contender to resource: a write made under a lease.
    Write {
        /// Names the request.
        request: RequestId,
        /// The writer's fencing token.
        token: Token,
        /// What it writes.
        value: u64,
    },
    /// Resource to contender: the answer to a write.
    WriteReply {
        /// The request answered.
        request: RequestId,
        /// The token the write carried.
        token: Token,
        /// True if the resource took the write.
        accepted: bool,
        /// The highest token the resource has accepted.
        highest: Token,
    },
}

/// What nodes ask to be woken for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// Lock service: some lease may have run out.
    ExpiryCheck,
    /// Contender: time to renew (holding) or to try to acquire (waiting).
    LeaseTick,
    /// Contender: the local lease deadline may have passed.
    LeaseDeadline,
    /// Contender: the action started under `token` is done; send its write.
    FinishAction {
        /// The token the action started under.
        token: Token,
        /// The value it writes.
        value: u64,
    },
}

//! What the nodes tell the world. The checker folds these (and nothing
//! else) into its verdicts.

use serde::Serialize;

use super::messages::Refusal;
use crate::history::HistoryEvent;

/// An observation of the sharding pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// Router: map `version` (these shards) is installed; requests go by it.
    MapInstalled {
        /// The version.
        version: u64,
        /// Its shards.
        shards: Vec<u32>,
    },
    /// Router: resharding to `version` (these shards) begins.
    ReshardStarted {
        /// The proposed version.
        version: u64,
        /// Its shards.
        shards: Vec<u32>,
    },
    /// Shard: I now serve under map `version`, and have dropped the keys it
    /// does not give me.
    Serving {
        /// The version.
        version: u64,
    },
    /// Shard: I stored `value` under `key`, serving under map `version`.
    Stored {
        /// The key.
        key: u64,
        /// The value.
        value: u64,
        /// The map version it was served under.
        version: u64,
    },
    /// Shard: I answered a read of `key` under map `version`.
    Read {
        /// The key.
        key: u64,
        /// The map version it was served under.
        version: u64,
    },
    /// Shard: I refused a request for `key` (I serve under `version`).
    Rejected {
        /// The key.
        key: u64,
        /// The shard's map version.
        version: u64,
        /// Why.
        reason: Refusal,
    },
    /// Shard: I sent these keys to shard `to`, their owner under `version`.
    HandedOff {
        /// The proposed version.
        version: u64,
        /// The receiving shard.
        to: u32,
        /// The keys.
        keys: Vec<u64>,
    },
    /// Shard: I stored these entries handed to me by shard `from` for
    /// `version`.
    Received {
        /// The proposed version.
        version: u64,
        /// The sending shard.
        from: u32,
        /// (key, value) pairs.
        entries: Vec<(u64, u64)>,
    },
    /// Client: an event of its history.
    History(HistoryEvent),
}

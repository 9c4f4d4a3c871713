//! What a single link does to the messages that cross it.

use std::time::Duration;

use serde::Serialize;

use super::Latency;

/// The behaviour of a directed link: how long messages take, how often they
/// are lost or duplicated, whether they stay in order, and how many bytes per
/// second fit through it.
///
/// Every field is plain data; build one with [`LinkModel::new`] and the
/// chained setters.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::{Latency, LinkModel};
///
/// let wan = LinkModel::new(Latency::constant(Duration::from_millis(40)))
///     .loss(0.01)
///     .duplicate(0.001)
///     .fifo(true)
///     .bandwidth(1_000_000);
/// assert_eq!(wan.loss_probability, 0.01);
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct LinkModel {
    /// How long a message takes to cross the link.
    #[serde(serialize_with = "super::serialize_display")]
    pub latency: Latency,
    /// The probability, in `[0, 1]`, that a message is silently lost.
    pub loss_probability: f64,
    /// The probability, in `[0, 1]`, that a message arrives twice.
    pub duplicate_probability: f64,
    /// If true, messages on this link arrive in the order they were sent (as
    /// over a TCP connection): a fast message waits behind a slow one.
    pub fifo: bool,
    /// If set, the link carries at most this many bytes per second: a message
    /// of `s` bytes occupies the link for `s / bandwidth` seconds, and
    /// messages queue behind each other.
    pub bandwidth_bytes_per_sec: Option<u64>,
}

impl LinkModel {
    /// A link with the given latency, no loss, no duplication, no ordering
    /// guarantee and unlimited bandwidth.
    pub fn new(latency: Latency) -> LinkModel {
        LinkModel {
            latency,
            loss_probability: 0.0,
            duplicate_probability: 0.0,
            fifo: false,
            bandwidth_bytes_per_sec: None,
        }
    }

    /// Sets the loss probability.
    pub fn loss(mut self, probability: f64) -> LinkModel {
        self.loss_probability = probability;
        self
    }

    /// Sets the duplication probability.
    pub fn duplicate(mut self, probability: f64) -> LinkModel {
        self.duplicate_probability = probability;
        self
    }

    /// Sets whether the link keeps messages in order.
    pub fn fifo(mut self, fifo: bool) -> LinkModel {
        self.fifo = fifo;
        self
    }

    /// Limits the link to `bytes_per_sec`.
    pub fn bandwidth(mut self, bytes_per_sec: u64) -> LinkModel {
        self.bandwidth_bytes_per_sec = Some(bytes_per_sec);
        self
    }

    /// Checks that the probabilities are probabilities and the bandwidth is
    /// not zero.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, p) in [
            ("loss_probability", self.loss_probability),
            ("duplicate_probability", self.duplicate_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be in [0, 1], got {p}"));
            }
        }
        if self.bandwidth_bytes_per_sec == Some(0) {
            return Err("bandwidth_bytes_per_sec must be positive".to_string());
        }
        Ok(())
    }

    /// The time a message of `bytes` bytes occupies the link.
    pub(crate) fn transmission_time(&self, bytes: u64) -> Duration {
        match self.bandwidth_bytes_per_sec {
            None => Duration::ZERO,
            Some(bw) => Duration::from_nanos(
                u64::try_from(u128::from(bytes) * 1_000_000_000 / u128::from(bw)).unwrap_or(u64::MAX),
            ),
        }
    }
}

impl Default for LinkModel {
    /// One millisecond, perfectly reliable: a LAN in a textbook.
    fn default() -> LinkModel {
        LinkModel::new(Latency::constant(Duration::from_millis(1)))
    }
}

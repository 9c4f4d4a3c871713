//! The network: topology, link behaviour and latency distributions.

mod latency;
mod link;
mod topology;

pub use latency::{Latency, LatencyError};
pub use link::LinkModel;
pub use topology::{Adjacency, Neighbours, Topology, TopologyError};

/// Serializes a value through its `Display` form (used for [`Latency`] in
/// traces, so they read like scenario files).
pub(crate) fn serialize_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

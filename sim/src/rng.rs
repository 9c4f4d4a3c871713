//! One seed, many random streams.
//!
//! Every random draw in a run comes from the run's single `u64` seed. The seed
//! is expanded into a ChaCha8 key, and each consumer gets its own ChaCha
//! *stream* of that key: the network, the fault injector, and every node.
//! Streams are independent, so one extra draw by node 4 never shifts the
//! network's latencies, and adding a node never changes the draws of the
//! nodes before it.
//!
//! ChaCha8 is used (never `StdRng`, whose algorithm may change between `rand`
//! releases, and never `thread_rng`, which is seeded from the OS).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::NodeId;

/// The named random streams of a run, each a ChaCha stream id.
///
/// The order is fixed and part of the trace format: changing it changes every
/// golden trace hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Link latencies, loss and duplication.
    Network,
    /// Random choices made by fault schedules and nemeses.
    Faults,
    /// Random choices made while building the world (e.g. a random-regular
    /// topology), before any node runs.
    Setup,
    /// Processing delays (service times) of nodes.
    Service,
    /// Random choices of a scenario's workload generator (which node gets
    /// which request, and when).
    Workload,
    /// A node's own stream, read through [`Ctx::rng`](crate::Ctx::rng).
    Node(NodeId),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Network => 0,
            Stream::Faults => 1,
            Stream::Setup => 2,
            Stream::Service => 3,
            Stream::Workload => 4,
            // Node streams start after the fixed ones.
            Stream::Node(node) => 16 + u64::from(node.as_u32()),
        }
    }
}

/// Derives the RNG for `stream` from the run's `seed`.
///
/// ```
/// use rand::Rng;
/// use weft_sim::{rng::{stream_rng, Stream}, NodeId};
///
/// let mut a = stream_rng(7, Stream::Node(NodeId::new(0)));
/// let mut b = stream_rng(7, Stream::Node(NodeId::new(0)));
/// let mut c = stream_rng(7, Stream::Network);
/// let x: u64 = a.random();
/// assert_eq!(x, b.random::<u64>());
/// assert_ne!(x, c.random::<u64>());
/// ```
pub fn stream_rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream.id());
    rng
}

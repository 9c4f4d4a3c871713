//! # weft-sim: a deterministic network simulator
//!
//! weft-sim runs a distributed system — a set of [`Node`]s exchanging
//! messages — inside one thread, in *virtual* time, with every random choice
//! drawn from one seed. The same seed gives the same run, bit for bit, every
//! time: same messages, same losses, same crashes, same trace hash.
//!
//! ## A map of the crate
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`time`] | [`SimTime`] (virtual nanoseconds), [`NodeId`], and [`parse_duration`](time::parse_duration) |
//! | [`node`] | the [`Node`] trait and its [`Ctx`]: how node code talks to the world |
//! | [`builder`] | [`SimBuilder`]: nodes, network, faults, budget |
//! | [`engine`] | [`Sim`]: the event loop, message fates, faults |
//! | [`network`] | [`Topology`], [`LinkModel`], [`Latency`] distributions |
//! | [`fault`] | the [`Fault`] vocabulary: crash, restart, pause, partition, skew, … |
//! | [`queue`] | the event queue, ordered by `(time, seq)`: heap or calendar |
//! | [`rng`] | one seed, many independent random streams |
//! | [`trace`] | trace events, trace files, and the stable run hash |
//! | [`metrics`] | counters and latency histograms |
//! | [`parse`] | [`ParseError`]: what went wrong reading a duration or [`Latency`] from text, and where |
//! | `testing` | with the cargo feature `testing`: proptest strategies for fault schedules, to property-test your own nodes |
//!
//! ## A first simulation
//!
//! ```
//! use std::time::Duration;
//! use serde::Serialize;
//! use weft_sim::{Ctx, Latency, LinkModel, Node, NodeId, Outcome, Sim};
//!
//! /// Node 0 pings node 1 three times; node 1 answers each ping.
//! struct Pinger { pings_left: u32 }
//!
//! #[derive(Clone, Debug, Hash, Serialize)]
//! enum Msg { Ping, Pong }
//!
//! impl Node for Pinger {
//!     type Message = Msg;
//!     type Timer = ();
//!     type Observation = ();
//!     type Durable = ();
//!
//!     fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
//!         if ctx.me() == NodeId::new(0) {
//!             ctx.send(NodeId::new(1), Msg::Ping);
//!         }
//!     }
//!     fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
//!         match msg {
//!             Msg::Ping => ctx.send(from, Msg::Pong),
//!             Msg::Pong if self.pings_left > 1 => {
//!                 self.pings_left -= 1;
//!                 ctx.send(from, Msg::Ping);
//!             }
//!             Msg::Pong => {}
//!         }
//!     }
//!     fn on_timer(&mut self, _: (), _: &mut Ctx<'_, Self>) {}
//! }
//!
//! let latency = Latency::constant(Duration::from_millis(5));
//! let mut sim = Sim::builder(1)
//!     .link(LinkModel::new(latency))
//!     .nodes(2, |_| Pinger { pings_left: 3 })
//!     .build()?;
//! assert_eq!(sim.run(), Outcome::Quiescent);
//! assert_eq!(sim.stats().messages_delivered, 6);
//! assert_eq!(sim.now().as_nanos(), 30_000_000); // six 5 ms hops
//! # Ok::<(), weft_sim::BuildError>(())
//! ```
//!
//! ## Architecture invariants
//!
//! - Nothing here reads the wall clock, spawns a thread, or iterates a
//!   hash map: a run is a pure function of (nodes, configuration, seed).
//! - Events leave the queue in `(time, seq)` order; `seq` is assigned when an
//!   event is scheduled, so ties are first-scheduled, first-handled.
//! - Every trace event is folded into the run hash whether or not the trace is
//!   kept, so the hash never depends on tracing.

pub mod builder;
pub mod engine;
pub mod fault;
pub mod metrics;
pub mod network;
pub mod node;
pub mod parse;
pub mod queue;
pub mod rng;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod trace;

pub use builder::{BuildError, SimBuilder};
pub use engine::{Handled, NodeStatus, Outcome, RunStats, Sim, Step, Until};
pub use fault::{ClockOffset, Fault};
pub use metrics::{Metrics, MetricsSummary};
pub use network::{Adjacency, Latency, LatencyError, LinkModel, Topology, TopologyError};
pub use node::{Ctx, Node, Payload, TimerId};
pub use parse::ParseError;
pub use time::{NodeId, SimTime};
pub use trace::{DropReason, RunHash, Trace, TraceEvent, TraceKind};

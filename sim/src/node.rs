//! What a node is: a sans-IO state machine driven by the engine.
//!
//! A node never does I/O, never sleeps and never reads a real clock. The
//! engine calls one of its three handlers — [`Node::on_start`],
//! [`Node::on_message`], [`Node::on_timer`] — and the handler *asks* for
//! effects through its [`Ctx`]: send this, wake me in 150 ms, remember this
//! durably, tell the world I became leader. The engine applies each request
//! the moment it is made, so they take effect in the order they were asked
//! for (a send's fate is drawn, and its delivery queued, before the handler
//! goes on). Because a handler is a
//! plain function of (state, input, random stream), the same node can be
//! simulated, model-checked, or (one day) run over a real socket.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::hash::Hash;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::engine::Effects;
use crate::network::{Adjacency, Neighbours};
use crate::{Metrics, NodeId, SimTime};

/// What messages, timers and observations must be: cloneable (a link may
/// duplicate a message), printable, hashable into the run's trace hash, and
/// serializable into a trace file.
///
/// Implemented automatically for every type with those traits; derive them:
/// `#[derive(Clone, Debug, Hash, Serialize)]`.
pub trait Payload: Clone + Debug + Hash + Serialize + 'static {}
impl<T: Clone + Debug + Hash + Serialize + 'static> Payload for T {}

/// A node: one process in the simulated system.
///
/// All nodes of one simulation have the same Rust type. When a system has
/// several roles (clients and servers, leaders and followers), make the node
/// an `enum` of the roles and match in the handlers; the message type is then
/// shared by every role, as on a real wire.
///
/// ```
/// use std::time::Duration;
/// use serde::Serialize;
/// use weft_sim::{Ctx, Node, NodeId, Sim, SimTime};
///
/// /// Says hello to its right-hand neighbour every second.
/// struct Greeter;
///
/// #[derive(Clone, Debug, Hash, Serialize)]
/// struct Hello;
///
/// #[derive(Clone, Debug, Hash, Serialize)]
/// struct GreetTimer;
///
/// impl Node for Greeter {
///     type Message = Hello;
///     type Timer = GreetTimer;
///     type Observation = &'static str;
///     type Durable = ();
///
///     fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
///         ctx.set_timer(Duration::from_secs(1), GreetTimer);
///     }
///     fn on_message(&mut self, _from: NodeId, _msg: Hello, ctx: &mut Ctx<'_, Self>) {
///         ctx.metrics().count("hellos received");
///     }
///     fn on_timer(&mut self, _timer: GreetTimer, ctx: &mut Ctx<'_, Self>) {
///         let right = NodeId::new((ctx.me().as_u32() + 1) % ctx.node_count() as u32);
///         ctx.send(right, Hello);
///         ctx.set_timer(Duration::from_secs(1), GreetTimer);
///     }
/// }
///
/// let mut sim = Sim::builder(42).nodes(3, |_| Greeter).build()?;
/// let _ = sim.run_until(SimTime::from_millis(3500));
/// // Three greetings each, each 1 ms on the default link.
/// assert_eq!(sim.metrics().counter("hellos received"), 9);
/// # Ok::<(), weft_sim::BuildError>(())
/// ```
pub trait Node: Sized + 'static {
    /// What nodes send each other.
    type Message: Payload;
    /// What a node asks to be woken with (e.g. `ElectionTimeout`).
    type Timer: Payload;
    /// What a node tells the world (e.g. `BecameLeader { term: 3 }`). Checks
    /// and the explorer read observations, never node internals.
    type Observation: Payload;
    /// What survives a crash: the node's disk. Use `()` for none.
    type Durable: Default + Debug + 'static;

    /// Called when the node starts, and again after each restart (read
    /// [`Ctx::durable`] to recover).
    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>);

    /// Called when a message arrives.
    fn on_message(&mut self, from: NodeId, msg: Self::Message, ctx: &mut Ctx<'_, Self>);

    /// Called when a timer set with [`Ctx::set_timer`] fires.
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx<'_, Self>);

    /// The size of a message on the wire, in bytes, used only by links with a
    /// bandwidth limit. Defaults to the size of the Rust value.
    fn message_size(_msg: &Self::Message) -> u64 {
        std::mem::size_of::<Self::Message>() as u64
    }
}

/// Identifies a timer, to cancel it. Unique within a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TimerId(pub(crate) u64);

/// A node's local clock: true time, shifted by an offset and running at a
/// rate that may drift.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LocalClock {
    /// True time at which the clock was last set.
    pub anchor_true: SimTime,
    /// What the clock read at `anchor_true`.
    pub anchor_local: SimTime,
    /// How fast the clock runs wrong, in parts per million.
    pub drift_ppm: f64,
}

impl LocalClock {
    pub const EXACT: LocalClock =
        LocalClock { anchor_true: SimTime::ZERO, anchor_local: SimTime::ZERO, drift_ppm: 0.0 };

    /// The local reading at true time `now`.
    pub fn read(&self, now: SimTime) -> SimTime {
        let elapsed = now.as_nanos() - self.anchor_true.as_nanos();
        let local_elapsed = if self.drift_ppm == 0.0 {
            elapsed
        } else {
            // Compute only the drift in floating point, and round it: the
            // whole product would lose the last nanosecond to truncation.
            let drift = (elapsed as f64 * self.drift_ppm * 1e-6).round() as i64;
            elapsed.saturating_add_signed(drift)
        };
        SimTime::from_nanos(self.anchor_local.as_nanos().saturating_add(local_elapsed))
    }

    /// How much true time passes while this clock advances by `local`: a
    /// timer for 100 ms on a clock that runs fast fires early.
    pub fn true_duration(&self, local: Duration) -> Duration {
        if self.drift_ppm == 0.0 { local } else { local.div_f64(1.0 + self.drift_ppm * 1e-6) }
    }
}

/// A handler's window on the world: the only way a node affects anything.
///
/// Everything a node asks for through `Ctx` is applied by the engine at
/// once, in the order asked.
pub struct Ctx<'a, N: Node> {
    pub(crate) me: NodeId,
    pub(crate) now: SimTime,
    /// When what the handler sends leaves: now, or later on a node with a
    /// processing delay (it is busy until then).
    pub(crate) depart: SimTime,
    pub(crate) clock: LocalClock,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) durable: &'a mut N::Durable,
    /// This node's timers set and neither fired nor cancelled.
    pub(crate) armed_timers: &'a mut BTreeSet<TimerId>,
    pub(crate) adjacency: &'a Adjacency,
    /// The rest of the engine: the queue, the network, the run's record.
    pub(crate) engine: &'a mut dyn Effects<N>,
}

impl<'a, N: Node> Ctx<'a, N> {
    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The number of nodes in the run.
    pub fn node_count(&self) -> usize {
        self.adjacency.node_count()
    }

    /// The nodes this node has a link to, in increasing order.
    ///
    /// The iterator does not borrow the `Ctx`, so a node can send while
    /// walking it: `for n in ctx.neighbours() { ctx.send(n, msg.clone()) }`.
    pub fn neighbours(&self) -> Neighbours<'a> {
        self.adjacency.neighbours(self.me)
    }

    /// The true virtual time. Use it to *measure* (latencies, metrics);
    /// protocol logic that a real node would base on its own clock should use
    /// [`Ctx::local_time`], so clock-skew faults affect it.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// This node's own clock, which a [`Fault::ClockSkew`](crate::Fault) may
    /// have set ahead, behind, fast or slow.
    pub fn local_time(&self) -> SimTime {
        self.clock.read(self.now)
    }

    /// Sends `msg` to `to`. The network decides when (and whether) it
    /// arrives.
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: N::Message) {
        let routed = self.adjacency.is_linked(self.me, to);
        self.engine.send(self.me, to, msg, self.depart, routed);
    }

    /// Asks for [`Node::on_timer`] to be called with `timer` after `after`
    /// has passed *on this node's local clock*. Timers are lost if the node
    /// crashes.
    pub fn set_timer(&mut self, after: Duration, timer: N::Timer) -> TimerId {
        // Like sends, timers start when the handler is done (later than now
        // on a node with a processing delay).
        let at = self.depart + self.clock.true_duration(after);
        let id = self.engine.set_timer(self.me, at, timer);
        self.armed_timers.insert(id);
        id
    }

    /// Cancels a timer. Cancelling one that already fired does nothing.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.armed_timers.remove(&id);
    }

    /// This node's own random stream: deterministic for the run's seed, and
    /// independent of every other node's and of the network's.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// This node's durable storage: survives crashes and restarts.
    pub fn durable(&mut self) -> &mut N::Durable {
        self.durable
    }

    /// Tells the world something about this node's state ("became leader in
    /// term 3"). Observations go into the trace, and checks fold over them.
    pub fn emit(&mut self, obs: N::Observation) {
        self.engine.emit(self.me, obs);
    }

    /// The run's metrics, to count things and record latencies.
    pub fn metrics(&mut self) -> &mut Metrics {
        self.engine.metrics()
    }
}

impl<N: Node> std::fmt::Debug for Ctx<'_, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("me", &self.me).field("now", &self.now).finish_non_exhaustive()
    }
}

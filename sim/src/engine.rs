//! The engine: one queue of events, handled in `(time, seq)` order.
//!
//! Each step pops the earliest event and handles it: hands a message to its
//! node, fires a timer, or applies a fault. Handlers ask for effects through
//! their [`Ctx`]; the engine applies each one as it is asked — sending a
//! message means drawing its fate from the network stream (lost? duplicated?
//! how late?) and scheduling its delivery. Every step folds what happened
//! into the run's hash, and into the trace if one is kept.
//!
//! The state is in two parts: the nodes (`NodeSlot`), and the `Core`
//! that requests act on (clock, queue, network, record of the run). A
//! handler borrows its own node's slot and the core at the same time, so a
//! send goes straight into the queue, with no buffer of effects between.
//!
//! The hot path (send and deliver) allocates nothing: messages live inline in
//! queue entries, and the fault checks (route, partition, loss, duplication,
//! crashed or paused receiver) are a few comparisons that skip themselves
//! when no fault is active.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::builder::{BuildError, Factory};
use crate::fault::{ClockOffset, Fault};
use crate::network::{Adjacency, Latency, LinkModel};
use crate::node::{Ctx, LocalClock, Node, TimerId};
use crate::queue::{Calendar, EventQueue, QueueKind};
use crate::trace::{
    DropReason, NodeInfo, RunHash, TRACE_VERSION, Trace, TraceEvent, TraceFooter, TraceHeader, TraceKind,
    TraceSink, Violation,
};
use crate::{Metrics, NodeId, SimTime};

/// A running simulation of nodes of type `N`, with event queue `Q`.
///
/// Build one with [`Sim::builder`]; advance it with [`Sim::step`],
/// [`Sim::run`] or [`Sim::run_until`].
pub struct Sim<N: Node, Q: QueueKind = Calendar> {
    pub(crate) seed: u64,
    pub(crate) nodes: Vec<NodeSlot<N>>,
    pub(crate) factories: Vec<Factory<N>>,
    pub(crate) info: Vec<NodeInfo>,
    pub(crate) adjacency: Adjacency,
    pub(crate) service_rng: ChaCha8Rng,
    pub(crate) faults: Vec<Fault>,
    pub(crate) event_budget: u64,
    pub(crate) events_handled: u64,
    pub(crate) time_limit: SimTime,
    pub(crate) pause_capacity: usize,
    /// Everything a handler's requests act on, apart from the nodes: a
    /// handler holds its own node mutably while its [`Ctx`] sends, sets
    /// timers and emits through this part.
    pub(crate) core: Core<N, Q>,
}

/// The part of the engine that a handler's [`Ctx`] reaches: the clock, the
/// queue, the network and the record of the run.
///
/// It is kept apart from the nodes so that the engine can lend a handler its
/// own node (`&mut N`, its random stream, its storage) and, at the same time,
/// this part: every request is then applied the moment it is made — a send
/// draws its fate and lands in the queue at once — with no buffer of effects
/// to fill and drain. The order is the one the handler asked in, as before.
pub(crate) struct Core<N: Node, Q: QueueKind> {
    pub(crate) now: SimTime,
    pub(crate) queue: Q::Queue<Event<N>>,
    pub(crate) next_seq: u64,
    /// Each node's incarnation, incremented at every crash: a message sent
    /// to an earlier incarnation is dropped rather than delivered to the
    /// next one. Here rather than in [`NodeSlot`] because a send reads the
    /// addressee's while the sender's slot is lent to its handler.
    pub(crate) epochs: Vec<u32>,
    pub(crate) links: Links,
    pub(crate) partition: Partition,
    pub(crate) net_rng: ChaCha8Rng,
    pub(crate) observations: Vec<(NodeId, N::Observation)>,
    pub(crate) next_timer_id: u64,
    pub(crate) next_msg_id: u64,
    pub(crate) in_flight: u64,
    pub(crate) hash: RunHash,
    pub(crate) trace: Tracing,
    pub(crate) stats: RunStats,
    pub(crate) metrics: Metrics,
}

/// Something scheduled to happen. Messages are stored inline: scheduling a
/// delivery moves the message into the queue and allocates nothing.
#[derive(Debug)]
pub(crate) enum Event<N: Node> {
    Start {
        node: NodeId,
    },
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        epoch: u32,
        msg: N::Message,
    },
    Timer {
        node: NodeId,
        id: TimerId,
        timer: N::Timer,
    },
    Fault {
        index: u32,
    },
    /// A node with messages waiting in its inbox may be free to handle the
    /// next one. The epoch is the incarnation that asked: a crash makes the
    /// wake-up of the node's previous life stale, so it cannot block the
    /// wake-ups its next life needs.
    Wake {
        node: NodeId,
        epoch: u32,
    },
}

/// Something that reached a node but waits in its inbox, because the node is
/// busy or paused. A waiting message has crossed the network: only a crash
/// can lose it now.
#[derive(Debug)]
pub(crate) enum Waiting<N: Node> {
    Message {
        id: u64,
        from: NodeId,
        msg: N::Message,
    },
    /// A timer that came due while the node was paused.
    Timer {
        id: TimerId,
        timer: N::Timer,
    },
}

/// What happens to trace events besides the hash.
pub(crate) enum Tracing {
    /// Only the hash is kept.
    Off,
    /// Every event is kept in memory.
    Memory(Vec<TraceEvent>),
    /// Every event goes to a sink as it happens.
    Sink(Box<dyn TraceSink>),
}

impl Tracing {
    /// Kept out of line: with tracing off (the fast case) the hot path is
    /// one comparison, and the code that builds events stays small.
    #[inline(never)]
    fn store(&mut self, event: TraceEvent) {
        match self {
            Tracing::Off => {}
            Tracing::Memory(events) => events.push(event),
            Tracing::Sink(sink) => sink.event(&event),
        }
    }
}

/// Whether a node is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeStatus {
    /// Handling events.
    Up,
    /// Frozen: events wait for it.
    Paused,
    /// Down: events for it are lost.
    Crashed,
}

/// Everything the engine keeps per node.
pub(crate) struct NodeSlot<N: Node> {
    /// The node's volatile state; `None` while crashed.
    pub node: Option<N>,
    pub status: NodeStatus,
    pub rng: ChaCha8Rng,
    pub durable: N::Durable,
    pub clock: LocalClock,
    pub processing: Option<Latency>,
    pub slowdown: Option<Latency>,
    /// While processing a message, the node is busy until this time.
    pub busy_until: SimTime,
    /// Timers set and neither fired nor cancelled; a timer event whose id is
    /// not here is skipped.
    pub armed_timers: BTreeSet<TimerId>,
    /// Messages that arrived while the node was busy or paused, and timers
    /// that came due while it was paused, in arrival order.
    pub inbox: VecDeque<Waiting<N>>,
    /// True while an `Event::Wake` for this incarnation of the node is queued.
    pub wake_pending: bool,
    pub factory: usize,
}

/// The behaviour of every link: a default, per-link settings, and the links
/// currently degraded by faults.
pub(crate) struct Links {
    default: LinkModel,
    configured: BTreeMap<(NodeId, NodeId), LinkModel>,
    degraded: BTreeMap<(NodeId, NodeId), LinkModel>,
    /// Per-link state, kept only for links that need it (FIFO or bandwidth),
    /// so a mesh never holds `n²` entries it does not use.
    last_arrival: BTreeMap<(NodeId, NodeId), SimTime>,
    free_at: BTreeMap<(NodeId, NodeId), SimTime>,
}

impl Links {
    pub fn new(default: LinkModel, configured: BTreeMap<(NodeId, NodeId), LinkModel>) -> Links {
        Links {
            default,
            configured,
            degraded: BTreeMap::new(),
            last_arrival: BTreeMap::new(),
            free_at: BTreeMap::new(),
        }
    }

    #[inline]
    fn model(&self, from: NodeId, to: NodeId) -> &LinkModel {
        if self.degraded.is_empty() && self.configured.is_empty() {
            return &self.default;
        }
        self.degraded.get(&(from, to)).or_else(|| self.configured.get(&(from, to))).unwrap_or(&self.default)
    }
}

/// Which nodes can currently reach which.
pub(crate) struct Partition {
    /// Each node's side; nodes talk only within a side. All zero when healed.
    side: Vec<u32>,
    partitioned: bool,
    /// One-way cuts: messages from `.0` to `.1` are dropped.
    cuts: BTreeSet<(NodeId, NodeId)>,
}

impl Partition {
    pub fn new(nodes: usize) -> Partition {
        Partition { side: vec![0; nodes], partitioned: false, cuts: BTreeSet::new() }
    }

    #[inline]
    fn blocks(&self, from: NodeId, to: NodeId) -> bool {
        (self.partitioned && self.side[from.index()] != self.side[to.index()])
            || (!self.cuts.is_empty() && self.cuts.contains(&(from, to)))
    }
}

/// When a message leaving `from` at `depart` reaches `to`: its latency, plus,
/// on a bandwidth-limited link, its wait behind earlier messages and its
/// transmission time; held back behind earlier messages on a FIFO link.
///
/// A free function over the two fields it needs, so the hot path borrows
/// nothing else and inlines into `transmit`.
#[inline(always)]
fn arrival(
    links: &mut Links,
    rng: &mut ChaCha8Rng,
    from: NodeId,
    to: NodeId,
    depart: SimTime,
    size: u64,
) -> SimTime {
    let link = links.model(from, to);
    let latency = link.latency.sample_nanos(rng);
    if !link.fifo && link.bandwidth_bytes_per_sec.is_none() {
        return SimTime::from_nanos(depart.as_nanos().saturating_add(latency));
    }
    shaped_arrival(links, from, to, depart, size, latency)
}

/// The rarer part of [`arrival`]: links with per-link state.
#[inline(never)]
fn shaped_arrival(
    links: &mut Links,
    from: NodeId,
    to: NodeId,
    depart: SimTime,
    size: u64,
    latency: u64,
) -> SimTime {
    let link = links.model(from, to);
    let (fifo, transmission) =
        (link.fifo, link.bandwidth_bytes_per_sec.map(|_| link.transmission_time(size)));
    let mut on_wire = depart;
    if let Some(transmission) = transmission {
        let free = links.free_at.entry((from, to)).or_insert(SimTime::ZERO);
        on_wire = depart.max(*free) + transmission;
        *free = on_wire;
    }
    let mut at = SimTime::from_nanos(on_wire.as_nanos().saturating_add(latency));
    if fifo {
        let last = links.last_arrival.entry((from, to)).or_insert(SimTime::ZERO);
        at = at.max(*last);
        *last = at;
    }
    at
}

/// Counts of what happened in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Trace events recorded (the length of the trace, kept or not).
    pub events: u64,
    /// Messages sent by nodes.
    pub messages_sent: u64,
    /// Extra copies made by duplicating links.
    pub messages_duplicated: u64,
    /// Messages handed to their addressee.
    pub messages_delivered: u64,
    /// Messages lost, by reason, in the order of [`DropReason::ALL`].
    pub messages_dropped_by_reason: [u64; 5],
    /// Timers that fired.
    pub timers_fired: u64,
    /// Faults applied.
    pub faults: u64,
    /// Observations emitted.
    pub observations: u64,
}

impl RunStats {
    /// All messages lost, whatever the reason.
    pub fn messages_dropped(&self) -> u64 {
        self.messages_dropped_by_reason.iter().sum()
    }

    /// Messages lost for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        let index = DropReason::ALL.iter().position(|r| *r == reason).expect("every reason is listed");
        self.messages_dropped_by_reason[index]
    }
}

/// What one [`Sim::step`] handled.
#[derive(Debug)]
pub struct Step<'a, O> {
    /// The virtual time of the event.
    pub time: SimTime,
    /// What it was.
    pub handled: Handled,
    /// The observations nodes emitted while handling it.
    pub observations: &'a [(NodeId, O)],
}

/// The kind of event a step handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// A node started (or restarted).
    Started(NodeId),
    /// A message reached its node.
    Delivered {
        /// The message id (as in the trace).
        id: u64,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
    },
    /// A message arrived but was dropped.
    Dropped {
        /// The message id.
        id: u64,
        /// The sender.
        from: NodeId,
        /// The addressee.
        to: NodeId,
        /// Why.
        reason: DropReason,
    },
    /// A timer fired on a node.
    TimerFired(NodeId),
    /// A fault took effect.
    Fault,
    /// The event was set aside: a message waits in the inbox of a busy or
    /// paused node, or a timer for a paused node waits for it to resume.
    Deferred,
}

/// Why a run stopped.
#[must_use = "a run can stop for several reasons; check which"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing is left to happen.
    Quiescent,
    /// The time limit was reached; later events are still queued.
    ReachedTime,
    /// The stop condition became true.
    ConditionMet,
    /// The event budget was used up: maybe the nodes are in a loop.
    BudgetExhausted,
}

/// When [`Sim::run_until`] stops: a [`SimTime`], or a condition checked
/// after every step.
pub trait Until<N: Node, Q: QueueKind> {
    /// The latest time to run to, if any.
    fn deadline(&self) -> SimTime {
        SimTime::MAX
    }
    /// True when the run should stop.
    fn reached(&mut self, _sim: &Sim<N, Q>) -> bool {
        false
    }
}

impl<N: Node, Q: QueueKind> Until<N, Q> for SimTime {
    fn deadline(&self) -> SimTime {
        *self
    }
}

impl<N: Node, Q: QueueKind, F: FnMut(&Sim<N, Q>) -> bool> Until<N, Q> for F {
    fn reached(&mut self, sim: &Sim<N, Q>) -> bool {
        self(sim)
    }
}

/// Hash tags: one per kind of trace event, so that different events with the
/// same fields never hash alike. A tag fills the top byte of the first word
/// hashed for an event; the rest holds node ids (below 2^28) or message ids
/// (below 2^48).
mod tag {
    pub const START: u64 = 1;
    pub const SEND: u64 = 2;
    pub const DUPLICATE: u64 = 3;
    pub const DELIVER: u64 = 4;
    pub const DROP: u64 = 5;
    pub const TIMER: u64 = 6;
    pub const FAULT: u64 = 7;
    pub const OBSERVE: u64 = 8;
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    // Serializing plain derived data to a JSON value cannot fail, except for
    // maps with non-string keys, which we turn into a readable error value
    // rather than a panic.
    serde_json::to_value(value)
        .unwrap_or_else(|e| serde_json::Value::String(format!("<unserializable: {e}>")))
}

impl<N: Node, Q: QueueKind> Sim<N, Q> {
    // ----- Reading the state of the run -----

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time: the time of the last event handled.
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Every node's name and role, indexed by `NodeId`.
    pub fn node_info(&self) -> &[NodeInfo] {
        &self.info
    }

    /// The resolved topology.
    pub fn adjacency(&self) -> &Adjacency {
        &self.adjacency
    }

    /// The node's state, or `None` while it is crashed. For tests and
    /// debugging: checks should fold over observations instead.
    pub fn node(&self, id: NodeId) -> Option<&N> {
        self.nodes.get(id.index()).and_then(|slot| slot.node.as_ref())
    }

    /// The node's durable storage.
    pub fn durable(&self, id: NodeId) -> &N::Durable {
        &self.nodes[id.index()].durable
    }

    /// Whether the node is up, paused or crashed.
    pub fn status(&self, id: NodeId) -> NodeStatus {
        self.nodes[id.index()].status
    }

    /// The node's local clock reading now.
    pub fn local_time(&self, id: NodeId) -> SimTime {
        self.nodes[id.index()].clock.read(self.core.now)
    }

    /// Counts of what happened so far.
    pub fn stats(&self) -> &RunStats {
        &self.core.stats
    }

    /// The observations nodes emitted during the last [`Sim::step`], or the
    /// last step of [`Sim::run_until`] as its condition sees it: how a
    /// checker folds over observations while the run goes.
    pub fn observations(&self) -> &[(NodeId, N::Observation)] {
        &self.core.observations
    }

    /// The counters and histograms recorded so far.
    pub fn metrics(&self) -> &Metrics {
        &self.core.metrics
    }

    /// The run's hash so far: a stable 64-bit digest of every trace event.
    pub fn trace_hash(&self) -> RunHash {
        self.core.hash
    }

    /// Messages sent (or duplicated) that are neither delivered nor dropped
    /// yet. Conservation: `sent + duplicated = delivered + dropped +
    /// in_flight`, always.
    pub fn in_flight(&self) -> u64 {
        self.core.in_flight
    }

    /// Events waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.core.queue.len()
    }

    /// The trace events so far, if the trace is kept in memory
    /// ([`SimBuilder::keep_trace`](crate::SimBuilder::keep_trace)).
    pub fn trace_events(&self) -> Option<&[TraceEvent]> {
        match &self.core.trace {
            Tracing::Memory(events) => Some(events),
            _ => None,
        }
    }

    /// The whole trace, with its header and footer, if it is kept in memory.
    pub fn trace(&self, scenario: &str) -> Option<Trace> {
        let events = self.trace_events()?.to_vec();
        Some(Trace { header: self.trace_header(scenario), footer: self.trace_footer(), events })
    }

    /// Ends a trace streamed with
    /// [`SimBuilder::trace_to`](crate::SimBuilder::trace_to): writes the
    /// footer, with the `violations` the caller found in the run, and
    /// reports the first error the sink met. Later events are no longer
    /// traced. Does nothing for other traces.
    pub fn finish_trace(&mut self, violations: &[Violation]) -> std::io::Result<()> {
        let mut footer = self.trace_footer();
        footer.violations = violations.to_vec();
        match std::mem::replace(&mut self.core.trace, Tracing::Off) {
            Tracing::Sink(mut sink) => sink.end(&footer),
            other => {
                self.core.trace = other;
                Ok(())
            }
        }
    }

    pub(crate) fn trace_header(&self, scenario: &str) -> TraceHeader {
        TraceHeader {
            weft_trace: TRACE_VERSION,
            scenario: scenario.to_string(),
            seed: self.seed,
            nodes: self.info.clone(),
        }
    }

    fn trace_footer(&self) -> TraceFooter {
        TraceFooter {
            events: self.core.stats.events,
            trace_hash: self.core.hash.to_string(),
            violations: Vec::new(),
        }
    }

    // ----- Driving the run -----

    /// Applies `fault` now (after any other event already due now).
    ///
    /// The fault is checked as the builder checks scheduled faults: a node
    /// that does not exist, or an invalid drift or link model, is an error
    /// and nothing is scheduled.
    pub fn inject(&mut self, fault: Fault) -> Result<(), BuildError> {
        crate::builder::check_fault("injected fault", &fault, self.nodes.len())?;
        self.schedule_fault(self.core.now, fault);
        Ok(())
    }

    /// Handles the next event, and returns what it was; `None` when the queue
    /// is empty. Events that only set something aside (a message for a paused
    /// node) are reported as [`Handled::Deferred`]; cancelled timers are
    /// skipped silently.
    pub fn step(&mut self) -> Option<Step<'_, N::Observation>> {
        let handled = self.step_inner(SimTime::MAX)?;
        Some(Step { time: self.core.now, handled, observations: &self.core.observations })
    }

    /// Runs until nothing is left to happen, the builder's time limit, or
    /// the event budget.
    pub fn run(&mut self) -> Outcome {
        let limit = self.time_limit;
        self.run_until(limit)
    }

    /// Runs until `until` (a [`SimTime`], or a closure over the simulation
    /// checked after every step), the builder's time limit, nothing left to
    /// happen, or the event budget — whichever comes first. When it stops on
    /// a time, the clock is advanced to that time.
    pub fn run_until<U: Until<N, Q>>(&mut self, mut until: U) -> Outcome {
        let deadline = until.deadline().min(self.time_limit);
        loop {
            if self.events_handled >= self.event_budget {
                return Outcome::BudgetExhausted;
            }
            if self.step_inner(deadline).is_none() {
                if self.core.queue.is_empty() {
                    return Outcome::Quiescent;
                }
                self.core.now = self.core.now.max(deadline);
                return Outcome::ReachedTime;
            }
            if until.reached(self) {
                return Outcome::ConditionMet;
            }
        }
    }

    /// Moves the clock forward to `time` when nothing is due before then:
    /// how a driver that applies its own faults reaches a fault's time after
    /// the run has gone quiet. Never moves the clock back.
    ///
    /// Panics if an event is due before `time`: skipping it would break the
    /// run's order.
    pub fn advance_to(&mut self, time: SimTime) {
        assert!(
            self.core.queue.peek_time().is_none_or(|next| next >= time),
            "advance_to({time}) would skip an event due earlier"
        );
        self.core.now = self.core.now.max(time);
    }

    // ----- The event loop -----

    /// Pops and handles events until one is worth reporting. Returns `None`
    /// if the queue is empty or the next event is after `deadline`.
    #[inline]
    fn step_inner(&mut self, deadline: SimTime) -> Option<Handled> {
        self.core.observations.clear();
        loop {
            if deadline != SimTime::MAX && self.core.queue.peek_time()? > deadline {
                return None;
            }
            let (time, _seq, event) = self.core.queue.pop()?;
            assert!(time >= self.core.now, "time went backwards: {time} < {}", self.core.now);
            self.core.now = time;
            self.events_handled += 1;
            let handled = match event {
                Event::Deliver { id, from, to, epoch, msg } => self.deliver(id, from, to, epoch, msg),
                Event::Timer { node, id, timer } => self.fire_timer(node, id, timer),
                Event::Start { node } => Some(self.start(node)),
                Event::Wake { node, epoch } => self.wake(node, epoch),
                Event::Fault { index } => {
                    self.apply_fault(index);
                    Some(Handled::Fault)
                }
            };
            if let Some(handled) = handled {
                return Some(handled);
            }
        }
    }

    #[inline]
    fn push(&mut self, time: SimTime, event: Event<N>) {
        self.core.push(time, event);
    }

    #[inline]
    fn record(&mut self, hash: impl FnOnce(&mut RunHash), event: impl FnOnce() -> TraceKind) {
        self.core.record(hash, event);
    }

    #[inline]
    fn drop_message(&mut self, id: u64, from: NodeId, to: NodeId, reason: DropReason) -> Handled {
        self.core.drop_message(id, from, to, reason)
    }

    pub(crate) fn schedule_starts(&mut self) {
        for i in 0..self.nodes.len() {
            self.push(SimTime::ZERO, Event::Start { node: NodeId::new(i as u32) });
        }
    }

    pub(crate) fn schedule_fault(&mut self, time: SimTime, fault: Fault) {
        let index = u32::try_from(self.faults.len()).expect("fewer than 2^32 faults");
        self.faults.push(fault);
        self.push(time.max(self.core.now), Event::Fault { index });
    }

    fn start(&mut self, node: NodeId) -> Handled {
        let slot = &mut self.nodes[node.index()];
        slot.node = Some((self.factories[slot.factory])(node));
        slot.status = NodeStatus::Up;
        slot.busy_until = self.core.now;
        let now = self.core.now;
        self.record(
            |h| {
                h.mix2(tag::START << 56 | u64::from(node.as_u32()), now.as_nanos());
            },
            || TraceKind::Start { node },
        );
        self.call(node, self.core.now, |n, ctx| n.on_start(ctx));
        Handled::Started(node)
    }

    /// A message reaches its node: dropped if the node is down or cut off,
    /// handled if the node is free, otherwise queued in its inbox.
    fn deliver(&mut self, id: u64, from: NodeId, to: NodeId, epoch: u32, msg: N::Message) -> Option<Handled> {
        let slot = &mut self.nodes[to.index()];
        if self.core.epochs[to.index()] != epoch || slot.status == NodeStatus::Crashed {
            self.core.in_flight -= 1;
            return Some(self.drop_message(id, from, to, DropReason::Crashed));
        }
        if self.core.partition.blocks(from, to) {
            self.core.in_flight -= 1;
            return Some(self.drop_message(id, from, to, DropReason::Partition));
        }
        let free = slot.status == NodeStatus::Up && slot.inbox.is_empty() && slot.busy_until <= self.core.now;
        if free {
            return Some(self.handle_message(id, from, to, msg));
        }
        // The node is paused or busy, or earlier messages are waiting: this one
        // waits behind them, so the inbox stays first-in, first-out.
        if slot.status == NodeStatus::Paused && slot.inbox.len() >= self.pause_capacity {
            self.core.in_flight -= 1;
            return Some(self.drop_message(id, from, to, DropReason::PausedOverflow));
        }
        slot.inbox.push_back(Waiting::Message { id, from, msg });
        if slot.status == NodeStatus::Up {
            self.ensure_wake(to);
        }
        Some(Handled::Deferred)
    }

    /// Hands a message to its node now. A node with a processing delay is
    /// then busy until it is done, and what it sends leaves at that time.
    #[inline]
    fn handle_message(&mut self, id: u64, from: NodeId, to: NodeId, msg: N::Message) -> Handled {
        self.core.in_flight -= 1;
        let slot = &mut self.nodes[to.index()];
        let mut depart = self.core.now;
        if slot.processing.is_some() || slot.slowdown.is_some() {
            let mut service = 0;
            for delay in [&slot.processing, &slot.slowdown].into_iter().flatten() {
                service += delay.sample_nanos(&mut self.service_rng);
            }
            depart = SimTime::from_nanos(self.core.now.as_nanos().saturating_add(service));
            slot.busy_until = depart;
        }
        self.core.stats.messages_delivered += 1;
        let now = self.core.now;
        self.record(
            |h| {
                h.mix2(tag::DELIVER << 56 | id, now.as_nanos());
            },
            || TraceKind::Deliver { id, from, to },
        );
        self.call(to, depart, |n, ctx| n.on_message(from, msg, ctx));
        if !self.nodes[to.index()].inbox.is_empty() {
            self.ensure_wake(to);
        }
        Handled::Delivered { id, from, to }
    }

    /// Makes sure a `Wake` is queued for when `node` is next free.
    fn ensure_wake(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node.index()];
        if !slot.wake_pending {
            slot.wake_pending = true;
            let at = slot.busy_until.max(self.core.now);
            let epoch = self.core.epochs[node.index()];
            self.push(at, Event::Wake { node, epoch });
        }
    }

    /// The node may be free: hand it the first waiting message or timer.
    fn wake(&mut self, node: NodeId, epoch: u32) -> Option<Handled> {
        if self.core.epochs[node.index()] != epoch {
            // Queued before a crash: the inbox it was for is gone.
            return None;
        }
        let slot = &mut self.nodes[node.index()];
        slot.wake_pending = false;
        if slot.status != NodeStatus::Up || slot.inbox.is_empty() {
            // Paused (resume wakes it again) or crashed (the inbox is gone).
            return None;
        }
        if slot.busy_until > self.core.now {
            self.ensure_wake(node);
            return None;
        }
        match slot.inbox.pop_front().expect("checked non-empty") {
            Waiting::Message { id, from, msg } => Some(self.handle_message(id, from, node, msg)),
            Waiting::Timer { id, timer } => {
                let handled = self.fire_timer(node, id, timer);
                if !self.nodes[node.index()].inbox.is_empty() {
                    self.ensure_wake(node);
                }
                handled
            }
        }
    }

    fn fire_timer(&mut self, node: NodeId, id: TimerId, timer: N::Timer) -> Option<Handled> {
        let slot = &mut self.nodes[node.index()];
        if slot.status == NodeStatus::Paused {
            slot.inbox.push_back(Waiting::Timer { id, timer });
            return Some(Handled::Deferred);
        }
        // Cancelled, or lost in a crash.
        if !slot.armed_timers.remove(&id) {
            return None;
        }
        self.core.stats.timers_fired += 1;
        let now = self.core.now;
        self.record(
            |h| {
                h.mix2(tag::TIMER << 56 | u64::from(node.as_u32()), now.as_nanos());
                timer.hash(h);
            },
            || TraceKind::Timer { node, timer: to_json(&timer) },
        );
        self.call(node, self.core.now, |n, ctx| n.on_timer(timer, ctx));
        Some(Handled::TimerFired(node))
    }

    /// Runs one handler of `node`. What it asks for through its [`Ctx`] is
    /// applied at once, in order; messages it sends leave at `depart` (later
    /// than now if the node has a processing delay).
    #[inline]
    fn call(&mut self, node: NodeId, depart: SimTime, handler: impl FnOnce(&mut N, &mut Ctx<'_, N>)) {
        let slot = &mut self.nodes[node.index()];
        let Some(state) = slot.node.as_mut() else {
            return;
        };
        let mut ctx = Ctx {
            me: node,
            now: self.core.now,
            depart,
            clock: slot.clock,
            rng: &mut slot.rng,
            durable: &mut slot.durable,
            armed_timers: &mut slot.armed_timers,
            adjacency: &self.adjacency,
            engine: &mut self.core,
        };
        handler(state, &mut ctx);
    }

    // ----- Faults -----

    fn apply_fault(&mut self, index: u32) {
        self.core.stats.faults += 1;
        let fault = self.faults[index as usize].clone();
        let json = to_json(&fault);
        let now = self.core.now;
        self.record(
            |h| {
                h.mix2(tag::FAULT << 56, now.as_nanos());
                h.write(json.to_string().as_bytes());
            },
            || TraceKind::Fault { fault: json.clone() },
        );
        match fault {
            Fault::Crash { node } => self.crash(node),
            Fault::Restart { node } => {
                if self.nodes[node.index()].status != NodeStatus::Crashed {
                    self.crash(node);
                }
                self.start(node);
            }
            Fault::Pause { node } => {
                let slot = &mut self.nodes[node.index()];
                if slot.status == NodeStatus::Up {
                    slot.status = NodeStatus::Paused;
                }
            }
            Fault::Resume { node } => self.resume(node),
            Fault::Partition { groups } => {
                self.core.partition.side.iter_mut().for_each(|s| *s = 0);
                for (i, group) in groups.iter().enumerate() {
                    for node in group {
                        self.core.partition.side[node.index()] = i as u32 + 1;
                    }
                }
                self.core.partition.partitioned = true;
            }
            Fault::CutOneWay { from, to } => {
                self.core.partition.cuts.insert((from, to));
            }
            Fault::Heal => {
                self.core.partition.side.iter_mut().for_each(|s| *s = 0);
                self.core.partition.partitioned = false;
                self.core.partition.cuts.clear();
            }
            Fault::ClockSkew { node, offset, drift_ppm } => {
                let slot = &mut self.nodes[node.index()];
                let reading = slot.clock.read(self.core.now);
                let jumped = match offset {
                    ClockOffset::Ahead(d) => reading + d,
                    ClockOffset::Behind(d) => {
                        SimTime::from_nanos(reading.as_nanos().saturating_sub(d.as_nanos() as u64))
                    }
                };
                slot.clock = LocalClock { anchor_true: self.core.now, anchor_local: jumped, drift_ppm };
            }
            Fault::SlowNode { node, extra } => self.nodes[node.index()].slowdown = Some(extra),
            Fault::RestoreSpeed { node } => self.nodes[node.index()].slowdown = None,
            Fault::DegradeLink { a, b, link } => {
                self.core.links.degraded.insert((b, a), link.clone());
                self.core.links.degraded.insert((a, b), link);
            }
            Fault::RestoreLink { a, b } => {
                self.core.links.degraded.remove(&(a, b));
                self.core.links.degraded.remove(&(b, a));
            }
        }
    }

    /// Crashes a node: volatile state, timers and waiting messages are lost.
    fn crash(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node.index()];
        slot.node = None;
        slot.status = NodeStatus::Crashed;
        self.core.epochs[node.index()] += 1;
        slot.armed_timers.clear();
        slot.busy_until = self.core.now;
        slot.wake_pending = false;
        let inbox = std::mem::take(&mut slot.inbox);
        for waiting in inbox {
            if let Waiting::Message { id, from, .. } = waiting {
                self.core.in_flight -= 1;
                self.drop_message(id, from, node, DropReason::Crashed);
            }
        }
    }

    /// Resumes a paused node: the messages and timers that waited are handled
    /// now, in the order they arrived.
    fn resume(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node.index()];
        if slot.status != NodeStatus::Paused {
            return;
        }
        slot.status = NodeStatus::Up;
        if !slot.inbox.is_empty() {
            self.ensure_wake(node);
        }
    }
}

impl<N: Node, Q: QueueKind> Core<N, Q> {
    #[inline]
    fn push(&mut self, time: SimTime, event: Event<N>) {
        debug_assert!(time >= self.now, "scheduled in the past");
        self.queue.push(time, self.next_seq, event);
        self.next_seq += 1;
    }

    /// Records a trace event: always into the hash, into the trace if kept.
    /// `hash` folds the event's fields; `event` builds the trace record only
    /// when it is needed.
    #[inline]
    fn record(&mut self, hash: impl FnOnce(&mut RunHash), event: impl FnOnce() -> TraceKind) {
        self.stats.events += 1;
        hash(&mut self.hash);
        if !matches!(self.trace, Tracing::Off) {
            self.trace.store(TraceEvent { time: self.now, kind: event() });
        }
    }

    fn drop_message(&mut self, id: u64, from: NodeId, to: NodeId, reason: DropReason) -> Handled {
        let index = DropReason::ALL.iter().position(|r| *r == reason).expect("every reason is listed");
        self.stats.messages_dropped_by_reason[index] += 1;
        let now = self.now;
        self.record(
            |h| {
                h.mix2(tag::DROP << 56 | (index as u64) << 48 | id, now.as_nanos());
            },
            || TraceKind::Drop { id, from, to, reason },
        );
        Handled::Dropped { id, from, to, reason }
    }

    /// Puts a message on the wire: decides its fate and schedules its arrival.
    #[inline]
    fn transmit(&mut self, from: NodeId, to: NodeId, msg: N::Message, depart: SimTime, routed: bool) {
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        self.stats.messages_sent += 1;
        self.in_flight += 1;
        self.record(
            |h| {
                // The send's id and time follow from the events before it,
                // so only who sent what to whom needs hashing.
                h.mix(tag::SEND << 56 | u64::from(from.as_u32()) << 28 | u64::from(to.as_u32()));
                msg.hash(h);
            },
            || TraceKind::Send { id, from, to, msg: to_json(&msg) },
        );
        if !routed {
            self.in_flight -= 1;
            self.drop_message(id, from, to, DropReason::NoRoute);
            return;
        }
        if self.partition.blocks(from, to) {
            self.in_flight -= 1;
            self.drop_message(id, from, to, DropReason::Partition);
            return;
        }
        let link = self.links.model(from, to);
        if link.loss_probability > 0.0 && self.net_rng.random::<f64>() < link.loss_probability {
            self.in_flight -= 1;
            self.drop_message(id, from, to, DropReason::Loss);
            return;
        }
        let duplicated =
            link.duplicate_probability > 0.0 && self.net_rng.random::<f64>() < link.duplicate_probability;
        let epoch = self.epochs[to.index()];
        if duplicated {
            let copy = self.next_msg_id;
            self.next_msg_id += 1;
            self.stats.messages_duplicated += 1;
            self.in_flight += 1;
            self.record(
                |h| {
                    h.mix2(tag::DUPLICATE << 56 | id, copy);
                },
                || TraceKind::Duplicate { id, copy },
            );
            let at = arrival(&mut self.links, &mut self.net_rng, from, to, depart, N::message_size(&msg));
            self.push(at, Event::Deliver { id: copy, from, to, epoch, msg: msg.clone() });
        }
        let at = arrival(&mut self.links, &mut self.net_rng, from, to, depart, N::message_size(&msg));
        self.push(at, Event::Deliver { id, from, to, epoch, msg });
    }
}

/// What a handler's [`Ctx`] asks of the engine, applied the moment it is
/// asked. A trait object, so that `Ctx` (and so every node's handlers) does
/// not depend on which event queue the simulation uses: one indirect call
/// per request, behind which the whole send path is inlined.
pub(crate) trait Effects<N: Node> {
    /// Puts `msg` on the wire from `from` to `to`, leaving at `depart`;
    /// `routed` says whether the topology links the two.
    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Message, depart: SimTime, routed: bool);
    /// Schedules `timer` for `node` at true time `at`, under a new id.
    fn set_timer(&mut self, node: NodeId, at: SimTime, timer: N::Timer) -> TimerId;
    /// Records an observation of `node`.
    fn emit(&mut self, node: NodeId, obs: N::Observation);
    /// The run's metrics.
    fn metrics(&mut self) -> &mut Metrics;
}

impl<N: Node, Q: QueueKind> Effects<N> for Core<N, Q> {
    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Message, depart: SimTime, routed: bool) {
        self.transmit(from, to, msg, depart, routed);
    }

    fn set_timer(&mut self, node: NodeId, at: SimTime, timer: N::Timer) -> TimerId {
        let id = TimerId(self.next_timer_id);
        self.next_timer_id += 1;
        self.push(at, Event::Timer { node, id, timer });
        id
    }

    fn emit(&mut self, node: NodeId, obs: N::Observation) {
        self.stats.observations += 1;
        let now = self.now;
        self.record(
            |h| {
                h.mix2(tag::OBSERVE << 56 | u64::from(node.as_u32()), now.as_nanos());
                obs.hash(h);
            },
            || TraceKind::Observe { node, obs: to_json(&obs) },
        );
        self.observations.push((node, obs));
    }

    fn metrics(&mut self) -> &mut Metrics {
        &mut self.metrics
    }
}

impl<N: Node, Q: QueueKind> std::fmt::Debug for Sim<N, Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.seed)
            .field("now", &self.core.now)
            .field("nodes", &self.nodes.len())
            .field("pending_events", &self.core.queue.len())
            .field("stats", &self.core.stats)
            .finish_non_exhaustive()
    }
}

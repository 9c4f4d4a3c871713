//! Building a simulation: nodes, network, faults, budget — then `build()`.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use crate::engine::{Core, Links, NodeSlot, Partition, Sim, Tracing};
use crate::fault::Fault;
use crate::network::{Latency, LinkModel, Topology, TopologyError};
use crate::node::{LocalClock, Node};
use crate::queue::{Calendar, QueueKind};
use crate::rng::{Stream, stream_rng};
use crate::trace::{NodeInfo, RunHash, TraceSink};
use crate::{Metrics, NodeId, SimTime};

/// Makes a node; called at the start and again at each restart.
///
/// Boxed rather than generic: it runs once per (re)start, far from the hot
/// path, and a type parameter for it would leak into every `Sim` type.
pub(crate) type Factory<N> = Box<dyn FnMut(NodeId) -> N>;

/// A simulation could not be built from this description.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `nodes` or `role` was never called, or only with a count of zero.
    #[error("a simulation needs at least one node")]
    NoNodes,
    /// More nodes than fit a `NodeId`.
    #[error("{0} nodes is more than a simulation can hold")]
    TooManyNodes(usize),
    /// A link model is invalid.
    #[error("link {which}: {problem}")]
    BadLink {
        /// Which link ("default", or "n1 -> n2").
        which: String,
        /// What is wrong.
        problem: String,
    },
    /// The topology cannot be built.
    #[error("topology: {0}")]
    Topology(#[from] TopologyError),
    /// A fault or setting names a node that does not exist.
    #[error("{what} names {node}, but the nodes are n0..n{}", .count - 1)]
    UnknownNode {
        /// What named it.
        what: String,
        /// The missing node.
        node: NodeId,
        /// How many nodes there are.
        count: usize,
    },
    /// A clock drift is not a finite number above -1,000,000 ppm.
    #[error("clock drift must be finite and above -1000000 ppm, got {0}")]
    BadDrift(f64),
}

/// Checks that `fault` names only nodes below `count` and carries valid
/// settings: the same checks for faults given to the builder and faults
/// injected into a running simulation.
pub(crate) fn check_fault(what: &str, fault: &Fault, count: usize) -> Result<(), BuildError> {
    for node in fault.nodes() {
        if node.index() >= count {
            return Err(BuildError::UnknownNode { what: format!("{what} ({fault:?})"), node, count });
        }
    }
    match fault {
        Fault::ClockSkew { drift_ppm, .. } if !(drift_ppm.is_finite() && *drift_ppm > -1e6) => {
            Err(BuildError::BadDrift(*drift_ppm))
        }
        Fault::DegradeLink { a, b, link } => link
            .validate()
            .map_err(|problem| BuildError::BadLink { which: format!("degraded {a} <-> {b}"), problem }),
        _ => Ok(()),
    }
}

/// Describes a simulation. Start with [`Sim::builder`], which requires a seed.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::{Fault, Latency, LinkModel, NodeId, Sim, SimTime, Topology};
/// # use weft_sim::{Ctx, Node};
/// # #[derive(Debug)] struct Quiet;
/// # impl Node for Quiet {
/// #     type Message = (); type Timer = (); type Observation = (); type Durable = ();
/// #     fn on_start(&mut self, _: &mut Ctx<'_, Self>) {}
/// #     fn on_message(&mut self, _: NodeId, _: (), _: &mut Ctx<'_, Self>) {}
/// #     fn on_timer(&mut self, _: (), _: &mut Ctx<'_, Self>) {}
/// # }
///
/// let ms = Duration::from_millis;
/// let sim = Sim::builder(7)
///     .topology(Topology::Ring)
///     .link(LinkModel::new(Latency::uniform(ms(1), ms(10))?).loss(0.01))
///     .role("server", 5, |_id| Quiet)
///     .fault_at(SimTime::from_secs(2), Fault::Crash { node: NodeId::new(0) })
///     .fault_at(SimTime::from_secs(5), Fault::Restart { node: NodeId::new(0) })
///     .build()?;
/// assert_eq!(sim.node_count(), 5);
/// assert_eq!(sim.node_info()[4].name, "server-4");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SimBuilder<N: Node, Q: QueueKind = Calendar> {
    seed: u64,
    /// Each role: its name, its nodes' names, and its factory.
    roles: Vec<(String, Vec<String>, Factory<N>)>,
    topology: Topology,
    default_link: LinkModel,
    links: Vec<(NodeId, NodeId, LinkModel)>,
    processing: Option<Latency>,
    node_processing: Vec<(NodeId, Latency)>,
    faults: Vec<(SimTime, Fault)>,
    trace: Option<Tracing>,
    trace_name: String,
    event_budget: u64,
    time_limit: SimTime,
    pause_capacity: usize,
    queue: PhantomData<Q>,
}

impl<N: Node> Sim<N> {
    /// Starts describing a simulation. Every random choice of the run derives
    /// from `seed`.
    pub fn builder(seed: u64) -> SimBuilder<N> {
        SimBuilder {
            seed,
            roles: Vec::new(),
            topology: Topology::Mesh,
            default_link: LinkModel::default(),
            links: Vec::new(),
            processing: None,
            node_processing: Vec::new(),
            faults: Vec::new(),
            trace: None,
            trace_name: String::new(),
            event_budget: DEFAULT_EVENT_BUDGET,
            time_limit: SimTime::MAX,
            pause_capacity: DEFAULT_PAUSE_CAPACITY,
            queue: PhantomData,
        }
    }
}

/// The default bound on events handled by one run: large enough for any
/// teaching scenario and every benchmark, small enough that a node stuck in
/// a message loop stops in minutes, not never.
pub const DEFAULT_EVENT_BUDGET: u64 = 2_000_000_000;

/// The default number of messages a paused node holds before dropping new
/// ones (as a real process's socket buffer would).
pub const DEFAULT_PAUSE_CAPACITY: usize = 4096;

impl<N: Node, Q: QueueKind> SimBuilder<N, Q> {
    /// Adds `count` nodes of the role `role`, named `role-0`, `role-1`, …
    /// (numbered within the role). `factory` makes each one, at the start and
    /// at every restart.
    pub fn role(self, role: &str, count: usize, factory: impl FnMut(NodeId) -> N + 'static) -> Self {
        let names = (0..count).map(|k| format!("{role}-{k}")).collect();
        self.named_role(role, names, factory)
    }

    /// Adds one node of the role `role` per name in `names`, named so (in
    /// the trace, and for the explorer); see [`SimBuilder::role`].
    pub fn named_role(
        mut self,
        role: &str,
        names: Vec<String>,
        factory: impl FnMut(NodeId) -> N + 'static,
    ) -> Self {
        self.roles.push((role.to_string(), names, Box::new(factory)));
        self
    }

    /// Adds `count` nodes of the role `node`; see [`SimBuilder::role`].
    pub fn nodes(self, count: usize, factory: impl FnMut(NodeId) -> N + 'static) -> Self {
        self.role("node", count, factory)
    }

    /// Sets the topology (default: full mesh).
    pub fn topology(mut self, topology: Topology) -> Self {
        self.topology = topology;
        self
    }

    /// Sets the model of every link without its own (default:
    /// [`LinkModel::default`]).
    pub fn link(mut self, model: LinkModel) -> Self {
        self.default_link = model;
        self
    }

    /// Sets the model of the link between `a` and `b`, both directions.
    pub fn link_between(mut self, a: NodeId, b: NodeId, model: LinkModel) -> Self {
        self.links.push((a, b, model.clone()));
        self.links.push((b, a, model));
        self
    }

    /// Gives every node a processing delay (service time): each message
    /// occupies the node for a duration drawn from `delay`, messages queue
    /// while it is busy, and what it sends leaves when it is done.
    ///
    /// Timers do not queue behind messages: a timer fires at its time even
    /// while the node is busy, and handling it takes no processing time, the
    /// way a real server's timer thread keeps ticking while a request is
    /// being served. (A paused node is different: nothing runs, so timers
    /// wait with the messages until it resumes.)
    pub fn processing_delay(mut self, delay: Latency) -> Self {
        self.processing = Some(delay);
        self
    }

    /// Gives one node its own processing delay.
    pub fn node_processing_delay(mut self, node: NodeId, delay: Latency) -> Self {
        self.node_processing.push((node, delay));
        self
    }

    /// Schedules `fault` at `time`.
    pub fn fault_at(mut self, time: SimTime, fault: Fault) -> Self {
        self.faults.push((time, fault));
        self
    }

    /// Keeps every trace event in memory (for tests and the explorer; see
    /// [`Sim::trace`]). Off by default: the run's hash is computed either
    /// way.
    pub fn keep_trace(mut self, keep: bool) -> Self {
        self.trace = keep.then(|| Tracing::Memory(Vec::new()));
        self
    }

    /// Streams every trace event to `sink` as it happens (a long run's trace
    /// then never has to fit in memory), under the header name `scenario`.
    /// Call [`Sim::finish_trace`] when the run is done.
    pub fn trace_to(mut self, scenario: &str, sink: Box<dyn TraceSink>) -> Self {
        self.trace_name = scenario.to_string();
        self.trace = Some(Tracing::Sink(sink));
        self
    }

    /// Bounds the number of queue events one run may handle (default
    /// [`DEFAULT_EVENT_BUDGET`]); a run that reaches it stops with
    /// [`Outcome::BudgetExhausted`](crate::Outcome::BudgetExhausted).
    pub fn event_budget(mut self, events: u64) -> Self {
        self.event_budget = events;
        self
    }

    /// Stops [`Sim::run`] at this virtual time (default: never).
    pub fn time_limit(mut self, time: SimTime) -> Self {
        self.time_limit = time;
        self
    }

    /// How many messages a paused node holds before dropping (default
    /// [`DEFAULT_PAUSE_CAPACITY`]).
    pub fn pause_capacity(mut self, messages: usize) -> Self {
        self.pause_capacity = messages;
        self
    }

    /// Chooses the event queue implementation (default
    /// [`crate::queue::Calendar`]).
    pub fn queue<K: QueueKind>(self) -> SimBuilder<N, K> {
        SimBuilder {
            seed: self.seed,
            roles: self.roles,
            topology: self.topology,
            default_link: self.default_link,
            links: self.links,
            processing: self.processing,
            node_processing: self.node_processing,
            faults: self.faults,
            trace: self.trace,
            trace_name: self.trace_name,
            event_budget: self.event_budget,
            time_limit: self.time_limit,
            pause_capacity: self.pause_capacity,
            queue: PhantomData,
        }
    }

    /// Checks the description and builds the simulation, with every node's
    /// start scheduled at time zero and every fault at its time.
    pub fn build(self) -> Result<Sim<N, Q>, BuildError> {
        let count: usize = self.roles.iter().map(|(_, names, _)| names.len()).sum();
        if count == 0 {
            return Err(BuildError::NoNodes);
        }
        if u32::try_from(count).is_err() {
            return Err(BuildError::TooManyNodes(count));
        }
        let check_node = |what: String, node: NodeId| {
            if node.index() < count { Ok(()) } else { Err(BuildError::UnknownNode { what, node, count }) }
        };
        self.default_link
            .validate()
            .map_err(|problem| BuildError::BadLink { which: "default".into(), problem })?;
        let mut configured = BTreeMap::new();
        for (a, b, model) in self.links {
            check_node(format!("link {a} -> {b}"), a)?;
            check_node(format!("link {a} -> {b}"), b)?;
            model
                .validate()
                .map_err(|problem| BuildError::BadLink { which: format!("{a} -> {b}"), problem })?;
            configured.insert((a, b), model);
        }
        for (i, (_, fault)) in self.faults.iter().enumerate() {
            check_fault(&format!("fault #{i}"), fault, count)?;
        }
        for (node, _) in &self.node_processing {
            check_node("node_processing_delay".into(), *node)?;
        }

        let adjacency = self.topology.resolve(count, &mut stream_rng(self.seed, Stream::Setup))?;

        let mut info = Vec::with_capacity(count);
        let mut factories = Vec::with_capacity(self.roles.len());
        let mut nodes = Vec::with_capacity(count);
        for (role_index, (role, names, factory)) in self.roles.into_iter().enumerate() {
            for name in names {
                let id = NodeId::new(nodes.len() as u32);
                info.push(NodeInfo { name, role: role.clone() });
                nodes.push(NodeSlot {
                    node: None,
                    status: crate::NodeStatus::Crashed,
                    rng: stream_rng(self.seed, Stream::Node(id)),
                    durable: N::Durable::default(),
                    clock: LocalClock::EXACT,
                    processing: self.processing.clone(),
                    slowdown: None,
                    busy_until: SimTime::ZERO,
                    armed_timers: Default::default(),
                    inbox: Default::default(),
                    wake_pending: false,
                    factory: role_index,
                });
            }
            factories.push(factory);
        }
        for (node, delay) in self.node_processing {
            nodes[node.index()].processing = Some(delay);
        }

        let core = Core {
            now: SimTime::ZERO,
            queue: <Q::Queue<_> as Default>::default(),
            next_seq: 0,
            epochs: vec![0; count],
            links: Links::new(self.default_link, configured),
            partition: Partition::new(count),
            net_rng: stream_rng(self.seed, Stream::Network),
            observations: Vec::new(),
            next_timer_id: 0,
            next_msg_id: 0,
            in_flight: 0,
            hash: RunHash::default(),
            // Set below, once the header can be written.
            trace: Tracing::Off,
            stats: Default::default(),
            metrics: Metrics::default(),
        };
        let mut sim = Sim {
            seed: self.seed,
            nodes,
            factories,
            info,
            adjacency,
            service_rng: stream_rng(self.seed, Stream::Service),
            faults: Vec::with_capacity(self.faults.len()),
            event_budget: self.event_budget,
            events_handled: 0,
            time_limit: self.time_limit,
            pause_capacity: self.pause_capacity,
            core,
        };
        match self.trace {
            Some(Tracing::Sink(mut sink)) => {
                sink.begin(&sim.trace_header(&self.trace_name));
                sim.core.trace = Tracing::Sink(sink);
            }
            Some(tracing) => sim.core.trace = tracing,
            None => {}
        }
        sim.schedule_starts();
        // Faults are scheduled after the starts, in the order given, so two
        // faults at the same time apply in the order they were written.
        for (time, fault) in self.faults {
            sim.schedule_fault(time, fault);
        }
        Ok(sim)
    }
}

impl<N: Node, Q: QueueKind> std::fmt::Debug for SimBuilder<N, Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimBuilder")
            .field("seed", &self.seed)
            .field("roles", &self.roles.iter().map(|(r, names, _)| (r, names.len())).collect::<Vec<_>>())
            .field("topology", &self.topology)
            .field("faults", &self.faults.len())
            .finish_non_exhaustive()
    }
}

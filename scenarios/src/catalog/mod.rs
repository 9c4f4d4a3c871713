//! The catalog: every pattern a scenario file can name, and how each one
//! plugs into a run.
//!
//! A pattern's node code lives in `weft-patterns` and knows nothing of
//! scenario files. Its entry here is the adapter: it declares what a scenario
//! may say about the pattern ([`PatternInfo`]: roles, parameters, workload,
//! properties) and implements [`Pattern`]: make the nodes, and judge the
//! properties. The generic runner (`crate::run`) does everything else, the
//! same way for every pattern.

use std::marker::PhantomData;

use weft_sim::queue::QueueKind;
use weft_sim::trace::TraceSink;
use weft_sim::{MetricsSummary, Node, NodeId, Sim, SimTime};

use weft_patterns::check::Breach;
use weft_patterns::client::Plan;
use weft_patterns::history::History;
use weft_sim::rng::{Stream, stream_rng};

use crate::params::ParamSpec;
use crate::report::{RunOptions, RunReport};
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;
use crate::{ScenarioError, closest};

pub mod flood;
pub mod leader_election;
pub mod ownership_election;
pub mod ping_pong;
pub mod replication;
pub mod scatter_gather;
pub mod sharding;

/// Always, judged when the run stops (it needs every operation's outcome):
/// the clients' history is linearizable, as weft's checker decides it with
/// the `kv` model. Patterns whose clients record a history declare it.
pub const LINEARIZABLE: &str = "linearizable";

/// The [`LINEARIZABLE`] property, as every pattern with a client history
/// declares it.
pub const LINEARIZABLE_PROPERTY: PropertySpec = PropertySpec {
    name: LINEARIZABLE,
    description: "the clients' history is linearizable: one order of the operations, within their real-time bounds, explains every answer",
    kind: PropertyKind::Always,
};

/// What a scenario file may say about a pattern.
#[derive(Debug)]
pub struct PatternInfo {
    /// Its name, as `pattern = "..."` spells it.
    pub name: &'static str,
    /// One line saying what it is.
    pub description: &'static str,
    /// Its roles, in the order their nodes are numbered.
    pub roles: &'static [RoleSpec],
    /// Its parameters (`[params]`).
    pub params: &'static [ParamSpec],
    /// The workloads it can run, if it takes one.
    pub workload: Option<WorkloadSupport>,
    /// Its properties (`[checks]`).
    pub properties: &'static [PropertySpec],
    /// True if it elects a leader, so that a fault can target `"leader"`.
    pub has_leader: bool,
}

/// A role: a kind of node in a pattern.
#[derive(Debug)]
pub struct RoleSpec {
    /// Its name, as `[nodes]` spells it.
    pub name: &'static str,
    /// What nodes of this role do.
    pub help: &'static str,
    /// How many nodes it has when `[nodes]` does not say.
    pub default_count: u32,
    /// The fewest it may have.
    pub min: u32,
    /// The most it may have.
    pub max: u32,
}

/// A named property of a pattern: something that must hold.
#[derive(Debug)]
pub struct PropertySpec {
    /// Its name, as `[checks]` and violations spell it.
    pub name: &'static str,
    /// What it says, in one sentence.
    pub description: &'static str,
    /// When it is judged.
    pub kind: PropertyKind,
}

/// When a property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    /// After every event, from the observations nodes emit ("at most one
    /// leader per term"): broken the moment it breaks.
    Always,
    /// Once, when the run stops ("exactly this many deliveries").
    AtEnd,
    /// Must have become true some time after the faults stop: judged `within`
    /// the end of the last fault when the scenario gives a bound, and when the
    /// run stops otherwise.
    Eventually,
}

/// The moment a property is judged.
#[derive(Clone, Copy, Debug)]
pub struct Judgement {
    /// Now.
    pub now: SimTime,
    /// The bound the scenario gave (`within`), if any: how long after the
    /// end of the last fault the property had to become true.
    pub within: Option<std::time::Duration>,
    /// True when the run has stopped.
    pub at_end: bool,
}

/// A pattern, as a scenario runs it.
pub trait Pattern: 'static {
    /// Its node type (every role is a variant of it).
    type Node: Node;
    /// What the pattern keeps to judge its properties, made by
    /// [`Pattern::prepare`].
    type Judge;

    /// What scenarios may say about it.
    const INFO: PatternInfo;

    /// Every way the scenario's settings fail to fit together: one
    /// parameter against another, or against the role counts or the
    /// workload (each setting alone was checked as it was read). Called when
    /// the scenario loads, so `weft validate` reports the same mistakes as
    /// `weft run`, each at the setting it names; [`Pattern::prepare`] may
    /// assume there are none.
    fn validate(_scenario: &Scenario) -> Vec<Conflict> {
        Vec::new()
    }

    /// Makes what the run needs: one node factory per role (in
    /// [`PatternInfo::roles`] order), and the judge.
    fn prepare(scenario: &Scenario, seed: u64) -> Result<Prepared<Self>, ScenarioError>;

    /// Judges `property` (one of [`PatternInfo::properties`]) on `sim`:
    /// `Err` says what was seen instead.
    fn judge<Q: QueueKind>(
        judge: &Self::Judge,
        property: &str,
        sim: &Sim<Self::Node, Q>,
        when: Judgement,
    ) -> Result<(), String>;

    /// Folds one observation, emitted by `node` at `time`, into the judge;
    /// `Err` when it breaks an [`PropertyKind::Always`] property. Called for
    /// every observation, in order, as the run goes.
    fn observe(
        _judge: &mut Self::Judge,
        _time: SimTime,
        _node: NodeId,
        _observation: &<Self::Node as Node>::Observation,
    ) -> Result<(), Breach> {
        Ok(())
    }

    /// The clients' history so far, for patterns whose clients record one
    /// (checked for linearizability when the scenario checks
    /// [`LINEARIZABLE`], and written by `weft run --history`).
    fn history(_judge: &Self::Judge) -> Option<&History> {
        None
    }

    /// The node that currently leads, for faults that target `"leader"`.
    fn leader<Q: QueueKind>(_judge: &Self::Judge, _sim: &Sim<Self::Node, Q>) -> Option<NodeId> {
        None
    }

    /// The counters the pattern's nodes may count (its `metrics` module's
    /// `COUNTERS`). Each is reported, at 0 if nothing counted it, so a
    /// run's summary and `--json` have the same keys on every seed.
    const COUNTERS: &'static [&'static str] = &[];

    /// Completes the run's metrics when it stops: adds what is computed
    /// from the whole run (a ratio, a maximum over nodes, a histogram of
    /// stretches the judge saw) beside the nodes' own, and folds away
    /// helper counters that only served such a computation.
    fn summarize<Q: QueueKind>(
        _judge: &Self::Judge,
        _sim: &Sim<Self::Node, Q>,
        _metrics: &mut MetricsSummary,
    ) {
    }

    /// Notes for the reader of the run's report, when it stops: a check
    /// that held only trivially, say. `scenario` tells which properties
    /// are checked.
    fn notes(_judge: &Self::Judge, _scenario: &Scenario) -> Vec<String> {
        Vec::new()
    }
}

/// Settings of a scenario that do not fit together (`election_timeout_max`
/// below `election_timeout_min`, more initial shards than shard nodes),
/// found by [`Pattern::validate`]. The loader reports it at the first of its
/// `keys` the scenario writes, so the user sees which line to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The settings involved, as `--set` spells them (`params.ttl`,
    /// `nodes.leaf`, `workload.clients`), the likeliest to change first.
    pub keys: Vec<String>,
    /// What is wrong, naming the values: one sentence, no pattern prefix.
    pub message: String,
}

impl Conflict {
    /// A conflict between the settings at `keys`.
    pub fn new(keys: &[&str], message: impl Into<String>) -> Conflict {
        Conflict { keys: keys.iter().map(|k| k.to_string()).collect(), message: message.into() }
    }
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The conflict, if any, between `[workload] clients` and the `clients`
/// client nodes of role `role`: each client node is one workload client.
pub fn workload_clients_conflict(scenario: &Scenario, role: &str, clients: usize) -> Option<Conflict> {
    let asked = scenario.workload.as_ref()?.clients.filter(|asked| *asked as usize != clients)?;
    Some(Conflict::new(
        &["workload.clients", &format!("nodes.{role}")],
        format!(
            "the workload names {asked} clients but [nodes] has {clients} `{role}` nodes: each client node is \
             one workload client (make them agree, or leave out workload.clients)"
        ),
    ))
}

/// Adds `gauges` to `metrics` (for [`Pattern::summarize`]).
pub(crate) fn add_gauges(
    metrics: &mut MetricsSummary,
    gauges: impl IntoIterator<Item = (&'static str, f64)>,
) {
    metrics.gauges.extend(gauges.into_iter().map(|(name, value)| (name.to_string(), value)));
}

/// Adds the histogram `name` of `durations` to `metrics` (for
/// [`Pattern::summarize`]); nothing when there are none, as for a histogram
/// no node recorded into.
pub(crate) fn add_histogram(
    metrics: &mut MetricsSummary,
    name: &'static str,
    durations: impl IntoIterator<Item = std::time::Duration>,
) {
    let mut recorded = weft_sim::Metrics::default();
    for duration in durations {
        recorded.record(name, duration);
    }
    metrics.histograms.extend(recorded.summary().histograms);
}

/// The plans of a pattern's `clients` client nodes, one per node, drawn
/// from the workload stream (`make` as in [`Workload::plans`]); empty plans
/// when the scenario has no workload. Each client node is one workload
/// client, so `[workload] clients`, when given, must equal `clients`.
///
/// [`Workload::plans`]: crate::workload::Workload::plans
pub fn client_plans<Op>(
    scenario: &Scenario,
    clients: usize,
    seed: u64,
    make: impl FnMut(&'static str, u64, u64) -> Op,
) -> Result<Vec<Plan<Op>>, ScenarioError> {
    let Some(workload) = &scenario.workload else {
        return Ok((0..clients).map(|_| Vec::new()).collect());
    };
    if let Some(asked) = workload.clients.filter(|asked| *asked as usize != clients) {
        // `Pattern::validate` reports this at load (workload_clients_conflict).
        return Err(ScenarioError::Unsupported(format!(
            "the workload names {asked} clients but there are {clients} client nodes"
        )));
    }
    Ok(workload.plans(clients, &mut stream_rng(seed, Stream::Workload), make))
}

/// Makes one node of a role, at the start and at each restart.
pub type Factory<N> = Box<dyn FnMut(NodeId) -> N>;

/// What [`Pattern::prepare`] makes.
pub struct Prepared<P: Pattern + ?Sized> {
    /// One factory per role.
    pub factories: Vec<Factory<P::Node>>,
    /// The judge of the properties.
    pub judge: P::Judge,
}

impl<P: Pattern> std::fmt::Debug for Prepared<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").field("roles", &self.factories.len()).finish_non_exhaustive()
    }
}

/// A catalog entry: a [`Pattern`] behind a type-erased face, so the catalog
/// can be a list. Only the entry point is dynamic; the run itself is generic
/// over the pattern's node type.
pub trait Entry: Sync {
    /// The pattern's declarations.
    fn info(&self) -> &'static PatternInfo;
    /// The scenario's settings that do not fit together ([`Pattern::validate`]).
    fn validate(&self, scenario: &Scenario) -> Vec<Conflict>;
    /// Runs `scenario` once.
    fn run(
        &self,
        scenario: &Scenario,
        options: &RunOptions,
        sink: Option<Box<dyn TraceSink>>,
    ) -> Result<RunReport, ScenarioError>;
}

impl std::fmt::Debug for dyn Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pattern `{}`", self.info().name)
    }
}

/// The [`Entry`] of pattern `P`.
struct Of<P>(PhantomData<fn() -> P>);

impl<P: Pattern> Entry for Of<P> {
    fn info(&self) -> &'static PatternInfo {
        &const { P::INFO }
    }

    fn validate(&self, scenario: &Scenario) -> Vec<Conflict> {
        P::validate(scenario)
    }

    fn run(
        &self,
        scenario: &Scenario,
        options: &RunOptions,
        sink: Option<Box<dyn TraceSink>>,
    ) -> Result<RunReport, ScenarioError> {
        crate::run::run::<P>(scenario, options, sink)
    }
}

/// Every pattern, in the order `weft list` shows them.
static CATALOG: &[&dyn Entry] = &[
    &Of::<ping_pong::PingPongPattern>(PhantomData),
    &Of::<flood::FloodPattern>(PhantomData),
    &Of::<leader_election::LeaderElectionPattern>(PhantomData),
    &Of::<ownership_election::OwnershipElectionPattern>(PhantomData),
    &Of::<replication::ReplicationPattern>(PhantomData),
    &Of::<sharding::ShardingPattern>(PhantomData),
    &Of::<scatter_gather::ScatterGatherPattern>(PhantomData),
];

/// Every pattern a scenario can name.
pub fn catalog() -> &'static [&'static dyn Entry] {
    CATALOG
}

/// The pattern called `name`, or the closest name to suggest.
pub fn find(name: &str) -> Result<&'static dyn Entry, Option<String>> {
    CATALOG.iter().copied().find(|e| e.info().name == name).ok_or_else(|| closest(name, names()))
}

/// Every pattern's name.
pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|e| e.info().name)
}

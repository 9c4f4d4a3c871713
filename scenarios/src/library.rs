//! The built-in scenarios. Each is a name, a description, its parameters,
//! and a function that builds the simulation, runs it and checks it.

use std::time::Duration;

use rand::Rng;
use weft_patterns::flood::{self, Flood, Injection};
use weft_patterns::ping_pong::{self, PingPong};
use weft_sim::queue::{Calendar, QueueKind};
use weft_sim::rng::{Stream, stream_rng};
use weft_sim::trace::TraceSink;
use weft_sim::{Latency, LinkModel, Node, NodeId, Outcome, Sim, SimBuilder, SimTime, Topology};

use crate::params::{ParamKind, ParamSpec, Params};
use crate::report::{RunOptions, RunReport, Violation};
use crate::{ScenarioError, closest};

/// A built-in scenario.
#[derive(Debug)]
pub struct Scenario {
    /// Its name, as given to `weft run`.
    pub name: &'static str,
    /// One line saying what it shows.
    pub description: &'static str,
    /// The pattern it exercises.
    pub pattern: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    runner: Runner,
}

/// Builds, runs and checks a scenario, streaming its trace to the sink if
/// one is given.
type Runner = fn(&Params, &RunOptions, Option<Box<dyn TraceSink>>) -> Result<RunReport, ScenarioError>;

impl Scenario {
    /// Checks `sets` (`--set key=value` pairs) against the scenario's
    /// parameters.
    pub fn params(&self, sets: &[(String, String)]) -> Result<Params, ScenarioError> {
        Params::parse(self.name, self.params, sets)
    }

    /// Runs the scenario once and checks its properties.
    pub fn run(&self, params: &Params, options: &RunOptions) -> Result<RunReport, ScenarioError> {
        (self.runner)(params, options, None)
    }

    /// Runs the scenario once, streaming its trace to `sink` as it happens
    /// (`options.keep_trace` is then ignored), and checks its properties.
    pub fn run_traced(
        &self,
        params: &Params,
        options: &RunOptions,
        sink: Box<dyn TraceSink>,
    ) -> Result<RunReport, ScenarioError> {
        (self.runner)(params, options, Some(sink))
    }
}

/// Every built-in scenario, in the order `weft list` shows them.
pub fn library() -> &'static [Scenario] {
    LIBRARY
}

/// The built-in scenario called `name`.
pub fn find(name: &str) -> Result<&'static Scenario, ScenarioError> {
    LIBRARY.iter().find(|s| s.name == name).ok_or_else(|| ScenarioError::UnknownScenario {
        name: name.to_string(),
        suggestion: closest(name, LIBRARY.iter().map(|s| s.name)),
        valid: LIBRARY.iter().map(|s| s.name.to_string()).collect(),
    })
}

static LIBRARY: &[Scenario] = &[
    Scenario {
        name: "ping-pong",
        description: "two nodes, one request in flight at a time: the engine's hello world",
        pattern: "ping-pong",
        params: &[ParamSpec {
            name: "round_trips",
            help: "how many request/answer round trips node 0 makes",
            default: "1000",
            kind: ParamKind::Count { min: 0, max: 100_000_000 },
        }],
        runner: run_ping_pong,
    },
    Scenario {
        name: "flood",
        description: "values broadcast by flooding: every node forwards what is new to it",
        pattern: "flood",
        params: &[
            ParamSpec {
                name: "nodes",
                help: "how many nodes",
                default: "100",
                kind: ParamKind::Count { min: 2, max: 1_000_000 },
            },
            ParamSpec {
                name: "values",
                help: "how many values are injected, one per millisecond at random nodes",
                default: "1000",
                kind: ParamKind::Count { min: 0, max: 1_000_000 },
            },
            ParamSpec {
                name: "topology",
                help: "mesh (everyone linked) or regular3 (a ring plus a random perfect matching)",
                default: "mesh",
                kind: ParamKind::Choice(&["mesh", "regular3"]),
            },
        ],
        runner: run_flood,
    },
];

/// The latency of both built-in scenarios: uniform in [1 ms, 10 ms).
fn lan_link() -> LinkModel {
    let latency = Latency::uniform(Duration::from_millis(1), Duration::from_millis(10))
        .expect("1ms..10ms is a valid range");
    LinkModel::new(latency)
}

/// The `ping-pong` simulation, ready to run, with event queue `Q` (the
/// benchmarks compare queues on exactly the scenario's workload).
pub fn ping_pong_sim<Q: QueueKind>(
    round_trips: u64,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<Sim<PingPong, Q>, ScenarioError> {
    let builder = Sim::builder(options.seed)
        .link(lan_link())
        .role("pinger", 1, move |id| PingPong::new(id, round_trips))
        .role("ponger", 1, move |id| PingPong::new(id, round_trips));
    Ok(with_trace(builder, "ping-pong", options, sink).queue::<Q>().build()?)
}

/// Keeps the trace as asked: streamed to `sink`, or in memory, or not at all.
fn with_trace<N: Node>(
    builder: SimBuilder<N>,
    name: &str,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> SimBuilder<N> {
    match sink {
        Some(sink) => builder.trace_to(name, sink),
        None => builder.keep_trace(options.keep_trace),
    }
}

/// The topologies of the `flood` scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloodTopology {
    /// Every node linked to every other.
    Mesh,
    /// A ring plus a random perfect matching (3-regular).
    Regular3,
}

/// The `flood` simulation, ready to run, with event queue `Q`.
pub fn flood_sim<Q: QueueKind>(
    nodes: usize,
    values: u32,
    topology: FloodTopology,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<Sim<Flood, Q>, ScenarioError> {
    let topology = match topology {
        FloodTopology::Regular3 => {
            if !nodes.is_multiple_of(2) || nodes < 4 {
                return Err(ScenarioError::BadValue {
                    name: "nodes".into(),
                    value: nodes.to_string(),
                    expected: "an even number of at least 4 for topology=regular3".into(),
                });
            }
            Topology::RingWithMatching
        }
        FloodTopology::Mesh => Topology::Mesh,
    };
    // The workload: value v appears at time (v+1) ms at a node drawn from the
    // workload stream, so changing the workload never shifts network draws.
    let mut workload = stream_rng(options.seed, Stream::Workload);
    let mut injections = vec![Vec::new(); nodes];
    for value in 0..values {
        let at = SimTime::from_millis(u64::from(value) + 1);
        injections[workload.random_range(0..nodes)].push(Injection { value, at });
    }
    let builder = Sim::builder(options.seed)
        .topology(topology)
        .link(lan_link())
        .nodes(nodes, move |id: NodeId| Flood::new(values, injections[id.index()].clone()));
    Ok(with_trace(builder, "flood", options, sink).queue::<Q>().build()?)
}

fn run_ping_pong(
    params: &Params,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<RunReport, ScenarioError> {
    let round_trips = params.count("round_trips");
    let mut sim = ping_pong_sim::<Calendar>(round_trips, options, sink)?;
    let outcome = sim.run();
    let mut violations = Vec::new();
    // Each completed round trip records one round-trip time.
    let done = sim.metrics().summary().histograms.get(ping_pong::ROUND_TRIP).map_or(0, |h| h.count);
    if done != round_trips {
        violations.push(Violation {
            property: "all-round-trips-complete".into(),
            time: sim.now(),
            message: format!("{done} of {round_trips} round trips completed"),
        });
    }
    report("ping-pong", params, options, &mut sim, outcome, violations)
}

fn run_flood(
    params: &Params,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<RunReport, ScenarioError> {
    let nodes = params.count("nodes") as usize;
    let values = u32::try_from(params.count("values")).expect("values is at most 1,000,000");
    let topology = match params.choice("topology") {
        "regular3" => FloodTopology::Regular3,
        _ => FloodTopology::Mesh,
    };
    // Each node remembers each value it has seen: keep that bitmap sane.
    if nodes as u64 * u64::from(values) > MAX_SEEN_BITS {
        return Err(ScenarioError::BadValue {
            name: "nodes".into(),
            value: nodes.to_string(),
            expected: format!("nodes × values at most {MAX_SEEN_BITS} (each node remembers every value)"),
        });
    }
    let mut sim = flood_sim::<Calendar>(nodes, values, topology, options, sink)?;
    let outcome = sim.run();

    let mut violations = Vec::new();
    let adjacency = sim.adjacency();
    let degree_sum: u64 = (0..nodes as u32).map(|i| adjacency.degree(NodeId::new(i)) as u64).sum();
    let expected = flood::expected_messages(nodes as u64, degree_sum / 2, u64::from(values));
    let delivered = sim.stats().messages_delivered;
    if delivered != expected {
        violations.push(Violation {
            property: "exact-deliveries".into(),
            time: sim.now(),
            message: format!(
                "{delivered} messages delivered; without loss flooding delivers exactly {expected}"
            ),
        });
    }
    let missing = (0..nodes as u32)
        .map(NodeId::new)
        .filter(|id| sim.node(*id).is_none_or(|n| !(0..values).all(|v| n.has_seen(v))))
        .count();
    if missing > 0 {
        violations.push(Violation {
            property: "every-node-sees-every-value".into(),
            time: sim.now(),
            message: format!("{missing} of {nodes} nodes missed at least one value"),
        });
    }
    report("flood", params, options, &mut sim, outcome, violations)
}

/// The most `nodes × values` a flood may have: 2^33 bits, 1 GiB of "seen"
/// bitmaps.
const MAX_SEEN_BITS: u64 = 1 << 33;

fn report<N: Node, Q: QueueKind>(
    name: &str,
    params: &Params,
    options: &RunOptions,
    sim: &mut Sim<N, Q>,
    outcome: Outcome,
    mut violations: Vec<Violation>,
) -> Result<RunReport, ScenarioError> {
    sim.finish_trace().map_err(ScenarioError::TraceWrite)?;
    if outcome == Outcome::BudgetExhausted {
        violations.push(Violation {
            property: "terminates".into(),
            time: sim.now(),
            message: "the run used its whole event budget without finishing".into(),
        });
    }
    Ok(RunReport {
        scenario: name.to_string(),
        seed: options.seed,
        overrides: params.overrides().to_vec(),
        trace_hash: sim.trace_hash().to_string(),
        outcome,
        stats: sim.stats().clone(),
        in_flight: sim.in_flight(),
        sim_time: sim.now(),
        metrics: sim.metrics().summary(),
        violations,
        trace: sim.trace(name),
    })
}

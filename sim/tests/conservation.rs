//! Conservation of messages, checked after every single step of random runs.
//!
//! Whatever the seed, the links and the faults, the engine must never lose
//! track of a message: at every moment
//!
//! ```text
//! sent + duplicated == delivered + dropped + in_flight
//! ```
//!
//! and, in the trace, every delivery or drop names a message that was sent
//! (or duplicated) earlier, at a time no later than its arrival, and each
//! message meets exactly one fate.
//!
//! The runs use [`Chatty`], a node that sends to random nodes on random timers
//! and forwards some of what it hears, under a random fault schedule.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use proptest::prelude::*;
use rand::Rng;
use serde::Serialize;
use weft_sim::{
    ClockOffset, Ctx, Fault, Latency, LinkModel, Node, NodeId, Sim, SimTime, Topology, TraceKind,
};

/// Chatty nodes start new conversations only before this time.
const CHATTER_FOR: Duration = Duration::from_secs(2);

/// Faults fall in the first this-many milliseconds.
const FAULT_WINDOW_MS: u64 = 3_000;

/// A safety net: no case should come near this many steps.
const MAX_STEPS: usize = 200_000;

/// What a [`Chatty`] node is woken by.
#[derive(Clone, Debug, Hash, Serialize)]
enum Wake {
    /// Time to start a conversation.
    Chat,
    /// A timer set only to be (sometimes) cancelled.
    Spare,
}

/// Sends a message (a hop count) to a random node every 5..40 ms until
/// [`CHATTER_FOR`], and forwards what it hears with probability 0.6 for up to
/// four hops. Targets are usually neighbours, sometimes any node (itself
/// included), so some sends have no route.
#[derive(Debug)]
struct Chatty;

impl Chatty {
    fn target(ctx: &mut Ctx<'_, Self>) -> NodeId {
        let neighbours: Vec<NodeId> = ctx.neighbours().collect();
        let count = ctx.node_count() as u32;
        if neighbours.is_empty() || ctx.rng().random_bool(0.2) {
            NodeId::new(ctx.rng().random_range(0..count))
        } else {
            neighbours[ctx.rng().random_range(0..neighbours.len())]
        }
    }

    fn chat_later(ctx: &mut Ctx<'_, Self>) {
        let after = Duration::from_millis(ctx.rng().random_range(5..40));
        ctx.set_timer(after, Wake::Chat);
    }
}

impl Node for Chatty {
    type Message = u8;
    type Timer = Wake;
    type Observation = u8;
    /// Messages heard over all incarnations.
    type Durable = u64;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        Chatty::chat_later(ctx);
    }

    fn on_message(&mut self, _from: NodeId, hops: u8, ctx: &mut Ctx<'_, Self>) {
        *ctx.durable() += 1;
        if hops < 4 && ctx.rng().random_bool(0.6) {
            let to = Chatty::target(ctx);
            ctx.send(to, hops + 1);
        }
    }

    fn on_timer(&mut self, timer: Wake, ctx: &mut Ctx<'_, Self>) {
        match timer {
            Wake::Chat if ctx.now().since_start() < CHATTER_FOR => {
                let to = Chatty::target(ctx);
                ctx.send(to, 0);
                let spare = ctx.set_timer(Duration::from_millis(5), Wake::Spare);
                if ctx.rng().random_bool(0.5) {
                    ctx.cancel_timer(spare);
                }
                Chatty::chat_later(ctx);
            }
            Wake::Chat => {}
            Wake::Spare => ctx.emit(0),
        }
    }

    /// 100 bytes on the wire, so bandwidth limits matter.
    fn message_size(_msg: &u8) -> u64 {
        100
    }
}

// ----- Random plans -----

/// A link's behaviour, as plain numbers (readable when a case fails).
#[derive(Clone, Debug)]
struct LinkSpec {
    /// Latency is uniform in `[low_ms, low_ms + spread_ms)`, or exactly
    /// `low_ms` when `spread_ms` is 0 (which makes many events tie).
    low_ms: u64,
    spread_ms: u64,
    loss: f64,
    duplicate: f64,
    fifo: bool,
    bandwidth: Option<u64>,
}

impl LinkSpec {
    fn model(&self) -> LinkModel {
        let low = Duration::from_millis(self.low_ms);
        let latency = if self.spread_ms == 0 {
            Latency::constant(low)
        } else {
            Latency::uniform(low, low + Duration::from_millis(self.spread_ms)).expect("spread is positive")
        };
        let mut link = LinkModel::new(latency).loss(self.loss).duplicate(self.duplicate).fifo(self.fifo);
        if let Some(bytes_per_sec) = self.bandwidth {
            link = link.bandwidth(bytes_per_sec);
        }
        link
    }
}

/// A fault, with its latencies and links as plain numbers.
#[derive(Clone, Debug)]
enum FaultSpec {
    Crash(u32),
    Restart(u32),
    Pause(u32),
    Resume(u32),
    /// Node `i` goes to side `sides[i]`.
    Partition {
        sides: Vec<u32>,
    },
    CutOneWay {
        from: u32,
        to: u32,
    },
    Heal,
    ClockSkew {
        node: u32,
        ahead: bool,
        jump_ms: u64,
        drift_ppm: f64,
    },
    SlowNode {
        node: u32,
        extra_ms: u64,
    },
    RestoreSpeed(u32),
    DegradeLink {
        a: u32,
        b: u32,
        link: LinkSpec,
    },
    RestoreLink {
        a: u32,
        b: u32,
    },
}

impl FaultSpec {
    fn fault(&self) -> Fault {
        let n = NodeId::new;
        match self {
            FaultSpec::Crash(node) => Fault::Crash { node: n(*node) },
            FaultSpec::Restart(node) => Fault::Restart { node: n(*node) },
            FaultSpec::Pause(node) => Fault::Pause { node: n(*node) },
            FaultSpec::Resume(node) => Fault::Resume { node: n(*node) },
            FaultSpec::Partition { sides } => {
                let mut groups: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
                for (node, side) in sides.iter().enumerate() {
                    groups.entry(*side).or_default().push(n(node as u32));
                }
                Fault::Partition { groups: groups.into_values().collect() }
            }
            FaultSpec::CutOneWay { from, to } => Fault::CutOneWay { from: n(*from), to: n(*to) },
            FaultSpec::Heal => Fault::Heal,
            FaultSpec::ClockSkew { node, ahead, jump_ms, drift_ppm } => {
                let jump = Duration::from_millis(*jump_ms);
                Fault::ClockSkew {
                    node: n(*node),
                    offset: if *ahead { ClockOffset::Ahead(jump) } else { ClockOffset::Behind(jump) },
                    drift_ppm: *drift_ppm,
                }
            }
            FaultSpec::SlowNode { node, extra_ms } => {
                Fault::SlowNode { node: n(*node), extra: Latency::constant(Duration::from_millis(*extra_ms)) }
            }
            FaultSpec::RestoreSpeed(node) => Fault::RestoreSpeed { node: n(*node) },
            FaultSpec::DegradeLink { a, b, link } => {
                Fault::DegradeLink { a: n(*a), b: n(*b), link: link.model() }
            }
            FaultSpec::RestoreLink { a, b } => Fault::RestoreLink { a: n(*a), b: n(*b) },
        }
    }
}

/// Everything that defines one random run.
#[derive(Clone, Debug)]
struct Plan {
    seed: u64,
    nodes: u32,
    topology: Topology,
    link: LinkSpec,
    processing_ms: Option<u64>,
    /// (time in ms, fault), in the order given to the builder.
    faults: Vec<(u64, FaultSpec)>,
}

impl fmt::Display for Plan {
    /// The seed, the network and the fault schedule, one fault a line: what
    /// a failing case prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seed {}, {} nodes, {:?}, link {:?}, processing {:?} ms",
            self.seed, self.nodes, self.topology, self.link, self.processing_ms
        )?;
        writeln!(f, "fault schedule:")?;
        if self.faults.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for (time_ms, fault) in &self.faults {
            writeln!(f, "  at {time_ms} ms: {fault:?}")?;
        }
        Ok(())
    }
}

fn link_spec() -> impl Strategy<Value = LinkSpec> {
    (
        0u64..10,
        prop_oneof![Just(0u64), 1u64..30],
        prop_oneof![Just(0.0), 0.0..0.3],
        prop_oneof![Just(0.0), 0.0..0.3],
        any::<bool>(),
        prop_oneof![Just(None), (50_000u64..1_000_000).prop_map(Some)],
    )
        .prop_map(|(low_ms, spread_ms, loss, duplicate, fifo, bandwidth)| LinkSpec {
            low_ms,
            spread_ms,
            loss,
            duplicate,
            fifo,
            bandwidth,
        })
}

fn fault_spec(nodes: u32) -> impl Strategy<Value = FaultSpec> {
    let node = move || 0..nodes;
    prop_oneof![
        node().prop_map(FaultSpec::Crash),
        node().prop_map(FaultSpec::Restart),
        node().prop_map(FaultSpec::Pause),
        node().prop_map(FaultSpec::Resume),
        prop::collection::vec(0u32..3, nodes as usize).prop_map(|sides| FaultSpec::Partition { sides }),
        (node(), node()).prop_map(|(from, to)| FaultSpec::CutOneWay { from, to }),
        Just(FaultSpec::Heal),
        (node(), any::<bool>(), 0u64..2_000, -100_000.0..100_000.0).prop_map(
            |(node, ahead, jump_ms, drift_ppm)| FaultSpec::ClockSkew { node, ahead, jump_ms, drift_ppm }
        ),
        (node(), 0u64..20).prop_map(|(node, extra_ms)| FaultSpec::SlowNode { node, extra_ms }),
        node().prop_map(FaultSpec::RestoreSpeed),
        (node(), node(), link_spec()).prop_map(|(a, b, link)| FaultSpec::DegradeLink { a, b, link }),
        (node(), node()).prop_map(|(a, b)| FaultSpec::RestoreLink { a, b }),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    (2u32..=5).prop_flat_map(|nodes| {
        (
            any::<u64>(),
            prop_oneof![
                Just(Topology::Mesh),
                Just(Topology::Ring),
                Just(Topology::Line),
                Just(Topology::Star),
            ],
            link_spec(),
            prop_oneof![Just(None), (1u64..15).prop_map(Some)],
            prop::collection::vec((0..FAULT_WINDOW_MS, fault_spec(nodes)), 0..16),
        )
            .prop_map(move |(seed, topology, link, processing_ms, faults)| Plan {
                seed,
                nodes,
                topology,
                link,
                processing_ms,
                faults,
            })
    })
}

fn build(plan: &Plan) -> Sim<Chatty> {
    let mut builder = Sim::builder(plan.seed)
        .nodes(plan.nodes as usize, |_| Chatty)
        .topology(plan.topology.clone())
        .link(plan.link.model())
        .keep_trace(true);
    if let Some(millis) = plan.processing_ms {
        builder = builder.processing_delay(Latency::constant(Duration::from_millis(millis)));
    }
    for (time_ms, fault) in &plan.faults {
        builder = builder.fault_at(SimTime::from_millis(*time_ms), fault.fault());
    }
    builder.build().expect("every plan is a valid simulation")
}

// ----- The property -----

/// What the trace has said so far about each message id.
#[derive(Default)]
struct Ledger {
    /// When each message (or duplicate copy) entered the network.
    sent_at: BTreeMap<u64, SimTime>,
    /// Messages that were delivered or dropped.
    settled: BTreeMap<u64, SimTime>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_message_is_delivered_dropped_or_in_flight_and_never_arrives_before_it_was_sent(
        plan in plan()
    ) {
        let mut sim = build(&plan);
        let mut ledger = Ledger::default();
        let mut traced = 0;
        let mut steps = 0;
        while sim.step().is_some() {
            steps += 1;
            prop_assert!(steps < MAX_STEPS, "the run did not end\n{plan}");
            let now = sim.now();

            let s = sim.stats();
            prop_assert_eq!(
                s.messages_sent + s.messages_duplicated,
                s.messages_delivered + s.messages_dropped() + sim.in_flight(),
                "conservation broken at step {} ({}): {:?}, in flight {}\n{}",
                steps, now, s, sim.in_flight(), plan
            );

            let trace = sim.trace_events().expect("trace kept");
            prop_assert_eq!(
                s.events, trace.len() as u64,
                "stats.events is not the trace length at {}\n{}", now, plan
            );
            for event in &trace[traced..] {
                let time = event.time;
                match event.kind {
                    TraceKind::Send { id, .. } => {
                        let first = ledger.sent_at.insert(id, time).is_none();
                        prop_assert!(first, "message {} sent twice at {}\n{}", id, time, plan);
                    }
                    TraceKind::Duplicate { id, copy } => {
                        prop_assert!(
                            ledger.sent_at.contains_key(&id),
                            "duplicate of unsent message {} at {}\n{}", id, time, plan
                        );
                        let first = ledger.sent_at.insert(copy, time).is_none();
                        prop_assert!(first, "copy id {} reused at {}\n{}", copy, time, plan);
                    }
                    TraceKind::Deliver { id, .. } | TraceKind::Drop { id, .. } => {
                        let sent = ledger.sent_at.get(&id).copied();
                        prop_assert!(
                            sent.is_some(),
                            "{:?} at {} names a message never sent\n{}", event.kind, time, plan
                        );
                        prop_assert!(
                            sent.is_some_and(|sent| sent <= time),
                            "{:?} at {} is before its send at {:?}\n{}",
                            event.kind, time, sent, plan
                        );
                        let earlier = ledger.settled.insert(id, time);
                        prop_assert!(
                            earlier.is_none(),
                            "message {} met a second fate at {} ({:?}); the first was at {:?}\n{}",
                            id, time, event.kind, earlier, plan
                        );
                    }
                    _ => {}
                }
            }
            traced = trace.len();
        }
        let unsettled = ledger.sent_at.len() - ledger.settled.len();
        prop_assert_eq!(
            unsettled as u64, sim.in_flight(),
            "at the end, the messages without a fate are not the ones in flight\n{}", plan
        );
    }
}

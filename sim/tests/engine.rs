//! Engine tests: each test checks one promise the engine makes, using only the
//! public API.
//!
//! Almost every test drives the same small node, [`Probe`], configured for the
//! test with a few builder-style calls ("send these at start", "tick every
//! 10 ms", "echo what you hear"), and then reads what the probe logged: which
//! message or timer it handled, when, and what its local clock said.

use std::collections::BTreeSet;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde_json::json;
use weft_sim::{
    ClockOffset, Ctx, DropReason, Fault, Latency, LinkModel, Node, NodeId, NodeStatus, Outcome, RunStats,
    Sim, SimBuilder, SimTime, Trace, TraceEvent, TraceKind,
};

// ----- Small helpers -----

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The virtual time `millis` milliseconds after the start.
fn at(millis: u64) -> SimTime {
    SimTime::from_millis(millis)
}

fn n(index: u32) -> NodeId {
    NodeId::new(index)
}

/// A reliable link with a fixed latency.
fn constant_link(millis: u64) -> LinkModel {
    LinkModel::new(Latency::constant(ms(millis)))
}

/// A reliable link with a latency uniform in `[low, high)` milliseconds.
fn uniform_link(low: u64, high: u64) -> LinkModel {
    LinkModel::new(Latency::uniform(ms(low), ms(high)).expect("low < high"))
}

// ----- The probe node -----

/// What a [`Probe`] asks to be woken with.
#[derive(Clone, Debug, PartialEq, Hash, Serialize)]
enum Wake {
    /// Its periodic tick.
    Tick,
    /// A one-off timer set at start, with a tag to recognise it.
    Tag(u32),
}

/// One thing a probe handled.
#[derive(Clone, Debug, PartialEq)]
enum What {
    /// A message carrying `value`, from `from`.
    Msg { from: NodeId, value: u32 },
    /// The one-off timer with this tag.
    Timer(u32),
    /// Its `n`-th tick (counted from 1).
    Tick(u32),
}

/// A log entry: what was handled, at which true time, and what the node's own
/// clock read then.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    at: SimTime,
    local: SimTime,
    what: What,
}

/// A probe's durable storage: survives crashes.
#[derive(Debug, Default)]
struct Disk {
    starts: u32,
    messages: u32,
}

/// A configurable test node. Messages are plain numbers; every message it
/// handles is also emitted as an observation.
#[derive(Clone, Debug, Default)]
struct Probe {
    // What the test asked it to do.
    sends_at_start: Vec<(NodeId, u32)>,
    timers_at_start: Vec<(Duration, u32)>,
    timer_sends_to: Option<NodeId>,
    tick_every: Duration,
    ticks: u32,
    tick_to: Vec<NodeId>,
    echo: bool,
    rng_draws: u32,
    // Volatile state: lost at a crash.
    ticks_done: u32,
    messages: u32,
    log: Vec<Seen>,
}

impl Probe {
    fn new() -> Probe {
        Probe::default()
    }

    /// At start, sends each of `values` to `to`, in order.
    fn sends(mut self, to: NodeId, values: impl IntoIterator<Item = u32>) -> Probe {
        self.sends_at_start.extend(values.into_iter().map(|value| (to, value)));
        self
    }

    /// At start, sets a timer tagged `tag` to fire after `after`.
    fn timer(mut self, after: Duration, tag: u32) -> Probe {
        self.timers_at_start.push((after, tag));
        self
    }

    /// When a tagged timer fires, sends its tag to `to`.
    fn timer_sends_to(mut self, to: NodeId) -> Probe {
        self.timer_sends_to = Some(to);
        self
    }

    /// Ticks `count` times, every `every`; at its `k`-th tick it sends `k` to
    /// each of `to`.
    fn ticks(mut self, every: Duration, count: u32, to: &[NodeId]) -> Probe {
        self.tick_every = every;
        self.ticks = count;
        self.tick_to = to.to_vec();
        self
    }

    /// Sends every message it receives straight back to its sender.
    fn echoes(mut self) -> Probe {
        self.echo = true;
        self
    }

    /// Draws `per_handler` random numbers from its own stream in every
    /// handler (and does nothing with them).
    fn draws_random(mut self, per_handler: u32) -> Probe {
        self.rng_draws = per_handler;
        self
    }

    /// Every message it handled: (true time, sender, value), in handling order.
    fn received(&self) -> Vec<(SimTime, NodeId, u32)> {
        self.log
            .iter()
            .filter_map(|seen| match seen.what {
                What::Msg { from, value } => Some((seen.at, from, value)),
                _ => None,
            })
            .collect()
    }

    /// The values it handled from `from`, in handling order.
    fn values_from(&self, from: NodeId) -> Vec<u32> {
        self.received()
            .into_iter()
            .filter(|(_, sender, _)| *sender == from)
            .map(|(_, _, value)| value)
            .collect()
    }

    fn handled(&mut self, what: What, ctx: &mut Ctx<'_, Self>) {
        for _ in 0..self.rng_draws {
            let _: u64 = ctx.rng().random();
        }
        self.log.push(Seen { at: ctx.now(), local: ctx.local_time(), what });
    }
}

impl Node for Probe {
    type Message = u32;
    type Timer = Wake;
    type Observation = u32;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.durable().starts += 1;
        for _ in 0..self.rng_draws {
            let _: u64 = ctx.rng().random();
        }
        for &(to, value) in &self.sends_at_start {
            ctx.send(to, value);
        }
        for &(after, tag) in &self.timers_at_start {
            ctx.set_timer(after, Wake::Tag(tag));
        }
        if self.ticks > 0 {
            ctx.set_timer(self.tick_every, Wake::Tick);
        }
    }

    fn on_message(&mut self, from: NodeId, value: u32, ctx: &mut Ctx<'_, Self>) {
        self.messages += 1;
        ctx.durable().messages += 1;
        self.handled(What::Msg { from, value }, ctx);
        ctx.emit(value);
        if self.echo {
            ctx.send(from, value);
        }
    }

    fn on_timer(&mut self, timer: Wake, ctx: &mut Ctx<'_, Self>) {
        match timer {
            Wake::Tick => {
                self.ticks_done += 1;
                let k = self.ticks_done;
                self.handled(What::Tick(k), ctx);
                for &to in &self.tick_to {
                    ctx.send(to, k);
                }
                if k < self.ticks {
                    ctx.set_timer(self.tick_every, Wake::Tick);
                }
            }
            Wake::Tag(tag) => {
                self.handled(What::Timer(tag), ctx);
                if let Some(to) = self.timer_sends_to {
                    ctx.send(to, tag);
                }
            }
        }
    }

    /// Every probe message is 100 bytes on the wire (only bandwidth-limited
    /// links care).
    fn message_size(_msg: &u32) -> u64 {
        100
    }
}

/// A simulation of these probes, node `i` being `probes[i]` (also after a
/// restart).
fn probes(seed: u64, probes: Vec<Probe>) -> SimBuilder<Probe> {
    let count = probes.len();
    Sim::builder(seed).nodes(count, move |id| probes[id.index()].clone())
}

/// The probe `index`, which must be up.
fn probe(sim: &Sim<Probe>, index: u32) -> &Probe {
    sim.node(n(index)).expect("the probe is up")
}

/// `count` probes, each ticking every 10 ms, 10 times, to every other probe:
/// tick `k` leaves at `10 k` ms.
fn chatting(count: u32) -> Vec<Probe> {
    (0..count)
        .map(|me| {
            let others: Vec<NodeId> = (0..count).filter(|&i| i != me).map(n).collect();
            Probe::new().ticks(ms(10), 10, &others)
        })
        .collect()
}

fn run_to_quiescence(sim: &mut Sim<Probe>) {
    assert_eq!(sim.run(), Outcome::Quiescent, "the run should end by itself");
}

// ----- Ordering -----

#[test]
fn messages_sent_in_one_handler_arrive_in_send_order_when_due_at_the_same_time() {
    let mut sim = probes(1, vec![Probe::new().sends(n(1), 0..100), Probe::new()])
        .link(constant_link(5))
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let received = probe(&sim, 1).received();
    assert!(
        received.iter().all(|(time, _, _)| *time == at(5)),
        "all 100 messages are due at 5 ms: {received:?}"
    );
    assert_eq!(probe(&sim, 1).values_from(n(0)), (0..100).collect::<Vec<_>>());
}

#[test]
fn events_due_at_the_same_time_are_handled_in_the_order_they_were_scheduled() {
    // Three events all due at n2 at 10 ms, scheduled in this order:
    //   t=0    n1 sends 100 over a 10 ms link,
    //   t=0    n2 sets a 10 ms timer (n2 starts after n1),
    //   t=5ms  n0 sends 1 over a 5 ms link.
    // They must be handled in that order: not by node id, not by kind.
    let mut sim = probes(
        1,
        vec![
            Probe::new().ticks(ms(5), 1, &[n(2)]),
            Probe::new().sends(n(2), [100]),
            Probe::new().timer(ms(10), 7),
        ],
    )
    .link_between(n(0), n(2), constant_link(5))
    .link_between(n(1), n(2), constant_link(10))
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let seen: Vec<(SimTime, What)> = probe(&sim, 2).log.iter().map(|s| (s.at, s.what.clone())).collect();
    assert_eq!(
        seen,
        vec![
            (at(10), What::Msg { from: n(1), value: 100 }),
            (at(10), What::Timer(7)),
            (at(10), What::Msg { from: n(0), value: 1 }),
        ]
    );
}

/// n0 sends 1, 2, …, 500 to n1, one every millisecond, over `link`; returns
/// the values in the order n1 handled them.
fn stream_over(link: LinkModel, seed: u64) -> Vec<u32> {
    let mut sim = probes(seed, vec![Probe::new().ticks(ms(1), 500, &[n(1)]), Probe::new()])
        .link(link)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);
    probe(&sim, 1).values_from(n(0))
}

#[test]
fn fifo_link_delivers_in_send_order_despite_random_latency() {
    // The same seed and latency without FIFO reorders (next test), so this
    // order is the link's doing, not luck.
    let received = stream_over(uniform_link(1, 50).fifo(true), 3);
    assert_eq!(received, (1..=500).collect::<Vec<_>>());
}

#[test]
fn non_fifo_link_with_random_latency_reorders_messages() {
    let received = stream_over(uniform_link(1, 50), 3);
    let mut sorted = received.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=500).collect::<Vec<_>>(), "nothing is lost or duplicated");
    let overtaken = received.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(overtaken > 0, "with 1..50 ms latencies and a 1 ms send gap, some message must overtake another");
}

// ----- Partitions -----

#[test]
fn partition_drops_messages_across_groups_and_heal_restores_them() {
    // Ticks leave at 10, 20, …, 100 ms and take 1 ms. The partition covers
    // the ticks sent at 30, 40 and 50 ms.
    let mut sim = probes(1, chatting(4))
        .link(constant_link(1))
        .fault_at(at(25), Fault::Partition { groups: vec![vec![n(0), n(1)], vec![n(2), n(3)]] })
        .fault_at(at(55), Fault::Heal)
        .keep_trace(true)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let all: Vec<u32> = (1..=10).collect();
    assert_eq!(probe(&sim, 1).values_from(n(0)), all, "same group: all arrive");
    assert_eq!(probe(&sim, 3).values_from(n(2)), all, "same group: all arrive");
    let across = vec![1, 2, 6, 7, 8, 9, 10];
    assert_eq!(probe(&sim, 2).values_from(n(0)), across);
    assert_eq!(probe(&sim, 0).values_from(n(3)), across);

    // 3 ticks lost on each of the 8 directed cross-group links, all for the
    // partition, and nothing else lost.
    assert_eq!(sim.stats().dropped(DropReason::Partition), 24);
    assert_eq!(sim.stats().messages_dropped(), 24);
    let group = |node: NodeId| node.as_u32() / 2;
    for event in sim.trace_events().expect("trace kept") {
        if let TraceKind::Drop { from, to, .. } = event.kind {
            assert_ne!(group(from), group(to), "dropped within a group: {event:?}");
        }
    }
}

#[test]
fn one_way_cut_drops_one_direction_and_keeps_the_other() {
    let mut sim = probes(1, chatting(2))
        .link(constant_link(1))
        .fault_at(at(25), Fault::CutOneWay { from: n(0), to: n(1) })
        .fault_at(at(55), Fault::Heal)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(
        probe(&sim, 1).values_from(n(0)),
        vec![1, 2, 6, 7, 8, 9, 10],
        "n0 -> n1 is cut from 25 ms to 55 ms"
    );
    assert_eq!(probe(&sim, 0).values_from(n(1)), (1..=10).collect::<Vec<_>>(), "n1 -> n0 is never cut");
    assert_eq!(sim.stats().dropped(DropReason::Partition), 3);
}

#[test]
fn a_message_already_waiting_at_a_busy_node_is_not_lost_to_a_later_partition() {
    // n0's two messages both reach n1 at 1 ms. n1 needs 10 ms per message,
    // so the second waits in its inbox until 11 ms. The partition at 5 ms
    // comes after both crossed the network: it must not touch them.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), [1, 2]), Probe::new()])
        .link(constant_link(1))
        .node_processing_delay(n(1), Latency::constant(ms(10)))
        .fault_at(at(5), Fault::Partition { groups: vec![vec![n(0)], vec![n(1)]] })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(probe(&sim, 1).values_from(n(0)), vec![1, 2]);
    assert_eq!(sim.stats().messages_dropped(), 0);
}

#[test]
fn a_message_already_held_by_a_paused_node_is_not_lost_to_a_later_partition() {
    // n0's message reaches n1 at 1 ms, while n1 is paused; the partition at
    // 5 ms comes after it crossed the network, so n1 handles it on resuming.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), [1]), Probe::new()])
        .link(constant_link(1))
        .fault_at(SimTime::ZERO, Fault::Pause { node: n(1) })
        .fault_at(at(5), Fault::Partition { groups: vec![vec![n(0)], vec![n(1)]] })
        .fault_at(at(10), Fault::Resume { node: n(1) })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(probe(&sim, 1).received(), vec![(at(10), n(0), 1)]);
    assert_eq!(sim.stats().messages_dropped(), 0);
}

// ----- Crashes and restarts -----

#[test]
fn messages_arriving_at_a_crashed_node_are_dropped() {
    // Ticks at 10..50 ms arrive 1 ms later; n1 crashes at 25 ms for good.
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 5, &[n(1)]), Probe::new()])
        .link(constant_link(1))
        .fault_at(at(25), Fault::Crash { node: n(1) })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(sim.status(n(1)), NodeStatus::Crashed);
    assert!(sim.node(n(1)).is_none(), "a crashed node has no state");
    assert_eq!(sim.stats().messages_delivered, 2);
    assert_eq!(sim.stats().dropped(DropReason::Crashed), 3);
}

#[test]
fn a_message_in_flight_when_its_receiver_crashes_is_dropped_even_if_the_receiver_restarts_first() {
    // Sent at 0, due at 10 ms; n1 crashes at 2 ms and is back at 5 ms.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), [42]), Probe::new()])
        .link(constant_link(10))
        .fault_at(at(2), Fault::Crash { node: n(1) })
        .fault_at(at(5), Fault::Restart { node: n(1) })
        .keep_trace(true)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(sim.status(n(1)), NodeStatus::Up);
    assert!(probe(&sim, 1).received().is_empty());
    assert_eq!(sim.stats().dropped(DropReason::Crashed), 1);
    let last = sim.trace_events().expect("trace kept").last().expect("some events");
    assert_eq!(
        *last,
        TraceEvent {
            time: at(10),
            kind: TraceKind::Drop { id: 0, from: n(0), to: n(1), reason: DropReason::Crashed },
        }
    );
}

#[test]
fn timers_set_before_a_crash_never_fire_even_after_a_restart() {
    // The first incarnation sets a 10 ms timer at 0 (due at 10 ms) and
    // crashes at 2 ms; the second starts at 5 ms and sets its own (due at
    // 15 ms). Only the second may fire.
    let mut sim = probes(1, vec![Probe::new().timer(ms(10), 7)])
        .fault_at(at(2), Fault::Crash { node: n(0) })
        .fault_at(at(5), Fault::Restart { node: n(0) })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let log: Vec<(SimTime, What)> = probe(&sim, 0).log.iter().map(|s| (s.at, s.what.clone())).collect();
    assert_eq!(log, vec![(at(15), What::Timer(7))]);
    assert_eq!(sim.stats().timers_fired, 1);
}

#[test]
fn restart_keeps_durable_storage_and_resets_volatile_state() {
    // n0 sends ticks 1..10 at 10..100 ms, arriving 1 ms later; n1 restarts
    // at 55 ms, between ticks 5 and 6.
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 10, &[n(1)]), Probe::new()])
        .link(constant_link(1))
        .fault_at(at(55), Fault::Restart { node: n(1) })
        .build()
        .expect("valid simulation");

    assert_eq!(sim.run_until(at(54)), Outcome::ReachedTime);
    assert_eq!(probe(&sim, 1).messages, 5);
    assert_eq!(sim.durable(n(1)).messages, 5);
    assert_eq!(sim.durable(n(1)).starts, 1);

    run_to_quiescence(&mut sim);
    assert_eq!(probe(&sim, 1).messages, 5, "volatile count restarted from zero");
    assert_eq!(probe(&sim, 1).values_from(n(0)), vec![6, 7, 8, 9, 10]);
    assert_eq!(sim.durable(n(1)).messages, 10, "durable count survived the restart");
    assert_eq!(sim.durable(n(1)).starts, 2, "on_start ran again");
}

// ----- Clocks -----

#[test]
fn clock_skew_offsets_shift_local_time_by_exactly_the_offset() {
    // Each node reads its clock on a timer at 10 s; the skews apply at 5 s.
    let mut sim = probes(
        1,
        vec![
            Probe::new().timer(Duration::from_secs(10), 1),
            Probe::new().timer(Duration::from_secs(10), 1),
            Probe::new().timer(Duration::from_secs(10), 1),
        ],
    )
    .fault_at(
        SimTime::from_secs(5),
        Fault::ClockSkew { node: n(0), offset: ClockOffset::Ahead(Duration::from_secs(3)), drift_ppm: 0.0 },
    )
    .fault_at(
        SimTime::from_secs(5),
        Fault::ClockSkew { node: n(1), offset: ClockOffset::Behind(Duration::from_secs(2)), drift_ppm: 0.0 },
    )
    .fault_at(
        SimTime::from_secs(5),
        Fault::ClockSkew {
            node: n(2),
            // Further back than the clock reads: it stops at zero.
            offset: ClockOffset::Behind(Duration::from_secs(20)),
            drift_ppm: 0.0,
        },
    )
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(sim.now(), SimTime::from_secs(10));
    for (node, expected) in [(0, 13), (1, 8), (2, 5)] {
        let expected = SimTime::from_secs(expected);
        let seen = &probe(&sim, node).log[0];
        assert_eq!(seen.at, SimTime::from_secs(10));
        assert_eq!(seen.local, expected, "ctx.local_time() of n{node}");
        assert_eq!(sim.local_time(n(node)), expected, "sim.local_time(n{node})");
    }
}

/// One node whose clock starts drifting by `drift_ppm` at time zero; returns
/// what its clock read (inside a handler, and from outside) at true 10 s.
fn clock_after_10s_of_drift(drift_ppm: f64) -> (SimTime, SimTime) {
    let mut sim = probes(1, vec![Probe::new().timer(Duration::from_secs(10), 1)])
        .fault_at(
            SimTime::ZERO,
            Fault::ClockSkew { node: n(0), offset: ClockOffset::Ahead(Duration::ZERO), drift_ppm },
        )
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);
    let seen = &probe(&sim, 0).log[0];
    assert_eq!(seen.at, SimTime::from_secs(10));
    (seen.local, sim.local_time(n(0)))
}

#[test]
fn a_clock_running_fast_by_1000_ppm_gains_exactly_10_ms_in_10_s() {
    let expected = SimTime::from_millis(10_010);
    assert_eq!(clock_after_10s_of_drift(1000.0), (expected, expected));
}

#[test]
fn a_clock_running_slow_by_1000_ppm_loses_exactly_10_ms_in_10_s() {
    let expected = SimTime::from_millis(9_990);
    assert_eq!(clock_after_10s_of_drift(-1000.0), (expected, expected));
}

#[test]
fn clock_skew_jumps_once_then_drifts_from_the_new_reading() {
    // At 2 s the clock jumps 1 s ahead and starts gaining 500 ppm: at 4 s it
    // reads 2 s + 1 s + 2 s * 1.0005 = 5.001 s.
    let mut sim = probes(1, vec![Probe::new().timer(Duration::from_secs(4), 1)])
        .fault_at(
            SimTime::from_secs(2),
            Fault::ClockSkew {
                node: n(0),
                offset: ClockOffset::Ahead(Duration::from_secs(1)),
                drift_ppm: 500.0,
            },
        )
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);
    assert_eq!(probe(&sim, 0).log[0].local, SimTime::from_millis(5_001));
    assert_eq!(sim.local_time(n(0)), SimTime::from_millis(5_001));
}

#[test]
fn timers_on_a_drifting_clock_fire_after_the_local_duration_converted_to_true_time() {
    // n0's clock runs 1000 ppm fast and ticks every 10.01 s of local time;
    // n1's runs 1000 ppm slow and ticks every 9.99 s of local time. Both
    // intervals are exactly 10 s of true time. (The first tick is set at
    // start, before the skew, so only the second interval is measured.)
    let mut sim =
        probes(1, vec![Probe::new().ticks(ms(10_010), 2, &[]), Probe::new().ticks(ms(9_990), 2, &[])])
            .fault_at(
                SimTime::ZERO,
                Fault::ClockSkew {
                    node: n(0),
                    offset: ClockOffset::Ahead(Duration::ZERO),
                    drift_ppm: 1000.0,
                },
            )
            .fault_at(
                SimTime::ZERO,
                Fault::ClockSkew {
                    node: n(1),
                    offset: ClockOffset::Ahead(Duration::ZERO),
                    drift_ppm: -1000.0,
                },
            )
            .build()
            .expect("valid simulation");
    run_to_quiescence(&mut sim);

    for node in [0, 1] {
        let log = &probe(&sim, node).log;
        assert_eq!(log.len(), 2, "n{node} ticked twice");
        assert_eq!(
            log[1].at - log[0].at,
            Duration::from_secs(10),
            "n{node}'s second tick interval, in true time"
        );
    }
}

// ----- Pauses -----

#[test]
fn a_paused_node_handles_nothing_until_resumed_then_everything_in_arrival_order() {
    // n0's ticks arrive at n1 at 11, 21, …, 101 ms; n1's own timer is due at
    // 35 ms. n1 is paused from 25 ms to 65 ms.
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 10, &[n(1)]), Probe::new().timer(ms(35), 7)])
        .link(constant_link(1))
        .fault_at(at(25), Fault::Pause { node: n(1) })
        .fault_at(at(65), Fault::Resume { node: n(1) })
        .build()
        .expect("valid simulation");

    assert_eq!(sim.run_until(at(64)), Outcome::ReachedTime);
    assert_eq!(sim.status(n(1)), NodeStatus::Paused);
    assert_eq!(probe(&sim, 1).log.len(), 2, "only ticks 1 and 2 handled before the pause");

    run_to_quiescence(&mut sim);
    let log = &probe(&sim, 1).log;
    assert!(log.iter().all(|s| s.at < at(25) || s.at >= at(65)), "nothing handled during the pause: {log:?}");
    let at_resume: Vec<What> = log.iter().filter(|s| s.at == at(65)).map(|s| s.what.clone()).collect();
    let tick = |value| What::Msg { from: n(0), value };
    assert_eq!(at_resume, vec![tick(3), What::Timer(7), tick(4), tick(5), tick(6)]);
    assert_eq!(probe(&sim, 1).values_from(n(0)), (1..=10).collect::<Vec<_>>());
    assert_eq!(sim.stats().messages_dropped(), 0);
}

#[test]
fn a_paused_node_drops_messages_beyond_its_pause_capacity() {
    // n1 is paused (right after the starts) when n0's five messages arrive
    // at 1 ms; it holds two of them.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), 1..=5), Probe::new()])
        .link(constant_link(1))
        .pause_capacity(2)
        .fault_at(SimTime::ZERO, Fault::Pause { node: n(1) })
        .fault_at(at(10), Fault::Resume { node: n(1) })
        .keep_trace(true)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(probe(&sim, 1).received(), vec![(at(10), n(0), 1), (at(10), n(0), 2)]);
    assert_eq!(sim.stats().dropped(DropReason::PausedOverflow), 3);
    let overflowed: Vec<u64> = sim
        .trace_events()
        .expect("trace kept")
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Drop { id, reason: DropReason::PausedOverflow, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(overflowed, vec![2, 3, 4], "the three latest messages overflow");
}

#[test]
fn a_node_resumed_as_a_message_arrives_still_handles_a_fifo_link_in_send_order() {
    // Like the pause test above, but n1 resumes at 61 ms, the instant tick 6
    // arrives. Ticks 3, 4 and 5 waited; on a FIFO link, 6 must not overtake
    // them.
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 10, &[n(1)]), Probe::new()])
        .link(constant_link(1).fifo(true))
        .fault_at(at(25), Fault::Pause { node: n(1) })
        .fault_at(at(61), Fault::Resume { node: n(1) })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(probe(&sim, 1).values_from(n(0)), (1..=10).collect::<Vec<_>>());
}

// ----- Loss and duplication -----

/// True if `observed` successes of `trials` Bernoulli(`p`) trials is within
/// five standard deviations of the mean (false about once in 1.7 million).
fn within_five_sigma(observed: u64, trials: u64, p: f64) -> bool {
    let mean = trials as f64 * p;
    let sd = (trials as f64 * p * (1.0 - p)).sqrt();
    (observed as f64 - mean).abs() <= 5.0 * sd
}

/// n0 sends 100,000 messages to n1 at once over `link`.
fn blast(link: LinkModel) -> RunStats {
    let mut sim = probes(7, vec![Probe::new().sends(n(1), 0..100_000), Probe::new()])
        .link(link)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);
    sim.stats().clone()
}

#[test]
fn link_loss_rate_is_within_five_standard_deviations_of_its_probability() {
    let stats = blast(constant_link(1).loss(0.1));
    let lost = stats.dropped(DropReason::Loss);
    assert!(
        within_five_sigma(lost, 100_000, 0.1),
        "lost {lost} of 100000 at p = 0.1 (expected 10000 +- 474)"
    );
    assert_eq!(stats.messages_delivered + lost, 100_000);
}

#[test]
fn link_duplication_rate_is_within_five_standard_deviations_of_its_probability() {
    let stats = blast(constant_link(1).duplicate(0.05));
    let copies = stats.messages_duplicated;
    assert!(
        within_five_sigma(copies, 100_000, 0.05),
        "duplicated {copies} of 100000 at p = 0.05 (expected 5000 +- 345)"
    );
    assert_eq!(stats.messages_delivered, 100_000 + copies);
}

// ----- Bandwidth, processing delay, slow nodes, degraded links -----

#[test]
fn a_bandwidth_limited_link_spaces_messages_by_their_transmission_time() {
    // Probe messages are 100 bytes: 100 ms each on a 1000 B/s link.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), 1..=5), Probe::new()])
        .link(constant_link(1).bandwidth(1000))
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let arrivals: Vec<SimTime> = probe(&sim, 1).received().iter().map(|(time, _, _)| *time).collect();
    assert_eq!(arrivals.len(), 5);
    assert_eq!(arrivals[0], at(101), "100 ms on the wire, then 1 ms of latency");
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= ms(100),
            "back-to-back messages closer than their transmission time: {arrivals:?}"
        );
    }
}

#[test]
fn processing_delay_makes_a_node_handle_one_message_at_a_time() {
    // Every node takes 10 ms per message. n0's three messages all reach n1
    // at 1 ms; n1 echoes each once it has handled it.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), [1, 2, 3]), Probe::new().echoes()])
        .link(constant_link(1))
        .processing_delay(Latency::constant(ms(10)))
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let handled_at =
        |node| -> Vec<SimTime> { probe(&sim, node).received().iter().map(|(time, _, _)| *time).collect() };
    assert_eq!(handled_at(1), vec![at(1), at(11), at(21)]);
    // Each echo leaves when its handling is done, 10 ms later, and takes 1 ms.
    assert_eq!(handled_at(0), vec![at(12), at(22), at(32)]);
}

#[test]
fn a_busy_node_handles_messages_from_a_fifo_link_in_send_order() {
    // n0 sends 1, 2, 3 at 0, 8 and 15 ms over a FIFO 10 ms link; they arrive
    // at 10, 18 and 25 ms. n1 needs 15 ms per message, so it is busy until
    // 25 ms when 2 arrives, and 2 must still be handled before 3.
    let mut sim = probes(
        1,
        vec![
            Probe::new().timer(ms(0), 1).timer(ms(8), 2).timer(ms(15), 3).timer_sends_to(n(1)),
            Probe::new(),
        ],
    )
    .link(constant_link(10).fifo(true))
    .node_processing_delay(n(1), Latency::constant(ms(15)))
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(probe(&sim, 1).values_from(n(0)), vec![1, 2, 3]);
}

#[test]
fn a_restarted_node_handles_waiting_messages_as_soon_as_it_is_free() {
    // n1 needs 5 ms per message, and a slowdown makes its first message take
    // 55 ms: it is busy until 56 ms, and 2 (arriving at 3 ms) waits for then.
    // It crashes at 4 ms and restarts, at full speed, at 5 ms: its previous
    // life's wake-up at 56 ms must not hold up the next life. 3 and 4 arrive
    // together at 11 ms: 3 is handled at once, 4 when n1 is free at 16 ms.
    let mut sim = probes(
        1,
        vec![
            Probe::new()
                .timer(ms(0), 1)
                .timer(ms(2), 2)
                .timer(ms(10), 3)
                .timer(ms(10), 4)
                .timer_sends_to(n(1)),
            Probe::new(),
        ],
    )
    .link(constant_link(1))
    .node_processing_delay(n(1), Latency::constant(ms(5)))
    .fault_at(SimTime::ZERO, Fault::SlowNode { node: n(1), extra: Latency::constant(ms(50)) })
    .fault_at(at(4), Fault::Crash { node: n(1) })
    .fault_at(at(5), Fault::RestoreSpeed { node: n(1) })
    .fault_at(at(5), Fault::Restart { node: n(1) })
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    // The log is volatile: it holds what the restarted node handled.
    assert_eq!(probe(&sim, 1).received(), vec![(at(11), n(0), 3), (at(16), n(0), 4)]);
}

#[test]
fn slow_node_fault_delays_handling_until_restore_speed() {
    // n1 is slowed by 10 ms per message from the start until 50 ms. n0's
    // three messages at 0 ms queue up; its tick at 100 ms finds n1 restored.
    let mut sim = probes(
        1,
        vec![Probe::new().sends(n(1), [101, 102, 103]).ticks(ms(100), 1, &[n(1)]), Probe::new().echoes()],
    )
    .link(constant_link(1))
    .fault_at(SimTime::ZERO, Fault::SlowNode { node: n(1), extra: Latency::constant(ms(10)) })
    .fault_at(at(50), Fault::RestoreSpeed { node: n(1) })
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    assert_eq!(
        probe(&sim, 1).received(),
        vec![(at(1), n(0), 101), (at(11), n(0), 102), (at(21), n(0), 103), (at(101), n(0), 1),]
    );
    assert_eq!(
        probe(&sim, 0).received(),
        vec![(at(12), n(1), 101), (at(22), n(1), 102), (at(32), n(1), 103), (at(102), n(1), 1),],
        "slowed echoes leave 10 ms late; after RestoreSpeed, at once"
    );
}

#[test]
fn degrade_link_changes_loss_and_latency_until_restore_link() {
    // Both nodes tick to each other at 10..100 ms over a 1 ms link. From 25
    // ms the link loses everything; from 45 ms it takes 7 ms instead; from
    // 65 ms it is restored.
    let mut sim = probes(1, chatting(2))
        .link(constant_link(1))
        .fault_at(at(25), Fault::DegradeLink { a: n(0), b: n(1), link: constant_link(1).loss(1.0) })
        .fault_at(at(45), Fault::DegradeLink { a: n(0), b: n(1), link: constant_link(7) })
        .fault_at(at(65), Fault::RestoreLink { a: n(0), b: n(1) })
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);

    // (tick, latency in ms) for each tick that arrived.
    let expected: Vec<(u32, u64)> = vec![(1, 1), (2, 1), (5, 7), (6, 7), (7, 1), (8, 1), (9, 1), (10, 1)];
    for (to, from) in [(1, 0), (0, 1)] {
        let got: Vec<(u32, u64)> = probe(&sim, to)
            .received()
            .iter()
            .filter(|(_, sender, _)| *sender == n(from))
            .map(|&(time, _, tick)| {
                let sent = at(10 * u64::from(tick));
                (tick, (time - sent).as_millis() as u64)
            })
            .collect();
        assert_eq!(got, expected, "n{from} -> n{to}");
    }
    assert_eq!(sim.stats().dropped(DropReason::Loss), 4);
}

// ----- Running and stopping -----

#[test]
fn run_until_a_time_stops_at_that_time_with_later_events_still_queued() {
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 10, &[n(1)]), Probe::new()])
        .link(constant_link(1))
        .build()
        .expect("valid simulation");

    assert_eq!(sim.run_until(at(35)), Outcome::ReachedTime);
    assert_eq!(sim.now(), at(35));
    assert_eq!(probe(&sim, 1).values_from(n(0)), vec![1, 2, 3]);
    assert!(sim.pending_events() > 0, "the next tick is still queued");

    run_to_quiescence(&mut sim);
    assert_eq!(probe(&sim, 1).values_from(n(0)), (1..=10).collect::<Vec<_>>());
}

#[test]
fn run_until_a_condition_stops_as_soon_as_it_holds() {
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 10, &[n(1)]), Probe::new()])
        .link(constant_link(1))
        .build()
        .expect("valid simulation");

    let outcome = sim.run_until(|s: &Sim<Probe>| s.stats().messages_delivered >= 4);
    assert_eq!(outcome, Outcome::ConditionMet);
    assert_eq!(sim.stats().messages_delivered, 4);
    assert_eq!(sim.now(), at(41), "tick 4 arrives at 41 ms");
}

#[test]
fn event_budget_stops_an_endless_message_loop() {
    // Two echoing nodes bounce one message forever.
    let mut sim = probes(1, vec![Probe::new().sends(n(1), [1]).echoes(), Probe::new().echoes()])
        .event_budget(1000)
        .build()
        .expect("valid simulation");

    assert_eq!(sim.run(), Outcome::BudgetExhausted);
    assert_eq!(sim.stats().messages_delivered, 998, "1000 events: 2 starts and 998 deliveries");
    assert_eq!(sim.pending_events(), 1, "the message is still bouncing");
}

#[test]
fn an_injected_fault_applies_at_the_current_time() {
    // Ticks leave n0 at 10..50 ms and arrive 1 ms later. At 25 ms the test
    // crashes n1 from outside.
    let mut sim = probes(1, vec![Probe::new().ticks(ms(10), 5, &[n(1)]), Probe::new()])
        .link(constant_link(1))
        .keep_trace(true)
        .build()
        .expect("valid simulation");

    assert_eq!(sim.run_until(at(25)), Outcome::ReachedTime);
    sim.inject(Fault::Crash { node: n(1) }).expect("n1 exists");
    run_to_quiescence(&mut sim);

    let faults: Vec<SimTime> = sim
        .trace_events()
        .expect("trace kept")
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Fault { .. }))
        .map(|e| e.time)
        .collect();
    assert_eq!(faults, vec![at(25)]);
    assert_eq!(sim.stats().messages_delivered, 2);
    assert_eq!(sim.stats().dropped(DropReason::Crashed), 3);
}

#[test]
fn an_injected_fault_is_checked_like_a_scheduled_one() {
    let mut sim = probes(1, vec![Probe::new(), Probe::new()]).build().expect("valid simulation");
    let refused = sim.inject(Fault::Crash { node: n(7) }).expect_err("there is no n7");
    assert!(refused.to_string().contains("n7"), "{refused}");
    let refused = sim
        .inject(Fault::ClockSkew { node: n(0), offset: ClockOffset::Ahead(ms(1)), drift_ppm: f64::NAN })
        .expect_err("a NaN drift");
    assert!(matches!(refused, weft_sim::BuildError::BadDrift(_)), "{refused:?}");
    run_to_quiescence(&mut sim);
    assert_eq!(sim.status(n(0)), NodeStatus::Up, "nothing refused was applied");
    assert_eq!(sim.stats().faults, 0);
}

// ----- Traces and determinism -----

/// A busy, lossy, faulty run of four chatting nodes: random latencies, loss,
/// duplication, a crash and restart, a partition and a pause.
fn eventful(seed: u64, keep_trace: bool) -> Sim<Probe> {
    let mut sim = probes(seed, chatting(4))
        .link(uniform_link(1, 20).loss(0.1).duplicate(0.1))
        .fault_at(at(30), Fault::Crash { node: n(3) })
        .fault_at(at(60), Fault::Restart { node: n(3) })
        .fault_at(at(40), Fault::Partition { groups: vec![vec![n(0)]] })
        .fault_at(at(70), Fault::Heal)
        .fault_at(at(50), Fault::Pause { node: n(2) })
        .fault_at(at(80), Fault::Resume { node: n(2) })
        .keep_trace(keep_trace)
        .build()
        .expect("valid simulation");
    run_to_quiescence(&mut sim);
    sim
}

#[test]
fn keeping_the_trace_does_not_change_the_run_hash() {
    let kept = eventful(5, true);
    let not_kept = eventful(5, false);
    assert!(kept.trace_events().is_some());
    assert!(not_kept.trace_events().is_none());
    assert_eq!(kept.trace_hash(), not_kept.trace_hash());
    assert_eq!(kept.stats(), not_kept.stats());
}

#[test]
fn trace_records_each_kind_of_event_in_order_with_its_fields() {
    // n0 sends 7 at start and 1 on its tick at 10 ms; n1 has a timer at 5
    // ms; from 3 ms, n0 -> n1 is cut.
    let mut sim = probes(
        1,
        vec![Probe::new().sends(n(1), [7]).ticks(ms(10), 1, &[n(1)]), Probe::new().timer(ms(5), 3)],
    )
    .link(constant_link(1))
    .fault_at(at(3), Fault::CutOneWay { from: n(0), to: n(1) })
    .keep_trace(true)
    .build()
    .expect("valid simulation");
    run_to_quiescence(&mut sim);

    let event = |time, kind| TraceEvent { time, kind };
    let expected = vec![
        event(at(0), TraceKind::Start { node: n(0) }),
        event(at(0), TraceKind::Send { id: 0, from: n(0), to: n(1), msg: json!(7) }),
        event(at(0), TraceKind::Start { node: n(1) }),
        event(at(1), TraceKind::Deliver { id: 0, from: n(0), to: n(1) }),
        event(at(1), TraceKind::Observe { node: n(1), obs: json!(7) }),
        event(at(3), TraceKind::Fault { fault: json!({"fault": "cut-one-way", "from": 0, "to": 1}) }),
        event(at(5), TraceKind::Timer { node: n(1), timer: json!({"Tag": 3}) }),
        event(at(10), TraceKind::Timer { node: n(0), timer: json!("Tick") }),
        event(at(10), TraceKind::Send { id: 1, from: n(0), to: n(1), msg: json!(1) }),
        event(at(10), TraceKind::Drop { id: 1, from: n(0), to: n(1), reason: DropReason::Partition }),
    ];
    assert_eq!(sim.trace_events().expect("trace kept"), &expected[..]);
    assert_eq!(sim.stats().events, expected.len() as u64);
}

#[test]
fn a_real_trace_round_trips_through_jsonl() {
    let sim = eventful(11, true);
    let trace = sim.trace("engine-test").expect("trace kept");
    let kinds: BTreeSet<&str> = trace
        .events
        .iter()
        .map(|e| match e.kind {
            TraceKind::Start { .. } => "start",
            TraceKind::Send { .. } => "send",
            TraceKind::Duplicate { .. } => "duplicate",
            TraceKind::Deliver { .. } => "deliver",
            TraceKind::Drop { .. } => "drop",
            TraceKind::Timer { .. } => "timer",
            TraceKind::Fault { .. } => "fault",
            TraceKind::Observe { .. } => "observe",
        })
        .collect();
    assert_eq!(kinds.len(), 8, "the run has every kind of event: {kinds:?}");

    let mut file = Vec::new();
    trace.write_jsonl(&mut file).expect("write to memory");
    let read = Trace::read_jsonl(&file[..]).expect("read back");
    assert_eq!(read, trace);
    assert_eq!(read.header.seed, 11);
    assert_eq!(read.footer.trace_hash, sim.trace_hash().to_string());
    assert_eq!(read.footer.events, read.events.len() as u64);
}

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    let first = eventful(42, true);
    let second = eventful(42, true);
    assert_eq!(first.trace_hash(), second.trace_hash());
    assert_eq!(first.trace_events(), second.trace_events());
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    let hashes: BTreeSet<u64> = (0..20).map(|seed| eventful(seed, false).trace_hash().value()).collect();
    assert_eq!(hashes.len(), 20, "20 seeds, 20 different runs");
}

#[test]
fn a_node_drawing_extra_random_numbers_does_not_change_network_latencies() {
    // n0 and n1 chat over random-latency links; n2 only ticks, and in the
    // second run draws 1000 random numbers in every handler.
    let deliveries = |draws: u32| -> Vec<TraceEvent> {
        let mut nodes = chatting(2);
        nodes.push(Probe::new().ticks(ms(3), 30, &[]).draws_random(draws));
        let mut sim =
            probes(9, nodes).link(uniform_link(1, 50)).keep_trace(true).build().expect("valid simulation");
        run_to_quiescence(&mut sim);
        sim.trace_events()
            .expect("trace kept")
            .iter()
            .filter(|e| matches!(e.kind, TraceKind::Deliver { .. }))
            .cloned()
            .collect()
    };
    let quiet = deliveries(0);
    assert_eq!(quiet.len(), 20);
    assert_eq!(quiet, deliveries(1000));
}

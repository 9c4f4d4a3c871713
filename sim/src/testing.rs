//! Property testing your own nodes under random faults: proptest strategies
//! for fault schedules.
//!
//! *Available with the cargo feature `testing`* (it brings in `proptest`):
//!
//! ```toml
//! [dev-dependencies]
//! weft-sim = { version = "0.1", features = ["testing"] }
//! proptest = "1"
//! ```
//!
//! A handwritten test tries the faults its author thought of. A property
//! test states what must hold ("every node ends up knowing the largest
//! value") and lets proptest try hundreds of fault schedules; when one
//! breaks the property, proptest *shrinks* it (fewer faults, shorter ones,
//! earlier ones) and prints the smallest schedule that still fails.
//!
//! The schedules are made of **episodes**: a fault and its undoing. A crash
//! is followed by a restart, a pause by a resume, a partition or one-way cut
//! by a heal, a clock jump by a reset to true time, a slow node or degraded
//! link by its restoration. A [`FaultBudget`] says what the schedules may do:
//!
//! - which kinds of episode, and how strong (how far a clock jumps, how slow
//!   a node gets, how lossy a degraded link is);
//! - when: every episode starts and *ends* inside the budget's `window`, so
//!   after `window.end` everything is healed and a test can check liveness
//!   ("eventually") properties as well as safety ("always") ones;
//! - how much at once: at most `max_down` nodes are unavailable at any
//!   moment, counting crashed and paused nodes and the nodes a partition cuts
//!   off from the rest. With `max_down = f` of `2f + 1` nodes, a majority is
//!   always up and connected, which is what quorum protocols promise to
//!   survive. (Link faults, clock faults and slow nodes do not count: those
//!   nodes still run and answer.)
//!
//! [`fault_schedule`] turns a budget into a strategy; [`FaultSchedule::apply`]
//! adds a schedule's faults to a [`SimBuilder`].
//!
//! # Example: a gossip protocol that survives crashes
//!
//! Every node starts with a number and, every 100 ms, pushes the largest
//! number it knows to every other node. The property: once the faults are
//! healed, every node soon knows the largest number of all.
//!
//! ```
//! use std::time::Duration;
//! use proptest::prelude::*;
//! use serde::Serialize;
//! use weft_sim::testing::{FaultBudget, fault_schedule};
//! use weft_sim::{Ctx, Node, NodeId, Sim, SimTime};
//!
//! const NODES: usize = 5;
//!
//! /// Knows the largest number it has heard of, and keeps telling everyone.
//! struct Gossip { largest: u64 }
//!
//! #[derive(Clone, Debug, Hash, Serialize)]
//! struct Push;
//!
//! impl Node for Gossip {
//!     type Message = u64;
//!     type Timer = Push;
//!     type Observation = u64; // "I now know this number"
//!     type Durable = ();
//!
//!     fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
//!         ctx.emit(self.largest);
//!         ctx.set_timer(Duration::from_millis(100), Push);
//!     }
//!     fn on_message(&mut self, _from: NodeId, number: u64, ctx: &mut Ctx<'_, Self>) {
//!         if number > self.largest {
//!             self.largest = number;
//!             ctx.emit(number);
//!         }
//!     }
//!     fn on_timer(&mut self, _: Push, ctx: &mut Ctx<'_, Self>) {
//!         // Pushing again and again is what lets a restarted node catch up:
//!         // push only when something changes, and the test below fails.
//!         for other in ctx.neighbours() {
//!             ctx.send(other, self.largest);
//!         }
//!         ctx.set_timer(Duration::from_millis(100), Push);
//!     }
//! }
//!
//! // Any crashes, pauses and partitions, at most 2 of the 5 nodes down at
//! // once, all of them over by 3 s.
//! let budget = FaultBudget::new(NODES, SimTime::ZERO..SimTime::from_secs(3));
//! let check_at = budget.window.end + Duration::from_secs(1);
//!
//! proptest!(ProptestConfig::with_cases(32), |(schedule in fault_schedule(budget))| {
//!     let builder = Sim::builder(7)
//!         .nodes(NODES, |id| Gossip { largest: u64::from(id.as_u32()) * 10 })
//!         .time_limit(check_at);
//!     let mut sim = schedule.apply(builder).build().expect("a valid simulation");
//!
//!     // What each node last said it knows (checks read observations).
//!     let mut known = vec![0; NODES];
//!     let _ = sim.run_until(|sim: &Sim<Gossip>| {
//!         for (node, number) in sim.observations() {
//!             known[node.index()] = *number;
//!         }
//!         false
//!     });
//!     prop_assert_eq!(known, vec![40; NODES], "one second after the last fault healed");
//! });
//! ```
//!
//! When a property fails, proptest's message ends with the shrunk schedule,
//! one episode per line. For the gossip above with its periodic push taken
//! out (nodes tell the others only when they learn something), it is a
//! crash of n0 long enough to miss the news:
//!
//! ```text
//! minimal failing input: schedule = 1 fault episode:
//!     0ns..3ms        crash n0
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::Union;

use crate::node::LocalClock;
use crate::queue::QueueKind;
use crate::{ClockOffset, Fault, Latency, LinkModel, Node, NodeId, SimBuilder, SimTime};

/// What random fault schedules may do. Build one with [`FaultBudget::new`]
/// and change fields with struct update syntax:
///
/// ```
/// use std::time::Duration;
/// use weft_sim::SimTime;
/// use weft_sim::testing::FaultBudget;
///
/// let budget = FaultBudget {
///     pauses: false,
///     clock_jumps: Some(Duration::from_millis(500)),
///     ..FaultBudget::new(5, SimTime::from_secs(1)..SimTime::from_secs(10))
/// };
/// assert_eq!(budget.max_down, 2); // a minority of 5
/// ```
#[derive(Clone, Debug)]
pub struct FaultBudget {
    /// How many nodes the simulation has (episodes name `n0..n{nodes-1}`).
    pub nodes: usize,
    /// Every episode starts and ends inside this window of virtual time.
    /// Times are whole milliseconds after `window.start`.
    pub window: Range<SimTime>,
    /// At most this many episodes per schedule.
    pub max_episodes: usize,
    /// The longest an episode lasts.
    pub longest: Duration,
    /// At most this many nodes unavailable at once: crashed, paused, or cut
    /// off from the rest by a partition.
    pub max_down: usize,
    /// Crash a node, restart it later (it keeps only its durable state).
    pub crashes: bool,
    /// Pause a node (a long GC, a VM migration), resume it later.
    pub pauses: bool,
    /// Cut a few nodes (at most `max_down`) off from the rest, heal later.
    /// One partition or one-way cut at a time: a heal removes them all.
    pub partitions: bool,
    /// Drop every message from one node to another, but not back; heal later.
    pub one_way_cuts: bool,
    /// Jump a node's clock by up to this much, ahead or behind, and set it
    /// back to true time later. `None`: no clock episodes.
    pub clock_jumps: Option<Duration>,
    /// While a clock episode lasts, the clock also runs fast or slow by up
    /// to this many whole parts per million (only with `clock_jumps`; keep
    /// it below 1,000,000, or the clock would stop or run backwards).
    pub clock_drift_max_ppm: f64,
    /// Make a node take up to this much longer per message (at least 1 ms),
    /// and restore its speed later. `None`: no slow nodes.
    pub slow_nodes: Option<Duration>,
    /// Give a link between two nodes a latency of up to this much (at least
    /// 1 ms), and restore it later. `None`: no degraded links.
    pub degraded_links: Option<Duration>,
    /// A degraded link also loses up to this fraction of messages (only with
    /// `degraded_links`).
    pub degraded_loss_max: f64,
}

impl FaultBudget {
    /// Crashes, pauses and partitions of at most a minority of `nodes`
    /// (`(nodes - 1) / 2`) at once, up to 8 episodes each at most half the
    /// window long, all over by `window.end`. No clock, speed or link
    /// faults: switch those on with the fields.
    pub fn new(nodes: usize, window: Range<SimTime>) -> FaultBudget {
        let half_window = window.end.saturating_since(window.start) / 2;
        FaultBudget {
            nodes,
            window,
            max_episodes: 8,
            longest: half_window,
            max_down: nodes.saturating_sub(1) / 2,
            crashes: true,
            pauses: true,
            partitions: true,
            one_way_cuts: false,
            clock_jumps: None,
            clock_drift_max_ppm: 0.0,
            slow_nodes: None,
            degraded_links: None,
            degraded_loss_max: 0.0,
        }
    }
}

/// A fault and its undoing, over a span of virtual time.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    /// When the fault is applied.
    pub start: SimTime,
    /// When it is undone (later than `start`).
    pub end: SimTime,
    /// What happens in between.
    pub kind: EpisodeKind,
}

/// What goes wrong during an [`Episode`].
#[derive(Clone, Debug, PartialEq)]
pub enum EpisodeKind {
    /// [`Fault::Crash`], then [`Fault::Restart`].
    Crash {
        /// The node that crashes.
        node: NodeId,
    },
    /// [`Fault::Pause`], then [`Fault::Resume`].
    Pause {
        /// The node that freezes.
        node: NodeId,
    },
    /// A [`Fault::Partition`] of `isolated` from everyone else, then
    /// [`Fault::Heal`].
    Partition {
        /// The nodes cut off from the rest.
        isolated: Vec<NodeId>,
    },
    /// [`Fault::CutOneWay`], then [`Fault::Heal`].
    CutOneWay {
        /// The sender whose messages are lost.
        from: NodeId,
        /// The receiver that stops hearing from `from`.
        to: NodeId,
    },
    /// A [`Fault::ClockSkew`] (a jump, and a drift while it lasts), then
    /// another that sets the clock back to true time, running at the right
    /// rate. The reset assumes the clock was exact when the episode began,
    /// which holds when the schedule's episodes are its only clock faults.
    ClockSkew {
        /// The node whose clock goes wrong.
        node: NodeId,
        /// How far its clock jumps.
        offset: ClockOffset,
        /// How fast it then runs wrong, in parts per million.
        drift_ppm: f64,
    },
    /// [`Fault::SlowNode`] (a constant extra delay), then
    /// [`Fault::RestoreSpeed`].
    SlowNode {
        /// The slow node.
        node: NodeId,
        /// The extra processing time per message.
        extra: Duration,
    },
    /// [`Fault::DegradeLink`] (a constant latency and a loss rate), then
    /// [`Fault::RestoreLink`].
    DegradeLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// The degraded link's latency.
        latency: Duration,
        /// The fraction of messages it loses.
        loss_probability: f64,
    },
}

/// What an episode occupies while it lasts; two episodes that need the same
/// resource at the same time would undo each other's work, so a schedule
/// never overlaps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    /// A node's process: crashed or paused, not both.
    Process(NodeId),
    /// The network's partition state, which one [`Fault::Heal`] clears whole.
    Network,
    /// A node's clock.
    Clock(NodeId),
    /// A node's speed.
    Speed(NodeId),
    /// A link, lower id first.
    Link(NodeId, NodeId),
}

impl Episode {
    /// The two faults: the one at `start` and its undoing at `end`.
    pub fn faults(&self) -> [(SimTime, Fault); 2] {
        let (begin, undo) = match &self.kind {
            EpisodeKind::Crash { node } => (Fault::Crash { node: *node }, Fault::Restart { node: *node }),
            EpisodeKind::Pause { node } => (Fault::Pause { node: *node }, Fault::Resume { node: *node }),
            EpisodeKind::Partition { isolated } => {
                (Fault::Partition { groups: vec![isolated.clone()] }, Fault::Heal)
            }
            EpisodeKind::CutOneWay { from, to } => (Fault::CutOneWay { from: *from, to: *to }, Fault::Heal),
            EpisodeKind::ClockSkew { node, offset, drift_ppm } => {
                self.clock_faults(*node, *offset, *drift_ppm)
            }
            EpisodeKind::SlowNode { node, extra } => (
                Fault::SlowNode { node: *node, extra: Latency::constant(*extra) },
                Fault::RestoreSpeed { node: *node },
            ),
            EpisodeKind::DegradeLink { a, b, latency, loss_probability } => (
                Fault::DegradeLink {
                    a: *a,
                    b: *b,
                    link: LinkModel::new(Latency::constant(*latency)).loss(*loss_probability),
                },
                Fault::RestoreLink { a: *a, b: *b },
            ),
        };
        [(self.start, begin), (self.end, undo)]
    }

    /// A clock episode's jump, and the jump that takes the clock back to true
    /// time at `end`. The reset is computed with the engine's own clock
    /// arithmetic (including a jump behind that stops at zero), so it is
    /// exact to the nanosecond.
    fn clock_faults(&self, node: NodeId, offset: ClockOffset, drift_ppm: f64) -> (Fault, Fault) {
        let jumped = match offset {
            ClockOffset::Ahead(d) => self.start + d,
            ClockOffset::Behind(d) => {
                SimTime::from_nanos(self.start.as_nanos().saturating_sub(d.as_nanos() as u64))
            }
        };
        let clock = LocalClock { anchor_true: self.start, anchor_local: jumped, drift_ppm };
        let reading = clock.read(self.end);
        let back = if reading >= self.end {
            ClockOffset::Behind(reading - self.end)
        } else {
            ClockOffset::Ahead(self.end - reading)
        };
        (
            Fault::ClockSkew { node, offset, drift_ppm },
            Fault::ClockSkew { node, offset: back, drift_ppm: 0.0 },
        )
    }

    /// The nodes this episode makes unavailable while it lasts.
    pub fn down_nodes(&self) -> Vec<NodeId> {
        match &self.kind {
            EpisodeKind::Crash { node } | EpisodeKind::Pause { node } => vec![*node],
            EpisodeKind::Partition { isolated } => isolated.clone(),
            EpisodeKind::CutOneWay { .. }
            | EpisodeKind::ClockSkew { .. }
            | EpisodeKind::SlowNode { .. }
            | EpisodeKind::DegradeLink { .. } => Vec::new(),
        }
    }

    /// True while the episode's fault is in force: from `start`, until just
    /// before `end`.
    pub fn is_active_at(&self, time: SimTime) -> bool {
        self.start <= time && time < self.end
    }

    fn resource(&self) -> Resource {
        match &self.kind {
            EpisodeKind::Crash { node } | EpisodeKind::Pause { node } => Resource::Process(*node),
            EpisodeKind::Partition { .. } | EpisodeKind::CutOneWay { .. } => Resource::Network,
            EpisodeKind::ClockSkew { node, .. } => Resource::Clock(*node),
            EpisodeKind::SlowNode { node, .. } => Resource::Speed(*node),
            EpisodeKind::DegradeLink { a, b, .. } => Resource::Link((*a).min(*b), (*a).max(*b)),
        }
    }

    fn overlaps(&self, other: &Episode) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl fmt::Display for Episode {
    /// `1.2s..1.7s  crash n3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = format!("{:?}..{:?}", self.start.since_start(), self.end.since_start());
        write!(f, "{span:<14}  {}", self.kind)
    }
}

impl fmt::Display for EpisodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EpisodeKind::Crash { node } => write!(f, "crash {node}"),
            EpisodeKind::Pause { node } => write!(f, "pause {node}"),
            EpisodeKind::Partition { isolated } => {
                let names: Vec<String> = isolated.iter().map(NodeId::to_string).collect();
                write!(f, "partition {} | the rest", names.join(" "))
            }
            EpisodeKind::CutOneWay { from, to } => write!(f, "cut {from} -> {to} (one way)"),
            EpisodeKind::ClockSkew { node, offset, drift_ppm } => {
                let jump = match offset {
                    ClockOffset::Ahead(d) => format!("+{d:?}"),
                    ClockOffset::Behind(d) => format!("-{d:?}"),
                };
                write!(f, "clock {node} {jump}")?;
                if *drift_ppm != 0.0 {
                    write!(f, ", drifting {drift_ppm:+} ppm")?;
                }
                Ok(())
            }
            EpisodeKind::SlowNode { node, extra } => write!(f, "slow {node} (+{extra:?} per message)"),
            EpisodeKind::DegradeLink { a, b, latency, loss_probability } => {
                write!(f, "degrade {a} <-> {b} ({latency:?}, {:.0}% loss)", loss_probability * 100.0)
            }
        }
    }
}

/// A list of [`Episode`]s, in order of start: what [`fault_schedule`]
/// generates. Its `Debug` and `Display` print one episode per line, so a
/// failing case reads as a timeline.
///
/// ```
/// use weft_sim::testing::{Episode, EpisodeKind, FaultSchedule};
/// use weft_sim::{Fault, NodeId, SimTime};
///
/// let crash = Episode {
///     start: SimTime::from_millis(200),
///     end: SimTime::from_millis(700),
///     kind: EpisodeKind::Crash { node: NodeId::new(1) },
/// };
/// let schedule = FaultSchedule::new(vec![crash]);
/// assert_eq!(schedule.to_string(), "1 fault episode:\n    200ms..700ms    crash n1\n");
/// let faults = schedule.faults();
/// assert!(matches!(faults[1], (t, Fault::Restart { .. }) if t == SimTime::from_millis(700)));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct FaultSchedule {
    episodes: Vec<Episode>,
}

impl FaultSchedule {
    /// A schedule of `episodes` (sorted here by start time; episodes that
    /// start together keep their order).
    pub fn new(mut episodes: Vec<Episode>) -> FaultSchedule {
        debug_assert!(episodes.iter().all(|e| e.start < e.end), "every episode ends after it starts");
        episodes.sort_by_key(|e| e.start);
        FaultSchedule { episodes }
    }

    /// The episodes, in order of start.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    /// True if the schedule has no episode.
    pub fn is_empty(&self) -> bool {
        self.episodes.is_empty()
    }

    /// Every fault of every episode with its time, in time order. Where an
    /// episode ends at the moment another begins, the end comes first: a
    /// node restarted at 500 ms can then be paused at 500 ms.
    pub fn faults(&self) -> Vec<(SimTime, Fault)> {
        // (time, 0 for an undo and 1 for a start, episode index).
        let mut keyed: Vec<((SimTime, u8, usize), Fault)> = Vec::with_capacity(2 * self.episodes.len());
        for (index, episode) in self.episodes.iter().enumerate() {
            let [(start, begin), (end, undo)] = episode.faults();
            keyed.push(((start, 1, index), begin));
            keyed.push(((end, 0, index), undo));
        }
        keyed.sort_by_key(|(key, _)| *key);
        keyed.into_iter().map(|((time, _, _), fault)| (time, fault)).collect()
    }

    /// Schedules every fault on `builder` (with
    /// [`SimBuilder::fault_at`]), in the order of [`FaultSchedule::faults`].
    pub fn apply<N: Node, Q: QueueKind>(&self, builder: SimBuilder<N, Q>) -> SimBuilder<N, Q> {
        self.faults().into_iter().fold(builder, |builder, (time, fault)| builder.fault_at(time, fault))
    }

    /// The nodes unavailable at `time`: crashed, paused, or cut off by a
    /// partition.
    pub fn down_at(&self, time: SimTime) -> BTreeSet<NodeId> {
        self.episodes.iter().filter(|e| e.is_active_at(time)).flat_map(Episode::down_nodes).collect()
    }

    /// When the last episode ends: from then on, every fault is undone.
    /// [`SimTime::ZERO`] for an empty schedule.
    pub fn healed_at(&self) -> SimTime {
        self.episodes.iter().map(|e| e.end).max().unwrap_or(SimTime::ZERO)
    }
}

impl fmt::Display for FaultSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.episodes.len() {
            0 => return writeln!(f, "no faults"),
            1 => writeln!(f, "1 fault episode:")?,
            n => writeln!(f, "{n} fault episodes:")?,
        }
        for episode in &self.episodes {
            writeln!(f, "    {episode}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for FaultSchedule {
    /// The same timeline as `Display`: proptest prints failing inputs with
    /// `Debug`, and a timeline is what a reader needs there.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Random schedules within `budget`, each episode undone by `budget.window.end`.
///
/// Draws a list of episodes freely, then keeps, in order of start, those
/// that fit: an episode is dropped if it would take more than `max_down`
/// nodes down at once, or overlap another that uses the same thing (two
/// faults on one node's process, clock, speed or link; two partitions or
/// cuts, since one heal ends them all). Shrinking removes episodes, makes
/// them shorter and moves them earlier, and simplifies their targets.
///
/// Panics if the budget is impossible: no nodes, or a window shorter than a
/// millisecond.
pub fn fault_schedule(budget: FaultBudget) -> impl Strategy<Value = FaultSchedule> {
    assert!(budget.nodes > 0, "a fault budget needs at least one node");
    assert!(
        budget.window.end.saturating_since(budget.window.start) >= Duration::from_millis(1),
        "a fault budget's window must be at least 1 ms long, got {:?}",
        budget.window
    );
    let max_down = budget.max_down;
    match episode(&budget) {
        Some(episode) => proptest::collection::vec(episode, 0..=budget.max_episodes)
            .prop_map(move |drawn| FaultSchedule::new(fit(drawn, max_down)))
            .boxed(),
        None => Just(FaultSchedule::default()).boxed(),
    }
}

/// Keeps the episodes of `drawn` that fit with those kept before them, in
/// order of start.
///
/// Checking each newcomer at its own start time is enough: every episode
/// kept so far started no later, so the ones it overlaps are exactly those
/// still active then, and the set of nodes down only grows when an episode
/// starts.
fn fit(mut drawn: Vec<Episode>, max_down: usize) -> Vec<Episode> {
    drawn.sort_by_key(|e| e.start);
    let mut kept: Vec<Episode> = Vec::with_capacity(drawn.len());
    for candidate in drawn {
        let active: Vec<&Episode> = kept.iter().filter(|e| e.overlaps(&candidate)).collect();
        if active.iter().any(|e| e.resource() == candidate.resource()) {
            continue;
        }
        let mut down: BTreeSet<NodeId> = active.iter().flat_map(|e| e.down_nodes()).collect();
        down.extend(candidate.down_nodes());
        if down.len() > max_down {
            continue;
        }
        kept.push(candidate);
    }
    kept
}

/// One episode of any kind the budget allows, not yet checked against the
/// others; `None` if it allows none.
fn episode(budget: &FaultBudget) -> Option<BoxedStrategy<Episode>> {
    let n = budget.nodes as u32;
    let node = move || (0..n).prop_map(NodeId::new);
    // Two different nodes; shrinks towards neighbours.
    let pair =
        move || (0..n, 1..n.max(2)).prop_map(move |(a, hop)| (NodeId::new(a), NodeId::new((a + hop) % n)));
    let ms = |d: Duration| d.as_millis().min(u128::from(u64::MAX)) as u64;
    let two_nodes = budget.nodes >= 2;
    let can_go_down = budget.max_down > 0;

    let mut kinds: Vec<BoxedStrategy<EpisodeKind>> = Vec::new();
    if budget.crashes && can_go_down {
        kinds.push(node().prop_map(|node| EpisodeKind::Crash { node }).boxed());
    }
    if budget.pauses && can_go_down {
        kinds.push(node().prop_map(|node| EpisodeKind::Pause { node }).boxed());
    }
    if budget.partitions && can_go_down && two_nodes {
        let all: Vec<NodeId> = (0..n).map(NodeId::new).collect();
        let most = budget.max_down.min(budget.nodes - 1);
        let isolated = proptest::sample::subsequence(all, 1..=most);
        kinds.push(isolated.prop_map(|isolated| EpisodeKind::Partition { isolated }).boxed());
    }
    if budget.one_way_cuts && two_nodes {
        kinds.push(pair().prop_map(|(from, to)| EpisodeKind::CutOneWay { from, to }).boxed());
    }
    if let Some(jump_max) = budget.clock_jumps {
        let drift_max = budget.clock_drift_max_ppm.abs().floor() as i64;
        let clock = (node(), any::<bool>(), 0..=ms(jump_max), -drift_max..=drift_max);
        kinds.push(
            clock
                .prop_map(|(node, behind, jump_ms, drift)| {
                    let jump = Duration::from_millis(jump_ms);
                    let offset = if behind { ClockOffset::Behind(jump) } else { ClockOffset::Ahead(jump) };
                    EpisodeKind::ClockSkew { node, offset, drift_ppm: drift as f64 }
                })
                .boxed(),
        );
    }
    if let Some(extra_max) = budget.slow_nodes {
        let slow = (node(), 1..=ms(extra_max).max(1));
        kinds.push(
            slow.prop_map(|(node, extra_ms)| EpisodeKind::SlowNode {
                node,
                extra: Duration::from_millis(extra_ms),
            })
            .boxed(),
        );
    }
    if let (Some(latency_max), true) = (budget.degraded_links, two_nodes) {
        // Loss in whole percent, so a failing case prints round numbers.
        let loss_max_percent = (budget.degraded_loss_max.clamp(0.0, 1.0) * 100.0).floor() as u32;
        let link = (pair(), 1..=ms(latency_max).max(1), 0..=loss_max_percent);
        kinds.push(
            link.prop_map(|((a, b), latency_ms, loss_percent)| EpisodeKind::DegradeLink {
                a: a.min(b),
                b: a.max(b),
                latency: Duration::from_millis(latency_ms),
                loss_probability: f64::from(loss_percent) / 100.0,
            })
            .boxed(),
        );
    }
    if kinds.is_empty() {
        return None;
    }

    let (start, end) = (budget.window.start, budget.window.end);
    let window_ms = ms(end - start);
    let longest_ms = ms(budget.longest).clamp(1, window_ms);
    let timed =
        (Union::new(kinds), 0..window_ms, 1..=longest_ms).prop_map(move |(kind, offset_ms, length_ms)| {
            let begins = start + Duration::from_millis(offset_ms);
            let ends = (begins + Duration::from_millis(length_ms)).min(end);
            Episode { start: begins, end: ends, kind }
        });
    Some(timed.boxed())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::test_runner::{Config, TestError, TestRng, TestRunner};
    use serde::Serialize;

    use super::*;
    use crate::{Ctx, NodeStatus, Sim};

    const MS: fn(u64) -> Duration = Duration::from_millis;

    /// Every kind of episode on, with small strengths.
    fn everything(nodes: usize, max_down: usize) -> FaultBudget {
        FaultBudget {
            max_episodes: 12,
            longest: MS(1000),
            max_down,
            one_way_cuts: true,
            clock_jumps: Some(MS(300)),
            clock_drift_max_ppm: 500.0,
            slow_nodes: Some(MS(20)),
            degraded_links: Some(MS(20)),
            degraded_loss_max: 0.5,
            ..FaultBudget::new(nodes, SimTime::from_millis(500)..SimTime::from_secs(3))
        }
    }

    /// A budget of random size and kinds, with a schedule drawn from it.
    fn budget_and_schedule() -> impl Strategy<Value = (FaultBudget, FaultSchedule)> {
        (1usize..8, 0usize..8, any::<[bool; 7]>())
            .prop_map(|(nodes, max_down, on)| {
                let all = everything(nodes, max_down.min(nodes));
                FaultBudget {
                    crashes: on[0],
                    pauses: on[1],
                    partitions: on[2],
                    one_way_cuts: on[3],
                    clock_jumps: all.clock_jumps.filter(|_| on[4]),
                    slow_nodes: all.slow_nodes.filter(|_| on[5]),
                    degraded_links: all.degraded_links.filter(|_| on[6]),
                    ..all
                }
            })
            .prop_flat_map(|budget| (Just(budget.clone()), fault_schedule(budget)))
    }

    fn allowed(budget: &FaultBudget, kind: &EpisodeKind) -> bool {
        match kind {
            EpisodeKind::Crash { .. } => budget.crashes,
            EpisodeKind::Pause { .. } => budget.pauses,
            EpisodeKind::Partition { isolated } => {
                budget.partitions && !isolated.is_empty() && isolated.len() < budget.nodes
            }
            EpisodeKind::CutOneWay { from, to } => budget.one_way_cuts && from != to,
            EpisodeKind::ClockSkew { offset, drift_ppm, .. } => {
                let (ClockOffset::Ahead(jump) | ClockOffset::Behind(jump)) = *offset;
                budget.clock_jumps.is_some_and(|max| jump <= max)
                    && drift_ppm.abs() <= budget.clock_drift_max_ppm
            }
            EpisodeKind::SlowNode { extra, .. } => budget.slow_nodes.is_some_and(|max| *extra <= max),
            EpisodeKind::DegradeLink { a, b, latency, loss_probability } => {
                budget.degraded_links.is_some_and(|max| *latency <= max)
                    && a != b
                    && *loss_probability <= budget.degraded_loss_max
            }
        }
    }

    proptest! {
        #[test]
        fn schedules_respect_their_budget((budget, schedule) in budget_and_schedule()) {
            let episodes = schedule.episodes();
            prop_assert!(episodes.len() <= budget.max_episodes);
            prop_assert!(episodes.windows(2).all(|w| w[0].start <= w[1].start), "sorted by start");
            for (i, e) in episodes.iter().enumerate() {
                prop_assert!(budget.window.start <= e.start && e.start < e.end && e.end <= budget.window.end,
                    "{e} is not inside the window {:?}", budget.window);
                prop_assert!(e.end - e.start <= budget.longest, "{e} lasts too long");
                prop_assert!(allowed(&budget, &e.kind), "{e} is not allowed by {budget:?}");
                let named = e.faults().into_iter().flat_map(|(_, fault)| fault.nodes());
                prop_assert!(named.into_iter().all(|n| n.index() < budget.nodes), "{e} names a missing node");
                // The set of nodes down only grows when an episode starts.
                let down = schedule.down_at(e.start);
                prop_assert!(down.len() <= budget.max_down, "{} down at {:?}: {down:?}", down.len(), e.start);
                for other in &episodes[i + 1..] {
                    prop_assert!(!(e.overlaps(other) && e.resource() == other.resource()),
                        "{e} and {other} fight over the same thing");
                }
            }
            let faults = schedule.faults();
            prop_assert_eq!(faults.len(), 2 * episodes.len());
            prop_assert!(faults.windows(2).all(|w| w[0].0 <= w[1].0), "faults in time order");
            prop_assert!(schedule.healed_at() <= budget.window.end);
            prop_assert!(schedule.down_at(budget.window.end).is_empty());
        }

        #[test]
        fn every_fault_is_undone_by_the_window_end(schedule in fault_schedule(everything(5, 2))) {
            let end = SimTime::from_secs(3);
            let builder = Sim::builder(3).nodes(5, |_| Chatter).link(LinkModel::new(Latency::constant(MS(1))));
            let mut sim = schedule.apply(builder).build().expect("the schedule names only existing nodes");
            let _ = sim.run_until(end);
            for id in (0..5).map(NodeId::new) {
                prop_assert_eq!(sim.status(id), NodeStatus::Up, "{} is still down", id);
                prop_assert_eq!(sim.local_time(id), sim.now(), "{}'s clock was not set back", id);
            }
            // Give messages sent into the faults time to land, then watch a
            // while: nothing may be lost to a partition, a cut or a lossy link.
            let _ = sim.run_until(end + MS(100));
            let (dropped, delivered) = (sim.stats().messages_dropped(), sim.stats().messages_delivered);
            let _ = sim.run_until(end + MS(300));
            prop_assert_eq!(sim.stats().messages_dropped(), dropped, "messages still dropped after healing");
            // 20 rounds of 5 nodes telling 4 others.
            prop_assert_eq!(sim.stats().messages_delivered - delivered, 20 * 5 * 4);
        }
    }

    /// Tells every other node something every 10 ms.
    #[derive(Debug)]
    struct Chatter;

    impl Node for Chatter {
        type Message = ();
        type Timer = ();
        type Observation = ();
        type Durable = ();
        fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
            ctx.set_timer(MS(10), ());
        }
        fn on_message(&mut self, _: NodeId, _: (), _: &mut Ctx<'_, Self>) {}
        fn on_timer(&mut self, _: (), ctx: &mut Ctx<'_, Self>) {
            for other in ctx.neighbours() {
                ctx.send(other, ());
            }
            ctx.set_timer(MS(10), ());
        }
    }

    /// The module example's gossip with its bug put back: it tells the others
    /// only when it learns something, so a node that restarts after the news
    /// went round never hears it.
    #[derive(Debug)]
    struct ForgetfulGossip {
        largest: u64,
    }

    #[derive(Clone, Debug, Hash, Serialize)]
    struct Never;

    impl Node for ForgetfulGossip {
        type Message = u64;
        type Timer = Never;
        type Observation = u64;
        type Durable = ();
        fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
            ctx.emit(self.largest);
            for other in ctx.neighbours() {
                ctx.send(other, self.largest);
            }
        }
        fn on_message(&mut self, _: NodeId, number: u64, ctx: &mut Ctx<'_, Self>) {
            if number > self.largest {
                self.largest = number;
                ctx.emit(number);
                for other in ctx.neighbours() {
                    ctx.send(other, number);
                }
            }
        }
        fn on_timer(&mut self, _: Never, _: &mut Ctx<'_, Self>) {}
    }

    #[test]
    fn a_failing_property_is_reported_with_its_shrunk_schedule() {
        let budget = FaultBudget {
            pauses: false,
            partitions: false,
            ..FaultBudget::new(5, SimTime::ZERO..SimTime::from_secs(3))
        };
        let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
        let mut runner =
            TestRunner::new_with_rng(config.clone(), TestRng::deterministic_rng(config.rng_algorithm));
        let result = runner.run(&fault_schedule(budget), |schedule| {
            let builder =
                Sim::builder(1).nodes(5, |id| ForgetfulGossip { largest: u64::from(id.as_u32()) * 10 });
            let mut sim = schedule.apply(builder).build().expect("valid");
            let mut known = [0; 5];
            let _ = sim.run_until(|sim: &Sim<ForgetfulGossip>| {
                for (node, number) in sim.observations() {
                    known[node.index()] = *number;
                }
                false
            });
            prop_assert_eq!(known, [40; 5]);
            Ok(())
        });
        let Err(TestError::Fail(why, schedule)) = result else {
            panic!("a node restarted after the news never hears it, yet the property held: {result:?}");
        };
        assert!(why.message().contains("[40, 40, 40, 40, 40]"), "{why}");
        // Shrunk to one crash, as early and short as still fails, of a node
        // that did not hold the largest number. Shorter crashes pass: the
        // news sent at 0 ms lands at 1 ms and is forwarded to land at 2 ms, so
        // n0 restarted by then still hears it.
        assert_eq!(format!("{schedule:?}"), "1 fault episode:\n    0ns..3ms        crash n0\n");
    }
}

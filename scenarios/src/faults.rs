//! The fault timeline: what breaks, when, and to whom.
//!
//! A scenario's faults are *plans*: "at 2 s, crash the leader", "at 3 s,
//! split the cluster into a majority and a minority". The target of a plan
//! is resolved when it fires, against the run as it is then: who leads,
//! who is crashed, which nodes a random draw picks. That is how a teacher
//! writes "crash the leader" without knowing, before the run, who it will be.
//!
//! Partitions come in the shapes Jepsen's nemeses made standard:
//!
//! | shape | what it does |
//! | --- | --- |
//! | `halves` | two random halves that cannot talk |
//! | `isolate-one` | one node (random, or the target) cut off from all |
//! | `majority-minority` | a random minority cut off from the majority |
//! | `bridge` | two halves, and one node that talks to both |
//! | `ring` | every node sees a majority, but no two nodes the same one (from 4 nodes up) |
//!
//! `bridge` and `ring` are not splits into groups (talking is not
//! transitive in them), so they are made of one-way cuts in both directions.
//!
//! When a plan fires, [`resolve`] also returns its *concrete* version: the
//! same action with every choice it made written in (the nodes a `random`
//! or `leader` target named, the groups of `halves`, the order of a `ring`).
//! The driver records these on the run's report (`faults_fired`), and a
//! scenario whose faults are that list, with no nemesis, replays the same
//! run with the same seed without drawing from the fault stream at all: that
//! is how `weft shrink` turns a failing random run into a file to edit.
//!
//! A **nemesis** adds random faults: at exponentially distributed gaps it
//! draws a kind of fault, applies it to random targets, and undoes it a
//! while later. Every draw comes from the run's fault stream, so a seed
//! replays its faults exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use weft_sim::{ClockOffset, Fault, Latency, LinkModel, NodeId, SimTime};

use crate::network::LinkPatch;

/// A planned fault: what happens, and when.
#[derive(Clone, Debug)]
pub struct PlannedFault {
    /// When it fires.
    pub at: SimTime,
    /// What it does.
    pub action: FaultAction,
    /// If set, the fault is undone this long after it fires (a crash is
    /// restarted, a partition healed, ...), on the same nodes.
    pub lasting: Option<Duration>,
}

/// Who a fault applies to, resolved when it fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The current leader (for patterns that elect one); nobody if there is
    /// none at that moment.
    Leader,
    /// One node, drawn from the fault stream among those the fault can
    /// affect (a running node for a crash, a crashed one for a restart).
    Random,
    /// A random minority: the most nodes whose loss leaves a majority.
    Minority,
    /// Every node that is crashed (for restarts).
    Crashed,
    /// Every node that is paused (for resumes).
    Paused,
    /// Every node.
    All,
    /// These nodes, by name (a node, a group or a role).
    Nodes(Vec<NodeId>),
}

/// The named partition shapes; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Two random halves.
    Halves,
    /// One node alone: the target, or a random node.
    IsolateOne(Target),
    /// A random minority against the majority.
    MajorityMinority,
    /// Two halves joined through one node. With an order (every node once),
    /// the first half, the bridge and the second half are laid out in that
    /// order; without one, the order is drawn from the fault stream.
    Bridge(Option<Vec<NodeId>>),
    /// Overlapping majorities around a ring. With an order (every node
    /// once), that is the ring; without one, it is drawn from the fault
    /// stream.
    Ring(Option<Vec<NodeId>>),
    /// These groups, as written.
    Groups(Vec<Vec<NodeId>>),
}

/// The names of the partition shapes, as scenario files write them.
pub const SHAPES: &[&str] = &["halves", "isolate-one", "majority-minority", "bridge", "ring"];

/// What a fault does.
#[derive(Clone, Debug)]
pub enum FaultAction {
    /// Crash the targets.
    Crash(Target),
    /// Restart the targets from their durable storage.
    Restart(Target),
    /// Freeze the targets.
    Pause(Target),
    /// Unfreeze the targets.
    Resume(Target),
    /// Partition the network.
    Partition(Shape),
    /// Drop every message from each of `from` to each of `to`.
    Cut {
        /// The senders.
        from: Vec<NodeId>,
        /// The receivers.
        to: Vec<NodeId>,
    },
    /// Remove every partition and cut.
    Heal,
    /// Jump the targets' clocks and set their drift.
    Clock {
        /// Whose clocks.
        target: Target,
        /// The jump.
        offset: ClockOffset,
        /// The drift, in parts per million.
        drift_ppm: f64,
    },
    /// Slow the targets down by `extra` per message.
    Slow {
        /// Who.
        target: Target,
        /// The added processing delay.
        extra: Latency,
    },
    /// Return the targets to full speed.
    RestoreSpeed(Target),
    /// Degrade every link between `a` and `b`.
    Degrade {
        /// One side.
        a: Vec<NodeId>,
        /// The other side.
        b: Vec<NodeId>,
        /// What changes on those links.
        patch: LinkPatch,
    },
    /// Restore every link between `a` and `b`.
    RestoreLink {
        /// One side.
        a: Vec<NodeId>,
        /// The other side.
        b: Vec<NodeId>,
    },
}

impl FaultAction {
    /// The action's name, as a scenario file writes its key.
    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::Crash(_) => "crash",
            FaultAction::Restart(_) => "restart",
            FaultAction::Pause(_) => "pause",
            FaultAction::Resume(_) => "resume",
            FaultAction::Partition(_) => "partition",
            FaultAction::Cut { .. } => "cut",
            FaultAction::Heal => "heal",
            FaultAction::Clock { .. } => "clock",
            FaultAction::Slow { .. } => "slow",
            FaultAction::RestoreSpeed(_) => "restore-speed",
            FaultAction::Degrade { .. } => "degrade",
            FaultAction::RestoreLink { .. } => "restore-link",
        }
    }

    /// True if the action makes things better: the end of a fault.
    pub fn heals(&self) -> bool {
        matches!(
            self,
            FaultAction::Restart(_)
                | FaultAction::Resume(_)
                | FaultAction::Heal
                | FaultAction::RestoreSpeed(_)
                | FaultAction::RestoreLink { .. }
        )
    }

    /// True if `lasting` makes sense for the action: it has an undo.
    pub fn can_last(&self) -> bool {
        matches!(
            self,
            FaultAction::Crash(_)
                | FaultAction::Pause(_)
                | FaultAction::Partition(_)
                | FaultAction::Cut { .. }
                | FaultAction::Slow { .. }
                | FaultAction::Degrade { .. }
        )
    }
}

/// The state of the run a target is resolved against.
#[derive(Debug)]
pub struct World<'a> {
    /// How many nodes.
    pub nodes: usize,
    /// Is node `i` crashed?
    pub crashed: &'a [bool],
    /// Is node `i` paused?
    pub paused: &'a [bool],
    /// The current leader, if the pattern has one.
    pub leader: Option<NodeId>,
    /// The default link model.
    pub default_link: &'a LinkModel,
    /// The links whose model differs from the default (`a < b`): a
    /// degradation patches what the link is, not what the default is.
    pub configured_links: &'a BTreeMap<(NodeId, NodeId), LinkModel>,
}

/// A planned action, resolved when it fires.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The engine faults to apply now.
    pub apply: Vec<Fault>,
    /// The engine faults that undo them (for `lasting`).
    pub undo: Vec<Fault>,
    /// The action with every choice made: targets as the nodes they named,
    /// random shapes as their groups or order. Resolving it again gives the
    /// same `apply` and `undo` whatever the run's state, and draws nothing
    /// from the fault stream.
    pub concrete: FaultAction,
}

/// Turns a planned action into engine faults, resolving its targets now
/// against `world`, and drawing random choices from `rng`.
pub fn resolve(action: &FaultAction, world: &World<'_>, rng: &mut ChaCha8Rng) -> Resolved {
    let every = |f: fn(NodeId) -> Fault, nodes: &[NodeId]| nodes.iter().map(|n| f(*n)).collect::<Vec<_>>();
    let up = |i: usize| !world.crashed[i];
    let named = |nodes: &[NodeId]| Target::Nodes(nodes.to_vec());
    let (apply, undo, concrete) = match action {
        FaultAction::Crash(target) => {
            let nodes = pick(target, world, rng, up);
            let (apply, undo) =
                (every(|node| Fault::Crash { node }, &nodes), every(|node| Fault::Restart { node }, &nodes));
            (apply, undo, FaultAction::Crash(named(&nodes)))
        }
        FaultAction::Restart(target) => {
            let nodes = pick(target, world, rng, |i| world.crashed[i]);
            (every(|node| Fault::Restart { node }, &nodes), Vec::new(), FaultAction::Restart(named(&nodes)))
        }
        FaultAction::Pause(target) => {
            let nodes = pick(target, world, rng, |i| up(i) && !world.paused[i]);
            let (apply, undo) =
                (every(|node| Fault::Pause { node }, &nodes), every(|node| Fault::Resume { node }, &nodes));
            (apply, undo, FaultAction::Pause(named(&nodes)))
        }
        FaultAction::Resume(target) => {
            let nodes = pick(target, world, rng, |i| world.paused[i]);
            (every(|node| Fault::Resume { node }, &nodes), Vec::new(), FaultAction::Resume(named(&nodes)))
        }
        FaultAction::Partition(shape) => {
            let (faults, shape) = partition(shape, world, rng);
            (faults, vec![Fault::Heal], FaultAction::Partition(shape))
        }
        FaultAction::Cut { from, to } => (cuts(from, to, false), vec![Fault::Heal], action.clone()),
        FaultAction::Heal => (vec![Fault::Heal], Vec::new(), action.clone()),
        FaultAction::Clock { target, offset, drift_ppm } => {
            let nodes = pick(target, world, rng, |_| true);
            let faults =
                nodes.iter().map(|&node| Fault::ClockSkew { node, offset: *offset, drift_ppm: *drift_ppm });
            let concrete =
                FaultAction::Clock { target: named(&nodes), offset: *offset, drift_ppm: *drift_ppm };
            (faults.collect(), Vec::new(), concrete)
        }
        FaultAction::Slow { target, extra } => {
            let nodes = pick(target, world, rng, |_| true);
            let slow = nodes.iter().map(|&node| Fault::SlowNode { node, extra: extra.clone() }).collect();
            let concrete = FaultAction::Slow { target: named(&nodes), extra: extra.clone() };
            (slow, every(|node| Fault::RestoreSpeed { node }, &nodes), concrete)
        }
        FaultAction::RestoreSpeed(target) => {
            let nodes = pick(target, world, rng, |_| true);
            let concrete = FaultAction::RestoreSpeed(named(&nodes));
            (every(|node| Fault::RestoreSpeed { node }, &nodes), Vec::new(), concrete)
        }
        FaultAction::Degrade { a, b, patch } => {
            let pairs = pairs(a, b);
            let degrade = pairs.iter().map(|&(a, b)| {
                let base = world.configured_links.get(&(a, b)).unwrap_or(world.default_link);
                Fault::DegradeLink { a, b, link: patch.apply(base) }
            });
            let restore = pairs.iter().map(|&(a, b)| Fault::RestoreLink { a, b });
            (degrade.collect(), restore.collect(), action.clone())
        }
        FaultAction::RestoreLink { a, b } => {
            let restore = pairs(a, b).into_iter().map(|(a, b)| Fault::RestoreLink { a, b }).collect();
            (restore, Vec::new(), action.clone())
        }
    };
    Resolved { apply, undo, concrete }
}

/// The nodes a target names now. `eligible` says which nodes a random pick
/// may choose (a crash picks among running nodes).
fn pick(
    target: &Target,
    world: &World<'_>,
    rng: &mut ChaCha8Rng,
    eligible: impl Fn(usize) -> bool,
) -> Vec<NodeId> {
    let all = (0..world.nodes).map(|i| NodeId::new(i as u32));
    match target {
        Target::Leader => world.leader.into_iter().collect(),
        Target::Random => {
            let candidates: Vec<NodeId> = all.filter(|n| eligible(n.index())).collect();
            if candidates.is_empty() {
                Vec::new()
            } else {
                vec![candidates[rng.random_range(0..candidates.len())]]
            }
        }
        Target::Minority => {
            let mut nodes: Vec<NodeId> = all.collect();
            nodes.shuffle(rng);
            nodes.truncate(world.nodes.saturating_sub(1) / 2);
            nodes.sort();
            nodes
        }
        Target::Crashed => all.filter(|n| world.crashed[n.index()]).collect(),
        Target::Paused => all.filter(|n| world.paused[n.index()]).collect(),
        Target::All => all.collect(),
        Target::Nodes(nodes) => nodes.clone(),
    }
}

/// The engine faults that make a partition of the given shape, and the
/// shape with its random choices made.
fn partition(shape: &Shape, world: &World<'_>, rng: &mut ChaCha8Rng) -> (Vec<Fault>, Shape) {
    let n = world.nodes;
    if n < 2 {
        // Nothing to split, and nothing drawn.
        return (Vec::new(), shape.clone());
    }
    let mut shuffled: Vec<NodeId> = (0..n).map(|i| NodeId::new(i as u32)).collect();
    let groups = |mut groups: Vec<Vec<NodeId>>| {
        groups.iter_mut().for_each(|g| g.sort());
        (vec![Fault::Partition { groups: groups.clone() }], Shape::Groups(groups))
    };
    // The order a shape lays the nodes out in: as written, or drawn.
    let mut lay_out = |order: &Option<Vec<NodeId>>| match order {
        Some(order) => {
            debug_assert_eq!(order.len(), n, "a shape's order names every node once");
            order.clone()
        }
        None => {
            shuffled.shuffle(rng);
            shuffled.clone()
        }
    };
    match shape {
        Shape::Groups(written) => groups(written.clone()),
        Shape::Halves => {
            let mut first = lay_out(&None);
            let second = first.split_off(n / 2);
            groups(vec![first, second])
        }
        Shape::MajorityMinority => {
            let mut minority = lay_out(&None);
            let majority = minority.split_off(n.saturating_sub(1) / 2);
            groups(vec![minority, majority])
        }
        Shape::IsolateOne(target) => {
            let alone = pick(target, world, rng, |_| true);
            let concrete = Shape::IsolateOne(Target::Nodes(alone.first().copied().into_iter().collect()));
            match alone.first() {
                Some(&node) => (groups(vec![vec![node]]).0, concrete),
                None => (Vec::new(), concrete),
            }
        }
        Shape::Bridge(order) => {
            // Two halves; the bridge node (the first of the second half)
            // keeps its links to both.
            let order = lay_out(order);
            let mut first = order.clone();
            let mut second = first.split_off(n / 2);
            let bridge = second.remove(0);
            debug_assert!(!first.contains(&bridge) && !second.contains(&bridge));
            (cuts(&first, &second, true), Shape::Bridge(Some(order)))
        }
        Shape::Ring(order) => {
            // Nodes around a ring see those within `reach` places: itself and
            // 2·reach others, the smallest majority; the majorities overlap
            // without being equal.
            let ring = lay_out(order);
            let reach = (n / 2).div_ceil(2);
            let mut faults = Vec::new();
            for i in 0..n {
                for j in 0..n {
                    let distance = i.abs_diff(j).min(n - i.abs_diff(j));
                    if i != j && distance > reach {
                        faults.push(Fault::CutOneWay { from: ring[i], to: ring[j] });
                    }
                }
            }
            (faults, Shape::Ring(Some(ring)))
        }
    }
}

/// One-way cuts from each of `from` to each of `to`, and back if `both`.
fn cuts(from: &[NodeId], to: &[NodeId], both: bool) -> Vec<Fault> {
    let mut faults = Vec::new();
    for &a in from {
        for &b in to.iter().filter(|b| **b != a) {
            faults.push(Fault::CutOneWay { from: a, to: b });
            if both {
                faults.push(Fault::CutOneWay { from: b, to: a });
            }
        }
    }
    faults
}

/// Every unordered pair `(x, y)` with `x` in `a`, `y` in `b`, `x != y`,
/// each once.
fn pairs(a: &[NodeId], b: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    let mut pairs: Vec<(NodeId, NodeId)> = a
        .iter()
        .flat_map(|&x| b.iter().filter(move |&&y| y != x).map(move |&y| (x.min(y), x.max(y))))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Random faults for swarm testing.
#[derive(Clone, Debug, PartialEq)]
pub struct Nemesis {
    /// The kinds of fault it may draw, each with its weight: a fault is of
    /// a kind with odds weight / (sum of weights). Weights are at least 1
    /// (a kind of weight 0 is left out); all 1 when `faults` is a list.
    pub kinds: Vec<(NemesisKind, u32)>,
    /// The mean time between faults (gaps are exponential).
    pub every: Duration,
    /// How long each fault lasts before it is undone: uniform in this range.
    pub lasting: (Duration, Duration),
    /// When the nemesis starts.
    pub start: SimTime,
    /// When it stops: no fault starts after this.
    pub stop: SimTime,
    /// If true, each seed uses a random non-empty subset of `kinds` (swarm
    /// testing: some seeds only crash, some only partition, ...).
    pub swarm: bool,
}

/// The kinds of fault a nemesis draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NemesisKind {
    /// Crash a random node, restart it later.
    Crash,
    /// Pause a random node, resume it later.
    Pause,
    /// A partition of a random named shape, healed later.
    Partition,
    /// Jump a random node's clock by up to a second, either way.
    Clock,
    /// Slow a random node by 10–100 ms per message.
    Slow,
    /// Degrade a random link (latency 50–500 ms, 20% loss).
    Degrade,
}

impl NemesisKind {
    /// Every kind, by name.
    pub const ALL: &[(&'static str, NemesisKind)] = &[
        ("crash", NemesisKind::Crash),
        ("pause", NemesisKind::Pause),
        ("partition", NemesisKind::Partition),
        ("clock", NemesisKind::Clock),
        ("slow", NemesisKind::Slow),
        ("degrade", NemesisKind::Degrade),
    ];
}

impl Nemesis {
    /// The nemesis's faults for one run, drawn from the fault stream `rng`.
    /// Targets are `random`, resolved when each fault fires.
    pub fn plan(&self, nodes: usize, rng: &mut ChaCha8Rng) -> Vec<PlannedFault> {
        debug_assert!(self.kinds.iter().all(|(_, w)| *w > 0), "the loader leaves out kinds of weight 0");
        let mut kinds = self.kinds.clone();
        if self.swarm && kinds.len() > 1 {
            // Each kind is in with probability 1/2; never none.
            let chosen: Vec<(NemesisKind, u32)> =
                kinds.iter().copied().filter(|_| rng.random_bool(0.5)).collect();
            if chosen.is_empty() {
                let only = kinds[rng.random_range(0..kinds.len())];
                kinds = vec![only];
            } else {
                kinds = chosen;
            }
        }
        let mut plan = Vec::new();
        let mean_gap = self.every.as_secs_f64().max(1e-9);
        let mut at = self.start;
        loop {
            let gap = -rng.random::<f64>().max(f64::MIN_POSITIVE).ln() * mean_gap;
            at = at.saturating_add(Duration::from_secs_f64(gap));
            if at > self.stop || kinds.is_empty() {
                return plan;
            }
            let (low, high) = self.lasting;
            let lasting = if low < high { rng.random_range(low..high) } else { low };
            let kind = weighted_choice(&kinds, rng);
            let action = match kind {
                NemesisKind::Crash => FaultAction::Crash(Target::Random),
                NemesisKind::Pause => FaultAction::Pause(Target::Random),
                NemesisKind::Partition => FaultAction::Partition(match rng.random_range(0..5) {
                    0 => Shape::Halves,
                    1 => Shape::IsolateOne(Target::Random),
                    2 => Shape::MajorityMinority,
                    3 => Shape::Bridge(None),
                    _ => Shape::Ring(None),
                }),
                NemesisKind::Clock => {
                    let jump = Duration::from_millis(rng.random_range(1..=1000));
                    let offset = if rng.random_bool(0.5) {
                        ClockOffset::Ahead(jump)
                    } else {
                        ClockOffset::Behind(jump)
                    };
                    FaultAction::Clock { target: Target::Random, offset, drift_ppm: 0.0 }
                }
                NemesisKind::Slow => {
                    let extra = Latency::uniform(Duration::from_millis(10), Duration::from_millis(100))
                        .expect("10ms..100ms is a valid range");
                    FaultAction::Slow { target: Target::Random, extra }
                }
                NemesisKind::Degrade => {
                    // Two different nodes: b is drawn among the other n-1.
                    let a = rng.random_range(0..nodes as u32);
                    let b = (a + rng.random_range(1..nodes.max(2) as u32)) % nodes as u32;
                    let (a, b) = (NodeId::new(a), NodeId::new(b));
                    FaultAction::Degrade { a: vec![a], b: vec![b], patch: LinkPatch::degraded() }
                }
            };
            let lasting = action.can_last().then_some(lasting);
            plan.push(PlannedFault { at, action, lasting });
        }
    }
}

/// A kind drawn from `kinds` with odds proportional to their weights.
///
/// One draw of `0..total weight`, walked through the weights: with every
/// weight 1 that is a draw of `0..kinds.len()`, an index, exactly as an
/// unweighted choice makes it, so a list of kinds plans the same faults as
/// the same kinds all of weight 1.
fn weighted_choice(kinds: &[(NemesisKind, u32)], rng: &mut ChaCha8Rng) -> NemesisKind {
    // A `usize` draw, as an index is drawn (rand samples a `usize` range
    // its own portable way, not as a `u64` one).
    let total: usize = kinds.iter().map(|(_, w)| *w as usize).sum();
    let mut draw = rng.random_range(0..total);
    for (kind, weight) in kinds {
        if draw < *weight as usize {
            return *kind;
        }
        draw -= *weight as usize;
    }
    unreachable!("the draw is below the total weight")
}

#[cfg(test)]
mod tests {
    use weft_sim::rng::{Stream, stream_rng};

    use super::*;

    fn world(n: usize) -> (Vec<bool>, LinkModel) {
        (vec![false; n], LinkModel::default())
    }

    /// Who can talk to whom under `faults` (a partition or cuts).
    fn can_talk(faults: &[Fault], n: usize) -> Vec<Vec<bool>> {
        let mut talk = vec![vec![true; n]; n];
        for fault in faults {
            match fault {
                Fault::Partition { groups } => {
                    let side = |x: usize| {
                        groups.iter().position(|g| g.contains(&NodeId::new(x as u32))).unwrap_or(groups.len())
                    };
                    for (a, row) in talk.iter_mut().enumerate() {
                        for (b, can) in row.iter_mut().enumerate() {
                            *can &= side(a) == side(b);
                        }
                    }
                }
                Fault::CutOneWay { from, to } => talk[from.index()][to.index()] = false,
                other => panic!("not a partition: {other:?}"),
            }
        }
        talk
    }

    fn shape_faults(shape: Shape, n: usize, seed: u64) -> Vec<Fault> {
        let (flags, link) = world(n);
        let none = BTreeMap::new();
        let w = World {
            nodes: n,
            crashed: &flags,
            paused: &flags,
            leader: None,
            default_link: &link,
            configured_links: &none,
        };
        resolve(&FaultAction::Partition(shape), &w, &mut stream_rng(seed, Stream::Faults)).apply
    }

    #[test]
    fn every_shape_has_its_defining_property() {
        for n in [3usize, 4, 5, 6, 7, 8, 9] {
            for seed in 0..20 {
                let majority = n / 2 + 1;
                let sees = |faults: &[Fault]| -> Vec<usize> {
                    can_talk(faults, n).iter().map(|row| row.iter().filter(|t| **t).count()).collect()
                };
                let halves = sees(&shape_faults(Shape::Halves, n, seed));
                assert!(halves.iter().all(|s| *s == n / 2 || *s == n - n / 2), "halves n={n}: {halves:?}");

                let mm = sees(&shape_faults(Shape::MajorityMinority, n, seed));
                assert_eq!(mm.iter().filter(|s| **s >= majority).count(), n - (n - 1) / 2, "n={n}");

                let one = sees(&shape_faults(Shape::IsolateOne(Target::Random), n, seed));
                assert_eq!(one.iter().filter(|s| **s == 1).count(), 1, "isolate-one n={n}");

                let bridge = can_talk(&shape_faults(Shape::Bridge(None), n, seed), n);
                let bridges: Vec<usize> = (0..n).filter(|&i| bridge[i].iter().all(|t| *t)).collect();
                assert_eq!(bridges.len(), 1, "bridge n={n}: exactly one node talks to all");

                let ring = can_talk(&shape_faults(Shape::Ring(None), n, seed), n);
                for (i, row) in ring.iter().enumerate() {
                    assert!(
                        row.iter().filter(|t| **t).count() >= majority,
                        "ring n={n}: node {i} sees a majority"
                    );
                    assert!((0..n).all(|j| ring[i][j] == ring[j][i]), "ring cuts are symmetric");
                }
                // No two nodes see the same majority, so no majority can
                // act as one. Three nodes are the exception: two of three
                // is a majority, and symmetric links cannot give each node
                // exactly one other, so the ring leaves three nodes whole.
                if n >= 4 {
                    for i in 0..n {
                        for j in i + 1..n {
                            assert_ne!(
                                ring[i], ring[j],
                                "ring n={n} seed {seed}: nodes {i} and {j} see the same nodes"
                            );
                        }
                    }
                } else {
                    assert!(ring.iter().all(|row| row.iter().all(|t| *t)), "ring n=3 cuts nothing");
                }
            }
        }
    }

    #[test]
    fn concrete_actions_resolve_the_same_whatever_the_state_and_draw_nothing() {
        let n = 7;
        let link = LinkModel::default();
        let none = BTreeMap::new();
        // The run as it was when the plans fired: node 2 crashed, node 5
        // paused, node 3 leading.
        let crashed: Vec<bool> = (0..n).map(|i| i == 2).collect();
        let paused: Vec<bool> = (0..n).map(|i| i == 5).collect();
        let then = World {
            nodes: n,
            crashed: &crashed,
            paused: &paused,
            leader: Some(NodeId::new(3)),
            default_link: &link,
            configured_links: &none,
        };
        // A different moment: nothing down, no leader.
        let calm = vec![false; n];
        let later = World { crashed: &calm, paused: &calm, leader: None, ..then };
        let node = |i| NodeId::new(i);
        let mut actions = vec![
            FaultAction::Restart(Target::Crashed),
            FaultAction::Resume(Target::Paused),
            FaultAction::Heal,
            FaultAction::Cut { from: vec![node(0)], to: vec![node(1), node(4)] },
            FaultAction::Degrade { a: vec![node(1)], b: vec![node(6)], patch: LinkPatch::degraded() },
            FaultAction::RestoreLink { a: vec![node(1)], b: vec![node(6)] },
            FaultAction::Clock {
                target: Target::Random,
                offset: ClockOffset::Behind(Duration::from_millis(3)),
                drift_ppm: 5.0,
            },
            FaultAction::Slow { target: Target::Leader, extra: Latency::constant(Duration::from_millis(2)) },
            FaultAction::RestoreSpeed(Target::All),
        ];
        for target in
            [Target::Leader, Target::Random, Target::Minority, Target::All, Target::Nodes(vec![node(1)])]
        {
            actions.push(FaultAction::Crash(target.clone()));
            actions.push(FaultAction::Pause(target.clone()));
            actions.push(FaultAction::Partition(Shape::IsolateOne(target)));
        }
        for shape in [Shape::Halves, Shape::MajorityMinority, Shape::Bridge(None), Shape::Ring(None)] {
            actions.push(FaultAction::Partition(shape));
        }
        for seed in 0..10 {
            let mut rng = stream_rng(seed, Stream::Faults);
            for action in &actions {
                let first = resolve(action, &then, &mut rng);
                let mut untouched = stream_rng(seed + 100, Stream::Faults);
                let again = resolve(&first.concrete, &later, &mut untouched);
                assert_eq!(untouched.get_word_pos(), 0, "{action:?} drew from the stream when concrete");
                assert_eq!(
                    format!("{:?}", (&first.apply, &first.undo)),
                    format!("{:?}", (&again.apply, &again.undo)),
                    "{action:?} as {:?}",
                    first.concrete
                );
                assert_eq!(format!("{:?}", again.concrete), format!("{:?}", first.concrete), "a fixed point");
            }
        }
    }

    #[test]
    fn nemesis_plans_are_seeded_and_inside_their_window() {
        let nemesis = Nemesis {
            kinds: NemesisKind::ALL.iter().map(|(_, k)| (*k, 1)).collect(),
            every: Duration::from_millis(200),
            lasting: (Duration::from_millis(50), Duration::from_millis(100)),
            start: SimTime::from_secs(1),
            stop: SimTime::from_secs(5),
            swarm: false,
        };
        let plan = |seed| nemesis.plan(5, &mut stream_rng(seed, Stream::Faults));
        let a = plan(1);
        assert_eq!(format!("{a:?}"), format!("{:?}", plan(1)), "same seed, same plan");
        assert_ne!(format!("{a:?}"), format!("{:?}", plan(2)));
        // About 4 s / 200 ms = 20 faults.
        assert!((8..=40).contains(&a.len()), "{} faults", a.len());
        assert!(a.iter().all(|f| f.at > SimTime::from_secs(1) && f.at <= SimTime::from_secs(5)));
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn nemesis_weights_set_the_odds_of_each_kind() {
        let nemesis = |kinds: Vec<(NemesisKind, u32)>| Nemesis {
            kinds,
            every: Duration::from_millis(1),
            lasting: (Duration::from_millis(1), Duration::from_millis(2)),
            start: SimTime::ZERO,
            stop: SimTime::from_secs(10),
            swarm: false,
        };
        let count =
            |plan: &[PlannedFault], name: &str| plan.iter().filter(|f| f.action.name() == name).count();
        // Crashes three times as often as partitions: about 7,500 to 2,500.
        let weighted = nemesis(vec![(NemesisKind::Crash, 3), (NemesisKind::Partition, 1)]);
        let plan = weighted.plan(5, &mut stream_rng(1, Stream::Faults));
        let (crashes, partitions) = (count(&plan, "crash"), count(&plan, "partition"));
        assert_eq!(crashes + partitions, plan.len());
        let ratio = crashes as f64 / partitions as f64;
        assert!((2.7..3.3).contains(&ratio), "{crashes} crashes, {partitions} partitions");
        // Weights of 1 plan exactly what the same kinds with equal odds
        // always planned: one draw of 0..kinds per fault.
        let equal = nemesis(vec![(NemesisKind::Crash, 1), (NemesisKind::Partition, 1)]);
        let plan = equal.plan(5, &mut stream_rng(2, Stream::Faults));
        let mut rng = stream_rng(2, Stream::Faults);
        let mut at = SimTime::ZERO;
        for fault in &plan {
            let gap = -rng.random::<f64>().max(f64::MIN_POSITIVE).ln() * 0.001;
            at = at.saturating_add(Duration::from_secs_f64(gap));
            assert_eq!(fault.at, at);
            let _lasting = rng.random_range(Duration::from_millis(1)..Duration::from_millis(2));
            let expected = ["crash", "partition"][rng.random_range(0..2usize)];
            assert_eq!(fault.action.name(), expected);
            if expected == "partition" {
                let _shape = rng.random_range(0..5);
            }
        }
    }
}

//! The router: the ambassador between the clients and the shards.
//!
//! Clients know one address, the router's. The router holds the shard map,
//! sends each request to the key's owner under it, and retries when a shard
//! refuses (it is not the owner, the key is moving) or does not answer. It
//! also runs resharding, in two phases:
//!
//! 1. **prepare**: it proposes map `v+1` to every shard; each shard hands the
//!    keys it loses to their new owners and answers `Prepared` once every
//!    new owner has acknowledged them;
//! 2. **install**: when every shard of map `v` is prepared, `v+1` becomes the
//!    router's map (durably) and it tells every shard to serve under it.
//!
//! Requests keep going to the owners under `v` until the install: reads of
//! moving keys are served (their value is frozen), writes of moving keys are
//! refused and retried, and land on the new owner once `v+1` is installed.

use std::collections::{BTreeMap, BTreeSet};

use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::Sharding;
use crate::sharding::Config;
use crate::sharding::messages::{Answer, Message, Op, Reply, RequestId, Timer};
use crate::sharding::metrics;
use crate::sharding::observations::Observation;
use crate::sharding::ring::{Ring, ShardMap};

/// The router's disk: the map it routes by, and how far resharding got.
#[derive(Clone, Debug, Default)]
pub struct RouterDisk {
    /// The installed map (version 0: never started).
    pub map: ShardMap,
    /// The map before it, once a resharding has installed.
    pub previous: Option<ShardMap>,
    /// A proposed map being prepared.
    pub next: Option<ShardMap>,
    /// The scenario's resharding has been done (or started).
    pub resharded: bool,
}

/// Where resharding stands (rebuilt from the disk after a restart).
#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// Nothing to do.
    Idle,
    /// Waiting for `Prepared` from these shards of the current map.
    Preparing { awaiting: BTreeSet<u32> },
    /// Waiting for `Installed` from these shards.
    Installing { awaiting: BTreeSet<u32> },
}

/// A client request the router is working on.
#[derive(Debug)]
struct Pending {
    /// Who asked.
    client: NodeId,
    /// What.
    op: Op,
    /// The current attempt (1 for the first forward).
    attempt: u32,
    /// The shard of the current attempt.
    shard: u32,
    /// When the current attempt was sent (true time: for the latency metric
    /// only).
    sent_at: SimTime,
    /// On the router's clock: after this, give up.
    deadline: SimTime,
    /// The timer of the current attempt (timeout or retry).
    timer: Option<TimerId>,
}

/// The router node.
#[derive(Debug)]
pub struct Router {
    config: Config,
    /// A copy of the disk's map, and its ring.
    map: ShardMap,
    ring: Ring,
    phase: Phase,
    /// When the current resharding began (true time, for the metric).
    reshard_began: Option<SimTime>,
    pending: BTreeMap<RequestId, Pending>,
}

type RouterCtx<'a, 'b> = &'a mut Ctx<'b, Sharding>;

impl Router {
    /// A router for `config`.
    pub fn new(config: Config) -> Router {
        Router {
            config,
            map: ShardMap::default(),
            ring: Ring::default(),
            phase: Phase::Idle,
            reshard_began: None,
            pending: BTreeMap::new(),
        }
    }

    pub(super) fn on_start(&mut self, ctx: RouterCtx<'_, '_>) {
        if ctx.durable().router.map.version == 0 {
            ctx.durable().router.map = self.config.first_map();
        }
        let disk = ctx.durable().router.clone();
        self.set_map(disk.map.clone(), ctx);
        if let Some(next) = disk.next {
            // Crashed while preparing: ask again; shards answer idempotently.
            self.begin_prepare(next, ctx);
        } else if let Some(previous) = disk.previous {
            // Installed, but maybe not everyone heard: tell them again.
            self.begin_install(&previous, ctx);
        } else if !disk.resharded && self.config.next_map(&self.map).is_some() {
            let wait =
                SimTime::ZERO.saturating_add(self.config.reshard_at).saturating_since(ctx.local_time());
            ctx.set_timer(wait, Timer::StartReshard);
        }
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: RouterCtx<'_, '_>) {
        match msg {
            Message::Request { id, op } => {
                // A duplicate of a request in progress changes nothing.
                if self.pending.contains_key(&id) {
                    return;
                }
                let deadline = ctx.local_time().saturating_add(self.config.request_deadline);
                let pending = Pending {
                    client: from,
                    op,
                    attempt: 0,
                    shard: 0,
                    sent_at: ctx.now(),
                    deadline,
                    timer: None,
                };
                self.pending.insert(id, pending);
                self.dispatch(id, ctx);
            }
            Message::Reply { id, attempt, reply } => self.on_reply(from, id, attempt, reply, ctx),
            Message::Prepared { version } => {
                let Some(shard) = self.config.shard_of(from) else { return };
                let proposed = ctx.durable().router.next.as_ref().map(|m| m.version);
                if let Phase::Preparing { awaiting } = &mut self.phase
                    && proposed == Some(version)
                {
                    awaiting.remove(&shard);
                    if awaiting.is_empty() {
                        self.install(ctx);
                    }
                }
            }
            Message::Installed { version } => {
                let Some(shard) = self.config.shard_of(from) else { return };
                if let Phase::Installing { awaiting } = &mut self.phase
                    && version == self.map.version
                {
                    awaiting.remove(&shard);
                    if awaiting.is_empty() {
                        self.phase = Phase::Idle;
                    }
                }
            }
            // Not for a router.
            Message::Response { .. }
            | Message::Forward { .. }
            | Message::Prepare { .. }
            | Message::Handoff { .. }
            | Message::HandoffAck { .. }
            | Message::Install { .. } => {}
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: RouterCtx<'_, '_>) {
        match timer {
            Timer::StartReshard => {
                let disk = &ctx.durable().router;
                if disk.resharded || disk.next.is_some() {
                    return;
                }
                let Some(next) = self.config.next_map(&self.map) else { return };
                ctx.durable().router.resharded = true;
                ctx.durable().router.next = Some(next.clone());
                ctx.emit(Observation::ReshardStarted { version: next.version, shards: next.shards.clone() });
                self.reshard_began = Some(ctx.now());
                self.begin_prepare(next, ctx);
            }
            Timer::ReshardRetry => {
                let (awaiting, msg) = match &self.phase {
                    Phase::Idle => return,
                    Phase::Preparing { awaiting } => {
                        let next = ctx.durable().router.next.clone().expect("preparing: a map is proposed");
                        (awaiting.clone(), Message::Prepare { next })
                    }
                    Phase::Installing { awaiting } => {
                        (awaiting.clone(), Message::Install { map: self.map.clone() })
                    }
                };
                for shard in awaiting {
                    ctx.send(Config::shard_node(shard), msg.clone());
                }
                ctx.set_timer(self.config.shard_timeout, Timer::ReshardRetry);
            }
            Timer::ShardTimeout { id, attempt } => {
                if self.pending.get(&id).is_some_and(|p| p.attempt == attempt) {
                    self.retry_or_give_up(id, ctx);
                }
            }
            Timer::Retry { id } => {
                if self.pending.contains_key(&id) {
                    self.retry_or_give_up(id, ctx);
                }
            }
            Timer::HandoffRetry { .. } | Timer::Arrival { .. } | Timer::ClientTimeout { .. } => {}
        }
    }

    fn set_map(&mut self, map: ShardMap, ctx: RouterCtx<'_, '_>) {
        self.ring = Ring::of(&map, self.config.virtual_nodes);
        ctx.emit(Observation::MapInstalled { version: map.version, shards: map.shards.clone() });
        self.map = map;
    }

    /// Sends request `id` to its owner under the current map.
    fn dispatch(&mut self, id: RequestId, ctx: RouterCtx<'_, '_>) {
        let Some(pending) = self.pending.get_mut(&id) else { return };
        let shard = self.ring.owner(pending.op.key()).expect("a map always has a shard");
        pending.attempt += 1;
        pending.shard = shard;
        pending.sent_at = ctx.now();
        if pending.attempt > 1 {
            ctx.metrics().count(metrics::RETRIES);
        }
        ctx.metrics().count(metrics::FORWARDED);
        let msg =
            Message::Forward { id, attempt: pending.attempt, op: pending.op, version: self.map.version };
        ctx.send(Config::shard_node(shard), msg);
        let attempt = pending.attempt;
        pending.timer = Some(ctx.set_timer(self.config.shard_timeout, Timer::ShardTimeout { id, attempt }));
    }

    fn on_reply(&mut self, from: NodeId, id: RequestId, attempt: u32, reply: Reply, ctx: RouterCtx<'_, '_>) {
        let Some(pending) = self.pending.get_mut(&id) else { return };
        let answer = match reply {
            // An answer, even to an earlier attempt, answers the request.
            Reply::Value(value) => Answer::Value(value),
            Reply::Written => Answer::Written,
            Reply::Refused(_) => {
                // A refusal of an attempt already retried is old news.
                if attempt != pending.attempt {
                    return;
                }
                if let Some(timer) = pending.timer.take() {
                    ctx.cancel_timer(timer);
                }
                if ctx.local_time().saturating_add(self.config.retry_delay) > pending.deadline {
                    self.give_up(id, ctx);
                } else {
                    pending.timer = Some(ctx.set_timer(self.config.retry_delay, Timer::Retry { id }));
                }
                return;
            }
        };
        let pending = self.pending.remove(&id).expect("looked up above");
        if let Some(timer) = pending.timer {
            ctx.cancel_timer(timer);
        }
        if attempt == pending.attempt && self.config.shard_of(from) == Some(pending.shard) {
            let name = metrics::SHARD_LATENCY[pending.shard as usize];
            let latency = ctx.now() - pending.sent_at;
            ctx.metrics().record(name, latency);
        }
        ctx.send(pending.client, Message::Response { id, answer });
    }

    fn retry_or_give_up(&mut self, id: RequestId, ctx: RouterCtx<'_, '_>) {
        let past_deadline = self.pending.get(&id).is_some_and(|p| ctx.local_time() >= p.deadline);
        if past_deadline { self.give_up(id, ctx) } else { self.dispatch(id, ctx) }
    }

    fn give_up(&mut self, id: RequestId, ctx: RouterCtx<'_, '_>) {
        let Some(pending) = self.pending.remove(&id) else { return };
        if let Some(timer) = pending.timer {
            ctx.cancel_timer(timer);
        }
        ctx.metrics().count(metrics::UNAVAILABLE);
        ctx.send(pending.client, Message::Response { id, answer: Answer::Unavailable });
    }

    /// Phase 1: propose `next` to the shards of both maps, and wait for every
    /// shard of the current map to be prepared.
    fn begin_prepare(&mut self, next: ShardMap, ctx: RouterCtx<'_, '_>) {
        let everyone: BTreeSet<u32> = self.map.shards.iter().chain(&next.shards).copied().collect();
        for shard in everyone {
            ctx.send(Config::shard_node(shard), Message::Prepare { next: next.clone() });
        }
        self.phase = Phase::Preparing { awaiting: self.map.shards.iter().copied().collect() };
        ctx.set_timer(self.config.shard_timeout, Timer::ReshardRetry);
    }

    /// Phase 2: every loser is prepared, so every moving key is stored at its
    /// new owner: make the proposed map the map.
    fn install(&mut self, ctx: RouterCtx<'_, '_>) {
        let disk = &mut ctx.durable().router;
        let next = disk.next.take().expect("installing a proposed map");
        debug_assert_eq!(next.version, self.map.version + 1, "maps advance one version at a time");
        let previous = std::mem::replace(&mut disk.map, next.clone());
        disk.previous = Some(previous.clone());
        self.set_map(next, ctx);
        if let Some(began) = self.reshard_began.take() {
            let duration = ctx.now() - began;
            ctx.metrics().record(metrics::RESHARD_DURATION, duration);
        }
        self.begin_install(&previous, ctx);
    }

    fn begin_install(&mut self, previous: &ShardMap, ctx: RouterCtx<'_, '_>) {
        let everyone: BTreeSet<u32> = previous.shards.iter().chain(&self.map.shards).copied().collect();
        for shard in &everyone {
            ctx.send(Config::shard_node(*shard), Message::Install { map: self.map.clone() });
        }
        self.phase = Phase::Installing { awaiting: everyone };
        ctx.set_timer(self.config.shard_timeout, Timer::ReshardRetry);
    }
}

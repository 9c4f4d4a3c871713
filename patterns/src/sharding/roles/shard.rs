//! A shard: stores the keys the map gives it, and nothing else.
//!
//! A shard serves a request only if the key is its own under its current
//! map *and* the request was routed by that same map version; otherwise it
//! refuses, and the router retries. Everything a shard knows is on its disk
//! (the map, the proposed map, the keys, the writes already applied), so a
//! restarted shard picks up where it stopped, mid-handoff included.
//!
//! During resharding it *freezes* the keys it is handing away: it still
//! answers reads of them (the value cannot change), but refuses writes until
//! the new map is installed and the router sends them to the new owner. A
//! write accepted after the handoff was sent would stay behind on this
//! shard and vanish when it drops the keys it no longer owns: turn
//! `freeze_moving_keys` off to watch that happen.

use std::collections::{BTreeMap, BTreeSet};

use weft_sim::{Ctx, NodeId};

use super::Sharding;
use crate::sharding::Config;
use crate::sharding::messages::{Message, Op, Refusal, Reply, RequestId, Timer};
use crate::sharding::metrics;
use crate::sharding::observations::Observation;
use crate::sharding::ring::{Ring, ShardMap};

/// A shard's disk.
#[derive(Clone, Debug, Default)]
pub struct ShardDisk {
    /// The map it serves under (version 0: never started).
    pub map: ShardMap,
    /// The proposed next map, while resharding.
    pub pending: Option<ShardMap>,
    /// Every key this shard loses under `pending` is acknowledged by its new
    /// owner.
    pub prepared: bool,
    /// The keys it holds: its own, and those handed to it for `pending`.
    pub store: BTreeMap<u64, u64>,
    /// The writes it has applied, so a retried or duplicated write is not
    /// applied twice (it could overwrite a later write).
    pub applied: BTreeSet<RequestId>,
}

/// The shard node.
#[derive(Debug)]
pub struct Shard {
    config: Config,
    /// This shard's number.
    me: u32,
    /// The ring of the current map, and of the pending one.
    ring: Ring,
    next_ring: Option<Ring>,
    /// Handoffs not yet acknowledged, by receiving shard.
    outgoing: BTreeMap<u32, Vec<(u64, u64)>>,
}

type ShardCtx<'a, 'b> = &'a mut Ctx<'b, Sharding>;

impl Shard {
    /// Shard number `me` for `config`.
    pub fn new(config: Config, me: u32) -> Shard {
        Shard { config, me, ring: Ring::default(), next_ring: None, outgoing: BTreeMap::new() }
    }

    pub(super) fn on_start(&mut self, ctx: ShardCtx<'_, '_>) {
        if ctx.durable().shard.map.version == 0 {
            ctx.durable().shard.map = self.config.first_map();
        }
        let disk = ctx.durable().shard.clone();
        self.ring = Ring::of(&disk.map, self.config.virtual_nodes);
        ctx.emit(Observation::Serving { version: disk.map.version });
        if let Some(pending) = disk.pending {
            self.next_ring = Some(Ring::of(&pending, self.config.virtual_nodes));
            if !disk.prepared {
                // Crashed mid-handoff: send it again (receivers take it
                // idempotently).
                self.send_handoffs(pending.version, false, ctx);
            }
        }
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: ShardCtx<'_, '_>) {
        match msg {
            Message::Forward { id, attempt, op, version } => {
                self.on_forward(from, id, attempt, op, version, ctx)
            }
            Message::Prepare { next } => self.on_prepare(from, next, ctx),
            Message::Handoff { version, entries } => {
                let Some(sender) = self.config.shard_of(from) else { return };
                // A handoff for a map already installed is a late retry: the
                // keys may have been written since, so it must not be applied.
                if version > ctx.durable().shard.map.version {
                    let store = &mut ctx.durable().shard.store;
                    for (key, value) in &entries {
                        store.insert(*key, *value);
                    }
                    ctx.emit(Observation::Received { version, from: sender, entries });
                }
                ctx.send(from, Message::HandoffAck { version });
            }
            Message::HandoffAck { version } => {
                let Some(receiver) = self.config.shard_of(from) else { return };
                if self.pending_version(ctx) == Some(version) {
                    self.outgoing.remove(&receiver);
                    if self.outgoing.is_empty() {
                        self.prepared(version, ctx);
                    }
                }
            }
            Message::Install { map } => {
                let version = map.version;
                if version > ctx.durable().shard.map.version {
                    self.install(map, ctx);
                }
                ctx.send(from, Message::Installed { version });
            }
            // Not for a shard.
            Message::Request { .. }
            | Message::Response { .. }
            | Message::Reply { .. }
            | Message::Prepared { .. }
            | Message::Installed { .. } => {}
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: ShardCtx<'_, '_>) {
        if let Timer::HandoffRetry { version } = timer
            && self.pending_version(ctx) == Some(version)
            && !self.outgoing.is_empty()
        {
            self.resend_handoffs(version, ctx);
        }
    }

    fn pending_version(&self, ctx: ShardCtx<'_, '_>) -> Option<u64> {
        ctx.durable().shard.pending.as_ref().map(|m| m.version)
    }

    fn on_forward(
        &mut self,
        router: NodeId,
        id: RequestId,
        attempt: u32,
        op: Op,
        version: u64,
        ctx: ShardCtx<'_, '_>,
    ) {
        let key = op.key();
        let current = ctx.durable().shard.map.version;
        if version > current {
            // The router only routes by an installed map, so a proposed map
            // of that version is installed: the `Install` is on its way or
            // lost. Install it now.
            match ctx.durable().shard.pending.clone() {
                Some(pending) if pending.version == version => self.install(pending, ctx),
                _ => return self.refuse(router, id, attempt, key, Refusal::Behind, ctx),
            }
        } else if version < current {
            return self.refuse(router, id, attempt, key, Refusal::Stale, ctx);
        }
        let version = ctx.durable().shard.map.version;
        if self.ring.owner(key) != Some(self.me) {
            return self.refuse(router, id, attempt, key, Refusal::NotOwner, ctx);
        }
        let reply = match op {
            Op::Get { key } => {
                ctx.emit(Observation::Read { key, version });
                Reply::Value(ctx.durable().shard.store.get(&key).copied())
            }
            Op::Put { key, value } => {
                let moving = self.next_ring.as_ref().is_some_and(|next| next.owner(key) != Some(self.me));
                if moving && self.config.freeze_moving_keys {
                    return self.refuse(router, id, attempt, key, Refusal::Moving, ctx);
                }
                let disk = &mut ctx.durable().shard;
                // A retry of a write already applied: applying it again
                // could overwrite a later write to the key.
                if disk.applied.insert(id) {
                    disk.store.insert(key, value);
                    ctx.emit(Observation::Stored { key, value, version });
                }
                Reply::Written
            }
        };
        ctx.send(router, Message::Reply { id, attempt, reply });
    }

    fn refuse(
        &mut self,
        router: NodeId,
        id: RequestId,
        attempt: u32,
        key: u64,
        reason: Refusal,
        ctx: ShardCtx<'_, '_>,
    ) {
        let version = ctx.durable().shard.map.version;
        ctx.emit(Observation::Rejected { key, version, reason });
        ctx.metrics().count(metrics::REFUSALS);
        ctx.send(router, Message::Reply { id, attempt, reply: Reply::Refused(reason) });
    }

    fn on_prepare(&mut self, router: NodeId, next: ShardMap, ctx: ShardCtx<'_, '_>) {
        let disk = &ctx.durable().shard;
        if next.version <= disk.map.version {
            // Installed already: the router's retry crossed our answer.
            ctx.send(router, Message::Prepared { version: next.version });
            return;
        }
        match &disk.pending {
            Some(pending) if *pending == next => {
                if disk.prepared {
                    ctx.send(router, Message::Prepared { version: next.version });
                }
                // Otherwise the handoff is under way, with its own retries.
            }
            Some(_) => debug_assert!(false, "one router proposes one map per version"),
            None => {
                debug_assert_eq!(next.version, disk.map.version + 1, "maps advance one version at a time");
                let version = next.version;
                self.next_ring = Some(Ring::of(&next, self.config.virtual_nodes));
                let disk = &mut ctx.durable().shard;
                disk.pending = Some(next);
                disk.prepared = false;
                self.send_handoffs(version, true, ctx);
            }
        }
    }

    /// Sends every key this shard loses under the pending map to its new
    /// owner. `first`: the first time for this version (not a restart), so
    /// the keys are counted as moved.
    fn send_handoffs(&mut self, version: u64, first: bool, ctx: ShardCtx<'_, '_>) {
        let next = self.next_ring.as_ref().expect("handing off for a pending map");
        self.outgoing.clear();
        for (key, value) in &ctx.durable().shard.store {
            let owner = next.owner(*key).expect("a map always has a shard");
            if owner != self.me {
                self.outgoing.entry(owner).or_default().push((*key, *value));
            }
        }
        if first {
            let moved = self.outgoing.values().map(Vec::len).sum::<usize>();
            ctx.metrics().add(metrics::KEYS_HANDED_OFF, moved as u64);
        }
        if self.outgoing.is_empty() {
            self.prepared(version, ctx);
        } else {
            self.resend_handoffs(version, ctx);
        }
    }

    fn resend_handoffs(&mut self, version: u64, ctx: ShardCtx<'_, '_>) {
        for (to, entries) in &self.outgoing {
            let keys = entries.iter().map(|(k, _)| *k).collect();
            ctx.emit(Observation::HandedOff { version, to: *to, keys });
            ctx.send(Config::shard_node(*to), Message::Handoff { version, entries: entries.clone() });
        }
        ctx.set_timer(self.config.handoff_retry, Timer::HandoffRetry { version });
    }

    fn prepared(&mut self, version: u64, ctx: ShardCtx<'_, '_>) {
        ctx.durable().shard.prepared = true;
        ctx.send(Config::router(), Message::Prepared { version });
    }

    /// Serves under `map` from now on, dropping the keys it does not give
    /// this shard (their new owners have them: the router installs a map
    /// only once every loser is prepared).
    fn install(&mut self, map: ShardMap, ctx: ShardCtx<'_, '_>) {
        let disk = &mut ctx.durable().shard;
        debug_assert!(
            !disk.map.contains(self.me) || (disk.prepared && disk.pending.as_ref() == Some(&map)),
            "shard {} installs map v{} before handing off its keys",
            self.me,
            map.version
        );
        let ring = Ring::of(&map, self.config.virtual_nodes);
        disk.store.retain(|key, _| ring.owner(*key) == Some(self.me));
        disk.pending = None;
        disk.prepared = false;
        let version = map.version;
        disk.map = map;
        self.ring = ring;
        self.next_ring = None;
        self.outgoing.clear();
        ctx.emit(Observation::Serving { version });
    }
}

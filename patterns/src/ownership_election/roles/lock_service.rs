//! The lock service: a small key-value store with compare-and-swap and
//! TTLs, like etcd. It knows nothing of "leaders"; the contenders build the
//! lock on top of it, as Burns describes.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::{Disk, OwnershipElection};
use crate::ownership_election::{Lease, Message, Observation, Timer, Token, metrics};

/// One key's value, durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Who holds the key.
    pub holder: NodeId,
    /// The revision at which the key got this holder: the fencing token.
    pub token: Token,
    /// When the key disappears, on the service's own clock.
    pub expires_at: SimTime,
}

/// The lock service's disk: the store, and the revision counter from which
/// tokens come. Keeping the counter durably is what makes a restarted
/// service unable to hand out a token twice.
#[derive(Debug, Default)]
pub struct StoreDisk {
    /// The keys.
    pub entries: BTreeMap<&'static str, Entry>,
    /// The last revision handed out.
    pub revision: u64,
    /// The last holder of each key, to count failovers.
    pub last_holder: BTreeMap<&'static str, NodeId>,
}

/// The lock service's volatile state.
#[derive(Debug, Default)]
pub struct LockService {
    /// The armed expiry check, if any.
    expiry_timer: Option<TimerId>,
}

type Ctx_<'a> = Ctx<'a, OwnershipElection>;

fn store<'c>(ctx: &'c mut Ctx_<'_>) -> &'c mut StoreDisk {
    let disk = ctx.durable();
    if matches!(disk, Disk::Blank) {
        *disk = Disk::LockService(StoreDisk::default());
    }
    match disk {
        Disk::LockService(store) => store,
        other => unreachable!("the lock service's disk holds another role's data: {other:?}"),
    }
}

impl LockService {
    /// A lock service with an empty store.
    pub fn new() -> LockService {
        LockService::default()
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx_<'_>) {
        // After a restart the store is what the disk says; leases still run
        // on this node's clock, which a crash does not reset.
        let _ = store(ctx);
        self.arm_expiry_check(ctx);
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx_<'_>) {
        let Message::CompareAndSwap { request, key, expected, new, ttl } = msg else {
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        };
        // Expire first: a request that arrives after a TTL ran out must see
        // the key gone, whether or not the expiry timer has fired yet.
        self.expire_due(ctx);
        let now_local = ctx.local_time();
        let store = store(ctx);
        let current = store.entries.get(key).copied();
        let swapped = current.map(|e| e.holder) == expected;
        let mut emitted = None;
        if swapped {
            let expires_at = now_local.saturating_add(ttl);
            match current {
                // Same holder: a renewal. The token stays; the deadline only
                // moves later (a reordered, older renewal cannot shorten it).
                Some(entry) if entry.holder == new => {
                    let entry = store.entries.get_mut(key).expect("just read");
                    entry.expires_at = entry.expires_at.max(expires_at);
                    emitted = Some((Observation::Renewed { holder: new, token: entry.token, ttl }, false));
                }
                // Empty key, or a hand-over to someone else: a new grant, with
                // a new revision as its token.
                _ => {
                    store.revision += 1;
                    let token = Token(store.revision);
                    store.entries.insert(key, Entry { holder: new, token, expires_at });
                    let failover = store.last_holder.insert(key, new).is_some_and(|last| last != new);
                    emitted = Some((Observation::Granted { holder: new, token, ttl }, failover));
                }
            }
        }
        let current = store.entries.get(key).map(|e| Lease { holder: e.holder, token: e.token });
        if let Some((observation, failover)) = emitted {
            let granted = matches!(observation, Observation::Granted { .. });
            ctx.emit(observation);
            if granted {
                ctx.metrics().count(metrics::ACQUISITIONS);
                if failover {
                    ctx.metrics().count(metrics::FAILOVERS);
                }
            } else {
                ctx.metrics().count(metrics::RENEWALS);
            }
            self.arm_expiry_check(ctx);
        }
        ctx.send(from, Message::CasReply { request, swapped, current });
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx_<'_>) {
        if timer == Timer::ExpiryCheck {
            self.expiry_timer = None;
            self.expire_due(ctx);
            self.arm_expiry_check(ctx);
        }
    }

    /// Removes every key whose TTL has run out on this node's clock.
    fn expire_due(&mut self, ctx: &mut Ctx_<'_>) {
        let now_local = ctx.local_time();
        let store = store(ctx);
        let due: Vec<(&'static str, Entry)> =
            store.entries.iter().filter(|(_, e)| e.expires_at <= now_local).map(|(k, e)| (*k, *e)).collect();
        for (key, _) in &due {
            store.entries.remove(key);
        }
        for (_, entry) in due {
            ctx.emit(Observation::Expired { holder: entry.holder, token: entry.token });
            ctx.metrics().count(metrics::EXPIRIES);
        }
    }

    /// Arms one timer for the earliest expiry, replacing any armed one. The
    /// check re-reads the clock when it fires, so a clock that jumped in
    /// between is judged as it is then.
    fn arm_expiry_check(&mut self, ctx: &mut Ctx_<'_>) {
        if let Some(id) = self.expiry_timer.take() {
            ctx.cancel_timer(id);
        }
        let now_local = ctx.local_time();
        let earliest = store(ctx).entries.values().map(|e| e.expires_at).min();
        if let Some(at) = earliest {
            let after = at.saturating_since(now_local).max(Duration::from_nanos(1));
            self.expiry_timer = Some(ctx.set_timer(after, Timer::ExpiryCheck));
        }
    }
}

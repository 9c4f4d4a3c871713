//! A contender: tries to take the lock, renews it while it holds it, and
//! works on the resource under its fencing token.
//!
//! Its whole safety rests on one rule: a lease is usable until the local
//! time at which the request that granted (or renewed) it was *sent*, plus
//! `ttl - skew_bound`. The service started counting the TTL when the request
//! *arrived*, later, on a clock that may run up to `skew_bound` ahead of
//! ours; so by the time our deadline passes, the service's has not.

use std::time::Duration;

use rand::Rng;
use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::{Disk, OwnershipElection};
use crate::ownership_election::{
    Config, LOCK_KEY, Lease, LossReason, Message, Observation, RequestId, Timer, Token, metrics,
};

type Ctx_<'a> = Ctx<'a, OwnershipElection>;

/// What the contender believes about the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holding {
    /// It does not hold it; it retries every `renew_every`.
    No,
    /// It holds it with `token`, usable until `deadline` on its own clock.
    Yes {
        /// Its fencing token.
        token: Token,
        /// When it stops using the lease, on its own clock.
        deadline: SimTime,
    },
}

/// A contender's state. Everything but the incarnation number is volatile:
/// a restarted contender starts over, waiting.
#[derive(Debug)]
pub struct Contender {
    config: Config,
    service: NodeId,
    resource: NodeId,
    /// This life's number (from disk, one more at each start).
    incarnation: u64,
    /// The next request's sequence number.
    next_seq: u64,
    /// Recent compare-and-swap requests and the local time each was sent:
    /// a swap's reply dates the lease from its request's send time. Entries
    /// older than a TTL are dropped: a lease dated by them is already over.
    sent: Vec<(RequestId, SimTime)>,
    /// The newest request whose reply was handled: older replies, reordered
    /// by the network, carry older news and are ignored.
    newest_answered: Option<RequestId>,
    holding: Holding,
    /// The armed lease-deadline timer.
    deadline_timer: Option<TimerId>,
    /// True while an action is under way (started, its write not yet sent).
    acting: bool,
    /// The next value written to the resource.
    next_value: u64,
}

impl Contender {
    /// A contender using `service` as its lock service and writing to
    /// `resource`.
    pub fn new(config: Config, service: NodeId, resource: NodeId) -> Contender {
        Contender {
            config,
            service,
            resource,
            incarnation: 0,
            next_seq: 0,
            sent: Vec::new(),
            newest_answered: None,
            holding: Holding::No,
            deadline_timer: None,
            acting: false,
            next_value: 0,
        }
    }

    /// The token of the lease it believes it holds.
    pub fn believed_token(&self) -> Option<Token> {
        match self.holding {
            Holding::Yes { token, .. } => Some(token),
            Holding::No => None,
        }
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx_<'_>) {
        let disk = ctx.durable();
        let previous = match disk {
            Disk::Blank => 0,
            Disk::Contender { incarnation } => *incarnation,
            other => unreachable!("a contender's disk holds another role's data: {other:?}"),
        };
        self.incarnation = previous + 1;
        *disk = Disk::Contender { incarnation: self.incarnation };
        // Spread the first attempts so the contenders do not all ask at the
        // same instant (they would anyway race fairly: the service serializes).
        let first = self.jitter(ctx);
        ctx.set_timer(first, Timer::LeaseTick);
    }

    pub(super) fn on_message(&mut self, _from: NodeId, msg: Message, ctx: &mut Ctx_<'_>) {
        match msg {
            Message::CasReply { request, swapped, current } => {
                self.on_cas_reply(request, swapped, current, ctx)
            }
            Message::WriteReply { token, accepted, highest, .. } => {
                if !accepted && self.believed_token().is_some_and(|t| t == token && t < highest) {
                    // Someone holds a newer token: whatever our clock says,
                    // our lease is over.
                    self.lose(LossReason::Fenced, ctx);
                }
            }
            _ => ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES),
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx_<'_>) {
        match timer {
            Timer::LeaseTick => {
                match self.holding {
                    Holding::Yes { .. } => self.send_cas(Some(ctx.me()), ctx),
                    Holding::No => self.send_cas(None, ctx),
                }
                let next = match self.holding {
                    Holding::Yes { .. } => self.config.renew_every,
                    Holding::No => self.config.renew_every + self.jitter(ctx),
                };
                ctx.set_timer(next, Timer::LeaseTick);
            }
            Timer::LeaseDeadline => {
                self.deadline_timer = None;
                if let Holding::Yes { deadline, .. } = self.holding {
                    if ctx.local_time() >= deadline {
                        self.lose(LossReason::DeadlinePassed, ctx);
                    } else {
                        // Renewed since the timer was set (or the clock
                        // jumped back): wait for the new deadline.
                        self.arm_deadline(ctx);
                    }
                }
            }
            Timer::FinishAction { token, value } => {
                // The action's tail: its write leaves now, under the token it
                // started with. There is deliberately no second lease check
                // here: in a real process a pause can strike after any
                // check, so only the resource can refuse a late write.
                self.acting = false;
                let request = self.next_request();
                ctx.send(self.resource, Message::Write { request, token, value });
                self.try_start_action(ctx);
            }
            Timer::ExpiryCheck => {}
        }
    }

    fn on_cas_reply(
        &mut self,
        request: RequestId,
        swapped: bool,
        current: Option<Lease>,
        ctx: &mut Ctx_<'_>,
    ) {
        if request.incarnation != self.incarnation || self.newest_answered.is_some_and(|n| request <= n) {
            return; // for an earlier life, or overtaken by a newer reply
        }
        self.newest_answered = Some(request);
        let me = ctx.me();
        match current {
            Some(Lease { holder, token }) if holder == me => {
                let sent = self.sent.iter().find(|(id, _)| *id == request).map(|(_, at)| *at);
                match (swapped, sent) {
                    (true, Some(sent)) => {
                        let deadline = sent.saturating_add(self.config.usable_lease());
                        self.extend(token, deadline, ctx);
                    }
                    // The key is ours, but not by this request (an earlier
                    // acquire succeeded and its reply was lost): we cannot
                    // tell when that lease started, so we do not use it;
                    // a renewal now dates it.
                    _ => self.send_cas(Some(me), ctx),
                }
            }
            Some(_) => self.lose(LossReason::HeldByAnother, ctx),
            None => self.lose(LossReason::Expired, ctx),
        }
    }

    /// A grant or renewal of `token`, usable until `deadline`.
    fn extend(&mut self, token: Token, deadline: SimTime, ctx: &mut Ctx_<'_>) {
        let now = ctx.local_time();
        match self.holding {
            Holding::Yes { token: held, deadline: old } if held == token => {
                self.holding = Holding::Yes { token, deadline: old.max(deadline) };
            }
            _ => {
                if deadline <= now {
                    return; // the reply took so long that the lease is already over
                }
                if let Holding::Yes { .. } = self.holding {
                    // A different token for us: our old lease lapsed at the
                    // service and we won it again. Close the old one first.
                    self.lose(LossReason::Expired, ctx);
                }
                self.holding = Holding::Yes { token, deadline };
                ctx.emit(Observation::Acquired { token, lease_for: deadline.saturating_since(now) });
            }
        }
        self.arm_deadline(ctx);
        self.try_start_action(ctx);
    }

    /// Stops believing it holds the lease.
    fn lose(&mut self, reason: LossReason, ctx: &mut Ctx_<'_>) {
        if let Holding::Yes { token, .. } = self.holding {
            self.holding = Holding::No;
            if let Some(id) = self.deadline_timer.take() {
                ctx.cancel_timer(id);
            }
            ctx.emit(Observation::LostLease { token, reason });
            ctx.metrics().count(metrics::LEASES_LOST);
        }
    }

    /// Starts an action if it holds a lease, is not already acting, and the
    /// whole action fits before its deadline. If it does not fit, the next
    /// renewal's reply tries again.
    fn try_start_action(&mut self, ctx: &mut Ctx_<'_>) {
        let Holding::Yes { token, deadline } = self.holding else { return };
        if self.acting {
            return;
        }
        let now = ctx.local_time();
        let left = deadline.saturating_since(now);
        if left <= self.config.act_every {
            return;
        }
        debug_assert!(now < deadline, "acting outside the lease");
        self.acting = true;
        let value = self.next_value;
        self.next_value += 1;
        ctx.emit(Observation::Acting { token, lease_left: left });
        ctx.metrics().count(metrics::ACTIONS);
        ctx.set_timer(self.config.act_every, Timer::FinishAction { token, value });
    }

    /// Sends a compare-and-swap of the lock key from `expected` to me.
    fn send_cas(&mut self, expected: Option<NodeId>, ctx: &mut Ctx_<'_>) {
        let now = ctx.local_time();
        let ttl = self.config.ttl;
        // Forget requests a TTL old: a lease dated by one would be over. (A
        // clock that jumped back makes `now` smaller; keep those too.)
        self.sent.retain(|(_, at)| now.saturating_since(*at) < ttl);
        let request = self.next_request();
        self.sent.push((request, now));
        let me = ctx.me();
        ctx.send(self.service, Message::CompareAndSwap { request, key: LOCK_KEY, expected, new: me, ttl });
    }

    fn next_request(&mut self) -> RequestId {
        let request = RequestId { incarnation: self.incarnation, seq: self.next_seq };
        self.next_seq += 1;
        request
    }

    fn arm_deadline(&mut self, ctx: &mut Ctx_<'_>) {
        let Holding::Yes { deadline, .. } = self.holding else { return };
        if let Some(id) = self.deadline_timer.take() {
            ctx.cancel_timer(id);
        }
        let after = deadline.saturating_since(ctx.local_time()).max(Duration::from_nanos(1));
        self.deadline_timer = Some(ctx.set_timer(after, Timer::LeaseDeadline));
    }

    /// A random delay in `[0, renew_every / 2)`, so that waiting contenders
    /// do not retry in lock-step.
    fn jitter(&self, ctx: &mut Ctx_<'_>) -> Duration {
        let half = (self.config.renew_every / 2).as_nanos() as u64;
        Duration::from_nanos(ctx.rng().random_range(0..half.max(1)))
    }
}

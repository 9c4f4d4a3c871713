//! A client: asks its planned queries (closed or open loop), retries those
//! whose answers do not come, and times them.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_sim::{Ctx, SimTime, TimerId};

use super::ScatterGather;
use crate::client::Plan;
use crate::scatter_gather::metrics::{DUPLICATE_ANSWERS, QUERIES_SENT, QUERY_LATENCY, QUERY_RETRIES};
use crate::scatter_gather::{Message, Observation, QueryId, ROOT, ShardId, Timer};

/// A client of the root.
#[derive(Debug)]
pub struct Client {
    /// How long to wait for an answer before asking again.
    timeout: Duration,
    /// The queries to ask, in order (with arrival times in an open loop).
    plan: Plan<QueryId>,
    /// Closed loop: the plan index of the query in flight (or next).
    next: usize,
    /// Queries asked and not answered: when first sent (true time, for
    /// the latency metric) and the retry timer.
    outstanding: BTreeMap<QueryId, (SimTime, TimerId)>,
}

impl Client {
    /// A client that asks `plan`, retrying after `timeout`.
    pub fn new(timeout: Duration, plan: Plan<QueryId>) -> Client {
        Client { timeout, plan, next: 0, outstanding: BTreeMap::new() }
    }

    /// True if the plan is a closed loop (no arrival times).
    fn closed_loop(&self) -> bool {
        self.plan.first().is_some_and(|r| r.at.is_none())
    }

    /// Starts, or restarts: queries answered before a crash (on disk) are
    /// not asked again; those whose time has come are asked now.
    pub(super) fn start(&mut self, ctx: &mut Ctx<'_, ScatterGather>) {
        let answered = ctx.durable().answered.clone();
        if self.closed_loop() {
            self.next = self.plan.iter().position(|r| !answered.contains(&r.op)).unwrap_or(self.plan.len());
            if let Some(request) = self.plan.get(self.next) {
                self.ask(request.op, ctx);
            }
            return;
        }
        let now = ctx.now();
        for i in 0..self.plan.len() {
            let request = &self.plan[i];
            if answered.contains(&request.op) {
                continue;
            }
            match request.at {
                Some(at) if at > now => {
                    ctx.set_timer(at - now, Timer::Arrival(i));
                }
                _ => self.ask(request.op, ctx),
            }
        }
    }

    /// Sends `query` to the root (again, if it was sent before) and arms its
    /// retry.
    fn ask(&mut self, query: QueryId, ctx: &mut Ctx<'_, ScatterGather>) {
        let now = ctx.now();
        let first_sent = match self.outstanding.get(&query) {
            Some((first_sent, _)) => {
                ctx.metrics().count(QUERY_RETRIES);
                *first_sent
            }
            None => {
                ctx.emit(Observation::Asked { query });
                ctx.metrics().count(QUERIES_SENT);
                now
            }
        };
        let retry = ctx.set_timer(self.timeout, Timer::Retry(query));
        self.outstanding.insert(query, (first_sent, retry));
        // Queries are asked in increasing order, so every query below the
        // lowest outstanding one has been answered.
        let settled_below = *self.outstanding.keys().next().expect("query was just inserted");
        ctx.send(ROOT, Message::Query { query, settled_below });
    }

    pub(super) fn on_message(&mut self, msg: Message, ctx: &mut Ctx<'_, ScatterGather>) {
        let Message::Answer { query, matches: _, missing } = msg else {
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        };
        self.on_answer(query, &missing, ctx);
    }

    fn on_answer(&mut self, query: QueryId, missing: &[ShardId], ctx: &mut Ctx<'_, ScatterGather>) {
        let Some((first_sent, retry)) = self.outstanding.remove(&query) else {
            // A second copy (the answer was resent for a retry, or
            // duplicated by the network): the first one counted.
            ctx.metrics().count(DUPLICATE_ANSWERS);
            return;
        };
        ctx.cancel_timer(retry);
        let now = ctx.now();
        ctx.metrics().record(QUERY_LATENCY, now - first_sent);
        ctx.emit(Observation::Received { query, complete: missing.is_empty() });
        ctx.durable().answered.insert(query);
        if self.closed_loop() && self.plan.get(self.next).is_some_and(|r| r.op == query) {
            self.next += 1;
            if let Some(request) = self.plan.get(self.next) {
                self.ask(request.op, ctx);
            }
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, ScatterGather>) {
        match timer {
            Timer::Arrival(i) => {
                let query = self.plan[i].op;
                self.ask(query, ctx);
            }
            Timer::Retry(query) => {
                if self.outstanding.contains_key(&query) {
                    self.ask(query, ctx);
                }
            }
            Timer::Deadline(_) | Timer::Hedge(_) => {}
        }
    }
}

//! A client: sends its plan's requests to the router, one at a time
//! (closed loop) or at their arrival times (open loop), and records its
//! history. It knows nothing of shards: that is the ambassador's job.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_sim::{Ctx, SimTime, TimerId};

use super::Sharding;
use crate::client::Plan;
use crate::history::{EventType, Function, HistoryEvent, Value};
use crate::sharding::Config;
use crate::sharding::messages::{Answer, Message, Op, RequestId, Timer};
use crate::sharding::metrics;
use crate::sharding::observations::Observation;

/// A client's disk: enough to never reuse a history process id.
#[derive(Clone, Debug, Default)]
pub struct ClientDisk {
    /// The client has run before (this start is a restart).
    pub started: bool,
    /// Its current process id.
    pub process: u32,
    /// Closed loop: the next request of the plan to send.
    pub next: usize,
}

/// The client node.
#[derive(Debug)]
pub struct Client {
    /// This client's number among the clients.
    client: u32,
    /// How many clients there are.
    clients: u32,
    /// Closed loop: the process id of its history (see [`Client::process`]).
    process: u32,
    plan: Plan<Op>,
    /// How long to wait for the router's answer.
    timeout: Duration,
    /// Closed loop: the next request of the plan to send.
    next: usize,
    /// Requests sent and not answered: when they were sent (true time, for
    /// the latency metric), and their timeout.
    outstanding: BTreeMap<u32, (SimTime, TimerId)>,
}

type ClientCtx<'a, 'b> = &'a mut Ctx<'b, Sharding>;

impl Client {
    /// Client number `process`, making the requests of `plan`.
    pub fn new(config: &Config, client: u32, clients: u32, plan: Plan<Op>) -> Client {
        let timeout = config.client_timeout();
        Client { client, clients, process: client, plan, timeout, next: 0, outstanding: BTreeMap::new() }
    }

    /// The process id of request `seq` in the history. A history's process
    /// does one operation at a time, and (as in Jepsen) never runs again
    /// after an operation with an unknown outcome, since that operation may
    /// still be in progress. A closed-loop client is one process until an
    /// `info`, then takes a fresh id (`+ clients`, so ids never collide); in
    /// an open loop every request is its own process (`seq × clients +
    /// client`: the request's number in the whole workload).
    fn process(&self, seq: u32) -> u32 {
        if self.closed_loop() { self.process } else { seq * self.clients + self.client }
    }

    fn closed_loop(&self) -> bool {
        self.plan.first().is_some_and(|r| r.at.is_none())
    }

    pub(super) fn on_start(&mut self, ctx: ClientCtx<'_, '_>) {
        let disk = &mut ctx.durable().client;
        if disk.started {
            // A restart: the operation in flight at the crash stays open in
            // the history (it may yet happen), so continue as a fresh
            // process, after the last request sent.
            disk.process += self.clients;
        } else {
            *disk = ClientDisk { started: true, process: self.client, next: 0 };
        }
        (self.process, self.next) = (disk.process, disk.next);
        if self.closed_loop() {
            self.send_next(ctx);
            return;
        }
        let now = ctx.now();
        for (seq, request) in self.plan.iter().enumerate() {
            if let Some(at) = request.at
                && at >= now
            {
                ctx.set_timer(at - now, Timer::Arrival { seq: seq as u32 });
            }
        }
    }

    pub(super) fn on_message(&mut self, msg: Message, ctx: ClientCtx<'_, '_>) {
        let Message::Response { id, answer } = msg else { return };
        if id.client != self.client {
            return;
        }
        let Some((sent_at, timer)) = self.outstanding.remove(&id.seq) else { return };
        ctx.cancel_timer(timer);
        let latency = ctx.now() - sent_at;
        ctx.metrics().record(metrics::CLIENT_LATENCY, latency);
        let op = self.plan[id.seq as usize].op;
        let (kind, value) = match (answer, op) {
            (Answer::Value(v), _) => (EventType::Ok, v.map_or(Value::Null, |v| Value::Int(v as i64))),
            (Answer::Written, Op::Put { value, .. }) => (EventType::Ok, Value::Int(value as i64)),
            (Answer::Written, Op::Get { .. }) => (EventType::Info, Value::Null),
            (Answer::Unavailable, _) => Self::unknown(op),
        };
        self.complete(id.seq, kind, value, ctx);
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: ClientCtx<'_, '_>) {
        match timer {
            Timer::Arrival { seq } => self.send(seq, ctx),
            // No answer in time (unless the answer and the timeout crossed).
            Timer::ClientTimeout { seq } if self.outstanding.remove(&seq).is_some() => {
                let (kind, value) = Self::unknown(self.plan[seq as usize].op);
                self.complete(seq, kind, value, ctx);
            }
            _ => {}
        }
    }

    /// No answer: a write may or may not have happened (`info`); a read
    /// changed nothing, so it simply failed.
    fn unknown(op: Op) -> (EventType, Value) {
        match op {
            Op::Put { value, .. } => (EventType::Info, Value::Int(value as i64)),
            Op::Get { .. } => (EventType::Fail, Value::Null),
        }
    }

    fn send_next(&mut self, ctx: ClientCtx<'_, '_>) {
        if self.next < self.plan.len() {
            self.next += 1;
            ctx.durable().client.next = self.next;
            self.send(self.next as u32 - 1, ctx);
        }
    }

    fn send(&mut self, seq: u32, ctx: ClientCtx<'_, '_>) {
        let op = self.plan[seq as usize].op;
        let (f, key, value) = describe(op);
        ctx.emit(Observation::History(HistoryEvent {
            process: self.process(seq),
            kind: EventType::Invoke,
            f,
            key: Some(key),
            value,
            swapped: None,
        }));
        ctx.send(Config::router(), Message::Request { id: RequestId { client: self.client, seq }, op });
        let timer = ctx.set_timer(self.timeout, Timer::ClientTimeout { seq });
        self.outstanding.insert(seq, (ctx.now(), timer));
    }

    fn complete(&mut self, seq: u32, kind: EventType, value: Value, ctx: ClientCtx<'_, '_>) {
        let (f, key, _) = describe(self.plan[seq as usize].op);
        ctx.metrics().count(match kind {
            EventType::Ok => metrics::REQUESTS_OK,
            EventType::Fail => metrics::REQUESTS_FAILED,
            _ => metrics::REQUESTS_UNKNOWN,
        });
        ctx.emit(Observation::History(HistoryEvent {
            process: self.process(seq),
            kind,
            f,
            key: Some(key),
            value,
            swapped: None,
        }));
        if kind == EventType::Info {
            self.process += self.clients;
            ctx.durable().client.process = self.process;
        }
        if self.closed_loop() {
            self.send_next(ctx);
        }
    }
}

/// An operation in history terms: its function, key, and invocation value.
fn describe(op: Op) -> (Function, String, Value) {
    match op {
        Op::Get { key } => (Function::Get, key.to_string(), Value::Null),
        Op::Put { key, value } => (Function::Put, key.to_string(), Value::Int(value as i64)),
    }
}

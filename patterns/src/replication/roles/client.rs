//! A client: runs its plan against the replicated store, one request at a
//! time, and records its history.
//!
//! Each request gets a fresh id, kept across retries, so the store applies
//! it once however many copies arrive. The client sends to the replica it
//! believes leads; a `NotLeader` answer redirects it (at once, to the hinted
//! leader; after a back-off that doubles each time, to the next replica,
//! when nobody knows a leader); a timeout moves it to the next replica.
//! After `request_deadline` it gives up: a read that never returned changed
//! nothing, so it is recorded as `fail`; a write may or may not have been
//! applied, so it is recorded as `info`, and the client continues as a new
//! history process
//! (Jepsen's convention: the old process's operation may still take effect,
//! at any later time, concurrently with the new process's operations).

use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::Replication;
use crate::client::Plan;
use crate::history::{EventType, Function, HistoryEvent, Value};
use crate::replication::Config;
use crate::replication::messages::{Message, Operation, Timer};
use crate::replication::metrics;
use crate::replication::observations::Observation;

/// What kind of operation a planned request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// A read.
    Get,
    /// An overwrite.
    Put,
    /// An append to a list.
    Append,
}

impl OpKind {
    /// The kind named `name` in a workload's mix (`get`, `put`, `append`).
    pub fn from_name(name: &str) -> Option<OpKind> {
        match name {
            "get" => Some(OpKind::Get),
            "put" => Some(OpKind::Put),
            "append" => Some(OpKind::Append),
            _ => None,
        }
    }
}

/// A request in a client's plan: the value a write writes is made when the
/// request is invoked (from the client and request id, so every written
/// value is unique).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlannedOp {
    /// The operation.
    pub kind: OpKind,
    /// The key's number (key `k7` is 7).
    pub key: u64,
}

/// The request in flight.
#[derive(Clone, Debug)]
struct InFlight {
    request: u64,
    op: Operation,
    /// The attempt number of the last send (from 1).
    attempt: u32,
    /// When it was invoked, on the client's own clock (for the deadline).
    invoked_local: SimTime,
    /// How many times in a row a replica redirected us: the back-off
    /// doubles with each (and a hinted redirect is followed at once only
    /// the first time, so two replicas with stale hints cannot bounce a
    /// request between them in a tight loop).
    redirects: u32,
    /// When the request arrived (open loop) or was invoked (closed loop):
    /// client latency counts from here.
    since: SimTime,
    timer: Option<TimerId>,
}

/// A client of the replicated store.
#[derive(Debug)]
pub struct Client {
    number: u32,
    clients: u32,
    config: Config,
    plan: Plan<PlannedOp>,
    /// How many requests of the plan have arrived (all, in a closed loop).
    arrived: usize,
    /// The replica believed to lead.
    leader: NodeId,
    in_flight: Option<InFlight>,
}

impl Client {
    /// Client number `number` of `clients`, with its plan.
    pub fn new(number: u32, clients: u32, plan: Plan<PlannedOp>, config: Config) -> Client {
        let leader = NodeId::new(number % config.replicas.max(1) as u32);
        Client { number, clients, config, plan, arrived: 0, leader, in_flight: None }
    }

    /// The number of requests in the plan.
    pub fn planned(&self) -> usize {
        self.plan.len()
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_, Replication>) {
        let now = ctx.now();
        // A request invoked before a crash and never answered: its fate is
        // unknown, and the journal says so.
        if let Some((request, op)) = ctx.durable().journal().open.clone() {
            self.give_up(request, &op, ctx);
        }
        let next = ctx.durable().journal().next_in_plan;
        self.arrived = next;
        for index in next..self.plan.len() {
            match self.plan[index].at {
                None => self.arrived = index + 1,
                Some(at) if at <= now => self.arrived = index + 1,
                Some(at) => {
                    ctx.set_timer(at - now, Timer::Arrive { index });
                }
            }
        }
        self.invoke_next(ctx);
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Replication>) {
        match msg {
            Message::Reply { request, value }
                if self.in_flight.as_ref().is_some_and(|f| f.request == request) =>
            {
                self.leader = from;
                self.complete(value, ctx);
            }
            Message::NotLeader { request, leader } => {
                let next = self.next_replica(from);
                let Some(in_flight) = &mut self.in_flight else { return };
                if in_flight.request != request {
                    return;
                }
                if let Some(timer) = in_flight.timer.take() {
                    ctx.cancel_timer(timer);
                }
                in_flight.redirects += 1;
                let hinted = leader.filter(|l| *l != from);
                self.leader = hinted.unwrap_or(next);
                if hinted.is_some() && in_flight.redirects == 1 {
                    self.attempt(ctx);
                } else {
                    // Nobody knows a leader (an election is on), or the
                    // hints go round: wait before trying, longer each time.
                    let doublings = (in_flight.redirects - 1).min(16);
                    let backoff =
                        (self.config.retry_backoff * (1 << doublings)).min(self.config.request_timeout);
                    let attempt = in_flight.attempt;
                    in_flight.timer = Some(ctx.set_timer(backoff, Timer::Retry { request, attempt }));
                }
            }
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Replication>) {
        let current = |f: &Option<InFlight>, request: u64, attempt: u32| {
            f.as_ref().is_some_and(|f| f.request == request && f.attempt == attempt)
        };
        match timer {
            Timer::Arrive { index } => {
                self.arrived = self.arrived.max(index + 1);
                self.invoke_next(ctx);
            }
            Timer::RequestTimeout { request, attempt } if current(&self.in_flight, request, attempt) => {
                // No answer: the replica may be down, cut off, or a deposed
                // leader that cannot commit. Try the next one.
                self.leader = self.next_replica(self.leader);
                if let Some(in_flight) = &mut self.in_flight {
                    in_flight.redirects = 0;
                }
                self.attempt(ctx);
            }
            Timer::Retry { request, attempt } if current(&self.in_flight, request, attempt) => {
                self.attempt(ctx);
            }
            _ => {}
        }
    }

    /// The replica after `replica`, round the ring of replicas.
    fn next_replica(&self, replica: NodeId) -> NodeId {
        NodeId::new((replica.as_u32() + 1) % self.config.replicas.max(1) as u32)
    }

    /// The client's process id in the history: a new one after each write
    /// given up on.
    fn process(&self, ctx: &mut Ctx<'_, Replication>) -> u32 {
        self.number + ctx.durable().journal().incarnation * self.clients
    }

    fn emit(
        &self,
        request: u64,
        kind: EventType,
        op: &Operation,
        read: Option<Value>,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        let (f, key, value) = match op {
            Operation::Get { key } => (Function::Get, key, read.unwrap_or(Value::Null)),
            Operation::Put { key, value } => (Function::Put, key, Value::Text(value.clone())),
            Operation::Append { key, value } => (Function::Append, key, Value::Text(value.clone())),
        };
        let process = self.process(ctx);
        let event = HistoryEvent { process, kind, f, key: Some(key.clone()), value, swapped: None };
        ctx.emit(Observation::Client { client: self.number, request, event });
    }

    /// Invokes the next request of the plan, if one has arrived and none is
    /// in flight.
    fn invoke_next(&mut self, ctx: &mut Ctx<'_, Replication>) {
        let journal = ctx.durable().journal();
        let index = journal.next_in_plan;
        if self.in_flight.is_some() || index >= self.arrived {
            return;
        }
        let request = journal.next_request;
        let planned = self.plan[index].op;
        let key = format!("k{}", planned.key);
        // Unique, so a read shows exactly which writes it saw; ending in `;`
        // so appended values read as a list.
        let value = format!("c{}-r{request};", self.number);
        let op = match planned.kind {
            OpKind::Get => Operation::Get { key },
            OpKind::Put => Operation::Put { key, value },
            OpKind::Append => Operation::Append { key, value },
        };
        // Journal first: after a crash the client must know it asked.
        journal.next_request += 1;
        journal.open = Some((request, op.clone()));
        let since = self.plan[index].at.unwrap_or(ctx.now()).min(ctx.now());
        self.emit(request, EventType::Invoke, &op, None, ctx);
        let invoked_local = ctx.local_time();
        self.in_flight =
            Some(InFlight { request, op, attempt: 0, invoked_local, redirects: 0, since, timer: None });
        self.attempt(ctx);
    }

    /// Sends the request in flight (again), or gives up after the last
    /// attempt.
    fn attempt(&mut self, ctx: &mut Ctx<'_, Replication>) {
        let Some(in_flight) = &mut self.in_flight else { return };
        if let Some(timer) = in_flight.timer.take() {
            ctx.cancel_timer(timer);
        }
        let waited = ctx.local_time().as_nanos().saturating_sub(in_flight.invoked_local.as_nanos());
        if in_flight.attempt > 0 && waited >= self.config.request_deadline.as_nanos() as u64 {
            let (request, op) = (in_flight.request, in_flight.op.clone());
            self.in_flight = None;
            self.give_up(request, &op, ctx);
            self.invoke_next(ctx);
            return;
        }
        if in_flight.attempt > 0 {
            ctx.metrics().count(metrics::CLIENT_RETRIES);
        }
        in_flight.attempt += 1;
        let (request, attempt) = (in_flight.request, in_flight.attempt);
        // With follower reads (the broken variant), reads spread over every
        // replica, as a "read from the nearest copy" optimisation would.
        let to = if self.config.follower_reads && !in_flight.op.is_write() {
            let spread = (self.number as u64 + request + attempt as u64) % self.config.replicas.max(1) as u64;
            NodeId::new(spread as u32)
        } else {
            self.leader
        };
        ctx.send(to, Message::Request { client: self.number, request, op: in_flight.op.clone() });
        in_flight.timer =
            Some(ctx.set_timer(self.config.request_timeout, Timer::RequestTimeout { request, attempt }));
    }

    /// The request in flight succeeded; `value` is what a read returned.
    fn complete(&mut self, value: Option<String>, ctx: &mut Ctx<'_, Replication>) {
        let Some(mut in_flight) = self.in_flight.take() else { return };
        if let Some(timer) = in_flight.timer.take() {
            ctx.cancel_timer(timer);
        }
        let read = Some(value.map_or(Value::Null, Value::Text));
        self.emit(in_flight.request, EventType::Ok, &in_flight.op, read, ctx);
        let latency = ctx.now() - in_flight.since;
        ctx.metrics().record(metrics::CLIENT_LATENCY, latency);
        ctx.metrics().count(metrics::REQUESTS_OK);
        let journal = ctx.durable().journal();
        journal.open = None;
        journal.next_in_plan += 1;
        self.invoke_next(ctx);
    }

    /// Gives up on `request`: `fail` for a read (it changed nothing),
    /// `info` for a write (it may yet be applied), and then a new process.
    fn give_up(&mut self, request: u64, op: &Operation, ctx: &mut Ctx<'_, Replication>) {
        if op.is_write() {
            self.emit(request, EventType::Info, op, None, ctx);
            ctx.metrics().count(metrics::REQUESTS_UNKNOWN);
        } else {
            self.emit(request, EventType::Fail, op, None, ctx);
            ctx.metrics().count(metrics::REQUESTS_FAILED);
        }
        let journal = ctx.durable().journal();
        if op.is_write() {
            journal.incarnation += 1;
        }
        journal.open = None;
        journal.next_in_plan += 1;
    }
}

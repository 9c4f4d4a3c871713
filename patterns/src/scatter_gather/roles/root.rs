//! The root: scatters each query to one replica of every shard, hedges the
//! silent ones, and answers at the deadline or when every shard has
//! answered, whichever is first.

use std::collections::BTreeMap;

use rand::Rng;
use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::ScatterGather;
use crate::scatter_gather::metrics::{
    ANSWERS_COMPLETE, ANSWERS_PARTIAL, ANSWERS_RESENT, GATHER_LATENCY, HEDGE_WINS, HEDGES_SENT,
    LEAF_REQUESTS, PARTS_DISCARDED, SHARD_LATENCY,
};
use crate::scatter_gather::{Config, GatherId, Message, Observation, QueryId, ShardId, Timer};

/// The root of a scatter/gather tree.
#[derive(Debug)]
pub struct Root {
    config: Config,
    /// The gathers under way, by id.
    gathers: BTreeMap<GatherId, Gather>,
    /// Which gather is answering each (client, query) under way: a retry of
    /// a query in progress waits for it instead of starting another.
    in_progress: BTreeMap<(NodeId, QueryId), GatherId>,
    /// Per client: the answers it may not have received yet.
    sessions: BTreeMap<NodeId, Session>,
}

/// One query being gathered.
#[derive(Debug)]
struct Gather {
    query: QueryId,
    client: NodeId,
    /// When it started, in true time: for the latency metrics only.
    started: SimTime,
    /// Per shard, indexed by shard number.
    shards: Vec<ShardGather>,
    deadline: TimerId,
    hedge: Option<TimerId>,
}

/// What a gather knows about one shard.
#[derive(Debug)]
struct ShardGather {
    /// The replica asked first.
    asked: NodeId,
    /// The replica asked by a hedge, if any.
    hedged: Option<NodeId>,
    /// The part merged: the first to arrive. Set at most once (unless the
    /// root is the naive one that does not deduplicate).
    part: Option<u64>,
}

/// What the root remembers of a client, to answer its retries without
/// asking the leaves again.
#[derive(Debug, Default)]
struct Session {
    /// The client has every answer below this query.
    settled_below: QueryId,
    /// Answers sent and not yet known to be received: (matches, missing).
    answers: BTreeMap<QueryId, (u64, Vec<ShardId>)>,
}

impl Root {
    /// A root for `config`'s deployment.
    pub fn new(config: Config) -> Root {
        Root { config, gathers: BTreeMap::new(), in_progress: BTreeMap::new(), sessions: BTreeMap::new() }
    }

    /// How many gathers are under way.
    pub fn gathers_in_progress(&self) -> usize {
        self.gathers.len()
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, ScatterGather>) {
        match msg {
            Message::Query { query, settled_below } => self.on_query(from, query, settled_below, ctx),
            Message::Part { gather, shard, matches } => self.on_part(from, gather, shard, matches, ctx),
            Message::Search { .. } | Message::Answer { .. } => {
                ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES)
            }
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, ScatterGather>) {
        match timer {
            // A gather already answered has no entry: nothing to do.
            Timer::Deadline(gather) => {
                if self.gathers.contains_key(&gather) {
                    self.answer(gather, ctx);
                }
            }
            Timer::Hedge(gather) => self.hedge(gather, ctx),
            Timer::Arrival(_) | Timer::Retry(_) => {}
        }
    }

    fn on_query(
        &mut self,
        client: NodeId,
        query: QueryId,
        settled_below: QueryId,
        ctx: &mut Ctx<'_, ScatterGather>,
    ) {
        let session = self.sessions.entry(client).or_default();
        if settled_below > session.settled_below {
            session.settled_below = settled_below;
            session.answers = session.answers.split_off(&settled_below);
        }
        if query < session.settled_below {
            // A stale copy (a duplicated or long-delayed query): the client
            // already has its answer.
            return;
        }
        if let Some((matches, missing)) = session.answers.get(&query) {
            // The answer was lost, or is still on its way: send it again
            // rather than gather again (the client must not get two
            // different answers to one question).
            let answer = Message::Answer { query, matches: *matches, missing: missing.clone() };
            ctx.metrics().count(ANSWERS_RESENT);
            ctx.send(client, answer);
            return;
        }
        if self.in_progress.contains_key(&(client, query)) {
            // Its answer comes at the deadline at the latest.
            return;
        }
        self.scatter(client, query, ctx);
    }

    /// Starts a gather: one request per shard, to a replica drawn at random
    /// (spreading load over replicas), and the deadline.
    fn scatter(&mut self, client: NodeId, query: QueryId, ctx: &mut Ctx<'_, ScatterGather>) {
        let gather = ScatterGather::next_gather(ctx);
        ctx.emit(Observation::Scattered { query, gather, shards: self.config.shards });
        let mut shards = Vec::with_capacity(self.config.shards as usize);
        for shard in self.config.all_shards() {
            let replica = ctx.rng().random_range(0..self.config.replicas);
            let leaf = self.config.leaf(shard, replica);
            ctx.send(leaf, Message::Search { gather, query, shard });
            shards.push(ShardGather { asked: leaf, hedged: None, part: None });
        }
        ctx.metrics().add(LEAF_REQUESTS, u64::from(self.config.shards));
        let deadline = ctx.set_timer(self.config.deadline, Timer::Deadline(gather));
        let hedge = self
            .config
            .hedge_after
            .filter(|_| self.config.replicas > 1)
            .map(|after| ctx.set_timer(after, Timer::Hedge(gather)));
        let started = ctx.now();
        self.gathers.insert(gather, Gather { query, client, started, shards, deadline, hedge });
        self.in_progress.insert((client, query), gather);
    }

    /// Asks another replica of every shard of `gather` that is still silent.
    fn hedge(&mut self, gather: GatherId, ctx: &mut Ctx<'_, ScatterGather>) {
        let Some(g) = self.gathers.get_mut(&gather) else { return };
        let replicas = self.config.replicas;
        debug_assert!(replicas > 1, "a hedge needs a second replica");
        for (shard, state) in g.shards.iter_mut().enumerate() {
            if state.part.is_some() || state.hedged.is_some() {
                continue;
            }
            let shard = ShardId(shard as u32);
            let first = self.config.replica_of(state.asked).expect("the root only asks leaves");
            // Any replica but the one already asked.
            let other = (first + 1 + ctx.rng().random_range(0..replicas - 1)) % replicas;
            let leaf = self.config.leaf(shard, other);
            state.hedged = Some(leaf);
            ctx.send(leaf, Message::Search { gather, query: g.query, shard });
            ctx.emit(Observation::Hedged { gather, shard, to_leaf: leaf });
            ctx.metrics().count(HEDGES_SENT);
        }
    }

    fn on_part(
        &mut self,
        from: NodeId,
        gather: GatherId,
        shard: ShardId,
        matches: u64,
        ctx: &mut Ctx<'_, ScatterGather>,
    ) {
        // Answered already (a straggler, a hedge's loser after the answer)
        // or from before a restart: too late to count.
        let Some(g) = self.gathers.get_mut(&gather) else {
            ctx.metrics().count(PARTS_DISCARDED);
            return;
        };
        let Some(state) = g.shards.get_mut(shard.0 as usize) else {
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        };
        if from != state.asked && Some(from) != state.hedged {
            // Only the replicas asked may answer for the shard.
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        }
        if state.part.is_some() && self.config.dedupe_parts {
            // The slower of a hedged pair, or a duplicated message: merging
            // it would count the shard's documents twice.
            ctx.metrics().count(PARTS_DISCARDED);
            return;
        }
        // (Without deduplication, the naive root adds whatever arrives.)
        state.part = Some(state.part.unwrap_or(0) + matches);
        let hedge_won = Some(from) == state.hedged;
        let complete = g.shards.iter().all(|s| s.part.is_some());
        let started = g.started;
        ctx.emit(Observation::Merged { gather, shard, from_leaf: from, matches });
        let now = ctx.now();
        ctx.metrics().record(SHARD_LATENCY, now - started);
        if hedge_won {
            ctx.metrics().count(HEDGE_WINS);
        }
        if complete {
            self.answer(gather, ctx);
        }
    }

    /// Answers `gather`'s client with what has been merged, naming every
    /// shard that has not, and forgets the gather.
    fn answer(&mut self, gather: GatherId, ctx: &mut Ctx<'_, ScatterGather>) {
        let g = self.gathers.remove(&gather).expect("answer is only called for a gather under way");
        self.in_progress.remove(&(g.client, g.query));
        ctx.cancel_timer(g.deadline);
        if let Some(hedge) = g.hedge {
            ctx.cancel_timer(hedge);
        }
        let mut merged = Vec::new();
        let mut missing = Vec::new();
        let mut matches = 0;
        for (shard, state) in g.shards.iter().enumerate() {
            let shard = ShardId(shard as u32);
            match state.part {
                Some(part) => {
                    matches += part;
                    merged.push(shard);
                }
                None => missing.push(shard),
            }
        }
        debug_assert_eq!(
            merged.len() + missing.len(),
            self.config.shards as usize,
            "every shard is named once"
        );
        let complete = missing.is_empty();
        ctx.metrics().count(if complete { ANSWERS_COMPLETE } else { ANSWERS_PARTIAL });
        let now = ctx.now();
        ctx.metrics().record(GATHER_LATENCY, now - g.started);
        ctx.emit(Observation::Answered {
            query: g.query,
            gather,
            complete,
            matches,
            merged,
            missing: missing.clone(),
        });
        ctx.send(g.client, Message::Answer { query: g.query, matches, missing: missing.clone() });
        self.sessions.entry(g.client).or_default().answers.insert(g.query, (matches, missing));
    }
}

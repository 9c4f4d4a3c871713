//! A replica: follower, candidate or leader of the replicated log, and the
//! key-value store the log drives. Elections are in `election.rs`; here is
//! the rest of Raft (§5.3 log replication, §5.4 safety) and the store.

use std::collections::BTreeMap;

use weft_sim::{Ctx, NodeId, SimTime, TimerId};

use super::Replication;
use crate::replication::Config;
use crate::replication::kv::{Applied, KvStore};
use crate::replication::log::{Command, Entry};
use crate::replication::messages::{Message, Operation, Timer};
use crate::replication::metrics;
use crate::replication::observations::{EntryTag, Observation};

/// What a replica is doing in its current term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Following a leader (or waiting for one).
    Follower,
    /// Standing for election, with the votes received so far.
    Candidate {
        /// Who voted for us (ourselves first).
        votes: Vec<NodeId>,
    },
    /// Leading: what the leader knows of each replica's log, by replica
    /// number (its own entry is unused).
    Leader(Vec<Follower>),
}

/// What a leader knows of one follower's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Follower {
    /// The next index to send it (Raft's `nextIndex`): everything before is
    /// believed to match.
    pub next: u64,
    /// The highest index known to match the leader's log (`matchIndex`).
    pub matched: u64,
    /// The highest index sent and not known to be refused: entries up to it
    /// may be in flight, so new entries follow without waiting (pipelining).
    pub sent: u64,
}

/// One replica of the log and the store.
#[derive(Debug)]
pub struct Replica {
    pub(crate) me: NodeId,
    pub(crate) config: Config,
    pub(crate) role: Role,
    /// The leader of the current term, if known (for redirecting clients).
    pub(crate) leader: Option<NodeId>,
    /// The highest index known committed. Volatile: relearnt after a
    /// restart from the leader.
    commit_index: u64,
    /// The store, built by applying committed entries in order. Volatile:
    /// rebuilt from the log after a restart.
    kv: KvStore,
    pub(crate) election_timer: Option<TimerId>,
    pub(crate) heartbeat_timer: Option<TimerId>,
    /// Leader: when it appended each entry of its term not yet committed,
    /// to time commits.
    pub(crate) appended_at: BTreeMap<u64, SimTime>,
}

impl Replica {
    /// A replica with id `me` (replicas are nodes `0..config.replicas`).
    pub fn new(me: NodeId, config: Config) -> Replica {
        Replica {
            me,
            config,
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            kv: KvStore::default(),
            election_timer: None,
            heartbeat_timer: None,
            appended_at: BTreeMap::new(),
        }
    }

    /// True if this replica leads its current term.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// The highest index this replica knows committed.
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }

    /// The store as this replica has applied it.
    pub fn store(&self) -> &KvStore {
        &self.kv
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_, Replication>) {
        let wal = ctx.durable().wal();
        let (term, log_length) = (wal.term, wal.last_index());
        ctx.emit(Observation::Recovered { term, log_length });
        self.reset_election_timer(ctx);
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Replication>) {
        match msg {
            Message::RequestVote { term, last_index, last_term } => {
                self.on_request_vote(from, term, last_index, last_term, ctx)
            }
            Message::Vote { term, granted } => self.on_vote(from, term, granted, ctx),
            Message::AppendEntries { term, prev_index, prev_term, entries, leader_commit } => {
                self.on_append_entries(from, term, prev_index, prev_term, entries, leader_commit, ctx)
            }
            Message::AppendReply { term, success, index } => {
                self.on_append_reply(from, term, success, index, ctx)
            }
            Message::Request { client, request, op } => {
                self.on_client_request(from, client, request, op, ctx)
            }
            // Client-bound messages never reach a replica.
            Message::Reply { .. } | Message::NotLeader { .. } => {}
        }
    }

    pub(crate) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Replication>) {
        match timer {
            Timer::ElectionTimeout => self.on_election_timeout(ctx),
            Timer::Heartbeat => self.on_heartbeat(ctx),
            _ => {}
        }
    }

    // ----- Clients -----

    fn on_client_request(
        &mut self,
        from: NodeId,
        client: u32,
        request: u64,
        op: Operation,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        if !self.is_leader() {
            if let (true, Operation::Get { key }) = (self.config.follower_reads, &op) {
                // The broken variant: answer from this replica's copy, which
                // may not hold writes the leader has already acknowledged.
                let value = self.kv.get(key).map(str::to_string);
                ctx.send(from, Message::Reply { request, value });
                return;
            }
            ctx.send(from, Message::NotLeader { request, leader: self.leader });
            return;
        }
        // A retry of a request already applied: answer from the session.
        if let Some(value) = self.kv.answered(client, request) {
            ctx.send(from, Message::Reply { request, value });
            return;
        }
        if self.kv.has_applied(client, request) {
            return; // an old request of a client that has moved on
        }
        // A retry of a request already in the uncommitted tail: it will be
        // answered when that copy commits; a second copy would only be
        // skipped by the store.
        let wal = ctx.durable().wal();
        let pending = (self.commit_index + 1..=wal.last_index()).any(|i| {
            matches!(wal.entry(i), Some(Entry { command: Command::Request { client: c, request: r, .. }, .. })
                if *c == client && *r == request)
        });
        if pending {
            return;
        }
        let term = wal.term;
        let command = Command::Request { client, reply_to: from, request, op };
        self.append_and_replicate(Entry { term, command }, ctx);
    }

    // ----- Leader: replicate and commit -----

    /// Appends `entry` to the leader's log (durably) and sends it to every
    /// follower that is in step.
    pub(crate) fn append_and_replicate(&mut self, entry: Entry, ctx: &mut Ctx<'_, Replication>) {
        debug_assert!(self.is_leader(), "only a leader appends new entries");
        let index = ctx.durable().wal().append(entry);
        self.appended_at.insert(index, ctx.now());
        for peer in self.peers() {
            let Role::Leader(followers) = &self.role else { return };
            // A follower being caught up (or probed after a refusal) gets
            // the new entry in its turn; one in step gets it now.
            if followers[peer.index()].sent + 1 == index {
                self.send_append(peer, index, ctx);
            }
        }
        // Alone, a leader is its own majority.
        self.advance_commit(ctx);
    }

    /// Sends `to` the entries from `from` on (at most `batch_limit`), after
    /// the entry at `from - 1`.
    fn send_append(&mut self, to: NodeId, from: u64, ctx: &mut Ctx<'_, Replication>) {
        let batch = self.config.batch_limit;
        let commit = self.commit_index;
        let wal = ctx.durable().wal();
        let term = wal.term;
        let from = from.clamp(1, wal.last_index() + 1);
        let prev_index = from - 1;
        let prev_term = wal.term_at(prev_index).expect("prev_index is within the leader's log");
        let entries = wal.entries_from(from, batch);
        let Role::Leader(followers) = &mut self.role else { return };
        let follower = &mut followers[to.index()];
        follower.sent = follower.sent.max(prev_index + entries.len() as u64);
        ctx.send(to, Message::AppendEntries { term, prev_index, prev_term, entries, leader_commit: commit });
    }

    fn on_append_reply(
        &mut self,
        from: NodeId,
        term: u64,
        success: bool,
        index: u64,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        if self.observe_term(term, ctx) {
            return;
        }
        let wal = ctx.durable().wal();
        let (current, last) = (wal.term, wal.last_index());
        let Role::Leader(followers) = &mut self.role else { return };
        if term != current {
            return; // an answer to an earlier term's message
        }
        let follower = &mut followers[from.index()];
        let resend_from = if success {
            follower.matched = follower.matched.max(index);
            follower.next = follower.next.max(index + 1);
            follower.sent = follower.sent.max(follower.matched);
            // Catching up: send the next batch as soon as one lands.
            (follower.sent < last).then_some(follower.sent + 1)
        } else {
            // Refused: the follower's log does not hold our entry at the
            // message's prev_index. Go back to where it says its log (or the
            // conflicting term) begins; never behind what it acknowledged.
            let from = index.max(follower.matched + 1).min(last + 1);
            follower.next = follower.next.min(from);
            follower.sent = from - 1;
            Some(from)
        };
        if success {
            self.advance_commit(ctx);
        }
        if let Some(start) = resend_from
            && self.is_leader()
        {
            self.send_append(from, start, ctx);
        }
    }

    /// Commits the highest index held by a majority, if it is of the
    /// current term (Raft §5.4.2: an older entry is committed only by
    /// committing one of the leader's own term after it).
    fn advance_commit(&mut self, ctx: &mut Ctx<'_, Replication>) {
        let Role::Leader(followers) = &self.role else { return };
        let wal = ctx.durable().wal();
        let me = self.me.index();
        let mut matched: Vec<u64> = followers
            .iter()
            .enumerate()
            .map(|(i, f)| if i == me { wal.last_index() } else { f.matched })
            .collect();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let majority_holds = matched[self.majority() - 1];
        if majority_holds > self.commit_index && wal.term_at(majority_holds) == Some(wal.term) {
            self.commit_to(majority_holds, ctx);
        }
    }

    fn on_heartbeat(&mut self, ctx: &mut Ctx<'_, Replication>) {
        self.heartbeat_timer = None;
        let Role::Leader(followers) = &self.role else { return };
        let last = ctx.durable().wal().last_index();
        // Follower lag: how far each follower's acknowledged log is behind
        // the leader's, sampled once per heartbeat.
        let lags: Vec<u64> = self.peers().map(|p| last - followers[p.index()].matched.min(last)).collect();
        let worst = lags.iter().copied().max().unwrap_or(0);
        let m = ctx.metrics();
        m.add(metrics::LAG_SAMPLES, lags.len() as u64);
        m.add(metrics::LAG_TOTAL, lags.iter().sum());
        if m.gauge(metrics::LAG_MAX).is_none_or(|g| (worst as f64) > g) {
            m.set_gauge(metrics::LAG_MAX, worst as f64);
        }
        // A heartbeat asserts leadership, carries the commit index, and
        // resends whatever is unacknowledged (in case it was lost): from
        // `next`, which is past everything acknowledged.
        for peer in self.peers() {
            let Role::Leader(followers) = &self.role else { return };
            let next = followers[peer.index()].next;
            self.send_append(peer, next, ctx);
        }
        self.heartbeat_timer = Some(ctx.set_timer(self.config.heartbeat_interval, Timer::Heartbeat));
    }

    // ----- Follower -----

    #[allow(clippy::too_many_arguments)]
    fn on_append_entries(
        &mut self,
        leader: NodeId,
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        self.observe_term(term, ctx);
        let current = ctx.durable().wal().term;
        if term < current {
            // A deposed leader: tell it the newer term.
            ctx.send(leader, Message::AppendReply { term: current, success: false, index: prev_index + 1 });
            return;
        }
        debug_assert!(!self.is_leader(), "two leaders in term {term}");
        // The leader of our term: follow it, and give it a full timeout.
        self.become_follower(Some(leader), ctx);
        self.reset_election_timer(ctx);

        let commit = self.commit_index;
        let safe = self.config.vote_restriction;
        let wal = ctx.durable().wal();
        // The consistency check: our log must hold the leader's entry at
        // prev_index, or the new entries would not follow the same history.
        match wal.term_at(prev_index) {
            None => {
                let index = wal.last_index() + 1;
                ctx.send(leader, Message::AppendReply { term: current, success: false, index });
                return;
            }
            Some(ours) if ours != prev_term => {
                // Skip back over the whole conflicting term at once (its
                // first entries may well match: they are resent, and kept).
                debug_assert!(
                    !safe || prev_index > commit,
                    "a committed entry conflicts with the leader's log"
                );
                let index = wal.first_index_of_term_before(prev_index);
                ctx.send(leader, Message::AppendReply { term: current, success: false, index });
                return;
            }
            Some(_) => {}
        }
        let mut truncated = 0;
        for (offset, entry) in entries.iter().enumerate() {
            let index = prev_index + 1 + offset as u64;
            match wal.term_at(index) {
                // Already have it (a resend, or a reordered message).
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    // A conflicting, uncommitted entry of a deposed leader:
                    // it and everything after it go.
                    debug_assert!(!safe || index > commit, "truncating committed index {index}");
                    truncated += wal.last_index() - index + 1;
                    wal.truncate_from(index);
                    wal.append(entry.clone());
                }
                None => {
                    wal.append(entry.clone());
                }
            }
        }
        let matched = prev_index + entries.len() as u64;
        if truncated > 0 {
            ctx.metrics().add(metrics::ENTRIES_TRUNCATED, truncated);
        }
        // Written (durably) before the acknowledgement leaves.
        ctx.send(leader, Message::AppendReply { term: current, success: true, index: matched });
        // Only entries known to match the leader's may be committed here.
        let commit_to = leader_commit.min(matched);
        if commit_to > self.commit_index {
            self.commit_to(commit_to, ctx);
        }
    }

    // ----- Every replica: commit and apply -----

    /// Marks every entry up to `index` committed, and applies each to the
    /// store in order. The leader answers the clients waiting for them.
    fn commit_to(&mut self, index: u64, ctx: &mut Ctx<'_, Replication>) {
        debug_assert!(index > self.commit_index, "the commit index only grows");
        let leading = self.is_leader();
        for i in self.commit_index + 1..=index {
            let entry = ctx.durable().wal().entry(i).cloned().expect("committed entries are in the log");
            let tag = match &entry.command {
                Command::Noop => EntryTag::Noop,
                Command::Request { client, request, op, .. } => {
                    EntryTag::Request { client: *client, request: *request, write: op.is_write() }
                }
            };
            ctx.emit(Observation::Committed { index: i, term: entry.term, entry: tag });
            if let Some(appended) = self.appended_at.remove(&i) {
                let latency = ctx.now() - appended;
                ctx.metrics().record(metrics::COMMIT_LATENCY, latency);
            }
            if let Command::Request { client, reply_to, request, op } = entry.command {
                let value = match self.kv.apply(client, request, &op) {
                    Applied::Fresh(value) | Applied::Duplicate(value) => Some(value),
                    Applied::Stale => None,
                };
                if leading && let Some(value) = value {
                    ctx.send(reply_to, Message::Reply { request, value });
                }
            }
        }
        self.commit_index = index;
    }
}

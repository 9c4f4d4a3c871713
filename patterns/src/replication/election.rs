//! Leader election (Raft §5.2, with the vote restriction of §5.4.1).
//!
//! Time is cut into *terms*, numbered, each with at most one leader. A
//! follower that hears nothing from a leader for an election timeout
//! (randomised, so that replicas rarely stand at once) starts a new term,
//! votes for itself and asks the others. A replica votes at most once per
//! term (the vote is on disk before the answer leaves), and only for a
//! candidate whose log is at least as up to date as its own: that is what
//! makes every elected leader hold every committed entry. A majority of
//! votes makes a leader; any message with a higher term sends a replica
//! back to being a follower of that term.
//!
//! This file is the election half of [`Replica`]: the rest of the replica
//! (log replication, commit, apply) is in `roles/replica.rs`.

use std::time::Duration;

use rand::Rng;
use weft_sim::{Ctx, NodeId};

use super::log::{Command, Entry};
use super::messages::{Message, Timer};
use super::metrics;
use super::observations::Observation;
use super::roles::Replication;
use super::roles::replica::{Follower, Replica, Role};

impl Replica {
    /// The number of replicas that make a majority.
    pub(crate) fn majority(&self) -> usize {
        self.config.replicas / 2 + 1
    }

    /// The other replicas.
    pub(crate) fn peers(&self) -> impl Iterator<Item = NodeId> + use<> {
        let me = self.me;
        (0..self.config.replicas as u32).map(NodeId::new).filter(move |id| *id != me)
    }

    /// (Re)arms the election timer with a fresh random timeout in
    /// `[election_timeout, 2 × election_timeout)`.
    pub(crate) fn reset_election_timer(&mut self, ctx: &mut Ctx<'_, Replication>) {
        if let Some(timer) = self.election_timer.take() {
            ctx.cancel_timer(timer);
        }
        let base = self.config.election_timeout.as_nanos() as u64;
        let timeout = Duration::from_nanos(ctx.rng().random_range(base..2 * base));
        self.election_timer = Some(ctx.set_timer(timeout, Timer::ElectionTimeout));
    }

    /// Adopts `term` if it is newer than ours, as a follower who has not
    /// voted in it. Returns true if it was newer.
    pub(crate) fn observe_term(&mut self, term: u64, ctx: &mut Ctx<'_, Replication>) -> bool {
        let wal = ctx.durable().wal();
        if term <= wal.term {
            return false;
        }
        wal.term = term;
        wal.voted_for = None;
        self.become_follower(None, ctx);
        true
    }

    /// Becomes a follower of the current term (of `leader`, if known).
    pub(crate) fn become_follower(&mut self, leader: Option<NodeId>, ctx: &mut Ctx<'_, Replication>) {
        if let Role::Leader(_) = self.role {
            if let Some(timer) = self.heartbeat_timer.take() {
                ctx.cancel_timer(timer);
            }
            self.appended_at.clear();
        }
        let was_follower = matches!(self.role, Role::Follower);
        self.role = Role::Follower;
        self.leader = leader;
        if !was_follower || self.election_timer.is_none() {
            self.reset_election_timer(ctx);
        }
    }

    /// The election timer fired: nobody led for a whole timeout, so stand.
    pub(crate) fn on_election_timeout(&mut self, ctx: &mut Ctx<'_, Replication>) {
        self.election_timer = None;
        if let Role::Leader(_) = self.role {
            return;
        }
        let me = self.me;
        let wal = ctx.durable().wal();
        wal.term += 1;
        wal.voted_for = Some(me);
        let (term, last_index, last_term) = (wal.term, wal.last_index(), wal.last_term());
        ctx.metrics().count(metrics::ELECTIONS);
        self.role = Role::Candidate { votes: vec![me] };
        self.leader = None;
        self.reset_election_timer(ctx);
        for peer in self.peers() {
            ctx.send(peer, Message::RequestVote { term, last_index, last_term });
        }
        if self.majority() == 1 {
            self.become_leader(ctx);
        }
    }

    /// A candidate asks for our vote.
    pub(crate) fn on_request_vote(
        &mut self,
        candidate: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        self.observe_term(term, ctx);
        let check_logs = self.config.vote_restriction;
        let wal = ctx.durable().wal();
        let granted = term == wal.term
            && wal.voted_for.is_none_or(|v| v == candidate)
            && (!check_logs || wal.at_most_as_up_to_date_as(last_index, last_term));
        if granted {
            // On disk before the answer leaves: a replica that forgot its
            // vote could vote again in this term and elect a second leader.
            wal.voted_for = Some(candidate);
        }
        let current = wal.term;
        if granted {
            // Granting a vote is hearing from a live candidate: give it time.
            self.reset_election_timer(ctx);
        }
        ctx.send(candidate, Message::Vote { term: current, granted });
    }

    /// A replica answers our request for its vote.
    pub(crate) fn on_vote(
        &mut self,
        voter: NodeId,
        term: u64,
        granted: bool,
        ctx: &mut Ctx<'_, Replication>,
    ) {
        if self.observe_term(term, ctx) {
            return;
        }
        let current = ctx.durable().wal().term;
        let majority = self.majority();
        let Role::Candidate { votes } = &mut self.role else { return };
        if term != current || !granted || votes.contains(&voter) {
            return;
        }
        votes.push(voter);
        if votes.len() >= majority {
            self.become_leader(ctx);
        }
    }

    /// Won the election: lead the current term.
    fn become_leader(&mut self, ctx: &mut Ctx<'_, Replication>) {
        if let Some(timer) = self.election_timer.take() {
            ctx.cancel_timer(timer);
        }
        let wal = ctx.durable().wal();
        let (term, last) = (wal.term, wal.last_index());
        debug_assert_eq!(wal.voted_for, Some(self.me), "a leader voted for itself");
        self.role =
            Role::Leader(vec![Follower { next: last + 1, matched: 0, sent: last }; self.config.replicas]);
        self.leader = Some(self.me);
        ctx.metrics().count(metrics::ELECTIONS_WON);
        ctx.emit(Observation::BecameLeader { term });
        // A leader commits only entries of its own term (counting replicas
        // of an older entry is not enough: Raft §5.4.2, Figure 8), so it
        // starts its term with a no-op; committing it commits everything
        // before it, and tells the leader where the commit index is.
        self.append_and_replicate(Entry { term, command: Command::Noop }, ctx);
        self.heartbeat_timer = Some(ctx.set_timer(self.config.heartbeat_interval, Timer::Heartbeat));
    }
}

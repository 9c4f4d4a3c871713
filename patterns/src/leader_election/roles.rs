//! The node: drives an [`Election`] with timers and messages.
//!
//! The rules (who may vote for whom, when a candidate has won) live in
//! [`Election`]; this file only connects them to the world: it arms the
//! election timer, sends vote requests and heartbeats, stores the hard state
//! before answering, and tells the world what changed.

use std::time::Duration;

use rand::Rng;
use weft_sim::{Ctx, Node, NodeId, SimTime, TimerId};

use super::election::{Election, HardState, LeaderCheck, Tally, TermCheck, Vote, Was};
use super::messages::{Message, Timer};
use super::metrics::{
    ELECTIONS_STARTED, ELECTIONS_TIMED_OUT, ELECTIONS_WON, FAILOVER_TIME, HEARTBEATS_SENT, LEADER_STEP_DOWNS,
    VOTES_GRANTED, VOTES_REFUSED,
};
use super::observations::Observation;
use super::{Config, Term, VoteStorage};

/// A member of the cluster: every node plays the same role, and is at any
/// moment a follower, a candidate or the leader of its current term.
#[derive(Debug)]
pub struct ElectionNode {
    config: Config,
    election: Election,
    /// The armed election timer, and its round.
    election_timer: Option<TimerId>,
    /// Bumped at every reset: a timeout of an older round is ignored.
    election_round: u64,
    /// The armed heartbeat timer, while leading.
    heartbeat_timer: Option<TimerId>,
    /// When this node last heard a leader's heartbeat (true time: only to
    /// measure the failover time, never to decide anything).
    last_heard_leader: Option<SimTime>,
}

impl ElectionNode {
    /// Node `me` of a cluster of `members` nodes. Its term and vote are read
    /// from storage when it starts.
    pub fn new(me: NodeId, members: usize, config: Config) -> ElectionNode {
        ElectionNode {
            config,
            election: Election::new(me, members, HardState::default()),
            election_timer: None,
            election_round: 0,
            heartbeat_timer: None,
            last_heard_leader: None,
        }
    }

    /// The node's election state (for tests and the explorer; checks read
    /// observations instead).
    pub fn election(&self) -> &Election {
        &self.election
    }

    /// True if the node believes it leads its current term.
    pub fn is_leader(&self) -> bool {
        self.election.is_leader()
    }

    /// Writes the hard state to disk, if the storage is durable. Called
    /// after every change to the term or the vote, and before any message
    /// that depends on it is sent: that order is the whole safety argument
    /// across restarts.
    fn persist(&self, ctx: &mut Ctx<'_, Self>) {
        match self.config.vote_storage {
            VoteStorage::Durable => *ctx.durable() = self.election.hard_state(),
            // The broken variant: the vote lives only in memory.
            VoteStorage::Volatile => {}
        }
    }

    /// Arms the election timer afresh, for a random time in the configured
    /// range: randomness makes it likely that one node times out well before
    /// the others and wins before anyone competes.
    fn reset_election_timer(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let Some(old) = self.election_timer.take() {
            ctx.cancel_timer(old);
        }
        let (min, max) = (self.config.election_timeout_min, self.config.election_timeout_max);
        let timeout = if max > min {
            let nanos = ctx.rng().random_range(min.as_nanos() as u64..max.as_nanos() as u64);
            Duration::from_nanos(nanos)
        } else {
            min
        };
        self.election_round += 1;
        self.election_timer =
            Some(ctx.set_timer(timeout, Timer::ElectionTimeout { round: self.election_round }));
    }

    fn stop_election_timer(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let Some(old) = self.election_timer.take() {
            ctx.cancel_timer(old);
        }
        // Any timeout already due (waiting while the node was paused) is
        // now of an old round.
        self.election_round += 1;
    }

    /// Every other member of the cluster. Raft talks to its configured
    /// members, not to its network neighbours: a member it has no route to
    /// is just unreachable, like a partitioned one.
    fn peers(ctx: &Ctx<'_, Self>) -> impl Iterator<Item = NodeId> + 'static {
        let (me, members) = (ctx.me(), ctx.node_count() as u32);
        (0..members).map(NodeId::new).filter(move |n| *n != me)
    }

    /// Handles a term seen in a message: adopts it if newer, stepping down
    /// from leading or standing. `announce` also reports a follower's
    /// change (when no `Voted` or `Follows` will say it).
    fn observe_term(&mut self, term: Term, announce: bool, ctx: &mut Ctx<'_, Self>) -> TermCheck {
        let check = self.election.observe_term(term);
        if let TermCheck::Newer { was } = check {
            self.persist(ctx);
            if was == Was::Leader {
                ctx.metrics().count(LEADER_STEP_DOWNS);
                if let Some(timer) = self.heartbeat_timer.take() {
                    ctx.cancel_timer(timer);
                }
                // A follower again: it must notice if the new leader fails.
                self.reset_election_timer(ctx);
            }
            if was != Was::Follower || announce {
                ctx.emit(Observation::SteppedDown { term });
            }
        }
        check
    }

    fn start_election(&mut self, ctx: &mut Ctx<'_, Self>) {
        let campaign = self.election.start_election();
        // The new term and the vote for itself are on disk before anyone is
        // asked: a restart must not let this node vote again in this term.
        self.persist(ctx);
        ctx.metrics().count(ELECTIONS_STARTED);
        ctx.emit(Observation::BecameCandidate { term: campaign.term });
        if campaign.won {
            self.become_leader(ctx);
            return;
        }
        for peer in Self::peers(ctx) {
            ctx.send(peer, Message::RequestVote { term: campaign.term });
        }
        // If no majority answers in time (a split vote, lost messages), the
        // timer fires again and the node tries a newer term.
        self.reset_election_timer(ctx);
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_, Self>) {
        debug_assert!(self.election.is_leader());
        debug_assert_eq!(self.election.voted_for(), Some(ctx.me()), "a leader voted for itself");
        ctx.metrics().count(ELECTIONS_WON);
        // The failover as this node lived it: from the last word of the old
        // leader, through its election timeout, to its own victory.
        if let Some(heard) = self.last_heard_leader.take() {
            let failover = ctx.now().saturating_since(heard);
            ctx.metrics().record(FAILOVER_TIME, failover);
        }
        ctx.emit(Observation::BecameLeader { term: self.election.term() });
        self.stop_election_timer(ctx);
        // Assert leadership at once, so the other candidates stand down.
        self.send_heartbeats(ctx);
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<'_, Self>) {
        let term = self.election.term();
        for peer in Self::peers(ctx) {
            ctx.send(peer, Message::Heartbeat { term });
            ctx.metrics().count(HEARTBEATS_SENT);
        }
        self.heartbeat_timer =
            Some(ctx.set_timer(self.config.heartbeat_interval, Timer::HeartbeatDue { term }));
    }

    fn on_request_vote(&mut self, candidate: NodeId, term: Term, ctx: &mut Ctx<'_, Self>) {
        // A follower adopting the candidate's term is reported by `Voted`,
        // or below if it refuses.
        let check = self.observe_term(term, false, ctx);
        let vote = self.election.decide_vote(candidate, term, true);
        if !vote.granted() && check == (TermCheck::Newer { was: Was::Follower }) {
            ctx.emit(Observation::SteppedDown { term });
        }
        match vote {
            Vote::Granted | Vote::AlreadyGranted => {
                // Stored before the answer leaves: Raft's rule.
                self.persist(ctx);
                ctx.metrics().count(VOTES_GRANTED);
                ctx.emit(Observation::Voted { term, candidate });
                // Give the candidate time to win before standing ourselves.
                self.reset_election_timer(ctx);
            }
            Vote::StaleTerm | Vote::VotedFor(_) | Vote::NotUpToDate => ctx.metrics().count(VOTES_REFUSED),
        }
        ctx.send(candidate, Message::VoteReply { term: self.election.term(), granted: vote.granted() });
    }

    fn on_vote_reply(&mut self, voter: NodeId, term: Term, granted: bool, ctx: &mut Ctx<'_, Self>) {
        if let TermCheck::Newer { .. } = self.observe_term(term, true, ctx) {
            return;
        }
        if self.election.record_vote(voter, term, granted) == Tally::Won {
            self.become_leader(ctx);
        }
    }

    fn on_heartbeat(&mut self, leader: NodeId, term: Term, ctx: &mut Ctx<'_, Self>) {
        // A stale leader is told the newer term, so it steps down.
        if self.observe_term(term, false, ctx) == TermCheck::Stale {
            ctx.send(leader, Message::HeartbeatReply { term: self.election.term(), accepted: false });
            return;
        }
        match self.election.accept_leader(leader, term) {
            LeaderCheck::NewLeader => ctx.emit(Observation::Follows { term, leader }),
            LeaderCheck::Known => {}
            // Two leaders in one term: only a node that forgot its votes can
            // cause it. Keep what we have; the checker reports the breach.
            LeaderCheck::Conflict => return,
        }
        self.last_heard_leader = Some(ctx.now());
        self.reset_election_timer(ctx);
        ctx.send(leader, Message::HeartbeatReply { term, accepted: true });
    }
}

impl Node for ElectionNode {
    type Message = Message;
    type Timer = Timer;
    type Observation = Observation;
    type Durable = HardState;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        let hard = match self.config.vote_storage {
            VoteStorage::Durable => *ctx.durable(),
            VoteStorage::Volatile => HardState::default(),
        };
        self.election = Election::new(ctx.me(), ctx.node_count(), hard);
        ctx.emit(Observation::Started { term: hard.term, voted_for: hard.voted_for });
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match msg {
            Message::RequestVote { term } => self.on_request_vote(from, term, ctx),
            Message::VoteReply { term, granted } => self.on_vote_reply(from, term, granted, ctx),
            Message::Heartbeat { term } => self.on_heartbeat(from, term, ctx),
            Message::HeartbeatReply { term, .. } => {
                // Only a newer term matters: this leader has been deposed.
                self.observe_term(term, true, ctx);
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            Timer::ElectionTimeout { round } => {
                if round != self.election_round || self.election.is_leader() {
                    return;
                }
                self.election_timer = None;
                if self.election.is_candidate() {
                    ctx.metrics().count(ELECTIONS_TIMED_OUT);
                }
                self.start_election(ctx);
            }
            Timer::HeartbeatDue { term } => {
                if self.election.is_leader() && self.election.term() == term {
                    self.send_heartbeats(ctx);
                }
            }
        }
    }
}

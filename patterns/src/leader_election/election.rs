//! The election state machine: terms, votes and roles, with no I/O.
//!
//! [`Election`] is the part of Raft that decides *who leads*: it keeps the
//! current term, whom this node voted for in it, and whether the node is a
//! follower, a candidate or the leader. It never sends, sets timers or
//! writes to disk: each method changes the state and says what happened,
//! and the node that drives it does the talking. That keeps the rules in one
//! place, testable on their own, and reusable: a replicated log drives the
//! same `Election` and only adds its own condition to a vote (the
//! candidate's log must be at least as up to date as the voter's, passed as
//! `candidate_up_to_date` to [`Election::decide_vote`]).
//!
//! The one rule the driver must keep: whenever [`Election::hard_state`]
//! changes, write it to durable storage *before* sending anything that
//! depends on it (a vote, a vote request). A vote that is sent but not
//! remembered can be given again after a restart, to someone else.

use serde::Serialize;
use weft_sim::NodeId;

/// A term: Raft's logical clock. Terms only grow, and each has at most one
/// leader.
pub type Term = u64;

/// What an election must keep on disk (Raft's "persistent state"): the
/// current term, and whom this node voted for in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct HardState {
    /// The latest term this node has seen.
    pub term: Term,
    /// The candidate this node voted for in `term` (itself, if it stood).
    pub voted_for: Option<NodeId>,
}

/// What a node is in its current term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Follows `leader`, once it knows who that is.
    Follower {
        /// The leader of the current term, if heard from.
        leader: Option<NodeId>,
    },
    /// Stands for election, and counts the votes it was granted (its own
    /// included).
    Candidate {
        /// The nodes that voted for it in this term, without repeats.
        votes: Vec<NodeId>,
    },
    /// Won the current term's election.
    Leader,
}

/// What a node was before a higher term made it a follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Was {
    /// A follower.
    Follower,
    /// A candidate: its election is abandoned.
    Candidate,
    /// The leader: it steps down.
    Leader,
}

/// How a term carried by a message compares with the node's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermCheck {
    /// Older than the node's term: the message is from the past.
    Stale,
    /// The node's term.
    Current,
    /// Newer: the node has adopted it, as a follower with no vote yet.
    Newer {
        /// What the node was before.
        was: Was,
    },
}

/// The answer to a vote request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vote {
    /// Granted now, for the first time in this term.
    Granted,
    /// Granted before, to the same candidate (a repeated request).
    AlreadyGranted,
    /// Refused: the request is for an older term.
    StaleTerm,
    /// Refused: this node already voted for someone else in this term.
    VotedFor(NodeId),
    /// Refused: the candidate is not up to date (a replicated log's check).
    NotUpToDate,
}

impl Vote {
    /// True if the answer is yes.
    pub fn granted(self) -> bool {
        matches!(self, Vote::Granted | Vote::AlreadyGranted)
    }
}

/// What a vote reply did to a candidacy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    /// Not for this node's current candidacy (late, refused, or repeated).
    Ignored,
    /// Counted; not a majority yet.
    Counted,
    /// Counted, and now a majority: the node leads this term.
    Won,
}

/// What a message from the leader of the current term did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaderCheck {
    /// The node now knows this leader (first message from it this term).
    NewLeader,
    /// Already known.
    Known,
    /// This node, or another node it follows, already leads this term:
    /// only possible if votes were forgotten (two leaders in one term).
    Conflict,
}

/// The result of starting an election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Campaign {
    /// The new term the node stands in.
    pub term: Term,
    /// True if its own vote is a majority (a cluster of one).
    pub won: bool,
}

/// The election state of one node of a cluster of `members` nodes.
#[derive(Clone, Debug)]
pub struct Election {
    me: NodeId,
    members: usize,
    hard: HardState,
    role: Role,
}

impl Election {
    /// A follower of a cluster of `members` nodes, starting from `hard`
    /// (what it read from disk: the default on first start).
    pub fn new(me: NodeId, members: usize, hard: HardState) -> Election {
        assert!(members >= 1, "a cluster has at least one member");
        Election { me, members, hard, role: Role::Follower { leader: None } }
    }

    /// The votes that make a majority of the cluster.
    pub fn quorum(&self) -> usize {
        self.members / 2 + 1
    }

    /// The current term.
    pub fn term(&self) -> Term {
        self.hard.term
    }

    /// Whom this node voted for in the current term.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.hard.voted_for
    }

    /// What must be on disk.
    pub fn hard_state(&self) -> HardState {
        self.hard
    }

    /// The node's role in the current term.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// True if this node leads the current term.
    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// True if this node stands for election in the current term.
    pub fn is_candidate(&self) -> bool {
        matches!(self.role, Role::Candidate { .. })
    }

    /// The leader of the current term as this node knows it (itself, if it
    /// leads).
    pub fn leader(&self) -> Option<NodeId> {
        match self.role {
            Role::Leader => Some(self.me),
            Role::Follower { leader } => leader,
            Role::Candidate { .. } => None,
        }
    }

    /// Compares a message's term with the node's, and adopts it if newer:
    /// whatever the node was, a newer term makes it a follower with no vote
    /// and no leader yet. Every message's term goes through here first.
    pub fn observe_term(&mut self, term: Term) -> TermCheck {
        if term < self.hard.term {
            return TermCheck::Stale;
        }
        if term == self.hard.term {
            return TermCheck::Current;
        }
        let was = match self.role {
            Role::Follower { .. } => Was::Follower,
            Role::Candidate { .. } => Was::Candidate,
            Role::Leader => Was::Leader,
        };
        self.hard = HardState { term, voted_for: None };
        self.role = Role::Follower { leader: None };
        TermCheck::Newer { was }
    }

    /// Stands for election: a new term, a vote for itself. A leader never
    /// does this (it would depose itself).
    pub fn start_election(&mut self) -> Campaign {
        debug_assert!(!self.is_leader(), "a leader does not stand for election");
        self.hard = HardState { term: self.hard.term + 1, voted_for: Some(self.me) };
        self.role = Role::Candidate { votes: vec![self.me] };
        let won = self.quorum() <= 1;
        if won {
            self.role = Role::Leader;
        }
        Campaign { term: self.hard.term, won }
    }

    /// Decides on `candidate`'s request for a vote in `term` (call
    /// [`Election::observe_term`] first). At most one candidate per term
    /// gets this node's vote; `candidate_up_to_date` is the extra condition
    /// of a replicated log (pass `true` when there is none).
    pub fn decide_vote(&mut self, candidate: NodeId, term: Term, candidate_up_to_date: bool) -> Vote {
        if term < self.hard.term {
            return Vote::StaleTerm;
        }
        debug_assert_eq!(term, self.hard.term, "observe_term adopts a newer term before a vote");
        match self.hard.voted_for {
            Some(voted) if voted == candidate => Vote::AlreadyGranted,
            Some(voted) => Vote::VotedFor(voted),
            None if !candidate_up_to_date => Vote::NotUpToDate,
            None => {
                // A node that has not voted this term is a follower: a
                // candidate or leader voted for itself.
                debug_assert!(matches!(self.role, Role::Follower { .. }), "no vote yet, so a follower");
                self.hard.voted_for = Some(candidate);
                Vote::Granted
            }
        }
    }

    /// Counts `voter`'s answer for `term` (call [`Election::observe_term`]
    /// first).
    pub fn record_vote(&mut self, voter: NodeId, term: Term, granted: bool) -> Tally {
        let quorum = self.quorum();
        let Role::Candidate { votes } = &mut self.role else { return Tally::Ignored };
        if term != self.hard.term || !granted || votes.contains(&voter) {
            return Tally::Ignored;
        }
        votes.push(voter);
        debug_assert!(votes.len() <= self.members, "no more votes than members");
        if votes.len() >= quorum {
            self.role = Role::Leader;
            Tally::Won
        } else {
            Tally::Counted
        }
    }

    /// Takes note of a message from `leader`, which claims to lead `term`
    /// (call [`Election::observe_term`] first; `term` is then current). A
    /// candidate of the same term has lost, and follows.
    pub fn accept_leader(&mut self, leader: NodeId, term: Term) -> LeaderCheck {
        debug_assert_eq!(term, self.hard.term, "observe_term adopts a newer term before a leader");
        match self.role {
            Role::Leader => LeaderCheck::Conflict,
            Role::Follower { leader: Some(known) } if known == leader => LeaderCheck::Known,
            Role::Follower { leader: Some(_) } => LeaderCheck::Conflict,
            Role::Follower { leader: None } | Role::Candidate { .. } => {
                self.role = Role::Follower { leader: Some(leader) };
                LeaderCheck::NewLeader
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> NodeId {
        NodeId::new(i)
    }

    #[test]
    fn a_candidate_wins_with_a_majority_and_not_before() {
        let mut e = Election::new(n(0), 5, HardState::default());
        assert_eq!(e.start_election(), Campaign { term: 1, won: false });
        assert_eq!(e.record_vote(n(1), 1, true), Tally::Counted);
        assert_eq!(e.record_vote(n(1), 1, true), Tally::Ignored, "a repeated vote counts once");
        assert_eq!(e.record_vote(n(2), 1, false), Tally::Ignored);
        assert_eq!(e.record_vote(n(3), 0, true), Tally::Ignored, "a vote of an old term");
        assert_eq!(e.record_vote(n(4), 1, true), Tally::Won);
        assert!(e.is_leader());
        assert_eq!(e.leader(), Some(n(0)));
    }

    #[test]
    fn a_cluster_of_one_elects_itself_at_once() {
        let mut e = Election::new(n(0), 1, HardState::default());
        assert_eq!(e.start_election(), Campaign { term: 1, won: true });
        assert!(e.is_leader());
    }

    #[test]
    fn one_vote_per_term() {
        let mut e = Election::new(n(2), 3, HardState::default());
        assert_eq!(e.observe_term(4), TermCheck::Newer { was: Was::Follower });
        assert_eq!(e.decide_vote(n(0), 4, true), Vote::Granted);
        assert_eq!(e.decide_vote(n(0), 4, true), Vote::AlreadyGranted);
        assert_eq!(e.decide_vote(n(1), 4, true), Vote::VotedFor(n(0)));
        assert_eq!(e.decide_vote(n(1), 3, true), Vote::StaleTerm);
        assert_eq!(e.hard_state(), HardState { term: 4, voted_for: Some(n(0)) });
        // A new term frees the vote.
        assert_eq!(e.observe_term(5), TermCheck::Newer { was: Was::Follower });
        assert_eq!(e.decide_vote(n(1), 5, false), Vote::NotUpToDate);
        assert_eq!(e.decide_vote(n(1), 5, true), Vote::Granted);
    }

    #[test]
    fn the_vote_survives_through_hard_state() {
        let mut e = Election::new(n(2), 3, HardState::default());
        e.observe_term(1);
        assert!(e.decide_vote(n(0), 1, true).granted());
        let mut restarted = Election::new(n(2), 3, e.hard_state());
        assert_eq!(restarted.observe_term(1), TermCheck::Current);
        assert_eq!(restarted.decide_vote(n(1), 1, true), Vote::VotedFor(n(0)));
    }

    #[test]
    fn a_higher_term_deposes_a_leader_and_a_candidate_follows_the_winner() {
        let mut e = Election::new(n(0), 3, HardState::default());
        e.start_election();
        assert_eq!(e.record_vote(n(1), 1, true), Tally::Won);
        assert_eq!(e.observe_term(1), TermCheck::Current);
        assert_eq!(e.observe_term(0), TermCheck::Stale);
        assert_eq!(e.observe_term(2), TermCheck::Newer { was: Was::Leader });
        assert_eq!(e.role(), &Role::Follower { leader: None });
        assert_eq!(e.voted_for(), None);

        let mut c = Election::new(n(1), 3, HardState { term: 2, voted_for: None });
        c.start_election();
        assert_eq!(c.accept_leader(n(2), 3), LeaderCheck::NewLeader);
        assert_eq!(c.leader(), Some(n(2)));
        assert_eq!(c.accept_leader(n(2), 3), LeaderCheck::Known);
        assert_eq!(c.accept_leader(n(0), 3), LeaderCheck::Conflict);
    }
}

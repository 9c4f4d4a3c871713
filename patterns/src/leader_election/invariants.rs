//! The election's properties, and the checker that folds observations into
//! them.
//!
//! The checker sees only what nodes emit ([`Observation`]s), in order, with
//! their times: never a node's memory. It remembers every vote of every node
//! in every term, across restarts (a restart forgets; the checker does not),
//! and every term's leader.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_sim::{NodeId, SimTime};

use super::Term;
use super::metrics::{SPLIT_VOTES, TERMS};
use super::observations::Observation;
use crate::check::Breach;

/// Always: no two nodes become leader of the same term.
pub const ONE_LEADER_PER_TERM: &str = "one-leader-per-term";
/// Always: no node votes for two candidates in one term, even across its
/// restarts (standing for election is a vote for itself).
pub const ONE_VOTE_PER_TERM: &str = "one-vote-per-term";
/// Eventually: some running node leads a term, and a majority of the
/// cluster (the leader included) is running and follows it in that term.
pub const LEADER_ELECTED: &str = "leader-elected";

/// What a node last said about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Nothing yet.
    Unknown,
    /// Started or restarted in this term, leader unknown.
    Started(Term),
    /// Stands for election in this term.
    Candidate(Term),
    /// A follower of this term, with its leader if it has heard from one.
    Follower(Term, Option<NodeId>),
    /// Leads this term.
    Leader(Term),
}

/// Folds the observations of a run into its election properties and
/// metrics.
#[derive(Clone, Debug)]
pub struct ElectionChecker {
    names: Vec<String>,
    /// Each term's leader.
    leaders: BTreeMap<Term, NodeId>,
    /// Each node's vote in each term it voted in, never forgotten.
    votes: BTreeMap<(NodeId, Term), NodeId>,
    /// What each node last said.
    views: Vec<View>,
    /// When each node stood for election in each term.
    candidacies: BTreeMap<(Term, NodeId), SimTime>,
    /// The highest term any node mentioned.
    highest_term: Term,
    /// The highest term that had a leader.
    highest_led: Term,
    /// When the current leader gap started, if one is open.
    gap_since: Option<SimTime>,
    /// The leader gaps that ended.
    gaps: Vec<Duration>,
}

impl ElectionChecker {
    /// A checker for a cluster whose nodes are called `names` (node `i` is
    /// `names[i]`).
    pub fn new(names: Vec<String>) -> ElectionChecker {
        let views = vec![View::Unknown; names.len()];
        ElectionChecker {
            names,
            leaders: BTreeMap::new(),
            votes: BTreeMap::new(),
            views,
            candidacies: BTreeMap::new(),
            highest_term: 0,
            highest_led: 0,
            gap_since: None,
            gaps: Vec::new(),
        }
    }

    fn name(&self, node: NodeId) -> &str {
        self.names.get(node.index()).map_or("?", String::as_str)
    }

    /// Folds one observation by `node` at `time`; `Err` when it breaks an
    /// always-property. The fold goes on after a breach.
    pub fn observe(&mut self, time: SimTime, node: NodeId, observation: &Observation) -> Result<(), Breach> {
        let mut breach = None;
        let (view, term) = match *observation {
            Observation::Started { term, .. } => (View::Started(term), term),
            Observation::BecameCandidate { term } => {
                self.candidacies.entry((term, node)).or_insert(time);
                breach = self.vote(node, term, node);
                (View::Candidate(term), term)
            }
            Observation::Voted { term, candidate } => {
                // Another node agrees that a newer term needs a leader: a
                // gap is open, since that candidate stood.
                if self.gap_since.is_none() && term > self.highest_led && candidate != node {
                    self.gap_since = Some(self.candidacies.get(&(term, candidate)).copied().unwrap_or(time));
                }
                breach = self.vote(node, term, candidate);
                (View::Follower(term, None), term)
            }
            Observation::BecameLeader { term } => {
                if let Some(&other) = self.leaders.get(&term)
                    && other != node
                {
                    breach = Some(Breach::new(
                        ONE_LEADER_PER_TERM,
                        format!(
                            "{} became leader of term {term}, which {} already leads",
                            self.name(node),
                            self.name(other)
                        ),
                    ));
                } else {
                    self.leaders.insert(term, node);
                }
                if term > self.highest_led {
                    self.highest_led = term;
                    // A cluster of one wins without anyone's vote: its gap
                    // is its own candidacy.
                    let since =
                        self.gap_since.take().or_else(|| self.candidacies.get(&(term, node)).copied());
                    if let Some(since) = since {
                        self.gaps.push(time.saturating_since(since));
                    }
                }
                (View::Leader(term), term)
            }
            Observation::SteppedDown { term } => (View::Follower(term, None), term),
            Observation::Follows { term, leader } => (View::Follower(term, Some(leader)), term),
        };
        if let Some(slot) = self.views.get_mut(node.index()) {
            *slot = view;
        }
        self.highest_term = self.highest_term.max(term);
        breach.map_or(Ok(()), Err)
    }

    /// Records `voter`'s vote for `candidate` in `term`.
    fn vote(&mut self, voter: NodeId, term: Term, candidate: NodeId) -> Option<Breach> {
        match self.votes.get(&(voter, term)) {
            Some(&earlier) if earlier != candidate => {
                let whom =
                    |n: NodeId| if n == voter { "itself".to_string() } else { self.name(n).to_string() };
                Some(Breach::new(
                    ONE_VOTE_PER_TERM,
                    format!(
                        "{} voted for {} in term {term}, and earlier for {} in the same term",
                        self.name(voter),
                        whom(candidate),
                        whom(earlier)
                    ),
                ))
            }
            Some(_) => None,
            None => {
                self.votes.insert((voter, term), candidate);
                None
            }
        }
    }

    /// What node `node` last said about itself.
    pub fn view(&self, node: NodeId) -> View {
        self.views.get(node.index()).copied().unwrap_or(View::Unknown)
    }

    /// The current leader: the leader of the newest term that had one, if
    /// its last word is still that it leads and `up` says it is running. (A
    /// leader of an older term is deposed, even if it does not know yet; a
    /// crashed or restarted newest leader means there is no leader now.)
    pub fn leader(&self, up: impl Fn(NodeId) -> bool) -> Option<(NodeId, Term)> {
        let term = self.highest_led;
        let &node = self.leaders.get(&term)?;
        (self.view(node) == View::Leader(term) && up(node)).then_some((node, term))
    }

    /// Judges [`LEADER_ELECTED`] now: `Ok` with the leader if some running
    /// node (per `up`) leads a term and a majority of the cluster, itself
    /// included, is running and follows it in that term.
    pub fn leader_elected(&self, up: impl Fn(NodeId) -> bool) -> Result<NodeId, String> {
        let members = self.views.len();
        let quorum = members / 2 + 1;
        let Some((leader, term)) = self.leader(&up) else {
            return Err(match self.highest_led {
                0 => "no node has ever become leader".to_string(),
                t => format!("no running node leads (the last leader was elected in term {t})"),
            });
        };
        let following = (0..members as u32)
            .map(NodeId::new)
            .filter(|n| {
                *n == leader || (up(*n) && self.views[n.index()] == View::Follower(term, Some(leader)))
            })
            .count();
        if following >= quorum {
            Ok(leader)
        } else {
            Err(format!(
                "{} leads term {term}, but only {following} of {members} nodes follow it (a majority is {quorum})",
                self.name(leader)
            ))
        }
    }

    /// The terms in which someone stood and nobody won, and that a later
    /// term replaced.
    pub fn split_votes(&self) -> usize {
        let mut terms: Vec<Term> = self.candidacies.keys().map(|(term, _)| *term).collect();
        terms.dedup();
        terms.into_iter().filter(|t| *t < self.highest_term && !self.leaders.contains_key(t)).count()
    }

    /// The leader gaps that ended, in the order they did.
    pub fn leader_gaps(&self) -> &[Duration] {
        &self.gaps
    }

    /// The derived gauges (the derived histogram is [`Self::leader_gaps`],
    /// reported as [`ELECTION_TIME`](super::metrics::ELECTION_TIME)).
    pub fn gauges(&self) -> Vec<(&'static str, f64)> {
        vec![(TERMS, self.highest_term as f64), (SPLIT_VOTES, self.split_votes() as f64)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> NodeId {
        NodeId::new(i)
    }

    fn checker(nodes: u32) -> ElectionChecker {
        ElectionChecker::new((0..nodes).map(|i| format!("node-{i}")).collect())
    }

    fn ms(t: u64) -> SimTime {
        SimTime::from_millis(t)
    }

    /// Folds `events`, returning the breaches.
    fn fold(c: &mut ElectionChecker, events: &[(u64, u32, Observation)]) -> Vec<Breach> {
        events.iter().filter_map(|(t, node, o)| c.observe(ms(*t), n(*node), o).err()).collect()
    }

    fn election(term: Term, leader: u32, voters: &[u32]) -> Vec<(u64, u32, Observation)> {
        let mut events = vec![(term * 100, leader, Observation::BecameCandidate { term })];
        for v in voters {
            events.push((term * 100 + 1, *v, Observation::Voted { term, candidate: n(leader) }));
        }
        events.push((term * 100 + 2, leader, Observation::BecameLeader { term }));
        for v in voters {
            events.push((term * 100 + 3, *v, Observation::Follows { term, leader: n(leader) }));
        }
        events
    }

    #[test]
    fn a_clean_election_breaks_nothing_and_elects() {
        let mut c = checker(5);
        assert!(fold(&mut c, &election(1, 2, &[0, 1])).is_empty());
        assert_eq!(c.leader_elected(|_| true), Ok(n(2)));
        assert_eq!(c.leader(|_| true), Some((n(2), 1)));
        assert_eq!(c.leader(|x| x != n(2)), None, "a crashed leader is no leader");
        assert_eq!(c.leader_gaps(), &[Duration::from_millis(2)]);
    }

    #[test]
    fn two_leaders_in_one_term_are_a_breach() {
        let mut c = checker(5);
        let mut events = election(3, 0, &[1, 2]);
        events.push((400, 4, Observation::BecameLeader { term: 3 }));
        let breaches = fold(&mut c, &events);
        assert_eq!(breaches.len(), 1);
        assert_eq!(breaches[0].property, ONE_LEADER_PER_TERM);
        assert_eq!(breaches[0].message, "node-4 became leader of term 3, which node-0 already leads");
        // Leaders of different terms are fine.
        assert!(fold(&mut c, &election(4, 4, &[1, 2])).is_empty());
    }

    #[test]
    fn a_second_vote_in_a_term_is_a_breach_even_after_a_restart() {
        let mut c = checker(3);
        let events = [
            (1, 0, Observation::Voted { term: 2, candidate: n(1) }),
            (2, 0, Observation::Voted { term: 2, candidate: n(1) }),
            (3, 0, Observation::Started { term: 0, voted_for: None }),
            (4, 0, Observation::Voted { term: 2, candidate: n(2) }),
        ];
        let breaches = fold(&mut c, &events);
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        assert_eq!(breaches[0].property, ONE_VOTE_PER_TERM);
        assert_eq!(
            breaches[0].message,
            "node-0 voted for node-2 in term 2, and earlier for node-1 in the same term"
        );
    }

    #[test]
    fn standing_for_election_is_a_vote_for_oneself() {
        let mut c = checker(3);
        let events = [
            (1, 1, Observation::BecameCandidate { term: 5 }),
            (2, 1, Observation::Started { term: 0, voted_for: None }),
            (3, 1, Observation::Voted { term: 5, candidate: n(2) }),
        ];
        let breaches = fold(&mut c, &events);
        assert_eq!(breaches.len(), 1);
        assert_eq!(
            breaches[0].message,
            "node-1 voted for node-2 in term 5, and earlier for itself in the same term"
        );
    }

    #[test]
    fn leader_elected_needs_a_running_majority_following_the_newest_leader() {
        let mut c = checker(5);
        assert_eq!(c.leader_elected(|_| true), Err("no node has ever become leader".into()));
        fold(&mut c, &election(1, 0, &[1, 2, 3, 4]));
        assert!(c.leader_elected(|_| true).is_ok());
        // Two followers down: the leader and two others are still a majority.
        assert!(c.leader_elected(|x| x != n(3) && x != n(4)).is_ok());
        assert_eq!(
            c.leader_elected(|x| x.index() < 2),
            Err("node-0 leads term 1, but only 2 of 5 nodes follow it (a majority is 3)".into())
        );
        // A newer leader, followed by only one node so far.
        fold(&mut c, &[(500, 3, Observation::BecameCandidate { term: 2 })]);
        fold(&mut c, &[(501, 4, Observation::Voted { term: 2, candidate: n(3) })]);
        fold(&mut c, &[(502, 3, Observation::BecameLeader { term: 2 })]);
        fold(&mut c, &[(503, 4, Observation::Follows { term: 2, leader: n(3) })]);
        assert_eq!(
            c.leader_elected(|_| true),
            Err("node-3 leads term 2, but only 2 of 5 nodes follow it (a majority is 3)".into())
        );
        assert_eq!(c.leader(|_| true), Some((n(3), 2)), "the old leader of term 1 is deposed");
        fold(&mut c, &[(504, 1, Observation::Follows { term: 2, leader: n(3) })]);
        assert_eq!(c.leader_elected(|_| true), Ok(n(3)));
        // The newest leader restarts: it no longer leads.
        fold(&mut c, &[(600, 3, Observation::Started { term: 2, voted_for: Some(n(3)) })]);
        assert_eq!(
            c.leader_elected(|_| true),
            Err("no running node leads (the last leader was elected in term 2)".into())
        );
    }

    #[test]
    fn split_votes_and_leader_gaps() {
        let mut c = checker(3);
        let events = [
            (100, 0, Observation::BecameCandidate { term: 1 }),
            (101, 1, Observation::BecameCandidate { term: 1 }),
            // A split vote: node 2 votes for node 1, node 0 for itself.
            (102, 2, Observation::Voted { term: 1, candidate: n(1) }),
            (300, 0, Observation::BecameCandidate { term: 2 }),
            (301, 2, Observation::Voted { term: 2, candidate: n(0) }),
            (302, 0, Observation::BecameLeader { term: 2 }),
            // The leader crashes; a node notices at 900 ms. A cut-off node
            // stood earlier, but nobody voted for it: that opens no gap.
            (700, 2, Observation::BecameCandidate { term: 3 }),
            (900, 1, Observation::BecameCandidate { term: 4 }),
            (905, 0, Observation::Voted { term: 4, candidate: n(1) }),
            (910, 1, Observation::BecameLeader { term: 4 }),
        ];
        assert!(fold(&mut c, &events).is_empty());
        assert_eq!(c.split_votes(), 2, "terms 1 and 3 had candidates and no leader");
        assert_eq!(c.leader_gaps(), &[Duration::from_millis(201), Duration::from_millis(10)]);
        let gauges = c.gauges();
        assert!(gauges.contains(&(TERMS, 4.0)), "{gauges:?}");
    }
}

//! `pattern = "leader-election"`: Raft's election of one leader per term.
//!
//! The nodes are all of role `node`; they talk to every other member, so a
//! full mesh (the default topology) is the natural network. The checker
//! folds every observation: the two safety properties are judged after
//! every event, `leader-elected` at its `within` moment (or at the end).

use std::time::Duration;

use weft_patterns::check::Breach;
use weft_patterns::leader_election::invariants::{LEADER_ELECTED, ONE_LEADER_PER_TERM, ONE_VOTE_PER_TERM};
use weft_patterns::leader_election::{
    Config, ElectionChecker, ElectionNode, Observation, VoteStorage, metrics,
};
use weft_sim::queue::QueueKind;
use weft_sim::{MetricsSummary, NodeId, NodeStatus, Sim, SimTime};

use super::{Conflict, Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::params::{ParamKind, ParamSpec, ParamValue};
use crate::scenario::Scenario;

/// The leader-election pattern.
#[derive(Debug)]
pub struct LeaderElectionPattern;

const ELECTION_TIMEOUT_MIN: &str = "election_timeout_min";
const ELECTION_TIMEOUT_MAX: &str = "election_timeout_max";
const HEARTBEAT_INTERVAL: &str = "heartbeat_interval";
const VOTE_STORAGE: &str = "vote_storage";

impl Pattern for LeaderElectionPattern {
    type Node = ElectionNode;
    type Judge = ElectionChecker;

    const INFO: PatternInfo = PatternInfo {
        name: "leader-election",
        description: "Raft's leader election: terms, randomized timeouts, one durable vote per term, heartbeats",
        roles: &[RoleSpec {
            name: "node",
            help: "follows the leader of its term; stands for election when it hears none for an election timeout",
            default_count: 5,
            min: 1,
            max: 99,
        }],
        params: &[
            ParamSpec {
                name: ELECTION_TIMEOUT_MIN,
                help: "the shortest wait without word from a leader before standing for election",
                default: ParamValue::Duration(Duration::from_millis(150)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: ELECTION_TIMEOUT_MAX,
                help: "the longest such wait: each is drawn uniformly between the two",
                default: ParamValue::Duration(Duration::from_millis(300)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: HEARTBEAT_INTERVAL,
                help: "how often the leader sends heartbeats (well under election_timeout_min)",
                default: ParamValue::Duration(Duration::from_millis(50)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: VOTE_STORAGE,
                help: "where the term and vote are kept: `durable` (Raft) or `volatile` (lost on restart: the broken variant)",
                default: ParamValue::Choice("durable"),
                kind: ParamKind::Choice(&["durable", "volatile"]),
            },
        ],
        workload: None,
        properties: &[
            PropertySpec {
                name: ONE_LEADER_PER_TERM,
                description: "no two nodes become leader of the same term",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: ONE_VOTE_PER_TERM,
                description: "no node votes for two candidates in one term, even across restarts (standing is a vote for itself)",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: LEADER_ELECTED,
                description: "a running node leads a term, and a majority of the cluster (itself included) is running and follows it",
                kind: PropertyKind::Eventually,
            },
        ],
        has_leader: true,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let params = &scenario.params;
        let (min, max) = (params.duration(ELECTION_TIMEOUT_MIN), params.duration(ELECTION_TIMEOUT_MAX));
        let mut conflicts = Vec::new();
        for name in [ELECTION_TIMEOUT_MIN, HEARTBEAT_INTERVAL] {
            if params.duration(name).is_zero() {
                conflicts.push(Conflict::new(
                    &[&format!("params.{name}")],
                    format!("{name} must be more than zero: a zero timer re-arms forever"),
                ));
            }
        }
        if max < min {
            conflicts.push(Conflict::new(
                &[&format!("params.{ELECTION_TIMEOUT_MAX}"), &format!("params.{ELECTION_TIMEOUT_MIN}")],
                format!("{ELECTION_TIMEOUT_MAX} ({max:?}) is less than {ELECTION_TIMEOUT_MIN} ({min:?})"),
            ));
        }
        conflicts
    }

    fn prepare(scenario: &Scenario, _seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let params = &scenario.params;
        let config = Config {
            election_timeout_min: params.duration(ELECTION_TIMEOUT_MIN),
            election_timeout_max: params.duration(ELECTION_TIMEOUT_MAX),
            heartbeat_interval: params.duration(HEARTBEAT_INTERVAL),
            vote_storage: match params.choice(VOTE_STORAGE) {
                "volatile" => VoteStorage::Volatile,
                _ => VoteStorage::Durable,
            },
        };
        let members = scenario.node_count();
        let names = scenario.roles.iter().flat_map(|r| r.names.iter().cloned()).collect();
        Ok(Prepared {
            factories: vec![Box::new(move |id| ElectionNode::new(id, members, config))],
            judge: ElectionChecker::new(names),
        })
    }

    fn judge<Q: QueueKind>(
        judge: &ElectionChecker,
        property: &str,
        sim: &Sim<ElectionNode, Q>,
        _when: Judgement,
    ) -> Result<(), String> {
        match property {
            LEADER_ELECTED => judge.leader_elected(|n| sim.status(n) == NodeStatus::Up).map(|_| ()),
            // The always-properties are judged by `observe`.
            _ => Ok(()),
        }
    }

    fn observe(
        judge: &mut ElectionChecker,
        time: SimTime,
        node: NodeId,
        observation: &Observation,
    ) -> Result<(), Breach> {
        judge.observe(time, node, observation)
    }

    fn leader<Q: QueueKind>(judge: &ElectionChecker, sim: &Sim<ElectionNode, Q>) -> Option<NodeId> {
        judge.leader(|n| sim.status(n) == NodeStatus::Up).map(|(node, _)| node)
    }

    const COUNTERS: &'static [&'static str] = metrics::COUNTERS;

    fn summarize<Q: QueueKind>(
        judge: &ElectionChecker,
        _sim: &Sim<ElectionNode, Q>,
        summary: &mut MetricsSummary,
    ) {
        super::add_gauges(summary, judge.gauges());
        super::add_histogram(summary, metrics::ELECTION_TIME, judge.leader_gaps().iter().copied());
    }
}

//! `pattern = "replication"`: a leader-follower replicated log (Raft) under
//! a key-value store.
//!
//! Roles: `replica` (the first nodes: `n0`, `n1`, …) and `client`. The
//! workload is split among the clients, one plan each (request `i` to client
//! `i mod clients`); `clients`, if written, must equal the number of client
//! nodes. Operations: `get`, `put`, `append`; keys `k0`, `k1`, ….

use std::time::Duration;

use weft_patterns::replication::invariants::{
    ACKNOWLEDGED_WRITES_SURVIVE, CLIENTS_COMPLETE, COMMITTED_PREFIXES_AGREE,
};
use weft_patterns::replication::{Checker, Config, Observation, OpKind, PlannedOp, Replication, metrics};
use weft_sim::queue::QueueKind;
use weft_sim::{MetricsSummary, NodeId, NodeStatus, Sim, SimTime};

use super::{Conflict, client_plans, workload_clients_conflict};
use super::{Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::params::{ParamKind, ParamSpec, ParamValue};
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;
use weft_patterns::check::Breach;
use weft_patterns::history::History;

/// The replicated key-value store.
#[derive(Debug)]
pub struct ReplicationPattern;

/// What the properties are judged against.
#[derive(Debug)]
pub struct ReplicationJudge {
    /// The checker, fed every observation.
    pub checker: Checker,
    /// When each client's requests arrive (closed loop: all at zero).
    pub arrivals: Vec<Vec<SimTime>>,
    /// How many replicas.
    pub replicas: usize,
    /// The election timeout: at the end of a run, writes acknowledged
    /// within the last one need not have reached every follower yet.
    pub election_timeout: Duration,
}

impl Pattern for ReplicationPattern {
    type Node = Replication;
    type Judge = ReplicationJudge;

    const INFO: PatternInfo = PatternInfo {
        name: "replication",
        description: "a leader-follower replicated log (Raft) under a key-value store, with retrying clients",
        roles: &[
            RoleSpec {
                name: "replica",
                help: "holds a copy of the log and the store; one leads each term (2f+1 replicas tolerate f down)",
                default_count: 3,
                min: 1,
                max: 9,
            },
            RoleSpec {
                name: "client",
                help: "sends its requests to the leader, one at a time, retrying with the same request id",
                default_count: 3,
                min: 1,
                max: 50,
            },
        ],
        params: &[
            ParamSpec {
                name: "election_timeout",
                help: "a follower that hears no leader for a random time in [t, 2t) stands for election",
                default: ParamValue::Duration(Config::DEFAULT.election_timeout),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "heartbeat_interval",
                help: "how often a leader sends heartbeats; must be below election_timeout",
                default: ParamValue::Duration(Config::DEFAULT.heartbeat_interval),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "batch_limit",
                help: "the most log entries in one AppendEntries",
                default: ParamValue::Count(Config::DEFAULT.batch_limit as u64),
                kind: ParamKind::Count { min: 1, max: 100_000 },
            },
            ParamSpec {
                name: "vote_restriction",
                help: "vote only for candidates whose log is at least as up to date (false: the broken variant)",
                default: ParamValue::Flag(Config::DEFAULT.vote_restriction),
                kind: ParamKind::Flag,
            },
            ParamSpec {
                name: "follower_reads",
                help: "any replica answers a read from its own copy, skipping the log (true: the broken variant, stale reads)",
                default: ParamValue::Flag(Config::DEFAULT.follower_reads),
                kind: ParamKind::Flag,
            },
            ParamSpec {
                name: "request_timeout",
                help: "how long a client waits for an answer before trying another replica",
                default: ParamValue::Duration(Config::DEFAULT.request_timeout),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "retry_backoff",
                help: "how long a client first waits to retry when nobody knows a leader (doubling, up to request_timeout)",
                default: ParamValue::Duration(Config::DEFAULT.retry_backoff),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "request_deadline",
                help: "how long after invoking a request a client gives up on it (fail for a read, info for a write)",
                default: ParamValue::Duration(Config::DEFAULT.request_deadline),
                kind: ParamKind::Duration,
            },
        ],
        workload: Some(WorkloadSupport {
            closed_loop: true,
            open_loop: true,
            max_clients: Some(50),
            operations: &["get", "put", "append"],
            keys: true,
        }),
        properties: &[
            PropertySpec {
                name: COMMITTED_PREFIXES_AGREE,
                description: "no two replicas ever commit different entries at the same log index",
                kind: PropertyKind::Always,
            },
            super::LINEARIZABLE_PROPERTY,
            PropertySpec {
                name: ACKNOWLEDGED_WRITES_SURVIVE,
                description: "every acknowledged write is in the committed log, and every running replica has committed through it",
                kind: PropertyKind::Eventually,
            },
            PropertySpec {
                name: CLIENTS_COMPLETE,
                description: "every client completes its plan; with `within`, requests invoked after the faults end succeed",
                kind: PropertyKind::Eventually,
            },
        ],
        has_leader: true,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let params = &scenario.params;
        let heartbeat_interval = params.duration("heartbeat_interval");
        let election_timeout = params.duration("election_timeout");
        let mut conflicts = Vec::new();
        if heartbeat_interval.is_zero() || heartbeat_interval >= election_timeout {
            conflicts.push(Conflict::new(
                &["params.heartbeat_interval", "params.election_timeout"],
                format!(
                    "heartbeat_interval ({heartbeat_interval:?}) must be above zero and below election_timeout \
                     ({election_timeout:?}), or followers stand for election while the leader is alive"
                ),
            ));
        }
        for name in ["request_timeout", "retry_backoff"] {
            if params.duration(name).is_zero() {
                conflicts.push(Conflict::new(
                    &[&format!("params.{name}")],
                    format!(
                        "{name} must be above zero, or clients retry in a loop that never lets time pass"
                    ),
                ));
            }
        }
        conflicts.extend(workload_clients_conflict(scenario, "client", scenario.roles[1].names.len()));
        conflicts
    }

    fn prepare(scenario: &Scenario, seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let replicas = scenario.roles[0].names.len();
        let clients = scenario.roles[1].names.len();
        let params = &scenario.params;
        let config = Config {
            replicas,
            election_timeout: params.duration("election_timeout"),
            heartbeat_interval: params.duration("heartbeat_interval"),
            batch_limit: params.count("batch_limit") as usize,
            vote_restriction: params.flag("vote_restriction"),
            follower_reads: params.flag("follower_reads"),
            request_timeout: params.duration("request_timeout"),
            retry_backoff: params.duration("retry_backoff"),
            request_deadline: params.duration("request_deadline"),
        };
        let plans = client_plans(scenario, clients, seed, |op, key, _| PlannedOp {
            kind: OpKind::from_name(op).unwrap_or(OpKind::Put),
            key,
        })?;
        let arrivals =
            plans.iter().map(|plan| plan.iter().map(|r| r.at.unwrap_or(SimTime::ZERO)).collect()).collect();
        let replica = move |id: NodeId| Replication::replica(id, config);
        let client = move |id: NodeId| {
            let number = id.index() - replicas;
            Replication::client(number as u32, clients as u32, plans[number].clone(), config)
        };
        Ok(Prepared {
            factories: vec![Box::new(replica), Box::new(client)],
            judge: ReplicationJudge {
                checker: Checker::new(
                    replicas,
                    scenario.roles.iter().flat_map(|r| r.names.iter().cloned()).collect(),
                ),
                arrivals,
                replicas,
                election_timeout: config.election_timeout,
            },
        })
    }

    fn judge<Q: QueueKind>(
        judge: &ReplicationJudge,
        property: &str,
        sim: &Sim<Replication, Q>,
        when: Judgement,
    ) -> Result<(), String> {
        match property {
            ACKNOWLEDGED_WRITES_SURVIVE => {
                let up: Vec<bool> = (0..judge.replicas)
                    .map(|i| sim.status(NodeId::new(i as u32)) == NodeStatus::Up)
                    .collect();
                let before = match (when.at_end, when.within) {
                    (false, Some(within)) => within,
                    _ => judge.election_timeout,
                };
                let cutoff =
                    SimTime::from_nanos(when.now.as_nanos().saturating_sub(before.as_nanos() as u64));
                judge.checker.acknowledged_writes_survive(&up, cutoff)
            }
            CLIENTS_COMPLETE => {
                // With a bound, judged `within` after the last fault ended:
                // requests invoked since then had a healthy cluster.
                let settled = match (when.at_end, when.within) {
                    (false, Some(within)) => Some(SimTime::from_nanos(
                        when.now.as_nanos().saturating_sub(within.as_nanos() as u64),
                    )),
                    _ => None,
                };
                judge.checker.clients_complete(&judge.arrivals, settled)
            }
            // Always-properties are judged as observations arrive.
            _ => Ok(()),
        }
    }

    fn observe(
        judge: &mut ReplicationJudge,
        time: SimTime,
        node: NodeId,
        observation: &Observation,
    ) -> Result<(), Breach> {
        judge.checker.observe(time, node, observation)
    }

    fn history(judge: &ReplicationJudge) -> Option<&History> {
        Some(judge.checker.history())
    }

    fn leader<Q: QueueKind>(judge: &ReplicationJudge, _sim: &Sim<Replication, Q>) -> Option<NodeId> {
        judge.checker.leader()
    }

    const COUNTERS: &'static [&'static str] = metrics::COUNTERS;

    fn summarize<Q: QueueKind>(
        judge: &ReplicationJudge,
        sim: &Sim<Replication, Q>,
        summary: &mut MetricsSummary,
    ) {
        let writes = judge.checker.writes_committed();
        // The lag helpers served only the mean: fold them into it.
        let samples = summary.counters.remove(metrics::LAG_SAMPLES).unwrap_or(0);
        let total = summary.counters.remove(metrics::LAG_TOTAL).unwrap_or(0);
        let mut gauges = vec![
            (metrics::WRITES_COMMITTED, writes as f64),
            (metrics::LAG_MEAN, metrics::mean(total, samples)),
        ];
        if writes > 0 {
            gauges.push((metrics::MESSAGES_PER_WRITE, sim.stats().messages_sent as f64 / writes as f64));
        }
        super::add_gauges(summary, gauges);
    }
}

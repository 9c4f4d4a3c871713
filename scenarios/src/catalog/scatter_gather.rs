//! `pattern = "scatter-gather"`: a root fans each query out to one leaf of
//! every shard and answers by a deadline, complete or naming what is missing.
//!
//! Roles in order: `root` (node 0), `leaf` (shards × `replicas` of them;
//! replica `r` of shard `s` is leaf `r × shards + s`), `client`. The
//! workload is the clients' queries, closed or open loop; request `i` is
//! query `i`, asked by client `i mod clients`.

use std::time::Duration;

use weft_patterns::scatter_gather::{
    ANSWERS_BY_DEADLINE, ANSWERS_NAME_MISSING_LEAVES, COMPLETE_WHEN_HEALTHY, Checker, Config,
    EVERY_QUERY_ANSWERED, NO_PART_MERGED_TWICE, Observation, QueryId, ScatterGather, metrics,
};
use weft_sim::queue::QueueKind;
use weft_sim::{MetricsSummary, NodeId, Sim, SimTime};

use super::{Conflict, client_plans, workload_clients_conflict};
use super::{Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::params::{ParamKind, ParamSpec, ParamValue};
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;
use weft_patterns::check::Breach;

/// The scatter/gather pattern.
#[derive(Debug)]
pub struct ScatterGatherPattern;

/// What the properties are judged against.
#[derive(Debug)]
pub struct ScatterGatherJudge {
    checker: Checker,
    /// How many queries the workload plans.
    planned: u64,
    /// The fan-out.
    shards: u32,
}

impl Pattern for ScatterGatherPattern {
    type Node = ScatterGather;
    type Judge = ScatterGatherJudge;

    const INFO: PatternInfo = PatternInfo {
        name: "scatter-gather",
        description: "a root fans each query out to every shard and answers by a deadline, naming missing shards",
        roles: &[
            RoleSpec {
                name: "root",
                help: "scatters each query to one replica of every shard, hedges, merges, answers by the deadline",
                default_count: 1,
                min: 1,
                max: 1,
            },
            RoleSpec {
                name: "leaf",
                help: "holds one replica of one shard (shards × replicas leaves) and counts its matches",
                default_count: 8,
                min: 1,
                max: 10_000,
            },
            RoleSpec {
                name: "client",
                help: "asks queries of the root, retries when no answer comes, times them",
                default_count: 1,
                min: 1,
                max: 50,
            },
        ],
        params: &[
            ParamSpec {
                name: "replicas",
                help: "leaves per shard: the leaves are split into leaves / replicas shards",
                default: ParamValue::Count(1),
                kind: ParamKind::Count { min: 1, max: 16 },
            },
            ParamSpec {
                name: "deadline",
                help: "how long the root gathers before answering with what it has",
                default: ParamValue::Duration(Duration::from_millis(50)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "hedge_after",
                help: "ask another replica of a shard silent this long (\"0s\": never hedge; needs replicas >= 2)",
                default: ParamValue::Duration(Duration::ZERO),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "client_timeout",
                help: "how long a client waits for an answer before asking again (longer than the deadline)",
                default: ParamValue::Duration(Duration::from_millis(150)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "dedupe_parts",
                help: "merge only a shard's first part; false: the naive root that counts duplicates and hedge losers twice",
                default: ParamValue::Flag(true),
                kind: ParamKind::Flag,
            },
        ],
        workload: Some(WorkloadSupport {
            closed_loop: true,
            open_loop: true,
            max_clients: Some(50),
            operations: &[],
            keys: false,
        }),
        properties: &[
            PropertySpec {
                name: ANSWERS_NAME_MISSING_LEAVES,
                description: "every answer names each shard once, merged or missing, and its merged shards are exactly the parts the root merged",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: NO_PART_MERGED_TWICE,
                description: "no shard's part is merged twice into one answer, and each answer's count is the sum of its parts",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: ANSWERS_BY_DEADLINE,
                description: "the root answers every query by its deadline (a paused or overloaded root breaks it)",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: COMPLETE_WHEN_HEALTHY,
                description: "every answer is complete: true only with every leaf up, no loss, and leaves faster than the deadline",
                kind: PropertyKind::AtEnd,
            },
            PropertySpec {
                name: EVERY_QUERY_ANSWERED,
                description: "every query asked gets an answer (with `within`: every query asked that long before the check)",
                kind: PropertyKind::Eventually,
            },
        ],
        has_leader: false,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let leaves = scenario.roles[1].names.len() as u32;
        let params = &scenario.params;
        let replicas = params.count("replicas") as u32;
        let deadline = params.duration("deadline");
        let hedge_after = Some(params.duration("hedge_after")).filter(|d| !d.is_zero());
        let client_timeout = params.duration("client_timeout");
        let mut conflicts = Vec::new();
        if !leaves.is_multiple_of(replicas) {
            conflicts.push(Conflict::new(
                &["params.replicas", "nodes.leaf"],
                format!(
                    "{leaves} leaves cannot hold {replicas} replicas of each shard: the leaf count must be a \
                     multiple of `replicas`"
                ),
            ));
        }
        if deadline.is_zero() {
            conflicts.push(Conflict::new(
                &["params.deadline"],
                "the deadline must be longer than 0s: the root would answer before asking",
            ));
        }
        if let Some(after) = hedge_after {
            if replicas < 2 {
                conflicts.push(Conflict::new(
                    &["params.hedge_after", "params.replicas"],
                    format!(
                        "hedge_after = {after:?} asks another replica of a silent shard, but replicas = 1: set \
                         replicas to 2 or more, or hedge_after to \"0s\""
                    ),
                ));
            }
            if after >= deadline {
                conflicts.push(Conflict::new(
                    &["params.hedge_after", "params.deadline"],
                    format!(
                        "hedge_after ({after:?}) must be shorter than the deadline ({deadline:?}), or the hedge \
                         comes after the answer"
                    ),
                ));
            }
        }
        if client_timeout <= deadline {
            conflicts.push(Conflict::new(
                &["params.client_timeout", "params.deadline"],
                format!(
                    "client_timeout ({client_timeout:?}) must be longer than the deadline ({deadline:?}), or \
                     clients retry queries the root is still gathering"
                ),
            ));
        }
        conflicts.extend(workload_clients_conflict(scenario, "client", scenario.roles[2].names.len()));
        conflicts
    }

    fn prepare(scenario: &Scenario, seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let leaves = scenario.roles[1].names.len() as u32;
        let clients = scenario.roles[2].names.len();
        let params = &scenario.params;
        let replicas = params.count("replicas") as u32;
        let deadline = params.duration("deadline");
        let hedge_after = Some(params.duration("hedge_after")).filter(|d| !d.is_zero());
        let client_timeout = params.duration("client_timeout");
        let dedupe_parts = params.flag("dedupe_parts");
        let config = Config {
            shards: leaves / replicas,
            replicas,
            deadline,
            hedge_after,
            client_timeout,
            dedupe_parts,
        };
        let plans = client_plans(scenario, clients, seed, |_, _, i| QueryId(i))?;
        let planned = scenario.workload.as_ref().map_or(0, |w| w.requests);
        let judge = ScatterGatherJudge {
            checker: Checker::new(
                config.shards,
                deadline,
                scenario.roles.iter().flat_map(|r| r.names.iter().cloned()).collect(),
            ),
            planned,
            shards: config.shards,
        };
        let root_config = config.clone();
        let leaf_config = config.clone();
        let first_client = config.first_client().index();
        let factories: Vec<super::Factory<ScatterGather>> = vec![
            Box::new(move |id| ScatterGather::new(&root_config, id, Vec::new())),
            Box::new(move |id| ScatterGather::new(&leaf_config, id, Vec::new())),
            Box::new(move |id: NodeId| {
                ScatterGather::new(&config, id, plans[id.index() - first_client].clone())
            }),
        ];
        Ok(Prepared { factories, judge })
    }

    fn judge<Q: QueueKind>(
        judge: &ScatterGatherJudge,
        property: &str,
        _sim: &Sim<ScatterGather, Q>,
        when: Judgement,
    ) -> Result<(), String> {
        match property {
            COMPLETE_WHEN_HEALTHY => judge.checker.complete_when_healthy(),
            EVERY_QUERY_ANSWERED => {
                let asked_by = match (when.at_end, when.within) {
                    (false, Some(within)) => {
                        SimTime::from_nanos(when.now.as_nanos().saturating_sub(within.as_nanos() as u64))
                    }
                    _ => when.now,
                };
                judge.checker.every_query_answered(asked_by, when.at_end.then_some(judge.planned))
            }
            // Always-properties are judged as observations arrive.
            _ => Ok(()),
        }
    }

    fn observe(
        judge: &mut ScatterGatherJudge,
        time: SimTime,
        node: NodeId,
        observation: &Observation,
    ) -> Result<(), Breach> {
        judge.checker.observe(time, node, observation)
    }

    const COUNTERS: &'static [&'static str] = metrics::COUNTERS;

    fn summarize<Q: QueueKind>(
        judge: &ScatterGatherJudge,
        sim: &Sim<ScatterGather, Q>,
        summary: &mut MetricsSummary,
    ) {
        let m = sim.metrics();
        let c = &judge.checker;
        let gauges = [
            (metrics::FANOUT, f64::from(judge.shards)),
            (metrics::PARTIAL_ANSWER_RATE, metrics::ratio(c.partial_answers(), c.answers())),
            (metrics::MESSAGES_PER_QUERY, metrics::ratio(sim.stats().messages_sent, c.queries_asked())),
            (
                metrics::HEDGE_EXTRA_LOAD,
                metrics::ratio(m.counter(metrics::HEDGES_SENT), m.counter(metrics::LEAF_REQUESTS)),
            ),
            (metrics::QUERIES_PAST_LEAF_P99, c.queries_past_leaf_p99()),
        ];
        super::add_gauges(summary, gauges);
    }
}

//! `pattern = "sharding"`: a sharded key-value service behind a router.
//!
//! Nodes are numbered router first, then shards, then clients. The workload
//! (`get`/`put`, uniform or Zipf keys, closed or open loop) is split among
//! the clients; a put writes the request's number (plus one) as its value,
//! so every write is unique and the checker can follow it. Without a
//! `[workload]` the clients send nothing.

use weft_patterns::check::Breach;
use weft_patterns::client::Plan;
use weft_patterns::history::History;
use weft_patterns::sharding::invariants::{self, Checker};
use weft_patterns::sharding::{Client, Config, Observation, Op, Reshard, Router, Shard, Sharding, metrics};
use weft_sim::queue::QueueKind;
use weft_sim::{MetricsSummary, NodeId, Sim, SimTime};

use super::{Conflict, client_plans, workload_clients_conflict};
use super::{Factory, Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::params::{ParamKind, ParamSpec, ParamValue};
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;

/// The sharding pattern.
#[derive(Debug)]
pub struct ShardingPattern;

/// The most shard nodes (the per-shard latency histograms have static
/// names).
const MAX_SHARDS: u32 = metrics::SHARD_LATENCY.len() as u32;

const fn duration(name: &'static str, help: &'static str, millis: u64) -> ParamSpec {
    ParamSpec {
        name,
        help,
        default: ParamValue::Duration(std::time::Duration::from_millis(millis)),
        kind: ParamKind::Duration,
    }
}

impl Pattern for ShardingPattern {
    type Node = Sharding;
    type Judge = Checker;

    const INFO: PatternInfo = PatternInfo {
        name: "sharding",
        description: "a key-value store split by consistent hashing, behind a router that reshards without losing keys",
        roles: &[
            RoleSpec {
                name: "router",
                help: "the ambassador: holds the versioned shard map, forwards requests to owners, runs resharding",
                default_count: 1,
                min: 1,
                max: 1,
            },
            RoleSpec {
                name: "shard",
                help: "stores the keys it owns under its map; refuses the others; hands keys over when resharding",
                default_count: 4,
                min: 2,
                max: MAX_SHARDS,
            },
            RoleSpec {
                name: "client",
                help: "sends its share of the workload to the router and records its history",
                default_count: 3,
                min: 1,
                max: 50,
            },
        ],
        params: &[
            ParamSpec {
                name: "virtual_nodes",
                help: "points per shard on the hash ring",
                default: ParamValue::Count(100),
                kind: ParamKind::Count { min: 1, max: 1000 },
            },
            ParamSpec {
                name: "initial_shards",
                help: "shards in map v1 (the first ones); 0: every shard node, or all but one with `reshard = \"add\"`",
                default: ParamValue::Count(0),
                kind: ParamKind::Count { min: 0, max: MAX_SHARDS as u64 },
            },
            ParamSpec {
                name: "reshard",
                help: "at `reshard_at`, add the first spare shard, remove the last shard of the map, or neither",
                default: ParamValue::Choice("none"),
                kind: ParamKind::Choice(&["none", "add", "remove"]),
            },
            duration("reshard_at", "when the router starts resharding (on its clock)", 200),
            duration("shard_timeout", "how long the router waits for a shard before trying again", 50),
            duration("retry_delay", "how long the router waits after a refusal before trying again", 5),
            duration(
                "request_deadline",
                "how long the router keeps trying before answering `unavailable`",
                1000,
            ),
            duration("handoff_retry", "how often a shard re-sends an unacknowledged handoff", 50),
            ParamSpec {
                name: "freeze_moving_keys",
                help: "a shard refuses writes to keys it is handing away (false: the broken variant, writes get lost)",
                default: ParamValue::Flag(true),
                kind: ParamKind::Flag,
            },
        ],
        workload: Some(WorkloadSupport {
            closed_loop: true,
            open_loop: true,
            max_clients: Some(50),
            operations: &["get", "put"],
            keys: true,
        }),
        properties: &[
            PropertySpec {
                name: invariants::ONE_OWNER_PER_KEY,
                description: "every key a shard serves or hands off is that shard's under the map version it acts by",
                kind: PropertyKind::Always,
            },
            super::LINEARIZABLE_PROPERTY,
            PropertySpec {
                name: invariants::NO_KEY_LOST,
                description: "every acknowledged write is stored, and every written key is held by its owner with its last value",
                kind: PropertyKind::Eventually,
            },
            PropertySpec {
                name: invariants::MOVED_FRACTION,
                description: "adding a shard to N moves about 1/(N+1) of the keys (removing one, 1/N); trivially true without resharding",
                kind: PropertyKind::AtEnd,
            },
        ],
        has_leader: false,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let config = config(scenario);
        let (shard_nodes, initial_shards) = (config.shard_nodes, config.initial_shards);
        let mut conflicts = Vec::new();
        if initial_shards > shard_nodes {
            conflicts.push(Conflict::new(
                &["params.initial_shards", "nodes.shard"],
                format!("initial_shards = {initial_shards}, but there are only {shard_nodes} shard nodes"),
            ));
        }
        if config.reshard == Reshard::Add && initial_shards == shard_nodes {
            conflicts.push(Conflict::new(
                &["params.initial_shards", "params.reshard", "nodes.shard"],
                format!(
                    "reshard = \"add\" needs a spare shard node: initial_shards ({initial_shards}) must be below \
                     the {shard_nodes} shard nodes"
                ),
            ));
        }
        if config.reshard == Reshard::Remove && initial_shards < 2 {
            conflicts.push(Conflict::new(
                &["params.initial_shards", "params.reshard"],
                "reshard = \"remove\" needs at least 2 shards in the first map (initial_shards)",
            ));
        }
        for name in ["shard_timeout", "retry_delay", "handoff_retry"] {
            if scenario.params.duration(name).is_zero() {
                conflicts.push(Conflict::new(
                    &[&format!("params.{name}")],
                    format!("{name} must be longer than zero: retries would never let time pass"),
                ));
            }
        }
        conflicts.extend(workload_clients_conflict(scenario, "client", scenario.roles[2].names.len()));
        conflicts
    }

    fn prepare(scenario: &Scenario, seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let config = config(scenario);
        let clients = scenario.roles[2].names.len();
        let plans: Vec<Plan<Op>> =
            client_plans(scenario, clients, seed, |operation, key, i| match operation {
                "put" => Op::Put { key, value: i + 1 },
                _ => Op::Get { key },
            })?;
        let router_config = config.clone();
        let router: Factory<Sharding> =
            Box::new(move |_| Sharding::Router(Router::new(router_config.clone())));
        let shard_config = config.clone();
        let shard: Factory<Sharding> = Box::new(move |id: NodeId| {
            let me = shard_config.shard_of(id).expect("shard nodes follow the router");
            Sharding::Shard(Shard::new(shard_config.clone(), me))
        });
        let client_config = config.clone();
        let client: Factory<Sharding> = Box::new(move |id: NodeId| {
            let me = client_config.client_of(id).expect("client nodes follow the shards");
            Sharding::Client(Client::new(&client_config, me, clients as u32, plans[me as usize].clone()))
        });
        Ok(Prepared { factories: vec![router, shard, client], judge: Checker::new(config) })
    }

    fn judge<Q: QueueKind>(
        checker: &Checker,
        property: &str,
        _sim: &Sim<Sharding, Q>,
        _when: Judgement,
    ) -> Result<(), String> {
        match property {
            invariants::NO_KEY_LOST => checker.no_key_lost(),
            invariants::MOVED_FRACTION => checker.moved_fraction(),
            // Always-properties are judged as observations arrive.
            _ => Ok(()),
        }
    }

    fn history(checker: &Checker) -> Option<&History> {
        Some(checker.history())
    }

    fn observe(
        checker: &mut Checker,
        time: SimTime,
        node: NodeId,
        observation: &Observation,
    ) -> Result<(), Breach> {
        checker.observe(time, node, observation)
    }

    const COUNTERS: &'static [&'static str] = metrics::COUNTERS;

    fn summarize<Q: QueueKind>(checker: &Checker, _sim: &Sim<Sharding, Q>, summary: &mut MetricsSummary) {
        super::add_gauges(summary, metrics::gauges(checker));
    }

    fn notes(checker: &Checker, scenario: &Scenario) -> Vec<String> {
        let checked = scenario.checks.iter().any(|c| c.property.name == invariants::MOVED_FRACTION);
        checker.moved_fraction_caveat().filter(|_| checked).into_iter().collect()
    }
}

/// The pattern's configuration from the scenario's parameters and roles
/// (whether it fits together is [`Pattern::validate`]'s question).
fn config(scenario: &Scenario) -> Config {
    let params = &scenario.params;
    let shard_nodes = scenario.roles[1].names.len() as u32;
    let reshard = match params.choice("reshard") {
        "add" => Reshard::Add,
        "remove" => Reshard::Remove,
        _ => Reshard::None,
    };
    let initial_shards = match params.count("initial_shards") as u32 {
        0 if reshard == Reshard::Add => shard_nodes - 1,
        0 => shard_nodes,
        n => n,
    };
    Config {
        shard_nodes,
        initial_shards,
        virtual_nodes: params.count("virtual_nodes") as u32,
        reshard,
        reshard_at: params.duration("reshard_at"),
        shard_timeout: params.duration("shard_timeout"),
        retry_delay: params.duration("retry_delay"),
        request_deadline: params.duration("request_deadline"),
        handoff_retry: params.duration("handoff_retry"),
        freeze_moving_keys: params.flag("freeze_moving_keys"),
    }
}

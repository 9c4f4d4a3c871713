//! `pattern = "ownership-election"`: leases from a lock service, and fencing
//! tokens checked by the guarded resource.
//!
//! Nodes are numbered in role order: the lock service first, then the
//! contenders, then the resource. The pattern has no workload: the holder
//! works on the resource for as long as it holds the lease.

use weft_patterns::check::Breach;
use weft_patterns::ownership_election::{
    Checker, Config, Observation, OwnershipElection, invariants, metrics,
};
use weft_sim::queue::QueueKind;
use weft_sim::{MetricsSummary, NodeId, Sim, SimTime};

use super::{Conflict, Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::params::{ParamKind, ParamSpec, ParamValue, Params};
use crate::scenario::Scenario;

/// The ownership-election pattern.
#[derive(Debug)]
pub struct OwnershipElectionPattern;

const fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

impl Pattern for OwnershipElectionPattern {
    type Node = OwnershipElection;
    type Judge = Checker;

    const INFO: PatternInfo = PatternInfo {
        name: "ownership-election",
        description: "one owner at a time: leases from a compare-and-swap lock service, fencing tokens checked by the resource",
        roles: &[
            RoleSpec {
                name: "lock-service",
                help: "a key-value store with compare-and-swap and TTLs (like etcd); its revision counter, kept durably, gives the fencing tokens",
                default_count: 1,
                min: 1,
                max: 1,
            },
            RoleSpec {
                name: "contender",
                help: "tries to take the lock, renews it, and while it holds it writes to the resource with its token",
                default_count: 3,
                min: 1,
                max: 20,
            },
            RoleSpec {
                name: "resource",
                help: "the guarded storage: refuses any token lower than the highest it has accepted",
                default_count: 1,
                min: 1,
                max: 1,
            },
        ],
        params: &[
            ParamSpec {
                name: "ttl",
                help: "how long a grant or renewal lasts, on the lock service's clock",
                default: ParamValue::Duration(ms(1000)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "renew_every",
                help: "how often the holder renews (and a waiting contender retries, plus jitter)",
                default: ParamValue::Duration(ms(300)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "skew_bound",
                help: "how much the service's clock may gain on a contender's during a lease: holders stop this much early",
                default: ParamValue::Duration(ms(100)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "act_every",
                help: "how long one action takes: the lease is checked when it starts, its write leaves when it ends",
                default: ParamValue::Duration(ms(100)),
                kind: ParamKind::Duration,
            },
            ParamSpec {
                name: "fencing",
                help: "whether the resource checks tokens (false: the broken variant, any token is accepted)",
                default: ParamValue::Flag(true),
                kind: ParamKind::Flag,
            },
        ],
        workload: None,
        properties: &[
            PropertySpec {
                name: invariants::NO_STALE_TOKEN_ACCEPTED,
                description: "the resource never accepts a token lower than one it accepted before",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: invariants::ONE_HOLDER_ACTS_AT_A_TIME,
                description: "a contender starts actions only inside the lease the service granted it (granted, not expired, within its TTL), so two holders never act at once",
                kind: PropertyKind::Always,
            },
            PropertySpec {
                name: invariants::A_HOLDER_EMERGES,
                description: "a contender holds a live lease and the resource accepts its writes",
                kind: PropertyKind::Eventually,
            },
        ],
        has_leader: true,
    };

    fn validate(scenario: &Scenario) -> Vec<Conflict> {
        let errors = config(&scenario.params).validate();
        let keys = |params: &[&str]| params.iter().map(|p| format!("params.{p}")).collect();
        errors.into_iter().map(|e| Conflict { keys: keys(e.params), message: e.message }).collect()
    }

    fn prepare(scenario: &Scenario, _seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let config = config(&scenario.params);
        let service = NodeId::new(0);
        let resource = NodeId::new(scenario.node_count() as u32 - 1);
        Ok(Prepared {
            factories: vec![
                Box::new(|_| OwnershipElection::lock_service()),
                Box::new(move |_| OwnershipElection::contender(config, service, resource)),
                Box::new(move |_| OwnershipElection::resource(config.fencing)),
            ],
            judge: Checker::new(scenario.roles.iter().flat_map(|r| r.names.iter().cloned()).collect()),
        })
    }

    fn judge<Q: QueueKind>(
        judge: &Checker,
        _property: &str,
        _sim: &Sim<OwnershipElection, Q>,
        when: Judgement,
    ) -> Result<(), String> {
        // The only judged property is `a-holder-emerges`.
        let since = match (when.at_end, when.within) {
            (false, Some(within)) => {
                Some(SimTime::from_nanos(when.now.as_nanos().saturating_sub(within.as_nanos() as u64)))
            }
            _ => None,
        };
        judge.holder_emerged(since)
    }

    fn observe(
        judge: &mut Checker,
        time: SimTime,
        node: NodeId,
        observation: &Observation,
    ) -> Result<(), Breach> {
        judge.observe(time, node, observation)
    }

    fn leader<Q: QueueKind>(judge: &Checker, _sim: &Sim<OwnershipElection, Q>) -> Option<NodeId> {
        judge.holder()
    }

    const COUNTERS: &'static [&'static str] = metrics::COUNTERS;

    fn summarize<Q: QueueKind>(
        judge: &Checker,
        sim: &Sim<OwnershipElection, Q>,
        summary: &mut MetricsSummary,
    ) {
        let now = sim.now();
        super::add_gauges(summary, [(metrics::HELD_FRACTION, judge.held_fraction(now))]);
        super::add_histogram(summary, metrics::TIME_WITHOUT_HOLDER, judge.times_without_holder(now));
        super::add_histogram(
            summary,
            metrics::TIME_BETWEEN_WRITES,
            judge.times_between_writes().iter().copied(),
        );
    }
}

/// The pattern's configuration, from the scenario's parameters.
fn config(params: &Params) -> Config {
    Config {
        ttl: params.duration("ttl"),
        renew_every: params.duration("renew_every"),
        skew_bound: params.duration("skew_bound"),
        act_every: params.duration("act_every"),
        fencing: params.flag("fencing"),
    }
}

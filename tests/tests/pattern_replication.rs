//! The replication pattern end to end: known answers on calm runs, the
//! broken variant breaking, and random fault schedules within `f` of
//! `2f + 1` under which every property holds.

use proptest::prelude::*;
use weft_patterns::history::EventType;
use weft_patterns::replication::Replication;
use weft_scenarios::catalog::Pattern;
use weft_scenarios::catalog::replication::{ReplicationJudge, ReplicationPattern};
use weft_scenarios::run::{Built, build};
use weft_scenarios::{RunOptions, Verdict, library};
use weft_sim::queue::Calendar;
use weft_sim::{NodeId, Outcome, Sim, SimTime, Until};
use weft_tests::faults::{FaultBudget, holds_under, schedules};

/// Feeds every observation to the pattern's checker as the run goes (as
/// the driver does), until the scenario's time limit.
struct Feed<'a>(&'a mut ReplicationJudge);

impl Until<Replication, Calendar> for Feed<'_> {
    fn deadline(&self) -> SimTime {
        SimTime::MAX
    }

    fn reached(&mut self, sim: &Sim<Replication, Calendar>) -> bool {
        for (node, observation) in sim.observations() {
            ReplicationPattern::observe(self.0, sim.now(), *node, observation)
                .expect("no breach on a calm run");
        }
        false
    }
}

/// Builds library scenario `name` (with `sets`) and runs it to its end.
/// (No faults: `build` leaves them to the driver.)
fn run_calm(name: &str, sets: &[&str], seed: u64) -> (Sim<Replication, Calendar>, ReplicationJudge) {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let scenario = library::find(name).expect("built in").load(&sets).expect("loads");
    let Built { mut sim, mut judge } =
        build::<ReplicationPattern, Calendar>(&scenario, &RunOptions { seed, keep_trace: false }, None)
            .expect("builds");
    assert_eq!(sim.run_until(Feed(&mut judge)), Outcome::ReachedTime, "runs to its duration");
    (sim, judge)
}

#[test]
fn a_calm_run_has_a_well_formed_history_of_successes() {
    let (_, judge) = run_calm("replication", &[], 1);
    let history = judge.checker.history();
    assert_eq!(history.len(), 600, "300 requests: one invoke and one completion each");
    assert!(history.open_operations().is_empty(), "every invoke completed");
    // Per process: invoke, completion, invoke, completion, ...
    let mut open = std::collections::BTreeMap::new();
    for e in history.events() {
        let was_open = open.insert(e.event.process, e.event.kind == EventType::Invoke).unwrap_or(false);
        assert_eq!(was_open, e.event.kind != EventType::Invoke, "process {} alternates", e.event.process);
        assert!(e.event.kind == EventType::Invoke || e.event.kind == EventType::Ok, "calm: no fail, no info");
    }
    assert_eq!(open.len(), 3, "one process per client: nobody gave up");
    // Every written value is unique, so a checker can tell writes apart.
    let mut written: Vec<String> = history
        .events()
        .iter()
        .filter(|e| e.event.kind == EventType::Invoke && e.event.f != weft_patterns::history::Function::Get)
        .map(|e| serde_json::to_string(&e.event.value).expect("serializes"))
        .collect();
    let writes = written.len();
    written.sort();
    written.dedup();
    assert_eq!(written.len(), writes);
    assert!(history.to_json_lines().lines().all(|l| l.starts_with("{\"process\":")));
}

#[test]
fn retries_over_a_lossy_duplicating_network_apply_once_and_replicas_agree() {
    let (sim, judge) =
        run_calm("replication", &["network.loss=0.05", "network.duplicate=0.2", "workload.requests=150"], 3);
    assert!(sim.metrics().counter("client_retries") > 0, "loss made clients retry");
    let stores: Vec<_> = (0..3)
        .map(|i| {
            sim.node(NodeId::new(i))
                .and_then(Replication::as_replica)
                .expect("a running replica")
                .store()
                .clone()
        })
        .collect();
    assert!(stores.windows(2).all(|w| w[0] == w[1]), "every replica applied the same log");
    for key in (0..10).map(|k| format!("k{k}")) {
        // An append list holds each element at most once: retries and
        // duplicated messages were applied once. (A put may reset a list, so
        // only check that what is there has no repeats.)
        if let Some(value) = stores[0].get(&key) {
            let mut items: Vec<&str> = value.split(',').collect();
            let n = items.len();
            items.sort_unstable();
            items.dedup();
            assert_eq!(items.len(), n, "{key} = {value}");
        }
    }
    assert!(judge.checker.history().open_operations().is_empty());
}

#[test]
fn without_the_vote_restriction_committed_entries_are_overwritten() {
    let scenario = library::find("replication-stale-leader").expect("built in").load(&[]).expect("loads");
    let report = scenario.run(&RunOptions { seed: 1, keep_trace: false }).expect("runs");
    assert_eq!(report.verdict(), Verdict::ExpectedViolation, "{:?}", report.violations);
    // The same faults with the restriction on: nothing is lost.
    let fixed = library::find("replication-stale-leader")
        .expect("built in")
        .load(&["vote_restriction=true".into()])
        .expect("loads");
    let report = fixed.run(&RunOptions { seed: 1, keep_trace: false }).expect("runs");
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[test]
fn bad_setups_are_explained() {
    // Refused as the scenario loads, at the `--set` that broke it.
    let scenario = library::find("replication").expect("built in");
    for (set, reasons) in [
        ("workload.clients=2", &["2 clients", "3 `client` nodes"][..]),
        ("heartbeat_interval=200ms", &["heartbeat_interval (200ms)"][..]),
    ] {
        let errors = scenario.load(&[set.into()]).expect_err("refused");
        assert_eq!(errors.list.len(), 1, "{}", errors.render(false));
        assert!(reasons.iter().all(|r| errors.list[0].message.contains(r)), "{}", errors.render(false));
        assert!(errors.location(&errors.list[0]).is_some_and(|l| l.starts_with("--set")), "{set}");
    }
}

fn replicas(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("replica-{i}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// At most one of three replicas crashed or paused at once, partitions
    /// (of replicas and clients alike), clock jumps: the committed prefixes
    /// agree throughout, and 2.5 s after the last fault every acknowledged
    /// write is on every running replica and the clients have finished.
    #[test]
    fn three_replicas_survive_one_fault_at_a_time(
        faults in schedules(FaultBudget {
            targets: replicas(3),
            max_down: 1,
            window: (std::time::Duration::from_millis(50), std::time::Duration::from_millis(1500)),
            longest: std::time::Duration::from_millis(500),
            partitions: true,
            pauses: true,
            clock_jumps: Some(std::time::Duration::from_millis(500)),
            max_faults: 6,
        }),
        seed in 1u64..10_000,
    ) {
        holds_under("replication", &faults, seed)?;
    }

    /// Five replicas, two of them down at once, on top of the leader crash
    /// and the partition the scenario already has.
    #[test]
    fn five_replicas_survive_two_faults_at_a_time(
        faults in schedules(FaultBudget {
            targets: replicas(5),
            max_down: 2,
            window: (std::time::Duration::from_millis(50), std::time::Duration::from_millis(1200)),
            longest: std::time::Duration::from_millis(400),
            partitions: true,
            pauses: true,
            clock_jumps: None,
            max_faults: 5,
        }),
        seed in 1u64..10_000,
    ) {
        holds_under("replication-leader-crash", &faults, seed)?;
    }
}

#[test]
fn beyond_the_fault_budget_the_store_stops_and_the_liveness_check_says_so() {
    use weft_tests::faults::FaultSpec;
    // Two of three replicas down for four seconds: no majority, so nothing
    // commits; the clients give up, and those invoked after the faults end
    // may still succeed, but not every request has by the check.
    let down = |node: &str| FaultSpec::Crash {
        node: node.into(),
        at: std::time::Duration::from_millis(100),
        lasting: std::time::Duration::from_secs(4),
    };
    let result = holds_under("replication", &[down("replica-0"), down("replica-1")], 1);
    let message = format!("{:?}", result.expect_err("no majority for 4 s"));
    assert!(message.contains("clients-complete"), "{message}");
    assert!(!message.contains("committed-prefixes-agree at"), "safety holds even then: {message}");
}

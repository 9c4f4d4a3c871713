//! Leader election: known answers for the library scenarios, the durable
//! vote rule checked step by step, and random fault schedules within the
//! pattern's budget (f = 2 of 5 nodes down, partitions, pauses, clock
//! jumps) under which safety always holds and a leader is back within
//! 1.5 s of the last fault.

use std::time::Duration;

use proptest::prelude::*;
use weft_patterns::leader_election::{Config, ElectionNode, HardState, Observation, VoteStorage};
use weft_scenarios::{Verdict, library};
use weft_sim::{Fault, Handled, NodeId, Sim, SimTime};
use weft_tests::faults::{FaultBudget, holds_under, schedules};
use weft_tests::{counter, gauge, run_library as run};

#[test]
fn a_calm_cluster_elects_one_leader_and_keeps_it() {
    let report = run("leader-election", 1, &[]);
    assert_eq!(report.verdict(), Verdict::Held, "{:?}", report.violations);
    // Seed 1: node timeouts are far enough apart that the first candidate
    // wins term 1 with every vote, and leads for the rest of the run.
    assert_eq!(counter(&report, "elections_started"), 1);
    assert_eq!(counter(&report, "elections_won"), 1);
    assert_eq!(counter(&report, "votes_granted"), 4);
    assert_eq!(gauge(&report, "terms"), 1.0);
    assert_eq!(gauge(&report, "split_votes"), 0.0);
    assert_eq!(report.metrics.histograms["election_time"].count, 1, "one election, the first");
    assert!(!report.metrics.histograms.contains_key("failover_time"), "no leader was lost");
    // Heartbeats every 50 ms to 4 followers, from about 0.16 s to 5 s.
    let heartbeats = counter(&report, "heartbeats_sent");
    assert!((380..=400).contains(&heartbeats), "{heartbeats} heartbeats");
    for seed in 2..=20 {
        let report = run("leader-election", seed, &[]);
        assert_eq!(report.verdict(), Verdict::Held, "seed {seed}: {:?}", report.violations);
        assert_eq!(counter(&report, "elections_won"), 1, "seed {seed}: one leader, and it stays");
    }
}

#[test]
fn a_crashed_and_a_cut_off_leader_are_replaced() {
    let report = run("leader-election-leader-crash", 1, &[]);
    assert_eq!(report.verdict(), Verdict::Held, "{:?}", report.violations);
    // The first leader, one after the crash, one after the partition.
    assert_eq!(counter(&report, "elections_won"), 3);
    // The cut-off leader steps down when the partition heals.
    assert_eq!(counter(&report, "leader_step_downs"), 1);
    assert!(report.notes.is_empty(), "both faults found a leader: {:?}", report.notes);
    // Each election, from the winning candidacy to its victory, is a round
    // trip or so: the detection time (an election timeout) is not in it, but
    // it is in the failover time of the two elections after a leader loss.
    let elections = &report.metrics.histograms["election_time"];
    assert_eq!(elections.count, 3);
    assert!(elections.max_ns < 30_000_000, "{elections:?}");
    let failovers = &report.metrics.histograms["failover_time"];
    assert_eq!(failovers.count, 2);
    assert!(failovers.min_ns > 150_000_000, "an election timeout at least: {failovers:?}");
}

#[test]
fn a_failover_takes_at_least_an_election_timeout() {
    // The failover time includes the detection: a follower waits at least
    // `election_timeout_min` (150 ms) after the last heartbeat before it
    // stands. (No upper bound: a split vote costs another timeout.)
    for seed in 1..=10 {
        let report = run("leader-election-leader-crash", seed, &[]);
        let failover = &report.metrics.histograms["failover_time"];
        assert_eq!(failover.count, 2, "seed {seed}: one failover per fault");
        assert!(failover.min_ns >= 150_000_000, "seed {seed}: {failover:?}");
    }
}

#[test]
fn volatile_votes_let_a_restarted_node_vote_twice_and_durable_ones_do_not() {
    let report = run("leader-election-volatile-votes", 1, &[]);
    assert_eq!(report.verdict(), Verdict::ExpectedViolation);
    let violation = &report.violations[0];
    assert_eq!(violation.property, "one-vote-per-term");
    assert_eq!(
        violation.message,
        "node-4 voted for node-1 in term 2, and earlier for itself in the same term"
    );
    assert!(violation.time > SimTime::from_millis(2500), "after the leader's crash at 2.5 s");
    for seed in 1..=10 {
        let volatile = run("leader-election-volatile-votes", seed, &[]);
        assert_eq!(volatile.verdict(), Verdict::ExpectedViolation, "seed {seed}");
        // The same schedule with Raft's durable votes breaks nothing.
        let durable = run("leader-election-volatile-votes", seed, &["params.vote_storage=durable"]);
        assert_eq!(durable.verdict(), Verdict::ExpectationMissed, "seed {seed}: {:?}", durable.violations);
        assert!(durable.violations.is_empty(), "seed {seed}: {:?}", durable.violations);
    }
}

/// Raft's rule, step by step: by the time a vote leaves its node (the
/// handler's effects are applied when it returns), the term and the vote
/// are on disk. Checked at every step of a run with a crash and a restart.
#[test]
fn every_vote_is_on_disk_before_it_is_sent() {
    let mut sim = Sim::builder(3)
        .nodes(5, |id| ElectionNode::new(id, 5, Config::default()))
        .build()
        .expect("a valid simulation");
    let mut votes = 0;
    // The first leader crashes, and restarts 400 ms later.
    let mut crashed: Option<(NodeId, SimTime)> = None;
    let mut restarted = false;
    while let Some(step) = sim.step() {
        let now = step.time;
        if now > SimTime::from_secs(3) {
            break;
        }
        let observed: Vec<(NodeId, Observation)> = step.observations.to_vec();
        for (node, observation) in observed {
            let on_disk = *sim.durable(node);
            match observation {
                Observation::Voted { term, candidate } => {
                    votes += 1;
                    assert_eq!(on_disk, HardState { term, voted_for: Some(candidate) }, "{node}'s vote");
                }
                Observation::BecameCandidate { term } => {
                    assert_eq!(on_disk, HardState { term, voted_for: Some(node) }, "{node}'s candidacy");
                }
                Observation::BecameLeader { term } if crashed.is_none() => {
                    assert_eq!(on_disk.term, term);
                    sim.inject(Fault::Crash { node }).expect("a node of this run");
                    crashed = Some((node, now));
                }
                Observation::Started { term, voted_for } => {
                    assert_eq!(on_disk, HardState { term, voted_for }, "{node} restarts from its disk");
                    if crashed.is_some_and(|(n, _)| n == node) {
                        assert!(term >= 1, "the restarted leader remembers its term");
                    }
                }
                _ => {}
            }
        }
        if let Some((node, at)) = crashed
            && !restarted
            && now >= at.saturating_add(Duration::from_millis(400))
        {
            restarted = true;
            sim.inject(Fault::Restart { node }).expect("a node of this run");
        }
    }
    assert!(restarted && votes >= 4, "{votes} votes; the leader restarted: {restarted}");
}

#[test]
fn a_volatile_node_forgets_its_term_on_restart() {
    let config = Config { vote_storage: VoteStorage::Volatile, ..Config::default() };
    let mut sim =
        Sim::builder(3).nodes(3, move |id| ElectionNode::new(id, 3, config)).build().expect("valid");
    let _ = sim.run_until(SimTime::from_secs(1));
    let leader =
        (0..3).map(NodeId::new).find(|n| sim.node(*n).is_some_and(|x| x.is_leader())).expect("a leader");
    assert!(sim.node(leader).is_some_and(|n| n.election().term() >= 1));
    assert_eq!(*sim.durable(leader), HardState::default(), "nothing is written");
    sim.inject(Fault::Restart { node: leader }).expect("the leader is a node of this run");
    // The restart is an event, due now: handle events up to it.
    while let Some(step) = sim.step() {
        if step.handled == Handled::Fault {
            break;
        }
    }
    assert_eq!(sim.node(leader).map(|n| n.election().term()), Some(0));
}

#[test]
fn bad_timings_are_refused_with_a_reason() {
    let cases = [
        (
            "params.election_timeout_max=\"100ms\"",
            "election_timeout_max (100ms) is less than election_timeout_min (150ms)",
        ),
        ("params.heartbeat_interval=\"0s\"", "must be more than zero"),
    ];
    for (set, reason) in cases {
        // Refused as the scenario loads, at the `--set` that broke it.
        let errors =
            library::find("leader-election").expect("exists").load(&[set.to_string()]).expect_err(set);
        assert_eq!(errors.list.len(), 1, "{}", errors.render(false));
        assert!(errors.list[0].message.contains(reason), "{}", errors.render(false));
        assert!(errors.location(&errors.list[0]).is_some_and(|l| l.starts_with("--set")), "{set}");
    }
}

#[test]
fn a_cluster_of_one_leads_itself() {
    let report = run("leader-election", 1, &["nodes.node=1"]);
    assert_eq!(report.verdict(), Verdict::Held, "{:?}", report.violations);
    assert_eq!(counter(&report, "elections_won"), 1);
}

fn budget() -> FaultBudget {
    FaultBudget {
        targets: (0..5).map(|i| format!("node-{i}")).collect(),
        max_down: 2,
        window: (Duration::from_millis(200), Duration::from_millis(2500)),
        longest: Duration::from_secs(1),
        partitions: true,
        pauses: true,
        clock_jumps: Some(Duration::from_millis(500)),
        max_faults: 6,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// With at most 2 of 5 nodes down at once, and any partitions, pauses
    /// and clock jumps: never two leaders in a term, never two votes by a
    /// node in a term, and a leader followed by a majority 1.5 s after the
    /// last fault ends (the library scenario's `within`; the run lasts 5 s,
    /// and faults end by 3.5 s).
    #[test]
    fn safe_under_faults_and_a_leader_after_them(faults in schedules(budget()), seed in any::<u64>()) {
        holds_under("leader-election", &faults, seed)?;
    }
}

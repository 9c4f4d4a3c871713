//! Ownership election: known answers for the library scenarios, and its
//! safety properties under random faults.
//!
//! The fault budget lets anything crash, pause or be partitioned, and
//! clocks jump; the jumps are at most 25 ms each and a schedule has at most
//! four faults, so all the jumps together stay within the scenario's
//! `skew_bound` of 100 ms: the condition under which leases promise that
//! one holder acts at a time.

use std::time::Duration;

use proptest::prelude::*;
use weft_scenarios::{Verdict, library};
use weft_tests::faults::{FaultBudget, holds_under, schedules};
use weft_tests::{counter, run_library};

#[test]
fn calm_the_first_holder_keeps_the_lease_for_the_whole_run() {
    let report = run_library("ownership-election", 1, &[]);
    assert_eq!(report.verdict(), Verdict::Held, "{:?}", report.violations);
    assert_eq!(counter(&report, "acquisitions"), 1);
    assert_eq!(counter(&report, "failovers"), 0);
    assert_eq!(counter(&report, "stale_writes_rejected"), 0);
    // 5 s of renewals every 300 ms, and an action every 100 ms.
    assert!((14..=16).contains(&counter(&report, "renewals")), "{:?}", report.metrics.counters);
    assert!(counter(&report, "writes_accepted") >= 45, "{:?}", report.metrics.counters);
    assert!(report.metrics.gauges["lease_held_fraction"] > 0.95);
}

#[test]
fn gc_pause_one_failover_and_the_late_write_is_fenced_off_on_every_seed() {
    for seed in 1..=20 {
        let report = run_library("ownership-election-gc-pause", seed, &[]);
        assert_eq!(report.verdict(), Verdict::Held, "seed {seed}: {:?}", report.violations);
        assert_eq!(counter(&report, "failovers"), 1, "seed {seed}");
        assert_eq!(counter(&report, "expiries"), 1, "seed {seed}");
        assert_eq!(counter(&report, "stale_writes_rejected"), 1, "seed {seed}");
        // The lease was gone for less than a retry period plus a round trip.
        let gap = &report.metrics.histograms["time_without_holder"];
        assert!(gap.max_ns < 500_000_000, "seed {seed}: {gap:?}");
    }
}

#[test]
fn without_fencing_the_stale_write_is_accepted_on_every_seed() {
    for seed in 1..=20 {
        let report = run_library("ownership-election-no-fencing", seed, &[]);
        assert_eq!(report.verdict(), Verdict::ExpectedViolation, "seed {seed}: {:?}", report.violations);
        let violation = &report.violations[0];
        assert_eq!(violation.property, "no-stale-token-accepted");
        // The old holder wakes at 3 s and its write arrives within 10 ms.
        assert!(violation.time.as_nanos() >= 3_000_000_000 && violation.time.as_nanos() < 3_011_000_000);
    }
}

#[test]
fn a_clock_jump_beyond_the_bound_breaks_mutual_exclusion_but_not_fencing() {
    for seed in 1..=20 {
        let report = run_library("ownership-election-clock-jump", seed, &[]);
        assert_eq!(report.verdict(), Verdict::ExpectedViolation, "seed {seed}: {:?}", report.violations);
        assert!(report.violations.iter().all(|v| v.property == "one-holder-acts-at-a-time"));
    }
}

#[test]
fn timings_that_cannot_work_are_refused_before_the_run() {
    // Refused as the scenario loads, at the `--set` that broke it.
    let builtin = library::find("ownership-election").expect("built in");
    for (set, reason) in
        [("params.renew_every=\"2s\"", "renew_every (2s)"), ("params.skew_bound=\"1s\"", "skew_bound (1s)")]
    {
        let errors = builtin.load(&[set.to_string()]).expect_err("refused");
        assert_eq!(errors.list.len(), 1, "{}", errors.render(false));
        assert!(errors.list[0].message.contains(reason), "{}", errors.render(false));
        assert!(errors.location(&errors.list[0]).is_some_and(|l| l.starts_with("--set")), "{set}");
    }
}

fn budget() -> FaultBudget {
    FaultBudget {
        targets: ["lock-service-0", "contender-0", "contender-1", "contender-2", "resource-0"]
            .map(String::from)
            .to_vec(),
        max_down: 2,
        window: (Duration::from_millis(200), Duration::from_millis(2000)),
        longest: Duration::from_millis(1000),
        partitions: true,
        pauses: true,
        // 4 faults × 25 ms = 100 ms: within skew_bound however they add up.
        clock_jumps: Some(Duration::from_millis(25)),
        max_faults: 4,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Crashes, pauses, partitions and clock jumps within the bound: the
    /// resource never takes a stale token, no holder acts outside its lease,
    /// and a holder emerges once the faults are over.
    #[test]
    fn leases_and_fencing_hold_under_faults(faults in schedules(budget()), seed in 1u64..1_000_000) {
        holds_under("ownership-election", &faults, seed)?;
    }
}

//! The budget: a search that would take too long says "unknown" — never a
//! verdict it has not earned, and never a hang.

mod common;

use std::cell::Cell;

use common::generate::{Shape, corrupt_a_read, generate};
use weft_check::history::History;
use weft_check::{Budget, GaveUp, Model, Verdict, check, check_interruptible};

/// Thirty writes of thirty different values, all running at once, and
/// meanwhile one client reads 0, then 1, then 0 again: 0 cannot come back
/// (it is written once), but to be sure no order explains the reads, the
/// search must try every subset of the other writes — about a billion.
/// (Every value read was written, by a write still running, so the quick
/// test before the search finds nothing impossible.)
fn pathological() -> History {
    let mut lines = String::new();
    for p in 0..30 {
        lines += &format!("p{p} invoke write {p}\n");
    }
    for value in [0, 1, 0] {
        lines += &format!("p99 invoke read\n p99 ok read {value}\n");
    }
    for p in 0..30 {
        lines += &format!("p{p} ok write {p}\n");
    }
    common::history(&lines)
}

#[test]
fn a_tiny_state_budget_gives_unknown_not_a_verdict() {
    let history = pathological();
    let budget = Budget { max_states: 1_000, ..Budget::DEFAULT };
    let report = check(&history, Model::Register, budget).expect("fits");
    assert_eq!(report.verdict, Verdict::Unknown { gave_up: GaveUp::States { max_states: 1_000 } });
    assert_eq!(report.states_explored, 1_001, "it stops at the first state over the limit");
    assert!(report.summary().starts_with("unknown"), "{}", report.summary());
    // The same budget gives the same answer, to the state.
    assert_eq!(check(&history, Model::Register, budget).expect("fits"), report);
}

#[test]
fn a_linearizable_history_out_of_budget_is_unknown_too() {
    let shape =
        Shape { model: Model::CasRegister, operations: 400, processes: 20, keys: 1, unknown_percent: 10 };
    let history = generate(&shape, 7);
    assert!(check(&history, shape.model, Budget::DEFAULT).expect("fits").is_linearizable());
    let report = check(&history, shape.model, Budget { max_states: 50, ..Budget::DEFAULT }).expect("fits");
    assert_eq!(report.verdict, Verdict::Unknown { gave_up: GaveUp::States { max_states: 50 } });
}

#[test]
fn a_memory_budget_stops_the_memo() {
    let budget = Budget { max_memory_bytes: 64 * 1024, ..Budget::DEFAULT };
    let report = check(&pathological(), Model::Register, budget).expect("fits");
    assert_eq!(report.verdict, Verdict::Unknown { gave_up: GaveUp::Memory { max_memory_bytes: 64 * 1024 } });
}

#[test]
fn the_interrupt_is_polled_and_obeyed() {
    let polls = Cell::new(0u32);
    let stop_at_third_poll = || {
        polls.set(polls.get() + 1);
        polls.get() >= 3
    };
    let report = check_interruptible(&pathological(), Model::Register, Budget::DEFAULT, &stop_at_third_poll)
        .expect("fits");
    assert_eq!(report.verdict, Verdict::Unknown { gave_up: GaveUp::Interrupted });
    assert_eq!(polls.get(), 3, "polled every few thousand steps until it said stop");
}

#[test]
fn a_violation_found_within_budget_is_reported_even_if_its_explanation_runs_short() {
    // A large violation, checked with just enough budget to decide it: the
    // verdict stands, whatever the explanation manages.
    let shape = Shape { model: Model::Register, operations: 300, processes: 6, keys: 1, unknown_percent: 0 };
    let bad = corrupt_a_read(&generate(&shape, 3), 3).expect("it has reads");
    let full = check(&bad, shape.model, Budget::DEFAULT).expect("fits");
    let budget = Budget { max_states: full.states_explored, ..Budget::DEFAULT };
    let tight = check(&bad, shape.model, budget).expect("fits");
    assert!(matches!(tight.verdict, Verdict::NotLinearizable { .. }), "{}", tight.summary());
    assert_eq!(tight.states_explored, full.states_explored);
}

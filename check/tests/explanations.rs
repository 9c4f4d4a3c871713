//! The explanation of a violation names exactly the operations that show
//! it, what the object could hold, and draws them within 80 columns.

mod common;

use common::generate::{Shape, corrupt_a_read, generate};
use common::{assert_window_fails, violation};
use weft_check::history::{Function, Value};
use weft_check::{Budget, Model, Outcome, Verdict, Violation, check};

/// The window's operations as `(process, label)`.
fn window(v: &Violation) -> Vec<(u32, String)> {
    v.window.operations.iter().map(|o| (o.process, o.label())).collect()
}

fn ops(list: &[(u32, &str)]) -> Vec<(u32, String)> {
    list.iter().map(|&(p, l)| (p, l.to_string())).collect()
}

/// Every line of the rendering fits in 80 columns.
fn assert_fits(v: &Violation) {
    let timeline = v.timeline();
    for line in timeline.lines() {
        assert!(line.chars().count() <= 80, "too wide ({}): {line}", line.chars().count());
    }
}

#[test]
fn a_stale_read_is_shown_with_the_write_it_missed() {
    let v = violation(
        Model::Register,
        "p0 invoke write 1 @0
         p0 ok write 1 @10
         p1 invoke write 2 @20
         p1 ok write 2 @30
         p2 invoke read @40
         p2 ok read 1 @50",
    );
    assert_eq!((v.operation.process, v.operation.f), (2, Function::Read));
    assert_eq!(window(&v), ops(&[(1, "write 2"), (2, "read → 1")]), "write 1 is overwritten: not part of it");
    assert_eq!(v.states, Some(vec![Value::Int(2)]));
    assert_eq!(
        v.reason,
        "read → 1 by p2 cannot take effect: it returned 1, but while it ran the register could only hold 2 \
         (after write 2 by p1)"
    );
    assert_eq!((v.window.start_line, v.window.end_line), (3, 6));
    assert_eq!((v.window.start_time, v.window.end_time), (Some(20), Some(50)));
    assert_eq!(v.window.end().map(|t| t.as_nanos()), Some(50));
    assert!(
        v.message().starts_with("Not linearizable: read → 1 by p2 cannot take effect"),
        "{}",
        v.message()
    );
    assert!(v.message().contains("has 2 operations (lines 3-6, 20ns to 50ns)"), "{}", v.message());
    assert_fits(&v);
}

#[test]
fn the_window_holds_the_read_that_proves_a_timed_out_write_happened() {
    // p0's write of 1 timed out: alone, it may never have happened, and
    // p1's read of null would be fine. But p1 read 1 first, so it did
    // happen: the window must show that read, or it proves nothing.
    let v = violation(
        Model::Register,
        "p0 invoke write 1
         p1 invoke read
         p1 ok read 1
         p0 info write 1
         p1 invoke read
         p1 ok read null",
    );
    assert_eq!(v.operation.label(), "read → null");
    assert_eq!(window(&v), ops(&[(0, "write 1 ?"), (1, "read → 1"), (1, "read → null")]));
    assert_eq!((v.window.start_line, v.window.end_line), (2, 6), "from the read of 1 to the read of null");
    assert_window_fails(Model::Register, &v);
    assert_fits(&v);
}

#[test]
fn a_read_that_changes_nothing_is_dropped_from_the_window() {
    // p1's read of 1 is not needed: write 7 completed before p2's read
    // began, so p2 cannot see null either way.
    let v = violation(
        Model::Register,
        "p0 invoke write 1 @0
         p3 invoke write 7 @1
         p1 invoke read @2
         p1 ok read 1 @4
         p3 ok write 7 @4
         p2 invoke read @5
         p2 ok read null @8
         p0 ok write 1 @10",
    );
    assert_eq!(window(&v), ops(&[(0, "write 1"), (3, "write 7"), (2, "read → null")]));
    assert_eq!(v.states, Some(vec![Value::Int(1), Value::Int(7)]));
    assert!(
        v.reason.contains("could only hold 1 (after write 1 by p0) or 7 (after write 7 by p3)"),
        "{}",
        v.reason
    );
    assert_fits(&v);
}

#[test]
fn a_read_that_forces_an_order_stays_in_the_window() {
    // p1 saw 1 while write 1 was still running, so write 1 took effect
    // before p2's read began: without p1's read, p2 could go first.
    let v = violation(
        Model::Register,
        "p0 invoke write 1 @0
         p1 invoke read @2
         p1 ok read 1 @4
         p2 invoke read @5
         p2 ok read null @8
         p0 ok write 1 @10",
    );
    assert_eq!(window(&v), ops(&[(0, "write 1"), (1, "read → 1"), (2, "read → null")]));
    assert_eq!(v.states, Some(vec![Value::Int(1)]));
    assert_eq!(v.window.start_line, 1);
    assert_eq!(v.window.end_line, 5, "the window closes when the blocked read completes");
    assert_fits(&v);
}

#[test]
fn appends_behind_a_value_are_named_in_order() {
    let v = violation(
        Model::Kv,
        "p0 invoke append k \"a\"
         p1 invoke append k \"b\"
         p0 ok append k \"a\"
         p1 ok append k \"b\"
         p2 invoke get k
         p2 ok get k \"bab\"",
    );
    assert_eq!(window(&v), ops(&[(0, "append \"a\""), (1, "append \"b\""), (2, "get → \"bab\"")]));
    assert_eq!(v.states, Some(vec![Value::Text("ab".into()), Value::Text("ba".into())]));
    assert!(
        v.reason.contains(
            "key \"k\" could only hold \"ab\" (after append \"a\" by p0, append \"b\" by p1) or \"ba\" \
             (after append \"b\" by p1, append \"a\" by p0)"
        ),
        "{}",
        v.reason
    );
    assert_eq!(v.key.as_deref(), Some("k"));
}

#[test]
fn an_operation_of_unknown_outcome_is_in_the_window_cut_at_its_edge() {
    // The timed-out write of 1 took effect after write 2 (p2 saw it), so
    // p3 cannot see 2 again.
    let v = violation(
        Model::Register,
        "p0 invoke write 1 @0
         p0 info write 1 @5
         p1 invoke write 2 @10
         p1 ok write 2 @20
         p2 invoke read @30
         p2 ok read 1 @40
         p3 invoke read @50
         p3 ok read 2 @60",
    );
    assert_eq!(window(&v), ops(&[(0, "write 1 ?"), (3, "read → 2")]));
    assert_eq!(v.window.operations[0].outcome, Outcome::Info);
    assert_eq!(v.window.start_line, 7, "the window opens with the first completed operation");
    // The write of unknown outcome runs in from the left edge and on past the right.
    let row = v.timeline().lines().find(|l| l.starts_with("p0")).expect("a row for p0").to_string();
    assert!(row.trim_end().starts_with("p0  <") && row.trim_end().ends_with('>'), "{row}");
    assert!(v.reason.contains("could only hold 1 (after write 1 ? by p0)"), "{}", v.reason);
    assert_fits(&v);
}

#[test]
fn an_operation_of_unknown_outcome_nobody_saw_is_left_out() {
    // Write 1 timed out and no read ever returned 1: it cannot explain
    // anything, and is not in the window.
    let v = violation(
        Model::Register,
        "p0 invoke write 1 @0
         p0 info write 1 @5
         p1 invoke write 2 @10
         p1 ok write 2 @20
         p2 invoke read @30
         p2 ok read 3 @40",
    );
    assert_eq!(window(&v), ops(&[(1, "write 2"), (2, "read → 3")]));
    assert!(v.reason.contains("could only hold 2 (after write 2 by p1)"), "{}", v.reason);
}

#[test]
fn the_blocked_operation_is_drawn_double() {
    let v = violation(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 ok cas [1,2] false",
    );
    assert!(
        v.reason.contains("it did not swap, so the register held something other than 1"),
        "{}",
        v.reason
    );
    let text = v.timeline();
    let row = text.lines().find(|l| l.starts_with("p1")).expect("a row for p1");
    assert!(row.contains("==cas 1→2 refused=="), "{text}");
    assert!(v.render().contains("= p1    cas 1→2 refused"), "{}", v.render());
}

#[test]
fn a_big_history_with_a_read_of_a_value_never_written_is_decided_without_searching() {
    // Thousands of operations by dozens of clients: showing that no order
    // works would take the search millions of configurations. The quick
    // test before it sees that nothing wrote the value.
    for model in [Model::Register, Model::CasRegister] {
        let shape = Shape { model, operations: 3_000, processes: 40, keys: 1, unknown_percent: 5 };
        let history = corrupt_a_read(&generate(&shape, 3), 2_999).expect("the history has reads");
        let report = check(&history, model, Budget { max_states: 200_000, ..Budget::DEFAULT }).expect("fits");
        let Verdict::NotLinearizable { violation } = &report.verdict else {
            panic!("{model}: {}", report.summary());
        };
        assert_eq!(report.states_explored, 0, "{model}: decided before the search");
        assert!(
            violation.reason.contains("it returned 1000000007, but ")
                && violation.reason.contains("1000000007"),
            "{model}: {}",
            violation.reason
        );
        assert_window_fails(model, violation);
    }
}

#[test]
fn a_read_of_a_value_overwritten_before_it_began_is_explained() {
    let v = violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke write 2
         p1 ok write 2
         p2 invoke read
         p2 ok read null",
    );
    assert!(
        v.reason.contains("it returned null, but while it ran the register could only hold 2"),
        "{}",
        v.reason
    );
    assert_window_fails(Model::Register, &v);
}

#[test]
fn an_absent_key_reads_as_null_in_explanations_as_in_the_history() {
    // A key starts absent: its initial value is shown as the history shows
    // it, null (to the model it is the empty string, which appends extend).
    let v = violation(
        Model::Kv,
        "p0 invoke put k \"a\"
         p1 invoke get k
         p0 ok put k \"a\"
         p1 ok get k \"b\"",
    );
    assert_eq!(v.states, Some(vec![Value::Null, Value::Text("a".into())]));
    assert!(
        v.reason.contains(
            "it returned \"b\", but while it ran key \"k\" could only hold null (its initial value) or \"a\""
        ),
        "{}",
        v.reason
    );
    let v = violation(
        Model::Kv,
        "p0 invoke put k \"a\"
         p0 ok put k \"a\"
         p1 invoke get k
         p1 ok get k null",
    );
    assert!(
        v.reason.starts_with("get → null on key \"k\" by p1 cannot take effect: it returned null, but"),
        "{}",
        v.reason
    );
    assert!(!v.reason.contains("\"\""), "no empty string where the history has null: {}", v.reason);
}

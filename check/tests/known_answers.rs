//! Small hand-made histories whose answer is known, for each model: each
//! linearizable one has an order (given in its comment) and each violation
//! has a reason no order exists.

mod common;

use common::{history, linearizable, report, violation};
use weft_check::history::Function;
use weft_check::{Budget, CheckError, Model, Verdict, check};

// ---- register ----

#[test]
fn an_empty_history_is_linearizable() {
    linearizable(Model::Register, "");
    linearizable(Model::Kv, "");
}

#[test]
fn a_register_starts_absent() {
    linearizable(Model::Register, "p0 invoke read\n p0 ok read null");
    violation(Model::Register, "p0 invoke read\n p0 ok read 0");
}

#[test]
fn sequential_writes_and_reads() {
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke read
         p1 ok read 1
         p0 invoke write \"x\"
         p0 ok write \"x\"
         p1 invoke read
         p1 ok read \"x\"",
    );
}

#[test]
fn a_read_of_a_value_never_written_is_a_violation() {
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke read
         p1 ok read 2",
    );
}

#[test]
fn a_stale_read_after_a_newer_write_completed_is_a_violation() {
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke write 2
         p1 ok write 2
         p2 invoke read
         p2 ok read 1",
    );
}

#[test]
fn a_read_concurrent_with_a_write_may_see_it_or_not() {
    // Order: read, write (the read sees null) ...
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p1 invoke read
         p1 ok read null
         p0 ok write 1",
    );
    // ... or write, read (it sees 1).
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p1 invoke read
         p1 ok read 1
         p0 ok write 1",
    );
}

#[test]
fn once_a_read_saw_the_new_value_a_later_read_cannot_see_the_old() {
    // p1 saw 2 while the write was still running; p2, starting after p1
    // finished, must see 2 as well.
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p3 invoke write 2
         p1 invoke read
         p1 ok read 2
         p2 invoke read
         p2 ok read 1
         p3 ok write 2",
    );
    // Without p1's read, p2 may go before the write.
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p3 invoke write 2
         p2 invoke read
         p2 ok read 1
         p3 ok write 2",
    );
}

#[test]
fn concurrent_writes_may_take_effect_in_either_order() {
    // Order: write 2, write 1, then both reads see 1.
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p1 invoke write 2
         p0 ok write 1
         p1 ok write 2
         p2 invoke read
         p2 ok read 1
         p2 invoke read
         p2 ok read 1",
    );
    // But once the order is seen, it stays: 2 then 1 is impossible.
    violation(
        Model::Register,
        "p0 invoke write 1
         p1 invoke write 2
         p0 ok write 1
         p1 ok write 2
         p2 invoke read
         p2 ok read 2
         p2 invoke read
         p2 ok read 1",
    );
}

#[test]
fn an_info_write_may_have_taken_effect() {
    // Order: write 1 (timed out, but applied), read.
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 info write 1
         p1 invoke read
         p1 ok read 1",
    );
    // ... or not.
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 info write 1
         p1 invoke read
         p1 ok read null",
    );
    // Even long after its timeout.
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 info write 1
         p1 invoke read
         p1 ok read null
         p1 invoke read
         p1 ok read 1",
    );
}

#[test]
fn an_info_write_takes_effect_at_most_once_and_not_before_its_invocation() {
    // Applied once, it cannot be un-applied.
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 info write 1
         p1 invoke read
         p1 ok read 1
         p1 invoke read
         p1 ok read null",
    );
    // A read that completed before the write was invoked cannot see it.
    violation(
        Model::Register,
        "p1 invoke read
         p1 ok read 1
         p0 invoke write 1
         p0 info write 1",
    );
}

#[test]
fn a_write_never_completed_may_take_effect() {
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p1 invoke read
         p1 ok read 1",
    );
}

#[test]
fn a_failed_write_did_not_happen() {
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 fail write 1
         p1 invoke read
         p1 ok read 1",
    );
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 fail write 1
         p1 invoke read
         p1 ok read null",
    );
}

#[test]
fn a_read_of_unknown_outcome_constrains_nothing() {
    linearizable(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke read
         p1 info read
         p2 invoke read
         p2 fail read",
    );
}

#[test]
fn values_compare_by_type_and_value() {
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke read
         p1 ok read \"1\"",
    );
}

// ---- cas-register ----

#[test]
fn a_cas_that_swapped_found_its_expected_value() {
    // Order: write 1, cas 1→2, read 2.
    linearizable(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 ok cas [1,2] true
         p2 invoke read
         p2 ok read 2",
    );
    // The register starts absent, not 0: nothing to swap.
    violation(
        Model::CasRegister,
        "p1 invoke cas [0,2]
         p1 ok cas [0,2] true",
    );
}

#[test]
fn a_cas_from_null_swaps_only_if_absent() {
    // Order: cas null→2 (the register was absent), read 2.
    linearizable(
        Model::CasRegister,
        "p1 invoke cas [null,2]
         p1 ok cas [null,2] true
         p2 invoke read
         p2 ok read 2",
    );
    // After a write, the register is never absent again.
    let v = violation(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [null,2]
         p1 ok cas [null,2] true",
    );
    assert_eq!(v.operation.label(), "cas null→2 swapped");
    // And one that did not swap found a value there.
    linearizable(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [null,2]
         p1 ok cas [null,2] false",
    );
    violation(
        Model::CasRegister,
        "p1 invoke cas [null,2]
         p1 ok cas [null,2] false",
    );
}

#[test]
fn a_cas_that_did_not_swap_found_another_value_and_changed_nothing() {
    linearizable(
        Model::CasRegister,
        "p0 invoke write 3
         p0 ok write 3
         p1 invoke cas [1,2]
         p1 ok cas [1,2] false
         p2 invoke read
         p2 ok read 3",
    );
    // The register held 1 all along: the cas should have swapped.
    violation(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 ok cas [1,2] false",
    );
    // It did not swap, so the read cannot see its new value.
    violation(
        Model::CasRegister,
        "p0 invoke write 3
         p0 ok write 3
         p1 invoke cas [1,2]
         p1 ok cas [1,2] false
         p2 invoke read
         p2 ok read 2",
    );
}

#[test]
fn a_cas_of_unknown_outcome_swaps_or_not_once() {
    linearizable(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 info cas [1,2]
         p2 invoke read
         p2 ok read 2",
    );
    linearizable(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 info cas [1,2]
         p2 invoke read
         p2 ok read 1",
    );
    violation(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p1 info cas [1,2]
         p2 invoke read
         p2 ok read 2
         p2 invoke read
         p2 ok read 1",
    );
}

#[test]
fn concurrent_cases_on_the_same_value_cannot_both_swap() {
    violation(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p2 invoke cas [1,3]
         p1 ok cas [1,2] true
         p2 ok cas [1,3] true",
    );
    // One swaps, the other sees the first's value.
    linearizable(
        Model::CasRegister,
        "p0 invoke write 1
         p0 ok write 1
         p1 invoke cas [1,2]
         p2 invoke cas [1,3]
         p1 ok cas [1,2] true
         p2 ok cas [1,3] false",
    );
}

#[test]
fn operations_must_fit_the_model() {
    let cas = history("p0 invoke cas [1,2]\n p0 ok cas [1,2] true");
    assert_eq!(
        check(&cas, Model::Register, Budget::DEFAULT),
        Err(CheckError::WrongModel { line: 1, column: Some(39), f: Function::Cas, model: Model::Register })
    );
    let put = history("p0 invoke put k \"a\"");
    let error = check(&put, Model::CasRegister, Budget::DEFAULT).expect_err("no keys in a register");
    assert_eq!(
        error.to_string(),
        "line 1: `put` is not an operation of the cas-register model (it has read, write, cas)"
    );
    let read = history("p0 invoke read");
    assert!(matches!(check(&read, Model::Kv, Budget::DEFAULT), Err(CheckError::WrongModel { line: 1, .. })));
}

// ---- kv ----

#[test]
fn keys_are_independent() {
    linearizable(
        Model::Kv,
        "p0 invoke put k1 \"a\"
         p1 invoke put k2 \"b\"
         p0 ok put k1 \"a\"
         p1 ok put k2 \"b\"
         p2 invoke get k1
         p2 ok get k1 \"a\"
         p2 invoke get k2
         p2 ok get k2 \"b\"",
    );
    let v = violation(
        Model::Kv,
        "p0 invoke put k1 \"a\"
         p1 invoke put k2 \"b\"
         p0 ok put k1 \"a\"
         p1 ok put k2 \"b\"
         p2 invoke get k1
         p2 ok get k1 \"b\"",
    );
    assert_eq!(v.key.as_deref(), Some("k1"), "the value of k2 is not in k1");
    assert!(v.window.operations.iter().all(|o| o.key.as_deref() == Some("k1")), "{v:#?}");
}

#[test]
fn a_key_starts_as_the_empty_string_and_null_means_empty() {
    linearizable(Model::Kv, "p0 invoke get k\n p0 ok get k null");
    linearizable(Model::Kv, "p0 invoke get k\n p0 ok get k \"\"");
    linearizable(
        Model::Kv,
        "p0 invoke put k \"\"
         p0 ok put k \"\"
         p1 invoke get k
         p1 ok get k null",
    );
    violation(
        Model::Kv,
        "p0 invoke put k \"a\"
         p0 ok put k \"a\"
         p1 invoke get k
         p1 ok get k null",
    );
}

/// `before` (one process's invocation), then `processes` appends of
/// distinct texts, all at once, then `after`.
fn concurrent_appends(before: &str, processes: u32, after: &str) -> String {
    let mut text = String::from(before);
    for p in 0..processes {
        text += &format!("p{p} invoke append k \"a{p}.\"\n");
    }
    for p in 0..processes {
        text += &format!("p{p} ok append k \"a{p}.\"\n");
    }
    text + after
}

#[test]
fn appends_no_get_returned_still_count() {
    // The checker keeps every text holding an append that no get returned
    // as one state (the orders of such appends then cost nothing to try:
    // the case saved in properties.proptest-regressions, 61 operations by 8
    // processes, went from giving up after a million states to 7,319).
    // Those appends must still count. A put invoked first, ten appends at
    // once, the put's return, then a get of the put's value: linearizable,
    // with the put after every append.
    linearizable(
        Model::Kv,
        &concurrent_appends(
            "p20 invoke put k \"x\"\n",
            10,
            "p20 ok put k \"x\"\np21 invoke get k\np21 ok get k \"x\"",
        ),
    );
    // With no put to replace them, a get of the empty text after all of
    // them is impossible...
    violation(Model::Kv, &concurrent_appends("", 10, "p21 invoke get k\np21 ok get k null"));
    // ... and so is a get that saw only one of them.
    violation(Model::Kv, &concurrent_appends("", 3, "p21 invoke get k\np21 ok get k \"a1.\""));
}

#[test]
fn append_concatenates_in_linearization_order() {
    linearizable(
        Model::Kv,
        "p0 invoke append k \"a\"
         p0 ok append k \"a\"
         p0 invoke append k \"b\"
         p0 ok append k \"b\"
         p1 invoke get k
         p1 ok get k \"ab\"",
    );
    violation(
        Model::Kv,
        "p0 invoke append k \"a\"
         p0 ok append k \"a\"
         p0 invoke append k \"b\"
         p0 ok append k \"b\"
         p1 invoke get k
         p1 ok get k \"ba\"",
    );
    // Concurrent appends go in either order, but each exactly once.
    linearizable(
        Model::Kv,
        "p0 invoke append k \"a\"
         p1 invoke append k \"b\"
         p0 ok append k \"a\"
         p1 ok append k \"b\"
         p2 invoke get k
         p2 ok get k \"ba\"",
    );
    violation(
        Model::Kv,
        "p0 invoke append k \"a\"
         p1 invoke append k \"b\"
         p0 ok append k \"a\"
         p1 ok append k \"b\"
         p2 invoke get k
         p2 ok get k \"bab\"",
    );
    // A put replaces what was appended; an integer appends in decimal.
    linearizable(
        Model::Kv,
        "p0 invoke append k \"a\"
         p0 ok append k \"a\"
         p0 invoke put k 7
         p0 ok put k 7
         p0 invoke append k \"x\"
         p0 ok append k \"x\"
         p0 invoke get k
         p0 ok get k \"7x\"",
    );
}

#[test]
fn a_kv_info_append_may_or_may_not_apply() {
    linearizable(
        Model::Kv,
        "p0 invoke append k \"a\"
         p0 info append k \"a\"
         p1 invoke append k \"b\"
         p1 ok append k \"b\"
         p2 invoke get k
         p2 ok get k \"ba\"",
    );
    linearizable(
        Model::Kv,
        "p0 invoke append k \"a\"
         p0 info append k \"a\"
         p1 invoke append k \"b\"
         p1 ok append k \"b\"
         p2 invoke get k
         p2 ok get k \"b\"",
    );
}

#[test]
fn the_earliest_failing_key_is_the_one_explained() {
    let v = violation(
        Model::Kv,
        "p0 invoke put b 1
         p0 ok put b 1
         p0 invoke get b
         p0 ok get b 2
         p1 invoke get a
         p1 ok get a 5",
    );
    assert_eq!(v.key.as_deref(), Some("b"), "b fails on line 4, a on line 6");
}

#[test]
fn events_at_the_same_time_are_concurrent() {
    // The read's invocation is at the write's completion time: the two
    // overlap, so the read may go first and see nothing.
    linearizable(
        Model::Register,
        "p0 invoke write 1 @0
         p0 ok write 1 @10
         p1 invoke read @10
         p1 ok read null @20",
    );
    violation(
        Model::Register,
        "p0 invoke write 1 @0
         p0 ok write 1 @10
         p1 invoke read @11
         p1 ok read null @20",
    );
    // Equal times overlap only when every event has a time. With one event
    // without a time, the lines give the order: the read was invoked after
    // the write completed.
    violation(
        Model::Register,
        "p0 invoke write 1
         p0 ok write 1 @10
         p1 invoke read @10
         p1 ok read null @20",
    );
}

#[test]
fn the_report_counts_the_history() {
    let r = report(
        Model::Kv,
        "p0 invoke put a 1
         p3 invoke put b 1
         p0 ok put a 1
         p3 fail put b 1",
    );
    assert_eq!((r.operations, r.processes, r.keys), (2, 2, 2));
    assert!(r.states_explored >= 1);
    assert_eq!(r.verdict, Verdict::Linearizable);
}

#[test]
fn the_summary_counts_in_the_singular_and_the_plural() {
    let one = report(Model::Kv, "p0 invoke put k \"a\"\n p0 ok put k \"a\"");
    assert_eq!(one.summary(), "linearizable: 1 operation by 1 process on 1 key (kv); 1 state explored");
    let two =
        report(Model::Register, "p0 invoke write 1\n p1 invoke write 2\n p0 ok write 1\n p1 ok write 2");
    assert!(
        two.summary().starts_with("linearizable: 2 operations by 2 processes (register); "),
        "{}",
        two.summary()
    );
}

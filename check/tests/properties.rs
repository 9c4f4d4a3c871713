//! Property tests: histories linearizable by construction are accepted;
//! the same with one read changed to a value never written are rejected,
//! with that read's key; and every check is deterministic.

mod common;

use common::generate::{Shape, corrupt_a_read, generate, stale_a_read};
use common::window_history;
use proptest::prelude::*;
use weft_check::history::{EventType, Function};
use weft_check::{Budget, Model, Verdict, check};

/// Enough for every generated case by far (the largest take tens of
/// thousands of states); small enough that a regression fails in seconds
/// rather than hanging.
const BUDGET: Budget = Budget { max_states: 1_000_000, ..Budget::DEFAULT };

/// Histories of up to `operations` operations by up to `processes`
/// processes. (Sizes that an unoptimized test build checks in seconds: a
/// violation makes the search explore every order before the bad read, and
/// a single key written by many clients at once is the checker's hardest
/// case — see docs/history-format.md.)
fn shapes(operations: usize, processes: u32) -> impl Strategy<Value = Shape> {
    (
        prop::sample::select(Model::ALL.to_vec()),
        1usize..operations,
        1u32..processes,
        1u32..4,
        prop::sample::select(vec![0u64, 10, 30]),
    )
        .prop_map(|(model, operations, processes, keys, unknown_percent)| Shape {
            model,
            operations,
            processes,
            keys,
            unknown_percent,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_history_with_a_linearization_is_accepted(shape in shapes(150, 10), seed in any::<u64>()) {
        let history = generate(&shape, seed);
        let report = check(&history, shape.model, BUDGET).expect("generated histories fit their model");
        prop_assert_eq!(
            &report.verdict, &Verdict::Linearizable,
            "rejected a linearizable history:\n{}", history.to_json_lines()
        );
        // Same input, same report, to the state.
        prop_assert_eq!(check(&history, shape.model, BUDGET).expect("fits"), report);
    }

    #[test]
    fn a_read_of_a_value_never_written_is_rejected(
        shape in shapes(80, 8),
        seed in any::<u64>(),
        which in any::<u64>(),
    ) {
        let history = generate(&shape, seed);
        let corrupted = corrupt_a_read(&history, which);
        prop_assume!(corrupted.is_some());
        let corrupted = corrupted.expect("assumed");
        let report = check(&corrupted, shape.model, BUDGET).expect("fits");
        let Verdict::NotLinearizable { violation } = &report.verdict else {
            return Err(TestCaseError::fail(format!(
                "accepted a read of a value never written:\n{}\n{report:?}", corrupted.to_json_lines()
            )));
        };
        // The blocked operation is the corrupted read (the history before it
        // was linearizable), and the window holds it.
        let bad = corrupted
            .events()
            .iter()
            .find(|e| e.event.kind == EventType::Ok
                && matches!(e.event.f, Function::Read | Function::Get)
                && !history.events().iter().any(|h| h == *e))
            .expect("the corrupted read");
        prop_assert_eq!(&violation.operation.value, &bad.event.value, "{}", violation.render());
        prop_assert!(violation.window.operations.contains(&violation.operation));
        // Its value was never there (unless listing the values ran out of
        // budget, which only makes the explanation vaguer).
        prop_assert!(
            violation.reason.contains("cannot take effect: it returned")
                || violation.reason.contains("the budget ran out while listing"),
            "{}", violation.reason
        );
        prop_assert_eq!(check(&corrupted, shape.model, BUDGET).expect("fits"), report);
    }

    #[test]
    fn the_window_of_a_violation_is_itself_not_linearizable(
        shape in shapes(60, 8),
        seed in any::<u64>(),
        which in any::<u64>(),
    ) {
        let history = generate(&shape, seed);
        let stale = stale_a_read(&history, which);
        prop_assume!(stale.is_some());
        let stale = stale.expect("assumed");
        let report = check(&stale, shape.model, BUDGET).expect("fits");
        let Verdict::NotLinearizable { violation } = &report.verdict else {
            // An older value is often still a possible answer.
            return Ok(());
        };
        let window = window_history(violation);
        let alone = check(&window, shape.model, BUDGET).expect("the window fits the model");
        prop_assert!(
            matches!(alone.verdict, Verdict::NotLinearizable { .. }),
            "the window alone is {:?}:\n{}\nof\n{}", alone.verdict, violation.render(), stale.to_json_lines()
        );
    }
}

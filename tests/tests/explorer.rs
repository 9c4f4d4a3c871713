//! The explorer on real runs of the built-in scenarios: what a student sees
//! first, as snapshots at 80x24, and the moves that make a pattern visible.

use weft_scenarios::RunOptions;
use weft_sim::trace::Trace;
use weft_tui::testing::{press, screen};
use weft_tui::{Explorer, Theme};

fn trace_of(name: &str) -> Trace {
    let scenario = weft_scenarios::open(name, &[]).expect("a library scenario");
    let report = scenario.run(&RunOptions { seed: scenario.seed, keep_trace: true }).expect("it runs");
    report.trace.expect("the trace was kept")
}

/// The moment the leader crashes in `leader-election-leader-crash`: the
/// crash on the flow and the timeline, the crashed node in the topology.
#[test]
fn leader_crash_at_the_crash() {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace_of("leader-election-leader-crash"), Some("leader-election-leader-crash".into()));
    press(&mut explorer, "f");
    insta::assert_snapshot!(screen(&mut explorer, 80, 24));
}

/// Scatter/gather under faults, ten events after its first fault, with the
/// log showing only the root's events.
#[test]
fn scatter_gather_root_log() {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace_of("scatter-gather-faults"), Some("scatter-gather-faults".into()));
    press(&mut explorer, "fllllllllllo");
    insta::assert_snapshot!(screen(&mut explorer, 100, 30));
}

/// A run that breaks a property on purpose: `v` lands on the violation,
/// which the header and timeline mark.
#[test]
fn a_violation_is_one_key_away() {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace_of("ownership-election-no-fencing"), None);
    let run = explorer.run().expect("run");
    let violations = run.recording.trace.footer.violations.clone();
    assert!(!violations.is_empty(), "the no-fencing scenario violates a property");
    press(&mut explorer, "v");
    let run = explorer.run().expect("run");
    assert!(run.time() <= violations[0].time);
    let screen = screen(&mut explorer, 80, 24);
    assert!(screen.contains("‼"), "{screen}");
}

/// `docs/explorer.md` carries the key table exactly as the explorer's help
/// shows it: both come from `weft_tui::keys::BINDINGS`. If this fails,
/// paste the table it prints into the page.
#[test]
fn the_docs_page_has_the_key_table() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/explorer.md"))
        .expect("docs/explorer.md exists");
    let table = weft_tui::keys::markdown_table();
    assert!(page.contains(&table), "docs/explorer.md should contain this key table:\n\n{table}");
}

/// The walk-through in `docs/explorer.md`, key by key: each fault it names
/// is where its keys land.
#[test]
fn the_docs_walk_through_lands_where_it_says() {
    let name = "leader-election-leader-crash";
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace_of(name), Some(name.into()));
    let at_cursor = |explorer: &Explorer| {
        let run = explorer.run().expect("run");
        let event = &run.recording.trace.events[run.cursor];
        let words =
            weft_tui::describe::event(weft_tui::describe::Names(&run.recording.trace.header), event, |id| {
                run.recording.message_body(id)
            });
        (weft_tui::describe::time(event.time), words)
    };
    let expect = |explorer: &Explorer, keys: &str, time: &str, what: &str| {
        let (t, words) = at_cursor(explorer);
        assert!(t == time && words.contains(what), "after {keys}: {t} {words}; expected {time} {what}");
    };
    press(&mut explorer, "f");
    expect(&explorer, "step 2: f", "1.000000s", "crash node-4");
    press(&mut explorer, "ff");
    expect(&explorer, "step 3: ff", "2.500000s", "partition");
    press(&mut explorer, "f");
    expect(&explorer, "step 4: f", "3.000000s", "heal");
    press(&mut explorer, "llll");
    press(&mut explorer, "F");
    expect(&explorer, "step 5: F", "3.000000s", "heal");
    press(&mut explorer, "F");
    expect(&explorer, "step 5: F again", "2.500000s", "partition");
}

//! `update`, driven by key events as a terminal would send them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use weft_sim::trace::{Trace, TraceKind};
use weft_sim::{NodeId, SimTime};

use crate::app::{Explorer, ForkFault, ForkKind, Host, Input, KindFilter, Overlay, ScenarioEntry};
use crate::keys::Pane;
use crate::testing::sample_trace;
use crate::view::Theme;

fn key(code: KeyCode) -> Input {
    Input::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(explorer: &mut Explorer, keys: &str) {
    for c in keys.chars() {
        explorer.update(key(KeyCode::Char(c)));
    }
}

fn opened() -> Explorer {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(sample_trace(600), Some("sample".into()));
    explorer
}

fn cursor(explorer: &Explorer) -> usize {
    explorer.run().expect("a run is open").cursor
}

fn kind_at(explorer: &Explorer) -> &TraceKind {
    let run = explorer.run().expect("a run is open");
    &run.recording.trace.events[run.cursor].kind
}

/// A host that "runs" the scenario by making the sample trace, dropping
/// every event after the first fork's moment and adding a crash there, so
/// forks have something to differ by; it remembers what it was asked.
#[derive(Default)]
struct FakeHost {
    asked: std::rc::Rc<std::cell::RefCell<Vec<Asked>>>,
}

/// What the host was asked to run: scenario, seed, forks.
type Asked = (String, Option<u64>, Vec<ForkFault>);

impl Host for FakeHost {
    fn scenarios(&self) -> Vec<ScenarioEntry> {
        ["alpha", "beta"]
            .map(|name| ScenarioEntry { name: name.into(), pattern: "p".into(), description: "d".into() })
            .to_vec()
    }

    fn run(&mut self, name: &str, seed: Option<u64>, forks: &[ForkFault]) -> Result<Trace, String> {
        self.asked.borrow_mut().push((name.to_string(), seed, forks.to_vec()));
        if name == "broken" {
            return Err("no such scenario".into());
        }
        let mut trace = sample_trace(600);
        if let Some(first) = forks.first() {
            let keep = trace.events.partition_point(|e| e.time <= first.at);
            trace.events.truncate(keep);
            trace.events.push(weft_sim::trace::TraceEvent {
                time: first.at,
                kind: TraceKind::Fault { fault: serde_json::json!({"fault": "crash", "node": 1}) },
            });
            trace.footer.violations.clear();
        }
        Ok(trace)
    }
}

#[test]
fn stepping_moves_one_event_and_stops_at_the_ends() {
    let mut explorer = opened();
    press(&mut explorer, "h");
    assert_eq!(cursor(&explorer), 0, "no step before the first event");
    press(&mut explorer, "lll");
    explorer.update(key(KeyCode::Right));
    assert_eq!(cursor(&explorer), 4);
    explorer.update(key(KeyCode::Left));
    assert_eq!(cursor(&explorer), 3);
    // In the flow, ↓ is a step too.
    explorer.update(key(KeyCode::Down));
    assert_eq!(cursor(&explorer), 4);
    press(&mut explorer, "G");
    let last = explorer.run().expect("run").recording.len() - 1;
    assert_eq!(cursor(&explorer), last);
    press(&mut explorer, "l");
    assert_eq!(cursor(&explorer), last, "no step past the last event");
    press(&mut explorer, "g");
    assert_eq!(cursor(&explorer), 0);
}

#[test]
fn stepping_back_shows_the_same_world_as_stepping_forward() {
    let mut explorer = opened();
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen.push(explorer.run().expect("run").world.clone());
        press(&mut explorer, "l");
    }
    for expected in seen.iter().rev() {
        press(&mut explorer, "h");
        assert_eq!(&explorer.run().expect("run").world, expected, "at event {}", cursor(&explorer));
    }
}

#[test]
fn jumps_land_on_faults_violations_and_the_selected_nodes_messages() {
    let mut explorer = opened();
    press(&mut explorer, "f");
    assert!(matches!(kind_at(&explorer), TraceKind::Fault { .. }), "f lands on a fault");
    let first_fault = cursor(&explorer);
    press(&mut explorer, "f");
    assert!(cursor(&explorer) > first_fault);
    press(&mut explorer, "F");
    assert_eq!(cursor(&explorer), first_fault);
    press(&mut explorer, "F");
    assert_eq!(cursor(&explorer), first_fault, "nothing before the first fault");
    assert!(explorer.status.as_deref().is_some_and(|s| s.contains("no fault before")));

    press(&mut explorer, "gv");
    let run = explorer.run().expect("run");
    let (marked, _) = run.recording.violations().next().expect("the sample has a violation");
    assert_eq!(cursor(&explorer), marked);

    press(&mut explorer, "g]");
    assert_eq!(explorer.selected, NodeId::new(1));
    press(&mut explorer, "mm");
    match kind_at(&explorer) {
        TraceKind::Send { from, .. } | TraceKind::Deliver { from, .. } | TraceKind::Drop { from, .. } => {
            assert_eq!(*from, NodeId::new(1), "node-1 sends every message in the sample")
        }
        other => panic!("m should land on a message, not {other:?}"),
    }
    let second = cursor(&explorer);
    press(&mut explorer, "M");
    assert!(cursor(&explorer) < second);
}

#[test]
fn focus_decides_what_up_and_down_do() {
    let mut explorer = opened();
    assert_eq!(explorer.focus, Pane::Flow);
    explorer.update(key(KeyCode::Tab));
    explorer.update(key(KeyCode::Tab));
    assert_eq!(explorer.focus, Pane::Topology);
    explorer.update(key(KeyCode::Down));
    assert_eq!((explorer.selected, cursor(&explorer)), (NodeId::new(1), 0), "↓ picks a node here");
    explorer.update(key(KeyCode::Up));
    explorer.update(key(KeyCode::Up));
    assert_eq!(explorer.selected, NodeId::new(2), "selection wraps around");
    explorer.update(key(KeyCode::BackTab));
    assert_eq!(explorer.focus, Pane::Log);
}

#[test]
fn search_finds_matches_in_both_directions_and_says_when_there_are_none() {
    let mut explorer = opened();
    press(&mut explorer, "/crash");
    assert_eq!(explorer.typing.as_deref(), Some("crash"), "letters are text while typing");
    assert_eq!(cursor(&explorer), 0, "typing c did not fork or move");
    explorer.update(key(KeyCode::Enter));
    assert!(matches!(kind_at(&explorer), TraceKind::Fault { .. } | TraceKind::Drop { .. }));
    let first = cursor(&explorer);
    press(&mut explorer, "n");
    assert!(cursor(&explorer) > first);
    press(&mut explorer, "N");
    assert_eq!(cursor(&explorer), first);

    press(&mut explorer, "/zebra");
    explorer.update(key(KeyCode::Enter));
    assert_eq!(cursor(&explorer), first);
    assert!(explorer.status.as_deref().is_some_and(|s| s.contains("not in this run")));

    press(&mut explorer, "/abc");
    explorer.update(key(KeyCode::Backspace));
    explorer.update(key(KeyCode::Esc));
    assert_eq!(explorer.typing, None);
    assert_eq!(explorer.query, "zebra", "Esc cancels without searching");
}

#[test]
fn filters_cycle_and_toggle() {
    let mut explorer = opened();
    press(&mut explorer, "k");
    assert_eq!(explorer.filter.kind, KindFilter::Messages);
    press(&mut explorer, "kkkkk");
    assert_eq!(explorer.filter.kind, KindFilter::All, "the cycle comes back to all");
    press(&mut explorer, "o");
    assert!(explorer.filter.node_only);
    press(&mut explorer, "o");
    assert!(!explorer.filter.node_only);
}

#[test]
fn playback_advances_by_speed_and_stops_at_the_end() {
    let mut explorer = opened();
    press(&mut explorer, " ");
    assert!(explorer.playing);
    explorer.update(Input::Tick(std::time::Duration::from_millis(500)));
    assert_eq!(cursor(&explorer), 5, "10 events a second, for half a second");
    press(&mut explorer, "+");
    assert_eq!(explorer.speed(), 20);
    explorer.update(Input::Tick(std::time::Duration::from_millis(500)));
    assert_eq!(cursor(&explorer), 15);
    explorer.update(Input::Tick(std::time::Duration::from_secs(3600)));
    assert!(!explorer.playing, "playback stops at the end");
    press(&mut explorer, " ");
    assert_eq!(cursor(&explorer), 0, "play at the end starts again from the start");
    press(&mut explorer, "--------------");
    assert_eq!(explorer.speed(), 1, "speed bottoms out");
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut explorer = opened();
    press(&mut explorer, "?");
    assert_eq!(explorer.overlay, Overlay::Help);
    press(&mut explorer, "jj");
    assert_eq!(explorer.help_scroll, 2);
    assert_eq!(cursor(&explorer), 0, "keys scroll the help, not the run");
    press(&mut explorer, "q");
    assert_eq!(explorer.overlay, Overlay::None);
    assert!(!explorer.should_quit(), "q closes the help first");
    explorer.update(Input::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(explorer.should_quit());
}

#[test]
fn a_fork_reruns_with_the_fault_at_the_cursor_and_goes_back() {
    let host = FakeHost::default();
    let asked = host.asked.clone();
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(host));
    explorer.open(sample_trace(600), Some("sample".into()));
    press(&mut explorer, "b");
    assert!(explorer.status.as_deref().is_some_and(|s| s.contains("original")));
    press(&mut explorer, "llllllllll]");
    let at = explorer.run().expect("run").time();
    press(&mut explorer, "c");
    assert_eq!(explorer.runs().len(), 2);
    assert_eq!(explorer.overlay, Overlay::Diff);
    let asked_for = asked.borrow().last().cloned().expect("the host was asked");
    assert_eq!(asked_for.0, "sample");
    assert_eq!(asked_for.1, Some(7), "the same seed as the trace");
    assert_eq!(asked_for.2, vec![ForkFault { at, kind: ForkKind::Crash(NodeId::new(1)) }]);
    let diff = explorer.run().and_then(|r| r.diff.clone()).expect("a fork has a diff");
    assert!(diff.first_difference.is_some());
    assert_eq!(cursor(&explorer), 10, "the fork opens where the cursor was");

    // A fork of a fork carries both faults.
    press(&mut explorer, "lp");
    assert_eq!(explorer.runs().len(), 3);
    assert_eq!(asked.borrow().last().map(|a| a.2.len()), Some(2));

    press(&mut explorer, "bb");
    assert_eq!(explorer.runs().len(), 1);
    assert!(explorer.run().expect("run").diff.is_none());
}

#[test]
fn cutting_needs_a_message_at_the_cursor() {
    let host = FakeHost::default();
    let asked = host.asked.clone();
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(host));
    explorer.open(sample_trace(600), Some("sample".into()));
    press(&mut explorer, "x");
    assert!(explorer.status.as_deref().is_some_and(|s| s.contains("put the cursor on a message")));
    assert!(asked.borrow().is_empty());
    // Find a delivery from node-1 to node-2.
    while !matches!(kind_at(&explorer), TraceKind::Deliver { to, .. } if *to == NodeId::new(2)) {
        press(&mut explorer, "l");
    }
    press(&mut explorer, "X");
    let kind = asked.borrow().last().and_then(|a| a.2.last().cloned()).map(|f| f.kind);
    assert_eq!(kind, Some(ForkKind::Cut { from: NodeId::new(1), to: NodeId::new(2), both_ways: false }));
}

#[test]
fn a_trace_file_cannot_be_forked_and_says_how_to() {
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(FakeHost::default()));
    explorer.open(sample_trace(100), None);
    press(&mut explorer, "c");
    assert_eq!(explorer.runs().len(), 1);
    let status = explorer.status.clone().unwrap_or_default();
    assert!(status.contains("weft explore sample --seed 7"), "{status}");
}

#[test]
fn the_picker_opens_a_scenario_and_reports_failures() {
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(FakeHost::default()));
    explorer.open_picker();
    assert!(explorer.picker().is_some());
    explorer.update(key(KeyCode::Down));
    assert_eq!(explorer.picker().map(|p| p.selected), Some(1));
    explorer.update(key(KeyCode::Down));
    assert_eq!(explorer.picker().map(|p| p.selected), Some(0), "the list wraps");
    explorer.update(key(KeyCode::Enter));
    assert!(explorer.picker().is_none());
    assert_eq!(explorer.run().and_then(|r| r.scenario.clone()), Some("alpha".into()));
    press(&mut explorer, "s");
    assert!(explorer.picker().is_some());
    press(&mut explorer, "q");
    assert!(explorer.picker().is_none() && !explorer.should_quit(), "q in the picker returns to the run");
}

#[test]
fn clicks_select_nodes_and_move_the_cursor() {
    let mut explorer = opened();
    explorer.update(Input::Resize(80, 24));
    let click = |column, row| {
        Input::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The timeline is the second-to-last row; its right end is the run's end.
    explorer.update(click(60, 22));
    assert!(cursor(&explorer) > 300, "a click late on the timeline jumps late into the run");
    let before = cursor(&explorer);
    explorer.update(Input::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 50,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(cursor(&explorer), before - 1);
    // The flow's column headings are on its second row; node-2's is the third.
    let areas = crate::view::layout(ratatui::layout::Rect::new(0, 0, 80, 24));
    let heading_row = areas.flow.y + 1;
    let picked = (areas.flow.x..areas.flow.right())
        .filter_map(|x| match crate::view::hit(&explorer, x, heading_row) {
            Some(crate::view::Hit::Node(node)) => Some((x, node)),
            _ => None,
        })
        .find(|(_, node)| *node == NodeId::new(2));
    let (x, _) = picked.expect("node-2 has a heading");
    explorer.update(click(x, heading_row));
    assert_eq!(explorer.selected, NodeId::new(2));
    assert!(SimTime::ZERO <= explorer.run().expect("run").time());
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let ctrl_c = Input::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let setups: [fn(&mut Explorer); 4] =
        [|_| {}, |e| press(e, "?"), |e| press(e, "/abc"), |e| e.open_picker()];
    for (i, setup) in setups.into_iter().enumerate() {
        let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(FakeHost::default()));
        explorer.open(sample_trace(100), Some("sample".into()));
        setup(&mut explorer);
        explorer.update(ctrl_c);
        assert!(explorer.should_quit(), "setup {i}: Ctrl-C quits");
        assert_eq!(explorer.runs().len(), 1, "setup {i}: Ctrl-C does not fork (c is crash)");
    }
}

fn with_host() -> (Explorer, std::rc::Rc<std::cell::RefCell<Vec<Asked>>>) {
    let host = FakeHost::default();
    let asked = host.asked.clone();
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(host));
    explorer.open(sample_trace(600), Some("sample".into()));
    (explorer, asked)
}

#[test]
fn d_reopens_a_forks_summary_and_esc_closes_it() {
    let (mut explorer, _) = with_host();
    press(&mut explorer, "d");
    assert_eq!(explorer.overlay, Overlay::None);
    assert!(explorer.status.as_deref().is_some_and(|s| s.contains("not a fork")));
    press(&mut explorer, "lllc");
    assert_eq!(explorer.overlay, Overlay::Diff, "a fork opens on its summary");
    explorer.update(key(KeyCode::Esc));
    assert_eq!(explorer.overlay, Overlay::None);
    assert!(!explorer.should_quit());
    press(&mut explorer, "d");
    assert_eq!(explorer.overlay, Overlay::Diff);
    press(&mut explorer, "z");
    assert_eq!(explorer.overlay, Overlay::None, "a key with no other use closes it too");
}

#[test]
fn r_restarts_the_selected_node_and_u_heals_the_network() {
    let (mut explorer, asked) = with_host();
    press(&mut explorer, "ll[r");
    let at = explorer.run().expect("run").time();
    let last = || asked.borrow().last().and_then(|a| a.2.last().cloned()).expect("the host was asked");
    assert_eq!(last(), ForkFault { at, kind: ForkKind::Restart(NodeId::new(2)) });
    press(&mut explorer, "lu");
    assert_eq!(last().kind, ForkKind::Heal);
    assert_eq!(explorer.runs().len(), 3);
}

#[test]
fn page_keys_move_a_third_of_the_screen() {
    let mut explorer = opened();
    explorer.update(Input::Resize(80, 30));
    explorer.update(key(KeyCode::PageDown));
    assert_eq!(cursor(&explorer), 10);
    explorer.update(key(KeyCode::PageDown));
    explorer.update(key(KeyCode::PageUp));
    assert_eq!(cursor(&explorer), 10);
    explorer.update(key(KeyCode::PageUp));
    explorer.update(key(KeyCode::PageUp));
    assert_eq!(cursor(&explorer), 0, "no page before the start");
}

#[test]
fn help_scrolling_stops_at_the_end_so_up_moves_at_once() {
    let mut explorer = opened();
    explorer.update(Input::Resize(80, 24));
    press(&mut explorer, "?");
    for _ in 0..200 {
        press(&mut explorer, "j");
    }
    let end = explorer.help_scroll;
    assert!(end > 0 && end < 200, "the help is longer than a screen, and shorter than 200 rows: {end}");
    assert_eq!(end, crate::view::help_scroll_limit(&explorer, (80, 24)));
    press(&mut explorer, "k");
    assert_eq!(explorer.help_scroll, end - 1, "one ↑ after scrolling past the end moves up");
    explorer.update(key(KeyCode::Up));
    assert_eq!(explorer.help_scroll, end - 2);
}

#[test]
fn clicking_a_node_in_the_topology_selects_it() {
    let mut explorer = opened();
    explorer.update(Input::Resize(80, 24));
    let areas = crate::view::layout(ratatui::layout::Rect::new(0, 0, 80, 24));
    let topology = areas.topology;
    let cell = (topology.top()..topology.bottom())
        .flat_map(|y| (topology.left()..topology.right()).map(move |x| (x, y)))
        .find(|(x, y)| crate::view::hit(&explorer, *x, *y) == Some(crate::view::Hit::Node(NodeId::new(2))));
    let (x, y) = cell.expect("node-2 is somewhere in the topology");
    explorer.update(Input::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(explorer.selected, NodeId::new(2));
    assert_eq!(cursor(&explorer), 0, "a click on a node does not move the cursor");
}

#[test]
fn the_wheel_in_the_picker_chooses_and_leaves_the_run_alone() {
    let (mut explorer, _) = with_host();
    press(&mut explorer, "lls");
    let wheel = |kind| Input::Mouse(MouseEvent { kind, column: 10, row: 5, modifiers: KeyModifiers::NONE });
    explorer.update(wheel(MouseEventKind::ScrollDown));
    assert_eq!(explorer.picker().map(|p| p.selected), Some(1));
    explorer.update(wheel(MouseEventKind::ScrollUp));
    explorer.update(wheel(MouseEventKind::ScrollUp));
    assert_eq!(explorer.picker().map(|p| p.selected), Some(1), "it wraps like ↑");
    assert_eq!(cursor(&explorer), 2, "the run behind the picker did not move");
}

#[test]
fn the_picker_reopens_on_the_scenario_being_explored() {
    let (mut explorer, _) = with_host();
    press(&mut explorer, "s");
    assert_eq!(explorer.picker().map(|p| p.selected), Some(0), "sample is not offered: the first");
    explorer.update(key(KeyCode::Down));
    explorer.update(key(KeyCode::Enter));
    assert_eq!(explorer.run().and_then(|r| r.scenario.clone()), Some("beta".into()));
    press(&mut explorer, "s");
    assert_eq!(explorer.picker().map(|p| p.selected), Some(1), "on beta");
}

#[test]
fn jumping_to_a_violation_names_it_in_the_status() {
    let mut explorer = opened();
    press(&mut explorer, "v");
    let status = explorer.status.clone().unwrap_or_default();
    assert_eq!(status, "‼ pretend-property: a made-up violation, to be marked on the timeline");
    press(&mut explorer, "v");
    assert!(explorer.status.as_deref().is_some_and(|s| s.starts_with("no violation after")));
    press(&mut explorer, "GV");
    assert!(explorer.status.as_deref().is_some_and(|s| s.starts_with("‼ pretend-property: ")), "V too");
}

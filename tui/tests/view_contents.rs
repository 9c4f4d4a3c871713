//! What the screens say, read back from the drawn cells: things a student
//! must be able to read at 80x24, with or without colour.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;
use weft_sim::trace::{NodeInfo, Trace, TraceEvent, TraceKind};
use weft_sim::{NodeId, SimTime};
use weft_tui::testing::{draw, press, sample_trace};
use weft_tui::view::layout;
use weft_tui::{Explorer, Input, Theme};

/// The rows of `area` on the drawn screen, as text.
fn rows(buffer: &Buffer, area: Rect) -> Vec<String> {
    (area.top()..area.bottom())
        .map(|y| {
            (area.left()..area.right()).filter_map(|x| buffer.cell((x, y))).map(|c| c.symbol()).collect()
        })
        .collect()
}

fn whole(buffer: &Buffer) -> Vec<String> {
    rows(buffer, buffer.area)
}

fn opened(trace: Trace) -> Explorer {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace, Some("sample".into()));
    explorer
}

/// A host whose every run is the sample trace, a shorter one for a fork.
struct SampleHost;

impl weft_tui::Host for SampleHost {
    fn scenarios(&self) -> Vec<weft_tui::ScenarioEntry> {
        Vec::new()
    }

    fn run(&mut self, _: &str, _: Option<u64>, forks: &[weft_tui::ForkFault]) -> Result<Trace, String> {
        Ok(sample_trace(if forks.is_empty() { 120 } else { 60 }))
    }
}

#[test]
fn the_inspector_tells_what_a_node_says_now_from_what_it_said_before() {
    let mut trace = sample_trace(40);
    let end = trace.events.last().map_or(SimTime::ZERO, |e| e.time);
    let observe = |ms: u64, obs| TraceEvent {
        time: SimTime::from_nanos(end.as_nanos() + ms * 1_000_000),
        kind: TraceKind::Observe { node: NodeId::new(0), obs },
    };
    trace.events.push(observe(100, json!({"follows": {"leader": 4, "term": 1}})));
    trace.events.push(observe(200, json!({"voted": {"candidate": 2, "term": 2}})));
    trace.events.push(observe(300, json!({"became-candidate": {"term": 3}})));
    let mut explorer = opened(trace);
    press(&mut explorer, "G");
    let buffer = draw(&mut explorer, 100, 30);
    let inspector = rows(&buffer, layout(buffer.area).inspector).join("\n");
    let line = |word: &str| {
        inspector.lines().find(|l| l.contains(word)).unwrap_or_else(|| panic!("no {word} in\n{inspector}"))
    };
    assert!(line("◆ became-candidate").contains("at "), "{inspector}");
    assert!(line("term").contains(" 3") && !line("term").contains('('), "term 3 is current:\n{inspector}");
    // What older observations said is marked with the observation and its
    // time, in words: not by colour alone.
    assert!(line("│leader").contains("4  (follows at 0.108400s)"), "{inspector}");
    assert!(line("│candidate").contains("2  (voted at 0.208400s)"), "{inspector}");
    let leader_row = inspector.lines().position(|l| l.contains("leader")).expect("shown");
    let term_row = inspector.lines().position(|l| l.starts_with("│term")).expect("shown");
    assert!(term_row < leader_row, "current fields come first:\n{inspector}");
}

#[test]
fn jumping_to_a_violation_names_the_property_and_the_log_shows_it() {
    let mut explorer = opened(sample_trace(120));
    press(&mut explorer, "v");
    let buffer = draw(&mut explorer, 80, 24);
    let screen = whole(&buffer);
    let status = screen.last().expect("a status row");
    assert!(status.starts_with("‼ pretend-property: a made-up violation"), "{status}");
    let log = rows(&buffer, layout(buffer.area).log).join("\n");
    assert!(log.contains("‼ pretend-property: a made-up"), "{log}");
    // The next key clears the status; the log keeps the line while its
    // event is on screen.
    press(&mut explorer, "l");
    let buffer = draw(&mut explorer, 80, 24);
    assert!(!whole(&buffer).last().expect("row").contains("pretend-property"));
    assert!(rows(&buffer, layout(buffer.area).log).join("\n").contains("‼ pretend-property"));
}

/// The header and the key hints fit in 80 columns whatever the run: the
/// parts that matter (event, violations, the fork, quit) are never cut.
#[test]
fn header_and_hints_fit_in_80_columns() {
    let long_name = "leader-election-leader-crash";
    let mut cut_short = sample_trace(120);
    cut_short.footer.events = 5_000_000;
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(SampleHost));
    explorer.open(cut_short.clone(), Some("sample".into()));
    press(&mut explorer, "G");
    let header = whole(&draw(&mut explorer, 80, 24)).remove(0);
    for part in ["event 121/121", "0.025000s", "(first 121 of 5000000 events)", "‼ 1 violated"] {
        assert!(header.contains(part), "`{part}` is missing from the header: {header}");
    }
    // With a long scenario name, the parts shrink, but each still says
    // what it has to.
    cut_short.header.scenario = long_name.into();
    explorer.open(cut_short, Some(long_name.into()));
    press(&mut explorer, "G");
    let screen = whole(&draw(&mut explorer, 80, 24));
    let header = &screen[0];
    for part in [long_name, "121/121", "0.025000s", "of 5000000", "‼ 1"] {
        assert!(header.contains(part), "`{part}` is missing from the header: {header}");
    }
    let hints = screen.last().expect("a status row");
    assert!(hints.starts_with("?: help") && hints.trim_end().ends_with("q: quit"), "{hints}");

    press(&mut explorer, "g]llllc");
    explorer.update(Input::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    let screen = whole(&draw(&mut explorer, 80, 24));
    let header = &screen[0];
    for part in ["event 5/", "fork 1: crash node-1", "‼ 1 violated"] {
        assert!(header.contains(part), "`{part}` is missing from the header: {header}");
    }
    assert!(screen.last().expect("row").trim_end().ends_with("q: quit"));

    // A trace from a file cannot fork: the command to run instead is whole.
    let mut from_file = Explorer::new(Theme::plain());
    let mut trace = sample_trace(120);
    trace.header.scenario = long_name.into();
    from_file.open(trace, None);
    press(&mut from_file, "c");
    let status = whole(&draw(&mut from_file, 80, 24)).pop().expect("row");
    assert!(status.contains(&format!("weft explore {long_name} --seed 7")), "{status}");
}

#[test]
fn every_help_line_is_whole_at_80_columns() {
    let mut explorer = opened(sample_trace(60));
    press(&mut explorer, "?");
    // Tall enough for the whole table at once.
    let text = whole(&draw(&mut explorer, 80, 80)).join("\n");
    for binding in weft_tui::keys::BINDINGS {
        assert!(text.contains(binding.help), "`{}` is cut:\n{text}", binding.help);
    }
}

#[test]
fn flow_headings_tell_nodes_apart() {
    let mut trace = sample_trace(60);
    trace.header.nodes = ["pinger-0", "ponger-0", "ponger-1"]
        .map(|name| NodeInfo { name: name.into(), role: name[..6].into() })
        .to_vec();
    let mut explorer = opened(trace);
    let buffer = draw(&mut explorer, 80, 24);
    let flow = layout(buffer.area).flow;
    let headings = &rows(&buffer, flow)[1];
    let words: Vec<&str> = headings.trim_matches(|c| c == '┃' || c == ' ').split_whitespace().collect();
    assert_eq!(words, ["pi0", "po0", "po1"], "{headings}");
}

#[test]
fn both_ends_of_a_message_carry_its_id_in_the_flow() {
    let mut explorer = opened(sample_trace(60));
    // Step to the first delivery.
    while !matches!(
        explorer.run().map(|r| &r.recording.trace.events[r.cursor].kind),
        Some(TraceKind::Deliver { .. })
    ) {
        press(&mut explorer, "l");
    }
    let run = explorer.run().expect("run");
    let TraceKind::Deliver { id, .. } = run.recording.trace.events[run.cursor].kind else { unreachable!() };
    let buffer = draw(&mut explorer, 100, 30);
    let flow = rows(&buffer, layout(buffer.area).flow);
    let tag = format!("#{id} ");
    let tagged: Vec<&String> = flow.iter().filter(|row| row.contains(&tag)).collect();
    assert_eq!(tagged.len(), 2, "the send and the delivery of {tag}:\n{}", flow.join("\n"));
    assert!(
        tagged[0].contains('◇') && tagged[1].contains('▶'),
        "the partner is marked:\n{}",
        flow.join("\n")
    );
}

/// Degraded, one-way cut, paused: each has its glyph in the topology,
/// without colour, whatever else is drawn there.
#[test]
fn link_and_node_states_show_in_the_topology_without_colour() {
    let mut explorer = opened(sample_trace(120));
    // crash, restart, partition, heal, degrade, cut one way, pause.
    press(&mut explorer, "fffffff");
    let run = explorer.run().expect("run");
    assert!(
        matches!(&run.recording.trace.events[run.cursor].kind, TraceKind::Fault { fault } if fault["fault"] == "pause")
    );
    // Every event until the resume, at several sizes: messages in flight
    // and node names must never cover a link's mark.
    loop {
        for (width, height) in [(60, 16), (80, 24), (100, 30), (120, 36)] {
            let buffer = draw(&mut explorer, width, height);
            let topology = rows(&buffer, layout(buffer.area).topology).join("\n");
            for glyph in ["~", "⇸", "‖"] {
                let at = explorer.run().map(|r| r.cursor);
                assert!(
                    topology.contains(glyph),
                    "no {glyph} at {width}x{height}, event {at:?}:\n{topology}"
                );
            }
        }
        press(&mut explorer, "l");
        let run = explorer.run().expect("run");
        if matches!(&run.recording.trace.events[run.cursor].kind, TraceKind::Fault { fault } if fault["fault"] == "resume")
        {
            break;
        }
    }
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    let mut explorer = opened(sample_trace(120));
    // node-0's timers: it has none.
    press(&mut explorer, "okkk");
    let buffer = draw(&mut explorer, 80, 24);
    let log = rows(&buffer, layout(buffer.area).log).join("\n");
    assert!(log.contains("no events match"), "{log}");
}

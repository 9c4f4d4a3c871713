//! A small made-up run, for tests, examples and the docs: three nodes elect
//! a leader, node-0 crashes and restarts, a partition comes and goes, the
//! link from node-1 to node-2 is degraded while node-0 is paused and cut off
//! from node-1 one way, and a property is (pretend) violated. Not a real pattern: its only job is to
//! contain one of every kind of event, deterministically.

use serde_json::json;
use weft_sim::trace::{
    NodeInfo, TRACE_VERSION, Trace, TraceEvent, TraceFooter, TraceHeader, TraceKind, Violation,
};
use weft_sim::{DropReason, NodeId, SimTime};

/// A trace of about `events` events (at least a few dozen) on three nodes.
///
/// ```
/// let trace = weft_tui::testing::sample_trace(100);
/// assert!(trace.events.len() >= 100);
/// assert_eq!(trace.header.nodes.len(), 3);
/// ```
pub fn sample_trace(events: usize) -> Trace {
    let n = NodeId::new;
    let mut out = Events(Vec::new());
    let mut now = 0u64;
    for node in 0..3 {
        out.at(now, TraceKind::Start { node: n(node) });
        out.at(now, TraceKind::Observe { node: n(node), obs: json!({"started": {"term": 0}}) });
    }
    now += 1_500;
    out.at(now, TraceKind::Timer { node: n(1), timer: json!({"election-timeout": {"round": 1}}) });
    out.at(now, TraceKind::Observe { node: n(1), obs: json!({"became-candidate": {"term": 1}}) });
    let mut id = 0u64;
    let mut round = 0u64;
    let mut crashed = false;
    let mut cut_off = false;
    while out.0.len() < events.max(40) {
        round += 1;
        // Node 1 sends to 0 and 2; 0's copy is lost while 0 is crashed or
        // cut off, every seventh message to 2 is duplicated.
        for to in [0u32, 2] {
            out.at(
                now,
                TraceKind::Send {
                    id,
                    from: n(1),
                    to: n(to),
                    msg: json!({"heartbeat": {"term": 1, "round": round}}),
                },
            );
            let sent = id;
            id += 1;
            if round.is_multiple_of(7) && to == 2 && !(13..15).contains(&round) {
                out.at(now, TraceKind::Duplicate { id: sent, copy: id });
                out.at(now + 900, TraceKind::Deliver { id, from: n(1), to: n(to) });
                id += 1;
            }
            let arrive = now + 300 + u64::from(to) * 100;
            if to == 0 && cut_off {
                out.at(
                    now,
                    TraceKind::Drop { id: sent, from: n(1), to: n(0), reason: DropReason::Partition },
                );
            } else if to == 0 && crashed {
                out.at(
                    arrive,
                    TraceKind::Drop { id: sent, from: n(1), to: n(0), reason: DropReason::Crashed },
                );
            } else if to == 2 && (13..15).contains(&round) {
                out.at(
                    now,
                    TraceKind::Drop { id: sent, from: n(1), to: n(2), reason: DropReason::Partition },
                );
            } else {
                out.at(arrive, TraceKind::Deliver { id: sent, from: n(1), to: n(to) });
            }
        }
        if round == 1 {
            out.at(now + 500, TraceKind::Observe { node: n(1), obs: json!({"became-leader": {"term": 1}}) });
            out.at(
                now + 600,
                TraceKind::Observe { node: n(2), obs: json!({"follows": {"leader": 1, "term": 1}}) },
            );
        }
        if round == 4 {
            out.at(now + 700, TraceKind::Fault { fault: json!({"fault": "crash", "node": 0}) });
            crashed = true;
        }
        if round == 9 {
            out.at(now + 700, TraceKind::Fault { fault: json!({"fault": "restart", "node": 0}) });
            out.at(now + 700, TraceKind::Start { node: n(0) });
            crashed = false;
        }
        if round == 12 {
            out.at(now + 700, TraceKind::Fault { fault: json!({"fault": "partition", "groups": [[2]]}) });
        }
        if round == 14 {
            out.at(now + 700, TraceKind::Fault { fault: json!({"fault": "heal"}) });
        }
        let fault = |fault| TraceKind::Fault { fault };
        if round == 16 {
            let degrade = json!({"fault": "degrade-link", "a": 1, "b": 2, "link": {"loss_probability": 0.2}});
            out.at(now + 700, fault(degrade));
        }
        if round == 17 {
            out.at(now + 700, fault(json!({"fault": "cut-one-way", "from": 1, "to": 0})));
            out.at(now + 700, fault(json!({"fault": "pause", "node": 0})));
            cut_off = true;
        }
        if round == 20 {
            out.at(now + 700, fault(json!({"fault": "resume", "node": 0})));
            out.at(now + 700, fault(json!({"fault": "heal"})));
            cut_off = false;
        }
        if round == 21 {
            out.at(now + 700, fault(json!({"fault": "restore-link", "a": 1, "b": 2})));
        }
        now += 1_000;
    }
    // Events were pushed round by round; the trace is in time order (ties
    // keep the order they were pushed in).
    let mut out = out.0;
    out.sort_by_key(|e| e.time);
    let violation = Violation {
        property: "pretend-property".into(),
        time: us(1_500 + 10_500),
        message: "a made-up violation, to be marked on the timeline".into(),
    };
    let header = TraceHeader {
        weft_trace: TRACE_VERSION,
        scenario: "sample".into(),
        seed: 7,
        nodes: (0..3).map(|i| NodeInfo { name: format!("node-{i}"), role: "node".into() }).collect(),
    };
    let footer = TraceFooter {
        events: out.len() as u64,
        trace_hash: "0000000000000000".into(),
        violations: vec![violation],
    };
    Trace { header, events: out, footer }
}

fn us(micros: u64) -> SimTime {
    SimTime::from_nanos(micros * 1_000)
}

struct Events(Vec<TraceEvent>);

impl Events {
    fn at(&mut self, micros: u64, kind: TraceKind) {
        self.0.push(TraceEvent { time: us(micros), kind });
    }
}

/// Presses each character of `keys` in turn, as a terminal would send them.
///
/// ```
/// let mut explorer = weft_tui::Explorer::new(weft_tui::Theme::plain());
/// explorer.open(weft_tui::testing::sample_trace(50), None);
/// weft_tui::testing::press(&mut explorer, "lll");
/// assert_eq!(explorer.run().map(|r| r.cursor), Some(3));
/// ```
pub fn press(explorer: &mut crate::Explorer, keys: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for c in keys.chars() {
        explorer.update(crate::Input::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

/// Draws the explorer on a `width` x `height` test terminal (after telling
/// it the size, as a resize would) and returns the screen's cells.
pub fn draw(explorer: &mut crate::Explorer, width: u16, height: u16) -> ratatui::buffer::Buffer {
    drawn(explorer, width, height).backend().buffer().clone()
}

/// The screen as text, one quoted line per row (the form snapshots keep).
pub fn screen(explorer: &mut crate::Explorer, width: u16, height: u16) -> String {
    drawn(explorer, width, height).backend().to_string()
}

fn drawn(
    explorer: &mut crate::Explorer,
    width: u16,
    height: u16,
) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    explorer.update(crate::Input::Resize(width, height));
    // A test backend cannot fail: its error type has no values.
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .unwrap_or_else(|never| match never {});
    terminal.draw(|frame| crate::view::draw(explorer, frame)).unwrap_or_else(|never| match never {});
    terminal
}

//! A shorthand for small hand-made histories, one event per line:
//!
//! ```text
//! p0 invoke write 1        a register operation with its value
//! p1 ok read null          a read and the value it returned
//! p2 ok cas [1,2] true     a cas's pair, and whether it swapped
//! p3 invoke put k1 "a"     a key-value operation: the key, then the value
//! p3 ok put k1 "a" @40     `@N`: the event's time, in ns
//! ```
//!
//! Each line becomes one JSON object of the history format, and the whole
//! is read with `History::from_json_lines`, so the tests go through the
//! real parser.

#![allow(dead_code)]

pub mod generate;

use weft_check::history::History;
use weft_check::{Budget, Model, Report, Verdict, Violation, check};

/// The JSON Lines text of a shorthand history.
pub fn json_lines(shorthand: &str) -> String {
    let mut out = String::new();
    for line in shorthand.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let time = match words.last() {
            Some(w) if w.starts_with('@') => {
                let t = w[1..].to_string();
                words.pop();
                Some(t)
            }
            _ => None,
        };
        let process = words[0].strip_prefix('p').expect("a line starts with pN");
        let (kind, f) = (words[1], words[2]);
        let mut rest = &words[3..];
        let mut object = format!(r#"{{"process": {process}, "type": "{kind}", "f": "{f}""#);
        if matches!(f, "get" | "put" | "append") {
            object += &format!(r#", "key": "{}""#, rest[0]);
            rest = &rest[1..];
        }
        if let Some(value) = rest.first() {
            object += &format!(r#", "value": {value}"#);
        }
        if let Some(swapped) = rest.get(1) {
            object += &format!(r#", "swapped": {swapped}"#);
        }
        if let Some(time) = time {
            object += &format!(r#", "time": {time}"#);
        }
        object += "}\n";
        out += &object;
    }
    out
}

/// The history a shorthand describes.
pub fn history(shorthand: &str) -> History {
    let text = json_lines(shorthand);
    History::from_json_lines(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Checks a shorthand history with the default budget.
pub fn report(model: Model, shorthand: &str) -> Report {
    check(&history(shorthand), model, Budget::DEFAULT).expect("the history fits the model")
}

/// Asserts the history is linearizable.
pub fn linearizable(model: Model, shorthand: &str) {
    let report = report(model, shorthand);
    assert_eq!(report.verdict, Verdict::Linearizable, "expected linearizable:\n{shorthand}\n{report:#?}");
}

/// Asserts the history is not linearizable, and returns the explanation.
pub fn violation(model: Model, shorthand: &str) -> Violation {
    match report(model, shorthand).verdict {
        Verdict::NotLinearizable { violation } => *violation,
        other => panic!("expected a violation:\n{shorthand}\ngot {other:?}"),
    }
}

/// The history of a violation's window on its own: each operation's
/// invocation and completion (even one after the window closes: the window
/// shows how it ended), in the order of their lines (and with their times,
/// if they had any).
pub fn window_history(v: &Violation) -> History {
    use weft_check::Outcome;
    use weft_check::history::{EventType, Function, HistoryEvent, TimedEvent, Value};
    let mut events: Vec<(usize, TimedEvent)> = Vec::new();
    for op in &v.window.operations {
        let reads = matches!(op.f, Function::Read | Function::Get);
        let event = |kind, value: Value, swapped| HistoryEvent {
            process: op.process,
            kind,
            f: op.f,
            key: op.key.clone(),
            value,
            swapped,
        };
        let invoked = event(EventType::Invoke, if reads { Value::Null } else { op.value.clone() }, None);
        events.push((op.invoke_line, TimedEvent { event: invoked, time: op.invoke_time }));
        let completion = match op.outcome {
            Outcome::Ok => Some(EventType::Ok),
            Outcome::Info => Some(EventType::Info),
            Outcome::Fail => Some(EventType::Fail),
            Outcome::Open => None,
        };
        if let (Some(kind), Some(line)) = (completion, op.complete_line) {
            let value = if reads && kind != EventType::Ok { Value::Null } else { op.value.clone() };
            let swapped = if kind == EventType::Ok { op.swapped } else { None };
            events.push((line, TimedEvent { event: event(kind, value, swapped), time: op.complete_time }));
        }
    }
    events.sort_by_key(|(line, _)| *line);
    let text: String =
        events.iter().map(|(_, e)| serde_json::to_string(e).expect("an event serializes") + "\n").collect();
    History::from_json_lines(&text).unwrap_or_else(|e| panic!("the window reads back: {e}\n{text}"))
}

/// Asserts that the violation's window, on its own, is not linearizable:
/// the operations it shows are the proof.
pub fn assert_window_fails(model: Model, v: &Violation) {
    let report = check(&window_history(v), model, Budget::DEFAULT).expect("the window fits the model");
    assert!(
        matches!(report.verdict, Verdict::NotLinearizable { .. }),
        "the window alone is {:?}:\n{}",
        report.verdict,
        v.render()
    );
}

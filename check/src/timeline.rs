//! A violation's window drawn as text: one row per process, one bar per
//! operation, from its invocation to its completion.
//!
//! ```text
//! line 3                                                              line 9
//! p0  |---------write 1----------|
//! p1         |-------------write 2-------------|
//! p2                  |=============read → 3=============|
//! ```
//!
//! The axis is the order of events, not their times to scale: each
//! invocation and completion in the window gets its own column (as far as
//! the width allows), because for linearizability only the order matters,
//! and a long operation must not squeeze the short ones into nothing.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::Violation;
use crate::operation::{Operation, Outcome};

/// The text of `violation`'s window, at most `width` columns wide.
pub(crate) fn draw(violation: &Violation, width: usize) -> String {
    let window = &violation.window;
    let ops = &window.operations;
    let (start, end) = (window.start_line, window.end_line);
    // The columns: every event of the window, in order.
    let mut points: Vec<usize> = ops
        .iter()
        .flat_map(|o| [Some(o.invoke_line), o.complete_line])
        .flatten()
        .filter(|&line| line >= start && line <= end)
        .collect();
    points.push(start);
    points.push(end);
    points.sort_unstable();
    points.dedup();

    let label_width = ops.iter().map(|o| format!("p{}", o.process).len()).max().unwrap_or(2) + 2;
    let bars = width.saturating_sub(label_width).max(16);
    let column = |line: usize| {
        let i = points.partition_point(|&p| p < line);
        if points.len() < 2 { 0 } else { i * (bars - 1) / (points.len() - 1) }
    };

    let mut text = String::new();
    let (left, right) = match (window.start_time, window.end_time) {
        (Some(s), Some(e)) => {
            (format!("line {start}, {}", human_ns(s)), format!("line {end}, {}", human_ns(e)))
        }
        _ => (format!("line {start}"), format!("line {end}")),
    };
    let gap = (label_width + bars).saturating_sub(left.chars().count() + right.chars().count()).max(1);
    let _ = writeln!(text, "{left}{}{right}", " ".repeat(gap));

    // Each process gets as many rows as its bars need (only when the width
    // forces two of its operations into the same columns).
    let mut rows: BTreeMap<u32, Vec<Row>> = BTreeMap::new();
    for op in ops {
        let blocked = *op == violation.operation;
        let clipped_left = op.invoke_line < start;
        let clipped_right = op.complete_line.is_none_or(|c| c > end) || op.outcome != Outcome::Ok;
        let from = if clipped_left { 0 } else { column(op.invoke_line) };
        let mut to = if clipped_right { bars - 1 } else { column(op.complete_line.unwrap_or(end)) };
        if to <= from {
            to = (from + 1).min(bars - 1);
        }
        let from = from.min(to.saturating_sub(1));
        let process_rows = rows.entry(op.process).or_default();
        let row = match process_rows.iter().position(|r| r.free_from <= from) {
            Some(i) => i,
            None => {
                process_rows.push(Row { cells: vec![' '; bars], free_from: 0 });
                process_rows.len() - 1
            }
        };
        process_rows[row].draw(op, from, to, clipped_left, clipped_right, blocked);
    }
    for (process, process_rows) in &rows {
        for (i, row) in process_rows.iter().enumerate() {
            let name = if i == 0 { format!("p{process}") } else { String::new() };
            let cells: String = row.cells.iter().collect();
            let _ = writeln!(text, "{name:<label_width$}{}", cells.trim_end());
        }
    }
    let _ = writeln!(text, "(events in order, not to scale; === blocked; < > past the edge; ? unknown)");
    text
}

struct Row {
    cells: Vec<char>,
    /// The first column after everything drawn so far.
    free_from: usize,
}

impl Row {
    fn draw(&mut self, op: &Operation, from: usize, to: usize, left: bool, right: bool, blocked: bool) {
        let fill = if blocked { '=' } else { '-' };
        for cell in &mut self.cells[from..=to] {
            *cell = fill;
        }
        self.cells[from] = if left { '<' } else { '|' };
        self.cells[to] = if right { '>' } else { '|' };
        let label: Vec<char> = op.label().chars().collect();
        let inside = to - from - 1;
        let mut end = to + 1;
        if label.len() + 2 <= inside {
            // Centred in the bar.
            let at = from + 1 + (inside - label.len()) / 2;
            self.cells[at..at + label.len()].copy_from_slice(&label);
        } else if to + 2 + label.len() <= self.cells.len() {
            // After the bar.
            self.cells[to + 2..to + 2 + label.len()].copy_from_slice(&label);
            end = to + 2 + label.len();
        }
        // (Otherwise the label does not fit: the list below the timeline
        // names every operation.)
        self.free_from = end + 1;
    }
}

/// A time in the unit that reads best: `850ns`, `12.5µs`, `4.000ms`, `7.25s`.
pub(crate) fn human_ns(ns: u64) -> String {
    let n = ns as f64;
    match ns {
        0..1_000 => format!("{ns}ns"),
        1_000..1_000_000 => format!("{:.1}µs", n / 1e3),
        1_000_000..1_000_000_000 => format!("{:.3}ms", n / 1e6),
        _ => format!("{:.3}s", n / 1e9),
    }
}

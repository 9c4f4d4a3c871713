//! The event log: every event around the cursor in words, filtered by node
//! and kind, the cursor's event highlighted. A property violation gets a
//! line of its own, `‼ property: message`, under the event it is marked at.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};

use weft_sim::trace::Violation;

use super::{Hit, pane_block, put};
use crate::app::{Explorer, Run};
use crate::describe::{self, Names};
use crate::keys::Pane;

/// How far the log looks for events that pass the filter, each way, before
/// giving up (so a filter that matches nothing costs a bounded scan).
const SCAN_LIMIT: usize = 100_000;

/// A row of the log.
enum Row<'a> {
    /// An event, by index.
    Event(usize),
    /// A violation marked at this event.
    Violation(usize, &'a Violation),
}

impl Row<'_> {
    fn event(&self) -> usize {
        match self {
            Row::Event(i) | Row::Violation(i, _) => *i,
        }
    }
}

/// The rows the log shows, in order: up to `rows` of them, the events
/// passing the filter, each followed by the violations marked at it, with
/// the cursor's event (or the place it would be) in the middle.
fn shown<'r>(explorer: &Explorer, run: &'r Run, rows: usize) -> Vec<Row<'r>> {
    let events = shown_events(explorer, run, rows);
    let mut violations = run.recording.violations().peekable();
    let mut shown = Vec::with_capacity(rows);
    for index in events {
        while violations.next_if(|(at, _)| *at < index).is_some() {}
        shown.push(Row::Event(index));
        while let Some((at, violation)) = violations.next_if(|(at, _)| *at == index) {
            shown.push(Row::Violation(at, violation));
        }
    }
    // Violation rows push later events down: keep the cursor's row in the
    // middle, then fill the pane.
    let cursor_row = shown.iter().position(|r| r.event() >= run.cursor).unwrap_or(shown.len());
    let surplus = cursor_row.saturating_sub(rows / 2).min(shown.len().saturating_sub(rows));
    shown.drain(..surplus);
    shown.truncate(rows);
    shown
}

/// The events the log shows, in order: up to `rows` events passing the
/// filter, with the cursor's event (or the place it would be) in the middle.
fn shown_events(explorer: &Explorer, run: &Run, rows: usize) -> Vec<usize> {
    let recording = &run.recording;
    let events = &recording.trace.events;
    let admits = |i: &usize| explorer.filter.kind.admits(&events[*i].kind);
    let before = rows / 2;
    let (mut earlier, later): (Vec<usize>, Vec<usize>) = if explorer.filter.node_only {
        let list = recording.events_of(explorer.selected);
        let split = list.partition_point(|i| *i < run.cursor);
        (
            list[..split].iter().rev().copied().filter(admits).take(before).collect(),
            list[split..].iter().copied().filter(admits).take(rows).collect(),
        )
    } else {
        let back = run.cursor.saturating_sub(SCAN_LIMIT);
        let ahead = (run.cursor + SCAN_LIMIT).min(events.len());
        (
            (back..run.cursor).rev().filter(admits).take(before).collect(),
            (run.cursor..ahead).filter(admits).take(rows).collect(),
        )
    };
    earlier.reverse();
    earlier.extend(later);
    earlier.truncate(rows);
    earlier
}

pub(super) fn render(explorer: &Explorer, run: &Run, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = explorer.theme;
    let mut title = format!("{} · {}", Pane::Log.title(), explorer.filter.kind.name());
    let names = Names(&run.recording.trace.header);
    if explorer.filter.node_only {
        title.push_str(&format!(" · {} only", names.name(explorer.selected)));
    }
    if !explorer.query.is_empty() {
        title.push_str(&format!(" · /{}", explorer.query));
    }
    super::RenderIn::render_in(pane_block(explorer, Pane::Log, title), area, buf);
    let inner = area.inner(Margin::new(1, 1));
    let recording = &run.recording;
    let rows = shown(explorer, run, usize::from(inner.height));
    if rows.is_empty() {
        let hint =
            if explorer.filter.node_only { "o: every node's, k: another kind" } else { "k: another kind" };
        put(buf, inner, inner.x, inner.y, &format!("no events match ({hint})"), theme.dim());
    }
    for (row, shown) in rows.into_iter().enumerate() {
        let y = inner.y + row as u16;
        let index = match shown {
            Row::Event(index) => index,
            Row::Violation(_, violation) => {
                let line = format!(
                    "{:>6} {} {}: {}",
                    "",
                    describe::glyph::VIOLATION,
                    violation.property,
                    violation.message
                );
                put(buf, inner, inner.x, y, &line, theme.violation());
                continue;
            }
        };
        let event = &recording.trace.events[index];
        let style = theme.event(&event.kind);
        let line = format!(
            "{:>6} {} {} {}",
            index + 1,
            describe::time(event.time),
            describe::event_glyph(&event.kind),
            describe::event(names, event, |id| recording.message_body(id))
        );
        put(buf, inner, inner.x, y, &line, style);
        if index == run.cursor {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1).intersection(buf.area), theme.cursor());
        }
    }
}

/// A click on a log row moves the cursor to its event.
pub(super) fn hit(explorer: &Explorer, run: &Run, area: Rect, y: u16) -> Option<Hit> {
    let inner = area.inner(Margin::new(1, 1));
    let row = usize::from(y.checked_sub(inner.y)?);
    shown(explorer, run, usize::from(inner.height)).get(row).map(|r| Hit::Event(r.event()))
}

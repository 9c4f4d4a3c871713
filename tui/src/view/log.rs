//! The event log: every event around the cursor in words, filtered by node
//! and kind, the cursor's event highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};

use super::{Hit, pane_block, put};
use crate::app::{Explorer, Run};
use crate::describe::{self, Names};
use crate::keys::Pane;

/// How far the log looks for events that pass the filter, each way, before
/// giving up (so a filter that matches nothing costs a bounded scan).
const SCAN_LIMIT: usize = 100_000;

/// The events the log shows, in order: up to `rows` events passing the
/// filter, with the cursor's event (or the place it would be) in the middle.
fn shown(explorer: &Explorer, run: &Run, rows: usize) -> Vec<usize> {
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
    for (row, index) in shown(explorer, run, usize::from(inner.height)).into_iter().enumerate() {
        let y = inner.y + row as u16;
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
    shown(explorer, run, usize::from(inner.height)).get(row).map(|i| Hit::Event(*i))
}

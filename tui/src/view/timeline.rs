//! The timeline: the whole run on one line, in virtual time, with every
//! fault and violation marked and the cursor on it. Click it to jump.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use weft_sim::SimTime;
use weft_sim::trace::TraceKind;

use super::{Hit, put};
use crate::app::{Explorer, Run};
use crate::describe::{self, glyph};
use crate::recording::Mark;

/// The column of time `t` on a bar `width` wide for a run ending at `end`.
fn column(t: SimTime, end: SimTime, width: u16) -> u16 {
    if end.as_nanos() == 0 || width == 0 {
        return 0;
    }
    let fraction = t.as_nanos() as f64 / end.as_nanos() as f64;
    ((fraction * f64::from(width - 1)).round() as u16).min(width - 1)
}

pub(super) fn render(explorer: &Explorer, run: &Run, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = explorer.theme;
    let end = run.recording.end_time();
    let suffix = format!(" {}", describe::time(end));
    let width = area.width.saturating_sub(suffix.chars().count() as u16);
    if width == 0 {
        return;
    }
    let bar: String = std::iter::repeat_n('─', usize::from(width)).collect();
    put(buf, area, area.x, area.y, &bar, theme.dim());
    put(buf, area, area.x + width, area.y, &suffix, theme.dim());
    let events = &run.recording.trace.events;
    // Faults first, violations over them: a violation must never be hidden.
    for (index, mark) in &run.recording.marks {
        if let (Mark::Fault, Some(TraceKind::Fault { fault })) = (mark, events.get(*index).map(|e| &e.kind)) {
            let x = area.x + column(events[*index].time, end, width);
            put(buf, area, x, area.y, &describe::fault_glyph(fault).to_string(), theme.fault());
        }
    }
    for (_, violation) in run.recording.violations() {
        let x = area.x + column(violation.time, end, width);
        put(buf, area, x, area.y, &glyph::VIOLATION.to_string(), theme.violation());
    }
    let x = area.x + column(run.time(), end, width);
    let under = buf.cell((x, area.y)).map(|c| c.symbol().to_string()).unwrap_or_default();
    // The cursor keeps the mark it is on visible, in reverse video.
    let symbol = if under == "─" { "┃" } else { under.as_str() };
    put(buf, area, x, area.y, symbol, theme.selected());
}

/// A click on the timeline moves the cursor to the last event at or before
/// that moment.
pub(super) fn hit(run: &Run, area: Rect, x: u16) -> Option<Hit> {
    let end = run.recording.end_time();
    let suffix = describe::time(end).chars().count() as u16 + 1;
    let width = area.width.saturating_sub(suffix);
    let column = x.checked_sub(area.x)?;
    if column >= width || width < 2 {
        return None;
    }
    let nanos = (f64::from(column) / f64::from(width - 1) * end.as_nanos() as f64) as u64;
    Some(Hit::Event(run.recording.event_at_time(SimTime::from_nanos(nanos))))
}

//! What is drawn over the main screen: the help (the key table), a fork's
//! summary, and the scenario picker.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{RenderIn, put};
use crate::app::{Diff, Explorer, Picker};
use crate::describe;
use crate::keys::{BINDINGS, keys_label};

/// A box centred in `area`, at most `width` by `height`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn framed(explorer: &Explorer, area: Rect, title: &str, buf: &mut Buffer) -> Rect {
    Clear.render_in(area, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_style(explorer.theme.border(true))
        .title(Span::styled(format!(" {title} "), explorer.theme.title()))
        .render_in(area, buf);
    area.inner(Margin::new(1, 1))
}

/// The key table, section by section, scrolled by `help_scroll`.
pub(super) fn help(explorer: &Explorer, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let inner = framed(explorer, centred(area, 84, area.height), "keys · ↑/↓ scroll · Esc close", buf);
    let key_width = BINDINGS.iter().map(|b| keys_label(b).chars().count()).max().unwrap_or(0);
    let mut lines = Vec::new();
    let mut section = "";
    for binding in BINDINGS {
        if binding.section != section {
            section = binding.section;
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(section, theme.title()));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<key_width$}  ", keys_label(binding)), theme.send()),
            Span::styled(binding.help, theme.text()),
        ]));
    }
    let last = (lines.len() as u16).saturating_sub(inner.height);
    Paragraph::new(lines).scroll((explorer.help_scroll.min(last), 0)).render_in(inner, buf);
}

/// How a fork differs from the run it was forked from.
pub(super) fn diff(explorer: &Explorer, diff: &Diff, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let mut lines = vec![Line::styled(format!("added: {}", diff.fault), theme.fault())];
    lines.push(match diff.first_difference {
        Some((index, time)) => Line::raw(format!(
            "the runs agree on their first {index} events, then differ (at {})",
            describe::time(time)
        )),
        None => Line::styled("the fork changed nothing: both runs are identical", theme.title()),
    });
    lines.push(Line::raw(""));
    for (what, before, after) in &diff.counts {
        let style = if before == after { theme.dim() } else { theme.text() };
        lines.push(Line::styled(format!("{what:<16} {before:>9} → {after}"), style));
    }
    for v in &diff.violations {
        lines.push(Line::styled(v.clone(), theme.violation()));
    }
    if !diff.nodes.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("how the nodes ended, before → after:", theme.title()));
        lines.extend(diff.nodes.iter().map(|n| Line::raw(n.clone())));
    }
    let height = (lines.len() as u16).saturating_add(2);
    let inner =
        framed(explorer, centred(area, 76, height), "fork · b: back to the original · Esc: close", buf);
    Paragraph::new(lines).wrap(Wrap { trim: false }).render_in(inner, buf);
}

/// Rows above the first entry in the picker: the frame, the title line, a
/// blank line.
const PICKER_TOP: u16 = 3;

/// The scenario picker, full screen.
pub(super) fn picker(explorer: &Explorer, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let inner = framed(explorer, area, "weft · choose a scenario to explore", buf);
    put(buf, inner, inner.x, inner.y, "↑/↓ choose · Enter explore · q quit", theme.dim());
    if let Some(status) = &explorer.status {
        put(buf, inner, inner.x, inner.y, status, theme.violation());
    }
    let name_width = picker.entries.iter().map(|e| e.name.chars().count()).max().unwrap_or(0);
    let first = first_shown(inner, picker);
    let rows = usize::from(inner.height.saturating_sub(PICKER_TOP - 1));
    for (row, (i, entry)) in picker.entries.iter().enumerate().skip(first).take(rows).enumerate() {
        let y = inner.y + PICKER_TOP - 1 + row as u16;
        let line = format!("{:<name_width$}  {:<18} {}", entry.name, entry.pattern, entry.description);
        let style = if i == picker.selected { theme.selected() } else { theme.text() };
        let marker = if i == picker.selected { "▶ " } else { "  " };
        let end = put(buf, inner, inner.x, y, marker, style);
        put(buf, inner, end, y, &line, style);
    }
}

/// The first entry on screen: the list scrolls to keep the highlighted
/// one on its last row.
fn first_shown(inner: Rect, picker: &Picker) -> usize {
    let rows = usize::from(inner.height.saturating_sub(PICKER_TOP - 1));
    picker.selected.saturating_sub(rows.saturating_sub(1))
}

/// Which entry is at screen row `y`.
pub(super) fn picker_row_at(area: Rect, picker: &Picker, y: u16) -> Option<usize> {
    let inner = area.inner(Margin::new(1, 1));
    let row = usize::from(y.checked_sub(inner.y + PICKER_TOP - 1)?);
    let rows = usize::from(inner.height.saturating_sub(PICKER_TOP - 1));
    let index = first_shown(inner, picker) + row;
    (row < rows && index < picker.entries.len()).then_some(index)
}

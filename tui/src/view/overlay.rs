//! What is drawn over the main screen: the help (the key table), a fork's
//! summary, and the scenario picker.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

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

/// The widest the help's box is.
const HELP_WIDTH: u16 = 84;

/// The help's lines: the key table, section by section.
fn help_lines(explorer: &Explorer) -> Vec<Line<'static>> {
    let theme = explorer.theme;
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
    lines
}

/// Where the help's text goes on a screen of `area`.
fn help_inner(area: Rect) -> Rect {
    centred(area, HELP_WIDTH, area.height).inner(Margin::new(1, 1))
}

/// The furthest the help scrolls on a screen of `area`: its last line at
/// the bottom.
pub(super) fn help_scroll_limit(explorer: &Explorer, area: Rect) -> u16 {
    (help_lines(explorer).len() as u16).saturating_sub(help_inner(area).height)
}

/// The key table, scrolled by `help_scroll` (which `update` keeps within
/// [`help_scroll_limit`]).
pub(super) fn help(explorer: &Explorer, area: Rect, buf: &mut Buffer) {
    let inner =
        framed(explorer, centred(area, HELP_WIDTH, area.height), "keys · ↑/↓ scroll · Esc close", buf);
    let last = help_scroll_limit(explorer, area);
    Paragraph::new(help_lines(explorer)).scroll((explorer.help_scroll.min(last), 0)).render_in(inner, buf);
}

/// `text` broken into lines of at most `width` columns, at spaces where it
/// can be (a word longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let line = lines.last_mut().expect("lines start with one");
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word);
                break;
            }
            if used == 0 {
                // Longer than a whole line: cut it.
                let rest = word.split_off(width);
                line.extend(word);
                word = rest;
            }
            lines.push(String::new());
        }
    }
    lines
}

/// How a fork differs from the run it was forked from. Lines are wrapped
/// here, not by the paragraph, so that the box is as tall as its text.
pub(super) fn diff(explorer: &Explorer, diff: &Diff, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let mut lines: Vec<(String, Style)> = vec![(format!("added: {}", diff.fault), theme.fault())];
    lines.push(match diff.first_difference {
        Some((index, time)) => (
            format!(
                "the runs agree on their first {index} events, then differ (at {})",
                describe::time(time)
            ),
            theme.text(),
        ),
        None => ("the fork changed nothing: both runs are identical".into(), theme.title()),
    });
    lines.push((String::new(), theme.text()));
    for (what, before, after) in &diff.counts {
        let style = if before == after { theme.dim() } else { theme.text() };
        lines.push((format!("{what:<16} {before:>9} → {after}"), style));
    }
    for v in &diff.violations {
        lines.push((v.clone(), theme.violation()));
    }
    if !diff.nodes.is_empty() {
        lines.push((String::new(), theme.text()));
        lines.push(("how the nodes ended, before → after:".into(), theme.title()));
        lines.extend(diff.nodes.iter().map(|n| (n.clone(), theme.text())));
    }
    let outer = centred(area, DIFF_WIDTH, area.height);
    let text_width = usize::from(outer.width.saturating_sub(2));
    let lines: Vec<Line<'_>> = lines
        .into_iter()
        .flat_map(|(text, style)| wrap(&text, text_width).into_iter().map(move |l| Line::styled(l, style)))
        .collect();
    let height = (lines.len() as u16).saturating_add(2);
    let inner = framed(
        explorer,
        centred(area, DIFF_WIDTH, height),
        "fork · b: back to the original · Esc: close",
        buf,
    );
    Paragraph::new(lines).render_in(inner, buf);
}

/// The widest the fork summary's box is.
const DIFF_WIDTH: u16 = 76;

/// Rows above the first entry in the picker: the frame, the title line, a
/// blank line.
const PICKER_TOP: u16 = 3;

/// The scenario picker, full screen.
pub(super) fn picker(explorer: &Explorer, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let inner = framed(explorer, area, "weft · choose a scenario to explore", buf);
    put(buf, inner, inner.x, inner.y, "↑/↓ choose · Enter explore · q quit", theme.dim());
    // On the blank line under the hint, so that neither hides the other.
    if let Some(status) = &explorer.status {
        put(buf, inner, inner.x, inner.y + 1, status, theme.violation());
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

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_only_words_longer_than_a_line() {
        assert_eq!(wrap("node-2: follows leader=4 term=1", 16), ["node-2: follows", "leader=4 term=1"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""], "an empty line stays a line");
        for width in 1..12 {
            for line in wrap("the runs agree on their first 64 events", width) {
                assert!(line.chars().count() <= width, "{line:?} is wider than {width}");
            }
        }
    }
}

//! The inspector: what the selected node has said about itself up to the
//! cursor, its state, its traffic, and its links that are not healthy.
//!
//! What a node says *now* is its latest observation and the fields that
//! observation carried. Fields only older observations carried are shown
//! last, dimmed and, so as not to rely on colour, each followed by the
//! observation that said it and when: `leader 4 (follows at 0.180000s)`. They
//! may be stale: a node that followed node-4 and then became a candidate
//! does not follow node-4 any more.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use weft_sim::NodeId;

use super::{RenderIn, pane_block};
use crate::app::{Explorer, Run};
use crate::describe::{self, Names, glyph};
use crate::keys::Pane;
use crate::recording::{LinkState, Status};

pub(super) fn render(explorer: &Explorer, run: &Run, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = explorer.theme;
    let names = Names(&run.recording.trace.header);
    let node = explorer.selected;
    let title = format!("{} · {}", Pane::Inspector.title(), names.name(node));
    pane_block(explorer, Pane::Inspector, title).render_in(area, buf);
    let Some(state) = run.world.nodes.get(node.index()) else { return };
    let role = run.recording.trace.header.nodes.get(node.index()).map_or("?", |n| n.role.as_str());
    let (mark, words) = status_words(state.status);
    let mut extra = String::new();
    if state.slow {
        extra.push_str(" · slow");
    }
    if let Some(clock) = &state.clock {
        extra.push_str(&format!(" · clock {clock}"));
    }
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{mark} {words}"), theme.status(state.status)),
        Span::styled(format!(" · role {role}{extra}"), theme.text()),
    ])];
    match &state.latest {
        Some((name, at)) => lines.push(Line::from(vec![
            Span::styled(format!("{} {name}", glyph::OBSERVE), theme.observe()),
            Span::styled(format!(" at {}", describe::time(*at)), theme.dim()),
        ])),
        None => lines.push(Line::styled("nothing observed yet", theme.dim())),
    }
    let key_width = state.fields.keys().map(|k| k.chars().count()).max().unwrap_or(0).min(14);
    for (key, field) in state.current_fields() {
        lines.push(Line::from(vec![
            Span::styled(format!("{key:<key_width$} "), theme.dim()),
            Span::styled(describe::value(&field.value), theme.text()),
        ]));
    }
    let mut earlier: Vec<Line<'_>> = state
        .earlier_fields()
        .map(|(key, field)| {
            Line::styled(
                format!(
                    "{key:<key_width$} {}  ({} at {})",
                    describe::value(&field.value),
                    field.observation,
                    describe::time(field.at)
                ),
                theme.dim(),
            )
        })
        .collect();
    let c = state.counts;
    lines.push(Line::styled(
        format!(
            "sent {} · got {} · lost {}/{} · timers {}",
            c.sent, c.received, c.lost_sent, c.lost_received, c.timers
        ),
        theme.dim(),
    ));
    for other in 0..run.recording.node_count() {
        let other = NodeId::new(other as u32);
        if other == node {
            continue;
        }
        let state = run.world.link(node, other);
        let words = match state {
            LinkState::Healthy => continue,
            LinkState::Degraded => "degraded",
            LinkState::Cut => "cut",
            LinkState::CutOneWay { from } if from == node => "cut: it cannot reach",
            LinkState::CutOneWay { .. } => "cut: it cannot hear",
        };
        lines.push(Line::styled(
            format!("{} {words} {}", link_glyph(state), names.name(other)),
            theme.link(state),
        ));
    }
    // Older fields last: they matter least, and are the first a short pane
    // cuts.
    lines.append(&mut earlier);
    Paragraph::new(lines).wrap(Wrap { trim: false }).render_in(area.inner(Margin::new(1, 1)), buf);
}

/// A node's status as a glyph and a word.
pub(super) fn status_words(status: Status) -> (char, &'static str) {
    match status {
        Status::Up => (glyph::UP, "up"),
        Status::Crashed => (glyph::CRASH, "crashed"),
        Status::Paused => (glyph::PAUSE, "paused"),
        Status::NotStarted => ('·', "not started"),
    }
}

/// The glyph drawn on a link in a state.
pub(super) fn link_glyph(state: LinkState) -> char {
    match state {
        LinkState::Healthy => '─',
        LinkState::Degraded => '~',
        LinkState::CutOneWay { .. } => '⇸',
        LinkState::Cut => glyph::DROP,
    }
}

//! `view`: draws the explorer's state, and changes nothing.
//!
//! ```text
//! ┌ header: scenario, seed, play state, cursor ──────────────────────────┐
//! ├ topology ─────────┬ message flow (one column per node, row per event) ┤
//! │                   │                                                  │
//! ├ inspector ────────┼ event log ────────────────────────────────────────┤
//! │                   │                                                  │
//! ├ timeline: the whole run, faults and violations marked ───────────────┤
//! └ status line: key hints, or what the last key did ────────────────────┘
//! ```
//!
//! Below 60 columns or 16 rows only the header, the flow, the timeline and
//! the status line remain; below that, a note asking for a bigger terminal.
//! Nothing here may panic at any size: every write is clipped to its area.

mod flow;
mod inspector;
mod log;
mod overlay;
mod theme;
mod timeline;
mod topology;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use weft_sim::NodeId;

pub use theme::Theme;

use crate::app::Explorer;
use crate::describe;
use crate::keys::Pane;

/// Where everything goes on a screen of a given size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    /// The title line.
    pub header: Rect,
    /// The network drawing (empty on small screens).
    pub topology: Rect,
    /// The selected node (empty on small screens).
    pub inspector: Rect,
    /// The space-time diagram.
    pub flow: Rect,
    /// The event log (empty on small screens).
    pub log: Rect,
    /// The whole run as one line.
    pub timeline: Rect,
    /// Hints and messages.
    pub status: Rect,
}

/// The smallest screen that shows every pane.
pub const FULL_SIZE: (u16, u16) = (60, 16);
/// Below this, only a note asking for a bigger terminal.
pub const MIN_SIZE: (u16, u16) = (20, 5);

/// Splits the screen.
pub fn layout(area: Rect) -> Areas {
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        return Areas { header: area, ..Areas::default() };
    }
    let [header, body, timeline, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if area.width < FULL_SIZE.0 || area.height < FULL_SIZE.1 {
        return Areas { header, flow: body, timeline, status, ..Areas::default() };
    }
    let left = (area.width * 2 / 5).clamp(24, 44);
    let [left, right] = Layout::horizontal([Constraint::Length(left), Constraint::Fill(1)]).areas(body);
    let [topology, inspector] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(left);
    let [flow, log] = Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(right);
    Areas { header, topology, inspector, flow, log, timeline, status }
}

/// Draws the explorer.
pub fn draw(explorer: &Explorer, frame: &mut Frame<'_>) {
    render(explorer, frame.area(), frame.buffer_mut());
}

/// Draws the explorer into any buffer (the tests draw into a
/// `TestBackend`'s).
pub fn render(explorer: &Explorer, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    if let Some(picker) = explorer.picker() {
        return overlay::picker(explorer, picker, area, buf);
    }
    let areas = layout(area);
    let Some(run) = explorer.run() else {
        put(
            buf,
            area,
            area.x,
            area.y,
            "weft: nothing to explore (press s for the scenario picker, q to quit)",
            theme.text(),
        );
        return;
    };
    if areas.flow.is_empty() {
        Paragraph::new("weft: please enlarge the terminal")
            .style(theme.title())
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render_in(area, buf);
        return;
    }
    header(explorer, run, areas.header, buf);
    flow::render(explorer, run, areas.flow, buf);
    log::render(explorer, run, areas.log, buf);
    topology::render(explorer, run, areas.topology, buf);
    inspector::render(explorer, run, areas.inspector, buf);
    timeline::render(explorer, run, areas.timeline, buf);
    status_line(explorer, areas.status, buf);
    match explorer.overlay {
        crate::app::Overlay::Help => overlay::help(explorer, area, buf),
        crate::app::Overlay::Diff => {
            if let Some(diff) = &run.diff {
                overlay::diff(explorer, diff, area, buf);
            }
        }
        crate::app::Overlay::None => {}
    }
}

/// One part of a line that may not fit: its forms, longest first (an
/// empty last form lets it go altogether), its style, and its rank: when
/// the line is too wide, the lowest-ranked part that can still shrink
/// shrinks first.
struct Part {
    forms: Vec<String>,
    style: Style,
    rank: u8,
}

impl Part {
    fn new(rank: u8, style: Style, forms: impl IntoIterator<Item = String>) -> Part {
        Part { forms: forms.into_iter().collect(), style, rank }
    }
}

/// The parts in the longest forms that fit in `width` columns together,
/// the non-empty ones joined by `separator`; the highest-ranked parts keep
/// their longest forms longest.
fn fit(parts: &[Part], separator: &str, width: u16) -> Line<'static> {
    let mut chosen = vec![0usize; parts.len()];
    let form = |chosen: &[usize], i: usize| parts[i].forms.get(chosen[i]).map_or("", String::as_str);
    let width_of = |chosen: &[usize]| {
        let shown: Vec<&str> = (0..parts.len()).map(|i| form(chosen, i)).filter(|f| !f.is_empty()).collect();
        let text: usize = shown.iter().map(|f| Span::raw(*f).width()).sum();
        text + Span::raw(separator).width() * shown.len().saturating_sub(1)
    };
    while width_of(&chosen) > usize::from(width) {
        let shrinkable = (0..parts.len()).filter(|i| chosen[*i] + 1 < parts[*i].forms.len());
        // The lowest rank shrinks first; among equals, the later part.
        let Some(i) = shrinkable.min_by_key(|i| (parts[*i].rank, usize::MAX - i)) else { break };
        chosen[i] += 1;
    }
    // Shrinking one part may have made room for a longer form of one that
    // shrank before it: grow them back, highest rank first.
    let mut by_rank: Vec<usize> = (0..parts.len()).collect();
    by_rank.sort_by_key(|i| std::cmp::Reverse(parts[*i].rank));
    for i in by_rank {
        while chosen[i] > 0 {
            chosen[i] -= 1;
            if width_of(&chosen) > usize::from(width) {
                chosen[i] += 1;
                break;
            }
        }
    }
    let mut spans = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let text = form(&chosen, i);
        if text.is_empty() {
            continue;
        }
        if !spans.is_empty() && !separator.is_empty() {
            spans.push(Span::styled(separator.to_string(), part.style));
        }
        spans.push(Span::styled(text.to_string(), part.style));
    }
    Line::from(spans)
}

/// The header: the scenario, seed, play state, event, time, and (as room
/// allows, most important last to go) a note when the run was cut short,
/// the fork's fault, and the violations.
fn header(explorer: &Explorer, run: &crate::app::Run, area: Rect, buf: &mut Buffer) {
    Paragraph::new(header_line(explorer, run, area.width)).render_in(area, buf);
}

fn header_line(explorer: &Explorer, run: &crate::app::Run, width: u16) -> Line<'static> {
    let theme = explorer.theme;
    let trace = &run.recording.trace;
    let play = if explorer.playing { "▶" } else { "‖" };
    let (event, events) = ((run.cursor + 1).min(run.recording.len()), run.recording.len());
    let time = describe::time(run.time());
    let mut parts = vec![
        Part::new(9, theme.title(), [format!(" {} ", trace.header.scenario)]),
        Part::new(1, theme.text(), [format!("seed {} · ", trace.header.seed), String::new()]),
        Part::new(2, theme.text(), [format!("{play} {}/s · ", explorer.speed()), format!("{play} ")]),
        Part::new(
            8,
            theme.text(),
            [format!("event {event}/{events} · {time}"), format!("{event}/{events} {time}")],
        ),
    ];
    // A collector may have kept only the start of a huge run.
    if trace.footer.events > events as u64 {
        let all = trace.footer.events;
        parts.push(Part::new(
            6,
            theme.text(),
            [
                format!(" (first {events} of {all} events)"),
                format!(" (first {events} of {all})"),
                format!(" (first of {all})"),
            ],
        ));
    }
    if let Some(last) = run.forks.last() {
        let names = describe::Names(&trace.header);
        let n = run.forks.len();
        let what = last.describe(names);
        let short = what.rsplit_once(" at ").map_or(what.as_str(), |(w, _)| w).to_string();
        parts.push(Part::new(
            5,
            theme.fault(),
            [format!(" · fork {n}: {what}"), format!(" · fork {n}: {short}"), format!(" · fork {n}")],
        ));
    }
    let violated = trace.footer.violations.len();
    if violated > 0 {
        let glyph = describe::glyph::VIOLATION;
        parts.push(Part::new(
            7,
            theme.violation(),
            [format!(" · {glyph} {violated} violated"), format!(" · {glyph} {violated}")],
        ));
    }
    fit(&parts, "", width)
}

/// The status line: the search being typed, or what the last key did, or
/// as many key hints as fit (help and quit always).
fn status_line(explorer: &Explorer, area: Rect, buf: &mut Buffer) {
    let theme = explorer.theme;
    let line = if let Some(text) = &explorer.typing {
        Line::from(vec![
            Span::styled("/", theme.title()),
            Span::raw(text.clone()),
            Span::styled("▏", theme.title()),
        ])
    } else if let Some(status) = &explorer.status {
        Line::styled(status.clone(), theme.title())
    } else {
        let hint = |rank, forms: &[&str]| {
            let forms = forms.iter().map(|f| f.to_string()).chain([String::new()]);
            Part::new(rank, theme.dim(), forms)
        };
        let always = |text: &str| Part::new(9, theme.dim(), [text.to_string()]);
        let parts = [
            always("?: help"),
            hint(4, &["space: play"]),
            hint(7, &["←/→: step"]),
            hint(5, &["f/v: next fault/violation", "f/v: fault/violation"]),
            hint(3, &["]/[: node"]),
            hint(6, &["c/r/p/x/u: fork"]),
            always("q: quit"),
        ];
        fit(&parts, " · ", area.width)
    };
    Paragraph::new(line).render_in(area, buf);
}

/// A bordered block for a pane, titled, bold when focused.
fn pane_block(explorer: &Explorer, pane: Pane, title: String) -> Block<'static> {
    let focused = explorer.focus == pane;
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(explorer.theme.border(focused))
        .title(Span::styled(format!(" {title} "), explorer.theme.title()))
}

/// Writes `text` at (x, y), clipped to `area`; writes nothing outside it.
fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, text: &str, style: Style) -> u16 {
    let area = area.intersection(buf.area);
    if y < area.top() || y >= area.bottom() || x < area.left() || x >= area.right() {
        return x;
    }
    let (end, _) = buf.set_stringn(x, y, text, usize::from(area.right() - x), style);
    end
}

/// Renders a widget, by reference, into `area`.
trait RenderIn {
    fn render_in(self, area: Rect, buf: &mut Buffer);
}

impl<W: ratatui::widgets::Widget> RenderIn for W {
    fn render_in(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if !area.is_empty() {
            self.render(area, buf);
        }
    }
}

/// What a click landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A node: select it.
    Node(NodeId),
    /// An event (a row of the flow or log, a place on the timeline): move
    /// the cursor there.
    Event(usize),
    /// Somewhere else in a pane: focus it.
    Pane(Pane),
}

/// What is at column `x`, row `y` of the screen.
pub fn hit(explorer: &Explorer, x: u16, y: u16) -> Option<Hit> {
    let run = explorer.run()?;
    let (width, height) = explorer.size;
    let areas = layout(Rect::new(0, 0, width, height));
    let inside = |r: Rect| r.contains(ratatui::layout::Position { x, y });
    if inside(areas.flow) {
        return flow::hit(explorer, run, areas.flow, x, y).or(Some(Hit::Pane(Pane::Flow)));
    }
    if inside(areas.log) {
        return log::hit(explorer, run, areas.log, y).or(Some(Hit::Pane(Pane::Log)));
    }
    if inside(areas.topology) {
        return topology::hit(run, areas.topology, x, y).or(Some(Hit::Pane(Pane::Topology)));
    }
    if inside(areas.inspector) {
        return Some(Hit::Pane(Pane::Inspector));
    }
    if inside(areas.timeline) {
        return timeline::hit(run, areas.timeline, x);
    }
    None
}

/// The furthest the help scrolls on a screen of `size` (columns, rows).
pub fn help_scroll_limit(explorer: &Explorer, size: (u16, u16)) -> u16 {
    overlay::help_scroll_limit(explorer, Rect::new(0, 0, size.0, size.1))
}

/// Which picker entry is at screen row `y`, if any.
pub fn picker_row_at(size: (u16, u16), picker: &crate::app::Picker, y: u16) -> Option<usize> {
    overlay::picker_row_at(Rect::new(0, 0, size.0, size.1), picker, y)
}

//! The message flow: a space-time (Lamport) diagram.
//!
//! One column per node, time running down, one row per event; the cursor's
//! event is the centre row. A send is a dot on the sender's line with a
//! dashed lead toward the receiver; its delivery, rows later, is a solid
//! arrow from sender to receiver; a drop ends in a cross and says why. Both
//! ends carry the message's id (`#12`), and when the cursor is on one end,
//! the gutter marks the other.
//! Lifelines show each node's state: solid while up, dotted while paused,
//! blank while crashed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use weft_sim::NodeId;
use weft_sim::trace::{TraceEvent, TraceKind};

use super::{Hit, Theme, pane_block, put};
use crate::app::{Explorer, Run};
use crate::describe::{self, Names, glyph};
use crate::keys::Pane;
use crate::recording::{Status, World};

/// Where the diagram's parts are in its pane.
struct Geometry {
    inner: Rect,
    /// Where node columns start.
    columns_x: u16,
    /// Width of each node column.
    column_width: u16,
    /// The first node shown, and how many are shown.
    first_node: usize,
    shown: usize,
    /// Where event labels start, and how wide they may be.
    label_x: u16,
    /// The event on the first row (negative: rows before the run starts).
    first_event: i64,
    /// How many event rows fit.
    rows: u16,
}

impl Geometry {
    fn new(explorer: &Explorer, run: &Run, area: Rect) -> Geometry {
        let inner = area.inner(ratatui::layout::Margin::new(1, 1));
        let time_width = describe::time(run.recording.end_time()).len() as u16;
        let gutter = time_width + 2;
        let columns_x = inner.x.saturating_add(gutter);
        let available = usize::from(inner.width.saturating_sub(gutter));
        let nodes = run.recording.node_count().max(1);
        let column_width = [6usize, 5, 4, 3].into_iter().find(|w| nodes * w + 20 <= available).unwrap_or(3);
        let shown = nodes.min((available.saturating_sub(12) / column_width).max(1));
        let selected = explorer.selected.index().min(nodes - 1);
        let first_node = selected.saturating_sub(shown / 2).min(nodes - shown);
        let label_x = columns_x.saturating_add((shown * column_width) as u16).saturating_add(1);
        let rows = inner.height.saturating_sub(1);
        let first_event = run.cursor as i64 - i64::from(rows / 2);
        Geometry {
            inner,
            columns_x,
            column_width: column_width as u16,
            first_node,
            shown,
            label_x,
            first_event,
            rows,
        }
    }

    /// Where a node's column is drawn: its centre, or the edge it is beyond.
    fn place(&self, node: NodeId) -> Place {
        let i = node.index();
        if i < self.first_node {
            Place::Before(self.columns_x)
        } else if i >= self.first_node + self.shown {
            Place::After(self.columns_x + (self.shown as u16) * self.column_width - 1)
        } else {
            Place::At(
                self.columns_x + ((i - self.first_node) as u16) * self.column_width + self.column_width / 2,
            )
        }
    }
}

#[derive(Clone, Copy)]
enum Place {
    At(u16),
    Before(u16),
    After(u16),
}

impl Place {
    fn x(self) -> u16 {
        match self {
            Place::At(x) | Place::Before(x) | Place::After(x) => x,
        }
    }
}

pub(super) fn render(explorer: &Explorer, run: &Run, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = explorer.theme;
    let names = Names(&run.recording.trace.header);
    let block = pane_block(explorer, Pane::Flow, Pane::Flow.title().to_string());
    super::RenderIn::render_in(block, area, buf);
    let g = Geometry::new(explorer, run, area);
    if g.inner.is_empty() {
        return;
    }
    // Column headings.
    let y = g.inner.y;
    for k in 0..g.shown {
        let node = NodeId::new((g.first_node + k) as u32);
        let x = g.columns_x + (k as u16) * g.column_width;
        let label = names.short(node, usize::from(g.column_width.saturating_sub(1)).max(1));
        let style = if node == explorer.selected { theme.selected() } else { theme.title() };
        put(buf, g.inner, x, y, &label, style);
    }
    if g.first_node > 0 {
        put(buf, g.inner, g.columns_x.saturating_sub(1), y, "«", theme.dim());
    }
    if g.first_node + g.shown < run.recording.node_count() {
        put(buf, g.inner, g.label_x.saturating_sub(1), y, "»", theme.dim());
    }

    // The other end of the cursor's message, if it is on one.
    let partner = run
        .recording
        .message_of(run.cursor)
        .and_then(|(_, life)| if life.sent == run.cursor { life.ended } else { Some(life.sent) });
    let violations: Vec<usize> = run.recording.violations().map(|(i, _)| i).collect();

    // Walk the world forward row by row, for the lifelines.
    let first = g.first_event.max(0) as usize;
    let mut world: World =
        if first == 0 { World::new(run.recording.node_count()) } else { run.recording.world_at(first - 1) };
    for row in 0..g.rows {
        let index = g.first_event + i64::from(row);
        let y = g.inner.y + 1 + row;
        if index < 0 || index as usize >= run.recording.len() {
            continue;
        }
        let index = index as usize;
        let event = &run.recording.trace.events[index];
        // The lifeline shows the state while the event happens: a crash
        // row still shows the node up, its next row blank.
        lifelines(&g, &world, theme, buf, y);
        run.recording.advance(&mut world, index + 1);
        draw_event(&g, run, event, theme, buf, y);
        let label = label(run, names, event);
        put(buf, g.inner, g.label_x, y, &label, theme.event(&event.kind));

        // The gutter: the time, and a marker.
        let (marker, marker_style) = if index == run.cursor {
            ("▶", theme.title())
        } else if Some(index) == partner {
            ("◇", theme.send().add_modifier(Modifier::BOLD))
        } else if violations.contains(&index) {
            ("‼", theme.violation()) // glyph::VIOLATION
        } else {
            (" ", theme.text())
        };
        put(buf, g.inner, g.inner.x, y, marker, marker_style);
        put(buf, g.inner, g.inner.x + 1, y, &describe::time(event.time), theme.dim());
        if index == run.cursor {
            buf.set_style(Rect::new(g.inner.x, y, g.inner.width, 1).intersection(buf.area), theme.cursor());
        } else if Some(index) == partner {
            buf.set_style(
                Rect::new(g.label_x, y, g.inner.right().saturating_sub(g.label_x), 1).intersection(buf.area),
                Style::new().add_modifier(Modifier::UNDERLINED),
            );
        }
    }
}

fn lifelines(g: &Geometry, world: &World, theme: Theme, buf: &mut Buffer, y: u16) {
    for k in 0..g.shown {
        let node = g.first_node + k;
        let x = g.columns_x + (k as u16) * g.column_width + g.column_width / 2;
        let (line, style) = match world.nodes.get(node).map(|n| n.status) {
            Some(Status::Up) => ("│", theme.dim()),
            Some(Status::Paused) => ("┆", theme.status(Status::Paused)),
            _ => (" ", theme.dim()),
        };
        put(buf, g.inner, x, y, line, style);
    }
}

/// What the flow writes beside an event: the message, timer, fault or
/// observation, without the node names the columns already show. A
/// message's row starts with its id, `#12`, as in the log: the send and
/// the delivery (or drop) rows with the same id are one message.
fn label(run: &Run, names: Names<'_>, event: &TraceEvent) -> String {
    let body = |id: u64| run.recording.message_body(id).map(describe::value).unwrap_or_default();
    match &event.kind {
        TraceKind::Start { .. } => "start".into(),
        TraceKind::Send { id, msg, .. } => format!("#{id} {}", describe::value(msg)),
        TraceKind::Duplicate { id, copy } => format!("#{copy} copies #{id}: {}", body(*copy)),
        TraceKind::Deliver { id, .. } => format!("#{id} {}", body(*id)),
        TraceKind::Drop { id, reason, .. } => format!("#{id} lost ({}): {}", reason.as_str(), body(*id)),
        TraceKind::Timer { timer, .. } => describe::value(timer),
        TraceKind::Fault { fault } => describe::fault_text(names, fault),
        TraceKind::Observe { obs, .. } => describe::value(obs),
    }
}

fn draw_event(g: &Geometry, run: &Run, event: &TraceEvent, theme: Theme, buf: &mut Buffer, y: u16) {
    let one = |buf: &mut Buffer, node: NodeId, c: char, style: Style| {
        if let Place::At(x) = g.place(node) {
            put(buf, g.inner, x, y, c.encode_utf8(&mut [0; 4]), style);
        }
    };
    match &event.kind {
        TraceKind::Send { from, to, .. } => {
            arrow(g, buf, y, *from, *to, '┄', glyph::SEND, '›', theme.send());
        }
        TraceKind::Deliver { from, to, .. } => {
            let head = if to.index() >= from.index() { glyph::DELIVER } else { '◀' };
            arrow(g, buf, y, *from, *to, '─', glyph::ORIGIN, head, theme.deliver());
        }
        TraceKind::Drop { from, to, .. } => {
            arrow(g, buf, y, *from, *to, '─', glyph::ORIGIN, glyph::DROP, theme.drop());
        }
        TraceKind::Duplicate { copy, .. } => {
            if let Some(life) = run.recording.message(*copy) {
                one(buf, life.from, glyph::DUPLICATE, theme.send());
            }
        }
        TraceKind::Start { node } => one(buf, *node, glyph::START, theme.status(Status::Up)),
        TraceKind::Timer { node, .. } => one(buf, *node, glyph::TIMER, theme.timer()),
        TraceKind::Observe { node, .. } => one(buf, *node, glyph::OBSERVE, theme.observe()),
        TraceKind::Fault { fault } => {
            let c = describe::fault_glyph(fault);
            let mut named = false;
            for node in describe::fault_nodes(fault) {
                one(buf, node, c, theme.fault());
                named = true;
            }
            if !named {
                // A partition or heal touches the whole network: a rule
                // across every column.
                let width = (g.shown as u16) * g.column_width;
                let rule: String = std::iter::repeat_n('╌', usize::from(width)).collect();
                put(buf, g.inner, g.columns_x, y, &rule, theme.fault());
                for node in describe::partition_groups(fault).into_iter().flatten() {
                    one(buf, node, c, theme.fault());
                }
            }
        }
    }
}

/// A horizontal arrow on row `y` from `from`'s column to `to`'s, with a
/// glyph at each end; an end beyond the shown columns becomes « or ».
#[allow(clippy::too_many_arguments)]
fn arrow(
    g: &Geometry,
    buf: &mut Buffer,
    y: u16,
    from: NodeId,
    to: NodeId,
    line: char,
    tail: char,
    head: char,
    style: Style,
) {
    let (a, b) = (g.place(from), g.place(to));
    let (left, right) = (a.x().min(b.x()), a.x().max(b.x()));
    if right > left + 1 {
        let rule: String = std::iter::repeat_n(line, usize::from(right - left - 1)).collect();
        put(buf, g.inner, left + 1, y, &rule, style);
    }
    for (place, c) in [(a, tail), (b, head)] {
        let c = match place {
            Place::At(_) => c,
            Place::Before(_) => '«',
            Place::After(_) => '»',
        };
        put(buf, g.inner, place.x(), y, c.encode_utf8(&mut [0; 4]), style);
    }
}

/// A click on the flow: a heading selects its node, a row moves the cursor.
pub(super) fn hit(explorer: &Explorer, run: &Run, area: Rect, x: u16, y: u16) -> Option<Hit> {
    let g = Geometry::new(explorer, run, area);
    if y == g.inner.y {
        let k = usize::from(x.checked_sub(g.columns_x)? / g.column_width.max(1));
        return (k < g.shown).then(|| Hit::Node(NodeId::new((g.first_node + k) as u32)));
    }
    let row = y.checked_sub(g.inner.y + 1)?;
    if row >= g.rows {
        return None;
    }
    let index = g.first_event + i64::from(row);
    (index >= 0 && (index as usize) < run.recording.len()).then_some(Hit::Event(index as usize))
}

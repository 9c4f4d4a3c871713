//! The topology: the nodes on a ring, grouped by role (the trace lists
//! nodes role by role, so each role is one arc), the links they used, and
//! the messages in flight at the cursor moving along them.
//!
//! A link's colour and the glyph at its middle say its state: plain when
//! healthy, `~` degraded, `⇸` cut one way (the glyph sits near the node that
//! no longer hears), `✕` cut both ways. A node's glyph says whether it is up
//! (`●`), crashed (`╳`) or paused (`‖`).

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};
use weft_sim::NodeId;

use super::inspector::{link_glyph, status_words};
use super::{Hit, RenderIn, pane_block, put};
use crate::app::{Explorer, Run};
use crate::describe::Names;
use crate::keys::Pane;
use crate::recording::LinkState;

/// Above this many links only the interesting ones are drawn (unhealthy
/// links, and links with a message in flight): a mesh of 100 nodes would
/// otherwise be a solid disc.
const MAX_LINKS: usize = 200;
/// Above this many nodes, nodes are drawn as glyphs without names.
const MAX_LABELS: usize = 24;
/// At most this many in-flight messages are drawn.
const MAX_IN_FLIGHT: usize = 300;

/// The cell of each node, on an ellipse filling the pane's inside.
fn node_cells(inner: Rect, nodes: usize) -> Vec<(f64, f64)> {
    let (w, h) = (f64::from(inner.width), f64::from(inner.height));
    let (cx, cy) = ((w - 1.0) / 2.0, (h - 1.0) / 2.0);
    let rx = (w / 2.0 - 5.0).max(1.0);
    let ry = (h / 2.0 - 1.0).max(0.5);
    (0..nodes)
        .map(|i| {
            // Start at the top and go clockwise, role after role.
            let angle = std::f64::consts::TAU * i as f64 / nodes.max(1) as f64 - std::f64::consts::FRAC_PI_2;
            (cx + rx * angle.cos(), cy + ry * angle.sin())
        })
        .collect()
}

pub(super) fn render(explorer: &Explorer, run: &Run, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = explorer.theme;
    let title = if run.world.is_split() { "topology · split" } else { Pane::Topology.title() };
    pane_block(explorer, Pane::Topology, title.to_string()).render_in(area, buf);
    let inner = area.inner(Margin::new(1, 1));
    if inner.width < 3 || inner.height < 3 {
        return;
    }
    let recording = &run.recording;
    let cells = node_cells(inner, recording.node_count());
    let world = &run.world;
    let colour =
        |style: Style| if theme.has_colour() { style.fg.unwrap_or(Color::Reset) } else { Color::Reset };

    // Links, then messages in flight, in canvas coordinates (y up).
    let flip = |(x, y): (f64, f64)| (x, f64::from(inner.height) - 1.0 - y);
    let busy: std::collections::BTreeSet<(NodeId, NodeId)> = world
        .in_flight
        .iter()
        .filter_map(|id| recording.message(*id))
        .map(|l| if l.from <= l.to { (l.from, l.to) } else { (l.to, l.from) })
        .collect();
    let crowded = recording.links.len() > MAX_LINKS;
    let links: Vec<(NodeId, NodeId, LinkState)> = recording
        .links
        .iter()
        .map(|&(a, b)| (a, b, world.link(a, b)))
        .filter(|(a, b, state)| !crowded || *state != LinkState::Healthy || busy.contains(&(*a, *b)))
        .collect();
    let playhead = playhead(explorer, run);
    let flights: Vec<(f64, f64)> = world
        .in_flight
        .iter()
        .take(MAX_IN_FLIGHT)
        .filter_map(|id| {
            let life = recording.message(*id)?;
            let sent = recording.trace.events[life.sent].time.as_nanos() as f64;
            let fraction = match life.ended {
                Some(end) => {
                    let ended = recording.trace.events[end].time.as_nanos() as f64;
                    if ended > sent { ((playhead - sent) / (ended - sent)).clamp(0.0, 1.0) } else { 0.5 }
                }
                None => 0.5,
            };
            let (a, b) = (*cells.get(life.from.index())?, *cells.get(life.to.index())?);
            Some((a.0 + (b.0 - a.0) * fraction, a.1 + (b.1 - a.1) * fraction))
        })
        .collect();
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, f64::from(inner.width) - 1.0])
        .y_bounds([0.0, f64::from(inner.height) - 1.0])
        .paint(|ctx| {
            for (a, b, state) in &links {
                let (Some(&pa), Some(&pb)) = (cells.get(a.index()), cells.get(b.index())) else { continue };
                let ((x1, y1), (x2, y2)) = (flip(pa), flip(pb));
                ctx.draw(&CanvasLine { x1, y1, x2, y2, color: colour(theme.link(*state)) });
            }
        });
    canvas.render_in(inner, buf);

    // Where the node labels go: a link's glyph must not sit under one.
    let names = Names(&recording.trace.header);
    let labelled = recording.node_count() <= MAX_LABELS;
    // As much of each name as the ring has room for between neighbours.
    let (rx, ry) = (f64::from(inner.width) / 2.0, f64::from(inner.height));
    let perimeter = std::f64::consts::TAU * ((rx * rx + ry * ry) / 2.0).sqrt();
    let room = (perimeter / recording.node_count().max(1) as f64 - 2.0).clamp(2.0, 8.0) as usize;
    let mut order: Vec<usize> = (0..cells.len()).filter(|i| *i != explorer.selected.index()).collect();
    order.push(explorer.selected.index());
    let labels: Vec<(NodeId, u16, u16, String, Style)> = order
        .into_iter()
        .filter_map(|i| {
            let &(x, y) = cells.get(i)?;
            let node = NodeId::new(i as u32);
            let status = world.nodes.get(i).map(|n| n.status).unwrap_or_default();
            let (mark, _) = status_words(status);
            let label =
                if labelled { format!("{mark}{}", names.short(node, room)) } else { mark.to_string() };
            let start = (x.round() as u16).saturating_sub(label.chars().count() as u16 / 2);
            let style = if node == explorer.selected { theme.selected() } else { theme.status(status) };
            Some((node, inner.x + start, inner.y + y.round() as u16, label, style))
        })
        .collect();
    let under_a_label = |x: u16, y: u16| {
        labels
            .iter()
            .any(|(_, lx, ly, label, _)| *ly == y && x >= *lx && x < lx + label.chars().count() as u16)
    };

    // The messages in flight, then the glyphs of links that are not
    // healthy over them (a dot says a message is on its way; the glyph
    // says why it may never arrive), then the nodes.
    for (x, y) in flights {
        put(buf, inner, inner.x + x.round() as u16, inner.y + y.round() as u16, "•", theme.send());
    }
    for (a, b, state) in &links {
        let (Some(&pa), Some(&pb)) = (cells.get(a.index()), cells.get(b.index())) else { continue };
        let toward: f64 = match state {
            LinkState::Healthy => continue,
            // Near the node that stops hearing.
            LinkState::CutOneWay { from } if from == a => 0.7,
            LinkState::CutOneWay { .. } => 0.3,
            _ => 0.5,
        };
        // The preferred place, else the nearest along the link that no
        // label covers (on a small pane a name can span the middle).
        let place = |t: f64| {
            let (x, y) = (pa.0 + (pb.0 - pa.0) * t, pa.1 + (pb.1 - pa.1) * t);
            (inner.x + x.round() as u16, inner.y + y.round() as u16)
        };
        let nudges = [0.0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3];
        let spots = nudges.iter().map(|d| place((toward + d).clamp(0.1, 0.9)));
        let spots: Vec<(u16, u16)> = spots.collect();
        let (x, y) = spots.iter().copied().find(|(x, y)| !under_a_label(*x, *y)).unwrap_or(spots[0]);
        put(buf, inner, x, y, &link_glyph(*state).to_string(), theme.link(*state));
    }

    // The nodes, the selected one last so that it is on top.
    for (_, x, y, label, style) in &labels {
        put(buf, inner, *x, *y, label, *style);
    }
}

/// The virtual time playback is at: the cursor's event, plus the part of
/// the way to the next event that playback has covered.
fn playhead(explorer: &Explorer, run: &Run) -> f64 {
    let events = &run.recording.trace.events;
    let now = events.get(run.cursor).map_or(0.0, |e| e.time.as_nanos() as f64);
    let next = events.get(run.cursor + 1).map_or(now, |e| e.time.as_nanos() as f64);
    now + (next - now) * explorer.play_phase()
}

/// A click near a node selects it.
pub(super) fn hit(run: &Run, area: Rect, x: u16, y: u16) -> Option<Hit> {
    let inner = area.inner(Margin::new(1, 1));
    let cells = node_cells(inner, run.recording.node_count());
    let (cx, cy) = (f64::from(x) - f64::from(inner.x), f64::from(y) - f64::from(inner.y));
    cells
        .iter()
        .enumerate()
        // Cells are about twice as tall as wide: weigh rows double.
        .map(|(i, (nx, ny))| (i, (nx - cx).powi(2) + (2.0 * (ny - cy)).powi(2)))
        .filter(|(_, d)| *d <= 16.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| Hit::Node(NodeId::new(i as u32)))
}

//! Colours, chosen so that nobody is left out.
//!
//! The palette is Okabe and Ito's, designed to stay distinguishable with
//! every common kind of colour blindness, taken from the 256-colour table so
//! that it looks the same over SSH and in terminals without true colour.
//! Colour is never the only signal: every event and state also has its own
//! glyph (see `describe::glyph`). With `NO_COLOR` set, there is no colour at
//! all, only the glyphs, bold and reverse video.

use ratatui::style::{Color, Modifier, Style};

use weft_sim::trace::TraceKind;

use crate::recording::{LinkState, Status};

const ORANGE: Color = Color::Indexed(214);
const SKY_BLUE: Color = Color::Indexed(74);
const BLUISH_GREEN: Color = Color::Indexed(36);
const YELLOW: Color = Color::Indexed(185);
const VERMILLION: Color = Color::Indexed(166);
const REDDISH_PURPLE: Color = Color::Indexed(175);
const GREY: Color = Color::Indexed(244);
const DARK_GREY: Color = Color::Indexed(238);
const CURSOR_BACKGROUND: Color = Color::Indexed(236);

/// How the explorer colours things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    colour: bool,
}

impl Theme {
    /// Colour, unless the `NO_COLOR` environment variable is set to
    /// anything but the empty string (see <https://no-color.org>).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { colour: !no_color }
    }

    /// The colour-blind-safe palette.
    pub fn colour() -> Theme {
        Theme { colour: true }
    }

    /// No colour: glyphs and text attributes only.
    pub fn plain() -> Theme {
        Theme { colour: false }
    }

    /// Whether colours are used.
    pub fn has_colour(self) -> bool {
        self.colour
    }

    fn fg(self, colour: Color) -> Style {
        if self.colour { Style::new().fg(colour) } else { Style::new() }
    }

    /// Ordinary text.
    pub fn text(self) -> Style {
        Style::new()
    }

    /// Things in the background: lifelines, healthy links, hints.
    pub fn dim(self) -> Style {
        if self.colour { Style::new().fg(GREY) } else { Style::new().add_modifier(Modifier::DIM) }
    }

    /// Titles and the header.
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A pane's border: bold when it has focus.
    pub fn border(self, focused: bool) -> Style {
        match (focused, self.colour) {
            (true, true) => Style::new().fg(SKY_BLUE).add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    /// The row or cell under the cursor.
    pub fn cursor(self) -> Style {
        if self.colour {
            Style::new().bg(CURSOR_BACKGROUND).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The selected node.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// A message leaving.
    pub fn send(self) -> Style {
        self.fg(SKY_BLUE)
    }

    /// A message arriving.
    pub fn deliver(self) -> Style {
        self.fg(BLUISH_GREEN)
    }

    /// A message lost.
    pub fn drop(self) -> Style {
        self.fg(VERMILLION).add_modifier(Modifier::BOLD)
    }

    /// A timer.
    pub fn timer(self) -> Style {
        self.fg(YELLOW)
    }

    /// A fault.
    pub fn fault(self) -> Style {
        self.fg(ORANGE).add_modifier(Modifier::BOLD)
    }

    /// An observation.
    pub fn observe(self) -> Style {
        self.fg(REDDISH_PURPLE)
    }

    /// A property violation.
    pub fn violation(self) -> Style {
        self.fg(VERMILLION).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// A node in a state.
    pub fn status(self, status: Status) -> Style {
        match status {
            Status::Up => self.fg(BLUISH_GREEN),
            Status::Crashed => self.fg(VERMILLION).add_modifier(Modifier::BOLD),
            Status::Paused => self.fg(YELLOW).add_modifier(Modifier::BOLD),
            Status::NotStarted => self.dim(),
        }
    }

    /// A link in a state.
    pub fn link(self, state: LinkState) -> Style {
        match state {
            LinkState::Healthy => {
                if self.colour {
                    Style::new().fg(DARK_GREY)
                } else {
                    self.dim()
                }
            }
            LinkState::Degraded => self.fg(YELLOW),
            LinkState::CutOneWay { .. } => self.fg(ORANGE),
            LinkState::Cut => self.fg(VERMILLION),
        }
    }

    /// An event, by its kind: the same colour in the flow and the log.
    pub fn event(self, kind: &TraceKind) -> Style {
        match kind {
            TraceKind::Send { .. } | TraceKind::Duplicate { .. } => self.send(),
            TraceKind::Deliver { .. } => self.deliver(),
            TraceKind::Drop { .. } => self.drop(),
            TraceKind::Timer { .. } => self.timer(),
            TraceKind::Fault { .. } => self.fault(),
            TraceKind::Observe { .. } => self.observe(),
            TraceKind::Start { .. } => self.status(Status::Up),
        }
    }
}

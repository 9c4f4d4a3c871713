//! The explorer's state (the model) and how input changes it (`update`).
//!
//! The explorer is written the Elm way: [`Explorer`] holds everything on
//! screen; [`Explorer::update`] takes one [`Input`] (a key, a click, a tick
//! of the frame clock) and changes the state; the `view` module draws the
//! state and changes nothing. So every key can be tested without a
//! terminal, and every screen compared against a snapshot.

pub mod fork;
mod update;

use std::time::Duration;

use crossterm::event::{KeyEvent, MouseEvent};
use weft_sim::trace::{Trace, TraceKind};
use weft_sim::{NodeId, SimTime};

pub use fork::{Diff, ForkFault, ForkKind, Host, ScenarioEntry};

use crate::keys::{Mode, Pane};
use crate::recording::{Recording, World};
use crate::view::Theme;

/// Something that happened to the explorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was clicked or scrolled.
    Mouse(MouseEvent),
    /// The frame clock ticked; `Duration` is the wall-clock time since the
    /// last tick (playback is the only thing that uses wall-clock time, and
    /// only through this).
    Tick(Duration),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
}

/// Playback speeds, in events per second of wall-clock time.
pub const SPEEDS: [u32; 11] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];
const DEFAULT_SPEED: usize = 3;

/// One run being explored, and where the cursor is in it.
#[derive(Debug)]
pub struct Run {
    /// The trace and its indexes.
    pub recording: Recording,
    /// The event the cursor is on.
    pub cursor: usize,
    /// The world just after the cursor's event.
    pub world: World,
    /// The scenario (library name or path) that made this run, if the
    /// explorer can run it again; `None` for a trace read from a file.
    pub scenario: Option<String>,
    /// The faults forks added, in order (empty for an original run).
    pub forks: Vec<ForkFault>,
    /// How this run differs from the one it was forked from.
    pub diff: Option<Diff>,
}

impl Run {
    fn new(trace: Trace, scenario: Option<String>) -> Run {
        let recording = Recording::new(trace);
        let world = recording.world_at(0);
        Run { recording, cursor: 0, world, scenario, forks: Vec::new(), diff: None }
    }

    /// Moves the cursor to `event` (clamped to the run), keeping the world
    /// in step: forwards by applying events, backwards from a snapshot.
    pub fn seek(&mut self, event: usize) {
        let event = event.min(self.recording.len().saturating_sub(1));
        if event >= self.cursor && event - self.cursor <= self.recording.snapshot_every() {
            self.recording.advance(&mut self.world, event + 1);
        } else {
            self.world = self.recording.world_at(event);
        }
        self.cursor = event;
        debug_assert!(
            self.world.applied == (event + 1).min(self.recording.len()),
            "the world is the world just after the cursor's event"
        );
    }

    /// The time of the cursor's event.
    pub fn time(&self) -> SimTime {
        self.recording.trace.events.get(self.cursor).map_or(SimTime::ZERO, |e| e.time)
    }
}

/// Which events the log shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KindFilter {
    /// Every event.
    #[default]
    All,
    /// Sends, duplicates, deliveries and drops.
    Messages,
    /// Drops only.
    Drops,
    /// Timers only.
    Timers,
    /// Faults only.
    Faults,
    /// Observations only.
    Observations,
}

impl KindFilter {
    /// The next filter in the cycle.
    pub fn next(self) -> KindFilter {
        use KindFilter::*;
        match self {
            All => Messages,
            Messages => Drops,
            Drops => Timers,
            Timers => Faults,
            Faults => Observations,
            Observations => All,
        }
    }

    /// The filter's name, for the log's title.
    pub fn name(self) -> &'static str {
        match self {
            KindFilter::All => "all",
            KindFilter::Messages => "messages",
            KindFilter::Drops => "drops",
            KindFilter::Timers => "timers",
            KindFilter::Faults => "faults",
            KindFilter::Observations => "observations",
        }
    }

    /// Whether an event of this kind passes.
    pub fn admits(self, kind: &TraceKind) -> bool {
        match self {
            KindFilter::All => true,
            KindFilter::Messages => matches!(
                kind,
                TraceKind::Send { .. }
                    | TraceKind::Duplicate { .. }
                    | TraceKind::Deliver { .. }
                    | TraceKind::Drop { .. }
            ),
            KindFilter::Drops => matches!(kind, TraceKind::Drop { .. }),
            KindFilter::Timers => matches!(kind, TraceKind::Timer { .. }),
            KindFilter::Faults => matches!(kind, TraceKind::Fault { .. }),
            KindFilter::Observations => matches!(kind, TraceKind::Observe { .. }),
        }
    }
}

/// What the event log shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only the selected node's events.
    pub node_only: bool,
    /// Only events of one kind.
    pub kind: KindFilter,
}

/// What is drawn over the main screen, if anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    #[default]
    None,
    /// The key table.
    Help,
    /// The summary of the current fork.
    Diff,
}

/// The scenario picker's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    /// The scenarios offered.
    pub entries: Vec<ScenarioEntry>,
    /// The highlighted one.
    pub selected: usize,
}

/// The explorer: every run open, the cursor, the selection, and what is on
/// screen.
///
/// ```
/// use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
/// use weft_tui::{Explorer, Input, Theme};
///
/// let mut explorer = Explorer::new(Theme::plain());
/// explorer.open(weft_tui::testing::sample_trace(100), None);
/// let key = |c| Input::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
/// explorer.update(key('l'));
/// explorer.update(key('l'));
/// assert_eq!(explorer.run().map(|r| r.cursor), Some(2));
/// explorer.update(key('q'));
/// assert!(explorer.should_quit());
/// ```
pub struct Explorer {
    host: Option<Box<dyn Host>>,
    /// The original run first, then each fork of the one before it.
    runs: Vec<Run>,
    picker: Option<Picker>,
    /// The pane with focus.
    pub focus: Pane,
    /// The node the inspector shows.
    pub selected: NodeId,
    /// Whether playback is running.
    pub playing: bool,
    speed: usize,
    /// Events playback owes (whole ones are stepped; the fraction moves
    /// in-flight messages between events).
    play_credit: f64,
    /// What the log shows.
    pub filter: Filter,
    /// The search being typed, if one is.
    pub typing: Option<String>,
    /// The last search.
    pub query: String,
    /// What is drawn over the main screen.
    pub overlay: Overlay,
    /// How far the help is scrolled, in rows.
    pub help_scroll: u16,
    /// A message for the status line (the result of the last key).
    pub status: Option<String>,
    /// Colours and glyphs.
    pub theme: Theme,
    /// The terminal's size, for finding what a click hit.
    pub size: (u16, u16),
    quit: bool,
}

impl std::fmt::Debug for Explorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explorer")
            .field("runs", &self.runs.len())
            .field("focus", &self.focus)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl Explorer {
    /// An explorer with nothing open yet.
    pub fn new(theme: Theme) -> Explorer {
        Explorer {
            host: None,
            runs: Vec::new(),
            picker: None,
            focus: Pane::Flow,
            selected: NodeId::new(0),
            playing: false,
            speed: DEFAULT_SPEED,
            play_credit: 0.0,
            filter: Filter::default(),
            typing: None,
            query: String::new(),
            overlay: Overlay::None,
            help_scroll: 0,
            status: None,
            theme,
            size: (80, 24),
            quit: false,
        }
    }

    /// Gives the explorer a host, which lets it fork runs and offer the
    /// scenario picker.
    pub fn with_host(mut self, host: Box<dyn Host>) -> Explorer {
        self.host = Some(host);
        self
    }

    /// Opens `trace` as the run to explore, replacing any open runs.
    /// `scenario` names the scenario that made it, if the host can run it
    /// again (for forks).
    pub fn open(&mut self, trace: Trace, scenario: Option<String>) {
        self.runs = vec![Run::new(trace, scenario)];
        self.picker = None;
        self.selected = NodeId::new(0);
        self.playing = false;
        self.overlay = Overlay::None;
    }

    /// Shows the scenario picker (the host's scenarios), on the scenario
    /// being explored if it is one of them.
    pub fn open_picker(&mut self) {
        match &self.host {
            Some(host) => {
                let entries = host.scenarios();
                let current = self.runs.first().and_then(|r| r.scenario.as_deref());
                let selected = entries.iter().position(|e| Some(e.name.as_str()) == current).unwrap_or(0);
                self.picker = Some(Picker { entries, selected });
                self.playing = false;
            }
            None => self.status = Some("no scenario library here: this explorer only reads a trace".into()),
        }
    }

    /// The run on screen: the newest fork, or the original.
    pub fn run(&self) -> Option<&Run> {
        self.runs.last()
    }

    /// Every run open: the original first.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The scenario picker, when it is showing.
    pub fn picker(&self) -> Option<&Picker> {
        self.picker.as_ref()
    }

    /// Playback speed, in events per second.
    pub fn speed(&self) -> u32 {
        SPEEDS[self.speed]
    }

    /// How far playback is between the cursor's event and the next, in
    /// [0, 1): the topology moves in-flight messages by it.
    pub fn play_phase(&self) -> f64 {
        if self.playing { self.play_credit.fract() } else { 0.0 }
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Where keys go now.
    pub fn mode(&self) -> Mode {
        if self.picker.is_some() {
            Mode::Picker
        } else if self.typing.is_some() {
            Mode::Typing
        } else if self.overlay == Overlay::Help {
            Mode::Help
        } else {
            Mode::Main(self.focus)
        }
    }

    /// The number of rows a page step moves.
    fn page(&self) -> usize {
        usize::from(self.size.1 / 3).max(5)
    }
}

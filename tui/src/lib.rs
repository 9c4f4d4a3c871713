//! # weft-tui: the explorer
//!
//! A terminal UI that shows a run: who sends what to whom, what gets lost,
//! who crashed, who believes what; and lets you move through time at will,
//! or change the past (crash a node, cut a link) and watch the run again.
//!
//! It reads a [`weft_sim::trace::Trace`] and nothing else of the engine, so
//! it replays a trace file as well as a run it asked its [`Host`] for.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`recording`] | a trace with its indexes: message lives, marks, and snapshots of the [`recording::World`] for instant seeks |
//! | [`app`] | the model, [`Explorer`], and `update`: how each key, click and tick changes it; forks and the [`Host`] that runs them |
//! | [`keys`] | the key table: dispatch, help screen and docs all read it |
//! | [`view`] | drawing: header, topology, message flow, event log, inspector, timeline, overlays |
//! | [`describe`] | events, messages and times in words and glyphs |
//! | [`terminal`] | the real terminal and its frame loop (the explorer's only wall clock) |
//! | [`testing`] | a small made-up trace for tests and examples |
//!
//! ```
//! use ratatui::{Terminal, backend::TestBackend};
//! use weft_tui::{Explorer, Theme};
//!
//! let mut explorer = Explorer::new(Theme::plain());
//! explorer.open(weft_tui::testing::sample_trace(60), None);
//! let mut terminal = Terminal::new(TestBackend::new(80, 24))?;
//! terminal.draw(|frame| weft_tui::view::draw(&explorer, frame))?;
//! assert!(terminal.backend().to_string().contains("message flow"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod app;
pub mod describe;
pub mod keys;
pub mod recording;
pub mod terminal;
pub mod testing;
pub mod view;

mod collect;

pub use app::{Explorer, ForkFault, ForkKind, Host, Input, ScenarioEntry};
pub use collect::Collector;
pub use view::Theme;

/// The trace version the explorer reads.
pub const READS_TRACE_VERSION: u32 = weft_sim::trace::TRACE_VERSION;

//! # weft-tui: the explorer (not built yet)
//!
//! This crate will hold weft's terminal explorer: a ratatui UI that shows a
//! run's message flow and replays it forward and backward. It will read a
//! [`weft_sim::trace::Trace`] and nothing else of the engine, so it can
//! replay a trace file as well as a run it starts itself.
//!
//! Until that milestone, it only fixes the dependency direction: `tui`
//! depends on `sim`'s trace types, and nothing depends on `tui` but the CLI.

/// The trace version the explorer will read.
pub const READS_TRACE_VERSION: u32 = weft_sim::trace::TRACE_VERSION;

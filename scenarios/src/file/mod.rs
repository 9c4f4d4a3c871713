//! Reading scenario files: TOML text in, located mistakes out.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`document`] | parses TOML into a tree whose every value knows where it was written; applies `--set` |
//! | [`reader`] | reads typed values from that tree, collecting every mistake |
//! | [`diagnostic`] | the mistakes, their locations, and how they are shown |
//!
//! The scenario's sections themselves are read in [`crate::scenario`].

pub mod diagnostic;
pub mod document;
pub mod reader;

pub use diagnostic::{Diagnostic, Diagnostics, Origin, Sources};

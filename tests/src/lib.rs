//! Shared helpers of weft's end-to-end tests (the tests live in
//! `tests/tests/`).
//!
//! [`faults`] makes random fault schedules for the patterns' property-based
//! fault tests: each pattern's test states its *fault budget* (which nodes
//! may fail, how many at once, which kinds of fault) and asks that its
//! library scenario hold under any schedule within it.

pub mod faults;

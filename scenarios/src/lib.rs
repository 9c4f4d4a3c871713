//! # weft-scenarios: what to run
//!
//! A scenario puts a pattern's nodes in a network, gives them work, breaks
//! things on schedule, and says what must hold. Scenarios are TOML files
//! (the format is documented in `docs/scenario-format.md`); the built-in
//! ones live in `scenarios/library/` and are embedded in the binary.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`scenario`] | [`Scenario`]: a scenario, read from TOML and checked against its pattern |
//! | [`file`](mod@file) | the TOML reader: located values, `--set`, diagnostics with line and column |
//! | [`catalog`] | every pattern a scenario can name (ping-pong, flood, leader-election, ownership-election, replication, sharding, scatter-gather), and its roles, parameters and properties |
//! | [`network`] | topology, groups and link rules |
//! | [`workload`] | closed and open loops, request mixes, key distributions, one plan per client |
//! | [`faults`] | the fault timeline, symbolic targets, partition shapes, the nemesis |
//! | [`run`] | the driver: builds the simulation, fires faults, judges properties (always-properties after every event; `linearizable` on the clients' history when the run stops) |
//! | [`params`] | typed pattern parameters |
//! | [`report`] | [`RunReport`]: what a run produced, and its verdict |
//! | [`shrink`] | cuts a failing run down to a small scenario file that fails the same way |
//! | [`library`](mod@library) | the built-in scenarios |
//! | [`sweep`] | one scenario over many seeds, in parallel; shards and their merged summary |
//!
//! ```
//! use weft_scenarios::{RunOptions, open};
//!
//! let scenario = open("ping-pong", &["workload.requests=50".to_string()])?;
//! let report = scenario.run(&RunOptions { seed: 7, keep_trace: false })?;
//! assert_eq!(report.stats.messages_delivered, 100);
//! assert!(report.verdict().passed());
//! # Ok::<(), weft_scenarios::ScenarioError>(())
//! ```

pub mod catalog;
pub mod faults;
pub mod file;
pub mod library;
pub mod network;
pub mod params;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shrink;
pub mod sweep;
pub mod workload;

use std::path::Path;

pub use file::Diagnostics;
pub use library::{Builtin, find, library};
pub use params::{ParamKind, ParamSpec, ParamValue, Params};
pub use report::{RunOptions, RunReport, Verdict, Violation};
pub use scenario::Scenario;

/// Opens a scenario by library name or by path, with `sets` (`key.path=value`)
/// applied. A library name wins over a file of the same name in the current
/// directory unless it is written as a path (with a `/` or ending in
/// `.toml`); any other name that exists is a path.
pub fn open(name_or_path: &str, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let path = Path::new(name_or_path);
    let looks_like_path = name_or_path.contains('/') || name_or_path.ends_with(".toml");
    if !looks_like_path && let Ok(builtin) = find(name_or_path) {
        return Ok(builtin.load(sets)?);
    }
    if path.is_dir() {
        return Err(ScenarioError::Read {
            path: name_or_path.to_string(),
            source: std::io::Error::other("it is a directory; give a scenario file (.toml)"),
        });
    }
    if !looks_like_path && !path.exists() {
        return Err(find(name_or_path).expect_err("not found above"));
    }
    let text = std::fs::read_to_string(name_or_path)
        .map_err(|source| ScenarioError::Read { path: name_or_path.to_string(), source })?;
    Ok(Scenario::load(name_or_path, &text, sets, name_or_path)?)
}

/// Something the user asked for cannot be run. Every variant is caused by
/// user input (a name, a file, a `--set`), so the CLI reports it and exits
/// with 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// No built-in scenario has this name.
    #[error("unknown scenario `{name}`{}, and no file has that name; the built-in scenarios are: {} (or give a path to a .toml file)", suggest(.suggestion), .valid.join(", "))]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The closest valid name, if one is close.
        suggestion: Option<String>,
        /// Every valid name.
        valid: Vec<String>,
    },
    /// A scenario file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The scenario has mistakes, each located.
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
    /// The scenario is valid but asks for more than the pattern can do.
    #[error("{0}")]
    Unsupported(String),
    /// The engine rejected the scenario's configuration.
    #[error("cannot build the simulation: {0}")]
    Build(#[from] weft_sim::BuildError),
    /// The streamed trace could not be written.
    #[error("cannot write the trace: {0}")]
    TraceWrite(std::io::Error),
}

fn suggest(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

/// The valid name closest to `name`, if it is close enough to be a typo
/// (weft-sim's suggestion rule, for any iterator of names).
pub(crate) fn closest<'a>(name: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let valid: Vec<&str> = valid.into_iter().collect();
    weft_sim::parse::closest(name, &valid).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions_and_strangers_do_not() {
        assert_eq!(closest("ping-pnog", ["ping-pong", "flood"]), Some("ping-pong".into()));
        assert_eq!(closest("flod", ["ping-pong", "flood"]), Some("flood".into()));
        assert_eq!(closest("raft", ["ping-pong", "flood"]), None);
    }
}

//! # weft-scenarios: what to run
//!
//! A scenario puts a pattern's nodes in a network, gives them work, breaks
//! things on schedule, and says what must hold. This crate holds the built-in
//! library and runs it; the scenario *file* format comes later, and will
//! compile to the same [`Scenario`] runs.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`library`] | the built-in scenarios (`ping-pong`, `flood`) |
//! | [`params`] | typed scenario parameters and `--set key=value` parsing |
//! | [`report`] | [`RunReport`]: what a run produced, and its checks |
//!
//! ```
//! use weft_scenarios::{RunOptions, find};
//!
//! let scenario = find("ping-pong")?;
//! let params = scenario.params(&[("round_trips".into(), "50".into())])?;
//! let report = scenario.run(&params, &RunOptions { seed: 7, keep_trace: false })?;
//! assert_eq!(report.stats.messages_delivered, 100);
//! assert!(report.violations.is_empty());
//! # Ok::<(), weft_scenarios::ScenarioError>(())
//! ```

pub mod library;
pub mod params;
pub mod report;

pub use library::{Scenario, find, library};
pub use params::{ParamKind, ParamSpec, Params};
pub use report::{RunOptions, RunReport, Violation};

/// Something the user asked for cannot be run. Every variant is caused by
/// user input (a name, a `--set`), so the CLI reports it and exits with 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// No built-in scenario has this name.
    #[error("unknown scenario `{name}`{}; the built-in scenarios are: {}", suggest(.suggestion), .valid.join(", "))]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The closest valid name, if one is close.
        suggestion: Option<String>,
        /// Every valid name.
        valid: Vec<String>,
    },
    /// The scenario has no parameter of this name.
    #[error("scenario `{scenario}` has no parameter `{name}`{}; its parameters are: {}", suggest(.suggestion), .valid.join(", "))]
    UnknownParam {
        /// The scenario.
        scenario: String,
        /// The parameter asked for.
        name: String,
        /// The closest valid name, if one is close.
        suggestion: Option<String>,
        /// Every valid parameter.
        valid: Vec<String>,
    },
    /// A `--set` was not of the form `key=value`.
    #[error("`--set {0}` is not of the form key=value")]
    NotKeyValue(String),
    /// A parameter's value is not acceptable.
    #[error("parameter `{name}` = `{value}`: expected {expected}")]
    BadValue {
        /// The parameter.
        name: String,
        /// The value given.
        value: String,
        /// What it should have been.
        expected: String,
    },
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

/// The valid name closest to `name`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(name: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<String> {
    valid
        .into_iter()
        .map(|v| (edit_distance(name, v), v))
        .filter(|(d, v)| *d <= (v.len() / 3).max(1))
        .min()
        .map(|(_, v)| v.to_string())
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
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

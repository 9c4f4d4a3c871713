//! The built-in scenarios: the TOML files of `scenarios/library/`, embedded
//! in the binary so `weft run flood` works from anywhere.

use crate::file::Diagnostics;
use crate::scenario::Scenario;
use crate::{ScenarioError, closest};

/// A built-in scenario: its name and its file.
#[derive(Debug)]
pub struct Builtin {
    /// Its name (the file's stem).
    pub name: &'static str,
    /// The file's TOML text.
    pub text: &'static str,
}

impl Builtin {
    /// Where the file lives in the repository, for messages.
    pub fn path(&self) -> String {
        format!("scenarios/library/{}.toml", self.name)
    }

    /// Reads the scenario, with `sets` applied.
    pub fn load(&self, sets: &[String]) -> Result<Scenario, Diagnostics> {
        Scenario::load(&self.path(), self.text, sets, self.name)
    }
}

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(Builtin { name: $name, text: include_str!(concat!("../library/", $name, ".toml")) }),*]
    };
}

/// Every built-in scenario, in the order `weft list` shows them. (A test
/// checks that this list and the `library/` folder agree.)
static LIBRARY: &[Builtin] = builtin![
    "ping-pong",
    "flood",
    "flood-sparse",
    "flood-two-datacentres",
    "flood-partitioned",
    "leader-election",
    "leader-election-leader-crash",
    "leader-election-volatile-votes",
    "ownership-election",
    "ownership-election-gc-pause",
    "ownership-election-no-fencing",
    "ownership-election-clock-jump",
    "replication",
    "replication-leader-crash",
    "replication-stale-leader",
    "replication-nemesis",
    "replication-follower-reads",
    "sharding",
    "sharding-add-shard",
    "sharding-crash-during-reshard",
    "sharding-no-freeze",
    "scatter-gather",
    "scatter-gather-slow-leaf",
    "scatter-gather-hedged",
    "scatter-gather-faults",
    "scatter-gather-double-count",
];

/// Every built-in scenario.
pub fn library() -> &'static [Builtin] {
    LIBRARY
}

/// The built-in scenario called `name`.
pub fn find(name: &str) -> Result<&'static Builtin, ScenarioError> {
    LIBRARY.iter().find(|s| s.name == name).ok_or_else(|| ScenarioError::UnknownScenario {
        name: name.to_string(),
        suggestion: closest(name, LIBRARY.iter().map(|s| s.name)),
        valid: LIBRARY.iter().map(|s| s.name.to_string()).collect(),
    })
}

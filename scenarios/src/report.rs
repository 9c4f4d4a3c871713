//! What a run produced: counts, metrics, the hash, and the checks' verdicts.

use weft_patterns::history::History;
pub use weft_sim::trace::Violation;

use crate::faults::PlannedFault;
use weft_sim::{MetricsSummary, Outcome, RunStats, SimTime, Trace};

/// How to run a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The seed: every random choice of the run derives from it.
    pub seed: u64,
    /// Keep every trace event in memory (for tests and the explorer); the
    /// hash is the same either way.
    pub keep_trace: bool,
}

/// The result of running a scenario once.
#[derive(Debug)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// The pattern it ran.
    pub pattern: String,
    /// How the command line names the scenario: a library name or a path.
    pub reference: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The `--set` arguments it ran with.
    pub sets: Vec<String>,
    /// The stable 64-bit hash of the whole run, as 16 hex digits.
    pub trace_hash: String,
    /// Why the run stopped.
    pub outcome: Outcome,
    /// Counts of what happened.
    pub stats: RunStats,
    /// Messages neither delivered nor dropped when the run stopped.
    pub in_flight: u64,
    /// The virtual time when the run stopped.
    pub sim_time: SimTime,
    /// Counters and histograms recorded by nodes.
    pub metrics: MetricsSummary,
    /// The properties checked, in the pattern's order; empty when
    /// `[checks]` turns every one off (then "held" means nothing was judged).
    pub checked: Vec<String>,
    /// Properties that did not hold; empty when all held.
    pub violations: Vec<Violation>,
    /// The property the scenario expects to be violated, if any.
    pub expected: Option<String>,
    /// Things worth knowing that are not violations (a fault whose target
    /// did not exist when it fired).
    pub notes: Vec<String>,
    /// The planned faults (from the file and the nemesis) that fired, in the
    /// order they fired, each made concrete: its targets replaced by the
    /// nodes they named then, a random partition by its groups or order
    /// (see `faults::Resolved`). A scenario with exactly these faults and no
    /// nemesis replays this run with the same seed. Not part of the run's
    /// JSON.
    pub faults_fired: Vec<PlannedFault>,
    /// The full trace, if it was kept.
    pub trace: Option<Trace>,
    /// The clients' history, for patterns whose clients record one.
    pub history: Option<History>,
}

/// Whether a run did what its scenario says it should.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every checked property held (exit code 0).
    Held,
    /// The scenario expects a violation, and it happened, and nothing else
    /// was violated (exit code 0).
    ExpectedViolation,
    /// A property was violated unexpectedly (exit code 1).
    Violated,
    /// The scenario expects a violation that did not happen (exit code 1).
    ExpectationMissed,
}

impl Verdict {
    /// True if the run is a success.
    pub fn passed(self) -> bool {
        matches!(self, Verdict::Held | Verdict::ExpectedViolation)
    }
}

impl RunReport {
    /// What the run's result means for its scenario.
    pub fn verdict(&self) -> Verdict {
        let unexpected = self.unexpected_violations().count();
        match &self.expected {
            _ if unexpected > 0 => Verdict::Violated,
            None => Verdict::Held,
            Some(p) if self.violations.iter().any(|v| &v.property == p) => Verdict::ExpectedViolation,
            Some(_) => Verdict::ExpectationMissed,
        }
    }

    /// The violations the scenario does not expect.
    pub fn unexpected_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(|v| Some(&v.property) != self.expected.as_ref())
    }

    /// The one command that replays this run exactly.
    pub fn replay_command(&self) -> String {
        let mut command = format!("weft run {} --seed {}", shell_word(&self.reference), self.seed);
        for set in &self.sets {
            command.push_str(&format!(" --set {}", shell_word(set)));
        }
        command
    }
}

/// `word`, quoted for a POSIX shell if it needs to be (for commands printed
/// to be copied).
///
/// ```
/// use weft_scenarios::report::shell_word;
/// assert_eq!(shell_word("my-run.toml"), "my-run.toml");
/// assert_eq!(shell_word("my run.toml"), "'my run.toml'");
/// ```
pub fn shell_word(word: &str) -> String {
    let plain = word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain && !word.is_empty() { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn replay_words_survive_a_shell() {
        assert_eq!(shell_word("flood"), "flood");
        assert_eq!(shell_word("network.latency=uniform 1ms..2ms"), "'network.latency=uniform 1ms..2ms'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}

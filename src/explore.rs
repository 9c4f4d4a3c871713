//! `weft explore`: open a run in the explorer (`weft-tui`).
//!
//! The explorer only reads traces; this module is its [`Host`], the part
//! that runs scenarios. It records a run in memory, hands the trace over,
//! and runs the scenario again, with the same seed and one more fault, each
//! time the student forks. A trace file can be explored too, but without
//! the scenario it cannot be run again, so forks are off for it.
//!
//! Everything the user can get wrong (an unknown name, a malformed trace
//! file, no terminal) is reported before the screen is taken over, so the
//! message lands in a normal terminal and the exit code is 2.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use weft_scenarios::faults::{FaultAction, PlannedFault, Shape, Target};
use weft_scenarios::{RunOptions, Scenario, ScenarioError, library, open};
use weft_sim::trace::{TRACE_VERSION, Trace, TraceError};
use weft_tui::{Collector, Explorer, ForkFault, ForkKind, Host, ScenarioEntry, Theme};

use crate::UsageError;

/// The most events kept of one run. A trace event with the explorer's
/// indexes takes about 600 bytes in memory (a run cut at this limit was
/// measured at 1.26 GB resident), so this bounds the explorer at about
/// 1.3 GB; the explorer shows the events kept and its header says the rest
/// were cut off.
const MAX_EVENTS: usize = 2_000_000;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["scenario", "trace"])))]
pub(crate) struct ExploreArgs {
    /// A built-in scenario's name (see `weft list`) or a scenario file's path.
    #[arg(value_name = "NAME|PATH")]
    scenario: Option<String>,
    /// The seed (default: the scenario's own).
    #[arg(long, conflicts_with = "trace")]
    seed: Option<u64>,
    /// Override any field of the scenario, as for `weft run` (repeatable).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE", conflicts_with = "trace")]
    sets: Vec<String>,
    /// Explore a trace file (written by `weft run NAME --trace FILE`)
    /// instead of running a scenario. Forks need the scenario, so they are
    /// off for a trace file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// `weft explore`: run the scenario (or read the trace) and explore it.
pub(crate) fn explore(args: &ExploreArgs) -> Result<ExitCode, UsageError> {
    let theme = Theme::from_env();
    let explorer = match (&args.scenario, &args.trace) {
        (_, Some(path)) => {
            let trace = while_saying(&format!("reading {}…", path.display()), || read_trace(path))?;
            need_terminal()?;
            let mut explorer = Explorer::new(theme);
            explorer.open(trace, None);
            explorer
        }
        (Some(name), None) => {
            // Open the scenario first: a mistake in it is worth more than
            // the complaint about the terminal.
            let scenario = open(name, &args.sets)?;
            need_terminal()?;
            let seed = args.seed.unwrap_or(scenario.seed);
            let trace =
                while_saying(&format!("running {name} (seed {seed})…"), || record(&scenario, seed))?;
            let host = CliHost { scenario: Some(name.clone()), sets: args.sets.clone() };
            let mut explorer = Explorer::new(theme).with_host(Box::new(host));
            explorer.open(trace, Some(name.clone()));
            explorer
        }
        (None, None) => unreachable!("clap requires NAME|PATH or --trace"),
    };
    show(explorer)
}

/// `weft` alone in a terminal: the scenario picker.
pub(crate) fn pick() -> Result<ExitCode, UsageError> {
    let host = CliHost { scenario: None, sets: Vec::new() };
    let mut explorer = Explorer::new(Theme::from_env()).with_host(Box::new(host));
    explorer.open_picker();
    show(explorer)
}

/// Whether the explorer can run here: it draws on standard output and
/// reads keys from the terminal.
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

fn need_terminal() -> Result<(), UsageError> {
    if std::io::stdout().is_terminal() { Ok(()) } else { Err(UsageError::NoTerminal) }
}

fn show(explorer: Explorer) -> Result<ExitCode, UsageError> {
    weft_tui::terminal::run(explorer).map_err(|e| UsageError::Io(format!("the terminal failed: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Does `work`, with `note` on standard error meanwhile: a long run would
/// otherwise be a blank wait before the explorer appears. The note is
/// erased when the work is done, so that it is not left behind on the
/// terminal after the explorer quits.
fn while_saying<T>(note: &str, work: impl FnOnce() -> T) -> T {
    let mut stderr = std::io::stderr();
    let shown = stderr.is_terminal() && write!(stderr, "{note}").and_then(|()| stderr.flush()).is_ok();
    let result = work();
    if shown {
        // Back to the line's start, and clear it.
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
    result
}

/// Runs `scenario` with `seed`, keeping its trace (at most [`MAX_EVENTS`]
/// events) in memory.
fn record(scenario: &Scenario, seed: u64) -> Result<Trace, ScenarioError> {
    let collector = Collector::with_limit(MAX_EVENTS);
    scenario.run_traced(&RunOptions { seed, keep_trace: false }, Box::new(collector.clone()))?;
    // Events beyond the limit are counted, not kept; the trace's footer
    // still has the run's true event count, which is how the explorer
    // knows some were cut off.
    let (trace, _cut_off) = collector.take().expect("a run that returned Ok has written its footer");
    Ok(trace)
}

/// Reads a trace file, with errors located as `FILE:LINE:COLUMN: message`.
fn read_trace(path: &Path) -> Result<Trace, UsageError> {
    let shown = path.display();
    let file =
        File::open(path).map_err(|e| UsageError::Trace(format!("cannot read the trace {shown}: {e}")))?;
    Trace::read_jsonl(BufReader::new(file)).map_err(|e| {
        UsageError::Trace(match e {
            TraceError::Parse { line, column, message } => {
                format!("{shown}:{line}:{column}: {}", without_location(&message))
            }
            TraceError::Version { found } => format!(
                "{shown}:1:1: trace version {found} is not supported (this build reads version {TRACE_VERSION})"
            ),
            TraceError::Io(e) => format!("cannot read the trace {shown}: {e}"),
            e @ TraceError::Truncated { .. } => format!("{shown}: {e}"),
        })
    })
}

/// A JSON error's message without serde_json's own ` at line L column C`:
/// it parses one line at a time, so its line number is always 1 and would
/// contradict the location in front.
fn without_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    }
}

/// Runs scenarios for the explorer.
///
/// `--set`s belong to the scenario they were given with: when the student
/// picks another scenario in the explorer, it runs as the library has it
/// (the sets might not even be valid for it).
#[derive(Debug)]
struct CliHost {
    /// The scenario named on the command line, if any.
    scenario: Option<String>,
    /// Its `--set`s.
    sets: Vec<String>,
}

impl Host for CliHost {
    fn scenarios(&self) -> Vec<ScenarioEntry> {
        library()
            .iter()
            .map(|builtin| {
                // The library is checked by its own tests; a scenario that
                // does not load is still listed, and says why when picked.
                let (pattern, description) = match builtin.load(&[]) {
                    Ok(s) => (s.info().name.to_string(), s.description.clone()),
                    Err(e) => ("?".to_string(), e.to_string()),
                };
                ScenarioEntry { name: builtin.name.to_string(), pattern, description }
            })
            .collect()
    }

    fn run(&mut self, name: &str, seed: Option<u64>, forks: &[ForkFault]) -> Result<Trace, String> {
        let sets: &[String] = if self.scenario.as_deref() == Some(name) { &self.sets } else { &[] };
        let mut scenario = open(name, sets).map_err(|e| e.to_string())?;
        add_forks(&mut scenario, forks);
        let seed = seed.unwrap_or(scenario.seed);
        record(&scenario, seed).map_err(|e| e.to_string())
    }
}

/// Adds a fork's faults to the scenario's plan. They fire on the nodes
/// named, never on a random or "the leader" target, so they draw nothing
/// from the run's fault stream, and every other fault lands where it did.
fn add_forks(scenario: &mut Scenario, forks: &[ForkFault]) {
    let plan = |at, action| PlannedFault { at, action, lasting: None };
    for fork in forks {
        let at = fork.at;
        let one = |node| Target::Nodes(vec![node]);
        match fork.kind {
            ForkKind::Crash(node) => scenario.faults.push(plan(at, FaultAction::Crash(one(node)))),
            ForkKind::Restart(node) => scenario.faults.push(plan(at, FaultAction::Restart(one(node)))),
            ForkKind::Isolate(node) => {
                scenario.faults.push(plan(at, FaultAction::Partition(Shape::IsolateOne(one(node)))))
            }
            ForkKind::Cut { from, to, both_ways } => {
                // A cut is one-way: messages from `from` to `to`.
                scenario.faults.push(plan(at, FaultAction::Cut { from: vec![from], to: vec![to] }));
                if both_ways {
                    scenario.faults.push(plan(at, FaultAction::Cut { from: vec![to], to: vec![from] }));
                }
            }
            ForkKind::Heal => scenario.faults.push(plan(at, FaultAction::Heal)),
        }
    }
    // Stable: at the same moment, the scenario's own faults fire first,
    // then the forks' in the order they were added.
    scenario.faults.sort_by_key(|f| f.at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sim::{NodeId, SimTime};

    #[test]
    fn serde_json_locations_are_removed_and_other_text_kept() {
        assert_eq!(without_location("expected value at line 1 column 3"), "expected value");
        assert_eq!(without_location("a line at line 2 of it"), "a line at line 2 of it");
    }

    #[test]
    fn forks_are_added_in_time_order_after_the_scenarios_own_faults() {
        let mut scenario = open("leader-election-leader-crash", &[]).expect("a library scenario");
        let own: Vec<SimTime> = scenario.faults.iter().map(|f| f.at).collect();
        assert!(!own.is_empty(), "the scenario crashes its leader");
        let (a, b) = (NodeId::new(0), NodeId::new(1));
        let forks = [
            ForkFault { at: own[0], kind: ForkKind::Cut { from: a, to: b, both_ways: true } },
            ForkFault { at: SimTime::ZERO, kind: ForkKind::Crash(b) },
        ];
        add_forks(&mut scenario, &forks);
        let times: Vec<SimTime> = scenario.faults.iter().map(|f| f.at).collect();
        assert!(times.is_sorted(), "{times:?}");
        assert!(matches!(scenario.faults[0].action, FaultAction::Crash(Target::Nodes(ref n)) if n == &[b]));
        // The two directions of the cut come after the scenario's fault at
        // the same moment.
        let at_first: Vec<&FaultAction> =
            scenario.faults.iter().filter(|f| f.at == own[0]).map(|f| &f.action).collect();
        let cuts: Vec<(Vec<NodeId>, Vec<NodeId>)> = at_first
            .iter()
            .filter_map(|a| match a {
                FaultAction::Cut { from, to } => Some((from.clone(), to.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(cuts, [(vec![a], vec![b]), (vec![b], vec![a])]);
        assert!(!matches!(at_first[0], FaultAction::Cut { .. }), "the scenario's own fault fires first");
    }

    #[test]
    fn a_fork_reruns_the_same_seed_and_changes_only_what_follows_its_fault() {
        // `nodes.pinger` is no role of flood's: it must not reach flood-sparse.
        let sets = vec!["workload.requests=5".to_string(), "nodes.pinger=1".to_string()];
        let mut host = CliHost { scenario: Some("ping-pong".into()), sets };
        let original = host.run("ping-pong", Some(3), &[]).expect("runs");
        assert_eq!(original.header.seed, 3);
        let at = original.events[6].time;
        let fork = ForkFault { at, kind: ForkKind::Crash(NodeId::new(1)) };
        let forked = host.run("ping-pong", Some(3), &[fork]).expect("runs");
        // The fault fires after every event of its moment (docs/explorer.md
        // says so): the runs agree up to and including that moment.
        let upto: Vec<_> = original.events.iter().filter(|e| e.time <= at).cloned().collect();
        assert_eq!(
            forked.events[..upto.len()],
            upto[..],
            "everything up to the fault's moment is the same run"
        );
        assert!(
            matches!(forked.events[upto.len()].kind, weft_sim::trace::TraceKind::Fault { .. }),
            "then the fork's fault: {:?}",
            forked.events[upto.len()]
        );
        assert_ne!(original.footer.trace_hash, forked.footer.trace_hash);
        // The sets apply to the scenario they were given with only.
        let other = host.run("flood-sparse", None, &[]).expect("runs without ping-pong's sets");
        assert_eq!(other.header.scenario, "flood-sparse");
    }
}

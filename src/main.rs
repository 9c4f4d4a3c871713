//! `weft`: run, explore, list, show and validate scenarios of simulated
//! distributed systems.
//!
//! This file is only the command line: parsing flags (clap), calling
//! `weft-scenarios`, and printing; `explore` hands runs to the explorer
//! (`weft-tui`); `lincheck` hands a history file to `weft-check`. Exit
//! codes: 0 when every check held (or the violation a scenario expects
//! happened, or a history is linearizable), 1 when a check was violated (or
//! a history is not linearizable), 2 for a usage or input error, and 3 when
//! `lincheck` could not decide within its budget.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod explore;

use clap::{Parser, Subcommand};
use serde::Serialize;
use weft_scenarios::{RunOptions, RunReport, ScenarioError, Verdict, library, open};
use weft_sim::DropReason;
use weft_sim::trace::JsonLines;

/// Writes a line to standard output, ignoring a closed pipe: `weft run X |
/// head` must not panic when `head` stops reading.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Writes text to standard output as it is, ignoring a closed pipe.
fn out_raw(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

// After the macros, which it uses.
mod lincheck;

#[derive(Parser, Debug)]
#[command(
    name = "weft",
    version,
    about = "A deterministic network simulator for learning distributed systems"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario once and print its summary.
    Run(RunArgs),
    /// Run a scenario (or read a trace file) and explore it in the
    /// terminal: step through time, inspect nodes, fork the run.
    Explore(explore::ExploreArgs),
    /// List the built-in scenarios.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a built-in scenario's TOML, to copy and edit.
    Show {
        /// The scenario's name (see `weft list`).
        name: String,
    },
    /// Check scenario files without running them.
    Validate {
        /// The files (or built-in names) to check.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Check a client history (JSON Lines) for linearizability, and explain
    /// a violation on a timeline. Exit 0: linearizable; 1: not; 2: bad
    /// input; 3: undecided within the budget.
    Lincheck(lincheck::LincheckArgs),
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// A built-in scenario's name (see `weft list`) or a scenario file's path.
    #[arg(value_name = "NAME|PATH")]
    scenario: String,
    /// The seed (default: the scenario's own): the same seed gives the same
    /// run, bit for bit.
    #[arg(long)]
    seed: Option<u64>,
    /// Override any field of the scenario, e.g. `--set nodes.node=50` or
    /// `--set network.loss=0.01` (repeatable). A bare parameter name means
    /// `params.NAME`.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    sets: Vec<String>,
    /// Print one JSON object instead of the summary table.
    #[arg(long)]
    json: bool,
    /// Write the full trace to this file (JSON Lines).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// An error caused by the user's input, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Io(String),
    /// A trace file that cannot be read, located as `FILE:LINE:COLUMN`.
    #[error("{0}")]
    Trace(String),
    /// A history file that cannot be read, located as `FILE:LINE:COLUMN`.
    #[error("{0}")]
    History(String),
    #[error("the explorer needs a terminal; `weft run NAME --trace FILE` writes a trace instead")]
    NoTerminal,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Run(args)) => run(&args),
        Some(Command::Explore(args)) => explore::explore(&args),
        Some(Command::List { json }) => list(json),
        Some(Command::Show { name }) => show(&name),
        Some(Command::Validate { paths }) => Ok(validate(&paths)),
        Some(Command::Lincheck(args)) => lincheck::lincheck(&args),
        // `weft` alone is where a newcomer starts: in a terminal, the
        // explorer's scenario picker; in a pipe or a script, where a
        // full-screen program would only hang or garble, the list and how
        // to go on.
        None if explore::interactive() => explore::pick(),
        None => list_table(
            "`weft explore NAME` opens one in the explorer (in a terminal); \
             `weft run NAME` runs it and prints a summary.",
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints a usage or input error to stderr: scenario mistakes as located
/// diagnostics (in colour on a terminal, unless `NO_COLOR` is set).
fn report_error(error: &UsageError) {
    match error {
        UsageError::Scenario(ScenarioError::Invalid(diagnostics)) => {
            let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprintln!("{}", diagnostics.render(styled));
        }
        other => eprintln!("error: {other}"),
    }
}

fn list(json: bool) -> Result<ExitCode, UsageError> {
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &list_entries()?)
            .map_err(|e| UsageError::Io(e.to_string()))?;
        writeln!(out).map_err(|e| UsageError::Io(e.to_string()))?;
        Ok(ExitCode::SUCCESS)
    } else {
        list_table(
            "`weft show NAME` prints a scenario's file; `weft run NAME` runs it; \
             `weft explore NAME` explores it.",
        )
    }
}

/// The built-in scenarios as a table, then `footer`: what to do next.
fn list_table(footer: &str) -> Result<ExitCode, UsageError> {
    let entries = list_entries()?;
    let mut out = std::io::stdout().lock();
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let pattern_width = entries.iter().map(|e| e.pattern.len()).max().unwrap_or(0);
    for e in &entries {
        let _ = writeln!(out, "{:<width$}  {:<pattern_width$}  {}", e.name, e.pattern, e.description);
    }
    let _ = writeln!(out, "\n{footer}");
    Ok(ExitCode::SUCCESS)
}

/// One built-in scenario, as `weft list` shows it.
#[derive(Serialize)]
struct ListEntry {
    name: &'static str,
    pattern: &'static str,
    description: String,
    nodes: usize,
}

fn list_entries() -> Result<Vec<ListEntry>, UsageError> {
    let mut entries = Vec::new();
    for builtin in library() {
        let scenario = builtin.load(&[]).map_err(ScenarioError::from)?;
        entries.push(ListEntry {
            name: builtin.name,
            pattern: scenario.info().name,
            description: scenario.description.clone(),
            nodes: scenario.node_count(),
        });
    }
    Ok(entries)
}

fn show(name: &str) -> Result<ExitCode, UsageError> {
    let builtin = weft_scenarios::find(name)?;
    out_raw(builtin.text);
    Ok(ExitCode::SUCCESS)
}

/// Checks every file, reporting every mistake in each; exit 2 if any has one.
fn validate(paths: &[String]) -> ExitCode {
    let mut failed = 0;
    for path in paths {
        match open(path, &[]) {
            Ok(scenario) => out!("ok       {path} ({}, pattern {})", scenario.name, scenario.info().name),
            Err(e) => {
                failed += 1;
                out!("invalid  {path}");
                report_error(&UsageError::Scenario(e));
            }
        }
    }
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) }
}

fn run(args: &RunArgs) -> Result<ExitCode, UsageError> {
    let scenario = open(&args.scenario, &args.sets)?;
    // Open the trace file before running, so a bad path fails fast.
    let trace_file = match &args.trace {
        Some(path) => Some(
            File::create(path)
                .map(BufWriter::new)
                .map_err(|e| UsageError::Io(format!("cannot write the trace to {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let options = RunOptions { seed: args.seed.unwrap_or(scenario.seed), keep_trace: false };
    // The wall clock is read here, in the CLI, and never inside a run.
    let started = Instant::now();
    // The trace streams to the file as the run goes, so it never has to fit
    // in memory.
    let report = match trace_file {
        Some(file) => scenario.run_traced(&options, Box::new(JsonLines::new(file))),
        None => scenario.run(&options),
    }
    .map_err(|e| match (e, &args.trace) {
        (ScenarioError::TraceWrite(e), Some(path)) => {
            UsageError::Io(format!("cannot write the trace to {}: {e}", path.display()))
        }
        (e, _) => UsageError::Scenario(e),
    })?;
    let wall_time = started.elapsed();
    if args.json {
        let json = serde_json::to_string_pretty(&JsonReport::new(&report, wall_time))
            .map_err(|e| UsageError::Io(e.to_string()))?;
        out!("{json}");
    } else {
        print_summary(&report, wall_time, args.trace.as_ref());
    }
    Ok(if report.verdict().passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The `--json` output; its schema is documented in `docs/run-json.md`.
#[derive(Serialize)]
struct JsonReport<'a> {
    scenario: &'a str,
    pattern: &'a str,
    seed: u64,
    sets: &'a [String],
    trace_hash: &'a str,
    outcome: String,
    events: u64,
    messages_sent: u64,
    messages_duplicated: u64,
    messages_delivered: u64,
    messages_dropped: u64,
    messages_dropped_by_reason: std::collections::BTreeMap<&'static str, u64>,
    messages_in_flight: u64,
    timers_fired: u64,
    faults: u64,
    observations: u64,
    sim_time_ns: u64,
    wall_time_ns: u64,
    metrics: &'a weft_sim::MetricsSummary,
    violations: &'a [weft_scenarios::Violation],
    expected_violation: Option<&'a str>,
    verdict: &'static str,
    notes: &'a [String],
    replay: String,
}

impl<'a> JsonReport<'a> {
    fn new(r: &'a RunReport, wall_time: Duration) -> Self {
        JsonReport {
            scenario: &r.scenario,
            pattern: &r.pattern,
            seed: r.seed,
            sets: &r.sets,
            trace_hash: &r.trace_hash,
            outcome: outcome_name(r.outcome).to_string(),
            events: r.stats.events,
            messages_sent: r.stats.messages_sent,
            messages_duplicated: r.stats.messages_duplicated,
            messages_delivered: r.stats.messages_delivered,
            messages_dropped: r.stats.messages_dropped(),
            messages_dropped_by_reason: DropReason::ALL
                .iter()
                .map(|d| (d.as_str(), r.stats.dropped(*d)))
                .collect(),
            messages_in_flight: r.in_flight,
            timers_fired: r.stats.timers_fired,
            faults: r.stats.faults,
            observations: r.stats.observations,
            sim_time_ns: r.sim_time.as_nanos(),
            wall_time_ns: u64::try_from(wall_time.as_nanos()).unwrap_or(u64::MAX),
            metrics: &r.metrics,
            violations: &r.violations,
            expected_violation: r.expected.as_deref(),
            verdict: verdict_name(r.verdict()),
            notes: &r.notes,
            replay: r.replay_command(),
        }
    }
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Held => "held",
        Verdict::ExpectedViolation => "expected-violation",
        Verdict::Violated => "violated",
        Verdict::ExpectationMissed => "expectation-missed",
    }
}

fn outcome_name(outcome: weft_sim::Outcome) -> &'static str {
    match outcome {
        weft_sim::Outcome::Quiescent => "quiescent",
        weft_sim::Outcome::ReachedTime => "reached-time",
        weft_sim::Outcome::ConditionMet => "condition-met",
        weft_sim::Outcome::BudgetExhausted => "budget-exhausted",
    }
}

fn print_summary(r: &RunReport, wall_time: Duration, trace: Option<&PathBuf>) {
    let s = &r.stats;
    let rate = s.messages_delivered as f64 / wall_time.as_secs_f64().max(1e-9);
    out!("scenario    {} (pattern {}, seed {})", r.scenario, r.pattern, r.seed);
    out!("outcome     {} at {} virtual, {} wall", outcome_name(r.outcome), r.sim_time, human(wall_time));
    out!("trace hash  {}", r.trace_hash);
    out!("events      {}", s.events);
    out!(
        "messages    {} sent, {} delivered ({:.1} M/s), {} dropped, {} duplicated, {} in flight",
        s.messages_sent,
        s.messages_delivered,
        rate / 1e6,
        s.messages_dropped(),
        s.messages_duplicated,
        r.in_flight
    );
    let drops: Vec<String> = DropReason::ALL
        .iter()
        .filter(|d| s.dropped(**d) > 0)
        .map(|d| format!("{} {}", s.dropped(*d), d.as_str()))
        .collect();
    if !drops.is_empty() {
        out!("dropped     {}", drops.join(", "));
    }
    if !r.metrics.counters.is_empty() || !r.metrics.histograms.is_empty() || !r.metrics.gauges.is_empty() {
        out!("metrics");
        let m = &r.metrics;
        let width =
            m.counters.keys().chain(m.histograms.keys()).chain(m.gauges.keys()).map(String::len).max();
        let width = width.unwrap_or(0).max(22);
        for (name, value) in &r.metrics.counters {
            out!("  {name:<width$} {value}");
        }
        for (name, h) in &r.metrics.histograms {
            let ns = |n: u64| human(Duration::from_nanos(n));
            out!(
                "  {name:<width$} n={} p50={} p90={} p99={} max={}",
                h.count,
                ns(h.p50_ns),
                ns(h.p90_ns),
                ns(h.p99_ns),
                ns(h.max_ns)
            );
        }
        for (name, value) in &r.metrics.gauges {
            out!("  {name:<width$} {value:.3}");
        }
    }
    if let Some(path) = trace {
        out!("trace       written to {}", path.display());
    }
    for note in &r.notes {
        out!("note        {note}");
    }
    let red = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (on, off) = if red { ("\x1b[31m", "\x1b[0m") } else { ("", "") };
    let verdict = r.verdict();
    match verdict {
        Verdict::Held => out!("checks      all held"),
        Verdict::ExpectedViolation => {
            out!("checks      violated as expected (this scenario shows a failure)")
        }
        Verdict::Violated => out!("checks      {on}{} VIOLATED{off}", r.unexpected_violations().count()),
        Verdict::ExpectationMissed => out!(
            "checks      {on}EXPECTED VIOLATION DID NOT HAPPEN{off}: `{}` held",
            r.expected.as_deref().unwrap_or_default()
        ),
    }
    for v in &r.violations {
        let tag = if Some(&v.property) == r.expected.as_ref() { "(expected) " } else { "" };
        out!("  ✗ {tag}{} at {}: {}", v.property, v.time, v.message);
    }
    if !verdict.passed() {
        out!("replay      {}", r.replay_command());
    }
}

/// A duration with a sensible unit: `850ns`, `12.3µs`, `4.56ms`, `7.89s`.
fn human(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    match ns {
        n if n < 1e3 => format!("{n}ns"),
        n if n < 1e6 => format!("{:.1}µs", n / 1e3),
        n if n < 1e9 => format!("{:.2}ms", n / 1e6),
        n => format!("{:.2}s", n / 1e9),
    }
}

//! `weft`: run, list and (later) explore simulated distributed systems.
//!
//! This file is only the command line: parsing flags (clap), calling
//! `weft-scenarios`, and printing. Exit codes: 0 when every check held, 1 when
//! a check was violated, 2 for a usage or input error.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde::Serialize;
use weft_scenarios::{RunOptions, RunReport, ScenarioError, find, library, params::split_set};
use weft_sim::DropReason;
use weft_sim::trace::JsonLines;

/// The scenario `weft` runs when given no command.
const DEFAULT_SCENARIO: &str = "ping-pong";

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
    /// List the built-in scenarios.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The scenario's name (see `weft list`).
    name: String,
    /// The seed: the same seed gives the same run, bit for bit.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Set a scenario parameter, e.g. `--set nodes=10` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Run(args)) => run(&args),
        Some(Command::List { json }) => list(json),
        None => {
            // For now `weft` alone runs a small built-in scenario; once the
            // explorer lands it will open it instead.
            let args =
                RunArgs { name: DEFAULT_SCENARIO.into(), seed: 1, sets: vec![], json: false, trace: None };
            let code = run(&args);
            eprintln!("\n(`weft list` shows every scenario; `weft run NAME --seed N` runs one.)");
            code
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn list(json: bool) -> Result<ExitCode, UsageError> {
    #[derive(Serialize)]
    struct Entry {
        name: &'static str,
        pattern: &'static str,
        description: &'static str,
        params: Vec<Param>,
    }
    #[derive(Serialize)]
    struct Param {
        name: &'static str,
        default: &'static str,
        help: &'static str,
    }
    let entries: Vec<Entry> = library()
        .iter()
        .map(|s| Entry {
            name: s.name,
            pattern: s.pattern,
            description: s.description,
            params: s
                .params
                .iter()
                .map(|p| Param { name: p.name, default: p.default, help: p.help })
                .collect(),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &entries).map_err(|e| UsageError::Io(e.to_string()))?;
        writeln!(out).map_err(|e| UsageError::Io(e.to_string()))?;
    } else {
        for e in &entries {
            let _ = writeln!(out, "{:<12} {:<12} {}", e.name, e.pattern, e.description);
            for p in &e.params {
                let set = format!("--set {}={}", p.name, p.default);
                let _ = writeln!(out, "{:<12}   {set:<26} {}", "", p.help);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run(args: &RunArgs) -> Result<ExitCode, UsageError> {
    let scenario = find(&args.name)?;
    let sets = args.sets.iter().map(|s| split_set(s)).collect::<Result<Vec<_>, _>>()?;
    let params = scenario.params(&sets)?;
    // Open the trace file before running, so a bad path fails fast.
    let trace_file = match &args.trace {
        Some(path) => Some(
            File::create(path)
                .map(BufWriter::new)
                .map_err(|e| UsageError::Io(format!("cannot write the trace to {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let options = RunOptions { seed: args.seed, keep_trace: false };
    // The wall clock is read here, in the CLI, and never inside a run.
    let started = Instant::now();
    // The trace streams to the file as the run goes, so it never has to fit
    // in memory.
    let report = match trace_file {
        Some(file) => scenario.run_traced(&params, &options, Box::new(JsonLines::new(file))),
        None => scenario.run(&params, &options),
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
        println!("{json}");
    } else {
        print_summary(&report, wall_time, args.trace.as_ref());
    }
    Ok(if report.violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The `--json` output; its schema is documented in `docs/run-json.md`.
#[derive(Serialize)]
struct JsonReport<'a> {
    scenario: &'a str,
    seed: u64,
    params: std::collections::BTreeMap<&'a str, &'a str>,
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
    replay: String,
}

impl<'a> JsonReport<'a> {
    fn new(r: &'a RunReport, wall_time: Duration) -> Self {
        JsonReport {
            scenario: &r.scenario,
            seed: r.seed,
            params: r.overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
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
            replay: r.replay_command(),
        }
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
    println!("scenario    {} (seed {})", r.scenario, r.seed);
    println!("outcome     {} at {} virtual, {} wall", outcome_name(r.outcome), r.sim_time, human(wall_time));
    println!("trace hash  {}", r.trace_hash);
    println!("events      {}", s.events);
    println!(
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
        println!("dropped     {}", drops.join(", "));
    }
    if !r.metrics.counters.is_empty() || !r.metrics.histograms.is_empty() {
        println!("metrics");
        for (name, value) in &r.metrics.counters {
            println!("  {name:<22} {value}");
        }
        for (name, h) in &r.metrics.histograms {
            let ns = |n: u64| human(Duration::from_nanos(n));
            println!(
                "  {name:<22} n={} p50={} p90={} p99={} max={}",
                h.count,
                ns(h.p50_ns),
                ns(h.p90_ns),
                ns(h.p99_ns),
                ns(h.max_ns)
            );
        }
    }
    if let Some(path) = trace {
        println!("trace       written to {}", path.display());
    }
    if r.violations.is_empty() {
        println!("checks      all held");
    } else {
        let red = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let (on, off) = if red { ("\x1b[31m", "\x1b[0m") } else { ("", "") };
        println!("checks      {on}{} VIOLATED{off}", r.violations.len());
        for v in &r.violations {
            println!("  ✗ {} at {}: {}", v.property, v.time, v.message);
        }
        println!("replay      {}", r.replay_command());
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

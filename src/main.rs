//! `weft`: run, sweep, shrink, lincheck, explore, list, show and validate scenarios
//! of simulated distributed systems.
//!
//! This file is the command line's frame: the commands (clap), errors, and
//! the small ones (`list`, `show`, `validate`). Each bigger command has a
//! file: `run.rs` (one run, its summary, `--check-determinism`), `sweep.rs`
//! (many seeds, summarised), `shrink.rs`, `lincheck.rs` (a history file,
//! handed to `weft-check`) and `explore.rs` (runs handed to the explorer,
//! `weft-tui`). Exit
//! codes: 0 when every check held (or the violation a scenario expects
//! happened, or a history is linearizable), 1 when a check was violated (or
//! a history is not linearizable), 2 for a usage or input error, and 3 when
//! `lincheck` could not decide within its budget.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde::Serialize;
use weft_scenarios::shrink::ShrinkError;
use weft_scenarios::{ScenarioError, library, open};

/// Writes a line to standard output, ignoring a closed pipe: `weft run X |
/// head` must not panic when `head` stops reading.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

// The subcommands with files of their own (after `out!`, which they use).
mod explore;
mod lincheck;
mod run;
mod shrink;
mod sweep;

/// Writes text to standard output as it is, ignoring a closed pipe.
fn out_raw(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

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
    Run(run::RunArgs),
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
    /// Run a scenario over many seeds, in parallel, and summarise what
    /// broke, on which seeds, and how the metrics spread.
    Sweep(sweep::SweepArgs),
    /// Shrink a failing run: remove and simplify its faults, and shorten
    /// it, while it still fails the same property; write the result as a
    /// scenario file that fails with its own seed.
    Shrink(shrink::ShrinkArgs),
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

/// How `run` and `shrink` name the run they start: a scenario, its
/// `--set`s, and a seed.
#[derive(clap::Args, Debug)]
struct ScenarioArgs {
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
}

impl ScenarioArgs {
    /// The scenario, with its `--set`s applied, and the seed to run.
    fn open(&self) -> Result<(weft_scenarios::Scenario, u64), UsageError> {
        let scenario = open(&self.scenario, &self.sets)?;
        let seed = self.seed.unwrap_or(scenario.seed);
        Ok((scenario, seed))
    }
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
    #[error("{0}")]
    Shrink(#[from] weft_scenarios::shrink::ShrinkError),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Explore(args)) => explore::explore(&args),
        Some(Command::Sweep(args)) => sweep::sweep(&args),
        Some(Command::List { json }) => list(json),
        Some(Command::Show { name }) => show(&name),
        Some(Command::Shrink(args)) => shrink::shrink(&args),
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
        UsageError::Scenario(ScenarioError::Invalid(diagnostics))
        | UsageError::Shrink(ShrinkError::Scenario(ScenarioError::Invalid(diagnostics))) => {
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
            Ok(scenario) if scenario.checks.is_empty() => out!(
                "ok       {path} ({}, pattern {}; checks nothing: [checks] turns no property on)",
                scenario.name,
                scenario.info().name
            ),
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

/// A progress bar on stderr, drawn with `template`, when stderr is a
/// terminal; hidden otherwise, so logs and pipes stay clean.
fn progress_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(template)
        .map(|s| {
            // `{per_sec}` shows four decimals ("213.5619/s"); `{rate}` rounds.
            let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            };
            s.progress_chars("=> ").with_key("rate", rate)
        })
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
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

//! `weft sweep`: one scenario over many seeds, on every core; and
//! `weft sweep --merge`, which summarises the shards of a sweep too big for
//! one machine. The work is `weft_scenarios::sweep`; this is the command
//! line: flags, the progress bar, and printing.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft_scenarios::open;
use weft_scenarios::sweep::{self, SeedResult, Seeds, Shard, Summary, SweepError, SweepLine};

use crate::{UsageError, human, progress_bar};

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// A built-in scenario's name (see `weft list`) or a scenario file's path.
    #[arg(value_name = "NAME|PATH", required_unless_present = "merge")]
    scenario: Option<String>,
    /// The seeds: `1..1001` (1 to 1000), `1..=1000` (the same), or one seed.
    #[arg(long, value_name = "A..B", required_unless_present = "merge")]
    seeds: Option<String>,
    /// How many runs at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Run only the i-th of n disjoint slices of the seeds (i from 0), to
    /// spread a sweep over machines; combine their `--json` outputs with
    /// `--merge`.
    #[arg(long, value_name = "i/n")]
    shard: Option<String>,
    /// Override any field of the scenario (repeatable), as for `weft run`.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    sets: Vec<String>,
    /// Print JSON Lines: one line per run, in seed order, then the summary.
    #[arg(long)]
    json: bool,
    /// Summarise the `--json` outputs of a sweep's shards instead of running.
    #[arg(long, value_name = "FILES", num_args = 1.., conflicts_with_all = ["scenario", "seeds", "jobs", "shard", "sets"])]
    merge: Vec<PathBuf>,
}

/// Runs `weft sweep`; exit 0 when every run passed, 1 when one failed.
pub fn sweep(args: &SweepArgs) -> Result<ExitCode, UsageError> {
    if !args.merge.is_empty() {
        return merge(&args.merge, args.json);
    }
    let (Some(name), Some(seeds)) = (&args.scenario, &args.seeds) else {
        unreachable!("clap requires a scenario and seeds unless --merge is given")
    };
    let scenario = open(name, &args.sets)?;
    let seeds: Seeds = seeds.parse().map_err(sweep_error)?;
    let selection = match &args.shard {
        Some(shard) => seeds.shard(shard.parse::<Shard>().map_err(sweep_error)?),
        None => seeds.all(),
    };
    // Refuses a range too big for one process before listing it.
    let list = selection.to_vec().map_err(sweep_error)?;
    if list.is_empty() {
        // More shards than seeds: this one has nothing to run, which is
        // not an error (its summary still merges).
        let summary = Summary::of_sweep(&scenario.name, selection, &[]).map_err(sweep_error)?;
        if args.json {
            print_json_lines(&[], summary)?;
        } else {
            let shard = selection.shard.map(|s| s.to_string()).unwrap_or_default();
            out!(
                "sweep       {}: shard {shard} of seeds {} has no seeds (there are more shards than seeds)",
                scenario.name,
                selection.seeds
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let progress = progress_bar(list.len() as u64, "[{bar:40}] {pos}/{len} runs, {rate}, about {eta} left");
    // The wall clock is read here, for the report, never inside a run.
    let started = Instant::now();
    // One thread per core unless told otherwise, and never more than there
    // are seeds (each thread has a stack, and idle ones cost time to start);
    // passed explicitly, so the count printed is the count used.
    let jobs =
        args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
    let jobs = jobs.min(list.len());
    let results = sweep::sweep(&scenario, &list, Some(jobs), |_| progress.inc(1)).map_err(sweep_error)?;
    progress.finish_and_clear();
    let summary = Summary::of_sweep(&scenario.name, selection, &results).map_err(sweep_error)?;
    if args.json {
        print_json_lines(&results, summary.clone())?;
    } else {
        let pace = results.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
        out!(
            "sweep       {} over {} on {}: {} wall, {pace:.1} runs/s",
            summary.scenario,
            count(results.len() as u64, "seed"),
            count(jobs as u64, "thread"),
            human(started.elapsed())
        );
        print_summary(&summary);
    }
    Ok(exit_code(&summary))
}

/// `1 seed`, `2 seeds`.
fn count(n: u64, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// `weft sweep --merge FILES`.
fn merge(files: &[PathBuf], json: bool) -> Result<ExitCode, UsageError> {
    let mut read = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| UsageError::Io(format!("cannot read {}: {e}", file.display())))?;
        read.push(sweep::read_sweep(&file.display().to_string(), &text).map_err(sweep_error)?);
    }
    let merged = sweep::merge(&read).map_err(sweep_error)?;
    if json {
        print_json_lines(&merged.runs, merged.summary.clone())?;
    } else {
        out!("merged      {} from {}", count(merged.summary.runs, "run"), count(files.len() as u64, "file"));
        print_summary(&merged.summary);
    }
    Ok(exit_code(&merged.summary))
}

fn exit_code(summary: &Summary) -> ExitCode {
    if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn sweep_error(e: SweepError) -> UsageError {
    match e {
        SweepError::Scenario(e) => UsageError::Scenario(e),
        other => UsageError::Io(other.to_string()),
    }
}

fn print_json_lines(results: &[SeedResult], summary: Summary) -> Result<(), UsageError> {
    let json = |line: &SweepLine| serde_json::to_string(line).map_err(|e| UsageError::Io(e.to_string()));
    for result in results {
        out!("{}", json(&SweepLine::Run(result.clone()))?);
    }
    out!("{}", json(&SweepLine::Summary(summary))?);
    Ok(())
}

/// How many failing seeds the table lists; `--json` lists them all.
const FAILING_SHOWN: usize = 20;

fn print_summary(summary: &Summary) {
    out!("runs        {}: {} passed, {} failed", summary.runs, summary.passed, summary.failed);
    if let Some(expected) = &summary.expected {
        out!("expected    `{expected}` is violated on purpose: a run passes when it is");
    }
    if summary.violations.is_empty() {
        out!("violations  none");
    }
    for (i, (property, runs)) in summary.violations.iter().enumerate() {
        let label = if i == 0 { "violations" } else { "" };
        out!("{label:<11} {property} in {}", count(*runs, "run"));
    }
    for (i, failing) in summary.failing.iter().take(FAILING_SHOWN).enumerate() {
        let label = if i == 0 { "failing" } else { "" };
        let what = if failing.properties.is_empty() {
            "expected violation missed".to_string()
        } else {
            failing.properties.join(", ")
        };
        out!("{label:<11} seed {:<6} {what:<28} {}", failing.seed, failing.replay);
    }
    if summary.failing.len() > FAILING_SHOWN {
        out!("            … and {} more (`--json` lists every run)", summary.failing.len() - FAILING_SHOWN);
    }
    if summary.metrics.is_empty() {
        return;
    }
    let width = summary.metrics.keys().map(String::len).max().unwrap_or(0).max(20);
    out!("metrics     across runs: {:>10} {:>10} {:>10} {:>10}", "min", "p50", "p90", "max");
    for (name, spread) in &summary.metrics {
        let show = |x: f64| show_value(name, x);
        // A counter a run never touched is absent from its metrics.
        let only = if spread.runs < summary.runs {
            format!("  (in {})", count(spread.runs, "run"))
        } else {
            String::new()
        };
        out!(
            "  {name:<width$} {:>10} {:>10} {:>10} {:>10}{only}",
            show(spread.min),
            show(spread.p50),
            show(spread.p90),
            show(spread.max)
        );
    }
}

/// A metric's value: nanoseconds as a duration, whole numbers plainly,
/// ratios with three decimals.
fn show_value(name: &str, value: f64) -> String {
    if name.ends_with("_ns") {
        human(Duration::from_nanos(value.max(0.0) as u64))
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}

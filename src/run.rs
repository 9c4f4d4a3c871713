//! `weft run`: one run, its summary (a table, or `--json`), its trace and
//! history files, and `--check-determinism`. The run itself is
//! `weft_scenarios`'; this is printing.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde::Serialize;
use weft_scenarios::catalog::LINEARIZABLE;
use weft_scenarios::{RunOptions, RunReport, ScenarioError, Verdict};
use weft_sim::DropReason;
use weft_sim::trace::{DeterminismCheck, JsonLines, TraceEvent, check_determinism};

use crate::{ScenarioArgs, UsageError, human};

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    target: ScenarioArgs,
    /// Print one JSON object instead of the summary table.
    #[arg(long)]
    json: bool,
    /// Write the full trace to this file (JSON Lines).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write the clients' history to this file, in the format `weft
    /// lincheck` reads (JSON Lines; replication and sharding record one).
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Run twice with the same seed and compare the runs event by event;
    /// if they differ, name the first event that differs (exit 1).
    #[arg(long, conflicts_with = "trace")]
    check_determinism: bool,
}

pub(crate) fn run(args: &RunArgs) -> Result<ExitCode, UsageError> {
    let (scenario, seed) = args.target.open()?;
    let has_history = scenario.info().properties.iter().any(|p| p.name == LINEARIZABLE);
    if args.history.is_some() && !has_history {
        return Err(UsageError::Io(format!(
            "pattern `{}` records no client history (replication and sharding do)",
            scenario.info().name
        )));
    }
    // Open the trace file before running, so a bad path fails fast.
    let trace_file = match &args.trace {
        Some(path) => Some(
            File::create(path)
                .map(BufWriter::new)
                .map_err(|e| UsageError::Io(format!("cannot write the trace to {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let options = RunOptions { seed, keep_trace: false };
    if args.check_determinism {
        return run_twice(&scenario, &options, args);
    }
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
    if let Some(path) = &args.history {
        write_history(&report, path)?;
    }
    if args.json {
        let json = serde_json::to_string_pretty(&JsonReport::new(&report, wall_time))
            .map_err(|e| UsageError::Io(e.to_string()))?;
        out!("{json}");
    } else {
        print_summary(&report, wall_time, args.trace.as_ref(), args.history.as_ref());
    }
    Ok(if report.verdict().passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Writes the run's client history to `path`.
fn write_history(report: &RunReport, path: &PathBuf) -> Result<(), UsageError> {
    let history = report.history.as_ref().expect("checked before the run: the pattern records a history");
    std::fs::write(path, history.to_json_lines())
        .map_err(|e| UsageError::Io(format!("cannot write the history to {}: {e}", path.display())))
}

/// `weft run --check-determinism`: the first run's report as usual, and what
/// comparing it with a second run found. Exits 1 if the runs differ, and
/// otherwise as the run's own verdict says.
fn run_twice(
    scenario: &weft_scenarios::Scenario,
    options: &RunOptions,
    args: &RunArgs,
) -> Result<ExitCode, UsageError> {
    let mut first_wall_time = None;
    let (check, report) = check_determinism(|sink| {
        let started = Instant::now();
        let report = scenario.run_traced(options, sink);
        first_wall_time.get_or_insert(started.elapsed());
        report
    })?;
    let wall_time = first_wall_time.unwrap_or_default();
    if let Some(path) = &args.history {
        write_history(&report, path)?;
    }
    if args.json {
        let mut json = JsonReport::new(&report, wall_time);
        json.determinism = Some(JsonDeterminism::new(&check));
        let json = serde_json::to_string_pretty(&json).map_err(|e| UsageError::Io(e.to_string()))?;
        out!("{json}");
    } else {
        print_summary(&report, wall_time, None, args.history.as_ref());
        print_determinism(&check);
    }
    let passed = check.is_deterministic() && report.verdict().passed();
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The determinism lines of the human summary.
fn print_determinism(check: &DeterminismCheck) {
    for line in determinism_lines(check, alarm_colours()) {
        out!("{line}");
    }
}

/// What `--check-determinism` found, in words: one line when the runs
/// agree; when they differ, where, both versions of the event (as trace
/// JSON), and both runs' hashes. `on` and `off` colour the alarm.
fn determinism_lines(check: &DeterminismCheck, (on, off): (&str, &str)) -> Vec<String> {
    let [first_events, second_events] = check.events;
    let [first_hash, second_hash] = &check.trace_hashes;
    if check.is_deterministic() {
        return vec![format!(
            "determinism deterministic: {} runs, {first_events} events each, trace hash {first_hash}",
            check.runs
        )];
    }
    let mut lines = Vec::new();
    match &check.divergence {
        Some(d) => {
            let time = d.time().map(|t| format!(", at {t} virtual")).unwrap_or_default();
            lines.push(format!(
                "determinism {on}NOT DETERMINISTIC{off}: the runs differ first at event #{}{time}",
                d.index
            ));
            let show = |event: &Option<TraceEvent>, events: u64| match event {
                Some(event) => serde_json::to_string(event).unwrap_or_else(|e| format!("<unprintable: {e}>")),
                None if events <= d.index => format!("(none: this run ended after {events} events)"),
                None => "(unknown: no re-run reproduced the first run up to this event)".to_string(),
            };
            lines.push(format!("  first run   {}", show(&d.first, first_events)));
            lines.push(format!("  second run  {}", show(&d.second, second_events)));
        }
        None => lines.push(format!(
            "determinism {on}NOT DETERMINISTIC{off}: every event is the same, but the trace hashes differ"
        )),
    }
    lines.push(format!(
        "  trace hash  {first_hash} (first run, {first_events} events), \
         {second_hash} (second run, {second_events} events)"
    ));
    lines
}

/// The `determinism` object of `--json` with `--check-determinism`.
#[derive(Serialize)]
struct JsonDeterminism<'a> {
    deterministic: bool,
    runs: u32,
    events: [u64; 2],
    trace_hashes: &'a [String; 2],
    divergence: Option<JsonDivergence<'a>>,
}

#[derive(Serialize)]
struct JsonDivergence<'a> {
    index: u64,
    time_ns: Option<u64>,
    first: Option<&'a TraceEvent>,
    second: Option<&'a TraceEvent>,
}

impl<'a> JsonDeterminism<'a> {
    fn new(check: &'a DeterminismCheck) -> Self {
        JsonDeterminism {
            deterministic: check.is_deterministic(),
            runs: check.runs,
            events: check.events,
            trace_hashes: &check.trace_hashes,
            divergence: check.divergence.as_ref().map(|d| JsonDivergence {
                index: d.index,
                time_ns: d.time().map(|t| t.as_nanos()),
                first: d.first.as_ref(),
                second: d.second.as_ref(),
            }),
        }
    }
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
    /// Only with `--check-determinism`.
    #[serde(skip_serializing_if = "Option::is_none")]
    determinism: Option<JsonDeterminism<'a>>,
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
            determinism: None,
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

fn print_summary(r: &RunReport, wall_time: Duration, trace: Option<&PathBuf>, history: Option<&PathBuf>) {
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
            out!("  {name:<width$} {}", gauge_text(*value));
        }
    }
    if let Some(path) = trace {
        out!("trace       written to {}", path.display());
    }
    if let Some(path) = history {
        out!(
            "history     written to {} (check it: weft lincheck --model kv {})",
            path.display(),
            path.display()
        );
    }
    for note in &r.notes {
        out!("note        {note}");
    }
    let (on, off) = alarm_colours();
    let verdict = r.verdict();
    match verdict {
        // Nothing judged is not "all held": say so.
        Verdict::Held if r.checked.is_empty() => out!("checks      none: [checks] turns no property on"),
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

/// A gauge as the summary prints it: a whole number (a count, such as
/// `terms`) without decimals, anything else with three.
fn gauge_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.3}") }
}

/// The escape codes that turn an alarm red and back: red on a terminal,
/// nothing in a pipe or with `NO_COLOR`.
fn alarm_colours() -> (&'static str, &'static str) {
    let red = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if red { ("\x1b[31m", "\x1b[0m") } else { ("", "") }
}

#[cfg(test)]
mod tests {
    use weft_sim::trace::{Divergence, TraceKind};
    use weft_sim::{NodeId, SimTime};

    use super::*;

    fn start(ms: u64, node: u32) -> TraceEvent {
        TraceEvent { time: SimTime::from_millis(ms), kind: TraceKind::Start { node: NodeId::new(node) } }
    }

    fn check(divergence: Option<Divergence>, events: [u64; 2]) -> DeterminismCheck {
        DeterminismCheck {
            runs: 3,
            events,
            trace_hashes: ["00000000000000aa".into(), "00000000000000bb".into()],
            divergence,
        }
    }

    // A real divergence cannot be produced by running the (deterministic)
    // engine, so its rendering is tested on a made-up check.
    #[test]
    fn a_divergence_is_shown_with_both_events_and_both_hashes() {
        let d = Divergence { index: 7, first: Some(start(5, 1)), second: Some(start(6, 2)) };
        let lines = determinism_lines(&check(Some(d), [10, 10]), ("<", ">"));
        assert_eq!(
            lines,
            [
                "determinism <NOT DETERMINISTIC>: the runs differ first at event #7, at 0.005000000s virtual",
                r#"  first run   {"time":5000000,"kind":"start","node":1}"#,
                r#"  second run  {"time":6000000,"kind":"start","node":2}"#,
                "  trace hash  00000000000000aa (first run, 10 events), 00000000000000bb (second run, 10 events)",
            ]
        );
    }

    #[test]
    fn whole_gauges_print_without_decimals() {
        assert_eq!(gauge_text(3.0), "3");
        assert_eq!(gauge_text(0.0), "0");
        assert_eq!(gauge_text(0.2625), "0.263");
        assert_eq!(gauge_text(12.5), "12.500");
    }

    #[test]
    fn a_missing_event_says_why() {
        let ended = Divergence { index: 4, first: None, second: Some(start(6, 2)) };
        let lines = determinism_lines(&check(Some(ended), [4, 9]), ("", ""));
        assert_eq!(lines[1], "  first run   (none: this run ended after 4 events)");
        let lost = Divergence { index: 4, first: None, second: Some(start(6, 2)) };
        let lines = determinism_lines(&check(Some(lost), [9, 9]), ("", ""));
        assert!(lines[1].contains("no re-run reproduced the first run"), "{lines:?}");
    }
}

//! `weft shrink`: cuts a failing run down to a small scenario file, writes
//! it, and checks that the file, run on its own, fails the same way.
//!
//! The search itself is `weft_scenarios::shrink`; this is its command line:
//! a progress bar on a terminal, the file, and a summary saying what was
//! kept and how to replay and explore it. Exit codes: 0 when a shrunk file
//! was written and confirmed; 2 for bad input, for a seed that violates
//! nothing (or not the `--property` asked for), and for a shrunk file that
//! does not reproduce its run (a bug in weft, reported as one).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use weft_scenarios::open;
use weft_scenarios::report::shell_word;
use weft_scenarios::shrink::{Progress, ShrinkOptions};

use crate::{ShrinkArgs, UsageError};

pub(crate) fn shrink(args: &ShrinkArgs) -> Result<ExitCode, UsageError> {
    let scenario = open(&args.scenario, &args.sets)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-seed{seed}-shrunk.toml", scenario.name)));
    out!("shrinking   {} with seed {seed}", scenario.name);

    let bar = progress_bar(args.max_runs);
    let options = ShrinkOptions { seed, property: args.property.clone(), max_runs: args.max_runs };
    let result = weft_scenarios::shrink::shrink(&scenario, &options, &mut |p: Progress| {
        bar.set_position(u64::from(p.runs));
        bar.set_message(format!("{} faults, {}", p.faults, p.step));
    });
    bar.finish_and_clear();
    let shrunk = result?;

    let file = path.display().to_string();
    std::fs::write(&path, shrunk.to_toml(&file))
        .map_err(|e| UsageError::Io(format!("cannot write {file}: {e}")))?;
    // Read back what was written: that file is what the user will run.
    let written = std::fs::read_to_string(&path)
        .map_err(|e| UsageError::Io(format!("cannot read back {file}: {e}")))?;
    let confirmed = shrunk.confirm(&written, &file)?;

    let before = &shrunk.violation_before;
    let expected = if confirmed.expected.as_deref() == Some(shrunk.property.as_str()) {
        " (the violation the scenario expects)"
    } else {
        ""
    };
    out!(
        "property    `{}`{expected}, first violated at {} in the original run",
        shrunk.property,
        before.time
    );
    if shrunk.pinned_exactly {
        out!("pinned      the {} faults that fired, written out, replay the same run", shrunk.faults_before);
    } else {
        out!(
            "pinned      the {} faults that fired, written out, violate `{}` too, but in a run that differs \
             from the original (shrunk from there)",
            shrunk.faults_before,
            shrunk.property
        );
    }
    out!("faults      {} → {}", shrunk.faults_before, shrunk.faults.len());
    out!("duration    {} → {}", duration_text(shrunk.duration_before), duration_text(shrunk.duration));
    if shrunk.budget_exhausted {
        out!(
            "runs        {} (the budget: the result fails, but a smaller one may exist; raise --max-runs)",
            shrunk.runs
        );
    } else {
        out!("runs        {} (of at most {})", shrunk.runs, args.max_runs);
    }
    out!("violates    `{}` at {}: {}", shrunk.property, shrunk.violation.time, shrunk.violation.message);
    out!("written     {file}");
    let exit = if confirmed.verdict().passed() {
        "exits 0: the violation its [expect] names"
    } else {
        "exits 1: a violation"
    };
    out!("replay      weft run {}   ({exit})", shell_word(&file));
    out!("explore     weft explore {}", shell_word(&file));
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, if stderr is a terminal; otherwise a hidden one.
fn progress_bar(max_runs: u32) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(u64::from(max_runs));
    let style = ProgressStyle::with_template("shrinking [{bar:30}] {pos}/{len} runs, {msg}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A duration as scenario files write it, or "none" (run until quiet).
fn duration_text(duration: Option<Duration>) -> String {
    duration.map_or("none (until quiet)".into(), |d| format!("{d:?}"))
}

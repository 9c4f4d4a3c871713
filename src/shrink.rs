//! `weft shrink`: cuts a failing run down to a small scenario file, writes
//! it, and checks that the file, run on its own, fails the same way.
//!
//! The search itself is `weft_scenarios::shrink`; this is its command line:
//! a progress bar on a terminal, the file, and a summary saying what was
//! kept and how to replay and explore it. Exit codes: 0 when a shrunk file
//! was written and confirmed; 2 for bad input, for a seed that violates
//! nothing (or not the `--property` asked for), and for a shrunk file that
//! does not reproduce its run (a bug in weft, reported as one).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use weft_scenarios::report::shell_word;
use weft_scenarios::shrink::{Progress, ShrinkOptions};

use crate::{ScenarioArgs, UsageError, progress_bar};

#[derive(clap::Args, Debug)]
pub(crate) struct ShrinkArgs {
    /// The failing run (the shrunk file has its `--set`s written in).
    #[command(flatten)]
    target: ScenarioArgs,
    /// Where to write the shrunk scenario (default:
    /// `NAME-seedN-shrunk.toml` in the current directory).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The property to keep failing (default: the expected violation if the
    /// scenario has one and it happened, else the first violation).
    #[arg(long, value_name = "NAME")]
    property: Option<String>,
    /// The most runs to make.
    #[arg(long, value_name = "N", default_value_t = weft_scenarios::shrink::ShrinkOptions::DEFAULT_MAX_RUNS,
          value_parser = clap::value_parser!(u32).range(2..))]
    max_runs: u32,
}

pub(crate) fn shrink(args: &ShrinkArgs) -> Result<ExitCode, UsageError> {
    let (scenario, seed) = args.target.open()?;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-seed{seed}-shrunk.toml", scenario.name)));
    // The search may take minutes: find out now, not after it, that the
    // file cannot be written (a missing directory, no permission). Opening
    // to append creates nothing that was not there, and changes nothing
    // that was.
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| UsageError::Io(format!("cannot write {}: {e}", path.display())))?;
    if !existed {
        let _ = std::fs::remove_file(&path);
    }
    out!("shrinking   {} with seed {seed}", scenario.name);

    let bar = progress_bar(u64::from(args.max_runs), "shrinking [{bar:30}] {pos}/{len} runs, {msg}");
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
    // "the 2 faults that fired, written out, replay", "the 1 fault ... replays".
    let (pinned, s) = match shrunk.faults_before {
        0 => ("no fault fired: the scenario without its faults".to_string(), "s"),
        1 => ("the 1 fault that fired, written out,".to_string(), "s"),
        n => (format!("the {n} faults that fired, written out,"), ""),
    };
    if shrunk.pinned_exactly {
        out!("pinned      {pinned} replay{s} the same run");
    } else {
        out!(
            "pinned      {pinned} violate{s} `{}` too, but in a run that differs from the original (shrunk from \
             there)",
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

/// A duration as scenario files write it, or "none" (run until quiet).
fn duration_text(duration: Option<Duration>) -> String {
    duration.map_or("none (until quiet)".into(), |d| format!("{d:?}"))
}

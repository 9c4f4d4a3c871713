//! `weft lincheck`: is a history linearizable? The work is `weft_check`
//! (the search, the models, the explanation); this is the command line:
//! reading the file, the budget flags, printing, and the exit code.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft_check::history::History;
use weft_check::{Budget, Model, Verdict, check_interruptible};

use crate::UsageError;

#[derive(clap::Args, Debug)]
pub struct LincheckArgs {
    /// The object the history is checked against: `register` (read,
    /// write), `cas-register` (read, write, cas) or `kv` (get, put, append
    /// on keys).
    #[arg(long, value_name = "MODEL")]
    model: Model,
    /// The history: JSON Lines, one event per line (docs/history-format.md);
    /// `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Give up (exit 3) after exploring this many states.
    #[arg(long, value_name = "N", default_value_t = Budget::DEFAULT.max_states)]
    max_states: u64,
    /// Give up (exit 3) when the memo of explored states takes this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = Budget::DEFAULT.max_memory_bytes >> 20)]
    max_memory: u64,
    /// Give up (exit 3) after this much wall time, e.g. `10s` or `500ms`.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<Duration>,
}

fn duration(text: &str) -> Result<Duration, String> {
    weft_sim::time::parse_duration(text).map_err(|e| e.message)
}

/// Runs `weft lincheck`: exit 0 linearizable, 1 not, 3 undecided (the
/// budget ran out), 2 for a file or flag that cannot be used.
pub fn lincheck(args: &LincheckArgs) -> Result<ExitCode, UsageError> {
    let name = args.file.display().to_string();
    let mut text = String::new();
    let read = if name == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(&args.file).map(|t| text = t)
    };
    read.map_err(|e| UsageError::Io(format!("cannot read {name}: {e}")))?;
    let history = History::from_json_lines(&text).map_err(|e| UsageError::Io(format!("{name}:{e}")))?;
    let budget =
        Budget { max_states: args.max_states, max_memory_bytes: args.max_memory.saturating_mul(1 << 20) };
    // The wall clock is read here, in the CLI: the checker itself only
    // counts states, so that inside a run its answer is deterministic.
    let deadline = args.timeout.map(|t| Instant::now() + t);
    let interrupt = || deadline.is_some_and(|d| Instant::now() >= d);
    let report = check_interruptible(&history, args.model, budget, &interrupt)
        .map_err(|e| UsageError::Io(format!("{name}: {e}")))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| UsageError::Io(e.to_string()))?;
        let _ = writeln!(out, "{json}");
    } else {
        let _ = writeln!(out, "{}", report.summary());
        match &report.verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable { violation } => {
                let _ = writeln!(out, "\n{}", violation.render().trim_end());
            }
            Verdict::Unknown { gave_up } => {
                let _ = writeln!(
                    out,
                    "gave up: {gave_up}. The history may or may not be linearizable; raise the budget \
                     (--max-states, --max-memory, --timeout) to decide it."
                );
            }
        }
    }
    Ok(match report.verdict {
        Verdict::Linearizable => ExitCode::SUCCESS,
        Verdict::NotLinearizable { .. } => ExitCode::from(1),
        Verdict::Unknown { .. } => ExitCode::from(3),
    })
}

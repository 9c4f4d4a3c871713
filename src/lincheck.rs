//! `weft lincheck`: checks a client history file for linearizability with
//! `weft-check`, and explains a violation on a timeline.
//!
//! Exit codes: 0 linearizable, 1 not, 2 bad input (the file, or a flag), 3
//! undecided (the search ran out of `--max-states`, memory or `--timeout`).

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft_check::history::History;
use weft_check::{Budget, CheckError, Model, Verdict, check_interruptible};

use crate::UsageError;

#[derive(clap::Args, Debug)]
pub struct LincheckArgs {
    /// The object the history is checked against: `register` (read, write),
    /// `cas-register` (read, write, cas) or `kv` (get, put, append on keys).
    #[arg(long, value_name = "MODEL", value_parser = model_parser())]
    model: Model,
    /// The history: JSON Lines, one event per line (docs/history-format.md);
    /// `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// The most configurations the search may explore before it gives up
    /// (the verdict is then unknown, exit 3).
    #[arg(long, value_name = "N", default_value_t = Budget::DEFAULT.max_states)]
    max_states: u64,
    /// Give up after this long (e.g. `10s`, `500ms`): the verdict is then
    /// unknown, exit 3.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    timeout: Option<Duration>,
}

fn model_parser() -> impl clap::builder::TypedValueParser<Value = Model> {
    let names: Vec<&'static str> = Model::ALL.iter().map(|m| m.name()).collect();
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names)
        .map(|name| name.parse::<Model>().expect("clap allows only the models' names"))
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    weft_sim::time::parse_duration(text).map_err(|e| e.message)
}

pub fn lincheck(args: &LincheckArgs) -> Result<ExitCode, UsageError> {
    let (shown, text) = read(&args.file)?;
    let history = History::from_json_lines(&text)
        .map_err(|e| UsageError::History(format!("{shown}:{}:{}: {}", e.line, e.column, e.message)))?;
    let budget = Budget { max_states: args.max_states, ..Budget::DEFAULT };
    // The wall clock is read here, in the CLI: the checker itself never
    // does (it also runs inside deterministic simulations).
    let deadline = args.timeout.map(|t| Instant::now() + t);
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    let report = check_interruptible(&history, args.model, budget, &out_of_time).map_err(|e| {
        let (line, column) = match e {
            CheckError::WrongModel { line, column, .. } => (line, column),
            CheckError::Malformed { line, .. } => (line, None),
        };
        // The error says "line N: …"; the location goes in front, as for
        // the file's other errors.
        let message = e.to_string();
        let message = message.split_once(": ").map_or(message.as_str(), |(_, m)| m).to_string();
        match column {
            Some(column) => UsageError::History(format!("{shown}:{line}:{column}: {message}")),
            None => UsageError::History(format!("{shown}:{line}: {message}")),
        }
    })?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| UsageError::Io(e.to_string()))?;
        out!("{json}");
    } else {
        out!("{}", report.summary());
        match &report.verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable { violation } => {
                out!("");
                crate::out_raw(&violation.render());
            }
            Verdict::Unknown { gave_up } => {
                out!("gave up: {gave_up}; raise --max-states or --timeout to decide this history");
            }
        }
    }
    Ok(ExitCode::from(match report.verdict {
        Verdict::Linearizable => 0,
        Verdict::NotLinearizable { .. } => 1,
        Verdict::Unknown { .. } => 3,
    }))
}

/// The file's name as errors show it, and its text.
fn read(path: &str) -> Result<(String, String), UsageError> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| UsageError::Io(format!("cannot read the history from standard input: {e}")))?;
        return Ok(("<stdin>".into(), text));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError::Io(format!("cannot read the history {path}: {e}")))?;
    Ok((path.to_string(), text))
}

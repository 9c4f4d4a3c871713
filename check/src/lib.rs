//! # weft-check: is this history linearizable?
//!
//! Clients of a replicated store record what they did: when each operation
//! was *invoked*, and when and how it *completed* (see [`history`]). From
//! the outside, that is all anyone can know about the store. This crate
//! answers one question about such a history: could a single, correct copy
//! of the object — one register, or one key-value map — have given exactly
//! these answers?
//!
//! ## Linearizability, in plain words
//!
//! A history is **linearizable** when every operation can be given a single
//! instant at which it *takes effect* (its linearization point), such that:
//!
//! 1. the point lies between the operation's invocation and its completion
//!    — an operation cannot take effect before it was asked for, nor after
//!    its client heard back;
//! 2. replaying the operations one at a time, in the order of their
//!    points, on a single copy of the object, gives every answer the
//!    clients actually got.
//!
//! So operations that overlap in time may be put in either order, but an
//! operation that completed before another began must come first. A read
//! that returns a value nobody wrote, or an old value after a newer one was
//! acknowledged and read, breaks linearizability: no order explains it.
//!
//! Operations whose outcome is unknown (a timeout: `info`, or never
//! completed) may take effect at any point after their invocation, or not
//! at all; failed operations (`fail`) did not take effect. See
//! `docs/history-format.md` for the file format and its exact rules.
//!
//! ## How the search works
//!
//! Trying every order is hopeless (a thousand operations have more orders
//! than there are atoms). The search ([Wing & Gong], with Lowe's
//! improvements, as in the Porcupine checker) builds an order from the
//! front, one operation at a time, and backtracks when it gets stuck:
//!
//! - walking the history's invocations and completions in real-time order,
//!   it tries to let the next invoked operation take effect *now*, if the
//!   object's current state allows its answer;
//! - when the walk reaches the completion of an operation that has not
//!   taken effect yet, that operation was due: the last choice was wrong,
//!   so the search undoes it and tries the next candidate;
//! - it remembers every *configuration* (which operations have taken
//!   effect, and the object's state) it has explored: two orders reaching
//!   the same configuration have the same futures, so the second is skipped.
//!   This memo is what makes real histories fast.
//!
//! A key-value history is checked one key at a time: keys are independent,
//! so the history is linearizable exactly when each key's part is (this
//! *partitioning* turns one big search into many small ones).
//!
//! When no order exists, the checker says where: the first completion at
//! which the history stops making sense, the smallest window of operations
//! around it that cannot be ordered, and what the object could hold at the
//! time ([`Violation`]). When the search exceeds its [`Budget`], it says
//! "unknown" rather than guess.
//!
//! [Wing & Gong]: https://doi.org/10.1016/0743-7315(93)90006-I
//!
//! ## Example
//!
//! ```
//! use weft_check::{Budget, Model, Verdict, check, history::History};
//!
//! // p0 writes 1; after it is acknowledged, p1 reads... 2, a value never written.
//! let history = History::from_json_lines(r#"
//! {"process": 0, "type": "invoke", "f": "write", "value": 1}
//! {"process": 0, "type": "ok", "f": "write", "value": 1}
//! {"process": 1, "type": "invoke", "f": "read"}
//! {"process": 1, "type": "ok", "f": "read", "value": 2}
//! "#)?;
//! let report = check(&history, Model::Register, Budget::DEFAULT)?;
//! let Verdict::NotLinearizable { violation } = &report.verdict else { panic!("2 was never written") };
//! assert_eq!(violation.operation.process, 1);
//! assert!(violation.reason.contains("returned 2"), "{}", violation.reason);
//! println!("{}", violation.render());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Architecture invariant: the crate never reads the wall clock, spawns a
//! thread or iterates a hash map; the same history and budget always give
//! the same verdict, explanation and state count. (It runs inside
//! deterministic simulations; a caller wanting a timeout passes an
//! interrupt callback, see [`check_interruptible`].)

pub mod history;

mod budget;
mod explain;
mod memo;
mod model;
mod operation;
mod search;
mod timeline;

use std::collections::BTreeSet;

use serde::Serialize;
use weft_sim::SimTime;

pub use budget::{Budget, GaveUp};
pub use model::{Model, UnknownModel};
pub use operation::{Operation, Outcome};

use crate::budget::Meter;
use crate::history::{Function, History, Value};
use crate::search::{End, Goal, Item, Problem, search};

/// A history the checker cannot read as the given model.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// An operation that is not one of the model's (a `get` in a register
    /// history, a `cas` in a plain register's).
    #[error("line {line}: `{}` is not an operation of the {model} model (it has {})",
        history::name(*f), model.functions().iter().map(|f| history::name(*f)).collect::<Vec<_>>().join(", "))]
    WrongModel {
        /// The event's line.
        line: usize,
        /// The column of its `f`, if the history was read from a file.
        column: Option<usize>,
        /// The operation.
        f: Function,
        /// The model asked for.
        model: Model,
    },
    /// A recorded history that breaks the format's rules (a file read by
    /// [`History::from_json_lines`] never does).
    #[error("line {line}: {message}")]
    Malformed {
        /// The event's line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The model checked against.
    pub model: Model,
    /// How many operations (invocations) the history has.
    pub operations: usize,
    /// How many distinct processes ran them.
    pub processes: usize,
    /// How many distinct keys (1 for a register).
    pub keys: usize,
    /// How many configurations the search explored, over every key.
    pub states_explored: u64,
    /// The answer.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Linearizable, not, or unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Some order explains every answer.
    Linearizable,
    /// No order does; here is where and why.
    NotLinearizable {
        /// The explanation.
        violation: Box<Violation>,
    },
    /// The budget ran out before the search could tell.
    Unknown {
        /// Which limit it reached.
        gave_up: GaveUp,
    },
}

/// Why a history is not linearizable: the operation that cannot be ordered,
/// and the smallest window around it that shows why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The key (key-value histories).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The operation at whose completion the history stops being
    /// linearizable: everything before can be ordered, this cannot.
    pub operation: Operation,
    /// The values the object could hold at the moments this operation could
    /// have taken effect (`None`: the budget ran out listing them).
    pub states: Option<Vec<Value>>,
    /// One sentence: why no order works.
    pub reason: String,
    /// The operations involved.
    pub window: Window,
}

/// A span of the history: the operations involved in a violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The line of the window's first invocation.
    pub start_line: usize,
    /// The line of the blocked operation's completion.
    pub end_line: usize,
    /// The time of the first invocation (ns), if the history has times.
    pub start_time: Option<u64>,
    /// The time of the blocked operation's completion (ns), if the history
    /// has times.
    pub end_time: Option<u64>,
    /// The operations, in invocation order. Operations of unknown outcome
    /// may have been invoked before the window starts.
    pub operations: Vec<Operation>,
}

impl Window {
    /// When the window opens, in virtual time (histories with times).
    pub fn start(&self) -> Option<SimTime> {
        self.start_time.map(SimTime::from_nanos)
    }

    /// When it closes: when the blocked operation completed.
    pub fn end(&self) -> Option<SimTime> {
        self.end_time.map(SimTime::from_nanos)
    }
}

impl Violation {
    /// One paragraph: where and why, for a run report or a log.
    pub fn message(&self) -> String {
        let w = &self.window;
        let span = match (w.start_time, w.end_time) {
            (Some(s), Some(e)) => format!(
                "lines {}-{}, {} to {}",
                w.start_line,
                w.end_line,
                timeline::human_ns(s),
                timeline::human_ns(e)
            ),
            _ => format!("lines {}-{}", w.start_line, w.end_line),
        };
        format!(
            "Not linearizable: {}. The window that cannot be ordered has {} operation{} ({span}).",
            self.reason,
            w.operations.len(),
            if w.operations.len() == 1 { "" } else { "s" }
        )
    }

    /// The window as a timeline: one row per process, a bar per operation,
    /// at most 80 columns wide.
    pub fn timeline(&self) -> String {
        timeline::draw(self, 80)
    }

    /// Everything, for a terminal: the message, the timeline, and each
    /// operation of the window with its lines (and times).
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut text = self.message();
        text.push_str("\n\n");
        text.push_str(&self.timeline());
        text.push('\n');
        for op in &self.window.operations {
            let at = |line: usize, time: Option<u64>| match time {
                Some(t) => format!("line {line} ({})", timeline::human_ns(t)),
                None => format!("line {line}"),
            };
            let ended = match (op.outcome, op.complete_line) {
                (Outcome::Open, _) | (_, None) => "never completed".to_string(),
                (outcome, Some(line)) => {
                    let name = match outcome {
                        Outcome::Ok => "ok",
                        Outcome::Fail => "fail",
                        _ => "info",
                    };
                    format!("{name} {}", at(line, op.complete_time))
                }
            };
            let mark = if *op == self.operation { "=" } else { " " };
            let _ = writeln!(
                text,
                "{mark} p{:<4} {:<24} invoked {}, {ended}",
                op.process,
                op.label(),
                at(op.invoke_line, op.invoke_time)
            );
        }
        text
    }
}

impl Report {
    /// True if the history is linearizable.
    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }

    /// One paragraph, whatever the verdict: the summary, the violation's
    /// [`message`](Violation::message), or why the check gave up. What a
    /// run report shows; the virtual time of a violation is
    /// `violation.window.end()`.
    ///
    /// ```
    /// use weft_check::{Budget, Model, check, history::History};
    ///
    /// let history = History::from_json_lines(r#"
    /// {"process": 0, "type": "invoke", "f": "put", "key": "k", "value": "a", "time": 1000}
    /// {"process": 0, "type": "ok", "f": "put", "key": "k", "value": "a", "time": 2000}
    /// {"process": 1, "type": "invoke", "f": "get", "key": "k", "time": 3000}
    /// {"process": 1, "type": "ok", "f": "get", "key": "k", "value": null, "time": 4000}
    /// "#)?;
    /// let report = check(&history, Model::Kv, Budget { max_states: 100_000, ..Budget::DEFAULT })?;
    /// assert!(report.message().starts_with("Not linearizable: get → null on key \"k\" by p1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn message(&self) -> String {
        match &self.verdict {
            Verdict::Linearizable => format!("{}.", self.summary()),
            Verdict::NotLinearizable { violation } => violation.message(),
            Verdict::Unknown { gave_up } => format!("{}: {gave_up}.", self.summary()),
        }
    }

    /// One line: the verdict and the history's size.
    pub fn summary(&self) -> String {
        let verdict = match &self.verdict {
            Verdict::Linearizable => "linearizable".to_string(),
            Verdict::NotLinearizable { .. } => "NOT linearizable".to_string(),
            Verdict::Unknown { .. } => "unknown (gave up)".to_string(),
        };
        let count =
            |n: u64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
        let keys = match self.model {
            Model::Kv => format!(" on {}", count(self.keys as u64, "key", "keys")),
            _ => String::new(),
        };
        format!(
            "{verdict}: {} by {}{keys} ({}); {} explored",
            count(self.operations as u64, "operation", "operations"),
            count(self.processes as u64, "process", "processes"),
            self.model,
            count(self.states_explored, "state", "states")
        )
    }
}

/// Checks `history` against `model`, within `budget`.
///
/// The result is deterministic: the same history, model and budget give the
/// same report, state count included. Errors are for histories that do not
/// fit the model (a `get` in a register history).
pub fn check(history: &History, model: Model, budget: Budget) -> Result<Report, CheckError> {
    run(history, model, budget, None)
}

/// [`check`], also calling `interrupt` every few thousand steps of the
/// search and giving up ([`GaveUp::Interrupted`]) when it returns true.
/// This is how a caller imposes a wall-clock timeout without the checker
/// reading the clock:
///
/// ```
/// use std::time::{Duration, Instant};
/// use weft_check::{Budget, Model, check_interruptible, history::History};
///
/// let deadline = Instant::now() + Duration::from_secs(10);
/// let history = History::default();
/// let report = check_interruptible(&history, Model::Kv, Budget::DEFAULT, &|| Instant::now() > deadline)?;
/// assert!(report.is_linearizable(), "nothing happened, linearizably");
/// # Ok::<(), weft_check::CheckError>(())
/// ```
pub fn check_interruptible(
    history: &History,
    model: Model,
    budget: Budget,
    interrupt: &dyn Fn() -> bool,
) -> Result<Report, CheckError> {
    run(history, model, budget, Some(interrupt))
}

fn run(
    history: &History,
    model: Model,
    budget: Budget,
    interrupt: Option<&dyn Fn() -> bool>,
) -> Result<Report, CheckError> {
    let ops = operation::operations(history, model)?;
    let mut parts = operation::partitions(&ops, model)?;
    let processes = ops.all.iter().map(|o| o.process).collect::<BTreeSet<_>>().len();
    let mut meter = Meter::new(budget, interrupt);
    // The failing keys.
    let mut failures: Vec<usize> = Vec::new();
    let mut gave_up = None;
    for (index, part) in parts.iter_mut().enumerate() {
        let items = (0..part.ops.len())
            .map(|j| Item {
                action: part.actions[j],
                call: part.call[j],
                ret: part.ret[j],
                required: part.ret[j].is_some(),
            })
            .collect();
        let outcome = search(&Problem::new(items), &mut part.machine, Goal::Linearize, &mut meter);
        match outcome.end {
            End::Linearized => {}
            End::Exhausted => failures.push(index),
            End::GaveUp(why) => {
                gave_up = Some(why);
                break;
            }
        }
    }
    let states_explored = meter.states;
    // Of several failing keys, explain the one that fails earliest.
    let allowance = explain::Allowance { budget, checked_states: states_explored, interrupt };
    let earliest = failures
        .into_iter()
        .map(|index| (explain::first_failure(&mut parts[index], &allowance), index))
        .min_by_key(|&((k, _), index)| (k, index));
    let verdict = match earliest {
        Some((failure, index)) => {
            let violation = explain::explain(&ops, &mut parts[index], model, failure, &allowance);
            Verdict::NotLinearizable { violation: Box::new(violation) }
        }
        None => match gave_up {
            Some(gave_up) => Verdict::Unknown { gave_up },
            None => Verdict::Linearizable,
        },
    };
    Ok(Report { model, operations: ops.all.len(), processes, keys: parts.len(), states_explored, verdict })
}

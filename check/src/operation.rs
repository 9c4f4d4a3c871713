//! From a history's events to operations, and from operations to the
//! search's problems, one per key.
//!
//! An operation is an invocation paired with its completion (by the same
//! process). What the checker does with it depends on how it ended:
//!
//! - `ok`: it took effect, exactly once, somewhere between its invocation
//!   and its completion. It is *required*.
//! - `fail`: it did not take effect. It is dropped.
//! - `info`, or never completed (*open*): it may have taken effect at any
//!   time after its invocation — even after the history ends — or not at
//!   all. It is kept, *optional*, with no completion to respect. A read
//!   whose outcome is unknown constrains nothing and is dropped.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::CheckError;
use crate::history::{EventType, Function, History, Value};
use crate::model::{Action, Machine, Model, Plain, State};

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It took effect, with the result shown.
    Ok,
    /// It did not take effect.
    Fail,
    /// Unknown: it may or may not have taken effect.
    Info,
    /// It never completed (unknown, like `info`).
    Open,
}

/// One operation of a history: an invocation and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Operation {
    /// The process (client) that ran it.
    pub process: u32,
    /// What it did.
    pub f: Function,
    /// Its key (key-value operations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What it wrote (write, put, append), its pair `[expected, new]`
    /// (cas), or what it read (a read or get that completed `ok`; null
    /// otherwise).
    pub value: Value,
    /// For a cas that completed `ok`: whether it swapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swapped: Option<bool>,
    /// How it ended.
    pub outcome: Outcome,
    /// The line of its invocation.
    pub invoke_line: usize,
    /// The line of its completion, if it completed.
    pub complete_line: Option<usize>,
    /// When it was invoked (ns), if the history has times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_time: Option<u64>,
    /// When it completed (ns), if it did and the history has times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_time: Option<u64>,
}

impl Operation {
    /// A short description without the process or key: `write 1`,
    /// `read → null`, `cas 1→2 swapped`, `append "x"`, with `?` when its
    /// outcome is unknown.
    pub fn label(&self) -> String {
        let v = |v: &Value| serde_json::to_string(v).unwrap_or_default();
        let mut label = match (self.f, &self.value) {
            (Function::Read | Function::Get, value) if self.outcome == Outcome::Ok => {
                format!("{} → {}", crate::history::name(self.f), v(value))
            }
            (Function::Read | Function::Get, _) => crate::history::name(self.f).to_string(),
            (Function::Cas, Value::Pair([from, to])) => {
                let (from, to) =
                    (v(&from.map_or(Value::Null, Value::Int)), v(&to.map_or(Value::Null, Value::Int)));
                match self.swapped {
                    Some(true) => format!("cas {from}→{to} swapped"),
                    Some(false) => format!("cas {from}→{to} refused"),
                    None => format!("cas {from}→{to}"),
                }
            }
            (f, value) => format!("{} {}", crate::history::name(f), v(value)),
        };
        if matches!(self.outcome, Outcome::Info | Outcome::Open) {
            label.push_str(" ?");
        }
        label
    }
}

/// `read → 3 by p2`, `put "x" to "k1" by p0 (info)`.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.label();
        let label = label.strip_suffix(" ?").unwrap_or(&label);
        write!(f, "{label}")?;
        if let Some(key) = &self.key {
            write!(f, " on key {key:?}")?;
        }
        write!(f, " by p{}", self.process)?;
        match self.outcome {
            Outcome::Info => write!(f, " (info: unknown outcome)"),
            Outcome::Open => write!(f, " (never completed)"),
            Outcome::Fail => write!(f, " (failed)"),
            Outcome::Ok => Ok(()),
        }
    }
}

/// The operations of a history, with each event's place in real-time order.
#[derive(Debug)]
pub(crate) struct Operations {
    pub(crate) all: Vec<Operation>,
    /// Each operation's invocation and completion, as positions in
    /// real-time order (see [`order`]).
    pub(crate) call: Vec<u32>,
    pub(crate) ret: Vec<Option<u32>>,
}

/// Pairs up invocations and completions, checking that every operation fits
/// `model`.
pub(crate) fn operations(history: &History, model: Model) -> Result<Operations, CheckError> {
    let positions = order(history);
    let mut ops = Operations { all: Vec::new(), call: Vec::new(), ret: Vec::new() };
    let mut open: BTreeMap<u32, usize> = BTreeMap::new();
    for (index, timed) in history.events().iter().enumerate() {
        let e = &timed.event;
        let line = history.source_line(index);
        let malformed = |message: String| CheckError::Malformed { line, message };
        if !model.functions().contains(&e.f) {
            return Err(CheckError::WrongModel { line, column: history.f_column(index), f: e.f, model });
        }
        if model == Model::Kv && e.key.is_none() {
            return Err(malformed(format!("a {} needs a key", crate::history::name(e.f))));
        }
        if e.kind == EventType::Invoke {
            if open.contains_key(&e.process) {
                return Err(malformed(format!("process {} invokes while an operation is open", e.process)));
            }
            open.insert(e.process, ops.all.len());
            ops.all.push(Operation {
                process: e.process,
                f: e.f,
                key: e.key.clone(),
                value: e.value.clone(),
                swapped: None,
                outcome: Outcome::Open,
                invoke_line: line,
                complete_line: None,
                invoke_time: timed.time,
                complete_time: None,
            });
            ops.call.push(positions[index]);
            ops.ret.push(None);
            continue;
        }
        let Some(i) = open.remove(&e.process) else {
            return Err(malformed(format!("process {} completes an operation it never invoked", e.process)));
        };
        let op = &mut ops.all[i];
        if op.f != e.f || op.key != e.key {
            return Err(malformed(format!(
                "process {} completes another operation than it invoked",
                e.process
            )));
        }
        op.outcome = match e.kind {
            EventType::Ok => Outcome::Ok,
            EventType::Fail => Outcome::Fail,
            _ => Outcome::Info,
        };
        op.complete_line = Some(line);
        op.complete_time = timed.time;
        if op.outcome == Outcome::Ok {
            match op.f {
                Function::Read | Function::Get => op.value = e.value.clone(),
                Function::Cas => {
                    op.swapped =
                        Some(e.swapped.ok_or_else(|| malformed("a cas's ok needs `swapped`".into()))?)
                }
                _ => {}
            }
            ops.ret[i] = Some(positions[index]);
        }
    }
    Ok(ops)
}

/// Each event's position in real-time order. Without times on every event,
/// that is the order of the events (times on some are only shown). With
/// times on all, events at the *same* time are concurrent: neither happened
/// before the other, so calls are put before returns (the operations
/// overlap) and a checker never counts on an order the clock did not see.
fn order(history: &History) -> Vec<u32> {
    let events = history.events();
    if events.iter().any(|e| e.time.is_none()) {
        return (0..events.len()).map(|i| u32::try_from(i).expect("fewer than 2^32 events")).collect();
    }
    let mut sorted: Vec<usize> = (0..events.len()).collect();
    sorted.sort_by_key(|&i| {
        let completion = events[i].event.kind != EventType::Invoke;
        (events[i].time.unwrap_or(i as u64), completion, i)
    });
    let mut positions = vec![0u32; events.len()];
    for (position, &i) in sorted.iter().enumerate() {
        positions[i] = u32::try_from(position).expect("fewer than 2^32 events");
    }
    positions
}

/// The operations of one key (or of the one register), ready to search.
#[derive(Debug)]
pub(crate) struct Partition {
    pub(crate) key: Option<String>,
    /// The values of this partition.
    pub(crate) machine: Machine,
    /// Indices into [`Operations::all`] of the operations the search needs
    /// (failed operations and reads of unknown outcome are left out).
    pub(crate) ops: Vec<usize>,
    /// Their actions, calls and returns (`None`: info or open).
    pub(crate) actions: Vec<Action>,
    pub(crate) call: Vec<u32>,
    pub(crate) ret: Vec<Option<u32>>,
}

/// Splits the operations by key (a register history is one partition),
/// in the order of each key's first appearance.
pub(crate) fn partitions(ops: &Operations, model: Model) -> Result<Vec<Partition>, CheckError> {
    let mut by_key: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    let mut parts: Vec<Partition> = Vec::new();
    for (i, op) in ops.all.iter().enumerate() {
        let key = if model == Model::Kv { op.key.as_deref() } else { None };
        let part = *by_key.entry(key).or_insert_with(|| {
            parts.push(Partition {
                key: key.map(str::to_string),
                machine: Machine::new(model),
                ops: Vec::new(),
                actions: Vec::new(),
                call: Vec::new(),
                ret: Vec::new(),
            });
            parts.len() - 1
        });
        let unknown = matches!(op.outcome, Outcome::Info | Outcome::Open);
        let reads = matches!(op.f, Function::Read | Function::Get);
        if op.outcome == Outcome::Fail || (unknown && reads) {
            continue;
        }
        let p = &mut parts[part];
        let action = action(op, &mut p.machine).map_err(|message| CheckError::Malformed {
            line: op.complete_line.unwrap_or(op.invoke_line),
            message,
        })?;
        p.ops.push(i);
        p.actions.push(action);
        p.call.push(ops.call[i]);
        p.ret.push(ops.ret[i]);
    }
    for part in &mut parts {
        drop_unseen(part);
        mark_unread_appends(part);
    }
    Ok(parts)
}

/// The values the partition's completed reads (and gets) returned.
fn completed_reads(part: &Partition) -> Vec<State> {
    part.actions
        .iter()
        .zip(&part.ret)
        .filter_map(|(a, ret)| match (a, ret) {
            (Action::Read { expect }, Some(_)) => Some(*expect),
            _ => None,
        })
        .collect()
}

/// Drops the operations of unknown outcome that no read could ever have
/// seen: a timed-out write of a value nobody read, an append of text no get
/// contains. Applying one can only matter if something sees its effect, and
/// nothing can; and since it may also never have happened, leaving it out
/// changes no verdict — while keeping it makes the search try it at every
/// turn. (With a cas that did not swap in the history, any value might
/// help it — by not being its expected one — so then writes are kept.)
fn drop_unseen(part: &mut Partition) {
    let reads = completed_reads(part);
    let mut expected = Vec::new();
    let mut refused = false;
    for action in &part.actions {
        match action {
            Action::Cas { expect, swapped: Some(true), .. } => expected.push(*expect),
            Action::Cas { swapped: Some(false), .. } => refused = true,
            _ => {}
        }
    }
    let machine = &part.machine;
    let seen = |value: State| refused || reads.contains(&value) || expected.contains(&value);
    let keep: Vec<bool> = (0..part.ops.len())
        .map(|j| {
            if part.ret[j].is_some() {
                return true;
            }
            match part.actions[j] {
                Action::Write { value } if machine.appends() => {
                    reads.iter().any(|&r| machine.could_grow_into(value, r))
                }
                Action::Write { value } => seen(value),
                Action::Cas { expect, new, .. } => expect != new && seen(new),
                Action::Append { suffix } => reads.iter().any(|&r| machine.contains(r, suffix)),
                Action::Read { .. } => true,
            }
        })
        .collect();
    let mut j = 0;
    part.ops.retain(|_| (keep[j], j += 1).0);
    let mut j = 0;
    part.actions.retain(|_| (keep[j], j += 1).0);
    let mut j = 0;
    part.call.retain(|_| (keep[j], j += 1).0);
    let mut j = 0;
    part.ret.retain(|_| (keep[j], j += 1).0);
}

/// Tells the machine which appends' texts no completed get contains (see
/// [`Machine::mark_unread`]).
fn mark_unread_appends(part: &mut Partition) {
    if !part.machine.appends() {
        return;
    }
    let reads = completed_reads(part);
    for j in 0..part.actions.len() {
        if let Action::Append { suffix } = part.actions[j]
            && !reads.iter().any(|&r| part.machine.contains(r, suffix))
        {
            part.machine.mark_unread(suffix);
        }
    }
}

/// The operation's effect, with its values interned.
fn action(op: &Operation, machine: &mut Machine) -> Result<Action, String> {
    let plain = |value: &Value| match value {
        Value::Null => Ok(Plain::Absent),
        Value::Int(i) => Ok(Plain::Int(*i)),
        Value::Text(s) => Ok(Plain::Text(s.clone())),
        Value::Pair(_) => Err(format!("a {} takes a single value, not a pair", crate::history::name(op.f))),
    };
    Ok(match op.f {
        Function::Read | Function::Get => Action::Read { expect: machine.intern(plain(&op.value)?) },
        Function::Write | Function::Put => Action::Write { value: machine.intern(plain(&op.value)?) },
        Function::Append => Action::Append { suffix: machine.intern(plain(&op.value)?) },
        Function::Cas => {
            let Value::Pair([expect, new]) = op.value else {
                return Err("a cas needs a pair [expected, new]".into());
            };
            // A null expected value: "swap if absent".
            let plain = |v: Option<i64>| v.map_or(Plain::Absent, Plain::Int);
            Action::Cas {
                expect: machine.intern(plain(expect)),
                new: machine.intern(plain(new)),
                swapped: op.swapped,
            }
        }
    })
}

//! Client histories: what each client asked, and what it was told.
//!
//! A history is the raw material of a linearizability check (Jepsen's,
//! Knossos', Porcupine's): for every operation, when the client *invoked* it
//! and how it *completed*:
//!
//! - `ok`: it happened, and here is its result;
//! - `fail`: it definitely did not happen (the server refused it);
//! - `info`: nobody knows (a timeout: the request or its answer may have
//!   been lost, and the write may or may not have been applied).
//!
//! Clients emit [`HistoryEvent`]s as observations; a checker collects them
//! into a [`History`], stamped with the virtual time of each. Each event
//! serializes as one JSON object in the history format of weft's checker
//! (`docs/history-format.md`):
//! `{"process": 3, "type": "invoke", "f": "put", "key": "k1", "value": "v7", "time": 1200000}`.
//! [`History::from_json_lines`] reads that format back, checking everything
//! a file can get wrong.

mod parse;

pub use parse::HistoryError;
pub(crate) use parse::name;

use serde::{Deserialize, Serialize};
use weft_sim::SimTime;

/// Whether an event starts an operation or ends it, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// The client sent the operation.
    Invoke,
    /// It took effect, with this result.
    Ok,
    /// It definitely did not take effect.
    Fail,
    /// Its outcome is unknown (a timeout).
    Info,
}

/// The operation's function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// Read a register.
    Read,
    /// Write a register.
    Write,
    /// Compare-and-set a register.
    Cas,
    /// Read a key.
    Get,
    /// Write a key.
    Put,
    /// Append to a key.
    Append,
}

/// A value in a history: absent (`null`), a number, a string, or a pair
/// (a compare-and-set's expected and new values).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No value: a read of an absent key, or an invocation of a read.
    Null,
    /// A number.
    Int(i64),
    /// A string.
    Text(String),
    /// Expected and new value of a compare-and-set. The expected value may
    /// be `null`: "swap if absent" (a register starts absent); the new one
    /// is always an integer.
    Pair([Option<i64>; 2]),
}

/// One event of a client's history, as the client emits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// The client (a process, in Jepsen's words): one operation at a time.
    pub process: u32,
    /// Invoke, or how it completed.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// What the operation does.
    pub f: Function,
    /// The key, for key-value operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value written, or read (on `ok`).
    pub value: Value,
    /// For a compare-and-set's `ok`: whether it swapped (`false`: the
    /// register did not hold the expected value, and nothing changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swapped: Option<bool>,
}

/// Field by field, as a derived `Hash` would, except that `swapped` counts
/// only when present: runs hash their observations, and a field that nobody
/// set must not change the hash of runs recorded before it existed.
impl std::hash::Hash for HistoryEvent {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.process.hash(state);
        self.kind.hash(state);
        self.f.hash(state);
        self.key.hash(state);
        self.value.hash(state);
        if let Some(swapped) = self.swapped {
            swapped.hash(state);
        }
    }
}

/// A [`HistoryEvent`] with the virtual time it happened at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedEvent {
    /// The event.
    #[serde(flatten)]
    pub event: HistoryEvent,
    /// When, in nanoseconds of virtual time. Always there in a recorded
    /// history; a history file may leave times out, on any event (then the
    /// order of the lines is all a checker knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
}

/// Every client's events, in the order they happened.
///
/// ```
/// use weft_check::history::{EventType, Function, History, HistoryEvent, Value};
/// use weft_sim::SimTime;
///
/// let mut history = History::default();
/// let put = |kind| HistoryEvent {
///     process: 0, kind, f: Function::Put, key: Some("k".into()), value: Value::Text("v".into()),
///     swapped: None,
/// };
/// history.record(SimTime::from_millis(1), put(EventType::Invoke));
/// history.record(SimTime::from_millis(3), put(EventType::Ok));
/// assert_eq!(history.len(), 2);
/// assert!(history.open_operations().is_empty());
/// assert_eq!(
///     history.to_json_lines(),
///     "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"v\",\"time\":1000000}\n\
///      {\"process\":0,\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"value\":\"v\",\"time\":3000000}\n"
/// );
/// // The format reads back to the same history.
/// assert_eq!(History::from_json_lines(&history.to_json_lines()), Ok(history));
/// ```
#[derive(Clone, Debug, Default)]
pub struct History {
    events: Vec<TimedEvent>,
    /// The file line of each event, when the history was read from a file
    /// (empty when it was recorded).
    lines: Vec<usize>,
    /// The column of each event's `f` in its line (likewise).
    f_columns: Vec<usize>,
}

/// Two histories are equal when their events are, wherever they came from.
impl PartialEq for History {
    fn eq(&self, other: &History) -> bool {
        self.events == other.events
    }
}

impl Eq for History {}

impl History {
    /// Records `event` at `time`.
    ///
    /// A process runs one operation at a time: it completes what it invoked
    /// before invoking again, and never completes what it did not invoke.
    pub fn record(&mut self, time: SimTime, event: HistoryEvent) {
        debug_assert!(
            self.events.last().is_none_or(|e| e.time <= Some(time.as_nanos())),
            "history events arrive in time order"
        );
        debug_assert_eq!(
            self.is_open(event.process),
            event.kind != EventType::Invoke,
            "process {} must alternate invoke and completion",
            event.process
        );
        debug_assert_eq!(
            event.swapped.is_some(),
            event.f == Function::Cas && event.kind == EventType::Ok,
            "exactly a compare-and-set's ok says whether it swapped"
        );
        debug_assert!(self.lines.is_empty(), "a history read from a file is not recorded into");
        self.events.push(TimedEvent { event, time: Some(time.as_nanos()) });
    }

    /// The events, in order.
    pub fn events(&self) -> &[TimedEvent] {
        &self.events
    }

    /// The line of the file event `index` came from (1-based); for a
    /// recorded history, simply `index + 1`.
    pub fn source_line(&self, index: usize) -> usize {
        self.lines.get(index).copied().unwrap_or(index + 1)
    }

    /// The column of event `index`'s `f` in its file line (1-based), if
    /// the history was read from a file: where an error about the operation
    /// points.
    pub fn f_column(&self, index: usize) -> Option<usize> {
        self.f_columns.get(index).copied()
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True if no client did anything.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// True if `process` has invoked an operation that has not completed.
    pub fn is_open(&self, process: u32) -> bool {
        self.events
            .iter()
            .rev()
            .find(|e| e.event.process == process)
            .is_some_and(|e| e.event.kind == EventType::Invoke)
    }

    /// The processes whose last operation never completed (a checker treats
    /// them as `info`: they may or may not have happened).
    pub fn open_operations(&self) -> Vec<u32> {
        let mut last = std::collections::BTreeMap::new();
        for e in &self.events {
            last.insert(e.event.process, e.event.kind);
        }
        last.into_iter().filter(|(_, kind)| *kind == EventType::Invoke).map(|(p, _)| p).collect()
    }

    /// Reads a history in weft's history format (`docs/history-format.md`):
    /// JSON Lines, one event per line in real-time order; blank lines are
    /// skipped.
    ///
    /// Everything a file can get wrong is an error at its line and column:
    /// bad JSON, an unknown field, `type` or `f`, a key-value operation
    /// without a `key` (or a register operation with one), a missing or
    /// ill-typed `value` or `swapped`, a completion with no open invocation
    /// of its process (or of another function or key), a second invocation
    /// while the process has one open, or times that go backwards. Times
    /// are optional, event by event.
    ///
    /// ```
    /// use weft_check::history::History;
    ///
    /// let file = r#"{"process": 0, "type": "invoke", "f": "write", "value": 1}
    /// {"process": 0, "type": "ok", "f": "write", "value": 1}
    /// {"process": 1, "type": "ok", "f": "read", "value": 1}"#;
    /// let error = History::from_json_lines(file).expect_err("process 1 never invoked");
    /// assert_eq!((error.line, error.column), (3, 24));
    /// assert!(error.message.contains("never invoked"), "{error}");
    /// ```
    pub fn from_json_lines(text: &str) -> Result<History, HistoryError> {
        parse::parse(text)
    }

    /// The history in weft's history format: JSON Lines, one event per line.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            // Plain derived data with string keys always serializes.
            out.push_str(&serde_json::to_string(e).expect("a history event serializes"));
            out.push('\n');
        }
        out
    }
}

//! Reading a history file: JSON Lines, one event per line, every mistake
//! reported with its line and column and what was expected there.
//!
//! Each line is read in two steps. serde_json first splits the object into
//! its fields, keeping each field's raw text (so a later complaint about a
//! value can point at that value's column); then each field is decoded and
//! checked against the others and against what came before: a completion
//! needs an open invocation by the same process, a process invokes one
//! operation at a time, times never go backwards.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{EventType, Function, History, HistoryEvent, TimedEvent, Value};

/// A history file that cannot be read: where, and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct HistoryError {
    /// 1-based line of the file.
    pub line: usize,
    /// 1-based column (in characters) of the offending part of the line.
    pub column: usize,
    /// What is wrong, and what was expected.
    pub message: String,
}

/// The fields of one line, each as its raw JSON text. A field that is
/// absent is `None`; one that is `null` is `Some("null")`, so the two can be
/// told apart.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an event object, such as {\"process\": 0, \"type\": \"invoke\", \"f\": \"read\"}"
)]
struct RawEvent<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    process: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present", rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    f: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    key: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    swapped: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    time: Option<&'a RawValue>,
}

/// A field that is there (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

/// An invocation waiting for its completion.
struct Open {
    line: usize,
    f: Function,
    key: Option<String>,
    value: Value,
}

/// Reads a whole file; see [`History::from_json_lines`].
pub(super) fn parse(text: &str) -> Result<History, HistoryError> {
    let mut reader = Reader::default();
    // A byte-order mark (some Windows editors write one) is not part of the
    // first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            reader.line(index + 1, line)?;
        }
    }
    Ok(reader.history)
}

#[derive(Default)]
struct Reader {
    history: History,
    open: BTreeMap<u32, Open>,
    /// The last time seen.
    last_time: Option<u64>,
}

/// One line being read: its text and number, for locating errors.
struct Line<'a> {
    number: usize,
    text: &'a str,
}

impl Line<'_> {
    /// An error at the start of `raw`, which must be a slice of this line.
    fn at(&self, raw: &RawValue, message: impl Into<String>) -> HistoryError {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        self.at_offset(offset, message)
    }

    /// An error about the line as a whole: at its first non-blank character.
    fn whole(&self, message: impl Into<String>) -> HistoryError {
        let offset = self.text.len() - self.text.trim_start().len();
        self.at_offset(offset, message)
    }

    fn at_offset(&self, offset: usize, message: impl Into<String>) -> HistoryError {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        HistoryError { line: self.number, column: before.chars().count() + 1, message: message.into() }
    }

    /// serde_json's error, at its column (serde counts bytes; we count
    /// characters), without the "at line 1 column 7" it appends.
    fn json_error(&self, error: &serde_json::Error) -> HistoryError {
        let text = error.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        self.at_offset(error.column().saturating_sub(1), message)
    }

    /// Decodes a field's raw text as `T`; `what` says what was expected.
    fn decode<T: DeserializeOwned>(&self, raw: &RawValue, what: &str) -> Result<T, HistoryError> {
        serde_json::from_str(raw.get())
            .map_err(|_| self.at(raw, format!("expected {what}, found {}", raw.get())))
    }

    /// [`Line::decode`] for a field whose integers must lie in `range`:
    /// an integer outside it is said to be out of range, rather than not
    /// what was expected.
    fn decode_in<T: DeserializeOwned>(
        &self,
        raw: &RawValue,
        what: &str,
        range: (i128, i128),
    ) -> Result<T, HistoryError> {
        self.decode(raw, what).map_err(|error| match out_of_range(raw.get(), range) {
            Some(integer) => self
                .at(raw, format!("{integer} is out of range ({} to {}): expected {what}", range.0, range.1)),
            None => error,
        })
    }

    fn required<'r>(
        &self,
        raw: Option<&'r RawValue>,
        field: &str,
        what: &str,
    ) -> Result<&'r RawValue, HistoryError> {
        raw.ok_or_else(|| self.whole(format!("missing `{field}` ({what})")))
    }
}

const TYPES: &str = "\"invoke\", \"ok\", \"fail\" or \"info\"";
const FUNCTIONS: &str =
    "\"read\", \"write\", \"cas\" (registers) or \"get\", \"put\", \"append\" (key-value)";

impl Reader {
    fn line(&mut self, number: usize, text: &str) -> Result<(), HistoryError> {
        let line = Line { number, text };
        // (serde would also read a struct from an array, by position.)
        if !text.trim_start().starts_with('{') {
            return Err(line.whole(
                "expected an event object, such as {\"process\": 0, \"type\": \"invoke\", \"f\": \"read\"}",
            ));
        }
        let raw: RawEvent<'_> = serde_json::from_str(text).map_err(|e| line.json_error(&e))?;

        let process_raw = line.required(raw.process, "process", "the client's number")?;
        let process: u32 =
            line.decode_in(process_raw, "a process number (a non-negative integer)", (0, u32::MAX.into()))?;
        let kind_raw = line.required(raw.kind, "type", TYPES)?;
        let kind: EventType = line.decode(kind_raw, TYPES)?;
        let f_raw = line.required(raw.f, "f", FUNCTIONS)?;
        let f: Function = line.decode(f_raw, FUNCTIONS)?;
        let key = self.key(&line, f, raw.key)?;
        let time = self.time(&line, raw.time)?;

        // A completion must match its invocation; an invocation must not
        // overlap the process's previous operation.
        let open = match kind {
            EventType::Invoke => {
                if let Some(open) = self.open.get(&process) {
                    return Err(line.at(
                        kind_raw,
                        format!(
                            "process {process} invokes again while its {} from line {} is still open \
                             (a process runs one operation at a time)",
                            name(open.f),
                            open.line
                        ),
                    ));
                }
                None
            }
            _ => {
                let Some(open) = self.open.remove(&process) else {
                    return Err(line.at(
                        kind_raw,
                        format!("process {process} completes an operation it never invoked (no open invoke)"),
                    ));
                };
                if open.f != f {
                    return Err(line.at(
                        f_raw,
                        format!(
                            "process {process} invoked a {} on line {} but completes a {}",
                            name(open.f),
                            open.line,
                            name(f)
                        ),
                    ));
                }
                if open.key != key {
                    let shown = |k: &Option<String>| k.as_deref().map_or("none".into(), |k| format!("{k:?}"));
                    return Err(line.at(
                        raw.key.unwrap_or(f_raw),
                        format!(
                            "process {process} invoked on key {} (line {}) but completes on key {}",
                            shown(&open.key),
                            open.line,
                            shown(&key)
                        ),
                    ));
                }
                Some(open)
            }
        };

        let value = value(&line, kind, f, raw.value, open.as_ref())?;
        let swapped = swapped(&line, kind, f, raw.swapped)?;

        if kind == EventType::Invoke {
            self.open.insert(process, Open { line: number, f, key: key.clone(), value: value.clone() });
        }
        let event = HistoryEvent { process, kind, f, key, value, swapped };
        self.history.events.push(TimedEvent { event, time });
        self.history.lines.push(number);
        self.history.f_columns.push(line.at(f_raw, "").column);
        Ok(())
    }

    fn key(
        &self,
        line: &Line<'_>,
        f: Function,
        raw: Option<&RawValue>,
    ) -> Result<Option<String>, HistoryError> {
        let keyed = matches!(f, Function::Get | Function::Put | Function::Append);
        match (keyed, raw) {
            (true, None) => Err(line.whole(format!("missing `key`: a {} names the key it is about", name(f)))),
            (true, Some(raw)) => line.decode(raw, "a key (a string)").map(Some),
            (false, None) => Ok(None),
            (false, Some(raw)) => Err(line.at(
                raw,
                format!(
                    "a {} is a register operation and has no `key` (key-value histories use get, put, append)",
                    name(f)
                ),
            )),
        }
    }

    /// The event's time, if it has one. Times are optional, event by event
    /// (the order of the lines is the real-time order); those given never
    /// go backwards.
    fn time(&mut self, line: &Line<'_>, raw: Option<&RawValue>) -> Result<Option<u64>, HistoryError> {
        let Some(raw) = raw else { return Ok(None) };
        let now: u64 =
            line.decode_in(raw, "a time in nanoseconds (a non-negative integer)", (0, u64::MAX.into()))?;
        if let Some(last) = self.last_time
            && now < last
        {
            return Err(line.at(
                raw,
                format!("time goes backwards: {now} ns after {last} ns (events are in real-time order)"),
            ));
        }
        self.last_time = Some(now);
        Ok(Some(now))
    }
}

/// The event's value, checked against its function and type: a read's
/// invocation has none and its `ok` has the value read; a write, put or
/// append always carries its value, a cas its pair `[expected, new]` (on a
/// completion it may be left out, and must otherwise repeat the invocation's).
fn value(
    line: &Line<'_>,
    kind: EventType,
    f: Function,
    raw: Option<&RawValue>,
    open: Option<&Open>,
) -> Result<Value, HistoryError> {
    let decoded = match raw {
        Some(raw) => Some(line.decode_in::<Value>(
            raw,
            "a value: null, an integer, a string or a pair [expected, new]",
            (i64::MIN.into(), i64::MAX.into()),
        )?),
        None => None,
    };
    let at = |message: String| match raw {
        Some(raw) => line.at(raw, message),
        None => line.whole(message),
    };
    match f {
        Function::Read | Function::Get => match (kind, decoded) {
            (EventType::Ok, None) => Err(at(format!(
                "missing `value`: a {}'s ok carries the value read (null if absent)",
                name(f)
            ))),
            (EventType::Ok, Some(Value::Pair(_))) => {
                Err(at(format!("a {} reads one value (null, an integer or a string), not a pair", name(f))))
            }
            (EventType::Ok, Some(v)) => Ok(v),
            (_, None | Some(Value::Null)) => Ok(Value::Null),
            (kind, Some(_)) => Err(at(format!(
                "a {}'s {} carries no value (null): only its ok has the value read",
                name(f),
                type_name(kind)
            ))),
        },
        Function::Write | Function::Put | Function::Append => {
            let want = format!("a {} needs a value: an integer or a string", name(f));
            carried(kind, decoded, open, |v| matches!(v, Value::Int(_) | Value::Text(_)), want, at)
        }
        Function::Cas => {
            let want = "a cas needs a pair [expected, new]: two integers, or null and an integer (swap if \
                        absent)"
                .to_string();
            carried(kind, decoded, open, |v| matches!(v, Value::Pair([_, Some(_)])), want, at)
        }
    }
}

/// The value an update carries: on the invocation, one that `fits`; on the
/// completion, the same again, or nothing.
fn carried(
    kind: EventType,
    decoded: Option<Value>,
    open: Option<&Open>,
    fits: fn(&Value) -> bool,
    want: String,
    at: impl Fn(String) -> HistoryError,
) -> Result<Value, HistoryError> {
    match (kind, decoded, open) {
        (EventType::Invoke, Some(v), _) if fits(&v) => Ok(v),
        (EventType::Invoke, _, _) => Err(at(want)),
        (_, None, Some(open)) => Ok(open.value.clone()),
        (_, Some(v), Some(open)) if v == open.value => Ok(v),
        (_, Some(_), Some(open)) => Err(at(format!(
            "the completion's value differs from its invocation's on line {} ({})",
            open.line,
            serde_json::to_string(&open.value).unwrap_or_default()
        ))),
        // A completion always has its invocation (checked before).
        (_, _, None) => Err(at(want)),
    }
}

/// `swapped`: required on a cas's `ok`, and nowhere else.
fn swapped(
    line: &Line<'_>,
    kind: EventType,
    f: Function,
    raw: Option<&RawValue>,
) -> Result<Option<bool>, HistoryError> {
    match (f == Function::Cas && kind == EventType::Ok, raw) {
        (true, Some(raw)) => line.decode(raw, "true or false").map(Some),
        (true, None) => Err(line.whole(
            "missing `swapped`: a cas's ok says whether it swapped (true) or found another value (false)",
        )),
        (false, None) => Ok(None),
        (false, Some(raw)) if f == Function::Cas => Err(line
            .at(raw, format!("only a cas's ok has `swapped` (a cas's {} does not know)", type_name(kind)))),
        (false, Some(raw)) => Err(line.at(raw, format!("only a cas has `swapped`, not a {}", name(f)))),
    }
}

/// The first integer written in `json` (outside its strings) that lies
/// outside `range`, as written.
fn out_of_range(json: &str, (min, max): (i128, i128)) -> Option<&str> {
    let mut in_string = false;
    let mut escaped = false;
    let mut start = None;
    for (i, c) in json.char_indices().chain([(json.len(), ' ')]) {
        if in_string {
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
            continue;
        }
        let numeric = c.is_ascii_digit() || "-+.eE".contains(c);
        match (start, numeric) {
            (None, true) => start = Some(i),
            (Some(from), false) => {
                start = None;
                let token = &json[from..i];
                let integer = token.strip_prefix('-').unwrap_or(token);
                let is_integer = !integer.is_empty() && integer.bytes().all(|b| b.is_ascii_digit());
                // (More digits than an i128 holds are out of any range.)
                if is_integer && token.parse::<i128>().ok().is_none_or(|n| n < min || n > max) {
                    return Some(token);
                }
            }
            _ => {}
        }
        in_string = c == '"';
    }
    None
}

/// The function's name as the file writes it.
pub(crate) fn name(f: Function) -> &'static str {
    match f {
        Function::Read => "read",
        Function::Write => "write",
        Function::Cas => "cas",
        Function::Get => "get",
        Function::Put => "put",
        Function::Append => "append",
    }
}

fn type_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Invoke => "invoke",
        EventType::Ok => "ok",
        EventType::Fail => "fail",
        EventType::Info => "info",
    }
}

//! Reading typed values out of a located document, collecting every mistake
//! instead of stopping at the first.
//!
//! Each accessor returns `Option<T>`: `None` means "wrong here, and already
//! reported", so the caller simply skips what depends on it and carries on.
//! A [`Fields`] remembers which keys of a table were asked for; when it is
//! finished, every other key is reported as unknown, with the nearest known
//! key as a suggestion.

use std::time::Duration;

use weft_sim::Latency;
use weft_sim::time::parse_duration;

use super::diagnostic::{Diagnostic, Origin, Sources};
use super::document::{Entry, Item, Table, Value};
use crate::closest;

/// Collects diagnostics while a scenario is read.
#[derive(Debug)]
pub struct Reader<'s> {
    sources: &'s Sources,
    /// Every mistake found so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'s> Reader<'s> {
    /// A reader of documents drawn from `sources`.
    pub fn new(sources: &'s Sources) -> Reader<'s> {
        Reader { sources, diagnostics: Vec::new() }
    }

    /// The texts the documents come from.
    pub fn sources(&self) -> &'s Sources {
        self.sources
    }

    /// Records a mistake.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Records a mistake at `origin`.
    pub fn error(&mut self, origin: &Origin, message: impl Into<String>) {
        self.report(Diagnostic::at(origin, message));
    }

    fn expected(&mut self, item: &Item, what: &str) {
        self.error(&item.origin, format!("expected {what}, found {}", item.value.kind()));
    }

    /// A string.
    pub fn string<'i>(&mut self, item: &'i Item) -> Option<&'i str> {
        match &item.value {
            Value::String(s) => Some(s),
            _ => {
                self.expected(item, "a string");
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn count(&mut self, item: &Item, min: u64, max: u64) -> Option<u64> {
        let expected = format!("a whole number from {min} to {max}");
        match &item.value {
            Value::Integer(n) => match u64::try_from(*n) {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    self.error(&item.origin, format!("{n} is out of range: expected {expected}"));
                    None
                }
            },
            // An integer literal too large for TOML's 64 bits.
            Value::String(s) if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() => {
                self.error(&item.origin, format!("{s} is out of range: expected {expected}"));
                None
            }
            _ => {
                self.expected(item, &expected);
                None
            }
        }
    }

    /// A finite number (an integer is accepted too).
    pub fn number(&mut self, item: &Item) -> Option<f64> {
        match item.value {
            Value::Float(f) if f.is_finite() => Some(f),
            Value::Integer(n) => Some(n as f64),
            Value::Float(f) => {
                self.error(&item.origin, format!("expected a finite number, found {f}"));
                None
            }
            _ => {
                self.expected(item, "a number");
                None
            }
        }
    }

    /// A probability: a number in `[0, 1]`.
    pub fn probability(&mut self, item: &Item) -> Option<f64> {
        let p = self.number(item)?;
        if (0.0..=1.0).contains(&p) {
            Some(p)
        } else {
            self.error(&item.origin, format!("{p} is not a probability: expected a number from 0 to 1"));
            None
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, item: &Item) -> Option<bool> {
        match item.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.expected(item, "true or false");
                None
            }
        }
    }

    /// One of `options`, with a suggestion for a near miss.
    pub fn choice(&mut self, item: &Item, what: &str, options: &[&'static str]) -> Option<&'static str> {
        let text = self.string(item)?;
        if let Some(found) = options.iter().find(|o| **o == text) {
            return Some(found);
        }
        let diagnostic = Diagnostic::at(
            &item.origin,
            format!("unknown {what} `{text}`: expected one of {}", options.join(", ")),
        )
        .maybe_did_you_mean(closest(text, options.iter().copied()));
        self.report(diagnostic);
        None
    }

    /// A duration written as text: `"150ms"`, `"2s"`, `"1.5ms"`.
    pub fn duration(&mut self, item: &Item) -> Option<Duration> {
        let Value::String(text) = &item.value else {
            self.error(
                &item.origin,
                format!("expected a duration such as \"150ms\" or \"2s\", found {}", item.value.kind()),
            );
            return None;
        };
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                let origin = self.inside_string(item, e.span);
                self.error(&origin, format!("bad duration `{text}`: {}", e.message));
                None
            }
        }
    }

    /// A latency distribution: text such as `"uniform 1ms..10ms"`, or a
    /// table such as `{ distribution = "uniform", low = "1ms", high =
    /// "10ms" }`.
    pub fn latency(&mut self, item: &Item) -> Option<Latency> {
        match &item.value {
            Value::String(text) => match text.parse::<Latency>() {
                Ok(l) => Some(l),
                Err(e) => {
                    let origin = self.inside_string(item, e.span);
                    self.error(&origin, format!("bad latency `{text}`: {}", e.message));
                    None
                }
            },
            Value::Table(_) => self.latency_table(item),
            _ => {
                self.expected(item, "a latency such as \"uniform 1ms..10ms\" or a table");
                None
            }
        }
    }

    fn latency_table(&mut self, item: &Item) -> Option<Latency> {
        const DISTRIBUTIONS: &[&str] =
            &["constant", "uniform", "normal", "log-normal", "exponential", "pareto", "mixture"];
        let mut fields = Fields::new(self, item, "latency")?;
        // `lognormal`, as the text form spells it, is accepted too.
        let kind = fields.required(self, "distribution").and_then(|d| match &d.value {
            Value::String(s) if s == "lognormal" => Some("log-normal"),
            _ => self.choice(d, "distribution", DISTRIBUTIONS),
        });
        let duration = |reader: &mut Reader<'_>, fields: &mut Fields<'_>, key: &'static str| {
            fields.required(reader, key).and_then(|d| reader.duration(d))
        };
        let latency = match kind? {
            "constant" => duration(self, &mut fields, "value").map(Latency::constant).map(Ok),
            "uniform" => {
                let low = duration(self, &mut fields, "low");
                let high = duration(self, &mut fields, "high");
                Some(Latency::uniform(low?, high?))
            }
            "normal" => {
                let mean = duration(self, &mut fields, "mean");
                let sd = duration(self, &mut fields, "sd");
                Some(Latency::normal(mean?, sd?))
            }
            "log-normal" => {
                let median = duration(self, &mut fields, "median");
                let sigma = fields.required(self, "sigma").and_then(|s| self.number(s));
                Some(Latency::log_normal(median?, sigma?))
            }
            "exponential" => duration(self, &mut fields, "mean").map(Latency::exponential),
            "pareto" => {
                let scale = duration(self, &mut fields, "scale");
                let shape = fields.required(self, "shape").and_then(|s| self.number(s));
                Some(Latency::pareto(scale?, shape?))
            }
            _ => {
                // A mixture: components = [{ weight = 0.99, latency = ... }, ...]
                let components = fields.required(self, "components").and_then(|c| self.array(c));
                let mut parts = Vec::new();
                let mut ok = true;
                for component in components.unwrap_or_default() {
                    let Some(mut f) = Fields::new(self, component, "mixture component") else {
                        ok = false;
                        continue;
                    };
                    let weight = f.required(self, "weight").and_then(|w| self.number(w));
                    let latency = f.required(self, "latency").and_then(|l| self.latency(l));
                    f.finish(self);
                    match (weight, latency) {
                        (Some(w), Some(l)) => parts.push((w, l)),
                        _ => ok = false,
                    }
                }
                (ok && components.is_some()).then(|| Latency::mixture(parts))
            }
        };
        fields.finish(self);
        match latency? {
            Ok(l) => Some(l),
            Err(e) => {
                self.error(&item.origin, e.to_string());
                None
            }
        }
    }

    /// An array.
    pub fn array<'i>(&mut self, item: &'i Item) -> Option<&'i [Item]> {
        match &item.value {
            Value::Array(items) => Some(items),
            _ => {
                self.expected(item, "an array");
                None
            }
        }
    }

    /// An array of strings.
    pub fn strings<'i>(&mut self, item: &'i Item) -> Option<Vec<(&'i str, &'i Origin)>> {
        let items = self.array(item)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for i in items {
            match self.string(i) {
                Some(s) => out.push((s, &i.origin)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// The part `inner` (a byte range of the string's *value*) of a string
    /// item, when the string is written verbatim in its source; otherwise
    /// the whole item.
    pub fn inside_string(&self, item: &Item, inner: std::ops::Range<usize>) -> Origin {
        let Value::String(value) = &item.value else { return item.origin.clone() };
        let written = self
            .sources
            .get(item.origin.source)
            .and_then(|s| s.text.get(item.origin.span.clone()))
            .unwrap_or("");
        // `"text"` or `'text'` with no escapes: the value starts one byte in.
        let quoted = written.len() == value.len() + 2
            && (written.starts_with('"') || written.starts_with('\''))
            && written.get(1..written.len() - 1) == Some(value.as_str());
        if quoted {
            item.origin.narrow(inner.start + 1..inner.end + 1)
        } else if written == value {
            // A `--set` value, written bare.
            item.origin.narrow(inner)
        } else {
            item.origin.clone()
        }
    }
}

/// The fields of one table, being read. Finish it with [`Fields::finish`] to
/// report the keys nobody asked for.
#[derive(Debug)]
pub struct Fields<'t> {
    table: &'t Table,
    origin: &'t Origin,
    what: String,
    known: Vec<&'static str>,
}

impl<'t> Fields<'t> {
    /// Starts reading `item`, which must be a table; `what` names it in
    /// messages (`[network]`, `fault`).
    pub fn new(reader: &mut Reader<'_>, item: &'t Item, what: &str) -> Option<Fields<'t>> {
        match &item.value {
            Value::Table(table) => {
                Some(Fields { table, origin: &item.origin, what: what.to_string(), known: Vec::new() })
            }
            _ => {
                reader.expected(item, &format!("a table for {what}"));
                None
            }
        }
    }

    /// The value of `key`, if written.
    pub fn optional(&mut self, key: &'static str) -> Option<&'t Item> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table.get(key).map(|e| &e.item)
    }

    /// The value of `key`; reports it missing if not written.
    pub fn required(&mut self, reader: &mut Reader<'_>, key: &'static str) -> Option<&'t Item> {
        let item = self.optional(key);
        if item.is_none() {
            reader.error(self.origin, format!("{} needs `{key}`", self.what));
        }
        item
    }

    /// Every entry whose key was not asked for yet (for tables whose keys
    /// are names, like `[nodes]`); marks them as known.
    pub fn rest(&mut self) -> Vec<&'t Entry> {
        let rest: Vec<&'t Entry> =
            self.table.entries.iter().filter(|e| !self.known.contains(&e.key.as_str())).collect();
        // Every key is now accounted for: `finish` has nothing to report.
        self.table = EMPTY;
        rest
    }

    /// Where the table was written.
    pub fn origin(&self) -> &'t Origin {
        self.origin
    }

    /// True if the table has `key`, asked for or not.
    pub fn was_written(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// Reports every key that was not asked for.
    pub fn finish(self, reader: &mut Reader<'_>) {
        for entry in &self.table.entries {
            if self.known.contains(&entry.key.as_str()) {
                continue;
            }
            let diagnostic = Diagnostic::at(
                &entry.key_origin,
                format!("unknown key `{}` in {}: expected {}", entry.key, self.what, one_of(&self.known)),
            )
            .maybe_did_you_mean(closest(&entry.key, self.known.iter().copied()));
            reader.report(diagnostic);
        }
    }
}

static EMPTY: &Table = &Table { entries: Vec::new() };

/// "one of a, b, c" or "no keys".
fn one_of(keys: &[&str]) -> String {
    match keys {
        [] => "no keys here".into(),
        [one] => format!("`{one}`"),
        _ => format!("one of {}", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
    }
}

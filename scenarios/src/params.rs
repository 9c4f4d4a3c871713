//! A pattern's parameters: declared with a type and a default, written in a
//! scenario's `[params]` table (or `--set params.name=value`), checked
//! before anything runs.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::file::document::Item;
use crate::file::reader::{Fields, Reader};

/// What values a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A whole number in `min..=max`.
    Count {
        /// Smallest accepted.
        min: u64,
        /// Largest accepted.
        max: u64,
    },
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A duration such as `"150ms"`.
    Duration,
    /// A number in `[0, 1]`.
    Probability,
    /// `true` or `false`.
    Flag,
}

/// A parameter's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamValue {
    /// A whole number.
    Count(u64),
    /// A word.
    Choice(&'static str),
    /// A duration.
    Duration(Duration),
    /// A probability.
    Probability(f64),
    /// A flag.
    Flag(bool),
}

/// A parameter a pattern declares.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Its name, as written in `[params]`.
    pub name: &'static str,
    /// What it means, for `weft show` and error messages.
    pub help: &'static str,
    /// Its value when not set.
    pub default: ParamValue,
    /// What it accepts.
    pub kind: ParamKind,
}

/// A scenario's parameters, every one set (to its default if not given) and
/// checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    values: BTreeMap<&'static str, ParamValue>,
}

impl Params {
    /// Reads `[params]` (`item`, if written) against `specs`.
    pub(crate) fn read(
        reader: &mut Reader<'_>,
        item: Option<&Item>,
        specs: &[ParamSpec],
        pattern: &str,
    ) -> Params {
        let mut values: BTreeMap<&'static str, ParamValue> =
            specs.iter().map(|s| (s.name, s.default)).collect();
        let Some(item) = item else { return Params { values } };
        let Some(mut fields) = Fields::new(reader, item, &format!("[params] of pattern `{pattern}`")) else {
            return Params { values };
        };
        for spec in specs {
            let Some(item) = fields.optional(spec.name) else { continue };
            let value = match spec.kind {
                ParamKind::Count { min, max } => reader.count(item, min, max).map(ParamValue::Count),
                ParamKind::Choice(options) => reader.choice(item, spec.name, options).map(ParamValue::Choice),
                ParamKind::Duration => reader.duration(item).map(ParamValue::Duration),
                ParamKind::Probability => reader.probability(item).map(ParamValue::Probability),
                ParamKind::Flag => reader.boolean(item).map(ParamValue::Flag),
            };
            if let Some(value) = value {
                values.insert(spec.name, value);
            }
        }
        fields.finish(reader);
        Params { values }
    }

    /// The value of parameter `name`, if the pattern declares it.
    pub fn get(&self, name: &str) -> Option<ParamValue> {
        self.values.get(name).copied()
    }

    /// The whole-number parameter `name`.
    ///
    /// Panics if the pattern did not declare `name` as a count: that is a bug
    /// in the pattern's code, not in the user's input.
    pub fn count(&self, name: &str) -> u64 {
        match self.get(name) {
            Some(ParamValue::Count(n)) => n,
            other => panic!("pattern bug: parameter `{name}` is not a declared count ({other:?})"),
        }
    }

    /// The choice parameter `name` (panics like [`Params::count`]).
    pub fn choice(&self, name: &str) -> &'static str {
        match self.get(name) {
            Some(ParamValue::Choice(c)) => c,
            other => panic!("pattern bug: parameter `{name}` is not a declared choice ({other:?})"),
        }
    }

    /// The duration parameter `name` (panics like [`Params::count`]).
    pub fn duration(&self, name: &str) -> Duration {
        match self.get(name) {
            Some(ParamValue::Duration(d)) => d,
            other => panic!("pattern bug: parameter `{name}` is not a declared duration ({other:?})"),
        }
    }

    /// The probability parameter `name` (panics like [`Params::count`]).
    pub fn probability(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(ParamValue::Probability(p)) => p,
            other => panic!("pattern bug: parameter `{name}` is not a declared probability ({other:?})"),
        }
    }

    /// The flag parameter `name` (panics like [`Params::count`]).
    pub fn flag(&self, name: &str) -> bool {
        match self.get(name) {
            Some(ParamValue::Flag(b)) => b,
            other => panic!("pattern bug: parameter `{name}` is not a declared flag ({other:?})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::diagnostic::Sources;
    use crate::file::document;

    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "replicas",
            help: "copies",
            default: ParamValue::Count(3),
            kind: ParamKind::Count { min: 1, max: 9 },
        },
        ParamSpec {
            name: "timeout",
            help: "how long to wait",
            default: ParamValue::Duration(Duration::from_millis(150)),
            kind: ParamKind::Duration,
        },
        ParamSpec {
            name: "mode",
            help: "how",
            default: ParamValue::Choice("fast"),
            kind: ParamKind::Choice(&["fast", "safe"]),
        },
    ];

    fn read(text: &str) -> (Params, Vec<String>) {
        let mut sources = Sources::default();
        let s = sources.add("p.toml", text);
        let (root, syntax) = document::parse(&sources, s);
        assert!(syntax.is_empty());
        let mut reader = Reader::new(&sources);
        let document::Value::Table(table) = &root.value else { panic!("root is a table") };
        let params = Params::read(&mut reader, table.get("params").map(|e| &e.item), SPECS, "test");
        (params, reader.diagnostics.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn defaults_fill_in_and_values_are_typed() {
        let (params, errors) = read("[params]\nreplicas = 5\ntimeout = \"2s\"\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(params.count("replicas"), 5);
        assert_eq!(params.duration("timeout"), Duration::from_secs(2));
        assert_eq!(params.choice("mode"), "fast");
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let (_, errors) = read("[params]\nreplicas = 10\ntimeout = 3\nmode = \"fsat\"\nreplica = 1\n");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("10 is out of range")));
        assert!(errors.iter().any(|e| e.contains("expected a duration")));
        assert!(errors.iter().any(|e| e.contains("unknown mode `fsat`")));
        assert!(errors.iter().any(|e| e.contains("unknown key `replica`")));
    }
}

//! Scenario parameters: declared with a type and a default, set from the
//! command line as `--set key=value`, checked before anything runs.

use std::collections::BTreeMap;

use crate::{ScenarioError, closest};

/// What values a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// A parameter a scenario declares.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Its name, as written in `--set name=value`.
    pub name: &'static str,
    /// What it means, for `weft list` and error messages.
    pub help: &'static str,
    /// Its value when not set.
    pub default: &'static str,
    /// What it accepts.
    pub kind: ParamKind,
}

impl ParamSpec {
    fn parse(&self, value: &str) -> Result<ParamValue, ScenarioError> {
        let bad = |expected: String| ScenarioError::BadValue {
            name: self.name.to_string(),
            value: value.to_string(),
            expected,
        };
        match self.kind {
            ParamKind::Count { min, max } => {
                // Allow digit separators as people write them: 1_000_000.
                let n: u64 = value
                    .replace('_', "")
                    .parse()
                    .map_err(|_| bad(format!("a whole number from {min} to {max}")))?;
                if (min..=max).contains(&n) {
                    Ok(ParamValue::Count(n))
                } else {
                    Err(bad(format!("a whole number from {min} to {max}")))
                }
            }
            ParamKind::Choice(options) => {
                options.iter().find(|o| **o == value).map(|o| ParamValue::Choice(o)).ok_or_else(|| {
                    let hint = closest(value, options.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    bad(format!("one of {}{hint}", options.join(", ")))
                })
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamValue {
    Count(u64),
    Choice(&'static str),
}

/// A scenario's parameters, every one set (to its default if not given) and
/// checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<&'static str, ParamValue>,
    /// The `--set` pairs that differ from the defaults, to print the replay
    /// command.
    overrides: Vec<(String, String)>,
}

impl Params {
    /// Parses `sets` (`(key, value)` pairs) against `specs`; unset keys take
    /// their defaults. Reports the first bad key or value.
    pub(crate) fn parse(
        scenario: &str,
        specs: &[ParamSpec],
        sets: &[(String, String)],
    ) -> Result<Params, ScenarioError> {
        let mut values = BTreeMap::new();
        for spec in specs {
            values.insert(spec.name, spec.parse(spec.default).expect("defaults are valid"));
        }
        for (key, value) in sets {
            let spec = specs.iter().find(|s| s.name == key).ok_or_else(|| ScenarioError::UnknownParam {
                scenario: scenario.to_string(),
                name: key.clone(),
                suggestion: closest(key, specs.iter().map(|s| s.name)),
                valid: specs.iter().map(|s| s.name.to_string()).collect(),
            })?;
            values.insert(spec.name, spec.parse(value)?);
        }
        Ok(Params { values, overrides: sets.to_vec() })
    }

    /// The whole-number parameter `name`.
    ///
    /// Panics if the scenario did not declare `name` as a count: that is a bug
    /// in the scenario's code, not in the user's input.
    pub fn count(&self, name: &str) -> u64 {
        match self.values.get(name) {
            Some(ParamValue::Count(n)) => *n,
            other => panic!("scenario bug: parameter `{name}` is not a declared count ({other:?})"),
        }
    }

    /// The choice parameter `name` (panics like [`Params::count`]).
    pub fn choice(&self, name: &str) -> &'static str {
        match self.values.get(name) {
            Some(ParamValue::Choice(c)) => c,
            other => {
                panic!("scenario bug: parameter `{name}` is not a declared choice ({other:?})")
            }
        }
    }

    /// The `--set` pairs given, in order.
    pub fn overrides(&self) -> &[(String, String)] {
        &self.overrides
    }
}

/// Splits `key=value`.
///
/// ```
/// use weft_scenarios::params::split_set;
/// assert_eq!(split_set("nodes=10")?, ("nodes".to_string(), "10".to_string()));
/// assert!(split_set("nodes").is_err());
/// # Ok::<(), weft_scenarios::ScenarioError>(())
/// ```
pub fn split_set(arg: &str) -> Result<(String, String), ScenarioError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(ScenarioError::NotKeyValue(arg.to_string())),
    }
}

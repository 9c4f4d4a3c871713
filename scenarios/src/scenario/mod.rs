//! A scenario, read from its TOML file and checked against its pattern.
//!
//! [`Scenario::load`] reads every section, resolving every name it can
//! (patterns, roles, nodes, groups, properties) and reporting *every*
//! mistake at once, each at its file, line and column. What it returns is
//! ready to run: nothing in a [`Scenario`] can fail to make sense later.

use std::time::Duration;

use weft_sim::Latency;
use weft_sim::trace::TraceSink;

use crate::catalog::{self, Conflict, Entry, PatternInfo, PropertySpec};
use crate::faults::{Nemesis, PlannedFault};
use crate::file::diagnostic::{Diagnostic, Diagnostics, Origin, Sources};
use crate::file::document::{self, Item, Value};
use crate::file::reader::{Fields, Reader};
use crate::network::Network;
use crate::params::Params;
use crate::report::{RunOptions, RunReport};
use crate::workload::Workload;
use crate::{ScenarioError, closest};

// Each section of the file is read by its own module.
mod checks;
mod faults;
mod network;
mod nodes;
mod workload;

use checks::{read_checks, read_expect};
pub(crate) use faults::write_fault;
use faults::{read_faults, read_nemesis};
use network::read_network;
use nodes::{Names, read_roles};
use workload::read_workload;

/// A scenario, checked and ready to run.
#[derive(Debug)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What it shows, in a sentence or two.
    pub description: String,
    /// The pattern it runs.
    pub pattern: &'static dyn Entry,
    /// The pattern's parameters.
    pub params: Params,
    /// The seed it runs with unless told otherwise.
    pub seed: u64,
    /// How much virtual time it runs for at most; `None`: until nothing is
    /// left to happen.
    pub duration: Option<Duration>,
    /// Its nodes, role by role, in the pattern's role order.
    pub roles: Vec<Role>,
    /// Its network.
    pub network: Network,
    /// Its workload, for patterns that take one.
    pub workload: Option<Workload>,
    /// Its planned faults, in time order.
    pub faults: Vec<PlannedFault>,
    /// Its random faults.
    pub nemesis: Option<Nemesis>,
    /// The properties checked, and their bounds.
    pub checks: Vec<Check>,
    /// The violation the scenario exists to show, if it shows one.
    pub expect: Option<&'static PropertySpec>,
    /// How to name it on the command line: a library name or a path.
    pub reference: String,
    /// The `--set` arguments it was loaded with, in order.
    pub sets: Vec<String>,
    /// The TOML text it was read from.
    pub text: String,
}

/// The nodes of one role.
#[derive(Clone, Debug)]
pub struct Role {
    /// The role's name.
    pub name: &'static str,
    /// The nodes' names, one per node.
    pub names: Vec<String>,
    /// How long each node takes to handle a message, if not instant.
    pub processing: Option<Latency>,
}

/// A property to check.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The property.
    pub property: &'static PropertySpec,
    /// For `eventually` properties: how long after the end of the last
    /// fault (its undo, or its firing if it has none) it must hold.
    pub within: Option<Duration>,
}

/// The keys a scenario file may have at its top level, in the order the
/// format's documentation explains them.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "pattern",
    "seed",
    "duration",
    "params",
    "nodes",
    "topology",
    "network",
    "workload",
    "faults",
    "nemesis",
    "checks",
    "expect",
];

impl Scenario {
    /// Reads a scenario from `text`, the contents of `file`, with `sets`
    /// (`key.path=value`) applied on top. `reference` is how the command
    /// line names it (for the replay command).
    ///
    /// ```
    /// use weft_scenarios::Scenario;
    ///
    /// let text = r#"
    ///     name = "tiny"
    ///     description = "two nodes"
    ///     pattern = "ping-pong"
    ///     [workload]
    ///     requests = 5
    /// "#;
    /// let scenario = Scenario::load("tiny.toml", text, &["seed=9".to_string()], "tiny.toml")?;
    /// assert_eq!(scenario.seed, 9);
    ///
    /// let error = Scenario::load("bad.toml", "name = 'x'\npatern = 'flood'\n", &[], "bad.toml")
    ///     .expect_err("misspelt key");
    /// assert!(error.to_string().contains("bad.toml:2:1"));
    /// # Ok::<(), weft_scenarios::file::Diagnostics>(())
    /// ```
    pub fn load(file: &str, text: &str, sets: &[String], reference: &str) -> Result<Scenario, Diagnostics> {
        let (sources, mut root, mut diagnostics) = parse_with_sets(file, text, sets);
        check_shorthands(&mut root, &sources, sets, &mut diagnostics);
        let mut reader = Reader::new(&sources);
        reader.diagnostics = diagnostics;
        let scenario = read(&mut reader, &root, reference, sets, text);
        let mut diagnostics = Diagnostics { list: reader.diagnostics, sources };
        diagnostics.sort();
        match scenario {
            Some(scenario) if diagnostics.list.is_empty() => Ok(scenario),
            _ => {
                if diagnostics.list.is_empty() {
                    diagnostics.list.push(Diagnostic {
                        origin: None,
                        message: "the scenario could not be read".into(),
                        help: None,
                    });
                }
                Err(diagnostics)
            }
        }
    }

    /// The pattern's declarations.
    pub fn info(&self) -> &'static PatternInfo {
        self.pattern.info()
    }

    /// How many nodes, in all roles.
    pub fn node_count(&self) -> usize {
        self.roles.iter().map(|r| r.names.len()).sum()
    }

    /// Runs the scenario once and checks its properties.
    pub fn run(&self, options: &RunOptions) -> Result<RunReport, ScenarioError> {
        self.pattern.run(self, options, None)
    }

    /// Runs the scenario once, streaming its trace to `sink` as it happens.
    pub fn run_traced(
        &self,
        options: &RunOptions,
        sink: Box<dyn TraceSink>,
    ) -> Result<RunReport, ScenarioError> {
        self.pattern.run(self, options, Some(sink))
    }
}

/// Parses `text` and splices `sets` into it, exactly as [`Scenario::load`]
/// does before it reads the result; also returns every syntax and `--set`
/// mistake found. The `n`th `--set` is the source `--set #n`, its text the
/// argument as the user wrote it.
pub(crate) fn parse_with_sets(file: &str, text: &str, sets: &[String]) -> (Sources, Item, Vec<Diagnostic>) {
    let mut sources = Sources::default();
    let main = sources.add(file, text);
    let (mut root, mut diagnostics) = document::parse(&sources, main);
    for (number, set) in sets.iter().enumerate() {
        let source = sources.add(format!("--set #{}", number + 1), set.as_str());
        let implied: &[&str] = if shorthand(set).is_some() { &["params"] } else { &[] };
        if let Err(d) = document::apply_set_under(&mut root, &sources, source, implied) {
            diagnostics.push(d);
        }
    }
    (sources, root, diagnostics)
}

/// `--set name=value` where `name` is not a top-level key is taken as
/// `params.name`, so `--set round_trips=10` reads as people expect: the
/// name, if `set` is such a shorthand.
fn shorthand(set: &str) -> Option<&str> {
    let key = set.split_once('=')?.0.trim();
    (!key.contains('.') && !key.is_empty() && !TOP_LEVEL_KEYS.contains(&key)).then_some(key)
}

/// The fields of the sections a `--set` most often changes, for suggesting
/// `workload.requests` to someone who wrote `--set requests=10`.
const SECTION_FIELDS: &[(&str, &[&str])] = &[
    ("workload", &["clients", "requests", "arrival", "rate", "mix", "keys"]),
    ("network", &["latency", "loss", "duplicate", "fifo", "bandwidth"]),
    ("topology", &["shape"]),
    ("nemesis", &["every", "lasting", "start", "stop", "swarm"]),
];

/// Checks each shorthand `--set name=value` against the pattern's
/// parameters: a name that is no parameter is reported at the argument the
/// user typed, with a suggestion drawn from the top-level keys, the
/// parameters and the common section fields, and is taken out of
/// `[params]` so it is reported once.
fn check_shorthands(root: &mut Item, sources: &Sources, sets: &[String], diagnostics: &mut Vec<Diagnostic>) {
    // Without a known pattern there are no parameters to judge against;
    // the unknown pattern is reported as it is read.
    let pattern = match top_item(root, "pattern").map(|i| &i.value) {
        Some(Value::String(name)) => catalog::find(name).ok(),
        _ => None,
    };
    let Some(info) = pattern.map(|p| p.info()) else { return };
    let params: Vec<&str> = info.params.iter().map(|p| p.name).collect();
    for (number, set) in sets.iter().enumerate() {
        let Some(key) = shorthand(set) else { continue };
        if params.contains(&key) {
            continue;
        }
        let source = number + 1;
        debug_assert_eq!(sources.get(source).map(|s| s.text.as_str()), Some(set.as_str()));
        let start = set.find(key).expect("the key is in its argument");
        let origin = Origin { source, span: start..start + key.len() };
        // Suggestions: the bare names a shorthand may be, then the section
        // fields, shown with their section.
        let mut candidates: Vec<(&str, String)> =
            TOP_LEVEL_KEYS.iter().chain(&params).map(|k| (*k, k.to_string())).collect();
        for (section, fields) in SECTION_FIELDS {
            candidates.extend(fields.iter().map(|f| (*f, format!("{section}.{f}"))));
        }
        let suggestion = closest(key, candidates.iter().map(|(bare, _)| *bare))
            .and_then(|bare| candidates.iter().find(|(b, _)| *b == bare).map(|(_, full)| full.clone()));
        let parameters = match params.as_slice() {
            [] => format!("pattern `{}` has no parameters", info.name),
            _ => format!("the parameters of pattern `{}` are {}", info.name, params.join(", ")),
        };
        let diagnostic = Diagnostic::at(
            &origin,
            format!("`{key}` is neither a top-level key nor a parameter of pattern `{}`", info.name),
        );
        diagnostics.push(match suggestion {
            Some(s) => diagnostic.help(format!("did you mean `{s}`?")),
            None => diagnostic.help(format!(
                "a bare name is a top-level key or a parameter ({parameters}); anything else is a key path \
                 from the top of the file, such as `--set workload.requests=10`"
            )),
        });
        if let Some(Value::Table(params)) = top_item_mut(root, "params").map(|i| &mut i.value) {
            params.entries.retain(|e| e.key != key);
        }
    }
}

/// Reads the whole document; `None` if something essential is missing.
fn read(
    reader: &mut Reader<'_>,
    root: &Item,
    reference: &str,
    sets: &[String],
    text: &str,
) -> Option<Scenario> {
    let mut top = Fields::new(reader, root, "the scenario")?;
    let name = top.required(reader, "name").and_then(|i| reader.string(i)).map(str::to_string);
    if let Some(item) = top.optional("name")
        && let Some(n) = name.as_deref()
        && !valid_name(n)
    {
        reader.error(&item.origin, format!("bad name `{n}`: use lowercase letters, digits, `-` and `_`"));
    }
    let description = top.required(reader, "description").and_then(|i| reader.string(i)).map(str::to_string);
    let pattern = top.required(reader, "pattern").and_then(|item| {
        let name = reader.string(item)?;
        match catalog::find(name) {
            Ok(entry) => Some(entry),
            Err(suggestion) => {
                let valid: Vec<&str> = catalog::names().collect();
                reader.report(
                    Diagnostic::at(
                        &item.origin,
                        format!("unknown pattern `{name}`: expected one of {}", valid.join(", ")),
                    )
                    .maybe_did_you_mean(suggestion),
                );
                None
            }
        }
    });
    let seed = match top.optional("seed") {
        Some(item) => reader.count(item, 0, i64::MAX as u64),
        None => Some(1),
    };
    let duration = top.optional("duration").and_then(|i| reader.duration(i));

    // Without the pattern nothing else can be checked: report what we have.
    let Some(pattern) = pattern else {
        for key in TOP_LEVEL_KEYS {
            top.optional(key);
        }
        top.finish(reader);
        return None;
    };
    let info = pattern.info();
    let params = Params::read(reader, top.optional("params"), info.params, info.name);
    let roles = read_roles(reader, top.optional("nodes"), info);
    let mut names = Names::new(&roles);
    let network = read_network(reader, top.optional("topology"), top.optional("network"), &mut names);
    let workload = read_workload(reader, top.optional("workload"), info);
    let faults = read_faults(reader, top.optional("faults"), &names, info, duration);
    let nemesis = top.optional("nemesis").and_then(|item| read_nemesis(reader, item, duration));
    let checks = read_checks(reader, top.optional("checks"), info);
    let expect = top.optional("expect").and_then(|item| read_expect(reader, item, info, &checks));
    top.finish(reader);

    let network = network?;
    match (top_item(root, "workload"), info.workload) {
        (Some(item), None) => {
            reader.error(&item.origin, format!("pattern `{}` takes no workload", info.name))
        }
        (None, Some(_)) => reader.error(
            &root.origin.narrow(0..0),
            format!(
                "pattern `{}` needs a [workload]: at least `requests`, how many requests to make",
                info.name
            ),
        ),
        _ => {}
    }
    let scenario = Scenario {
        name: name?,
        description: description?,
        pattern,
        params,
        seed: seed?,
        duration,
        roles,
        network,
        workload,
        faults,
        nemesis,
        checks,
        expect,
        reference: reference.to_string(),
        sets: sets.to_vec(),
        text: text.to_string(),
    };
    // Settings that must fit together are judged only once each one alone
    // is right: a bad value read as its default would only add noise.
    if reader.diagnostics.is_empty() {
        for conflict in pattern.validate(&scenario) {
            report_conflict(reader, root, &conflict);
        }
    }
    Some(scenario)
}

/// Reports `conflict` at the first of its keys the scenario writes (in the
/// file or a `--set`), and says where the others are, or that they are at
/// their defaults.
fn report_conflict(reader: &mut Reader<'_>, root: &Item, conflict: &Conflict) {
    let written: Vec<Option<Origin>> =
        conflict.keys.iter().map(|key| lookup(root, key).map(|item| item.origin.clone())).collect();
    let first = written.iter().position(Option::is_some);
    let origin = first.and_then(|i| written[i].clone()).unwrap_or_else(|| root.origin.narrow(0..0));
    let others: Vec<String> = (conflict.keys.iter().zip(&written).enumerate())
        .filter(|(i, _)| Some(*i) != first)
        .map(|(_, (key, origin))| match origin {
            Some(origin) => format!("`{key}` at {}", reader.sources().locate(origin)),
            None => format!("`{key}` (not written: its default)"),
        })
        .collect();
    let mut diagnostic = Diagnostic::at(&origin, conflict.message.clone());
    if !others.is_empty() {
        diagnostic = diagnostic.help(format!("also involved: {}", others.join(", ")));
    }
    reader.report(diagnostic);
}

/// The item at `path` (`params.ttl`), if the document has it.
fn lookup<'a>(root: &'a Item, path: &str) -> Option<&'a Item> {
    path.split('.').try_fold(root, |item, key| match &item.value {
        Value::Table(table) => table.get(key).map(|e| &e.item),
        _ => None,
    })
}

fn top_item<'a>(root: &'a Item, key: &str) -> Option<&'a Item> {
    match &root.value {
        Value::Table(t) => t.get(key).map(|e| &e.item),
        _ => None,
    }
}

fn top_item_mut<'a>(root: &'a mut Item, key: &str) -> Option<&'a mut Item> {
    match &mut root.value {
        Value::Table(t) => t.entries.iter_mut().find(|e| e.key == key).map(|e| &mut e.item),
        _ => None,
    }
}

/// Scenario and node names: lowercase words joined by `-` (or `_`), so they
/// are safe on a command line and in a file name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suggestions for bare `--set` names are real fields: each section
    /// lists them among the keys it expects.
    #[test]
    fn section_fields_are_keys_their_sections_accept() {
        let text = crate::find("ping-pong").expect("built in").text;
        for (section, fields) in SECTION_FIELDS {
            let sets = [format!("{section}.no_such_key=1")];
            let error = Scenario::load("p.toml", text, &sets, "p").expect_err("an unknown key");
            let message =
                &error.list.iter().find(|d| d.message.contains("no_such_key")).expect("reported").message;
            for field in *fields {
                assert!(message.contains(&format!("`{field}`")), "{section}.{field}: {message}");
            }
        }
    }
}

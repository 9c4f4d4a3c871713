//! A scenario, read from its TOML file and checked against its pattern.
//!
//! [`Scenario::load`] reads every section, resolving every name it can
//! (patterns, roles, nodes, groups, properties) and reporting *every*
//! mistake at once, each at its file, line and column. What it returns is
//! ready to run: nothing in a [`Scenario`] can fail to make sense later.

use std::time::Duration;

use weft_sim::trace::TraceSink;
use weft_sim::{ClockOffset, Latency, LinkModel, NodeId, SimTime, Topology};

use crate::catalog::{self, Entry, PatternInfo, PropertyKind, PropertySpec, RoleSpec};
use crate::faults::{FaultAction, Nemesis, NemesisKind, PlannedFault, SHAPES, Shape, Target};
use crate::file::diagnostic::{Diagnostic, Diagnostics, Origin, Sources};
use crate::file::document::{self, Entry as TomlEntry, Item, Value};
use crate::file::reader::{Fields, Reader};
use crate::network::{Group, LinkPatch, LinkRule, Network};
use crate::params::Params;
use crate::report::{RunOptions, RunReport};
use crate::workload::{Arrival, ArrivalProcess, KeyDistribution, Keys, Workload};
use crate::{ScenarioError, closest};

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
    /// For `eventually` properties: how long after the last healing fault it
    /// must hold.
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
        let mut sources = Sources::default();
        let main = sources.add(file, text);
        let (mut root, mut diagnostics) = document::parse(&sources, main);
        for set in sets {
            let source = sources.add("--set", shorthand(set));
            if let Err(d) = document::apply_set(&mut root, &sources, source) {
                diagnostics.push(d);
            }
        }
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

/// `--set name=value` where `name` is not a top-level key is taken as
/// `params.name`, so `--set round_trips=10` reads as people expect.
fn shorthand(set: &str) -> String {
    match set.split_once('=') {
        Some((key, value))
            if !key.contains('.') && !TOP_LEVEL_KEYS.contains(&key.trim()) && !key.trim().is_empty() =>
        {
            format!("params.{}={value}", key.trim())
        }
        _ => set.to_string(),
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
    let faults = read_faults(reader, top.optional("faults"), &names, info);
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
    Some(Scenario {
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
    })
}

fn top_item<'a>(root: &'a Item, key: &str) -> Option<&'a Item> {
    match &root.value {
        Value::Table(t) => t.get(key).map(|e| &e.item),
        _ => None,
    }
}

/// Scenario and node names: lowercase words joined by `-` (or `_`), so they
/// are safe on a command line and in a file name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

// ----- Nodes and names -----

fn read_roles(reader: &mut Reader<'_>, item: Option<&Item>, info: &PatternInfo) -> Vec<Role> {
    let mut written: Vec<Option<&Item>> = vec![None; info.roles.len()];
    if let Some(item) = item
        && let Some(mut fields) = Fields::new(reader, item, "[nodes]")
    {
        for (i, role) in info.roles.iter().enumerate() {
            written[i] = fields.optional(role.name);
        }
        // Keys that name no role: report them with the roles as the choice.
        for entry in fields.rest() {
            let roles: Vec<&str> = info.roles.iter().map(|r| r.name).collect();
            reader.report(
                Diagnostic::at(
                    &entry.key_origin,
                    format!(
                        "pattern `{}` has no role `{}`: its roles are {}",
                        info.name,
                        entry.key,
                        roles.join(", ")
                    ),
                )
                .maybe_did_you_mean(closest(&entry.key, roles.iter().copied())),
            );
        }
    }
    let mut roles = Vec::new();
    for (spec, item) in info.roles.iter().zip(written) {
        let mut count = spec.default_count;
        let mut names = None;
        let mut processing = None;
        match item.map(|i| (i, &i.value)) {
            None => {}
            Some((i, Value::Integer(n))) => match u32::try_from(*n) {
                Ok(n) if (spec.min..=spec.max).contains(&n) => count = n,
                _ => reader.error(&i.origin, role_count_message(spec, *n)),
            },
            Some((i, Value::Table(_))) => {
                if let Some(mut fields) = Fields::new(reader, i, &format!("role `{}`", spec.name)) {
                    let written_count = fields.optional("count");
                    let names_item = fields.optional("names");
                    let written_names = names_item.and_then(|n| reader.strings(n));
                    processing = fields.optional("processing").and_then(|p| reader.latency(p));
                    fields.finish(reader);
                    if let Some(c) = written_count {
                        match c.value {
                            Value::Integer(n) => match u32::try_from(n) {
                                Ok(n) if (spec.min..=spec.max).contains(&n) => count = n,
                                _ => reader.error(&c.origin, role_count_message(spec, n)),
                            },
                            _ => {
                                reader.count(c, u64::from(spec.min), u64::from(spec.max));
                            }
                        }
                    }
                    if let Some(list) = written_names {
                        if written_count.is_some() && list.len() != count as usize {
                            reader.error(
                                fields_origin(i),
                                format!("role `{}` has count {count} but {} names", spec.name, list.len()),
                            );
                        }
                        if written_count.is_none() {
                            // A count taken from the names is held to the
                            // role's bounds like a written one: the loader
                            // fuzz test found `names = []` accepted as a role
                            // of no nodes (a flood run then panicked) and two
                            // names accepted for ping-pong's single pinger.
                            if !(spec.min as usize..=spec.max as usize).contains(&list.len())
                                && let Some(n) = names_item
                            {
                                reader.error(
                                    &n.origin,
                                    format!(
                                        "role `{}` takes from {} to {} nodes, but {} names are given",
                                        spec.name,
                                        spec.min,
                                        spec.max,
                                        list.len()
                                    ),
                                );
                            }
                            count = list.len() as u32;
                        }
                        for (name, origin) in &list {
                            if !valid_name(name) {
                                reader.error(
                                    origin,
                                    format!(
                                        "bad node name `{name}`: use lowercase letters, digits, `-` and `_`"
                                    ),
                                );
                            }
                        }
                        names = Some(list.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>());
                    }
                }
            }
            Some((i, other)) => reader.error(
                &i.origin,
                format!(
                    "expected a node count or a table {{ count, names, processing }} for role `{}`, found {}",
                    spec.name,
                    other.kind()
                ),
            ),
        }
        let names = names.unwrap_or_else(|| (0..count).map(|k| format!("{}-{k}", spec.name)).collect());
        roles.push(Role { name: spec.name, names, processing });
    }
    // A name must mean one node: no repeats, and no role's name.
    if let Some(item) = item {
        let mut seen = std::collections::BTreeSet::new();
        for name in roles.iter().flat_map(|r| &r.names) {
            if !seen.insert(name.as_str()) || info.roles.iter().any(|r| r.name == name) {
                reader.error(
                    &item.origin,
                    format!("node name `{name}` is used twice (or is a role's name): names must be unique"),
                );
            }
        }
    }
    roles
}

/// "role `pinger` has exactly 1 node, not 2" or "... from 2 to 1000000 ...".
fn role_count_message(spec: &RoleSpec, n: impl std::fmt::Display) -> String {
    if spec.min == spec.max {
        let s = if spec.min == 1 { "" } else { "s" };
        format!("role `{}` has exactly {} node{s}, not {n}", spec.name, spec.min)
    } else {
        format!("role `{}` has from {} to {} nodes, not {n}", spec.name, spec.min, spec.max)
    }
}

fn fields_origin(item: &Item) -> &Origin {
    &item.origin
}

/// Every name a scenario can use for a set of nodes: node names, `n3`
/// style ids, role names and group names.
#[derive(Debug)]
struct Names {
    nodes: Vec<String>,
    roles: Vec<(&'static str, Vec<NodeId>)>,
    groups: Vec<(String, Vec<NodeId>)>,
}

impl Names {
    fn new(roles: &[Role]) -> Names {
        let mut nodes = Vec::new();
        let mut by_role = Vec::new();
        for role in roles {
            let ids = (nodes.len()..nodes.len() + role.names.len()).map(|i| NodeId::new(i as u32)).collect();
            nodes.extend(role.names.iter().cloned());
            by_role.push((role.name, ids));
        }
        Names { nodes, roles: by_role, groups: Vec::new() }
    }

    /// The nodes `name` stands for.
    fn lookup(&self, name: &str) -> Option<Vec<NodeId>> {
        if let Some(i) = self.nodes.iter().position(|n| n == name) {
            return Some(vec![NodeId::new(i as u32)]);
        }
        if let Some(i) = name.strip_prefix('n').and_then(|d| d.parse::<usize>().ok())
            && i < self.nodes.len()
        {
            return Some(vec![NodeId::new(i as u32)]);
        }
        self.roles
            .iter()
            .map(|(n, ids)| (*n, ids))
            .chain(self.groups.iter().map(|(n, ids)| (n.as_str(), ids)))
            .find(|(n, _)| *n == name)
            .map(|(_, ids)| ids.clone())
    }

    /// Resolves a name written at `item`, reporting it if unknown.
    fn resolve(&self, reader: &mut Reader<'_>, item: &Item) -> Option<Vec<NodeId>> {
        let name = reader.string(item)?;
        self.resolve_str(reader, name, &item.origin)
    }

    fn resolve_str(&self, reader: &mut Reader<'_>, name: &str, origin: &Origin) -> Option<Vec<NodeId>> {
        if let Some(ids) = self.lookup(name) {
            return Some(ids);
        }
        let all = self
            .nodes
            .iter()
            .map(String::as_str)
            .chain(self.roles.iter().map(|(n, _)| *n))
            .chain(self.groups.iter().map(|(n, _)| n.as_str()));
        let suggestion = closest(name, all);
        let mut known: Vec<&str> = self.roles.iter().map(|(n, _)| *n).collect();
        known.extend(self.groups.iter().map(|(n, _)| n.as_str()));
        reader.report(
            Diagnostic::at(
                origin,
                format!(
                    "no node, role or group is called `{name}` (nodes are named like `{}`; roles and groups: {})",
                    self.nodes.first().map_or("", String::as_str),
                    known.join(", ")
                ),
            )
            .maybe_did_you_mean(suggestion),
        );
        None
    }

    /// A list of names (or one name) written at `item`, as one set.
    fn resolve_set(&self, reader: &mut Reader<'_>, item: &Item) -> Option<Vec<NodeId>> {
        match &item.value {
            Value::Array(items) => {
                let mut all = Vec::new();
                let mut ok = true;
                for i in items {
                    match self.resolve(reader, i) {
                        Some(ids) => all.extend(ids),
                        None => ok = false,
                    }
                }
                all.sort();
                all.dedup();
                ok.then_some(all)
            }
            _ => self.resolve(reader, item),
        }
    }

    /// A fault target: a symbolic target or a name.
    fn target(&self, reader: &mut Reader<'_>, item: &Item, info: &PatternInfo) -> Option<Target> {
        let text = reader.string(item)?;
        Some(match text {
            "leader" => {
                if !info.has_leader {
                    reader.error(
                        &item.origin,
                        format!("pattern `{}` has no leader, so `leader` names nobody", info.name),
                    );
                    return None;
                }
                Target::Leader
            }
            "random" => Target::Random,
            "minority" => Target::Minority,
            "crashed" => Target::Crashed,
            "paused" => Target::Paused,
            "all" => Target::All,
            name => Target::Nodes(self.resolve_str(reader, name, &item.origin)?),
        })
    }
}

// ----- The network -----

const SHAPE_NAMES: &[&str] =
    &["mesh", "ring", "star", "line", "grid", "random-regular", "ring-matching", "edges"];

fn read_network(
    reader: &mut Reader<'_>,
    topology: Option<&Item>,
    network: Option<&Item>,
    names: &mut Names,
) -> Option<Network> {
    let count = names.nodes.len();
    let mut shape = Some(Topology::Mesh);
    let mut groups = Vec::new();
    match topology.map(|t| (t, &t.value)) {
        None => {}
        Some((item, Value::String(_))) => shape = read_shape(reader, item, None, names),
        Some((item, _)) => {
            if let Some(mut fields) = Fields::new(reader, item, "[topology]") {
                let shape_item = fields.optional("shape");
                // Groups first: edges may not name groups, but everything
                // after the topology may.
                if let Some(g) = fields.optional("groups") {
                    groups = read_groups(reader, g, names);
                }
                shape = match shape_item {
                    Some(s) => read_shape(reader, s, Some(&mut fields), names),
                    None => Some(Topology::Mesh),
                };
                fields.finish(reader);
            }
        }
    }
    if let Some(Topology::RingWithMatching) = shape
        && (count < 4 || count % 2 == 1)
        && let Some(t) = topology
    {
        reader.error(
            &t.origin,
            format!("shape `ring-matching` needs an even number of nodes, at least 4; there are {count}"),
        );
    }

    let mut default = LinkModel::default();
    let mut rules = Vec::new();
    if let Some(item) = network
        && let Some(mut fields) = Fields::new(reader, item, "[network]")
    {
        let patch = read_patch(reader, &mut fields);
        default = patch.apply(&default);
        if let Some(links) = fields.optional("links").and_then(|l| reader.array(l)) {
            for link in links {
                let Some(mut f) = Fields::new(reader, link, "a [[network.links]] rule") else { continue };
                let between = f.required(reader, "between");
                let patch = read_patch(reader, &mut f);
                f.finish(reader);
                if let Some((a, b)) = between.and_then(|b| read_pair(reader, b, names)) {
                    rules.push(LinkRule { a, b, patch });
                }
            }
        }
        fields.finish(reader);
    }
    Some(Network { topology: shape?, default, groups, rules })
}

/// The link fields a table may set: `latency`, `loss`, `duplicate`,
/// `fifo`, `bandwidth`.
fn read_patch(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> LinkPatch {
    LinkPatch {
        latency: fields.optional("latency").and_then(|i| reader.latency(i)),
        loss: fields.optional("loss").and_then(|i| reader.probability(i)),
        duplicate: fields.optional("duplicate").and_then(|i| reader.probability(i)),
        fifo: fields.optional("fifo").and_then(|i| reader.boolean(i)),
        bandwidth_bytes_per_sec: fields.optional("bandwidth").and_then(|i| read_bandwidth(reader, i)),
    }
}

/// Bandwidth: bytes per second as a number, or text such as `"10MB/s"`.
fn read_bandwidth(reader: &mut Reader<'_>, item: &Item) -> Option<u64> {
    const UNITS: &[(&str, u64)] =
        &[("GB/s", 1_000_000_000), ("MB/s", 1_000_000), ("kB/s", 1_000), ("B/s", 1)];
    let bytes = match &item.value {
        Value::Integer(_) => reader.count(item, 1, u64::MAX)?,
        Value::String(text) => {
            let parsed = UNITS.iter().find_map(|(unit, scale)| {
                let number = text.trim().strip_suffix(unit)?.trim();
                let n: f64 = number.parse().ok()?;
                (n.is_finite() && n > 0.0).then_some((n * *scale as f64) as u64)
            });
            match parsed {
                Some(b) if b > 0 => b,
                _ => {
                    reader.error(
                        &item.origin,
                        format!("bad bandwidth `{text}`: expected a positive amount in B/s, kB/s, MB/s or GB/s, such as \"10MB/s\""),
                    );
                    return None;
                }
            }
        }
        _ => {
            reader.error(
                &item.origin,
                format!("expected a bandwidth such as \"10MB/s\", found {}", item.value.kind()),
            );
            return None;
        }
    };
    Some(bytes)
}

fn read_shape(
    reader: &mut Reader<'_>,
    item: &Item,
    mut fields: Option<&mut Fields<'_>>,
    names: &Names,
) -> Option<Topology> {
    let shape = reader.choice(item, "topology shape", SHAPE_NAMES)?;
    let mut extra = |key: &'static str| match fields {
        Some(ref mut f) => f.optional(key),
        None => None,
    };
    let count = names.nodes.len();
    let missing = |reader: &mut Reader<'_>, key: &str| {
        reader.error(&item.origin, format!("shape `{shape}` needs `{key}` in [topology]"));
    };
    Some(match shape {
        "mesh" => Topology::Mesh,
        "ring" => Topology::Ring,
        "star" => Topology::Star,
        "line" => Topology::Line,
        "ring-matching" => Topology::RingWithMatching,
        "grid" => match extra("columns") {
            Some(c) => Topology::Grid { columns: reader.count(c, 1, count.max(1) as u64)? as u32 },
            None => {
                missing(reader, "columns");
                return None;
            }
        },
        "random-regular" => match extra("degree") {
            Some(d) => {
                let degree = reader.count(d, 1, count.saturating_sub(1).max(1) as u64)? as u32;
                if (count * degree as usize) % 2 == 1 {
                    reader.error(
                        &d.origin,
                        format!("no {degree}-regular graph has {count} nodes: nodes × degree must be even"),
                    );
                    return None;
                }
                Topology::RandomRegular { degree }
            }
            None => {
                missing(reader, "degree");
                return None;
            }
        },
        _ => match extra("edges") {
            Some(e) => {
                let mut edges = Vec::new();
                for edge in reader.array(e)? {
                    let ends = reader.strings(edge)?;
                    let [(a, ao), (b, bo)] = ends.as_slice() else {
                        reader.error(&edge.origin, "an edge is a pair of node names, such as [\"a\", \"b\"]");
                        continue;
                    };
                    let a = names.resolve_str(reader, a, ao);
                    let b = names.resolve_str(reader, b, bo);
                    if let (Some(a), Some(b)) = (a, b) {
                        match (a.as_slice(), b.as_slice()) {
                            ([a], [b]) => edges.push((*a, *b)),
                            _ => reader.error(&edge.origin, "an edge joins two nodes, not roles or groups"),
                        }
                    }
                }
                Topology::Edges(edges)
            }
            None => {
                missing(reader, "edges");
                return None;
            }
        },
    })
}

fn read_groups(reader: &mut Reader<'_>, item: &Item, names: &mut Names) -> Vec<Group> {
    let Some(fields) = Fields::new(reader, item, "[topology.groups]").map(|mut f| f.rest()) else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for TomlEntry { key, key_origin, item } in fields {
        let Some(mut f) = Fields::new(reader, item, &format!("group `{key}`")) else { continue };
        let members = f.required(reader, "nodes").and_then(|n| names.resolve_set(reader, n));
        let inside = read_patch(reader, &mut f);
        f.finish(reader);
        if names.lookup(key).is_some() {
            reader.error(key_origin, format!("group `{key}` has the name of a node or role"));
            continue;
        }
        if !valid_name(key) {
            reader.error(
                key_origin,
                format!("bad group name `{key}`: use lowercase letters, digits, `-` and `_`"),
            );
            continue;
        }
        if let Some(members) = members {
            groups.push(Group { name: key.clone(), members, inside });
        }
    }
    names.groups = groups.iter().map(|g| (g.name.clone(), g.members.clone())).collect();
    groups
}

/// `[a, b]`: two names (nodes, roles or groups), for links between them.
fn read_pair(reader: &mut Reader<'_>, item: &Item, names: &Names) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    let items = reader.array(item)?;
    let [a, b] = items else {
        reader.error(&item.origin, "expected two names, such as [\"east\", \"west\"]");
        return None;
    };
    let a = names.resolve_set(reader, a);
    let b = names.resolve_set(reader, b);
    Some((a?, b?))
}

// ----- The workload -----

fn read_workload(reader: &mut Reader<'_>, item: Option<&Item>, info: &PatternInfo) -> Option<Workload> {
    let item = item?;
    let support = info.workload?;
    let mut fields = Fields::new(reader, item, "[workload]")?;
    let clients = fields.optional("clients").and_then(|c| {
        let max = support.max_clients.map_or(1_000_000, u64::from);
        reader.count(c, 1, max).map(|c| c as u32)
    });
    let requests = fields.required(reader, "requests").and_then(|r| reader.count(r, 0, 1_000_000_000));
    let arrival_item = fields.optional("arrival");
    let rate_item = fields.optional("rate");
    let mut options = Vec::new();
    if support.closed_loop {
        options.push("closed");
    }
    if support.open_loop {
        options.extend(["poisson", "periodic"]);
    }
    let arrival = match arrival_item {
        Some(a) => reader.choice(a, "arrival", &options),
        None => Some(options[0]),
    };
    let arrival = match arrival {
        Some("closed") => {
            if let Some(r) = rate_item {
                reader.error(&r.origin, "a closed loop has no rate: each client waits for its answer");
            }
            Some(Arrival::Closed)
        }
        Some(process) => {
            let process =
                if process == "poisson" { ArrivalProcess::Poisson } else { ArrivalProcess::Periodic };
            match rate_item {
                Some(r) => read_rate(reader, r).map(|rate_per_sec| Arrival::Open { rate_per_sec, process }),
                None => {
                    reader.error(fields.origin(), "an open-loop workload needs a `rate`, such as \"100/s\"");
                    None
                }
            }
        }
        None => None,
    };
    let mix = match fields.optional("mix") {
        Some(m) => read_mix(reader, m, support.operations),
        None => {
            let n = support.operations.len() as f64;
            support.operations.iter().map(|op| (*op, 1.0 / n)).collect()
        }
    };
    let keys_item = fields.optional("keys");
    let keys = match keys_item {
        Some(k) if !support.keys => {
            reader.error(&k.origin, format!("pattern `{}`'s requests have no keys", info.name));
            None
        }
        Some(k) => read_keys(reader, k),
        None if support.keys => Some(Keys { count: 100, distribution: KeyDistribution::Uniform }),
        None => None,
    };
    fields.finish(reader);
    Some(Workload { clients, requests: requests?, arrival: arrival?, mix, keys })
}

/// A rate: requests per second as a number, or text such as `"200/s"`.
fn read_rate(reader: &mut Reader<'_>, item: &Item) -> Option<f64> {
    let rate = match &item.value {
        Value::String(text) => {
            let per = |suffix: &str, scale: f64| {
                text.trim().strip_suffix(suffix).and_then(|n| n.trim().parse::<f64>().ok()).map(|n| n * scale)
            };
            per("/s", 1.0).or_else(|| per("/ms", 1000.0)).or_else(|| per("/min", 1.0 / 60.0))
        }
        Value::Integer(_) | Value::Float(_) => reader.number(item),
        _ => None,
    };
    match rate {
        Some(r) if r.is_finite() && r > 0.0 && r <= 1e9 => Some(r),
        _ => {
            reader.error(
                &item.origin,
                "expected a rate above zero and at most 1e9/s, such as \"200/s\", \"5/ms\" or \"60/min\"",
            );
            None
        }
    }
}

fn read_mix(
    reader: &mut Reader<'_>,
    item: &Item,
    operations: &'static [&'static str],
) -> Vec<(&'static str, f64)> {
    let Some(mut fields) = Fields::new(reader, item, "the workload `mix`") else { return Vec::new() };
    if operations.is_empty() {
        reader.error(&item.origin, "this pattern's requests have no kinds to mix");
        fields.rest();
        return Vec::new();
    }
    let mut mix = Vec::new();
    for op in operations {
        if let Some(weight_item) = fields.optional(op)
            && let Some(w) = reader.number(weight_item)
        {
            if w < 0.0 {
                reader.error(&weight_item.origin, format!("the weight of `{op}` is negative"));
            } else if w > 0.0 {
                mix.push((*op, w));
            }
        }
    }
    fields.finish(reader);
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        reader.error(
            &item.origin,
            format!("the mix needs a positive weight for one of {}", operations.join(", ")),
        );
        return Vec::new();
    }
    mix.into_iter().map(|(op, w)| (op, w / total)).collect()
}

fn read_keys(reader: &mut Reader<'_>, item: &Item) -> Option<Keys> {
    let mut fields = Fields::new(reader, item, "the workload `keys`")?;
    let count = fields.required(reader, "count").and_then(|c| reader.count(c, 1, 1 << 40));
    let distribution = match fields.optional("distribution") {
        Some(d) => reader.choice(d, "key distribution", &["uniform", "zipf"]),
        None => Some("uniform"),
    };
    let exponent_item = fields.optional("exponent");
    let distribution = match distribution {
        Some("zipf") => {
            let exponent = match exponent_item {
                Some(e) => reader.number(e).filter(|x| {
                    let ok = *x >= 0.0 && *x <= 10.0;
                    if !ok {
                        reader.error(&e.origin, "a Zipf exponent is from 0 to 10 (1 is classic Zipf)");
                    }
                    ok
                }),
                None => Some(1.0),
            };
            exponent.map(|exponent| KeyDistribution::Zipf { exponent })
        }
        Some(_) => {
            if let Some(e) = exponent_item {
                reader.error(&e.origin, "`exponent` is for the `zipf` distribution");
            }
            Some(KeyDistribution::Uniform)
        }
        None => None,
    };
    fields.finish(reader);
    Some(Keys { count: count?, distribution: distribution? })
}

// ----- Faults -----

/// The keys that name a fault's action.
const ACTIONS: &[&str] = &[
    "crash",
    "restart",
    "pause",
    "resume",
    "partition",
    "cut",
    "heal",
    "clock",
    "slow",
    "restore-speed",
    "degrade",
    "restore-link",
];

fn read_faults(
    reader: &mut Reader<'_>,
    item: Option<&Item>,
    names: &Names,
    info: &PatternInfo,
) -> Vec<PlannedFault> {
    let Some(items) = item.and_then(|i| reader.array(i)) else { return Vec::new() };
    let mut faults: Vec<PlannedFault> =
        items.iter().filter_map(|f| read_fault(reader, f, names, info)).collect();
    // Faults fire in time order; faults at the same time, in written order.
    faults.sort_by_key(|f| f.at);
    faults
}

fn read_fault(
    reader: &mut Reader<'_>,
    item: &Item,
    names: &Names,
    info: &PatternInfo,
) -> Option<PlannedFault> {
    let mut fields = Fields::new(reader, item, "a [[faults]] entry")?;
    let at = fields.required(reader, "at").and_then(|a| reader.duration(a));
    let lasting_item = fields.optional("for");
    let lasting = lasting_item.and_then(|l| reader.duration(l));
    let written: Vec<(&'static str, &Item)> =
        ACTIONS.iter().filter_map(|a| fields.optional(a).map(|item| (*a, item))).collect();
    let action = match written.as_slice() {
        [] => {
            reader.error(fields.origin(), format!("a fault needs one action: one of {}", ACTIONS.join(", ")));
            None
        }
        [(name, value)] => read_action(reader, name, value, &mut fields, names, info),
        [_, (second, value), ..] => {
            reader.error(
                &value.origin,
                format!(
                    "a fault has one action; `{second}` is a second one (write another [[faults]] entry)"
                ),
            );
            None
        }
    };
    fields.finish(reader);
    let action = action?;
    if let Some(l) = lasting_item
        && !action.can_last()
    {
        reader.error(&l.origin, format!("`for` undoes a fault, and `{}` has no undo", action.name()));
    }
    Some(PlannedFault { at: SimTime::ZERO.saturating_add(at?), action, lasting })
}

fn read_action(
    reader: &mut Reader<'_>,
    name: &str,
    value: &Item,
    fields: &mut Fields<'_>,
    names: &Names,
    info: &PatternInfo,
) -> Option<FaultAction> {
    let target = |reader: &mut Reader<'_>| names.target(reader, value, info);
    Some(match name {
        "crash" => FaultAction::Crash(target(reader)?),
        "restart" => FaultAction::Restart(target(reader)?),
        "pause" => FaultAction::Pause(target(reader)?),
        "resume" => FaultAction::Resume(target(reader)?),
        "restore-speed" => FaultAction::RestoreSpeed(target(reader)?),
        "heal" => {
            if reader.boolean(value) != Some(true) {
                reader.error(&value.origin, "write `heal = true`");
                return None;
            }
            FaultAction::Heal
        }
        "partition" => {
            let isolate = fields.optional("target");
            let shape = match &value.value {
                Value::Array(groups) => {
                    let mut sets = Vec::new();
                    for g in groups {
                        sets.push(names.resolve_set(reader, g)?);
                    }
                    Shape::Groups(sets)
                }
                _ => match reader.choice(value, "partition shape", SHAPES)? {
                    "halves" => Shape::Halves,
                    "isolate-one" => {
                        let t = match isolate {
                            Some(t) => names.target(reader, t, info)?,
                            None => Target::Random,
                        };
                        Shape::IsolateOne(t)
                    }
                    "majority-minority" => Shape::MajorityMinority,
                    "bridge" => Shape::Bridge,
                    _ => Shape::Ring,
                },
            };
            if let Some(t) = isolate
                && !matches!(shape, Shape::IsolateOne(_))
            {
                reader.error(&t.origin, "`target` is for `partition = \"isolate-one\"`");
            }
            FaultAction::Partition(shape)
        }
        "cut" => {
            let (from, to) = read_pair(reader, value, names)?;
            FaultAction::Cut { from, to }
        }
        "degrade" => {
            let pair = read_pair(reader, value, names);
            let patch = read_patch(reader, fields);
            let (a, b) = pair?;
            FaultAction::Degrade { a, b, patch }
        }
        "restore-link" => {
            let (a, b) = read_pair(reader, value, names)?;
            FaultAction::RestoreLink { a, b }
        }
        "clock" => {
            let target = target(reader);
            let offset = match fields.optional("offset") {
                Some(o) => read_offset(reader, o),
                None => Some(ClockOffset::Ahead(Duration::ZERO)),
            };
            let drift_ppm = match fields.optional("drift_ppm") {
                Some(d) => reader.number(d).filter(|x| {
                    let ok = *x > -1e6 && *x < 1e6;
                    if !ok {
                        reader.error(&d.origin, "a drift is between -1000000 and 1000000 ppm");
                    }
                    ok
                }),
                None => Some(0.0),
            };
            FaultAction::Clock { target: target?, offset: offset?, drift_ppm: drift_ppm? }
        }
        _ => {
            // "slow"
            let target = target(reader);
            let extra = match fields.optional("extra") {
                Some(e) => reader.latency(e),
                None => {
                    reader.error(
                        &value.origin,
                        "a `slow` fault needs `extra`: the added time per message, such as \"uniform 10ms..50ms\"",
                    );
                    None
                }
            };
            FaultAction::Slow { target: target?, extra: extra? }
        }
    })
}

/// A clock jump: `"+200ms"` (ahead) or `"-200ms"` (behind).
fn read_offset(reader: &mut Reader<'_>, item: &Item) -> Option<ClockOffset> {
    let text = reader.string(item)?;
    let (ahead, rest) = match text.trim_start().as_bytes().first() {
        Some(b'+') => (true, &text.trim_start()[1..]),
        Some(b'-') => (false, &text.trim_start()[1..]),
        _ => {
            reader.error(
                &item.origin,
                format!(
                    "bad clock offset `{text}`: expected a signed duration such as \"+200ms\" or \"-1s\""
                ),
            );
            return None;
        }
    };
    match weft_sim::time::parse_duration(rest) {
        Ok(d) if ahead => Some(ClockOffset::Ahead(d)),
        Ok(d) => Some(ClockOffset::Behind(d)),
        Err(e) => {
            reader.error(&item.origin, format!("bad clock offset `{text}`: {}", e.message));
            None
        }
    }
}

fn read_nemesis(reader: &mut Reader<'_>, item: &Item, duration: Option<Duration>) -> Option<Nemesis> {
    let mut fields = Fields::new(reader, item, "[nemesis]")?;
    let names: Vec<&'static str> = NemesisKind::ALL.iter().map(|(n, _)| *n).collect();
    let kinds = match fields.optional("faults") {
        Some(f) => {
            let mut kinds = Vec::new();
            for k in reader.array(f).unwrap_or_default() {
                if let Some(name) = reader.choice(k, "nemesis fault", &names)
                    && let Some((_, kind)) = NemesisKind::ALL.iter().find(|(n, _)| *n == name)
                {
                    kinds.push(*kind);
                }
            }
            kinds.sort();
            kinds.dedup();
            if kinds.is_empty() {
                reader.error(&f.origin, format!("the nemesis needs at least one of {}", names.join(", ")));
            }
            kinds
        }
        None => NemesisKind::ALL.iter().map(|(_, k)| *k).collect(),
    };
    let every = fields.required(reader, "every").and_then(|e| {
        let every = reader.duration(e)?;
        if every.is_zero() {
            reader.error(&e.origin, "`every` is the mean time between faults: it must be above zero");
            return None;
        }
        Some(every)
    });
    let lasting = match fields.optional("lasting") {
        Some(l) => read_duration_range(reader, l),
        None => Some((Duration::from_millis(100), Duration::from_secs(1))),
    };
    let start = match fields.optional("start") {
        Some(s) => reader.duration(s),
        None => Some(Duration::ZERO),
    };
    let stop_item = fields.optional("stop");
    let stop = match (stop_item, duration) {
        (Some(s), _) => reader.duration(s),
        (None, Some(d)) => Some(d),
        (None, None) => {
            reader.error(
                fields.origin(),
                "the nemesis needs a `stop` time when the scenario has no `duration`",
            );
            None
        }
    };
    let swarm = match fields.optional("swarm") {
        Some(s) => reader.boolean(s),
        None => Some(false),
    };
    fields.finish(reader);
    if let (Some(start), Some(stop)) = (start, stop)
        && start > stop
    {
        reader.error(&item.origin, format!("the nemesis starts ({start:?}) after it stops ({stop:?})"));
        return None;
    }
    // A plan is drawn up front: keep it a sane size.
    if let (Some(every), Some(start), Some(stop)) = (every, start, stop) {
        let expected = stop.saturating_sub(start).as_secs_f64() / every.as_secs_f64();
        if expected > MAX_NEMESIS_FAULTS {
            reader.error(
                &item.origin,
                format!("the nemesis would plan about {expected:.0} faults; at most {MAX_NEMESIS_FAULTS} (raise `every` or shorten the window)"),
            );
            return None;
        }
    }
    let at = |d: Duration| SimTime::ZERO.saturating_add(d);
    Some(Nemesis {
        kinds,
        every: every?,
        lasting: lasting?,
        start: at(start?),
        stop: at(stop?),
        swarm: swarm?,
    })
}

/// The most faults a nemesis may plan (on average) for one run.
const MAX_NEMESIS_FAULTS: f64 = 100_000.0;

/// `"100ms..1s"` (uniform between) or `"500ms"` (exactly).
fn read_duration_range(reader: &mut Reader<'_>, item: &Item) -> Option<(Duration, Duration)> {
    let text = reader.string(item)?;
    let parse = |s: &str| weft_sim::time::parse_duration(s).ok();
    let range = match text.split_once("..") {
        Some((low, high)) => parse(low).zip(parse(high)).filter(|(l, h)| l <= h),
        None => parse(text).map(|d| (d, d)),
    };
    if range.is_none() {
        reader
            .error(&item.origin, format!("bad duration range `{text}`: expected \"100ms..1s\" or \"500ms\""));
    }
    range
}

// ----- Checks and expectations -----

fn read_checks(reader: &mut Reader<'_>, item: Option<&Item>, info: &PatternInfo) -> Vec<Check> {
    let all = || info.properties.iter().map(|property| Check { property, within: None }).collect();
    let Some(item) = item else { return all() };
    let Some(mut fields) = Fields::new(reader, item, "[checks]") else { return all() };
    let mut checks = Vec::new();
    for property in info.properties {
        let Some(value) = fields.optional(property.name) else { continue };
        match &value.value {
            Value::Bool(true) => checks.push(Check { property, within: None }),
            Value::Bool(false) => {}
            _ => {
                let Some(mut f) = Fields::new(reader, value, &format!("check `{}`", property.name)) else {
                    continue;
                };
                let within_item = f.optional("within");
                let within = within_item.and_then(|w| reader.duration(w));
                f.finish(reader);
                if let Some(w) = within_item
                    && property.kind != PropertyKind::Eventually
                {
                    reader.error(
                        &w.origin,
                        format!(
                            "`{}` is judged at the end of the run; `within` is for eventually-properties",
                            property.name
                        ),
                    );
                }
                checks.push(Check { property, within });
            }
        }
    }
    for entry in fields.rest() {
        let known: Vec<&str> = info.properties.iter().map(|p| p.name).collect();
        reader.report(
            Diagnostic::at(
                &entry.key_origin,
                format!(
                    "pattern `{}` has no property `{}`: its properties are {}",
                    info.name,
                    entry.key,
                    known.join(", ")
                ),
            )
            .maybe_did_you_mean(closest(&entry.key, known.iter().copied())),
        );
    }
    checks
}

fn read_expect(
    reader: &mut Reader<'_>,
    item: &Item,
    info: &PatternInfo,
    checks: &[Check],
) -> Option<&'static PropertySpec> {
    let mut fields = Fields::new(reader, item, "[expect]")?;
    let violation = fields.required(reader, "violation");
    fields.finish(reader);
    let violation = violation?;
    let names: Vec<&'static str> = info.properties.iter().map(|p| p.name).collect();
    let name = reader.choice(violation, "property", &names)?;
    if !checks.iter().any(|c| c.property.name == name) {
        reader.error(
            &violation.origin,
            format!("`{name}` is expected to be violated, but [checks] does not check it"),
        );
        return None;
    }
    info.properties.iter().find(|p| p.name == name)
}

//! Nodes, and the names that stand for sets of them.

use weft_sim::NodeId;

use crate::catalog::{PatternInfo, RoleSpec};
use crate::closest;
use crate::faults::Target;
use crate::file::diagnostic::{Diagnostic, Origin};
use crate::file::document::{Item, Value};
use crate::file::reader::{Fields, Reader};

use super::{Role, valid_name};

pub(super) fn read_roles(reader: &mut Reader<'_>, item: Option<&Item>, info: &PatternInfo) -> Vec<Role> {
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
                                &i.origin,
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
pub(super) fn role_count_message(spec: &RoleSpec, n: impl std::fmt::Display) -> String {
    if spec.min == spec.max {
        let s = if spec.min == 1 { "" } else { "s" };
        format!("role `{}` has exactly {} node{s}, not {n}", spec.name, spec.min)
    } else {
        format!("role `{}` has from {} to {} nodes, not {n}", spec.name, spec.min, spec.max)
    }
}

/// Every name a scenario can use for a set of nodes: node names, `n3`
/// style ids, role names and group names.
/// The words a fault target may be instead of a name; `Names::target`
/// reads each of them.
pub(super) const SYMBOLIC_TARGETS: &[&str] = &["leader", "random", "minority", "crashed", "paused", "all"];

#[derive(Debug)]
pub(super) struct Names {
    pub(super) nodes: Vec<String>,
    pub(super) roles: Vec<(&'static str, Vec<NodeId>)>,
    pub(super) groups: Vec<(String, Vec<NodeId>)>,
}

impl Names {
    pub(super) fn new(roles: &[Role]) -> Names {
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
    pub(super) fn lookup(&self, name: &str) -> Option<Vec<NodeId>> {
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
    pub(super) fn resolve(&self, reader: &mut Reader<'_>, item: &Item) -> Option<Vec<NodeId>> {
        let name = reader.string(item)?;
        self.resolve_str(reader, name, &item.origin)
    }

    pub(super) fn resolve_str(
        &self,
        reader: &mut Reader<'_>,
        name: &str,
        origin: &Origin,
    ) -> Option<Vec<NodeId>> {
        self.resolve_or_report(reader, name, origin, &[])
    }

    /// Resolves `name`; if it names nothing, reports it, suggesting the
    /// closest of the names and of `symbols` (words such as `leader` that
    /// may stand where a name does).
    fn resolve_or_report(
        &self,
        reader: &mut Reader<'_>,
        name: &str,
        origin: &Origin,
        symbols: &[&str],
    ) -> Option<Vec<NodeId>> {
        if let Some(ids) = self.lookup(name) {
            return Some(ids);
        }
        let all = (symbols.iter().copied())
            .chain(self.nodes.iter().map(String::as_str))
            .chain(self.roles.iter().map(|(n, _)| *n))
            .chain(self.groups.iter().map(|(n, _)| n.as_str()));
        let suggestion = closest(name, all);
        let mut known: Vec<&str> = self.roles.iter().map(|(n, _)| *n).collect();
        known.extend(self.groups.iter().map(|(n, _)| n.as_str()));
        let symbolic = match symbols {
            [] => String::new(),
            _ => format!(", and it is not one of the targets {}", symbols.join(", ")),
        };
        reader.report(
            Diagnostic::at(
                origin,
                format!(
                    "no node, role or group is called `{name}`{symbolic} (nodes are named like `{}`; roles and groups: {})",
                    self.nodes.first().map_or("", String::as_str),
                    known.join(", ")
                ),
            )
            .maybe_did_you_mean(suggestion),
        );
        None
    }

    /// A list of names (or one name) written at `item`, as one set.
    pub(super) fn resolve_set(&self, reader: &mut Reader<'_>, item: &Item) -> Option<Vec<NodeId>> {
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

    /// A fault target: a symbolic target (one of [`SYMBOLIC_TARGETS`]), a
    /// name, or a list of names.
    pub(super) fn target(&self, reader: &mut Reader<'_>, item: &Item, info: &PatternInfo) -> Option<Target> {
        if let Value::Array(_) = item.value {
            return Some(Target::Nodes(self.resolve_set(reader, item)?));
        }
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
            name => {
                // A misspelt `leader` is as likely as a misspelt node name.
                let symbols: Vec<&str> =
                    SYMBOLIC_TARGETS.iter().copied().filter(|s| *s != "leader" || info.has_leader).collect();
                Target::Nodes(self.resolve_or_report(reader, name, &item.origin, &symbols)?)
            }
        })
    }
}

//! `[topology]` and `[network]`: who is linked, and how links behave.

use weft_sim::{LinkModel, NodeId, Topology};

use crate::file::document::{Entry as TomlEntry, Item, Value};
use crate::file::reader::{Fields, Reader};
use crate::network::{Group, LinkPatch, LinkRule, Network};

use super::nodes::Names;
use super::valid_name;

pub(super) const SHAPE_NAMES: &[&str] =
    &["mesh", "ring", "star", "line", "grid", "random-regular", "ring-matching", "edges"];

pub(super) fn read_network(
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
                let changes_something = LINK_FIELDS.iter().any(|key| f.was_written(key));
                f.finish(reader);
                if !changes_something {
                    reader.error(
                        &link.origin,
                        format!(
                            "this [[network.links]] rule changes nothing: set at least one of {}",
                            LINK_FIELDS.join(", ")
                        ),
                    );
                }
                if let Some((a, b)) = between.and_then(|b| read_pair(reader, b, names)) {
                    rules.push(LinkRule { a, b, patch });
                }
            }
        }
        fields.finish(reader);
    }
    Some(Network { topology: shape?, default, groups, rules })
}

/// The fields of a link that a table may set.
pub(super) const LINK_FIELDS: &[&str] = &["latency", "loss", "duplicate", "fifo", "bandwidth"];

/// The link fields a table may set: `latency`, `loss`, `duplicate`,
/// `fifo`, `bandwidth`.
pub(super) fn read_patch(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> LinkPatch {
    LinkPatch {
        latency: fields.optional("latency").and_then(|i| reader.latency(i)),
        loss: fields.optional("loss").and_then(|i| reader.probability(i)),
        duplicate: fields.optional("duplicate").and_then(|i| reader.probability(i)),
        fifo: fields.optional("fifo").and_then(|i| reader.boolean(i)),
        bandwidth_bytes_per_sec: fields.optional("bandwidth").and_then(|i| read_bandwidth(reader, i)),
    }
}

/// Bandwidth: bytes per second as a number, or text such as `"10MB/s"`.
pub(super) fn read_bandwidth(reader: &mut Reader<'_>, item: &Item) -> Option<u64> {
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

pub(super) fn read_shape(
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
                            ([a], [b]) if a == b => reader.error(
                                &edge.origin,
                                "an edge joins two different nodes: a node needs no link to itself",
                            ),
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

pub(super) fn read_groups(reader: &mut Reader<'_>, item: &Item, names: &mut Names) -> Vec<Group> {
    let Some(fields) = Fields::new(reader, item, "[topology.groups]").map(|mut f| f.rest()) else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for TomlEntry { key, key_origin, item } in fields {
        let Some(mut f) = Fields::new(reader, item, &format!("group `{key}`")) else { continue };
        let members = f.required(reader, "nodes").and_then(|n| {
            let members = names.resolve_set(reader, n)?;
            if members.is_empty() {
                reader.error(&n.origin, format!("group `{key}` has no nodes: name at least one"));
                return None;
            }
            Some(members)
        });
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
pub(super) fn read_pair(
    reader: &mut Reader<'_>,
    item: &Item,
    names: &Names,
) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    let items = reader.array(item)?;
    let [a, b] = items else {
        reader.error(&item.origin, "expected two names, such as [\"east\", \"west\"]");
        return None;
    };
    let (a, b) = (names.resolve_set(reader, a), names.resolve_set(reader, b));
    let (a, b) = (a?, b?);
    // Links join two different nodes: `["n1", "n1"]` names none (while
    // `["east", "east"]` names every link inside `east`).
    if a.is_empty() || b.is_empty() {
        reader.error(&item.origin, "an empty list names no node, so these name no link");
        return None;
    }
    if a.iter().all(|x| b.iter().all(|y| x == y)) {
        reader.error(&item.origin, "both name the same single node, and a node has no link to itself");
        return None;
    }
    Some((a, b))
}

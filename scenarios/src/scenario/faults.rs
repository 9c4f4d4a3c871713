//! `[[faults]]` and `[nemesis]`: planned and random faults.

use std::time::Duration;

use weft_sim::{ClockOffset, NodeId, SimTime};

use crate::catalog::PatternInfo;
use crate::faults::{FaultAction, Nemesis, NemesisKind, PlannedFault, SHAPES, Shape, Target};
use crate::file::document::{Item, Value};
use crate::file::reader::{Fields, Reader};

use super::network::{LINK_FIELDS, read_pair, read_patch};
use super::nodes::{Names, SYMBOLIC_TARGETS};

/// The keys that name a fault's action.
pub(super) const ACTIONS: &[&str] = &[
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

pub(super) fn read_faults(
    reader: &mut Reader<'_>,
    item: Option<&Item>,
    names: &Names,
    info: &PatternInfo,
    duration: Option<Duration>,
) -> Vec<PlannedFault> {
    let Some(items) = item.and_then(|i| reader.array(i)) else { return Vec::new() };
    let mut faults: Vec<PlannedFault> =
        items.iter().filter_map(|f| read_fault(reader, f, names, info, duration)).collect();
    // Faults fire in time order; faults at the same time, in written order.
    faults.sort_by_key(|f| f.at);
    faults
}

pub(super) fn read_fault(
    reader: &mut Reader<'_>,
    item: &Item,
    names: &Names,
    info: &PatternInfo,
    duration: Option<Duration>,
) -> Option<PlannedFault> {
    let mut fields = Fields::new(reader, item, "a [[faults]] entry")?;
    let at_item = fields.required(reader, "at");
    let at = at_item.and_then(|a| reader.duration(a));
    if let (Some(item), Some(at), Some(duration)) = (at_item, at, duration)
        && at >= duration
    {
        reader.error(
            &item.origin,
            format!(
                "this fault would fire at {at:?}, but the run ends at {duration:?} (`duration`): it would never \
                 fire; move it earlier or make the run longer"
            ),
        );
    }
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

pub(super) fn read_action(
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
            let order_item = fields.optional("order");
            // Read the order and the shape both before giving up on either,
            // so every mistake in them is reported at once.
            let order = order_item.map(|item| read_order(reader, item, names));
            if let Some(None) = order {
                reader.choice(value, "partition shape", SHAPES);
                return None;
            }
            let order = order.flatten();
            let shape = match &value.value {
                Value::Array(groups) => Shape::Groups(read_partition_groups(reader, groups, names)?),
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
                    "bridge" => Shape::Bridge(order.clone()),
                    _ => Shape::Ring(order.clone()),
                },
            };
            if let Some(t) = isolate
                && !matches!(shape, Shape::IsolateOne(_))
            {
                reader.error(&t.origin, "`target` is for `partition = \"isolate-one\"`");
            }
            if let Some(o) = order_item
                && !matches!(shape, Shape::Bridge(_) | Shape::Ring(_))
            {
                reader.error(&o.origin, "`order` is for `partition = \"bridge\"` and `\"ring\"`");
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
            if !LINK_FIELDS.iter().any(|key| fields.was_written(key)) {
                reader.error(
                    &value.origin,
                    format!("a `degrade` needs at least one of {} to change", LINK_FIELDS.join(", ")),
                );
                return None;
            }
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

/// `partition = [["a", "b"], ["c"]]`: the groups of an explicit partition.
/// Every name in every group is resolved and every mistake reported; a node
/// may be in one group only (in two, which side would it be on?).
fn read_partition_groups(
    reader: &mut Reader<'_>,
    groups: &[Item],
    names: &Names,
) -> Option<Vec<Vec<NodeId>>> {
    // The group each node was first put in, by node.
    let mut group_of: Vec<Option<usize>> = vec![None; names.nodes.len()];
    let mut sets = Vec::new();
    let mut ok = true;
    for (index, group) in groups.iter().enumerate() {
        let members: Vec<&Item> = match &group.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![group],
        };
        let mut set = Vec::new();
        for member in members {
            let Some(ids) = names.resolve(reader, member) else {
                ok = false;
                continue;
            };
            // Nodes this name puts on a second side, with the first side.
            let mut twice = Vec::new();
            for id in ids {
                match group_of[id.index()] {
                    Some(first) if first != index => twice.push((id, first)),
                    _ => {
                        group_of[id.index()] = Some(index);
                        set.push(id);
                    }
                }
            }
            let shown = |id: NodeId| format!("`{}`", names.nodes[id.index()]);
            match twice.as_slice() {
                [] => {}
                [(id, first)] => reader.error(
                    &member.origin,
                    format!(
                        "{} is in two partition groups ({} and {}): a node is on one side only",
                        shown(*id),
                        first + 1,
                        index + 1
                    ),
                ),
                several => reader.error(
                    &member.origin,
                    format!(
                        "{} are each in two partition groups: a node is on one side only",
                        several.iter().map(|(id, _)| shown(*id)).collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
            ok &= twice.is_empty();
        }
        set.sort();
        set.dedup();
        sets.push(set);
    }
    ok.then_some(sets)
}

/// The `order` of a `bridge` or `ring`: every node once, by name, in the
/// order the shape lays them out (roles and groups are not allowed: their
/// members would have no order of their own).
fn read_order(reader: &mut Reader<'_>, item: &Item, names: &Names) -> Option<Vec<NodeId>> {
    let items = reader.array(item)?;
    let mut order = Vec::new();
    let mut ok = true;
    for name in items {
        match names.resolve(reader, name).as_deref() {
            None => ok = false,
            Some([node]) if !order.contains(node) => order.push(*node),
            Some([node]) => {
                let shown = &names.nodes[node.index()];
                reader.error(&name.origin, format!("`{shown}` is in the order twice"));
                ok = false;
            }
            Some(_) => {
                reader.error(&name.origin, "an order names single nodes, not roles or groups");
                ok = false;
            }
        }
    }
    if ok && order.len() != names.nodes.len() {
        let missing: Vec<String> = (0..names.nodes.len())
            .filter(|i| !order.contains(&NodeId::new(*i as u32)))
            .map(|i| format!("`{}`", names.nodes[i]))
            .collect();
        reader.error(
            &item.origin,
            format!("an order lists every node once; this one leaves out {}", missing.join(", ")),
        );
        return None;
    }
    ok.then_some(order)
}

/// A clock jump: `"+200ms"` (ahead) or `"-200ms"` (behind).
pub(super) fn read_offset(reader: &mut Reader<'_>, item: &Item) -> Option<ClockOffset> {
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

/// The nemesis's `faults`: a list of kinds, equally likely
/// (`["crash", "partition"]`), or a table of kinds and whole-number weights
/// (`{ crash = 3, partition = 1 }`: three crashes for each partition; 0
/// leaves a kind out).
fn read_nemesis_kinds(
    reader: &mut Reader<'_>,
    item: &Item,
    names: &[&'static str],
) -> Vec<(NemesisKind, u32)> {
    let kind_of = |name: &str| NemesisKind::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k);
    let mut kinds = Vec::new();
    match &item.value {
        Value::Table(_) => {
            let Some(mut fields) = Fields::new(reader, item, "the nemesis `faults`") else { return kinds };
            for (name, kind) in NemesisKind::ALL {
                if let Some(w) = fields.optional(name)
                    && let Some(weight) = reader.count(w, 0, 1_000)
                    && weight > 0
                {
                    kinds.push((*kind, weight as u32));
                }
            }
            fields.finish(reader);
        }
        _ => {
            for k in reader.array(item).unwrap_or_default() {
                if let Some(kind) = reader.choice(k, "nemesis fault", names).and_then(kind_of) {
                    kinds.push((kind, 1));
                }
            }
        }
    }
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        reader.error(&item.origin, format!("the nemesis needs at least one of {}", names.join(", ")));
    }
    kinds
}

pub(super) fn read_nemesis(
    reader: &mut Reader<'_>,
    item: &Item,
    duration: Option<Duration>,
) -> Option<Nemesis> {
    let mut fields = Fields::new(reader, item, "[nemesis]")?;
    let names: Vec<&'static str> = NemesisKind::ALL.iter().map(|(n, _)| *n).collect();
    let kinds = match fields.optional("faults") {
        Some(f) => read_nemesis_kinds(reader, f, &names),
        None => NemesisKind::ALL.iter().map(|(_, k)| (*k, 1)).collect(),
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
    let start_item = fields.optional("start");
    let start = match start_item {
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
    if let (Some(start), Some(duration), Some(s)) = (start, duration, start_item)
        && start >= duration
    {
        reader.error(
            &s.origin,
            format!(
                "the nemesis would start at {start:?}, but the run ends at {duration:?} (`duration`): it \
                 would never fire a fault"
            ),
        );
        return None;
    }
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
pub(super) const MAX_NEMESIS_FAULTS: f64 = 100_000.0;

/// `"100ms..1s"` (uniform between) or `"500ms"` (exactly).
pub(super) fn read_duration_range(reader: &mut Reader<'_>, item: &Item) -> Option<(Duration, Duration)> {
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

/// A fault as a `[[faults]]` entry: the inverse of [`read_fault`], so
/// reading the entry back gives the same fault. `node_names` are the
/// scenario's node names by index. Durations are written in `Duration`'s
/// `Debug` form and latencies in their `Display` form, both of which read
/// back exactly.
pub(crate) fn write_fault(fault: &PlannedFault, node_names: &[String]) -> toml::Table {
    let name = |node: &NodeId| toml::Value::String(node_names[node.index()].clone());
    let list = |nodes: &[NodeId]| toml::Value::Array(nodes.iter().map(name).collect());
    // One node by its name, several as a list.
    let nodes = |nodes: &[NodeId]| match nodes {
        [one] => name(one),
        many => list(many),
    };
    let target = |target: &Target| {
        let word = |w: &str| toml::Value::String(w.to_string());
        match target {
            Target::Leader => word("leader"),
            Target::Random => word("random"),
            Target::Minority => word("minority"),
            Target::Crashed => word("crashed"),
            Target::Paused => word("paused"),
            Target::All => word("all"),
            // A node called like a symbolic target is written as a list, where
            // only names are read.
            Target::Nodes(ns) => match ns.as_slice() {
                [one] if !SYMBOLIC_TARGETS.contains(&node_names[one.index()].as_str()) => name(one),
                many => list(many),
            },
        }
    };
    let pair = |a: &[NodeId], b: &[NodeId]| toml::Value::Array(vec![nodes(a), nodes(b)]);
    let text = |s: String| toml::Value::String(s);

    let mut entry = toml::Table::new();
    // `Debug` writes zero as "0ns", which is right but reads oddly.
    let at = fault.at.since_start();
    entry.insert("at".into(), text(if at.is_zero() { "0s".into() } else { format!("{at:?}") }));
    let key = fault.action.name().to_string();
    match &fault.action {
        FaultAction::Crash(t)
        | FaultAction::Restart(t)
        | FaultAction::Pause(t)
        | FaultAction::Resume(t)
        | FaultAction::RestoreSpeed(t) => {
            entry.insert(key, target(t));
        }
        FaultAction::Heal => {
            entry.insert(key, toml::Value::Boolean(true));
        }
        FaultAction::Partition(shape) => {
            let (value, extra) = match shape {
                Shape::Halves => (text("halves".into()), None),
                Shape::MajorityMinority => (text("majority-minority".into()), None),
                Shape::IsolateOne(Target::Random) => (text("isolate-one".into()), None),
                Shape::IsolateOne(t) => (text("isolate-one".into()), Some(("target", target(t)))),
                Shape::Bridge(order) => (text("bridge".into()), order.as_deref().map(|o| ("order", list(o)))),
                Shape::Ring(order) => (text("ring".into()), order.as_deref().map(|o| ("order", list(o)))),
                Shape::Groups(groups) => (toml::Value::Array(groups.iter().map(|g| list(g)).collect()), None),
            };
            entry.insert(key, value);
            if let Some((extra_key, extra_value)) = extra {
                entry.insert(extra_key.into(), extra_value);
            }
        }
        FaultAction::Cut { from, to } => {
            entry.insert(key, pair(from, to));
        }
        FaultAction::RestoreLink { a, b } => {
            entry.insert(key, pair(a, b));
        }
        FaultAction::Degrade { a, b, patch } => {
            entry.insert(key, pair(a, b));
            if let Some(latency) = &patch.latency {
                entry.insert("latency".into(), text(latency.to_string()));
            }
            if let Some(loss) = patch.loss {
                entry.insert("loss".into(), toml::Value::Float(loss));
            }
            if let Some(duplicate) = patch.duplicate {
                entry.insert("duplicate".into(), toml::Value::Float(duplicate));
            }
            if let Some(fifo) = patch.fifo {
                entry.insert("fifo".into(), toml::Value::Boolean(fifo));
            }
            if let Some(bytes) = patch.bandwidth_bytes_per_sec {
                let value = match i64::try_from(bytes) {
                    Ok(n) => toml::Value::Integer(n),
                    Err(_) => text(format!("{bytes}B/s")),
                };
                entry.insert("bandwidth".into(), value);
            }
        }
        FaultAction::Clock { target: t, offset, drift_ppm } => {
            entry.insert(key, target(t));
            match offset {
                ClockOffset::Ahead(d) if d.is_zero() => {}
                ClockOffset::Ahead(d) => {
                    entry.insert("offset".into(), text(format!("+{d:?}")));
                }
                ClockOffset::Behind(d) => {
                    entry.insert("offset".into(), text(format!("-{d:?}")));
                }
            }
            if *drift_ppm != 0.0 {
                entry.insert("drift_ppm".into(), toml::Value::Float(*drift_ppm));
            }
        }
        FaultAction::Slow { target: t, extra } => {
            entry.insert(key, target(t));
            entry.insert("extra".into(), text(extra.to_string()));
        }
    }
    if let Some(lasting) = fault.lasting {
        entry.insert("for".into(), text(format!("{lasting:?}")));
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    /// Every action, in every form the reader knows.
    const FAULTS: &str = r#"
[[faults]]
at = "0s"
crash = "random"
for = "1.5ms"
[[faults]]
at = "1ms"
crash = ["node-1", "node-3"]
[[faults]]
at = "2ms"
restart = "crashed"
[[faults]]
at = "3ms"
pause = "minority"
for = "312.456789ms"
[[faults]]
at = "4ms"
resume = "paused"
[[faults]]
at = "5ms"
partition = "halves"
[[faults]]
at = "6ms"
partition = "isolate-one"
[[faults]]
at = "7ms"
partition = "isolate-one"
target = []
[[faults]]
at = "8ms"
partition = "bridge"
order = ["node-4", "node-2", "node-1", "node-3", "node-0"]
for = "10ms"
[[faults]]
at = "9ms"
partition = "ring"
[[faults]]
at = "10ms"
partition = [["node-0", "node-1"], ["node-2"]]
[[faults]]
at = "11ms"
cut = ["node-0", ["node-1", "node-2"]]
for = "1s"
[[faults]]
at = "12ms"
heal = true
[[faults]]
at = "13ms"
degrade = ["node-3", "node"]
latency = "99% constant 10ms | 1% pareto scale=5ms shape=1.5"
loss = 0.2
duplicate = 0.015
fifo = false
bandwidth = "10MB/s"
[[faults]]
at = "14ms"
restore-link = ["node-3", "node"]
[[faults]]
at = "15ms"
clock = "n1"
offset = "-1.25s"
drift_ppm = -600000.5
[[faults]]
at = "16ms"
clock = "all"
[[faults]]
at = "17ms"
slow = "node"
extra = "uniform 10ms..50ms"
[[faults]]
at = "18ms"
restore-speed = "all"
"#;

    const HEAD: &str = "name = \"every-fault\"\ndescription = \"d\"\npattern = \"leader-election\"\n\
                        [nodes]\nnode = 5\n";

    fn faults_of(text: &str) -> Vec<PlannedFault> {
        match Scenario::load("f.toml", text, &[], "f.toml") {
            Ok(scenario) => scenario.faults,
            Err(e) => panic!("{e}\n{text}"),
        }
    }

    #[test]
    fn every_fault_written_reads_back_as_itself() {
        let faults = faults_of(&format!("{HEAD}{FAULTS}"));
        assert_eq!(faults.len(), 19);
        let names: Vec<String> = (0..5).map(|i| format!("node-{i}")).collect();
        let entries = faults.iter().map(|f| toml::Value::Table(write_fault(f, &names))).collect();
        let mut table = toml::Table::new();
        table.insert("faults".into(), toml::Value::Array(entries));
        let written = toml::to_string(&table).expect("serializes");
        let again = faults_of(&format!("{HEAD}{written}"));
        assert_eq!(format!("{faults:#?}"), format!("{again:#?}"), "{written}");
        assert!(written.contains("crash = [\"node-1\", \"node-3\"]"), "{written}");
        assert!(written.contains("offset = \"-1.25s\""), "{written}");
    }

    #[test]
    fn a_node_named_like_a_target_is_written_as_a_list() {
        let text = "name = \"x\"\ndescription = \"d\"\npattern = \"leader-election\"\n\
                    [nodes]\nnode = { count = 3, names = [\"leader\", \"b\", \"c\"] }\n[[faults]]\nat = \"1s\"\ncrash = [\"leader\"]\n";
        let faults = faults_of(text);
        assert!(matches!(&faults[0].action, FaultAction::Crash(Target::Nodes(n)) if n == &[NodeId::new(0)]));
        let names = vec!["leader".to_string(), "b".into(), "c".into()];
        let entry = write_fault(&faults[0], &names);
        assert_eq!(entry["crash"], toml::Value::Array(vec![toml::Value::String("leader".into())]));
    }

    #[test]
    fn a_shape_order_names_every_node_once() {
        let bad = |order: &str| {
            let text = format!("{HEAD}[[faults]]\nat = \"1s\"\npartition = \"ring\"\norder = {order}\n");
            Scenario::load("f.toml", &text, &[], "f.toml").expect_err("a bad order").to_string()
        };
        let missing = bad(r#"["node-0", "node-1"]"#);
        assert!(missing.contains("leaves out `node-2`, `node-3`, `node-4`"), "{missing}");
        assert!(bad(r#"["node-0", "node-0", "node-1", "node-2", "node-3"]"#).contains("in the order twice"));
        assert!(bad(r#"["node", "node-1"]"#).contains("single nodes, not roles or groups"));
        let order = r#"["node-0", "node-1", "node-2", "node-3", "node-4"]"#;
        let halves = format!("{HEAD}[[faults]]\nat = \"1s\"\npartition = \"halves\"\norder = {order}\n");
        let error =
            Scenario::load("f.toml", &halves, &[], "f.toml").expect_err("order on halves").to_string();
        assert!(error.contains("`order` is for"), "{error}");
    }
}

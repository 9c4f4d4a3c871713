//! Words and glyphs for what is in a trace: one line per event, short
//! renderings of messages and observations, readable times.
//!
//! Messages, timers, faults and observations reach the explorer as JSON (the
//! engine serialises whatever the pattern's types are), so this module reads
//! the shapes serde writes: `"lease-tick"`, `{"hedge": 8}`,
//! `{"request-vote": {"term": 1}}`.

use std::fmt::Write as _;

use serde_json::Value;
use weft_sim::trace::{TraceEvent, TraceHeader, TraceKind};
use weft_sim::{NodeId, SimTime};

/// The glyph that marks each kind of event, in the flow diagram, the log and
/// the timeline. Glyphs and colours always go together, so a reader who
/// cannot tell the colours apart (or runs with `NO_COLOR`) loses nothing.
pub mod glyph {
    /// A message leaves its sender.
    pub const SEND: char = '●';
    /// A message arrives (the arrowhead, at the receiver).
    pub const DELIVER: char = '▶';
    /// The sending end of an arrow.
    pub const ORIGIN: char = '○';
    /// A message is lost.
    pub const DROP: char = '✕';
    /// The link duplicated a message.
    pub const DUPLICATE: char = '◎';
    /// A timer fired.
    pub const TIMER: char = '◷';
    /// A node said something about itself.
    pub const OBSERVE: char = '◆';
    /// A node's handler started.
    pub const START: char = '▲';
    /// A node crashed.
    pub const CRASH: char = '╳';
    /// A node restarted.
    pub const RESTART: char = '↻';
    /// A node paused.
    pub const PAUSE: char = '‖';
    /// A network fault (partition, cut, heal, degraded link) or another
    /// node fault (clock, speed).
    pub const FAULT: char = '⚑';
    /// A property was violated.
    pub const VIOLATION: char = '‼';
    /// A node that is up.
    pub const UP: char = '●';
}

/// A short rendering of a JSON value from a trace: enum tags and their
/// fields, durations as durations.
///
/// ```
/// use serde_json::json;
/// use weft_tui::describe::value;
///
/// assert_eq!(value(&json!({"request-vote": {"term": 1}})), "request-vote term=1");
/// assert_eq!(value(&json!({"hedge": 8})), "hedge 8");
/// assert_eq!(value(&json!({"secs": 1, "nanos": 500000000})), "1.5s");
/// ```
pub fn value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, true);
    out
}

fn write_value(out: &mut String, v: &Value, top: bool) {
    match v {
        Value::Null => out.push('-'),
        Value::Bool(b) => out.push_str(if *b { "yes" } else { "no" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, false);
            }
            out.push(']');
        }
        Value::Object(map) => {
            if let Some(d) = as_duration(v) {
                out.push_str(&d);
            } else if map.len() == 1 && top {
                let (tag, inner) = map.iter().next().expect("one entry");
                out.push_str(tag);
                if !inner.is_null() {
                    out.push(' ');
                    write_fields(out, inner);
                }
            } else {
                if !top {
                    out.push('{');
                }
                write_fields(out, v);
                if !top {
                    out.push('}');
                }
            }
        }
    }
}

fn write_fields(out: &mut String, v: &Value) {
    match v {
        Value::Object(map) if as_duration(v).is_none() => {
            for (i, (key, field)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{key}=");
                write_value(out, field, false);
            }
        }
        other => write_value(out, other, false),
    }
}

/// A `std::time::Duration` as serde writes it (`{"secs": 1, "nanos": 0}`),
/// rendered readably.
fn as_duration(v: &Value) -> Option<String> {
    let map = v.as_object()?;
    if map.len() != 2 {
        return None;
    }
    let secs = map.get("secs")?.as_u64()?;
    let nanos = map.get("nanos")?.as_u64()?;
    Some(duration(secs.saturating_mul(1_000_000_000).saturating_add(nanos)))
}

/// A span of nanoseconds in the largest unit that keeps it short: `1.5s`,
/// `250ms`, `12.3µs`.
pub fn duration(nanos: u64) -> String {
    let (value, unit) = match nanos {
        0 => return "0s".into(),
        n if n >= 1_000_000_000 => (n as f64 / 1e9, "s"),
        n if n >= 1_000_000 => (n as f64 / 1e6, "ms"),
        n if n >= 1_000 => (n as f64 / 1e3, "µs"),
        n => (n as f64, "ns"),
    };
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

/// A moment of virtual time, to the microsecond: `1.234567s`.
pub fn time(t: SimTime) -> String {
    let nanos = t.as_nanos();
    format!("{}.{:06}s", nanos / 1_000_000_000, (nanos % 1_000_000_000) / 1_000)
}

/// Names nodes the way the trace header does.
#[derive(Clone, Copy, Debug)]
pub struct Names<'a>(pub &'a TraceHeader);

impl Names<'_> {
    /// The node's full name, `client-2`; its id if the header lacks it.
    pub fn name(&self, node: NodeId) -> String {
        self.0.nodes.get(node.index()).map_or_else(|| node.to_string(), |info| info.name.clone())
    }

    /// A label of at most `width` characters for a column header: the
    /// name if it fits, else its [`abbreviation`](Names::abbreviation), else
    /// the node's index.
    pub fn short(&self, node: NodeId, width: usize) -> String {
        let full = self.name(node);
        if full.chars().count() <= width {
            return full;
        }
        let short = self.abbreviation(node);
        if short.chars().count() <= width { short } else { node.index().to_string() }
    }

    /// The shortest label that tells the node from every other: as much of
    /// its role (its name without the number) as differs from every other
    /// role, then its number. `c2` for `client-2` beside `server-0`, but
    /// `pi0` and `po0` for `pinger-0` and `ponger-0`. Two labels never
    /// read the same; if a strange set of names would make them, the
    /// node's index stands in.
    ///
    /// ```
    /// use weft_sim::trace::{NodeInfo, TraceHeader};
    /// use weft_sim::NodeId;
    /// use weft_tui::describe::Names;
    ///
    /// let node = |name: &str| NodeInfo { name: name.into(), role: "r".into() };
    /// let header = TraceHeader {
    ///     weft_trace: 1,
    ///     scenario: "ping-pong".into(),
    ///     seed: 1,
    ///     nodes: vec![node("pinger-0"), node("ponger-0"), node("ponger-1")],
    /// };
    /// let labels: Vec<String> = (0..3).map(|i| Names(&header).abbreviation(NodeId::new(i))).collect();
    /// assert_eq!(labels, ["pi0", "po0", "po1"]);
    /// ```
    pub fn abbreviation(&self, node: NodeId) -> String {
        let full = self.name(node);
        let (role, number) = split_name(&full);
        let roles: std::collections::BTreeSet<&str> =
            self.0.nodes.iter().map(|info| split_name(&info.name).0).collect();
        let label = format!("{}{number}", distinguishing_prefix(role, &roles));
        // Another role's label is its prefix and a number: if ours could
        // read as one of those, fall back to the index.
        let ambiguous = roles.iter().filter(|r| **r != role).any(|other| {
            label
                .strip_prefix(distinguishing_prefix(other, &roles))
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
        });
        if ambiguous { node.index().to_string() } else { label }
    }
}

/// A node name split into its role and its number: `("client", "12")` for
/// `client-12`; the number is empty when there is none.
fn split_name(name: &str) -> (&str, &str) {
    let role = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let number = &name[role.len()..];
    (role.trim_end_matches(['-', '_']), number)
}

/// The shortest start of `role` that no other role in `roles` starts with
/// (all of it, if another role starts with the whole of it).
fn distinguishing_prefix<'r>(role: &'r str, roles: &std::collections::BTreeSet<&str>) -> &'r str {
    let shared = |other: &str| role.chars().zip(other.chars()).take_while(|(a, b)| a == b).count();
    let chars = roles.iter().filter(|r| **r != role).map(|r| shared(r) + 1).max().unwrap_or(1);
    let end = role.char_indices().nth(chars).map_or(role.len(), |(i, _)| i);
    &role[..end]
}

/// The glyph of an event.
pub fn event_glyph(kind: &TraceKind) -> char {
    match kind {
        TraceKind::Start { .. } => glyph::START,
        TraceKind::Send { .. } => glyph::SEND,
        TraceKind::Duplicate { .. } => glyph::DUPLICATE,
        TraceKind::Deliver { .. } => glyph::DELIVER,
        TraceKind::Drop { .. } => glyph::DROP,
        TraceKind::Timer { .. } => glyph::TIMER,
        TraceKind::Fault { fault } => fault_glyph(fault),
        TraceKind::Observe { .. } => glyph::OBSERVE,
    }
}

/// A node id in a fault's field `key` (`node`, `from`, `a`, ...).
pub fn fault_node(fault: &Value, key: &str) -> Option<NodeId> {
    as_node(fault.get(key)?)
}

/// The nodes a fault names one by one (a crash's node, a cut's two ends, a
/// degraded link's two ends): what the flow marks on their columns.
pub fn fault_nodes(fault: &Value) -> impl Iterator<Item = NodeId> + '_ {
    ["node", "from", "to", "a", "b"].into_iter().filter_map(|key| fault_node(fault, key))
}

/// A partition's groups, as the engine wrote them (nodes in no group make
/// one more group together); empty for other faults.
pub fn partition_groups(fault: &Value) -> Vec<Vec<NodeId>> {
    let groups = fault.get("groups").and_then(Value::as_array).into_iter().flatten();
    groups.map(|g| g.as_array().into_iter().flatten().filter_map(as_node).collect()).collect()
}

fn as_node(v: &Value) -> Option<NodeId> {
    u32::try_from(v.as_u64()?).ok().map(NodeId::new)
}

/// The glyph of a fault: crash, restart and pause have their own.
pub fn fault_glyph(fault: &Value) -> char {
    match fault.get("fault").and_then(Value::as_str) {
        Some("crash") => glyph::CRASH,
        Some("restart") => glyph::RESTART,
        Some("pause") => glyph::PAUSE,
        _ => glyph::FAULT,
    }
}

/// One line saying what an event was, without its time. `message` finds
/// the message a delivery or drop refers to (the trace names it by id).
pub fn event<'a>(names: Names<'_>, e: &TraceEvent, message: impl Fn(u64) -> Option<&'a Value>) -> String {
    let n = |node: &NodeId| names.name(*node);
    let msg = |id: &u64| message(*id).map(value).unwrap_or_else(|| format!("message {id}"));
    match &e.kind {
        TraceKind::Start { node } => format!("{} starts", n(node)),
        TraceKind::Send { id, from, to, msg: m } => format!("{} → {}  {}  #{id}", n(from), n(to), value(m)),
        TraceKind::Duplicate { id, copy } => format!("#{id} duplicated as #{copy}  {}", msg(id)),
        TraceKind::Deliver { id, from, to } => format!("{} ← {}  {}  #{id}", n(to), n(from), msg(id)),
        TraceKind::Drop { id, from, to, reason } => {
            format!("{} → {}  DROPPED ({})  {}  #{id}", n(from), n(to), reason.as_str(), msg(id))
        }
        TraceKind::Timer { node, timer } => format!("{}  timer {}", n(node), value(timer)),
        TraceKind::Fault { fault } => format!("FAULT {}", fault_text(names, fault)),
        TraceKind::Observe { node, obs } => format!("{}  {}", n(node), value(obs)),
    }
}

/// A fault in words, with node names: `crash node-2`, `partition
/// {node-0} | {node-1, node-2}`.
pub fn fault_text(names: Names<'_>, fault: &Value) -> String {
    let kind = fault.get("fault").and_then(Value::as_str).unwrap_or("fault");
    let node = |key: &str| fault_node(fault, key).map_or_else(|| "?".into(), |n| names.name(n));
    match kind {
        "crash" | "restart" | "pause" | "resume" | "restore-speed" => format!("{kind} {}", node("node")),
        "slow-node" => {
            format!("slow {} by {}", node("node"), fault.get("extra").map(value).unwrap_or_default())
        }
        "clock-skew" => format!("clock of {}: {}", node("node"), clock_skew(fault)),
        "cut-one-way" => format!("cut {} → {}", node("from"), node("to")),
        "degrade-link" => format!("degrade {} ↔ {}", node("a"), node("b")),
        "restore-link" => format!("restore {} ↔ {}", node("a"), node("b")),
        "heal" => "heal the network".into(),
        "partition" => {
            let named: Vec<String> = partition_groups(fault)
                .iter()
                .map(|group| {
                    let members: Vec<String> = group.iter().map(|n| names.name(*n)).collect();
                    format!("{{{}}}", members.join(", "))
                })
                .collect();
            format!("partition {} | the rest", named.join(" | "))
        }
        other => format!("{other} {}", value(fault)),
    }
}

/// A clock-skew fault's jump and drift: `+50ms, 100 ppm`.
pub fn clock_skew(fault: &Value) -> String {
    let offset = fault.get("offset");
    let (sign, d) = match offset.and_then(Value::as_object).and_then(|m| m.iter().next()) {
        Some((dir, d)) => (if dir == "behind" { "-" } else { "+" }, as_duration(d).unwrap_or_default()),
        None => ("", String::new()),
    };
    let drift = fault.get("drift_ppm").and_then(Value::as_f64).unwrap_or(0.0);
    format!("{sign}{d}, {drift} ppm")
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use weft_sim::trace::{NodeInfo, TRACE_VERSION};

    use super::*;

    fn header() -> TraceHeader {
        let node = |name: &str, role: &str| NodeInfo { name: name.into(), role: role.into() };
        TraceHeader {
            weft_trace: TRACE_VERSION,
            scenario: "t".into(),
            seed: 1,
            nodes: vec![node("node-0", "node"), node("client-12", "client")],
        }
    }

    #[test]
    fn values_read_like_the_patterns_wrote_them() {
        assert_eq!(value(&json!("lease-tick")), "lease-tick");
        assert_eq!(value(&json!({"voted": {"candidate": 4, "term": 1}})), "voted candidate=4 term=1");
        assert_eq!(value(&json!({"a": [1, {"b": null}]})), "a [1,{b=-}]");
        assert_eq!(duration(893_654_177), "893.654ms");
        assert_eq!(duration(1_000), "1µs");
        assert_eq!(time(SimTime::from_millis(1500)), "1.500000s");
    }

    #[test]
    fn short_names_fit_their_column() {
        let h = header();
        let names = Names(&h);
        assert_eq!(names.short(NodeId::new(0), 6), "node-0");
        assert_eq!(names.short(NodeId::new(1), 3), "c12");
        assert_eq!(names.short(NodeId::new(1), 2), "1");
        assert_eq!(names.name(NodeId::new(9)), "n9");
    }

    #[test]
    fn short_names_are_unique_with_the_shortest_role_prefix_that_tells_them_apart() {
        let header_of = |names: &[&str]| {
            let mut h = header();
            h.nodes = names.iter().map(|n| NodeInfo { name: n.to_string(), role: "r".into() }).collect();
            h
        };
        let labels = |names: &[&str]| {
            let h = header_of(names);
            (0..names.len()).map(|i| Names(&h).short(NodeId::new(i as u32), 4)).collect::<Vec<_>>()
        };
        assert_eq!(labels(&["pinger-0", "ponger-0"]), ["pi0", "po0"]);
        assert_eq!(labels(&["node-0", "node-1", "node-12"]), ["n0", "n1", "n12"]);
        assert_eq!(labels(&["client-0", "cache-0", "server-0"]), ["cl0", "ca0", "s0"]);
        let h = header_of(&["p10", "p1-0"]);
        let abbreviations = [0, 1].map(|i| Names(&h).abbreviation(NodeId::new(i)));
        assert_eq!(abbreviations, ["0", "1"], "`p` 10 and `p1` 0 would both read p10: indexes instead");
    }

    #[test]
    fn faults_name_their_nodes() {
        let h = header();
        let names = Names(&h);
        assert_eq!(fault_text(names, &json!({"fault": "crash", "node": 1})), "crash client-12");
        assert_eq!(
            fault_text(names, &json!({"fault": "partition", "groups": [[0]]})),
            "partition {node-0} | the rest"
        );
        let skew = json!({"fault": "clock-skew", "node": 0, "offset": {"behind": {"secs": 0, "nanos": 50000000}}, "drift_ppm": 100.0});
        assert_eq!(clock_skew(&skew), "-50ms, 100 ppm");
    }
}

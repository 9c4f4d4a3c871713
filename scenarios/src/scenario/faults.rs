//! `[[faults]]` and `[nemesis]`: planned and random faults.

use std::time::Duration;

use weft_sim::{ClockOffset, SimTime};

use crate::catalog::PatternInfo;
use crate::faults::{FaultAction, Nemesis, NemesisKind, PlannedFault, SHAPES, Shape, Target};
use crate::file::document::{Item, Value};
use crate::file::reader::{Fields, Reader};

use super::network::{read_pair, read_patch};
use super::nodes::Names;

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
) -> Vec<PlannedFault> {
    let Some(items) = item.and_then(|i| reader.array(i)) else { return Vec::new() };
    let mut faults: Vec<PlannedFault> =
        items.iter().filter_map(|f| read_fault(reader, f, names, info)).collect();
    // Faults fire in time order; faults at the same time, in written order.
    faults.sort_by_key(|f| f.at);
    faults
}

pub(super) fn read_fault(
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

pub(super) fn read_nemesis(
    reader: &mut Reader<'_>,
    item: &Item,
    duration: Option<Duration>,
) -> Option<Nemesis> {
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

//! Histories that are linearizable by construction, for property tests and
//! benchmarks.
//!
//! The recipe: run the operations one at a time on a single copy of the
//! model (a sequential execution), each at its own instant — its
//! linearization point. Then give each operation an interval around its
//! point: invoked a little before, completed a little after, never
//! overlapping the same process's other operations. Every interval contains
//! its point, so the points are a linearization: the history is
//! linearizable, however much the intervals overlap. With many processes
//! and ops spread among them at random, each interval stretches across many
//! other operations' points, which is what makes the search work.
//!
//! Register values come from a small range (0 to 4), so writes collide and
//! reads are ambiguous, as in Jepsen's register tests; key-value writes are
//! unique strings, as real clients write them (the checker's known-answer
//! tests cover colliding appends).
//!
//! Some operations' outcomes are then blurred, as a real client's would be:
//! a write that timed out (`info`; it may or may not have been applied —
//! both happen), one that failed (not applied), a read that timed out, and
//! a last operation that never completed.

#![allow(dead_code)]

use std::collections::BTreeMap;

use weft_check::Model;
use weft_check::history::{EventType, Function, History, HistoryEvent, Value};
use weft_sim::SimTime;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub model: Model,
    pub operations: usize,
    pub processes: u32,
    /// Keys (kv only).
    pub keys: u32,
    /// Percent of operations whose outcome is blurred (info, fail, open).
    pub unknown_percent: u64,
}

/// A small, fixed random number generator (SplitMix64): the same seed,
/// the same history, on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 if `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// One operation of the sequential execution, before it gets its interval.
struct Planned {
    process: u32,
    f: Function,
    key: Option<String>,
    /// The invocation's value.
    value: Value,
    /// How it completes: its type, value and `swapped` (None: never).
    completion: Option<(EventType, Value, Option<bool>)>,
    point: u64,
}

/// The single copy the operations run on.
#[derive(Default)]
struct Object {
    register: Option<i64>,
    keys: BTreeMap<String, String>,
}

/// A linearizable history of `shape`, from `seed`.
pub fn generate(shape: &Shape, seed: u64) -> History {
    let mut rng = Rng::new(seed);
    let mut object = Object::default();
    let mut planned = Vec::with_capacity(shape.operations);
    const SPACING: u64 = 1_000;
    for i in 0..shape.operations {
        let process = rng.below(u64::from(shape.processes.max(1))) as u32;
        let point = (i as u64 + 1) * SPACING;
        planned.push(plan(shape, &mut rng, &mut object, process, point));
    }
    // Intervals: each process's operations in order, each around its point,
    // each invoked after the previous one completed.
    let mut by_process: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, p) in planned.iter().enumerate() {
        by_process.entry(p.process).or_default().push(i);
    }
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for ops in by_process.values() {
        // Only a process's last operation can stay open: an earlier one
        // that never completed becomes info (the same to a checker).
        for &i in &ops[..ops.len() - 1] {
            if planned[i].completion.is_none() {
                let reads = matches!(planned[i].f, Function::Read | Function::Get);
                let value = if reads { Value::Null } else { planned[i].value.clone() };
                planned[i].completion = Some((EventType::Info, value, None));
            }
        }
        let mut free_from = 0u64;
        for (n, &i) in ops.iter().enumerate() {
            let point = planned[i].point;
            let next_point = ops.get(n + 1).map_or(point + 20 * SPACING, |&j| planned[j].point);
            let invoke = free_from + rng.below(point - free_from);
            let complete = point + 1 + rng.below(next_point - point - 1);
            events.push((invoke, i, true));
            if planned[i].completion.is_some() {
                events.push((complete, i, false));
            }
            free_from = complete + 1;
        }
    }
    events.sort_unstable();
    let mut history = History::default();
    for (time, i, invoke) in events {
        let p = &planned[i];
        let (kind, value, swapped) = match (invoke, &p.completion) {
            (true, _) => (EventType::Invoke, p.value.clone(), None),
            (false, Some(c)) => c.clone(),
            (false, None) => unreachable!("only completed operations have a completion event"),
        };
        let event = HistoryEvent { process: p.process, kind, f: p.f, key: p.key.clone(), value, swapped };
        history.record(SimTime::from_nanos(time), event);
    }
    history
}

/// The next operation of the sequential execution, run on `object` at
/// `point` (or not run at all, if it failed or was lost).
fn plan(shape: &Shape, rng: &mut Rng, object: &mut Object, process: u32, point: u64) -> Planned {
    let blurred = rng.percent(shape.unknown_percent);
    // A blurred operation is info (applied or not), never completed
    // (applied or not), or failed (not applied).
    let blur = rng.below(5);
    let applied = !blurred || blur == 0 || blur == 2;
    let small = |rng: &mut Rng| rng.below(5) as i64;
    let key = (shape.model == Model::Kv).then(|| format!("k{}", rng.below(u64::from(shape.keys.max(1)))));
    let roll = rng.below(10);
    let (f, value, result, swapped) = match shape.model {
        Model::Register | Model::CasRegister => {
            let cas = shape.model == Model::CasRegister && roll >= 7;
            if roll < 4 {
                let read = object.register.map_or(Value::Null, Value::Int);
                (Function::Read, Value::Null, read, None)
            } else if cas {
                let (expect, new) = (small(rng), small(rng));
                let swapped = object.register == Some(expect);
                if swapped && applied {
                    object.register = Some(new);
                }
                let pair = Value::Pair([Some(expect), Some(new)]);
                (Function::Cas, pair.clone(), pair, Some(swapped))
            } else {
                let v = small(rng);
                if applied {
                    object.register = Some(v);
                }
                (Function::Write, Value::Int(v), Value::Int(v), None)
            }
        }
        Model::Kv => {
            let key = key.clone().expect("kv operations have keys");
            if roll < 4 {
                let read = object.keys.get(&key).map_or(Value::Null, |v| Value::Text(v.clone()));
                (Function::Get, Value::Null, read, None)
            } else if roll < 7 {
                // Unique values, as real clients write them (`c3-r17`).
                let v = format!("p{point}.");
                if applied {
                    object.keys.insert(key, v.clone());
                }
                (Function::Put, Value::Text(v.clone()), Value::Text(v), None)
            } else {
                let v = format!("a{point}.");
                if applied {
                    object.keys.entry(key).or_default().push_str(&v);
                }
                (Function::Append, Value::Text(v.clone()), Value::Text(v), None)
            }
        }
    };
    let reads = matches!(f, Function::Read | Function::Get);
    // A read that was lost has nothing to say.
    let unknown_value = if reads { Value::Null } else { value.clone() };
    let completion = match (blurred, blur) {
        (false, _) => Some((EventType::Ok, result, swapped)),
        (true, 0 | 1) => Some((EventType::Info, unknown_value, None)),
        (true, 2 | 3) => None,
        (true, _) => Some((EventType::Fail, unknown_value, None)),
    };
    Planned { process, f, key, value, completion, point }
}

/// The indexes of the history's completed reads (`read` or `get` with `ok`).
fn ok_reads(history: &History) -> Vec<usize> {
    let events = history.events();
    (0..events.len())
        .filter(|&i| {
            let e = &events[i].event;
            e.kind == EventType::Ok && matches!(e.f, Function::Read | Function::Get)
        })
        .collect()
}

/// The history with one `ok` read changed to return a value nobody ever
/// wrote (chosen by `seed`), or `None` if it has no `ok` read.
pub fn corrupt_a_read(history: &History, seed: u64) -> Option<History> {
    let events = history.events();
    let reads = ok_reads(history);
    if reads.is_empty() {
        return None;
    }
    let target = reads[(seed % reads.len() as u64) as usize];
    let mut corrupted = History::default();
    for (i, e) in events.iter().enumerate() {
        let mut event = e.event.clone();
        if i == target {
            event.value = match event.f {
                Function::Get => Value::Text("never written".into()),
                _ => Value::Int(1_000_000_007),
            };
        }
        corrupted.record(SimTime::from_nanos(e.time.expect("generated histories have times")), event);
    }
    Some(corrupted)
}

/// The history with one `ok` read changed to return another value that
/// some operation wrote (chosen by `seed`): often stale, so often not
/// linearizable, for a subtler reason than a value never written. `None` if
/// there is no read, or nothing else was written.
pub fn stale_a_read(history: &History, seed: u64) -> Option<History> {
    let events = history.events();
    let mut rng = Rng::new(seed);
    let reads = ok_reads(history);
    if reads.is_empty() {
        return None;
    }
    let target = reads[rng.below(reads.len() as u64) as usize];
    let read = &events[target].event;
    // Values written (to the same key), whole: a put's or write's value, a
    // cas's new value, or a get's result (appends build on those).
    let written: Vec<Value> = events
        .iter()
        .filter(|e| e.event.key == read.key && e.event.kind == EventType::Ok)
        .filter_map(|e| match (&e.event.f, &e.event.value) {
            (Function::Write | Function::Put, v) => Some(v.clone()),
            (Function::Get | Function::Read, v) => Some(v.clone()),
            (Function::Cas, Value::Pair([_, Some(new)])) => Some(Value::Int(*new)),
            _ => None,
        })
        .filter(|v| *v != read.value)
        .collect();
    if written.is_empty() {
        return None;
    }
    let value = written[rng.below(written.len() as u64) as usize].clone();
    let mut stale = History::default();
    for (i, e) in events.iter().enumerate() {
        let mut event = e.event.clone();
        if i == target {
            event.value = value.clone();
        }
        stale.record(SimTime::from_nanos(e.time.expect("generated histories have times")), event);
    }
    Some(stale)
}

//! Explaining a violation: the smallest window of operations that cannot be
//! ordered, and why.
//!
//! First, *where*: the earliest completion at which the history stops being
//! linearizable, found by bisection over the completions (every prefix of
//! a linearizable history is linearizable, so the answer is monotone).
//! Everything before that completion can be linearized; adding it cannot.
//! So the operation that completes there — call it the *blocked* operation
//! — is where the history stops making sense, and the history up to that
//! completion (the *failing prefix*) is the shortest that is not
//! linearizable.
//!
//! The explanation is built from the failing prefix, in three steps, each
//! chosen so that it never blames the wrong operations:
//!
//! 1. **Drop the bystanders.** A read (or a cas that did not swap) changes
//!    nothing, so removing it can only make a history *easier* to
//!    linearize: if the prefix without it still fails, the prefix with it
//!    fails for a reason that does not involve it. Such reads are dropped,
//!    one at a time, each only after the search confirms the rest still
//!    fails.
//! 2. **What could the object hold while the blocked operation ran?** The
//!    search collects the state of every configuration in which the blocked
//!    operation could be placed next: everything that completed before its
//!    invocation is linearized, nothing invoked after its completion is.
//!    If its result fits none of them (a read of a value never there), that
//!    is the whole reason. Otherwise it fits only in orders that leave one
//!    of the operations completing while it ran unable to follow it.
//! 3. **The window**: the blocked operation, the operations still running
//!    when it was invoked or invoked while it ran (those whose order
//!    relative to it is in question), the completed operations overlapping
//!    those, and the operations that wrote the values it could have seen.
//!    The window must show the violation on its own: if its operations
//!    alone can be ordered, the nearest operations before it are added
//!    until they cannot (see [`widen`]).

use std::collections::BTreeSet;

use crate::budget::{Budget, Meter};
use crate::history::Value;
use crate::model::{Action, Machine, Model, State};
use crate::operation::{Operation, Operations, Outcome, Partition};
use crate::search::{End, Goal, Item, Problem, impossible_reads, search};
use crate::{Violation, Window};

/// At most this many reads are tried for dropping: each try is a search.
const MAX_DROP_TRIES: usize = 64;

/// The explanation's own work is bounded by the work the check did: each
/// step may explore a few times the states the check explored, plus this.
const EXPLAIN_SLACK: u64 = 100_000;

/// How much the explanation of a check may do: the check's budget, capped
/// at a few times the states the check explored.
pub(crate) struct Allowance<'a> {
    pub(crate) budget: Budget,
    pub(crate) checked_states: u64,
    pub(crate) interrupt: Option<&'a dyn Fn() -> bool>,
}

impl<'a> Allowance<'a> {
    fn meter(&self, times: u64) -> Meter<'a> {
        let cap = self.checked_states.saturating_mul(times).saturating_add(EXPLAIN_SLACK);
        Meter::new(Budget { max_states: self.budget.max_states.min(cap), ..self.budget }, self.interrupt)
    }
}

/// The completion at which the partition stops being linearizable: the
/// earliest whose prefix (see [`prefix`]) is not, found by bisection
/// (prefixes of a linearizable history are linearizable). The flag is false
/// if the budget ran out first: then the completion is only *a* failing one.
pub(crate) fn first_failure(part: &mut Partition, allowance: &Allowance<'_>) -> (u32, bool) {
    let mut meter = allowance.meter(8);
    let mut completions: Vec<u32> = part.ret.iter().flatten().copied().collect();
    completions.sort_unstable();
    let everything = vec![true; part.ops.len()];
    // completions[..lo] end linearizable prefixes; completions[hi] ends a
    // failing one (the last does: the whole history fails).
    let (mut lo, mut hi) = (0, completions.len().saturating_sub(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let items =
            prefix(part, &everything, completions[mid], None).into_iter().map(|(_, item)| item).collect();
        match search(&Problem::new(items), &mut part.machine, Goal::Linearize, &mut meter).end {
            End::Linearized => lo = mid + 1,
            End::Exhausted => hi = mid,
            End::GaveUp(_) => return (completions[hi], false),
        }
    }
    (completions[hi], true)
}

/// Explains why `part` is not linearizable, given its failing completion
/// `k` (from [`first_failure`]; `earliest` if it is the first).
pub(crate) fn explain(
    ops: &Operations,
    part: &mut Partition,
    model: Model,
    (k, earliest): (u32, bool),
    allowance: &Allowance<'_>,
) -> Violation {
    let blocked = part.ret.iter().position(|&r| r == Some(k)).expect("k is a completion of the partition");
    let mut meter = allowance.meter(3);

    // The failing prefix: operations invoked before the blocked one
    // completed; those completing later are still running (optional).
    let mut kept: Vec<bool> = (0..part.ops.len()).map(|j| part.call[j] < k).collect();

    // 1. Drop bystanders, nearest the blocked operation first.
    let window = window_of(part, &kept, blocked, &BTreeSet::new());
    let mut tries: Vec<usize> = window
        .into_iter()
        .filter(|&j| j != blocked && part.actions[j].observes_only() && part.ret[j].is_some_and(|r| r < k))
        .collect();
    tries.sort_by_key(|&j| std::cmp::Reverse(part.ret[j]));
    tries.truncate(MAX_DROP_TRIES);
    for j in tries {
        if meter.spent() {
            break;
        }
        kept[j] = false;
        let items: Vec<Item> = prefix(part, &kept, k, None).into_iter().map(|(_, item)| item).collect();
        let outcome = search(&Problem::new(items), &mut part.machine, Goal::Linearize, &mut meter);
        if outcome.end != End::Exhausted {
            // Needed (or not known to be unneeded): keep it.
            kept[j] = true;
        }
    }

    // 2. The states in which the blocked operation could take effect.
    let call_b = part.call[blocked];
    let mut possible: Vec<(usize, Item)> = prefix(part, &kept, k, Some(blocked));
    for (_, item) in &mut possible {
        item.required = item.ret.is_some_and(|r| r < call_b);
    }
    let problem = Problem::new(possible.iter().map(|&(_, item)| item).collect());
    let outcome = search(&problem, &mut part.machine, Goal::CollectStates, &mut allowance.meter(4));
    // Each state, with the operations (of the partition) that wrote it.
    let states: Option<Possible> = match outcome.end {
        End::GaveUp(_) => None,
        _ => {
            let mut states: Possible = outcome
                .states
                .into_iter()
                .map(|(state, witness)| (state, witness.iter().map(|&i| possible[i as usize].0).collect()))
                .collect();
            // In the order of their values, not of their discovery.
            states.sort_by(|a, b| part.machine.plain(a.0).cmp(part.machine.plain(b.0)));
            Some(states)
        }
    };

    // 3. The window, with the writers of the possible states.
    let writers: BTreeSet<usize> = states.iter().flatten().flat_map(|(_, w)| w.iter().copied()).collect();
    let window = window_of(part, &kept, blocked, &writers);
    let window = widen(part, &kept, k, window, &mut allowance.meter(4));
    // The operations that completed while the blocked one ran: if it fits a
    // state, one of them cannot follow it.
    let during: Vec<usize> = window
        .iter()
        .copied()
        .filter(|&j| j != blocked && part.ret[j].is_some_and(|r| r > part.call[blocked] && r < k))
        .collect();
    let mut reason = reason(part, blocked, states.as_ref(), model, ops, earliest, &during);
    if states.is_none() {
        // Listing the values ran out of budget; the quick test before the
        // search may still say why, without listing them.
        let items: Vec<(usize, Item)> = prefix(part, &kept, k, None);
        let problem = Problem::new(items.iter().map(|&(_, item)| item).collect());
        if impossible_reads(&problem).into_iter().any(|i| items[i].0 == blocked) {
            reason = impossible_reason(part, &kept, k, blocked, model, ops);
        }
    }
    let operations: Vec<Operation> = window.iter().map(|&j| ops.all[part.ops[j]].clone()).collect();
    let states = states.map(|s| s.iter().map(|&(s, _)| part.machine.value(s)).collect());
    violation(part, ops.all[part.ops[blocked]].clone(), states, reason, operations)
}

/// The states the blocked operation could see, each with the operations
/// (indices into the partition) that wrote it in one order that reaches it.
type Possible = Vec<(State, Vec<usize>)>;

fn violation(
    part: &Partition,
    operation: Operation,
    states: Option<Vec<Value>>,
    reason: String,
    operations: Vec<Operation>,
) -> Violation {
    // The window opens with its first operation that completed (those of
    // unknown outcome may have started long before, and are cut at the
    // left edge) and closes when the blocked operation completed.
    let required = operations.iter().filter(|o| o.outcome == Outcome::Ok);
    let first = required.min_by_key(|o| o.invoke_line).unwrap_or(&operation);
    let window = Window {
        start_line: first.invoke_line,
        end_line: operation.complete_line.unwrap_or(operation.invoke_line),
        start_time: first.invoke_time,
        end_time: operation.complete_time,
        operations,
    };
    Violation { key: part.key.clone(), operation, states, reason, window }
}

/// The search items of the prefix ending at position `k`, for the kept
/// operations (except `without`): those invoked before `k`; completions
/// after `k` have not happened yet.
fn prefix(part: &Partition, kept: &[bool], k: u32, without: Option<usize>) -> Vec<(usize, Item)> {
    (0..part.ops.len())
        .filter(|&j| kept[j] && Some(j) != without)
        .map(|j| {
            let ret = part.ret[j].filter(|&r| r <= k);
            (j, Item { action: part.actions[j], call: part.call[j], ret, required: ret.is_some() })
        })
        .collect()
}

/// The window around `blocked` (see the module header), in invocation
/// order.
fn window_of(part: &Partition, kept: &[bool], blocked: usize, writers: &BTreeSet<usize>) -> Vec<usize> {
    let (call_b, k) = (part.call[blocked], part.ret[blocked].expect("the blocked operation completed"));
    let in_prefix = |j: usize| kept[j] && part.call[j] < k;
    let completes_in_prefix = |j: usize| part.ret[j].filter(|&r| r <= k);
    // Running when the blocked operation was invoked, or invoked while it ran.
    let core: Vec<usize> = (0..part.ops.len())
        .filter(|&j| in_prefix(j) && completes_in_prefix(j).is_none_or(|r| r > call_b))
        .collect();
    // (Operations of unknown outcome may have started long before: they do
    // not stretch the window.)
    let earliest = core.iter().filter(|&&j| part.ret[j].is_some()).map(|&j| part.call[j]).min();
    let earliest = earliest.unwrap_or(call_b);
    // Completed before it was invoked, but overlapping one of those.
    let context =
        (0..part.ops.len()).filter(|&j| in_prefix(j) && completes_in_prefix(j).is_some_and(|r| r > earliest));
    let mut window: Vec<usize> = core.iter().copied().chain(context).chain(writers.iter().copied()).collect();
    window.sort_by_key(|&j| part.call[j]);
    window.dedup();
    window
}

/// True if the operations `members` of the failing prefix ending at `k`,
/// alone, cannot be linearized (`None`: the budget ran out deciding).
fn fails_alone(part: &mut Partition, members: &[usize], k: u32, meter: &mut Meter<'_>) -> Option<bool> {
    let mut only = vec![false; part.ops.len()];
    for &j in members {
        only[j] = true;
    }
    let items: Vec<Item> = prefix(part, &only, k, None).into_iter().map(|(_, item)| item).collect();
    match search(&Problem::new(items), &mut part.machine, Goal::Linearize, meter).end {
        End::Exhausted => Some(true),
        End::Linearized => Some(false),
        End::GaveUp(_) => None,
    }
}

/// Makes sure the window shows the violation: the operations in it, on
/// their own, must not be linearizable. The window around the blocked
/// operation usually is, but not always: what pins a value down may lie
/// further back (a read of 1 proves that a timed-out `write 1` happened,
/// and so a later read of null is stale — yet the read of 1 completed long
/// before). Then the nearest operations of the failing prefix are added,
/// 1, 2, 4, ... of them, until the window fails (the whole prefix does), and
/// those of the added that it can do without are dropped again, farthest
/// first. If the budget runs out on the way, the window is the whole
/// failing prefix: bigger than needed, but never wrong.
fn widen(
    part: &mut Partition,
    kept: &[bool],
    k: u32,
    window: Vec<usize>,
    meter: &mut Meter<'_>,
) -> Vec<usize> {
    let everything: Vec<usize> = (0..part.ops.len()).filter(|&j| kept[j] && part.call[j] < k).collect();
    match fails_alone(part, &window, k, meter) {
        Some(true) => return window,
        None => return everything,
        Some(false) => {}
    }
    let mut rest: Vec<usize> = everything.iter().copied().filter(|j| !window.contains(j)).collect();
    rest.sort_by_key(|&j| std::cmp::Reverse(part.call[j]));
    let mut take = 1;
    let mut added = loop {
        let take_now = take.min(rest.len());
        let candidate: Vec<usize> = window.iter().chain(&rest[..take_now]).copied().collect();
        match fails_alone(part, &candidate, k, meter) {
            Some(true) => break rest[..take_now].to_vec(),
            None => return everything,
            // (The whole prefix fails, so this ends.)
            Some(false) if take_now == rest.len() => return everything,
            Some(false) => take *= 2,
        }
    };
    for &j in added.clone().iter().rev().take(MAX_DROP_TRIES) {
        let without: Vec<usize> = window.iter().chain(&added).copied().filter(|&i| i != j).collect();
        if fails_alone(part, &without, k, meter) == Some(true) {
            added.retain(|&i| i != j);
        }
    }
    let mut window: Vec<usize> = window.into_iter().chain(added).collect();
    window.sort_by_key(|&j| part.call[j]);
    debug_assert!(window.windows(2).all(|w| w[0] != w[1]), "no operation twice");
    window
}

/// Why the blocked read (or swapped cas) is impossible, when the quick test
/// before the search says so: nothing invoked before it completed writes
/// its value, or every such write was overwritten before it began.
fn impossible_reason(
    part: &Partition,
    kept: &[bool],
    k: u32,
    blocked: usize,
    model: Model,
    ops: &Operations,
) -> String {
    let op = &ops.all[part.ops[blocked]];
    let object = object(model, part);
    let (Action::Read { expect } | Action::Cas { expect, .. }) = part.actions[blocked] else {
        return format!("{op} cannot take effect");
    };
    let value = serde_json::to_string(&part.machine.value(expect)).unwrap_or_default();
    let written = (0..part.ops.len()).any(|j| {
        kept[j]
            && part.call[j] < k
            && match part.actions[j] {
                Action::Write { value } => value == expect,
                Action::Cas { new, swapped: Some(true) | None, .. } => new == expect,
                _ => false,
            }
    });
    let needs =
        if matches!(part.actions[blocked], Action::Read { .. }) { "returned" } else { "swapped from" };
    if written || expect == Machine::INITIAL {
        format!(
            "{op} cannot take effect: it {needs} {value}, but every {value} {object} held before it completed \
             was overwritten by an update that completed before it was invoked"
        )
    } else {
        format!(
            "{op} cannot take effect: it {needs} {value}, but no operation invoked before it completed writes {value}"
        )
    }
}

/// `the register` or `key "k1"`.
fn object(model: Model, part: &Partition) -> String {
    match &part.key {
        Some(key) if model == Model::Kv => format!("key {key:?}"),
        _ => model.object().to_string(),
    }
}

/// The sentence saying why no order works.
fn reason(
    part: &mut Partition,
    blocked: usize,
    states: Option<&Possible>,
    model: Model,
    ops: &Operations,
    earliest: bool,
    during: &[usize],
) -> String {
    let op = &ops.all[part.ops[blocked]];
    let object = object(model, part);
    let Some(states) = states else {
        return format!(
            "{op} cannot be ordered with the operations around it (the budget ran out while listing \
             what {object} could hold)"
        );
    };
    let action = part.actions[blocked];
    let fits: Possible =
        states.iter().filter(|&&(s, _)| part.machine.step(s, action).is_some()).cloned().collect();
    let list = |part: &Partition, states: &Possible| describe_states(part, states, ops);
    if fits.is_empty() {
        let held = list(part, states);
        let value = |s: State| serde_json::to_string(&part.machine.value(s)).unwrap_or_default();
        return match action {
            // What the history says it returned (for a key, null and "" are
            // one value to the model, but the reader saw one of them).
            Action::Read { .. } => format!(
                "{op} cannot take effect: it returned {}, but while it ran {object} could only hold {held}",
                serde_json::to_string(&op.value).unwrap_or_default()
            ),
            Action::Cas { expect, swapped: Some(true), .. } => format!(
                "{op} cannot take effect: it swapped, so {object} held {}, but while it ran {object} \
                 could only hold {held}",
                value(expect)
            ),
            Action::Cas { expect, .. } => format!(
                "{op} cannot take effect: it did not swap, so {object} held something other than {}, \
                 but while it ran {object} could only hold {held}",
                value(expect)
            ),
            // Updates fit every state; an empty set is the only way here.
            _ => format!("{op} cannot take effect: no order of the operations before it works"),
        };
    }
    if !earliest {
        // Without the earliest failure, nothing is known about what goes
        // wrong after it takes effect.
        return format!(
            "no order of the operations up to the completion of {op} works (the budget ran out before \
             the earliest failing operation was found)"
        );
    }
    // Every operation that completed before it was invoked precedes it in
    // any order; so what fails after it is one that completed while it ran.
    const SHOWN: usize = 4;
    let mut names: Vec<String> = during
        .iter()
        .take(SHOWN)
        .map(|&j| {
            let o = &ops.all[part.ops[j]];
            format!("{} by p{}", o.label(), o.process)
        })
        .collect();
    if during.len() > SHOWN {
        names.push(format!("{} more", during.len() - SHOWN));
    }
    let which = match names.len() {
        0 => "another operation".to_string(),
        1 => names.remove(0),
        _ => format!("one of {}", names.join(", ")),
    };
    format!(
        "{op} cannot be ordered: it could take effect only while {object} held {}, and then {which}, \
         which completed while it ran, cannot follow it",
        list(part, &fits)
    )
}

/// `1 (write 1 by p0) or 2 (write 2 by p3)`, at most six of them.
fn describe_states(part: &Partition, states: &Possible, ops: &Operations) -> String {
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = states
        .iter()
        .take(SHOWN)
        .map(|(s, witness)| {
            let s = *s;
            let value = serde_json::to_string(&part.machine.value(s)).unwrap_or_default();
            let writers: Vec<String> = witness
                .iter()
                .map(|&j| {
                    let w = &ops.all[part.ops[j]];
                    format!("{} by p{}", w.label(), w.process)
                })
                .collect();
            match writers.is_empty() {
                true if s == Machine::INITIAL => format!("{value} (its initial value)"),
                true => value,
                false => format!("{value} (after {})", writers.join(", ")),
            }
        })
        .collect();
    if states.len() > SHOWN {
        parts.push(format!("{} other values", states.len() - SHOWN));
    }
    match parts.len() {
        0 => "nothing at all".into(),
        1 => parts.remove(0),
        n => format!("{} or {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

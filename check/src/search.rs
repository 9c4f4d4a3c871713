//! The search for a linearization: Wing & Gong's backtracking, with Lowe's
//! just-in-time linearization and memo.
//!
//! The history is a list of *entries* in real-time order: each operation's
//! call, and its return. The search walks the list from the front, keeping
//! a stack of the operations it has linearized:
//!
//! - At a **call**, it tries to linearize that operation *now*: if the
//!   model allows it in the current state, and the resulting configuration
//!   (set of linearized operations, state) is new, the operation is removed
//!   from the list (call and return), pushed on the stack, and the walk
//!   starts again from the front. Otherwise the walk moves on to the next
//!   entry: perhaps a later call must go first.
//! - At a **return**, the walk is stuck: that operation had to take effect
//!   before it returned, and none of the orders tried so far allowed it. The
//!   search *backtracks*: it pops the last operation linearized, puts it back
//!   in the list, and resumes the walk just after that operation's call, so
//!   the next candidate gets its turn.
//!
//! An operation whose outcome is unknown (`info`, or never completed) is
//! *free*: it has no return entry, and may take effect at any time after
//! its call, or never. Free operations wait in a list of their own, and are
//! tried only when the walk is stuck — only when something needs them — so
//! that the search explores applying fewer of them before more (which lets
//! the memo skip the rest, see [`Memo`]). And two free operations that do
//! the same thing (two timed-out `write 3`s) are interchangeable once both
//! are called, so they are only ever applied in the order of their calls:
//! the search never tries "the second but not the first". Likewise two
//! completed operations that do the same thing, both callable now, go in
//! the order of their returns (swapping them in any linearization gives
//! another one).
//!
//! Every operation that returned is *required*; the search succeeds when
//! every required operation is linearized, and fails when it must backtrack
//! with an empty stack. Configurations already explored are never explored
//! again, which turns an exponential search into one bounded by the number
//! of distinct configurations — usually a small multiple of the history's
//! length.

use std::collections::BTreeMap;

use crate::budget::{GaveUp, Meter};
use crate::memo::{Memo, mix};
use crate::model::{Action, Machine, State};

/// One operation given to the search: what it does, and the positions (in
/// real-time order; only their order matters) of its call and return.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub(crate) action: Action,
    pub(crate) call: u32,
    /// `None`: no return entry (it may take effect at any time, or never).
    pub(crate) ret: Option<u32>,
    /// Whether it must be linearized for a configuration to count as done.
    /// An operation with a return entry that is not required still
    /// constrains the order (the walk cannot pass its return).
    pub(crate) required: bool,
}

/// A search problem: operations and their entries in real-time order.
#[derive(Debug)]
pub(crate) struct Problem {
    items: Vec<Item>,
    /// The entries of the bound operations (those with a return), in order:
    /// (operation, true for its call).
    entries: Vec<(u32, bool)>,
    /// The free operations (no return), in the order of their calls.
    free: Vec<u32>,
    /// Each bound operation's call and return entries (indices of
    /// `entries`); each free operation's index in `free` (as its "call").
    call_entry: Vec<u32>,
    ret_entry: Vec<Option<u32>>,
    /// Each operation's bit in the bound or the free bitset.
    bit: Vec<u32>,
    /// The operation's twin (same action): for a free operation, the free
    /// one called just before it; for a bound one, the bound one returning
    /// just before it.
    same_before: Vec<Option<u32>>,
    bound: usize,
    required: usize,
}

impl Problem {
    /// The problem of linearizing `items`.
    pub(crate) fn new(items: Vec<Item>) -> Problem {
        let mut entries: Vec<(u32, u32, bool)> = Vec::with_capacity(items.len() * 2);
        let mut free: Vec<(u32, u32)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            debug_assert!(item.ret.is_none_or(|ret| ret > item.call), "an operation returns after its call");
            debug_assert!(!item.required || item.ret.is_some(), "a required operation has a return");
            match item.ret {
                Some(ret) => {
                    entries.push((item.call, i as u32, true));
                    entries.push((ret, i as u32, false));
                }
                None => free.push((item.call, i as u32)),
            }
        }
        entries.sort_unstable();
        free.sort_unstable();
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0), "positions are distinct");
        let mut call_entry = vec![0; items.len()];
        let mut ret_entry = vec![None; items.len()];
        let mut bit = vec![0; items.len()];
        let mut bound = 0;
        for (e, &(_, op, is_call)) in entries.iter().enumerate() {
            if is_call {
                call_entry[op as usize] = e as u32;
                bit[op as usize] = bound;
                bound += 1;
            } else {
                ret_entry[op as usize] = Some(e as u32);
            }
        }
        // Twins: operations that do the same thing. A free one waits for
        // its twin called before it; a bound one for its twin returning
        // before it (see the module header).
        let mut same_before = vec![None; items.len()];
        let mut last_of: BTreeMap<(Action, bool, bool), u32> = BTreeMap::new();
        let mut twin = |op: u32, free: bool| {
            let item = &items[op as usize];
            if let Some(last) = last_of.insert((item.action, item.required, free), op) {
                same_before[op as usize] = Some(last);
            }
        };
        for &(_, op, is_call) in &entries {
            if !is_call {
                twin(op, false);
            }
        }
        for (f, &(_, op)) in free.iter().enumerate() {
            call_entry[op as usize] = f as u32;
            bit[op as usize] = f as u32;
            twin(op, true);
        }
        let required = items.iter().filter(|i| i.required).count();
        Problem {
            items,
            entries: entries.into_iter().map(|(_, op, is_call)| (op, is_call)).collect(),
            free: free.into_iter().map(|(_, op)| op).collect(),
            call_entry,
            ret_entry,
            bit,
            same_before,
            bound: bound as usize,
            required,
        }
    }

    /// The position (as given in its [`Item`]) of entry `e`.
    fn position(&self, e: usize) -> u32 {
        let (op, is_call) = self.entries[e];
        let item = &self.items[op as usize];
        if is_call { item.call } else { item.ret.expect("a return entry has a return position") }
    }

    fn is_free(&self, op: u32) -> bool {
        self.items[op as usize].ret.is_none()
    }
}

/// What the search is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Goal {
    /// Stop at the first configuration with every required operation
    /// linearized.
    Linearize,
    /// Explore every configuration, and collect the states of those with
    /// every required operation linearized.
    CollectStates,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// A configuration with every required operation linearized exists (for
    /// [`Goal::CollectStates`]: at least one was found).
    Linearized,
    /// Every configuration was explored, and none linearizes every required
    /// operation.
    Exhausted,
    /// The budget ran out first.
    GaveUp(GaveUp),
}

/// A search's result.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) end: End,
    /// The states of the configurations with every required operation
    /// linearized (for [`Goal::Linearize`], at most one), each with a
    /// witness: the operations (indices of the problem's items, oldest
    /// first) that last changed the state in the first order found to reach
    /// it. That is one write (or cas), or a put followed by the appends
    /// after it (at most [`WITNESS_LEN`]); empty if the state is the initial
    /// one, untouched.
    pub(crate) states: BTreeMap<State, Vec<u32>>,
}

/// The most operations a witness names.
pub(crate) const WITNESS_LEN: usize = 8;

/// A sentinel index: before the first entry of a list and after the last.
const EDGE: u32 = u32::MAX;

/// A doubly linked list over indices `0..n`, from which elements are lifted
/// and put back in reverse order (dancing links).
struct List {
    head: u32,
    next: Vec<u32>,
    prev: Vec<u32>,
}

impl List {
    fn new(n: usize) -> List {
        let mut next: Vec<u32> = (1..=n as u32).collect();
        let prev: Vec<u32> = (0..n as u32).map(|e| e.checked_sub(1).unwrap_or(EDGE)).collect();
        if let Some(last) = next.last_mut() {
            *last = EDGE;
        }
        List { head: if n == 0 { EDGE } else { 0 }, next, prev }
    }

    fn next(&self, e: u32) -> u32 {
        self.next[e as usize]
    }

    fn lift(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        if p == EDGE {
            self.head = n;
        } else {
            self.next[p as usize] = n;
        }
        if n != EDGE {
            self.prev[n as usize] = p;
        }
    }

    /// Puts `e` back where it was (the last element lifted goes back first).
    fn restore(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        if p == EDGE {
            self.head = e;
        } else {
            self.next[p as usize] = e;
        }
        if n != EDGE {
            self.prev[n as usize] = e;
        }
    }
}

/// Where the walk is.
#[derive(Clone, Copy, Debug)]
enum Cursor {
    /// Just arrived at a configuration: first look for a read to take.
    Arrive,
    /// Then for a candidate that lets the most urgent operation go next.
    Urgent,
    /// At an entry of the bound list.
    Bound(u32),
    /// Among the free operations, trying those called before `limit` (the
    /// return the walk is stuck at).
    Free { at: u32, limit: u32 },
    /// No candidate left here: backtrack.
    Spent,
}

/// A linearized operation on the search's stack.
#[derive(Clone, Copy, Debug)]
struct Frame {
    op: u32,
    /// The state before it.
    before: State,
    /// Where the walk resumes if it is undone: the candidate after it, or
    /// (after a forced read) nothing.
    resume: Cursor,
}

/// Runs the search on `problem`, from `Machine::INITIAL`.
///
/// Two more rules keep it small. A read (or a cas that did not swap) that
/// can be linearized now, is — without trying anything else first, and
/// without trying anything else after it fails. Moving a read to the front
/// of any linearization keeps it valid (it changes nothing, and everything
/// that had to precede it is already linearized), so if no order works with
/// the read taken now, none works at all from here.
///
/// And when the most urgent operation (the first return ahead) cannot take
/// effect in the current state, a candidate that would let it is tried
/// first: a write of the value a pending read returned, rather than
/// whichever write was invoked first. This only changes the order in which
/// candidates are tried (the others follow, and the memo skips what was
/// already explored), never which orders exist.
pub(crate) fn search(problem: &Problem, machine: &mut Machine, goal: Goal, meter: &mut Meter<'_>) -> Outcome {
    let mut entries = List::new(problem.entries.len());
    let mut free_list = List::new(problem.free.len());
    let mut memo = Memo::new(problem.bound, problem.free.len());
    let (bound_words, free_words) = memo.words();
    let mut bound_bits = vec![0u64; bound_words];
    let mut free_bits = vec![0u64; free_words];
    // Only bound operations enter the hash (free ones are compared apart).
    let op_key = |op: u32| if problem.is_free(op) { 0 } else { mix(u64::from(op) ^ 0x5bd1_e995) };
    let state_key = |s: State| mix(u64::from(s).wrapping_add(0x1234_5678_9abc_def0));
    let mut bits_hash = 0u64;
    let flip = |bound: &mut [u64], free: &mut [u64], op: u32| {
        let set = if problem.is_free(op) { free } else { bound };
        let bit = problem.bit[op as usize];
        set[bit as usize / 64] ^= 1u64 << (bit % 64);
    };

    let mut state = Machine::INITIAL;
    let mut done = 0usize;
    let mut stack: Vec<Frame> = Vec::new();
    let mut outcome = Outcome { end: End::Exhausted, states: BTreeMap::new() };

    if problem.required == 0 {
        outcome.states.insert(state, Vec::new());
        if goal == Goal::Linearize {
            outcome.end = End::Linearized;
            return outcome;
        }
    }

    if problem.required > 0 && !machine.appends() && has_impossible_read(problem) {
        return outcome;
    }

    let mut cursor = Cursor::Arrive;
    loop {
        if let Err(gave_up) = meter.step() {
            outcome.end = End::GaveUp(gave_up);
            return outcome;
        }
        // The candidate to try now, and where the walk goes if it fails.
        let (op, after_this) = match cursor {
            Cursor::Arrive
                if machine.appends()
                    && !can_reach_next_get(problem, machine, state, &entries, &free_list) =>
            {
                cursor = Cursor::Spent;
                continue;
            }
            Cursor::Arrive => {
                let mut e = entries.head;
                let mut read = None;
                while e != EDGE {
                    match problem.entries[e as usize] {
                        (op, true)
                            if problem.items[op as usize].action.observes_only()
                                && machine.step(state, problem.items[op as usize].action).is_some() =>
                        {
                            read = Some(op);
                            break;
                        }
                        (_, true) => e = entries.next(e),
                        (_, false) => break,
                    }
                }
                match read {
                    // If taking it was explored before, so was everything
                    // from here.
                    Some(op) => (op, Cursor::Spent),
                    None => {
                        cursor = Cursor::Urgent;
                        continue;
                    }
                }
            }
            Cursor::Urgent => match enabler(problem, machine, state, &entries, &bound_bits) {
                Some(op) => (op, Cursor::Bound(entries.head)),
                None => {
                    cursor = Cursor::Bound(entries.head);
                    continue;
                }
            },
            Cursor::Bound(EDGE) => {
                cursor = Cursor::Free { at: free_list.head, limit: u32::MAX };
                continue;
            }
            Cursor::Bound(e) => match problem.entries[e as usize] {
                (op, true) if bound_twin_waits(problem, &bound_bits, &entries, op) => {
                    cursor = Cursor::Bound(entries.next(e));
                    continue;
                }
                (op, true) => (op, Cursor::Bound(entries.next(e))),
                (_, false) => {
                    // Stuck at a return: only free operations called
                    // before it can still help.
                    cursor = Cursor::Free { at: free_list.head, limit: problem.position(e as usize) };
                    continue;
                }
            },
            Cursor::Free { at, limit } => {
                let op = (at != EDGE).then(|| problem.free[at as usize]);
                let Some(op) = op.filter(|&op| problem.items[op as usize].call < limit) else {
                    cursor = Cursor::Spent;
                    continue;
                };
                let next = Cursor::Free { at: free_list.next(at), limit };
                // Its twin called earlier goes first (see the module header).
                let twin_waits = problem.same_before[op as usize].is_some_and(|twin| {
                    let bit = problem.bit[twin as usize];
                    free_bits[bit as usize / 64] & (1u64 << (bit % 64)) == 0
                });
                if twin_waits {
                    cursor = next;
                    continue;
                }
                (op, next)
            }
            Cursor::Spent => {
                // Backtrack: undo the last linearization and try the
                // candidate after it (or, after a forced read, nothing).
                let Some(frame) = stack.pop() else {
                    outcome.end = if outcome.states.is_empty() { End::Exhausted } else { End::Linearized };
                    return outcome;
                };
                let op = frame.op;
                let call = problem.call_entry[op as usize];
                if problem.is_free(op) {
                    free_list.restore(call);
                } else {
                    entries.restore(problem.ret_entry[op as usize].expect("a bound operation returns"));
                    entries.restore(call);
                }
                // (The lists are exactly as they were when it was pushed.)
                cursor = frame.resume;
                flip(&mut bound_bits, &mut free_bits, op);
                bits_hash ^= op_key(op);
                state = frame.before;
                done -= usize::from(problem.items[op as usize].required);
                continue;
            }
        };
        let item = &problem.items[op as usize];
        let Some(after) = machine.step(state, item.action) else {
            cursor = after_this;
            continue;
        };
        flip(&mut bound_bits, &mut free_bits, op);
        bits_hash ^= op_key(op);
        if !memo.insert(bits_hash ^ state_key(after), &bound_bits, &free_bits, after) {
            flip(&mut bound_bits, &mut free_bits, op);
            bits_hash ^= op_key(op);
            cursor = after_this;
            continue;
        }
        if let Err(gave_up) = meter.state(memo.bytes()) {
            outcome.end = End::GaveUp(gave_up);
            return outcome;
        }
        stack.push(Frame { op, before: state, resume: after_this });
        state = after;
        done += usize::from(item.required);
        // Lift the operation out of its list (call and return).
        let call = problem.call_entry[op as usize];
        if problem.is_free(op) {
            free_list.lift(call);
        } else {
            entries.lift(call);
            entries.lift(problem.ret_entry[op as usize].expect("a bound operation returns"));
        }
        if done == problem.required {
            outcome.states.entry(state).or_insert_with(|| witness(problem, &stack, state));
            if goal == Goal::Linearize {
                outcome.end = End::Linearized;
                return outcome;
            }
        }
        cursor = Cursor::Arrive;
    }
}

/// A quick test before the search, for registers: true if some required
/// read (or swapped cas) needs a value that no order can give it. Then no
/// linearization exists, and the search, which would have to try every
/// order before the read to find that out, is skipped.
///
/// A read of `v` that completed at `ret` and was invoked at `call` needs a
/// *producer* of `v` — a write of `v`, a cas to `v`, or the start, for the
/// initial value — that took effect before `ret`, and so was invoked before
/// it. And the producer's `v` must survive until the read: it is certainly
/// gone if, after the producer completed, some update to another value was
/// invoked *and completed* before the read was invoked (that update comes
/// after the producer and before the read in every order). A producer whose
/// outcome is unknown has no completion, so nothing is certainly after it.
/// If every producer invoked before `ret` is gone by `call`, the read is
/// impossible: whichever producer took effect last was overwritten before
/// the read. Both rules only ever reject what no order explains; they never
/// accept anything (the search does that).
///
/// (A key's appends build values from others, so keys are left to the
/// search.)
fn has_impossible_read(problem: &Problem) -> bool {
    !impossible_reads(problem).is_empty()
}

/// The required reads (and swapped cases) that [`has_impossible_read`]
/// finds impossible, as indices of the problem's items.
pub(crate) fn impossible_reads(problem: &Problem) -> Vec<usize> {
    // Updates certain to have taken effect (required), with the value they
    // leave: (call, return, value), by call.
    let mut updates: Vec<(u32, u32, State)> = problem
        .items
        .iter()
        .filter(|item| item.required)
        .filter_map(|item| match (item.ret, item.action) {
            (Some(ret), Action::Write { value }) => Some((item.call, ret, value)),
            (Some(ret), Action::Cas { new, swapped: Some(true), .. }) => Some((item.call, ret, new)),
            _ => None,
        })
        .collect();
    updates.sort_unstable();
    // From each index on: the earliest return of an update, and the earliest
    // of an update to another value than that one's (so that, for any value
    // `v`, one of the two is the earliest update to something other than v).
    type Earliest = Option<(u32, State)>;
    let mut earliest: Vec<(Earliest, Earliest)> = vec![(None, None); updates.len() + 1];
    for i in (0..updates.len()).rev() {
        let (_, ret, value) = updates[i];
        let (mut first, mut other) = earliest[i + 1];
        match first {
            Some((r, v)) if ret < r => {
                if value != v {
                    other = first;
                }
                first = Some((ret, value));
            }
            Some((_, v)) if value != v => {
                if other.is_none_or(|(r, _)| ret < r) {
                    other = Some((ret, value));
                }
            }
            Some(_) => {}
            None => first = Some((ret, value)),
        }
        earliest[i] = (first, other);
    }
    // When `v`, produced by an operation that completed at `after` (`None`:
    // the start), is certainly gone: the earliest return of an update to
    // another value invoked after that (u32::MAX: never).
    let gone_at = |after: Option<u32>, v: State| -> u32 {
        let from = after.map_or(0, |after| updates.partition_point(|&(call, _, _)| call <= after));
        let (first, other) = earliest[from];
        let to_other = match first {
            Some((_, value)) if value == v => other,
            first => first,
        };
        to_other.map_or(u32::MAX, |(ret, _)| ret)
    };
    // The producers of each value: (call, gone at), by call, with the
    // latest "gone at" so far (prefix maxima).
    let mut producers: BTreeMap<State, Vec<(u32, u32)>> = BTreeMap::new();
    producers.entry(Machine::INITIAL).or_default().push((0, gone_at(None, Machine::INITIAL)));
    for item in &problem.items {
        let value = match item.action {
            Action::Write { value } => value,
            Action::Cas { new, swapped: Some(true) | None, .. } => new,
            _ => continue,
        };
        let gone = match item.ret {
            Some(ret) => gone_at(Some(ret), value),
            None => u32::MAX,
        };
        producers.entry(value).or_default().push((item.call, gone));
    }
    for list in producers.values_mut() {
        list.sort_unstable();
        let mut latest = 0;
        for (_, gone) in list.iter_mut() {
            latest = latest.max(*gone);
            *gone = latest;
        }
    }
    let impossible = |item: &Item| {
        let (Some(ret), Action::Read { expect: v } | Action::Cas { expect: v, swapped: Some(true), .. }) =
            (item.ret, item.action)
        else {
            return false;
        };
        let Some(list) = producers.get(&v) else { return true };
        // The producers invoked before the read completed; does the value
        // of one of them survive until the read is invoked?
        let invoked = list.partition_point(|&(call, _)| call < ret);
        invoked == 0 || list[invoked - 1].1 < item.call
    };
    (0..problem.items.len()).filter(|&i| problem.items[i].required && impossible(&problem.items[i])).collect()
}

/// The candidate to try first: the most urgent operation (the one whose
/// return comes first) if it can take effect now, otherwise one that lets it
/// take effect right after. For a key, a get may need several appends
/// first: then one that keeps the state on the way to what the get returned.
fn enabler(
    problem: &Problem,
    machine: &mut Machine,
    state: State,
    entries: &List,
    bound_bits: &[u64],
) -> Option<u32> {
    let mut p = entries.head;
    while p != EDGE && problem.entries[p as usize].1 {
        p = entries.next(p);
    }
    if p == EDGE {
        return None;
    }
    let urgent_op = problem.entries[p as usize].0;
    let urgent = problem.items[urgent_op as usize].action;
    let target = if machine.appends() { next_get(problem, entries).map(|(value, _)| value) } else { None };
    let on_track = |machine: &Machine, s: State| target.is_none_or(|v| machine.could_grow_into(s, v));
    // The candidates: the calls before the urgent return.
    let candidates = || {
        let mut c = entries.head;
        std::iter::from_fn(move || {
            (c != p).then(|| {
                let op = problem.entries[c as usize].0;
                c = entries.next(c);
                op
            })
        })
        .filter(|&op| !bound_twin_waits(problem, bound_bits, entries, op))
    };
    // It must take effect soon anyway (even a write nobody will see).
    if machine.step(state, urgent).is_some() {
        return Some(urgent_op);
    }
    for op in candidates() {
        let helps =
            machine.step(state, problem.items[op as usize].action).and_then(|s| machine.step(s, urgent));
        if helps.is_some_and(|s| on_track(machine, s)) {
            return Some(op);
        }
    }
    if target.is_some() {
        for op in candidates() {
            let after = machine.step(state, problem.items[op as usize].action);
            if after.is_some_and(|s| s != state && on_track(machine, s)) {
                return Some(op);
            }
        }
    }
    None
}

/// True if `op` (bound) has a twin returning before it that is not
/// linearized yet but could be now: that twin goes first.
fn bound_twin_waits(problem: &Problem, bound_bits: &[u64], entries: &List, op: u32) -> bool {
    let Some(mut twin) = problem.same_before[op as usize] else { return false };
    // The first return ahead: every operation returning before it is
    // linearized, and the callable ones are called before it.
    let mut e = entries.head;
    while e != EDGE && problem.entries[e as usize].1 {
        e = entries.next(e);
    }
    let first_return = if e == EDGE { u32::MAX } else { problem.position(e as usize) };
    loop {
        let item = &problem.items[twin as usize];
        if item.ret.is_some_and(|r| r < first_return) {
            return false;
        }
        let bit = problem.bit[twin as usize];
        let linearized = bound_bits[bit as usize / 64] & (1u64 << (bit % 64)) != 0;
        if !linearized && item.call < first_return {
            return true;
        }
        match problem.same_before[twin as usize] {
            Some(earlier) => twin = earlier,
            None => return false,
        }
    }
}

/// The value of the first required get whose return the walk will meet
/// (within [`LOOK_AHEAD`] entries), and that return's position.
fn next_get(problem: &Problem, entries: &List) -> Option<(State, u32)> {
    let mut e = entries.head;
    for _ in 0..LOOK_AHEAD {
        if e == EDGE {
            return None;
        }
        let (op, is_call) = problem.entries[e as usize];
        let item = &problem.items[op as usize];
        if let (false, Action::Read { expect }, true) = (is_call, item.action, item.required) {
            return Some((expect, problem.position(e as usize)));
        }
        e = entries.next(e);
    }
    None
}

/// For a key: false if the state can no longer become what the next
/// pending get returned. Before that get takes effect, only appends and
/// puts called before it returned can happen; so either appends alone turn
/// the state into its value, or appends turn one of those puts' values into
/// it — otherwise the configuration is dead. Only the entries up to that
/// get's return are looked at (at most [`LOOK_AHEAD`]).
fn can_reach_next_get(
    problem: &Problem,
    machine: &Machine,
    state: State,
    entries: &List,
    free: &List,
) -> bool {
    let Some((target, ret)) = next_get(problem, entries) else { return true };
    if machine.could_grow_into(state, target) {
        return true;
    }
    // A put called before the get returned may come first.
    let put_helps = |op: u32| match problem.items[op as usize].action {
        Action::Write { value } => machine.could_grow_into(value, target),
        _ => false,
    };
    let mut e = entries.head;
    while e != EDGE && problem.position(e as usize) < ret {
        if let (op, true) = problem.entries[e as usize]
            && put_helps(op)
        {
            return true;
        }
        e = entries.next(e);
    }
    let mut f = free.head;
    while f != EDGE && problem.items[problem.free[f as usize] as usize].call < ret {
        if put_helps(problem.free[f as usize]) {
            return true;
        }
        f = free.next(f);
    }
    false
}

/// How far ahead [`can_reach_next_get`] looks for a get.
const LOOK_AHEAD: usize = 64;

/// The operations on `stack` that made `state` what it is: the last one
/// that changed the state and, while those are appends, the ones before.
fn witness(problem: &Problem, stack: &[Frame], state: State) -> Vec<u32> {
    let mut chain = Vec::new();
    let mut after = state;
    for &Frame { op, before, .. } in stack.iter().rev() {
        if before == after {
            continue;
        }
        chain.push(op);
        after = before;
        if !matches!(problem.items[op as usize].action, Action::Append { .. }) || chain.len() == WITNESS_LEN {
            break;
        }
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::model::{Model, Plain};

    /// `(action, call, return)` with every returned operation required.
    fn problem(ops: &[(Action, u32, Option<u32>)]) -> Problem {
        Problem::new(
            ops.iter()
                .map(|&(action, call, ret)| Item { action, call, ret, required: ret.is_some() })
                .collect(),
        )
    }

    fn run(p: &Problem, machine: &mut Machine) -> Outcome {
        search(p, machine, Goal::Linearize, &mut Meter::new(Budget::DEFAULT, None))
    }

    #[test]
    fn a_read_must_follow_the_write_it_saw() {
        let mut m = Machine::new(Model::Register);
        let one = m.intern(Plain::Int(1));
        // write 1 [0, 1], read → 1 [2, 3]: fine.
        let p = problem(&[
            (Action::Write { value: one }, 0, Some(1)),
            (Action::Read { expect: one }, 2, Some(3)),
        ]);
        assert_eq!(run(&p, &mut m).end, End::Linearized);
        // read → 1 [0, 1], write 1 [2, 3]: the read saw the future.
        let p = problem(&[
            (Action::Read { expect: one }, 0, Some(1)),
            (Action::Write { value: one }, 2, Some(3)),
        ]);
        assert_eq!(run(&p, &mut m).end, End::Exhausted);
    }

    #[test]
    fn concurrent_operations_may_go_in_either_order() {
        let mut m = Machine::new(Model::Register);
        let one = m.intern(Plain::Int(1));
        // read → 1 [0, 3] overlaps write 1 [1, 2]: the write goes first.
        let p = problem(&[
            (Action::Read { expect: one }, 0, Some(3)),
            (Action::Write { value: one }, 1, Some(2)),
        ]);
        assert_eq!(run(&p, &mut m).end, End::Linearized);
    }

    #[test]
    fn collecting_lists_every_reachable_state() {
        let mut m = Machine::new(Model::Register);
        let (one, two) = (m.intern(Plain::Int(1)), m.intern(Plain::Int(2)));
        // Two concurrent writes, both required: the last one wins.
        let p = problem(&[
            (Action::Write { value: one }, 0, Some(3)),
            (Action::Write { value: two }, 1, Some(2)),
        ]);
        let outcome = search(&p, &mut m, Goal::CollectStates, &mut Meter::new(Budget::DEFAULT, None));
        assert_eq!(outcome.end, End::Linearized);
        // Each state with the write that made it: 1 after (2, 1), 2 after (1, 2).
        assert_eq!(outcome.states, BTreeMap::from([(one, vec![0]), (two, vec![1])]));
    }

    #[test]
    fn impossible_reads_are_rejected_before_the_search() {
        let mut m = Machine::new(Model::CasRegister);
        let (one, two, nine) = (m.intern(Plain::Int(1)), m.intern(Plain::Int(2)), m.intern(Plain::Int(9)));
        let absent = Machine::INITIAL;
        let write = |value| Action::Write { value };
        let read = |expect| Action::Read { expect };
        let impossible = |ops: &[(Action, u32, Option<u32>)]| has_impossible_read(&problem(ops));
        // Nothing ever wrote 9.
        assert!(impossible(&[(write(one), 0, Some(1)), (read(nine), 2, Some(3))]));
        // 1 was written, but only after the read completed.
        assert!(impossible(&[(read(one), 0, Some(1)), (write(one), 2, Some(3))]));
        // Null after a write completed: the register never goes back.
        assert!(impossible(&[(write(one), 0, Some(1)), (read(absent), 2, Some(3))]));
        // 1, overwritten by 2 before the read began.
        assert!(impossible(&[(write(one), 0, Some(1)), (write(two), 2, Some(3)), (read(one), 4, Some(5)),]));
        // ... unless the write of 1 timed out (it may come last), or a
        // second write of 1 overlaps the read, or the overwrite overlaps it.
        assert!(!impossible(&[(write(one), 0, None), (write(two), 1, Some(2)), (read(one), 3, Some(4))]));
        assert!(!impossible(&[
            (write(one), 0, Some(1)),
            (write(two), 2, Some(3)),
            (read(one), 4, Some(6)),
            (write(one), 5, Some(7)),
        ]));
        assert!(!impossible(&[(write(one), 0, Some(1)), (write(two), 2, Some(5)), (read(one), 4, Some(6)),]));
        // A swapped cas needs its expected value as a read does.
        let cas = Action::Cas { expect: nine, new: one, swapped: Some(true) };
        assert!(impossible(&[(write(one), 0, Some(1)), (cas, 2, Some(3))]));
        // A cas of unknown outcome may be what produced the value.
        let maybe = Action::Cas { expect: absent, new: nine, swapped: None };
        assert!(!impossible(&[(maybe, 0, None), (read(nine), 1, Some(2))]));
    }
}

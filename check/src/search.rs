//! The search for a linearization: Wing & Gong's backtracking, with Lowe's
//! just-in-time linearization and memo.
//!
//! The history is a list of *entries* in real-time order: each operation's
//! call, and (if it completed) its return. The search walks the list from
//! the front, keeping a stack of the operations it has linearized:
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
//! Every operation that returned is *required*; an operation whose outcome
//! is unknown (`info`, or never completed) has no return entry — it may take
//! effect at any time after its call, or never. The search succeeds when
//! every required operation is linearized, and fails when it must backtrack
//! with an empty stack. Configurations already explored are never explored
//! again ([`Memo`]), which turns an exponential search into one bounded by
//! the number of distinct configurations — usually a small multiple of the
//! history's length.

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
    /// The entries, in order: (operation, true for its call).
    entries: Vec<(u32, bool)>,
    /// Each operation's call entry and return entry, as indices of `entries`.
    call_entry: Vec<u32>,
    ret_entry: Vec<Option<u32>>,
    required: usize,
}

impl Problem {
    /// The problem of linearizing `items`.
    pub(crate) fn new(items: Vec<Item>) -> Problem {
        let mut entries: Vec<(u32, u32, bool)> = Vec::with_capacity(items.len() * 2);
        for (i, item) in items.iter().enumerate() {
            debug_assert!(item.ret.is_none_or(|ret| ret > item.call), "an operation returns after its call");
            debug_assert!(!item.required || item.ret.is_some(), "a required operation has a return");
            entries.push((item.call, i as u32, true));
            if let Some(ret) = item.ret {
                entries.push((ret, i as u32, false));
            }
        }
        entries.sort_unstable();
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0), "positions are distinct");
        let mut call_entry = vec![0; items.len()];
        let mut ret_entry = vec![None; items.len()];
        for (e, &(_, op, is_call)) in entries.iter().enumerate() {
            if is_call {
                call_entry[op as usize] = e as u32;
            } else {
                ret_entry[op as usize] = Some(e as u32);
            }
        }
        let required = items.iter().filter(|i| i.required).count();
        let entries = entries.into_iter().map(|(_, op, is_call)| (op, is_call)).collect();
        Problem { items, entries, call_entry, ret_entry, required }
    }

    /// The position (as given in its [`Item`]) of entry `e`.
    fn position(&self, e: usize) -> u32 {
        let (op, is_call) = self.entries[e];
        let item = &self.items[op as usize];
        if is_call { item.call } else { item.ret.expect("a return entry has a return position") }
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
    /// The latest return (its position) at which the walk got stuck: when
    /// the search is exhausted, the completion at which the history stops
    /// being linearizable.
    pub(crate) furthest_stuck: Option<u32>,
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

/// A sentinel entry index: before the first entry and after the last.
const EDGE: u32 = u32::MAX;

/// Runs the search on `problem`, from `Machine::INITIAL`.
pub(crate) fn search(problem: &Problem, machine: &mut Machine, goal: Goal, meter: &mut Meter<'_>) -> Outcome {
    let n = problem.entries.len();
    // A doubly linked list over the entries, with EDGE at both ends.
    let mut next: Vec<u32> = (1..=n as u32).collect();
    let mut prev: Vec<u32> = (0..n as u32).map(|e| e.wrapping_sub(1)).collect();
    if let Some(last) = next.last_mut() {
        *last = EDGE;
    }
    if let Some(first) = prev.first_mut() {
        *first = EDGE;
    }
    let mut head = if n == 0 { EDGE } else { 0 };

    let mut memo = Memo::new(problem.items.len());
    let mut bits = vec![0u64; memo.words()];
    let op_key = |op: u32| mix(u64::from(op) ^ 0x5bd1_e995);
    let state_key = |s: State| mix(u64::from(s).wrapping_add(0x1234_5678_9abc_def0));
    let mut bits_hash = 0u64;

    let mut state = Machine::INITIAL;
    let mut done = 0usize;
    // The linearized operations, with the state before each.
    let mut stack: Vec<(u32, State)> = Vec::new();
    let mut outcome = Outcome { end: End::Exhausted, furthest_stuck: None, states: BTreeMap::new() };

    if problem.required == 0 {
        outcome.states.insert(state, Vec::new());
        if goal == Goal::Linearize {
            outcome.end = End::Linearized;
            return outcome;
        }
    }

    let mut cursor = head;
    loop {
        if let Err(gave_up) = meter.step() {
            outcome.end = End::GaveUp(gave_up);
            return outcome;
        }
        let stuck = if cursor == EDGE {
            true
        } else {
            let (op, is_call) = problem.entries[cursor as usize];
            if !is_call {
                let position = problem.position(cursor as usize);
                outcome.furthest_stuck = Some(outcome.furthest_stuck.map_or(position, |f| f.max(position)));
                true
            } else {
                let item = &problem.items[op as usize];
                if let Some(after) = machine.step(state, item.action) {
                    let (word, bit) = (op as usize / 64, 1u64 << (op % 64));
                    bits[word] |= bit;
                    bits_hash ^= op_key(op);
                    if memo.insert(bits_hash ^ state_key(after), &bits, after) {
                        if let Err(gave_up) = meter.state(memo.bytes()) {
                            outcome.end = End::GaveUp(gave_up);
                            return outcome;
                        }
                        stack.push((op, state));
                        state = after;
                        done += usize::from(item.required);
                        // Lift the operation out of the list: its call and
                        // its return (dancing links: undone in reverse).
                        unlink(&mut head, &mut next, &mut prev, problem.call_entry[op as usize]);
                        if let Some(ret) = problem.ret_entry[op as usize] {
                            unlink(&mut head, &mut next, &mut prev, ret);
                        }
                        if done == problem.required {
                            outcome.states.entry(state).or_insert_with(|| witness(problem, &stack, state));
                            if goal == Goal::Linearize {
                                outcome.end = End::Linearized;
                                return outcome;
                            }
                        }
                        cursor = head;
                        continue;
                    }
                    bits[word] &= !bit;
                    bits_hash ^= op_key(op);
                }
                cursor = next[cursor as usize];
                false
            }
        };
        if stuck {
            // Backtrack: undo the last linearization and try the next entry
            // after its call.
            let Some((op, before)) = stack.pop() else {
                outcome.end = if outcome.states.is_empty() { End::Exhausted } else { End::Linearized };
                return outcome;
            };
            if let Some(ret) = problem.ret_entry[op as usize] {
                relink(&mut head, &mut next, &mut prev, ret);
            }
            let call = problem.call_entry[op as usize];
            relink(&mut head, &mut next, &mut prev, call);
            bits[op as usize / 64] &= !(1u64 << (op % 64));
            bits_hash ^= op_key(op);
            state = before;
            done -= usize::from(problem.items[op as usize].required);
            cursor = next[call as usize];
        }
    }
}

/// The operations on `stack` that made `state` what it is: the last one
/// that changed the state and, while those are appends, the ones before.
fn witness(problem: &Problem, stack: &[(u32, State)], state: State) -> Vec<u32> {
    let mut chain = Vec::new();
    let mut after = state;
    for &(op, before) in stack.iter().rev() {
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

fn unlink(head: &mut u32, next: &mut [u32], prev: &mut [u32], e: u32) {
    let (p, n) = (prev[e as usize], next[e as usize]);
    if p == EDGE {
        *head = n;
    } else {
        next[p as usize] = n;
    }
    if n != EDGE {
        prev[n as usize] = p;
    }
}

fn relink(head: &mut u32, next: &mut [u32], prev: &mut [u32], e: u32) {
    let (p, n) = (prev[e as usize], next[e as usize]);
    if p == EDGE {
        *head = e;
    } else {
        next[p as usize] = e;
    }
    if n != EDGE {
        prev[n as usize] = e;
    }
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
        let outcome = run(&p, &mut m);
        assert_eq!(outcome.end, End::Exhausted);
        assert_eq!(outcome.furthest_stuck, Some(1), "stuck at the read's return");
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
}

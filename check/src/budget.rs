//! How much work a check may do before it answers "unknown".
//!
//! Deciding linearizability is NP-complete in general, so some histories
//! would take the search longer than anyone can wait. A check therefore runs
//! within a [`Budget`]: a number of configurations it may explore and the
//! memory its memo may take. Both are counted exactly, so the same history
//! and budget always give the same answer, on any machine. A caller that
//! also wants a wall-clock limit (the CLI's `--timeout`) passes an interrupt
//! callback; the crate itself never reads the clock, because it also runs
//! inside deterministic simulations.

use std::fmt;

use serde::Serialize;

/// The most work a check may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// The most configurations (sets of linearized operations with the
    /// state they leave) the search may explore, over every key.
    pub max_states: u64,
    /// The most bytes the memo of explored configurations may take (for the
    /// key being checked).
    pub max_memory_bytes: u64,
}

impl Budget {
    /// Ten million configurations and 1 GiB: a few seconds of search.
    pub const DEFAULT: Budget = Budget { max_states: 10_000_000, max_memory_bytes: 1 << 30 };
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::DEFAULT
    }
}

/// Why a check gave up, leaving the verdict unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "limit", rename_all = "kebab-case")]
pub enum GaveUp {
    /// It explored [`Budget::max_states`] configurations.
    States {
        /// The limit it reached.
        max_states: u64,
    },
    /// Its memo reached [`Budget::max_memory_bytes`].
    Memory {
        /// The limit it reached.
        max_memory_bytes: u64,
    },
    /// The caller's interrupt callback asked it to stop (a timeout).
    Interrupted,
}

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GaveUp::States { max_states } => {
                write!(f, "the search explored its limit of {max_states} states (--max-states)")
            }
            GaveUp::Memory { max_memory_bytes } => {
                write!(f, "the search's memo reached its limit of {} MiB", max_memory_bytes >> 20)
            }
            GaveUp::Interrupted => write!(f, "the search was interrupted (--timeout)"),
        }
    }
}

/// Counts a check's work against its budget.
pub(crate) struct Meter<'a> {
    budget: Budget,
    interrupt: Option<&'a dyn Fn() -> bool>,
    /// Configurations explored so far.
    pub(crate) states: u64,
    /// Steps since the interrupt was last asked.
    steps: u32,
}

/// How many search steps pass between two calls of the interrupt callback:
/// often enough to stop within milliseconds, rarely enough to cost nothing.
const STEPS_PER_POLL: u32 = 4096;

impl<'a> Meter<'a> {
    pub(crate) fn new(budget: Budget, interrupt: Option<&'a dyn Fn() -> bool>) -> Meter<'a> {
        Meter { budget, interrupt, states: 0, steps: 0 }
    }

    /// One step of the search; asks the interrupt now and then.
    pub(crate) fn step(&mut self) -> Result<(), GaveUp> {
        self.steps += 1;
        if self.steps >= STEPS_PER_POLL {
            self.steps = 0;
            if self.interrupt.is_some_and(|stop| stop()) {
                return Err(GaveUp::Interrupted);
            }
        }
        Ok(())
    }

    /// One more configuration explored, with the memo now `memo_bytes` big.
    pub(crate) fn state(&mut self, memo_bytes: u64) -> Result<(), GaveUp> {
        self.states += 1;
        if self.states > self.budget.max_states {
            return Err(GaveUp::States { max_states: self.budget.max_states });
        }
        if memo_bytes > self.budget.max_memory_bytes {
            return Err(GaveUp::Memory { max_memory_bytes: self.budget.max_memory_bytes });
        }
        Ok(())
    }

    /// True if nothing is left (the next state would be over the limit).
    pub(crate) fn spent(&self) -> bool {
        self.states >= self.budget.max_states
    }
}

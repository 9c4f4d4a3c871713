//! The event queue: the engine's agenda, ordered by `(time, seq)`.
//!
//! `seq` is assigned by the engine when an event is scheduled and grows by one
//! each time, so two events at the same virtual time come out in the order
//! they were scheduled. That tie-break is what makes a run a pure function of
//! its seed.
//!
//! Two implementations sit behind one trait, [`EventQueue`]:
//!
//! - [`HeapQueue`], a binary heap: `O(log n)` per operation, simple, the
//!   reference.
//! - [`CalendarQueue`], a bucket ("calendar") queue: `O(1)` amortised when
//!   event times are spread over a window, which is what a network
//!   simulation produces (every message lands a few milliseconds ahead).
//!
//! A simulation picks one with a [`QueueKind`] type parameter; the default is
//! the calendar queue.

mod calendar;
mod heap;

pub use calendar::CalendarQueue;
pub use heap::HeapQueue;

use crate::SimTime;

/// A priority queue of events ordered by `(time, seq)`, earliest first.
///
/// Implementations must return events in exactly that order: the
/// determinism of every run depends on it.
pub trait EventQueue<E>: Default {
    /// Schedules `event` at `time`. `seq` is unique and increasing across
    /// calls; `time` is never earlier than the time of the last event popped.
    fn push(&mut self, time: SimTime, seq: u64, event: E);

    /// Removes and returns the earliest event.
    fn pop(&mut self) -> Option<(SimTime, u64, E)>;

    /// The time of the earliest event, without removing it.
    fn peek_time(&mut self) -> Option<SimTime>;

    /// The number of events queued.
    fn len(&self) -> usize;

    /// True if no event is queued.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Chooses an [`EventQueue`] implementation for a simulation, independently
/// of the event type (which is private to the engine).
pub trait QueueKind {
    /// The queue holding events of type `E`.
    type Queue<E>: EventQueue<E>;
}

/// Selects [`HeapQueue`].
#[derive(Debug, Clone, Copy)]
pub enum Heap {}

impl QueueKind for Heap {
    type Queue<E> = HeapQueue<E>;
}

/// Selects [`CalendarQueue`] (the default).
#[derive(Debug, Clone, Copy)]
pub enum Calendar {}

impl QueueKind for Calendar {
    type Queue<E> = CalendarQueue<E>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pushes `(delay, payload)` pairs interleaved with pops, in both queues,
    /// and checks they agree with each other and with a sorted reference.
    fn check_against_reference<Q: EventQueue<u32>>(ops: &[(u64, bool)]) -> Vec<(SimTime, u64, u32)> {
        let mut q = Q::default();
        let mut now = SimTime::ZERO;
        let mut out = Vec::new();
        for (seq, &(delay, pop)) in ops.iter().enumerate() {
            // The payload is the seq, so a mix-up of payloads shows too.
            q.push(SimTime::from_nanos(now.as_nanos() + delay), seq as u64, seq as u32);
            if pop && let Some(e) = q.pop() {
                assert!(e.0 >= now, "time went backwards");
                now = e.0;
                out.push(e);
            }
        }
        while let Some(e) = q.pop() {
            assert!(e.0 >= now, "time went backwards");
            now = e.0;
            out.push(e);
        }
        assert!(q.is_empty());
        out
    }

    proptest! {
        #[test]
        fn heap_and_calendar_pop_in_the_same_order(
            ops in prop::collection::vec(
                (prop_oneof![Just(0u64), 0u64..1_000, 0u64..20_000_000, 0u64..5_000_000_000], any::<bool>()),
                0..600,
            )
        ) {
            let heap = check_against_reference::<HeapQueue<u32>>(&ops);
            let calendar = check_against_reference::<CalendarQueue<u32>>(&ops);
            prop_assert_eq!(&heap, &calendar);
            for w in heap.windows(2) {
                prop_assert!((w[0].0, w[0].1) < (w[1].0, w[1].1));
            }
        }
    }

    #[test]
    fn ties_come_out_in_insertion_order() {
        fn check<Q: EventQueue<&'static str>>() {
            let mut q = Q::default();
            let t = SimTime::from_millis(5);
            q.push(t, 0, "first");
            q.push(SimTime::from_millis(1), 1, "earliest");
            q.push(t, 2, "second");
            q.push(t, 3, "third");
            let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|e| e.2)).collect();
            assert_eq!(order, ["earliest", "first", "second", "third"]);
        }
        check::<HeapQueue<_>>();
        check::<CalendarQueue<_>>();
    }
}

//! A calendar (bucket) queue: the agenda as a ring of time slots.
//!
//! # The idea
//!
//! Think of a desk calendar with one page per day. To schedule something you
//! open the page for its day and jot it down anywhere on that page: no need
//! to keep the whole calendar sorted. To find the next thing to do you look
//! at today's page, and only when you start on a page do you put *that page*
//! in order. A calendar queue does the same with virtual time:
//!
//! - Time is cut into *buckets* of a fixed width (here 2^16 ns ≈ 66 µs). An
//!   event at time `t` belongs to bucket number `t >> 16`.
//! - The buckets live in a *ring* of 4096 slots, reused as time moves on:
//!   bucket `b` goes in slot `b % 4096`. The ring covers the next
//!   4096 × 66 µs ≈ 268 ms.
//! - `push` appends the event to its bucket's `Vec`, unsorted: `O(1)`.
//! - `pop` walks forward to the first non-empty bucket, sorts it once, and
//!   then takes events off the end of that sorted `Vec`: `O(1)` each.
//!
//! # Why it is `O(1)` amortised
//!
//! A binary heap pays `O(log n)` per event because it keeps *all* `n` events
//! partially ordered, and with many events each step wanders over memory
//! that no longer fits in the cache. The calendar only ever orders the events
//! of one bucket, roughly `n × width / spread` of them, where `spread` is how
//! far ahead events are scheduled. When the width suits the load, that is a
//! small constant, so sorting costs a small constant per event, and the
//! bucket being sorted sits in the cache. Appending costs `O(1)`. Walking
//! over empty buckets is cheap too: a bitmap of occupied slots lets us skip
//! 64 empty buckets with one `trailing_zeros` instruction.
//!
//! The width is tuned for network delays of about 1–10 ms (see
//! `WIDTH_BITS` below). Other loads are still handled correctly, and degrade
//! gracefully towards heap speed rather than falling off a cliff: events far
//! ahead wait in a heap (below), and events scheduled into the bucket being
//! drained go into a small heap beside it rather than being inserted into
//! its sorted `Vec`, which would cost `O(bucket size)` each time.
//!
//! # Why ties stay FIFO
//!
//! Every event carries the engine's `seq` number, which grows with each event
//! scheduled. Everything here orders events by the *pair* `(time, seq)`, not
//! by time alone, so two events at the same time come out in the order they
//! were scheduled, exactly as from [`HeapQueue`]. Determinism never rests on
//! a sort being stable or on where an event happens to sit in a `Vec`.
//!
//! # Small mode
//!
//! With only a handful of events queued (ping-pong has one or two), walking
//! the ring to the next occupied bucket and sorting a bucket of one costs
//! more than keeping those few events in a short sorted `Vec`. So the queue
//! starts in *small mode*, and moves its events into the ring only when
//! more than [`SMALL`] are queued; it returns to small mode when it empties.
//!
//! # Events beyond the ring
//!
//! An event more than a ring's span ahead, such as a long timer or a "never"
//! deadline at [`SimTime::MAX`], would land in a slot that still holds nearer
//! events. Such events wait in an *overflow* queue (the reference
//! [`HeapQueue`]); each time the ring moves forward, overflow events that now
//! fall inside it move into their buckets. When the ring is empty, `pop`
//! takes the overflow's earliest event directly, which jumps the ring over
//! any stretch of empty time in one step.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::{EventQueue, HeapQueue};
use crate::SimTime;

/// log2 of a bucket's width in nanoseconds: 2^16 ns ≈ 66 µs.
///
/// Chosen by measurement, on the hold model of `benches/queue.rs` (pop the
/// earliest event, push one a network delay later) with 2 to 100 000 events
/// pending, for widths 2^12 to 2^17 ns:
///
/// - With the delays we design for, 1–10 ms, every width from 2^12 to 2^17
///   is within about 20% of the best, and 4–5 times faster than the heap at
///   100 000 events: the bitmap makes empty buckets cheap, and sorting a few
///   hundred events is cheap.
/// - With short (LAN, 50–200 µs) delays, a wide bucket holds many events and
///   many pushes land in the bucket being drained: at 100 000 events, 2^16 is
///   about 30% slower than 2^12, still several times faster than the heap.
/// - With long (WAN, 20–200 ms) delays, a narrow ring sends many events
///   through the overflow heap: below 2^16 the ring spans less than 200 ms,
///   and the calendar loses most of its lead (at 2^12–2^13 it falls below
///   heap speed).
///
/// 2^16 is the narrowest width that handles all three well. (With only one
/// or two events pending, as in a ping-pong, the heap is faster at any
/// width, by a few nanoseconds per event: each push then touches a cold
/// bucket. That is the price of the large loads; a ping-pong is cheap
/// either way.)
const WIDTH_BITS: u32 = 16;

/// log2 of the number of buckets in the ring: 4096.
///
/// The ring then spans 4096 × 66 µs ≈ 268 ms, over 25 times the usual
/// network delay, so messages and most timers (heartbeats, election
/// timeouts) never touch the overflow heap. A larger ring would cover longer
/// timers but costs memory (a `Vec` header per slot: 4096 × 24 bytes =
/// 96 KiB, which stays in the L2 cache) and a longer bitmap to search when
/// few events are queued.
const RING_BITS: u32 = 12;

/// The number of buckets in the ring.
const BUCKETS: usize = 1 << RING_BITS;

/// Occupancy bits per bitmap word.
const WORD_BITS: usize = u64::BITS as usize;

/// Words in the occupancy bitmap. A constant (a power of two), so wrapping
/// around the bitmap is a mask and indexing needs no bounds check.
const WORDS: usize = BUCKETS / WORD_BITS;

/// One queued event, ordered by `(time, seq)`: the queue's whole ordering,
/// in one place.
#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// The number of the bucket (in absolute terms, not a ring slot) that holds
/// events at `time`.
#[inline]
fn bucket_of(time: SimTime) -> u64 {
    time.as_nanos() >> WIDTH_BITS
}

/// The ring slot of absolute bucket `bucket`.
#[inline]
fn slot_of(bucket: u64) -> usize {
    // The mask keeps the value below `BUCKETS`, so the cast cannot truncate.
    (bucket & (BUCKETS as u64 - 1)) as usize
}

/// A calendar queue of events ordered by `(time, seq)`, earliest first.
///
/// Pops in exactly the same order as [`HeapQueue`], usually faster: events
/// sit unsorted in a ring of 4096 time buckets of 2^16 ns each, and only the
/// bucket being drained is sorted. Events beyond the ring's 268 ms wait in
/// a heap. The comment at the top of `queue/calendar.rs` explains the idea.
///
/// # Invariants
///
/// Absolute bucket numbers are `time >> WIDTH_BITS`; `base` is the bucket of
/// the last event popped.
///
/// 1. The ring holds exactly the events whose bucket lies in
///    `base .. base + BUCKETS`, bucket `b` in slot `b % BUCKETS`, so each
///    slot holds events of a single bucket. Every later event is in
///    `overflow`, which is therefore later than everything in the ring.
/// 2. `base <= cur < base + BUCKETS`, and no bucket in `base .. cur` holds
///    an event: `cur` is where the search for the earliest event resumes.
/// 3. If `cur_sorted`, bucket `cur`'s `Vec` is sorted by `(time, seq)`
///    *descending*, so its earliest event is at the end, where `Vec::pop` is
///    cheap; and `late` holds the events added to bucket `cur` since.
///    Otherwise `late` is empty.
/// 4. Bit `s` of `occupied` is set exactly when slot `s`'s `Vec` is
///    non-empty.
#[derive(Debug)]
pub struct CalendarQueue<E> {
    /// The ring: `BUCKETS` unsorted (except `cur`) vectors of events.
    buckets: Box<[Vec<Entry<E>>]>,
    /// One bit per slot, set when the slot holds an event, so that finding
    /// the next non-empty bucket skips 64 empty ones per step.
    occupied: Box<[u64; WORDS]>,
    /// The bucket of the last event popped (0 before the first pop).
    base: u64,
    /// Where the search for the earliest event resumes; see invariant 2.
    cur: u64,
    /// Whether bucket `cur` is sorted; see invariant 3.
    cur_sorted: bool,
    /// Events pushed into bucket `cur` after it was sorted, earliest on top.
    /// A network simulation rarely schedules anything this close to "now"
    /// (a timer firing at once, say), so this heap is nearly always empty
    /// and tiny; but under a load where it is not, it keeps each such push
    /// at `O(log n)`, where inserting into the sorted `Vec` would shift
    /// half the bucket.
    late: BinaryHeap<Reverse<Entry<E>>>,
    /// Events in the ring, `late` included (not counting `overflow`).
    in_ring: usize,
    /// Events at or beyond bucket `base + BUCKETS`, earliest first.
    overflow: HeapQueue<E>,
    /// Emptied bucket vectors kept for reuse. When a bucket drains, its
    /// allocation comes here and the next empty bucket to receive an event
    /// takes it. Memory then grows with the number of buckets in use at once,
    /// not with every slot the ring ever passed through (4096 slots that
    /// each once held a crowd), and a steady load allocates nothing.
    spare: Vec<Vec<Entry<E>>>,
    /// The time of the last event popped. Checks that no event is scheduled
    /// in the past, and anchors the ring when it comes into use.
    now: SimTime,
    /// Small mode: while few events are queued (ping-pong has one or two),
    /// walking a ring of buckets costs more than it saves, so they live in
    /// this short `Vec` instead, sorted latest first. The ring and overflow
    /// are empty while it is in use. When it would outgrow [`SMALL`], its
    /// events move into the ring, which is used until the queue next empties.
    small: Vec<Entry<E>>,
    small_mode: bool,
    /// [`SMALL`], or 0 to never use small mode (tests of the ring itself).
    small_limit: usize,
}

/// The most events small mode holds. A sorted insert into a `Vec` this short
/// is a few comparisons and one short `memmove`, cheaper than a ring push and
/// a bucket sort; much beyond it, the ring wins.
const SMALL: usize = 16;

impl<E> Default for CalendarQueue<E> {
    fn default() -> Self {
        CalendarQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: Box::new([0; WORDS]),
            base: 0,
            cur: 0,
            cur_sorted: false,
            late: BinaryHeap::new(),
            in_ring: 0,
            overflow: HeapQueue::default(),
            spare: Vec::new(),
            now: SimTime::ZERO,
            small: Vec::with_capacity(SMALL),
            small_mode: true,
            small_limit: SMALL,
        }
    }
}

impl<E> CalendarQueue<E> {
    /// The first bucket past the ring's reach: events at or beyond it wait in
    /// `overflow`. Cannot overflow a `u64`: `base` is at most
    /// `u64::MAX >> WIDTH_BITS`.
    #[inline]
    fn horizon(&self) -> u64 {
        self.base + BUCKETS as u64
    }

    /// Files `entry` into the ring, at absolute bucket `bucket`, which must be
    /// within the ring's reach.
    #[inline]
    fn insert_in_ring(&mut self, bucket: u64, entry: Entry<E>) {
        debug_assert!((self.base..self.horizon()).contains(&bucket), "bucket outside the ring");
        self.in_ring += 1;
        if bucket < self.cur {
            // Possible only after `peek_time` moved `cur` past empty buckets
            // to a later event: this one comes first, so the search must
            // restart here. The bucket is empty (invariant 2).
            self.leave_current_bucket();
            self.cur = bucket;
        } else if bucket == self.cur && self.cur_sorted {
            // Keep the bucket being drained sorted without shifting its Vec.
            self.late.push(Reverse(entry));
            return;
        }
        let slot = slot_of(bucket);
        let vec = &mut self.buckets[slot];
        if vec.capacity() == 0
            && let Some(reused) = self.spare.pop()
        {
            *vec = reused;
        }
        vec.push(entry);
        self.occupied[slot / WORD_BITS] |= 1 << (slot % WORD_BITS);
    }

    /// Before `cur` moves: puts the `late` events back among the others of
    /// their bucket, which is then no longer known to be sorted (it will be
    /// sorted again when the search reaches it).
    fn leave_current_bucket(&mut self) {
        if !self.late.is_empty() {
            let slot = slot_of(self.cur);
            self.buckets[slot].extend(self.late.drain().map(|Reverse(e)| e));
            self.occupied[slot / WORD_BITS] |= 1 << (slot % WORD_BITS);
        }
        self.cur_sorted = false;
    }

    /// The first occupied slot at or after `from`, wrapping around the ring.
    /// Some slot must be occupied.
    fn next_occupied(&self, from: usize) -> usize {
        let mut word = from / WORD_BITS;
        // Ignore the slots before `from` in its word.
        let mut bits = self.occupied[word] & (u64::MAX << (from % WORD_BITS));
        // `WORDS + 1` steps: the last one revisits `from`'s word for the
        // slots before `from`, which the wrap-around puts last.
        for _ in 0..=WORDS {
            if bits != 0 {
                return word * WORD_BITS + bits.trailing_zeros() as usize;
            }
            word = (word + 1) % WORDS;
            bits = self.occupied[word];
        }
        unreachable!("next_occupied called on an empty ring")
    }

    /// Moves `cur` to the first non-empty bucket and sorts it, so the ring's
    /// earliest event is at the end of that bucket's `Vec` or on top of
    /// `late`. The ring must hold at least one event.
    fn settle(&mut self) {
        debug_assert!(self.in_ring > 0);
        let slot = slot_of(self.cur);
        if self.buckets[slot].is_empty() && self.late.is_empty() {
            // Going forward from `cur`'s slot, the first occupied slot is the
            // earliest bucket: slots of buckets before `cur` are empty
            // (invariant 2), so the search cannot wrap onto a stale one.
            let next = self.next_occupied(slot);
            let distance = next.wrapping_sub(slot) & (BUCKETS - 1);
            self.cur += distance as u64;
            self.cur_sorted = false;
        }
        if !self.cur_sorted {
            // `(time, seq)` pairs are unique, so an unstable sort still gives
            // one deterministic order, and it is faster than a stable one.
            self.buckets[slot_of(self.cur)].sort_unstable_by(|a, b| b.cmp(a));
            self.cur_sorted = true;
        }
    }

    /// Whether the earliest event of bucket `cur` (sorted) is on top of
    /// `late` rather than at the end of the bucket's `Vec`.
    #[inline]
    fn earliest_is_late(&self) -> bool {
        match (self.buckets[slot_of(self.cur)].last(), self.late.peek()) {
            (Some(sorted), Some(Reverse(late))) => late < sorted,
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }

    /// Moves the ring's start to `new_base` (the bucket of the event being
    /// popped), and brings in the overflow events that are now within reach.
    fn advance_base(&mut self, new_base: u64) {
        debug_assert!(new_base >= self.base && new_base == self.cur);
        self.base = new_base;
        let horizon = self.horizon();
        while self.overflow.peek_time().is_some_and(|t| bucket_of(t) < horizon) {
            let Some((time, seq, event)) = self.overflow.pop() else {
                unreachable!("peek_time just saw an event")
            };
            self.insert_in_ring(bucket_of(time), Entry { time, seq, event });
        }
    }

    /// A queue that always uses the ring, to test the ring on its own.
    #[cfg(test)]
    fn ring_only() -> Self {
        let mut q = CalendarQueue { small_limit: 0, ..CalendarQueue::default() };
        q.small_mode = false;
        q
    }

    /// Leaves small mode: anchors the (empty) ring at the last pop and files
    /// the small events into it.
    #[cold]
    fn enter_ring_mode(&mut self) {
        debug_assert!(self.in_ring == 0 && self.overflow.is_empty(), "the ring is empty in small mode");
        self.small_mode = false;
        self.base = bucket_of(self.now);
        self.cur = self.base;
        self.cur_sorted = false;
        let mut small = std::mem::take(&mut self.small);
        for entry in small.drain(..) {
            self.push_to_ring(entry);
        }
        // Keep the allocation for the next time the queue runs small.
        self.small = small;
    }

    #[inline]
    fn push_to_ring(&mut self, entry: Entry<E>) {
        let bucket = bucket_of(entry.time);
        if bucket >= self.horizon() {
            self.overflow.push(entry.time, entry.seq, entry.event);
        } else {
            self.insert_in_ring(bucket, entry);
        }
    }

    /// Checks every invariant of the type; for tests.
    #[cfg(test)]
    fn check_invariants(&mut self) {
        if self.small_mode {
            assert_eq!(self.in_ring + self.overflow.len(), 0, "ring unused in small mode");
            assert!(self.small.len() <= SMALL);
            assert!(self.small.windows(2).all(|w| w[0] > w[1]), "small mode: sorted latest first");
            assert!(self.small.iter().all(|e| e.time >= self.now), "event in the past");
            return;
        }
        assert_eq!(self.base, bucket_of(self.now), "base is the bucket of the last pop");
        assert!(self.base <= self.cur && self.cur < self.horizon(), "invariant 2");
        let mut count = self.late.len();
        for (slot, vec) in self.buckets.iter().enumerate() {
            let bit = self.occupied[slot / WORD_BITS] >> (slot % WORD_BITS) & 1;
            assert_eq!(bit == 1, !vec.is_empty(), "invariant 4, slot {slot}");
            for e in vec {
                let b = bucket_of(e.time);
                assert_eq!(slot_of(b), slot, "invariant 1: event in the wrong slot");
                assert!((self.cur..self.horizon()).contains(&b), "invariants 1, 2");
                assert!(e.time >= self.now, "event in the past");
            }
            count += vec.len();
        }
        assert_eq!(count, self.in_ring);
        if self.cur_sorted {
            let v = &self.buckets[slot_of(self.cur)];
            assert!(v.windows(2).all(|w| w[0] > w[1]), "invariant 3: unsorted");
            assert!(self.late.iter().all(|Reverse(e)| bucket_of(e.time) == self.cur));
        } else {
            assert!(self.late.is_empty(), "invariant 3: late events, unsorted bucket");
        }
        if let Some(t) = self.overflow.peek_time() {
            assert!(bucket_of(t) >= self.horizon(), "invariant 1: overflow within reach");
        }
    }
}

impl<E> EventQueue<E> for CalendarQueue<E> {
    #[inline(always)]
    fn push(&mut self, time: SimTime, seq: u64, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past: {time:?} < {:?}", self.now);
        let entry = Entry { time, seq, event };
        if !self.small_mode && self.in_ring == 0 && self.overflow.is_empty() && self.small_limit > 0 {
            // The queue emptied: start over in small mode.
            self.small_mode = true;
        }
        if self.small_mode {
            if self.small.len() < self.small_limit {
                // Latest first: the new entry goes before the first one that
                // is earlier than it. It is appended, then rotated into place,
                // rather than inserted: appending writes it straight into the
                // `Vec`, where `insert` would build it aside and copy it in.
                // (Reading back a value just written piecewise is slow: the
                // processor cannot forward the pieces to one wide load. With
                // one event in flight, as in a ping-pong, that stall was a
                // tenth of the time per message.)
                let key = (time, seq);
                let at = self.small.partition_point(|e| e.key() > key);
                self.small.push(entry);
                if at + 1 < self.small.len() {
                    self.small[at..].rotate_right(1);
                }
                return;
            }
            self.enter_ring_mode();
        }
        self.push_to_ring(entry);
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<(SimTime, u64, E)> {
        if self.small_mode {
            let entry = self.small.pop()?;
            self.now = entry.time;
            return Some((entry.time, entry.seq, entry.event));
        }
        if self.in_ring == 0 {
            // Nothing within the ring's reach: the overflow's earliest event
            // is next, however far ahead. Jump the ring straight to it rather
            // than walking through the empty time in between. (`late` is
            // empty, being part of the ring, so `cur` can simply move.)
            let (time, seq, event) = self.overflow.pop()?;
            self.now = time;
            self.cur = bucket_of(time);
            self.cur_sorted = false;
            self.advance_base(self.cur);
            return Some((time, seq, event));
        }
        self.settle();
        let entry = if self.earliest_is_late() {
            let Some(Reverse(entry)) = self.late.pop() else { unreachable!("earliest_is_late saw an event") };
            entry
        } else {
            let slot = slot_of(self.cur);
            let vec = &mut self.buckets[slot];
            let Some(entry) = vec.pop() else { unreachable!("settle left an empty bucket") };
            if vec.is_empty() {
                self.occupied[slot / WORD_BITS] &= !(1 << (slot % WORD_BITS));
                self.spare.push(std::mem::take(vec));
            }
            entry
        };
        self.in_ring -= 1;
        debug_assert!(entry.time >= self.now, "time went backwards");
        debug_assert_eq!(bucket_of(entry.time), self.cur, "popped from the wrong bucket");
        self.now = entry.time;
        if self.cur != self.base {
            self.advance_base(self.cur);
        }
        Some((entry.time, entry.seq, entry.event))
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        if self.small_mode {
            return self.small.last().map(|e| e.time);
        }
        if self.in_ring == 0 {
            // Everything is beyond the ring (or nothing is queued). Do not
            // jump the ring here: an earlier event may still be pushed, and
            // it must find the ring where it was.
            return self.overflow.peek_time();
        }
        self.settle();
        if self.earliest_is_late() {
            self.late.peek().map(|Reverse(e)| e.time)
        } else {
            self.buckets[slot_of(self.cur)].last().map(|e| e.time)
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.small.len() + self.in_ring + self.overflow.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const MS: u64 = 1_000_000;
    /// A bucket's width, in nanoseconds.
    const WIDTH: u64 = 1 << WIDTH_BITS;
    /// How far ahead the ring reaches from the start of bucket `base`.
    const SPAN: u64 = (BUCKETS as u64) << WIDTH_BITS;

    /// Pops everything, checking invariants and `peek_time` at each step;
    /// returns the payloads in the order popped.
    fn drain(q: &mut CalendarQueue<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        loop {
            let peeked = q.peek_time();
            q.check_invariants();
            let Some(e) = q.pop() else { break };
            q.check_invariants();
            assert_eq!(peeked, Some(e.0));
            out.push(e.2);
        }
        assert_eq!(q.peek_time(), None);
        assert!(q.is_empty());
        out
    }

    #[test]
    fn far_future_events_wait_in_overflow_and_come_back_in_order() {
        let mut q = CalendarQueue::ring_only();
        let times = [
            SimTime::MAX,
            SimTime::from_secs(3600),
            SimTime::from_nanos(u64::MAX - 1),
            SimTime::from_millis(1),
            SimTime::from_nanos(SPAN),     // the first bucket beyond the ring
            SimTime::from_nanos(SPAN - 1), // the last bucket in the ring
            SimTime::from_nanos(SPAN * 10),
            SimTime::MAX,
            SimTime::from_nanos(SPAN * 10),
        ];
        for (seq, &t) in times.iter().enumerate() {
            q.push(t, seq as u64, seq as u32);
        }
        assert_eq!((q.in_ring, q.overflow.len()), (2, 7));
        assert_eq!(q.len(), times.len());
        q.check_invariants();
        assert_eq!(drain(&mut q), [3, 5, 4, 6, 8, 1, 2, 0, 7]);
    }

    #[test]
    fn pushes_at_the_current_time_join_the_bucket_being_drained() {
        let mut q = CalendarQueue::ring_only();
        // The start of a bucket, and offsets that stay inside it.
        let t = 100 * WIDTH;
        let at = |dt: u64| SimTime::from_nanos(t + dt);
        for (seq, dt) in [(0, 500), (1, 0), (2, 100), (3, 0), (4, WIDTH - 1)] {
            q.push(at(dt), seq, seq as u32);
        }
        assert_eq!(q.pop().map(|e| e.2), Some(1)); // (t, seq 1)
        assert!(q.cur_sorted, "the current bucket is now sorted");
        // Push into that sorted bucket: at the current time (after `seq 3`,
        // still queued at the same time), and a little later.
        q.push(at(0), 5, 5);
        q.push(at(100), 6, 6);
        q.push(at(1), 7, 7);
        assert_eq!(q.late.len(), 3, "kept beside the sorted bucket");
        q.check_invariants();
        assert_eq!(q.pop().map(|e| e.2), Some(3));
        q.push(at(0), 8, 8); // again at the current time
        assert_eq!(drain(&mut q), [5, 8, 7, 2, 6, 0, 4]);
    }

    #[test]
    fn peek_then_an_earlier_push_restarts_the_search() {
        let mut q = CalendarQueue::ring_only();
        let nine = SimTime::from_millis(9);
        q.push(nine, 0, 0);
        // `peek_time` walks `cur` forward to the 9 ms bucket and sorts it...
        assert_eq!(q.peek_time(), Some(nine));
        // ...so this joins it as a late event...
        q.push(SimTime::from_nanos(nine.as_nanos() + 1), 1, 1);
        assert_eq!(q.late.len(), 1);
        // ...but an event may still be scheduled before it.
        q.push(SimTime::from_millis(1), 2, 2);
        q.check_invariants();
        assert!(q.late.is_empty(), "late events went back to their bucket");
        assert_eq!(q.peek_time(), Some(SimTime::from_millis(1)));
        assert_eq!(drain(&mut q), [2, 0, 1]);
    }

    #[test]
    fn an_empty_ring_jumps_to_the_next_event() {
        let mut q = CalendarQueue::ring_only();
        let far = 10_000 * SPAN;
        q.push(SimTime::from_nanos(far), 0, 0);
        q.push(SimTime::from_nanos(far + 5 * MS), 1, 1);
        q.push(SimTime::from_nanos(far + 2 * SPAN), 2, 2);
        assert_eq!(q.in_ring, 0);
        // Peeking does not move the ring: an earlier event may still come.
        assert_eq!(q.peek_time(), Some(SimTime::from_nanos(far)));
        assert_eq!(q.base, 0);
        q.push(SimTime::from_nanos(3 * SPAN), 3, 3);
        assert_eq!(q.pop().map(|e| e.2), Some(3));
        // Popping jumps the ring to the far event in one step and brings its
        // neighbour (5 ms later) into the ring; the last one stays out.
        assert_eq!(q.pop().map(|e| e.2), Some(0));
        assert_eq!(q.base, bucket_of(SimTime::from_nanos(far)));
        assert_eq!((q.in_ring, q.overflow.len()), (1, 1));
        q.check_invariants();
        // Pushes near the new current time go into the ring.
        q.push(SimTime::from_nanos(far + MS), 4, 4);
        assert_eq!(q.overflow.len(), 1);
        assert_eq!(drain(&mut q), [4, 1, 2]);
    }

    #[test]
    fn sparse_events_across_the_whole_ring_are_found() {
        // Events on both sides of bitmap word boundaries and in the last
        // slot, so the search crosses words and wraps around the ring.
        let mut q = CalendarQueue::ring_only();
        let slots = [BUCKETS as u64 - 1, 63, 64, 0, 1000, 2047];
        for (seq, &s) in slots.iter().enumerate() {
            q.push(SimTime::from_nanos(s * WIDTH), seq as u64, seq as u32);
        }
        assert_eq!(drain(&mut q), [3, 1, 2, 4, 5, 0]);
        // The ring now starts at its last slot; wrap again.
        q.push(SimTime::from_nanos((BUCKETS as u64 + 10) * WIDTH), 10, 10);
        q.push(SimTime::from_nanos((BUCKETS as u64 - 1) * WIDTH + 1), 11, 11);
        assert_eq!(drain(&mut q), [11, 10]);
    }

    /// Runs the calendar queue and the reference heap side by side: prefills
    /// `pending` events, then `steps` rounds of mostly "pop one, push one"
    /// with occasional bursts, a `peek_time` before each push every
    /// `peek_every` rounds, delays from `delay(rng, now)`. Checks every pop,
    /// peek and length agree.
    fn compare_with_heap(
        seed: u64,
        pending: usize,
        steps: usize,
        peek_every: usize,
        delay: impl Fn(&mut ChaCha8Rng, u64) -> u64,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut cal = CalendarQueue::default();
        let mut heap = HeapQueue::default();
        let mut seq = 0u64;
        let mut now = 0u64;
        let mut push = |cal: &mut CalendarQueue<u64>, heap: &mut HeapQueue<u64>, t: u64| {
            cal.push(SimTime::from_nanos(t), seq, seq);
            heap.push(SimTime::from_nanos(t), seq, seq);
            seq += 1;
        };
        for _ in 0..pending {
            let t = delay(&mut rng, now);
            push(&mut cal, &mut heap, t);
        }
        for step in 0..steps {
            let (pops, pushes) = match rng.random_range(0..100) {
                0 => (20, 0),
                1 => (0, 20),
                _ => (1, 1),
            };
            for _ in 0..pops {
                let (c, h) = (cal.pop(), heap.pop());
                assert_eq!(c, h, "pop, step {step}");
                if let Some((t, _, _)) = c {
                    now = t.as_nanos();
                }
            }
            for _ in 0..pushes {
                if step % peek_every == 0 {
                    assert_eq!(cal.peek_time(), heap.peek_time(), "peek, step {step}");
                }
                let t = now.saturating_add(delay(&mut rng, now));
                push(&mut cal, &mut heap, t);
            }
            assert_eq!(cal.len(), heap.len());
        }
        cal.check_invariants();
        while let Some(h) = heap.pop() {
            assert_eq!(cal.pop(), Some(h));
        }
        assert!(cal.is_empty() && cal.pop().is_none());
    }

    /// A network-like load over ~100 000 pending events, with a mix of
    /// delays that reaches every path: same time, same bucket, 1–10 ms,
    /// beyond the ring, and "never".
    #[test]
    fn matches_the_heap_on_a_large_network_load() {
        compare_with_heap(7, 100_000, 300_000, 7, |rng, now| match rng.random_range(0..100) {
            0..5 => 0,
            5..10 => rng.random_range(0..WIDTH),
            10..90 => rng.random_range(MS..10 * MS),
            90..98 => rng.random_range(SPAN / 2..SPAN * 20),
            _ => u64::MAX - now, // exactly `SimTime::MAX`
        });
    }

    /// Delays shorter than a couple of buckets: many pushes land in the
    /// bucket being drained, so `late` is busy.
    #[test]
    fn matches_the_heap_when_most_events_land_in_the_current_bucket() {
        compare_with_heap(8, 20_000, 100_000, 3, |rng, _| rng.random_range(0..2 * WIDTH));
    }

    /// A ping-pong-like load: a few events, far apart, so `cur` keeps
    /// running ahead on `peek_time` and the ring keeps emptying and jumping.
    #[test]
    fn matches_the_heap_with_a_few_scattered_events() {
        compare_with_heap(9, 2, 200_000, 1, |rng, _| match rng.random_range(0..4) {
            0 => rng.random_range(0..WIDTH),
            1 => rng.random_range(0..SPAN),
            2 => rng.random_range(SPAN..3 * SPAN),
            _ => rng.random_range(MS..10 * MS),
        });
    }
}

//! The "bare" reference: a hand-written discrete-event loop with nothing in it
//! but the work itself.
//!
//! This module is the physical-limit yardstick for the engine benchmarks. It
//! runs the same workloads as weft and nexosim (`ping_pong` and `flood`), with
//! the same amount of real work per message:
//!
//! * every message goes through a real priority queue
//!   ([`std::collections::BinaryHeap`], min-ordered by `(time, seq)`), and
//! * every message draws its own latency, uniform in `[1 ms, 10 ms)`, from a
//!   `ChaCha8Rng` seeded from the caller's seed,
//!
//! and nothing else: no boxing, no per-message allocation (messages are stored
//! inline in the queue entries), no fault injection, no tracing, no
//! dynamic dispatch. A general-purpose engine pays for all of those; how close
//! it gets to these numbers says how much that generality costs.
//!
//! The benchmark includes this file with
//! `#[path = "reference/bare.rs"] mod bare;`, so it must stay a plain,
//! self-contained module (it shares nothing with `nexosim.rs`).

#![allow(dead_code)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Smallest one-way link latency, in nanoseconds (inclusive): 1 ms.
const MIN_LATENCY_NS: u64 = 1_000_000;
/// Largest one-way link latency, in nanoseconds (exclusive): 10 ms.
const MAX_LATENCY_NS: u64 = 10_000_000;
/// Spacing between two injected flood values, in nanoseconds: value `v` is
/// injected at `(v + 1) * INJECT_SPACING_NS`.
const INJECT_SPACING_NS: u64 = 1_000_000;

/// Draws one link latency in nanoseconds.
#[inline]
fn latency(rng: &mut ChaCha8Rng) -> u64 {
    rng.random_range(MIN_LATENCY_NS..MAX_LATENCY_NS)
}

// ---------------------------------------------------------------------------
// The event queue
// ---------------------------------------------------------------------------

/// One scheduled event: a payload `M` due at virtual time `time` (ns).
///
/// `seq` is a counter assigned at push time. It breaks ties between events
/// due at the same instant, so that they pop in the order they were pushed and
/// the run is fully deterministic.
struct Entry<M> {
    time: u64,
    seq: u64,
    msg: M,
}

// `BinaryHeap` is a max-heap; we want the *earliest* `(time, seq)` on top, so
// the comparison is reversed. Only the key takes part in it: the payload does
// not need to be comparable.
impl<M> Ord for Entry<M> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<M> PartialOrd for Entry<M> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> PartialEq for Entry<M> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<M> Eq for Entry<M> {}

/// A minimal future-event list: a binary min-heap on `(time, seq)`.
struct Queue<M> {
    heap: BinaryHeap<Entry<M>>,
    next_seq: u64,
}

impl<M> Queue<M> {
    fn new() -> Self {
        Queue { heap: BinaryHeap::new(), next_seq: 0 }
    }

    /// Schedules `msg` at absolute virtual time `time`.
    #[inline]
    fn push(&mut self, time: u64, msg: M) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, msg });
    }

    /// Removes and returns the earliest event, if any.
    #[inline]
    fn pop(&mut self) -> Option<(u64, M)> {
        self.heap.pop().map(|entry| (entry.time, entry.msg))
    }
}

// ---------------------------------------------------------------------------
// Workload 1: ping-pong
// ---------------------------------------------------------------------------

/// A ping-pong message: round number `round`, travelling to node `to`.
/// Node 0 is the client (sends requests), node 1 the server (answers them).
#[derive(Clone, Copy)]
struct PingPongMsg {
    to: u8,
    round: u64,
}

/// Runs `round_trips` request/answer exchanges between node 0 and node 1 and
/// returns the number of delivered messages (always `2 * round_trips`).
///
/// Node 0 sends request 0 at time 0. Node 1 answers every request it receives;
/// when answer `i` reaches node 0, it sends request `i + 1`, until
/// `round_trips` answers have arrived. Every message draws its own latency.
pub fn ping_pong(round_trips: u64, seed: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut queue: Queue<PingPongMsg> = Queue::new();
    let mut delivered = 0;

    if round_trips > 0 {
        queue.push(latency(&mut rng), PingPongMsg { to: 1, round: 0 });
    }

    while let Some((now, msg)) = queue.pop() {
        delivered += 1;
        if msg.to == 1 {
            // The server answers request `round`.
            let answer = PingPongMsg { to: 0, round: msg.round };
            queue.push(now + latency(&mut rng), answer);
        } else if msg.round + 1 < round_trips {
            // The client got answer `round`: start the next round trip.
            let request = PingPongMsg { to: 1, round: msg.round + 1 };
            queue.push(now + latency(&mut rng), request);
        }
    }

    delivered
}

// ---------------------------------------------------------------------------
// Workload 2: flood
// ---------------------------------------------------------------------------

/// The network over which values are flooded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// Every node is linked to every other node: `n (n - 1) / 2` links.
    Mesh,
    /// A ring (node `i` linked to `i ± 1 mod n`) plus a random perfect
    /// matching whose pairs are never ring neighbours: every node has exactly
    /// three distinct neighbours, `3n / 2` links in all. Needs an even `n >= 4`.
    Regular3,
}

/// Who is linked to whom. The mesh is implicit (no `n²` edge list).
enum Graph {
    /// Full mesh over this many nodes.
    Mesh(u32),
    /// Three neighbours per node: previous on the ring, next on the ring,
    /// matched partner.
    Regular3(Vec<[u32; 3]>),
}

impl Graph {
    fn build(n: u32, topology: Topology, rng: &mut ChaCha8Rng) -> Graph {
        match topology {
            Topology::Mesh => {
                assert!(n >= 2, "a mesh needs at least 2 nodes");
                Graph::Mesh(n)
            }
            Topology::Regular3 => {
                let partner = ring_matching(n, rng);
                let neighbours =
                    (0..n).map(|i| [(i + n - 1) % n, (i + 1) % n, partner[i as usize]]).collect();
                Graph::Regular3(neighbours)
            }
        }
    }

    /// Calls `f` once for every neighbour of `node`.
    #[inline]
    fn for_each_neighbour(&self, node: u32, mut f: impl FnMut(u32)) {
        match self {
            Graph::Mesh(n) => (0..*n).filter(|&peer| peer != node).for_each(f),
            Graph::Regular3(neighbours) => {
                for &peer in &neighbours[node as usize] {
                    f(peer);
                }
            }
        }
    }
}

/// Returns `partner[i]` for a random perfect matching of `0..n` in which no
/// pair is adjacent on the ring `0 - 1 - ... - (n-1) - 0`.
///
/// Shuffles the nodes and pairs them up two by two; if any pair turns out to
/// be ring neighbours, reshuffles and tries again. For large `n` a random
/// matching has about one such pair on average, so a few tries suffice.
pub fn ring_matching(n: u32, rng: &mut ChaCha8Rng) -> Vec<u32> {
    assert!(n >= 4 && n.is_multiple_of(2), "regular3 needs an even number of nodes, at least 4");
    let ring_adjacent = |a: u32, b: u32| (a + 1) % n == b || (b + 1) % n == a;
    let mut order: Vec<u32> = (0..n).collect();
    loop {
        order.shuffle(rng);
        let valid = order.chunks_exact(2).all(|pair| !ring_adjacent(pair[0], pair[1]));
        if valid {
            let mut partner = vec![0; n as usize];
            for pair in order.chunks_exact(2) {
                partner[pair[0] as usize] = pair[1];
                partner[pair[1] as usize] = pair[0];
            }
            return partner;
        }
    }
}

/// What can happen in the flood workload.
#[derive(Clone, Copy)]
enum FloodEvent {
    /// Value `value` appears at `node` (from outside the network).
    Inject { node: u32, value: u32 },
    /// Value `value`, sent by `from`, arrives at `to`.
    Deliver { to: u32, from: u32, value: u32 },
}

/// Floods `values` values through a `nodes`-node network and returns the
/// number of delivered messages.
///
/// Value `v` is injected at time `(v + 1)` ms at a uniformly random node. A
/// node that sees a value for the first time (by injection or by receiving it)
/// sends it to all its neighbours except the one it came from; a value it has
/// already seen is dropped. With no loss this delivers `2E - n + 1` messages
/// per value, `E` being the number of links.
pub fn flood(nodes: usize, values: u32, topology: Topology, seed: u64) -> u64 {
    // Draw order from the single RNG: topology, injection sites, latencies.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = u32::try_from(nodes).expect("too many nodes");
    let graph = Graph::build(n, topology, &mut rng);

    let mut queue: Queue<FloodEvent> = Queue::new();
    for value in 0..values {
        let node = rng.random_range(0..n);
        let at = (u64::from(value) + 1) * INJECT_SPACING_NS;
        queue.push(at, FloodEvent::Inject { node, value });
    }

    // seen[node * values + value]: has `node` already seen `value`?
    let mut seen = vec![false; nodes * values as usize];
    let seen_index = |node: u32, value: u32| node as usize * values as usize + value as usize;
    let mut delivered = 0;

    while let Some((now, event)) = queue.pop() {
        // Who has the value now, and which neighbour must not get it back.
        let (node, value, skip) = match event {
            FloodEvent::Inject { node, value } => (node, value, None),
            FloodEvent::Deliver { to, from, value } => {
                delivered += 1;
                (to, value, Some(from))
            }
        };

        let slot = &mut seen[seen_index(node, value)];
        if *slot {
            continue;
        }
        *slot = true;

        graph.for_each_neighbour(node, |peer| {
            if Some(peer) != skip {
                let msg = FloodEvent::Deliver { to: peer, from: node, value };
                queue.push(now + latency(&mut rng), msg);
            }
        });
    }

    delivered
}

//! Event-queue benchmark: [`HeapQueue`] against [`CalendarQueue`] on the
//! "hold model", the classic workload for comparing simulation agendas.
//!
//! The queue is first filled with `pending` events, each 1–10 ms ahead of
//! time zero, like messages in flight on a network with that latency. Then
//! each step *holds* the size steady: it pops the earliest event and
//! schedules a new one 1–10 ms after it, as a node does when it answers a
//! message. One step (a pop plus a push) is one element of throughput.
//!
//! Two sizes: 1 000 pending events (a small cluster) and 100 000 (a
//! 100-node full-mesh flood). Run with `cargo bench --bench queue`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use weft_sim::SimTime;
use weft_sim::queue::{CalendarQueue, EventQueue, HeapQueue};

/// Hold steps timed per benchmark iteration.
const STEPS: u64 = 1_000_000;

/// Network latency range, in nanoseconds: uniform in [1 ms, 10 ms).
const LATENCY_NANOS: std::ops::Range<u64> = 1_000_000..10_000_000;

/// A stand-in for a message in flight: 32 bytes, the size of a small
/// payload plus addressing, so the queues move realistic amounts of data.
#[derive(Debug, Clone, Copy)]
struct Message {
    from: u32,
    to: u32,
    id: u64,
    body: [u64; 2],
}

const _: () = assert!(size_of::<Message>() == 32);

impl Message {
    fn new(id: u64) -> Message {
        // Cheap, varied fields; the content does not matter, only the size.
        Message { from: id as u32 % 100, to: (id as u32 / 100) % 100, id, body: [id, !id] }
    }

    /// Reads every field, as a handler would, so none is optimised away.
    fn digest(&self) -> u64 {
        u64::from(self.from ^ self.to) ^ self.id ^ self.body[0] ^ self.body[1]
    }
}

/// A queue prefilled with `pending` events, plus the generator and the next
/// sequence number to continue with.
fn prefilled<Q: EventQueue<Message>>(pending: usize) -> (Q, ChaCha8Rng, u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
    let mut queue = Q::default();
    let mut seq = 0;
    for _ in 0..pending {
        queue.push(SimTime::from_nanos(rng.random_range(LATENCY_NANOS)), seq, Message::new(seq));
        seq += 1;
    }
    (queue, rng, seq)
}

/// `STEPS` hold steps: pop the earliest event, push one 1–10 ms after it.
/// Returns the queue so that dropping it is not timed.
fn hold<Q: EventQueue<Message>>((mut queue, mut rng, mut seq): (Q, ChaCha8Rng, u64)) -> Q {
    for _ in 0..STEPS {
        let Some((time, _, message)) = queue.pop() else {
            unreachable!("the hold model keeps the queue full")
        };
        black_box(message.digest());
        let later = SimTime::from_nanos(time.as_nanos() + rng.random_range(LATENCY_NANOS));
        queue.push(later, seq, Message::new(seq));
        seq += 1;
    }
    queue
}

fn bench_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_hold");
    group.throughput(Throughput::Elements(STEPS));
    // An iteration takes tens of milliseconds or more, so a few flat samples
    // give stable numbers without a long run.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for pending in [1_000, 100_000] {
        group.bench_with_input(BenchmarkId::new("heap", pending), &pending, |b, &n| {
            b.iter_batched(|| prefilled::<HeapQueue<Message>>(n), hold, BatchSize::PerIteration);
        });
        group.bench_with_input(BenchmarkId::new("calendar", pending), &pending, |b, &n| {
            b.iter_batched(|| prefilled::<CalendarQueue<Message>>(n), hold, BatchSize::PerIteration);
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hold);
criterion_main!(benches);

//! How long the explorer takes to move its cursor on a long run: a step
//! back (from a snapshot, never a replay from the start) and a jump to the
//! end; and how long opening a run (indexing it) takes. `cargo bench -p weft-tui --bench seek`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use weft_tui::recording::Recording;

fn seek(c: &mut Criterion) {
    let recording = Recording::new(weft_tui::testing::sample_trace(1_000_000));
    let len = recording.len();
    let mut group = c.benchmark_group("seek in 1M events");
    group.bench_function("world at the last event", |b| b.iter(|| black_box(recording.world_at(len - 1))));
    group.bench_function("step back from the middle", |b| {
        let mut at = len / 2;
        b.iter(|| {
            at = if at == 0 { len / 2 } else { at - 1 };
            black_box(recording.world_at(at))
        })
    });
    group.finish();
    c.bench_function("index 100k events", |b| {
        b.iter_with_large_drop(|| Recording::new(weft_tui::testing::sample_trace(100_000)))
    });
}

criterion_group!(benches, seek);
criterion_main!(benches);

//! Sweep throughput: runs per second of `weft sweep replication-nemesis`
//! (five replicas, three clients, random faults; eight virtual seconds a
//! run) on one thread and on two.
//!
//! Each iteration sweeps the same 32 seeds, and the harness checks that both
//! thread counts produce the same results, so neither can get faster by
//! doing less or something else.
//!
//! Run: `cargo bench --bench sweep` (see docs/performance.md).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weft_scenarios::open;
use weft_scenarios::sweep::{SeedResult, sweep};

const SCENARIO: &str = "replication-nemesis";
const SEEDS: u64 = 32;

fn run(jobs: usize) -> Vec<SeedResult> {
    let scenario = open(SCENARIO, &[]).expect("a library scenario");
    let seeds: Vec<u64> = (1..=SEEDS).collect();
    sweep(&scenario, &seeds, Some(jobs), |_| {}).expect("the scenario runs")
}

fn throughput(c: &mut Criterion) {
    assert_eq!(run(1), run(2), "one thread or two, the same runs");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SEEDS));
    for jobs in [1, 2] {
        group.bench_with_input(BenchmarkId::new(SCENARIO, format!("{jobs} jobs")), &jobs, |b, &jobs| {
            b.iter(|| run(jobs))
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);

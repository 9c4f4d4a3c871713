//! Checker benchmark: the time `weft_check::check` takes to accept
//! linearizable histories of growing size.
//!
//! The histories are generated as the property tests generate them
//! (`tests/common/generate.rs`): a random sequential execution of the model,
//! each operation stretched into an interval around its instant, spread over
//! `processes` clients, so about that many operations overlap at any time;
//! 5% of the operations time out (`info`, or never complete) or fail. Two
//! models: `kv` (get, put, append over 10 keys) and `cas-register` (read,
//! write, cas on one register: every operation in one search). Sizes: 100,
//! 1,000 and 5,000 operations, by 10 and by 50 concurrent processes.
//!
//! Then the same kind of histories with one read changed to a value never
//! written: not linearizable, with the explanation included in the time.
//!
//! Before timing, each history is checked once and must be linearizable
//! (or not, for the second group),
//! and the states the search explored are printed, so the time can be read
//! per state. Run with `cargo bench -p weft-check --bench lincheck`.

#[path = "../tests/common/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use generate::{Shape, corrupt_a_read, generate};
use weft_check::{Budget, Model, Verdict, check};

fn bench(c: &mut Criterion) {
    for model in [Model::Kv, Model::CasRegister] {
        let mut group = c.benchmark_group(format!("lincheck/{model}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for processes in [10, 50] {
            for operations in [100, 1_000, 5_000] {
                let shape = Shape { model, operations, processes, keys: 10, unknown_percent: 5 };
                let history = generate(&shape, 1);
                let report = check(&history, model, Budget::DEFAULT).expect("generated histories fit");
                assert!(
                    report.is_linearizable(),
                    "the generator makes linearizable histories: {}",
                    report.summary()
                );
                eprintln!("{model} {operations} ops, {processes} processes: {}", report.summary());
                group.throughput(Throughput::Elements(operations as u64));
                let id = BenchmarkId::new(format!("{processes}-processes"), operations);
                group.bench_with_input(id, &history, |b, history| {
                    b.iter(|| check(black_box(history), model, Budget::DEFAULT).expect("fits"))
                });
            }
        }
        group.finish();
    }
    not_linearizable(c);
}

/// Not linearizable: the same histories with one read changed to a value
/// nobody wrote, so that the check must show that *no* order works (and then
/// explain why). The sizes of the audit that found these slow: a register
/// written by 40 clients, a cas-register by 30.
fn not_linearizable(c: &mut Criterion) {
    let mut group = c.benchmark_group("lincheck-violation");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for (model, operations, processes) in [
        (Model::Kv, 1_000, 50),
        (Model::Register, 3_000, 40),
        (Model::CasRegister, 2_000, 30),
        (Model::CasRegister, 5_000, 50),
    ] {
        let shape = Shape { model, operations, processes, keys: 10, unknown_percent: 5 };
        let history = corrupt_a_read(&generate(&shape, 1), 7).expect("the history has a read");
        let report = check(&history, model, Budget::DEFAULT).expect("generated histories fit");
        assert!(
            matches!(report.verdict, Verdict::NotLinearizable { .. }),
            "a read of a value never written is caught: {}",
            report.summary()
        );
        eprintln!("{model} {operations} ops, {processes} processes, one bad read: {}", report.summary());
        group.throughput(Throughput::Elements(operations as u64));
        let id = BenchmarkId::new(format!("{model}/{processes}-processes"), operations);
        group.bench_with_input(id, &history, |b, history| {
            b.iter(|| check(black_box(history), model, Budget::DEFAULT).expect("fits"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

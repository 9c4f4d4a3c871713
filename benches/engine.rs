//! The engine benchmark: the same three workloads on weft (with the calendar
//! queue and with the binary heap), on a bare hand-written event loop (the
//! physical limit of the work), and on nexosim (another Rust simulator).
//!
//! Every implementation returns the number of messages it delivered, and the
//! harness checks the counts agree before timing anything, so no
//! implementation can get faster by doing less.
//!
//! Run: `cargo bench --bench engine` (see docs/performance.md).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weft_scenarios::catalog::Pattern;
use weft_scenarios::catalog::flood::FloodPattern;
use weft_scenarios::catalog::ping_pong::PingPongPattern;
use weft_scenarios::{RunOptions, open, run};
use weft_sim::queue::{Calendar, Heap, QueueKind};

#[path = "reference/bare.rs"]
mod bare;
#[path = "reference/nexosim.rs"]
mod nexo;

const SEED: u64 = 1;
const ROUND_TRIPS: u64 = 1_000_000;
const VALUES: u32 = 1_000;

/// Builds library scenario `name`, with `sets`, on event queue `Q`, and runs
/// it: the benchmark measures exactly what `weft run` runs.
fn run_library<P: Pattern, Q: QueueKind>(name: &str, sets: &[String]) -> u64 {
    let scenario = open(name, sets).expect("valid library scenario");
    // Tracing reduced to the run hash, as in `weft run` without `--trace`.
    let options = RunOptions { seed: SEED, keep_trace: false };
    let mut sim = run::build::<P, Q>(&scenario, &options, None).expect("builds").sim;
    let _ = sim.run();
    sim.stats().messages_delivered
}

fn weft_ping_pong<Q: QueueKind>() -> u64 {
    run_library::<PingPongPattern, Q>("ping-pong", &[format!("workload.requests={ROUND_TRIPS}")])
}

fn weft_flood<Q: QueueKind>(scenario: &str, nodes: usize) -> u64 {
    // One value per millisecond, as the references inject them.
    let sets = [
        format!("nodes.node={nodes}"),
        format!("workload.requests={VALUES}"),
        "workload.arrival=periodic".to_string(),
        "workload.rate=1000/s".to_string(),
    ];
    run_library::<FloodPattern, Q>(scenario, &sets)
}

/// One workload: its name, its node count, and the four implementations.
struct Workload {
    name: &'static str,
    weft_calendar: fn() -> u64,
    weft_heap: fn() -> u64,
    bare: fn() -> u64,
    nexosim: fn() -> u64,
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "ping-pong/1M-round-trips",
            weft_calendar: weft_ping_pong::<Calendar>,
            weft_heap: weft_ping_pong::<Heap>,
            bare: || bare::ping_pong(ROUND_TRIPS, SEED),
            nexosim: || nexo::ping_pong(ROUND_TRIPS, SEED),
        },
        Workload {
            name: "flood/mesh-100",
            weft_calendar: || weft_flood::<Calendar>("flood", 100),
            weft_heap: || weft_flood::<Heap>("flood", 100),
            bare: || bare::flood(100, VALUES, bare::Topology::Mesh, SEED),
            nexosim: || nexo::flood(100, VALUES, bare::Topology::Mesh, SEED),
        },
        Workload {
            name: "flood/regular3-1000",
            weft_calendar: || weft_flood::<Calendar>("flood-sparse", 1000),
            weft_heap: || weft_flood::<Heap>("flood-sparse", 1000),
            bare: || bare::flood(1000, VALUES, bare::Topology::Regular3, SEED),
            nexosim: || nexo::flood(1000, VALUES, bare::Topology::Regular3, SEED),
        },
    ]
}

fn engine(c: &mut Criterion) {
    for w in workloads() {
        let delivered = (w.bare)();
        // Same work everywhere, or the comparison means nothing.
        for (name, run) in [("weft", w.weft_calendar), ("weft-heap", w.weft_heap), ("nexosim", w.nexosim)] {
            assert_eq!(run(), delivered, "{} on {name} delivered a different number of messages", w.name);
        }
        let mut group = c.benchmark_group(w.name);
        group.sample_size(10);
        group.throughput(Throughput::Elements(delivered));
        for (name, run) in [
            ("weft", w.weft_calendar),
            ("weft-heap", w.weft_heap),
            ("bare-loop", w.bare),
            ("nexosim", w.nexosim),
        ] {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(run));
        }
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);

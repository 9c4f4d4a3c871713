#[path = "../tests/common/generate.rs"]
mod generate;
use generate::*;
use std::time::Instant;
use weft_check::*;
fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (maxops, maxproc) = (args[0] as usize, args[1] as u32);
    let mut all = vec![];
    for seed in 0..600u64 {
        for model in Model::ALL {
            let mut r = Rng::new(seed * 3 + model as u64);
            let shape = Shape {
                model,
                operations: 1 + r.below(maxops as u64) as usize,
                processes: 1 + r.below(maxproc as u64) as u32,
                keys: 1 + r.below(3) as u32,
                unknown_percent: [0, 10, 30][r.below(3) as usize],
            };
            let h = generate(&shape, seed);
            let t = Instant::now();
            let rep = check(&h, model, Budget { max_states: 2_000_000, ..Budget::DEFAULT }).unwrap();
            let e1 = t.elapsed().as_secs_f64();
            if !rep.is_linearizable() {
                println!("REJECTED {seed} {model}: {}", rep.summary());
            }
            all.push((e1, format!("lin {seed} {shape:?} {}", rep.summary())));
            if let Some(c) = corrupt_a_read(&h, seed) {
                let t = Instant::now();
                let rep = check(&c, model, Budget { max_states: 2_000_000, ..Budget::DEFAULT }).unwrap();
                let e = t.elapsed().as_secs_f64();
                all.push((e, format!("bad {seed} {shape:?} {}", rep.summary())));
                if rep.is_linearizable() {
                    println!("ACCEPTED corrupted {seed} {model}");
                }
            }
        }
    }
    all.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let total: f64 = all.iter().map(|a| a.0).sum();
    println!("total {total:.3}s");
    for a in all.iter().take(8) {
        println!("{:.4} {}", a.0, a.1);
    }
}

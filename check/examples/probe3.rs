#[path = "../tests/common/generate.rs"]
mod generate;
use generate::*;
use std::time::Instant;
use weft_check::*;
fn main() {
    for model in [Model::Kv, Model::CasRegister, Model::Register] {
        for processes in [10u32, 50] {
            for operations in [100usize, 1000, 5000] {
                for unknown in [0u64, 5] {
                    let shape = Shape { model, operations, processes, keys: 10, unknown_percent: unknown };
                    let h = generate(&shape, 1);
                    let t = Instant::now();
                    let r = check(&h, model, Budget::DEFAULT).unwrap();
                    println!(
                        "{model} n={operations} p={processes} u={unknown}: {:?} {}",
                        t.elapsed(),
                        r.summary()
                    );
                }
            }
        }
    }
}

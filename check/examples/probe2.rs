#[path = "../tests/common/generate.rs"]
mod generate;
use generate::*;
use std::time::Instant;
use weft_check::*;
fn main() {
    let seed = 47;
    let shape = Shape { model: Model::Register, operations: 92, processes: 4, keys: 3, unknown_percent: 30 };
    let h = generate(&shape, seed);
    let c = corrupt_a_read(&h, seed).unwrap();
    std::fs::write("/tmp/c47.jsonl", c.to_json_lines()).unwrap();
    let t = Instant::now();
    let r = check(&c, shape.model, Budget { max_states: 20_000_000, ..Budget::DEFAULT }).unwrap();
    println!("{} {:?}", r.summary(), t.elapsed());
}

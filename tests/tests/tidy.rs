//! Tidy: the engine, the checker, the patterns and the scenario driver must not use anything that
//! makes a run depend on more than its seed.
//!
//! This scans the *code* (not comments) of `sim/`, `check/`, `patterns/` and `scenarios/` for the
//! names that break determinism, and says what to use instead. (`check/` runs inside simulations:
//! its verdicts and state counts must not depend on the machine either.)

use std::fs;
use std::path::{Path, PathBuf};

/// A forbidden name, and what to use instead.
const BANNED: &[(&str, &str)] = &[
    ("HashMap", "BTreeMap, or a Vec indexed by NodeId: HashMap iteration order is random per process"),
    (
        "HashSet",
        "BTreeSet, or a bitset/Vec<bool> indexed by NodeId: HashSet iteration order is random per process",
    ),
    ("Instant::now", "SimTime from the Ctx: runs use virtual time only"),
    ("SystemTime", "SimTime from the Ctx: runs use virtual time only"),
    ("thread_rng", "ctx.rng() or weft_sim::rng::stream_rng: every draw derives from the run's seed"),
    (
        "StdRng",
        "rand_chacha::ChaCha8Rng via weft_sim::rng::stream_rng: StdRng's algorithm may change between rand releases",
    ),
    (
        "thread::spawn",
        "nothing: a run is single-threaded; parallelism belongs in seed sweeps, outside the engine",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `line` without any `//` comment (doc comments included). Good enough for
/// our code, which does not put `//` inside string literals on banned lines.
fn code_part(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

fn violations_in(roots: &[&str]) -> Vec<String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace");
    let mut files = Vec::new();
    for root in roots {
        rust_files(&workspace.join(root), &mut files);
    }
    assert!(files.len() > 5, "tidy found only {} files: is it looking in the right place?", files.len());
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("source is UTF-8");
        for (number, line) in text.lines().enumerate() {
            for (name, instead) in BANNED {
                if code_part(line).contains(name) {
                    found.push(format!("{}:{}: `{name}`: use {instead}", file.display(), number + 1));
                }
            }
        }
    }
    found
}

#[test]
fn engine_and_patterns_use_nothing_nondeterministic() {
    let found = violations_in(&["sim", "check", "patterns", "scenarios"]);
    assert!(found.is_empty(), "determinism hazards:\n{}", found.join("\n"));
}

#[test]
fn the_scan_sees_code_but_not_comments() {
    assert_eq!(code_part("let m = HashMap::new(); // fine"), "let m = HashMap::new(); ");
    assert_eq!(code_part("/// never use HashMap"), "");
}

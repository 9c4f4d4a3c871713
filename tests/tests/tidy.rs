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
    // rand 0.9's names for the same thread-local, OS-seeded generator.
    ("rand::rng", "ctx.rng() or weft_sim::rng::stream_rng: every draw derives from the run's seed"),
    ("rand::random", "ctx.rng() or weft_sim::rng::stream_rng: every draw derives from the run's seed"),
    ("OsRng", "ctx.rng() or weft_sim::rng::stream_rng: every draw derives from the run's seed"),
    ("from_os_rng", "weft_sim::rng::stream_rng(seed, stream): seed from the run, never from the OS"),
    ("from_entropy", "weft_sim::rng::stream_rng(seed, stream): seed from the run, never from the OS"),
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

fn violations_in(roots: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for root in roots {
        rust_files(root, &mut files);
    }
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
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace");
    let roots: Vec<PathBuf> =
        ["sim", "check", "patterns", "scenarios"].iter().map(|r| workspace.join(r)).collect();
    let mut files = Vec::new();
    for root in &roots {
        rust_files(root, &mut files);
    }
    assert!(files.len() > 5, "tidy found only {} files: is it looking in the right place?", files.len());
    let found = violations_in(&roots);
    assert!(found.is_empty(), "determinism hazards:\n{}", found.join("\n"));
}

#[test]
fn the_scan_finds_every_banned_name() {
    // One planted file per banned name, in a nested folder, and a clean one:
    // each name must be reported once, at its line, and nothing else.
    let dir = std::env::temp_dir().join(format!("weft-tidy-{}", std::process::id()));
    let nested = dir.join("src").join("deep");
    fs::create_dir_all(&nested).expect("temp dir");
    for (index, (name, _)) in BANNED.iter().enumerate() {
        let code = format!("// a comment naming {name} is fine\nfn f{index}() {{ let _ = {name}; }}\n");
        fs::write(nested.join(format!("planted_{index}.rs")), code).expect("write planted file");
    }
    fs::write(dir.join("clean.rs"), "fn clean() { let _ = std::collections::BTreeMap::<u8, u8>::new(); }\n")
        .expect("write clean file");
    let found = violations_in(std::slice::from_ref(&dir));
    fs::remove_dir_all(&dir).expect("remove temp dir");
    for (name, _) in BANNED {
        let hits =
            found.iter().filter(|v| v.ends_with(&format!(":2: `{name}`: use {}", lookup(name)))).count();
        assert!(hits >= 1, "the planted `{name}` was not reported; found:\n{}", found.join("\n"));
    }
    assert!(found.iter().all(|v| v.contains("planted_")), "the clean file was reported: {found:?}");
}

/// What to use instead of `name`.
fn lookup(name: &str) -> &'static str {
    BANNED.iter().find(|(banned, _)| *banned == name).map(|(_, instead)| *instead).expect("a banned name")
}

#[test]
fn the_scan_sees_code_but_not_comments() {
    assert_eq!(code_part("let m = HashMap::new(); // fine"), "let m = HashMap::new(); ");
    assert_eq!(code_part("/// never use HashMap"), "");
}

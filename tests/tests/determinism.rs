//! Determinism and the library's golden numbers: a run is a pure function
//! of (scenario, seed).
//!
//! Every built-in scenario goes through one data-driven `check`: it runs with
//! its own seed, and its event count and trace hash must equal the ones
//! recorded in `tests/golden/library.json`. When a change alters runs on
//! purpose, regenerate the file and review the diff:
//!
//! ```text
//! WEFT_UPDATE_GOLDEN=1 cargo test -p weft-tests --test determinism
//! ```
//!
//! The other tests here need no golden numbers: same seed, same hash; other
//! seeds, other hashes; tracing on or off, streamed or kept, same hash.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use weft_scenarios::{RunOptions, RunReport, Scenario, library};

fn scenarios() -> Vec<Scenario> {
    library().iter().map(|b| b.load(&[]).unwrap_or_else(|e| panic!("{}:\n{e}", b.name))).collect()
}

fn run(scenario: &Scenario, seed: u64, keep_trace: bool) -> RunReport {
    scenario.run(&RunOptions { seed, keep_trace }).expect("built-in scenarios build")
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/library.json")
}

/// What the one check found for a scenario.
struct Checked {
    /// Its golden numbers as they are now.
    numbers: Value,
    /// A failed verdict: its properties did not do what the scenario says.
    verdict: Option<String>,
    /// A difference from the recorded golden numbers.
    drift: Option<String>,
}

/// The one check every built-in scenario goes through: its verdict, and its
/// golden event count and trace hash at its own seed.
fn check(scenario: &Scenario, golden: &BTreeMap<String, Value>) -> Checked {
    let report = run(scenario, scenario.seed, false);
    let verdict = (!report.verdict().passed()).then(|| {
        format!(
            "{}: {:?}: {:?}\nreplay: {}",
            scenario.name,
            report.verdict(),
            report.violations,
            report.replay_command()
        )
    });
    let numbers =
        json!({ "seed": report.seed, "events": report.stats.events, "trace_hash": report.trace_hash });
    let drift = match golden.get(&scenario.name) {
        Some(expected) if *expected == numbers => None,
        Some(expected) => Some(format!("{}: expected {expected}, got {numbers}", scenario.name)),
        None => Some(format!("{}: no golden numbers yet (got {numbers})", scenario.name)),
    };
    Checked { numbers, verdict, drift }
}

/// Whether `WEFT_UPDATE_GOLDEN` asks to rewrite the golden file: only the
/// value `1` does, so `WEFT_UPDATE_GOLDEN=0` (or an empty value) checks.
fn update_requested(value: Option<&str>) -> bool {
    value.map(str::trim) == Some("1")
}

#[test]
fn only_the_value_1_rewrites_the_golden_file() {
    assert!(update_requested(Some("1")));
    for value in [None, Some("0"), Some(""), Some("false"), Some("yes")] {
        assert!(!update_requested(value), "{value:?}");
    }
}

#[test]
fn every_built_in_scenario_matches_its_golden_numbers() {
    let path = golden_path();
    let update = update_requested(std::env::var("WEFT_UPDATE_GOLDEN").ok().as_deref());
    let golden: BTreeMap<String, Value> = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).expect("golden file is JSON"),
        Err(_) if update => BTreeMap::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    let mut fresh = BTreeMap::new();
    let mut verdicts = Vec::new();
    let mut drifts = Vec::new();
    for scenario in scenarios() {
        let checked = check(&scenario, &golden);
        fresh.insert(scenario.name.clone(), checked.numbers);
        verdicts.extend(checked.verdict);
        drifts.extend(checked.drift);
    }
    // A failing scenario is never blessed, update or not.
    assert!(verdicts.is_empty(), "{}", verdicts.join("\n"));
    if update {
        let text = serde_json::to_string_pretty(&fresh).expect("serialises") + "\n";
        std::fs::write(&path, text).expect("write golden file");
        return;
    }
    let stale: Vec<&String> = golden.keys().filter(|k| !fresh.contains_key(*k)).collect();
    assert!(stale.is_empty(), "golden numbers for scenarios that no longer exist: {stale:?}");
    assert!(
        drifts.is_empty(),
        "{}\n\nIf these runs changed on purpose: WEFT_UPDATE_GOLDEN=1 cargo test -p weft-tests --test determinism",
        drifts.join("\n")
    );
}

#[test]
fn the_library_list_matches_the_library_folder() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/library");
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .expect("library folder")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = library().iter().map(|b| b.name.to_string()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk, "add new files to the list in scenarios/src/library.rs");
    for scenario in scenarios() {
        let builtin = library().iter().find(|b| b.name == scenario.name);
        assert!(builtin.is_some(), "scenario `{}` must be named like its file", scenario.name);
    }
}

#[test]
fn same_seed_gives_the_same_trace_hash() {
    for scenario in scenarios() {
        let first = run(&scenario, 7, false);
        let second = run(&scenario, 7, false);
        assert_eq!(first.trace_hash, second.trace_hash, "{}: two runs of seed 7 differ", scenario.name);
        assert_eq!(first.stats, second.stats, "{}", scenario.name);
        assert!(first.stats.events > 0, "{} did nothing", scenario.name);
    }
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    for scenario in scenarios() {
        let hashes: std::collections::BTreeSet<String> =
            (0..4).map(|seed| run(&scenario, seed, false).trace_hash).collect();
        assert_eq!(
            hashes.len(),
            4,
            "{}: seeds 0..4 gave only {} distinct hashes",
            scenario.name,
            hashes.len()
        );
    }
}

#[test]
fn every_built_in_scenario_passes_on_other_seeds_too() {
    for scenario in scenarios() {
        for seed in [0, 2, 3] {
            let report = run(&scenario, seed, false);
            assert!(
                report.verdict().passed(),
                "{} seed {seed}: {:?} {:?}\nreplay: {}",
                scenario.name,
                report.verdict(),
                report.violations,
                report.replay_command()
            );
        }
    }
}

#[test]
fn kept_and_streamed_traces_agree_with_the_lean_run() {
    let dir = std::env::temp_dir().join(format!("weft-stream-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for scenario in scenarios() {
        let lean = run(&scenario, 11, false);
        let kept = run(&scenario, 11, true);
        let trace = kept.trace.as_ref().expect("trace was kept");
        assert_eq!(lean.trace_hash, kept.trace_hash, "{}", scenario.name);
        assert_eq!(trace.events.len() as u64, kept.stats.events, "{}", scenario.name);
        assert_eq!(trace.footer.trace_hash, kept.trace_hash);
        let mut expected = Vec::new();
        trace.write_jsonl(&mut expected).expect("write to memory");

        let path = dir.join(format!("{}.jsonl", scenario.name));
        let file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let streamed = scenario
            .run_traced(
                &RunOptions { seed: 11, keep_trace: false },
                Box::new(weft_sim::trace::JsonLines::new(file)),
            )
            .expect("runs");
        assert_eq!(streamed.trace_hash, kept.trace_hash);
        assert!(streamed.trace.is_none(), "a streamed trace is not also kept");
        let written = std::fs::read(&path).expect("read back");
        assert!(written == expected, "{}: the streamed trace differs from the kept one", scenario.name);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

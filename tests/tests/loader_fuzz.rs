//! Loader fuzzing: the scenario loader never panics, and every file it
//! rejects is rejected with located mistakes.
//!
//! Every built-in scenario file is mutated (character edits and bit flips,
//! truncations, values swapped between lines, lines deleted or duplicated,
//! values replaced by awkward tokens) and every unmutated file is loaded with
//! random `--set` arguments. For each mutant, [`Scenario::load`] must return
//! (no panic); if it rejects the mutant, every diagnostic must point at a
//! line and column that exist in its source (the file or a `--set`), and the
//! rendered report must not panic either. Mutants that still load are fine.
//!
//! The case counts are fixed (see the `*_CASES` constants: 10,000 mutants in
//! all, a few seconds in a debug build). The seed is proptest's usual random
//! one (set `PROPTEST_RNG_SEED` to replay a run); failures are not persisted
//! to `proptest-regressions/` files (`failure_persistence: None`), so a
//! failure is reproduced from the minimal input proptest prints, which is the
//! mutated text and `--set` arguments themselves. Pin a regression as a plain
//! test at the bottom of this file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;
use weft_scenarios::{Diagnostics, Scenario, library};

/// Mutants with characters replaced, inserted or deleted, or bits flipped.
const EDIT_CASES: u32 = 2500;
/// Files cut short at a character boundary.
const TRUNCATE_CASES: u32 = 800;
/// Files with the values of two `key = value` lines exchanged.
const SWAP_CASES: u32 = 1000;
/// Files with lines deleted or duplicated.
const LINE_CASES: u32 = 1000;
/// Files with values replaced by awkward tokens.
const TOKEN_CASES: u32 = 2500;
/// Unmutated files loaded with random `--set` arguments.
const SET_CASES: u32 = 2200;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// One input to the loader: a file's name and text, and `--set` arguments.
#[derive(Clone, Debug)]
struct Mutant {
    file: String,
    text: String,
    sets: Vec<String>,
}

impl Mutant {
    /// The input, written out for a failure message.
    fn show(&self) -> String {
        format!("--- {} ---\n{}\n--- end of file; sets: {:?}", self.file, self.text, self.sets)
    }
}

// ----- The checks -----

/// Loads `mutant`: no panic, and a rejection must be fully located.
fn check(mutant: &Mutant) -> Result<(), TestCaseError> {
    let loaded =
        catch_unwind(AssertUnwindSafe(|| Scenario::load(&mutant.file, &mutant.text, &mutant.sets, "fuzz")));
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(TestCaseError::fail(format!("the loader panicked: {message}\n{}", mutant.show())));
        }
    };
    match loaded {
        Ok(scenario) => {
            prop_assert!(scenario.node_count() >= 1, "a scenario with no nodes\n{}", mutant.show());
            // Each role within its pattern's bounds, however its count was
            // written (a count, or a list of names).
            for (role, spec) in scenario.roles.iter().zip(scenario.info().roles) {
                prop_assert!(
                    (spec.min as usize..=spec.max as usize).contains(&role.names.len()),
                    "role `{}` has {} nodes, outside {}..={}\n{}",
                    role.name,
                    role.names.len(),
                    spec.min,
                    spec.max,
                    mutant.show()
                );
            }
            prop_assert_eq!(&scenario.text, &mutant.text);
            Ok(())
        }
        Err(diagnostics) => check_diagnostics(mutant, &diagnostics),
    }
}

/// Every diagnostic has a location, and the location exists.
fn check_diagnostics(mutant: &Mutant, diagnostics: &Diagnostics) -> Result<(), TestCaseError> {
    prop_assert!(!diagnostics.list.is_empty(), "rejected with no diagnostics\n{}", mutant.show());
    for diagnostic in &diagnostics.list {
        let Some(location) = diagnostics.location(diagnostic) else {
            return Err(TestCaseError::fail(format!(
                "a diagnostic without a location: {diagnostic:?}\n{}",
                mutant.show()
            )));
        };
        let origin = diagnostic.origin.as_ref().expect("located, so it has an origin");
        let source = diagnostics.sources.get(origin.source).expect("located, so its source exists");
        // `name:line:column`; the name may itself hold a colon, the numbers
        // may not.
        let mut parts = location.rsplitn(3, ':');
        let column: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let line: usize = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let name = parts.next().unwrap_or("");
        let why = || format!("diagnostic {diagnostic:?} at `{location}`\n{}", mutant.show());
        prop_assert_eq!(name, source.name.as_str(), "{}", why());
        if let Some(number) = name.strip_prefix("--set #") {
            // The `n`th `--set`, as the user typed it.
            let number: usize = number.parse().unwrap_or(0);
            prop_assert!(number >= 1 && number <= mutant.sets.len(), "no such `--set`: {}", why());
            prop_assert_eq!(source.text.as_str(), mutant.sets[number - 1].as_str(), "{}", why());
        } else {
            prop_assert_eq!(name, mutant.file.as_str(), "{}", why());
        }
        let lines = source.text.lines().count();
        prop_assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}: {}", why());
        let line_chars = source.text.split('\n').nth(line - 1).map_or(0, |l| l.chars().count());
        prop_assert!(
            column >= 1 && column <= line_chars + 1,
            "column {column} of a {line_chars}-character line: {}",
            why()
        );
    }
    let plain = diagnostics.render(false);
    prop_assert!(plain.contains("error"), "rendered without `error`:\n{plain}\n{}", mutant.show());
    prop_assert_eq!(diagnostics.to_string(), plain);
    let _styled = diagnostics.render(true);
    Ok(())
}

// ----- The mutations -----

/// A built-in file: its name (as a path) and its text.
fn builtin() -> impl Strategy<Value = (String, &'static str)> {
    select(library().iter().map(|b| (format!("library/{}.toml", b.name), b.text)).collect::<Vec<_>>())
}

/// Characters that matter to TOML and to the value parsers, and a few that
/// are merely strange.
const CHARS: &[char] = &[
    '"', '\'', '=', '[', ']', '{', '}', ',', '.', '#', '\n', '\r', '\t', ' ', '\\', '0', '9', '-', '+', '_',
    'e', 'x', 's', 'm', '%', '|', ':', '/', 'µ', 'é', '\0', '\u{feff}', '\u{200b}', '\u{7f}', '一', '🦀',
];

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![3 => select(CHARS), 1 => any::<char>()]
}

/// One small edit at a random place.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, char),
    Insert(Index, char),
    Delete(Index),
    /// Flips one bit of one byte; invalid UTF-8 becomes `U+FFFD`.
    FlipBit(Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), interesting_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        2 => (any::<Index>(), interesting_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        2 => any::<Index>().prop_map(Edit::Delete),
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Edit::FlipBit(i, bit)),
    ]
}

fn apply_edit(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    match edit {
        Edit::Replace(i, c) if !chars.is_empty() => {
            let i = i.index(chars.len());
            chars[i] = *c;
        }
        Edit::Insert(i, c) => {
            let i = i.index(chars.len() + 1);
            chars.insert(i, *c);
        }
        Edit::Delete(i) if !chars.is_empty() => {
            chars.remove(i.index(chars.len()));
        }
        Edit::FlipBit(i, bit) if !text.is_empty() => {
            let mut bytes = text.as_bytes().to_vec();
            let i = i.index(bytes.len());
            bytes[i] ^= 1 << bit;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        _ => {}
    }
    chars.into_iter().collect()
}

fn edited() -> impl Strategy<Value = Mutant> {
    (builtin(), prop::collection::vec(edit(), 1..=4)).prop_map(|((file, text), edits)| {
        let text = edits.iter().fold(text.to_string(), |text, e| apply_edit(&text, e));
        Mutant { file, text, sets: Vec::new() }
    })
}

fn truncated() -> impl Strategy<Value = Mutant> {
    (builtin(), any::<Index>()).prop_map(|((file, text), at)| {
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let text = text[..boundaries[at.index(boundaries.len())]].to_string();
        Mutant { file, text, sets: Vec::new() }
    })
}

/// The lines of `text` that hold ` = `: (line number, byte where the value
/// starts).
fn value_lines(lines: &[String]) -> Vec<(usize, usize)> {
    lines.iter().enumerate().filter_map(|(n, l)| l.find(" = ").map(|at| (n, at + 3))).collect()
}

fn swapped() -> impl Strategy<Value = Mutant> {
    (builtin(), any::<Index>(), any::<Index>()).prop_map(|((file, text), a, b)| {
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let values = value_lines(&lines);
        if !values.is_empty() {
            let (la, at_a) = values[a.index(values.len())];
            let (lb, at_b) = values[b.index(values.len())];
            let value_a = lines[la][at_a..].to_string();
            let value_b = lines[lb][at_b..].to_string();
            lines[la].replace_range(at_a.., &value_b);
            lines[lb].replace_range(at_b.., &value_a);
        }
        Mutant { file, text: lines.join("\n"), sets: Vec::new() }
    })
}

fn line_edited() -> impl Strategy<Value = Mutant> {
    (builtin(), prop::collection::vec((any::<Index>(), any::<bool>()), 1..=3)).prop_map(
        |((file, text), edits)| {
            let mut lines: Vec<&str> = text.split('\n').collect();
            for (at, duplicate) in edits {
                if lines.is_empty() {
                    break;
                }
                let at = at.index(lines.len());
                if duplicate {
                    lines.insert(at, lines[at]);
                } else {
                    lines.remove(at);
                }
            }
            Mutant { file, text: lines.join("\n"), sets: Vec::new() }
        },
    )
}

/// Values a careless or malicious edit might leave: edge numbers, wrong
/// types, bad durations, latencies, rates and names, odd TOML.
const TOKENS: &[&str] = &[
    "-1",
    "0",
    "1",
    "2",
    "1e400",
    "-0.0",
    "5e-324",
    "1.7976931348623157e308",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "4294967296",
    // Not a million (the most nodes a role may have): every unknown name is
    // compared with every node name for a suggestion, which takes seconds
    // for a million nodes in a debug build.
    "1000",
    "1000001",
    "0x7fffffffffffffff",
    "0b1",
    "0o777",
    "true",
    "false",
    "[]",
    "[[]]",
    "{}",
    "[\"a\", 1]",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "\"x\"",
    "\"\"",
    "'lit'",
    "'''multi\nline'''",
    "\"\"\"\n\"\"\"",
    "\"\\u00b5s\"",
    "\"\\n\"",
    "\"0ns\"",
    "\"µs\"",
    "\"1 ms\"",
    "\"1sec\"",
    "\"-1ms\"",
    "\"+200ms\"",
    "\"-\"",
    "\"+\"",
    "\"1e400s\"",
    "\"18446744073709551616s\"",
    "\"18446744073709551615s\"",
    "\"99999999999999999999h\"",
    "\"1.5.5ms\"",
    "\"1_000ms\"",
    "\"_1ms\"",
    "\"1.ms\"",
    "\".5ms\"",
    "\"1ms..0ms\"",
    "\"0ns..0ns\"",
    "\"1ms..\"",
    "\"..1ms\"",
    "\"..\"",
    "\"uniform 10ms..1ms\"",
    "\"uniform 1ms..\"",
    "\"constant 18446744073709551615s\"",
    "\"99% constant 1ms | 2% constant 2ms\"",
    "\"100% constant 1ms |\"",
    "\"| 100% constant 1ms\"",
    "\"0% constant 1ms | 0% constant 2ms\"",
    "\"1e400% constant 1ms\"",
    "\"lognormal median=0ms sigma=1e308\"",
    "\"lognormal median=1ms sigma=-1\"",
    "\"pareto scale=1ms shape=0\"",
    "\"pareto scale=1ms shape=nan\"",
    "\"normal mean=1ms sd=1h\"",
    "\"normal mean= sd=\"",
    "\"exponential mean=0ns\"",
    "\"exponential\"",
    "\"uniform\"",
    "\"µ\"",
    "\"é1ms\"",
    "\"1mµ\"",
    "\"0/s\"",
    "\"-5/s\"",
    "\"1e10/s\"",
    "\"inf/s\"",
    "\"NaN/s\"",
    "\"/s\"",
    "\"1e999MB/s\"",
    "\"0.0000001B/s\"",
    "\"10MB/s\"",
    "\"-1GB/s\"",
    "\"flod\"",
    "\"flood\"",
    "\"ping-pong\"",
    "\"leader\"",
    "\"halves\"",
    "\"isolate-one\"",
    "\"bridge\"",
    "\"random\"",
    "\"minority\"",
    "\"all\"",
    "\"crashed\"",
    "\"n0\"",
    "\"n99999999999999999999\"",
    "\"node-0\"",
    "\"east\"",
    "\"west-1\"",
    "[\"east\", \"west\"]",
    "[\"east-1\", \"nobody\"]",
    "[\"east-1\", \"east-1\"]",
    "[[\"east-1\", \"west-1\"]]",
    "\"zipf\"",
    "\"closed\"",
    "\"poisson\"",
    "\"periodic\"",
    "\"ring-matching\"",
    "\"random-regular\"",
    "\"grid\"",
    "\"edges\"",
    "[\"slow\", \"slow\", \"nope\"]",
    "{ count = 0 }",
    "{ count = 3, names = [] }",
    "{ count = 2, names = [\"a\", \"a\"] }",
    "{ names = [\"UPPER\", \"\"] }",
    "{ names = [] }",
    "{ names = [\"a\"] }",
    "{ names = [\"a\", \"b\"] }",
    "{ names = [\"a\", \"b\", \"c\"] }",
    "{ processing = \"constant 1ms\" }",
    "{ within = \"1s\" }",
    "{ within = 1 }",
    "{ count = 3, distribution = \"zipf\", exponent = 11 }",
    "{ distribution = \"mixture\", components = [] }",
    "{ distribution = \"mixture\", components = [{ weight = -1, latency = \"constant 1ms\" }] }",
    "{ distribution = \"mixture\", components = [{ weight = 0, latency = \"constant 1ms\" }] }",
    "{ distribution = \"uniform\", low = \"2ms\", high = \"1ms\" }",
    "{ distribution = \"pareto\", scale = \"1ms\", shape = 0 }",
    "{ distribution = \"log-normal\", median = \"1ms\", sigma = -1 }",
    "{ distribution = \"normal\", mean = \"1ms\", sd = \"1h\" }",
    "{ distribution = \"constant\" }",
    "{ distribution = \"cnstant\", value = \"1ms\" }",
];

/// A long or deeply nested value, `size` units long.
fn big(kind: u8, size: usize) -> String {
    match kind {
        0 => format!("\"{}\"", "x".repeat(size)),
        1 => "9".repeat(size),
        2 => format!("\"{}ms\"", "9".repeat(size)),
        3 => format!("\"0.{}1ms\"", "0".repeat(size)),
        4 => format!("{}{}", "[".repeat(size), "]".repeat(size)),
        5 => format!("{}1{}", "{ a = ".repeat(size), " }".repeat(size)),
        _ => format!("\"{}\"", "100% constant 1ms | ".repeat(size)),
    }
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(TOKENS).prop_map(str::to_string),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f:?}")),
        1 => "[0-9_]{1,25}(\\.[0-9]{0,5})?(ns|us|µs|ms|s|m|h|sec|)".prop_map(|s| format!("\"{s}\"")),
        1 => "(uniform|constant|normal|lognormal|pareto|exponential) [a-z=0-9.µ%| ]{0,30}"
            .prop_map(|s| format!("\"{s}\"")),
        1 => (0u8..7, select(&[1usize, 10, 200, 5000][..])).prop_map(|(kind, size)| big(kind, size)),
    ]
}

fn token_replaced() -> impl Strategy<Value = Mutant> {
    (builtin(), prop::collection::vec((any::<Index>(), token()), 1..=2)).prop_map(|((file, text), edits)| {
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        for (at, token) in edits {
            let values = value_lines(&lines);
            if values.is_empty() {
                break;
            }
            let (line, start) = values[at.index(values.len())];
            lines[line].replace_range(start.., &token);
        }
        Mutant { file, text: lines.join("\n"), sets: Vec::new() }
    })
}

/// Key paths a `--set` might name: real ones, near misses, and malformed
/// ones.
const KEY_PATHS: &[&str] = &[
    "name",
    "description",
    "pattern",
    "seed",
    "duration",
    "network",
    "network.loss",
    "network.duplicate",
    "network.latency",
    "network.latency.distribution",
    "network.fifo",
    "network.bandwidth",
    "network.latncy",
    "network.links",
    "network.links.0.between",
    "network.links.0.loss",
    "network.links.5.loss",
    "nodes",
    "nodes.node",
    "nodes.node.count",
    "nodes.node.names",
    "nodes.node.processing",
    "nodes.pinger",
    "nodes.ponger",
    "nodes.leader",
    "topology",
    "topology.shape",
    "topology.degree",
    "topology.columns",
    "topology.edges",
    "topology.groups.east.nodes",
    "topology.groups.node.nodes",
    "workload",
    "workload.requests",
    "workload.rate",
    "workload.arrival",
    "workload.clients",
    "workload.mix",
    "workload.keys",
    "workload.keys.count",
    "faults",
    "faults.0",
    "faults.0.at",
    "faults.0.for",
    "faults.0.partition",
    "faults.0.target",
    "faults.0.crash",
    "faults.1.at",
    "faults.x",
    "nemesis",
    "nemesis.every",
    "nemesis.lasting",
    "nemesis.faults",
    "nemesis.start",
    "nemesis.stop",
    "nemesis.swarm",
    "checks",
    "checks.x",
    "checks.exact-deliveries",
    "checks.every-node-sees-every-value",
    "checks.every-node-sees-every-value.within",
    "expect",
    "expect.violation",
    "params",
    "params.x",
    "round_trips",
    "seed.x",
    "name.0",
    "a..b",
    ".seed",
    "seed.",
    " seed ",
    "",
    " ",
    "µ",
];

/// Arguments that make sense for some scenario, so that combined they also
/// reach the checks that run only on otherwise valid scenarios.
const SENSIBLE_SETS: &[&str] = &[
    "nodes.node=2",
    "nodes.node=3",
    "nodes.node=5",
    "nodes.node=1000",
    "nodes.pinger=1",
    "nodes.node.count=12",
    "nodes.node={ names = [] }",
    "nodes.node={ names = [\"a\"] }",
    "nodes.node={ names = [\"a\", \"b\", \"c\"] }",
    "nodes.node.names=[\"a\", \"b\"]",
    "nodes.pinger={ names = [] }",
    "nodes.pinger={ names = [\"a\", \"b\"] }",
    "topology=ring",
    "topology.shape=ring-matching",
    "topology.shape=star",
    "topology.shape=line",
    "topology={ shape = \"grid\", columns = 2 }",
    "topology={ shape = \"random-regular\", degree = 3 }",
    "topology={ shape = \"edges\", edges = [[\"node-0\", \"node-1\"]] }",
    "workload.requests=0",
    "workload.clients=1",
    "workload.arrival=periodic",
    "workload.rate=1/min",
    "duration=0ns",
    "duration=1h",
    "seed=0",
    "seed=9223372036854775807",
    "network.latency=constant 0ns",
    "network.latency={ distribution = \"exponential\", mean = \"1ms\" }",
    "network.loss=1",
    "network.duplicate=1",
    "network.bandwidth=1B/s",
    "network.links=[{ between = [\"n0\", \"n1\"], fifo = false }]",
    "faults=[{ at = \"0ns\", partition = \"halves\" }]",
    "faults=[{ at = \"1s\", crash = \"random\", for = \"1ms\" }]",
    "faults=[{ at = \"1s\", partition = \"isolate-one\", target = \"leader\" }]",
    "faults=[{ at = \"1s\", partition = [[\"n0\"], [\"n1\"]] }]",
    "faults=[{ at = \"1s\", clock = \"all\", offset = \"-1h\", drift_ppm = 999999 }]",
    "faults=[{ at = \"1s\", slow = \"n0\", extra = \"constant 1ms\" }]",
    "faults=[{ at = \"1s\", degrade = [\"n0\", \"n1\"], loss = 0.5 }]",
    "faults=[{ at = \"1s\", heal = true, for = \"1s\" }]",
    "nemesis={ every = \"1ns\", stop = \"1h\" }",
    "nemesis={ every = \"1ms\", stop = \"1s\", swarm = true }",
    "nemesis.lasting=1ms..0ms",
    "checks.exact-deliveries=false",
    "checks.every-node-sees-every-value={ within = \"1s\" }",
    "expect.violation=exact-deliveries",
    "pattern=ping-pong",
    "pattern=flood",
];

/// A `--set` argument: mostly `key=value`, sometimes malformed.
fn set_arg() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => (select(KEY_PATHS), token()).prop_map(|(key, value)| format!("{key}={value}")),
        4 => select(SENSIBLE_SETS).prop_map(str::to_string),
        // An unquoted value, which a `--set` reads as a string.
        2 => (select(KEY_PATHS), "[a-z0-9.µ%| =-]{0,20}").prop_map(|(key, value)| format!("{key}={value}")),
        1 => select(&["novalue", "=", "==", "=3", "seed==1", "seed=", "seed= ", "seed=\t", "µ=1", ""][..])
            .prop_map(str::to_string),
    ]
}

fn with_sets() -> impl Strategy<Value = Mutant> {
    (builtin(), prop::collection::vec(set_arg(), 1..=4)).prop_map(|((file, text), sets)| Mutant {
        file,
        text: text.to_string(),
        sets,
    })
}

// ----- The properties -----

proptest! {
    #![proptest_config(config(EDIT_CASES))]
    #[test]
    fn edited_files_never_panic(mutant in edited()) {
        check(&mutant)?;
    }
}

proptest! {
    #![proptest_config(config(TRUNCATE_CASES))]
    #[test]
    fn truncated_files_never_panic(mutant in truncated()) {
        check(&mutant)?;
    }
}

proptest! {
    #![proptest_config(config(SWAP_CASES))]
    #[test]
    fn swapped_values_never_panic(mutant in swapped()) {
        check(&mutant)?;
    }
}

proptest! {
    #![proptest_config(config(LINE_CASES))]
    #[test]
    fn deleted_and_duplicated_lines_never_panic(mutant in line_edited()) {
        check(&mutant)?;
    }
}

proptest! {
    #![proptest_config(config(TOKEN_CASES))]
    #[test]
    fn awkward_values_never_panic(mutant in token_replaced()) {
        check(&mutant)?;
    }
}

proptest! {
    #![proptest_config(config(SET_CASES))]
    #[test]
    fn random_sets_never_panic(mutant in with_sets()) {
        check(&mutant)?;
    }
}

// ----- Hand-written mistakes, at exact places -----

/// Loads `text` as `t.toml`, expecting it to be rejected.
fn reject(text: &str, sets: &[&str]) -> Diagnostics {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match Scenario::load("t.toml", text, &sets, "t.toml") {
        Ok(_) => panic!("accepted:\n{text}\nsets: {sets:?}"),
        Err(diagnostics) => diagnostics,
    }
}

/// Each diagnostic as (location, message, help).
fn listed(diagnostics: &Diagnostics) -> Vec<(String, String, Option<String>)> {
    diagnostics
        .list
        .iter()
        .map(|d| (diagnostics.location(d).unwrap_or_default(), d.message.clone(), d.help.clone()))
        .collect()
}

#[test]
fn every_library_file_loads_unmutated() {
    for builtin in library() {
        let loaded = Scenario::load(&builtin.path(), builtin.text, &[], builtin.name);
        assert!(
            loaded.is_ok(),
            "{}: {}",
            builtin.name,
            loaded.err().map(|d| d.to_string()).unwrap_or_default()
        );
    }
}

#[test]
fn a_misspelt_pattern_is_located_with_a_suggestion() {
    let text = "name = \"typo\"\ndescription = \"a misspelt pattern\"\npattern = \"flod\"\n";
    let diagnostics = reject(text, &[]);
    let list = listed(&diagnostics);
    assert_eq!(list.len(), 1, "{list:?}");
    let (location, message, help) = &list[0];
    assert_eq!(location, "t.toml:3:11");
    assert!(message.starts_with("unknown pattern `flod`"), "{message}");
    assert_eq!(help.as_deref(), Some("did you mean `flood`?"));
    let rendered = diagnostics.render(false);
    assert!(rendered.contains("t.toml:3:11") && rendered.contains("did you mean `flood`?"), "{rendered}");
}

#[test]
fn two_mistakes_are_both_reported_in_file_order() {
    let text = "\
name = \"two\"
description = \"two mistakes\"
pattern = \"flood\"

[network]
latncy = \"uniform 1ms..2ms\"
loss = 1.5

[workload]
rate = \"10/s\"
requests = 5
";
    let list = listed(&reject(text, &[]));
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0].0, "t.toml:6:1");
    assert!(list[0].1.starts_with("unknown key `latncy` in [network]"), "{}", list[0].1);
    assert_eq!(list[0].2.as_deref(), Some("did you mean `latency`?"));
    assert_eq!(list[1].0, "t.toml:7:8");
    assert!(list[1].1.contains("1.5 is not a probability"), "{}", list[1].1);
}

#[test]
fn a_bad_unit_is_located_inside_its_string() {
    let text = "name = \"unit\"\ndescription = \"a bad unit\"\npattern = \"ping-pong\"\nduration = \"5sec\"\n\
                [workload]\nrequests = 5\n";
    let list = listed(&reject(text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    // `duration = "5` is 13 characters: the unit starts at column 14.
    assert_eq!(list[0].0, "t.toml:4:14");
    assert!(list[0].1.starts_with("bad duration `5sec`"), "{}", list[0].1);
}

#[test]
fn invalid_toml_is_located_and_the_rest_still_read() {
    // Line 3 is not TOML; the misspelt key on line 4 is still found.
    let text = "name = \"syntax\"\ndescription = \"broken\"\npattern = = \"flood\"\nseeed = 1\n";
    let list = listed(&reject(text, &[]));
    assert!(
        list.iter().any(|(l, m, _)| l.starts_with("t.toml:3:") && m.starts_with("invalid TOML")),
        "{list:?}"
    );
    assert!(list.iter().all(|(l, _, _)| l.starts_with("t.toml:")), "{list:?}");
}

#[test]
fn set_mistakes_point_into_their_argument() {
    let ping_pong = weft_scenarios::find("ping-pong").expect("built in").text;
    let list = listed(&reject(ping_pong, &["network.loss=2", "network.latncy=constant 1ms", "seed.x=1"]));
    assert_eq!(list.len(), 3, "{list:?}");
    // Reading order: by source (the file, then each `--set` in turn).
    // `network.loss=` is 13 characters: the value is at column 14.
    assert_eq!(list[0].0, "--set #1:1:14");
    assert!(list[0].1.contains("2 is not a probability"), "{}", list[0].1);
    // An unknown key is pointed at by its own segment of the path.
    assert_eq!(list[1].0, "--set #2:1:9");
    assert!(list[1].1.starts_with("unknown key `latncy`"), "{}", list[1].1);
    assert_eq!(list[1].2.as_deref(), Some("did you mean `latency`?"));
    assert_eq!(list[2].0, "--set #3:1:1");
    assert!(list[2].1.contains("`seed.x` cannot be set"), "{}", list[2].1);
}

/// Found by this file: a role's count taken from its `names` skipped the
/// role's bounds, so `names = []` gave a flood of no nodes (whose run then
/// panicked).
#[test]
fn a_role_counted_by_its_names_keeps_its_bounds() {
    let flood = weft_scenarios::find("flood").expect("built in").text;
    let list = listed(&reject(flood, &["nodes.node={ names = [] }"]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0].0.starts_with("--set #1:1:"), "{list:?}");
    assert!(list[0].1.contains("role `node` takes from 2 to"), "{}", list[0].1);

    let ping_pong = weft_scenarios::find("ping-pong").expect("built in").text;
    let text = ping_pong.replace("pinger = 1", "pinger = { names = [\"a\", \"b\"] }");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0].1.contains("role `pinger` takes from 1 to 1 nodes, but 2 names"), "{}", list[0].1);
    // The names array: `pinger = { names = ` is 19 characters.
    let line = text.lines().position(|l| l.starts_with("pinger")).expect("a pinger line") + 1;
    assert_eq!(list[0].0, format!("t.toml:{line}:20"));
}

/// A leader-election scenario of five nodes, with `rest` after it.
fn election(rest: &str) -> String {
    format!(
        "name = \"e\"\ndescription = \"silent mistakes\"\npattern = \"leader-election\"\nduration = \"5s\"\n\
         [nodes]\nnode = 5\n{rest}"
    )
}

/// The line of `text` that starts with `prefix` (1-based).
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).expect("the line is there") + 1
}

#[test]
fn a_node_in_two_partition_groups_is_a_mistake() {
    let text = election("[[faults]]\nat = \"1s\"\npartition = [[\"node-0\"], [\"node-0\", \"node-1\"]]\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    // `partition = [["node-0"], [` is 26 characters: the second `node-0` is at 27.
    assert_eq!(list[0].0, format!("t.toml:{}:27", line_of(&text, "partition")));
    assert!(list[0].1.contains("`node-0` is in two partition groups (1 and 2)"), "{}", list[0].1);
    // A role overlapping a node: one mistake naming the node.
    let text = election("[[faults]]\nat = \"1s\"\npartition = [[\"node-3\"], \"node\"]\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0].1.contains("`node-3` is in two partition groups"), "{}", list[0].1);
}

#[test]
fn every_bad_name_in_partition_groups_and_orders_is_reported() {
    let text = election("[[faults]]\nat = \"1s\"\npartition = [[\"nod-0\", \"node-1\"], [\"node-9\"]]\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list[0].1.contains("`nod-0`") && list[1].1.contains("`node-9`"), "{list:?}");
    let text = election(
        "[[faults]]\nat = \"1s\"\npartition = \"ring\"\norder = [\"nod-0\", \"node-1\", \"node-1\", \"node\", \"x\"]\n",
    );
    let list = listed(&reject(&text, &[]));
    let messages: Vec<&str> = list.iter().map(|(_, m, _)| m.as_str()).collect();
    assert_eq!(list.len(), 4, "{list:?}");
    assert!(messages[0].contains("`nod-0`"), "{messages:?}");
    assert!(messages[1].contains("`node-1` is in the order twice"), "{messages:?}");
    assert!(messages[2].contains("single nodes, not roles"), "{messages:?}");
    assert!(messages[3].contains("`x`"), "{messages:?}");
}

#[test]
fn faults_after_the_end_of_the_run_are_mistakes() {
    let text =
        election("[[faults]]\nat = \"5s\"\ncrash = \"node-0\"\n[[faults]]\nat = \"4s\"\nheal = true\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].0, format!("t.toml:{}:6", line_of(&text, "at = \"5s\"")));
    assert!(list[0].1.contains("the run ends at 5s"), "{}", list[0].1);
    // Shortening the run from the command line makes the fault late too.
    let text = election("[[faults]]\nat = \"4s\"\nheal = true\n");
    let list = listed(&reject(&text, &["duration=2s"]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0].1.contains("fire at 4s, but the run ends at 2s"), "{}", list[0].1);
    // A nemesis window that opens after the end.
    let text = election("[nemesis]\nevery = \"1s\"\nstart = \"6s\"\nstop = \"9s\"\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0].1.contains("the nemesis would start at 6s, but the run ends at 5s"), "{}", list[0].1);
}

#[test]
fn links_from_a_node_to_itself_and_rules_that_change_nothing_are_mistakes() {
    let cases = [
        ("[[faults]]\nat = \"1s\"\ncut = [\"node-0\", \"n0\"]\n", "same single node"),
        ("[[faults]]\nat = \"1s\"\ndegrade = [\"node-1\", \"node-1\"]\nloss = 0.5\n", "same single node"),
        (
            "[[faults]]\nat = \"1s\"\ndegrade = [\"node-1\", \"node-2\"]\n",
            "a `degrade` needs at least one of",
        ),
        (
            "[topology]\nshape = \"edges\"\nedges = [[\"node-0\", \"node-0\"]]\n",
            "an edge joins two different nodes",
        ),
        ("[topology.groups.east]\nnodes = []\n", "group `east` has no nodes"),
        ("[network]\n[[network.links]]\nbetween = [\"node-0\", \"node-1\"]\n", "rule changes nothing"),
    ];
    for (rest, expected) in cases {
        let list = listed(&reject(&election(rest), &[]));
        assert_eq!(list.len(), 1, "{rest}: {list:?}");
        assert!(list[0].0.starts_with("t.toml:"), "{list:?}");
        assert!(list[0].1.contains(expected), "{rest}: {}", list[0].1);
    }
    // Links inside one group are links: not a mistake.
    let inside = election(
        "[topology.groups.east]\nnodes = [\"node-0\", \"node-1\"]\n[[faults]]\nat = \"1s\"\ndegrade = [\"east\", \"east\"]\nloss = 0.5\n",
    );
    Scenario::load("t.toml", &inside, &[], "t.toml").unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn a_bare_name_that_is_no_key_is_shown_as_typed_with_a_suggestion() {
    let ping_pong = weft_scenarios::find("ping-pong").expect("built in").text;
    let diagnostics = reject(ping_pong, &["sed=1", "duraton=1s", "round_trips=10", "requests=5"]);
    let list = listed(&diagnostics);
    assert_eq!(list.len(), 4, "{list:?}");
    let locations: Vec<&str> = list.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(locations, ["--set #1:1:1", "--set #2:1:1", "--set #3:1:1", "--set #4:1:1"]);
    assert!(list[0].1.starts_with("`sed` is neither a top-level key nor a parameter"), "{}", list[0].1);
    assert_eq!(list[0].2.as_deref(), Some("did you mean `seed`?"));
    assert_eq!(list[1].2.as_deref(), Some("did you mean `duration`?"));
    let help = list[2].2.as_deref().unwrap_or_default();
    assert!(help.contains("pattern `ping-pong` has no parameters"), "{help}");
    assert!(help.contains("--set workload.requests=10"), "{help}");
    assert_eq!(list[3].2.as_deref(), Some("did you mean `workload.requests`?"));
    // The snippet is the argument the user typed, not a rewritten one.
    let rendered = diagnostics.render(false);
    assert!(rendered.contains("1 | sed=1") && !rendered.contains("params.sed"), "{rendered}");
    // A real parameter given the short way still loads.
    let replication = weft_scenarios::find("replication").expect("built in").text;
    let sets = ["vote_restriction=false".to_string()];
    Scenario::load("r.toml", replication, &sets, "r").unwrap_or_else(|d| panic!("{d}"));
    // A misspelt parameter is suggested from the parameters.
    let list = listed(&reject(replication, &["vote_restrction=false"]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].2.as_deref(), Some("did you mean `vote_restriction`?"));
}

#[test]
fn mistakes_inside_a_set_value_point_at_their_own_part() {
    let flood = weft_scenarios::find("flood-partitioned").expect("built in").text;
    let list = listed(&reject(flood, &["faults=[{at=\"1s\", crash=\"nod-1\"}, {at=\"2x\", heal=true}]"]));
    assert_eq!(list.len(), 2, "{list:?}");
    // `faults=[{at="1s", crash=` is 24 characters; `faults=[{at="1s", crash="nod-1"}, {at="` is 40.
    assert_eq!(list[0].0, "--set #1:1:25");
    assert!(list[0].1.contains("`nod-1`"), "{}", list[0].1);
    assert_eq!(list[1].0, "--set #1:1:41");
    assert!(list[1].1.starts_with("bad duration `2x`"), "{}", list[1].1);
}

#[test]
fn broken_toml_in_a_set_value_is_reported_not_taken_as_a_string() {
    let flood = weft_scenarios::find("flood-partitioned").expect("built in").text;
    let list = listed(&reject(flood, &["faults=[{at=\"1s\""]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].0, "--set #1:1:17");
    assert!(list[0].1.starts_with("invalid TOML"), "{}", list[0].1);
    // A bare word is still a string.
    let sets = ["topology=ring".to_string(), "network.latency=uniform 1ms..2ms".to_string()];
    Scenario::load("f.toml", flood, &sets, "f").unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn a_misspelt_symbolic_target_is_suggested() {
    let text = election("[[faults]]\nat = \"1s\"\ncrash = \"leadr\"\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].0, format!("t.toml:{}:9", line_of(&text, "crash")));
    assert!(list[0].1.contains("not one of the targets leader, random, minority"), "{}", list[0].1);
    assert_eq!(list[0].2.as_deref(), Some("did you mean `leader`?"));
    let text = election("[[faults]]\nat = \"1s\"\nrestart = \"crahsed\"\n");
    assert_eq!(listed(&reject(&text, &[]))[0].2.as_deref(), Some("did you mean `crashed`?"));
}

#[test]
fn nemesis_weights_are_whole_numbers_of_known_kinds() {
    let text = election("[nemesis]\nevery = \"1s\"\nfaults = { crash = 2, partitoin = 1, pause = -1 }\n");
    let list = listed(&reject(&text, &[]));
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().any(|(_, m, _)| m.contains("-1 is out of range")), "{list:?}");
    assert!(list.iter().any(|(_, _, h)| h.as_deref() == Some("did you mean `partition`?")), "{list:?}");
    let text = election("[nemesis]\nevery = \"1s\"\nfaults = { crash = 0 }\n");
    let list = listed(&reject(&text, &[]));
    assert!(list[0].1.contains("the nemesis needs at least one of"), "{list:?}");
    let text = election("[nemesis]\nevery = \"1s\"\nfaults = { crash = 3, partition = 1, clock = 0 }\n");
    let scenario = Scenario::load("t.toml", &text, &[], "t").unwrap_or_else(|d| panic!("{d}"));
    let kinds = scenario.nemesis.expect("a nemesis").kinds;
    use weft_scenarios::faults::NemesisKind;
    assert_eq!(kinds, [(NemesisKind::Crash, 3), (NemesisKind::Partition, 1)]);
}

//! Random fault schedules within a pattern's fault budget, as proptest
//! strategies, and the check that a scenario holds under them.
//!
//! A schedule is written as `[[faults]]` entries appended to a library
//! scenario's TOML, so a failing case is a complete scenario file: the test
//! prints it with its seed, and `weft run FILE --seed N` replays it.

use std::fmt::Write as _;
use std::time::Duration;

use proptest::prelude::*;
use weft_scenarios::RunOptions;
use weft_scenarios::scenario::Scenario;

/// What random schedules may do to a pattern without breaking its promises.
#[derive(Clone, Debug)]
pub struct FaultBudget {
    /// The nodes that may crash or pause (names as the scenario spells them).
    pub targets: Vec<String>,
    /// At most this many of `targets` down (crashed or paused) at once: `f`
    /// of `2f + 1` for a majority protocol.
    pub max_down: usize,
    /// Faults start in this window of virtual time, and each lasts at most
    /// `longest`.
    pub window: (Duration, Duration),
    /// The longest a fault lasts.
    pub longest: Duration,
    /// Partitions (the named shapes, one at a time) are allowed.
    pub partitions: bool,
    /// Pauses are allowed (they count as down).
    pub pauses: bool,
    /// Clock jumps of at most this much, either way, are allowed.
    pub clock_jumps: Option<Duration>,
    /// At most this many faults per schedule.
    pub max_faults: usize,
}

/// One fault of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultSpec {
    /// Crash a node, and restart it `lasting` later.
    Crash { node: String, at: Duration, lasting: Duration },
    /// Pause a node, and resume it `lasting` later.
    Pause { node: String, at: Duration, lasting: Duration },
    /// Partition by a named shape, and heal `lasting` later.
    Partition { shape: &'static str, isolated: String, at: Duration, lasting: Duration },
    /// Make a node's clock jump by `offset_ms` (negative: back).
    Clock { node: String, at: Duration, offset_ms: i64 },
}

impl FaultSpec {
    fn at(&self) -> Duration {
        match self {
            FaultSpec::Crash { at, .. }
            | FaultSpec::Pause { at, .. }
            | FaultSpec::Partition { at, .. }
            | FaultSpec::Clock { at, .. } => *at,
        }
    }
}

/// The partition shapes a schedule may use.
const SHAPES: [&str; 5] = ["halves", "isolate-one", "majority-minority", "bridge", "ring"];

/// Schedules within `budget`, in time order.
///
/// Draws raw faults freely, then keeps, in time order, only those that fit:
/// a crash or pause only while fewer than `max_down` targets are down (and
/// not its own node), a partition only while no other partition holds (a
/// heal removes every partition). Shrinking removes faults and shortens
/// times, so a failure shrinks to a small schedule.
pub fn schedules(budget: FaultBudget) -> impl Strategy<Value = Vec<FaultSpec>> {
    assert!(!budget.targets.is_empty(), "a fault budget needs targets");
    let (start, end) = (budget.window.0.as_millis() as u64, budget.window.1.as_millis() as u64);
    let longest = budget.longest.as_millis().max(1) as u64;
    // The kinds the budget allows, in a fixed order.
    let mut available = vec!["crash"];
    if budget.partitions {
        available.push("partition");
    }
    if budget.pauses {
        available.push("pause");
    }
    if budget.clock_jumps.is_some() {
        available.push("clock");
    }
    let kinds = available.len() as u8;
    let raw = (0..kinds, start..end.max(start + 1), 1..=longest, 0..budget.targets.len(), -1000i64..=1000);
    proptest::collection::vec(raw, 0..=budget.max_faults).prop_map(move |mut raw| {
        raw.sort_by_key(|r| r.1);
        let mut kept: Vec<FaultSpec> = Vec::new();
        for (kind, at_ms, lasting_ms, target, jump) in raw {
            let at = Duration::from_millis(at_ms);
            let lasting = Duration::from_millis(lasting_ms);
            let node = budget.targets[target].clone();
            let overlaps = |f: &FaultSpec| match f {
                FaultSpec::Crash { at: a, lasting: l, .. }
                | FaultSpec::Pause { at: a, lasting: l, .. }
                | FaultSpec::Partition { at: a, lasting: l, .. } => *a < at + lasting && at < *a + *l,
                FaultSpec::Clock { .. } => false,
            };
            let spec = match available[kind as usize] {
                "crash" | "pause" => {
                    let down: Vec<&String> = kept
                        .iter()
                        .filter(|f| overlaps(f))
                        .filter_map(|f| match f {
                            FaultSpec::Crash { node, .. } | FaultSpec::Pause { node, .. } => Some(node),
                            _ => None,
                        })
                        .collect();
                    if down.len() >= budget.max_down || down.contains(&&node) {
                        continue;
                    }
                    if available[kind as usize] == "crash" {
                        FaultSpec::Crash { node, at, lasting }
                    } else {
                        FaultSpec::Pause { node, at, lasting }
                    }
                }
                "partition" => {
                    if kept.iter().any(|f| matches!(f, FaultSpec::Partition { .. }) && overlaps(f)) {
                        continue;
                    }
                    let shape = SHAPES[target % SHAPES.len()];
                    FaultSpec::Partition { shape, isolated: node, at, lasting }
                }
                _ => {
                    let bound = budget.clock_jumps.map_or(0, |d| d.as_millis() as i64);
                    FaultSpec::Clock { node, at, offset_ms: jump * bound / 1000 }
                }
            };
            kept.push(spec);
        }
        kept
    })
}

/// `faults` as `[[faults]]` entries of a scenario file.
pub fn to_toml(faults: &[FaultSpec]) -> String {
    let ms = |d: &Duration| format!("\"{}ms\"", d.as_millis());
    let mut out = String::new();
    for fault in faults {
        let at = ms(&fault.at());
        // Writing to a String cannot fail.
        let _ = match fault {
            FaultSpec::Crash { node, lasting, .. } => {
                writeln!(out, "\n[[faults]]\nat = {at}\ncrash = \"{node}\"\nfor = {}", ms(lasting))
            }
            FaultSpec::Pause { node, lasting, .. } => {
                writeln!(out, "\n[[faults]]\nat = {at}\npause = \"{node}\"\nfor = {}", ms(lasting))
            }
            FaultSpec::Partition { shape: "isolate-one", isolated, lasting, .. } => writeln!(
                out,
                "\n[[faults]]\nat = {at}\npartition = \"isolate-one\"\ntarget = \"{isolated}\"\nfor = {}",
                ms(lasting)
            ),
            FaultSpec::Partition { shape, lasting, .. } => {
                writeln!(out, "\n[[faults]]\nat = {at}\npartition = \"{shape}\"\nfor = {}", ms(lasting))
            }
            FaultSpec::Clock { node, offset_ms, .. } => {
                writeln!(out, "\n[[faults]]\nat = {at}\nclock = \"{node}\"\noffset = \"{offset_ms:+}ms\"")
            }
        };
    }
    out
}

/// Runs library scenario `name` with `faults` added and seed `seed`, and
/// fails (with the scenario file and the command that replays it) unless
/// the run passes: every checked property holds, or the expected violation
/// happens.
pub fn holds_under(name: &str, faults: &[FaultSpec], seed: u64) -> Result<(), TestCaseError> {
    let builtin = weft_scenarios::library::find(name).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let text = format!("{}{}", builtin.text, to_toml(faults));
    let scenario = Scenario::load(&format!("{name}-with-faults.toml"), &text, &[], name).map_err(|d| {
        TestCaseError::fail(format!("the generated scenario does not load:\n{}", d.render(false)))
    })?;
    let report = scenario
        .run(&RunOptions { seed, keep_trace: false })
        .map_err(|e| TestCaseError::fail(format!("the generated scenario does not run: {e}")))?;
    if report.verdict().passed() {
        return Ok(());
    }
    let violations: Vec<String> =
        report.violations.iter().map(|v| format!("  {} at {}: {}", v.property, v.time, v.message)).collect();
    Err(TestCaseError::fail(format!(
        "{name} failed under faults with seed {seed}:\n{}\n\nTo replay, save this scenario as {name}-with-faults.toml \
         and run `weft run {name}-with-faults.toml --seed {seed}`:\n\n{text}",
        violations.join("\n")
    )))
}

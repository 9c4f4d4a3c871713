//! Sweeps: one scenario, many seeds, every core.
//!
//! One run shows what *can* happen; a sweep shows what *does* happen across
//! thousands of seeds: which properties break, on which seeds, and how the
//! metrics spread. With a `[nemesis]` in the scenario each seed also draws
//! its own faults, so a sweep is a random search of the fault space.
//!
//! Each seed is an independent, single-threaded, deterministic run, so the
//! runs can go in parallel (rayon) without making any of them less
//! reproducible: seed 42 on sixteen threads is seed 42 alone. The results
//! come back in seed order whatever the thread count, so a sweep's output is
//! deterministic too.
//!
//! A sweep larger than one machine is cut into [`Shard`]s: disjoint slices
//! of the seed range that separate machines run. Each writes its results as
//! JSON Lines ([`SweepLine`]), and [`Summary::of`] summarises the merged
//! lines exactly as it would one big sweep.
//!
//! ```
//! use weft_scenarios::open;
//! use weft_scenarios::sweep::{Seeds, Summary, sweep};
//!
//! let scenario = open("ping-pong", &["workload.requests=20".to_string()])?;
//! let seeds: Seeds = "1..9".parse()?;
//! let results = sweep(&scenario, &seeds.all(), Some(2), |_| {})?;
//! assert_eq!(results.iter().map(|r| r.seed).collect::<Vec<_>>(), (1..9).collect::<Vec<_>>());
//! let summary = Summary::of(&results)?;
//! assert_eq!((summary.runs, summary.failed), (8, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::report::{RunOptions, RunReport, Violation};
use crate::{Scenario, ScenarioError};

/// A range of seeds: `A..B` (A up to B, without B, as Rust writes ranges),
/// `A..=B` (with B), or one seed `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    /// The first seed.
    pub first: u64,
    /// The last seed (included).
    pub last: u64,
}

impl Seeds {
    /// How many seeds.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a range has at least one seed.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every seed, in order.
    pub fn all(&self) -> Vec<u64> {
        (self.first..=self.last).collect()
    }

    /// The seeds of `shard`: every `count`-th seed, starting at the
    /// `index`-th. Interleaving (rather than cutting the range in blocks)
    /// gives every shard a fair share of slow and fast seeds.
    pub fn shard(&self, shard: Shard) -> Vec<u64> {
        (self.first..=self.last).skip(shard.index as usize).step_by(shard.count as usize).collect()
    }
}

impl FromStr for Seeds {
    type Err = SweepError;

    fn from_str(text: &str) -> Result<Seeds, SweepError> {
        let bad = |why: &str| SweepError::Seeds(format!("bad seed range `{text}`: {why}"));
        let number = |s: &str| {
            s.trim().parse::<u64>().map_err(|_| bad(&format!("`{s}` is not a seed (a whole number ≥ 0)")))
        };
        let (first, last) = if let Some((a, b)) = text.split_once("..=") {
            (number(a)?, number(b)?)
        } else if let Some((a, b)) = text.split_once("..") {
            let (a, b) = (number(a)?, number(b)?);
            if b <= a {
                return Err(bad("the range is empty (`A..B` runs A up to B, without B)"));
            }
            (a, b - 1)
        } else {
            let seed = number(text)?;
            (seed, seed)
        };
        if last < first {
            return Err(bad("the range is empty (the last seed is below the first)"));
        }
        Ok(Seeds { first, last })
    }
}

impl fmt::Display for Seeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.first, self.last)
    }
}

/// One of `count` disjoint slices of a sweep, written `index/count` with
/// `index` from 0 (as a Kubernetes indexed Job numbers its pods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = SweepError;

    fn from_str(text: &str) -> Result<Shard, SweepError> {
        let bad = || {
            SweepError::Seeds(format!(
                "bad shard `{text}`: expected `i/n` with 0 ≤ i < n, such as `0/4` (the first of four)"
            ))
        };
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = index.trim().parse().map_err(|_| bad())?;
        let count: u64 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// What a sweep keeps of one run: enough to summarise it and to replay it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Whether the run did what its scenario says (every check held, or the
    /// expected violation happened).
    pub passed: bool,
    /// The run's stable hash.
    pub trace_hash: String,
    /// Events handled.
    pub events: u64,
    /// Virtual time when the run stopped, in nanoseconds.
    pub sim_time_ns: u64,
    /// The properties that did not hold.
    pub violations: Vec<Violation>,
    /// The property the scenario expects to be violated, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The run's metrics, flattened to numbers: counters and gauges by
    /// name, histograms as `NAME.p50_ns`, `NAME.p99_ns` and `NAME.max_ns`.
    pub metrics: BTreeMap<String, f64>,
    /// The command that replays this run.
    pub replay: String,
}

impl SeedResult {
    /// What a sweep keeps of `report`.
    pub fn of(report: &RunReport) -> SeedResult {
        let mut metrics: BTreeMap<String, f64> =
            report.metrics.counters.iter().map(|(name, n)| (name.clone(), *n as f64)).collect();
        metrics.extend(report.metrics.gauges.iter().map(|(name, x)| (name.clone(), *x)));
        for (name, histogram) in &report.metrics.histograms {
            if histogram.count > 0 {
                metrics.insert(format!("{name}.p50_ns"), histogram.p50_ns as f64);
                metrics.insert(format!("{name}.p99_ns"), histogram.p99_ns as f64);
                metrics.insert(format!("{name}.max_ns"), histogram.max_ns as f64);
            }
        }
        SeedResult {
            scenario: report.scenario.clone(),
            seed: report.seed,
            passed: report.verdict().passed(),
            trace_hash: report.trace_hash.clone(),
            events: report.stats.events,
            sim_time_ns: report.sim_time.as_nanos(),
            violations: report.violations.clone(),
            expected: report.expected.clone(),
            metrics,
            replay: report.replay_command(),
        }
    }
}

/// Runs `scenario` once per seed, on `jobs` threads (all cores when
/// `None`), and returns the results in the order of `seeds`. `each` is
/// called as each run finishes, in whatever order they finish (for a
/// progress bar).
pub fn sweep(
    scenario: &Scenario,
    seeds: &[u64],
    jobs: Option<usize>,
    each: impl Fn(&SeedResult) + Sync,
) -> Result<Vec<SeedResult>, SweepError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = jobs {
        pool = pool.num_threads(jobs);
    }
    let pool = pool.build().map_err(|e| SweepError::Threads(e.to_string()))?;
    let run = |seed: u64| -> Result<SeedResult, ScenarioError> {
        let report = scenario.run(&RunOptions { seed, keep_trace: false })?;
        let result = SeedResult::of(&report);
        each(&result);
        Ok(result)
    };
    // An indexed parallel iterator collects in input order, not finish order.
    Ok(pool.install(|| seeds.par_iter().map(|&seed| run(seed)).collect::<Result<Vec<_>, _>>())?)
}

/// One line of a sweep's JSON Lines output: a run, or the summary that
/// closes the output.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SweepLine {
    /// One seed's result.
    Run(SeedResult),
    /// The summary of every run before it.
    Summary(Summary),
}

/// What a sweep found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The scenario.
    pub scenario: String,
    /// How many runs.
    pub runs: u64,
    /// Runs that did what the scenario says.
    pub passed: u64,
    /// Runs that did not.
    pub failed: u64,
    /// The property the scenario expects to be violated, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Per property: in how many runs it was violated.
    pub violations: BTreeMap<String, u64>,
    /// The runs that failed, by seed, each with its replay command.
    pub failing: Vec<Failing>,
    /// Per metric: how it is spread across the runs that recorded it.
    pub metrics: BTreeMap<String, Spread>,
}

/// A failed run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failing {
    /// Its seed.
    pub seed: u64,
    /// The properties it violated (empty when an expected violation did
    /// not happen).
    pub properties: Vec<String>,
    /// The command that replays it.
    pub replay: String,
}

/// How one metric is spread across runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// How many runs recorded it.
    pub runs: u64,
    /// The smallest value.
    pub min: f64,
    /// The median.
    pub p50: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// The largest value.
    pub max: f64,
    /// The mean.
    pub mean: f64,
}

impl Spread {
    /// The spread of `values` (not empty).
    fn of(mut values: Vec<f64>) -> Spread {
        debug_assert!(!values.is_empty(), "a metric in the summary was recorded by some run");
        values.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least q of the values at
        // or below it.
        let rank = |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Spread {
            runs: values.len() as u64,
            min: values[0],
            p50: rank(0.5),
            p90: rank(0.9),
            max: values[values.len() - 1],
            mean: values.iter().sum::<f64>() / values.len() as f64,
        }
    }
}

impl Summary {
    /// Summarises `results`, in any order, from one sweep or the shards of
    /// one (merged). Seeds must not repeat, and every result must be of the
    /// same scenario.
    pub fn of(results: &[SeedResult]) -> Result<Summary, SweepError> {
        let mut sorted: Vec<&SeedResult> = results.iter().collect();
        sorted.sort_by_key(|r| r.seed);
        if let Some(pair) = sorted.windows(2).find(|w| w[0].seed == w[1].seed) {
            return Err(SweepError::Merge(format!(
                "seed {} appears twice: do the shards overlap (the same `--shard` run twice)?",
                pair[0].seed
            )));
        }
        let scenario = sorted.first().map(|r| r.scenario.clone()).unwrap_or_default();
        if let Some(other) = sorted.iter().find(|r| r.scenario != scenario) {
            return Err(SweepError::Merge(format!(
                "results of two scenarios, `{scenario}` and `{}`: merge one sweep's shards at a time",
                other.scenario
            )));
        }
        let mut violations = BTreeMap::new();
        let mut failing = Vec::new();
        let mut values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for result in &sorted {
            let mut properties: Vec<String> = result.violations.iter().map(|v| v.property.clone()).collect();
            properties.dedup();
            for property in &properties {
                *violations.entry(property.clone()).or_insert(0) += 1;
            }
            if !result.passed {
                failing.push(Failing { seed: result.seed, properties, replay: result.replay.clone() });
            }
            for (name, value) in &result.metrics {
                values.entry(name).or_default().push(*value);
            }
        }
        let passed = sorted.iter().filter(|r| r.passed).count() as u64;
        Ok(Summary {
            scenario,
            runs: sorted.len() as u64,
            passed,
            failed: sorted.len() as u64 - passed,
            expected: sorted.first().and_then(|r| r.expected.clone()),
            violations,
            failing,
            metrics: values.into_iter().map(|(name, v)| (name.to_string(), Spread::of(v))).collect(),
        })
    }
}

/// Reads the results in a sweep's JSON Lines output (`weft sweep --json`);
/// summary lines are skipped, since the merged summary is recomputed.
/// `source` names the text in errors.
pub fn read_results(source: &str, text: &str) -> Result<Vec<SeedResult>, SweepError> {
    let mut results = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SweepLine>(line) {
            Ok(SweepLine::Run(result)) => results.push(result),
            Ok(SweepLine::Summary(_)) => {}
            Err(e) => {
                return Err(SweepError::Merge(format!(
                    "{source}:{}:{}: not a line of `weft sweep --json` output: {e}",
                    number + 1,
                    e.column()
                )));
            }
        }
    }
    Ok(results)
}

/// Why a sweep could not run or merge.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A bad `--seeds` or `--shard`.
    #[error("{0}")]
    Seeds(String),
    /// The scenario could not run.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The thread pool could not start.
    #[error("cannot start the sweep's threads: {0}")]
    Threads(String),
    /// Results that do not merge.
    #[error("{0}")]
    Merge(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_read_as_rust_writes_them() {
        assert_eq!("1..4".parse::<Seeds>().map(|s| s.all()).ok(), Some(vec![1, 2, 3]));
        assert_eq!("1..=4".parse::<Seeds>().map(|s| s.all()).ok(), Some(vec![1, 2, 3, 4]));
        assert_eq!("7".parse::<Seeds>().map(|s| s.all()).ok(), Some(vec![7]));
        for bad in ["4..4", "5..=4", "a..3", "", "1...3", "-1..3"] {
            assert!(bad.parse::<Seeds>().is_err(), "`{bad}` should be rejected");
        }
    }

    #[test]
    fn shards_cover_the_range_once() {
        let seeds: Seeds = "10..=30".parse().expect("a range");
        let mut covered: Vec<u64> = (0..4).flat_map(|index| seeds.shard(Shard { index, count: 4 })).collect();
        covered.sort();
        assert_eq!(covered, seeds.all());
        assert_eq!(seeds.shard(Shard { index: 1, count: 4 }), vec![11, 15, 19, 23, 27]);
        for bad in ["4/4", "1/0", "x/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "`{bad}` should be rejected");
        }
    }

    fn result(seed: u64, violated: &[&str], commit_ms: f64) -> SeedResult {
        SeedResult {
            scenario: "s".into(),
            seed,
            passed: violated.is_empty(),
            trace_hash: format!("{seed:016x}"),
            events: 10,
            sim_time_ns: 1,
            violations: violated
                .iter()
                .map(|p| Violation {
                    property: p.to_string(),
                    time: weft_sim::SimTime::ZERO,
                    message: String::new(),
                })
                .collect(),
            expected: None,
            metrics: BTreeMap::from([("commit".to_string(), commit_ms)]),
            replay: format!("weft run s --seed {seed}"),
        }
    }

    #[test]
    fn a_summary_counts_violations_and_spreads_metrics() {
        let results: Vec<SeedResult> = (1..=10)
            .map(|seed| result(seed, if seed % 5 == 0 { &["safe"] } else { &[] }, seed as f64))
            .collect();
        let summary = Summary::of(&results).expect("one scenario, distinct seeds");
        assert_eq!((summary.runs, summary.passed, summary.failed), (10, 8, 2));
        assert_eq!(summary.violations, BTreeMap::from([("safe".to_string(), 2)]));
        assert_eq!(summary.failing.iter().map(|f| f.seed).collect::<Vec<_>>(), vec![5, 10]);
        let commit = &summary.metrics["commit"];
        assert_eq!((commit.min, commit.p50, commit.p90, commit.max, commit.mean), (1.0, 5.0, 9.0, 10.0, 5.5));
    }

    #[test]
    fn merged_shards_summarise_like_one_sweep() {
        let results: Vec<SeedResult> =
            (1..=9).map(|seed| result(seed, if seed == 4 { &["safe"] } else { &[] }, 1.0)).collect();
        let whole = Summary::of(&results).expect("a sweep");
        // Two shards' JSON Lines, each closed by its own summary line.
        let shard = |index: u64| {
            let mine: Vec<SeedResult> = results.iter().filter(|r| r.seed % 2 == index).cloned().collect();
            let mut text = String::new();
            for r in &mine {
                text += &serde_json::to_string(&SweepLine::Run(r.clone())).expect("serializable");
                text.push('\n');
            }
            let summary = Summary::of(&mine).expect("a shard");
            text + &serde_json::to_string(&SweepLine::Summary(summary)).expect("serializable") + "\n"
        };
        let mut merged = read_results("a.jsonl", &shard(1)).expect("valid");
        merged.extend(read_results("b.jsonl", &shard(0)).expect("valid"));
        assert_eq!(Summary::of(&merged).expect("disjoint"), whole);
        merged.extend(read_results("a.jsonl", &shard(1)).expect("valid"));
        assert!(
            matches!(Summary::of(&merged), Err(SweepError::Merge(m)) if m.contains("seed 1 appears twice"))
        );
    }

    #[test]
    fn a_bad_line_is_located() {
        let err = read_results("x.jsonl", "\n{\"type\": \"run\", \"seed\": }\n").expect_err("broken JSON");
        assert!(err.to_string().starts_with("x.jsonl:2:"), "{err}");
    }
}

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
//! JSON Lines ([`SweepLine`]), and [`merge`] checks that the shards belong
//! to one sweep and cover its range, and summarises them exactly as it
//! would one big sweep.
//!
//! ```
//! use weft_scenarios::open;
//! use weft_scenarios::sweep::{Seeds, Summary, sweep};
//!
//! let scenario = open("ping-pong", &["workload.requests=20".to_string()])?;
//! let seeds: Seeds = "1..9".parse()?;
//! let results = sweep(&scenario, &seeds.all().to_vec()?, Some(2), |_| {})?;
//! assert_eq!(results.iter().map(|r| r.seed).collect::<Vec<_>>(), (1..9).collect::<Vec<_>>());
//! let summary = Summary::of_sweep("ping-pong", seeds.all(), &results)?;
//! assert_eq!((summary.runs, summary.failed), (8, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::report::{RunOptions, RunReport, Violation};
use crate::{Scenario, ScenarioError};

/// A range of seeds: `A..B` (A up to B, without B, as Rust writes ranges),
/// `A..=B` (with B), or one seed `N`.
///
/// A range may be far bigger than any sweep (`0..=18446744073709551615`):
/// its seeds are never listed all at once, only counted and walked
/// ([`Selection`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    /// The first seed.
    pub first: u64,
    /// The last seed (included).
    pub last: u64,
}

/// The most seeds one `weft sweep` process runs: it keeps every run's
/// result in memory for the summary (a few kilobytes each). A bigger sweep
/// is cut into shards (`--shard i/n`), each run apart and merged.
pub const MAX_SEEDS: u64 = 1_000_000;

impl Seeds {
    /// How many seeds (a `u128`: `0..=u64::MAX` has 2^64 of them).
    pub fn len(&self) -> u128 {
        u128::from(self.last - self.first) + 1
    }

    /// Never true: a range has at least one seed.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The whole range.
    pub fn all(self) -> Selection {
        Selection { seeds: self, shard: None }
    }

    /// The seeds of `shard`: every `count`-th seed, starting at the
    /// `index`-th. Interleaving (rather than cutting the range in blocks)
    /// gives every shard a fair share of slow and fast seeds.
    pub fn shard(self, shard: Shard) -> Selection {
        Selection { seeds: self, shard: Some(shard) }
    }
}

/// The seeds a sweep runs: a range, or one shard of it. Counted and walked
/// lazily, so no range is too big to describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The whole range.
    pub seeds: Seeds,
    /// The slice of it (`None`: all of it).
    pub shard: Option<Shard>,
}

impl Selection {
    /// How many seeds (0 for a shard beyond a short range: `1..3`, shard
    /// `2/5`).
    pub fn len(&self) -> u128 {
        let total = self.seeds.len();
        match self.shard {
            None => total,
            Some(Shard { index, count }) if u128::from(index) < total => {
                (total - u128::from(index) - 1) / u128::from(count) + 1
            }
            Some(_) => 0,
        }
    }

    /// True if it has no seeds (a shard beyond a short range).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The seeds, in order, one at a time.
    pub fn iter(&self) -> impl Iterator<Item = u64> + use<> {
        let Seeds { first, last } = self.seeds;
        let Shard { index, count } = self.shard.unwrap_or(Shard { index: 0, count: 1 });
        // Past `last` (or past u64::MAX): the shard is empty.
        let start = first.checked_add(index).filter(|&s| s <= last);
        // A step beyond usize::MAX takes one seed, as a step of usize::MAX does.
        let step = usize::try_from(count).unwrap_or(usize::MAX);
        start.into_iter().flat_map(move |start| (start..=last).step_by(step))
    }

    /// True if `seed` is one of the selection's.
    pub fn contains(&self, seed: u64) -> bool {
        let Shard { index, count } = self.shard.unwrap_or(Shard { index: 0, count: 1 });
        (self.seeds.first..=self.seeds.last).contains(&seed) && (seed - self.seeds.first) % count == index
    }

    /// The seeds as a list, for [`sweep`]; refused beyond [`MAX_SEEDS`].
    pub fn to_vec(&self) -> Result<Vec<u64>, SweepError> {
        let n = self.len();
        if n > u128::from(MAX_SEEDS) {
            let shards = n.div_ceil(u128::from(MAX_SEEDS));
            return Err(SweepError::Seeds(format!(
                "{self} is {n} seeds; one sweep runs at most {MAX_SEEDS} (it keeps every result in memory): \
                 cut it into shards, e.g. `--shard 0/{shards}` to `--shard {}/{shards}`, and `--merge` their \
                 `--json` outputs",
                shards - 1
            )));
        }
        Ok(self.iter().collect())
    }
}

/// `1..=12`, or `1..=12 shard 0/3`.
impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shard {
            None => write!(f, "{}", self.seeds),
            Some(shard) => write!(f, "{} shard {shard}", self.seeds),
        }
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

/// `i/n`, as `--shard` takes it.
impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Seeds and shards are written in JSON as the command line writes them
/// (`"1..=12"`, `"0/3"`), and read back the same way.
macro_rules! serde_as_text {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$type, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(Seeds);
serde_as_text!(Shard);

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
    /// The seed range swept (`None` for a summary of loose results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Seeds>,
    /// The shard of that range these runs are (`None`: the whole range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
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
            seeds: None,
            shard: None,
            runs: sorted.len() as u64,
            passed,
            failed: sorted.len() as u64 - passed,
            expected: sorted.first().and_then(|r| r.expected.clone()),
            violations,
            failing,
            metrics: values.into_iter().map(|(name, v)| (name.to_string(), Spread::of(v))).collect(),
        })
    }

    /// Summarises the `results` of sweeping `scenario` over `selection`:
    /// [`Summary::of`], with the scenario's name (even when the selection
    /// is an empty shard) and the seeds it covers, so that shards can be
    /// checked for belonging together when they are merged.
    pub fn of_sweep(
        scenario: &str,
        selection: Selection,
        results: &[SeedResult],
    ) -> Result<Summary, SweepError> {
        debug_assert_eq!(results.len() as u128, selection.len(), "one result per seed");
        let summary = Summary::of(results)?;
        if let Some(other) = results.iter().find(|r| r.scenario != scenario) {
            return Err(SweepError::Merge(format!(
                "a result of `{}` in a sweep of `{scenario}`",
                other.scenario
            )));
        }
        Ok(Summary {
            scenario: scenario.to_string(),
            seeds: Some(selection.seeds),
            shard: selection.shard,
            ..summary
        })
    }
}

/// One file of `weft sweep --json` output, read back for `--merge`.
#[derive(Clone, Debug)]
pub struct SweepFile {
    /// The file's name, for errors.
    pub source: String,
    /// Its run lines.
    pub runs: Vec<SeedResult>,
    /// Its summary line (the last, if there are several).
    pub summary: Option<Summary>,
}

/// Reads a sweep's JSON Lines output (`weft sweep --json`): its runs and
/// its summary. `source` names the text in errors.
pub fn read_sweep(source: &str, text: &str) -> Result<SweepFile, SweepError> {
    let mut file = SweepFile { source: source.to_string(), runs: Vec::new(), summary: None };
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SweepLine>(line) {
            Ok(SweepLine::Run(result)) => file.runs.push(result),
            Ok(SweepLine::Summary(summary)) => file.summary = Some(summary),
            Err(e) => {
                // serde_json says "… at line 1 column 7": the line is ours
                // to give (the file's), the column is shown in front.
                let message = e.to_string();
                let message = message.rfind(" at line ").map_or(message.as_str(), |i| &message[..i]);
                return Err(SweepError::Merge(format!(
                    "{source}:{}:{}: not a line of `weft sweep --json` output: {message}",
                    number + 1,
                    e.column().max(1)
                )));
            }
        }
    }
    Ok(file)
}

/// The results of shards merged, and their summary: exactly what one sweep
/// over the whole range would have printed.
#[derive(Clone, Debug)]
pub struct Merged {
    /// Every run, in seed order.
    pub runs: Vec<SeedResult>,
    /// The summary of the whole range.
    pub summary: Summary,
}

/// Merges the outputs of a sweep's shards, refusing anything that would
/// make the merged summary lie: files without a summary (a sweep that did
/// not finish), shards of different ranges, runs of different scenarios or
/// `--set`s (their replay commands differ by more than the seed), a seed
/// twice, or a seed missing (a shard not merged).
pub fn merge(files: &[SweepFile]) -> Result<Merged, SweepError> {
    let bad = |message: String| Err(SweepError::Merge(message));
    let mut range: Option<(&str, Seeds)> = None;
    let mut shards: Vec<Option<Shard>> = Vec::new();
    for file in files {
        let Some(summary) = &file.summary else {
            return bad(format!(
                "{} has no summary line: did its sweep finish? (rerun that shard)",
                file.source
            ));
        };
        let Some(seeds) = summary.seeds else {
            return bad(format!(
                "{}'s summary does not say which seeds were swept (written by an older weft?): rerun it",
                file.source
            ));
        };
        match range {
            Some((first, range)) if range != seeds => {
                return bad(format!(
                    "{first} swept seeds {range} but {} swept {seeds}: merge the shards of one sweep",
                    file.source
                ));
            }
            _ => range = Some((&file.source, seeds)),
        }
        let selection = Selection { seeds, shard: summary.shard };
        if let Some(stray) = file.runs.iter().find(|r| !selection.contains(r.seed)) {
            return bad(format!("{} has seed {}, which is not in {selection}", file.source, stray.seed));
        }
        shards.push(summary.shard);
    }
    let Some((_, seeds)) = range else { return bad("nothing to merge".into()) };

    // One sweep: the same scenario and `--set`s, so the same replay
    // command but for the seed.
    let mut first_run: Option<(&str, &SeedResult, String)> = None;
    for file in files {
        for run in &file.runs {
            let command = run.replay.replacen(&format!(" --seed {}", run.seed), "", 1);
            match &first_run {
                Some((source, first, shape)) if *shape != command => {
                    return bad(format!(
                        "{source} seed {} was run as `{}` but {} seed {} as `{}`: merge the shards of one \
                         sweep (the same scenario and --set)",
                        first.seed, first.replay, file.source, run.seed, run.replay
                    ));
                }
                Some(_) => {}
                None => first_run = Some((&file.source, run, command)),
            }
        }
    }
    let scenarios: Vec<&str> =
        files.iter().filter_map(|f| f.summary.as_ref()).map(|s| s.scenario.as_str()).collect();
    if let Some(other) = scenarios.iter().find(|&&s| s != scenarios[0]) {
        return bad(format!(
            "results of two scenarios, `{}` and `{other}`: merge one sweep's shards at a time",
            scenarios[0]
        ));
    }

    let mut runs: Vec<SeedResult> = files.iter().flat_map(|f| f.runs.iter().cloned()).collect();
    runs.sort_by_key(|r| r.seed);
    let summary = Summary::of(&runs)?;
    // Seeds are distinct (checked by `Summary::of`) and in the range, so
    // the range is covered when there are as many runs as seeds.
    if runs.len() as u128 != seeds.len() {
        return bad(missing(seeds, &shards, &runs));
    }
    let summary = Summary { scenario: scenarios[0].to_string(), seeds: Some(seeds), shard: None, ..summary };
    Ok(Merged { runs, summary })
}

/// What is missing from `runs` (sorted, distinct, in `seeds`).
fn missing(seeds: Seeds, shards: &[Option<Shard>], runs: &[SeedResult]) -> String {
    let have = format!("the files hold {} of the {} seeds of {seeds}", runs.len(), seeds.len());
    // Shards of one cut: name the ones missing.
    let counts: BTreeSet<Option<u64>> = shards.iter().map(|s| s.map(|s| s.count)).collect();
    if let [Some(count)] = counts.into_iter().collect::<Vec<_>>()[..] {
        let present: BTreeSet<u64> = shards.iter().flatten().map(|s| s.index).collect();
        let absent: Vec<String> =
            (0..count).filter(|i| !present.contains(i)).take(10).map(|i| format!("{i}/{count}")).collect();
        if !absent.is_empty() {
            return format!("{have}: missing shard {} (merge every shard of the sweep)", absent.join(", "));
        }
    }
    let first_missing = seeds.all().iter().zip(runs).find(|(seed, run)| *seed != run.seed).map_or(
        // Every run matches the range's start: the missing seeds are after the last.
        runs.last().map_or(seeds.first, |r| r.seed + 1),
        |(seed, _)| seed,
    );
    format!("{have} (seed {first_missing} is missing): merge every shard of the sweep")
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
        let list = |text: &str| text.parse::<Seeds>().ok().and_then(|s| s.all().to_vec().ok());
        assert_eq!(list("1..4"), Some(vec![1, 2, 3]));
        assert_eq!(list("1..=4"), Some(vec![1, 2, 3, 4]));
        assert_eq!(list("7"), Some(vec![7]));
        for bad in ["4..4", "5..=4", "a..3", "", "1...3", "-1..3"] {
            assert!(bad.parse::<Seeds>().is_err(), "`{bad}` should be rejected");
        }
    }

    #[test]
    fn shards_cover_the_range_once() {
        let seeds: Seeds = "10..=30".parse().expect("a range");
        let mut covered: Vec<u64> =
            (0..4).flat_map(|index| seeds.shard(Shard { index, count: 4 }).iter()).collect();
        covered.sort();
        assert_eq!(covered, seeds.all().iter().collect::<Vec<_>>());
        let second = seeds.shard(Shard { index: 1, count: 4 });
        assert_eq!(second.iter().collect::<Vec<_>>(), vec![11, 15, 19, 23, 27]);
        assert_eq!(second.len(), 5);
        assert!((10..=30).all(|seed| second.contains(seed) == [11, 15, 19, 23, 27].contains(&seed)));
        for bad in ["4/4", "1/0", "x/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "`{bad}` should be rejected");
        }
    }

    #[test]
    fn huge_ranges_are_counted_and_walked_without_listing_them() {
        let everything: Seeds = "0..=18446744073709551615".parse().expect("a range");
        assert_eq!(everything.len(), 1u128 << 64);
        assert_eq!(everything.all().iter().take(3).collect::<Vec<_>>(), vec![0, 1, 2]);
        let err = everything.all().to_vec().expect_err("2^64 seeds are too many for one process");
        assert!(err.to_string().contains("--shard 0/18446744073710"), "{err}");
        let last = everything.shard(Shard { index: 0, count: u64::MAX });
        assert_eq!((last.len(), last.iter().collect::<Vec<_>>()), (2, vec![0, u64::MAX]));
        let top: Seeds = "18446744073709551610..=18446744073709551615".parse().expect("a range");
        assert_eq!(top.shard(Shard { index: 4, count: 5 }).iter().collect::<Vec<_>>(), vec![u64::MAX - 1]);
        assert_eq!(top.shard(Shard { index: 9, count: 10 }).len(), 0, "a shard past the end is empty");
        assert_eq!(top.shard(Shard { index: 9, count: 10 }).iter().count(), 0);
        let exact = "1..=1000000".parse::<Seeds>().expect("a range").all();
        assert_eq!(exact.to_vec().map(|v| v.len()).ok(), Some(1_000_000), "MAX_SEEDS is allowed");
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

    /// Shard `index` of two of `results` (seeds 1..=9), as `--json` writes it.
    fn shard_file(results: &[SeedResult], index: u64) -> String {
        let seeds: Seeds = "1..=9".parse().expect("a range");
        let selection = seeds.shard(Shard { index, count: 2 });
        let mine: Vec<SeedResult> = results.iter().filter(|r| selection.contains(r.seed)).cloned().collect();
        let mut text = String::new();
        for r in &mine {
            text += &serde_json::to_string(&SweepLine::Run(r.clone())).expect("serializable");
            text.push('\n');
        }
        let summary = Summary::of_sweep("s", selection, &mine).expect("a shard");
        text + &serde_json::to_string(&SweepLine::Summary(summary)).expect("serializable") + "\n"
    }

    fn merged(files: &[(&str, &str)]) -> Result<Merged, SweepError> {
        let files: Vec<SweepFile> =
            files.iter().map(|(name, text)| read_sweep(name, text).expect("valid lines")).collect();
        merge(&files)
    }

    fn merge_error(files: &[(&str, &str)]) -> String {
        merged(files).expect_err("these do not merge").to_string()
    }

    /// A latency in nanoseconds with a fraction, such as a mean: the kind of
    /// number serde_json reads back one bit off without `float_roundtrip`
    /// (33333333.433333334 does).
    fn latency(seed: u64) -> f64 {
        seed as f64 * 0.1 + 1e8 / 3.0
    }

    #[test]
    fn merged_shards_summarise_like_one_sweep() {
        let results: Vec<SeedResult> = (1..=9)
            .map(|seed| result(seed, if seed == 4 { &["safe"] } else { &[] }, latency(seed)))
            .collect();
        let seeds: Seeds = "1..=9".parse().expect("a range");
        let whole = Summary::of_sweep("s", seeds.all(), &results).expect("a sweep");
        let (a, b) = (shard_file(&results, 1), shard_file(&results, 0));
        let merged = merged(&[("a.jsonl", &a), ("b.jsonl", &b)]).expect("the two shards of one sweep");
        assert_eq!(merged.summary, whole);
        assert_eq!(merged.runs, results);
        // Byte for byte: floats read back exactly (serde_json's float_roundtrip).
        let json = |s: &Summary| serde_json::to_string(&SweepLine::Summary(s.clone())).expect("serializable");
        assert_eq!(json(&merged.summary), json(&whole));
        assert!(json(&whole).contains(r#""seeds":"1..=9""#), "{}", json(&whole));
    }

    #[test]
    fn shards_that_do_not_belong_together_are_refused() {
        let results: Vec<SeedResult> = (1..=9).map(|seed| result(seed, &[], 1.0)).collect();
        let (a, b) = (shard_file(&results, 1), shard_file(&results, 0));
        let twice = merge_error(&[("a.jsonl", &a), ("b.jsonl", &b), ("c.jsonl", &a)]);
        assert!(twice.contains("seed 2 appears twice"), "{twice}");
        let alone = merge_error(&[("a.jsonl", &a)]);
        assert!(alone.contains("the files hold 4 of the 9 seeds of 1..=9: missing shard 0/2"), "{alone}");
        // Another `--set`: the replay commands differ by more than the seed.
        let other = a.replace("--seed 2\"", "--seed 2 --set follower_reads=true\"");
        let mixed = merge_error(&[("a.jsonl", &other), ("b.jsonl", &b)]);
        assert!(mixed.contains("merge the shards of one sweep (the same scenario and --set)"), "{mixed}");
        assert!(mixed.contains("--set follower_reads=true"), "{mixed}");
        // A file cut short has no summary.
        let cut: String = a.lines().take(2).map(|l| format!("{l}\n")).collect();
        let cut = merge_error(&[("a.jsonl", &cut), ("b.jsonl", &b)]);
        assert!(cut.contains("a.jsonl has no summary line"), "{cut}");
        // Another range.
        let other_range = b.replace(r#""seeds":"1..=9""#, r#""seeds":"1..=11""#);
        let ranges = merge_error(&[("a.jsonl", &a), ("b.jsonl", &other_range)]);
        assert!(ranges.contains("a.jsonl swept seeds 1..=9 but b.jsonl swept 1..=11"), "{ranges}");
    }

    #[test]
    fn an_empty_shard_merges_and_names_its_scenario() {
        let results: Vec<SeedResult> = (1..=2).map(|seed| result(seed, &[], 1.0)).collect();
        let seeds: Seeds = "1..=2".parse().expect("a range");
        let empty = Summary::of_sweep("s", seeds.shard(Shard { index: 2, count: 3 }), &[]).expect("no runs");
        assert_eq!((empty.scenario.as_str(), empty.runs), ("s", 0));
        let files: Vec<SweepFile> = (0..3)
            .map(|index| {
                let selection = seeds.shard(Shard { index, count: 3 });
                let runs: Vec<SeedResult> =
                    results.iter().filter(|r| selection.contains(r.seed)).cloned().collect();
                let summary = Summary::of_sweep("s", selection, &runs).expect("a shard");
                SweepFile { source: format!("{index}.jsonl"), runs, summary: Some(summary) }
            })
            .collect();
        let merged = merge(&files).expect("three shards, one empty");
        assert_eq!(merged.summary, Summary::of_sweep("s", seeds.all(), &results).expect("the sweep"));
    }

    #[test]
    fn a_bad_line_is_located() {
        let err = read_sweep("x.jsonl", "\n{\"type\": \"run\", \"seed\": }\n").expect_err("broken JSON");
        assert!(err.to_string().starts_with("x.jsonl:2:25: "), "{err}");
        assert!(!err.to_string().contains("at line"), "serde's own location is not repeated: {err}");
        let err = read_sweep("x.jsonl", "").map(|f| f.runs.len()).expect("empty is fine");
        assert_eq!(err, 0);
        let eof = read_sweep("x.jsonl", "{").expect_err("cut short");
        assert!(!eof.to_string().contains(":0:"), "columns count from 1: {eof}");
    }
}

//! Shrinking a failing run to a small scenario file that fails the same way.
//!
//! A nemesis finds bugs by throwing dozens of random faults at a system; the
//! run that breaks a property is then a poor bug report, because most of
//! those faults had nothing to do with it. [`shrink`] cuts such a run down,
//! the way delta debugging (Zeller and Hildebrandt) and property-based
//! testing's shrinkers do:
//!
//! 1. **Run it**, and pick the *target property*: the one asked for, or the
//!    violation the scenario expects (`[expect]`) if it happened, or else the
//!    first violation. A candidate "still fails" when its run violates that
//!    property (at any time, with any message) and no property that the
//!    failing run did not violate: a shrunk run that also broke, say,
//!    "clients complete" because it was cut short would be a worse report.
//! 2. **Pin the faults.** The run's report lists every fault that fired,
//!    made concrete (`RunReport::faults_fired`: `crash = "random"` became
//!    the node it crashed, a random partition its groups). The scenario is
//!    rewritten with exactly that list and no `[nemesis]`. Nothing is drawn
//!    from the fault stream any more, and no other stream depends on it, so
//!    this is the *same run*: the same trace hash. (That is checked, and the
//!    result says if it did not hold; shrinking then goes on from the pinned
//!    version, which must at least fail the same property.)
//! 3. **Remove faults**, delta-debugging style: try removing the first half
//!    of the list, then the second; then quarters, eighths, ... down to single
//!    faults. Whenever a removal still fails, keep it and go on at the same
//!    size; when no chunk of a size can go, halve the size. It stops when no
//!    single fault can be removed: every fault left is needed.
//! 4. **Simplify the faults left**: round their times to whole milliseconds
//!    (a nemesis draws them to the nanosecond); then, fault by fault, drop
//!    nodes from a target that names several (a crashed minority may need
//!    only one of its nodes), and halve its `for` (in whole milliseconds)
//!    while it still fails.
//! 5. **Shorten the run**: set `duration` to the first whole millisecond after
//!    the property broke; if the run then no longer fails (a property judged
//!    at the end of the run needs the run to reach its end), binary-search
//!    between that and the old duration. A shorter run leaves out the faults
//!    it ends before (they would never fire, and the loader refuses them).
//!
//! 6. **Remove faults again**, in case the shorter, simpler run needs fewer:
//!    on return, no single fault can be removed from the result.
//!
//! Every candidate is a complete scenario file, written with the same writer
//! as the result, loaded with the normal loader and run with the same seed:
//! what was tried is exactly what is written. Runs are cached by file text,
//! and bounded by [`ShrinkOptions::max_runs`]; when the budget runs out, the
//! smallest failing scenario found so far is the result. The search makes no
//! random choices, so the same scenario and seed always shrink to the same
//! file.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use weft_sim::{NodeId, SimTime};

use crate::ScenarioError;
use crate::faults::{FaultAction, PlannedFault, Target};
use crate::report::{RunOptions, RunReport, Verdict, Violation, shell_word};
use crate::scenario::{Scenario, TOP_LEVEL_KEYS, parse_with_sets, write_fault};

/// What to shrink toward, and how much work to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShrinkOptions {
    /// The seed of the failing run.
    pub seed: u64,
    /// The property to keep failing; `None`: the expected violation if the
    /// scenario has one and it happened, else the run's first violation.
    pub property: Option<String>,
    /// The most runs to make, counting the original run and the pinned one.
    pub max_runs: u32,
}

impl ShrinkOptions {
    /// The default budget of runs.
    pub const DEFAULT_MAX_RUNS: u32 = 500;
}

/// Where a shrink is, reported after every run (for a progress bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Runs made so far.
    pub runs: u32,
    /// The budget of runs.
    pub max_runs: u32,
    /// Faults in the smallest failing scenario so far.
    pub faults: usize,
    /// The step at work: `"run"`, `"pin"`, `"remove"`, `"simplify"` or
    /// `"shorten"`.
    pub step: &'static str,
}

/// Why a shrink could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    /// The scenario could not be run.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The run violates nothing, so there is nothing to shrink.
    #[error("{}", nothing_failed(.seed, .expected))]
    NothingFailed {
        /// The seed.
        seed: u64,
        /// The violation the scenario expects (and that did not happen).
        expected: Option<String>,
    },
    /// The property asked for is not one the scenario checks.
    #[error("`{property}` is not a property of this scenario; it checks: {}", list_or_nothing(.known))]
    UnknownProperty {
        /// The property asked for.
        property: String,
        /// The properties the scenario checks (and the one it expects to
        /// be violated).
        known: Vec<String>,
    },
    /// The property asked for is not violated by the run.
    #[error("seed {seed} does not violate `{property}`; it violates: {}", list_or_nothing(.violated))]
    NotViolated {
        /// The seed.
        seed: u64,
        /// The property asked for.
        property: String,
        /// The properties it does violate.
        violated: Vec<String>,
    },
    /// The run budget is too small to start.
    #[error("shrinking needs at least 2 runs (the run itself, and the run with its faults pinned)")]
    BudgetTooSmall,
    /// The seed cannot be written in a scenario file.
    #[error("seed {0} is too large for a scenario file (at most {max})", max = i64::MAX)]
    SeedTooLarge(u64),
    /// Something that must hold did not: a bug in weft, not in the input.
    #[error("bug in weft shrink: {0}")]
    Bug(String),
}

fn nothing_failed(seed: &u64, expected: &Option<String>) -> String {
    match expected {
        Some(p) => format!(
            "nothing to shrink: with seed {seed} no property is violated (the scenario expects `{p}`, and it held)"
        ),
        None => format!("nothing to shrink: with seed {seed} every checked property held"),
    }
}

fn list_or_nothing(names: &[String]) -> String {
    if names.is_empty() { "nothing".into() } else { names.join(", ") }
}

/// The result of a shrink: the smallest failing scenario found.
#[derive(Debug)]
pub struct Shrunk {
    /// The command that made it, for the file's header.
    pub command: String,
    /// The name of the shrunk scenario (`<name>-shrunk`).
    pub name: String,
    /// The seed it fails with (written into the file).
    pub seed: u64,
    /// The property it violates.
    pub property: String,
    /// The faults that fired in the original run.
    pub faults_before: usize,
    /// The faults left, concrete, in time order.
    pub faults: Vec<PlannedFault>,
    /// The original run's duration (`None`: until quiet).
    pub duration_before: Option<Duration>,
    /// The shrunk run's duration.
    pub duration: Option<Duration>,
    /// The target property's first violation in the original run.
    pub violation_before: Violation,
    /// The target property's first violation in the shrunk run.
    pub violation: Violation,
    /// The shrunk run's verdict (with the scenario's own `[expect]`, if any).
    pub verdict: Verdict,
    /// The shrunk run's trace hash.
    pub trace_hash: String,
    /// True if the pinned faults replayed the original run exactly (the same
    /// trace hash); false if they only failed the same property.
    pub pinned_exactly: bool,
    /// Runs made, counting the original and the pinned one.
    pub runs: u32,
    /// True if the run budget ran out before the search finished: the result
    /// fails, but may not be as small as it could be.
    pub budget_exhausted: bool,
    template: Template,
}

impl Shrunk {
    /// The shrunk scenario as a TOML file, with a comment header naming where
    /// it came from and how to replay it as `file`.
    pub fn to_toml(&self, file: &str) -> String {
        let header = format!(
            "# Shrunk by `{}` from {} faults to {}; violates `{}` at {}.\n\
             # Replay: weft run {file}\n\
             # Explore: weft explore {file}\n\n",
            self.command,
            self.faults_before,
            self.faults.len(),
            self.property,
            self.violation.time,
            // A line break in the name would end the comment.
            file = shell_word(file).replace(['\n', '\r'], " "),
        );
        let description = format!(
            "{} with seed {}, shrunk from {} faults to {}: violates `{}` at {}",
            self.template.original_name,
            self.seed,
            self.faults_before,
            self.faults.len(),
            self.property,
            self.violation.time,
        );
        let candidate = Candidate { faults: self.faults.clone(), duration: self.duration };
        header + &self.template.text(&candidate, &self.name, &description, self.seed)
    }

    /// Checks that `text` (what [`to_toml`](Shrunk::to_toml) gave, read back
    /// from `file`) loads with the normal loader and, run with its own seed,
    /// is the shrunk run: the same trace hash, the same property violated.
    /// An error here is a bug in weft.
    pub fn confirm(&self, text: &str, file: &str) -> Result<RunReport, ShrinkError> {
        let scenario = Scenario::load(file, text, &[], file)
            .map_err(|d| ShrinkError::Bug(format!("the shrunk file does not load:\n{d}")))?;
        let report = scenario.run(&RunOptions { seed: scenario.seed, keep_trace: false })?;
        if !report.violations.iter().any(|v| v.property == self.property) {
            return Err(ShrinkError::Bug(format!(
                "{file} does not violate `{}` when run with its seed {}",
                self.property, scenario.seed
            )));
        }
        if report.trace_hash != self.trace_hash {
            return Err(ShrinkError::Bug(format!(
                "{file} violates `{}`, but its run (hash {}) is not the shrunk run (hash {})",
                self.property, report.trace_hash, self.trace_hash
            )));
        }
        Ok(report)
    }
}

/// Shrinks `scenario`'s run with `options.seed` to the smallest scenario
/// that still violates the same property; see the module docs. `progress`
/// is called after every run.
pub fn shrink(
    scenario: &Scenario,
    options: &ShrinkOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Shrunk, ShrinkError> {
    if options.max_runs < 2 {
        return Err(ShrinkError::BudgetTooSmall);
    }
    if i64::try_from(options.seed).is_err() {
        return Err(ShrinkError::SeedTooLarge(options.seed));
    }
    if let Some(asked) = &options.property {
        // Before the run: a misspelt name is not worth a run to find out.
        let mut known: Vec<String> = scenario.checks.iter().map(|c| c.property.name.to_string()).collect();
        if let Some(expected) = scenario.expect
            && !known.iter().any(|k| k == expected.name)
        {
            known.push(expected.name.to_string());
        }
        if !known.contains(asked) {
            return Err(ShrinkError::UnknownProperty { property: asked.clone(), known });
        }
    }
    let seed = options.seed;
    let original = scenario.run(&RunOptions { seed, keep_trace: false })?;
    let property = target_property(scenario, &original, options)?;
    let name = shrunk_name(&scenario.name);
    let mut search = Search {
        template: Template::new(scenario)?,
        name,
        seed,
        property: property.clone(),
        max_runs: options.max_runs,
        runs: 1,
        allowed: None,
        cache: BTreeMap::new(),
        progress,
    };
    search.report("run", original.faults_fired.len());

    let pinned = Candidate { faults: original.faults_fired.clone(), duration: scenario.duration };
    let pinned_run = match search.fails(&pinned, "pin") {
        Ok(Some(run)) => run,
        Ok(None) => {
            return Err(ShrinkError::Bug(format!(
                "with its {} fired faults written out and no nemesis, seed {seed} no longer violates `{property}`",
                pinned.faults.len()
            )));
        }
        Err(Stop::Bug(message)) => return Err(ShrinkError::Bug(message)),
        Err(Stop::Budget) => return Err(ShrinkError::Bug("no budget left for the pinned run".into())),
    };
    let pinned_exactly = pinned_run.trace_hash == original.trace_hash;
    search.allowed = Some(pinned_run.violated.clone());
    let mut best = Best { candidate: pinned, run: pinned_run };

    // Each step stops early when the budget runs out; what is kept always fails.
    let finished = search
        .remove_faults(&mut best)
        .and_then(|()| search.simplify(&mut best))
        .and_then(|()| search.shorten(&mut best))
        // A shorter run may need fewer faults.
        .and_then(|()| search.remove_faults(&mut best));
    let budget_exhausted = match finished {
        Ok(()) => false,
        Err(Stop::Budget) => true,
        Err(Stop::Bug(message)) => return Err(ShrinkError::Bug(message)),
    };

    let command = {
        let mut command = format!("weft shrink {} --seed {seed}", shell_word(&scenario.reference));
        for set in &scenario.sets {
            command.push_str(&format!(" --set {}", shell_word(set)));
        }
        if let Some(p) = &options.property {
            command.push_str(&format!(" --property {p}"));
        }
        command
    };
    let violation_before = original.violations.iter().find(|v| v.property == property).cloned();
    let violation_before = violation_before.expect("the target property is one the original run violated");
    Ok(Shrunk {
        command,
        name: search.name,
        seed,
        property,
        faults_before: original.faults_fired.len(),
        faults: best.candidate.faults,
        duration_before: scenario.duration,
        duration: best.candidate.duration,
        violation_before,
        violation: best.run.violation,
        verdict: best.run.verdict,
        trace_hash: best.run.trace_hash,
        pinned_exactly,
        runs: search.runs,
        budget_exhausted,
        template: search.template,
    })
}

/// `scenario`'s file with `faults` (usually a run's `faults_fired`) as its
/// `[[faults]]`, no `[nemesis]`, its `--set`s applied and `seed` set: with
/// the run's own fired faults, the same run as the original, for that seed.
pub fn pinned_file(scenario: &Scenario, faults: &[PlannedFault], seed: u64) -> Result<String, ShrinkError> {
    if i64::try_from(seed).is_err() {
        return Err(ShrinkError::SeedTooLarge(seed));
    }
    let template = Template::new(scenario)?;
    let candidate = Candidate { faults: faults.to_vec(), duration: scenario.duration };
    Ok(template.text(&candidate, &scenario.name, &scenario.description, seed))
}

/// The property to shrink toward; see [`ShrinkOptions::property`].
fn target_property(
    scenario: &Scenario,
    report: &RunReport,
    options: &ShrinkOptions,
) -> Result<String, ShrinkError> {
    let violated = |p: &str| report.violations.iter().any(|v| v.property == p);
    match (&options.property, scenario.expect) {
        (Some(asked), _) if violated(asked) => Ok(asked.clone()),
        (Some(asked), _) => Err(ShrinkError::NotViolated {
            seed: options.seed,
            property: asked.clone(),
            violated: report.violations.iter().map(|v| v.property.clone()).collect(),
        }),
        (None, Some(expected)) if violated(expected.name) => Ok(expected.name.to_string()),
        // `violations` is in time order.
        (None, expected) => report.violations.first().map(|v| v.property.clone()).ok_or_else(|| {
            ShrinkError::NothingFailed { seed: options.seed, expected: expected.map(|p| p.name.to_string()) }
        }),
    }
}

/// `name-shrunk`, once: shrinking a shrunk file keeps its name.
fn shrunk_name(name: &str) -> String {
    if name.ends_with("-shrunk") { name.to_string() } else { format!("{name}-shrunk") }
}

/// The description of a candidate (the final file gets a real one; a
/// description does not change a run).
const CANDIDATE: &str = "a candidate of weft shrink";

/// A scenario to try: the original with these faults and this duration.
#[derive(Clone, Debug)]
struct Candidate {
    faults: Vec<PlannedFault>,
    duration: Option<Duration>,
}

/// What a candidate's run showed, if it failed.
#[derive(Clone, Debug)]
struct Failure {
    /// The target property's first violation.
    violation: Violation,
    verdict: Verdict,
    trace_hash: String,
    /// When the run stopped.
    end: SimTime,
    /// Every property it violated.
    violated: BTreeSet<String>,
}

/// What a candidate's run showed.
#[derive(Clone, Debug)]
struct CandidateRun {
    violations: Vec<Violation>,
    verdict: Verdict,
    trace_hash: String,
    end: SimTime,
}

/// The smallest failing candidate so far, and its run.
#[derive(Debug)]
struct Best {
    candidate: Candidate,
    run: Failure,
}

/// Why a search step stopped before it was done.
#[derive(Debug)]
enum Stop {
    /// The run budget is spent.
    Budget,
    /// A candidate did not load: the writer and the reader disagree.
    Bug(String),
}

/// The search's state: the runs made and their results.
struct Search<'p> {
    template: Template,
    name: String,
    seed: u64,
    property: String,
    max_runs: u32,
    runs: u32,
    /// The properties a candidate may violate besides the target: those
    /// the pinned run violated (`None` until it ran). Without this rule,
    /// shortening a run would "still fail" while adding violations of its
    /// own, such as clients that had no time left to finish.
    allowed: Option<BTreeSet<String>>,
    /// Every candidate run so far, by its file text.
    cache: BTreeMap<String, CandidateRun>,
    progress: &'p mut dyn FnMut(Progress),
}

impl Search<'_> {
    fn report(&mut self, step: &'static str, faults: usize) {
        let progress = Progress { runs: self.runs, max_runs: self.max_runs, faults, step };
        (self.progress)(progress);
    }

    /// Runs `candidate` (or recalls its run): `Some` with its failure if it
    /// still fails, that is, violates the target property and nothing that
    /// the pinned run did not violate.
    fn fails(&mut self, candidate: &Candidate, step: &'static str) -> Result<Option<Failure>, Stop> {
        let text = self.template.text(candidate, &self.name, CANDIDATE, self.seed);
        let run = match self.cache.get(&text) {
            Some(known) => known.clone(),
            None => {
                let run = self.run(&text)?;
                self.cache.insert(text, run.clone());
                self.report(step, candidate.faults.len());
                run
            }
        };
        let Some(target) = run.violations.iter().find(|v| v.property == self.property) else {
            return Ok(None);
        };
        if let Some(allowed) = &self.allowed
            && run.violations.iter().any(|v| !allowed.contains(&v.property))
        {
            return Ok(None);
        }
        Ok(Some(Failure {
            violation: target.clone(),
            verdict: run.verdict,
            trace_hash: run.trace_hash,
            end: run.end,
            violated: run.violations.iter().map(|v| v.property.clone()).collect(),
        }))
    }

    /// Loads and runs a candidate's file, within the budget.
    fn run(&mut self, text: &str) -> Result<CandidateRun, Stop> {
        if self.runs >= self.max_runs {
            return Err(Stop::Budget);
        }
        let file = format!("{}.toml", self.name);
        let scenario = Scenario::load(&file, text, &[], &file)
            .map_err(|d| Stop::Bug(format!("a candidate does not load:\n{d}\n{text}")))?;
        let report = scenario
            .run(&RunOptions { seed: self.seed, keep_trace: false })
            .map_err(|e| Stop::Bug(format!("a candidate does not run: {e}")))?;
        self.runs += 1;
        Ok(CandidateRun {
            verdict: report.verdict(),
            trace_hash: report.trace_hash,
            end: report.sim_time,
            violations: report.violations,
        })
    }

    /// Tries `candidate`; if it fails, it becomes the best.
    fn try_keep(&mut self, best: &mut Best, candidate: Candidate, step: &'static str) -> Result<bool, Stop> {
        match self.fails(&candidate, step)? {
            Some(run) => {
                *best = Best { candidate, run };
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Step 3: delta debugging over the list of faults.
    fn remove_faults(&mut self, best: &mut Best) -> Result<(), Stop> {
        let duration = best.candidate.duration;
        let mut faults = best.candidate.faults.clone();
        // The last candidate kept is the one `faults` ends as.
        let mut kept = None;
        let result = remove_chunks(&mut faults, |faults| {
            let candidate = Candidate { faults: faults.to_vec(), duration };
            Ok(match self.fails(&candidate, "remove")? {
                Some(run) => {
                    kept = Some(Best { candidate, run });
                    true
                }
                None => false,
            })
        });
        if let Some(kept) = kept {
            *best = kept;
        }
        result
    }

    /// Step 4: round times, fewer nodes per target, shorter `for`s.
    fn simplify(&mut self, best: &mut Best) -> Result<(), Stop> {
        // A nemesis draws times to the nanosecond; whole milliseconds read
        // better, if the run still fails with them.
        let mut rounded = best.candidate.clone();
        for fault in &mut rounded.faults {
            fault.at = SimTime::ZERO.saturating_add(nearest_ms(fault.at.since_start()));
            fault.lasting = fault.lasting.map(|l| nearest_ms(l).max(Duration::from_millis(1)));
        }
        if rounded
            .faults
            .iter()
            .zip(&best.candidate.faults)
            .any(|(r, f)| (r.at, r.lasting) != (f.at, f.lasting))
        {
            self.try_keep(best, rounded, "simplify")?;
        }
        for i in 0..best.candidate.faults.len() {
            let mut node = 0;
            while let Some(count) = explicit_nodes(&mut best.candidate.faults[i].action).map(|n| n.len())
                && count > 1
                && node < count
            {
                let mut candidate = best.candidate.clone();
                if let Some(nodes) = explicit_nodes(&mut candidate.faults[i].action) {
                    nodes.remove(node);
                }
                if !self.try_keep(best, candidate, "simplify")? {
                    node += 1;
                }
            }
            while let Some(shorter) = best.candidate.faults[i].lasting.and_then(halved) {
                let mut candidate = best.candidate.clone();
                candidate.faults[i].lasting = Some(shorter);
                if !self.try_keep(best, candidate, "simplify")? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Step 5: end the run soon after the property broke.
    fn shorten(&mut self, best: &mut Best) -> Result<(), Stop> {
        let ms = |t: SimTime| t.as_nanos() / 1_000_000;
        // The first whole millisecond after the violation: the run must pass
        // the moment, not stop on it, for a check judged at that moment.
        let mut low = ms(best.run.violation.time) + 1;
        let old = best.candidate.duration.map(|d| d.as_millis() as u64);
        if old.is_some_and(|old| low >= old) {
            return Ok(());
        }
        if !self.try_keep(best, shortened(&best.candidate, low), "shorten")? {
            // A property judged at the end needs more run: search between the
            // shortest that did not fail and the shortest known to fail (or,
            // without a duration, just past where the run went quiet).
            let mut high = old.unwrap_or(ms(best.run.end) + 1);
            // A bounded binary search: 16 steps cover 65 s to the millisecond.
            for _ in 0..16 {
                if high <= low + 1 {
                    break;
                }
                let middle = low + (high - low) / 2;
                if self.try_keep(best, shortened(&best.candidate, middle), "shorten")? {
                    high = middle;
                } else {
                    low = middle;
                }
            }
        }
        Ok(())
    }
}

/// `candidate` ending at `ms` milliseconds, without the faults that would
/// fire at or after its end: they never fire, and the loader refuses them.
fn shortened(candidate: &Candidate, ms: u64) -> Candidate {
    let end = SimTime::from_millis(ms);
    let faults = candidate.faults.iter().filter(|f| f.at < end).cloned().collect();
    Candidate { faults, duration: Some(Duration::from_millis(ms)) }
}

/// Delta debugging by removal: removes chunks of `items` while `fails`
/// says the rest still fails, halving the chunk size from half the list down
/// to single items. On return (unless `fails` stops it), no single item can
/// be removed. `fails` is never asked about the whole list.
fn remove_chunks<T: Clone, E>(
    items: &mut Vec<T>,
    mut fails: impl FnMut(&[T]) -> Result<bool, E>,
) -> Result<(), E> {
    let mut chunk = items.len().div_ceil(2);
    while !items.is_empty() {
        let mut removed = false;
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            let mut rest = items.clone();
            rest.drain(start..end);
            if fails(&rest)? {
                // Keep the removal; the next chunk has moved into `start`.
                *items = rest;
                removed = true;
            } else {
                start = end;
            }
        }
        if removed {
            // Removals may have made more removable: again, at this size.
            chunk = chunk.min(items.len().div_ceil(2)).max(1);
        } else if chunk == 1 {
            // No single item can go: done.
            break;
        } else {
            chunk = chunk.div_ceil(2);
        }
    }
    Ok(())
}

/// The nodes an action's target names, if it names them explicitly.
fn explicit_nodes(action: &mut FaultAction) -> Option<&mut Vec<NodeId>> {
    match action {
        FaultAction::Crash(Target::Nodes(n))
        | FaultAction::Restart(Target::Nodes(n))
        | FaultAction::Pause(Target::Nodes(n))
        | FaultAction::Resume(Target::Nodes(n))
        | FaultAction::RestoreSpeed(Target::Nodes(n))
        | FaultAction::Clock { target: Target::Nodes(n), .. }
        | FaultAction::Slow { target: Target::Nodes(n), .. } => Some(n),
        _ => None,
    }
}

/// `d` to the nearest whole millisecond.
fn nearest_ms(d: Duration) -> Duration {
    Duration::from_millis(((d.as_nanos() + 500_000) / 1_000_000) as u64)
}

/// Half of `lasting`, in whole milliseconds; `None` below 2 ms.
fn halved(lasting: Duration) -> Option<Duration> {
    let half = Duration::from_millis((lasting / 2).as_millis() as u64);
    (!half.is_zero() && half < lasting).then_some(half)
}

/// The scenario's own document (its text with its `--set`s applied), from
/// which every candidate file is written.
#[derive(Debug)]
struct Template {
    root: toml::Table,
    /// Node names, by node index.
    node_names: Vec<String>,
    original_name: String,
}

impl Template {
    fn new(scenario: &Scenario) -> Result<Template, ShrinkError> {
        let (_, root, diagnostics) = parse_with_sets(&scenario.reference, &scenario.text, &scenario.sets);
        let toml::Value::Table(root) = root.to_toml() else {
            return Err(ShrinkError::Bug("a scenario document is not a table".into()));
        };
        if !diagnostics.is_empty() {
            return Err(ShrinkError::Bug("the scenario's text no longer parses as it did".into()));
        }
        let node_names = scenario.roles.iter().flat_map(|r| r.names.iter().cloned()).collect();
        Ok(Template { root, node_names, original_name: scenario.name.clone() })
    }

    /// The scenario's file with `candidate`'s faults and duration, no
    /// nemesis, and this name, description and seed; keys in the order the
    /// format's documentation gives them.
    fn text(&self, candidate: &Candidate, name: &str, description: &str, seed: u64) -> String {
        use toml::Value;
        let mut out = toml::Table::new();
        for &key in TOP_LEVEL_KEYS {
            let value = match key {
                "name" => Some(Value::String(name.into())),
                "description" => Some(Value::String(description.into())),
                // The loader allows seeds up to i64::MAX; callers check.
                "seed" => Some(Value::Integer(i64::try_from(seed).unwrap_or(i64::MAX))),
                "duration" => candidate.duration.map(|d| Value::String(format!("{d:?}"))),
                "nemesis" => None,
                "faults" => (!candidate.faults.is_empty()).then(|| {
                    let entries =
                        candidate.faults.iter().map(|f| Value::Table(write_fault(f, &self.node_names)));
                    Value::Array(entries.collect())
                }),
                other => self.root.get(other).cloned(),
            };
            if let Some(value) = value {
                out.insert(key.to_string(), value);
            }
        }
        debug_assert!(
            self.root.keys().all(|k| TOP_LEVEL_KEYS.contains(&k.as_str())),
            "a loaded scenario has only known top-level keys"
        );
        toml::to_string(&out).expect("a table of strings, numbers, arrays and tables serializes")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// With a monotone test ("fails while every needed item is there"),
        /// removal finds exactly the needed items, in their order, and never
        /// asks about a list that is not a sub-list of the original.
        #[test]
        fn chunk_removal_finds_exactly_what_is_needed(
            needed in proptest::collection::vec(any::<bool>(), 0..40),
        ) {
            let mut items: Vec<usize> = (0..needed.len()).collect();
            let mut asked = 0;
            let result: Result<(), ()> = remove_chunks(&mut items, |rest| {
                asked += 1;
                prop_assert!(rest.windows(2).all(|w| w[0] < w[1]), "a sub-list, in order");
                Ok(needed.iter().enumerate().filter(|(_, n)| **n).all(|(i, _)| rest.contains(&i)))
            }).map_err(|_| ());
            prop_assert!(result.is_ok());
            let expected: Vec<usize> = needed.iter().enumerate().filter(|(_, n)| **n).map(|(i, _)| i).collect();
            prop_assert_eq!(items, expected);
            // Delta debugging's bound for a monotone test: well under n².
            prop_assert!(asked <= 4 * needed.len() * (needed.len().max(2).ilog2() as usize + 1), "{} tests", asked);
        }
    }

    #[test]
    fn a_stop_keeps_what_was_removed_so_far() {
        let mut items: Vec<u32> = (0..8).collect();
        let mut budget = 1;
        let result = remove_chunks(&mut items, |_| {
            if budget == 0 {
                return Err("budget");
            }
            budget -= 1;
            Ok(true)
        });
        assert_eq!(result, Err("budget"));
        assert_eq!(items, vec![4, 5, 6, 7], "the first half went before the budget ran out");
    }

    #[test]
    fn times_round_to_readable_milliseconds() {
        assert_eq!(nearest_ms(Duration::from_nanos(193_914_379)), Duration::from_millis(194));
        assert_eq!(nearest_ms(Duration::from_nanos(499_999)), Duration::ZERO);
        assert_eq!(halved(Duration::from_millis(967)), Some(Duration::from_millis(483)));
        assert_eq!(halved(Duration::from_millis(2)), Some(Duration::from_millis(1)));
        assert_eq!(halved(Duration::from_millis(1)), None, "nothing below a millisecond");
    }
}

//! Running a scenario: build the simulation, drive it through its fault
//! timeline, and judge its properties.
//!
//! The engine knows faults only as concrete data ("crash n2"). The driver
//! here turns the scenario's *plans* ("crash the leader") into such faults
//! at the moment each one fires: it runs the simulation up to that moment,
//! looks at the run (who leads, who is down), resolves the target, and
//! injects the result. Random choices come from the run's fault stream, so
//! the whole run is still a function of the seed.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_patterns::check::Breach;
use weft_sim::queue::{Calendar, QueueKind};
use weft_sim::rng::{Stream, stream_rng};
use weft_sim::trace::TraceSink;
use weft_sim::{Fault, NodeId, NodeStatus, Outcome, Sim, SimTime, Until};

use crate::ScenarioError;
use weft_check::history::History;
use weft_check::{Budget, Model, Verdict};

use crate::catalog::{Judgement, LINEARIZABLE, Pattern, PropertyKind};
use crate::faults::{self, FaultAction, PlannedFault, Resolved, World};
use crate::report::{RunOptions, RunReport, Violation};
use crate::scenario::{Check, Scenario};

/// Runs `scenario` once with pattern `P` and checks it.
pub(crate) fn run<P: Pattern>(
    scenario: &Scenario,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<RunReport, ScenarioError> {
    let Built { mut sim, mut judge } = build::<P, Calendar>(scenario, options, sink)?;
    let mut driver = Driver::new(scenario, options.seed, sim.node_count());
    let mut violations = Vec::new();
    let mut notes = Vec::new();
    let mut breaches = Breaches::new(scenario);
    let limit = scenario.duration.map_or(SimTime::MAX, |d| SimTime::ZERO.saturating_add(d));

    let outcome = loop {
        let next = driver.next_time();
        let watch =
            Watch::<P> { deadline: next.unwrap_or(SimTime::MAX), judge: &mut judge, breaches: &mut breaches };
        let outcome = sim.run_until(watch);
        match outcome {
            Outcome::BudgetExhausted => break outcome,
            Outcome::Quiescent | Outcome::ReachedTime | Outcome::ConditionMet => {}
        }
        let Some(next) = next else { break outcome };
        if next > limit || sim.now() >= limit {
            break outcome;
        }
        if sim.now() < next {
            // Quiet before the next fault: move the clock to it.
            sim.advance_to(next);
        }
        driver.fire_due::<P, Calendar>(&mut sim, &judge, &mut notes);
        for check in driver.checks_due(sim.now()) {
            let when = Judgement { now: sim.now(), within: check.within, at_end: false };
            if let Err(message) = P::judge(&judge, check.property.name, &sim, when) {
                violations.push(Violation { property: check.property.name.into(), time: sim.now(), message });
            }
        }
    };

    // Judge everything not judged yet: end-of-run properties, and
    // eventually-properties whose moment the run did not reach (judged
    // early, so say so: "VIOLATED at 1s" would otherwise look like a
    // failure to recover in time).
    for (moment, check) in driver.timed.iter().filter(|(moment, _)| *moment > sim.now()) {
        let within = check.within.map(|w| format!("{w:?}")).unwrap_or_default();
        notes.push(format!(
            "`{}` was due at {moment} ({within} after the last fault ends, or after the start without \
             faults), but the run stopped at {}: judged then instead (a longer `duration` gives it its time)",
            check.property.name,
            sim.now()
        ));
    }
    for check in driver.remaining_checks() {
        let when = Judgement { now: sim.now(), within: check.within, at_end: true };
        if let Err(message) = P::judge(&judge, check.property.name, &sim, when) {
            violations.push(Violation { property: check.property.name.into(), time: sim.now(), message });
        }
    }
    // Linearizability needs every operation's outcome: judged once, now.
    let mut undecided = false;
    if breaches.checks(LINEARIZABLE)
        && let Some(history) = P::history(&judge)
    {
        undecided =
            !check_linearizable(history, LINEARIZABILITY_BUDGET, sim.now(), &mut breaches, &mut notes);
    }
    violations.extend(breaches.into_violations());
    violations.sort_by_key(|v| v.time);
    let mut metrics = sim.metrics().summary();
    for counter in P::COUNTERS {
        metrics.counters.entry(counter.to_string()).or_insert(0);
    }
    P::summarize(&judge, &sim, &mut metrics);
    notes.extend(P::notes(&judge, scenario));
    if undecided {
        // Counted, so that a sweep shows in how many runs the check gave up.
        metrics.gauges.insert(UNDECIDED.to_string(), 1.0);
    }
    if outcome == Outcome::BudgetExhausted {
        violations.push(Violation {
            property: "terminates".into(),
            time: sim.now(),
            message: "the run used its whole event budget without finishing".into(),
        });
    }
    // The verdict travels with the trace, so the explorer can mark it.
    sim.finish_trace(&violations).map_err(ScenarioError::TraceWrite)?;
    let trace = sim.trace(&scenario.name).map(|mut trace| {
        trace.footer.violations = violations.clone();
        trace
    });
    Ok(RunReport {
        scenario: scenario.name.clone(),
        pattern: scenario.info().name.to_string(),
        reference: scenario.reference.clone(),
        seed: options.seed,
        sets: scenario.sets.clone(),
        trace_hash: sim.trace_hash().to_string(),
        outcome,
        stats: sim.stats().clone(),
        in_flight: sim.in_flight(),
        sim_time: sim.now(),
        metrics,
        checked: scenario.checks.iter().map(|c| c.property.name.to_string()).collect(),
        violations,
        expected: scenario.expect.map(|p| p.name.to_string()),
        notes,
        history: P::history(&judge).cloned(),
        faults_fired: driver.fired,
        trace,
    })
}

/// Runs alongside the simulation: feeds every observation to the pattern's
/// judge as it is emitted, so always-properties are checked after every
/// event, and stops the run at the driver's next moment.
struct Watch<'a, P: Pattern> {
    deadline: SimTime,
    judge: &'a mut P::Judge,
    breaches: &'a mut Breaches,
}

impl<P: Pattern, Q: QueueKind> Until<P::Node, Q> for Watch<'_, P> {
    fn deadline(&self) -> SimTime {
        self.deadline
    }

    fn reached(&mut self, sim: &Sim<P::Node, Q>) -> bool {
        for (node, observation) in sim.observations() {
            if let Err(breach) = P::observe(self.judge, sim.now(), *node, observation) {
                self.breaches.record(breach, sim.now());
            }
        }
        false
    }
}

/// How much work the linearizability check of a run may do: counted in
/// explored states and memo bytes, never in seconds, so that its answer is
/// part of the deterministic run. Histories of runs are decided far below
/// it; `weft lincheck` can try harder on one written with `--history`.
const LINEARIZABILITY_BUDGET: Budget = Budget { max_states: 2_000_000, max_memory_bytes: 256 << 20 };

/// The gauge a run reports when its linearizability check gave up.
pub const UNDECIDED: &str = "linearizable_undecided";

/// Checks the clients' history against the `kv` model; false if the check
/// gave up (with a note saying so). A violation is dated when its window
/// closes: when the client got the answer that no order of the operations
/// can explain.
fn check_linearizable(
    history: &History,
    budget: Budget,
    now: SimTime,
    breaches: &mut Breaches,
    notes: &mut Vec<String>,
) -> bool {
    match weft_check::check(history, Model::Kv, budget) {
        Ok(report) => match report.verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable { violation } => {
                let at = violation.window.end().unwrap_or(now);
                breaches.record(Breach::new(LINEARIZABLE, violation.message()), at);
            }
            Verdict::Unknown { gave_up } => {
                notes.push(format!(
                    "`{LINEARIZABLE}` is undecided: {gave_up}; write the history with `--history FILE` and \
                     give `weft lincheck --model kv FILE` more time"
                ));
                return false;
            }
        },
        // The pattern's own clients wrote something the checker cannot
        // read: a bug in the pattern, reported where it shows.
        Err(e) => {
            breaches.record(Breach::new(LINEARIZABLE, format!("the history cannot be checked: {e}")), now)
        }
    }
    true
}

/// The breaches of checked always-properties: the first of each property is
/// its violation (the moment it broke), and later ones are counted.
struct Breaches {
    /// Per checked always-property: its first breach, and how many more.
    checked: Vec<(&'static str, Option<Violation>, u64)>,
}

impl Breaches {
    fn new(scenario: &Scenario) -> Breaches {
        let checked = scenario
            .checks
            .iter()
            .filter(|c| c.property.kind == PropertyKind::Always)
            .map(|c| (c.property.name, None, 0))
            .collect();
        Breaches { checked }
    }

    /// True if the scenario checks `property`.
    fn checks(&self, property: &str) -> bool {
        self.checked.iter().any(|(name, _, _)| *name == property)
    }

    fn record(&mut self, breach: Breach, time: SimTime) {
        // A breach of a property the scenario does not check is not news.
        let Some((_, first, more)) = self.checked.iter_mut().find(|(name, _, _)| *name == breach.property)
        else {
            return;
        };
        match first {
            None => {
                *first = Some(Violation { property: breach.property.into(), time, message: breach.message })
            }
            Some(_) => *more += 1,
        }
    }

    fn into_violations(self) -> impl Iterator<Item = Violation> {
        self.checked.into_iter().filter_map(|(_, first, more)| {
            let mut violation = first?;
            if more > 0 {
                let breaches = if more == 1 { "breach" } else { "breaches" };
                violation.message.push_str(&format!(" (and {more} more {breaches} after it)"));
            }
            Some(violation)
        })
    }
}

/// A scenario's simulation, built and not yet run, with its pattern's judge.
pub struct Built<P: Pattern, Q: QueueKind> {
    /// The simulation.
    pub sim: Sim<P::Node, Q>,
    /// What judges the pattern's properties.
    pub judge: P::Judge,
}

impl<P: Pattern, Q: QueueKind> std::fmt::Debug for Built<P, Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built").field("nodes", &self.sim.node_count()).finish_non_exhaustive()
    }
}

/// Builds `scenario`'s simulation with event queue `Q`, and its pattern's
/// judge. Faults are not scheduled here: the driver applies them.
pub fn build<P: Pattern, Q: QueueKind>(
    scenario: &Scenario,
    options: &RunOptions,
    sink: Option<Box<dyn TraceSink>>,
) -> Result<Built<P, Q>, ScenarioError> {
    // `Scenario::load` reported these already; a scenario changed since
    // (its fields are public) is checked again rather than run half-valid.
    let conflicts = P::validate(scenario);
    if !conflicts.is_empty() {
        let messages: Vec<String> = conflicts.iter().map(|c| c.message.clone()).collect();
        return Err(ScenarioError::Unsupported(messages.join("; ")));
    }
    let prepared = P::prepare(scenario, options.seed)?;
    debug_assert_eq!(prepared.factories.len(), scenario.roles.len(), "one factory per role");
    let mut builder = Sim::builder(options.seed);
    for (role, factory) in scenario.roles.iter().zip(prepared.factories) {
        builder = builder.named_role(role.name, role.names.clone(), factory);
    }
    let mut first = 0u32;
    for role in &scenario.roles {
        if let Some(processing) = &role.processing {
            for i in first..first + role.names.len() as u32 {
                builder = builder.node_processing_delay(NodeId::new(i), processing.clone());
            }
        }
        first += role.names.len() as u32;
    }
    builder = scenario.network.configure(builder);
    if let Some(duration) = scenario.duration {
        builder = builder.time_limit(SimTime::ZERO.saturating_add(duration));
    }
    builder = match sink {
        Some(sink) => builder.trace_to(&scenario.name, sink),
        None => builder.keep_trace(options.keep_trace),
    };
    Ok(Built { sim: builder.queue::<Q>().build()?, judge: prepared.judge })
}

/// What happens next on the timeline.
#[derive(Debug)]
enum Pending {
    /// A planned fault fires: resolve it now. `lasting` schedules its undo.
    Plan(FaultAction, Option<Duration>),
    /// The undo of an earlier fault, already resolved.
    Undo(Vec<Fault>),
}

/// Walks the fault timeline and the moments of bounded checks.
struct Driver<'s> {
    /// Pending work by (time, order of scheduling): ties fire in the order
    /// they were scheduled, as written in the file.
    timeline: BTreeMap<(SimTime, u64), Pending>,
    next_seq: u64,
    rng: rand_chacha::ChaCha8Rng,
    /// Checks with a moment (an eventually-property with `within`), by time.
    timed: Vec<(SimTime, &'s Check)>,
    /// Checks judged when the run stops.
    at_end: Vec<&'s Check>,
    default_link: &'s weft_sim::LinkModel,
    configured_links: BTreeMap<(NodeId, NodeId), weft_sim::LinkModel>,
    /// The planned faults that fired, made concrete, in firing order.
    fired: Vec<PlannedFault>,
}

impl<'s> Driver<'s> {
    fn new(scenario: &'s Scenario, seed: u64, nodes: usize) -> Driver<'s> {
        let mut rng = stream_rng(seed, Stream::Faults);
        let mut plans: Vec<(SimTime, FaultAction, Option<Duration>)> =
            scenario.faults.iter().map(|f| (f.at, f.action.clone(), f.lasting)).collect();
        if let Some(nemesis) = &scenario.nemesis {
            plans.extend(nemesis.plan(nodes, &mut rng).into_iter().map(|f| (f.at, f.action, f.lasting)));
        }
        // The anchor of eventually-properties: when the last fault ends. A
        // fault with `for` ends when it is undone; any other (a healing
        // action, or a crash or clock jump never undone) when it fires:
        // from then on the system has to cope, and `within` counts.
        let anchor =
            plans.iter().map(|(at, _, lasting)| at.saturating_add(lasting.unwrap_or(Duration::ZERO))).max();
        let anchor = anchor.unwrap_or(SimTime::ZERO);
        let mut driver = Driver {
            timeline: BTreeMap::new(),
            next_seq: 0,
            rng,
            timed: Vec::new(),
            at_end: Vec::new(),
            default_link: &scenario.network.default,
            configured_links: scenario.network.configured_links(),
            fired: Vec::new(),
        };
        // Stable: file faults before nemesis faults at the same time.
        plans.sort_by_key(|(at, _, _)| *at);
        for (at, action, lasting) in plans {
            driver.schedule(at, Pending::Plan(action, lasting));
        }
        for check in &scenario.checks {
            match (check.property.kind, check.within) {
                (PropertyKind::Eventually, Some(within)) => {
                    driver.timed.push((anchor.saturating_add(within), check))
                }
                // Judged as the run goes, by `Watch`.
                (PropertyKind::Always, _) => {}
                _ => driver.at_end.push(check),
            }
        }
        driver.timed.sort_by_key(|(t, _)| *t);
        driver
    }

    fn schedule(&mut self, at: SimTime, pending: Pending) {
        self.timeline.insert((at, self.next_seq), pending);
        self.next_seq += 1;
    }

    /// When the driver next has something to do.
    fn next_time(&self) -> Option<SimTime> {
        let fault = self.timeline.keys().next().map(|(t, _)| *t);
        let check = self.timed.first().map(|(t, _)| *t);
        match (fault, check) {
            (Some(f), Some(c)) => Some(f.min(c)),
            (f, c) => f.or(c),
        }
    }

    /// Applies every fault due now.
    fn fire_due<P: Pattern, Q: QueueKind>(
        &mut self,
        sim: &mut Sim<P::Node, Q>,
        judge: &P::Judge,
        notes: &mut Vec<String>,
    ) {
        let now = sim.now();
        while let Some(entry) = self.timeline.first_entry() {
            if entry.key().0 > now {
                break;
            }
            // The run stops at each moment of the timeline, so nothing fires late.
            debug_assert_eq!(entry.key().0, now, "a timeline entry fires at its own time");
            match entry.remove() {
                Pending::Undo(faults) => inject_all(sim, faults, now, notes),
                Pending::Plan(action, lasting) => {
                    let statuses: Vec<NodeStatus> =
                        (0..sim.node_count()).map(|i| sim.status(NodeId::new(i as u32))).collect();
                    let crashed: Vec<bool> = statuses.iter().map(|s| *s == NodeStatus::Crashed).collect();
                    let paused: Vec<bool> = statuses.iter().map(|s| *s == NodeStatus::Paused).collect();
                    let world = World {
                        nodes: sim.node_count(),
                        crashed: &crashed,
                        paused: &paused,
                        leader: P::leader(judge, sim),
                        default_link: self.default_link,
                        configured_links: &self.configured_links,
                    };
                    let Resolved { apply, undo, concrete } = faults::resolve(&action, &world, &mut self.rng);
                    // What fired, with its choices made: see `RunReport::faults_fired`.
                    self.fired.push(PlannedFault { at: now, action: concrete, lasting });
                    if apply.is_empty() {
                        notes.push(format!(
                            "at {now}: `{}` had no target then, so nothing happened",
                            action.name()
                        ));
                    }
                    inject_all(sim, apply, now, notes);
                    if let Some(lasting) = lasting
                        && !undo.is_empty()
                    {
                        self.schedule(now.saturating_add(lasting), Pending::Undo(undo));
                    }
                }
            }
        }
    }

    /// The bounded checks whose moment has come.
    fn checks_due(&mut self, now: SimTime) -> Vec<&'s Check> {
        let due = self.timed.iter().take_while(|(t, _)| *t <= now).count();
        self.timed.drain(..due).map(|(_, c)| c).collect()
    }

    /// Every check not judged yet.
    fn remaining_checks(&mut self) -> Vec<&'s Check> {
        let mut rest: Vec<&'s Check> = self.timed.drain(..).map(|(_, c)| c).collect();
        rest.append(&mut self.at_end);
        rest
    }
}

/// Injects `faults` now. The faults were resolved from the scenario's
/// names, so the engine should accept them all; if it refuses one, the run
/// goes on without it and the summary says why, rather than stopping.
fn inject_all<N: weft_sim::Node, Q: QueueKind>(
    sim: &mut Sim<N, Q>,
    faults: Vec<Fault>,
    now: SimTime,
    notes: &mut Vec<String>,
) {
    for fault in faults {
        if let Err(refused) = sim.inject(fault) {
            notes.push(format!("at {now}: a fault was not applied: {refused}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use weft_check::history::{EventType, Function, HistoryEvent, Value};

    use super::*;

    /// Two clients put `a` and `b` at overlapping times (so either may be
    /// last), then one reads `read`: `a` and `b` are explained, anything
    /// else is not.
    fn history(read: &str) -> History {
        let mut history = History::default();
        let event = |process, kind, f, value: &str| HistoryEvent {
            process,
            kind,
            f,
            key: Some("k".into()),
            value: if value.is_empty() { Value::Null } else { Value::Text(value.into()) },
            swapped: None,
        };
        let at = SimTime::from_millis;
        history.record(at(1), event(0, EventType::Invoke, Function::Put, "a"));
        history.record(at(2), event(1, EventType::Invoke, Function::Put, "b"));
        history.record(at(3), event(0, EventType::Ok, Function::Put, "a"));
        history.record(at(4), event(1, EventType::Ok, Function::Put, "b"));
        history.record(at(5), event(0, EventType::Invoke, Function::Get, ""));
        history.record(at(6), event(0, EventType::Ok, Function::Get, read));
        history
    }

    fn breaches() -> Breaches {
        Breaches { checked: vec![(LINEARIZABLE, None, 0)] }
    }

    #[test]
    fn a_run_reports_a_violation_at_the_answer_nothing_explains() {
        let (mut found, mut notes) = (breaches(), Vec::new());
        assert!(check_linearizable(
            &history("a"),
            LINEARIZABILITY_BUDGET,
            SimTime::MAX,
            &mut found,
            &mut notes
        ));
        assert!(found.into_violations().next().is_none(), "either put may be last");
        let mut found = breaches();
        assert!(check_linearizable(
            &history("c"),
            LINEARIZABILITY_BUDGET,
            SimTime::MAX,
            &mut found,
            &mut notes
        ));
        let violation = found.into_violations().next().expect("nobody wrote `c`");
        assert_eq!(violation.time, SimTime::from_millis(6), "when the impossible answer came");
        assert!(notes.is_empty());
    }

    #[test]
    fn a_check_that_gives_up_is_a_note_not_a_verdict() {
        let (mut found, mut notes) = (breaches(), Vec::new());
        let tiny = Budget { max_states: 1, max_memory_bytes: 1 << 20 };
        assert!(!check_linearizable(&history("c"), tiny, SimTime::MAX, &mut found, &mut notes));
        assert!(found.into_violations().next().is_none(), "unknown is not a violation");
        assert!(notes[0].contains("undecided"), "{notes:?}");
    }
}

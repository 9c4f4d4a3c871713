//! Is a run deterministic? Run it twice, compare event by event, and name
//! the first event that differs.
//!
//! Comparing two whole traces would mean keeping one in memory, which a run
//! of millions of events makes expensive. Instead the first run keeps only a
//! 64-bit *fingerprint* of each event (the stable hash of its JSON line: 8
//! bytes an event), and the second run compares each of its events with the
//! fingerprint at the same index as it goes, keeping the first event that
//! differs. The first run's own event at that index is gone by then, so a
//! third run fetches it; it is checked against the fingerprints up to and
//! including that index, so what it shows really is the first run's event
//! (if the re-run does not reproduce the first run that far, a few more are
//! tried before giving up).
//!
//! [`check_determinism`] does all of this through a closure that runs the
//! thing under test once with a given [`TraceSink`]; `weft run
//! --check-determinism` is a thin layer over it.

use std::cell::RefCell;
use std::hash::Hasher;
use std::io;
use std::rc::Rc;

use super::{RunHash, TraceEvent, TraceFooter, TraceHeader, TraceSink};
use crate::SimTime;

/// How many more runs [`check_determinism`] tries, at most, to reproduce
/// the first run up to the divergence and show its event there.
pub const MAX_REFETCHES: u32 = 4;

/// Where two runs that should be identical first differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The index (from 0) of the first event that differs; every event
    /// before it is the same in both runs.
    pub index: u64,
    /// The first run's event at `index`. `None` if the first run had ended
    /// before it, or (when the first run had more events than `index`) if no
    /// re-run reproduced the first run up to there.
    pub first: Option<TraceEvent>,
    /// The second run's event at `index`; `None` if it had ended before it.
    pub second: Option<TraceEvent>,
}

impl Divergence {
    /// The virtual time at which the runs part: the earlier of the two
    /// events' times (`None` only if neither event is known).
    pub fn time(&self) -> Option<SimTime> {
        let times = [&self.first, &self.second];
        times.into_iter().flatten().map(|event| event.time).min()
    }
}

/// What [`check_determinism`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct DeterminismCheck {
    /// How many runs it took: 2, or more when the runs differed and the first
    /// run's event had to be fetched again.
    pub runs: u32,
    /// How many events the first and the second run had.
    pub events: [u64; 2],
    /// The trace hashes of the first and the second run (from their trace
    /// footers; empty if a run did not finish its trace).
    pub trace_hashes: [String; 2],
    /// The first event that differs, if any.
    pub divergence: Option<Divergence>,
}

impl DeterminismCheck {
    /// True if the two runs had the same events and the same trace hash.
    pub fn is_deterministic(&self) -> bool {
        self.divergence.is_none()
            && self.events[0] == self.events[1]
            && self.trace_hashes[0] == self.trace_hashes[1]
    }
}

/// Runs something twice (through `run`, which runs it once with the trace
/// sink it is given and returns its result) and compares the two runs event
/// by event. Returns what it found and the first run's result; an error of
/// any run is returned as it is.
///
/// ```
/// use weft_sim::trace::{TraceSink, check_determinism};
/// use weft_sim::{Ctx, Node, NodeId, Sim};
///
/// #[derive(Debug)]
/// struct Hello;
/// impl Node for Hello {
///     type Message = u8; type Timer = (); type Observation = (); type Durable = ();
///     fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
///         for other in ctx.neighbours() {
///             ctx.send(other, 1);
///         }
///     }
///     fn on_message(&mut self, _: NodeId, _: u8, _: &mut Ctx<'_, Self>) {}
///     fn on_timer(&mut self, _: (), _: &mut Ctx<'_, Self>) {}
/// }
///
/// let (check, ()) = check_determinism(|sink: Box<dyn TraceSink>| {
///     let mut sim = Sim::builder(7).nodes(3, |_| Hello).trace_to("hello", sink).build()?;
///     let _ = sim.run();
///     sim.finish_trace(&[])?;
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// assert!(check.is_deterministic());
/// assert_eq!(check.events, [15, 15]); // 3 starts, 6 sends, 6 deliveries
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_determinism<R, E>(
    mut run: impl FnMut(Box<dyn TraceSink>) -> Result<R, E>,
) -> Result<(DeterminismCheck, R), E> {
    let mut run_with = |role: Role| {
        let probe = Probe::new(role);
        run(Box::new(probe.clone())).map(|result| (probe.finish(), result))
    };

    let (first, result) = run_with(Role::Record { fingerprints: Vec::new() })?;
    let Role::Record { fingerprints } = first.role else { unreachable!("the first run records") };
    let fingerprints = Rc::new(fingerprints);

    let (second, _) = run_with(Role::compare(&fingerprints, None))?;
    let mismatch = second.first_mismatch();
    let mut check = DeterminismCheck {
        runs: 2,
        events: [first.events, second.events],
        trace_hashes: [first.trace_hash, second.trace_hash],
        divergence: None,
    };
    let Some((index, second_event)) = mismatch else {
        return Ok((check, result));
    };

    // The first run's event at `index`, from a re-run that agrees with it up
    // to there (it cannot, if the first run had ended).
    let mut first_event = None;
    while index < check.events[0] && first_event.is_none() && check.runs < 2 + MAX_REFETCHES {
        let (again, _) = run_with(Role::compare(&fingerprints, Some(index)))?;
        check.runs += 1;
        let agrees_through_index = again.first_mismatch().is_none_or(|(i, _)| i > index);
        if agrees_through_index && let Role::Compare { fetched, .. } = again.role {
            first_event = fetched;
        }
    }
    check.divergence = Some(Divergence { index, first: first_event, second: second_event });
    Ok((check, result))
}

/// What a [`Probe`] does with each event.
#[derive(Debug)]
enum Role {
    /// Keeps each event's fingerprint (the first run).
    Record { fingerprints: Vec<u64> },
    /// Compares each event's fingerprint with the first run's, keeps the
    /// first event that differs, and the event at index `fetch`.
    Compare {
        reference: Rc<Vec<u64>>,
        mismatch: Option<(u64, TraceEvent)>,
        fetch: Option<u64>,
        fetched: Option<TraceEvent>,
    },
}

impl Role {
    fn compare(reference: &Rc<Vec<u64>>, fetch: Option<u64>) -> Role {
        Role::Compare { reference: Rc::clone(reference), mismatch: None, fetch, fetched: None }
    }
}

/// What one run of [`check_determinism`] showed.
#[derive(Debug)]
struct Probed {
    role: Role,
    events: u64,
    trace_hash: String,
    /// The current event as a JSON line, reused from event to event.
    line: Vec<u8>,
}

impl Probed {
    /// Where a comparing run first left the reference: at an event that
    /// differs, or where it ended if it ended early. `None` if it matched the
    /// reference to the end (a run with *more* events has its first extra
    /// event as a mismatch).
    fn first_mismatch(&self) -> Option<(u64, Option<TraceEvent>)> {
        let Role::Compare { reference, mismatch, .. } = &self.role else {
            unreachable!("only a comparing run has mismatches")
        };
        match mismatch {
            Some((index, event)) => Some((*index, Some(event.clone()))),
            None if self.events < reference.len() as u64 => Some((self.events, None)),
            None => None,
        }
    }
}

/// The trace sink of one run of [`check_determinism`]. It is shared (an
/// `Rc`), because the run consumes the boxed sink and the check reads what
/// it found after the run.
#[derive(Clone, Debug)]
struct Probe(Rc<RefCell<Probed>>);

impl Probe {
    fn new(role: Role) -> Probe {
        Probe(Rc::new(RefCell::new(Probed { role, events: 0, trace_hash: String::new(), line: Vec::new() })))
    }

    /// What the probe found (call when the run is over).
    fn finish(&self) -> Probed {
        let empty = Probed {
            role: Role::Record { fingerprints: Vec::new() },
            events: 0,
            trace_hash: String::new(),
            line: Vec::new(),
        };
        self.0.replace(empty)
    }
}

/// An event's fingerprint: the stable hash of its JSON line. The line is
/// exactly what a trace file would hold, so two events with the same
/// fingerprint would be written identically (barring a 64-bit collision).
fn fingerprint(event: &TraceEvent, line: &mut Vec<u8>) -> u64 {
    line.clear();
    serde_json::to_writer(&mut *line, event).expect("a trace event's payloads are JSON values already");
    let mut hash = RunHash::default();
    hash.write(line);
    hash.write_usize(line.len());
    hash.finish()
}

impl TraceSink for Probe {
    fn begin(&mut self, _header: &TraceHeader) {}

    fn event(&mut self, event: &TraceEvent) {
        let mut probed = self.0.borrow_mut();
        let Probed { role, events, line, .. } = &mut *probed;
        let index = *events;
        *events += 1;
        let print = fingerprint(event, line);
        match role {
            Role::Record { fingerprints } => fingerprints.push(print),
            Role::Compare { reference, mismatch, fetch, fetched } => {
                if mismatch.is_none() && reference.get(index as usize) != Some(&print) {
                    *mismatch = Some((index, event.clone()));
                }
                if *fetch == Some(index) {
                    *fetched = Some(event.clone());
                }
            }
        }
    }

    fn end(&mut self, footer: &TraceFooter) -> io::Result<()> {
        self.0.borrow_mut().trace_hash = footer.trace_hash.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;
    use crate::NodeId;
    use crate::trace::TraceKind;

    /// A made-up event: node `node` started at `ms`.
    fn start(ms: u64, node: u32) -> TraceEvent {
        TraceEvent { time: SimTime::from_millis(ms), kind: TraceKind::Start { node: NodeId::new(node) } }
    }

    /// `count` made-up events, one a millisecond.
    fn events(count: u64) -> Vec<TraceEvent> {
        (0..count).map(|i| start(i, (i % 3) as u32)).collect()
    }

    /// Checks "runs" that play back `runs[0]`, `runs[1]`, … in turn (the
    /// last one again once they run out), each with a footer hash naming its
    /// length and last node, as a real run's hash would differ.
    fn check(runs: &[Vec<TraceEvent>]) -> DeterminismCheck {
        let mut calls = 0;
        let (check, first_result) = check_determinism(|mut sink: Box<dyn TraceSink>| {
            let played = &runs[calls.min(runs.len() - 1)];
            calls += 1;
            for event in played {
                sink.event(event);
            }
            let hash = format!("{}:{:?}", played.len(), played.last());
            sink.end(&TraceFooter { events: played.len() as u64, trace_hash: hash, violations: vec![] })?;
            Ok::<usize, io::Error>(calls)
        })
        .expect("playing back cannot fail");
        assert_eq!(first_result, 1, "the first run's result is returned");
        assert_eq!(check.runs as usize, calls, "every run is counted");
        check
    }

    #[test]
    fn identical_runs_are_deterministic() {
        let check = check(&[events(10), events(10)]);
        assert!(check.is_deterministic());
        assert_eq!((check.runs, check.events), (2, [10, 10]));
        assert_eq!(check.divergence, None);
    }

    #[test]
    fn the_first_differing_event_is_named_with_both_versions() {
        let first = events(10);
        let mut second = first.clone();
        second[6] = start(6, 2); // was n0
        second[8] = start(8, 0); // a later difference does not matter
        // The third run (fetching the first run's event 6) is the first again.
        let check = check(&[first.clone(), second.clone(), first.clone()]);
        assert!(!check.is_deterministic());
        assert_eq!(check.runs, 3);
        let divergence = check.divergence.expect("the runs differ");
        assert_eq!(divergence.index, 6);
        assert_eq!(divergence.first.as_ref(), Some(&first[6]));
        assert_eq!(divergence.second.as_ref(), Some(&second[6]));
        assert_eq!(divergence.time(), Some(SimTime::from_millis(6)));
    }

    #[test]
    fn a_second_run_that_stops_early_diverges_where_it_ends() {
        let first = events(10);
        let check = check(&[first.clone(), events(7), first.clone()]);
        assert_eq!(check.events, [10, 7]);
        let divergence = check.divergence.expect("the second run is shorter");
        assert_eq!(
            (divergence.index, divergence.first, divergence.second),
            (7, Some(first[7].clone()), None)
        );
    }

    #[test]
    fn a_second_run_that_goes_on_diverges_where_the_first_ended() {
        let second = events(12);
        let check = check(&[events(10), second.clone()]);
        // Nothing to fetch: the first run has no event 10.
        assert_eq!((check.runs, check.events), (2, [10, 12]));
        let divergence = check.divergence.expect("the second run is longer");
        assert_eq!(
            (divergence.index, divergence.first, divergence.second),
            (10, None, Some(second[10].clone()))
        );
    }

    #[test]
    fn a_first_run_that_never_comes_back_is_not_shown() {
        let mut second = events(10);
        second[4] = start(4, 2);
        let mut third = events(10);
        third[2] = start(2, 0); // every re-run differs from the first run even earlier
        let check = check(&[events(10), second.clone(), third]);
        assert_eq!(check.runs, 2 + MAX_REFETCHES);
        let divergence = check.divergence.expect("the runs differ");
        assert_eq!(
            (divergence.index, divergence.first, divergence.second),
            (4, None, Some(second[4].clone()))
        );
    }

    #[test]
    fn same_events_with_different_hashes_are_not_deterministic() {
        let mut calls = 0;
        let (check, ()) = check_determinism(|mut sink: Box<dyn TraceSink>| {
            calls += 1;
            sink.event(&start(0, 0));
            let _ =
                sink.end(&TraceFooter { events: 1, trace_hash: format!("{calls:016x}"), violations: vec![] });
            Ok::<(), Infallible>(())
        })
        .expect("infallible");
        assert_eq!(check.divergence, None);
        assert!(!check.is_deterministic());
    }

    #[test]
    fn a_run_that_fails_fails_the_check() {
        let mut calls = 0;
        let result = check_determinism(|_sink: Box<dyn TraceSink>| {
            calls += 1;
            if calls == 2 { Err("the second run broke") } else { Ok(()) }
        });
        assert_eq!(result.err(), Some("the second run broke"));
    }
}

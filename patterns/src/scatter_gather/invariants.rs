//! The properties of scatter/gather, judged from observations alone.
//!
//! The [`Checker`] follows every gather from its `Scattered` to its
//! `Answered`, and every query from the client's `Asked` to its `Received`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use weft_sim::{NodeId, SimTime};

use super::{GatherId, Observation, QueryId, ShardId};
use crate::check::Breach;

/// Always: every answer names each shard exactly once, as merged or as
/// missing, and the merged ones are exactly the parts the root merged.
pub const ANSWERS_NAME_MISSING_LEAVES: &str = "answers-name-missing-leaves";
/// Always: no shard's part is merged twice into one gather, and an answer's
/// count is the sum of its merged parts, each once.
pub const NO_PART_MERGED_TWICE: &str = "no-part-merged-twice";
/// Always: the root answers every gather by its deadline.
pub const ANSWERS_BY_DEADLINE: &str = "answers-by-deadline";
/// At end: every answer is complete (true only with every leaf up and no
/// loss).
pub const COMPLETE_WHEN_HEALTHY: &str = "complete-when-healthy";
/// Eventually: every query asked gets an answer.
pub const EVERY_QUERY_ANSWERED: &str = "every-query-answered";

/// What the checker knows of one gather.
#[derive(Debug)]
struct Seen {
    query: QueryId,
    started: SimTime,
    /// The parts merged: shard → its count.
    merged: BTreeMap<ShardId, u64>,
    answered: bool,
}

/// Folds observations into the state of every gather and query, and judges
/// the properties.
#[derive(Debug)]
pub struct Checker {
    /// The nodes' names (node `i` is `names[i]`), for messages.
    names: Vec<String>,
    shards: u32,
    deadline: Duration,
    gathers: BTreeMap<GatherId, Seen>,
    /// Queries asked, with when they were first asked.
    asked: BTreeMap<QueryId, SimTime>,
    /// Queries whose answer reached their client.
    received: BTreeSet<QueryId>,
    /// Answers sent, and how many of them partial.
    answers: u64,
    partial: u64,
    /// The first partial answer: its query and missing shards.
    first_partial: Option<(QueryId, Vec<ShardId>)>,
    /// Scatter to merge, for every part merged (a fan-out of 1).
    part_latencies: Vec<Duration>,
    /// Scatter to answer, for every gather answered.
    gather_latencies: Vec<Duration>,
}

impl Checker {
    /// A checker for a deployment of `shards` shards and this `deadline`,
    /// whose nodes are called `names` (node `i` is `names[i]`).
    pub fn new(shards: u32, deadline: Duration, names: Vec<String>) -> Checker {
        Checker {
            names,
            shards,
            deadline,
            gathers: BTreeMap::new(),
            asked: BTreeMap::new(),
            received: BTreeSet::new(),
            answers: 0,
            partial: 0,
            first_partial: None,
            part_latencies: Vec::new(),
            gather_latencies: Vec::new(),
        }
    }

    /// The fraction of answers slower than the 99th percentile of the
    /// parts: 1% at a fan-out of 1, about `1 - 0.99^n` at a fan-out of `n`
    /// (the tail amplification of "The Tail at Scale"); 0 with no answers.
    pub fn queries_past_leaf_p99(&self) -> f64 {
        let mut parts = self.part_latencies.clone();
        parts.sort_unstable();
        let Some(rank) = (parts.len() * 99).div_ceil(100).checked_sub(1) else { return 0.0 };
        let p99 = parts[rank];
        let slow = self.gather_latencies.iter().filter(|l| **l > p99).count();
        crate::scatter_gather::metrics::ratio(slow as u64, self.gather_latencies.len() as u64)
    }

    /// The name of `node`, as the scenario calls it.
    fn name(&self, node: NodeId) -> &str {
        self.names.get(node.index()).map_or("?", String::as_str)
    }

    /// Answers sent by the root.
    pub fn answers(&self) -> u64 {
        self.answers
    }

    /// Partial answers sent by the root.
    pub fn partial_answers(&self) -> u64 {
        self.partial
    }

    /// Distinct queries asked by the clients.
    pub fn queries_asked(&self) -> u64 {
        self.asked.len() as u64
    }

    /// Folds one observation, emitted at `time`; `Err` when it breaks an
    /// always-property.
    pub fn observe(&mut self, time: SimTime, _node: NodeId, observation: &Observation) -> Result<(), Breach> {
        match observation {
            Observation::Scattered { query, gather, shards } => {
                if *shards != self.shards {
                    return Err(Breach::new(
                        ANSWERS_NAME_MISSING_LEAVES,
                        format!(
                            "gather {} scattered to {shards} shards; the index has {}",
                            gather.0, self.shards
                        ),
                    ));
                }
                let seen = Seen { query: *query, started: time, merged: BTreeMap::new(), answered: false };
                if self.gathers.insert(*gather, seen).is_some() {
                    return Err(Breach::new(
                        NO_PART_MERGED_TWICE,
                        format!("gather {} was started twice", gather.0),
                    ));
                }
                Ok(())
            }
            Observation::Merged { gather, shard, from_leaf, matches } => {
                let from_leaf = self.name(*from_leaf).to_string();
                let seen = started(&mut self.gathers, *gather)?;
                if seen.answered {
                    return Err(Breach::new(
                        ANSWERS_NAME_MISSING_LEAVES,
                        format!(
                            "gather {} merged shard {} from {from_leaf} after its answer was sent: the answer cannot say so",
                            gather.0, shard.0
                        ),
                    ));
                }
                self.part_latencies.push(time.saturating_since(seen.started));
                if let Some(first) = seen.merged.insert(*shard, *matches) {
                    return Err(Breach::new(
                        NO_PART_MERGED_TWICE,
                        format!(
                            "gather {} (query {}) merged shard {} twice: {first} matches, then {matches} from {from_leaf}",
                            gather.0, seen.query.0, shard.0
                        ),
                    ));
                }
                Ok(())
            }
            Observation::Answered { query, gather, complete, matches, merged, missing } => {
                self.answers += 1;
                if !complete {
                    self.partial += 1;
                    self.first_partial.get_or_insert((*query, missing.clone()));
                }
                let (shards, deadline) = (self.shards, self.deadline);
                let seen = started(&mut self.gathers, *gather)?;
                if seen.answered {
                    return Err(Breach::new(
                        ANSWERS_NAME_MISSING_LEAVES,
                        format!("gather {} was answered twice", gather.0),
                    ));
                }
                seen.answered = true;
                let late = time.saturating_since(seen.started);
                self.gather_latencies.push(late);
                check_answer(shards, *gather, seen, *query, *complete, *matches, merged, missing)?;
                // A drifting clock (up to 1,000 ppm) may stretch the root's
                // timer a little; anything more is a late answer.
                if late > deadline + deadline / 1000 {
                    return Err(Breach::new(
                        ANSWERS_BY_DEADLINE,
                        format!(
                            "query {} was answered {late:?} after its scatter; the deadline is {deadline:?}",
                            query.0
                        ),
                    ));
                }
                Ok(())
            }
            Observation::Asked { query } => {
                self.asked.entry(*query).or_insert(time);
                Ok(())
            }
            Observation::Received { query, .. } => {
                self.received.insert(*query);
                Ok(())
            }
            Observation::Hedged { .. } | Observation::Served { .. } => Ok(()),
        }
    }

    /// [`COMPLETE_WHEN_HEALTHY`]: no answer was partial.
    pub fn complete_when_healthy(&self) -> Result<(), String> {
        match &self.first_partial {
            None => Ok(()),
            Some((query, missing)) => Err(format!(
                "{} of {} answers were partial (the first, to query {}, missed shards {:?})",
                self.partial,
                self.answers,
                query.0,
                missing.iter().map(|s| s.0).collect::<Vec<_>>()
            )),
        }
    }

    /// [`EVERY_QUERY_ANSWERED`]: every query first asked at or before
    /// `asked_by` has been received by its client, and at the end of the run
    /// (`planned` given) every one of `planned` queries was asked.
    pub fn every_query_answered(&self, asked_by: SimTime, planned: Option<u64>) -> Result<(), String> {
        let waiting: Vec<u64> = self
            .asked
            .iter()
            .filter(|(query, at)| **at <= asked_by && !self.received.contains(query))
            .map(|(query, _)| query.0)
            .collect();
        if let [first, ..] = waiting.as_slice() {
            return Err(format!(
                "{} queries asked were never answered (the first: query {first})",
                waiting.len()
            ));
        }
        match planned {
            Some(planned) if self.queries_asked() < planned => {
                Err(format!("only {} of the {planned} planned queries were asked", self.queries_asked()))
            }
            _ => Ok(()),
        }
    }
}

/// The gather `id`, or a breach if it never started.
fn started(gathers: &mut BTreeMap<GatherId, Seen>, id: GatherId) -> Result<&mut Seen, Breach> {
    gathers.get_mut(&id).ok_or_else(|| {
        Breach::new(ANSWERS_NAME_MISSING_LEAVES, format!("gather {} was never scattered", id.0))
    })
}

/// Checks one answer against what was merged into its gather.
#[allow(clippy::too_many_arguments)]
fn check_answer(
    shards: u32,
    gather: GatherId,
    seen: &Seen,
    query: QueryId,
    complete: bool,
    matches: u64,
    merged: &[ShardId],
    missing: &[ShardId],
) -> Result<(), Breach> {
    let named = |what: &str| {
        Breach::new(ANSWERS_NAME_MISSING_LEAVES, format!("the answer to query {} {what}", query.0))
    };
    if query != seen.query {
        return Err(named(&format!("came from gather {}, which gathered query {}", gather.0, seen.query.0)));
    }
    let merged_set: BTreeSet<ShardId> = merged.iter().copied().collect();
    let missing_set: BTreeSet<ShardId> = missing.iter().copied().collect();
    if merged_set.len() != merged.len() || missing_set.len() != missing.len() {
        return Err(named("names a shard twice in one list"));
    }
    if let Some(both) = merged_set.intersection(&missing_set).next() {
        return Err(named(&format!("names shard {} both merged and missing", both.0)));
    }
    if let Some(unnamed) =
        (0..shards).map(ShardId).find(|s| !merged_set.contains(s) && !missing_set.contains(s))
    {
        return Err(named(&format!("does not name shard {}, neither merged nor missing", unnamed.0)));
    }
    if let Some(stranger) = merged_set.union(&missing_set).find(|s| s.0 >= shards) {
        return Err(named(&format!("names shard {}, but there are {shards}", stranger.0)));
    }
    let observed: BTreeSet<ShardId> = seen.merged.keys().copied().collect();
    if observed != merged_set {
        return Err(named(&format!(
            "says shards {:?} are merged, but the root merged {:?}",
            merged_set.iter().map(|s| s.0).collect::<Vec<_>>(),
            observed.iter().map(|s| s.0).collect::<Vec<_>>()
        )));
    }
    if complete != missing.is_empty() {
        return Err(named(&format!("says complete = {complete} with {} shards missing", missing.len())));
    }
    let sum: u64 = seen.merged.values().sum();
    if matches != sum {
        return Err(Breach::new(
            NO_PART_MERGED_TWICE,
            format!(
                "the answer to query {} counts {matches} matches; its merged parts sum to {sum}",
                query.0
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> SimTime = SimTime::from_millis;
    const ROOT: NodeId = NodeId::new(0);

    fn checker() -> Checker {
        let names = ["root", "leaf-0", "leaf-1", "leaf-2", "client-0"];
        Checker::new(3, Duration::from_millis(50), names.map(String::from).to_vec())
    }

    fn scattered(gather: u64) -> Observation {
        Observation::Scattered { query: QueryId(gather), gather: GatherId(gather), shards: 3 }
    }

    fn merged(gather: u64, shard: u32, matches: u64) -> Observation {
        Observation::Merged {
            gather: GatherId(gather),
            shard: ShardId(shard),
            from_leaf: NodeId::new(1 + shard),
            matches,
        }
    }

    fn answered(gather: u64, matches: u64, merged: &[u32], missing: &[u32]) -> Observation {
        Observation::Answered {
            query: QueryId(gather),
            gather: GatherId(gather),
            complete: missing.is_empty(),
            matches,
            merged: merged.iter().copied().map(ShardId).collect(),
            missing: missing.iter().copied().map(ShardId).collect(),
        }
    }

    /// Feeds `observations` at 1 ms apart; the first breach, if any.
    fn run(checker: &mut Checker, observations: &[Observation]) -> Result<(), Breach> {
        for (i, o) in observations.iter().enumerate() {
            checker.observe(MS(i as u64), ROOT, o)?;
        }
        Ok(())
    }

    #[test]
    fn a_complete_and_a_partial_answer_are_fine() {
        let mut c = checker();
        let ok = [
            scattered(0),
            merged(0, 0, 5),
            merged(0, 1, 6),
            merged(0, 2, 7),
            answered(0, 18, &[0, 1, 2], &[]),
            scattered(1),
            merged(1, 2, 1),
            answered(1, 1, &[2], &[0, 1]),
        ];
        assert_eq!(run(&mut c, &ok), Ok(()));
        assert_eq!((c.answers(), c.partial_answers()), (2, 1));
        assert!(c.complete_when_healthy().expect_err("one was partial").contains("missed shards [0, 1]"));
    }

    #[test]
    fn a_part_merged_twice_is_caught() {
        let breach =
            run(&mut checker(), &[scattered(0), merged(0, 1, 6), merged(0, 1, 6)]).expect_err("merged twice");
        assert_eq!(breach.property, NO_PART_MERGED_TWICE);
        // The leaf goes by the name the scenario gives it, as in the trace.
        assert!(breach.message.ends_with("then 6 from leaf-1"), "{}", breach.message);
    }

    #[test]
    fn a_total_that_double_counts_is_caught() {
        let breach = run(&mut checker(), &[scattered(0), merged(0, 0, 5), answered(0, 10, &[0], &[1, 2])])
            .expect_err("5 counted twice");
        assert_eq!(breach.property, NO_PART_MERGED_TWICE);
    }

    #[test]
    fn an_answer_that_hides_a_missing_shard_is_caught() {
        // Shard 2 is neither merged nor named missing.
        let breach = run(&mut checker(), &[scattered(0), merged(0, 0, 5), answered(0, 5, &[0], &[1])])
            .expect_err("shard 2 unnamed");
        assert_eq!(breach.property, ANSWERS_NAME_MISSING_LEAVES);
        assert!(breach.message.contains("shard 2"), "{breach}");
    }

    #[test]
    fn an_answer_claiming_a_part_never_merged_is_caught() {
        let breach = run(&mut checker(), &[scattered(0), merged(0, 0, 5), answered(0, 5, &[0, 1], &[2])])
            .expect_err("shard 1 never merged");
        assert_eq!(breach.property, ANSWERS_NAME_MISSING_LEAVES);
    }

    #[test]
    fn a_shard_both_merged_and_missing_is_caught() {
        let breach = run(&mut checker(), &[scattered(0), merged(0, 0, 5), answered(0, 5, &[0], &[0, 1, 2])])
            .expect_err("shard 0 on both lists");
        assert_eq!(breach.property, ANSWERS_NAME_MISSING_LEAVES);
    }

    #[test]
    fn a_merge_after_the_answer_is_caught() {
        let breach = run(&mut checker(), &[scattered(0), answered(0, 0, &[], &[0, 1, 2]), merged(0, 0, 5)])
            .expect_err("merge after the answer");
        assert_eq!(breach.property, ANSWERS_NAME_MISSING_LEAVES);
    }

    #[test]
    fn a_late_answer_is_caught() {
        let mut c = checker();
        c.observe(MS(0), ROOT, &scattered(0)).expect("fine");
        let breach = c.observe(MS(60), ROOT, &answered(0, 0, &[], &[0, 1, 2])).expect_err("10 ms late");
        assert_eq!(breach.property, ANSWERS_BY_DEADLINE);
    }

    #[test]
    fn unanswered_queries_are_reported() {
        let mut c = checker();
        c.observe(MS(1), NodeId::new(9), &Observation::Asked { query: QueryId(4) }).expect("fine");
        c.observe(MS(2), NodeId::new(9), &Observation::Asked { query: QueryId(5) }).expect("fine");
        c.observe(MS(3), NodeId::new(9), &Observation::Received { query: QueryId(4), complete: true })
            .expect("fine");
        assert_eq!(c.every_query_answered(MS(1), None), Ok(()), "query 5 was asked after the bound");
        assert!(c.every_query_answered(MS(10), None).expect_err("5 open").contains("query 5"));
        c.observe(MS(4), NodeId::new(9), &Observation::Received { query: QueryId(5), complete: false })
            .expect("fine");
        assert_eq!(c.every_query_answered(MS(10), Some(2)), Ok(()));
        assert!(c.every_query_answered(MS(10), Some(3)).is_err(), "one planned query never asked");
    }

    #[test]
    fn the_share_of_queries_past_the_leaves_p99_is_measured() {
        // 100 shards answering at 1, 2, ..., 100 ms: their p99 is 99 ms, and
        // only the gather that waited for the 100 ms shard is past it.
        let mut c = Checker::new(100, Duration::from_millis(200), Vec::new());
        assert_eq!(c.queries_past_leaf_p99(), 0.0, "no answers yet");
        c.observe(
            MS(0),
            ROOT,
            &Observation::Scattered { query: QueryId(0), gather: GatherId(0), shards: 100 },
        )
        .expect("fine");
        let mut total = 0;
        for shard in 0..100 {
            c.observe(MS(u64::from(shard) + 1), ROOT, &merged(0, shard, 1)).expect("fine");
            total += 1;
        }
        let all: Vec<u32> = (0..100).collect();
        c.observe(
            MS(100),
            ROOT,
            &Observation::Answered {
                query: QueryId(0),
                gather: GatherId(0),
                complete: true,
                matches: total,
                merged: all.iter().copied().map(ShardId).collect(),
                missing: Vec::new(),
            },
        )
        .expect("fine");
        c.observe(
            MS(200),
            ROOT,
            &Observation::Scattered { query: QueryId(1), gather: GatherId(1), shards: 100 },
        )
        .expect("fine");
        c.observe(
            MS(250),
            ROOT,
            &Observation::Answered {
                query: QueryId(1),
                gather: GatherId(1),
                complete: false,
                matches: 0,
                merged: Vec::new(),
                missing: all.iter().copied().map(ShardId).collect(),
            },
        )
        .expect("fine");
        assert_eq!(c.queries_past_leaf_p99(), 0.5);
    }
}

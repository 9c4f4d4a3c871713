//! The workload: who asks the system for what, and how often.
//!
//! Two shapes of load, as load testers name them:
//!
//! - **closed loop**: each of `clients` clients sends a request, waits for the
//!   answer, then sends the next. Load adapts to the system: a slow system is
//!   asked less. (Most benchmarks are closed loops, which hides queueing.)
//! - **open loop**: requests arrive at `rate` whatever the system does, as
//!   users on the internet do; `poisson` arrivals (exponential gaps) or
//!   `periodic` ones (equal gaps). A slow system builds a queue.
//!
//! A request's operation is drawn from the `mix` (weights per operation the
//! pattern knows), and its key from `keys`: `uniform`, or `zipf`, where a few
//! hot keys get most requests, as in real key-value traffic.
//!
//! Every draw comes from the run's [`Stream::Workload`] stream, so the same
//! seed gives the same requests however the network behaves.
//!
//! [`Stream::Workload`]: weft_sim::rng::Stream::Workload

use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Zipf};
use weft_patterns::client::{Plan, Request};
use weft_sim::SimTime;

/// What workloads a pattern can run.
#[derive(Clone, Copy, Debug)]
pub struct WorkloadSupport {
    /// Closed-loop clients are supported.
    pub closed_loop: bool,
    /// Open-loop arrivals are supported.
    pub open_loop: bool,
    /// The most clients, if limited.
    pub max_clients: Option<u32>,
    /// The operations a `mix` may weigh; empty if requests have no kinds.
    pub operations: &'static [&'static str],
    /// Requests carry keys, so `keys` may be given.
    pub keys: bool,
}

/// A workload, as a scenario describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// How many clients; `None` lets the pattern choose (see its docs).
    pub clients: Option<u32>,
    /// How many requests in all, over all clients.
    pub requests: u64,
    /// How requests arrive.
    pub arrival: Arrival,
    /// Operations and their weights (normalised to sum to 1); empty when the
    /// pattern's requests have no kinds.
    pub mix: Vec<(&'static str, f64)>,
    /// How keys are chosen, when requests carry keys.
    pub keys: Option<Keys>,
}

/// How requests arrive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arrival {
    /// Each client waits for an answer before its next request.
    Closed,
    /// Requests arrive at a rate, whatever the system does.
    Open {
        /// Requests per second, over all clients.
        rate_per_sec: f64,
        /// The gaps between arrivals.
        process: ArrivalProcess,
    },
}

/// The gaps between open-loop arrivals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalProcess {
    /// Exponential gaps: independent arrivals, like users.
    Poisson,
    /// Equal gaps: a timer, a sensor, a batch job.
    Periodic,
}

/// How a request's key is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Keys {
    /// How many distinct keys: `0..count`.
    pub count: u64,
    /// Which keys are likely.
    pub distribution: KeyDistribution,
}

/// Which keys are likely.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyDistribution {
    /// Every key equally.
    Uniform,
    /// Key `k` with weight `1 / (k+1)^exponent`: key 0 is the hottest.
    Zipf {
        /// The skew: 0 is uniform, 1 is classic Zipf, more is hotter.
        exponent: f64,
    },
}

impl Workload {
    /// The arrival times of an open-loop workload, in order; empty for a
    /// closed loop. The first request arrives one gap after time zero.
    ///
    /// ```
    /// use weft_scenarios::workload::{Arrival, ArrivalProcess, Workload};
    /// use weft_sim::{SimTime, rng::{stream_rng, Stream}};
    ///
    /// let workload = Workload {
    ///     clients: None,
    ///     requests: 3,
    ///     arrival: Arrival::Open { rate_per_sec: 1000.0, process: ArrivalProcess::Periodic },
    ///     mix: vec![],
    ///     keys: None,
    /// };
    /// let times = workload.open_arrivals(&mut stream_rng(1, Stream::Workload));
    /// assert_eq!(times, [SimTime::from_millis(1), SimTime::from_millis(2), SimTime::from_millis(3)]);
    /// ```
    pub fn open_arrivals(&self, rng: &mut ChaCha8Rng) -> Vec<SimTime> {
        let Arrival::Open { rate_per_sec, process } = self.arrival else { return Vec::new() };
        let mean_gap_secs = 1.0 / rate_per_sec;
        let exp = Exp::new(rate_per_sec).expect("the loader checks that the rate is positive and finite");
        let mut now_secs = 0.0_f64;
        (0..self.requests)
            .map(|i| match process {
                // Multiply, not add, so periodic arrivals do not drift by
                // rounding: request i is at exactly (i+1) gaps.
                ArrivalProcess::Periodic => {
                    SimTime::ZERO.saturating_add(Duration::from_secs_f64(mean_gap_secs * (i + 1) as f64))
                }
                ArrivalProcess::Poisson => {
                    now_secs += exp.sample(rng);
                    SimTime::ZERO.saturating_add(Duration::from_secs_f64(now_secs))
                }
            })
            .collect()
    }

    /// Splits the workload among `clients` clients: one [`Plan`] each, in
    /// client order. Request `i` goes to client `i mod clients`; its
    /// operation and key are drawn from `mix` and `keys`, and `make` turns
    /// (operation name, key, request number) into the pattern's own request.
    /// Open-loop requests carry their arrival time; closed-loop ones none.
    ///
    /// ```
    /// use weft_scenarios::workload::{Arrival, Workload};
    /// use weft_sim::rng::{stream_rng, Stream};
    ///
    /// let workload = Workload {
    ///     clients: Some(2), requests: 5, arrival: Arrival::Closed,
    ///     mix: vec![("get", 0.5), ("put", 0.5)], keys: None,
    /// };
    /// let plans = workload.plans(2, &mut stream_rng(1, Stream::Workload), |op, _key, i| (op, i));
    /// assert_eq!(plans[0].len(), 3);
    /// assert_eq!(plans[1].len(), 2);
    /// assert_eq!(plans[1][0].op.1, 1, "request 1 goes to client 1");
    /// assert!(plans[0].iter().all(|r| r.at.is_none()), "closed loop: no arrival times");
    /// ```
    pub fn plans<Op>(
        &self,
        clients: usize,
        rng: &mut ChaCha8Rng,
        mut make: impl FnMut(&'static str, u64, u64) -> Op,
    ) -> Vec<Plan<Op>> {
        assert!(clients > 0, "a workload needs a client");
        let arrivals = self.open_arrivals(rng);
        let mut plans: Vec<Plan<Op>> = (0..clients).map(|_| Vec::new()).collect();
        for i in 0..self.requests {
            let operation = self.mix.get(self.operation(rng)).map_or("", |(name, _)| *name);
            let key = self.key(rng);
            let at = arrivals.get(i as usize).copied();
            plans[(i % clients as u64) as usize].push(Request { at, op: make(operation, key, i) });
        }
        plans
    }

    /// Draws the operation of the next request (an index into `mix`).
    pub fn operation(&self, rng: &mut ChaCha8Rng) -> usize {
        let mut x: f64 = rng.random();
        for (i, (_, weight)) in self.mix.iter().enumerate() {
            if x < *weight {
                return i;
            }
            x -= weight;
        }
        self.mix.len().saturating_sub(1)
    }

    /// Draws the key of the next request; 0 when requests have no keys.
    pub fn key(&self, rng: &mut ChaCha8Rng) -> u64 {
        let Some(keys) = self.keys else { return 0 };
        match keys.distribution {
            KeyDistribution::Uniform => rng.random_range(0..keys.count),
            KeyDistribution::Zipf { exponent } => {
                let zipf = Zipf::new(keys.count as f64, exponent)
                    .expect("the loader checks the key count and exponent");
                // Zipf draws ranks 1..=count.
                (zipf.sample(rng) as u64).clamp(1, keys.count) - 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use weft_sim::rng::{Stream, stream_rng};

    use super::*;

    fn open(process: ArrivalProcess, requests: u64) -> Workload {
        Workload {
            clients: None,
            requests,
            arrival: Arrival::Open { rate_per_sec: 200.0, process },
            mix: vec![("get", 0.9), ("put", 0.1)],
            keys: Some(Keys { count: 100, distribution: KeyDistribution::Zipf { exponent: 1.0 } }),
        }
    }

    #[test]
    fn poisson_arrivals_keep_their_rate() {
        let times = open(ArrivalProcess::Poisson, 20_000).open_arrivals(&mut stream_rng(3, Stream::Workload));
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "arrivals are in order");
        // 20,000 arrivals at 200/s take 100 s; the sd of the sum of 20,000
        // exponential gaps is 0.005 s × √20,000 ≈ 0.7 s. Allow 5 sd.
        let end = times.last().expect("requests > 0").as_nanos() as f64 / 1e9;
        assert!((end - 100.0).abs() < 3.5, "end = {end}");
    }

    #[test]
    fn periodic_arrivals_are_exact() {
        let times = open(ArrivalProcess::Periodic, 400).open_arrivals(&mut stream_rng(3, Stream::Workload));
        assert_eq!(times[0], SimTime::from_millis(5));
        assert_eq!(times[399], SimTime::from_secs(2));
    }

    #[test]
    fn mix_and_zipf_skew_as_asked() {
        let workload = open(ArrivalProcess::Poisson, 0);
        let mut rng = stream_rng(5, Stream::Workload);
        let n = 100_000;
        let puts = (0..n).filter(|_| workload.operation(&mut rng) == 1).count();
        // Binomial(100,000, 0.1): sd ≈ 95.
        assert!((9_500..=10_500).contains(&puts), "puts = {puts}");
        let mut hits = [0u32; 100];
        for _ in 0..n {
            hits[workload.key(&mut rng) as usize] += 1;
        }
        // Zipf(1) over 100 keys: key 0 has weight 1/H(100) ≈ 0.193, key 1
        // half of that, and every key is reachable.
        let first = f64::from(hits[0]) / n as f64;
        assert!((first - 0.193).abs() < 0.01, "key 0 share = {first}");
        assert!(f64::from(hits[0]) / f64::from(hits[1]) > 1.8);
        assert!(hits.iter().all(|h| *h > 0));
    }
}

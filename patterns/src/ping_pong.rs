//! # Ping-pong: the smallest distributed system
//!
//! Two nodes. The *pinger* sends request `i` to the *ponger*, the ponger
//! answers, and only when the answer arrives does the pinger send request
//! `i + 1`. One message is in flight at a time, so the run is a chain of
//! round trips whose length is the sum of the link latencies.
//!
//! It is the "hello world" of weft, and the engine's purest speed test: each
//! step is one delivery, one handler call and one send, with nothing else
//! going on.
//!
//! **What to watch in a run**: the round-trip histogram. With latency uniform
//! in [1 ms, 10 ms) each way, a round trip is the sum of two uniform draws: a
//! triangle from 2 ms to 20 ms, peaking at 11 ms.
//!
//! **Faults**: none tolerated. Ping-pong has no retry: lose one message and
//! the chain stops, which is exactly the lesson that motivates timeouts.

use serde::Serialize;
use weft_sim::{Ctx, Node, NodeId, SimTime};

// ----- Roles -----

/// A ping-pong node: node 0 pings, node 1 answers.
#[derive(Debug)]
pub enum PingPong {
    /// Sends requests, one at a time, and times the round trips.
    Pinger {
        /// How many round trips to make in total.
        round_trips: u64,
        /// When the request in flight was sent.
        sent_at: SimTime,
    },
    /// Answers every request.
    Ponger,
}

impl PingPong {
    /// The node with id `id` in a ping-pong of `round_trips` round trips.
    pub fn new(id: NodeId, round_trips: u64) -> PingPong {
        if id == PINGER { PingPong::Pinger { round_trips, sent_at: SimTime::ZERO } } else { PingPong::Ponger }
    }
}

/// The pinger is node 0; the ponger node 1.
pub const PINGER: NodeId = NodeId::new(0);
/// The ponger.
pub const PONGER: NodeId = NodeId::new(1);

// ----- Messages -----

/// What the two nodes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Message {
    /// Request number `seq`.
    Ping {
        /// The request's number, from 0.
        seq: u64,
    },
    /// The answer to request `seq`.
    Pong {
        /// The request answered.
        seq: u64,
    },
}

// ----- Metrics -----

/// Histogram: time from sending a ping to receiving its pong.
pub const ROUND_TRIP: &str = "round_trip";

// ----- Behaviour -----

impl Node for PingPong {
    type Message = Message;
    type Timer = ();
    type Observation = ();
    type Durable = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let PingPong::Pinger { round_trips, sent_at } = self
            && *round_trips > 0
        {
            *sent_at = ctx.now();
            ctx.send(PONGER, Message::Ping { seq: 0 });
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match (self, msg) {
            (PingPong::Ponger, Message::Ping { seq }) => ctx.send(from, Message::Pong { seq }),
            (PingPong::Pinger { round_trips, sent_at }, Message::Pong { seq }) => {
                let now = ctx.now();
                ctx.metrics().record(ROUND_TRIP, now - *sent_at);
                if seq + 1 < *round_trips {
                    *sent_at = now;
                    ctx.send(from, Message::Ping { seq: seq + 1 });
                }
            }
            // A ping to the pinger or a pong to the ponger: only a buggy peer
            // sends these, and ignoring them is the robust answer.
            _ => ctx.metrics().count("unexpected_messages"),
        }
    }

    fn on_timer(&mut self, _timer: (), _ctx: &mut Ctx<'_, Self>) {}
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use weft_sim::{Latency, LinkModel, Outcome, Sim};

    use super::*;

    #[test]
    fn every_round_trip_completes_and_takes_two_hops() {
        let ms = Duration::from_millis;
        let mut sim = Sim::builder(3)
            .link(LinkModel::new(Latency::uniform(ms(1), ms(10)).expect("valid range")))
            .nodes(2, |id| PingPong::new(id, 500))
            .build()
            .expect("valid simulation");
        assert_eq!(sim.run(), Outcome::Quiescent);
        assert_eq!(sim.stats().messages_delivered, 1000);
        let rtt = &sim.metrics().summary().histograms[ROUND_TRIP];
        assert_eq!(rtt.count, 500);
        assert!(rtt.min_ns >= 2_000_000 && rtt.max_ns < 20_000_000, "{rtt:?}");
    }
}

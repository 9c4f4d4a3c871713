//! What a client is asked to do: a list of planned requests.
//!
//! Patterns with clients take their workload as one [`Plan`] per client,
//! made by the scenario from its `[workload]`: a closed-loop client sends its
//! next request when the last one is answered (or given up on); an
//! open-loop client sends each request at its arrival time, whatever happened
//! to the others.

use weft_sim::SimTime;

/// One request a client will make: when (open loop), and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<Op> {
    /// When it arrives (open loop), or `None`: as soon as the client is free
    /// (closed loop).
    pub at: Option<SimTime>,
    /// What it asks.
    pub op: Op,
}

/// A client's requests, in the order it makes them.
pub type Plan<Op> = Vec<Request<Op>>;

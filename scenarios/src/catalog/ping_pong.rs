//! `pattern = "ping-pong"`: two nodes, one request in flight at a time.
//!
//! The workload is a closed loop of one client, the pinger: `requests` is the
//! number of round trips.

use weft_patterns::ping_pong::{self, PingPong};
use weft_sim::Sim;
use weft_sim::queue::QueueKind;

use super::{Judgement, Pattern, PatternInfo, Prepared, PropertyKind, PropertySpec, RoleSpec};
use crate::ScenarioError;
use crate::scenario::Scenario;
use crate::workload::WorkloadSupport;

/// The ping-pong pattern.
#[derive(Debug)]
pub struct PingPongPattern;

/// The property: every round trip asked for completed.
pub const ALL_ROUND_TRIPS_COMPLETE: &str = "all-round-trips-complete";

impl Pattern for PingPongPattern {
    type Node = PingPong;
    /// The number of round trips asked for.
    type Judge = u64;

    const INFO: PatternInfo = PatternInfo {
        name: "ping-pong",
        description: "two nodes, one request in flight at a time: the engine's hello world",
        roles: &[
            RoleSpec {
                name: "pinger",
                help: "sends request i+1 when answer i arrives",
                default_count: 1,
                min: 1,
                max: 1,
            },
            RoleSpec { name: "ponger", help: "answers every request", default_count: 1, min: 1, max: 1 },
        ],
        params: &[],
        workload: Some(WorkloadSupport {
            closed_loop: true,
            open_loop: false,
            max_clients: Some(1),
            operations: &[],
            keys: false,
        }),
        properties: &[PropertySpec {
            name: ALL_ROUND_TRIPS_COMPLETE,
            description: "the pinger completes every round trip of the workload",
            kind: PropertyKind::AtEnd,
        }],
        has_leader: false,
    };

    fn prepare(scenario: &Scenario, _seed: u64) -> Result<Prepared<Self>, ScenarioError> {
        let round_trips = scenario.workload.as_ref().map_or(0, |w| w.requests);
        let node = move |id| PingPong::new(id, round_trips);
        Ok(Prepared { factories: vec![Box::new(node), Box::new(node)], judge: round_trips })
    }

    fn judge<Q: QueueKind>(
        round_trips: &u64,
        _property: &str,
        sim: &Sim<PingPong, Q>,
        _when: Judgement,
    ) -> Result<(), String> {
        // Each completed round trip records one round-trip time.
        let done = sim.metrics().summary().histograms.get(ping_pong::ROUND_TRIP).map_or(0, |h| h.count);
        if done == *round_trips {
            Ok(())
        } else {
            Err(format!("{done} of {round_trips} round trips completed"))
        }
    }
}

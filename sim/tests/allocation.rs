//! The hot path allocates nothing per message: a run of 100 times more
//! messages makes no more allocations once the buffers have grown.
//!
//! `allocation_counter::measure` counts every heap allocation made inside
//! its closure (this test binary runs with its counting allocator).

use std::time::Duration;

use serde::Serialize;
use weft_sim::{Ctx, Latency, LinkModel, Node, NodeId, Outcome, Sim, Topology};

/// Node 0 and node 1 bounce a counter until it reaches `limit`.
struct Bouncer {
    limit: u64,
}

#[derive(Clone, Debug, Hash, Serialize)]
struct Ball(u64);

impl Node for Bouncer {
    type Message = Ball;
    type Timer = ();
    type Observation = ();
    type Durable = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if ctx.me() == NodeId::new(0) {
            ctx.send(NodeId::new(1), Ball(0));
        }
    }
    fn on_message(&mut self, from: NodeId, Ball(n): Ball, ctx: &mut Ctx<'_, Self>) {
        if n < self.limit {
            ctx.send(from, Ball(n + 1));
        }
    }
    fn on_timer(&mut self, _: (), _: &mut Ctx<'_, Self>) {}
}

/// Every node forwards each ball to all its neighbours until it has handled
/// `limit` balls: many messages in flight at once.
struct Spreader {
    handled: u64,
    limit: u64,
}

impl Node for Spreader {
    type Message = Ball;
    type Timer = ();
    type Observation = ();
    type Durable = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        for n in ctx.neighbours() {
            ctx.send(n, Ball(0));
        }
    }
    fn on_message(&mut self, _from: NodeId, ball: Ball, ctx: &mut Ctx<'_, Self>) {
        self.handled += 1;
        if self.handled <= self.limit {
            for n in ctx.neighbours() {
                ctx.send(n, ball.clone());
            }
        }
    }
    fn on_timer(&mut self, _: (), _: &mut Ctx<'_, Self>) {}
}

fn link() -> LinkModel {
    LinkModel::new(Latency::uniform(Duration::from_millis(1), Duration::from_millis(10)).expect("valid"))
        .loss(0.01)
        .duplicate(0.01)
}

/// Allocations made by `run()` alone (building the simulation is excluded).
fn allocations_during_run<N: Node>(mut sim: Sim<N>) -> (u64, u64) {
    let mut outcome = Outcome::BudgetExhausted;
    let info = allocation_counter::measure(|| outcome = sim.run());
    assert_eq!(outcome, Outcome::Quiescent);
    (info.count_total, sim.stats().messages_delivered)
}

#[test]
fn one_message_in_flight_allocates_nothing_per_message() {
    let run = |limit| {
        // No loss (it would end the rally) and no duplication (each copy
        // would start a second rally, and the work would grow exponentially).
        let sim = Sim::builder(1)
            .link(link().loss(0.0).duplicate(0.0))
            .nodes(2, move |_| Bouncer { limit })
            .build()
            .expect("valid");
        allocations_during_run(sim)
    };
    let (small, small_delivered) = run(1_000);
    let (large, large_delivered) = run(100_000);
    assert!(large_delivered >= 100 * small_delivered - 100);
    assert_eq!(
        large, small,
        "{small} allocations for {small_delivered} messages, {large} for {large_delivered}"
    );
}

#[test]
fn many_messages_in_flight_allocate_only_to_grow_buffers() {
    let run = |limit| {
        let sim = Sim::builder(2)
            .topology(Topology::RandomRegular { degree: 4 })
            .link(link())
            .nodes(200, move |_| Spreader { handled: 0, limit })
            .build()
            .expect("valid");
        allocations_during_run(sim)
    };
    let (small, small_delivered) = run(10);
    let (large, large_delivered) = run(1_000);
    assert!(large_delivered > 50 * small_delivered, "{small_delivered} vs {large_delivered}");
    // Buffers grow as the load shifts (a reused calendar bucket may need
    // more room than it had), so a longer run makes some more allocations;
    // but fewer than one per hundred extra messages, where allocating per
    // message would make at least one each.
    let extra_messages = large_delivered - small_delivered;
    assert!(
        large.saturating_sub(small) < extra_messages / 100,
        "{small} allocations for {small_delivered} messages, {large} for {large_delivered}"
    );
}

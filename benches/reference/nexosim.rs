//! The nexosim reference: the engine benchmark workloads written for
//! [nexosim](https://crates.io/crates/nexosim) 1.x, the way a nexosim user
//! would write them.
//!
//! Each network node is a nexosim *model*. Links are output ports connected to
//! the peer's input port, one [`Output`] per link. Link latency is modelled the
//! way nexosim's own `Delay` example does it: to send a message with latency
//! `d`, a node schedules one of its own inputs (`transmit`) `d` in the future
//! with [`Context::schedule_event`]; when that event fires, `transmit` pushes
//! the message through the link's output port, and the peer's input runs at
//! that same virtual instant. So each message costs one scheduler event plus
//! one port send, which is what any nexosim network model pays.
//!
//! Engine configuration: `SimInit::with_num_threads(1)`, which makes nexosim
//! use its single-threaded executor (the fair match for weft's single-threaded
//! engine), and the default clock (`NoClock`: run as fast as possible, virtual
//! time only). Virtual time starts at [`MonotonicTime::EPOCH`].
//!
//! Randomness: every node owns a `ChaCha8Rng` seeded from the caller's seed,
//! on its own ChaCha stream (`set_stream(node + 1)`); stream 0 is used by the
//! harness for the topology and the injection sites, in the same draw order
//! as `bare.rs`, so both build the same graph and inject at the same nodes.
//! Latencies are drawn per message, as in `bare.rs`, but from the sending
//! node's own stream, so the exact schedule differs from `bare.rs`; the
//! delivered-message counts do not depend on it and are identical. The
//! generator lives in the model's environment (`Model::Env`), nexosim's place
//! for non-serialised state, because nexosim models must be serialisable.
//!
//! Delivered messages are counted by each receiving model and collected after
//! the run with one query per node, outside the hot loop.
//!
//! The benchmark includes this file with
//! `#[path = "reference/nexosim.rs"] mod nexo;` beside `mod bare;`, and
//! takes the flood topology (`Topology`, `ring_matching`) from `bare.rs`, so
//! both references flood the same graph.

#![allow(dead_code)]

use std::time::Duration;

use nexosim::model::{BuildContext, Context, Model, ProtoModel, schedulable};
use nexosim::ports::{EventSource, Output, QuerySource};
use nexosim::simulation::{Mailbox, SimInit, Simulation};
use nexosim::time::MonotonicTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Smallest one-way link latency, in nanoseconds (inclusive): 1 ms.
const MIN_LATENCY_NS: u64 = 1_000_000;
/// Largest one-way link latency, in nanoseconds (exclusive): 10 ms.
const MAX_LATENCY_NS: u64 = 10_000_000;
/// Spacing between two injected flood values: value `v` is injected at
/// `(v + 1) * INJECT_SPACING`.
const INJECT_SPACING: Duration = Duration::from_millis(1);

/// The environment of every node model: its private latency generator.
///
/// This is the non-serialised part of a model's state (`Model::Env`).
#[derive(Debug)]
pub struct NodeEnv {
    rng: ChaCha8Rng,
}

impl NodeEnv {
    /// A generator for node `node`: same seed as everyone, own stream.
    fn new(seed: u64, node: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(node) + 1);
        NodeEnv { rng }
    }

    /// Draws one link latency.
    #[inline]
    fn latency(&mut self) -> Duration {
        Duration::from_nanos(self.rng.random_range(MIN_LATENCY_NS..MAX_LATENCY_NS))
    }
}

/// Prototype of a node: the model plus its environment, handed to
/// `SimInit::add_model`.
///
/// Needed because the environment (the RNG) has no `Default`, so nexosim
/// cannot build it on its own.
#[derive(Debug)]
pub struct Proto<M> {
    model: M,
    env: NodeEnv,
}

impl<M: Model<Env = NodeEnv>> ProtoModel for Proto<M> {
    type Model = M;

    fn build(self, _: &mut BuildContext<'_, Self>) -> (M, NodeEnv) {
        (self.model, self.env)
    }
}

// ---------------------------------------------------------------------------
// Workload 1: ping-pong
// ---------------------------------------------------------------------------

/// Node 0 of ping-pong: sends request `i + 1` when answer `i` arrives.
#[derive(Debug, Serialize, Deserialize)]
pub struct Client {
    /// Link to the server.
    request_out: Output<u64>,
    /// How many round trips to run.
    round_trips: u64,
    /// Answers received so far.
    delivered: u64,
}

#[Model(type Env = NodeEnv)]
impl Client {
    /// Sends the first request when the simulation starts.
    #[nexosim(init)]
    async fn init(&mut self, cx: &Context<Self>, env: &mut NodeEnv) {
        if self.round_trips > 0 {
            cx.schedule_event(env.latency(), schedulable!(Self::transmit), 0)
                .expect("latency is positive, so the deadline is in the future");
        }
    }

    /// Input port: answer `round` arrives from the server.
    pub fn on_answer(&mut self, round: u64, cx: &Context<Self>, env: &mut NodeEnv) {
        self.delivered += 1;
        let next = round + 1;
        if next < self.round_trips {
            cx.schedule_event(env.latency(), schedulable!(Self::transmit), next)
                .expect("latency is positive, so the deadline is in the future");
        }
    }

    /// Self-scheduled: the link latency has elapsed, hand request `round` to
    /// the server.
    #[nexosim(schedulable)]
    async fn transmit(&mut self, round: u64) {
        self.request_out.send(round).await;
    }

    /// Replier port: how many messages this node received.
    pub async fn delivered(&mut self) -> u64 {
        self.delivered
    }
}

/// Node 1 of ping-pong: answers every request.
#[derive(Debug, Serialize, Deserialize)]
pub struct Server {
    /// Link to the client.
    answer_out: Output<u64>,
    /// Requests received so far.
    delivered: u64,
}

#[Model(type Env = NodeEnv)]
impl Server {
    /// Input port: request `round` arrives from the client.
    pub fn on_request(&mut self, round: u64, cx: &Context<Self>, env: &mut NodeEnv) {
        self.delivered += 1;
        cx.schedule_event(env.latency(), schedulable!(Self::transmit), round)
            .expect("latency is positive, so the deadline is in the future");
    }

    /// Self-scheduled: the link latency has elapsed, hand answer `round` to
    /// the client.
    #[nexosim(schedulable)]
    async fn transmit(&mut self, round: u64) {
        self.answer_out.send(round).await;
    }

    /// Replier port: how many messages this node received.
    pub async fn delivered(&mut self) -> u64 {
        self.delivered
    }
}

/// Runs `round_trips` request/answer exchanges between a client (node 0) and
/// a server (node 1) and returns the number of delivered messages (always
/// `2 * round_trips`).
pub fn ping_pong(round_trips: u64, seed: u64) -> u64 {
    let mut client = Client { request_out: Output::default(), round_trips, delivered: 0 };
    let mut server = Server { answer_out: Output::default(), delivered: 0 };
    let client_mbox = Mailbox::new();
    let server_mbox = Mailbox::new();

    // Wire the two links.
    client.request_out.connect(Server::on_request, &server_mbox);
    server.answer_out.connect(Client::on_answer, &client_mbox);

    // Endpoints to read the counters back after the run.
    let mut bench = SimInit::with_num_threads(1);
    let client_count = QuerySource::new().connect(Client::delivered, &client_mbox).register(&mut bench);
    let server_count = QuerySource::new().connect(Server::delivered, &server_mbox).register(&mut bench);

    let client = Proto { model: client, env: NodeEnv::new(seed, 0) };
    let server = Proto { model: server, env: NodeEnv::new(seed, 1) };
    let mut simu = bench
        .add_model(client, client_mbox, "client")
        .add_model(server, server_mbox, "server")
        .init(MonotonicTime::EPOCH)
        .expect("nexosim: initialisation failed");
    simu.run().expect("nexosim: run failed");

    let query = |simu: &mut Simulation, id| simu.process_query(id, ()).expect("nexosim: query");
    query(&mut simu, &client_count) + query(&mut simu, &server_count)
}

// ---------------------------------------------------------------------------
// Workload 2: flood
// ---------------------------------------------------------------------------

// The topology and its random matching come from `bare.rs` (included beside
// this module by `benches/engine.rs`), so both references flood exactly the
// same graph from the same random draws.
pub use super::bare::Topology;
use super::bare::ring_matching;

/// Returns the neighbour list of every node.
///
/// Unlike `bare.rs` the mesh is materialised here: in nexosim every link is a
/// real port connection anyway, so the lists cost nothing extra.
fn neighbour_lists(nodes: u32, topology: Topology, rng: &mut ChaCha8Rng) -> Vec<Vec<u32>> {
    match topology {
        Topology::Mesh => {
            assert!(nodes >= 2, "a mesh needs at least 2 nodes");
            (0..nodes).map(|i| (0..nodes).filter(|&peer| peer != i).collect()).collect()
        }
        Topology::Regular3 => {
            let partner = ring_matching(nodes, rng);
            (0..nodes).map(|i| vec![(i + nodes - 1) % nodes, (i + 1) % nodes, partner[i as usize]]).collect()
        }
    }
}

/// A flooded value on the wire, tagged with the node that sent it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Packet {
    value: u32,
    from: u32,
}

/// A flood node: forwards every value it sees for the first time.
#[derive(Debug, Serialize, Deserialize)]
pub struct FloodNode {
    /// This node's index.
    id: u32,
    /// One output port per link; `links[k]` leads to node `peers[k]`.
    links: Vec<Output<Packet>>,
    /// The node at the far end of each link.
    peers: Vec<u32>,
    /// `seen[v]`: has this node already seen value `v`?
    seen: Vec<bool>,
    /// Packets received so far.
    delivered: u64,
}

#[Model(type Env = NodeEnv)]
impl FloodNode {
    /// Input port: value `value` appears at this node from outside.
    pub fn inject(&mut self, value: u32, cx: &Context<Self>, env: &mut NodeEnv) {
        if self.first_sight(value) {
            self.forward(value, None, cx, env);
        }
    }

    /// Input port: a packet arrives from a neighbour.
    pub fn receive(&mut self, packet: Packet, cx: &Context<Self>, env: &mut NodeEnv) {
        self.delivered += 1;
        if self.first_sight(packet.value) {
            self.forward(packet.value, Some(packet.from), cx, env);
        }
    }

    /// Self-scheduled: the latency of link `link` has elapsed, put `value` on
    /// the wire.
    #[nexosim(schedulable)]
    async fn transmit(&mut self, (link, value): (usize, u32)) {
        let packet = Packet { value, from: self.id };
        self.links[link].send(packet).await;
    }

    /// Replier port: how many packets this node received.
    pub async fn delivered(&mut self) -> u64 {
        self.delivered
    }
}

impl FloodNode {
    /// Marks `value` as seen; returns `true` if it had not been seen before.
    fn first_sight(&mut self, value: u32) -> bool {
        let slot = &mut self.seen[value as usize];
        let first = !*slot;
        *slot = true;
        first
    }

    /// Sends `value` on every link except the one leading to `skip`, each
    /// after its own random latency.
    fn forward(&self, value: u32, skip: Option<u32>, cx: &Context<Self>, env: &mut NodeEnv) {
        for (link, &peer) in self.peers.iter().enumerate() {
            if Some(peer) != skip {
                cx.schedule_event(env.latency(), schedulable!(Self::transmit), (link, value))
                    .expect("latency is positive, so the deadline is in the future");
            }
        }
    }
}

/// Floods `values` values through a `nodes`-node network and returns the
/// number of delivered messages (same workload and count as `bare::flood`).
///
/// Value `v` is injected at time `(v + 1)` ms at a uniformly random node. A
/// node that sees a value for the first time sends it to all its neighbours
/// except the one it came from; a value it has already seen is dropped.
pub fn flood(nodes: usize, values: u32, topology: Topology, seed: u64) -> u64 {
    let n = u32::try_from(nodes).expect("too many nodes");

    // Harness randomness, same draw order as bare.rs: topology, then the
    // injection site of every value.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let neighbours = neighbour_lists(n, topology, &mut rng);
    let sites: Vec<u32> = (0..values).map(|_| rng.random_range(0..n)).collect();

    // One model and one mailbox per node.
    let mailboxes: Vec<Mailbox<FloodNode>> = (0..n).map(|_| Mailbox::new()).collect();
    let mut models: Vec<FloodNode> = neighbours
        .into_iter()
        .zip(0..n)
        .map(|(peers, id)| FloodNode {
            id,
            links: Vec::with_capacity(peers.len()),
            peers,
            seen: vec![false; values as usize],
            delivered: 0,
        })
        .collect();

    // Wire every link: an output port of the sender to the peer's `receive`.
    for model in &mut models {
        for &peer in &model.peers {
            let mut link = Output::default();
            link.connect(FloodNode::receive, &mailboxes[peer as usize]);
            model.links.push(link);
        }
    }

    // Endpoints: an injection source and a counter query for every node.
    let mut bench = SimInit::with_num_threads(1);
    let mut inject_ids = Vec::with_capacity(nodes);
    let mut count_ids = Vec::with_capacity(nodes);
    for mbox in &mailboxes {
        let inject = EventSource::new().connect(FloodNode::inject, mbox).register(&mut bench);
        let count = QuerySource::new().connect(FloodNode::delivered, mbox).register(&mut bench);
        inject_ids.push(inject);
        count_ids.push(count);
    }

    for (model, mbox) in models.into_iter().zip(mailboxes) {
        let id = model.id;
        let proto = Proto { model, env: NodeEnv::new(seed, id) };
        bench = bench.add_model(proto, mbox, &format!("node{id}"));
    }

    let mut simu = bench.init(MonotonicTime::EPOCH).expect("nexosim: initialisation failed");

    // Schedule the injections, then run until the network is quiet.
    let scheduler = simu.scheduler();
    for (value, &site) in (0..values).zip(&sites) {
        let at = INJECT_SPACING * (value + 1);
        scheduler
            .schedule_event(at, &inject_ids[site as usize], value)
            .expect("injection times are in the future");
    }
    simu.run().expect("nexosim: run failed");

    count_ids.iter().map(|id| simu.process_query(id, ()).expect("nexosim: query")).sum()
}

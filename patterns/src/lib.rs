//! # weft-patterns: distributed-system design patterns as node code
//!
//! Each pattern is one module, laid out the same way: a header that teaches
//! the idea, then its roles, messages, observations, invariants and metrics. The node types
//! run on [`weft_sim`]; scenarios (in `weft-scenarios`) put them in a network
//! and break it.
//!
//! | module | pattern |
//! | --- | --- |
//! | [`ping_pong`] | two nodes, one message in flight: the hello world |
//! | [`flood`] | broadcast by flooding: every node forwards what is new to it |
//! | [`leader_election`] | Raft's election: terms, randomized timeouts, one durable vote per term |
//! | [`ownership_election`] | one owner at a time: leases from a lock service, fencing tokens at the resource |
//! | [`replication`] | a leader-follower replicated log (Raft) under a key-value store |
//! | [`sharding`] | a sharded key-value store: consistent hashing, a router (the ambassador), resharding |
//! | [`scatter_gather`] | a root fans a query out to shards and merges their parts by a deadline |
//!
//! Shared by the patterns: [`check`] (what a property's breach looks like),
//! [`client`] (a client's planned requests) and [`history`] (client
//! histories, for linearizability checking).
//!
//! Architecture invariant: patterns never read the wall clock, spawn threads
//! or iterate hash maps; everything they do goes through their `Ctx`.

pub mod check;
pub mod client;
/// Client histories live in `weft-check`, beside the checker that reads them.
pub use weft_check::history;

pub mod flood;
pub mod leader_election;
pub mod ownership_election;
pub mod ping_pong;
pub mod replication;
pub mod scatter_gather;
pub mod sharding;

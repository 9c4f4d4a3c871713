//! The three roles, as one node type: the engine runs one type per
//! simulation, so the roles are variants of [`OwnershipElection`].

use weft_sim::{Ctx, Node, NodeId};

use super::{Config, Message, Observation, Timer, Token};

mod contender;
mod lock_service;
mod resource;

pub use contender::Contender;
pub use lock_service::{LockService, StoreDisk};
pub use resource::{Resource, ResourceDisk};

/// A node of the pattern.
#[derive(Debug)]
pub enum OwnershipElection {
    /// The key-value store with compare-and-swap and TTLs.
    LockService(LockService),
    /// A replica that wants to own the work.
    Contender(Contender),
    /// The guarded storage, which checks fencing tokens.
    Resource(Resource),
}

/// What a node keeps on disk, by role. It starts `Blank`; each role claims
/// it on its first start.
#[derive(Debug, Default)]
pub enum Disk {
    /// Nothing written yet.
    #[default]
    Blank,
    /// The lock service's store and revision counter.
    LockService(StoreDisk),
    /// A contender's incarnation number.
    Contender {
        /// How many times it has started.
        incarnation: u64,
    },
    /// The resource's data and highest accepted token.
    Resource(ResourceDisk),
}

impl OwnershipElection {
    /// A lock service.
    pub fn lock_service() -> OwnershipElection {
        OwnershipElection::LockService(LockService::new())
    }

    /// A contender that asks `service` for the lock and writes to
    /// `resource` while it holds it.
    pub fn contender(config: Config, service: NodeId, resource: NodeId) -> OwnershipElection {
        OwnershipElection::Contender(Contender::new(config, service, resource))
    }

    /// The guarded resource; `fencing = false` makes it accept any token.
    pub fn resource(fencing: bool) -> OwnershipElection {
        OwnershipElection::Resource(Resource::new(fencing))
    }

    /// The resource's highest accepted token (`None` for other roles, or
    /// before the first write).
    pub fn highest_accepted(&self) -> Option<Token> {
        match self {
            OwnershipElection::Resource(r) => r.highest_accepted(),
            _ => None,
        }
    }

    /// The token of the lease this contender believes it holds.
    pub fn believed_token(&self) -> Option<Token> {
        match self {
            OwnershipElection::Contender(c) => c.believed_token(),
            _ => None,
        }
    }
}

impl Node for OwnershipElection {
    type Message = Message;
    type Timer = Timer;
    type Observation = Observation;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            OwnershipElection::LockService(s) => s.on_start(ctx),
            OwnershipElection::Contender(c) => c.on_start(ctx),
            OwnershipElection::Resource(r) => r.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, Self>) {
        match self {
            OwnershipElection::LockService(s) => s.on_message(from, msg, ctx),
            OwnershipElection::Contender(c) => c.on_message(from, msg, ctx),
            OwnershipElection::Resource(r) => r.on_message(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            OwnershipElection::LockService(s) => s.on_timer(timer, ctx),
            OwnershipElection::Contender(c) => c.on_timer(timer, ctx),
            // The resource sets no timers.
            OwnershipElection::Resource(_) => {}
        }
    }
}

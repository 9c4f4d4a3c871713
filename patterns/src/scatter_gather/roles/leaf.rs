//! A leaf: holds one replica of one shard, and answers searches on it.

use weft_sim::{Ctx, NodeId};

use super::ScatterGather;
use crate::scatter_gather::{Message, Observation, ShardId, matches};

/// A shard holder. Its service time is the role's `processing` latency (the
/// engine makes a busy leaf queue what arrives), or a `slow` fault's.
#[derive(Debug)]
pub struct Leaf {
    shard: ShardId,
}

/// Counter: searches for a shard this leaf does not hold (a misrouting root).
const MISROUTED: &str = "misrouted_searches";

impl Leaf {
    /// The leaf holding `shard`.
    pub fn new(shard: ShardId) -> Leaf {
        Leaf { shard }
    }

    /// The shard it holds.
    pub fn shard(&self) -> ShardId {
        self.shard
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx<'_, ScatterGather>) {
        let Message::Search { gather, query, shard } = msg else {
            // Only the root talks to leaves, and only with searches.
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        };
        if shard != self.shard {
            // Answering for a shard it does not hold would be a wrong part;
            // staying silent makes it a missing one, which the answer names.
            ctx.metrics().count(MISROUTED);
            return;
        }
        ctx.emit(Observation::Served { query, shard });
        ctx.send(from, Message::Part { gather, shard, matches: matches(query, shard) });
    }
}

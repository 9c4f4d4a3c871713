//! The guarded resource: storage that checks fencing tokens. It is the last
//! line of defence, and the only one that does not depend on clocks: it
//! compares numbers.

use weft_sim::{Ctx, NodeId};

use super::{Disk, OwnershipElection};
use crate::ownership_election::{Message, Observation, Token, metrics};

/// The resource's disk: the highest token it has accepted (kept durably, or
/// a restarted resource would accept a stale token again) and its data.
#[derive(Debug, Default)]
pub struct ResourceDisk {
    /// The highest token accepted so far.
    pub highest: Option<Token>,
    /// The last value written, and by which token.
    pub last_write: Option<(Token, u64)>,
}

/// The resource's configuration (its state is all on disk).
#[derive(Debug)]
pub struct Resource {
    /// False in the broken variant: every token is accepted.
    fencing: bool,
    /// A copy of the disk's highest token, for inspection.
    highest: Option<Token>,
}

type Ctx_<'a> = Ctx<'a, OwnershipElection>;

fn disk<'c>(ctx: &'c mut Ctx_<'_>) -> &'c mut ResourceDisk {
    let disk = ctx.durable();
    if matches!(disk, Disk::Blank) {
        *disk = Disk::Resource(ResourceDisk::default());
    }
    match disk {
        Disk::Resource(d) => d,
        other => unreachable!("the resource's disk holds another role's data: {other:?}"),
    }
}

impl Resource {
    /// A resource; `fencing = false` makes it accept any token.
    pub fn new(fencing: bool) -> Resource {
        Resource { fencing, highest: None }
    }

    /// The highest token accepted so far.
    pub fn highest_accepted(&self) -> Option<Token> {
        self.highest
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx_<'_>) {
        self.highest = disk(ctx).highest;
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Message, ctx: &mut Ctx_<'_>) {
        let Message::Write { request, token, value } = msg else {
            ctx.metrics().count(crate::check::UNEXPECTED_MESSAGES);
            return;
        };
        let fencing = self.fencing;
        let disk = disk(ctx);
        let stale = disk.highest.is_some_and(|highest| token < highest);
        let accepted = !(fencing && stale);
        if accepted {
            disk.highest = Some(disk.highest.map_or(token, |h| h.max(token)));
            disk.last_write = Some((token, value));
        }
        let highest = disk.highest.expect("set by this write or an earlier one");
        self.highest = Some(highest);
        if accepted {
            ctx.emit(Observation::Accepted { writer: from, token });
            ctx.metrics().count(metrics::WRITES_ACCEPTED);
        } else {
            ctx.emit(Observation::Rejected { writer: from, token, highest });
            ctx.metrics().count(metrics::STALE_WRITES_REJECTED);
        }
        ctx.send(from, Message::WriteReply { request, token, accepted, highest });
    }
}

//! What election nodes tell the world. The checker and the explorer read
//! these, never the nodes' memory.

use serde::Serialize;
use weft_sim::NodeId;

use super::Term;

/// A change in a node's election state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// The node (re)started, with this term and vote read from its storage
    /// (term 0 and no vote when the storage is volatile or empty).
    Started {
        /// The term it starts in.
        term: Term,
        /// Whom it remembers voting for in that term.
        voted_for: Option<NodeId>,
    },
    /// The node stands for election in `term`, and votes for itself.
    BecameCandidate {
        /// The new term.
        term: Term,
    },
    /// The node voted for `candidate` in `term` (after storing the vote, if
    /// its storage is durable).
    Voted {
        /// The term.
        term: Term,
        /// Whom it voted for.
        candidate: NodeId,
    },
    /// The node won a majority: it leads `term`.
    BecameLeader {
        /// The term it leads.
        term: Term,
    },
    /// The node saw a newer term and gave up leading or standing (or
    /// forgot the leader it followed): it is a follower of `term` with no
    /// leader yet.
    SteppedDown {
        /// The newer term.
        term: Term,
    },
    /// The node heard from the leader of `term` for the first time.
    Follows {
        /// The term.
        term: Term,
        /// Its leader.
        leader: NodeId,
    },
}

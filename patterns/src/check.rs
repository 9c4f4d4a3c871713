//! What a pattern's checker reports when a property breaks.
//!
//! Every pattern has an `invariants` module: a checker that folds over the
//! observations its nodes emit (never over node internals, which a real
//! system would not let you see) and reports a [`Breach`] the moment an
//! *always*-property stops holding. *Eventually*-properties are asked of the
//! checker at a moment the scenario names, and answer with a message.

use std::fmt;

/// An always-property that stopped holding, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    /// The property's name, as scenario files spell it.
    pub property: &'static str,
    /// What happened, in one sentence a student can follow.
    pub message: String,
}

impl Breach {
    /// A breach of `property`.
    pub fn new(property: &'static str, message: impl Into<String>) -> Breach {
        Breach { property, message: message.into() }
    }
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.property, self.message)
    }
}

/// Counter, in every pattern: messages a role received that it has no
/// handler for (a request sent to the wrong role). Always zero unless the
/// pattern's code has a bug, so it is not among any pattern's declared
/// counters: it shows up only when it counts something.
pub const UNEXPECTED_MESSAGES: &str = "unexpected_messages";

//! The state machine: a key-value store that applies each request once.
//!
//! A client that times out retries with the *same* request id, and the
//! retry may be appended to the log a second time (the first copy may be
//! committed already, or about to be). So the store keeps a *session* per
//! client: the id of the last request it applied and its result. An entry
//! with that id again is a duplicate: not applied, answered from the
//! session. (Raft dissertation §6.3. A client has one request in flight at a
//! time, so the last one is all a session needs.)

use std::collections::BTreeMap;

use super::messages::Operation;

/// The store and the clients' sessions. Every replica applies the same
/// committed entries in the same order, so every replica's store passes
/// through the same states.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvStore {
    values: BTreeMap<String, String>,
    /// Per client: the last request id applied, and what it returned.
    sessions: BTreeMap<u32, (u64, Option<String>)>,
}

/// What applying a request did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied now, with this result (a `get`'s value; `None` for writes).
    Fresh(Option<String>),
    /// Applied before; this is the result it had then.
    Duplicate(Option<String>),
    /// An older request of a client that has moved on: ignored, and nobody
    /// is waiting for its answer.
    Stale,
}

impl KvStore {
    /// Applies `op`, request `request` of `client`, unless it was applied
    /// already.
    pub fn apply(&mut self, client: u32, request: u64, op: &Operation) -> Applied {
        if let Some((last, result)) = self.sessions.get(&client) {
            if request == *last {
                return Applied::Duplicate(result.clone());
            }
            if request < *last {
                return Applied::Stale;
            }
        }
        let result = match op {
            Operation::Get { key } => self.values.get(key).cloned(),
            Operation::Put { key, value } => {
                self.values.insert(key.clone(), value.clone());
                None
            }
            Operation::Append { key, value } => {
                // Plain concatenation (Redis' APPEND), as the checker's `kv`
                // model defines it; clients end each value with `;` so the
                // list stays readable.
                self.values.entry(key.clone()).or_default().push_str(value);
                None
            }
        };
        self.sessions.insert(client, (request, result.clone()));
        Applied::Fresh(result)
    }

    /// The result of `client`'s request `request`, if it is the last one
    /// applied for that client.
    pub fn answered(&self, client: u32, request: u64) -> Option<Option<String>> {
        self.sessions.get(&client).filter(|(last, _)| *last == request).map(|(_, r)| r.clone())
    }

    /// True if `client`'s request `request` (or a later one) was applied.
    pub fn has_applied(&self, client: u32, request: u64) -> bool {
        self.sessions.get(&client).is_some_and(|(last, _)| *last >= request)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retried_request_applies_once() {
        let mut kv = KvStore::default();
        let append = |v: &str| Operation::Append { key: "k".into(), value: v.into() };
        assert_eq!(kv.apply(0, 1, &append("c0-r1;")), Applied::Fresh(None));
        assert_eq!(kv.apply(0, 1, &append("c0-r1;")), Applied::Duplicate(None));
        assert_eq!(kv.apply(1, 1, &append("c1-r1;")), Applied::Fresh(None));
        assert_eq!(kv.get("k"), Some("c0-r1;c1-r1;"));
        let get = Operation::Get { key: "k".into() };
        assert_eq!(kv.apply(0, 2, &get), Applied::Fresh(Some("c0-r1;c1-r1;".into())));
        assert_eq!(kv.apply(0, 1, &append("c0-r1;")), Applied::Stale);
        assert_eq!(kv.get("k"), Some("c0-r1;c1-r1;"), "the stale copy changed nothing");
        assert_eq!(kv.answered(0, 2), Some(Some("c0-r1;c1-r1;".into())));
        assert!(kv.has_applied(0, 1) && !kv.has_applied(1, 2));
    }
}

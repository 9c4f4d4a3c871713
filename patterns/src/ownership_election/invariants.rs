//! The pattern's properties, checked from observations alone.
//!
//! - [`NO_STALE_TOKEN_ACCEPTED`] (always): the resource's `Accepted` tokens
//!   never go below the highest it accepted before. This is fencing's
//!   promise, judged from the resource's own reports.
//! - [`ONE_HOLDER_ACTS_AT_A_TIME`] (always): every `Acting { token: t }` of
//!   contender `c` at true time `a` lies inside the lease the lock service
//!   granted: the service has emitted `Granted { holder: c, token: t }`, it
//!   has not emitted `Expired` for `t` (nor granted a newer token), and `a`
//!   is less than `ttl` after the service's latest `Granted` or `Renewed` of
//!   `t`. The service grants a new token only after expiring the old one,
//!   so the leases' true-time intervals are disjoint, and with them the
//!   moments at which different holders start acting. (Writes can still
//!   land late, after a pause: that is what the first property is for.) The
//!   service's tokens must also strictly increase.
//! - [`A_HOLDER_EMERGES`] (eventually): a contender holds a live lease and
//!   the resource has accepted a write under its token (since `within`
//!   before the moment of judgement, when the scenario gives `within`).

use std::time::Duration;

use weft_sim::{NodeId, SimTime};

use super::{Observation, Token};
use crate::check::Breach;

/// Property: the resource never accepts a token below the highest it has
/// accepted.
pub const NO_STALE_TOKEN_ACCEPTED: &str = "no-stale-token-accepted";
/// Property: a contender acts only inside the lease the service granted it,
/// so two holders never act at once.
pub const ONE_HOLDER_ACTS_AT_A_TIME: &str = "one-holder-acts-at-a-time";
/// Property: some contender ends up holding the lease and writing.
pub const A_HOLDER_EMERGES: &str = "a-holder-emerges";

/// A lease live at the lock service, as its observations tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveLease {
    /// The holder.
    pub holder: NodeId,
    /// Its token.
    pub token: Token,
    /// When (true time) the service last granted or renewed it.
    pub refreshed_at: SimTime,
    /// For how long.
    pub ttl: Duration,
    /// When it was first granted.
    pub granted_at: SimTime,
}

/// Folds observations and judges the properties.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// The nodes' names (node `i` is `names[i]`), for messages.
    names: Vec<String>,
    /// The lease live at the service, if any.
    live: Option<LiveLease>,
    /// The newest token the service granted.
    newest_granted: Option<Token>,
    /// The highest token the resource accepted.
    highest_accepted: Option<Token>,
    /// The latest accepted write: when, and its token.
    last_accepted: Option<(SimTime, Token)>,
    /// Total true time with a live lease, over closed leases.
    held: Duration,
    /// The stretches without a live lease that ended, the one before the
    /// first grant included.
    vacancies: Vec<Duration>,
    /// When the current stretch without a lease started.
    vacant_since: SimTime,
    /// The time between each accepted write and the one before it.
    write_gaps: Vec<Duration>,
}

impl Checker {
    /// A checker that has seen nothing, of nodes called `names` (node `i`
    /// is `names[i]`).
    pub fn new(names: Vec<String>) -> Checker {
        Checker { names, ..Checker::default() }
    }

    /// The name of `node`, as the scenario calls it.
    fn name(&self, node: NodeId) -> &str {
        self.names.get(node.index()).map_or("?", String::as_str)
    }

    /// Folds one observation by `node` at true time `time`; `Err` when an
    /// always-property breaks.
    pub fn observe(&mut self, time: SimTime, node: NodeId, observation: &Observation) -> Result<(), Breach> {
        match *observation {
            Observation::Granted { holder, token, ttl } => {
                if let Some(newest) = self.newest_granted
                    && token <= newest
                {
                    return Err(Breach::new(
                        ONE_HOLDER_ACTS_AT_A_TIME,
                        format!(
                            "the lock service granted {token} to {} after it had granted {newest}: tokens must grow",
                            self.name(holder)
                        ),
                    ));
                }
                self.newest_granted = Some(token);
                if let Some(live) = self.live {
                    return Err(Breach::new(
                        ONE_HOLDER_ACTS_AT_A_TIME,
                        format!(
                            "the lock service granted {token} to {} while {} of {} was still live",
                            self.name(holder),
                            live.token,
                            self.name(live.holder)
                        ),
                    ));
                }
                self.vacancies.push(time.saturating_since(self.vacant_since));
                self.live = Some(LiveLease { holder, token, refreshed_at: time, ttl, granted_at: time });
            }
            Observation::Renewed { token, ttl, .. } => {
                if let Some(live) = self.live.as_mut()
                    && live.token == token
                {
                    live.refreshed_at = time;
                    live.ttl = ttl;
                }
            }
            Observation::Expired { token, .. } => {
                if let Some(live) = self.live
                    && live.token == token
                {
                    self.held += time.saturating_since(live.granted_at);
                    self.vacant_since = time;
                    self.live = None;
                }
            }
            Observation::Acting { token, .. } => {
                let inside = self.live.filter(|l| l.holder == node && l.token == token);
                match inside {
                    None => {
                        let why = match self.live {
                            Some(l) => format!("the live lease is {} of {}", l.token, self.name(l.holder)),
                            None => "no lease is live at the lock service".to_string(),
                        };
                        return Err(Breach::new(
                            ONE_HOLDER_ACTS_AT_A_TIME,
                            format!("{} acted with {token} at {time}, but {why}", self.name(node)),
                        ));
                    }
                    Some(l) if time >= l.refreshed_at.saturating_add(l.ttl) => {
                        return Err(Breach::new(
                            ONE_HOLDER_ACTS_AT_A_TIME,
                            format!(
                                "{} acted with {token} at {time}, after its lease's TTL ({:?} from {}) ran out",
                                self.name(node),
                                l.ttl,
                                l.refreshed_at
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Observation::Accepted { writer, token } => {
                let highest = self.highest_accepted;
                self.highest_accepted = Some(highest.map_or(token, |h| h.max(token)));
                if let Some((previous, _)) = self.last_accepted {
                    self.write_gaps.push(time.saturating_since(previous));
                }
                self.last_accepted = Some((time, token));
                if let Some(highest) = highest
                    && token < highest
                {
                    return Err(Breach::new(
                        NO_STALE_TOKEN_ACCEPTED,
                        format!(
                            "the resource accepted a write by {} with {token} after accepting {highest}",
                            self.name(writer)
                        ),
                    ));
                }
            }
            Observation::Rejected { .. } | Observation::Acquired { .. } | Observation::LostLease { .. } => {}
        }
        Ok(())
    }

    /// Judges [`A_HOLDER_EMERGES`] at `now`: a live lease, and a write
    /// accepted under its token (at or after `since`, if given).
    pub fn holder_emerged(&self, since: Option<SimTime>) -> Result<(), String> {
        let Some(live) = self.live else {
            return Err("no contender holds a live lease at the lock service".to_string());
        };
        match self.last_accepted {
            Some((at, token)) if token == live.token && since.is_none_or(|s| at >= s) => Ok(()),
            Some((at, token)) => Err(format!(
                "{} holds {}, but the resource's last accepted write was with {token} at {at}",
                self.name(live.holder),
                live.token
            )),
            None => Err(format!(
                "{} holds {}, but the resource has accepted no write",
                self.name(live.holder),
                live.token
            )),
        }
    }

    /// The contender holding the live lease at the service: the target of
    /// faults aimed at `"leader"`.
    pub fn holder(&self) -> Option<NodeId> {
        self.live.map(|l| l.holder)
    }

    /// The fraction of `[0, now]` with a live lease at the service.
    pub fn held_fraction(&self, now: SimTime) -> f64 {
        let held = self.held + self.live.map_or(Duration::ZERO, |l| now.saturating_since(l.granted_at));
        if now == SimTime::ZERO { 0.0 } else { held.as_secs_f64() / now.since_start().as_secs_f64() }
    }

    /// The stretches of `[0, now]` without a live lease at the service, in
    /// order: from the start of the run to the first grant, from each expiry
    /// to the next grant, and one still open at `now`.
    pub fn times_without_holder(&self, now: SimTime) -> Vec<Duration> {
        let open = self.live.is_none().then(|| now.saturating_since(self.vacant_since));
        self.vacancies.iter().copied().chain(open).collect()
    }

    /// The time between each write the resource accepted and the one
    /// before it, in order: the work's cadence, and its stalls.
    pub fn times_between_writes(&self) -> &[Duration] {
        &self.write_gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: NodeId = NodeId::new(0);
    const A: NodeId = NodeId::new(1);
    const B: NodeId = NodeId::new(2);
    const RESOURCE: NodeId = NodeId::new(4);
    const TTL: Duration = Duration::from_secs(1);

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    fn granted(holder: NodeId, token: u64) -> Observation {
        Observation::Granted { holder, token: Token(token), ttl: TTL }
    }

    fn acting(token: u64) -> Observation {
        Observation::Acting { token: Token(token), lease_left: Duration::from_millis(500) }
    }

    fn accepted(writer: NodeId, token: u64) -> Observation {
        Observation::Accepted { writer, token: Token(token) }
    }

    fn run(events: &[(SimTime, NodeId, Observation)]) -> Result<Checker, Breach> {
        let names = ["lock-service", "contender-0", "contender-1", "contender-2", "resource"];
        let mut checker = Checker::new(names.map(String::from).to_vec());
        for (time, node, obs) in events {
            checker.observe(*time, *node, obs)?;
        }
        Ok(checker)
    }

    #[test]
    fn a_clean_failover_holds() {
        let checker = run(&[
            (ms(10), SERVICE, granted(A, 1)),
            (ms(11), A, acting(1)),
            (ms(50), RESOURCE, accepted(A, 1)),
            (ms(300), SERVICE, Observation::Renewed { holder: A, token: Token(1), ttl: TTL }),
            (ms(1200), A, acting(1)),
            (ms(1300), SERVICE, Observation::Expired { holder: A, token: Token(1) }),
            (ms(1400), SERVICE, granted(B, 2)),
            (ms(1401), B, acting(2)),
            (ms(1500), RESOURCE, accepted(B, 2)),
            (ms(1600), RESOURCE, Observation::Rejected { writer: A, token: Token(1), highest: Token(2) }),
        ])
        .expect("holds");
        assert_eq!(checker.holder(), Some(B));
        assert_eq!(checker.holder_emerged(Some(ms(1450))), Ok(()));
        assert!(checker.holder_emerged(Some(ms(1550))).is_err(), "no write since 1.55 s");
        // Before the first grant, and between the expiry and the next one.
        assert_eq!(
            checker.times_without_holder(ms(1500)),
            [ms(10).since_start(), Duration::from_millis(100)]
        );
        assert_eq!(
            checker.times_between_writes(),
            [Duration::from_millis(1450)],
            "the first write has nothing before it"
        );
    }

    #[test]
    fn a_stale_accepted_write_is_a_breach() {
        let breach = run(&[
            (ms(10), RESOURCE, accepted(A, 1)),
            (ms(20), RESOURCE, accepted(B, 2)),
            (ms(30), RESOURCE, accepted(B, 2)),
            (ms(40), RESOURCE, accepted(A, 1)),
        ])
        .expect_err("token 1 after token 2");
        assert_eq!(breach.property, NO_STALE_TOKEN_ACCEPTED);
        // Nodes go by the names the scenario gives them, as in the trace.
        assert!(breach.message.contains("a write by contender-0 with"), "{}", breach.message);
    }

    #[test]
    fn acting_after_the_lease_expired_is_a_breach() {
        let breach = run(&[
            (ms(10), SERVICE, granted(A, 1)),
            (ms(1010), SERVICE, Observation::Expired { holder: A, token: Token(1) }),
            (ms(1020), A, acting(1)),
        ])
        .expect_err("acted after Expired");
        assert_eq!(breach.property, ONE_HOLDER_ACTS_AT_A_TIME);
    }

    #[test]
    fn acting_past_the_ttl_before_the_service_noticed_is_a_breach() {
        let breach = run(&[(ms(10), SERVICE, granted(A, 1)), (ms(1010), A, acting(1))])
            .expect_err("1 s after the grant, with no renewal");
        assert_eq!(breach.property, ONE_HOLDER_ACTS_AT_A_TIME);
    }

    #[test]
    fn acting_with_someone_elses_token_or_an_old_one_is_a_breach() {
        let old = run(&[
            (ms(10), SERVICE, granted(A, 1)),
            (ms(1010), SERVICE, Observation::Expired { holder: A, token: Token(1) }),
            (ms(1100), SERVICE, granted(B, 2)),
            (ms(1200), A, acting(1)),
        ]);
        assert_eq!(old.expect_err("old token").property, ONE_HOLDER_ACTS_AT_A_TIME);
        let stolen = run(&[(ms(10), SERVICE, granted(A, 1)), (ms(20), B, acting(1))]);
        assert_eq!(stolen.expect_err("B never held token 1").property, ONE_HOLDER_ACTS_AT_A_TIME);
        let unheld = run(&[(ms(20), B, acting(1))]);
        assert_eq!(unheld.expect_err("nothing granted").property, ONE_HOLDER_ACTS_AT_A_TIME);
    }

    #[test]
    fn a_service_that_grants_twice_or_reissues_a_token_is_a_breach() {
        let twice = run(&[(ms(10), SERVICE, granted(A, 1)), (ms(20), SERVICE, granted(B, 2))]);
        assert_eq!(twice.expect_err("1 still live").property, ONE_HOLDER_ACTS_AT_A_TIME);
        let reissued = run(&[
            (ms(10), SERVICE, granted(A, 2)),
            (ms(1010), SERVICE, Observation::Expired { holder: A, token: Token(2) }),
            (ms(1100), SERVICE, granted(B, 2)),
        ]);
        assert_eq!(reissued.expect_err("token 2 again").property, ONE_HOLDER_ACTS_AT_A_TIME);
    }

    #[test]
    fn no_holder_or_no_write_means_no_holder_emerged() {
        assert!(Checker::new(Vec::new()).holder_emerged(None).is_err());
        let checker = run(&[(ms(10), SERVICE, granted(A, 1))]).expect("holds");
        assert!(checker.holder_emerged(None).expect_err("no write yet").contains("no write"));
    }
}

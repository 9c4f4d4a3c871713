//! The network of a scenario: its shape, its groups, and how its links
//! behave.
//!
//! Every link starts as `[network]` says. Groups (data centres, racks) then
//! set the links *inside* each group, and `[[network.links]]` rules set the
//! links between two sets of nodes, in the order written: a later rule wins.
//! A rule only changes the fields it names; the rest come from what the link
//! was before.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_sim::{Latency, LinkModel, NodeId, SimBuilder, Topology};

/// Changes to a link model: each field, if set, replaces the base's.
#[derive(Clone, Debug, Default)]
pub struct LinkPatch {
    /// The latency distribution.
    pub latency: Option<Latency>,
    /// The loss probability.
    pub loss: Option<f64>,
    /// The duplication probability.
    pub duplicate: Option<f64>,
    /// FIFO delivery.
    pub fifo: Option<bool>,
    /// Bandwidth in bytes per second.
    pub bandwidth_bytes_per_sec: Option<u64>,
}

impl LinkPatch {
    /// `base` with this patch's fields put in.
    pub fn apply(&self, base: &LinkModel) -> LinkModel {
        let mut model = base.clone();
        if let Some(latency) = &self.latency {
            model.latency = latency.clone();
        }
        if let Some(loss) = self.loss {
            model.loss_probability = loss;
        }
        if let Some(duplicate) = self.duplicate {
            model.duplicate_probability = duplicate;
        }
        if let Some(fifo) = self.fifo {
            model.fifo = fifo;
        }
        if let Some(bandwidth) = self.bandwidth_bytes_per_sec {
            model.bandwidth_bytes_per_sec = Some(bandwidth);
        }
        model
    }

    /// The degradation a nemesis applies: slow (50–500 ms) and lossy (20%).
    pub fn degraded() -> LinkPatch {
        let latency = Latency::uniform(Duration::from_millis(50), Duration::from_millis(500))
            .expect("50ms..500ms is a valid range");
        LinkPatch { latency: Some(latency), loss: Some(0.2), ..LinkPatch::default() }
    }
}

/// A named set of nodes with its own links inside.
#[derive(Clone, Debug)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Its members.
    pub members: Vec<NodeId>,
    /// How links between two members differ from the default.
    pub inside: LinkPatch,
}

/// A rule for the links between two sets of nodes.
#[derive(Clone, Debug)]
pub struct LinkRule {
    /// One end.
    pub a: Vec<NodeId>,
    /// The other end.
    pub b: Vec<NodeId>,
    /// How those links differ.
    pub patch: LinkPatch,
}

/// The network of a scenario.
#[derive(Clone, Debug)]
pub struct Network {
    /// Who is linked to whom.
    pub topology: Topology,
    /// The model of every link no group or rule changes.
    pub default: LinkModel,
    /// Named groups of nodes.
    pub groups: Vec<Group>,
    /// Rules for particular links, in the order written.
    pub rules: Vec<LinkRule>,
}

impl Network {
    /// Every link whose model differs from the default, each pair once
    /// (`a < b`; links are symmetric), with its model.
    pub fn configured_links(&self) -> BTreeMap<(NodeId, NodeId), LinkModel> {
        let mut links: BTreeMap<(NodeId, NodeId), LinkModel> = BTreeMap::new();
        let group_rules = self.groups.iter().map(|g| (g.members.as_slice(), g.members.as_slice(), &g.inside));
        let link_rules = self.rules.iter().map(|r| (r.a.as_slice(), r.b.as_slice(), &r.patch));
        for (a, b, patch) in group_rules.chain(link_rules) {
            for &x in a {
                for &y in b.iter().filter(|y| **y != x) {
                    let key = (x.min(y), x.max(y));
                    let base = links.get(&key).unwrap_or(&self.default);
                    let model = patch.apply(base);
                    links.insert(key, model);
                }
            }
        }
        links
    }

    /// Puts this network into a simulation builder.
    pub fn configure<N: weft_sim::Node, Q: weft_sim::queue::QueueKind>(
        &self,
        builder: SimBuilder<N, Q>,
    ) -> SimBuilder<N, Q> {
        let mut builder = builder.topology(self.topology.clone()).link(self.default.clone());
        for ((a, b), model) in self.configured_links() {
            builder = builder.link_between(a, b, model);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Latency {
        Latency::constant(Duration::from_millis(n))
    }

    #[test]
    fn later_rules_win_and_keep_what_they_do_not_name() {
        let n = |i| NodeId::new(i);
        let network = Network {
            topology: Topology::Mesh,
            default: LinkModel::new(ms(1)).loss(0.5),
            groups: vec![Group {
                name: "east".into(),
                members: vec![n(0), n(1)],
                inside: LinkPatch { latency: Some(ms(2)), ..Default::default() },
            }],
            rules: vec![LinkRule {
                a: vec![n(1)],
                b: vec![n(0), n(2)],
                patch: LinkPatch { loss: Some(0.0), ..Default::default() },
            }],
        };
        let links = network.configured_links();
        let l01 = &links[&(n(0), n(1))];
        assert_eq!((l01.latency.to_string(), l01.loss_probability), ("constant 2ms".into(), 0.0));
        let l12 = &links[&(n(1), n(2))];
        assert_eq!((l12.latency.to_string(), l12.loss_probability), ("constant 1ms".into(), 0.0));
        assert!(!links.contains_key(&(n(0), n(2))), "untouched links stay default");
    }
}

//! Who can talk to whom.
//!
//! A [`Topology`] is a *description* ("a ring", "a 3-regular random graph");
//! the engine resolves it into [`Adjacency`] once, when the run is built, using
//! the run's setup random stream. The full mesh, the default, is held
//! implicitly: asking whether two nodes are linked is a comparison, not a
//! lookup in `n²` edges.

use std::collections::BTreeSet;

use petgraph::graph::{NodeIndex, UnGraph};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::NodeId;

/// The shape of the network. Links are bidirectional.
///
/// ```
/// use weft_sim::{NodeId, Topology, rng::{stream_rng, Stream}};
///
/// let ring = Topology::Ring.resolve(5, &mut stream_rng(0, Stream::Setup))?;
/// let n0: Vec<_> = ring.neighbours(NodeId::new(0)).collect();
/// assert_eq!(n0, [NodeId::new(1), NodeId::new(4)]);
/// assert!(!ring.is_linked(NodeId::new(0), NodeId::new(2)));
/// # Ok::<(), weft_sim::TopologyError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Topology {
    /// Every node linked to every other (held implicitly).
    #[default]
    Mesh,
    /// Node `i` linked to `i-1` and `i+1`, wrapping around.
    Ring,
    /// Node 0 in the centre, linked to every other node.
    Star,
    /// Node `i` linked to `i-1` and `i+1`, not wrapping.
    Line,
    /// Nodes in rows of `columns`, each linked to its 4 neighbours.
    Grid {
        /// Nodes per row.
        columns: u32,
    },
    /// A uniformly random simple graph where every node has `degree`
    /// neighbours (drawn from the run's setup stream).
    RandomRegular {
        /// Neighbours per node.
        degree: u32,
    },
    /// A ring plus a random perfect matching: a 3-regular graph with a small
    /// diameter, cheap to build for huge node counts. Needs an even count.
    RingWithMatching,
    /// Exactly these links.
    Edges(Vec<(NodeId, NodeId)>),
}

/// A topology could not be built for this many nodes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// An explicit edge names a node that does not exist.
    #[error("edge ({0}, {1}) names a node outside 0..{2}")]
    UnknownNode(NodeId, NodeId, usize),
    /// A random-regular graph of that degree cannot exist on that many nodes.
    #[error("no {degree}-regular graph on {nodes} nodes (need degree < nodes and nodes*degree even)")]
    ImpossibleRegular {
        /// Requested degree.
        degree: u32,
        /// Node count.
        nodes: usize,
    },
    /// A grid needs at least one column.
    #[error("a grid needs at least one column")]
    EmptyGrid,
}

impl Topology {
    /// Resolves this description for `nodes` nodes, drawing any randomness
    /// from `rng` (the run's [`Stream::Setup`](crate::rng::Stream::Setup)).
    pub fn resolve(&self, nodes: usize, rng: &mut ChaCha8Rng) -> Result<Adjacency, TopologyError> {
        let n = nodes;
        let id = |i: usize| NodeId::new(u32::try_from(i).expect("node count fits in u32"));
        let mut graph = UnGraph::<(), ()>::with_capacity(n, n * 2);
        for _ in 0..n {
            graph.add_node(());
        }
        let mut link = |a: usize, b: usize| {
            graph.update_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        };
        match self {
            Topology::Mesh => return Ok(Adjacency { nodes, lists: None }),
            Topology::Ring | Topology::Line => {
                for i in 1..n {
                    link(i - 1, i);
                }
                if *self == Topology::Ring && n > 2 {
                    link(n - 1, 0);
                }
            }
            Topology::Star => (1..n).for_each(|i| link(0, i)),
            Topology::Grid { columns } => {
                let c = *columns as usize;
                if c == 0 {
                    return Err(TopologyError::EmptyGrid);
                }
                for i in 0..n {
                    if (i + 1) % c != 0 && i + 1 < n {
                        link(i, i + 1);
                    }
                    if i + c < n {
                        link(i, i + c);
                    }
                }
            }
            Topology::RandomRegular { degree } => {
                for (a, b) in random_regular(n, *degree, rng)? {
                    link(a, b);
                }
            }
            Topology::RingWithMatching => {
                if !n.is_multiple_of(2) || n < 4 {
                    return Err(TopologyError::ImpossibleRegular { degree: 3, nodes: n });
                }
                for i in 0..n {
                    link(i, (i + 1) % n);
                }
                for (a, b) in matching_avoiding_ring(n, rng) {
                    link(a, b);
                }
            }
            Topology::Edges(edges) => {
                for &(a, b) in edges {
                    if a.index() >= n || b.index() >= n {
                        return Err(TopologyError::UnknownNode(a, b, n));
                    }
                    if a != b {
                        link(a.index(), b.index());
                    }
                }
            }
        }
        // Flatten to sorted per-node lists: iteration order is then a pure
        // function of the graph, and `is_linked` is a binary search.
        let mut lists = vec![Vec::new(); n];
        for edge in graph.edge_indices() {
            let (a, b) = graph.edge_endpoints(edge).expect("edge index is valid");
            lists[a.index()].push(id(b.index()));
            lists[b.index()].push(id(a.index()));
        }
        for list in &mut lists {
            list.sort_unstable();
            list.dedup();
        }
        Ok(Adjacency { nodes, lists: Some(lists) })
    }
}

/// A random `degree`-regular simple graph on `n` nodes.
///
/// Start from a graph that is regular by construction (a circulant: each node
/// linked to its `degree / 2` nearest nodes on either side of a circle, and,
/// for an odd degree, to the node opposite), then shuffle it with random
/// *double-edge swaps*: take two edges `a–b` and `c–d` and rewire them as
/// `a–c` and `b–d` (or `a–d` and `b–c`). A swap keeps every node's degree, and
/// one that would create a self-loop or a repeated edge is skipped, so the
/// graph stays simple and regular throughout. Ten swaps per edge mix it well.
///
/// The alternative, pairing random "stubs" and retrying until the result is
/// simple, succeeds with probability about e^{-(d²-1)/4}: fine for degree 3,
/// hopeless for degree 8. The swaps always finish, in time linear in the
/// number of edges (times a logarithm).
fn random_regular(n: usize, degree: u32, rng: &mut ChaCha8Rng) -> Result<Vec<(usize, usize)>, TopologyError> {
    let d = degree as usize;
    if d >= n || !(n * d).is_multiple_of(2) {
        return Err(TopologyError::ImpossibleRegular { degree, nodes: n });
    }
    let ordered = |a: usize, b: usize| (a.min(b), a.max(b));
    let mut edges: Vec<(usize, usize)> = Vec::with_capacity(n * d / 2);
    for i in 0..n {
        // Offsets stay below n/2 (d < n), so no edge is listed twice.
        edges.extend((1..=d / 2).map(|offset| ordered(i, (i + offset) % n)));
        if d % 2 == 1 && i < n / 2 {
            // An odd degree needs an even n (n·d is even): pair opposite nodes.
            edges.push((i, i + n / 2));
        }
    }
    let mut present: BTreeSet<(usize, usize)> = edges.iter().copied().collect();
    debug_assert_eq!(present.len(), edges.len(), "the circulant start is simple");
    if edges.len() >= 2 {
        for _ in 0..10 * edges.len() {
            let (first, second) = (rng.random_range(0..edges.len()), rng.random_range(0..edges.len()));
            let ((a, b), (c, e)) = (edges[first], edges[second]);
            let (one, two) = if rng.random_bool(0.5) { ((a, c), (b, e)) } else { ((a, e), (b, c)) };
            let (one, two) = (ordered(one.0, one.1), ordered(two.0, two.1));
            if one.0 == one.1
                || two.0 == two.1
                || one == two
                || present.contains(&one)
                || present.contains(&two)
            {
                continue;
            }
            present.remove(&edges[first]);
            present.remove(&edges[second]);
            present.insert(one);
            present.insert(two);
            edges[first] = one;
            edges[second] = two;
        }
    }
    debug_assert_eq!(present.len(), n * d / 2, "swaps keep the edge count");
    Ok(present.into_iter().collect())
}

/// A random perfect matching with no pair adjacent on the ring, so that ring
/// plus matching is 3-regular. A uniformly random matching hits a ring edge
/// with probability about 1 - 1/e, so a few retries suffice.
fn matching_avoiding_ring(n: usize, rng: &mut ChaCha8Rng) -> Vec<(usize, usize)> {
    let on_ring = |a: usize, b: usize| (a + 1) % n == b || (b + 1) % n == a;
    let mut order: Vec<usize> = (0..n).collect();
    loop {
        order.shuffle(rng);
        // Repair conflicts locally by swapping with a random other pair, which
        // keeps the matching uniform enough for teaching and bounds the work.
        for _ in 0..n {
            let Some(bad) = order.chunks_exact(2).position(|p| on_ring(p[0], p[1])) else {
                return order.chunks_exact(2).map(|p| (p[0], p[1])).collect();
            };
            let other = rng.random_range(0..n / 2);
            order.swap(2 * bad + 1, 2 * other + 1);
        }
    }
}

/// A resolved topology: for each node, its neighbours.
#[derive(Clone, Debug)]
pub struct Adjacency {
    nodes: usize,
    /// `None` for the implicit full mesh.
    lists: Option<Vec<Vec<NodeId>>>,
}

impl Adjacency {
    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// True if `a` and `b` are distinct and linked.
    #[inline]
    pub fn is_linked(&self, a: NodeId, b: NodeId) -> bool {
        match &self.lists {
            None => a != b && a.index() < self.nodes && b.index() < self.nodes,
            Some(lists) => lists[a.index()].binary_search(&b).is_ok(),
        }
    }

    /// The neighbours of `node`, in increasing order.
    pub fn neighbours(&self, node: NodeId) -> Neighbours<'_> {
        match &self.lists {
            None => Neighbours::Mesh { next: 0, end: self.nodes as u32, skip: node.as_u32() },
            Some(lists) => Neighbours::Listed(lists[node.index()].iter()),
        }
    }

    /// The number of neighbours of `node`.
    pub fn degree(&self, node: NodeId) -> usize {
        match &self.lists {
            None => self.nodes.saturating_sub(1),
            Some(lists) => lists[node.index()].len(),
        }
    }

    /// Every link once, as `(a, b)` with `a < b`. For a mesh this is
    /// `n(n-1)/2` pairs: only call it for drawing small networks.
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        (0..self.nodes as u32)
            .map(NodeId::new)
            .flat_map(move |a| self.neighbours(a).filter(move |b| a < *b).map(move |b| (a, b)))
    }
}

/// An iterator over a node's neighbours; see [`Adjacency::neighbours`].
#[derive(Clone, Debug)]
pub enum Neighbours<'a> {
    /// Every node but `skip`.
    #[doc(hidden)]
    Mesh { next: u32, end: u32, skip: u32 },
    /// An explicit sorted list.
    #[doc(hidden)]
    Listed(std::slice::Iter<'a, NodeId>),
}

impl Iterator for Neighbours<'_> {
    type Item = NodeId;

    #[inline]
    fn next(&mut self) -> Option<NodeId> {
        match self {
            Neighbours::Mesh { next, end, skip } => {
                if *next == *skip {
                    *next += 1;
                }
                (*next < *end).then(|| {
                    *next += 1;
                    NodeId::new(*next - 1)
                })
            }
            Neighbours::Listed(iter) => iter.next().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream_rng};

    fn resolve(t: Topology, n: usize) -> Adjacency {
        t.resolve(n, &mut stream_rng(1, Stream::Setup)).expect("valid topology")
    }

    #[test]
    fn mesh_is_implicit_and_complete() {
        let mesh = resolve(Topology::Mesh, 4);
        let n2: Vec<_> = mesh.neighbours(NodeId::new(2)).map(|n| n.as_u32()).collect();
        assert_eq!(n2, [0, 1, 3]);
        assert_eq!(mesh.edges().count(), 6);
        assert!(!mesh.is_linked(NodeId::new(1), NodeId::new(1)));
    }

    #[test]
    fn shapes_have_the_expected_degrees() {
        let star = resolve(Topology::Star, 5);
        assert_eq!(star.degree(NodeId::new(0)), 4);
        assert_eq!(star.degree(NodeId::new(3)), 1);
        let line = resolve(Topology::Line, 5);
        assert_eq!(line.edges().count(), 4);
        let grid = resolve(Topology::Grid { columns: 3 }, 9);
        assert_eq!(grid.degree(NodeId::new(4)), 4);
        assert_eq!(grid.degree(NodeId::new(0)), 2);
        assert_eq!(grid.edges().count(), 12);
    }

    #[test]
    fn random_graphs_are_regular_and_simple() {
        for t in [Topology::RandomRegular { degree: 4 }, Topology::RingWithMatching] {
            let g = resolve(t.clone(), 100);
            let want = if t == Topology::RingWithMatching { 3 } else { 4 };
            for i in 0..100 {
                assert_eq!(g.degree(NodeId::new(i)), want, "{t:?} node {i}");
            }
        }
        assert!(Topology::RandomRegular { degree: 3 }.resolve(5, &mut stream_rng(1, Stream::Setup)).is_err());
        assert!(
            Topology::RandomRegular { degree: 10 }.resolve(10, &mut stream_rng(1, Stream::Setup)).is_err()
        );
    }

    #[test]
    fn dense_random_regular_graphs_are_built_too() {
        // (nodes, degree): the complete graph, dense and odd degrees, and a
        // large sparse-ish one that stub pairing would almost never produce.
        for (nodes, degree) in [(10_usize, 9_u32), (10, 6), (10, 7), (1000, 8), (11, 4)] {
            let g = resolve(Topology::RandomRegular { degree }, nodes);
            for i in 0..nodes as u32 {
                let node = NodeId::new(i);
                assert_eq!(g.degree(node), degree as usize, "{degree}-regular on {nodes}: node {i}");
                assert!(!g.is_linked(node, node), "no self-loops");
            }
            assert_eq!(g.edges().count(), nodes * degree as usize / 2);
        }
    }

    #[test]
    fn random_regular_graphs_depend_on_the_seed() {
        let edges = |seed| -> Vec<(u32, u32)> {
            Topology::RandomRegular { degree: 4 }
                .resolve(50, &mut stream_rng(seed, Stream::Setup))
                .expect("a 4-regular graph on 50 nodes exists")
                .edges()
                .map(|(a, b)| (a.as_u32(), b.as_u32()))
                .collect()
        };
        assert_eq!(edges(7), edges(7), "same seed, same graph");
        assert_ne!(edges(7), edges(8), "another seed, another graph");
    }

    #[test]
    fn explicit_edges_are_checked() {
        let bad = Topology::Edges(vec![(NodeId::new(0), NodeId::new(7))]);
        assert!(matches!(
            bad.resolve(3, &mut stream_rng(1, Stream::Setup)),
            Err(TopologyError::UnknownNode(..))
        ));
    }
}

//! Consistent hashing: a ring of virtual nodes, and the versioned shard map
//! it is built from.
//!
//! Picture the 64-bit numbers as a clock face. Each shard puts
//! `virtual_nodes` marks on it, at the hashes of `(shard, 0)`, `(shard, 1)`,
//! …; a key sits at the hash of the key, and belongs to the first mark at or
//! after it, going clockwise (wrapping past the top). Adding a shard adds its
//! marks: only the keys that now fall just before a new mark change owner,
//! and they all move *to* the new shard, about `1/(N+1)` of them. Many marks
//! per shard even out the arcs: one mark each would give shards wildly
//! different shares; with `V` marks the share of a shard varies by about
//! `1/√V` of its mean.
//!
//! The hash is written here, not taken from the standard library: `std`'s
//! `DefaultHasher` may change between Rust releases and `RandomState` is
//! seeded at random, and every router, shard and checker must agree on the
//! ring forever. We use 64-bit FNV-1a (a few lines, byte by byte, the same on
//! every platform), then SplitMix64's finalizer, because FNV-1a alone puts
//! inputs that differ only in their last byte (keys 1, 2, 3…) close together
//! on the ring.

use serde::Serialize;

/// A version of the shard map: which shards serve keys. Version 1 is the
/// first map; each resharding makes the next version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ShardMap {
    /// The version: higher is newer.
    pub version: u64,
    /// The shards (numbered from 0 in the `shard` role), in increasing order.
    pub shards: Vec<u32>,
}

impl ShardMap {
    /// The first map: shards `0..initial`.
    pub fn first(initial: u32) -> ShardMap {
        ShardMap { version: 1, shards: (0..initial).collect() }
    }

    /// True if `shard` serves keys under this map.
    pub fn contains(&self, shard: u32) -> bool {
        self.shards.binary_search(&shard).is_ok()
    }

    /// The next version, with `shard` added.
    pub fn with(&self, shard: u32) -> ShardMap {
        let mut shards = self.shards.clone();
        if let Err(at) = shards.binary_search(&shard) {
            shards.insert(at, shard);
        }
        ShardMap { version: self.version + 1, shards }
    }

    /// The next version, with `shard` removed.
    pub fn without(&self, shard: u32) -> ShardMap {
        ShardMap {
            version: self.version + 1,
            shards: self.shards.iter().copied().filter(|s| *s != shard).collect(),
        }
    }
}

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(PRIME))
}

/// SplitMix64's finalizer: every input bit flips about half the output bits.
pub fn scramble(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Where `key` sits on the ring.
///
/// ```
/// use weft_patterns::sharding::ring::key_point;
/// // Stable forever: the same key, the same point, on every machine.
/// assert_eq!(key_point(42), key_point(42));
/// assert_ne!(key_point(1), key_point(2));
/// ```
pub fn key_point(key: u64) -> u64 {
    // A tag keeps keys and marks apart: key 7 and shard 0's mark 7 must not
    // hash the same bytes.
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(b"key:");
    bytes[4..].copy_from_slice(&key.to_le_bytes());
    scramble(fnv1a(&bytes))
}

/// Where mark `vnode` of `shard` sits on the ring.
pub fn vnode_point(shard: u32, vnode: u32) -> u64 {
    let mut bytes = [0u8; 14];
    bytes[..6].copy_from_slice(b"shard:");
    bytes[6..10].copy_from_slice(&shard.to_le_bytes());
    bytes[10..].copy_from_slice(&vnode.to_le_bytes());
    scramble(fnv1a(&bytes))
}

/// The ring of a shard map: every shard's marks, sorted by position.
///
/// ```
/// use weft_patterns::sharding::ring::Ring;
/// let four = Ring::new(&[0, 1, 2, 3], 100);
/// let five = Ring::new(&[0, 1, 2, 3, 4], 100);
/// let moved: Vec<u64> = (0..10_000).filter(|k| four.owner(*k) != five.owner(*k)).collect();
/// // Every key that moves, moves to the new shard: about a fifth of them.
/// assert!(moved.iter().all(|k| five.owner(*k) == Some(4)));
/// assert!((1_500..2_500).contains(&moved.len()), "{} moved", moved.len());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ring {
    /// (position, shard), sorted; ties (never seen, but possible) broken by
    /// the shard number, so every node builds the same ring.
    marks: Vec<(u64, u32)>,
}

impl Ring {
    /// The ring of `shards`, with `vnodes` marks each.
    pub fn new(shards: &[u32], vnodes: u32) -> Ring {
        let mut marks: Vec<(u64, u32)> =
            shards.iter().flat_map(|s| (0..vnodes).map(move |v| (vnode_point(*s, v), *s))).collect();
        marks.sort_unstable();
        Ring { marks }
    }

    /// The ring of `map`.
    pub fn of(map: &ShardMap, vnodes: u32) -> Ring {
        Ring::new(&map.shards, vnodes)
    }

    /// The shard that owns `key`: the first mark at or after the key's
    /// point, wrapping around. `None` only for a ring without shards.
    pub fn owner(&self, key: u64) -> Option<u32> {
        let point = key_point(key);
        let at = self.marks.partition_point(|(p, _)| *p < point);
        self.marks.get(at).or_else(|| self.marks.first()).map(|(_, shard)| *shard)
    }
}

/// How far the fraction of keys moved by adding or removing one shard may
/// stray from its ideal (`1/(N+1)` when adding to `N` shards, `1/N` when
/// removing one of `N`), with `vnodes` marks per shard and `keys` keys.
///
/// Two sources of spread, each allowed four standard deviations: the arcs
/// (the moving shard's share of the ring varies by about `ideal/√vnodes`),
/// and the keys (`keys` keys are a sample of the ring: a binomial spread of
/// `√(ideal(1−ideal)/keys)`). With 100 marks and a few hundred keys that is
/// about ±0.16 around 0.2; with 10,000 keys, ±0.09.
///
/// ```
/// use weft_patterns::sharding::ring::moved_fraction_tolerance;
/// let t = moved_fraction_tolerance(0.2, 100, 10_000);
/// assert!((t - 0.096).abs() < 1e-9);
/// ```
pub fn moved_fraction_tolerance(ideal: f64, vnodes: u32, keys: u64) -> f64 {
    let arcs = ideal / f64::from(vnodes.max(1)).sqrt();
    let sample = (ideal * (1.0 - ideal) / keys.max(1) as f64).sqrt();
    4.0 * (arcs + sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable() {
        // Pinned: a change here re-homes every key of every stored run.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(key_point(0), scramble(fnv1a(b"key:\0\0\0\0\0\0\0\0")));
    }

    #[test]
    fn removing_a_shard_moves_only_its_keys() {
        let four = Ring::new(&[0, 1, 2, 3], 100);
        let three = Ring::new(&[0, 1, 3], 100);
        for key in 0..5_000 {
            if four.owner(key) != Some(2) {
                assert_eq!(four.owner(key), three.owner(key), "key {key} moved but its shard stayed");
            }
        }
    }

    #[test]
    fn an_empty_ring_owns_nothing() {
        assert_eq!(Ring::new(&[], 100).owner(5), None);
        assert_eq!(Ring::new(&[3], 1).owner(5), Some(3));
    }
}

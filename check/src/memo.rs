//! The search's memory of configurations it has already explored.
//!
//! A configuration is the set of operations linearized so far and the state
//! they left. Two different orders of the same operations that leave the
//! same state lead to exactly the same futures, so the second one need not
//! be explored: that is what makes the search fast (Lowe's memoisation).
//!
//! Operations of unknown outcome (*free* ones: no completion to respect)
//! allow a stronger rule. Take two configurations with the same *bound*
//! operations (those with a completion) linearized and the same state, where
//! the free operations applied in the first are a subset of those applied
//! in the second. Everything the second can still do, the first can too —
//! the extra free operations are optional, so it may simply never apply
//! them — so once the first has been explored, the second need not be
//! (*subsumption*). Without this, a history with many timeouts makes the
//! search try every subset of them at every point.
//!
//! So the memo maps (bound set, state) to the free sets seen with it, and
//! keeps only the minimal ones. It is a hash table used for membership only
//! — nothing ever iterates it in an order that could reach a verdict. It is
//! written out here (open addressing, linear probing) because the key is
//! already hashed: the search keeps a running hash of the bound set, updated
//! with one XOR per operation linearized or undone (Zobrist hashing), so a
//! lookup never rehashes thousands of bits. The bitsets live in flat arenas,
//! and the memory they take is counted exactly, for the budget.

/// A set of configurations, with subsumption on the free operations.
#[derive(Debug)]
pub(crate) struct Memo {
    /// Words per bitset of bound operations, and of free operations.
    bound_words: usize,
    free_words: usize,
    /// Entry `i`'s bound set is `bound[i * bound_words..][..bound_words]`.
    bound: Vec<u64>,
    states: Vec<u32>,
    hashes: Vec<u64>,
    /// Entry `i`'s minimal free sets, flattened (`free_words` each); empty
    /// when there are no free operations at all.
    free: Vec<Vec<u64>>,
    /// Open-addressing table: 0 is empty, otherwise entry index + 1.
    slots: Vec<u32>,
    /// Free-set words stored, for [`Memo::bytes`].
    free_stored: usize,
}

impl Memo {
    /// An empty memo for `bound` bound operations and `free` free ones.
    pub(crate) fn new(bound: usize, free: usize) -> Memo {
        Memo {
            bound_words: bound.div_ceil(64).max(1),
            free_words: free.div_ceil(64),
            bound: Vec::new(),
            states: Vec::new(),
            hashes: Vec::new(),
            free: Vec::new(),
            slots: vec![0; 1024],
            free_stored: 0,
        }
    }

    /// Words per bound bitset, and per free bitset: the lengths `insert`
    /// expects.
    pub(crate) fn words(&self) -> (usize, usize) {
        (self.bound_words, self.free_words)
    }

    /// Records the configuration (`bound`, `free`, `state`), where `hash`
    /// hashes `bound` and `state`. Returns false if it is subsumed: the
    /// same bound set and state were seen with a subset of `free`.
    pub(crate) fn insert(&mut self, hash: u64, bound: &[u64], free: &[u64], state: u32) -> bool {
        debug_assert_eq!((bound.len(), free.len()), (self.bound_words, self.free_words));
        let mask = self.slots.len() - 1;
        let mut slot = (hash as usize) & mask;
        while self.slots[slot] != 0 {
            let i = self.slots[slot] as usize - 1;
            if self.hashes[i] == hash
                && self.states[i] == state
                && self.bound[i * self.bound_words..(i + 1) * self.bound_words] == *bound
            {
                return self.add_free(i, free);
            }
            slot = (slot + 1) & mask;
        }
        let index = u32::try_from(self.states.len() + 1).expect("fewer than 2^32 configurations");
        self.slots[slot] = index;
        self.bound.extend_from_slice(bound);
        self.states.push(state);
        self.hashes.push(hash);
        self.free.push(free.to_vec());
        self.free_stored += free.len();
        // Keep the table at most half full, so probes stay short.
        if self.states.len() * 2 > self.slots.len() {
            self.grow();
        }
        true
    }

    /// Adds `free` to entry `i`'s minimal free sets, unless one of them is
    /// a subset of it.
    fn add_free(&mut self, i: usize, free: &[u64]) -> bool {
        let words = self.free_words;
        if words == 0 {
            return false;
        }
        let sets = &mut self.free[i];
        let subset = |small: &[u64], big: &[u64]| small.iter().zip(big).all(|(s, b)| s & !b == 0);
        if sets.chunks_exact(words).any(|seen| subset(seen, free)) {
            return false;
        }
        // Drop the sets `free` subsumes, then add it.
        let before = sets.len();
        let kept: Vec<u64> =
            sets.chunks_exact(words).filter(|seen| !subset(free, seen)).flatten().copied().collect();
        *sets = kept;
        sets.extend_from_slice(free);
        self.free_stored = self.free_stored + sets.len() - before;
        true
    }

    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (i, &hash) in self.hashes.iter().enumerate() {
            let mut slot = (hash as usize) & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = (i + 1) as u32;
        }
        self.slots = slots;
    }

    /// The bytes it takes: what the memory budget limits.
    pub(crate) fn bytes(&self) -> u64 {
        let per_entry = self.bound_words * 8 + 4 + 8 + std::mem::size_of::<Vec<u64>>();
        (self.states.len() * per_entry + self.free_stored * 8 + self.slots.len() * 4) as u64
    }
}

/// A well-mixed 64-bit number from `x` (SplitMix64's finalizer): the
/// Zobrist key of an operation, and the hash of a state.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_is_new_once() {
        let mut memo = Memo::new(130, 0);
        assert_eq!(memo.words(), (3, 0));
        let bits = [1, 0, 1 << 1];
        assert!(memo.insert(7, &bits, &[], 4));
        assert!(!memo.insert(7, &bits, &[], 4));
        assert!(memo.insert(7, &bits, &[], 5), "another state is another configuration");
        assert!(memo.insert(7, &[1, 0, 0], &[], 4), "a hash collision is told apart by the bits");
    }

    #[test]
    fn more_free_operations_are_subsumed_by_fewer() {
        let mut memo = Memo::new(1, 130);
        assert!(memo.insert(1, &[1], &[0b0110, 0, 0], 0));
        assert!(!memo.insert(1, &[1], &[0b0110, 0, 0], 0), "the same");
        assert!(!memo.insert(1, &[1], &[0b0111, 0, 0], 0), "a superset");
        assert!(memo.insert(1, &[1], &[0b0011, 0, 0], 0), "not a superset");
        assert!(memo.insert(1, &[1], &[0b0010, 0, 0], 0), "a subset of both replaces both");
        assert!(!memo.insert(1, &[1], &[0b0110, 0, 0], 0));
        assert!(!memo.insert(1, &[1], &[0b0011, 0, 0], 0));
        assert!(memo.insert(1, &[1], &[0b0001, 0, 0], 0));
        assert!(memo.insert(1, &[3], &[0b0111, 0, 0], 0), "another bound set");
    }

    #[test]
    fn growing_keeps_every_entry() {
        let mut memo = Memo::new(64, 0);
        for i in 0..10_000u64 {
            assert!(memo.insert(mix(i), &[i], &[], 0));
        }
        for i in 0..10_000u64 {
            assert!(!memo.insert(mix(i), &[i], &[], 0), "entry {i} survived growing");
        }
        assert!(memo.bytes() >= 10_000 * 20);
    }
}

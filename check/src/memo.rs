//! The search's memory of configurations it has already explored.
//!
//! A configuration is a pair: the set of operations linearized so far (a
//! bitset, one bit per operation) and the state they left. Two different
//! orders of the same operations that leave the same state lead to exactly
//! the same futures, so the second one need not be explored: that is what
//! makes the search fast (Lowe's memoisation).
//!
//! This is a hash *set* used for membership only — nothing ever iterates it,
//! so no order can leak into a verdict. It is written out here (open
//! addressing, linear probing) rather than taken from `std` because the key
//! is already hashed: the search keeps a running hash of the bitset, updated
//! in one XOR per operation linearized or undone (Zobrist hashing), so a
//! lookup never rehashes a bitset of thousands of bits. The bitsets of all
//! entries live in one flat arena, and the memory they take is counted
//! exactly, for the budget.

/// A set of (bitset, state) configurations.
#[derive(Debug)]
pub(crate) struct Memo {
    /// Words per bitset.
    words: usize,
    /// Entry `i`'s bitset is `arena[i * words..(i + 1) * words]`.
    arena: Vec<u64>,
    states: Vec<u32>,
    hashes: Vec<u64>,
    /// Open-addressing table: 0 is empty, otherwise entry index + 1.
    slots: Vec<u32>,
}

impl Memo {
    /// An empty memo for bitsets of `bits` bits.
    pub(crate) fn new(bits: usize) -> Memo {
        Memo {
            words: bits.div_ceil(64).max(1),
            arena: Vec::new(),
            states: Vec::new(),
            hashes: Vec::new(),
            slots: vec![0; 1024],
        }
    }

    /// Words per bitset: the length `insert` expects.
    pub(crate) fn words(&self) -> usize {
        self.words
    }

    /// Adds the configuration (`bits`, `state`), whose hash is `hash`;
    /// returns false if it was already there.
    pub(crate) fn insert(&mut self, hash: u64, bits: &[u64], state: u32) -> bool {
        debug_assert_eq!(bits.len(), self.words);
        let mask = self.slots.len() - 1;
        let mut slot = (hash as usize) & mask;
        loop {
            match self.slots[slot] {
                0 => break,
                taken => {
                    let i = taken as usize - 1;
                    if self.hashes[i] == hash
                        && self.states[i] == state
                        && self.arena[i * self.words..(i + 1) * self.words] == *bits
                    {
                        return false;
                    }
                    slot = (slot + 1) & mask;
                }
            }
        }
        let index = u32::try_from(self.states.len() + 1).expect("fewer than 2^32 configurations");
        self.slots[slot] = index;
        self.arena.extend_from_slice(bits);
        self.states.push(state);
        self.hashes.push(hash);
        // Keep the table at most half full, so probes stay short.
        if self.states.len() * 2 > self.slots.len() {
            self.grow();
        }
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

    /// How many configurations it holds.
    pub(crate) fn len(&self) -> usize {
        self.states.len()
    }

    /// The bytes it takes: what the memory budget limits.
    pub(crate) fn bytes(&self) -> u64 {
        let per_entry = self.words * 8 + 4 + 8;
        (self.len() * per_entry + self.slots.len() * 4) as u64
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
        let mut memo = Memo::new(130);
        assert_eq!(memo.words(), 3);
        let bits = [1, 0, 1 << 1];
        assert!(memo.insert(7, &bits, 4));
        assert!(!memo.insert(7, &bits, 4));
        assert!(memo.insert(7, &bits, 5), "another state is another configuration");
        assert!(memo.insert(7, &[1, 0, 0], 4), "a hash collision is told apart by the bits");
        assert_eq!(memo.len(), 3);
    }

    #[test]
    fn growing_keeps_every_entry() {
        let mut memo = Memo::new(64);
        for i in 0..10_000u64 {
            assert!(memo.insert(mix(i), &[i], 0));
        }
        for i in 0..10_000u64 {
            assert!(!memo.insert(mix(i), &[i], 0), "entry {i} survived growing");
        }
        assert!(memo.bytes() >= 10_000 * 20);
    }
}

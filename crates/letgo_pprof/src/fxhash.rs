//! A fast, non-cryptographic hash for names and stack keys read from dumps.

use std::hash::{BuildHasherDefault, Hasher};

/// The Fx hash (as in rustc): names are hashed once per frame and stack keys
/// once per goroutine, and the default SipHash costs a visible share of the
/// time on large dumps. Collision attacks only slow the maps down, and every
/// map keyed by it is capped in size.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

/// Builds [`FxHasher`]s for `HashMap`s and `HashSet`s.
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.hash = (self.hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.hash = (self.hash.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

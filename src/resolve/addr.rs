//! Maps keyed by address. The model keeps one shared `Arc<str>` per distinct path text, so 50,000
//! sites naming one DLL hold one copy, and its address names the text: work done once per distinct
//! path is looked up by that address. An address is not text from the metabase (nobody can choose
//! it to make keys collide), so these maps skip SipHash's protection and hash with one folded
//! multiply; maps keyed by text from the file keep the standard hasher. (The one exception is a
//! lookup into a table fixed in the binary, such as the schema's property names: the file chooses
//! only the key looked up, and cannot fill a bucket with colliding entries.)

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for addresses and small integers: each word folded into the state by a 64x64->128-bit
/// multiply whose halves are XORed, so the low bits (zero in an aligned address) and the high bits
/// both reach the bucket index.
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl AddrHasher {
    fn mix(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * u128::from(MULTIPLIER);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

/// A map keyed by addresses (of shared texts) or small integers.
pub type AddrMap<K, V> = HashMap<K, V, BuildHasherDefault<AddrHasher>>;

/// The address that names a shared text.
pub fn addr(text: &str) -> usize {
    text.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn aligned_addresses_spread_over_the_low_bits() {
        let build = BuildHasherDefault::<AddrHasher>::default();
        // Addresses 16 bytes apart, as an allocator hands them out: the bucket index (low bits)
        // must not be the same for all of them.
        let low: std::collections::HashSet<u64> = (0..1024usize)
            .map(|i| build.hash_one(0x7f00_0000_0000usize + i * 16) & 1023)
            .collect();
        assert!(low.len() > 500, "only {} distinct buckets of 1024", low.len());
    }

    #[test]
    fn a_map_by_address() {
        let a: std::sync::Arc<str> = "C:\\a.dll".into();
        let b: std::sync::Arc<str> = "C:\\a.dll".into();
        let mut m: AddrMap<usize, u32> = AddrMap::default();
        m.insert(addr(&a), 1);
        assert_eq!(m.get(&addr(&a.clone())), Some(&1));
        assert_eq!(
            m.get(&addr(&b)),
            None,
            "the same text in another allocation is another key"
        );
    }

    /// Every word each `write_*` is given reaches the state, folded in as `mix` says: XORed into
    /// the state, multiplied by the constant, the product's halves XORed. (A hasher that dropped a
    /// word, or folded it in with OR, would still make a correct map, only a slower one: this pins
    /// the function itself.)
    #[test]
    fn each_word_is_folded_into_the_state() {
        fn reference(words: &[u64]) -> u64 {
            words.iter().fold(0, |state, &word| {
                let product = u128::from(state ^ word) * u128::from(MULTIPLIER);
                (product as u64) ^ ((product >> 64) as u64)
            })
        }
        let (a, b) = (0x7f00_1234_5678_9ab0_u64, 0x0000_7fff_0000_0011_u64);
        let hash = |write: &dyn Fn(&mut AddrHasher)| {
            let mut h = AddrHasher::default();
            write(&mut h);
            h.finish()
        };
        assert_eq!(hash(&|h| h.write_u64(a)), reference(&[a]));
        assert_eq!(hash(&|h| h.write_usize(a as usize)), reference(&[a]));
        // A second word after a first whose bits it shares (OR and XOR differ there).
        assert_eq!(hash(&|h| (h.write_u64(a), h.write_u64(b)).1), reference(&[a, b]));
        assert_eq!(hash(&|h| (h.write_u64(a), h.write_u8(0x11)).1), reference(&[a, 0x11]));
        assert_eq!(
            hash(&|h| (h.write_u64(a), h.write_u32(0x1234_5678)).1),
            reference(&[a, 0x1234_5678])
        );
        // Bytes in words of eight, little-endian, the last one padded with zeros.
        let bytes: Vec<u8> = (1..=11).collect();
        assert_eq!(
            hash(&|h| h.write(&bytes)),
            reference(&[0x0807_0605_0403_0201, 0x0000_0000_000b_0a09])
        );
    }
}

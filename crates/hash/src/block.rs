//! What MD5, SHA-1 and SHA-256 share: 64-byte blocks, the padding (a `0x80` byte, zeros and
//! the message length in bits, little-endian for MD5, big-endian for the SHAs), and HMAC
//! (RFC 2104) over any of them. Each hash only supplies its compression function.

/// One Merkle–Damgård hash over 64-byte blocks.
pub trait Compress {
    /// The chaining state.
    type State: Copy + core::fmt::Debug;
    /// The digest bytes.
    type Digest: Copy + AsRef<[u8]>;
    const INITIAL: Self::State;
    /// How the length is appended (and, in [`Compress::digest`], how words are written).
    const BIG_ENDIAN: bool;
    /// One block into the state.
    fn compress(state: &mut Self::State, block: &[u8; 64]);
    /// The digest of a final state.
    fn digest(state: Self::State) -> Self::Digest;
}

/// A hash over 32-bit words: its [`Compress`] implementation (the state written out in the
/// hash's byte order) and its `Hash` alias (and `Hmac`/`HmacKey` ones), from the compression
/// function.
macro_rules! word_hash {
    (
        $(#[$doc:meta])* $core:ident: [u32; $words:literal] -> [u8; $bytes:literal],
        big_endian: $big:literal, initial: $initial:expr, compress: $compress:path,
        $hash:ident $(, $hmac:ident, $key:ident)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub enum $core {}

        impl $crate::block::Compress for $core {
            type State = [u32; $words];
            type Digest = [u8; $bytes];
            const INITIAL: [u32; $words] = $initial;
            const BIG_ENDIAN: bool = $big;
            fn compress(state: &mut [u32; $words], block: &[u8; 64]) {
                $compress(state, block);
            }
            fn digest(state: [u32; $words]) -> [u8; $bytes] {
                $crate::block::write_words(state, $big)
            }
        }

        /// The streaming hash.
        pub type $hash = $crate::block::Hash<$core>;
        $(
            /// Its HMAC of a message being fed.
            pub type $hmac = $crate::block::Hmac<$core>;
            /// Its HMAC key, ready to sign many messages.
            pub type $key = $crate::block::HmacKey<$core>;
        )?
    };
}
pub(crate) use word_hash;

/// Bytes not yet hashed and the message length so far.
#[derive(Clone, Debug)]
struct Blocks {
    /// Bytes of an incomplete block.
    pending: [u8; 64],
    /// How many bytes of `pending` are used (always < 64 between calls).
    pending_len: usize,
    /// Bytes hashed so far (the length is appended in bits, mod 2^64).
    length: u64,
}

/// A streaming hash.
#[derive(Clone, Debug)]
pub struct Hash<C: Compress> {
    state: C::State,
    blocks: Blocks,
}

impl<C: Compress> Default for Hash<C> {
    fn default() -> Hash<C> {
        Hash::after(C::INITIAL, 0)
    }
}

impl<C: Compress> Hash<C> {
    /// An empty hash.
    pub fn new() -> Hash<C> {
        Hash::default()
    }

    /// A hash that has taken `length` bytes of whole blocks, leaving `state`.
    fn after(state: C::State, length: u64) -> Hash<C> {
        Hash {
            state,
            blocks: Blocks {
                pending: [0; 64],
                pending_len: 0,
                length,
            },
        }
    }

    /// Adds bytes.
    #[inline(never)]
    pub fn update(&mut self, mut data: &[u8]) {
        let b = &mut self.blocks;
        b.length = b.length.wrapping_add(data.len() as u64);
        if b.pending_len > 0 {
            let take = (64 - b.pending_len).min(data.len());
            b.pending[b.pending_len..b.pending_len + take].copy_from_slice(&data[..take]);
            b.pending_len += take;
            data = &data[take..];
            if b.pending_len < 64 {
                return;
            }
            C::compress(&mut self.state, &b.pending);
            b.pending_len = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            // Always a whole block (`chunks_exact`): borrowed as one, not copied.
            if let Ok(block) = <&[u8; 64]>::try_from(block) {
                C::compress(&mut self.state, block);
            }
        }
        let rest = blocks.remainder();
        b.pending[..rest.len()].copy_from_slice(rest);
        b.pending_len = rest.len();
    }

    /// The digest of everything so far; the hash can keep going.
    pub fn digest(&self) -> C::Digest {
        let b = &self.blocks;
        let mut state = self.state;
        let mut block = [0u8; 64];
        block[..b.pending_len].copy_from_slice(&b.pending[..b.pending_len]);
        block[b.pending_len] = 0x80;
        if b.pending_len >= 56 {
            C::compress(&mut state, &block);
            block = [0u8; 64];
        }
        let bits = b.length.wrapping_mul(8);
        block[56..].copy_from_slice(&if C::BIG_ENDIAN {
            bits.to_be_bytes()
        } else {
            bits.to_le_bytes()
        });
        C::compress(&mut state, &block);
        C::digest(state)
    }
}

/// The hash of one buffer.
pub fn hash<C: Compress>(data: &[u8]) -> C::Digest {
    let mut hash = Hash::<C>::new();
    hash.update(data);
    hash.digest()
}

/// An HMAC key: the states after the `key ⊕ ipad` and `key ⊕ opad` blocks. Small and `Copy`,
/// so keeping one per key and starting each message from it costs no re-keying.
#[derive(Clone, Copy, Debug)]
pub struct HmacKey<C: Compress> {
    inner: C::State,
    outer: C::State,
}

impl<C: Compress> HmacKey<C> {
    /// For `key` of any length (longer than a block: its hash, per RFC 2104 §2).
    pub fn new(key: &[u8]) -> HmacKey<C> {
        let mut padded = [0u8; 64];
        if key.len() > 64 {
            let hashed = hash::<C>(key);
            padded[..hashed.as_ref().len()].copy_from_slice(hashed.as_ref());
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let keyed = |pad: u8| {
            let mut state = C::INITIAL;
            C::compress(&mut state, &padded.map(|b| b ^ pad));
            state
        };
        HmacKey {
            inner: keyed(0x36),
            outer: keyed(0x5c),
        }
    }

    /// A MAC under this key, with no message yet.
    pub fn mac(&self) -> Hmac<C> {
        Hmac {
            inner: Hash::after(self.inner, 64),
            outer: self.outer,
        }
    }
}

/// An HMAC of a message being fed.
#[derive(Clone, Debug)]
pub struct Hmac<C: Compress> {
    inner: Hash<C>,
    outer: C::State,
}

impl<C: Compress> Hmac<C> {
    /// Keyed with `key` of any length.
    pub fn new(key: &[u8]) -> Hmac<C> {
        HmacKey::new(key).mac()
    }

    /// Adds message bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The MAC of the message so far.
    pub fn finalize(&self) -> C::Digest {
        let mut outer = Hash::<C>::after(self.outer, 64);
        outer.update(self.inner.digest().as_ref());
        outer.digest()
    }
}

/// HMAC of one message.
pub fn hmac<C: Compress>(key: &[u8], message: &[u8]) -> C::Digest {
    let mut mac = Hmac::<C>::new(key);
    mac.update(message);
    mac.finalize()
}

/// The 32-bit words of a block, big-endian (the SHAs) or little-endian (MD5).
#[inline(always)]
pub(crate) fn words(block: &[u8; 64], big_endian: bool) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (word, b) in w.iter_mut().zip(block.chunks_exact(4)) {
        let bytes = [b[0], b[1], b[2], b[3]];
        *word = if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        };
    }
    w
}

/// The state words written out, big- or little-endian.
#[inline(always)]
pub(crate) fn write_words<const W: usize, const B: usize>(
    state: [u32; W],
    big_endian: bool,
) -> [u8; B] {
    let mut out = [0u8; B];
    for (to, word) in out.chunks_exact_mut(4).zip(state) {
        to.copy_from_slice(&if big_endian {
            word.to_be_bytes()
        } else {
            word.to_le_bytes()
        });
    }
    out
}

/// `count` pseudo-random blocks (xorshift32 from `seed`), each with a random word for a state.
#[cfg(test)]
pub(crate) fn test_blocks(mut seed: u32, count: usize) -> impl Iterator<Item = ([u8; 64], u32)> {
    (0..count).map(move |_| {
        let mut block = [0u8; 64];
        for b in &mut block {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            *b = seed as u8;
        }
        (block, seed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha1::Sha1Core;
    use crate::sha256::Sha256Core;
    use hmac::Mac;
    use proptest::prelude::*;

    fn oracle<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut mac = <M as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    /// Fed in two pieces with a MAC read in between, from a fresh key and from a kept one.
    fn ours<C: Compress>(key: &[u8], message: &[u8], cut: usize) -> [Vec<u8>; 3] {
        let mut mac = Hmac::<C>::new(key);
        mac.update(&message[..cut]);
        let first = mac.finalize().as_ref().to_vec();
        mac.update(&message[cut..]);
        let kept = HmacKey::<C>::new(key);
        let mut again = kept.mac();
        again.update(message);
        [
            first,
            mac.finalize().as_ref().to_vec(),
            again.finalize().as_ref().to_vec(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// HMAC-SHA1 and HMAC-SHA256 equal the `hmac` crate's over the `sha1` and `sha2` crates
        /// for keys on both sides of one block (64 bytes: longer ones are hashed first).
        #[test]
        fn hmac_equals_the_oracles_for_any_key_and_message(
            key in proptest::collection::vec(any::<u8>(), 0..150),
            message in proptest::collection::vec(any::<u8>(), 0..300),
            cut in 0usize..300,
        ) {
            let cut = cut.min(message.len());
            let sha1 = |m: &[u8]| oracle::<hmac::Hmac<sha1_oracle::Sha1>>(&key, m);
            let [first, whole, kept] = ours::<Sha1Core>(&key, &message, cut);
            prop_assert_eq!(first, sha1(&message[..cut]));
            prop_assert_eq!(&whole, &sha1(&message));
            prop_assert_eq!(kept, whole);
            let sha256 = |m: &[u8]| oracle::<hmac::Hmac<sha2::Sha256>>(&key, m);
            let [first, whole, kept] = ours::<Sha256Core>(&key, &message, cut);
            prop_assert_eq!(first, sha256(&message[..cut]));
            prop_assert_eq!(&whole, &sha256(&message));
            prop_assert_eq!(kept, whole);
        }
    }
}

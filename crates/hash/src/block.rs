//! The block buffering MD5 and SHA-1 share: 64-byte blocks, the message length in bits
//! appended after a `0x80` byte and zero padding (little-endian for MD5, big-endian for SHA-1).

/// Bytes not yet hashed and the message length so far.
#[derive(Clone, Debug)]
pub(crate) struct Blocks {
    /// Bytes of an incomplete block.
    pending: [u8; 64],
    /// How many bytes of `pending` are used (always < 64 between calls).
    pending_len: usize,
    /// Bytes hashed so far (the length is appended in bits, mod 2^64).
    length: u64,
}

impl Default for Blocks {
    fn default() -> Blocks {
        Blocks {
            pending: [0; 64],
            pending_len: 0,
            length: 0,
        }
    }
}

impl Blocks {
    /// After `length` bytes that were whole blocks (nothing pending).
    pub(crate) fn after(length: u64) -> Blocks {
        Blocks {
            length,
            ..Blocks::default()
        }
    }

    /// Feeds `data`, calling `compress` on each block it completes.
    #[inline(always)]
    pub(crate) fn update(&mut self, mut data: &[u8], mut compress: impl FnMut(&[u8; 64])) {
        self.length = self.length.wrapping_add(data.len() as u64);
        if self.pending_len > 0 {
            let take = (64 - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < 64 {
                return;
            }
            compress(&self.pending);
            self.pending_len = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            // Always a whole block (`chunks_exact`): borrowed as one, not copied.
            if let Ok(block) = <&[u8; 64]>::try_from(block) {
                compress(block);
            }
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// The padding and length after everything fed so far, as one or two blocks to `compress`
    /// (`self` is unchanged, so the hash can go on).
    #[inline(always)]
    pub(crate) fn finish(&self, big_endian: bool, mut compress: impl FnMut(&[u8; 64])) {
        let mut block = [0u8; 64];
        block[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
        block[self.pending_len] = 0x80;
        if self.pending_len >= 56 {
            compress(&block);
            block = [0u8; 64];
        }
        let bits = self.length.wrapping_mul(8);
        block[56..].copy_from_slice(&if big_endian {
            bits.to_be_bytes()
        } else {
            bits.to_le_bytes()
        });
        compress(&block);
    }
}

//! MD5 for `Content-MD5` (base64 of the 16-byte digest) and for comparing with simple ETags.

use md5::{Digest, Md5 as Md5Core};

use crate::encoding::{base64, hex};

/// A streaming MD5.
#[derive(Clone, Debug, Default)]
pub struct Md5 {
    inner: Md5Core,
}

impl Md5 {
    /// An empty hash.
    pub fn new() -> Md5 {
        Md5::default()
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The 16-byte digest of everything so far; the hash can keep going.
    pub fn digest(&self) -> [u8; 16] {
        self.inner.clone().finalize().into()
    }
}

/// `Content-MD5`: base64 of the digest.
pub fn md5_base64(data: &[u8]) -> String {
    base64(&Md5Core::digest(data))
}

/// Lowercase hex of the digest (OSS ETags of simple uploads are the same digest, upper-case).
pub fn md5_hex(data: &[u8]) -> String {
    hex(&Md5Core::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_base64(b"hello"), "XUFAKrxLKna5cZ2REBfFkg==");
        let mut streaming = Md5::new();
        streaming.update(b"hel");
        streaming.update(b"lo");
        assert_eq!(base64(&streaming.digest()), "XUFAKrxLKna5cZ2REBfFkg==");
    }
}

//! MD5 for `Content-MD5` (base64 of the 16-byte digest) and for comparing with simple ETags.

use crate::encoding::{base64, hex};

/// A streaming MD5 (the `md-5` crate, through `crate::hash`).
pub use crate::hash::Md5;

/// `Content-MD5`: base64 of the digest.
pub fn md5_base64(data: &[u8]) -> String {
    base64(&crate::hash::md5(data))
}

/// Lowercase hex of the digest (OSS ETags of simple uploads are the same digest, upper-case).
pub fn md5_hex(data: &[u8]) -> String {
    hex(&crate::hash::md5(data))
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

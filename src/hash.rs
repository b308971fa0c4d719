//! The hashes, MACs and encodings of ossup's signatures and checksums: MD5, SHA-1, SHA-256 and
//! HMAC from the RustCrypto crates and base64 from the `base64` crate (audited, widely used code
//! rather than our own), behind the few calls the core and ossup-post's module make.
//!
//! Two caches (a queue of uploads signs many policies with one credential):
//! - the keyed HMAC-SHA1 state of the last V1 secret (what a reused `createHMAC(…, key)`
//!   instance is in hash-wasm), and
//! - the V4 signing key of the last few (secret, date, region) triples, as its keyed
//!   HMAC-SHA256 state, as the AWS SDKs cache SigV4 signing keys: the key changes once a day,
//!   its derivation is four HMACs.
//!
//! Both only hold what the caller already holds (the secret or a key derived from it), in the
//! same process; [`clear_caches`] empties them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::Mac;
use sha2::Digest;
use std::cell::RefCell;

type HmacSha1 = hmac::Hmac<sha1::Sha1>;
type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// An HMAC keyed with `key`.
fn keyed<M: KeyInit>(key: &[u8]) -> M {
    match M::new_from_slice(key) {
        Ok(mac) => mac,
        // Dead: HMAC takes keys of every length (a longer one is hashed, RFC 2104 §2).
        Err(_) => unreachable!(),
    }
}

/// How many V4 signing keys are kept (one per region and day in a normal app).
const V4_CACHE: usize = 4;

struct V4Entry {
    secret: Vec<u8>,
    date: [u8; 8],
    region: Vec<u8>,
    key: HmacSha256,
}

#[derive(Default)]
struct Caches {
    v1: Option<(Vec<u8>, HmacSha1)>,
    v4: Vec<V4Entry>,
    v4_next: usize,
}

thread_local! {
    static CACHES: RefCell<Caches> = RefCell::new(Caches::default());
}

/// Forgets every cached key state.
pub fn clear_caches() {
    CACHES.with(|c| *c.borrow_mut() = Caches::default());
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// HMAC-SHA256 (no cache).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed::<HmacSha256>(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA1 (no cache).
pub fn hmac_sha1_uncached(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut mac = keyed::<HmacSha1>(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA1 with the keyed state of the last key reused.
pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut mac = CACHES.with(|c| {
        let mut c = c.borrow_mut();
        match &c.v1 {
            Some((cached, mac)) if cached.as_slice() == key => mac.clone(),
            _ => {
                let mac = keyed::<HmacSha1>(key);
                c.v1 = Some((key.to_vec(), mac.clone()));
                mac
            }
        }
    });
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The last element of the V4 credential scope, and the last message of the signing-key chain.
pub const V4_SCOPE_TERMINATOR: &str = "aliyun_v4_request";

/// The OSS V4 signing key, uncached:
/// `H(H(H(H("aliyun_v4"+secret, date), region), "oss"), "aliyun_v4_request")` (oss-spec §1c).
/// `date` is `yyyymmdd`; the caller checks its inputs.
pub fn v4_signing_key(secret: &[u8], date: &[u8], region: &[u8]) -> [u8; 32] {
    // The first key is "aliyun_v4" ‖ secret, without allocating: HMAC pads a key of up to one
    // block (64 bytes) with zeros and replaces a longer one by its hash (RFC 2104 §2), so
    // either form below is the same key to HMAC.
    const PREFIX: &[u8] = b"aliyun_v4";
    let mut block = [0u8; 64];
    let key: &[u8] = if PREFIX.len() + secret.len() <= block.len() {
        block[..PREFIX.len()].copy_from_slice(PREFIX);
        block[PREFIX.len()..PREFIX.len() + secret.len()].copy_from_slice(secret);
        &block[..PREFIX.len() + secret.len()]
    } else {
        let hashed = sha2::Sha256::new()
            .chain_update(PREFIX)
            .chain_update(secret)
            .finalize();
        block[..32].copy_from_slice(&hashed);
        &block[..32]
    };
    let k_date = hmac_sha256(key, date);
    let k_region = hmac_sha256(&k_date, region);
    let k_service = hmac_sha256(&k_region, b"oss");
    hmac_sha256(&k_service, V4_SCOPE_TERMINATOR.as_bytes())
}

/// HMAC-SHA256 of `message` under the V4 signing key of (secret, date, region), derived anew.
pub fn v4_sign_uncached(secret: &[u8], date: &[u8], region: &[u8], message: &[u8]) -> [u8; 32] {
    hmac_sha256(&v4_signing_key(secret, date, region), message)
}

/// HMAC-SHA256 of `message` under the V4 signing key of (secret, date, region), the key's
/// keyed state taken from the cache when it is there.
pub fn v4_sign(secret: &[u8], date: &[u8; 8], region: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = CACHES.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(e) =
            c.v4.iter()
                .find(|e| &e.date == date && e.region == region && e.secret == secret)
        {
            return e.key.clone();
        }
        let key = keyed::<HmacSha256>(&v4_signing_key(secret, date, region));
        let entry = V4Entry {
            secret: secret.to_vec(),
            date: *date,
            region: region.to_vec(),
            key: key.clone(),
        };
        if c.v4.len() < V4_CACHE {
            c.v4.push(entry);
        } else {
            let slot = c.v4_next;
            c.v4[slot] = entry;
            c.v4_next = (slot + 1) % V4_CACHE;
        }
        key
    });
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The length of the padded base64 of `n` bytes.
pub const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Writes standard, padded base64 of `bytes` (what OSS expects for `policy`, `Signature`,
/// `callback` and `Content-MD5`) to the first [`base64_len`] bytes of `out`, which must be
/// at least that long (shorter: nothing is written).
pub fn base64_into(bytes: &[u8], out: &mut [u8]) {
    // The only error is an `out` too short, which the callers size with `base64_len`.
    let _ = STANDARD.encode_slice(bytes, out);
}

/// Lowercase hex digits, as V4 signatures are written.
pub const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes lowercase hex of `bytes` to the first `2 × bytes.len()` bytes of `out` (shorter:
/// only whole bytes that fit).
pub fn hex_into(bytes: &[u8], out: &mut [u8]) {
    for (b, to) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        to[0] = HEX_DIGITS[usize::from(b >> 4)];
        to[1] = HEX_DIGITS[usize::from(b & 15)];
    }
}

/// A streaming MD5.
#[derive(Clone, Debug, Default)]
pub struct Md5(::md5::Md5);

impl Md5 {
    /// An MD5 of nothing yet.
    pub fn new() -> Md5 {
        Md5::default()
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest of the bytes so far (more can follow).
    pub fn digest(&self) -> [u8; 16] {
        self.0.clone().finalize().into()
    }
}

/// MD5 of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    ::md5::Md5::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc_vectors() {
        // RFC 2202 cases 2 and 6 (a key longer than a block), RFC 4231 cases 2 and 6.
        assert_eq!(
            hex(&hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex(&hmac_sha1_uncached(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 1321's suite.
        for (input, digest) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(hex(&md5(input.as_bytes())), digest, "{input:?}");
        }
        let mut m = Md5::new();
        m.update(b"hel");
        assert_eq!(m.digest(), md5(b"hel"));
        m.update(b"lo");
        assert_eq!(m.digest(), md5(b"hello"));
    }

    #[test]
    fn base64_and_hex_vectors() {
        // RFC 4648 §10.
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = vec![0; base64_len(input.len())];
            base64_into(input.as_bytes(), &mut out);
            assert_eq!(out, encoded.as_bytes(), "{input:?}");
        }
        let mut out = [0; 6];
        hex_into(&[0x00, 0xab, 0xff], &mut out);
        assert_eq!(&out, b"00abff");
    }

    #[test]
    fn signing_key_of_any_secret_length_is_hmac_of_the_concatenation() {
        // Around the one-block boundary (9 + 55 = 64 bytes), where the key is hashed instead.
        for len in [0, 1, 40, 54, 55, 56, 57, 64, 200] {
            let secret: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut key = b"aliyun_v4".to_vec();
            key.extend_from_slice(&secret);
            let k_date = hmac_sha256(&key, b"20261202");
            let k_region = hmac_sha256(&k_date, b"cn-hangzhou");
            let k_service = hmac_sha256(&k_region, b"oss");
            let expected = hmac_sha256(&k_service, b"aliyun_v4_request");
            assert_eq!(
                v4_signing_key(&secret, b"20261202", b"cn-hangzhou"),
                expected,
                "{len}"
            );
        }
    }

    #[test]
    fn caches_never_change_a_result() {
        clear_caches();
        let uncached =
            |k: &[u8], d: &[u8; 8], r: &[u8], m: &[u8]| hmac_sha256(&v4_signing_key(k, d, r), m);
        // More (secret, date, region) triples than the cache holds, revisited in turn, and
        // keys that share prefixes: every call equals the uncached computation.
        let secrets: [&[u8]; 3] = [b"fake-secret", b"fake-secret-2", b"fake"];
        let regions: [&[u8]; 2] = [b"cn-hangzhou", b"cn-hangzhou-finance"];
        for round in 0..3 {
            for s in secrets {
                for r in regions {
                    let d = if round == 1 { b"20261201" } else { b"20261202" };
                    assert_eq!(v4_sign(s, d, r, b"policy"), uncached(s, d, r, b"policy"));
                    assert_eq!(
                        v4_sign(s, d, r, b"policy"),
                        v4_sign_uncached(s, d, r, b"policy")
                    );
                    assert_eq!(hmac_sha1(s, r), hmac_sha1_uncached(s, r));
                }
            }
        }
    }
}

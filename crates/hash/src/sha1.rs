//! SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104), for V1 signatures.
//!
//! Written here instead of taken from the RustCrypto `sha1` crate: on wasm32 that crate's
//! software back end is shaped after the x86 SHA extensions (four rounds at a time on
//! `[u32; 4]` values), and its `compress` was a quarter of a V1 signature's time in a Node CPU
//! profile (2026-12-02). This is the plain form, fully unrolled with the five working
//! variables renamed instead of moved and the message schedule in a 16-word ring; each step's
//! round function reads only values of earlier steps, so its only chain is `rotl(a, 5)` plus
//! one add. The `sha1` and `hmac` crates are the oracles of the tests below.

use crate::block::words;

const K: [u32; 4] = [0x5a82_7999, 0x6ed9_eba1, 0x8f1b_bcdc, 0xca62_c1d6];

crate::block::word_hash! {
    /// SHA-1's compression function.
    Sha1Core: [u32; 5] -> [u8; 20],
    big_endian: true,
    initial: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0],
    compress: compress,
    Sha1, HmacSha1, HmacSha1Key
}

/// One 64-byte block into the state: unrolled, or with the `small` feature (ossup-post's
/// module, built for size) the same steps as a loop.
#[inline(never)]
fn compress(state: &mut [u32; 5], block: &[u8; 64]) {
    if cfg!(feature = "small") {
        compress_rolled(state, block);
    } else {
        compress_unrolled(state, block);
    }
}

/// The 80 steps as a loop: 0.7 KB brotli less in ossup-post.wasm than [`compress_unrolled`].
fn compress_rolled(state: &mut [u32; 5], block: &[u8; 64]) {
    let mut w = words(block, true);
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for t in 0..80 {
        let i = t & 15;
        if t >= 16 {
            w[i] = (w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i]).rotate_left(1);
        }
        let f = match t / 20 {
            0 => d ^ (b & (c ^ d)),
            2 => (b & c) | (d & (b | c)),
            _ => b ^ c ^ d,
        };
        let next = e
            .wrapping_add(K[t / 20])
            .wrapping_add(w[i])
            .wrapping_add(f)
            .wrapping_add(a.rotate_left(5));
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = next;
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

#[inline(always)]
fn compress_unrolled(state: &mut [u32; 5], block: &[u8; 64]) {
    let mut w = words(block, true);
    let [mut a, mut b, mut c, mut d, mut e] = *state;

    // W[t] for t >= 16, in place of W[t - 16] in the ring.
    macro_rules! schedule {
        ($i:expr) => {{
            w[$i] =
                (w[($i + 13) & 15] ^ w[($i + 8) & 15] ^ w[($i + 2) & 15] ^ w[$i]).rotate_left(1);
            w[$i]
        }};
    }
    // One step: `$e` becomes the new `a`, `$b` is rotated in place (the next step's `c`).
    macro_rules! step {
        ($a:ident, $b:ident, $e:ident, $k:expr, $w:expr, $f:expr) => {
            $e = $e
                .wrapping_add(K[$k])
                .wrapping_add($w)
                .wrapping_add($f)
                .wrapping_add($a.rotate_left(5));
            $b = $b.rotate_left(30);
        };
    }
    step!(a, b, e, 0, w[0], d ^ (b & (c ^ d)));
    step!(e, a, d, 0, w[1], c ^ (a & (b ^ c)));
    step!(d, e, c, 0, w[2], b ^ (e & (a ^ b)));
    step!(c, d, b, 0, w[3], a ^ (d & (e ^ a)));
    step!(b, c, a, 0, w[4], e ^ (c & (d ^ e)));
    step!(a, b, e, 0, w[5], d ^ (b & (c ^ d)));
    step!(e, a, d, 0, w[6], c ^ (a & (b ^ c)));
    step!(d, e, c, 0, w[7], b ^ (e & (a ^ b)));
    step!(c, d, b, 0, w[8], a ^ (d & (e ^ a)));
    step!(b, c, a, 0, w[9], e ^ (c & (d ^ e)));
    step!(a, b, e, 0, w[10], d ^ (b & (c ^ d)));
    step!(e, a, d, 0, w[11], c ^ (a & (b ^ c)));
    step!(d, e, c, 0, w[12], b ^ (e & (a ^ b)));
    step!(c, d, b, 0, w[13], a ^ (d & (e ^ a)));
    step!(b, c, a, 0, w[14], e ^ (c & (d ^ e)));
    step!(a, b, e, 0, w[15], d ^ (b & (c ^ d)));
    step!(e, a, d, 0, schedule!(0), c ^ (a & (b ^ c)));
    step!(d, e, c, 0, schedule!(1), b ^ (e & (a ^ b)));
    step!(c, d, b, 0, schedule!(2), a ^ (d & (e ^ a)));
    step!(b, c, a, 0, schedule!(3), e ^ (c & (d ^ e)));
    step!(a, b, e, 1, schedule!(4), b ^ c ^ d);
    step!(e, a, d, 1, schedule!(5), a ^ b ^ c);
    step!(d, e, c, 1, schedule!(6), e ^ a ^ b);
    step!(c, d, b, 1, schedule!(7), d ^ e ^ a);
    step!(b, c, a, 1, schedule!(8), c ^ d ^ e);
    step!(a, b, e, 1, schedule!(9), b ^ c ^ d);
    step!(e, a, d, 1, schedule!(10), a ^ b ^ c);
    step!(d, e, c, 1, schedule!(11), e ^ a ^ b);
    step!(c, d, b, 1, schedule!(12), d ^ e ^ a);
    step!(b, c, a, 1, schedule!(13), c ^ d ^ e);
    step!(a, b, e, 1, schedule!(14), b ^ c ^ d);
    step!(e, a, d, 1, schedule!(15), a ^ b ^ c);
    step!(d, e, c, 1, schedule!(0), e ^ a ^ b);
    step!(c, d, b, 1, schedule!(1), d ^ e ^ a);
    step!(b, c, a, 1, schedule!(2), c ^ d ^ e);
    step!(a, b, e, 1, schedule!(3), b ^ c ^ d);
    step!(e, a, d, 1, schedule!(4), a ^ b ^ c);
    step!(d, e, c, 1, schedule!(5), e ^ a ^ b);
    step!(c, d, b, 1, schedule!(6), d ^ e ^ a);
    step!(b, c, a, 1, schedule!(7), c ^ d ^ e);
    step!(a, b, e, 2, schedule!(8), (b & c) | (d & (b | c)));
    step!(e, a, d, 2, schedule!(9), (a & b) | (c & (a | b)));
    step!(d, e, c, 2, schedule!(10), (e & a) | (b & (e | a)));
    step!(c, d, b, 2, schedule!(11), (d & e) | (a & (d | e)));
    step!(b, c, a, 2, schedule!(12), (c & d) | (e & (c | d)));
    step!(a, b, e, 2, schedule!(13), (b & c) | (d & (b | c)));
    step!(e, a, d, 2, schedule!(14), (a & b) | (c & (a | b)));
    step!(d, e, c, 2, schedule!(15), (e & a) | (b & (e | a)));
    step!(c, d, b, 2, schedule!(0), (d & e) | (a & (d | e)));
    step!(b, c, a, 2, schedule!(1), (c & d) | (e & (c | d)));
    step!(a, b, e, 2, schedule!(2), (b & c) | (d & (b | c)));
    step!(e, a, d, 2, schedule!(3), (a & b) | (c & (a | b)));
    step!(d, e, c, 2, schedule!(4), (e & a) | (b & (e | a)));
    step!(c, d, b, 2, schedule!(5), (d & e) | (a & (d | e)));
    step!(b, c, a, 2, schedule!(6), (c & d) | (e & (c | d)));
    step!(a, b, e, 2, schedule!(7), (b & c) | (d & (b | c)));
    step!(e, a, d, 2, schedule!(8), (a & b) | (c & (a | b)));
    step!(d, e, c, 2, schedule!(9), (e & a) | (b & (e | a)));
    step!(c, d, b, 2, schedule!(10), (d & e) | (a & (d | e)));
    step!(b, c, a, 2, schedule!(11), (c & d) | (e & (c | d)));
    step!(a, b, e, 3, schedule!(12), b ^ c ^ d);
    step!(e, a, d, 3, schedule!(13), a ^ b ^ c);
    step!(d, e, c, 3, schedule!(14), e ^ a ^ b);
    step!(c, d, b, 3, schedule!(15), d ^ e ^ a);
    step!(b, c, a, 3, schedule!(0), c ^ d ^ e);
    step!(a, b, e, 3, schedule!(1), b ^ c ^ d);
    step!(e, a, d, 3, schedule!(2), a ^ b ^ c);
    step!(d, e, c, 3, schedule!(3), e ^ a ^ b);
    step!(c, d, b, 3, schedule!(4), d ^ e ^ a);
    step!(b, c, a, 3, schedule!(5), c ^ d ^ e);
    step!(a, b, e, 3, schedule!(6), b ^ c ^ d);
    step!(e, a, d, 3, schedule!(7), a ^ b ^ c);
    step!(d, e, c, 3, schedule!(8), e ^ a ^ b);
    step!(c, d, b, 3, schedule!(9), d ^ e ^ a);
    step!(b, c, a, 3, schedule!(10), c ^ d ^ e);
    step!(a, b, e, 3, schedule!(11), b ^ c ^ d);
    step!(e, a, d, 3, schedule!(12), a ^ b ^ c);
    step!(d, e, c, 3, schedule!(13), e ^ a ^ b);
    step!(c, d, b, 3, schedule!(14), d ^ e ^ a);
    step!(b, c, a, 3, schedule!(15), c ^ d ^ e);

    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1_oracle::Digest;

    fn sha1(data: &[u8]) -> [u8; 20] {
        let mut hash = Sha1::default();
        hash.update(data);
        hash.digest()
    }

    fn hmac(key: &[u8], message: &[u8]) -> [u8; 20] {
        let mut mac = HmacSha1::new(key);
        mac.update(message);
        mac.finalize()
    }

    #[test]
    fn fips_and_rfc_2202_vectors() {
        let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(hmac(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        // RFC 2202 case 6: an 80-byte key (hashed first).
        assert_eq!(
            hex(hmac(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn both_forms_of_compress_agree() {
        for (block, r) in crate::block::test_blocks(0x9e37_79b9, 200) {
            let mut rolled = [r, 1, 2, 3, r.rotate_left(7)];
            let mut unrolled = rolled;
            compress_rolled(&mut rolled, &block);
            compress_unrolled(&mut unrolled, &block);
            assert_eq!(rolled, unrolled);
        }
    }

    #[test]
    fn every_length_around_the_padding_boundaries() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 11 + 5) as u8).collect();
        for len in 0..data.len() {
            let expected: [u8; 20] = sha1_oracle::Sha1::digest(&data[..len]).into();
            assert_eq!(sha1(&data[..len]), expected, "length {len}");
        }
    }
}

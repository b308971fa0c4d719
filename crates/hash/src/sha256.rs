//! SHA-256 (FIPS 180-4) and HMAC-SHA256, for V4 signatures.
//!
//! Written here for the same reasons as SHA-1 (sha1.rs): the `sha2` crate's software back end
//! mirrors the x86 SHA extensions (two rounds at a time on `[u32; 4]` values) and was the
//! largest function of ossup-post.wasm (4.7 KB, twiggy on 2026-12-02), compiled lazily on the
//! first V4 signature of a cold start. Here: unrolled with renamed variables, or a loop with
//! the `small` feature. The `sha2` and `hmac` crates are the oracles of the tests below.

use crate::block::words;

/// The round constants: the first 32 bits of the fractional parts of the cube roots of the
/// first 64 primes.
const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

crate::block::word_hash! {
    /// SHA-256's compression function; its initial state is the first 32 bits of the
    /// fractional parts of the square roots of the first 8 primes.
    Sha256Core: [u32; 8] -> [u8; 32],
    big_endian: true,
    initial: [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
        0x5be0_cd19,
    ],
    compress: compress,
    Sha256, HmacSha256, HmacSha256Key
}

#[inline(always)]
fn big_sigma0(a: u32) -> u32 {
    a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22)
}
#[inline(always)]
fn big_sigma1(e: u32) -> u32 {
    e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25)
}
#[inline(always)]
fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}
#[inline(always)]
fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}
/// W[t] for t >= 16 from the 16-word ring, in place of W[t - 16].
#[inline(always)]
fn schedule(w: &mut [u32; 16], i: usize) -> u32 {
    w[i] = small_sigma1(w[(i + 14) & 15])
        .wrapping_add(w[(i + 9) & 15])
        .wrapping_add(small_sigma0(w[(i + 1) & 15]))
        .wrapping_add(w[i]);
    w[i]
}

/// One 64-byte block into the state: unrolled, or with the `small` feature (ossup-post's
/// module, built for size) the same steps as a loop.
#[inline(never)]
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    if cfg!(feature = "small") {
        compress_rolled(state, block);
    } else {
        compress_unrolled(state, block);
    }
}

fn compress_rolled(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = words(block, true);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (t, k) in K.iter().enumerate() {
        let word = if t < 16 {
            w[t]
        } else {
            schedule(&mut w, t & 15)
        };
        let t1 = h
            .wrapping_add(big_sigma1(e))
            .wrapping_add(g ^ (e & (f ^ g)))
            .wrapping_add(*k)
            .wrapping_add(word);
        let t2 = big_sigma0(a).wrapping_add((a & b) | (c & (a | b)));
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[inline(always)]
fn compress_unrolled(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = words(block, true);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    macro_rules! schedule {
        ($i:expr) => {
            schedule(&mut w, $i)
        };
    }
    // One step: `$d` takes T1 (the next `e`) and `$h` becomes the new `a`; the others are the
    // next step's b, c, d, f, g, h as they are.
    macro_rules! step {
        ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $t:expr, $w:expr) => {
            let t1 = $h
                .wrapping_add(K[$t])
                .wrapping_add($w)
                .wrapping_add($g ^ ($e & ($f ^ $g)))
                .wrapping_add(big_sigma1($e));
            $d = $d.wrapping_add(t1);
            $h = t1
                .wrapping_add(big_sigma0($a))
                .wrapping_add(($a & $b) | ($c & ($a | $b)));
        };
    }
    step!(a, b, c, d, e, f, g, h, 0, w[0]);
    step!(h, a, b, c, d, e, f, g, 1, w[1]);
    step!(g, h, a, b, c, d, e, f, 2, w[2]);
    step!(f, g, h, a, b, c, d, e, 3, w[3]);
    step!(e, f, g, h, a, b, c, d, 4, w[4]);
    step!(d, e, f, g, h, a, b, c, 5, w[5]);
    step!(c, d, e, f, g, h, a, b, 6, w[6]);
    step!(b, c, d, e, f, g, h, a, 7, w[7]);
    step!(a, b, c, d, e, f, g, h, 8, w[8]);
    step!(h, a, b, c, d, e, f, g, 9, w[9]);
    step!(g, h, a, b, c, d, e, f, 10, w[10]);
    step!(f, g, h, a, b, c, d, e, 11, w[11]);
    step!(e, f, g, h, a, b, c, d, 12, w[12]);
    step!(d, e, f, g, h, a, b, c, 13, w[13]);
    step!(c, d, e, f, g, h, a, b, 14, w[14]);
    step!(b, c, d, e, f, g, h, a, 15, w[15]);
    step!(a, b, c, d, e, f, g, h, 16, schedule!(0));
    step!(h, a, b, c, d, e, f, g, 17, schedule!(1));
    step!(g, h, a, b, c, d, e, f, 18, schedule!(2));
    step!(f, g, h, a, b, c, d, e, 19, schedule!(3));
    step!(e, f, g, h, a, b, c, d, 20, schedule!(4));
    step!(d, e, f, g, h, a, b, c, 21, schedule!(5));
    step!(c, d, e, f, g, h, a, b, 22, schedule!(6));
    step!(b, c, d, e, f, g, h, a, 23, schedule!(7));
    step!(a, b, c, d, e, f, g, h, 24, schedule!(8));
    step!(h, a, b, c, d, e, f, g, 25, schedule!(9));
    step!(g, h, a, b, c, d, e, f, 26, schedule!(10));
    step!(f, g, h, a, b, c, d, e, 27, schedule!(11));
    step!(e, f, g, h, a, b, c, d, 28, schedule!(12));
    step!(d, e, f, g, h, a, b, c, 29, schedule!(13));
    step!(c, d, e, f, g, h, a, b, 30, schedule!(14));
    step!(b, c, d, e, f, g, h, a, 31, schedule!(15));
    step!(a, b, c, d, e, f, g, h, 32, schedule!(0));
    step!(h, a, b, c, d, e, f, g, 33, schedule!(1));
    step!(g, h, a, b, c, d, e, f, 34, schedule!(2));
    step!(f, g, h, a, b, c, d, e, 35, schedule!(3));
    step!(e, f, g, h, a, b, c, d, 36, schedule!(4));
    step!(d, e, f, g, h, a, b, c, 37, schedule!(5));
    step!(c, d, e, f, g, h, a, b, 38, schedule!(6));
    step!(b, c, d, e, f, g, h, a, 39, schedule!(7));
    step!(a, b, c, d, e, f, g, h, 40, schedule!(8));
    step!(h, a, b, c, d, e, f, g, 41, schedule!(9));
    step!(g, h, a, b, c, d, e, f, 42, schedule!(10));
    step!(f, g, h, a, b, c, d, e, 43, schedule!(11));
    step!(e, f, g, h, a, b, c, d, 44, schedule!(12));
    step!(d, e, f, g, h, a, b, c, 45, schedule!(13));
    step!(c, d, e, f, g, h, a, b, 46, schedule!(14));
    step!(b, c, d, e, f, g, h, a, 47, schedule!(15));
    step!(a, b, c, d, e, f, g, h, 48, schedule!(0));
    step!(h, a, b, c, d, e, f, g, 49, schedule!(1));
    step!(g, h, a, b, c, d, e, f, 50, schedule!(2));
    step!(f, g, h, a, b, c, d, e, 51, schedule!(3));
    step!(e, f, g, h, a, b, c, d, 52, schedule!(4));
    step!(d, e, f, g, h, a, b, c, 53, schedule!(5));
    step!(c, d, e, f, g, h, a, b, 54, schedule!(6));
    step!(b, c, d, e, f, g, h, a, 55, schedule!(7));
    step!(a, b, c, d, e, f, g, h, 56, schedule!(8));
    step!(h, a, b, c, d, e, f, g, 57, schedule!(9));
    step!(g, h, a, b, c, d, e, f, 58, schedule!(10));
    step!(f, g, h, a, b, c, d, e, 59, schedule!(11));
    step!(e, f, g, h, a, b, c, d, 60, schedule!(12));
    step!(d, e, f, g, h, a, b, c, 61, schedule!(13));
    step!(c, d, e, f, g, h, a, b, 62, schedule!(14));
    step!(b, c, d, e, f, g, h, a, 63, schedule!(15));

    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{hash, hmac};
    use sha2::Digest;

    #[test]
    fn fips_and_rfc_4231_vectors() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(hash::<Sha256Core>(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(hash::<Sha256Core>(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(hmac::<Sha256Core>(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 4231 case 6: a 131-byte key (hashed first).
        assert_eq!(
            hex(hmac::<Sha256Core>(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn both_forms_of_compress_agree() {
        for (block, r) in crate::block::test_blocks(0x2545_f491, 200) {
            let mut rolled = [r, 1, 2, 3, 4, 5, 6, r.rotate_left(9)];
            let mut unrolled = rolled;
            compress_rolled(&mut rolled, &block);
            compress_unrolled(&mut unrolled, &block);
            assert_eq!(rolled, unrolled);
        }
    }

    #[test]
    fn every_length_around_the_padding_boundaries() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 13 + 7) as u8).collect();
        for len in 0..data.len() {
            let expected: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
            assert_eq!(hash::<Sha256Core>(&data[..len]), expected, "length {len}");
        }
    }
}

//! MD5 (RFC 1321) with the round functions written for a short dependency chain.
//!
//! MD5 is one serial chain: each step needs the result of the step before it (`b`), so its
//! speed is the latency of the operations on that path, not their number. The RustCrypto `md-5`
//! crate (its software back end, the only one on wasm32) computes F as `(b & c) | (!b & d)` and
//! G as `(b & d) | (c & !d)`, three and two operations after `b`. Here (after
//! github.com/animetosho/md5-optimisation, public domain):
//! - F = `d ^ (b & (c ^ d))`: two operations after `b`;
//! - G = `(c & !d) + (b & d)`, the two halves added to the sum separately: `c & !d` does not
//!   depend on `b`, so one AND after `b` (the halves share no bit, so `+` is `|`);
//! - H = `b ^ (c ^ d)`: one operation after `b`;
//! - I = `c ^ (b | !d)`: two.
//!
//! and `a + m + k` is added before the round function, off the critical path. Measured in
//! bench/RESULTS.md ("MD5"); the `md-5` crate is the oracle of the tests below.

use crate::block::words;

/// The per-step additive constants, `floor(abs(sin(i + 1)) * 2^32)`.
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

crate::block::word_hash! {
    /// MD5's compression function.
    Md5Core: [u32; 4] -> [u8; 16],
    big_endian: false,
    initial: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
    compress: compress,
    Md5
}

/// MD5 of one buffer.
pub fn md5(data: &[u8]) -> [u8; 16] {
    crate::block::hash::<Md5Core>(data)
}

/// One 64-byte block into the state. Out of line: four call sites would be four copies of
/// 64 unrolled steps in the `.wasm`.
#[inline(never)]
fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let m = words(block, false);
    let [mut a, mut b, mut c, mut d] = *state;

    // One step: `$a` becomes the new value; `$b` is the previous step's result, the only
    // input not ready long before. `$f` is the round function of (b, c, d), added to the sum of
    // the inputs that are.
    macro_rules! step {
        ($a:ident, $b:ident, $k:expr, $m:expr, $s:expr, $f:expr) => {
            $a = $a
                .wrapping_add(m[$m])
                .wrapping_add(K[$k])
                .wrapping_add($f)
                .rotate_left($s)
                .wrapping_add($b);
        };
        // G: `$early` does not depend on `$b`, and is added first.
        ($a:ident, $b:ident, $k:expr, $m:expr, $s:expr, $f:expr; $early:expr) => {
            $a = $a
                .wrapping_add(m[$m])
                .wrapping_add(K[$k])
                .wrapping_add($early)
                .wrapping_add($f)
                .rotate_left($s)
                .wrapping_add($b);
        };
    }
    step!(a, b, 0, 0, 7, d ^ (b & (c ^ d)));
    step!(d, a, 1, 1, 12, c ^ (a & (b ^ c)));
    step!(c, d, 2, 2, 17, b ^ (d & (a ^ b)));
    step!(b, c, 3, 3, 22, a ^ (c & (d ^ a)));
    step!(a, b, 4, 4, 7, d ^ (b & (c ^ d)));
    step!(d, a, 5, 5, 12, c ^ (a & (b ^ c)));
    step!(c, d, 6, 6, 17, b ^ (d & (a ^ b)));
    step!(b, c, 7, 7, 22, a ^ (c & (d ^ a)));
    step!(a, b, 8, 8, 7, d ^ (b & (c ^ d)));
    step!(d, a, 9, 9, 12, c ^ (a & (b ^ c)));
    step!(c, d, 10, 10, 17, b ^ (d & (a ^ b)));
    step!(b, c, 11, 11, 22, a ^ (c & (d ^ a)));
    step!(a, b, 12, 12, 7, d ^ (b & (c ^ d)));
    step!(d, a, 13, 13, 12, c ^ (a & (b ^ c)));
    step!(c, d, 14, 14, 17, b ^ (d & (a ^ b)));
    step!(b, c, 15, 15, 22, a ^ (c & (d ^ a)));

    step!(a, b, 16, 1, 5, b & d; c & !d);
    step!(d, a, 17, 6, 9, a & c; b & !c);
    step!(c, d, 18, 11, 14, d & b; a & !b);
    step!(b, c, 19, 0, 20, c & a; d & !a);
    step!(a, b, 20, 5, 5, b & d; c & !d);
    step!(d, a, 21, 10, 9, a & c; b & !c);
    step!(c, d, 22, 15, 14, d & b; a & !b);
    step!(b, c, 23, 4, 20, c & a; d & !a);
    step!(a, b, 24, 9, 5, b & d; c & !d);
    step!(d, a, 25, 14, 9, a & c; b & !c);
    step!(c, d, 26, 3, 14, d & b; a & !b);
    step!(b, c, 27, 8, 20, c & a; d & !a);
    step!(a, b, 28, 13, 5, b & d; c & !d);
    step!(d, a, 29, 2, 9, a & c; b & !c);
    step!(c, d, 30, 7, 14, d & b; a & !b);
    step!(b, c, 31, 12, 20, c & a; d & !a);

    step!(a, b, 32, 5, 4, b ^ (c ^ d));
    step!(d, a, 33, 8, 11, a ^ (b ^ c));
    step!(c, d, 34, 11, 16, d ^ (a ^ b));
    step!(b, c, 35, 14, 23, c ^ (d ^ a));
    step!(a, b, 36, 1, 4, b ^ (c ^ d));
    step!(d, a, 37, 4, 11, a ^ (b ^ c));
    step!(c, d, 38, 7, 16, d ^ (a ^ b));
    step!(b, c, 39, 10, 23, c ^ (d ^ a));
    step!(a, b, 40, 13, 4, b ^ (c ^ d));
    step!(d, a, 41, 0, 11, a ^ (b ^ c));
    step!(c, d, 42, 3, 16, d ^ (a ^ b));
    step!(b, c, 43, 6, 23, c ^ (d ^ a));
    step!(a, b, 44, 9, 4, b ^ (c ^ d));
    step!(d, a, 45, 12, 11, a ^ (b ^ c));
    step!(c, d, 46, 15, 16, d ^ (a ^ b));
    step!(b, c, 47, 2, 23, c ^ (d ^ a));

    step!(a, b, 48, 0, 6, c ^ (b | !d));
    step!(d, a, 49, 7, 10, b ^ (a | !c));
    step!(c, d, 50, 14, 15, a ^ (d | !b));
    step!(b, c, 51, 5, 21, d ^ (c | !a));
    step!(a, b, 52, 12, 6, c ^ (b | !d));
    step!(d, a, 53, 3, 10, b ^ (a | !c));
    step!(c, d, 54, 10, 15, a ^ (d | !b));
    step!(b, c, 55, 1, 21, d ^ (c | !a));
    step!(a, b, 56, 8, 6, c ^ (b | !d));
    step!(d, a, 57, 15, 10, b ^ (a | !c));
    step!(c, d, 58, 6, 15, a ^ (d | !b));
    step!(b, c, 59, 13, 21, d ^ (c | !a));
    step!(a, b, 60, 4, 6, c ^ (b | !d));
    step!(d, a, 61, 11, 10, b ^ (a | !c));
    step!(c, d, 62, 2, 15, a ^ (d | !b));
    step!(b, c, 63, 9, 21, d ^ (c | !a));

    for (s, v) in state.iter_mut().zip([a, b, c, d]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5_oracle::Digest;
    use proptest::prelude::*;

    fn oracle(data: &[u8]) -> [u8; 16] {
        md5_oracle::Md5::digest(data).into()
    }

    #[test]
    fn rfc_1321_suite() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        for (input, digest) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(hex(md5(input.as_bytes())), digest, "{input:?}");
        }
    }

    #[test]
    fn every_length_around_the_padding_boundaries() {
        // 55/56 (the length fits or needs a second block), 63/64/65 (block edges), and more.
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(md5(&data[..len]), oracle(&data[..len]), "length {len}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn streaming_in_any_pieces_equals_the_oracle(
            data in proptest::collection::vec(any::<u8>(), 0..1000),
            cuts in proptest::collection::vec(0usize..1000, 0..8),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut hash = Md5::new();
            let mut at = 0;
            for cut in cuts {
                hash.update(&data[at..cut]);
                // A digest midway does not change what follows.
                prop_assert_eq!(hash.digest(), oracle(&data[..cut]));
                at = cut;
            }
            hash.update(&data[at..]);
            prop_assert_eq!(hash.digest(), oracle(&data));
        }
    }
}

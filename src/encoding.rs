//! Byte-to-text encodings: base64, lowercase hex, JSON strings and the V4 percent-encoding.

// Base64 is written here rather than taken from the `base64` crate, for the package size: the
// crate's engine was 3.7 KB of the `.wasm` (0.9 KB brotli), measured on 2026-12-02. At the
// core's opt-level 2 both decode as fast; compiled at 3, the crate's decoder was about a fifth
// of a V1 signature (a `memcpy` per 8 characters, in a Node CPU profile). The crate stays the
// oracle of the property test below (`STANDARD`).

// The encoders are in ossup-hash (no_std), which ossup-post's module shares.
use ossup_hash::BASE64_ALPHABET as ALPHABET;

/// Each byte's 6-bit value in [`ALPHABET`], already placed where its bits go in the three
/// bytes of its group of four characters (`DECODE[k]`: the k-th), those bytes read as a
/// little-endian `u32`; or [`INVALID`], in the fourth byte. One lookup and an OR per
/// character, one test and one 4-byte store per group (its fourth byte, zero, is overwritten
/// by the next group's). 4 KB of tables: the bench's V1 policy decodes in 1,900 instead of
/// 3,600 instructions with them (callgrind, 2026-12-02). Written as one word instead of three
/// bytes, with the ASCII test folded in (which spares an ASCII policy its UTF-8 check), a V1
/// signature took 0.97× the time in wasm (Node 20, interleaved A/B, 2026-12-07).
const INVALID: u32 = 1 << 31;
const DECODE: [[u32; 256]; 4] = {
    let mut tables = [[INVALID; 256]; 4];
    let mut i = 0;
    while i < 64 {
        let (v, c) = (i as u32, ALPHABET[i] as usize);
        tables[0][c] = v << 2; // byte 0, bits 7..2
        tables[1][c] = (v >> 4) | ((v & 15) << 12); // byte 0, bits 1..0; byte 1, bits 7..4
        tables[2][c] = ((v >> 2) << 8) | ((v & 3) << 22); // byte 1, bits 3..0; byte 2, bits 7..6
        tables[3][c] = v << 16; // byte 2, bits 5..0
        i += 1;
    }
    tables
};

/// Standard base64 with padding (RFC 4648 §4), as OSS expects for `policy`, `Signature`,
/// `callback` and `Content-MD5`.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = vec![0; ossup_hash::base64_len(bytes.len())];
    ossup_hash::base64_into(bytes, &mut out);
    ascii(out)
}

/// Decodes standard, padded base64; `None` when the text is not exactly that: a length that
/// is not a multiple of 4, a character outside the alphabet, `=` anywhere but the last one or
/// two places, or padding over bits that are not zero (the canonical form only, as the
/// `base64` crate's `STANDARD` engine decodes).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let decoded = base64_decode_into(text, &mut out)?;
    out.truncate(decoded.len);
    Some(out)
}

/// What [`base64_decode_into`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// How many bytes.
    pub len: usize,
    /// Whether they are all ASCII (below 0x80), hence UTF-8.
    pub ascii: bool,
}

/// [`base64_decode`] into `out`, whose first bytes it overwrites (growing it if it is too
/// short, never shrinking it; what follows the decoded bytes is unspecified). A buffer kept
/// between calls makes the decoding allocate and clear nothing (the policy signatures'
/// `check_policy_field`, which also skips the UTF-8 check of an all-ASCII policy).
pub fn base64_decode_into(text: &str, out: &mut Vec<u8>) -> Option<Decoded> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let quad = |q: [u8; 4]| -> Option<u32> {
        let n = DECODE[0][usize::from(q[0])]
            | DECODE[1][usize::from(q[1])]
            | DECODE[2][usize::from(q[2])]
            | DECODE[3][usize::from(q[3])];
        (n & INVALID == 0).then_some(n)
    };
    let (body, last) = text.split_at(text.len().saturating_sub(4));
    let body_len = body.len() / 4 * 3;
    // Room for the last group's 4-byte store.
    if out.len() < body_len + 4 {
        out.resize(body_len + 4, 0);
    }
    let mut seen = 0; // the OR of every group: its bits 7, 15 and 23 say whether any byte is not ASCII
    for (q, at) in body.chunks_exact(4).zip((0..body_len).step_by(3)) {
        let n = quad([q[0], q[1], q[2], q[3]])?;
        seen |= n;
        out[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }
    // The last group: `=` padding over bits that must be zero.
    let (n, len) = match *last {
        [] => (0, 0),
        [a, b, b'=', b'='] => (
            quad([a, b, b'A', b'A']).filter(|n| n & 0x00ff_ff00 == 0)?,
            1,
        ),
        [a, b, c, b'='] => (quad([a, b, c, b'A']).filter(|n| n & 0x00ff_0000 == 0)?, 2),
        [a, b, c, d] => (quad([a, b, c, d])?, 3),
        _ => return None,
    };
    seen |= n;
    out[body_len..body_len + 4].copy_from_slice(&n.to_le_bytes());
    Some(Decoded {
        len: body_len + len,
        ascii: seen & 0x0080_8080 == 0,
    })
}

const HEX: &[u8; 16] = ossup_hash::HEX_DIGITS;

/// Lowercase hex, as V4 signatures are written.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    ossup_hash::hex_into(bytes, &mut out);
    ascii(out)
}

/// Bytes the caller wrote as ASCII, as a `String`. Building bytes and converting once is
/// cheaper than `String::push`, which encodes each char as UTF-8 (a call per byte when the
/// core was built at opt-level "z").
fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

/// Appends `text` as a JSON string literal, byte-for-byte what `JSON.stringify` writes:
/// `"` and `\` escaped, U+0008/09/0A/0C/0D as `\b \t \n \f \r`, other controls below
/// U+0020 as `\u00xx`, and everything else (non-ASCII, `/`, U+2028) raw UTF-8.
/// Matching `JSON.stringify` lets a policy built here be compared with ali-oss's byte for byte.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The V4 percent-encoding (oss-spec §3): keep `A–Z a–z 0–9 - _ . ~` (and `/` when
/// `keep_slash`), write every other byte of the UTF-8 as uppercase `%XX`.
pub fn percent_encode(text: &str, keep_slash: bool) -> String {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', UPPER[usize::from(b >> 4)], UPPER[usize::from(b & 15)]]);
        }
    }
    ascii(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_match_json_stringify() {
        let mut out = String::new();
        push_json_string(
            &mut out,
            "a\"b\\c/d\u{1}\u{1f}\n\r\t\u{8}\u{c}上传😀\u{2028}$",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c/d\\u0001\\u001f\\n\\r\\t\\b\\f上传😀\u{2028}$\""
        );
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(
            percent_encode("a b+c/上~_.-", true),
            "a%20b%2Bc/%E4%B8%8A~_.-"
        );
        assert_eq!(percent_encode("a/b", false), "a%2Fb");
    }

    #[test]
    fn base64_rejects_what_is_not_canonical_padded_base64() {
        for bad in [
            "aGk", "aG=k", "a===", "====", "aGk=aGk=", "aGl=", "aR==", "aGk\n", "aGk-",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
        assert_eq!(base64_decode(""), Some(Vec::new()));
        assert_eq!(base64_decode("AA=="), Some(vec![0]));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod against_the_base64_crate {
        use super::super::{base64, base64_decode, base64_decode_into, ALPHABET};
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine as _;
        use proptest::prelude::*;

        /// Text that is mostly base64-shaped: the alphabet, `=`, and now and then anything.
        fn base64ish() -> impl Strategy<Value = String> {
            let symbol = prop_oneof![
                8 => proptest::sample::select(ALPHABET.to_vec()).prop_map(char::from),
                2 => Just('='),
                1 => any::<char>(),
            ];
            proptest::collection::vec(symbol, 0..24).prop_map(|chars| chars.into_iter().collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn encodes_as_the_crate(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
                prop_assert_eq!(base64(&bytes), STANDARD.encode(&bytes));
            }

            #[test]
            fn decodes_as_the_crate(text in base64ish()) {
                prop_assert_eq!(base64_decode(&text), STANDARD.decode(&text).ok());
            }

            #[test]
            fn decodes_what_the_crate_encodes(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
                prop_assert_eq!(base64_decode(&STANDARD.encode(&bytes)), Some(bytes));
            }

            /// Into a reused buffer (longer or shorter than needed, with old bytes in it): the
            /// same bytes, and `ascii` exactly when they are all ASCII. Mostly-ASCII input,
            /// so that one byte at or above 0x80 in any of a group's three places comes up.
            #[test]
            fn decodes_into_a_reused_buffer(
                bytes in proptest::collection::vec(prop_oneof![9 => 0u8..0x80, 1 => any::<u8>()], 0..80),
                old in proptest::collection::vec(any::<u8>(), 0..90),
            ) {
                let mut out = old;
                let decoded = base64_decode_into(&STANDARD.encode(&bytes), &mut out);
                prop_assert_eq!(decoded.map(|d| d.len), Some(bytes.len()));
                prop_assert_eq!(&out[..bytes.len()], &bytes[..]);
                prop_assert_eq!(decoded.map(|d| d.ascii), Some(bytes.is_ascii()));
            }
        }
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64(b"hi"), "aGk=");
        assert_eq!(base64_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64_decode("aGk"), None);
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }
}

//! Byte-to-text encodings: base64, lowercase hex, JSON strings and the V4 percent-encoding.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Appends the decimal digits of `n`: messages and fields are built without `core::fmt`,
/// whose machinery was about 3 KB of every module.
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// The decimal digits of `n`.
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

/// Standard base64 with padding (RFC 4648 §4), as OSS expects for `policy`, `Signature`,
/// `callback` and `Content-MD5`.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = vec![0; crate::hash::base64_len(bytes.len())];
    crate::hash::base64_into(bytes, &mut out);
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
    if text.len() % 4 != 0 {
        return None;
    }
    let most = text.len() / 4 * 3;
    if out.len() < most {
        out.resize(most, 0);
    }
    // `STANDARD` decodes the canonical form only (padding required, trailing bits zero).
    let len = STANDARD.decode_slice(text, out).ok()?;
    Some(Decoded {
        len,
        ascii: out[..len].is_ascii(),
    })
}

const HEX: &[u8; 16] = crate::hash::HEX_DIGITS;

/// Lowercase hex, as V4 signatures are written.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    crate::hash::hex_into(bytes, &mut out);
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
    mod reused_buffer {
        use super::super::base64_decode_into;
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine as _;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

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

//! CRC-64/XZ (ECMA-182), the `x-oss-hash-crc64ecma` checksum (oss-spec §5): streaming,
//! resumable from a previous value, and `combine` for multipart uploads.

pub use ossup_crc64::{checksum, combine, update, POLY_REFLECTED};

use crate::error::{Error, Result};

/// A streaming CRC-64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Crc64 {
    value: u64,
}

impl Crc64 {
    /// Starts at 0, or continues from a previous CRC value.
    pub fn new(previous: u64) -> Crc64 {
        Crc64 { value: previous }
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.value = update(self.value, data);
    }

    /// The CRC of everything so far (the object can keep going).
    pub fn value(&self) -> u64 {
        self.value
    }
}

/// Parses the decimal form OSS uses in `x-oss-hash-crc64ecma` (and our JS API uses, so that
/// no 64-bit integer crosses into JS as a BigInt).
pub fn parse_decimal(option: &'static str, text: &str) -> Result<u64> {
    let bad = || {
        Error::Crc(format!(
            "`{option}` must be a CRC-64 as a decimal string of 1-20 digits (as in x-oss-hash-crc64ecma), got \"{text}\""
        ))
    };
    ossup_crc64::parse_decimal(text.as_bytes()).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(checksum(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(checksum(b""), 0);
    }

    #[test]
    fn streaming_and_combine_agree() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let whole = checksum(&data);
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let (a, b) = data.split_at(split);
            assert_eq!(update(checksum(a), b), whole);
            assert_eq!(combine(checksum(a), checksum(b), b.len() as u64), whole);
        }
    }

    #[test]
    fn decimal_parsing() {
        assert_eq!(parse_decimal("c", "18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_decimal("c", "0"), Ok(0));
        for bad in [
            "",
            "-1",
            "18446744073709551616",
            "1e3",
            " 1",
            "0x10",
            "123456789012345678901",
        ] {
            assert!(parse_decimal("c", bad).is_err(), "{bad:?}");
        }
    }
}

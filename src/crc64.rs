//! CRC-64/XZ (ECMA-182), the `x-oss-hash-crc64ecma` checksum (oss-spec §5): streaming,
//! resumable from a previous value, and `combine` for multipart uploads.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The ECMA-182 polynomial, reflected (oss-spec §5: `0x42F0E1EBA9EA3693` reflected).
pub const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// Bytes processed per step of the table-driven loop ("slicing-by-N").
const SLICES: usize = 8;

type Tables = [[u64; 256]; SLICES];

/// The slicing tables (16 KiB) are computed on first use rather than shipped in the
/// `.wasm`, where they would cost 16 KiB that compresses badly.
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Box<Tables>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Box::new([[0u64; 256]; SLICES]);
        for i in 0..256 {
            let mut crc = i as u64;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY_REFLECTED
                } else {
                    crc >> 1
                };
            }
            t[0][i] = crc;
        }
        for k in 1..SLICES {
            for i in 0..256 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            }
        }
        t
    })
}

/// Continues a CRC: `update(crc(A), B) == crc(A ‖ B)`, and `update(0, B) == crc(B)`,
/// the convention of oss2's `Crc64(init_crc)` (oss-spec §5).
pub fn update(previous: u64, data: &[u8]) -> u64 {
    let t = tables();
    let mut crc = !previous;
    let mut chunks = data.chunks_exact(SLICES);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = crc ^ u64::from_le_bytes(word);
        crc = t[7][(v & 0xff) as usize]
            ^ t[6][((v >> 8) & 0xff) as usize]
            ^ t[5][((v >> 16) & 0xff) as usize]
            ^ t[4][((v >> 24) & 0xff) as usize]
            ^ t[3][((v >> 32) & 0xff) as usize]
            ^ t[2][((v >> 40) & 0xff) as usize]
            ^ t[1][((v >> 48) & 0xff) as usize]
            ^ t[0][(v >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// CRC-64/XZ of one buffer.
pub fn checksum(data: &[u8]) -> u64 {
    update(0, data)
}

fn gf2_times(matrix: &[u64; 64], mut vector: u64) -> u64 {
    let mut sum = 0;
    let mut row = 0;
    while vector != 0 {
        if vector & 1 == 1 {
            sum ^= matrix[row];
        }
        vector >>= 1;
        row += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64; 64], matrix: &[u64; 64]) {
    for (n, row) in square.iter_mut().enumerate() {
        *row = gf2_times(matrix, matrix[n]);
    }
}

/// `combine(crc(A), crc(B), len(B)) == crc(A ‖ B)`: zlib's `crc32_combine` widened to 64 bits
/// (oss-spec §5). Used to check a multipart object's CRC from its parts' CRCs.
pub fn combine(crc_a: u64, crc_b: u64, length_b: u64) -> u64 {
    if length_b == 0 {
        return crc_a;
    }
    let mut odd = [0u64; 64];
    let mut even = [0u64; 64];
    // `odd` is the operator for one zero bit.
    odd[0] = POLY_REFLECTED;
    for (n, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    gf2_square(&mut even, &odd); // two zero bits
    gf2_square(&mut odd, &even); // four zero bits
    let mut crc = crc_a;
    let mut length = length_b;
    loop {
        gf2_square(&mut even, &odd);
        if length & 1 == 1 {
            crc = gf2_times(&even, crc);
        }
        length >>= 1;
        if length == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if length & 1 == 1 {
            crc = gf2_times(&odd, crc);
        }
        length >>= 1;
        if length == 0 {
            break;
        }
    }
    crc ^ crc_b
}

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
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.bytes().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(d - b'0')))
            .ok_or_else(bad)
    })
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

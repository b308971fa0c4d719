//! CRC-64/XZ (ECMA-182): slicing-by-16 `update` and zlib-style `combine`.
//!
//! A crate of its own so that it can be compiled for speed (`opt-level = 3` in the workspace
//! root's release profile) inside a `.wasm` built for size: at `opt-level = "z"` this loop runs
//! at about a third of the speed (bench/RESULTS.md), and it is what big files wait for.
#![forbid(unsafe_code)]

use std::sync::OnceLock;

/// The ECMA-182 polynomial, reflected (oss-spec §5: `0x42F0E1EBA9EA3693` reflected).
pub const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// Bytes processed per step of the table-driven loop ("slicing-by-N").
const SLICES: usize = 16;

type Tables = [[u64; 256]; SLICES];

/// The slicing tables (32 KiB) are computed on first use (about 4,000 table steps) rather
/// than shipped in the `.wasm`, where they would cost 32 KiB that compresses badly.
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
    // `as u8 as usize` indexes: provably < 256, so no bounds checks even when built for size.
    for chunk in &mut chunks {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&chunk[..8]);
        hi.copy_from_slice(&chunk[8..]);
        let v = crc ^ u64::from_le_bytes(lo);
        let w = u64::from_le_bytes(hi);
        crc = t[15][v as u8 as usize]
            ^ t[14][(v >> 8) as u8 as usize]
            ^ t[13][(v >> 16) as u8 as usize]
            ^ t[12][(v >> 24) as u8 as usize]
            ^ t[11][(v >> 32) as u8 as usize]
            ^ t[10][(v >> 40) as u8 as usize]
            ^ t[9][(v >> 48) as u8 as usize]
            ^ t[8][(v >> 56) as u8 as usize]
            ^ t[7][w as u8 as usize]
            ^ t[6][(w >> 8) as u8 as usize]
            ^ t[5][(w >> 16) as u8 as usize]
            ^ t[4][(w >> 24) as u8 as usize]
            ^ t[3][(w >> 32) as u8 as usize]
            ^ t[2][(w >> 40) as u8 as usize]
            ^ t[1][(w >> 48) as u8 as usize]
            ^ t[0][(w >> 56) as u8 as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][(crc as u8 ^ b) as usize] ^ (crc >> 8);
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

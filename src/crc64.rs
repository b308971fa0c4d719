//! CRC-64/XZ (ECMA-182), the `x-oss-hash-crc64ecma` checksum (oss-spec §5): streaming,
//! resumable from a previous value, and `combine` for multipart uploads.
//!
//! Slicing-by-8: each step XORs the register with the next 8 bytes and maps the result through
//! 8 tables of 256 entries (16 KiB), one per byte. No allocation.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use Ordering::Relaxed;

/// The ECMA-182 polynomial, reflected (oss-spec §5: `0x42F0E1EBA9EA3693` reflected).
pub const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// The tables live in a zero-initialised static filled on first use, so that they are 16 KiB
/// of wasm memory rather than 16 KiB of incompressible bytes shipped in every `.wasm`; Relaxed
/// atomics are plain loads and stores here and only make the static safe to fill without
/// `unsafe`.
type Tables = [[AtomicU64; 256]; 8];
static TABLES: Tables = [const { [const { AtomicU64::new(0) }; 256] }; 8];

/// Whether [`TABLES`] and [`SHIFT`] are filled. Filling is idempotent (the same values every
/// time), so two threads racing to fill them (natively) only repeat work; `Release`/`Acquire`
/// make a reader that sees the flag see the tables.
static FILLED: AtomicBool = AtomicBool::new(false);

fn tables() -> &'static Tables {
    if !FILLED.load(Ordering::Acquire) {
        fill();
    }
    &TABLES
}

/// A raw (non-inverted) register advanced over `bits` zero bits, one bit at a time: the
/// definition the tables are built from, and the step for the last few bytes of an input.
fn zero_bits(mut crc: u64, bits: u32) -> u64 {
    for _ in 0..bits {
        crc = if crc & 1 == 1 {
            (crc >> 1) ^ POLY_REFLECTED
        } else {
            crc >> 1
        };
    }
    crc
}

/// Fills [`TABLES`] and [`SHIFT`], once per process; out of line, so that `update` stays small.
#[cold]
#[inline(never)]
fn fill() {
    // Table k: a byte followed by k zero bytes, 8(k + 1) zero bits (table 7 takes a word's
    // first byte).
    for (table, bits) in TABLES.iter().zip((8..).step_by(8)) {
        for (b, entry) in table.iter().enumerate() {
            entry.store(zero_bits(b as u64, bits), Relaxed);
        }
    }
    let mut op = one_zero_bit();
    for _ in 0..(LANE * 8).trailing_zeros() {
        op = gf2_square(&op);
    }
    for (entry, row) in SHIFT.iter().zip(op) {
        entry.store(row, Relaxed);
    }
    FILLED.store(true, Ordering::Release);
}

/// Bytes per lane: long inputs are cut into blocks of [`LANES`] lanes of this many bytes, whose
/// CRCs are computed in one interleaved loop and then joined (see [`update`]).
const LANE: usize = 16 * 1024;
/// Independent CRC chains per block: the table lookups of one chain wait on the previous
/// step's result, so one chain leaves the CPU idle between loads, and in wasm one chain fell
/// short of the 1.2× hash-wasm floor of issue 27.
const LANES: usize = 4;

/// Advances a raw (non-inverted) register over 8 bytes.
#[inline(always)]
fn step(t: &Tables, crc: u64, chunk: &[u8]) -> u64 {
    // `first_chunk` and a copy of the array, not `copy_from_slice`: built for size, that was a
    // call to `memcpy` per word.
    let word = chunk.first_chunk::<8>().copied().unwrap_or_default();
    let v = crc ^ u64::from_le_bytes(word);
    // `as u8 as usize` indexes: provably < 256, so no bounds checks even when built for size.
    t[7][v as u8 as usize].load(Relaxed)
        ^ t[6][(v >> 8) as u8 as usize].load(Relaxed)
        ^ t[5][(v >> 16) as u8 as usize].load(Relaxed)
        ^ t[4][(v >> 24) as u8 as usize].load(Relaxed)
        ^ t[3][(v >> 32) as u8 as usize].load(Relaxed)
        ^ t[2][(v >> 40) as u8 as usize].load(Relaxed)
        ^ t[1][(v >> 48) as u8 as usize].load(Relaxed)
        ^ t[0][(v >> 56) as u8 as usize].load(Relaxed)
}

/// One chain over `data`, raw register in and out.
fn update_raw(t: &Tables, mut crc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        crc = step(t, crc, chunk);
    }
    for &b in chunks.remainder() {
        crc = zero_bits(crc ^ u64::from(b), 8);
    }
    crc
}

/// The linear map "append `LANE` zero bytes" on a CRC, as the images of the 64 unit vectors
/// (17 squarings of the one-zero-bit operator; filled with the tables).
static SHIFT: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

fn lane_shift() -> [u64; 64] {
    let mut shift = [0; 64];
    for (row, entry) in shift.iter_mut().zip(&SHIFT) {
        *row = entry.load(Relaxed);
    }
    shift
}

/// Continues a CRC: `update(crc(A), B) == crc(A ‖ B)`, and `update(0, B) == crc(B)`,
/// the convention of oss2's `Crc64(init_crc)` (oss-spec §5).
///
/// Blocks of `LANES × LANE` bytes run as interleaved chains, joined as
/// `crc(A ‖ B) = shift(crc(A), |B|) ⊕ crc(B)` (the identity `combine` rests on), with the shift
/// by one lane precomputed: a few hundred operations per 64 KiB.
pub fn update(previous: u64, data: &[u8]) -> u64 {
    let t = tables();
    let mut crc = previous;
    let mut blocks = data.chunks_exact(LANES * LANE);
    if blocks.len() > 0 {
        let shift = &lane_shift();
        for block in &mut blocks {
            let (a, rest) = block.split_at(LANE);
            let (b, rest) = rest.split_at(LANE);
            let (c, d) = rest.split_at(LANE);
            let (mut r0, mut r1, mut r2, mut r3) = (!crc, !0, !0, !0);
            // An index loop, not zipped `chunks_exact`: built for size, the iterators' `next`
            // stayed out of line and the loop ran at a fifth of the speed.
            let mut i = 0;
            while i < LANE {
                r0 = step(t, r0, &a[i..]);
                r1 = step(t, r1, &b[i..]);
                r2 = step(t, r2, &c[i..]);
                r3 = step(t, r3, &d[i..]);
                i += 8;
            }
            crc = !r0;
            for lane in [r1, r2, r3] {
                crc = gf2_times(shift, crc) ^ !lane;
            }
        }
    }
    !update_raw(t, !crc, blocks.remainder())
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

/// The operator "append one zero bit" on a CRC: the register shifts right, and a set low bit
/// brings the polynomial in.
fn one_zero_bit() -> [u64; 64] {
    let mut op = [0u64; 64];
    op[0] = POLY_REFLECTED;
    for (n, row) in op.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    op
}

/// The operator applied twice: `matrix · matrix`.
fn gf2_square(matrix: &[u64; 64]) -> [u64; 64] {
    let mut square = [0u64; 64];
    for (row, &column) in square.iter_mut().zip(matrix) {
        *row = gf2_times(matrix, column);
    }
    square
}

/// `combine(crc(A), crc(B), len(B)) == crc(A ‖ B)`, used to check a multipart object's CRC from
/// its parts' CRCs: zlib's `crc32_combine` (Mark Adler) widened to 64 bits, `crc(A)` times
/// x^(8·len(B)) mod P by repeated squaring of GF(2) matrices, XOR `crc(B)` (oss-spec §5).
pub fn combine(crc_a: u64, crc_b: u64, length_b: u64) -> u64 {
    if length_b == 0 {
        return crc_a;
    }
    // The operator for one zero byte, then for 2, 4, 8, … bytes, applied for each set bit of
    // the length.
    let mut op = one_zero_bit();
    for _ in 0..3 {
        op = gf2_square(&op);
    }
    let mut crc = crc_a;
    let mut length = length_b;
    loop {
        if length & 1 == 1 {
            crc = gf2_times(&op, crc);
        }
        length >>= 1;
        if length == 0 {
            break;
        }
        op = gf2_square(&op);
    }
    crc ^ crc_b
}

/// The decimal digits of a CRC as OSS writes it in `x-oss-hash-crc64ecma` (1–20 ASCII digits,
/// at most `u64::MAX`), or `None`.
pub fn decimal_value(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    text.iter().try_fold(0u64, |acc, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Writes `value` in decimal at the end of `out`; returns where its digits start.
pub fn write_decimal(mut value: u64, out: &mut [u8; 20]) -> usize {
    let mut at = out.len();
    loop {
        at -= 1;
        out[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return at;
        }
    }
}

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
        Error::Crc(
            [
                "`",
                option,
                "` must be a CRC-64 as a decimal string of 1-20 digits (as in x-oss-hash-crc64ecma), got \"",
                text,
                "\"",
            ]
            .concat(),
        )
    };
    decimal_value(text.as_bytes()).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit at a time, straight from the definition (reflected, init and xorout all ones).
    fn reference(previous: u64, data: &[u8]) -> u64 {
        let mut crc = !previous;
        for &b in data {
            crc ^= b as u64;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY_REFLECTED
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn decimal_round_trip() {
        for value in [0, 1, 9, 10, 0x995d_c9bb_df19_39fa, u64::MAX] {
            let mut out = [0u8; 20];
            let at = write_decimal(value, &mut out);
            assert_eq!(out[at..], *std::format!("{value}").as_bytes());
            assert_eq!(decimal_value(&out[at..]), Some(value));
        }
        for bad in [
            "",
            "-1",
            "18446744073709551616",
            "1e3",
            " 1",
            "0x10",
            "123456789012345678901",
        ] {
            assert_eq!(decimal_value(bad.as_bytes()), None, "{bad:?}");
            assert!(parse_decimal("c", bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_decimal("c", "18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn tables_follow_the_definition() {
        let t = tables();
        for (k, table) in t.iter().enumerate() {
            for (b, entry) in table.iter().enumerate() {
                let want = zero_bits(b as u64, 8 * (k as u32 + 1));
                assert_eq!(entry.load(Relaxed), want, "table {k}, entry {b}");
            }
        }
    }

    #[test]
    fn check_value() {
        assert_eq!(checksum(b"123456789"), 0x995d_c9bb_df19_39fa);
    }

    #[test]
    fn lanes_equal_one_chain() {
        // Lengths around the block size (4 × 16 KiB) and several blocks, from 0 and from a
        // previous value, on bytes that are not periodic at any lane boundary.
        let mut state = 0x2545_f491_u32;
        let data: Vec<u8> = (0..(3 * LANES * LANE + 4099))
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 7) as u8
            })
            .collect();
        for len in [
            LANES * LANE - 1,
            LANES * LANE,
            LANES * LANE + 1,
            2 * LANES * LANE + 13,
            data.len(),
        ] {
            for previous in [0, 0x0123_4567_89ab_cdef] {
                let whole = update(previous, &data[..len]);
                assert_eq!(whole, reference(previous, &data[..len]), "len {len}");
                let (a, b) = data[..len].split_at(len / 3);
                assert_eq!(update(update(previous, a), b), whole, "split {len}");
                assert_eq!(
                    combine(update(previous, a), checksum(b), b.len() as u64),
                    whole
                );
            }
        }
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
}

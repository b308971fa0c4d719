//! The signing core of `ossup/post`: everything a page that uploads with PostObject needs from
//! WebAssembly, and nothing else, so that it fits a mini-program package (issue #6: ≤ 10 KB
//! brotli). The JS entry builds the form and its policy (JSON.stringify writes it well-formed
//! by construction); this module turns the policy into its base64 `policy` field and signs it
//! (V1 HMAC-SHA1, V4 HMAC-SHA256 with the signing-key chain), base64-encodes the callback, and
//! computes CRC-64/XZ for the integrity check.
//!
//! No allocator, no wasm-bindgen, no panics on input: strings cross as UTF-16 code units
//! (so no runtime needs TextEncoder; a lone surrogate is an error here) into one I/O area at
//! the end of linear memory, which grows on demand. Layout of a call over `u` code units in
//! total: the units at `[0, 2u)`, their UTF-8 at `[2u, 5u)`, the result at `[5u, …)`; a CRC
//! call's data at the start, the previous value's digits after it, the result at the start.
//! JS asks the module for the area's size ([`area_for`]) and where a result is, so this
//! layout is known here only.
//!
//! The same crate builds for the host (`rlib`), where the pure functions below are tested
//! against the full core (tests/node compares the two modules on generated inputs).

/// Why a call failed (negative return values of the exports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Failure {
    /// A string with a lone UTF-16 surrogate (broken Unicode): it has no UTF-8.
    LoneSurrogate = -1,
    /// The I/O area could not grow (linear memory is full).
    OutOfMemory = -2,
    /// A `previous` CRC that is not 1–20 decimal digits within 64 bits.
    BadCrc = -3,
    /// A signature version other than 1 or 4.
    BadVersion = -4,
}

/// Decodes UTF-16 code units (little-endian byte pairs) into UTF-8 at the start of `out`
/// (which holds 3 bytes per unit, always enough); returns the UTF-8 length.
pub fn utf16_to_utf8(units: &[u8], out: &mut [u8]) -> Result<usize, Failure> {
    let units = units
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    let mut at = 0;
    for ch in core::char::decode_utf16(units) {
        let ch = ch.map_err(|_| Failure::LoneSurrogate)?;
        let len = ch.len_utf8();
        let to = out.get_mut(at..at + len).ok_or(Failure::OutOfMemory)?;
        ch.encode_utf8(to);
        at += len;
    }
    Ok(at)
}

/// The PostObject V1 `Signature`: base64 of HMAC-SHA1(secret, base64 policy) (oss-spec §1b).
pub fn sign_v1(secret: &[u8], policy: &[u8]) -> [u8; 28] {
    let mut out = [0; 28];
    crate::hash::base64_into(&crate::hash::hmac_sha1_uncached(secret, policy), &mut out);
    out
}

/// The PostObject V4 `x-oss-signature`: lowercase hex of HMAC-SHA256 under the signing key of
/// (secret, date `yyyymmdd`, region id) over the base64 policy (oss-spec §1c).
pub fn sign_v4(secret: &[u8], date: &[u8], region: &[u8], policy: &[u8]) -> [u8; 64] {
    let mut out = [0; 64];
    crate::hash::hex_into(
        &crate::hash::v4_sign_uncached(secret, date, region, policy),
        &mut out,
    );
    out
}

/// Splits `utf8` (the strings of `lengths`, back to back) into its parts.
fn split<const N: usize>(mut utf8: &[u8], lengths: [usize; N]) -> [&[u8]; N] {
    let mut parts: [&[u8]; N] = [&[]; N];
    for (part, len) in parts.iter_mut().zip(lengths) {
        let (head, rest) = utf8.split_at(len.min(utf8.len()));
        *part = head;
        utf8 = rest;
    }
    parts
}

/// One signing call over an I/O area laid out as the crate docs say, the code units of
/// secret, region, date and policy (`units`, in that order; V1 ignores region and date).
/// Writes `base64(policy) ‖ signature` at `5u`; returns where it is: `(start, length)`.
pub fn sign_in(io: &mut [u8], version: u32, units: [usize; 4]) -> Result<(usize, usize), Failure> {
    let total: usize = units.iter().sum();
    let (input, rest) = io.split_at_mut((2 * total).min(io.len()));
    let (scratch, out) = rest.split_at_mut((3 * total).min(rest.len()));
    let mut lengths = [0; 4];
    let mut from = 0;
    let mut to = 0;
    for (len, n) in lengths.iter_mut().zip(units) {
        let part = input.get(from..from + 2 * n).ok_or(Failure::OutOfMemory)?;
        *len = utf16_to_utf8(part, &mut scratch[to..])?;
        from += 2 * n;
        to += *len;
    }
    let [secret, region, date, policy] = split(scratch, lengths);
    let encoded = crate::hash::base64_len(policy.len());
    let signature_len = match version {
        1 => 28,
        4 => 64,
        _ => return Err(Failure::BadVersion),
    };
    let (field, signature) = out
        .get_mut(..encoded + signature_len)
        .ok_or(Failure::OutOfMemory)?
        .split_at_mut(encoded);
    crate::hash::base64_into(policy, field);
    if version == 1 {
        signature.copy_from_slice(&sign_v1(secret, field));
    } else {
        signature.copy_from_slice(&sign_v4(secret, date, region, field));
    }
    Ok((5 * total, encoded + signature_len))
}

/// Base64 of the UTF-8 of `units` code units (a callback JSON): written at `5u`; returns
/// `(start, length)`.
pub fn base64_in(io: &mut [u8], units: usize) -> Result<(usize, usize), Failure> {
    if io.len() < 2 * units {
        return Err(Failure::OutOfMemory);
    }
    let (input, rest) = io.split_at_mut(2 * units);
    let (scratch, out) = rest.split_at_mut((3 * units).min(rest.len()));
    let len = utf16_to_utf8(input, scratch)?;
    let encoded = crate::hash::base64_len(len);
    let field = out.get_mut(..encoded).ok_or(Failure::OutOfMemory)?;
    crate::hash::base64_into(&scratch[..len], field);
    Ok((5 * units, encoded))
}

/// CRC-64/XZ of the `data_len` bytes at the start, continuing from the decimal `previous`
/// after them (`previous_len` digits; 0 = start from 0); writes the result's digits at the
/// start and returns `(0, length)`.
pub fn crc64_in(
    io: &mut [u8],
    data_len: usize,
    previous_len: usize,
) -> Result<(usize, usize), Failure> {
    let data = io.get(..data_len).ok_or(Failure::OutOfMemory)?;
    let previous = match previous_len {
        0 => 0,
        n => io
            .get(data_len..data_len + n)
            .and_then(crate::crc64::decimal_value)
            .ok_or(Failure::BadCrc)?,
    };
    let mut digits = [0; 20];
    let at = crate::crc64::write_decimal(crate::crc64::update(previous, data), &mut digits);
    let digits = &digits[at..];
    io.get_mut(..digits.len())
        .ok_or(Failure::OutOfMemory)?
        .copy_from_slice(digits);
    Ok((0, digits.len()))
}

/// The bytes of the I/O area a call over `units` code units needs (see the crate docs), with
/// room for the longest result (base64 of 3 UTF-8 bytes per unit, and a signature).
pub fn area_for(units: usize) -> usize {
    5 * units + crate::hash::base64_len(3 * units) + 64
}

#[cfg(all(target_arch = "wasm32", not(feature = "full")))]
mod exports;

#[cfg(test)]
mod tests;

//! UTC time as milliseconds since the Unix epoch, and the three text forms OSS uses.
//!
//! The core never reads a clock: callers pass the time, so one instant serves a whole
//! signature (DESIGN-NOTES: two reads around 00:00 UTC can straddle days) and the JS layer
//! can correct a phone's wrong clock with the offset learned from a server `Date` header.

use crate::error::{Error, Result};

/// The largest time accepted: 9999-12-31T23:59:59.999Z.
pub const MAX_MS: u64 = 253_402_300_799_999;

const MS_PER_DAY: u64 = 86_400_000;

/// A broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Civil {
    year: u64,
    month: u64,
    day: u64,
    hour: u64,
    minute: u64,
    second: u64,
    milli: u64,
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`,
/// restricted to years 1970..=9999 so that it needs no signed arithmetic.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01 (`days_from_civil`), for years ≥ 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn civil(ms: u64) -> Civil {
    let (year, month, day) = civil_from_days(ms / MS_PER_DAY);
    let in_day = ms % MS_PER_DAY;
    Civil {
        year,
        month,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        milli: in_day % 1000,
    }
}

fn push_digits(out: &mut String, value: u64, width: usize) {
    let text = crate::encoding::decimal(value);
    for _ in text.len()..width {
        out.push('0');
    }
    out.push_str(&text);
}

/// Checks that a time from JS is usable: finite, whole, within 1970..=9999.
pub fn checked_ms(option: &'static str, value: f64) -> Result<u64> {
    if !value.is_finite() || value < 0.0 || value > MAX_MS as f64 || value.fract() != 0.0 {
        return Err(Error::invalid(
            option,
            "must be a whole number of milliseconds since 1970-01-01 UTC (as Date.now() gives)",
        ));
    }
    Ok(value as u64)
}

/// `2023-12-03T12:12:12.000Z`, the form of `new Date().toISOString()` (policy `expiration`).
pub fn iso8601(ms: u64) -> String {
    let c = civil(ms.min(MAX_MS));
    let mut out = String::with_capacity(24);
    push_digits(&mut out, c.year, 4);
    out.push('-');
    push_digits(&mut out, c.month, 2);
    out.push('-');
    push_digits(&mut out, c.day, 2);
    out.push('T');
    push_digits(&mut out, c.hour, 2);
    out.push(':');
    push_digits(&mut out, c.minute, 2);
    out.push(':');
    push_digits(&mut out, c.second, 2);
    out.push('.');
    push_digits(&mut out, c.milli, 3);
    out.push('Z');
    out
}

/// `20231203`: the V4 credential date (oss-spec §1c).
pub fn compact_date(ms: u64) -> String {
    let c = civil(ms.min(MAX_MS));
    let mut out = String::with_capacity(8);
    push_digits(&mut out, c.year, 4);
    push_digits(&mut out, c.month, 2);
    push_digits(&mut out, c.day, 2);
    out
}

/// `20231203T121212Z`: the V4 `x-oss-date` (oss-spec §1c, §3).
pub fn compact_date_time(ms: u64) -> String {
    let c = civil(ms.min(MAX_MS));
    let mut out = compact_date(ms);
    out.push('T');
    push_digits(&mut out, c.hour, 2);
    push_digits(&mut out, c.minute, 2);
    push_digits(&mut out, c.second, 2);
    out.push('Z');
    out
}

/// `Sun, 03 Dec 2023 12:12:12 GMT` (RFC 1123): the V1 `Date` / `x-oss-date` header (oss-spec §2).
pub fn http_date(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let ms = ms.min(MAX_MS);
    let c = civil(ms);
    let mut out = String::with_capacity(29);
    out.push_str(DAYS[(ms / MS_PER_DAY % 7) as usize]);
    out.push_str(", ");
    push_digits(&mut out, c.day, 2);
    out.push(' ');
    out.push_str(MONTHS[(c.month - 1) as usize % 12]);
    out.push(' ');
    push_digits(&mut out, c.year, 4);
    out.push(' ');
    push_digits(&mut out, c.hour, 2);
    out.push(':');
    push_digits(&mut out, c.minute, 2);
    out.push(':');
    push_digits(&mut out, c.second, 2);
    out.push_str(" GMT");
    out
}

fn digits(text: &[u8], option: &'static str) -> Result<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(Error::Date(
            ["`", option, "` has a non-digit where a number belongs"].concat(),
        ));
    }
    Ok(text.iter().fold(0, |acc, d| acc * 10 + u64::from(d - b'0')))
}

fn from_parts(
    option: &'static str,
    year: u64,
    month: u64,
    day: u64,
    hms: (u64, u64, u64),
    milli: u64,
) -> Result<u64> {
    let (hour, minute, second) = hms;
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(Error::Date(
            [
                "`",
                option,
                "` is not a real date and time between 1970 and 9999",
            ]
            .concat(),
        ));
    }
    Ok(days_from_civil(year, month, day) * MS_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1000
        + milli)
}

/// Parses the policy `expiration` form: `yyyy-mm-ddTHH:MM:SS[.fraction]Z` (oss-spec §1a:
/// ISO-8601 UTC with `T` and a trailing `Z`; milliseconds optional).
pub fn parse_iso8601(option: &'static str, text: &str) -> Result<u64> {
    let b = text.as_bytes();
    let shape_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z'
        && (b.len() == 20 || (b[19] == b'.' && b.len() > 21));
    if !shape_ok {
        return Err(Error::Date(
            [
                "`",
                option,
                "` must look like 2030-01-01T00:00:00.000Z (UTC, with T and Z), got \"",
                text,
                "\"",
            ]
            .concat(),
        ));
    }
    let fraction = if b.len() > 20 {
        &b[20..b.len() - 1]
    } else {
        &b"000"[..]
    };
    if fraction.len() > 9 {
        return Err(Error::Date(
            [
                "`",
                option,
                "` has more than 9 fraction digits; use milliseconds",
            ]
            .concat(),
        ));
    }
    let milli = digits(fraction, option)?;
    // Keep the first three fraction digits: "5" is 500 ms, "123456" is 123 ms.
    let milli = match fraction.len() {
        1 => milli * 100,
        2 => milli * 10,
        3 => milli,
        n => digits(&fraction[..3.min(n)], option)?,
    };
    let f = fields(
        option,
        b,
        &[(0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19)],
    )?;
    from_parts(option, f[0], f[1], f[2], (f[3], f[4], f[5]), milli)
}

/// Whether [`parse_iso8601`] accepts `text`, without building its value or an error: the
/// policy check's common case (`policy::quick_accept`). Equal to `parse_iso8601(..).is_ok()`
/// on every input (property-tested below), without its allocations.
pub fn is_iso8601(b: &[u8]) -> bool {
    let n = b.len();
    let shape_ok = n >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[n - 1] == b'Z'
        && (n == 20 || (b[19] == b'.' && n > 21 && n <= 30));
    if !shape_ok {
        return false;
    }
    // Each digit's value; a byte that is not a digit wraps to 10 or more.
    let d = |i: usize| u64::from(b[i].wrapping_sub(b'0'));
    let pair_ok = |i: usize| d(i).max(d(i + 1)) < 10;
    let fraction = b.get(20..n - 1).unwrap_or_default();
    let all_digits = pair_ok(0)
        && pair_ok(2)
        && pair_ok(5)
        && pair_ok(8)
        && pair_ok(11)
        && pair_ok(14)
        && pair_ok(17)
        && fraction.iter().all(u8::is_ascii_digit);
    if !all_digits {
        return false;
    }
    let two = |i: usize| d(i) * 10 + d(i + 1);
    let (year, month, day) = (two(0) * 100 + two(2), two(5), two(8));
    (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day != 0
        && day <= days_in_month(year, month)
        && two(11) <= 23
        && two(14) <= 59
        && two(17) <= 59
}

/// The numbers at `ranges` of `b` (year, month, day, hour, minute, second; absent ones 0).
fn fields(option: &'static str, b: &[u8], ranges: &[(usize, usize)]) -> Result<[u64; 6]> {
    let mut out = [0; 6];
    for (slot, &(start, end)) in out.iter_mut().zip(ranges) {
        *slot = digits(&b[start..end], option)?;
    }
    Ok(out)
}

/// Parses the V4 `x-oss-date` form `yyyymmddTHHMMSSZ`.
pub fn parse_compact_date_time(option: &'static str, text: &str) -> Result<u64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(Error::Date(
            [
                "`",
                option,
                "` must look like 20231203T121212Z (UTC), got \"",
                text,
                "\"",
            ]
            .concat(),
        ));
    }
    let f = fields(
        option,
        b,
        &[(0, 4), (4, 6), (6, 8), (9, 11), (11, 13), (13, 15)],
    )?;
    from_parts(option, f[0], f[1], f[2], (f[3], f[4], f[5]), 0)
}

/// Checks the V4 credential date form `yyyymmdd`.
pub fn check_compact_date(option: &'static str, text: &str) -> Result<()> {
    let b = text.as_bytes();
    if b.len() != 8 {
        return Err(Error::Date(
            [
                "`",
                option,
                "` must look like 20231203 (yyyymmdd, UTC), got \"",
                text,
                "\"",
            ]
            .concat(),
        ));
    }
    let f = fields(option, b, &[(0, 4), (4, 6), (6, 8)])?;
    from_parts(option, f[0], f[1], f[2], (0, 0, 0), 0).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // 2023-12-03T12:12:12Z, the instant of the V4 vectors.
        let ms = 1_701_605_532_000;
        assert_eq!(iso8601(ms), "2023-12-03T12:12:12.000Z");
        assert_eq!(compact_date(ms), "20231203");
        assert_eq!(compact_date_time(ms), "20231203T121212Z");
        assert_eq!(http_date(ms), "Sun, 03 Dec 2023 12:12:12 GMT");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(http_date(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 1, 951_782_400_000, 1_701_605_532_123, MAX_MS] {
            assert_eq!(parse_iso8601("t", &iso8601(ms)), Ok(ms));
            assert_eq!(
                parse_compact_date_time("t", &compact_date_time(ms)),
                Ok(ms / 1000 * 1000)
            );
        }
        assert_eq!(
            parse_iso8601("t", "2023-12-03T12:12:12Z"),
            Ok(1_701_605_532_000)
        );
        assert_eq!(
            parse_iso8601("t", "2023-12-03T12:12:12.5Z"),
            Ok(1_701_605_532_500)
        );
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2023-12-03",
            "2023-12-03T12:12:12",
            "2023-12-03 12:12:12Z",
            "2023-02-30T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2023-12-03T24:00:00Z",
            "2023-12-03T12:12:12.Z",
            "2023-12-03T12:12:12.xZ",
            "+023-12-03T12:12:12Z",
        ] {
            assert!(parse_iso8601("t", bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_compact_date("d", "20230229").is_err());
        assert!(check_compact_date("d", "20240229").is_ok());
        assert!(check_compact_date("d", "2024-02-2").is_err());
        assert!(parse_compact_date_time("d", "20231203T121260Z").is_err());
        assert!(checked_ms("now", f64::NAN).is_err());
        assert!(checked_ms("now", -1.0).is_err());
        assert!(checked_ms("now", 1.5).is_err());
        assert!(checked_ms("now", 1e300).is_err());
        for bad in [
            "2023-12-03T12:12:12.1234567890Z",
            "2100-02-29T00:00:00Z",
            "2023-12-03T12:60:00Z",
        ] {
            assert!(parse_iso8601("t", bad).is_err(), "{bad:?} accepted");
            assert!(!is_iso8601(bad.as_bytes()), "{bad:?} accepted");
        }
        assert!(is_iso8601(b"2000-02-29T23:59:59.123456789Z"));
        assert!(is_iso8601(b"2023-12-03T12:12:12Z"));
    }

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        // Many cases: each bound (second 59 and 60, say) comes up in about 1% of them.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The quick predicate against the parser, on date-shaped text: the shape with any
        /// digits (every month length, leap year and field bound), and one byte changed.
        #[test]
        fn is_iso8601_is_whether_parse_iso8601_accepts(
            fields in proptest::collection::vec(0u32..100, 5),
            year in proptest::prop_oneof![1960u32..1980, 9990u32..10000, 0u32..10000],
            fraction in "[0-9]{0,11}",
            edit in proptest::option::of((0usize..32, proptest::sample::select(
                vec!['0', '9', '-', ':', 'T', 'Z', '.', 'x', ' ', 'é'],
            ))),
        ) {
            let dot = if fraction.is_empty() { "" } else { "." };
            let mut text = format!(
                "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}{dot}{fraction}Z",
                fields[0] % 14, fields[1] % 33, fields[2] % 26, fields[3] % 62, fields[4] % 62,
            );
            if let Some((at, ch)) = edit {
                let at = text.char_indices().map(|(i, _)| i).nth(at % text.chars().count()).unwrap_or(0);
                let end = at + text[at..].chars().next().map_or(0, char::len_utf8);
                text.replace_range(at..end, &ch.to_string());
            }
            proptest::prop_assert_eq!(is_iso8601(text.as_bytes()), parse_iso8601("t", &text).is_ok(), "{}", text);
        }
    }
}

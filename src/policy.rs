//! PostObject policies (oss-spec §1a): typed conditions in, compact JSON and its base64 out.
//!
//! OSS does no JSON canonicalisation: the signature covers the exact base64 text sent as
//! `policy`, so the JSON is written once, here, and never re-serialised. The output is
//! byte-for-byte what `JSON.stringify` gives for the same object (see `encoding`).

use crate::encoding::{base64, decimal, push_decimal, push_json_string};
use crate::error::{Error, Result};
use std::borrow::Cow;

use crate::json::{self, Cursor, Kind};
use crate::time;

/// The largest integer JSON readers in JavaScript keep exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// One policy condition, in the forms OSS accepts (oss-spec §1a).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `{"field":"value"}`: exact match.
    Exact {
        /// Form field name, without `$`.
        field: String,
        /// Required value.
        value: String,
    },
    /// `["eq","$field","value"]`.
    Eq {
        /// Form field name, without `$`.
        field: String,
        /// Required value.
        value: String,
    },
    /// `["starts-with","$field","prefix"]`.
    StartsWith {
        /// Form field name, without `$`.
        field: String,
        /// Required prefix (may be empty: any value).
        prefix: String,
    },
    /// `["content-length-range",min,max]`.
    ContentLengthRange {
        /// Smallest accepted file size in bytes.
        min: u64,
        /// Largest accepted file size in bytes.
        max: u64,
    },
    /// `["in","$field",["a","b"]]`.
    In {
        /// Form field name, without `$`.
        field: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// `["not-in","$field",["a","b"]]`.
    NotIn {
        /// Form field name, without `$`.
        field: String,
        /// Rejected values.
        values: Vec<String>,
    },
}

impl Condition {
    /// Shorthand for [`Condition::Exact`].
    pub fn exact(field: impl Into<String>, value: impl Into<String>) -> Condition {
        Condition::Exact {
            field: field.into(),
            value: value.into(),
        }
    }

    /// Builds a condition from its operator name as OSS spells it (`eq`, `starts-with`,
    /// `in`, `not-in`); `values` holds one entry for `eq`/`starts-with`.
    pub fn from_operator(
        operator: &str,
        field: &str,
        mut values: Vec<String>,
    ) -> Result<Condition> {
        let field = field.strip_prefix('$').unwrap_or(field).to_string();
        let single = |values: &mut Vec<String>| match values.len() {
            1 => Ok(values.remove(0)),
            _ => Err(Error::invalid(
                "conditions",
                [
                    "`",
                    operator,
                    "` takes one string value, e.g. [\"",
                    operator,
                    "\", \"$key\", \"user/\"]",
                ]
                .concat(),
            )),
        };
        Ok(match operator.to_ascii_lowercase().as_str() {
            "eq" => Condition::Eq {
                value: single(&mut values)?,
                field,
            },
            "starts-with" => Condition::StartsWith {
                prefix: single(&mut values)?,
                field,
            },
            "in" => Condition::In { field, values },
            "not-in" => Condition::NotIn { field, values },
            other => {
                return Err(Error::invalid(
                    "conditions",
                    [
                        "has the operator \"",
                        other,
                        "\"; OSS accepts only eq, starts-with, in, not-in and content-length-range",
                    ]
                    .concat(),
                ))
            }
        })
    }

    fn field(&self) -> Option<&str> {
        match self {
            Condition::Exact { field, .. }
            | Condition::Eq { field, .. }
            | Condition::StartsWith { field, .. }
            | Condition::In { field, .. }
            | Condition::NotIn { field, .. } => Some(field),
            Condition::ContentLengthRange { .. } => None,
        }
    }

    /// Rejects what OSS would reject as an invalid policy document (oss-spec §1a).
    pub fn validate(&self) -> Result<()> {
        if let Some(field) = self.field() {
            if field.is_empty() || field.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "conditions",
                    "has a condition with an empty field name or a control character in it",
                ));
            }
        }
        match self {
            Condition::ContentLengthRange { min, max } => {
                if min > max {
                    return Err(Error::invalid(
                        "conditions",
                        [
                            "content-length-range has min ",
                            &*decimal(*min),
                            " > max ",
                            &*decimal(*max),
                        ]
                        .concat(),
                    ));
                }
                if *max > MAX_SAFE_INTEGER {
                    return Err(Error::invalid(
                        "conditions",
                        "content-length-range max is larger than 2^53 - 1",
                    ));
                }
            }
            Condition::In { values, .. } | Condition::NotIn { values, .. } if values.is_empty() => {
                return Err(Error::invalid(
                    "conditions",
                    "has an `in`/`not-in` condition with an empty list",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Appends this condition's JSON.
    pub fn write_json(&self, out: &mut String) {
        let op = |out: &mut String, op: &str, field: &str| {
            out.push('[');
            push_json_string(out, op);
            out.push(',');
            push_json_string(out, &["$", field].concat());
            out.push(',');
        };
        let list = |out: &mut String, values: &[String]| {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, v);
            }
            out.push(']');
        };
        match self {
            Condition::Exact { field, value } => {
                out.push('{');
                push_json_string(out, field);
                out.push(':');
                push_json_string(out, value);
                out.push('}');
                return;
            }
            Condition::Eq { field, value } => {
                op(out, "eq", field);
                push_json_string(out, value);
            }
            Condition::StartsWith { field, prefix } => {
                op(out, "starts-with", field);
                push_json_string(out, prefix);
            }
            Condition::ContentLengthRange { min, max } => {
                out.push_str("[\"content-length-range\",");
                push_decimal(out, *min);
                out.push(',');
                push_decimal(out, *max);
            }
            Condition::In { field, values } => {
                op(out, "in", field);
                list(out, values);
            }
            Condition::NotIn { field, values } => {
                op(out, "not-in", field);
                list(out, values);
            }
        }
        out.push(']');
    }
}

/// When a policy stops being valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expiration {
    /// An absolute instant, as milliseconds since the epoch.
    At(u64),
    /// `now_ms + seconds`.
    After {
        /// The current time in ms since the epoch (the caller's clock, corrected for skew).
        now_ms: u64,
        /// Seconds of validity; OSS V4 allows at most 7 days.
        seconds: u64,
    },
}

impl Expiration {
    /// The instant in ms since the epoch.
    pub fn instant(&self) -> Result<u64> {
        let ms = match *self {
            Expiration::At(ms) => ms,
            Expiration::After { now_ms, seconds } => {
                if seconds == 0 {
                    return Err(Error::invalid("expiresIn", "must be at least 1 second"));
                }
                now_ms.saturating_add(seconds.saturating_mul(1000))
            }
        };
        if ms > time::MAX_MS {
            return Err(Error::invalid("expiration", "is after the year 9999"));
        }
        Ok(ms)
    }
}

/// A PostObject policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// When OSS stops accepting uploads signed with this policy.
    pub expiration: Expiration,
    /// Conditions, written in this order.
    pub conditions: Vec<Condition>,
}

impl Policy {
    /// Validates the conditions and writes the compact JSON text:
    /// `{"expiration":"…","conditions":[…]}`.
    pub fn to_json(&self) -> Result<String> {
        let expiration = time::iso8601(self.expiration.instant()?);
        let mut out = String::with_capacity(64 + 48 * self.conditions.len());
        out.push_str("{\"expiration\":");
        push_json_string(&mut out, &expiration);
        out.push_str(",\"conditions\":[");
        for (i, condition) in self.conditions.iter().enumerate() {
            condition.validate()?;
            if i > 0 {
                out.push(',');
            }
            condition.write_json(&mut out);
        }
        out.push_str("]}");
        Ok(out)
    }
}

fn bad_policy(reason: impl Into<String>) -> Error {
    Error::invalid("policy", reason)
}

fn malformed(op: &str) -> Problem {
    Problem(bad_policy(
        [
            "has a malformed \"",
            op,
            "\" condition: write [\"",
            op,
            "\", \"$field\", value]",
        ]
        .concat(),
    ))
}

/// Why a policy was rejected, with `?` from both the JSON cursor's errors and the core's.
struct Problem(Error);

type Checked<T> = core::result::Result<T, Problem>;

impl From<String> for Problem {
    fn from(json: String) -> Problem {
        Problem(bad_policy(json))
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        Problem(error)
    }
}

fn bad(reason: &'static str) -> Problem {
    Problem(bad_policy(reason))
}

/// The next item of an array, if there is one and it is a string.
fn next_string<'a>(c: &mut Cursor<'a>) -> Checked<Option<Cow<'a, str>>> {
    Ok(if c.next_item()? { c.string_if()? } else { None })
}

/// The next item of an array, if there is one and it is a number (its text).
fn next_number<'a>(c: &mut Cursor<'a>) -> Checked<Option<&'a str>> {
    Ok(if c.next_item()? && c.peek() == Some(Kind::Number) {
        Some(c.number()?)
    } else {
        None
    })
}

/// Reads one condition (oss-spec §1a) from the cursor, checking it as it goes.
fn check_condition(c: &mut Cursor) -> Checked<()> {
    match c.peek() {
        // {"field":"value"}: exactly one property (else OSS: "Simple-Conditions must have
        // exactly one property specified").
        Some(Kind::Object) => {
            c.begin_object()?;
            if c.next_member()?.is_some() && c.string_if()?.is_some() && c.next_member()?.is_none()
            {
                Ok(())
            } else {
                Err(bad(
                    "has an object condition that is not exactly one \"field\": \"string\" pair",
                ))
            }
        }
        Some(Kind::Array) => {
            c.begin_array()?;
            let Some(op) = next_string(c)? else {
                return Err(bad(
                    "has an array condition that does not start with an operator name",
                ));
            };
            let is = |name: &str| op.eq_ignore_ascii_case(name);
            let well_formed = if is("content-length-range") {
                // One at a time: after an operand that is not a number the cursor has not
                // moved past it, so reading on would report a JSON error that is not there.
                let Some(min) = next_number(c)? else {
                    return Err(malformed(&op));
                };
                let Some(max) = next_number(c)? else {
                    return Err(malformed(&op));
                };
                if c.next_item()? {
                    return Err(malformed(&op));
                }
                return match (min.parse::<u64>(), max.parse::<u64>()) {
                    (Ok(min), Ok(max)) if min <= max && max <= MAX_SAFE_INTEGER => Ok(()),
                    _ => Err(bad(
                        "has a content-length-range whose bounds are not whole numbers with min <= max",
                    )),
                };
            } else if is("eq") || is("starts-with") {
                field_operand(c)? && next_string(c)?.is_some()
            } else if is("in") || is("not-in") {
                field_operand(c)? && c.next_item()? && string_list(c)?
            } else {
                return Err(Problem(bad_policy(
                    [
                        "has the operator \"",
                        &op,
                        "\"; OSS accepts only eq, starts-with, in, not-in and content-length-range",
                    ]
                    .concat(),
                )));
            };
            // Nothing after the operator's operands.
            if well_formed && !c.next_item()? {
                Ok(())
            } else {
                Err(malformed(&op))
            }
        }
        _ => Err(bad(
            "has a condition that is neither an object nor an array",
        )),
    }
}

/// `"$field"` as the next item.
fn field_operand(c: &mut Cursor) -> Checked<bool> {
    Ok(next_string(c)?.is_some_and(|f| f.starts_with('$') && f.len() > 1))
}

/// A non-empty array of strings as the next value.
fn string_list(c: &mut Cursor) -> Checked<bool> {
    if c.peek() != Some(Kind::Array) {
        return Ok(false);
    }
    c.begin_array()?;
    let mut any = false;
    while c.next_item()? {
        if c.string_if()?.is_none() {
            return Ok(false);
        }
        any = true;
    }
    Ok(any)
}

/// Checks a policy document the caller wrote for what OSS rejects as an invalid policy
/// (oss-spec §1a): an object with an ISO-8601 `expiration` and a `conditions` array of
/// well-formed conditions. It reads the text once and allocates nothing unless a string has
/// escapes; the first `expiration` and `conditions` count, as a reader keeping the first
/// member of a name would see them, and every other member must still be valid JSON.
pub fn check_document(policy_json: &str) -> Result<()> {
    if quick_accept(policy_json.as_bytes()) {
        return Ok(());
    }
    walk_document(policy_json).map_err(|Problem(problem)| {
        // Text that is not JSON at all says so first, wherever the walk stopped.
        match json::parse(policy_json) {
            Err(syntax) => bad_policy(syntax),
            Ok(_) => problem,
        }
    })
}

fn walk_document(policy_json: &str) -> Checked<()> {
    let mut c = Cursor::new(policy_json);
    if c.peek() != Some(Kind::Object) {
        return Err(bad(
            "must be a JSON object with `expiration` and `conditions`",
        ));
    }
    c.begin_object()?;
    let (mut expiration, mut conditions) = (false, false);
    while let Some(name) = c.next_member()? {
        if name == "expiration" && !expiration {
            expiration = true;
            let Some(at) = c.string_if()? else {
                return Err(missing_expiration());
            };
            time::parse_iso8601("expiration", &at)?;
        } else if name == "conditions" && !conditions {
            conditions = true;
            if c.peek() != Some(Kind::Array) {
                return Err(missing_conditions());
            }
            c.begin_array()?;
            while c.next_item()? {
                check_condition(&mut c)?;
            }
        } else {
            c.skip()?;
        }
    }
    c.end()?;
    match (expiration, conditions) {
        (false, _) => Err(missing_expiration()),
        (_, false) => Err(missing_conditions()),
        _ => Ok(()),
    }
}

/// The documents policies usually are, read in one function with the position in a local:
/// `true` only for a document [`walk_document`] accepts (the property test below checks it on
/// generated documents), `false` for anything else, valid or not, which the walk then reads
/// and names the problem of. It takes an object of exactly an `expiration` string and a
/// `conditions` array, in either order, each condition an object of one member or an array
/// in a lower-case operator, strings without escapes, bounds of at most 15 digits, and the
/// four JSON white-space bytes anywhere between tokens. It exists because the walk keeps the
/// cursor's state in memory between calls and carries an error value through each of them.
pub(crate) fn quick_accept(policy_json: &[u8]) -> bool {
    Quick {
        b: policy_json,
        p: 0,
    }
    .document()
    .is_some()
}

/// [`quick_accept`]'s reader: every step inlined into it, `None` to give up.
struct Quick<'a> {
    /// UTF-8 (a `&str`'s bytes, or ASCII).
    b: &'a [u8],
    p: usize,
}

impl<'a> Quick<'a> {
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        let next = *self.b.get(self.p)?;
        // One comparison for the bytes that are not white space, which is most of them.
        if next > b' ' {
            return Some(next);
        }
        self.p = skip_space(self.b, self.p);
        self.b.get(self.p).copied()
    }

    #[inline(always)]
    fn byte(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.p += 1)
    }

    /// A string without escapes or control characters (the walk reads any other).
    #[inline(always)]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let start = self.p;
        let end = plain_string_end(self.b, start);
        let text = self.b.get(start..end)?;
        self.p = end + 1;
        Some(text)
    }

    /// After an element: `true` past a comma, `false` past `close`.
    #[inline(always)]
    fn more(&mut self, close: u8) -> Option<bool> {
        let next = self.peek()?;
        self.p += 1;
        match next {
            b',' => Some(true),
            _ if next == close => Some(false),
            _ => None,
        }
    }

    /// A whole number of 1 to 15 digits (below MAX_SAFE_INTEGER), no leading zero (a fraction
    /// or an exponent after it is not the `,` or `]` its caller reads next).
    #[inline(always)]
    fn whole(&mut self) -> Option<u64> {
        self.peek()?;
        let start = self.p;
        let mut n: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.b.get(self.p) {
            // Wrapping: past 19 digits `n` overflows, and past 15 it is never used.
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.p += 1;
        }
        let len = self.p - start;
        let leading_zero = len > 1 && self.b[start] == b'0';
        if len == 0 || len > 15 || leading_zero {
            return None;
        }
        Some(n)
    }

    #[inline(always)]
    fn document(&mut self) -> Option<()> {
        self.byte(b'{')?;
        let (mut expiration, mut conditions) = (false, false);
        loop {
            let name = self.string()?;
            self.byte(b':')?;
            match name {
                b"expiration" if !expiration => {
                    if !time::is_iso8601(self.string()?) {
                        return None;
                    }
                    expiration = true;
                }
                b"conditions" if !conditions => {
                    self.conditions()?;
                    conditions = true;
                }
                _ => return None,
            }
            if !self.more(b'}')? {
                break;
            }
        }
        let rest = self.peek();
        (expiration && conditions && rest.is_none()).then_some(())
    }

    #[inline(always)]
    fn conditions(&mut self) -> Option<()> {
        self.byte(b'[')?;
        if self.peek()? == b']' {
            self.p += 1;
            return Some(());
        }
        loop {
            match self.peek()? {
                b'{' => {
                    self.p += 1;
                    self.string()?;
                    self.byte(b':')?;
                    self.string()?;
                    self.byte(b'}')?;
                }
                b'[' => {
                    self.p += 1;
                    self.operator()?;
                }
                _ => return None,
            }
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// An array condition after its `[`, through its `]`.
    #[inline(always)]
    fn operator(&mut self) -> Option<()> {
        let op = self.string()?;
        self.byte(b',')?;
        match op {
            b"content-length-range" => {
                let min = self.whole()?;
                self.byte(b',')?;
                if min > self.whole()? {
                    return None;
                }
            }
            b"eq" | b"starts-with" => {
                self.field()?;
                self.byte(b',')?;
                self.string()?;
            }
            b"in" | b"not-in" => {
                self.field()?;
                self.byte(b',')?;
                self.byte(b'[')?;
                loop {
                    self.string()?;
                    if !self.more(b']')? {
                        break;
                    }
                }
            }
            _ => return None,
        }
        self.byte(b']')
    }

    /// `"$field"`.
    #[inline(always)]
    fn field(&mut self) -> Option<()> {
        let field = self.string()?;
        (field.len() > 1 && field[0] == b'$').then_some(())
    }
}

/// The position of the first byte at or after `at` that is not JSON white space. Out of line,
/// like [`plain_string_end`], for the size of the .wasm.
#[inline(never)]
fn skip_space(b: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(at) {
        at += 1;
    }
    at
}

/// Where the string whose text starts at `start` ends (its closing quote), or `usize::MAX` if
/// an escape or a control character comes first, or no quote. Out of line: inlined, it grew
/// the .wasm and was no faster.
#[inline(never)]
fn plain_string_end(b: &[u8], start: usize) -> usize {
    let end = start + json::plain_run(b.get(start..).unwrap_or_default());
    if b.get(end) == Some(&b'"') {
        end
    } else {
        usize::MAX
    }
}

fn missing_expiration() -> Problem {
    bad("needs `expiration` as a string like 2030-01-01T00:00:00.000Z")
}

fn missing_conditions() -> Problem {
    bad("needs `conditions` as an array")
}

/// The `policy` form field: base64 of the exact UTF-8 bytes of the JSON text (no
/// re-serialisation), after [`check_document`].
pub fn encode_policy(policy_json: &str) -> Result<String> {
    if policy_json.trim().is_empty() {
        return Err(Error::Missing("policy"));
    }
    check_document(policy_json)?;
    encode_built(policy_json)
}

/// [`encode_policy`] for a text [`Policy::to_json`] wrote: its conditions were checked as it
/// wrote them, so it is not parsed again.
pub(crate) fn encode_built(policy_json: &str) -> Result<String> {
    let encoded = base64(policy_json.as_bytes());
    // oss-spec §1: a form field value is at most 2 MB.
    if encoded.len() > 2 * 1024 * 1024 {
        return Err(Error::invalid(
            "policy",
            "is larger than 2 MB once encoded; OSS limits a form field to 2 MB",
        ));
    }
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streaming check against the tree check it replaced (proptest is a host-only
    /// dev-dependency).
    #[cfg(not(target_arch = "wasm32"))]
    mod differential {
        use super::*;
        use crate::json::Value;
        use proptest::prelude::*;

        // The check as it was written on a parsed tree (json::parse): the oracle for the
        // streaming check above, which must accept and reject exactly the same documents.
        fn tree_condition(condition: &Value) -> Result<()> {
            match condition {
                // {"field":"value"}: exactly one property (else OSS: "Simple-Conditions must have
                // exactly one property specified").
                Value::Object(members) => match members.as_slice() {
                    [(_, Value::String(_))] => Ok(()),
                    _ => Err(bad_policy(
                        "has an object condition that is not exactly one \"field\": \"string\" pair",
                    )),
                },
                Value::Array(items) => {
                    let Some(Value::String(op)) = items.first() else {
                        return Err(bad_policy(
                            "has an array condition that does not start with an operator name",
                        ));
                    };
                    let field_ok = matches!(items.get(1), Some(Value::String(f)) if f.starts_with('$') && f.len() > 1);
                    let ok = match op.to_ascii_lowercase().as_str() {
                        "content-length-range" => match items.as_slice() {
                            [_, Value::Number(min), Value::Number(max)] => {
                                match (min.parse::<u64>(), max.parse::<u64>()) {
                                    (Ok(min), Ok(max)) if min <= max && max <= MAX_SAFE_INTEGER => true,
                                    _ => return Err(bad_policy(
                                        "has a content-length-range whose bounds are not whole numbers with min <= max",
                                    )),
                                }
                            }
                            _ => false,
                        },
                        "eq" | "starts-with" => {
                            items.len() == 3 && field_ok && matches!(items[2], Value::String(_))
                        }
                        "in" | "not-in" => {
                            items.len() == 3
                                && field_ok
                                && matches!(&items[2], Value::Array(list) if !list.is_empty() && list.iter().all(|v| matches!(v, Value::String(_))))
                        }
                        other => {
                            return Err(bad_policy(format!(
                                "has the operator \"{other}\"; OSS accepts only eq, starts-with, in, not-in and content-length-range"
                            )))
                        }
                    };
                    if ok {
                        Ok(())
                    } else {
                        Err(bad_policy(format!(
                            "has a malformed \"{op}\" condition: write [\"{op}\", \"$field\", value]"
                        )))
                    }
                }
                _ => Err(bad_policy(
                    "has a condition that is neither an object nor an array",
                )),
            }
        }

        /// Checks a policy document the caller wrote for what OSS rejects as an invalid policy
        /// (oss-spec §1a): an object with an ISO-8601 `expiration` and a `conditions` array of
        /// well-formed conditions.
        fn tree_check(policy_json: &str) -> Result<()> {
            let document = json::parse(policy_json).map_err(bad_policy)?;
            if !matches!(document, Value::Object(_)) {
                return Err(bad_policy(
                    "must be a JSON object with `expiration` and `conditions`",
                ));
            }
            match document.get("expiration") {
                Some(Value::String(expiration)) => {
                    time::parse_iso8601("expiration", expiration)?;
                }
                _ => {
                    return Err(bad_policy(
                        "needs `expiration` as a string like 2030-01-01T00:00:00.000Z",
                    ))
                }
            }
            match document.get("conditions") {
                Some(Value::Array(conditions)) => conditions.iter().try_for_each(tree_condition),
                _ => Err(bad_policy("needs `conditions` as an array")),
            }
        }

        /// JSON fragments a policy is made of, well-formed and not.
        pub(super) fn fragment() -> impl Strategy<Value = String> {
            let condition = prop_oneof![
                Just(r#"{"bucket":"b"}"#.to_string()),
                Just(r#"{"key":"a\u00e9\"b"}"#.to_string()),
                Just(r#"{"a":"1","b":"2"}"#.to_string()),
                Just(r#"{"a":5}"#.to_string()),
                Just(r#"{}"#.to_string()),
                Just(r#"["content-length-range",1,10485760]"#.to_string()),
                Just(r#"["Content-Length-Range", 0 , 0 ]"#.to_string()),
                Just(r#"["content-length-range",5,1]"#.to_string()),
                Just(r#"["content-length-range",1.5,2]"#.to_string()),
                Just(r#"["content-length-range",1,2,3]"#.to_string()),
                Just(r#"["content-length-range",1]"#.to_string()),
                Just(r#"["content-length-range","1",2]"#.to_string()),
                Just(r#"["content-length-range",1,"2"]"#.to_string()),
                Just(r#"["eq",5,"x"]"#.to_string()),
                Just(r#"["in","$key",[["a"]]]"#.to_string()),
                Just(r#"["content-length-range",1,9007199254740992]"#.to_string()),
                Just(r#"["eq","$key","x"]"#.to_string()),
                Just(r#"["EQ","$key",""]"#.to_string()),
                Just(r#"["eq","key","x"]"#.to_string()),
                Just(r#"["eq","$","x"]"#.to_string()),
                Just(r#"["eq","$key",1]"#.to_string()),
                Just(r#"["eq","$key","x","y"]"#.to_string()),
                Just(r#"["starts-with","$key","user/"]"#.to_string()),
                Just(r#"["starts-with","$key"]"#.to_string()),
                Just(r#"["in","$content-type",["image/jpg","image/png"]]"#.to_string()),
                Just(r#"["not-in","$cache-control",["no-cache"]]"#.to_string()),
                Just(r#"["in","$key",[]]"#.to_string()),
                Just(r#"["in","$key",["a",1]]"#.to_string()),
                Just(r#"["in","$key","a"]"#.to_string()),
                Just(r#"["ends-with","$key","x"]"#.to_string()),
                Just(r#"[]"#.to_string()),
                Just(r#"[1]"#.to_string()),
                Just("5".to_string()),
                Just("null".to_string()),
                Just(r#""x""#.to_string()),
            ];
            let member = prop_oneof![
                Just(r#""expiration":"2030-01-01T00:00:00.000Z""#.to_string()),
                Just(r#""expiration":"2030-01-01""#.to_string()),
                Just(r#""expiration":5"#.to_string()),
                prop::collection::vec(condition, 0..5)
                    .prop_map(|c| format!(r#""conditions":[{}]"#, c.join(","))),
                Just(r#""conditions":{}"#.to_string()),
                Just(r#""other":{"a":[1,{"b":null}],"c":true}"#.to_string()),
                Just(r#""other":[tru]"#.to_string()),
            ];
            prop::collection::vec(member, 0..5).prop_map(|m| format!("{{{}}}", m.join(",")))
        }

        proptest! {
            #[test]
            fn streaming_check_agrees_with_the_tree_check(
                doc in fragment(),
                cut in any::<prop::sample::Index>(),
                insert in prop::sample::select(vec!["", ",", "]", "}", "[", "\"", " ", "\\", "x", "\n", "{"]),
                mutate in any::<bool>(),
            ) {
                let text = if mutate {
                    let at = cut.index(doc.len() + 1);
                    format!("{}{insert}{}", &doc[..at], &doc[at..])
                } else {
                    doc
                };
                let (streaming, tree) = (check_document(&text), tree_check(&text));
            prop_assert_eq!(streaming.is_ok(), tree.is_ok(), "{}", text);
            // The streaming check stops at the first problem in text order, the tree check
            // looked at `expiration` first, so messages may differ, but a JSON error only
            // where the text is not JSON.
            if let (Err(s), Err(t)) = (streaming, tree) {
                let json = |e: &Error| e.to_string().contains("invalid JSON");
                prop_assert_eq!(json(&s), json(&t), "{}: {} / {}", text, s, t);
            }
            }
        }
    }

    /// The quick check against the walk: whatever it accepts, the walk accepts.
    #[cfg(not(target_arch = "wasm32"))]
    mod quick {
        use super::*;
        use proptest::prelude::*;
        use proptest::sample::select;

        /// Documents of the shape the quick check reads: valid conditions and one more, valid
        /// or not, laid out compactly or with white space around every `,` `:` `[` `{`.
        fn typical() -> impl Strategy<Value = String> {
            const VALID: [&str; 11] = [
                r#"{"bucket":"examplebucket"}"#,
                r#"{"key":"users/42/a.jpg"}"#,
                r#"{"key":"用户/照片.jpg"}"#,
                r#"["content-length-range",0,10485760]"#,
                r#"["content-length-range",1,999999999999999]"#,
                r#"["eq","$key","a"]"#,
                r#"["starts-with","$key","user/"]"#,
                r#"["starts-with","$key",""]"#,
                r#"["in","$content-type",["image/jpg","image/png"]]"#,
                r#"["not-in","$cache-control",["no-cache"]]"#,
                r#"["not-in","$x",["a"] ]"#,
            ];
            let other = select(vec![
                r#"{"key":"a\"b"}"#,
                r#"{"key":5}"#,
                r#"{"a":"1","b":"2"}"#,
                r#"{}"#,
                r#"["content-length-range",1,9007199254740991]"#,
                r#"["content-length-range",1,9007199254740992]"#,
                r#"["content-length-range",1,1000000000000000]"#,
                r#"["content-length-range",1,18446744073709551616]"#,
                r#"["content-length-range",77777777777777777777777777777777777777,1]"#,
                r#"["content-length-range",5,1]"#,
                r#"["content-length-range",5,5]"#,
                r#"["content-length-range",01,2]"#,
                r#"["content-length-range",0,0]"#,
                r#"["content-length-range",1,2.0]"#,
                r#"["content-length-range",1,2e3]"#,
                r#"["content-length-range",-1,2]"#,
                r#"["content-length-range",1,2,3]"#,
                r#"["content-length-range",1]"#,
                r#"["Content-Length-Range",1,2]"#,
                r#"["eq","$","a"]"#,
                r#"["eq","key","a"]"#,
                r#"["eq","$key",1]"#,
                r#"["EQ","$key","a"]"#,
                r#"["eq","$key","a","b"]"#,
                r#"["starts-with","$key"]"#,
                r#"["in","$content-type",[]]"#,
                r#"["in","$content-type",["a",1]]"#,
                r#"["in","$content-type","a"]"#,
                r#"["ends-with","$key","x"]"#,
                r#"["ends-with","$key",["x"]]"#,
                r#"["not-eq","$key","x"]"#,
                r#"[]"#,
                r#"["eq"]"#,
                r#"5"#,
            ]);
            let expiration = prop_oneof![
                4 => Just("2030-01-01T00:00:00.000Z"),
                1 => select(vec![
                    "2030-01-01T00:00:00Z",
                    "2024-02-29T23:59:59.5Z",
                    "2023-02-29T00:00:00Z",
                    "2030-01-01",
                ]),
            ];
            (
                proptest::collection::vec(select(VALID.to_vec()), 0..4),
                prop_oneof![select(VALID.to_vec()), other],
                any::<prop::sample::Index>(),
                expiration,
                any::<bool>(),
                select(vec!["", " ", "\n  ", "\t", "\r\n"]),
            )
                .prop_map(|(mut conditions, one, at, expiration, reversed, ws)| {
                    conditions.insert(at.index(conditions.len() + 1), one);
                    let e = format!(r#""expiration":"{expiration}""#);
                    let c = format!(r#""conditions":[{}]"#, conditions.join(","));
                    let members = if reversed { [c, e] } else { [e, c] };
                    let doc = format!("{{{}}}", members.join(","));
                    let (mut spaced, mut in_string, mut escaped) = (String::new(), false, false);
                    for ch in doc.chars() {
                        if in_string {
                            (in_string, escaped) = (escaped || ch != '"', !escaped && ch == '\\');
                            spaced.push(ch);
                        } else if ch == '"' {
                            in_string = true;
                            spaced.push(ch);
                        } else if matches!(ch, ',' | ':' | '[' | '{') {
                            spaced.push_str(ws);
                            spaced.push(ch);
                            spaced.push_str(ws);
                        } else {
                            spaced.push(ch);
                        }
                    }
                    format!("{ws}{spaced}{ws}")
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn accepts_only_what_the_walk_accepts(
                doc in prop_oneof![3 => typical(), 1 => differential_fragment()],
                cut in any::<prop::sample::Index>(),
                insert in select(vec!["", ",", "]", "}", "[", "\"", " ", "\\", "x", "\n", "{", "0", "\u{1}"]),
                mutate in any::<bool>(),
            ) {
                let text = if mutate {
                    let at = (0..=doc.len()).filter(|&i| doc.is_char_boundary(i)).nth(cut.index(doc.chars().count() + 1)).unwrap_or(0);
                    format!("{}{insert}{}", &doc[..at], &doc[at..])
                } else {
                    doc
                };
                if quick_accept(text.as_bytes()) {
                    prop_assert!(walk_document(&text).is_ok(), "quick accepted {}", text);
                }
            }
        }

        fn differential_fragment() -> impl Strategy<Value = String> {
            super::differential::fragment()
        }

        /// The documents policies are: what buildPolicy, ali-oss (JSON.stringify) and
        /// Python's json.dumps write, in either member order, go the quick way.
        #[test]
        fn reads_common_documents_quickly() {
            for doc in [
                r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["eq","$success_action_status","201"],["starts-with","$key","user/eric/"],["in","$content-type",["image/jpg","image/png"]],["not-in","$cache-control",["no-cache"]]]}"#,
                r#"{"expiration": "2023-12-03T13:12:12.000Z", "conditions": [{"bucket": "examplebucket"}, ["content-length-range", 0, 1048576000], ["starts-with", "$key", "user/"]]}"#,
                "{\n  \"conditions\": [\n    {\"key\": \"用户/照片.jpg\"}\n  ],\n  \"expiration\": \"2030-01-01T00:00:00Z\"\n}\n",
                r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[]}"#,
            ] {
                assert!(walk_document(doc).is_ok(), "{doc}");
                assert!(quick_accept(doc.as_bytes()), "{doc}");
            }
            // Escapes, unknown members and upper-case operators are the walk's.
            for doc in [
                r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"key":"a\/b"}]}"#,
                r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[],"x":1}"#,
                r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["EQ","$key","a"]]}"#,
            ] {
                assert!(walk_document(doc).is_ok(), "{doc}");
                assert!(!quick_accept(doc.as_bytes()), "{doc}");
            }
        }

        /// A bound past u64 (found by `make fuzz`: the digits overflowed the accumulator, a
        /// panic in a debug build) is the walk's to reject.
        #[test]
        fn leaves_overlong_numbers_to_the_walk() {
            let sevens = "7".repeat(100);
            for doc in [
                format!(
                    r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",26,{sevens}]]}}"#
                ),
                format!(
                    r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",{sevens},1]]}}"#
                ),
            ] {
                assert!(!quick_accept(doc.as_bytes()), "{doc}");
                assert!(walk_document(&doc).is_err(), "{doc}");
            }
        }
    }

    #[test]
    fn writes_every_condition_form() {
        let policy = Policy {
            expiration: Expiration::At(1_893_456_000_000),
            conditions: vec![
                Condition::exact("bucket", "examplebucket"),
                Condition::ContentLengthRange {
                    min: 1,
                    max: 10_485_760,
                },
                Condition::Eq {
                    field: "success_action_status".into(),
                    value: "201".into(),
                },
                Condition::StartsWith {
                    field: "key".into(),
                    prefix: "user/eric/".into(),
                },
                Condition::In {
                    field: "content-type".into(),
                    values: vec!["image/jpg".into(), "image/png".into()],
                },
                Condition::NotIn {
                    field: "cache-control".into(),
                    values: vec!["no-cache".into()],
                },
            ],
        };
        // The post_v1_basic vector's policy (oss-vectors.json), byte for byte.
        assert_eq!(
            policy.to_json().unwrap_or_default(),
            r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["eq","$success_action_status","201"],["starts-with","$key","user/eric/"],["in","$content-type",["image/jpg","image/png"]],["not-in","$cache-control",["no-cache"]]]}"#
        );
    }

    #[test]
    fn rejects_invalid_conditions() {
        let bad = [
            Condition::ContentLengthRange { min: 2, max: 1 },
            Condition::ContentLengthRange {
                min: 0,
                max: u64::MAX,
            },
            Condition::exact("", "x"),
            Condition::In {
                field: "key".into(),
                values: vec![],
            },
        ];
        for condition in bad {
            let policy = Policy {
                expiration: Expiration::At(0),
                conditions: vec![condition.clone()],
            };
            assert!(policy.to_json().is_err(), "{condition:?} accepted");
        }
        assert!(Condition::from_operator("ends-with", "$key", vec!["x".into()]).is_err());
        assert!(Condition::from_operator("eq", "$key", vec![]).is_err());
        assert_eq!(
            Condition::from_operator("EQ", "$key", vec!["x".into()]),
            Ok(Condition::Eq {
                field: "key".into(),
                value: "x".into()
            })
        );
        assert!(Expiration::After {
            now_ms: 0,
            seconds: 0
        }
        .instant()
        .is_err());
        assert!(encode_policy(" ").is_err());
        for bad in [
            r#"[]"#,
            r#"{"conditions":[]}"#,
            r#"{"expiration":"2030-01-01","conditions":[]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z"}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"a":"1","b":"2"}]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["ends-with","$key","x"]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",5,1]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1.5,2]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","x"]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["in","$key",[]]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[5]}"#,
        ] {
            assert!(encode_policy(bad).is_err(), "{bad} accepted");
        }
        // A condition of the wrong shape is named as such, never as broken JSON.
        for (bad, says) in [
            (
                r#"["content-length-range","1",2]"#,
                "malformed \"content-length-range\"",
            ),
            (r#"["eq",5,"x"]"#, "malformed \"eq\""),
            (r#"{"a":1}"#, "exactly one"),
            (
                r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[}"#,
                "invalid JSON",
            ),
        ] {
            let text = if bad.starts_with('{') && bad.contains("expiration") {
                bad.to_string()
            } else {
                format!(r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[{bad}]}}"#)
            };
            let message = encode_policy(&text)
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string());
            assert!(message.contains(says), "{text}: {message}");
        }
        assert_eq!(
            encode_policy(r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[]}"#),
            Ok("eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbXX0=".into())
        );
    }
}

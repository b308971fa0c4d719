//! A small, strict JSON reader, used only to *check* documents the caller wrote (policies,
//! callbacks) before they are base64-encoded byte for byte. It never re-serialises: OSS signs
//! the exact bytes (oss-spec §1a). Depth is bounded so hostile input cannot exhaust the stack.

use std::borrow::Cow;

/// A parsed JSON value; numbers keep their text. Strings without escapes, numbers and
/// member names borrow from the document: checking a policy allocates only its arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object; members in document order (duplicates kept).
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The member `name` of an object (the first, if repeated).
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(&**s),
            _ => None,
        }
    }
}

const MAX_DEPTH: usize = 32;

/// What the next value is, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// `-` or a digit
    Number,
    /// anything else: `true`, `false`, `null`, or an error when read
    Other,
}

/// Reads a document one token at a time, without building a tree: [`parse`] is built on it,
/// and the policy check walks a policy with it directly, allocating nothing (a policy is
/// checked at every signature; bench/RESULTS.md). Containers are read as
/// `begin_object()` then `next_member()` until `None` (or `begin_array()`, `next_item()`),
/// with each member's value read (or [`Cursor::skip`]ped) in between.
pub struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Just after `{` or `[`: the next member or item needs no comma.
    first: bool,
}

/// Parses a whole document; the error says where and what.
pub fn parse(text: &str) -> Result<Value<'_>, String> {
    let mut cursor = Cursor::new(text);
    let value = cursor.value()?;
    cursor.end()?;
    Ok(value)
}

impl<'a> Cursor<'a> {
    /// A cursor before the document's one value.
    pub fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            first: false,
        }
    }

    /// The error text for the current position.
    pub fn error(&self, what: &str) -> String {
        [
            "invalid JSON at byte ",
            &*crate::encoding::decimal(self.pos as u64),
            ": ",
            what,
        ]
        .concat()
    }

    // The small steps are inlined by hand (a policy is read at every signature); not
    // `next_member` and `read_string`, which every options read uses, so they cost size.
    #[inline(always)]
    fn space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn eat_byte(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.pos) == Some(&byte);
        self.pos += usize::from(found);
        found
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.bytes[self.pos..].starts_with(literal.as_bytes()) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    /// The kind of the next value (`None` at the end of the text).
    #[inline(always)]
    pub fn peek(&mut self) -> Option<Kind> {
        self.space();
        Some(match self.bytes.get(self.pos)? {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b'-' | b'0'..=b'9' => Kind::Number,
            _ => Kind::Other,
        })
    }

    #[inline(always)]
    fn open(&mut self, kind: Kind, what: &str) -> Result<(), String> {
        if self.peek() != Some(kind) {
            return Err(self.error(what));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.depth += 1;
        self.pos += 1;
        self.first = true;
        Ok(())
    }

    /// Steps past the separator before the next element; `false` at the container's `close`.
    #[inline(always)]
    fn next(&mut self, close: u8, what: &str) -> Result<bool, String> {
        self.space();
        let first = core::mem::replace(&mut self.first, false);
        if self.eat_byte(close) {
            self.depth = self.depth.saturating_sub(1);
            return Ok(false);
        }
        if !first && !self.eat_byte(b',') {
            return Err(self.error(what));
        }
        Ok(true)
    }

    /// Consumes `{`.
    #[inline(always)]
    pub fn begin_object(&mut self) -> Result<(), String> {
        self.open(Kind::Object, "expected an object")
    }

    /// The next member's name, with its `:` consumed (read its value next), or `None` after
    /// the closing `}`.
    pub fn next_member(&mut self) -> Result<Option<Cow<'a, str>>, String> {
        if !self.next(b'}', "expected `,` or `}`")? {
            return Ok(None);
        }
        if self.peek() != Some(Kind::String) {
            return Err(self.error("expected a member name in double quotes"));
        }
        let name = self.read_string()?;
        self.space();
        if !self.eat_byte(b':') {
            return Err(self.error("expected `:`"));
        }
        Ok(Some(name))
    }

    /// Consumes `[`.
    #[inline(always)]
    pub fn begin_array(&mut self) -> Result<(), String> {
        self.open(Kind::Array, "expected an array")
    }

    /// Whether another item follows (read it next); `false` after the closing `]`.
    #[inline(always)]
    pub fn next_item(&mut self) -> Result<bool, String> {
        self.next(b']', "expected `,` or `]`")
    }

    /// Reads any value and its contents, checking them, keeping nothing.
    pub fn skip(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(Kind::Object) => {
                self.begin_object()?;
                while self.next_member()?.is_some() {
                    self.skip()?;
                }
            }
            Some(Kind::Array) => {
                self.begin_array()?;
                while self.next_item()? {
                    self.skip()?;
                }
            }
            Some(Kind::String) => {
                self.read_string()?;
            }
            _ => {
                self.scalar()?;
            }
        }
        Ok(())
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Result<(), String> {
        self.space();
        if self.pos != self.bytes.len() {
            return Err(self.error("unexpected text after the JSON value"));
        }
        Ok(())
    }

    /// Reads the next value as a tree.
    pub fn value(&mut self) -> Result<Value<'a>, String> {
        match self.peek() {
            Some(Kind::Object) => {
                self.begin_object()?;
                let mut members = Vec::new();
                while let Some(name) = self.next_member()? {
                    members.push((name, self.value()?));
                }
                Ok(Value::Object(members))
            }
            Some(Kind::Array) => {
                self.begin_array()?;
                let mut items = Vec::new();
                while self.next_item()? {
                    items.push(self.value()?);
                }
                Ok(Value::Array(items))
            }
            Some(Kind::String) => self.read_string().map(Value::String),
            _ => self.scalar(),
        }
    }

    /// A number, `true`, `false` or `null`.
    fn scalar(&mut self) -> Result<Value<'a>, String> {
        match self.peek() {
            None => Err(self.error("expected a value, found the end")),
            Some(Kind::Number) => self.read_number().map(Value::Number),
            Some(_) if self.eat("true") => Ok(Value::Bool(true)),
            Some(_) if self.eat("false") => Ok(Value::Bool(false)),
            Some(_) if self.eat("null") => Ok(Value::Null),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    /// The next value as a number's text (an error when it is not a number).
    pub fn number(&mut self) -> Result<&'a str, String> {
        if self.peek() != Some(Kind::Number) {
            return Err(self.error("expected a number"));
        }
        self.read_number()
    }

    /// A number starting here (`peek` said so).
    fn read_number(&mut self) -> Result<&'a str, String> {
        let start = self.pos;
        self.eat_byte(b'-');
        let digits = |r: &mut Self| {
            let from = r.pos;
            while matches!(r.bytes.get(r.pos), Some(b'0'..=b'9')) {
                r.pos += 1;
            }
            r.pos - from
        };
        let int_start = self.pos;
        let int_digits = digits(self);
        if int_digits == 0 || (int_digits > 1 && self.bytes[int_start] == b'0') {
            return Err(self.error("malformed number"));
        }
        if self.eat_byte(b'.') && digits(self) == 0 {
            return Err(self.error("malformed number"));
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("malformed number"));
            }
        }
        self.text
            .get(start..self.pos)
            .ok_or_else(|| self.error("malformed number"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let text = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|b| core::str::from_utf8(b).ok())
            .and_then(|s| {
                u32::from_str_radix(s, 16)
                    .ok()
                    .filter(|_| s.bytes().all(|b| b.is_ascii_hexdigit()))
            })
            .ok_or_else(|| self.error("bad \\u escape"))?;
        self.pos += 4;
        Ok(text)
    }

    /// The next value if it is a string; `None`, reading nothing, if it is not.
    pub fn string_if(&mut self) -> Result<Option<Cow<'a, str>>, String> {
        if self.peek() == Some(Kind::String) {
            self.read_string().map(Some)
        } else {
            Ok(None)
        }
    }

    /// The next value as a string (an error when it is not a string).
    pub fn string(&mut self) -> Result<Cow<'a, str>, String> {
        if self.peek() != Some(Kind::String) {
            return Err(self.error("expected a string"));
        }
        self.read_string()
    }

    /// A string starting here, at its opening quote (`peek` said so).
    fn read_string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        // Most strings have no escape: borrowed from the document as they are.
        let start = self.pos;
        self.pos += plain_run(&self.bytes[start..]);
        if self.bytes.get(self.pos) == Some(&b'"') {
            // Ends at an ASCII quote, starts after one: character boundaries.
            if let Some(text) = self.text.get(start..self.pos) {
                self.pos += 1;
                return Ok(Cow::Borrowed(text));
            }
        }
        let mut out = self.bytes[start..self.pos].to_vec();
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&escape) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if !self.eat("\\u") {
                                    return Err(self.error("lone surrogate in \\u escape"));
                                }
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("lone surrogate in \\u escape"));
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            char::from_u32(code)
                                .ok_or_else(|| self.error("lone surrogate in \\u escape"))?
                        }
                        _ => {
                            return Err(self
                                .error("unknown escape (write a literal `$` without a backslash)"))
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.error("control character inside a string: escape it")),
                _ => out.push(b),
            }
        }
        // The input was a &str, and escapes produce whole chars: always valid UTF-8.
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| self.error("invalid UTF-8"))
    }
}

/// Whether a byte ends a run of plain string text: `"`, `\` or a control character.
#[inline(always)]
fn ends_plain(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// How many bytes at the start of `bytes` are plain string text (up to the first byte that
/// [`ends_plain`], or all of them). Eight bytes per step ("SWAR"): the string scan was the
/// largest part of the policy check, which every policy signature runs.
///
/// For each of the three tests, `(x - 0x01…) & !x & 0x80…` marks the bytes of `x` that are
/// zero (for `"` and `\`, after XOR with that byte) and `(w - 0x20…) & !w & 0x80…` the bytes
/// below 0x20. A borrow can also mark a byte above a marked one, never below it, so the
/// lowest marked byte is the first that ends the run.
#[inline(always)]
pub(crate) fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let w = u64::from_le_bytes(eight);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let marked = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH;
        if marked != 0 {
            return at + (marked.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = words.remainder();
    at + rest
        .iter()
        .position(|&b| ends_plain(b))
        .unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    // proptest is a host-only dev-dependency (Cargo.toml); the wasm tests run without it.
    #[cfg(not(target_arch = "wasm32"))]
    mod scan {
        use super::*;

        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

            /// The word-at-a-time scan finds what a byte-at-a-time one finds, at every alignment,
            /// with the bytes that end a run and their neighbours (0x1f, 0x20, 0x21, 0x5b, 0x5d,
            /// 0x7f, 0x80, 0xff) common.
            #[test]
            fn plain_run_is_the_first_byte_that_ends_plain_text(
                bytes in proptest::collection::vec(
                    proptest::prop_oneof![
                        4 => proptest::sample::select(vec![
                            b'"', b'\\', 0, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff,
                        ]),
                        6 => proptest::prelude::any::<u8>(),
                        20 => b'a'..=b'z',
                    ],
                    0..40,
                )
            ) {
                for start in 0..bytes.len().min(9) {
                    let tail = &bytes[start..];
                    let expected = tail.iter().position(|&b| ends_plain(b)).unwrap_or(tail.len());
                    proptest::prop_assert_eq!(plain_run(tail), expected);
                }
            }
        }
    }

    #[test]
    fn parses_documents() {
        let v = parse(r#" {"a":[1,-2.5e3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}} "#);
        assert_eq!(
            v,
            Ok(Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        Value::Number("1"),
                        Value::Number("-2.5e3"),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Null,
                        Value::String("xé😀\n".into()),
                    ])
                ),
                ("b".into(), Value::Object(vec![])),
            ]))
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "\"a\nb\"",
            "\"\\ud800\"",
            "[1] 2",
            "{'a':1}",
            "tru",
            "\"\\u12\"",
            "\"\\u+123\"",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse(&"[".repeat(100)).is_err());
    }
}

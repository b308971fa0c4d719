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

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

/// Parses a whole document; the error says where and what.
pub fn parse(text: &str) -> Result<Value<'_>, String> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = reader.value(0)?;
    reader.space();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

impl<'a> Reader<'a> {
    fn error(&self, what: &str) -> String {
        format!("invalid JSON at byte {}: {what}", self.pos)
    }

    fn space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.bytes[self.pos..].starts_with(literal.as_bytes()) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.space();
        match self.bytes.get(self.pos) {
            None => Err(self.error("expected a value, found the end")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) if self.eat("true") => Ok(Value::Bool(true)),
            Some(_) if self.eat("false") => Ok(Value::Bool(false)),
            Some(_) if self.eat("null") => Ok(Value::Null),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, String> {
        self.pos += 1;
        let mut members = Vec::new();
        self.space();
        if self.eat("}") {
            return Ok(Value::Object(members));
        }
        loop {
            self.space();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a member name in double quotes"));
            }
            let name = self.string()?;
            self.space();
            if !self.eat(":") {
                return Err(self.error("expected `:`"));
            }
            let value = self.value(depth + 1)?;
            members.push((name, value));
            self.space();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(Value::Object(members));
            }
            return Err(self.error("expected `,` or `}`"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.space();
        if self.eat("]") {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.space();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                return Ok(Value::Array(items));
            }
            return Err(self.error("expected `,` or `]`"));
        }
    }

    fn number(&mut self) -> Result<Value<'a>, String> {
        let start = self.pos;
        self.eat("-");
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
        if self.eat(".") && digits(self) == 0 {
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
        // Only ASCII digits and signs were read: the range is on character boundaries.
        self.text
            .get(start..self.pos)
            .map(Value::Number)
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

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        // Most strings have no escape: borrowed from the document as they are.
        let start = self.pos;
        let plain = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(self.bytes.len() - start);
        self.pos += plain;
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

#[cfg(test)]
mod tests {
    use super::*;

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

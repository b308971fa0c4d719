//! The public API as "JSON text in, text out", as the wasm bindings, the tests and fuzzing call
//! it: the JS layer passes `JSON.stringify(options)` and parses what comes back. (The two policy
//! signatures take plain strings in wasm, `sign::v1`/`sign::v4::sign_post_policy`: the JS layer
//! checks their options object; `sign_post_policy_v1`/`_v4` here are their JSON form.)
//!
//! Why JSON text and not objects read with js-sys `Reflect` or serde-wasm-bindgen: measured on
//! buildPostForm alone (bench/HISTORY.md), Reflect was 2 KB brotli larger and 1.3× the time per
//! form, since callback and policy texts still need `json.rs` and every `Reflect::get` crosses
//! with a new JS string; serde-wasm-bindgen was 13.5 KB larger.

use std::borrow::Cow;

use crate::callback::{self, Callback};
use crate::error::{Error, Result};
use crate::form::{self, FormOptions, SignatureVersion};
use crate::json::{self, Value};
use crate::key::{self, KeyOptions};
use crate::policy::{Condition, Expiration, Policy};
use crate::sign::{v1, v4, Credentials, Query, Request, SignedRequest};
use crate::time;

/// The largest integer a JS number holds exactly.
const MAX_SAFE: u64 = 9_007_199_254_740_991;

/// An options object, with the names the function knows.
struct Options<'a> {
    members: &'a [(Cow<'a, str>, Value<'a>)],
}

fn parse_options<'a>(
    what: &'static str,
    document: &'a Value<'a>,
    known: &[&str],
) -> Result<Options<'a>> {
    let Value::Object(members) = document else {
        return Err(Error::invalid(what, "expects an options object"));
    };
    for (name, _) in members {
        if !known.contains(&&**name) {
            return Err(Error::invalid(
                what,
                [
                    "has an unknown option \"",
                    name,
                    "\"; known options: ",
                    &*known.join(", "),
                ]
                .concat(),
            ));
        }
    }
    Ok(Options { members })
}

fn parse_document<'a>(what: &'static str, text: &'a str) -> Result<Value<'a>> {
    json::parse(text).map_err(|e| Error::invalid(what, e))
}

fn number(option: &'static str, value: &Value) -> Result<u64> {
    match value {
        Value::Number(text) => match text.parse::<u64>() {
            Ok(n) if n <= MAX_SAFE => Ok(n),
            _ => Err(Error::invalid(
                option,
                ["must be a whole, non-negative number, got ", text].concat(),
            )),
        },
        _ => Err(Error::invalid(option, "must be a number")),
    }
}

impl<'a> Options<'a> {
    /// A member that is present and not null.
    fn get(&self, name: &str) -> Option<&'a Value<'a>> {
        self.members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Value::Null))
    }

    /// A string option, borrowed from the document.
    fn text(&self, name: &'static str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::invalid(name, "must be a string")),
        }
    }

    /// A non-empty string option, borrowed from the document.
    fn required_text(&self, name: &'static str) -> Result<&'a str> {
        match self.text(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(Error::Missing(name)),
        }
    }

    fn string(&self, name: &'static str) -> Result<Option<String>> {
        Ok(self.text(name)?.map(String::from))
    }

    fn required(&self, name: &'static str) -> Result<String> {
        self.required_text(name).map(String::from)
    }

    fn number(&self, name: &'static str) -> Result<Option<u64>> {
        self.get(name).map(|v| number(name, v)).transpose()
    }

    fn boolean(&self, name: &'static str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::invalid(name, "must be true or false")),
        }
    }

    fn strings(&self, name: &'static str) -> Result<Vec<String>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.to_string()),
                    _ => Err(Error::invalid(name, "must be an array of strings")),
                })
                .collect(),
            Some(_) => Err(Error::invalid(name, "must be an array of strings")),
        }
    }

    /// An object of names to values; numbers become their text, null an absent value.
    fn pairs(&self, name: &'static str) -> Result<Query<'a>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Object(members)) => members
                .iter()
                .map(|(k, v)| {
                    let k: &'a str = k;
                    let text = |t: &'a str| Ok((Cow::Borrowed(k), Some(Cow::Borrowed(t))));
                    match v {
                        Value::String(s) => text(s),
                        Value::Number(n) => text(n),
                        Value::Bool(b) => text(if *b { "true" } else { "false" }),
                        Value::Null => Ok((Cow::Borrowed(k), None)),
                        _ => Err(Error::invalid(
                            name,
                            ["has a value for \"", k, "\" that is not a string"].concat(),
                        )),
                    }
                })
                .collect(),
            Some(_) => Err(Error::invalid(name, "must be an object of names to values")),
        }
    }

    /// Like [`Options::pairs`], but every value must be present.
    fn pairs_required(&self, name: &'static str) -> Result<Vec<(Cow<'a, str>, Cow<'a, str>)>> {
        self.pairs(name)?
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => Ok((k, v)),
                None => Err(Error::invalid(
                    name,
                    ["has no value for \"", &*k, "\""].concat(),
                )),
            })
            .collect()
    }

    /// [`Options::pairs_required`], owned: for what outlives the document.
    fn owned_pairs(&self, name: &'static str) -> Result<Vec<(String, String)>> {
        Ok(self
            .pairs_required(name)?
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect())
    }

    fn now(&self, default_now: u64) -> Result<u64> {
        match self.number("now")? {
            Some(ms) if ms > time::MAX_MS => Err(Error::invalid("now", "is after the year 9999")),
            Some(ms) => Ok(ms),
            None => Ok(default_now),
        }
    }

    /// `expiration` (ISO-8601 text or ms since the epoch) or `expiresIn` (seconds).
    fn expiration(&self, now_ms: u64, default_seconds: u64) -> Result<Expiration> {
        match (self.get("expiration"), self.number("expiresIn")?) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "expiration",
                "and `expiresIn` cannot both be given: pick one",
            )),
            (Some(Value::String(text)), None) => {
                time::parse_iso8601("expiration", text).map(Expiration::At)
            }
            (Some(value), None) => number("expiration", value).map(Expiration::At),
            (None, Some(seconds)) => Ok(Expiration::After { now_ms, seconds }),
            (None, None) => Ok(Expiration::After {
                now_ms,
                seconds: default_seconds,
            }),
        }
    }

    fn conditions(&self) -> Result<Vec<Condition>> {
        match self.get("conditions") {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(condition).collect(),
            Some(_) => Err(Error::invalid(
                "conditions",
                "must be an array of conditions",
            )),
        }
    }

    fn credentials(&self) -> Result<Credentials> {
        Ok(Credentials {
            access_key_id: self.required("accessKeyId")?,
            access_key_secret: self.required("accessKeySecret")?,
            security_token: self.string("securityToken")?.filter(|t| !t.is_empty()),
        })
    }
}

/// One condition in a form OSS documents (oss-spec §1a): `{"bucket":"b"}`,
/// `["eq","$key","k"]`, `["starts-with","$key","user/"]`, `["content-length-range",1,9]`,
/// `["in","$content-type",["image/png"]]`, `["not-in",…]`.
fn condition(value: &Value) -> Result<Condition> {
    let bad = |reason: &str| Error::invalid("conditions", reason);
    match value {
        Value::Object(members) => match members.as_slice() {
            [(field, Value::String(v))] => Ok(Condition::exact(&**field, &**v)),
            _ => Err(bad(
                "has an object condition that is not exactly one \"field\": \"string\" pair",
            )),
        },
        Value::Array(items) => {
            let op = match items.first() {
                Some(Value::String(op)) => &**op,
                _ => {
                    return Err(bad(
                        "has an array condition that does not start with an operator name",
                    ))
                }
            };
            if items.len() != 3 {
                return Err(bad(
                    "has an array condition without exactly three items: [operator, field, value]",
                ));
            }
            if op.eq_ignore_ascii_case("content-length-range") {
                return Ok(Condition::ContentLengthRange {
                    min: number("conditions", &items[1])?,
                    max: number("conditions", &items[2])?,
                });
            }
            let Value::String(field) = &items[1] else {
                return Err(bad(
                    "has a condition whose field is not a string like \"$key\"",
                ));
            };
            let values = match &items[2] {
                Value::String(v) => vec![v.to_string()],
                Value::Array(list) => list
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(String::from)
                            .ok_or_else(|| bad("has a list with a non-string value"))
                    })
                    .collect::<Result<_>>()?,
                _ => {
                    return Err(bad(
                        "has a condition value that is neither a string nor a list",
                    ))
                }
            };
            let lists = op.eq_ignore_ascii_case("in") || op.eq_ignore_ascii_case("not-in");
            if lists != matches!(items[2], Value::Array(_)) {
                return Err(bad(
                    "takes a list for in/not-in and a single string for eq/starts-with",
                ));
            }
            Condition::from_operator(op, field, values)
        }
        _ => Err(bad(
            "has a condition that is neither an object nor an array",
        )),
    }
}

/// `buildPolicy({ conditions, expiration | expiresIn, now })` → policy JSON text.
pub fn build_policy(options_json: &str, default_now: u64) -> Result<String> {
    let document = parse_document("buildPolicy", options_json)?;
    let o = parse_options(
        "buildPolicy",
        &document,
        &["conditions", "expiration", "expiresIn", "now"],
    )?;
    let now_ms = o.now(default_now)?;
    Policy {
        expiration: o.expiration(now_ms, 900)?,
        conditions: o.conditions()?,
    }
    .to_json()
}

/// `signPostPolicyV1({ accessKeySecret, policy })` → base64 signature.
pub fn sign_post_policy_v1(options_json: &str) -> Result<String> {
    let document = parse_document("signPostPolicyV1", options_json)?;
    let o = parse_options(
        "signPostPolicyV1",
        &document,
        &["accessKeySecret", "policy"],
    )?;
    v1::sign_post_policy(&o.required("accessKeySecret")?, &o.required("policy")?)
}

/// `signPostPolicyV4({ accessKeySecret, region, date, policy })` → hex signature.
pub fn sign_post_policy_v4(options_json: &str) -> Result<String> {
    let document = parse_document("signPostPolicyV4", options_json)?;
    let o = parse_options(
        "signPostPolicyV4",
        &document,
        &["accessKeySecret", "region", "date", "policy"],
    )?;
    v4::sign_post_policy(
        &o.required("accessKeySecret")?,
        &o.required("region")?,
        &o.required("date")?,
        &o.required("policy")?,
    )
}

/// Which header signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// oss-spec §2.
    V1,
    /// oss-spec §3.
    V4,
}

/// `signRequestV1/V4({ accessKeyId, accessKeySecret, region (V4), method, bucket, key,
/// headers, query, additionalHeaders (V4) })`.
pub fn sign_request(version: Version, options_json: &str) -> Result<SignedRequest> {
    let what = match version {
        Version::V1 => "signRequestV1",
        Version::V4 => "signRequestV4",
    };
    let document = parse_document(what, options_json)?;
    let known: &[&str] = match version {
        Version::V1 => &[
            "accessKeyId",
            "accessKeySecret",
            "method",
            "bucket",
            "key",
            "headers",
            "query",
        ],
        Version::V4 => &[
            "accessKeyId",
            "accessKeySecret",
            "region",
            "method",
            "bucket",
            "key",
            "headers",
            "query",
            "additionalHeaders",
        ],
    };
    let o = parse_options(what, &document, known)?;
    let credentials = Credentials {
        access_key_id: o.required("accessKeyId")?,
        access_key_secret: o.required("accessKeySecret")?,
        security_token: None,
    };
    let request = Request {
        method: Cow::Borrowed(o.required_text("method")?),
        bucket: Cow::Borrowed(o.text("bucket")?.unwrap_or_default()),
        key: Cow::Borrowed(o.text("key")?.unwrap_or_default()),
        headers: o.pairs_required("headers")?,
        query: o.pairs("query")?,
    };
    match version {
        Version::V1 => v1::sign_request(&credentials, &request),
        Version::V4 => v4::sign_request(
            &credentials,
            &o.required("region")?,
            &request,
            &o.strings("additionalHeaders")?,
        ),
    }
}

/// A signed request as JSON: `{"authorization":…,"stringToSign":…,"canonicalRequest":…}`.
pub fn signed_request_json(signed: &SignedRequest) -> String {
    let mut members = vec![
        ("authorization", signed.authorization.as_str()),
        ("stringToSign", signed.string_to_sign.as_str()),
    ];
    if let Some(canonical) = &signed.canonical_request {
        members.push(("canonicalRequest", canonical));
    }
    json_object(&members)
}

fn json_object(members: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::encoding::push_json_string(&mut out, name);
        out.push(':');
        crate::encoding::push_json_string(&mut out, value);
    }
    out.push('}');
    out
}

fn callback_json(value: &Value) -> Result<String> {
    match value {
        Value::String(text) => Ok(text.to_string()),
        Value::Object(_) => {
            let o = parse_options(
                "callback",
                value,
                &[
                    "callbackUrl",
                    "callbackBody",
                    "callbackHost",
                    "callbackBodyType",
                    "callbackSNI",
                ],
            )?;
            Ok(Callback {
                url: o.required("callbackUrl")?,
                body: o.required("callbackBody")?,
                host: o.string("callbackHost")?,
                body_type: o.string("callbackBodyType")?,
                sni: o.boolean("callbackSNI")?,
            }
            .to_json())
        }
        _ => Err(Error::invalid(
            "callback",
            "must be a JSON string or an object",
        )),
    }
}

/// `encodeCallback(json | { callbackUrl, callbackBody, … })` given as the JSON of that
/// value (`JSON.stringify(x)`), so a string arrives as a JSON string literal.
pub fn encode_callback(value_json: &str) -> Result<String> {
    let value = parse_document("encodeCallback", value_json)?;
    callback::encode_callback(&callback_json(&value)?)
}

/// `encodeCallbackVar({ "x:uid": "1" })`.
pub fn encode_callback_var(options_json: &str) -> Result<String> {
    let document = parse_document("encodeCallbackVar", options_json)?;
    let Value::Object(_) = document else {
        return Err(Error::invalid(
            "callbackVar",
            "must be an object like { \"x:uid\": \"1\" }",
        ));
    };
    let holder = Value::Object(vec![("callbackVar".into(), document)]);
    let o = parse_options("encodeCallbackVar", &holder, &["callbackVar"])?;
    callback::encode_callback_var(&o.owned_pairs("callbackVar")?)
}

const FORM_OPTIONS: [&str; 21] = [
    "version",
    "accessKeyId",
    "accessKeySecret",
    "securityToken",
    "region",
    "bucket",
    "key",
    "keyPrefix",
    "now",
    "expiration",
    "expiresIn",
    "contentLengthRange",
    "contentType",
    "contentTypes",
    "successActionStatus",
    "forbidOverwrite",
    "headers",
    "meta",
    "callback",
    "callbackVar",
    "conditions",
];

/// `buildPostForm(options)` → `{"fields":{…},"policy":"<json>","expiration":"<iso>"}` with the
/// fields in the order to send them (append the file last, as `file`).
pub fn build_post_form(options_json: &str, default_now: u64) -> Result<String> {
    let document = parse_document("buildPostForm", options_json)?;
    let o = parse_options("buildPostForm", &document, &FORM_OPTIONS)?;
    // ossup/post's core (built without `full`) signs the policy it builds itself only.
    #[cfg(not(feature = "full"))]
    for name in ["conditions", "expiration"] {
        if o.members.iter().any(|(n, _)| n == name) {
            return Err(Error::invalid(
                name,
                "(custom policies) is not in ossup/post: build the form with the full ossup entry",
            ));
        }
    }
    let now_ms = o.now(default_now)?;
    let mut f = FormOptions::new(
        o.credentials()?,
        o.string("region")?.unwrap_or_default(),
        now_ms,
    );
    f.version = match o.string("version")?.as_deref() {
        None | Some("v4") => SignatureVersion::V4,
        Some("v1") => SignatureVersion::V1,
        Some(_) => {
            return Err(Error::invalid(
                "version",
                "must be \"v4\" (default) or \"v1\"",
            ))
        }
    };
    f.bucket = o.string("bucket")?;
    f.key = o.string("key")?;
    f.key_prefix = o.string("keyPrefix")?;
    f.expiration = o.expiration(now_ms, 900)?;
    f.content_length_range = match o.get("contentLengthRange") {
        None => None,
        Some(Value::Array(pair)) if pair.len() == 2 => Some((
            number("contentLengthRange", &pair[0])?,
            number("contentLengthRange", &pair[1])?,
        )),
        Some(_) => {
            return Err(Error::invalid(
                "contentLengthRange",
                "must be [min, max] in bytes",
            ))
        }
    };
    f.content_type = o.string("contentType")?;
    f.content_types = o.strings("contentTypes")?;
    if let Some(status) = o.number("successActionStatus")? {
        f.success_action_status = u16::try_from(status).map_err(|_| {
            Error::invalid(
                "successActionStatus",
                [
                    "is ",
                    &*crate::encoding::decimal(status),
                    "; OSS accepts 200, 201 or 204",
                ]
                .concat(),
            )
        })?;
    }
    f.forbid_overwrite = o.boolean("forbidOverwrite")?.unwrap_or(true);
    f.headers = o.owned_pairs("headers")?;
    f.meta = o.owned_pairs("meta")?;
    f.callback = o.get("callback").map(callback_json).transpose()?;
    f.callback_vars = o.owned_pairs("callbackVar")?;
    f.conditions = o.conditions()?;
    let form = form::build_post_form(&f)?;
    let mut out = String::from("{\"fields\":");
    let fields: Vec<(&str, &str)> = form
        .fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    out.push_str(&json_object(&fields));
    out.push_str(",\"policy\":");
    crate::encoding::push_json_string(&mut out, &form.policy_json);
    out.push_str(",\"expiration\":");
    crate::encoding::push_json_string(&mut out, &time::iso8601(form.expiration_ms));
    out.push('}');
    Ok(out)
}

/// `objectKey({ prefix, name, contentType, now, dateFolders }, random)`.
pub fn object_key(options_json: &str, default_now: u64, random: &[u8]) -> Result<String> {
    let document = parse_document("objectKey", options_json)?;
    let o = parse_options(
        "objectKey",
        &document,
        &["prefix", "name", "contentType", "now", "dateFolders"],
    )?;
    key::object_key(
        &KeyOptions {
            prefix: o.string("prefix")?.unwrap_or_default(),
            name: o.string("name")?.unwrap_or_default(),
            content_type: o.string("contentType")?.filter(|t| !t.is_empty()),
            date_folders: o.boolean("dateFolders")?.unwrap_or(true),
            now_ms: o.now(default_now)?,
        },
        random,
    )
}

/// `{"iso":…,"date":…,"dateTime":…,"http":…}` for one instant.
pub fn format_dates(now_ms: u64) -> Result<String> {
    if now_ms > time::MAX_MS {
        return Err(Error::invalid("now", "is after the year 9999"));
    }
    Ok(json_object(&[
        ("iso", &time::iso8601(now_ms)),
        ("date", &time::compact_date(now_ms)),
        ("dateTime", &time::compact_date_time(now_ms)),
        ("http", &time::http_date(now_ms)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_mistyped_options_are_errors() {
        let e = sign_post_policy_v1(r#"{"accesKeySecret":"s","policy":"p"}"#).err();
        assert_eq!(e.as_ref().map(Error::code), Some("INVALID_OPTION"));
        assert!(e
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("accesKeySecret"));
        assert_eq!(
            sign_post_policy_v1(r#"{"policy":"p"}"#).err(),
            Some(Error::Missing("accessKeySecret"))
        );
        assert!(sign_post_policy_v1(r#"{"accessKeySecret":5,"policy":"p"}"#).is_err());
        assert!(sign_post_policy_v1("[]").is_err());
        assert!(sign_post_policy_v1("not json").is_err());
        assert!(build_policy(r#"{"conditions":[["eq","$key"]]}"#, 0).is_err());
        assert!(build_policy(r#"{"conditions":[["in","$key","x"]]}"#, 0).is_err());
        assert!(build_policy(r#"{"conditions":[["content-length-range",-1,5]]}"#, 0).is_err());
        assert!(build_policy(
            r#"{"conditions":[],"expiration":"2030-01-01T00:00:00Z","expiresIn":5}"#,
            0
        )
        .is_err());
        assert!(build_post_form(
            r#"{"accessKeyId":"a","accessKeySecret":"s","key":"k","contentLengthRange":[1]}"#,
            0
        )
        .is_err());
    }

    #[test]
    fn builds_policies_and_forms() {
        assert_eq!(
            build_policy(
                r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["content-length-range",0,5],["in","$content-type",["a"]]]}"#,
                0
            ),
            Ok(r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["content-length-range",0,5],["in","$content-type",["a"]]]}"#.into())
        );
        let form = build_post_form(
            r#"{"version":"v1","accessKeyId":"id","accessKeySecret":"s","key":"a b","now":0,"expiresIn":60,"callback":{"callbackUrl":"u","callbackBody":"b"},"callbackVar":{"x:uid":"7"}}"#,
            5,
        )
        .unwrap_or_default();
        assert!(form.starts_with(r#"{"fields":{"key":"a b","success_action_status":"200","x-oss-forbid-overwrite":"true","Content-Type":"application/octet-stream","x-oss-content-type":"application/octet-stream","Content-Disposition":"inline","Cache-Control":"","Content-Encoding":"","Expires":"","callback":"eyJjYWxsYmFja1VybCI6InUiLCJjYWxsYmFja0JvZHkiOiJiIn0=","x:uid":"7","OSSAccessKeyId":"id","policy":"#), "{form}");
        assert!(form.contains(r#""expiration":"1970-01-01T00:01:00.000Z""#));
        assert_eq!(
            object_key(
                r#"{"name":"a.html","contentType":"image/png","now":5,"dateFolders":false}"#,
                0,
                &[1; 8]
            ),
            Ok("5-0101010101010101.png".into())
        );
        assert_eq!(
            encode_callback(r#""{\"callbackUrl\":\"u\",\"callbackBody\":\"b\"}""#),
            encode_callback(r#"{"callbackBody":"b","callbackUrl":"u"}"#)
        );
        assert_eq!(
            format_dates(1_701_605_532_000).unwrap_or_default(),
            r#"{"iso":"2023-12-03T12:12:12.000Z","date":"20231203","dateTime":"20231203T121212Z","http":"Sun, 03 Dec 2023 12:12:12 GMT"}"#
        );
    }
}

//! Signatures: PostObject policies and request headers, in V1 (HMAC-SHA1) and V4
//! (HMAC-SHA256, recommended). oss-spec §1b, §1c, §2, §3.

pub mod v1;
pub mod v4;

use core::fmt;
use std::borrow::Cow;

use crate::error::{Error, Result};

/// An AccessKey pair, permanent or temporary (STS). `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `OSSAccessKeyId` / the `Credential=` prefix.
    pub access_key_id: String,
    /// The HMAC key. Never leaves the signer.
    pub access_key_secret: String,
    /// STS token (`x-oss-security-token`), for temporary credentials.
    pub security_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Credentials {
    /// Checks that the id and secret are present and free of characters that would break
    /// a header or a form field.
    pub fn validate(&self) -> Result<()> {
        check_secret(&self.access_key_secret)?;
        check_token_text("accessKeyId", &self.access_key_id)?;
        if let Some(token) = &self.security_token {
            check_token_text("securityToken", token)?;
        }
        Ok(())
    }
}

/// The string a PostObject signature covers is the base64 `policy` field; passing the JSON
/// itself is a common mistake that OSS would answer with SignatureDoesNotMatch.
pub(crate) fn check_policy_field(policy: &str) -> Result<()> {
    if policy.is_empty() {
        return Err(Error::Missing("policy"));
    }
    // Decoded into a buffer kept between calls: this runs at every policy signature, and a new
    // `Vec` each time (allocated, zeroed, freed) was about 3% of a V1 signature in wasm.
    thread_local! {
        static DECODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    DECODED.with(|decoded| {
        let mut decoded = decoded.borrow_mut();
        let not_base64 = || {
            Error::invalid(
                "policy",
                "must be the base64 policy field (from encodePolicy or buildPostForm), not the policy JSON",
            )
        };
        // OSS would answer InvalidPolicyDocument; say so before signing. An ASCII policy is
        // UTF-8 without checking, and most are read by the quick check alone.
        let checked = match crate::encoding::base64_decode_into(policy, &mut decoded) {
            None => Err(not_base64()),
            Some(written) if written.ascii && crate::policy::quick_accept(&decoded[..written.len]) => Ok(()),
            Some(written) => core::str::from_utf8(&decoded[..written.len])
                .map_err(|_| not_base64())
                .and_then(crate::policy::check_document),
        };
        if decoded.len() > KEPT_DECODED {
            *decoded = Vec::new(); // not kept: a policy this long is rare
        }
        checked
    })
}

/// The most bytes `check_policy_field` keeps allocated between calls (a typical policy is
/// under 1 KB; OSS takes up to 2 MB).
const KEPT_DECODED: usize = 16 * 1024;

/// A request's bucket and key: a key needs a bucket, and both follow OSS's rules.
pub(crate) fn check_target(bucket: &str, key: &str) -> Result<()> {
    if !bucket.is_empty() {
        check_bucket(bucket)?;
    } else if !key.is_empty() {
        return Err(Error::invalid("bucket", "is required when `key` is given"));
    }
    if !key.is_empty() {
        crate::key::validate_key(key)?;
    }
    Ok(())
}

/// The secret must be non-empty; any other byte is fine for HMAC.
pub(crate) fn check_secret(secret: &str) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::Missing("accessKeySecret"));
    }
    Ok(())
}

fn check_token_text(option: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::Missing(option));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(
            option,
            "has white space or a control character: copy the value again without line breaks",
        ));
    }
    Ok(())
}

/// One HTTP request to sign. Header names may be in any case; values are signed trimmed,
/// as a server sees them. A query value of `None` (or empty) is a value-less parameter.
///
/// The text is borrowed where it can be (from the options JSON, in `ossup::api`): a header
/// signature is made once per request, and copying its strings was a good part of its time in
/// wasm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request<'a> {
    /// `GET`, `PUT`, `POST`, `DELETE`, `HEAD` (upper-cased when signing).
    pub method: Cow<'a, str>,
    /// Empty for service-level requests.
    pub bucket: Cow<'a, str>,
    /// Empty for bucket-level requests.
    pub key: Cow<'a, str>,
    /// Request headers as sent.
    pub headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Query parameters as sent (decoded values).
    pub query: Query<'a>,
}

/// Query parameters: names and decoded values, `None` for a parameter without one.
pub type Query<'a> = Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>;

/// Headers as [`normalized_headers`] returns them: lower-cased names (borrowed when they
/// already were), trimmed values.
pub type Headers<'a> = Vec<(Cow<'a, str>, &'a str)>;

/// What a header signature produced; the canonical strings help explain a
/// `SignatureDoesNotMatch`, whose error body echoes the server's StringToSign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// The `Authorization` header value.
    pub authorization: String,
    /// The string that was HMAC'd.
    pub string_to_sign: String,
    /// V4 only: the canonical request whose SHA-256 is in the string to sign.
    pub canonical_request: Option<String>,
}

/// Most headers, query parameters or additional headers one request may have. Real requests
/// have a handful; the bound keeps the small sorts below linear-ish on hostile input.
pub const MAX_REQUEST_ITEMS: usize = 256;

/// Insertion sort: the lists here are short, and one small generic loop replaces the standard
/// library's sorts, which cost about 8 KB of `.wasm` for four element types.
pub(crate) fn insertion_sort<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Rejects requests with more than [`MAX_REQUEST_ITEMS`] headers or query parameters.
pub(crate) fn check_request_size(request: &Request, additional: usize) -> Result<()> {
    for (option, count) in [
        ("headers", request.headers.len()),
        ("query", request.query.len()),
        ("additionalHeaders", additional),
    ] {
        if count > MAX_REQUEST_ITEMS {
            return Err(Error::invalid(option, "has more than 256 entries"));
        }
    }
    Ok(())
}

/// Headers with lower-cased names and trimmed values, sorted by name; duplicate names are an
/// error rather than a guess about which one the server sees.
pub(crate) fn normalized_headers<'a>(
    headers: &'a [(Cow<'a, str>, Cow<'a, str>)],
) -> Result<Headers<'a>> {
    let mut out: Headers<'a> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name: &'a str = name.trim();
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::invalid(
                "headers",
                ["has an invalid header name \"", &name, "\""].concat(),
            ));
        }
        // Bytes, not chars: CR and LF never occur inside a multi-byte UTF-8 sequence, and a
        // security token is hundreds of bytes.
        if value.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(Error::invalid(
                "headers",
                ["has a line break in the value of \"", &name, "\""].concat(),
            ));
        }
        // An HTTP server strips only spaces and tabs around a value (RFC 9110 §5.5).
        let value: &'a str = value;
        out.push((name, value.trim_matches([' ', '\t'])));
    }
    insertion_sort(&mut out, |a, b| a.0 < b.0);
    if let Some(pair) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::invalid(
            "headers",
            [
                "has \"",
                &*pair[0].0,
                "\" twice (names are case-insensitive): send it once",
            ]
            .concat(),
        ));
    }
    Ok(out)
}

pub(crate) fn header<'a>(headers: &[(Cow<'a, str>, &'a str)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
}

pub(crate) fn check_method(method: &str) -> Result<String> {
    let upper = method.trim().to_ascii_uppercase();
    if upper.is_empty() {
        return Err(Error::Missing("method"));
    }
    if !upper.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "method",
            "must be an HTTP method such as PUT or POST",
        ));
    }
    Ok(upper)
}

pub(crate) fn check_bucket(bucket: &str) -> Result<()> {
    // OSS bucket names: 3–63 of a–z, 0–9 and `-`, not starting or ending with `-`.
    // Checked so that a typo fails here and not as a 403 from the server.
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !ok {
        return Err(Error::invalid(
            "bucket",
            [
                "\"",
                bucket,
                "\" is not a bucket name: 3-63 characters of a-z, 0-9 and '-'",
            ]
            .concat(),
        ));
    }
    Ok(())
}

//! Signature V4: HMAC-SHA256 with a derived signing key (oss-spec §1c PostObject, §3 headers).

use std::borrow::Cow;

use super::{
    check_method, check_policy_field, check_request_size, check_secret, check_target, header,
    insertion_sort, normalized_headers, Credentials, Request, SignedRequest,
};
use crate::encoding::{hex, percent_encode};
use crate::error::{Error, Result};
use crate::time;

/// `x-oss-signature-version` and the Authorization scheme.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The last element of the credential scope (also the signing-key chain's last message, so
/// it is defined once, with that chain, in crate::hash).
pub const SCOPE_TERMINATOR: &str = crate::hash::V4_SCOPE_TERMINATOR;

/// The V4 region: the plain Region ID. ali-oss accepts `oss-cn-hangzhou` and strips the
/// prefix (oss-spec §7.2); so do we.
pub fn normalize_region(region: &str) -> Result<&str> {
    let region = region.trim();
    let region = region.strip_prefix("oss-").unwrap_or(region);
    if region.is_empty() {
        return Err(Error::Missing("region"));
    }
    if !region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(Error::invalid(
            "region",
            ["\"", region, "\" is not a Region ID such as cn-hangzhou"].concat(),
        ));
    }
    Ok(region)
}

/// `yyyymmdd/region/oss/aliyun_v4_request`.
pub fn scope(date: &str, region: &str) -> String {
    [date, "/", region, "/oss/", SCOPE_TERMINATOR].concat()
}

/// `SigningKey = H(H(H(H("aliyun_v4"+secret, date), region), "oss"), "aliyun_v4_request")`.
pub fn signing_key(access_key_secret: &str, date: &str, region: &str) -> Result<[u8; 32]> {
    let (date, region) = check_key_inputs(access_key_secret, date, region)?;
    Ok(crate::hash::v4_signing_key(
        access_key_secret.as_bytes(),
        date,
        region.as_bytes(),
    ))
}

fn check_key_inputs<'a>(
    access_key_secret: &str,
    date: &'a str,
    region: &'a str,
) -> Result<(&'a [u8; 8], &'a str)> {
    check_secret(access_key_secret)?;
    time::check_compact_date("date", date)?;
    Ok((date_bytes(date)?, normalize_region(region)?))
}

/// A checked `yyyymmdd` as the fixed-size key of the signing-key cache.
fn date_bytes(date: &str) -> Result<&[u8; 8]> {
    date.as_bytes()
        .try_into()
        .map_err(|_| Error::Date("`date` must be yyyymmdd".into()))
}

/// hex(HMAC-SHA256(SigningKey, message)) from checked inputs; the signing key (its keyed HMAC
/// state) is cached per (secret, date, region), as the AWS SDKs cache SigV4 keys: it changes
/// once a day.
fn sign_hex(access_key_secret: &str, date: &[u8; 8], region: &str, message: &str) -> String {
    hex(&crate::hash::v4_sign(
        access_key_secret.as_bytes(),
        date,
        region.as_bytes(),
        message.as_bytes(),
    ))
}

/// PostObject V4 `x-oss-signature` = hex(HMAC-SHA256(SigningKey, policy field)) (oss-spec §1c).
pub fn sign_post_policy(
    access_key_secret: &str,
    region: &str,
    date: &str,
    policy_base64: &str,
) -> Result<String> {
    check_key_inputs(access_key_secret, date, region)?;
    check_policy_field(policy_base64)?;
    sign_built_policy(access_key_secret, region, date, policy_base64)
}

/// [`sign_post_policy`] for a policy field the core encoded itself (not decoded and checked).
pub(crate) fn sign_built_policy(
    access_key_secret: &str,
    region: &str,
    date: &str,
    policy_base64: &str,
) -> Result<String> {
    let (date, region) = check_key_inputs(access_key_secret, date, region)?;
    Ok(sign_hex(access_key_secret, date, region, policy_base64))
}

/// The V4 CanonicalQuery: every parameter, key and value percent-encoded (`/` too), sorted by
/// encoded key byte-wise, `k=v` or bare `k` for an empty value (oss-spec §3, §7.7, §7.8).
pub fn canonical_query(query: &[(Cow<'_, str>, Option<Cow<'_, str>>)]) -> String {
    let mut encoded: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| {
            (
                percent_encode(k, false),
                v.as_deref()
                    .map(|v| percent_encode(v, false))
                    .unwrap_or_default(),
            )
        })
        .collect();
    insertion_sort(&mut encoded, |a, b| a < b);
    let mut out = String::new();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

fn is_default_signed(name: &str) -> bool {
    name == "content-type" || name == "content-md5" || name.starts_with("x-oss-")
}

/// The AdditionalHeaders list: lower-cased, de-duplicated, sorted; default-signed names and
/// names absent from the request dropped (oss-spec §3).
pub fn additional_headers(
    additional: &[String],
    headers: &[(Cow<'_, str>, &str)],
) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(additional.len());
    for name in additional {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            // OSS rejects an empty entry (EC 0002-00000210).
            return Err(Error::invalid(
                "additionalHeaders",
                "has an empty header name",
            ));
        }
        if !is_default_signed(&name) && header(headers, &name).is_some() {
            out.push(name);
        }
    }
    insertion_sort(&mut out, |a, b| a < b);
    out.dedup();
    Ok(out)
}

/// Signs request headers with V4 (oss-spec §3). The request must carry `x-oss-date`
/// (`yyyymmddTHHMMSSZ`) and `x-oss-content-sha256` (normally `UNSIGNED-PAYLOAD`), and the
/// STS token as `x-oss-security-token` when there is one.
pub fn sign_request(
    credentials: &Credentials,
    region: &str,
    request: &Request,
    additional: &[String],
) -> Result<SignedRequest> {
    credentials.validate()?;
    let region = normalize_region(region)?;
    let method = check_method(&request.method)?;
    check_target(&request.bucket, &request.key)?;
    check_request_size(request, additional.len())?;
    let headers = normalized_headers(&request.headers)?;
    let date_time = header(&headers, "x-oss-date").ok_or_else(|| {
        Error::invalid(
            "headers",
            "needs an `x-oss-date` header for V4, e.g. 20231203T121212Z",
        )
    })?;
    time::parse_compact_date_time("x-oss-date", date_time)?;
    let date = &date_time[..8];
    let payload_hash = header(&headers, "x-oss-content-sha256").ok_or_else(|| {
        Error::invalid(
            "headers",
            "needs `x-oss-content-sha256` for V4, normally UNSIGNED-PAYLOAD",
        )
    })?;
    let additional = additional_headers(additional, &headers)?;

    let mut uri = String::from("/");
    if !request.bucket.is_empty() {
        uri.push_str(&request.bucket);
        uri.push('/');
        uri.push_str(&request.key);
    }
    // Room for everything below without regrowing (a security token alone is ~500 bytes).
    let header_bytes: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut canonical = String::with_capacity(256 + 3 * uri.len() + header_bytes);
    canonical.push_str(&method);
    canonical.push('\n');
    canonical.push_str(&percent_encode(&uri, true));
    canonical.push('\n');
    canonical.push_str(&canonical_query(&request.query));
    canonical.push('\n');
    for (name, value) in headers
        .iter()
        .filter(|(n, _)| is_default_signed(n) || additional.iter().any(|a| a == n))
    {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&additional.join(";"));
    canonical.push('\n');
    canonical.push_str(payload_hash);

    let scope = scope(date, region);
    let string_to_sign = [
        ALGORITHM,
        "\n",
        date_time,
        "\n",
        &*scope,
        "\n",
        &*hex(&crate::hash::sha256(canonical.as_bytes())),
    ]
    .concat();
    // The secret, the date (from x-oss-date) and the region were checked above.
    let signature = sign_hex(
        &credentials.access_key_secret,
        date_bytes(date)?,
        region,
        &string_to_sign,
    );
    let additional_field = if additional.is_empty() {
        String::new()
    } else {
        [",AdditionalHeaders=", &*additional.join(";")].concat()
    };
    Ok(SignedRequest {
        // ali-oss and the v2 SDKs write `,` without spaces (oss-spec §7.5).
        authorization: [
            ALGORITHM,
            " Credential=",
            &*credentials.access_key_id,
            "/",
            &*scope,
            &*additional_field,
            ",Signature=",
            &*signature,
        ]
        .concat(),
        string_to_sign,
        canonical_request: Some(canonical),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefix_is_stripped() {
        assert_eq!(normalize_region("oss-cn-hangzhou"), Ok("cn-hangzhou"));
        assert_eq!(normalize_region("cn-hangzhou"), Ok("cn-hangzhou"));
        assert!(normalize_region("").is_err());
        assert!(normalize_region("oss-").is_err());
        assert!(normalize_region("cn hangzhou").is_err());
    }

    #[test]
    fn query_is_encoded_then_sorted() {
        let query = [("b", Some("x/y z")), ("a+", None), ("A", Some(""))]
            .map(|(k, v)| (Cow::Borrowed(k), v.map(Cow::Borrowed)));
        assert_eq!(canonical_query(&query), "A&a%2B&b=x%2Fy%20z");
    }

    #[test]
    fn additional_headers_drop_default_and_absent() {
        let headers = [("host", "h"), ("range", "bytes=0-1")].map(|(k, v)| (Cow::Borrowed(k), v));
        let extra = ["Range", "host", "x-oss-date", "absent", "HOST"].map(String::from);
        assert_eq!(
            additional_headers(&extra, &headers),
            Ok(vec!["host".to_string(), "range".to_string()])
        );
        assert!(additional_headers(&[" ".to_string()], &headers).is_err());
    }
}

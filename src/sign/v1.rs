//! Signature V1: HMAC-SHA1 (oss-spec §1b PostObject, §2 headers).

use std::borrow::Cow;

use super::{
    check_method, check_policy_field, check_request_size, check_secret, check_target, header,
    insertion_sort, normalized_headers, Credentials, Request, SignedRequest,
};
use crate::encoding::base64;
use crate::error::{Error, Result};

/// Query parameters that are part of the V1 CanonicalizedResource: oss2 2.19.1 `auth.py`,
/// 86 names, case-sensitive (oss-spec §2). Sorted, so it can be binary-searched.
pub const SUB_RESOURCES: [&str; 86] = [
    "accessPoint",
    "accessPointPolicy",
    "acl",
    "append",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "httpsConfig",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "qosRequester",
    "redundancyTransition",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "requesterQosInfo",
    "resourceGroup",
    "resourcePool",
    "resourcePoolBuckets",
    "resourcePoolInfo",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-access-point-name",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-redundancy-transition-taskid",
    "x-oss-request-payer",
    "x-oss-target-redundancy-type",
    "x-oss-traffic-limit",
    "x-oss-write-get-object-response",
];

fn hmac_sha1_base64(secret: &str, message: &str) -> Result<String> {
    check_secret(secret)?;
    Ok(base64(&crate::hash::hmac_sha1(
        secret.as_bytes(),
        message.as_bytes(),
    )))
}

/// PostObject V1 `Signature` = base64(HMAC-SHA1(secret, policy field)) (oss-spec §1b).
pub fn sign_post_policy(access_key_secret: &str, policy_base64: &str) -> Result<String> {
    check_secret(access_key_secret)?;
    check_policy_field(policy_base64)?;
    hmac_sha1_base64(access_key_secret, policy_base64)
}

/// [`sign_post_policy`] for a policy field the core encoded itself (not decoded and checked).
pub(crate) fn sign_built_policy(access_key_secret: &str, policy_base64: &str) -> Result<String> {
    hmac_sha1_base64(access_key_secret, policy_base64)
}

/// The V1 CanonicalizedResource: `/bucket/key` with the key raw, then the whitelisted
/// sub-resources sorted, `k=v` or bare `k` (oss-spec §2).
pub fn canonical_resource(
    bucket: &str,
    key: &str,
    query: &[(Cow<'_, str>, Option<Cow<'_, str>>)],
) -> String {
    let mut out = String::with_capacity(bucket.len() + key.len() + 16);
    out.push('/');
    if !bucket.is_empty() {
        out.push_str(bucket);
        out.push('/');
        out.push_str(key);
    }
    let mut sub: Vec<_> = query
        .iter()
        .filter(|(k, _)| SUB_RESOURCES.binary_search(&&**k).is_ok())
        .collect();
    insertion_sort(&mut sub, |a, b| a.0 < b.0);
    for (i, (k, v)) in sub.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// Signs request headers with V1: `Authorization: OSS <AccessKeyId>:<signature>` (oss-spec §2).
/// The STS token, when used, must already be in the headers as `x-oss-security-token`.
pub fn sign_request(credentials: &Credentials, request: &Request) -> Result<SignedRequest> {
    credentials.validate()?;
    let method = check_method(&request.method)?;
    check_target(&request.bucket, &request.key)?;
    check_request_size(request, 0)?;
    let headers = normalized_headers(&request.headers)?;
    // x-oss-date wins over Date when both are sent (oss-spec §2; browsers cannot set Date).
    let date = header(&headers, "x-oss-date")
        .or_else(|| header(&headers, "date"))
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "headers",
                "needs a `Date` or `x-oss-date` header in RFC 1123 form, e.g. Sun, 03 Dec 2023 12:12:12 GMT",
            )
        })?;
    let mut string_to_sign = String::with_capacity(256);
    for line in [
        method.as_str(),
        header(&headers, "content-md5").unwrap_or(""),
        header(&headers, "content-type").unwrap_or(""),
        date,
    ] {
        string_to_sign.push_str(line);
        string_to_sign.push('\n');
    }
    for (name, value) in headers.iter().filter(|(n, _)| n.starts_with("x-oss-")) {
        string_to_sign.push_str(name);
        string_to_sign.push(':');
        string_to_sign.push_str(value);
        string_to_sign.push('\n');
    }
    string_to_sign.push_str(&canonical_resource(
        &request.bucket,
        &request.key,
        &request.query,
    ));
    let signature = hmac_sha1_base64(&credentials.access_key_secret, &string_to_sign)?;
    Ok(SignedRequest {
        authorization: ["OSS ", &*credentials.access_key_id, ":", &*signature].concat(),
        string_to_sign,
        canonical_request: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_is_sorted_and_unique() {
        assert!(SUB_RESOURCES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn resource_keeps_key_raw_and_filters_query() {
        let query = [
            ("uploadId", Some("a b")),
            ("partNumber", Some("2")),
            ("foo", Some("bar")),
            ("uploads", None),
        ]
        .map(|(k, v)| (Cow::Borrowed(k), v.map(Cow::Borrowed)));
        assert_eq!(
            canonical_resource("b", "上 传+x", &query),
            "/b/上 传+x?partNumber=2&uploadId=a b&uploads"
        );
        assert_eq!(canonical_resource("b", "", &[]), "/b/");
        assert_eq!(canonical_resource("", "", &[]), "/");
    }
}

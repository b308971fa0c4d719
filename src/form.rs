//! PostObject forms (oss-spec §1): the ordered fields of one upload, signed with V4 (default)
//! or V1, with a tight policy that pins every field the form sets.
//!
//! OSS turns every object-header field of a form into object state, signed or not, so a form
//! carries and pins each of them: the caller's value or a neutral default. A condition names a
//! field that must then be present (EC 0006-00000226), so adding or changing any of them
//! (the client's own `x-oss-content-type: text/html`, say) is refused by OSS.

use crate::callback::{check_var_name, encode_callback};
use crate::encoding::decimal;
use crate::error::{Error, Result};
use crate::key::{
    extension, extension_fits, normalize_prefix, type_of_extension, validate_key, ACTIVE_EXTENSIONS,
};
use crate::policy::{encode_built, Condition, Expiration, Policy};
use crate::sign::{check_bucket, v1, v4, Credentials};
use crate::time;

/// V4 policies are valid for at most 7 days from `x-oss-date` (oss-spec §1c).
pub const MAX_V4_VALIDITY_MS: u64 = 7 * 24 * 3600 * 1000;

/// Which PostObject signature to produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureVersion {
    /// HMAC-SHA1 over the policy (oss-spec §1b).
    V1,
    /// HMAC-SHA256 with a derived key (oss-spec §1c). The default, as Aliyun recommends.
    #[default]
    V4,
}

/// Object headers every form carries and pins, with the value a form gets when the caller sets
/// none through `headers`. An empty value is "not set" (how we read OSS; not checked against a
/// live bucket). Not here, so sent only when the caller sets them: `x-oss-storage-class` and
/// `x-oss-server-side-encryption*` (OSS has no neutral value for them), `x-oss-object-acl` and
/// `x-oss-tagging` (OSS then also requires oss:PutObjectAcl / oss:PutObjectTagging, which an
/// upload key should not have: a hostile one of these is refused by OSS's authorization).
const PINNED_HEADERS: [(&str, &str); 4] = [
    ("Content-Disposition", "inline"),
    ("Cache-Control", ""),
    ("Content-Encoding", ""),
    ("Expires", ""),
];

/// Form fields the builder owns; a caller cannot set them through `headers`.
const RESERVED: [&str; 17] = [
    "key",
    "policy",
    "signature",
    "ossaccesskeyid",
    "file",
    "success_action_status",
    "success_action_redirect",
    "x-oss-forbid-overwrite",
    "content-type",
    "x-oss-content-type",
    "x-oss-security-token",
    "callback",
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-date",
    "x-oss-signature",
    "bucket",
];

/// Everything one PostObject form is built from.
#[derive(Clone, Debug)]
pub struct FormOptions {
    /// V4 (default) or V1.
    pub version: SignatureVersion,
    /// Who signs; with STS credentials the token becomes a field and a condition.
    pub credentials: Credentials,
    /// Region ID (`cn-hangzhou`); required for V4.
    pub region: String,
    /// When given, the policy pins the bucket.
    pub bucket: Option<String>,
    /// The exact object key: a `key` field and, without `key_prefix`, an exact condition.
    pub key: Option<String>,
    /// Allow any key under this folder (`starts-with` condition); the `key` field is then set
    /// per file by whoever posts the form, unless `key` is also given.
    pub key_prefix: Option<String>,
    /// The signing time (ms since the epoch), corrected for clock skew by the caller.
    pub now_ms: u64,
    /// When the form stops working.
    pub expiration: Expiration,
    /// `content-length-range`: smallest and largest file size in bytes.
    pub content_length_range: Option<(u64, u64)>,
    /// `Content-Type` and `x-oss-content-type` field value (pinned by the policy); without
    /// it, the type of the key's extension or `application/octet-stream`.
    pub content_type: Option<String>,
    /// Accepted content types (`in` condition) when the type is chosen per file.
    pub content_types: Vec<String>,
    /// 200 (default), 201 or 204.
    pub success_action_status: u16,
    /// `x-oss-forbid-overwrite: true` (default): a second upload to the same key fails with
    /// 409 FileAlreadyExists instead of replacing the object; `false` is pinned too.
    pub forbid_overwrite: bool,
    /// Other object headers sent as fields (`Cache-Control`, `Content-Disposition`,
    /// `x-oss-object-acl`, `x-oss-storage-class`, …), each pinned by an exact condition; the
    /// ones in `PINNED_HEADERS` are sent with their default when not given.
    pub headers: Vec<(String, String)>,
    /// User metadata: `name` becomes the field `x-oss-meta-name`, pinned.
    pub meta: Vec<(String, String)>,
    /// Callback JSON text; becomes the base64 `callback` field, pinned.
    pub callback: Option<String>,
    /// Callback variables (`x:uid`), sent as separate fields (PostObject has no callback-var).
    pub callback_vars: Vec<(String, String)>,
    /// More conditions, appended as given.
    pub conditions: Vec<Condition>,
}

impl FormOptions {
    /// Options with the defaults: V4, status 200, no overwrite, 15 minutes of validity.
    pub fn new(credentials: Credentials, region: impl Into<String>, now_ms: u64) -> FormOptions {
        FormOptions {
            version: SignatureVersion::V4,
            credentials,
            region: region.into(),
            bucket: None,
            key: None,
            key_prefix: None,
            now_ms,
            expiration: Expiration::After {
                now_ms,
                seconds: 900,
            },
            content_length_range: None,
            content_type: None,
            content_types: Vec::new(),
            success_action_status: 200,
            forbid_overwrite: true,
            headers: Vec::new(),
            meta: Vec::new(),
            callback: None,
            callback_vars: Vec::new(),
            conditions: Vec::new(),
        }
    }
}

/// A signed form, ready to post with the file appended as the last field, named `file`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostForm {
    /// The fields in the order to send them (without `file`).
    pub fields: Vec<(String, String)>,
    /// The policy JSON text that was signed (for logs and debugging; not secret).
    pub policy_json: String,
    /// When the form expires, ms since the epoch.
    pub expiration_ms: u64,
}

fn check_field_value(option: &'static str, value: &str) -> Result<()> {
    // oss-spec §1: a field value may not exceed 2 MB.
    if value.len() > 2 * 1024 * 1024 {
        return Err(Error::invalid(option, "has a value larger than 2 MB"));
    }
    if value.chars().any(|c| c == '\r' || c == '\n') {
        return Err(Error::invalid(option, "has a line break in a value"));
    }
    Ok(())
}

fn check_field_name(option: &'static str, name: &str) -> Result<()> {
    // All-digit names would be reordered by a JS object (integer keys come first).
    if name.is_empty()
        || name.bytes().all(|b| b.is_ascii_digit())
        || !name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b':')
    {
        return Err(Error::invalid(
            option,
            ["has an invalid field name \"", name, "\""].concat(),
        ));
    }
    Ok(())
}

fn mismatch(extension: &str, content_type: &str) -> Error {
    Error::KeyTypeMismatch {
        extension: extension.to_string(),
        content_type: content_type.to_string(),
    }
}

/// Builds and signs one PostObject form.
pub fn build_post_form(options: &FormOptions) -> Result<PostForm> {
    let o = options;
    o.credentials.validate()?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut conditions: Vec<Condition> = Vec::new();
    let mut pin = |fields: &mut Vec<(String, String)>, name: &str, value: &str| {
        fields.push((name.to_string(), value.to_string()));
        conditions.push(Condition::exact(name, value));
    };

    let prefix = match &o.key_prefix {
        Some(prefix) => Some(normalize_prefix(prefix)?),
        None => None,
    };
    match (&o.key, &prefix) {
        (None, None) => return Err(Error::Missing("key")),
        (Some(key), prefix) => {
            validate_key(key)?;
            if let Some(prefix) = prefix {
                if !key.starts_with(prefix.as_str()) {
                    return Err(Error::invalid(
                        "key",
                        ["\"", key, "\" is not under keyPrefix \"", prefix, "\""].concat(),
                    ));
                }
                fields.push(("key".into(), key.clone()));
            } else {
                pin(&mut fields, "key", key);
            }
        }
        (None, Some(_)) => {}
    }

    match o.success_action_status {
        200 | 201 | 204 => pin(
            &mut fields,
            "success_action_status",
            &decimal(o.success_action_status.into()),
        ),
        other => {
            return Err(Error::invalid(
                "successActionStatus",
                [
                    "is ",
                    &*decimal(other.into()),
                    "; OSS accepts 200, 201 or 204",
                ]
                .concat(),
            ))
        }
    }
    pin(
        &mut fields,
        "x-oss-forbid-overwrite",
        if o.forbid_overwrite { "true" } else { "false" },
    );
    let content_type = o.content_type.as_deref().filter(|t| !t.is_empty());
    let key_extension = o.key.as_deref().and_then(extension);
    if let Some(content_type) = content_type {
        check_field_value("contentType", content_type)?;
        if !o.content_types.is_empty() && !o.content_types.iter().any(|t| t == content_type) {
            return Err(Error::invalid(
                "contentType",
                ["\"", content_type, "\" is not one of contentTypes"].concat(),
            ));
        }
    }
    if o.content_types.is_empty() {
        let content_type = match (content_type, &key_extension) {
            (Some(content_type), Some(ext)) if !extension_fits(ext, content_type) => {
                return Err(mismatch(ext, content_type));
            }
            (Some(content_type), _) => content_type,
            (None, ext) => ext
                .as_deref()
                .and_then(type_of_extension)
                .unwrap_or("application/octet-stream"),
        };
        pin(&mut fields, "Content-Type", content_type);
        pin(&mut fields, "x-oss-content-type", content_type);
    } else {
        if let Some(ext) = key_extension.as_deref() {
            if ACTIVE_EXTENSIONS.contains(&ext) {
                if let Some(other) = o.content_types.iter().find(|t| !extension_fits(ext, t)) {
                    return Err(mismatch(ext, other));
                }
            }
        }
        if let Some(content_type) = content_type {
            fields.push(("Content-Type".into(), content_type.to_string()));
            fields.push(("x-oss-content-type".into(), content_type.to_string()));
        }
    }
    // Taken out as PINNED_HEADERS use them; the rest are pinned after those, in the given order.
    let mut headers: Vec<Option<(&str, &str)>> = Vec::with_capacity(o.headers.len());
    for (name, value) in &o.headers {
        check_field_name("headers", name)?;
        check_field_value("headers", value)?;
        let lower = name.to_ascii_lowercase();
        if RESERVED.contains(&lower.as_str())
            || lower.starts_with("x-oss-meta-")
            || lower.starts_with("x:")
        {
            return Err(Error::invalid(
                "headers",
                [
                    "cannot set \"",
                    name,
                    "\": it has its own option (key, contentType, meta, callback, ...)",
                ]
                .concat(),
            ));
        }
        if headers
            .iter()
            .flatten()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Err(Error::invalid(
                "headers",
                [
                    "names \"",
                    name,
                    "\" twice (field names are case-insensitive)",
                ]
                .concat(),
            ));
        }
        headers.push(Some((name, value)));
    }
    for (name, default) in PINNED_HEADERS {
        let given = headers
            .iter_mut()
            .find(|h| h.is_some_and(|(n, _)| n.eq_ignore_ascii_case(name)))
            .and_then(Option::take);
        pin(&mut fields, name, given.map_or(default, |(_, value)| value));
    }
    for (name, value) in headers.into_iter().flatten() {
        pin(&mut fields, name, value);
    }
    for (name, value) in &o.meta {
        let lower = name.to_ascii_lowercase();
        if lower.is_empty()
            || !lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::invalid(
                "meta",
                ["name \"", name, "\" must be letters, digits, `-` or `_`"].concat(),
            ));
        }
        check_field_value("meta", value)?;
        pin(&mut fields, &["x-oss-meta-", &*lower].concat(), value);
    }
    if let Some(callback) = &o.callback {
        let encoded = encode_callback(callback)?;
        pin(&mut fields, "callback", &encoded);
    }
    for (name, value) in &o.callback_vars {
        check_var_name(name)?;
        check_field_value("callbackVar", value)?;
        fields.push((name.clone(), value.clone()));
    }
    if let Some(token) = &o.credentials.security_token {
        pin(&mut fields, "x-oss-security-token", token);
    }

    let mut policy_conditions = Vec::with_capacity(conditions.len() + 8);
    if let Some(bucket) = &o.bucket {
        check_bucket(bucket)?;
        policy_conditions.push(Condition::exact("bucket", bucket.as_str()));
    }
    policy_conditions.append(&mut conditions);
    if let Some(prefix) = prefix {
        policy_conditions.push(Condition::StartsWith {
            field: "key".into(),
            prefix,
        });
    }
    if let Some((min, max)) = o.content_length_range {
        if min > max {
            return Err(Error::invalid(
                "contentLengthRange",
                [
                    "is [",
                    &*decimal(min),
                    ", ",
                    &*decimal(max),
                    "]: the minimum must not exceed the maximum",
                ]
                .concat(),
            ));
        }
        policy_conditions.push(Condition::ContentLengthRange { min, max });
    }
    if !o.content_types.is_empty() {
        for field in ["content-type", "x-oss-content-type"] {
            policy_conditions.push(Condition::In {
                field: field.into(),
                values: o.content_types.clone(),
            });
        }
    }
    policy_conditions.extend(o.conditions.iter().cloned());

    let expiration_ms = o.expiration.instant()?;
    if expiration_ms <= o.now_ms {
        return Err(Error::invalid(
            "expiration",
            "is not after `now`: the form would be expired before it is used",
        ));
    }
    let x_oss_date = time::compact_date_time(o.now_ms);
    let date = time::compact_date(o.now_ms);
    let region = match o.version {
        SignatureVersion::V4 => {
            if expiration_ms - o.now_ms > MAX_V4_VALIDITY_MS {
                return Err(Error::invalid(
                    "expiration",
                    "is more than 7 days after now; V4 forms are valid for at most 7 days",
                ));
            }
            let region = v4::normalize_region(&o.region)?;
            let credential = [
                &*o.credentials.access_key_id,
                "/",
                &*v4::scope(&date, region),
            ]
            .concat();
            for (name, value) in [
                ("x-oss-signature-version", v4::ALGORITHM),
                ("x-oss-credential", credential.as_str()),
                ("x-oss-date", x_oss_date.as_str()),
            ] {
                policy_conditions.push(Condition::exact(name, value));
            }
            Some((region, credential))
        }
        SignatureVersion::V1 => None,
    };

    let policy_json = Policy {
        expiration: Expiration::At(expiration_ms),
        conditions: policy_conditions,
    }
    .to_json()?;
    // Written from checked conditions just now: encoded and signed without reading it again.
    let policy = encode_built(&policy_json)?;
    let secret = &o.credentials.access_key_secret;
    match region {
        Some((region, credential)) => {
            let signature = v4::sign_built_policy(secret, region, &date, &policy)?;
            fields.push(("policy".into(), policy));
            fields.push(("x-oss-signature-version".into(), v4::ALGORITHM.into()));
            fields.push(("x-oss-credential".into(), credential));
            fields.push(("x-oss-date".into(), x_oss_date));
            fields.push(("x-oss-signature".into(), signature));
        }
        None => {
            let signature = v1::sign_built_policy(secret, &policy)?;
            fields.push(("OSSAccessKeyId".into(), o.credentials.access_key_id.clone()));
            fields.push(("policy".into(), policy));
            fields.push(("Signature".into(), signature));
        }
    }
    Ok(PostForm {
        fields,
        policy_json,
        expiration_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "FAKE_ID".into(),
            access_key_secret: "fake-secret".into(),
            security_token: token.map(String::from),
        }
    }

    #[test]
    fn v4_form_pins_every_field() {
        let mut o = FormOptions::new(
            credentials(Some("fake-token")),
            "oss-cn-hangzhou",
            1_701_605_532_000,
        );
        o.bucket = Some("examplebucket".into());
        o.key = Some("user/1/a.png".into());
        o.content_type = Some("image/png".into());
        o.content_length_range = Some((1, 100));
        o.meta = vec![("Owner".into(), "eric".into())];
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        let names: Vec<&str> = form.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "key",
                "success_action_status",
                "x-oss-forbid-overwrite",
                "Content-Type",
                "x-oss-content-type",
                "Content-Disposition",
                "Cache-Control",
                "Content-Encoding",
                "Expires",
                "x-oss-meta-owner",
                "x-oss-security-token",
                "policy",
                "x-oss-signature-version",
                "x-oss-credential",
                "x-oss-date",
                "x-oss-signature"
            ]
        );
        assert_eq!(
            form.policy_json,
            r#"{"expiration":"2023-12-03T12:27:12.000Z","conditions":[{"bucket":"examplebucket"},{"key":"user/1/a.png"},{"success_action_status":"200"},{"x-oss-forbid-overwrite":"true"},{"Content-Type":"image/png"},{"x-oss-content-type":"image/png"},{"Content-Disposition":"inline"},{"Cache-Control":""},{"Content-Encoding":""},{"Expires":""},{"x-oss-meta-owner":"eric"},{"x-oss-security-token":"fake-token"},["content-length-range",1,100],{"x-oss-signature-version":"OSS4-HMAC-SHA256"},{"x-oss-credential":"FAKE_ID/20231203/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20231203T121212Z"}]}"#
        );
    }

    fn pinned(form: &PostForm, name: &str) -> Option<String> {
        let field = form.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let mut exact = String::new();
        crate::encoding::push_json_string(&mut exact, name);
        exact.push(':');
        if let Some(value) = field {
            crate::encoding::push_json_string(&mut exact, value);
        }
        assert!(
            field.is_none() || form.policy_json.contains(&format!("{{{exact}}}")),
            "{name} is sent but not pinned: {}",
            form.policy_json
        );
        field.cloned()
    }

    #[test]
    fn every_object_header_is_pinned_to_the_callers_value_or_a_default() {
        let mut o = FormOptions::new(credentials(None), "cn-hangzhou", 1_701_605_532_000);
        o.key = Some("a/b.JPG".into());
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        for (name, value) in [
            ("Content-Type", "image/jpeg"),
            ("x-oss-content-type", "image/jpeg"),
            ("Content-Disposition", "inline"),
            ("Cache-Control", ""),
            ("Content-Encoding", ""),
            ("Expires", ""),
            ("x-oss-forbid-overwrite", "true"),
            ("success_action_status", "200"),
        ] {
            assert_eq!(pinned(&form, name).as_deref(), Some(value), "{name}");
        }
        for name in [
            "x-oss-storage-class",
            "x-oss-server-side-encryption",
            "x-oss-object-acl",
            "x-oss-tagging",
        ] {
            assert_eq!(pinned(&form, name), None, "{name} is sent only when set");
            assert!(form.fields.iter().all(|(n, _)| n != name), "{name}");
        }

        o.key = Some("a/b".into());
        o.forbid_overwrite = false;
        o.headers = vec![
            ("cache-control".into(), "max-age=60".into()),
            ("X-OSS-Object-Acl".into(), "private".into()),
            ("x-oss-storage-class".into(), "IA".into()),
            ("x-oss-server-side-encryption".into(), "KMS".into()),
            ("Content-Disposition".into(), "attachment".into()),
        ];
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        for (name, value) in [
            ("Content-Type", "application/octet-stream"),
            ("x-oss-content-type", "application/octet-stream"),
            ("Content-Disposition", "attachment"),
            ("Cache-Control", "max-age=60"),
            ("X-OSS-Object-Acl", "private"),
            ("x-oss-forbid-overwrite", "false"),
            ("x-oss-storage-class", "IA"),
            ("x-oss-server-side-encryption", "KMS"),
        ] {
            assert_eq!(pinned(&form, name).as_deref(), Some(value), "{name}");
        }
        assert_eq!(pinned(&form, "cache-control"), None, "one field per header");

        o.headers = vec![
            ("Expires".into(), "x".into()),
            ("expires".into(), "y".into()),
        ];
        assert!(build_post_form(&o).is_err(), "a header named twice");
        o.headers = vec![("X-Oss-Content-Type".into(), "text/html".into())];
        assert!(
            build_post_form(&o).is_err(),
            "x-oss-content-type is contentType's"
        );

        // A list: both type fields get the same `in` condition.
        o.headers = Vec::new();
        o.content_types = vec!["image/png".into(), "image/jpeg".into()];
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(form.fields.iter().all(|(n, _)| n != "Content-Type"));
        assert!(form.policy_json.contains(r#"["in","$content-type",["image/png","image/jpeg"]],["in","$x-oss-content-type",["image/png","image/jpeg"]]"#));
    }

    #[test]
    fn the_key_extension_agrees_with_the_pinned_type() {
        let mut o = FormOptions::new(credentials(None), "cn-hangzhou", 1_701_605_532_000);
        let code = |o: &FormOptions| build_post_form(o).err().map(|e| e.code());
        for key in [
            "x.html", "a/b.SVG", "p.php", "x.htm", "x.js", "x.xml", "x.aspx", "x.jpg",
        ] {
            o.key = Some(key.into());
            o.content_type = Some("image/png".into());
            assert_eq!(code(&o), Some("KEY_TYPE_MISMATCH"), "{key}");
            o.content_type = None;
            o.content_types = vec!["image/png".into()];
            let expected = if key.ends_with(".jpg") {
                None
            } else {
                Some("KEY_TYPE_MISMATCH")
            };
            assert_eq!(code(&o), expected, "{key} with a list");
            o.content_types = Vec::new();
        }
        let message = build_post_form(&FormOptions {
            key: Some("x.html".into()),
            content_type: Some("image/png".into()),
            ..o.clone()
        })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            message.contains("objectKey({ name, contentType })"),
            "{message}"
        );
        for (key, content_type) in [
            ("x.png", "image/png"),
            ("x.PNG", "image/png; q=1"),
            ("x.html", "text/html"),
            ("x.dat", "image/png"),
            ("x", "image/png"),
            ("dir.d/x", "text/html"),
        ] {
            o.key = Some(key.into());
            o.content_type = Some(content_type.into());
            assert_eq!(code(&o), None, "{key} as {content_type}");
        }
        // No type given: the key's own type, or octet-stream.
        o.content_type = None;
        o.key = Some("x.html".into());
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(pinned(&form, "Content-Type").as_deref(), Some("text/html"));
    }

    #[test]
    fn rejects_unusable_options() {
        let base = FormOptions::new(credentials(None), "cn-hangzhou", 1_000_000);
        assert_eq!(
            build_post_form(&base).err().map(|e| e.code()),
            Some("MISSING_OPTION")
        );
        let mut o = base.clone();
        o.key = Some("a".into());
        o.key_prefix = Some("b".into());
        assert!(build_post_form(&o).is_err());
        let mut o = base.clone();
        o.key = Some("a".into());
        o.headers = vec![("policy".into(), "x".into())];
        assert!(build_post_form(&o).is_err());
        let mut o = base.clone();
        o.key = Some("a".into());
        o.expiration = Expiration::At(1_000_000);
        assert!(build_post_form(&o).is_err());
        let mut o = base.clone();
        o.key = Some("a".into());
        o.expiration = Expiration::After {
            now_ms: 1_000_000,
            seconds: 8 * 86400,
        };
        assert!(build_post_form(&o).is_err());
        o.version = SignatureVersion::V1;
        assert!(build_post_form(&o).is_ok());
        let mut o = base;
        o.key_prefix = Some("uploads".into());
        o.success_action_status = 302;
        assert!(build_post_form(&o).is_err());
        o.success_action_status = 201;
        let form = build_post_form(&o).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(form
            .policy_json
            .contains(r#"["starts-with","$key","uploads/"]"#));
        assert!(form.fields.iter().all(|(n, _)| n != "key"));
    }
}

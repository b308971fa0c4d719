//! PostObject forms (oss-spec §1): the ordered fields of one upload, signed with V4 (default)
//! or V1, with a tight policy that pins every field the form sets.

use crate::callback::{check_var_name, encode_callback};
use crate::error::{Error, Result};
use crate::key::{normalize_prefix, validate_key};
use crate::policy::{encode_policy, Condition, Expiration, Policy};
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

/// Form fields the builder owns; a caller cannot set them through `headers`.
const RESERVED: [&str; 16] = [
    "key",
    "policy",
    "signature",
    "ossaccesskeyid",
    "file",
    "success_action_status",
    "success_action_redirect",
    "x-oss-forbid-overwrite",
    "content-type",
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
    /// `Content-Type` field value (pinned by the policy).
    pub content_type: Option<String>,
    /// Accepted content types (`in` condition) when the type is chosen per file.
    pub content_types: Vec<String>,
    /// 200 (default), 201 or 204.
    pub success_action_status: u16,
    /// Send `x-oss-forbid-overwrite: true` (default): a second upload to the same key fails
    /// with 409 FileAlreadyExists instead of replacing the object.
    pub forbid_overwrite: bool,
    /// Other object headers sent as fields (`Cache-Control`, `Content-Disposition`,
    /// `x-oss-object-acl`, …), each pinned by an exact condition.
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
            format!("has an invalid field name \"{name}\""),
        ));
    }
    Ok(())
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
                        format!("\"{key}\" is not under keyPrefix \"{prefix}\""),
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
            &o.success_action_status.to_string(),
        ),
        other => {
            return Err(Error::invalid(
                "successActionStatus",
                format!("is {other}; OSS accepts 200, 201 or 204"),
            ))
        }
    }
    if o.forbid_overwrite {
        pin(&mut fields, "x-oss-forbid-overwrite", "true");
    }
    if let Some(content_type) = &o.content_type {
        check_field_value("contentType", content_type)?;
        if o.content_types.is_empty() {
            pin(&mut fields, "Content-Type", content_type);
        } else if o.content_types.contains(content_type) {
            fields.push(("Content-Type".into(), content_type.clone()));
        } else {
            return Err(Error::invalid(
                "contentType",
                format!("\"{content_type}\" is not one of contentTypes"),
            ));
        }
    }
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
                format!("cannot set \"{name}\": it has its own option (key, contentType, meta, callback, ...)"),
            ));
        }
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
                format!("name \"{name}\" must be letters, digits, `-` or `_`"),
            ));
        }
        check_field_value("meta", value)?;
        pin(&mut fields, &format!("x-oss-meta-{lower}"), value);
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
                format!("is [{min}, {max}]: the minimum must not exceed the maximum"),
            ));
        }
        policy_conditions.push(Condition::ContentLengthRange { min, max });
    }
    if !o.content_types.is_empty() {
        policy_conditions.push(Condition::In {
            field: "content-type".into(),
            values: o.content_types.clone(),
        });
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
            let credential = format!(
                "{}/{}",
                o.credentials.access_key_id,
                v4::scope(&date, region)
            );
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
    let policy = encode_policy(&policy_json)?;
    let secret = &o.credentials.access_key_secret;
    match region {
        Some((region, credential)) => {
            let signature = v4::sign_post_policy(secret, region, &date, &policy)?;
            fields.push(("policy".into(), policy));
            fields.push(("x-oss-signature-version".into(), v4::ALGORITHM.into()));
            fields.push(("x-oss-credential".into(), credential));
            fields.push(("x-oss-date".into(), x_oss_date));
            fields.push(("x-oss-signature".into(), signature));
        }
        None => {
            let signature = v1::sign_post_policy(secret, &policy)?;
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
            r#"{"expiration":"2023-12-03T12:27:12.000Z","conditions":[{"bucket":"examplebucket"},{"key":"user/1/a.png"},{"success_action_status":"200"},{"x-oss-forbid-overwrite":"true"},{"Content-Type":"image/png"},{"x-oss-meta-owner":"eric"},{"x-oss-security-token":"fake-token"},["content-length-range",1,100],{"x-oss-signature-version":"OSS4-HMAC-SHA256"},{"x-oss-credential":"FAKE_ID/20231203/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20231203T121212Z"}]}"#
        );
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

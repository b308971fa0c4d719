//! Upload callbacks (oss-spec §4): the base64 `callback` parameter and custom `x:` variables.

use crate::encoding::{base64, decimal, push_json_string};
use crate::error::{Error, Result};
use crate::json::{self, Value};

/// OSS rejects callback parameters larger than 5 KB (oss-spec §4).
pub const MAX_CALLBACK_BYTES: usize = 5 * 1024;

const BODY_TYPES: [&str; 2] = ["application/x-www-form-urlencoded", "application/json"];

/// A callback description; written in the member order ali-oss uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Callback {
    /// Up to 5 URLs separated by `;`.
    pub url: String,
    /// The body template, e.g. `bucket=${bucket}&object=${object}&uid=${x:uid}`.
    pub body: String,
    /// The `Host` header for the callback request.
    pub host: Option<String>,
    /// `application/x-www-form-urlencoded` (default) or `application/json`.
    pub body_type: Option<String>,
    /// Send SNI to the callback server (ali-oss `callbackSNI`).
    pub sni: Option<bool>,
}

impl Callback {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"callbackUrl\":");
        push_json_string(&mut out, &self.url);
        out.push_str(",\"callbackBody\":");
        push_json_string(&mut out, &self.body);
        if let Some(host) = &self.host {
            out.push_str(",\"callbackHost\":");
            push_json_string(&mut out, host);
        }
        if let Some(body_type) = &self.body_type {
            out.push_str(",\"callbackBodyType\":");
            push_json_string(&mut out, body_type);
        }
        if let Some(sni) = self.sni {
            out.push_str(",\"callbackSNI\":");
            out.push_str(if sni { "true" } else { "false" });
        }
        out.push('}');
        out
    }
}

/// Checks a callback JSON text (an object with string `callbackUrl` and `callbackBody`, a known
/// `callbackBodyType`) and returns its base64, the value of the `callback` form field or the
/// `x-oss-callback` header.
pub fn encode_callback(callback_json: &str) -> Result<String> {
    if callback_json.trim().is_empty() {
        return Err(Error::Missing("callback"));
    }
    let bad = |reason: String| Error::invalid("callback", reason);
    let document = json::parse(callback_json).map_err(bad)?;
    for required in ["callbackUrl", "callbackBody"] {
        match document.get(required) {
            Some(Value::String(v)) if !v.is_empty() => {}
            _ => {
                return Err(bad(
                    ["needs `", required, "` as a non-empty string"].concat()
                ))
            }
        }
    }
    if let Some(body_type) = document.get("callbackBodyType") {
        if !body_type.as_str().is_some_and(|t| BODY_TYPES.contains(&t)) {
            return Err(bad([
                "`callbackBodyType` must be ",
                BODY_TYPES[0],
                " or ",
                BODY_TYPES[1],
            ]
            .concat()));
        }
    }
    let encoded = base64(callback_json.as_bytes());
    if encoded.len() > MAX_CALLBACK_BYTES {
        return Err(bad([
            "is ",
            &*decimal(encoded.len() as u64),
            " bytes once encoded; OSS accepts at most ",
            &*decimal(MAX_CALLBACK_BYTES as u64),
        ]
        .concat()));
    }
    Ok(encoded)
}

/// Checks a custom variable name: OSS wants lower-case names starting with `x:` (oss-spec §4).
pub fn check_var_name(name: &str) -> Result<()> {
    let ok = name.len() > 2
        && name.starts_with("x:")
        && name[2..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        return Err(Error::invalid(
            "callbackVar",
            [
                "name \"",
                name,
                "\" must start with `x:` followed by lower-case letters, digits, `_` or `-`",
            ]
            .concat(),
        ));
    }
    Ok(())
}

/// `x-oss-callback-var` (PutObject / CompleteMultipartUpload only): base64 of `{"x:a":"v"}`.
pub fn encode_callback_var(vars: &[(String, String)]) -> Result<String> {
    let mut out = String::from("{");
    for (i, (name, value)) in vars.iter().enumerate() {
        check_var_name(name)?;
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, name);
        out.push(':');
        push_json_string(&mut out, value);
    }
    out.push('}');
    Ok(base64(out.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_callbacks() {
        assert!(encode_callback("{}").is_err());
        assert!(encode_callback(r#"{"callbackUrl":"u"}"#).is_err());
        assert!(encode_callback(
            r#"{"callbackUrl":"u","callbackBody":"b","callbackBodyType":"text/plain"}"#
        )
        .is_err());
        assert!(encode_callback(&format!(
            r#"{{"callbackUrl":"u","callbackBody":"{}"}}"#,
            "b".repeat(4000)
        ))
        .is_err());
        assert_eq!(
            encode_callback(r#"{"callbackUrl":"u","callbackBody":"b"}"#),
            Ok(base64(br#"{"callbackUrl":"u","callbackBody":"b"}"#))
        );
        assert!(check_var_name("x:Uid").is_err());
        assert!(check_var_name("uid").is_err());
        assert!(check_var_name("x:").is_err());
        assert!(check_var_name("x:uid_2").is_ok());
    }
}

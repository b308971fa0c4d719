//! Every vector in `tests/vectors/oss-vectors.json` (computed by ali-oss, oss2 and
//! alibabacloud-oss-v2), one test per kind; a failure names the vector's id.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ossup::crc64;
use ossup::encoding::{base64, hex};
use ossup::policy::encode_policy;
use ossup::sign::{v1, v4, Credentials, Query, Request};
use serde_json::Value;

fn vectors(kind: &str) -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/oss-vectors.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap();
    let found: Vec<Value> = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == kind)
        .cloned()
        .collect();
    assert!(!found.is_empty(), "no vectors of kind {kind}");
    found
}

fn s<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {name}"))
}

fn credentials(inputs: &Value) -> Credentials {
    Credentials {
        access_key_id: s(inputs, "access_key_id").into(),
        access_key_secret: s(inputs, "access_key_secret").into(),
        security_token: None,
    }
}

fn request(inputs: &Value) -> Request<'_> {
    let pairs = |v: &Value| -> Query<'static> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone().into(), v.as_str().map(|v| v.to_string().into())))
            .collect()
    };
    Request {
        method: s(inputs, "method").into(),
        bucket: s(inputs, "bucket").into(),
        key: s(inputs, "key").into(),
        headers: pairs(&inputs["headers"])
            .into_iter()
            .map(|(k, v)| (k, v.unwrap()))
            .collect(),
        query: pairs(&inputs["query"]),
    }
}

#[test]
fn post_v1() {
    for v in vectors("post_v1") {
        let (inputs, expected) = (&v["inputs"], &v["expected"]);
        let policy = encode_policy(s(inputs, "policy_json_utf8")).unwrap();
        assert_eq!(policy, s(expected, "policy_field"), "{}", v["id"]);
        let signature = v1::sign_post_policy(s(inputs, "access_key_secret"), &policy).unwrap();
        assert_eq!(signature, s(expected, "Signature"), "{}", v["id"]);
    }
}

#[test]
fn post_v4() {
    for v in vectors("post_v4") {
        let (inputs, expected) = (&v["inputs"], &v["expected"]);
        let policy = encode_policy(s(inputs, "policy_json_utf8")).unwrap();
        assert_eq!(policy, s(expected, "policy_field"), "{}", v["id"]);
        let secret = s(inputs, "access_key_secret");
        let date = s(inputs, "date");
        // Both spellings of the region sign alike (oss-spec §7.2).
        for region in [s(inputs, "region"), s(inputs, "sdk_region_option")] {
            let key = v4::signing_key(secret, date, region).unwrap();
            assert_eq!(hex(&key), s(expected, "signing_key_hex"), "{}", v["id"]);
            let signature = v4::sign_post_policy(secret, region, date, &policy).unwrap();
            assert_eq!(signature, s(expected, "x-oss-signature"), "{}", v["id"]);
        }
        assert_eq!(
            format!(
                "{}/{}",
                s(inputs, "access_key_id"),
                v4::scope(date, s(inputs, "region"))
            ),
            s(expected, "x-oss-credential")
        );
    }
}

#[test]
fn header_v1() {
    for v in vectors("header_v1") {
        let (inputs, expected) = (&v["inputs"], &v["expected"]);
        let signed = v1::sign_request(&credentials(inputs), &request(inputs)).unwrap();
        assert_eq!(
            signed.string_to_sign,
            s(expected, "string_to_sign"),
            "{}",
            v["id"]
        );
        assert_eq!(
            signed.authorization,
            s(expected, "authorization"),
            "{}",
            v["id"]
        );
    }
}

#[test]
fn header_v4() {
    for v in vectors("header_v4") {
        let (inputs, expected) = (&v["inputs"], &v["expected"]);
        let additional: Vec<String> = inputs["additional_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect();
        let signed = v4::sign_request(
            &credentials(inputs),
            s(inputs, "region"),
            &request(inputs),
            &additional,
        )
        .unwrap();
        assert_eq!(
            signed.canonical_request.as_deref(),
            Some(s(expected, "canonical_request")),
            "{}",
            v["id"]
        );
        assert_eq!(
            signed.string_to_sign,
            s(expected, "string_to_sign"),
            "{}",
            v["id"]
        );
        assert_eq!(
            signed.authorization,
            s(expected, "authorization"),
            "{}",
            v["id"]
        );
    }
}

#[test]
fn callback() {
    for v in vectors("callback") {
        let (inputs, expected) = (&v["inputs"], &v["expected"]);
        let encoded = ossup::callback::encode_callback(s(inputs, "callback_json_utf8")).unwrap();
        assert_eq!(
            encoded,
            s(
                expected,
                "x-oss-callback (header) / callback (PostObject form field)"
            )
        );
        let vars: Vec<(String, String)> = serde_json::from_str::<serde_json::Map<String, Value>>(
            s(inputs, "callback_var_json_utf8"),
        )
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap().to_string()))
        .collect();
        assert_eq!(
            ossup::callback::encode_callback_var(&vars).unwrap(),
            s(expected, "x-oss-callback-var (header, Put/Complete only)")
        );
        assert_eq!(base64(s(inputs, "callback_json_utf8").as_bytes()), encoded);
    }
}

#[test]
fn crc64_values() {
    for v in vectors("crc64") {
        let expected = &v["expected"];
        let inputs: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("123456789", b"123456789".to_vec()),
            ("a", b"a".to_vec()),
            (
                "fox",
                b"The quick brown fox jumps over the lazy dog".to_vec(),
            ),
            ("bytes_0_255", (0..=255u8).collect()),
            ("zeros_1MiB", vec![0; 1 << 20]),
            ("utf8_上传", "上传".as_bytes().to_vec()),
        ];
        assert_eq!(
            inputs.len(),
            expected.as_object().unwrap().len(),
            "a crc64 vector input is not covered"
        );
        for (name, data) in inputs {
            let crc = crc64::checksum(&data);
            assert_eq!(format!("{crc:016x}"), s(&expected[name], "hex"), "{name}");
            assert_eq!(
                crc.to_string(),
                s(&expected[name], "header_decimal"),
                "{name}"
            );
        }
    }
}

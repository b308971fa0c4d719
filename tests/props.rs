//! Property tests: escaping, key rules, CRC-64 streaming and combine, the JSON reader.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ossup::crc64;
use ossup::encoding::{percent_encode, push_json_string};
use ossup::key::{self, KeyOptions};
use ossup::policy::{Condition, Expiration, Policy};
use ossup::{json, Error, KeyProblem};
use proptest::prelude::*;

fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn json_strings_round_trip(text in any::<String>()) {
        let mut out = String::new();
        push_json_string(&mut out, &text);
        let back: String = serde_json::from_str(&out).unwrap();
        prop_assert_eq!(&back, &text);
        // Our reader agrees with serde_json.
        prop_assert_eq!(json::parse(&out), Ok(json::Value::String(text.into())));
    }

    #[test]
    fn policies_are_valid_json_with_the_given_values(
        values in proptest::collection::vec(any::<String>(), 1..6),
        min in 0u64..1000, extra in 0u64..1000, ms in 0u64..253_402_300_799_999,
    ) {
        let conditions = vec![
            Condition::exact("bucket", values[0].clone()),
            Condition::StartsWith { field: "key".into(), prefix: values[values.len() - 1].clone() },
            Condition::In { field: "content-type".into(), values: values.clone() },
            Condition::ContentLengthRange { min, max: min + extra },
        ];
        let text = Policy { expiration: Expiration::At(ms), conditions }.to_json().unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(parsed["conditions"][0]["bucket"].as_str(), Some(values[0].as_str()));
        prop_assert_eq!(parsed["conditions"][1][2].as_str(), Some(values[values.len() - 1].as_str()));
        prop_assert_eq!(parsed["conditions"][2][2].as_array().map(Vec::len), Some(values.len()));
        prop_assert_eq!(parsed["conditions"][3][2].as_u64(), Some(min + extra));
        prop_assert!(ossup::policy::encode_policy(&text).is_ok());
        // Compact, byte-for-byte what serde_json (like JSON.stringify) writes for the same value
        // (serde_json escapes the same set: ", \, and controls below U+0020).
        prop_assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
    }

    /// buildPostForm signs the policy it wrote without reading it back: the checked path
    /// (encodePolicy, signPostPolicyV1) accepts the same text and gives the same fields.
    #[test]
    fn built_forms_pass_the_policy_check(
        key in "[^\\x00-\\x1f\\x7f/\\\\.][^\\x00-\\x1f\\x7f]{0,30}",
        meta in any::<String>(), content_type in "[a-z]{1,8}/[a-z0-9.+-]{1,12}",
    ) {
        let mut o = ossup::form::FormOptions::new(
            ossup::sign::Credentials {
                access_key_id: "FAKE_ID".into(),
                access_key_secret: "fake-secret".into(),
                security_token: None,
            },
            "",
            1_701_605_532_000,
        );
        o.version = ossup::form::SignatureVersion::V1;
        o.key = Some(key);
        o.content_type = Some(content_type);
        o.meta = vec![("note".into(), meta)];
        let built = ossup::form::build_post_form(&o);
        prop_assume!(built.is_ok());
        if let Ok(form) = built {
            let field = |name: &str| form.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            let policy = field("policy").unwrap();
            prop_assert_eq!(ossup::policy::encode_policy(&form.policy_json), Ok(policy.clone()));
            prop_assert_eq!(
                ossup::sign::v1::sign_post_policy("fake-secret", &policy).ok(),
                field("Signature")
            );
        }
    }

    #[test]
    fn percent_encoding_round_trips(text in any::<String>(), keep_slash in any::<bool>()) {
        let encoded = percent_encode(&text, keep_slash);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b) || (keep_slash && b == b'/')));
        prop_assert_eq!(percent_decode(&encoded), text.as_bytes().to_vec());
    }

    #[test]
    fn key_rules_are_exactly_the_documented_ones(key in any::<String>()) {
        let expected = if key.is_empty() {
            Err(Error::Key(KeyProblem::Empty))
        } else if key.len() > 1023 {
            Err(Error::Key(KeyProblem::TooLong))
        } else if key.starts_with('/') || key.starts_with('\\') {
            Err(Error::Key(KeyProblem::LeadingSlash))
        } else if key.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
            Err(Error::Key(KeyProblem::ControlCharacter))
        } else if key.split(['/', '\\']).any(|s| s == "." || s == "..") {
            Err(Error::Key(KeyProblem::DotSegment))
        } else {
            Ok(())
        };
        prop_assert_eq!(key::validate_key(&key), expected);
    }

    #[test]
    fn generated_keys_are_valid_and_keep_the_prefix(
        prefix in "[a-z0-9/]{0,40}", name in any::<String>(), now in 0u64..253_402_300_799_999,
        random in proptest::array::uniform8(any::<u8>()), date_folders in any::<bool>(),
    ) {
        let options = KeyOptions { prefix: prefix.clone(), name, content_type: None, date_folders, now_ms: now };
        match key::object_key(&options, &random) {
            Ok(k) => {
                prop_assert!(key::validate_key(&k).is_ok());
                prop_assert!(k.starts_with(&key::normalize_prefix(&prefix).unwrap()));
                prop_assert!(k.contains(&ossup::encoding::hex(&random)));
            }
            // Only a prefix with a dot segment can fail, and this generator makes none.
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn crc_streaming_and_combine(data in proptest::collection::vec(any::<u8>(), 0..4096), cut in any::<prop::sample::Index>(), cut2 in any::<prop::sample::Index>()) {
        let whole = crc64::checksum(&data);
        let (i, j) = {
            let (a, b) = (cut.index(data.len() + 1), cut2.index(data.len() + 1));
            (a.min(b), a.max(b))
        };
        let (a, rest) = data.split_at(i);
        let (b, c) = rest.split_at(j - i);
        prop_assert_eq!(crc64::update(crc64::update(crc64::checksum(a), b), c), whole);
        let ab = crc64::combine(crc64::checksum(a), crc64::checksum(b), b.len() as u64);
        prop_assert_eq!(crc64::combine(ab, crc64::checksum(c), c.len() as u64), whole);
        // Bit-at-a-time reference, straight from the parameters in oss-spec §5.
        let mut reference = u64::MAX;
        for &byte in &data {
            reference ^= u64::from(byte);
            for _ in 0..8 {
                reference = if reference & 1 == 1 { (reference >> 1) ^ crc64::POLY_REFLECTED } else { reference >> 1 };
            }
        }
        prop_assert_eq!(!reference, whole);
    }

    #[test]
    fn json_reader_agrees_with_serde_json(text in "[\\[\\]{}\",:0-9a-z .eE+\\-\\\\]{0,40}") {
        let ours = json::parse(&text).is_ok();
        let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
        // Depth and number limits aside (not reachable here), both accept the same documents.
        prop_assert_eq!(ours, theirs, "{:?}", text);
    }
}

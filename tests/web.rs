//! The exported wasm API in a real headless Chromium (`wasm-pack test --headless --chrome`):
//! values and errors as JS sees them, through wasm-bindgen.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use js_sys::Reflect;
use ossup::wasm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn code(error: JsValue) -> String {
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {error:?}"
    );
    Reflect::get(&error, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn message(error: JsValue) -> String {
    Reflect::get(&error, &"message".into())
        .unwrap()
        .as_string()
        .unwrap()
}

const POLICY: &str = r#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["eq","$success_action_status","201"],["starts-with","$key","user/eric/"],["in","$content-type",["image/jpg","image/png"]],["not-in","$cache-control",["no-cache"]]]}"#;

#[wasm_bindgen_test]
fn post_v1_vector() {
    // oss-vectors.json post_v1_basic
    let policy = wasm::encode_policy(POLICY).unwrap();
    assert_eq!(
        wasm::sign_post_policy_v1("ExampleAccessKeySecret0123456789", &policy).unwrap(),
        "wRgcUvF6PTweS/1diJahnpxbkOU="
    );
}

#[wasm_bindgen_test]
fn header_v4_vector() {
    // oss-vectors.json hv4_upload_part
    let options = r#"{"accessKeyId":"LTAI5tExampleAccessKeyId","accessKeySecret":"ExampleAccessKeySecret0123456789","region":"cn-hangzhou","method":"PUT","bucket":"examplebucket","key":"dir/big.bin","headers":{"x-oss-date":"20231203T121212Z","x-oss-content-sha256":"UNSIGNED-PAYLOAD"},"query":{"partNumber":1,"uploadId":"0004B9895DBBB6EC98E36"}}"#;
    let signed = wasm::sign_request(4, true, options).unwrap();
    let authorization = wasm::sign_request(4, false, options).unwrap();
    assert!(signed.contains(&authorization), "{signed}");
    assert!(
        signed
            .contains("Signature=4373378661010ba53b692acbcde81d93e7c91e3042df7f861a8854eda36bd1f6"),
        "{signed}"
    );
}

#[wasm_bindgen_test]
fn crc64_crosses_as_decimal_strings() {
    assert_eq!(
        wasm::crc64(b"123456789", None).unwrap(),
        "11051210869376104954"
    );
    let a = wasm::crc64(b"1234", None).unwrap();
    let b = wasm::crc64(b"56789", None).unwrap();
    assert_eq!(
        wasm::crc64_combine(&a, &b, 5.0).unwrap(),
        "11051210869376104954"
    );
    assert_eq!(
        wasm::crc64(b"56789", Some(a)).unwrap(),
        "11051210869376104954"
    );
    let mut stream = wasm::Crc64Stream::new(None).unwrap();
    stream.update(b"12345");
    stream.update(b"6789");
    assert_eq!(stream.digest(), "11051210869376104954");
    assert_eq!(
        code(wasm::crc64(b"", Some("-1".into())).unwrap_err()),
        "INVALID_CRC64"
    );
    assert_eq!(
        code(wasm::crc64_combine("1", "2", 0.5).unwrap_err()),
        "INVALID_OPTION"
    );
}

#[wasm_bindgen_test]
fn dates_default_to_the_js_clock() {
    let now = js_sys::Date::now();
    let dates = wasm::format_dates(None).unwrap();
    let iso = js_sys::Date::new(&JsValue::from_f64(now)).to_iso_string();
    // The same day as JS sees it (the two reads are microseconds apart).
    assert!(dates.contains(&String::from(iso).as_str()[..10]), "{dates}");
    assert_eq!(
        code(wasm::format_dates(Some(f64::NAN)).unwrap_err()),
        "INVALID_OPTION"
    );
}

#[wasm_bindgen_test]
fn forms_and_keys() {
    let form = wasm::build_post_form(
        r#"{"accessKeyId":"FAKE","accessKeySecret":"fake","region":"cn-hangzhou","keyPrefix":"u/1"}"#,
        Some(1_701_605_532_000.0),
    )
    .unwrap();
    assert!(
        form.contains(r#""x-oss-date":"20231203T121212Z""#),
        "{form}"
    );
    // Its 8 random bytes come through getrandom's custom backend (pkg/src/random-hook.js: the
    // page's crypto.getRandomValues here): two keys differ.
    let key = wasm::object_key(r#"{"prefix":"u","name":"a.PNG"}"#, Some(0.0)).unwrap();
    assert!(
        key.starts_with("u/1970/01/01/0-") && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(
        key.len(),
        "u/1970/01/01/0-0101010101010101.png".len(),
        "{key}"
    );
    let other = wasm::object_key(r#"{"prefix":"u","name":"a.PNG"}"#, Some(0.0)).unwrap();
    assert_ne!(key, other);
    assert_eq!(
        code(wasm::validate_key("../x").unwrap_err()),
        "INVALID_OBJECT_KEY"
    );
}

#[wasm_bindgen_test]
fn errors_carry_codes() {
    assert_eq!(
        code(wasm::encode_policy("{").unwrap_err()),
        "INVALID_OPTION"
    );
    assert_eq!(
        code(wasm::sign_post_policy_v4("", "", "", "x").unwrap_err()),
        "MISSING_OPTION"
    );
    // A policy given as JSON instead of its base64: the message names the field.
    let error = wasm::sign_post_policy_v4("s", "cn-hangzhou", "20231203", POLICY).unwrap_err();
    let text = message(error.clone());
    assert_eq!(code(error), "INVALID_OPTION");
    assert!(text.contains("`policy`"), "{text}");
    assert_eq!(
        code(wasm::sign_request(5, true, "{}").unwrap_err()),
        "INVALID_OPTION"
    );
    assert_eq!(
        code(wasm::encode_callback(r#"{"callbackUrl":"u"}"#).unwrap_err()),
        "MISSING_OPTION"
    );
}

#[wasm_bindgen_test]
fn md5() {
    assert_eq!(wasm::md5_base64(b"hello"), "XUFAKrxLKna5cZ2REBfFkg==");
    let mut stream = wasm::Md5Stream::new();
    stream.update(b"hel");
    stream.update(b"lo");
    assert_eq!(stream.digest_hex(), "5d41402abc4b2a76b9719d911017c592");
}

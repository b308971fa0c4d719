//! Every JSON-text entry point of the public API returns Ok or an Error, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ossup::api;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let now = 1_700_000_000_000;
    let _ = api::build_post_form(text, now);
    let _ = api::sign_request(api::Version::V1, text);
    let _ = api::sign_request(api::Version::V4, text);
    let _ = api::sign_post_policy_v1(text);
    let _ = api::sign_post_policy_v4(text);
    let _ = api::object_key(text, now, &[1; 8]);
    let _ = ossup::policy::encode_policy(text);
    let _ = api::encode_callback(text);
    let _ = api::encode_callback_var(text);
    let _ = ossup::time::parse_iso8601("t", text);
    let _ = ossup::crc64::parse_decimal("c", text);
});

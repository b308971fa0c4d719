//! The policy builder and checker never panic, and what they accept is consistent:
//! a policy built from any options text is accepted by `encode_policy`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = ossup::api::build_policy(text, 1_700_000_000_000) {
        assert!(ossup::policy::encode_policy(&policy).is_ok(), "built but rejected: {policy}");
    }
    let _ = ossup::policy::encode_policy(text);
    let _ = ossup::callback::encode_callback(text);
});

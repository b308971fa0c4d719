//! The key sanitiser never panics, and every key it produces passes the key rules.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ossup::key::{self, KeyOptions};

fuzz_target!(|input: (String, String, u64, bool)| {
    let (prefix, name, now_ms, date_folders) = input;
    let _ = key::validate_key(&name);
    if let Ok(folder) = key::normalize_prefix(&prefix) {
        assert!(folder.is_empty() || key::validate_key(&folder).is_ok(), "{folder:?}");
    }
    let options = KeyOptions { prefix, name, content_type: None, date_folders, now_ms: now_ms % 253_402_300_800_000 };
    if let Ok(k) = key::object_key(&options, &[7; 8]) {
        assert!(key::validate_key(&k).is_ok(), "{k:?}");
    }
});

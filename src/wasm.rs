//! The only file with `#[wasm_bindgen]`: conversions between JS values and [`crate::api`],
//! no logic.
//!
//! Boundary rules (issue #2, DESIGN-NOTES):
//! - no 64-bit integer crosses it (it would be a BigInt, which the wasm2js build and Alipay's
//!   engine cannot handle): CRCs are decimal strings, sizes and times are `f64`;
//! - options cross as one JSON string (`JSON.stringify` in JS) and results come back as JSON
//!   text where they are objects: see `api.rs` for why not serde-wasm-bindgen;
//! - every error is a JS `Error` with a stable `code` property, which the JS layer turns into
//!   an `OssupError`.

use wasm_bindgen::prelude::*;

use crate::api;
#[cfg(feature = "full")]
use crate::api::Version;
use crate::crc64;
use crate::encoding::decimal;
use crate::error::{Error, Result};
#[cfg(feature = "full")]
use crate::md5;
#[cfg(feature = "full")]
use crate::policy;
use crate::time;

// talc instead of std's dlmalloc: smaller, and faster by its authors' benchmarks.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

type JsResult<T> = core::result::Result<T, JsValue>;

fn fail(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.message());
    let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
    js.into()
}

fn out<T>(result: Result<T>) -> JsResult<T> {
    result.map_err(fail)
}

/// `now` from JS, or the JS clock when absent.
#[cfg(feature = "full")]
fn now(value: Option<f64>) -> JsResult<u64> {
    out(time::checked_ms(
        "now",
        value.unwrap_or_else(js_sys::Date::now),
    ))
}

/// The JS layer's signing clock (`Date.now()` + `setClockOffset`), or the JS clock when absent.
fn clock(value: Option<f64>) -> JsResult<u64> {
    out(
        time::checked_ms("now", value.unwrap_or_else(js_sys::Date::now)).map_err(|_| {
            Error::invalid(
                "now",
                "(the clock: Date.now() + setClockOffset) must be a whole number of milliseconds since 1970-01-01 UTC up to the year 9999",
            )
        }),
    )
}

#[cfg(feature = "full")]
fn whole(option: &'static str, value: f64) -> JsResult<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(fail(Error::invalid(
            option,
            "must be a whole, non-negative number",
        )))
    }
}

/// base64 of the exact UTF-8 bytes of a policy JSON text, after checking OSS would accept it.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = encodePolicy)]
pub fn encode_policy(policy_json: &str) -> JsResult<String> {
    out(policy::encode_policy(policy_json))
}

/// Policy JSON text from `JSON.stringify({ conditions, expiration | expiresIn, now })`.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = buildPolicy)]
pub fn build_policy(options_json: &str, now_ms: Option<f64>) -> JsResult<String> {
    out(api::build_policy(options_json, clock(now_ms)?))
}

/// JSON `{ fields, policy, expiration }` of a signed PostObject form.
#[wasm_bindgen(js_name = buildPostForm)]
pub fn build_post_form(options_json: &str, now_ms: Option<f64>) -> JsResult<String> {
    out(api::build_post_form(options_json, clock(now_ms)?))
}

/// A new object key from options, with 8 bytes from getrandom.
#[wasm_bindgen(js_name = objectKey)]
pub fn object_key(options_json: &str, now_ms: Option<f64>) -> JsResult<String> {
    let now = clock(now_ms)?;
    let mut random = [0u8; 8];
    if getrandom::getrandom(&mut random).is_err() {
        // What the JS source threw (RANDOM_UNAVAILABLE, say) goes back to the caller as it is.
        let thrown = RANDOM_ERROR.with(|e| e.take());
        return Err(thrown.unwrap_or_else(|| {
            fail(Error::invalid(
                "random",
                "the random source returned no bytes",
            ))
        }));
    }
    out(api::object_key(options_json, now, &random))
}

#[wasm_bindgen(module = "/pkg/src/random-hook.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = ossupRandom)]
    fn js_random(length: u32) -> JsResult<js_sys::Uint8Array>;
}

thread_local! {
    static RANDOM_ERROR: core::cell::RefCell<Option<JsValue>> = const { core::cell::RefCell::new(None) };
}

/// getrandom's `custom` backend: the platform's source, through the JS layer's pool.
#[cfg(target_arch = "wasm32")]
fn fill_random(dest: &mut [u8]) -> core::result::Result<(), getrandom::Error> {
    let fail = || getrandom::Error::UNSUPPORTED;
    let length = u32::try_from(dest.len()).map_err(|_| fail())?;
    match js_random(length) {
        Ok(bytes) if bytes.length() as usize >= dest.len() => {
            bytes.subarray(0, length).copy_to(dest);
            Ok(())
        }
        Ok(_) => Err(fail()),
        Err(thrown) => {
            RANDOM_ERROR.with(|e| e.replace(Some(thrown)));
            Err(fail())
        }
    }
}
#[cfg(target_arch = "wasm32")]
getrandom::register_custom_getrandom!(fill_random);

/// Returns the key, or throws `INVALID_OBJECT_KEY`.
#[wasm_bindgen(js_name = validateKey)]
pub fn validate_key(key: &str) -> JsResult<String> {
    out(crate::key::validate_key(key).map(|()| key.to_string()))
}

/// A key prefix as a folder: leading slashes dropped, `/` appended.
#[wasm_bindgen(js_name = normalizePrefix)]
pub fn normalize_prefix(prefix: &str) -> JsResult<String> {
    out(crate::key::normalize_prefix(prefix))
}

/// JSON `{ iso, date, dateTime, http }` for one instant.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = formatDates)]
pub fn format_dates(now_ms: Option<f64>) -> JsResult<String> {
    out(api::format_dates(now(now_ms)?))
}

/// base64 callback from the JSON of a callback string or object.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = encodeCallback)]
pub fn encode_callback(value_json: &str) -> JsResult<String> {
    out(api::encode_callback(value_json))
}

/// `x-oss-callback-var` from `JSON.stringify({ "x:uid": "1" })`.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = encodeCallbackVar)]
pub fn encode_callback_var(vars_json: &str) -> JsResult<String> {
    out(api::encode_callback_var(vars_json))
}

fn parse_crc(option: &'static str, text: Option<String>) -> JsResult<u64> {
    match text {
        Some(text) => out(crc64::parse_decimal(option, &text)),
        None => Ok(0),
    }
}

/// CRC-64/XZ of `bytes` continuing from `previous` (decimal string), as a decimal string.
#[wasm_bindgen]
pub fn crc64(bytes: &[u8], previous: Option<String>) -> JsResult<String> {
    Ok(decimal(crc64::update(
        parse_crc("previous", previous)?,
        bytes,
    )))
}

/// `crc(A ‖ B)` from `crc(A)`, `crc(B)` (decimal strings) and `len(B)`.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = crc64Combine)]
pub fn crc64_combine(crc_a: &str, crc_b: &str, length_b: f64) -> JsResult<String> {
    let a = parse_crc("crcA", Some(crc_a.to_string()))?;
    let b = parse_crc("crcB", Some(crc_b.to_string()))?;
    Ok(decimal(crc64::combine(a, b, whole("lengthB", length_b)?)))
}

/// A streaming CRC-64 held in wasm memory: `new Crc64(previous?)`, `update`, `digest`.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = Crc64)]
pub struct Crc64Stream(crc64::Crc64);

#[cfg(feature = "full")]
#[wasm_bindgen(js_class = Crc64)]
impl Crc64Stream {
    /// Starts at 0, or from a previous CRC (decimal string).
    #[wasm_bindgen(constructor)]
    pub fn new(previous: Option<String>) -> JsResult<Crc64Stream> {
        Ok(Crc64Stream(crc64::Crc64::new(parse_crc(
            "previous", previous,
        )?)))
    }

    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The CRC so far, as a decimal string.
    pub fn digest(&self) -> String {
        decimal(self.0.value())
    }
}

/// base64 MD5 (`Content-MD5`).
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = md5Base64)]
pub fn md5_base64(bytes: &[u8]) -> String {
    md5::md5_base64(bytes)
}

/// Lowercase hex MD5.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = md5Hex)]
pub fn md5_hex(bytes: &[u8]) -> String {
    md5::md5_hex(bytes)
}

/// A streaming MD5: `new Md5()`, `update`, `digestBase64`, `digestHex`.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = Md5)]
pub struct Md5Stream(md5::Md5);

#[cfg(feature = "full")]
#[wasm_bindgen(js_class = Md5)]
impl Md5Stream {
    /// An empty hash.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Md5Stream {
        Md5Stream(md5::Md5::new())
    }

    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// base64 of the digest so far.
    #[wasm_bindgen(js_name = digestBase64)]
    pub fn digest_base64(&self) -> String {
        crate::encoding::base64(&self.0.digest())
    }

    /// Lowercase hex of the digest so far.
    #[wasm_bindgen(js_name = digestHex)]
    pub fn digest_hex(&self) -> String {
        crate::encoding::hex(&self.0.digest())
    }
}

/// The core's version.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Whether `bytes` more can be allocated now: the JS layer asks before passing a large input,
/// so that one the memory cannot hold is an OUT_OF_MEMORY error instead of a trap.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = canAllocate)]
pub fn can_allocate(bytes: usize) -> bool {
    Vec::<u8>::new().try_reserve_exact(bytes).is_ok()
}

/// PostObject V1 `Signature` for `accessKeySecret` and the base64 `policy` field.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = signPostPolicyV1)]
pub fn sign_post_policy_v1(secret: &str, policy: &str) -> JsResult<String> {
    out(crate::sign::v1::sign_post_policy(secret, policy))
}

/// PostObject V4 `x-oss-signature` for a secret, region, date (`yyyymmdd`) and base64 policy.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = signPostPolicyV4)]
pub fn sign_post_policy_v4(
    secret: &str,
    region: &str,
    date: &str,
    policy: &str,
) -> JsResult<String> {
    out(crate::sign::v4::sign_post_policy(
        secret, region, date, policy,
    ))
}

/// A request's signature from its options JSON, `version` 1 or 4. With `explain`, JSON
/// `{ authorization, stringToSign, canonicalRequest? }`; without, the `Authorization` value.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(version: u32, explain: bool, options_json: &str) -> JsResult<String> {
    let version = match version {
        1 => Version::V1,
        4 => Version::V4,
        _ => return Err(fail(Error::invalid("version", "must be \"v1\" or \"v4\""))),
    };
    out(api::sign_request(version, options_json).map(|signed| {
        if explain {
            api::signed_request_json(&signed)
        } else {
            signed.authorization
        }
    }))
}

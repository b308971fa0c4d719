//! The signing path of the ossup core: what every uploaded file or part waits for.
//!
//! PostObject policies (build, check, encode), the V1 and V4 signatures of policies and
//! requests, object keys, and the JSON reader, time and encoding helpers they use. A crate of
//! its own so that it is compiled for speed (`opt-level = 2` in the workspace root's release
//! profile) inside a `.wasm` otherwise built for size: the rest of the core (JSON options in,
//! forms, callbacks, the wasm exports) stays at `"z"`.
//!
//! Measured on 2026-12-02 (Node 20, the raw wasm calls, medians of interleaved runs): at 2
//! rather than `"z"`, a V1 policy signature took 5.0 instead of 8.1 µs, a V4 one 10.2 instead
//! of 15.7 µs and a V4 header signature 29 instead of 39 µs, for 3.5 KB more brotli (50.9
//! against 47.4 KB). `opt-level = 3` was no faster and 0.2 KB larger; `"s"` was 7.3, 14.3 and
//! 34 µs at 48.3 KB.
//!
//! The `ossup` crate re-exports every module here under the same name (`ossup::policy`, …).
#![warn(missing_docs)]

pub mod encoding;
pub mod error;
pub mod json;
pub mod key;
pub mod policy;
pub mod sign;
pub mod time;

pub use error::{Error, KeyProblem, Result};

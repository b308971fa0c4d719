#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
pub mod callback;
pub mod crc64;
pub mod form;
pub mod md5;

// The signing path, compiled for speed in a crate of its own (crates/sign).
pub use ossup_sign::{encoding, error, json, key, policy, sign, time};

#[doc(hidden)]
pub mod wasm;

pub use error::{Error, KeyProblem, Result};

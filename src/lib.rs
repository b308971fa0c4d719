#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod crc64;
pub mod hash;

pub mod api;
pub mod callback;
pub mod encoding;
pub mod error;
pub mod form;
pub mod json;
pub mod key;
pub mod md5;
pub mod policy;
pub mod sign;
pub mod time;

#[doc(hidden)]
pub mod wasm;

pub use error::{Error, KeyProblem, Result};

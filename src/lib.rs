#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// Without `full` (the PostObject-only build) the wasm module has no allocator and no std.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "full")), no_std)]

pub mod crc64;
pub mod hash;
pub mod post;

#[cfg(feature = "full")]
pub mod api;
#[cfg(feature = "full")]
pub mod callback;
#[cfg(feature = "full")]
pub mod encoding;
#[cfg(feature = "full")]
pub mod error;
#[cfg(feature = "full")]
pub mod form;
#[cfg(feature = "full")]
pub mod json;
#[cfg(feature = "full")]
pub mod key;
#[cfg(feature = "full")]
pub mod md5;
#[cfg(feature = "full")]
pub mod policy;
#[cfg(feature = "full")]
pub mod sign;
#[cfg(feature = "full")]
pub mod time;

#[cfg(feature = "full")]
#[doc(hidden)]
pub mod wasm;

#[cfg(feature = "full")]
pub use error::{Error, KeyProblem, Result};

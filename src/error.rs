//! One error type for the whole core.
//!
//! Every error has a stable machine-readable [`Error::code`] (the JS layer puts it on
//! `error.code`) and a message that says what to fix. Messages never contain key material.

use core::fmt;

use crate::encoding::decimal;

/// Why an object key was rejected (oss-spec §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// The key is the empty string.
    Empty,
    /// More than 1023 bytes of UTF-8.
    TooLong,
    /// Starts with `/` or `\`.
    LeadingSlash,
    /// Has a `.` or `..` path segment.
    DotSegment,
    /// Has a control character (U+0000–U+001F, U+007F).
    ControlCharacter,
}

/// Everything that can go wrong in the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A required option is missing or empty.
    Missing(&'static str),
    /// An option has a value the core cannot use; the string says what is wrong with it.
    Invalid {
        /// The option's name as the user spells it (camelCase).
        option: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// An object key (or key prefix) OSS would reject.
    Key(KeyProblem),
    /// A fixed key's extension says one type and the form pins another (`a.html` as
    /// `image/png`): a browser or server could take the object for what its name says.
    KeyTypeMismatch {
        /// The key's extension, lower-cased, without the dot.
        extension: String,
        /// The content type the form would pin.
        content_type: String,
    },
    /// A time that is not `yyyy-mm-ddTHH:MM:SS[.sss]Z`, `yyyymmdd` or out of range.
    Date(String),
    /// A CRC-64 given as text is not a decimal unsigned 64-bit integer.
    Crc(String),
    /// Not enough random bytes were supplied for an object name.
    Entropy {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
}

impl Error {
    /// The stable code. Never changes once released; the docs' error table is generated from it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Missing(_) => "MISSING_OPTION",
            Error::Invalid { .. } => "INVALID_OPTION",
            Error::Key(_) => "INVALID_OBJECT_KEY",
            Error::KeyTypeMismatch { .. } => "KEY_TYPE_MISMATCH",
            Error::Date(_) => "INVALID_DATE",
            Error::Crc(_) => "INVALID_CRC64",
            Error::Entropy { .. } => "NOT_ENOUGH_ENTROPY",
        }
    }

    pub(crate) fn invalid(option: &'static str, reason: impl Into<String>) -> Error {
        Error::Invalid {
            option,
            reason: reason.into(),
        }
    }
}

impl Error {
    /// The message, built from `&str` pieces: `core::fmt` (about 3 KB of every module) stays
    /// out of the shipped core.
    pub fn message(&self) -> String {
        match self {
            Error::Missing(option) => {
                ["`", option, "` is required and must be a non-empty string"].concat()
            }
            Error::Invalid { option, reason } => ["`", option, "` ", reason].concat(),
            Error::Key(problem) => match problem {
                KeyProblem::Empty => "object key is empty: OSS needs 1 to 1023 bytes",
                KeyProblem::TooLong => {
                    "object key is longer than 1023 bytes of UTF-8: use a shorter prefix or file name"
                }
                KeyProblem::LeadingSlash => {
                    "object key starts with `/` or `\\`: OSS rejects that; drop the leading slash"
                }
                KeyProblem::DotSegment => {
                    "object key has a `.` or `..` segment: remove it (it cannot be addressed by URL)"
                }
                KeyProblem::ControlCharacter => {
                    "object key has a control character (U+0000-U+001F or U+007F): remove it"
                }
            }
            .into(),
            Error::KeyTypeMismatch {
                extension,
                content_type,
            } => [
                "the key ends in \".",
                extension,
                "\" but the form pins the content type \"",
                content_type,
                "\": name the key with objectKey({ name, contentType }) so its extension comes from the type (or pin the content type of a \".",
                extension,
                "\" file)",
            ]
            .concat(),
            Error::Date(reason) | Error::Crc(reason) => reason.clone(),
            Error::Entropy { needed, given } => [
                "object names need ",
                &*decimal(*needed as u64),
                " random bytes from a secure source, got ",
                &*decimal(*given as u64),
            ]
            .concat(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

/// Result alias used across the core.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_without_fmt_read_as_before() {
        assert_eq!(
            Error::Missing("key").message(),
            "`key` is required and must be a non-empty string"
        );
        assert_eq!(Error::invalid("now", "is bad").to_string(), "`now` is bad");
        assert_eq!(
            Error::Entropy {
                needed: 8,
                given: 0
            }
            .message(),
            "object names need 8 random bytes from a secure source, got 0"
        );
        assert_eq!(
            Error::KeyTypeMismatch {
                extension: "html".into(),
                content_type: "image/png".into()
            }
            .message(),
            "the key ends in \".html\" but the form pins the content type \"image/png\": name the key with objectKey({ name, contentType }) so its extension comes from the type (or pin the content type of a \".html\" file)"
        );
        assert_eq!(
            Error::Key(KeyProblem::LeadingSlash).message(),
            "object key starts with `/` or `\\`: OSS rejects that; drop the leading slash"
        );
        for n in [0, 7, 10, 200, 1_701_605_532_123, u64::MAX] {
            assert_eq!(decimal(n), std::format!("{n}"));
        }
    }
}

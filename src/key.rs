//! Object keys: the rules OSS enforces (oss-spec §6), and safe, unguessable names.
//!
//! A generated key is `{prefix/}{yyyy}/{mm}/{dd}/{unix ms}-{16 hex random}.{ext}`: the date
//! folders keep listings manageable, the time sorts, 64 random bits from a CSPRNG make
//! collisions and guessing impractical (the seed code used `Math.random() * 150`), and the
//! extension comes from the original name, sanitised.

use crate::encoding::hex;
use crate::error::{Error, KeyProblem, Result};
use crate::time;

/// OSS's limit on a key's UTF-8 length (oss-spec §6).
pub const MAX_KEY_BYTES: usize = 1023;
/// Random bytes in a generated name (64 bits).
pub const RANDOM_BYTES: usize = 8;
/// Longest extension kept from an original file name.
pub const MAX_EXTENSION_CHARS: usize = 10;

fn check_text(text: &str) -> Result<()> {
    if text.starts_with('/') || text.starts_with('\\') {
        return Err(Error::Key(KeyProblem::LeadingSlash));
    }
    if text.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        return Err(Error::Key(KeyProblem::ControlCharacter));
    }
    if text
        .split(['/', '\\'])
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(Error::Key(KeyProblem::DotSegment));
    }
    Ok(())
}

/// Accepts a key OSS stores and a URL can address: 1–1023 bytes, no leading `/` or `\`, no
/// control characters, no `.`/`..` segments.
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::Key(KeyProblem::Empty));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::Key(KeyProblem::TooLong));
    }
    check_text(key)
}

/// Normalises a key prefix (a "folder"): leading slashes removed, as ali-oss does
/// (oss-spec §7.10), `/` appended when missing; an empty prefix stays empty.
pub fn normalize_prefix(prefix: &str) -> Result<String> {
    let trimmed = prefix.trim_start_matches(['/', '\\']);
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    check_text(trimmed)?;
    let mut out = trimmed.to_string();
    if !out.ends_with('/') {
        out.push('/');
    }
    if out.len() > MAX_KEY_BYTES - 1 {
        return Err(Error::Key(KeyProblem::TooLong));
    }
    Ok(out)
}

/// The extension of a file name or path, lower-cased and kept only if it is 1–10 ASCII
/// letters or digits (`IMG_001.JPG` → `jpg`, `wxfile://tmp/a.b.mp4` → `mp4`, `a.p%6g` → none).
pub fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.')?;
    if stem.is_empty()
        || ext.is_empty()
        || ext.len() > MAX_EXTENSION_CHARS
        || !ext.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

/// What an object name is made from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// Folder for the object; normalised by [`normalize_prefix`].
    pub prefix: String,
    /// Original file name or path, for the extension only.
    pub name: String,
    /// Insert `yyyy/mm/dd/` after the prefix (UTC).
    pub date_folders: bool,
    /// The time, ms since the epoch.
    pub now_ms: u64,
}

/// A new object key. `random` must hold at least [`RANDOM_BYTES`] bytes from a
/// cryptographically secure source (the JS layer supplies them on every platform).
pub fn object_key(options: &KeyOptions, random: &[u8]) -> Result<String> {
    if random.len() < RANDOM_BYTES {
        return Err(Error::Entropy {
            needed: RANDOM_BYTES,
            given: random.len(),
        });
    }
    let mut key = normalize_prefix(&options.prefix)?;
    if options.date_folders {
        let day = time::iso8601(options.now_ms);
        key.push_str(&day[0..4]);
        key.push('/');
        key.push_str(&day[5..7]);
        key.push('/');
        key.push_str(&day[8..10]);
        key.push('/');
    }
    key.push_str(&options.now_ms.to_string());
    key.push('-');
    key.push_str(&hex(&random[..RANDOM_BYTES]));
    if let Some(ext) = extension(&options.name) {
        key.push('.');
        key.push_str(&ext);
    }
    validate_key(&key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let options = KeyOptions {
            prefix: "/user/42".into(),
            name: "wxfile://tmp/IMG_0001.JPG".into(),
            date_folders: true,
            now_ms: 1_701_605_532_123,
        };
        assert_eq!(
            object_key(&options, &[0xab; 8]),
            Ok("user/42/2023/12/03/1701605532123-abababababababab.jpg".to_string())
        );
        let bare = KeyOptions {
            now_ms: 5,
            ..KeyOptions::default()
        };
        assert_eq!(
            object_key(&bare, &[0; 8]),
            Ok("5-0000000000000000".to_string())
        );
        assert_eq!(
            object_key(&bare, &[0; 7]),
            Err(Error::Entropy {
                needed: 8,
                given: 7
            })
        );
    }

    #[test]
    fn extensions_are_sanitised() {
        assert_eq!(extension("a.PNG"), Some("png".into()));
        assert_eq!(extension("dir.d/file"), None);
        assert_eq!(extension(".bashrc"), None);
        assert_eq!(extension("a.p%6g"), None);
        assert_eq!(extension("a.abcdefghijk"), None);
        assert_eq!(extension("C:\\photos\\x.HEIC"), Some("heic".into()));
        assert_eq!(extension("视频.mp4"), Some("mp4".into()));
    }

    #[test]
    fn key_rules() {
        assert_eq!(validate_key(""), Err(Error::Key(KeyProblem::Empty)));
        assert_eq!(
            validate_key("/a"),
            Err(Error::Key(KeyProblem::LeadingSlash))
        );
        assert_eq!(
            validate_key("\\a"),
            Err(Error::Key(KeyProblem::LeadingSlash))
        );
        assert_eq!(
            validate_key("a/../b"),
            Err(Error::Key(KeyProblem::DotSegment))
        );
        assert_eq!(validate_key("a/."), Err(Error::Key(KeyProblem::DotSegment)));
        assert_eq!(
            validate_key("a\u{7f}"),
            Err(Error::Key(KeyProblem::ControlCharacter))
        );
        assert_eq!(
            validate_key(&"é".repeat(512)),
            Err(Error::Key(KeyProblem::TooLong))
        );
        assert_eq!(validate_key(&"a".repeat(1023)), Ok(()));
        assert_eq!(validate_key("a..b/c d+上传😀"), Ok(()));
        assert_eq!(normalize_prefix("//x"), Ok("x/".into()));
        assert_eq!(normalize_prefix("x/"), Ok("x/".into()));
        assert_eq!(normalize_prefix("/"), Ok(String::new()));
        assert!(normalize_prefix("a/../b").is_err());
    }
}

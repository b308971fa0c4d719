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

/// Extensions and the content types they belong to: images, video, audio, common documents,
/// archives and text, then the active content a browser runs (or a server executes). The first
/// row of a type names the extension [`object_key`] gives it; an extension may have several
/// rows (the types platforms report for it).
pub const MIME_TYPES: [(&str, &str); 65] = [
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("heic", "image/heic"),
    ("heif", "image/heif"),
    ("bmp", "image/bmp"),
    ("ico", "image/x-icon"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("mp4", "video/mp4"),
    ("m4v", "video/x-m4v"),
    ("m4v", "video/mp4"),
    ("mov", "video/quicktime"),
    ("webm", "video/webm"),
    ("3gp", "video/3gpp"),
    ("avi", "video/x-msvideo"),
    ("avi", "video/avi"),
    ("mkv", "video/x-matroska"),
    ("mp3", "audio/mpeg"),
    ("mp3", "audio/mp3"),
    ("m4a", "audio/mp4"),
    ("m4a", "audio/x-m4a"),
    ("aac", "audio/aac"),
    ("aac", "audio/x-aac"),
    ("wav", "audio/wav"),
    ("wav", "audio/x-wav"),
    ("wav", "audio/wave"),
    ("ogg", "audio/ogg"),
    ("flac", "audio/flac"),
    ("amr", "audio/amr"),
    ("silk", "audio/silk"),
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
    ("md", "text/markdown"),
    ("json", "application/json"),
    ("zip", "application/zip"),
    ("zip", "application/x-zip-compressed"),
    ("gz", "application/gzip"),
    ("gz", "application/x-gzip"),
    ("tar", "application/x-tar"),
    ("7z", "application/x-7z-compressed"),
    ("rar", "application/vnd.rar"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("xhtml", "application/xhtml+xml"),
    ("svg", "image/svg+xml"),
    ("xml", "application/xml"),
    ("xml", "text/xml"),
    ("js", "text/javascript"),
    ("js", "application/javascript"),
    ("mjs", "text/javascript"),
    ("php", "application/x-httpd-php"),
    ("jsp", "application/x-jsp"),
    ("asp", "application/x-asp"),
    ("aspx", "application/x-aspx"),
];

/// Extensions of content that runs when served (script in a browser, code on a server): they
/// never pass with a type that is not theirs, whatever else a form allows.
pub const ACTIVE_EXTENSIONS: [&str; 11] = [
    "html", "htm", "xhtml", "svg", "xml", "js", "mjs", "php", "jsp", "asp", "aspx",
];

/// A content type without parameters or surrounding ASCII white space (`Text/HTML; charset=utf-8`
/// → `Text/HTML`), compared case-insensitively; ASCII rules only, so the JS twin reads it alike.
fn type_essence(content_type: &str) -> &str {
    let end = content_type.find(';').unwrap_or(content_type.len());
    content_type.get(..end).unwrap_or_default().trim_ascii()
}

/// The content type of an extension (`png` → `image/png`), if the table has it.
pub fn type_of_extension(ext: &str) -> Option<&'static str> {
    MIME_TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// The extension a content type's objects get (`image/jpeg` → `jpg`), if the table has it.
pub fn extension_of_type(content_type: &str) -> Option<&'static str> {
    let essence = type_essence(content_type);
    MIME_TYPES
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(essence))
        .map(|(e, _)| *e)
}

/// Whether a key with extension `ext` may be stored as `content_type`: an extension the table
/// knows only with one of its own types (an unknown one says nothing about the content).
pub fn extension_fits(ext: &str, content_type: &str) -> bool {
    let essence = type_essence(content_type);
    let mut known = false;
    for (e, t) in MIME_TYPES.iter() {
        if *e == ext {
            known = true;
            if t.eq_ignore_ascii_case(essence) {
                return true;
            }
        }
    }
    !known && !ACTIVE_EXTENSIONS.contains(&ext)
}

/// What an object name is made from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// Folder for the object; normalised by [`normalize_prefix`].
    pub prefix: String,
    /// Original file name or path, for the extension only.
    pub name: String,
    /// The content type the object will be stored as: when given, the key's extension agrees
    /// with it: the name's, if it is one of the type's, otherwise [`extension_of_type`]'s.
    pub content_type: Option<String>,
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
    crate::encoding::push_decimal(&mut key, options.now_ms);
    key.push('-');
    key.push_str(&hex(&random[..RANDOM_BYTES]));
    let ext = match &options.content_type {
        // A name whose known extension already fits the type keeps it (`a.jpeg` stays .jpeg).
        Some(content_type) => match extension(&options.name)
            .filter(|ext| type_of_extension(ext).is_some() && extension_fits(ext, content_type))
            .or_else(|| extension_of_type(content_type).map(str::to_string))
        {
            Some(ext) => Some(ext),
            // A type the table does not know keeps only an extension the table does not know
            // either: one that cannot contradict the type.
            None => extension(&options.name).filter(|ext| {
                type_of_extension(ext).is_none() && !ACTIVE_EXTENSIONS.contains(&ext.as_str())
            }),
        },
        None => extension(&options.name),
    };
    if let Some(ext) = ext {
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
            content_type: None,
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
    fn a_content_type_chooses_the_extension() {
        let key = |name: &str, content_type: Option<&str>| {
            object_key(
                &KeyOptions {
                    name: name.into(),
                    content_type: content_type.map(String::from),
                    now_ms: 5,
                    ..KeyOptions::default()
                },
                &[0; 8],
            )
            .unwrap_or_default()
        };
        assert_eq!(key("a.html", Some("image/png")), "5-0000000000000000.png");
        assert_eq!(
            key("a.svg", Some("Image/JPEG; q=1")),
            "5-0000000000000000.jpg"
        );
        assert_eq!(key("a.php", Some("video/mp4")), "5-0000000000000000.mp4");
        assert_eq!(key("a.png", Some("text/html")), "5-0000000000000000.html");
        // A name whose extension is one of the type's keeps it.
        assert_eq!(key("a.JPEG", Some("image/jpeg")), "5-0000000000000000.jpeg");
        assert_eq!(key("b.m4v", Some("video/mp4")), "5-0000000000000000.m4v");
        assert_eq!(
            key("c.csv", Some("application/vnd.ms-excel")),
            "5-0000000000000000.xls"
        );
        // A type the table does not know keeps an extension that cannot contradict it, only.
        assert_eq!(
            key("a.dat", Some("application/x-foo")),
            "5-0000000000000000.dat"
        );
        assert_eq!(
            key("a.html", Some("application/x-foo")),
            "5-0000000000000000"
        );
        assert_eq!(
            key("a.png", Some("application/x-foo")),
            "5-0000000000000000"
        );
        assert_eq!(key("a.html", None), "5-0000000000000000.html");
    }

    #[test]
    fn extensions_fit_their_types_only() {
        assert!(extension_fits("png", "image/png"));
        assert!(extension_fits("jpg", "IMAGE/JPEG; charset=x"));
        assert!(extension_fits("m4v", "video/mp4"));
        assert!(!extension_fits("png", "text/html"));
        assert!(!extension_fits("jpg", "image/png"));
        assert!(
            extension_fits("dat", "image/png"),
            "an unknown extension says nothing"
        );
        for ext in ACTIVE_EXTENSIONS {
            for content_type in ["image/png", "application/octet-stream", "text/plain", ""] {
                assert!(
                    !extension_fits(ext, content_type),
                    "{ext} as {content_type}"
                );
            }
            let own = type_of_extension(ext).unwrap_or_default();
            assert!(extension_fits(ext, own), "{ext} as {own}");
        }
        assert!(extension_fits("svg", "image/svg+xml"));
        assert!(extension_fits("html", "text/html; charset=utf-8"));
        // Every type's own extension fits it, and every row is consistent.
        for (ext, content_type) in MIME_TYPES {
            assert!(extension_fits(ext, content_type));
            let first = extension_of_type(content_type).unwrap_or_default();
            assert!(extension_fits(first, content_type));
            assert_eq!(
                content_type,
                type_essence(content_type).to_ascii_lowercase()
            );
        }
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

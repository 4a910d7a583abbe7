//! `file:` URIs to paths and back. Only `file:` documents are linted; anything else (an
//! `untitled:` buffer, a diff view's `git:` side) has no place in the repository.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// Bytes escaped in a path segment (RFC 3986 `pchar` plus `/`, which separates segments).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The path of a `file:` URI (`file:///a/b`, `file://localhost/a/b`, `file:///C:/a`).
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if rest.get(..i) == Some("localhost") => rest.get(i..)?,
        _ => return None,
    };
    let path = path.split(['?', '#']).next()?;
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    // `/C:/x` on Windows is `C:/x`.
    let bytes = decoded.as_bytes();
    let windows = bytes.len() > 2 && bytes.get(2) == Some(&b':') && cfg!(windows);
    let p = if windows {
        decoded.get(1..).unwrap_or_default().to_string()
    } else {
        decoded.into_owned()
    };
    Some(PathBuf::from(p))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    Uri::from_str(&format!("file://{}", utf8_percent_encode(&s, PATH))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_unicode() {
        let p = Path::new("/work/my repo/ünïcode/main.tf");
        let uri = from_path(p).unwrap();
        assert_eq!(
            uri.as_str(),
            "file:///work/my%20repo/%C3%BCn%C3%AFcode/main.tf"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(p));
    }

    #[test]
    fn only_file_uris_have_paths() {
        let u = |s: &str| Uri::from_str(s).unwrap();
        assert_eq!(to_path(&u("untitled:Untitled-1")), None);
        assert_eq!(
            to_path(&u("file://localhost/a/b.tf")).as_deref(),
            Some(Path::new("/a/b.tf"))
        );
        assert_eq!(to_path(&u("file://server/share/b.tf")), None);
    }
}

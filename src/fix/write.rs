//! Writing loses nothing: each file is written to a temporary file in its own directory, given
//! the original's permissions, then renamed over it, so an interrupted run leaves every file
//! wholly old or wholly new. A file that changed on disk since it was read, a symlink, or a file
//! outside the repository root is left alone and reported.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("it changed on disk since it was read; left alone")]
    Changed,
    #[error("it is a symlink; left alone")]
    Symlink,
    #[error("it is outside the repository root; left alone")]
    OutsideRoot,
}

/// Replaces `path`'s content with `bytes` atomically (temporary file + rename).
pub fn atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    atomic_with(path, bytes, |f, b| f.write_all(b))
}

/// [`atomic`] with the write itself injectable, so a failing write can be tested.
fn atomic_with(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut fs::File, &[u8]) -> io::Result<()>,
) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".aks-netlint-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut(), bytes)?;
    tmp.as_file_mut().sync_all()?;
    if let Ok(meta) = fs::metadata(path) {
        fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    // On failure the temporary file is removed when `tmp` drops; the original is untouched.
    tmp.persist(path).map_err(|e| WriteError::Io(e.error))?;
    Ok(())
}

/// Writes a fixed text over a working-tree file that held `original` when it was read.
pub fn fixed_file(path: &Path, root: &Path, original: &str, new: &str) -> Result<(), WriteError> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(WriteError::Symlink);
    }
    if !fs::canonicalize(path).is_ok_and(|c| c.starts_with(root)) {
        return Err(WriteError::OutsideRoot);
    }
    if fs::read(path)? != original.as_bytes() {
        return Err(WriteError::Changed);
    }
    atomic(path, new.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_write_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("main.tf");
        fs::write(&p, "pod_cidr = \"10.244.0.0/20\"\r\n").unwrap();
        let err = atomic_with(&p, b"pod_cidr = \"10.1.0.0/16\"\r\n", |f, b| {
            f.write_all(&b[..5])?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"pod_cidr = \"10.244.0.0/20\"\r\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
    }

    #[test]
    fn keeps_permissions_and_refuses_changed_files_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        let p = root.join("a.tf");
        fs::write(&p, "x = 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
            fixed_file(&p, &root, "x = 1\n", "x = 2\n").unwrap();
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
            std::os::unix::fs::symlink(&p, root.join("link.tf")).unwrap();
            assert!(matches!(
                fixed_file(&root.join("link.tf"), &root, "x = 2\n", "x = 3\n"),
                Err(WriteError::Symlink)
            ));
        }
        assert_eq!(fs::read_to_string(&p).unwrap(), "x = 2\n");
        assert!(matches!(
            fixed_file(&p, &root, "x = 1\n", "x = 3\n"),
            Err(WriteError::Changed)
        ));
        let other = tempfile::tempdir().unwrap();
        let q = other.path().join("b.tf");
        fs::write(&q, "y = 1\n").unwrap();
        assert!(matches!(
            fixed_file(&q, &root, "y = 1\n", "y = 2\n"),
            Err(WriteError::OutsideRoot)
        ));
    }
}

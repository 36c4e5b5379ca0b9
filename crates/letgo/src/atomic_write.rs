//! Writing a fixed file so that a reader, a crash or a full disk sees
//! either the old text or the new one, never half of it: write a
//! temporary file next to the original, flush it to disk, give it the
//! original's permissions, and rename it over the original.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces the contents of the existing file `path` with `contents`. A
/// symbolic link is followed, so the link stays a link. On any error the
/// original is untouched and the temporary file is removed.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("the file has no parent directory"))?;
    let permissions = fs::metadata(&target)?.permissions();
    let mut tmp = tempfile::Builder::new()
        .prefix(".letgo-fix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // The rename itself is durable once the directory is synced; a
    // failure here leaves the new text in place, so it is not an error.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".letgo-fix-"))
            .collect()
    }

    #[test]
    fn replaces_the_text_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.go");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"new text").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new text");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.go");
        let link = dir.path().join("link.go");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_failed_write_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails at the last
        // step, after the temporary file was written.
        let target = dir.path().join("pkg");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.go"), "kept").unwrap();
        assert!(write_atomically(&target, b"new").is_err());
        assert_eq!(fs::read_to_string(target.join("keep.go")).unwrap(), "kept");
        assert!(leftovers(dir.path()).is_empty());
        let missing = dir.path().join("missing.go");
        assert!(write_atomically(&missing, b"new").is_err());
        assert!(!missing.exists());
    }
}

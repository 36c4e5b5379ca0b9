//! Writing a fixed file back, without losing anything the file had:
//!
//! - an edit saved while letgo analysed: the file is written only if it is
//!   still the one read (same size, modification time and bytes, checked
//!   again just before the replacement goes in);
//! - its owner, group, mode and hard links: the new text goes to a
//!   temporary file next to the original, is read back, gets the
//!   original's mode and owner and is renamed over it; a file with other
//!   hard links (or whose owner cannot be given to the replacement) is
//!   written in place instead, through the same inode;
//! - a read-only file is not written at all, as `gofmt -w` refuses it;
//! - a reader, a crash or a full disk sees the old text or the new one,
//!   never half of it (except for the in-place case, which cannot be
//!   atomic; the new text is then complete in the temporary file first).
//!
//! A run killed between writing a temporary file and renaming it leaves
//! `.letgo-fix-XXXXXX.tmp` behind; [`remove_stale_temporaries`] removes
//! exactly those names, in the directories a run writes to.

use std::fmt;
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::Path;
use std::time::SystemTime;

const TMP_PREFIX: &str = ".letgo-fix-";
const TMP_SUFFIX: &str = ".tmp";

/// The file as letgo read it, before analysing it.
#[derive(Debug, Clone, Copy)]
pub struct Original<'a> {
    pub bytes: &'a [u8],
    /// Its modification time at the read, when the system gave one.
    pub modified: Option<SystemTime>,
}

/// Why a fixed file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The file is no longer what was read: someone saved it meanwhile.
    Changed,
    /// Nobody may write the file (no `w` bit for its owner).
    ReadOnly {
        mode: u32,
    },
    Io(io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Changed => f.write_str(
                "not written: the file changed after letgo read it; run `letgo check --fix` again",
            ),
            WriteError::ReadOnly { mode } => {
                write!(f, "not written: the file is read-only (mode {mode:04o})")
            }
            WriteError::Io(e) => write!(f, "cannot write the fixed file: {e}"),
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replaces the text of `path` (a symbolic link is followed and stays a
/// link) with `new`, if the file is still `original`. `before_commit`
/// runs right before the last check of the file (tests use it to edit
/// the file at the worst moment). On any error the file is untouched and
/// no temporary file is left.
pub fn write_fixed(
    path: &Path,
    original: Original,
    new: &[u8],
    before_commit: &dyn Fn(&Path),
) -> Result<(), WriteError> {
    let target = fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("the file has no parent directory"))?;
    let meta = fs::metadata(&target)?;
    if is_read_only(&meta) {
        return Err(WriteError::ReadOnly {
            mode: mode_of(&meta),
        });
    }
    ensure_unchanged(&target, original)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(new)?;
    tmp.as_file().sync_all()?;
    check_written(tmp.as_file_mut(), new)?;
    let in_place = links_of(&meta) > 1 || !give_metadata(tmp.as_file(), &meta)?;
    before_commit(&target);
    ensure_unchanged(&target, original)?;
    if in_place {
        write_in_place(&target, new)?;
        // The temporary copy served as the checked text; it goes now.
        drop(tmp);
    } else {
        tmp.persist(&target).map_err(|e| e.error)?;
    }
    // The rename itself is durable once the directory is synced; a
    // failure here leaves the new text in place, so it is not an error.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// One file `--fix` changed.
pub struct FixedFile<'a> {
    pub path: &'a Path,
    pub original: Original<'a>,
    pub new: &'a [u8],
}

/// Writes every changed file; returns those not written and why (each
/// failure leaves its file as it was, the others are still written).
/// Stale temporary files of a killed run are removed from the
/// directories written to first.
pub fn write_fixed_files(files: &[FixedFile]) -> Vec<(std::path::PathBuf, WriteError)> {
    let hold = hold_from_env();
    let mut failed = Vec::new();
    let mut cleaned = std::collections::HashSet::new();
    for f in files {
        let dir = fs::canonicalize(f.path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        if let Some(dir) = dir.filter(|d| cleaned.insert(d.clone())) {
            // A directory that cannot be listed fails the write below.
            let _ = remove_stale_temporaries(&dir);
        }
        if let Err(e) = write_fixed(f.path, f.original, f.new, &hold) {
            failed.push((f.path.to_path_buf(), e));
        }
    }
    failed
}

/// For tests of the whole command: with `LETGO_TEST_HOLD_BEFORE_WRITE`
/// set to a directory, each write stops before its last check, creates
/// `ready` there (holding the file's path) and waits for `go` (removing
/// it) so that a test can edit the file at exactly that moment. Unset,
/// it does nothing.
fn hold_from_env() -> impl Fn(&Path) {
    let dir = std::env::var_os("LETGO_TEST_HOLD_BEFORE_WRITE").map(std::path::PathBuf::from);
    move |path: &Path| {
        let Some(dir) = &dir else {
            return;
        };
        let _ = fs::write(dir.join("ready"), path.to_string_lossy().as_bytes());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while fs::remove_file(dir.join("go")).is_err() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// An error unless `path` still has the size, modification time and
/// bytes of `original`.
fn ensure_unchanged(path: &Path, original: Original) -> Result<(), WriteError> {
    let mut file = fs::File::open(path)?;
    let meta = file.metadata()?;
    let same_time = match (original.modified, meta.modified().ok()) {
        (Some(then), Some(now)) => then == now,
        _ => true,
    };
    if !same_time || meta.len() != original.bytes.len() as u64 {
        return Err(WriteError::Changed);
    }
    let mut now = Vec::with_capacity(original.bytes.len());
    file.read_to_end(&mut now)?;
    if now != original.bytes {
        return Err(WriteError::Changed);
    }
    Ok(())
}

/// Reads the temporary file back: a disk that accepted the write but
/// stores something else is caught before the original is touched.
fn check_written(file: &mut fs::File, new: &[u8]) -> io::Result<()> {
    file.rewind()?;
    let mut back = Vec::with_capacity(new.len());
    file.read_to_end(&mut back)?;
    if back != new {
        return Err(io::Error::other(
            "the temporary file does not read back as written",
        ));
    }
    Ok(())
}

/// Writes `new` over the existing file, keeping its inode (and so its
/// hard links, owner and mode).
fn write_in_place(path: &Path, new: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(new)?;
    file.set_len(new.len() as u64)?;
    file.sync_all()
}

/// Removes the temporary files a killed run left in `dir`: only names
/// letgo makes (`.letgo-fix-` + letters and digits + `.tmp`), only
/// regular files. Returns how many were removed.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if is_letgo_temporary(name) && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn is_letgo_temporary(name: &str) -> bool {
    let Some(middle) = name
        .strip_prefix(TMP_PREFIX)
        .and_then(|rest| rest.strip_suffix(TMP_SUFFIX))
    else {
        return false;
    };
    !middle.is_empty() && middle.len() <= 32 && middle.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// No write bit for the owner: root could write it, but whoever made it
/// read-only meant it (gofmt -w refuses such files too).
fn is_read_only(meta: &fs::Metadata) -> bool {
    mode_of(meta) & 0o200 == 0
}

#[cfg(unix)]
fn links_of(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links_of(_: &fs::Metadata) -> u64 {
    1
}

/// Gives the replacement the original's mode, owner and group. False
/// when the owner cannot be given (not root, file of another user): the
/// caller then writes in place, which keeps them.
#[cfg(unix)]
fn give_metadata(tmp: &fs::File, meta: &fs::Metadata) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let mine = tmp.metadata()?;
    if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
        match std::os::unix::fs::fchown(tmp, Some(meta.uid()), Some(meta.gid())) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    // After chown, which may clear the set-user-ID and set-group-ID bits.
    tmp.set_permissions(meta.permissions())?;
    Ok(true)
}

#[cfg(not(unix))]
fn give_metadata(tmp: &fs::File, meta: &fs::Metadata) -> io::Result<bool> {
    tmp.set_permissions(meta.permissions())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TMP_PREFIX))
            .collect()
    }

    fn nothing(_: &Path) {}

    /// A file with `text`, and how letgo would have read it.
    fn file(dir: &Path, name: &str, text: &str) -> (std::path::PathBuf, Option<SystemTime>) {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        let modified = fs::metadata(&path).unwrap().modified().ok();
        (path, modified)
    }

    fn original(text: &str, modified: Option<SystemTime>) -> Original<'_> {
        Original {
            bytes: text.as_bytes(),
            modified,
        }
    }

    #[test]
    fn replaces_the_text_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mtime) = file(dir.path(), "a.go", "old");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_fixed(&path, original("old", mtime), b"new text", &nothing).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new text");
        #[cfg(unix)]
        assert_eq!(mode_of(&fs::metadata(&path).unwrap()), 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let (real, mtime) = file(dir.path(), "real.go", "old");
        let link = dir.path().join("link.go");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_fixed(&link, original("old", mtime), b"new", &nothing).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_failed_write_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.go");
        assert!(write_fixed(&missing, original("", None), b"new", &nothing).is_err());
        assert!(!missing.exists());
        // A directory in place of the file fails after the temporary file
        // was made.
        let target = dir.path().join("pkg");
        fs::create_dir(&target).unwrap();
        assert!(write_fixed(&target, original("", None), b"new", &nothing).is_err());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_edit_saved_during_the_run_survives() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mtime) = file(dir.path(), "a.go", "old\n");
        let edit = |p: &Path| fs::write(p, "old\nsaved by the user\n").unwrap();
        let err = write_fixed(&path, original("old\n", mtime), b"fixed\n", &edit).unwrap_err();
        assert!(matches!(err, WriteError::Changed), "{err}");
        assert!(err.to_string().contains("changed after letgo read it"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "old\nsaved by the user\n"
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn same_bytes_but_a_new_time_or_other_bytes_of_one_size_count_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mtime) = file(dir.path(), "a.go", "abc");
        let earlier = mtime.map(|t| t - std::time::Duration::from_secs(5));
        let err = write_fixed(&path, original("abc", earlier), b"x", &nothing).unwrap_err();
        assert!(matches!(err, WriteError::Changed));
        let err = write_fixed(&path, original("abd", mtime), b"x", &nothing).unwrap_err();
        assert!(matches!(err, WriteError::Changed));
        assert_eq!(fs::read_to_string(&path).unwrap(), "abc");
    }

    #[cfg(unix)]
    #[test]
    fn owner_and_group_are_kept() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = file(dir.path(), "a.go", "old");
        if std::os::unix::fs::chown(&path, Some(1234), Some(1234)).is_err() {
            eprintln!("not root: owner test skipped");
            return;
        }
        let mtime = fs::metadata(&path).unwrap().modified().ok();
        write_fixed(&path, original("old", mtime), b"new", &nothing).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1234, 1234));
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_stay_one_file() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (path, mtime) = file(dir.path(), "a.go", "old");
        let other = dir.path().join("b.go");
        fs::hard_link(&path, &other).unwrap();
        let inode = fs::metadata(&path).unwrap().ino();
        write_fixed(&path, original("old", mtime), b"new text", &nothing).unwrap();
        assert_eq!(fs::read_to_string(&other).unwrap(), "new text");
        assert_eq!(fs::metadata(&path).unwrap().ino(), inode);
        assert_eq!(fs::metadata(&path).unwrap().nlink(), 2);
        assert!(leftovers(dir.path()).is_empty());
        // Shorter text: the old tail is cut off.
        let mtime = fs::metadata(&path).unwrap().modified().ok();
        write_fixed(&path, original("new text", mtime), b"n", &nothing).unwrap();
        assert_eq!(fs::read_to_string(&other).unwrap(), "n");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_not_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (path, mtime) = file(dir.path(), "a.go", "old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_fixed(&path, original("old", mtime), b"new", &nothing).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not written: the file is read-only (mode 0444)"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn only_letgo_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = [".letgo-fix-Ab12cD.tmp", ".letgo-fix-x9.tmp"];
        let kept = [
            ".letgo-fix-notes.txt",
            ".letgo-fix-.tmp",
            ".letgo-fix-a b.tmp",
            "x.tmp",
            "a.go",
        ];
        for name in stale.iter().chain(&kept) {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        fs::create_dir(dir.path().join(".letgo-fix-dir123.tmp")).unwrap();
        assert_eq!(remove_stale_temporaries(dir.path()).unwrap(), 2);
        for name in kept {
            assert!(dir.path().join(name).exists(), "{name} removed");
        }
        assert!(dir.path().join(".letgo-fix-dir123.tmp").is_dir());
        for name in stale {
            assert!(!dir.path().join(name).exists(), "{name} kept");
        }
    }
}

//! Finding the Go files to check, as the go command finds packages.
//!
//! Users name what to check as they would for `go vet`: a directory (that
//! one package), a `dir/...` or `./...` pattern (every package below), or a
//! single `.go` file. Below a named directory the go command never looks
//! into `testdata`, `vendor`, or directories whose names start with `_` or
//! `.`, and never reads files whose names start with `_` or `.`; letgo does
//! the same, and also honours `.gitignore` files (generated or third-party
//! trees are usually ignored there, and their findings are noise).
//!
//! Unlike `./...` in the go command, a pattern does descend into nested
//! modules: a linter run at the top of a repository should check all of it.
//! Each directory is therefore tied to its nearest enclosing module (the
//! closest ancestor with a `go.mod`), which may be none.
//!
//! Build constraints are not applied here: every file is returned, and the
//! package loader decides with [`crate::build_constraint`] which belong to
//! the default platform.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::{DirEntry, WalkBuilder, WalkState};

/// The Go files found, grouped by directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// The roots (directories holding `go.mod`) of the modules that own at
    /// least one directory, sorted.
    pub modules: Vec<PathBuf>,
    /// The directories with Go files, sorted by path.
    pub dirs: Vec<SourceDir>,
    /// Problems met on the way (an unreadable directory, a bad
    /// `.gitignore`) that did not stop the walk.
    pub errors: Vec<WalkError>,
}

/// A directory's Go files: normally one package (plus its external test
/// package).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceDir {
    /// Absolute, lexically cleaned.
    pub dir: PathBuf,
    /// The nearest enclosing module, as an index into [`Walk::modules`].
    pub module: Option<usize>,
    /// Absolute paths, sorted by name.
    pub files: Vec<PathBuf>,
}

impl Walk {
    /// The root of the module that owns `dir`.
    pub fn module_root(&self, dir: &SourceDir) -> Option<&Path> {
        dir.module.map(|i| self.modules[i].as_path())
    }

    /// Every file with its module root, in order.
    pub fn files(&self) -> impl Iterator<Item = (&Path, Option<&Path>)> {
        self.dirs.iter().flat_map(move |dir| {
            let module = self.module_root(dir);
            dir.files.iter().map(move |file| (file.as_path(), module))
        })
    }
}

/// A path that cannot be walked, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for WalkError {}

impl WalkError {
    fn new(path: &Path, message: impl Into<String>) -> WalkError {
        WalkError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// What one user argument asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// A directory (its own files) or a single file.
    Path(PathBuf),
    /// `dir/...`: the directory and everything below it.
    Tree(PathBuf),
}

impl Target {
    /// Reads `dir/...`, `./...` and plain paths. Other `...` patterns (go's
    /// `net/...` import-path patterns, `./a.../b`) are refused: letgo works
    /// on directories, not import paths.
    fn parse(arg: &Path) -> Result<Target, WalkError> {
        let mut components: Vec<Component<'_>> = arg.components().collect();
        let is_wildcard = |c: &Component<'_>| c.as_os_str() == "...";
        let tree = components.last().is_some_and(is_wildcard);
        if tree {
            components.pop();
        }
        let has_other_wildcard = components
            .iter()
            .any(|c| c.as_os_str().to_string_lossy().contains("..."));
        if has_other_wildcard || (tree && components.is_empty()) {
            return Err(WalkError::new(
                arg,
                "unsupported pattern: use a directory, dir/..., ./... or a .go file",
            ));
        }
        let path: PathBuf = components.iter().collect();
        let path = if path.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            path
        };
        Ok(if tree {
            Target::Tree(path)
        } else {
            Target::Path(path)
        })
    }
}

/// Finds the Go files named by `args`: directories, `dir/...` patterns and
/// `.go` files. Paths in the result are absolute and lexically cleaned, so
/// that overlapping arguments (`.` and `./...`) yield each file once; the
/// caller relativises them for display.
///
/// An argument that does not exist, or is neither a directory nor a `.go`
/// file, is an error naming it.
pub fn walk<P: AsRef<Path>>(args: &[P]) -> Result<Walk, WalkError> {
    let collector = Collector::default();
    // Directories asked for, to say which gave nothing, as `go vet` does.
    let mut asked = Vec::new();
    for arg in args {
        let arg = arg.as_ref();
        match Target::parse(arg)? {
            Target::Tree(dir) => {
                let dir = checked_dir(arg, &dir)?;
                collector.walk_dir(&dir, true);
                asked.push((arg.to_path_buf(), dir, true));
            }
            Target::Path(path) => {
                collector.add_path(arg, &path)?;
                if path.is_dir() {
                    asked.push((arg.to_path_buf(), clean(&path), false));
                }
            }
        }
    }
    let mut found = collector.finish();
    for (arg, dir, tree) in asked {
        let has = |d: &SourceDir| d.dir == dir || (tree && d.dir.starts_with(&dir));
        if !found.dirs.iter().any(has) {
            // Worded as the go command words it; the message names the
            // argument, so the error has no path of its own.
            let message = if tree {
                format!("{:?} matched no packages", arg.display().to_string())
            } else {
                format!("no Go files in {}", arg.display())
            };
            found.errors.push(WalkError::new(Path::new(""), message));
        }
    }
    Ok(found)
}

/// `path` made absolute and cleaned, if it is a directory; the error names
/// `arg` as the user wrote it.
fn checked_dir(arg: &Path, path: &Path) -> Result<PathBuf, WalkError> {
    let metadata = std::fs::metadata(path).map_err(|e| WalkError::new(arg, io_message(&e)))?;
    if metadata.is_dir() {
        Ok(clean(path))
    } else {
        Err(WalkError::new(arg, "not a directory"))
    }
}

fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => error.to_string(),
    }
}

/// Gathers files from every argument; shared by the walker's threads.
#[derive(Default)]
struct Collector {
    files: Mutex<BTreeMap<PathBuf, BTreeSet<PathBuf>>>,
    errors: Mutex<Vec<WalkError>>,
}

impl Collector {
    /// Adds a plain-path argument: a directory's own files, or one file.
    fn add_path(&self, arg: &Path, path: &Path) -> Result<(), WalkError> {
        let metadata = std::fs::metadata(path).map_err(|e| WalkError::new(arg, io_message(&e)))?;
        if metadata.is_dir() {
            self.walk_dir(&clean(path), false);
            return Ok(());
        }
        if !metadata.is_file() || path.extension().is_none_or(|e| e != "go") {
            return Err(WalkError::new(arg, "not a directory or .go file"));
        }
        // A file named explicitly is taken whatever its name or directory.
        self.add_file(clean(path));
        Ok(())
    }

    fn add_file(&self, file: PathBuf) {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.entry(dir).or_default().insert(file);
    }

    fn add_error(&self, error: WalkError) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        errors.push(error);
    }

    /// Walks `root` (absolute, clean) in parallel, down the tree when
    /// `recursive`, else only its own files.
    fn walk_dir(&self, root: &Path, recursive: bool) {
        let mut builder = WalkBuilder::new(root);
        builder
            .standard_filters(false)
            .git_ignore(true)
            .git_exclude(true)
            .parents(true)
            // Outside a git repository ignore files are still the user's
            // word on what is generated or foreign; honour them.
            .require_git(is_in_git_repo(root))
            .follow_links(false)
            .max_depth(if recursive { None } else { Some(1) })
            .filter_entry(|entry| entry.depth() == 0 || is_walked(entry));
        builder.build_parallel().run(|| {
            Box::new(move |result| {
                match result {
                    Ok(entry) => self.visit(&entry),
                    Err(error) => self.add_error(convert_error(root, &error)),
                }
                WalkState::Continue
            })
        });
    }

    fn visit(&self, entry: &DirEntry) {
        if entry.depth() == 0 || !is_go_file(entry) {
            return;
        }
        self.add_file(clean(entry.path()));
    }

    fn finish(self) -> Walk {
        let files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut errors = self.errors.into_inner().unwrap_or_else(|e| e.into_inner());
        errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        errors.dedup();
        let mut finder = ModuleFinder::default();
        let roots: Vec<Option<PathBuf>> = files.keys().map(|dir| finder.find(dir)).collect();
        let modules: Vec<PathBuf> = roots
            .iter()
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let dirs = files
            .into_iter()
            .zip(roots)
            .map(|((dir, files), root)| SourceDir {
                dir,
                module: root.and_then(|r| modules.binary_search(&r).ok()),
                files: files.into_iter().collect(),
            })
            .collect();
        Walk {
            modules,
            dirs,
            errors,
        }
    }
}

/// Whether the walk keeps an entry below the root: the go command's rules
/// for names (`testdata`, `vendor`, `_x`, `.x`).
fn is_walked(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    if name.starts_with('_') || name.starts_with('.') {
        return false;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    !(is_dir && (name == "testdata" || name == "vendor"))
}

/// A `.go` file, or a symbolic link to one (the go command reads those).
fn is_go_file(entry: &DirEntry) -> bool {
    if entry.path().extension().is_none_or(|e| e != "go") {
        return false;
    }
    match entry.file_type() {
        Some(t) if t.is_file() => true,
        Some(t) if t.is_symlink() => std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
        _ => false,
    }
}

/// Whether `dir` or an ancestor holds `.git` (a directory, or a file for
/// worktrees and submodules).
fn is_in_git_repo(dir: &Path) -> bool {
    dir.ancestors().any(|d| d.join(".git").exists())
}

/// Turns the walker's nested error into a path and a message.
fn convert_error(root: &Path, error: &ignore::Error) -> WalkError {
    let mut path = None;
    let mut line = None;
    let mut inner = error;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| p.clone());
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } => inner = err,
            ignore::Error::WithLineNumber { line: l, err } => {
                line.get_or_insert(*l);
                inner = err;
            }
            ignore::Error::Partial(errors) if errors.len() == 1 => inner = &errors[0],
            _ => break,
        }
    }
    let message = match line {
        Some(line) => format!("line {line}: {inner}"),
        None => inner.to_string(),
    };
    WalkError {
        path: path.unwrap_or_else(|| root.to_path_buf()),
        message,
    }
}

/// Finds nearest modules, remembering every directory it has asked about
/// so that a deep tree costs one `go.mod` lookup per directory.
#[derive(Default)]
struct ModuleFinder {
    known: HashMap<PathBuf, Option<PathBuf>>,
}

impl ModuleFinder {
    fn find(&mut self, dir: &Path) -> Option<PathBuf> {
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(known) = self.known.get(ancestor) {
                found = known.clone();
                break;
            }
            visited.push(ancestor.to_path_buf());
            if has_go_mod(ancestor) {
                found = Some(ancestor.to_path_buf());
                break;
            }
        }
        for dir in visited {
            self.known.insert(dir, found.clone());
        }
        found
    }
}

fn has_go_mod(dir: &Path) -> bool {
    // Whatever stands there (a directory, a broken link) makes a module
    // root whose go.mod then fails to read, as the go command reports it,
    // rather than a silent module-less tree.
    dir.join("go.mod").symlink_metadata().is_ok()
}

/// The root of the module `dir` belongs to: `dir` itself or its closest
/// ancestor holding a `go.mod` file. `dir` is made absolute first, so `.`
/// works; `None` when no ancestor has one (code outside any module).
pub fn find_module_root(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    clean(&dir)
        .ancestors()
        .find(|d| has_go_mod(d))
        .map(Path::to_path_buf)
}

/// Removes `.` and resolves `..` lexically, as Go's `filepath.Clean` does
/// (and as `go` treats command-line directories), after making the path
/// absolute against the current directory.
fn clean(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let parse = |s: &str| Target::parse(Path::new(s));
        assert_eq!(parse("./..."), Ok(Target::Tree(".".into())));
        assert_eq!(
            parse("..."),
            Err(WalkError::new(
                Path::new("..."),
                "unsupported pattern: use a directory, dir/..., ./... or a .go file"
            ))
        );
        assert_eq!(parse("a/b/..."), Ok(Target::Tree("a/b".into())));
        assert_eq!(parse("/abs/.../"), Ok(Target::Tree("/abs".into())));
        assert_eq!(parse("."), Ok(Target::Path(".".into())));
        assert_eq!(parse("x.go"), Ok(Target::Path("x.go".into())));
        assert_eq!(parse("../up"), Ok(Target::Path("../up".into())));
        assert!(parse("a/.../b").is_err());
        assert!(parse("net/http...").is_err());
    }

    #[test]
    fn cleans_paths() {
        assert_eq!(clean(Path::new("/a/./b/../c/")), PathBuf::from("/a/c"));
        assert_eq!(clean(Path::new("/../a")), PathBuf::from("/a"));
        assert!(clean(Path::new(".")).is_absolute());
    }

    #[test]
    fn reports_walker_errors_with_their_path() {
        let io = ignore::Error::Io(std::io::Error::other("boom"));
        let nested = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: "/x/y".into(),
                err: Box::new(ignore::Error::WithLineNumber {
                    line: 3,
                    err: Box::new(io),
                }),
            }),
        };
        let error = convert_error(Path::new("/root"), &nested);
        assert_eq!(error.to_string(), "/x/y: line 3: boom");
    }
}

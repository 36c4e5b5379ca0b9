//! Loading a program: walk the paths the user named, read and parse every
//! file in parallel, and group files into packages with their modules,
//! build status and package-level symbols.

use crate::ast::{File, Ident};
use crate::build_constraint::{BuildContext, FileConstraint};
use crate::gomod::GoMod;
use crate::symbols::Symbols;
use crate::walk::{walk, SourceDir, Walk};
use crate::{parse_file, LineIndex, SyntaxError, PARSE_STACK_SIZE};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file's tree and syntax errors parsed elsewhere, for its path and
/// exact text (see [`Loader::load_each_reusing`]).
pub type Reuse<'r> = &'r (dyn Fn(&Path, &str) -> Option<(Arc<File>, Vec<SyntaxError>)> + Sync);

/// A module: its root directory and its `go.mod` (absent when it could not
/// be read; the problem is then in [`Program::errors`]).
#[derive(Debug)]
pub struct Module {
    pub root: PathBuf,
    pub gomod: Option<GoMod>,
}

/// One parsed Go file.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub src: String,
    pub lines: LineIndex,
    /// Shared: the semantic model may hold the same tree.
    pub ast: Arc<File>,
    pub errors: Vec<SyntaxError>,
    /// A `_test.go` file.
    pub is_test: bool,
    /// Whether the file is built on the default platform (linux/amd64);
    /// files of other platforms are still checked but stay out of the
    /// package's symbol table, where they would clash with their twins.
    pub in_build: bool,
    /// The file's modification time when it was read (when the system
    /// gives one): `--fix` writes a file only if it is still the one read.
    pub modified: Option<std::time::SystemTime>,
}

impl SourceFile {
    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines.line_col(offset)
    }

    /// Frees the text and the tree, keeping the path, the line index and
    /// the syntax errors: all a report needs of a file it does not quote.
    pub fn drop_contents(&mut self) {
        self.src = String::new();
        self.ast = Arc::new(File {
            package: 0,
            name: Ident { pos: 0, end: 0 },
            decls: Vec::new(),
            comments: Vec::new(),
        });
    }
}

/// The files of one directory that share a package clause (`foo` and its
/// external test package `foo_test` are two packages).
#[derive(Debug)]
pub struct Package {
    pub dir: PathBuf,
    pub name: String,
    /// Index into [`Program::modules`].
    pub module: Option<usize>,
    /// The module path joined with the directory's path inside the module.
    pub import_path: Option<String>,
    pub files: Vec<SourceFile>,
    /// Declarations of the files that are in the build.
    pub symbols: Symbols,
}

/// Everything that was loaded.
#[derive(Debug, Default)]
pub struct Program {
    pub modules: Vec<Module>,
    pub packages: Vec<Package>,
    /// Problems that did not stop loading: unreadable files, a broken
    /// `go.mod` or build line. Syntax errors stay with their files.
    pub errors: Vec<LoadError>,
}

impl Program {
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.packages.iter().flat_map(|p| &p.files)
    }

    pub fn module_of(&self, pkg: &Package) -> Option<&Module> {
        pkg.module.map(|i| &self.modules[i])
    }
}

/// A path that could not be loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line and byte column in `path`; 0 when the error is about
    /// the whole file (or the column is unknown).
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl LoadError {
    /// `path:line:col: ` (or `path:line: `, `path: `) with `path` as
    /// `show` prints it: how every input error starts. An error with an
    /// empty path names what it is about in its message.
    pub fn place(&self, show: impl Fn(&Path) -> String) -> String {
        match (self.line, self.column) {
            _ if self.path.as_os_str().is_empty() => String::new(),
            (0, _) => format!("{}: ", show(&self.path)),
            (line, 0) => format!("{}:{line}: ", show(&self.path)),
            (line, col) => format!("{}:{line}:{col}: ", show(&self.path)),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = self.place(|p| p.display().to_string());
        write!(f, "{place}{}", self.message)
    }
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Include `_test.go` files (as `go vet` does).
    pub tests: bool,
    pub build: BuildContext,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            tests: true,
            build: BuildContext::default(),
        }
    }
}

/// Loads the Go files that `args` name (directories, `dir/...`, `./...`,
/// files). A path that does not exist or is not Go is an error; problems
/// with single files are collected in [`Program::errors`].
pub fn load<P: AsRef<Path>>(args: &[P], opts: &LoadOptions) -> Result<Program, LoadError> {
    Loader::new(args, opts)?.load()
}

/// Loading in two steps: [`Loader::new`] finds the files and reads the
/// modules, so that their configuration can be read before any file is
/// parsed; then [`Loader::load`] keeps every package in memory, or
/// [`Loader::load_each`] hands each package on as soon as it is parsed.
pub struct Loader {
    found: Walk,
    /// The modules and the walk's errors; no packages yet.
    program: Program,
    opts: LoadOptions,
}

impl Loader {
    /// Walks `args` and reads the `go.mod` of every module found.
    pub fn new<P: AsRef<Path>>(args: &[P], opts: &LoadOptions) -> Result<Loader, LoadError> {
        let found = walk(args).map_err(|e| LoadError {
            line: 0,
            column: 0,
            path: e.path,
            message: e.message,
        })?;
        let mut program = Program::default();
        program
            .errors
            .extend(found.errors.iter().map(|e| LoadError {
                line: 0,
                column: 0,
                path: e.path.clone(),
                message: e.message.clone(),
            }));
        program.modules = read_modules(&found, &mut program.errors);
        Ok(Loader {
            found,
            program,
            opts: opts.clone(),
        })
    }

    /// The modules found, and the problems met so far; no packages.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The directories holding the Go files found (absolute).
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.found.dirs.iter().map(|d| d.dir.as_path())
    }

    /// Parses every file and keeps every package.
    pub fn load(self) -> Result<Program, LoadError> {
        let (mut program, packages) = self.load_each(|_, pkg| pkg)?;
        program.packages = packages;
        Ok(program)
    }

    /// Parses directory by directory, in parallel, and calls `each` with
    /// every package as soon as its directory is parsed, so that a caller
    /// that needs one package at a time never holds them all. Returns the
    /// program without packages (its errors complete) and what `each`
    /// returned, in the order [`Loader::load`] keeps packages.
    pub fn load_each<R, F>(self, each: F) -> Result<(Program, Vec<R>), LoadError>
    where
        R: Send,
        F: Fn(&Program, Package) -> R + Sync,
    {
        self.load_each_reusing(&|_, _| None, each)
    }

    /// [`Loader::load_each`], taking a file's tree from `reuse` when it
    /// has one for the file's path and text (the semantic model parsed
    /// the same file: parsing is deterministic, so the tree is the one
    /// this parse would give).
    pub fn load_each_reusing<R, F>(
        self,
        reuse: Reuse,
        each: F,
    ) -> Result<(Program, Vec<R>), LoadError>
    where
        R: Send,
        F: Fn(&Program, Package) -> R + Sync,
    {
        let Loader {
            found,
            mut program,
            opts,
        } = self;
        let pool = rayon::ThreadPoolBuilder::new()
            .stack_size(PARSE_STACK_SIZE)
            .build()
            .map_err(|e| LoadError {
                line: 0,
                column: 0,
                path: PathBuf::from("."),
                message: format!("cannot start worker threads: {e}"),
            })?;
        let per_dir: Vec<(Vec<R>, Vec<LoadError>)> = pool.install(|| {
            found
                .dirs
                .par_iter()
                .map(|dir| load_dir(&program, dir, &opts, reuse, &each))
                .collect()
        });
        let mut results = Vec::new();
        for (done, errors) in per_dir {
            results.extend(done);
            program.errors.extend(errors);
        }
        Ok((program, results))
    }
}

/// Parses the files of one directory (in parallel: a few directories hold
/// much of a tree) and hands each of its packages to `each`.
fn load_dir<R, F>(
    program: &Program,
    dir: &SourceDir,
    opts: &LoadOptions,
    reuse: Reuse,
    each: &F,
) -> (Vec<R>, Vec<LoadError>)
where
    R: Send,
    F: Fn(&Program, Package) -> R + Sync,
{
    let module = dir.module.map(|m| &program.modules[m]);
    let ctx = build_context(&opts.build, module.and_then(|m| m.gomod.as_ref()));
    let loaded: Vec<Result<SourceFile, LoadError>> = dir
        .files
        .par_iter()
        .filter(|f| opts.tests || !is_test_file(f))
        .map(|path| read_file(path, &ctx, reuse))
        .collect();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for result in loaded {
        match result {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    errors.extend(mixed_packages(&dir.dir, &files));
    let packages = group_packages(&dir.dir, dir.module, module, files);
    let done = packages.into_iter().map(|pkg| each(program, pkg)).collect();
    (done, errors)
}

/// A directory holds one package (and its external `_test` package), as
/// the go command requires: a file in the build with another package
/// clause is an error at that clause, in the go command's words. Files
/// outside the build and `package documentation` do not count, as in
/// `go/build`. Each file is still checked.
fn mixed_packages(dir: &Path, files: &[SourceFile]) -> Option<LoadError> {
    fn base(f: &SourceFile) -> Option<&str> {
        let name = f.ast.name.name(&f.src);
        let name = if f.is_test {
            name.strip_suffix("_test").unwrap_or(name)
        } else {
            name
        };
        (name != "_" && name != "documentation" && f.in_build).then_some(name)
    }
    let mut named = files.iter().filter_map(|f| Some((f, base(f)?)));
    let (first, first_name) = named.next()?;
    let (other, other_name) = named.find(|&(_, name)| name != first_name)?;
    let (line, column) = other.line_col(other.ast.name.pos);
    let file_name = |f: &SourceFile| f.path.file_name().map(|n| n.to_string_lossy().into_owned());
    Some(LoadError {
        path: other.path.clone(),
        line,
        column,
        message: format!(
            "found packages {first_name} ({}) and {other_name} ({}) in {}",
            file_name(first).unwrap_or_default(),
            file_name(other).unwrap_or_default(),
            dir.display()
        ),
    })
}

fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_test.go"))
}

/// The build context for a module: release tags up to its `go` line.
fn build_context(base: &BuildContext, gomod: Option<&GoMod>) -> BuildContext {
    match gomod {
        Some(m) => base.clone().with_go_version(m.language_version()),
        None => base.clone(),
    }
}

fn read_modules(found: &Walk, errors: &mut Vec<LoadError>) -> Vec<Module> {
    found
        .modules
        .iter()
        .map(|root| {
            let gomod = match GoMod::read(&root.join("go.mod")) {
                Ok(m) => Some(m),
                Err(e) => {
                    errors.push(LoadError {
                        path: e.path.clone(),
                        line: e.line as u32,
                        column: 0,
                        message: e.message.clone(),
                    });
                    None
                }
            };
            Module {
                root: root.clone(),
                gomod,
            }
        })
        .collect()
}

/// Reads and parses one file. Go source is UTF-8; bytes that are not are
/// replaced (offsets after them may shift) and reported as a syntax error
/// at the first bad byte, as Go's scanner reports them.
fn read_file(path: &Path, ctx: &BuildContext, reuse: Reuse) -> Result<SourceFile, LoadError> {
    let (bytes, modified) = read_with_mtime(path).map_err(|e| LoadError {
        line: 0,
        column: 0,
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    let in_build = match FileConstraint::parse(path, &bytes) {
        Ok(c) => c.matches(ctx),
        Err(_) => false,
    };
    let (src, utf8_error) = match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to() as u32;
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let (ast, mut errors) = match reuse(path, &src) {
        Some(parsed) => parsed,
        None => {
            let parsed = parse_file(&src);
            (Arc::new(parsed.file), parsed.errors)
        }
    };
    if let Some(offset) = utf8_error {
        errors.push(SyntaxError {
            offset,
            msg: "illegal UTF-8 encoding".into(),
        });
        errors.sort_by_key(|e| e.offset);
        crate::parser::first_per_line(&src, &mut errors);
    }
    if src.contains('\0') {
        // NUL is illegal anywhere in Go: this is a binary, not Go source
        // with mistakes, and one error says so (gofmt prints one too).
        errors.truncate(1);
    }
    Ok(SourceFile {
        lines: LineIndex::new(&src),
        path: path.to_path_buf(),
        src,
        ast,
        errors,
        is_test: is_test_file(path),
        in_build,
        modified,
    })
}

/// The bytes of `path` and its modification time, both from one open
/// file, so that the time belongs to the bytes (a write after the read
/// may change the time too; never the other way round).
fn read_with_mtime(path: &Path) -> std::io::Result<(Vec<u8>, Option<std::time::SystemTime>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok((bytes, modified))
}

/// Splits a directory's files into packages by package clause, keeping
/// file order, and builds each package's symbols.
fn group_packages(
    dir: &Path,
    module_index: Option<usize>,
    module: Option<&Module>,
    files: Vec<SourceFile>,
) -> Vec<Package> {
    let mut packages: Vec<Package> = Vec::new();
    for file in files {
        let name = file.ast.name.name(&file.src).to_string();
        let pkg = match packages.iter_mut().position(|p| p.name == name) {
            Some(i) => &mut packages[i],
            None => {
                packages.push(Package {
                    dir: dir.to_path_buf(),
                    import_path: import_path(dir, module),
                    name,
                    module: module_index,
                    files: Vec::new(),
                    symbols: Symbols::default(),
                });
                packages.last_mut().expect("just pushed")
            }
        };
        if file.in_build {
            pkg.symbols.add_file(pkg.files.len(), &file.ast, &file.src);
        }
        pkg.files.push(file);
    }
    packages
}

fn import_path(dir: &Path, module: Option<&Module>) -> Option<String> {
    let module = module?;
    let base = &module.gomod.as_ref()?.module;
    let rel = dir.strip_prefix(&module.root).ok()?;
    let mut path = base.clone();
    for part in rel.components() {
        path.push('/');
        path.push_str(&part.as_os_str().to_string_lossy());
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn groups_files_into_packages_with_symbols() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "go.mod", "module example.com/m\n\ngo 1.22\n");
        write(
            root,
            "a/a.go",
            "package a\n\ntype T struct{ n int }\n\nfunc (t *T) Get() int { return t.n }\n",
        );
        write(
            root,
            "a/a_windows.go",
            "package a\n\nfunc OnlyWindows() {}\n",
        );
        write(root, "a/a_test.go", "package a\n\nfunc helper() {}\n");
        write(root, "a/x_test.go", "package a_test\n\nfunc TestX() {}\n");
        write(root, "b/b.go", "package b\n\nfunc F( {\n");
        let prog = load(&[root.join("...")], &LoadOptions::default()).unwrap();

        let names: Vec<(&str, Option<&str>, usize)> = prog
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.import_path.as_deref(), p.files.len()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("a", Some("example.com/m/a"), 3),
                ("a_test", Some("example.com/m/a"), 1),
                ("b", Some("example.com/m/b"), 1),
            ]
        );
        let a = &prog.packages[0];
        assert!(a.symbols.method("T", "Get").is_some());
        assert!(a.symbols.funcs.contains_key("helper"), "tests are in");
        assert!(
            !a.symbols.funcs.contains_key("OnlyWindows"),
            "other platforms are out"
        );
        assert!(a.files.iter().any(|f| !f.in_build));
        assert!(!prog.packages[2].files[0].errors.is_empty());
        let gomod = prog.module_of(a).unwrap().gomod.as_ref().unwrap();
        assert_eq!(gomod.language_version().to_string(), "1.22");
    }

    #[test]
    fn without_tests_and_with_a_missing_path() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "p/p.go", "package p\n");
        write(tmp.path(), "p/p_test.go", "package p\n");
        let opts = LoadOptions {
            tests: false,
            ..LoadOptions::default()
        };
        let prog = load(&[tmp.path().join("p")], &opts).unwrap();
        assert_eq!(prog.files().count(), 1);
        let err = load(&[tmp.path().join("nope")], &opts).unwrap_err();
        assert!(err.path.ends_with("nope"), "{err}");
    }
}

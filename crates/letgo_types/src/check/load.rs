//! Finding packages on disk (GOROOT, vendor folders), parsing their files
//! for the build context, and declaring their package-level objects.

use super::Checker;
use crate::constant::Value;
use crate::model::{DeclRef, FileId, ObjKind, Object, Package, PkgId, Records, SourceFile, State};
use letgo_go::ast::{Decl, Expr, Spec};
use letgo_go::build_constraint::FileConstraint;
use letgo_go::token::Token;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

impl Checker {
    /// The directory of the package `path` imported from `from`: vendor
    /// folders first (GOROOT's `src/vendor` and `src/cmd/vendor`), then
    /// GOROOT/src.
    pub(crate) fn resolve_import(&self, path: &str, from: &Path) -> Option<PathBuf> {
        let src = self.goroot.join("src");
        // A file of a module: its own packages, its vendor folder, the
        // module cache; the standard library otherwise.
        if !from.starts_with(&src) {
            let module = self
                .modules
                .iter()
                .filter(|m| from.starts_with(&m.dir))
                .max_by_key(|m| m.dir.as_os_str().len());
            if let Some(m) = module {
                if let Some(d) = m.resolve(path, self.modcache.as_deref()) {
                    if self.has_go_files(&d) {
                        return Some(d);
                    }
                }
            }
            let std_dir = src.join(path);
            return self.has_go_files(&std_dir).then_some(std_dir);
        }
        let mut candidates = Vec::new();
        let mut dir = Some(from);
        while let Some(d) = dir {
            if !d.starts_with(&src) {
                break;
            }
            // Most folders have no vendor folder: one look per folder,
            // not one per import path.
            if self.has_vendor(d) {
                candidates.push(d.join("vendor").join(path));
            }
            if d == src {
                break;
            }
            dir = d.parent();
        }
        candidates.push(src.join(path));
        candidates.into_iter().find(|c| self.has_go_files(c))
    }

    /// [`Checker::resolve_import`], answered once per importing folder and
    /// path: every file of a package repeats its imports, and each answer
    /// costs a walk of folders up to GOROOT/src (a twentieth of the
    /// checker's time on GOROOT/src).
    fn resolve_import_cached(&mut self, path: &str, from: &Path) -> Option<PathBuf> {
        if let Some(known) = self.imports_of.get(from).and_then(|m| m.get(path)) {
            return known.clone();
        }
        let found = self.resolve_import(path, from);
        self.imports_of
            .entry(from.to_path_buf())
            .or_default()
            .insert(path.to_string(), found.clone());
        found
    }

    /// Whether `dir` has a `vendor` folder, each folder looked at once
    /// per run.
    fn has_vendor(&self, dir: &Path) -> bool {
        if let Some(&known) = self.dir_has_vendor.borrow().get(dir) {
            return known;
        }
        let found = dir.join("vendor").is_dir();
        self.dir_has_vendor
            .borrow_mut()
            .insert(dir.to_path_buf(), found);
        found
    }

    /// Whether `dir` holds Go files, each folder listed once per run.
    fn has_go_files(&self, dir: &Path) -> bool {
        if let Some(&known) = self.dir_has_go.borrow().get(dir) {
            return known;
        }
        let found = has_go_files(dir);
        self.dir_has_go
            .borrow_mut()
            .insert(dir.to_path_buf(), found);
        found
    }

    /// The package in `dir`, loaded and declared on first use. Bodies are
    /// checked later only for packages marked `bodies`.
    pub fn load_dir(&mut self, dir: &Path) -> Option<PkgId> {
        if let Some(&p) = self.by_dir.get(dir) {
            return Some(p);
        }
        let tests = self.test_dirs.contains(dir);
        let mut files = self.read_package_files(dir, tests);
        // The package's name comes from its non-test files when it has some.
        let name = files
            .iter()
            .filter(|f| !f.path.to_string_lossy().ends_with("_test.go"))
            .chain(files.iter())
            .map(|f| f.ast.name.name(&f.src).to_string())
            .find(|n| n != "documentation")?;
        if tests {
            // An external test package (`package p_test`) is a package of
            // its own, importing this one.
            let xname = format!("{name}_test");
            let (xfiles, rest): (Vec<_>, Vec<_>) = files
                .into_iter()
                .partition(|f| f.ast.name.name(&f.src) == xname && name != xname);
            files = rest;
            if !xfiles.is_empty() {
                self.pending_xtests.push((dir.to_path_buf(), xname, xfiles));
            }
        }
        let path = self.import_path_of(dir);
        self.new_package(dir, path, name, files)
    }

    /// The external test packages of the loaded test folders.
    pub fn load_xtests(&mut self) -> Vec<PkgId> {
        let mut out = Vec::new();
        for (dir, name, files) in std::mem::take(&mut self.pending_xtests) {
            let path = format!("{}_test", self.import_path_of(&dir));
            if let Some(p) = self.new_package(&dir.join("_xtest"), path, name, files) {
                out.push(p);
            }
        }
        out
    }

    fn new_package(
        &mut self,
        dir: &Path,
        path: String,
        name: String,
        files: Vec<SourceFile>,
    ) -> Option<PkgId> {
        let scope = self.m.new_scope(Some(self.m.universe));
        self.m.packages.push(Package {
            path,
            name: name.clone(),
            dir: dir.to_path_buf(),
            scope,
            files: vec![],
            bodies: false,
            loaded: false,
        });
        let pkg = PkgId(self.m.packages.len() as u32 - 1);
        self.by_dir.insert(dir.to_path_buf(), pkg);
        for f in files {
            if f.ast.name.name(&f.src) != name {
                continue;
            }
            let id = FileId(self.m.files.len() as u32);
            self.m.files.push(Arc::new(f));
            self.m.records.push(Records::default());
            let fscope = self.m.new_scope(Some(scope));
            self.m.file_scopes.push(fscope);
            self.m.file_pkgs.push(pkg);
            self.m.packages[pkg.0 as usize].files.push(id);
        }
        let file_ids = self.m.packages[pkg.0 as usize].files.clone();
        for &f in &file_ids {
            self.declare_file(pkg, f);
        }
        self.attach_methods(scope);
        self.m.packages[pkg.0 as usize].loaded = true;
        Some(pkg)
    }

    /// The import path of a package folder: relative to GOROOT/src, to a
    /// vendor folder, to the module cache (without `@version`), or to the
    /// root of a module being checked.
    fn import_path_of(&self, dir: &Path) -> String {
        let src = self.goroot.join("src");
        if let Ok(rel) = dir.strip_prefix(&src) {
            return slash(rel);
        }
        let full = slash(dir);
        if let Some(i) = full.rfind("/vendor/") {
            return full[i + "/vendor/".len()..].to_string();
        }
        if let Some(cache) = &self.modcache {
            if let Ok(rel) = dir.strip_prefix(cache) {
                let rel = slash(rel);
                return match rel.find('@') {
                    Some(at) => {
                        let after = &rel[at..];
                        let rest = after.find('/').map_or("", |i| &after[i..]);
                        format!("{}{}", &rel[..at], rest)
                    }
                    None => rel,
                };
            }
        }
        let module = self
            .modules
            .iter()
            .filter(|m| dir.starts_with(&m.dir))
            .max_by_key(|m| m.dir.as_os_str().len());
        match module.and_then(|m| dir.strip_prefix(&m.dir).ok().map(|r| (m, r))) {
            Some((m, rel)) if rel.as_os_str().is_empty() => m.path.clone(),
            Some((m, rel)) => format!("{}/{}", m.path, slash(rel)),
            None => full,
        }
    }

    /// Parses the files of the packages in `dirs` and of every package
    /// they import, transitively, on all cores: a breadth-first walk, one
    /// parallel batch per level, since a folder's imports are known only
    /// once its files are parsed. [`Checker::load_dir`] then takes them
    /// ready. Checking itself stays sequential.
    pub fn prefetch(&mut self, dirs: &[PathBuf]) {
        let Ok(pool) = rayon::ThreadPoolBuilder::new()
            .stack_size(letgo_go::PARSE_STACK_SIZE)
            .build()
        else {
            return;
        };
        let mut seen: rustc_hash::FxHashSet<PathBuf> = dirs.iter().cloned().collect();
        let mut level: Vec<PathBuf> = seen.iter().cloned().collect();
        while !level.is_empty() {
            let reader = self.reader();
            let test_dirs = &self.test_dirs;
            let batch: Vec<(PathBuf, Vec<SourceFile>)> = pool.install(|| {
                level
                    .par_iter()
                    .map(|d| (d.clone(), reader.read_on_pool(d, test_dirs.contains(d))))
                    .collect()
            });
            let mut next = Vec::new();
            for (dir, files) in batch {
                for f in &files {
                    for imp in f.ast.imports() {
                        let path = imp.path_value(&f.src);
                        if path == "C" || path == "unsafe" {
                            continue;
                        }
                        if let Some(dep) = self.resolve_import_cached(path, &dir) {
                            if seen.insert(dep.clone()) {
                                next.push(dep);
                            }
                        }
                    }
                }
                self.parsed.insert(dir, files);
            }
            level = next;
        }
    }

    fn reader(&self) -> PackageReader<'_> {
        PackageReader {
            overlay: &self.overlay,
            build: &self.build,
            src_root: self.goroot.join("src"),
            modules: &self.modules,
        }
    }

    /// The package's Go files that the build context selects (its
    /// `_test.go` files too with `tests`), parsed, in name order.
    fn read_package_files(&mut self, dir: &Path, tests: bool) -> Vec<SourceFile> {
        match self.parsed.remove(dir) {
            Some(files) => files,
            None => self.reader().read(dir, tests),
        }
    }

    fn declare_file(&mut self, pkg: PkgId, fid: FileId) {
        let file = self.m.files[fid.0 as usize].clone();
        let pscope = self.m.packages[pkg.0 as usize].scope;
        let fscope = self.m.file_scopes[fid.0 as usize];
        let src = &file.src;
        for (di, decl) in file.ast.decls.iter().enumerate() {
            match decl {
                Decl::Gen(g) => {
                    for (si, spec) in g.specs.iter().enumerate() {
                        let (di, si) = (di as u32, si as u32);
                        match spec {
                            Spec::Import(imp) => self.declare_import(fid, fscope, imp),
                            Spec::Value(v) => {
                                let kind = if g.tok == Token::Const {
                                    ObjKind::Const
                                } else {
                                    ObjKind::Var
                                };
                                for (ni, name) in v.names.iter().enumerate() {
                                    let decl = DeclRef::Value {
                                        file: fid,
                                        decl: di,
                                        spec: si,
                                        name: ni as u32,
                                    };
                                    let o = self.lazy_obj(
                                        kind,
                                        name.name(src),
                                        pkg,
                                        fid,
                                        name.pos,
                                        decl,
                                    );
                                    self.m.insert(pscope, name.name(src), o);
                                }
                            }
                            Spec::Type(t) => {
                                let decl = DeclRef::Type {
                                    file: fid,
                                    decl: di,
                                    spec: si,
                                };
                                let o = self.lazy_obj(
                                    ObjKind::TypeName,
                                    t.name.name(src),
                                    pkg,
                                    fid,
                                    t.name.pos,
                                    decl,
                                );
                                self.m.obj_mut(o).alias = t.assign.is_some();
                                self.m.insert(pscope, t.name.name(src), o);
                            }
                        }
                    }
                }
                Decl::Func(f) => {
                    let decl = DeclRef::Func {
                        file: fid,
                        decl: di as u32,
                    };
                    let name = f.name.name(src);
                    match &f.recv {
                        None => {
                            let o = self.lazy_obj(ObjKind::Func, name, pkg, fid, f.name.pos, decl);
                            self.func_decls.insert((fid, di as u32), o);
                            // `init` functions cannot be referred to.
                            if name != "init" {
                                self.m.insert(pscope, name, o);
                            }
                        }
                        Some(recv) => {
                            let o =
                                self.lazy_obj(ObjKind::Method, name, pkg, fid, f.name.pos, decl);
                            self.func_decls.insert((fid, di as u32), o);
                            let base = recv.list.first().and_then(|r| receiver_base(&r.typ));
                            if let Some(base) = base {
                                self.pending.push((pscope, base.name(src).into(), o));
                            }
                        }
                    }
                }
                Decl::Bad(_) => {}
            }
        }
    }

    fn lazy_obj(
        &mut self,
        kind: ObjKind,
        name: &str,
        pkg: PkgId,
        fid: FileId,
        pos: u32,
        decl: DeclRef,
    ) -> crate::model::ObjId {
        self.m.new_obj(Object {
            kind,
            name: name.into(),
            pkg: Some(pkg),
            pos: Some((fid, pos)),
            typ: self.m.invalid,
            decl,
            state: State::Unresolved,
            val: Value::Unknown,
            imported: None,
            alias: false,
        })
    }

    fn declare_import(
        &mut self,
        fid: FileId,
        fscope: crate::model::ScopeId,
        imp: &letgo_go::ast::ImportSpec,
    ) {
        let file = self.m.files[fid.0 as usize].clone();
        let path = imp.path_value(&file.src).to_string();
        let local = imp.name.map(|n| n.name(&file.src).to_string());
        if local.as_deref() == Some("_") {
            return;
        }
        let imported = if path == "unsafe" {
            Some(self.m.unsafe_pkg)
        } else {
            let from = file.path.parent().unwrap_or(Path::new("."));
            self.resolve_import_cached(&path, from)
                .and_then(|d| self.load_dir(&d))
        };
        let Some(imported) = imported else {
            return;
        };
        let ipkg = &self.m.packages[imported.0 as usize];
        if local.as_deref() == Some(".") {
            let names: Vec<_> = self.m.scopes[ipkg.scope.0 as usize]
                .names
                .iter()
                .filter(|(n, _)| n.starts_with(|c: char| c.is_uppercase()))
                .map(|(n, o)| (n.clone(), *o))
                .collect();
            for (n, o) in names {
                self.m.insert(fscope, &n, o);
            }
            return;
        }
        let name = local.unwrap_or_else(|| ipkg.name.clone());
        let pos = imp.name.map_or(imp.path.pos, |n| n.pos);
        let o = self.m.simple_obj(
            ObjKind::PkgName,
            &name,
            Some(self.m.file_pkgs[fid.0 as usize]),
            Some((fid, pos)),
            self.m.invalid,
        );
        self.m.obj_mut(o).imported = Some(imported);
        self.m.insert(fscope, &name, o);
    }
}

impl Checker {
    /// Methods wait under their receiver's type name until every file of
    /// the package is declared; then they join that type name's list.
    fn attach_methods(&mut self, pscope: crate::model::ScopeId) {
        let (mine, rest) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(s, _, _)| *s == pscope);
        self.pending = rest;
        for (scope, base, method) in mine {
            let Some(&tn) = self.m.scopes[scope.0 as usize].names.get(&base) else {
                continue;
            };
            if self.m.obj(tn).alias {
                // `type token = Token` with methods on `token`: they belong
                // to Token, known once the alias is resolved.
                let pkg = self.m.obj(tn).pkg.unwrap_or(crate::model::PkgId(0));
                self.alias_methods
                    .entry(pkg)
                    .or_default()
                    .push((tn, method));
                continue;
            }
            self.methods_of.entry(tn).or_default().push(method);
        }
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The type name a method's receiver type names: `T`, `*T`, `T[K]`.
fn receiver_base(e: &Expr) -> Option<letgo_go::ast::Ident> {
    match e {
        Expr::Ident(id) => Some(*id),
        Expr::Star(s) => receiver_base(&s.x),
        Expr::Paren(p) => receiver_base(&p.x),
        Expr::Index(i) => receiver_base(&i.x),
        Expr::IndexList(i) => receiver_base(&i.x),
        _ => None,
    }
}

fn is_go_source(p: &Path) -> bool {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with(".go") && !name.ends_with("_test.go") && !name.starts_with(['.', '_'])
}

fn is_test_source(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_test.go") && !n.starts_with(['.', '_']))
}

fn has_go_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .is_ok_and(|rd| rd.filter_map(|e| e.ok()).any(|e| is_go_source(&e.path())))
}

/// What reading a package folder needs, apart from the checker, so that
/// folders can be read on several threads.
struct PackageReader<'a> {
    overlay: &'a rustc_hash::FxHashMap<PathBuf, String>,
    build: &'a letgo_go::build_constraint::BuildContext,
    src_root: PathBuf,
    modules: &'a [crate::modules::ModuleRoot],
}

impl PackageReader<'_> {
    fn read(&self, dir: &Path, tests: bool) -> Vec<SourceFile> {
        self.paths(dir, tests)
            .into_iter()
            .filter_map(|path| self.read_file(path))
            .collect()
    }

    /// [`PackageReader::read`] with the folder's files parsed on the
    /// caller's pool (whose threads have room for deep trees): a folder
    /// of large files no longer keeps one core busy while the other
    /// waits at the end of a batch. The files come in the same order.
    fn read_on_pool(&self, dir: &Path, tests: bool) -> Vec<SourceFile> {
        self.paths(dir, tests)
            .into_par_iter()
            .filter_map(|path| self.read_file(path))
            .collect()
    }

    /// The package's Go files in `dir` (with its tests' when `tests`), in
    /// name order.
    fn paths(&self, dir: &Path, tests: bool) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return vec![];
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| (is_go_source(p) || tests && is_test_source(p)) && p.is_file())
            .collect();
        paths.sort();
        paths
    }

    fn read_file(&self, path: PathBuf) -> Option<SourceFile> {
        let src = match self.overlay.get(&path) {
            Some(text) => text.clone(),
            None => std::fs::read_to_string(&path).ok()?,
        };
        let fc = FileConstraint::parse(&path, src.as_bytes()).ok()?;
        if !fc.matches(self.build) {
            return None;
        }
        let parsed = letgo_go::parse_file(&src);
        let imports_c = parsed.file.imports().any(|i| i.path_value(&src) == "C");
        if imports_c && !self.build.cgo {
            return None;
        }
        // Relative to GOROOT/src, or to the root of the module being
        // checked (its vendor folder included).
        let rel = path.strip_prefix(&self.src_root).ok().or_else(|| {
            self.modules
                .iter()
                .find_map(|m| path.strip_prefix(&m.dir).ok())
        });
        let display = slash(rel.unwrap_or(&path));
        Some(SourceFile {
            path,
            display,
            src,
            ast: Arc::new(parsed.file),
            errors: parsed.errors,
        })
    }
}

//! The model as rules read it: built once over the packages being checked
//! (their imports read from source), then queried by file path and byte
//! offset, read-only and from any thread.

use crate::check::Checker;
use crate::model::{FileId, Mode, Model, ObjId, ObjKind, Records};
use crate::modules::{find_goroot, find_modcache, ModuleRoot};
use crate::nodes::node_code;
use crate::types::{Type, TypeId};
use letgo_go::ast::{Expr, Ident};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

pub struct Semantic {
    pub model: Model,
    files: FxHashMap<PathBuf, FileId>,
    /// Objects by where they are declared: per file, by offset (one
    /// small sorted list per file, not one map over every object: rules
    /// ask file by file, and the list stays in cache).
    defs: Vec<Vec<(u32, ObjId)>>,
    /// Each file's `defs` indexed by stretch (see
    /// [`crate::model::stretch_starts`]).
    def_starts: Vec<Vec<u32>>,
    /// The calls of the checked packages, walked once for every analysis
    /// that makes a call graph of them (see [`Semantic::calls`]), until
    /// [`Semantic::release_calls`].
    calls: std::sync::Mutex<Option<std::sync::Arc<crate::callgraph::Calls>>>,
    calls_released: std::sync::atomic::AtomicBool,
    /// Set by [`Semantic::last_use_of_calls`]: the next [`Semantic::calls`]
    /// hands the walk out and keeps none.
    calls_last: std::sync::atomic::AtomicBool,
    /// The function values each file assigns, found on first need and
    /// kept for the run: the shared call walk and the channel summaries'
    /// resolver read the same ones (see [`Semantic::func_values_of`]).
    func_values: Vec<std::sync::OnceLock<crate::callgraph::FuncValues>>,
}

/// Checks `pkgs` in order, finishing each package's records (uses
/// sorted and indexed, expression records frozen into sorted vectors and
/// indexed) as soon as it is done, on another thread beside the checker:
/// the checker runs on one thread, and this work would otherwise follow
/// it on the same one (a tenth of its time). Sorted vectors also take
/// about half the memory of the checker's hash maps, and the next
/// packages' maps reuse what the done ones held (the run's peak would
/// otherwise hold every package's maps at once). Records a file gets
/// after it was handed over are added to it afterwards
/// ([`Records::absorb`]), as if it had waited.
fn check_freezing(c: &mut Checker, pkgs: &[crate::model::PkgId]) {
    let (tx, rx) = std::sync::mpsc::channel::<(FileId, Records)>();
    let finished = std::thread::scope(|sc| {
        let finisher = std::thread::Builder::new()
            .spawn_scoped(sc, move || {
                rx.into_iter()
                    .map(|(f, mut records)| {
                        records.finish();
                        (f, records)
                    })
                    .collect::<Vec<_>>()
            })
            .ok();
        for &p in pkgs {
            c.m.packages[p.0 as usize].bodies = true;
            c.check_package(p);
            // Without a thread, the records stay where they are and are
            // finished by `from_checker`.
            if finisher.is_some() {
                for &f in &c.m.packages[p.0 as usize].files {
                    let records = std::mem::take(&mut c.m.records[f.0 as usize]);
                    let _ = tx.send((f, records));
                }
            }
        }
        drop(tx);
        finisher.and_then(|h| h.join().ok()).unwrap_or_default()
    });
    for (f, mut records) in finished {
        let late = std::mem::take(&mut c.m.records[f.0 as usize]);
        records.absorb(late);
        c.m.records[f.0 as usize] = records;
    }
}

impl Semantic {
    /// Checks the packages in `dirs` (and what they import) with the
    /// modules in `module_dirs` as import roots. Without a GOROOT the
    /// standard library is unknown: its names stay unresolved, which rules
    /// read as "out of view".
    pub fn build(dirs: &[PathBuf], module_dirs: &[PathBuf]) -> Semantic {
        Semantic::build_over(dirs, module_dirs, Vec::new())
    }

    /// [`Semantic::build`] with some files' texts given in place of what
    /// is on disk (`letgo check --fix` re-checks sources it edited in
    /// memory: the model must see the same text as the rules).
    pub fn build_over(
        dirs: &[PathBuf],
        module_dirs: &[PathBuf],
        overlay: Vec<(PathBuf, String)>,
    ) -> Semantic {
        // Without a GOROOT the standard library is simply not found.
        let goroot = find_goroot().unwrap_or_else(|| PathBuf::from("/nonexistent/goroot"));
        let mut c = Checker::new(goroot);
        c.overlay = overlay.into_iter().collect();
        c.modules = module_dirs
            .iter()
            .filter_map(|d| ModuleRoot::read(d))
            .collect();
        // GOPATH-era folders (no module above them): their project's own
        // imports and its vendor folder, as `go build` in GOPATH found them.
        let outside: Vec<PathBuf> = dirs
            .iter()
            .filter(|d| !c.modules.iter().any(|m| d.starts_with(&m.dir)))
            .cloned()
            .collect();
        if !outside.is_empty() {
            c.modules.extend(crate::modules::gopath_roots(&outside));
        }
        c.modcache = find_modcache();
        c.test_dirs = dirs.iter().cloned().collect();
        c.prefetch(dirs);
        // Room for the model's objects and scopes at once, from the size
        // of the sources read: grown by doubling, the vectors were copied
        // again and again (a twentieth of the checker's time on
        // GOROOT/src, which has one object per 128 bytes and a scope
        // per 160). Pages not yet written take no memory.
        let bytes: usize = c.parsed.values().flatten().map(|f| f.src.len()).sum();
        c.m.objects.reserve(bytes / 100);
        c.m.scopes.reserve(bytes / 128);
        let mut pkgs = Vec::new();
        for d in dirs {
            if let Some(p) = c.load_dir(d) {
                if !pkgs.contains(&p) {
                    pkgs.push(p);
                }
            }
        }
        pkgs.extend(c.load_xtests());
        check_freezing(&mut c, &pkgs);
        Semantic::from_checker(c)
    }

    pub fn from_checker(c: Checker) -> Semantic {
        let model = c.m;
        let files = model
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), FileId(i as u32)))
            .collect();
        let mut defs: Vec<Vec<(u32, ObjId)>> = vec![Vec::new(); model.files.len()];
        for (i, o) in model.objects.iter().enumerate() {
            if let Some((f, off)) = o.pos {
                if let Some(d) = defs.get_mut(f.0 as usize) {
                    d.push((off, ObjId(i as u32)));
                }
            }
        }
        // The first object declared at a place is the one it names (the
        // stable sort keeps objects at one offset in creation order).
        for d in &mut defs {
            d.sort_by_key(|&(off, _)| off);
            d.dedup_by_key(|&mut (off, _)| off);
        }
        // Offsets are unique once deduplicated: the index finds what a
        // search of the whole list finds.
        let def_starts = defs
            .iter()
            .map(|d| crate::model::stretch_starts(d, |d| d.0))
            .collect();
        let mut model = model;
        let n_files = model.files.len();
        for r in &mut model.records {
            r.finish();
        }
        Semantic {
            model,
            files,
            defs,
            def_starts,
            calls: std::sync::Mutex::new(None),
            calls_released: std::sync::atomic::AtomicBool::new(false),
            calls_last: std::sync::atomic::AtomicBool::new(false),
            func_values: (0..n_files).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    /// The view of one file, if the model checked it.
    pub fn file(&self, path: &Path) -> Option<FileView<'_>> {
        let id = *self.files.get(path)?;
        Some(FileView { s: self, file: id })
    }
}

/// Queries about one file, by byte offsets into its source.
#[derive(Clone, Copy)]
pub struct FileView<'a> {
    s: &'a Semantic,
    file: FileId,
}

impl<'a> FileView<'a> {
    pub fn model(&self) -> &'a Model {
        &self.s.model
    }

    /// The type of an expression, `None` when unknown.
    pub fn type_of(&self, e: &Expr) -> Option<TypeId> {
        let rec = &self.s.model.records[self.file.0 as usize];
        let (mode, t) = rec.type_at((e.pos(), e.end(), node_code(e)))?;
        (mode != Mode::Invalid && t != self.s.model.invalid).then_some(t)
    }

    /// The object an identifier denotes, used or declared there.
    pub fn object_of(&self, id: &Ident) -> Option<ObjId> {
        if let Some(o) = self.s.model.records[self.file.0 as usize].use_at(id.pos) {
            return Some(o);
        }
        let f = self.file.0 as usize;
        let defs = self.s.defs.get(f)?;
        let starts = self.s.def_starts.get(f).map_or(&[][..], Vec::as_slice);
        crate::model::find_at(defs, starts, id.pos)
    }

    /// The object an expression names: an identifier's, or a selector's
    /// field or method (`a.b.c` gives `c`'s).
    pub fn object_of_expr(&self, e: &Expr) -> Option<ObjId> {
        match e.unparen() {
            Expr::Ident(id) => self.object_of(id),
            Expr::Selector(s) => self.object_of(&s.sel),
            _ => None,
        }
    }
}

impl Model {
    /// A stable identity for an object across instantiations of generic
    /// types (their fields and methods are copies at the same place).
    pub fn identity(&self, o: ObjId) -> (u32, u32, u32) {
        let obj = self.obj(o);
        match obj.pos {
            Some((f, off)) => (f.0, off, 0),
            None => (u32::MAX, o.0, 0),
        }
    }

    /// `t` without pointers and aliases: `*T`, `**T`, `A` (= `T`) give `T`.
    pub fn deref(&self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..8 {
            match self.ty(t) {
                Type::Pointer(e) => t = *e,
                Type::Alias { rhs, .. } => t = *rhs,
                _ => return t,
            }
        }
        t
    }

    /// The package path and name of a named type (`net/http`, `Response`).
    pub fn named(&self, t: TypeId) -> Option<(&str, &str)> {
        let t = self.unalias_ro(t);
        let Type::Named(n) = self.ty(t) else {
            return None;
        };
        let o = self.obj(n.obj);
        let pkg = o
            .pkg
            .map_or("", |p| self.packages[p.0 as usize].path.as_str());
        Some((pkg, &o.name))
    }

    /// Whether `t` is the named type `pkg.name`.
    pub fn is_named(&self, t: TypeId, pkg: &str, name: &str) -> bool {
        self.named(t) == Some((pkg, name))
    }

    /// Whether `t` is `*pkg.name`.
    pub fn is_pointer_to(&self, t: TypeId, pkg: &str, name: &str) -> bool {
        match self.ty(self.unalias_ro(t)) {
            Type::Pointer(e) => self.is_named(*e, pkg, name),
            _ => false,
        }
    }

    pub(crate) fn unalias_ro(&self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..50 {
            match self.ty(t) {
                Type::Alias { rhs, .. } => t = *rhs,
                _ => return t,
            }
        }
        t
    }

    pub fn under_ro(&self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..50 {
            match self.ty(t) {
                Type::Alias { rhs, .. } => t = *rhs,
                Type::Named(n) => match n.underlying {
                    Some(u) => return u,
                    None => match n.origin {
                        Some(o) => t = o,
                        None => return self.invalid,
                    },
                },
                _ => return t,
            }
        }
        t
    }

    /// The types of the values of `t`: a tuple's elements, else `t`.
    pub fn results(&self, t: TypeId) -> Vec<TypeId> {
        match self.ty(t) {
            Type::Tuple(vars) => vars.iter().map(|&v| self.obj(v).typ).collect(),
            _ => vec![t],
        }
    }

    /// The method `name` of `t` or `*t` (declared, promoted through
    /// embedded fields, or of an interface), found without resolving
    /// anything new.
    pub fn method(&self, t: TypeId, name: &str) -> Option<ObjId> {
        self.member(t, name)
            .filter(|&o| self.obj(o).kind == ObjKind::Method)
    }

    /// The field or method `name` of `t`, breadth-first through embedding.
    pub fn member(&self, t: TypeId, name: &str) -> Option<ObjId> {
        let mut level = vec![self.deref(t)];
        let mut seen = Vec::new();
        for _ in 0..8 {
            let mut next = Vec::new();
            for t in level {
                let t = self.unalias_ro(t);
                if let Type::Named(n) = self.ty(t) {
                    let origin = n.origin.unwrap_or(t);
                    if seen.contains(&origin) {
                        continue;
                    }
                    seen.push(origin);
                    let methods = match self.ty(origin) {
                        Type::Named(o) => &o.methods,
                        _ => &n.methods,
                    };
                    if let Some(&m) = methods.iter().find(|&&m| &*self.obj(m).name == name) {
                        return Some(m);
                    }
                }
                match self.ty(self.under_ro(t)) {
                    Type::Struct(fields) => {
                        if let Some(f) = fields.iter().find(|f| &*self.obj(f.obj).name == name) {
                            return Some(f.obj);
                        }
                        next.extend(
                            fields
                                .iter()
                                .filter(|f| f.embedded)
                                .map(|f| self.deref(self.obj(f.obj).typ)),
                        );
                    }
                    Type::Interface(_) => {
                        if let Some(m) = self.interface_method(self.under_ro(t), name, 0) {
                            return Some(m);
                        }
                    }
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    fn interface_method(&self, t: TypeId, name: &str, depth: u32) -> Option<ObjId> {
        if depth > 10 {
            return None;
        }
        let Type::Interface(it) = self.ty(self.under_ro(t)) else {
            return None;
        };
        if let Some(&m) = it.methods.iter().find(|&&m| &*self.obj(m).name == name) {
            return Some(m);
        }
        it.embeddeds
            .iter()
            .find_map(|&e| self.interface_method(e, name, depth + 1))
    }

    /// The package path of an object (`""` for the universe).
    pub fn pkg_path(&self, o: ObjId) -> &str {
        self.obj(o)
            .pkg
            .map_or("", |p| self.packages[p.0 as usize].path.as_str())
    }

    /// The named type a method is declared on (its receiver's base type).
    pub fn receiver_named(&self, method: ObjId) -> Option<TypeId> {
        let Type::Signature(s) = self.ty(self.obj(method).typ) else {
            return None;
        };
        let r = self.obj(s.recv?).typ;
        let base = self.deref(r);
        let base = match self.ty(base) {
            Type::Named(n) => n.origin.unwrap_or(base),
            _ => base,
        };
        Some(base)
    }

    /// Where an object is declared: the file's path and the byte offset.
    pub fn decl_path(&self, o: ObjId) -> Option<(&Path, u32)> {
        let (f, off) = self.obj(o).pos?;
        Some((&self.files[f.0 as usize].path, off))
    }
}

impl Model {
    /// Whether function `f` closes its `i`th parameter: its body (read
    /// from source, in any package) calls `p.Close()`, directly or
    /// deferred, or reads `p` to its end before anything can return
    /// ([`Model::reads_param_first`]). `None` when the body is not at hand.
    pub fn param_is_closed(&self, f: ObjId, i: usize) -> Option<bool> {
        self.param_closed_within(f, i, 3)
    }

    /// [`Model::param_is_closed`], following up to `depth` calls that
    /// hand the parameter on to a function of the same package (a
    /// `DrainAndClose(r)` that calls `CloseLogged(r)` to close it). Read
    /// from the syntax: bodies of packages outside the checked set are
    /// not resolved, so names are their spellings inside the function
    /// and a callee is the package's function declared with that name.
    fn param_closed_within(&self, f: ObjId, i: usize, depth: u32) -> Option<bool> {
        let obj = self.obj(f);
        let crate::model::DeclRef::Func { file, decl } = obj.decl else {
            return None;
        };
        let sf = &self.files[file.0 as usize];
        let letgo_go::ast::Decl::Func(fd) = sf.ast.decls.get(decl as usize)? else {
            return None;
        };
        Some(self.decl_closes_param(file, fd, i, depth))
    }

    fn decl_closes_param(
        &self,
        file: FileId,
        fd: &letgo_go::ast::FuncDecl,
        i: usize,
        depth: u32,
    ) -> bool {
        let sf = &self.files[file.0 as usize];
        let Some(body) = fd.body.as_ref() else {
            return false;
        };
        let Some(param) = nth_param_name(&fd.typ.params, i).map(|id| id.name(&sf.src)) else {
            return false;
        };
        if param == "_" {
            return false;
        }
        let is_param =
            |x: &Expr| matches!(x.unparen(), Expr::Ident(id) if id.name(&sf.src) == param);
        if self.reads_param_first(file, body, &is_param) {
            return true;
        }
        let mut closes = false;
        letgo_go::visit::inspect(letgo_go::visit::Node::Block(body), &mut |n| {
            if let letgo_go::visit::Node::Call(c) = n {
                closes |= match c.fun.unparen() {
                    Expr::Selector(s) => s.sel.name(&sf.src) == "Close" && is_param(&s.x),
                    Expr::Ident(g) if depth > 0 => {
                        c.args.iter().position(is_param).is_some_and(|j| {
                            self.package_decl(file, g.name(&sf.src))
                                .is_some_and(|(h, hd)| {
                                    !std::ptr::eq(hd, fd)
                                        && self.decl_closes_param(h, hd, j, depth - 1)
                                })
                        })
                    }
                    _ => false,
                };
            }
            !closes
        });
        closes
    }

    /// The function (not method) named `name` declared in the package of
    /// file `file`, with its file.
    fn package_decl(&self, file: FileId, name: &str) -> Option<(FileId, &letgo_go::ast::FuncDecl)> {
        let pkg = self.file_pkgs[file.0 as usize];
        self.packages[pkg.0 as usize]
            .files
            .iter()
            .copied()
            .find_map(|f| {
                let sf = &self.files[f.0 as usize];
                sf.ast.decls.iter().find_map(|d| match d {
                    letgo_go::ast::Decl::Func(fd)
                        if fd.recv.is_none() && fd.name.name(&sf.src) == name =>
                    {
                        Some((f, &**fd))
                    }
                    _ => None,
                })
            })
    }
}

/// The identifier of the `i`-th parameter, counting each name (none for
/// an unnamed one).
fn nth_param_name(params: &letgo_go::ast::FieldList, i: usize) -> Option<&letgo_go::ast::Ident> {
    let mut k = 0;
    for field in &params.list {
        let n = field.names.len().max(1);
        if i < k + n {
            return field.names.get(i - k);
        }
        k += n;
    }
    None
}

impl FileView<'_> {
    /// The model's id of this file (to compare with objects' positions).
    pub fn file_id(&self) -> FileId {
        self.file
    }
}

impl Model {
    /// Whether `o` is declared in its package's scope (a package-level
    /// variable, constant, type or function), not in a function.
    pub fn is_package_level(&self, o: ObjId) -> bool {
        let obj = self.obj(o);
        let Some(p) = obj.pkg else {
            return false;
        };
        let scope = self.packages[p.0 as usize].scope;
        self.scopes[scope.0 as usize].names.get(&obj.name) == Some(&o)
    }

    /// The embedded fields crossed to reach member `name` of `t`, in
    /// order (empty when `t` declares it itself); the same search as
    /// [`Model::member`]. `s.Lock()` on a struct embedding `sync.Mutex`
    /// gives `[Mutex]`.
    pub fn embedding_path(&self, t: TypeId, name: &str) -> Option<Vec<ObjId>> {
        let mut level = vec![(self.deref(t), Vec::new())];
        let mut seen = Vec::new();
        for _ in 0..8 {
            let mut next = Vec::new();
            for (t, path) in level {
                let t = self.unalias_ro(t);
                if let Type::Named(n) = self.ty(t) {
                    let origin = n.origin.unwrap_or(t);
                    if seen.contains(&origin) {
                        continue;
                    }
                    seen.push(origin);
                    let methods = match self.ty(origin) {
                        Type::Named(o) => &o.methods,
                        _ => &n.methods,
                    };
                    if methods.iter().any(|&m| &*self.obj(m).name == name) {
                        return Some(path);
                    }
                }
                match self.ty(self.under_ro(t)) {
                    Type::Struct(fields) => {
                        if fields.iter().any(|f| &*self.obj(f.obj).name == name) {
                            return Some(path);
                        }
                        for f in fields.iter().filter(|f| f.embedded) {
                            let mut p = path.clone();
                            p.push(f.obj);
                            next.push((self.deref(self.obj(f.obj).typ), p));
                        }
                    }
                    Type::Interface(_)
                        if self.interface_method(self.under_ro(t), name, 0).is_some() =>
                    {
                        return Some(path);
                    }
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    /// The object the checker recorded for the identifier at `pos` in
    /// `file`: only bodies of checked packages are recorded.
    pub fn use_at(&self, file: FileId, pos: u32) -> Option<ObjId> {
        self.records.get(file.0 as usize)?.use_at(pos)
    }

    /// Whether object `o` is the function or method `pkg.name` (a method
    /// is matched by its package and name: `time`'s `Stop`).
    pub fn is_func(&self, o: ObjId, pkg: &str, name: &str) -> bool {
        let obj = self.obj(o);
        matches!(obj.kind, ObjKind::Func | ObjKind::Method)
            && &*obj.name == name
            && self.pkg_path(o) == pkg
    }

    /// Whether a statement of `body`'s own list, before the first that
    /// holds a `return`, reads the parameter to its end
    /// ([`Model::reads_to_end`]): a response body read to EOF gives its
    /// connection back to the pool, and one whose read fails is dropped,
    /// as closing it does. Resolved only in checked packages.
    fn reads_param_first(
        &self,
        file: FileId,
        body: &letgo_go::ast::BlockStmt,
        is_param: &dyn Fn(&Expr) -> bool,
    ) -> bool {
        for stmt in &body.list {
            let (mut read, mut returns) = (false, false);
            letgo_go::visit::inspect(letgo_go::visit::Node::Stmt(stmt), &mut |n| {
                match n {
                    letgo_go::visit::Node::Call(c) => read |= self.reads_to_end(file, c, is_param),
                    letgo_go::visit::Node::Stmt(letgo_go::ast::Stmt::Return(_)) => returns = true,
                    _ => {}
                }
                true
            });
            if returns {
                return false;
            }
            if read {
                return true;
            }
        }
        false
    }

    /// Whether call `c` (in `file`) reads the reader `is_reader` picks
    /// out until it ends, by the standard library's own loop:
    /// `io.ReadAll(r)` (or `ioutil`'s), `io.Copy(io.Discard, r)` (or
    /// `CopyBuffer`), a `bytes.Buffer`'s `ReadFrom(r)`. A copy to a writer
    /// that can fail (a connection, a file) stops at the write error with
    /// the reader unread: not this. Resolved only in checked packages.
    pub fn reads_to_end(
        &self,
        file: FileId,
        c: &letgo_go::ast::CallExpr,
        is_reader: &dyn Fn(&Expr) -> bool,
    ) -> bool {
        let used = |e: &Expr| match e.unparen() {
            Expr::Ident(id) => self.use_at(file, id.pos),
            Expr::Selector(s) => self.use_at(file, s.sel.pos),
            _ => None,
        };
        let Some(f) = used(&c.fun) else {
            return false;
        };
        let arg = |i: usize| c.args.get(i).is_some_and(is_reader);
        let discard = c.args.first().and_then(used).is_some_and(|o| {
            &*self.obj(o).name == "Discard" && matches!(self.pkg_path(o), "io" | "io/ioutil")
        });
        ((self.is_func(f, "io", "ReadAll") || self.is_func(f, "io/ioutil", "ReadAll")) && arg(0))
            || ((self.is_func(f, "io", "Copy") || self.is_func(f, "io", "CopyBuffer"))
                && arg(1)
                && discard)
            || (self.is_func(f, "bytes", "ReadFrom") && arg(0))
    }

    /// Whether the body of function `f` (read from source; resolved only
    /// in checked packages) calls the function `pkg.name` directly.
    /// `None` when the body or its resolution is not at hand.
    pub fn body_calls(&self, f: ObjId, pkg: &str, name: &str) -> Option<bool> {
        let crate::model::DeclRef::Func { file, decl } = self.obj(f).decl else {
            return None;
        };
        let sf = &self.files[file.0 as usize];
        let letgo_go::ast::Decl::Func(fd) = sf.ast.decls.get(decl as usize)? else {
            return None;
        };
        let body = fd.body.as_ref()?;
        let fpkg = self.obj(f).pkg?;
        if !self.packages[fpkg.0 as usize].bodies {
            return None;
        }
        let mut calls = false;
        letgo_go::visit::inspect(letgo_go::visit::Node::Block(body), &mut |n| {
            if let letgo_go::visit::Node::Call(c) = n {
                let id = match c.fun.unparen() {
                    Expr::Ident(id) => Some(id),
                    Expr::Selector(s) => Some(&s.sel),
                    _ => None,
                };
                calls |= id
                    .and_then(|id| self.use_at(file, id.pos))
                    .is_some_and(|o| self.is_func(o, pkg, name));
            }
            !calls
        });
        Some(calls)
    }

    /// The declaration of a function or method, with its file, when its
    /// source is at hand (in any package).
    pub fn func_decl(&self, f: ObjId) -> Option<(FileId, &letgo_go::ast::FuncDecl)> {
        let crate::model::DeclRef::Func { file, decl } = self.obj(f).decl else {
            return None;
        };
        match self.files[file.0 as usize].ast.decls.get(decl as usize)? {
            letgo_go::ast::Decl::Func(fd) => Some((file, fd)),
            _ => None,
        }
    }
}

impl Model {
    /// How many package-level constants of the named type `t` its package
    /// declares (`const (Idle State = iota; Busy)` gives 2 for `State`):
    /// the values of an enum-like type. 0 for other types.
    pub fn declared_constants(&self, t: TypeId) -> usize {
        let t = self.unalias_ro(t);
        let Type::Named(n) = self.ty(t) else {
            return 0;
        };
        let Some(pkg) = self.obj(n.obj).pkg else {
            return 0;
        };
        let scope = &self.scopes[self.packages[pkg.0 as usize].scope.0 as usize];
        scope
            .names
            .values()
            .filter(|&&o| {
                self.obj(o).kind == ObjKind::Const && self.unalias_ro(self.obj(o).typ) == t
            })
            .count()
    }
}

impl Semantic {
    /// The view of the model's file `id`, without a lookup by path (for
    /// callers that walk the model's own files).
    pub fn view(&self, id: FileId) -> FileView<'_> {
        FileView { s: self, file: id }
    }
}

impl<'a> FileView<'a> {
    /// The model's file this view is of.
    pub fn id(&self) -> FileId {
        self.file
    }

    /// The view of another file of the same model.
    pub fn other(&self, id: FileId) -> FileView<'a> {
        FileView {
            s: self.s,
            file: id,
        }
    }
}

impl Semantic {
    /// The files of the packages whose bodies the model checked, in
    /// package order.
    pub fn checked_files(&self) -> Vec<FileId> {
        self.model
            .packages
            .iter()
            .filter(|p| p.bodies)
            .flat_map(|p| p.files.iter().copied())
            .collect()
    }

    /// The calls of [`Semantic::checked_files`], walked on first use (on
    /// the caller's rayon pool) and shared: the lock summaries and heap
    /// growth make their call graphs from the same walk.
    pub fn calls(&self) -> std::sync::Arc<crate::callgraph::Calls> {
        // A poisoned lock only means a walk panicked: walk again.
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let walk = calls
            .get_or_insert_with(|| {
                std::sync::Arc::new(crate::callgraph::Calls::walk(self, &self.checked_files()))
            })
            .clone();
        if self
            .calls_last
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            *calls = None;
        }
        walk
    }

    /// The function values file `f` assigns (`None`: not a file of the
    /// model), found once: on whichever thread asks first, with no rayon
    /// work inside (a resolver asks while it fills a cell).
    pub(crate) fn func_values_of(&self, f: FileId) -> Option<&crate::callgraph::FuncValues> {
        let cell = self.func_values.get(f.0 as usize)?;
        Some(cell.get_or_init(|| crate::callgraph::FuncValues::of_file(self, f)))
    }

    /// Says the next [`Semantic::calls`] is the walk's last reader: it
    /// is freed as soon as that reader drops it (its call graph made),
    /// before the reader's own work grows the heap.
    pub fn last_use_of_calls(&self) {
        self.calls_last
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Frees the shared walk once every analysis that reads it is built
    /// (the run's peak memory is reached later, by the rules); a later
    /// [`Semantic::calls`] walks again.
    pub fn release_calls(&self) {
        use std::sync::atomic::Ordering;
        if self.calls_released.swap(true, Ordering::Relaxed) {
            return;
        }
        let walk = self.calls.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(walk);
    }
}

impl Semantic {
    /// The model's tree and syntax errors of the file at `path`, when the
    /// model parsed exactly the text `src` (the rules' loader takes them
    /// instead of parsing the file a second time).
    pub fn parsed(
        &self,
        path: &Path,
        src: &str,
    ) -> Option<(
        std::sync::Arc<letgo_go::ast::File>,
        Vec<letgo_go::SyntaxError>,
    )> {
        let f = &self.model.files[self.files.get(path)?.0 as usize];
        (f.src == src).then(|| (f.ast.clone(), f.errors.clone()))
    }
}

impl Model {
    /// Per package (by [`crate::model::PkgId`] index), whether it exists
    /// only for tests: the checked packages import it, and only from
    /// `_test.go` files or from packages that exist only for tests, and
    /// either nobody outside the module can import it (an `internal/`
    /// package) or test support imports it (a helper file in a test
    /// directory, a package that exists only for tests): a public package
    /// that only `_test.go` files import is the subject of those tests,
    /// the module's API (a client library); or
    /// its non-test files name `testing.T` or `testing.TB` (`*testing.T`,
    /// `testing.TB`: a harness, a fake, a suite), something imports it
    /// (its own external tests count here) and no library package outside
    /// tests does (commands may: a harness's image builder). A file in a
    /// directory that by Go convention holds only what tests use (`test`,
    /// `tests`, `e2e…`, `testutil(s)`, `testhelper(s)`, `testdata`, a name
    /// ending in `testing`, `mock(s)`, `fake(s)`, below the part of its
    /// import path it shares with the imported package) imports as a test
    /// does: a harness only integration tests under `test/` import is
    /// test support. Otherwise a
    /// package's own tests do not count as importers. What such a package keeps
    /// lives for one test run, whatever its directory is called.
    pub fn test_only_packages(&self) -> Vec<bool> {
        let n = self.packages.len();
        let by_path: FxHashMap<&str, usize> = self
            .packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.as_str(), i))
            .collect();
        let mut only = vec![false; n];
        let mut uses_testing = vec![false; n];
        // Imported by its own external tests (`package x_test`).
        let mut own_tests = vec![false; n];
        // Per package: (importing package, from a `_test.go` file or a
        // test directory?, from test support: a non-test file in a test
        // directory?).
        let mut importers: Vec<Vec<(usize, bool, bool)>> = vec![Vec::new(); n];
        for (fi, f) in self.files.iter().enumerate() {
            let p = self.file_pkgs[fi].0 as usize;
            let test = f.path.to_string_lossy().ends_with("_test.go");
            for path in file_imports(&f.ast, &f.src) {
                // A package's own tests (an external `_test` package in
                // its directory) say nothing of who uses it.
                match by_path.get(path) {
                    Some(&q) if f.path.parent() != self.package_dir(q) => {
                        let dir = in_test_directory(&self.packages[p].path, path);
                        importers[q].push((p, test || dir, dir && !test));
                    }
                    Some(&q) if q != p => own_tests[q] = true,
                    _ => {}
                }
            }
            if !test && self.uses_testing_types(&f.ast, &f.src) {
                uses_testing[p] = true;
            }
        }
        let importable = |q: usize| {
            let path = &self.packages[q].path;
            !path.split('/').any(|seg| seg == "internal")
        };
        loop {
            let mut changed = false;
            for q in 0..n {
                let imps = &importers[q];
                let for_tests = |&(p, t, _): &(usize, bool, bool)| t || only[p];
                // Test support (a helper file in a test directory, a
                // package that exists only for tests) imports it: it is
                // part of the tests' tooling, not the subject they test.
                let by_support = |&(p, _, d): &(usize, bool, bool)| d || only[p];
                // A package with test helpers in a file (`testing.go` of
                // a metrics package) that other libraries import is
                // production code; one only commands and tests import
                // is a harness.
                let harness = uses_testing[q]
                    && (own_tests[q] || !imps.is_empty())
                    && imps
                        .iter()
                        .all(|i| for_tests(i) || self.packages[i.0].name == "main");
                // A public package that only the module's `_test.go` files
                // import (a client library its users call) is the subject
                // of those tests, the module's API; one nobody outside the
                // module can import (under `internal/`), or one test
                // support imports, is the tests' own.
                let tests_only_import = !imps.is_empty()
                    && imps.iter().all(for_tests)
                    && (!importable(q) || imps.iter().any(by_support));
                if !only[q] && (harness || tests_only_import) {
                    only[q] = true;
                    changed = true;
                }
            }
            if !changed {
                return only;
            }
        }
    }

    /// The directory of package `p`'s first file.
    fn package_dir(&self, p: usize) -> Option<&Path> {
        let f = self.packages[p].files.first()?;
        self.files[f.0 as usize].path.parent()
    }

    /// Whether `file` names the types a test hands to its helpers,
    /// `testing.T` or `testing.TB` (a harness, a fake). Not
    /// `testing.Testing()`, which production code may call, nor
    /// `testing.B` with `testing.Benchmark`, which a command may run.
    /// The standard library's `testing` is often not loaded, so the
    /// import's name is followed, not the objects.
    fn uses_testing_types(&self, ast: &letgo_go::ast::File, src: &str) -> bool {
        use letgo_go::visit::{inspect, Node};
        let mut name = None;
        for d in &ast.decls {
            let letgo_go::ast::Decl::Gen(g) = d else {
                continue;
            };
            for spec in &g.specs {
                if let letgo_go::ast::Spec::Import(i) = spec {
                    if i.path_value(src) == "testing" {
                        name = Some(i.name.as_ref().map_or("testing", |n| n.name(src)));
                    }
                }
            }
        }
        let Some(name) = name.filter(|n| !matches!(*n, "_" | ".")) else {
            return false;
        };
        let mut found = false;
        inspect(Node::File(ast), &mut |n| {
            if let Node::Expr(Expr::Selector(s)) = n {
                found |= matches!(s.x.unparen(), Expr::Ident(x) if x.name(src) == name)
                    && matches!(s.sel.name(src), "T" | "TB");
            }
            !found
        });
        found
    }
}

/// The import paths of a file.
fn file_imports<'s>(ast: &'s letgo_go::ast::File, src: &'s str) -> Vec<&'s str> {
    let mut out = Vec::new();
    for d in &ast.decls {
        let letgo_go::ast::Decl::Gen(g) = d else {
            continue;
        };
        for spec in &g.specs {
            if let letgo_go::ast::Spec::Import(i) = spec {
                out.push(i.path_value(src));
            }
        }
    }
    out
}

/// Whether `importer`'s import path, below the part it shares with
/// `imported`'s (the module they both belong to, whatever it is named),
/// has a directory that by Go convention holds only what tests use.
fn in_test_directory(importer: &str, imported: &str) -> bool {
    let shared = importer
        .split('/')
        .zip(imported.split('/'))
        .take_while(|(a, b)| a == b)
        .count();
    importer.split('/').skip(shared).any(|d| {
        matches!(
            d,
            "test" | "tests" | "testdata" | "mock" | "mocks" | "fake" | "fakes"
        ) || d.starts_with("e2e")
            || d.starts_with("testhelper")
            || d.ends_with("testing")
            || d.ends_with("testutil")
            || d.ends_with("testutils")
    })
}

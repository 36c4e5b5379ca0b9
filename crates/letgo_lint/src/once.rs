//! Functions that run at most once per process, over the whole program.
//!
//! What such a function leaves behind (a response body, a goroutine, a
//! context) is left once, and lives at most until the process exits: it
//! cannot pile up. The judgement is made over the call graph of every
//! checked package, so a command's helpers in other packages of its
//! module count, not only those of `package main`.
//!
//! A function runs once when it is a root — `main.main`, an `init`, or a
//! command-line framework's action (below) — or when every way in is a
//! call (or `go`) outside any loop of a function that itself runs once,
//! and at least one way in is in view. A loop over a collection (a
//! slice, map, array, string or integer: [`finite_range`]) is not a loop
//! here: it runs its body once per element, a number the input bounds
//! and reached once, where a `for` statement or a range over a channel
//! or an iterator may go on for as long as the process runs. So "once"
//! reads "a bounded number of times": nothing a once function leaves
//! behind piles up. A function used as a value
//! anywhere else (handed to a call, stored, returned) may be run any
//! number of times by whoever holds it, and so does not run once, nor
//! does a function other modules can call (an exported function of a
//! package outside `internal/`, `cmd/`, `package main` and the
//! directories of `package main` packages, whose packages by the same
//! convention as `cmd/` are their command's own), nor one in a cycle of
//! calls.
//!
//! Known consumers of function values that run them once per handing-over
//! are ways in like a call at the place they are handed over:
//! `(*sync.Once).Do`, `(*sync.WaitGroup).Go`, `(*errgroup.Group).Go`,
//! `(*run.Group).Add` (oklog).
//! A command-line framework runs one command's action per process: the
//! action fields of `cobra.Command`, `cli.Command`/`cli.App` (urfave) and
//! `ffcli.Command` are roots, and so is the `Run` method of each concrete
//! command a hashicorp/cli (mitchellh/cli) command factory returns (a
//! `func() (cli.Command, error)`, literal or declared). All are known by
//! the package path of the type, whether or not the package's source is
//! in view.

use crate::context::PackageContext;
use crate::funcs::Func;
use letgo_go::ast::{
    BlockStmt, CallExpr, CompositeLit, Expr, FuncDecl, FuncLit, FuncType, RangeStmt, Stmt,
};
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::{CallGraph, FuncNode};
use letgo_types::model::{FileId, ObjId, ObjKind};
use letgo_types::types::Type;
use letgo_types::{FileView, Model, Semantic};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::growth::{key, Key};

/// Consumers of a function value that run it once per call: (package
/// path, receiver type, method).
const ONCE_CONSUMERS: &[(&str, &str, &str)] = &[
    ("sync", "Once", "Do"),
    ("sync", "WaitGroup", "Go"),
    ("golang.org/x/sync/errgroup", "Group", "Go"),
    ("github.com/oklog/run", "Group", "Add"),
];

/// Command-line frameworks' command types and the fields holding the
/// function that runs when that command is the one invoked.
const COMMAND_ACTIONS: &[(&str, &str, &[&str])] = &[
    (
        "github.com/spf13/cobra",
        "Command",
        &[
            "Run",
            "RunE",
            "PreRun",
            "PreRunE",
            "PersistentPreRun",
            "PersistentPreRunE",
            "PostRun",
            "PostRunE",
            "PersistentPostRun",
            "PersistentPostRunE",
        ],
    ),
    (
        "github.com/urfave/cli",
        "Command",
        &["Action", "Before", "After"],
    ),
    (
        "github.com/urfave/cli",
        "App",
        &["Action", "Before", "After"],
    ),
    (
        "github.com/urfave/cli/v2",
        "Command",
        &["Action", "Before", "After"],
    ),
    (
        "github.com/urfave/cli/v2",
        "App",
        &["Action", "Before", "After"],
    ),
    (
        "github.com/urfave/cli/v3",
        "Command",
        &["Action", "Before", "After"],
    ),
    ("github.com/peterbourgon/ff/v3/ffcli", "Command", &["Exec"]),
    ("github.com/peterbourgon/ff/v2/ffcli", "Command", &["Exec"]),
    ("github.com/peterbourgon/ff/v4", "Command", &["Exec"]),
];

/// Command-line frameworks whose commands are made by factories
/// (`cli.CommandFactory`, a `func() (cli.Command, error)`): the framework
/// makes the one command invoked and calls this method of it once, so the
/// method of each concrete command a factory returns is a root. (package
/// path, the interface a factory returns, the method.)
const COMMAND_FACTORIES: &[(&str, &str, &str)] = &[
    ("github.com/hashicorp/cli", "Command", "Run"),
    ("github.com/mitchellh/cli", "Command", "Run"),
];

/// One way into a function.
#[derive(Clone, Copy)]
enum Entry {
    /// A root: it runs once per process whoever wrote it where.
    Root,
    /// Called (or started, or handed to a once-consumer) by this function
    /// at this offset of its file.
    From(FuncNode, u32),
    /// Used as a value whose calls are not all in view.
    Value,
}

/// The functions of the program that run at most once per process.
#[derive(Debug, Default)]
pub struct OnceRuns {
    once: FxHashSet<Key>,
}

impl OnceRuns {
    /// Judges every function of `files` (the program's non-test files)
    /// over `graph`, the call graph of those files.
    pub fn build(s: &Semantic, graph: &CallGraph, files: &[FileId]) -> OnceRuns {
        let m = &s.model;
        let scans: Vec<Scan> = files
            .par_iter()
            .map(|&f| {
                let mut scan = Scan::default();
                scan.file(&s.view(f), f);
                scan
            })
            .collect();
        let mut all = Scan::default();
        for part in scans {
            all.entries.extend(part.entries);
            all.loops.extend(part.loops);
            all.roots.extend(part.roots);
        }
        let mut entries: FxHashMap<Key, Vec<Entry>> = FxHashMap::default();
        for (callee, e) in all.entries {
            entries.entry(key(m, callee)).or_default().push(e);
        }
        for (&caller, edges) in &graph.edges {
            for e in edges {
                let to = entries.entry(key(m, e.callee)).or_default();
                to.push(Entry::From(caller, e.site.1));
            }
        }
        let mut loops: FxHashMap<Key, Vec<(u32, u32)>> = FxHashMap::default();
        for (f, span) in all.loops {
            loops.entry(key(m, f)).or_default().push(span);
        }
        let roots: FxHashSet<Key> = all.roots.iter().map(|&o| m.identity(o)).collect();
        let mut judge = Judge {
            m,
            entries: &entries,
            loops: &loops,
            roots: &roots,
            commands: m
                .packages
                .iter()
                .filter(|p| p.name == "main")
                .map(|p| p.path.as_str())
                .collect(),
            memo: FxHashMap::default(),
            depth: 0,
        };
        let keys: Vec<Key> = entries
            .keys()
            .copied()
            .chain(roots.iter().copied())
            .collect();
        let once: FxHashSet<Key> = keys.into_iter().filter(|&k| judge.once(k)).collect();
        OnceRuns { once }
    }

    fn contains(&self, k: Key) -> bool {
        self.once.contains(&k)
    }
}

/// The memoised judgement over the entries found.
struct Judge<'j> {
    m: &'j Model,
    entries: &'j FxHashMap<Key, Vec<Entry>>,
    loops: &'j FxHashMap<Key, Vec<(u32, u32)>>,
    roots: &'j FxHashSet<Key>,
    /// The import paths of the program's `package main` directories.
    commands: Vec<&'j str>,
    /// `None` while a function is being judged: a cycle back to it is
    /// not once.
    memo: FxHashMap<Key, Option<bool>>,
    /// Callers followed up to here: a chain longer than [`MAX_DEPTH`] is
    /// not judged (not once), and the walk's stack stays small.
    depth: usize,
}

const MAX_DEPTH: usize = 200;

impl Judge<'_> {
    fn once(&mut self, k: Key) -> bool {
        if self.roots.contains(&k) {
            return true;
        }
        match self.memo.get(&k) {
            Some(Some(v)) => return *v,
            Some(None) => return false,
            None => {}
        }
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.memo.insert(k, None);
        self.depth += 1;
        let v = self.every_way_in_once(k);
        self.depth -= 1;
        self.memo.insert(k, Some(v));
        v
    }

    fn every_way_in_once(&mut self, k: Key) -> bool {
        let Some(es) = self.entries.get(&k) else {
            return false;
        };
        if es.is_empty() || self.callable_from_outside(k) {
            return false;
        }
        es.iter().all(|e| match *e {
            Entry::Root => true,
            Entry::Value => false,
            Entry::From(caller, at) => {
                let ck = key(self.m, caller);
                let in_loop = self
                    .loops
                    .get(&ck)
                    .is_some_and(|ls| ls.iter().any(|&(a, b)| a <= at && at < b));
                !in_loop && self.once(ck)
            }
        })
    }

    /// A declared function other modules can call: its callers in view
    /// are not all its callers.
    fn callable_from_outside(&self, k: Key) -> bool {
        let (file, pos, lit) = k;
        if lit == 1 || file == u32::MAX {
            return false;
        }
        let m = self.m;
        let Some(pkg) = m
            .file_pkgs
            .get(file as usize)
            .map(|p| &m.packages[p.0 as usize])
        else {
            return false;
        };
        let sf = &m.files[file as usize];
        let exported = sf.src[pos as usize..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        exported
            && pkg.name != "main"
            && !private_path(&pkg.path)
            && !self.commands.iter().any(|c| under(&pkg.path, c))
    }
}

/// A package path other modules cannot (or by convention do not) import:
/// `internal/` by the go command's rule, `cmd/` by the layout convention
/// of commands' own packages.
fn private_path(path: &str) -> bool {
    path.split('/').any(|seg| seg == "internal" || seg == "cmd")
}

/// Whether package path `path` lies in the directory of package `dir`:
/// a package inside a command's directory (`app/tool/client` under the
/// `package main` of `app/tool`) is that command's own, as under `cmd/`.
fn under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// What one file says: ways into functions that are not plain calls
/// (those are the call graph's), its functions' loops, and its roots.
#[derive(Default)]
struct Scan {
    entries: Vec<(FuncNode, Entry)>,
    /// Each function's loop bodies (not those of literals inside it).
    loops: Vec<(FuncNode, (u32, u32))>,
    roots: Vec<ObjId>,
}

impl Scan {
    fn file(&mut self, view: &FileView, f: FileId) {
        let m = view.model();
        let sf = &m.files[f.0 as usize];
        let src = &sf.src;
        let main_pkg = m.packages[m.file_pkgs[f.0 as usize].0 as usize].name == "main";
        for d in &sf.ast.decls {
            let letgo_go::ast::Decl::Func(fd) = d else {
                self.package_level(view, f, d);
                continue;
            };
            let Some(obj) = view.object_of(&fd.name) else {
                continue;
            };
            if is_root_decl(fd, src, main_pkg) {
                self.roots.push(obj);
            }
            if let Some(body) = &fd.body {
                self.factory_roots(view, &fd.typ, body);
                self.body(view, f, FuncNode::Decl(obj), Node::Block(body));
            }
        }
    }

    /// The loops and value uses of one body; literals inside are bodies
    /// of their own.
    fn body(&mut self, view: &FileView, f: FileId, me: FuncNode, body: Node) {
        let m = view.model();
        // Expressions that are called where they are, or handed to a
        // consumer that runs them once (already entered), by offset.
        let mut handled: FxHashSet<u32> = FxHashSet::default();
        let mut lits = Vec::new();
        inspect(body, &mut |n| {
            match n {
                Node::Stmt(Stmt::For(s)) => self.loops.push((me, (s.body.lbrace, s.body.end()))),
                Node::Stmt(Stmt::Range(s)) if !finite_range(view, s) => {
                    self.loops.push((me, (s.body.lbrace, s.body.end())))
                }
                Node::Call(c) => {
                    handled.insert(callee_expr(&c.fun).pos());
                    if let Some(sel) = selector_callee(c) {
                        handled.insert(sel);
                    }
                    if once_consumer(view, c) {
                        for a in &c.args {
                            if let Some(to) = func_of(view, f, a) {
                                handled.insert(a.unparen().pos());
                                self.entries.push((to, Entry::From(me, c.lparen)));
                            }
                        }
                    }
                }
                Node::Expr(Expr::CompositeLit(cl)) => {
                    self.command_roots(view, f, cl, &mut handled);
                }
                Node::Expr(Expr::FuncLit(l)) => {
                    self.literal(f, l, &handled);
                    lits.push(&**l);
                    return false;
                }
                Node::Expr(Expr::Selector(sel)) if !handled.contains(&sel.sel.pos) => {
                    self.value_use(m, view, &sel.sel);
                }
                Node::Ident(id) if !handled.contains(&id.pos) => self.value_use(m, view, id),
                _ => {}
            }
            true
        });
        self.literal_bodies(view, f, &lits);
    }

    /// A function literal met in a walk: a value anyone holding it may
    /// run any number of times, unless a call or a command table entered
    /// it already (`handled`).
    fn literal(&mut self, f: FileId, l: &FuncLit, handled: &FxHashSet<u32>) {
        if !handled.contains(&l.typ.pos()) {
            self.entries
                .push((FuncNode::Lit(f, l.typ.pos()), Entry::Value));
        }
    }

    /// The bodies of the literals a walk met, each a function of its own.
    fn literal_bodies(&mut self, view: &FileView, f: FileId, lits: &[&FuncLit]) {
        for l in lits {
            self.factory_roots(view, &l.typ, &l.body);
            let node = FuncNode::Lit(f, l.typ.pos());
            self.body(view, f, node, Node::Block(&l.body));
        }
    }

    /// When `typ` is a command factory's, the command method of each
    /// concrete command `body` returns is a root.
    fn factory_roots(&mut self, view: &FileView, typ: &FuncType, body: &BlockStmt) {
        let Some(method) = factory_method(view, typ) else {
            return;
        };
        let m = view.model();
        inspect(Node::Block(body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Stmt(Stmt::Return(r)) => {
                let run = r
                    .results
                    .first()
                    .and_then(|x| view.type_of(x))
                    .filter(|&t| !matches!(m.ty(m.under_ro(m.deref(t))), Type::Interface(_)))
                    .and_then(|t| m.method(t, method))
                    .filter(|&o| m.obj(o).pos.is_some());
                if let Some(o) = run {
                    self.entries.push((FuncNode::Decl(o), Entry::Root));
                }
                true
            }
            _ => true,
        })
    }

    /// A package-level declaration: a function named in its initialiser
    /// outside a literal, called there or not, may run any number of
    /// times; its literals are bodies of their own, as the call graph
    /// walks them (a command table's actions are roots).
    fn package_level(&mut self, view: &FileView, f: FileId, d: &letgo_go::ast::Decl) {
        let m = view.model();
        let mut handled: FxHashSet<u32> = FxHashSet::default();
        let mut lits = Vec::new();
        inspect(Node::decl(d), &mut |n| {
            match n {
                Node::Expr(Expr::CompositeLit(cl)) => self.command_roots(view, f, cl, &mut handled),
                Node::Expr(Expr::FuncLit(l)) => {
                    self.literal(f, l, &handled);
                    lits.push(&**l);
                    return false;
                }
                Node::Ident(id) if !handled.contains(&id.pos) => self.value_use(m, view, id),
                _ => {}
            }
            true
        });
        self.literal_bodies(view, f, &lits);
    }

    /// The actions of command literal `cl` (or of the command literals
    /// with elided type among its elements) are roots.
    fn command_roots(
        &mut self,
        view: &FileView,
        f: FileId,
        cl: &CompositeLit,
        handled: &mut FxHashSet<u32>,
    ) {
        for v in command_actions(view, cl) {
            if let Some(to) = func_of(view, f, v) {
                handled.insert(v.unparen().pos());
                self.entries.push((to, Entry::Root));
            }
        }
    }

    /// A function or method named other than as a call's callee.
    fn value_use(&mut self, m: &Model, view: &FileView, id: &letgo_go::ast::Ident) {
        if let Some(o) = view.object_of(id) {
            if matches!(m.obj(o).kind, ObjKind::Func | ObjKind::Method) && m.obj(o).pos.is_some() {
                self.entries.push((FuncNode::Decl(o), Entry::Value));
            }
        }
    }
}

/// Whether `r` ranges over a collection of a size fixed when the loop
/// starts (a slice, array, map, string or integer): its body runs once
/// per element, a number the program's input bounds, not one that grows
/// while the process runs, as a loop over a channel, an iterator
/// function or a `for` condition may.
pub fn finite_range(view: &FileView, r: &RangeStmt) -> bool {
    let m = view.model();
    let Some(t) = view.type_of(&r.x) else {
        return false;
    };
    match m.ty(m.under_ro(t)) {
        Type::Slice(_) | Type::Array(..) | Type::Map(..) => true,
        // Not `Invalid`: a value whose type is out of view may be a
        // channel.
        Type::Basic(k, _) => k.is_integer() || k.is_string(),
        Type::Pointer(e) => matches!(m.ty(m.under_ro(*e)), Type::Array(..)),
        _ => false,
    }
}

/// Whether offset `at` of `f` is inside a loop that may run without
/// bound: a `for` statement, or a `range` not over a finite collection
/// ([`finite_range`]).
pub fn in_unbounded_loop(cx: &PackageContext, f: &Func, at: u32) -> bool {
    let view = cx.types(f.file);
    f.sites.iter().any(|s| match s.stmt {
        Stmt::For(l) => l.body.lbrace <= at && at < l.body.end(),
        Stmt::Range(r) => {
            r.body.lbrace <= at
                && at < r.body.end()
                && !view.as_ref().is_some_and(|v| finite_range(v, r))
        }
        _ => false,
    })
}

/// `main` of package `main`, or an `init`.
fn is_root_decl(fd: &FuncDecl, src: &str, main_pkg: bool) -> bool {
    fd.recv.is_none() && (fd.name.name(src) == "init" || (main_pkg && fd.name.name(src) == "main"))
}

/// The callee of a call without parentheses and instantiation.
fn callee_expr(fun: &Expr) -> &Expr {
    match fun.unparen() {
        Expr::Index(ix) => ix.x.unparen(),
        Expr::IndexList(ix) => ix.x.unparen(),
        x => x,
    }
}

/// The offset of the method (or package member) name a call calls.
fn selector_callee(c: &CallExpr) -> Option<u32> {
    match callee_expr(&c.fun) {
        Expr::Selector(sel) => Some(sel.sel.pos),
        _ => None,
    }
}

/// The function `x` is, when it is a literal, a declared function or a
/// method value.
fn func_of(view: &FileView, f: FileId, x: &Expr) -> Option<FuncNode> {
    match x.unparen() {
        Expr::FuncLit(l) => Some(FuncNode::Lit(f, l.typ.pos())),
        Expr::Ident(_) | Expr::Selector(_) => {
            let o = view.object_of_expr(x)?;
            let m = view.model();
            matches!(m.obj(o).kind, ObjKind::Func | ObjKind::Method).then_some(FuncNode::Decl(o))
        }
        _ => None,
    }
}

/// Consumers of a function value that start it as a new goroutine, once
/// per call: (package path, receiver type, method).
const GOROUTINE_STARTERS: &[(&str, &str, &str)] = &[
    ("sync", "WaitGroup", "Go"),
    ("golang.org/x/sync/errgroup", "Group", "Go"),
];

/// Whether `c` is a method of a consumer that runs its function
/// argument once per call.
fn once_consumer(view: &FileView, c: &CallExpr) -> bool {
    consumer_call(view, c, ONCE_CONSUMERS)
}

/// Whether `c` starts its function argument as a goroutine, once per
/// call (`wg.Go(f)`, errgroup's `g.Go(f)`): like `go f()`.
pub fn starts_goroutine(view: &FileView, c: &CallExpr) -> bool {
    consumer_call(view, c, GOROUTINE_STARTERS)
}

/// Whether `c` calls a method of one of the consumers of `table`, found
/// by the method's receiver type.
fn consumer_call(view: &FileView, c: &CallExpr, table: &[(&str, &str, &str)]) -> bool {
    let Expr::Selector(sel) = callee_expr(&c.fun) else {
        return false;
    };
    let Some(o) = view.object_of(&sel.sel) else {
        // A consumer of unresolved type is found by reading its
        // declaration: asked only of a call handed a function.
        let hands_func = c.args.iter().any(|a| func_of(view, view.id(), a).is_some());
        return hands_func && unresolved_consumer(view, sel, table);
    };
    let m = view.model();
    let Some(recv) = m.receiver_named(o) else {
        return false;
    };
    let name = sel.sel.name(&m.files[view.id().0 as usize].src);
    table
        .iter()
        .any(|&(pkg, ty, method)| method == name && m.is_named(recv, pkg, ty))
}

/// Makers of consumers by their package's functions: (package path,
/// function) returning the consumer first.
const CONSUMER_MAKERS: &[(&str, &str)] = &[("golang.org/x/sync/errgroup", "WithContext")];

/// Whether `sel` calls a consumer's method on a value of a package that
/// was not found (no module cache, no `vendor/`): the method resolves to
/// nothing, but the receiver is a variable or field whose declaration
/// names the consumer's type (`var g errgroup.Group`, a field `eg
/// *errgroup.Group`) or makes it (`g, ctx := errgroup.WithContext(ctx)`,
/// `new(errgroup.Group)`, `&errgroup.Group{}`). The declaration is found
/// by the receiver's object, not by its name.
fn unresolved_consumer(
    view: &FileView,
    sel: &letgo_go::ast::SelectorExpr,
    table: &[(&str, &str, &str)],
) -> bool {
    let m = view.model();
    let method = sel.sel.name(&m.files[view.id().0 as usize].src);
    let consumers: Vec<(&str, &str)> = table
        .iter()
        .filter(|c| c.2 == method)
        .map(|c| (c.0, c.1))
        .collect();
    if consumers.is_empty() {
        return false;
    }
    let Some((file, pos)) = view.object_of_expr(&sel.x).and_then(|o| m.obj(o).pos) else {
        return false;
    };
    let decl = view.other(file);
    let Some(made) = declared_as(&decl, pos) else {
        return false;
    };
    makes_consumer(&decl, made, &consumers)
}

/// The type expression or the value that declares the name at `pos` of
/// `view`'s file: a `var` (its type, else its value), a `:=` (its value),
/// or a struct field (its type).
fn declared_as<'v>(view: &FileView<'v>, pos: u32) -> Option<&'v Expr> {
    let m = view.model();
    let ast = &m.files[view.id().0 as usize].ast;
    let mut found = None;
    let nth = |xs: &'v [Expr], i: usize| xs.get(i).or(xs.first().filter(|_| xs.len() == 1));
    for d in &ast.decls {
        inspect(Node::decl(d), &mut |n| {
            if found.is_some() {
                return false;
            }
            match n {
                Node::Spec(letgo_go::ast::Spec::Value(vs)) => {
                    if let Some(i) = vs.names.iter().position(|id| id.pos == pos) {
                        found = vs.typ.as_ref().or_else(|| nth(&vs.values, i));
                    }
                }
                Node::Stmt(Stmt::Assign(a)) if a.tok == letgo_go::token::Token::Define => {
                    let at = |x: &Expr| matches!(x, Expr::Ident(id) if id.pos == pos);
                    if let Some(i) = a.lhs.iter().position(at) {
                        found = nth(&a.rhs, i);
                    }
                }
                Node::Field(f) if f.names.iter().any(|id| id.pos == pos) => found = Some(&f.typ),
                _ => {}
            }
            true
        });
    }
    found
}

/// Whether `x` (a type or a value) is one of `consumers` or makes one.
fn makes_consumer(view: &FileView, x: &Expr, consumers: &[(&str, &str)]) -> bool {
    let is_consumer = |t: &Expr| {
        let t = match t.unparen() {
            Expr::Star(s) => &s.x,
            t => t,
        };
        qualified_type(view, t).is_some_and(|q| consumers.contains(&q))
    };
    match x.unparen() {
        Expr::Unary(u) => {
            matches!(u.x.unparen(), Expr::CompositeLit(cl) if cl.typ.as_ref().is_some_and(is_consumer))
        }
        Expr::CompositeLit(cl) => cl.typ.as_ref().is_some_and(is_consumer),
        Expr::Call(c) => {
            let m = view.model();
            let builtin_new = matches!(c.fun.unparen(), Expr::Ident(id)
                if view.object_of(id).is_some_and(|o| m.obj(o).kind == ObjKind::Builtin(letgo_types::model::Builtin::New)));
            if builtin_new {
                return c.args.first().is_some_and(is_consumer);
            }
            qualified_type(view, &c.fun).is_some_and(|(path, f)| {
                CONSUMER_MAKERS.contains(&(path, f)) && consumers.iter().any(|c| c.0 == path)
            })
        }
        t => is_consumer(t),
    }
}

/// The values of a command-line framework's action fields in `cl`, or
/// in the elements of `cl` whose type is elided when `cl` is a slice,
/// array or map of commands (`[]*ffcli.Command{{Exec: run}}`).
fn command_actions<'e>(view: &FileView, cl: &'e CompositeLit) -> Vec<&'e Expr> {
    let Some(t) = &cl.typ else {
        return Vec::new();
    };
    if let Some(fields) = command_fields(view, t) {
        return actions_in(view, cl, fields);
    }
    let elem = match t.unparen() {
        Expr::ArrayType(a) => &a.elt,
        Expr::MapType(mt) => &mt.value,
        _ => return Vec::new(),
    };
    let Some(fields) = command_fields(view, elem) else {
        return Vec::new();
    };
    let elided = |e: &'e Expr| match e.unparen() {
        Expr::CompositeLit(c) if c.typ.is_none() => Some(&**c),
        Expr::Unary(u) => match u.x.unparen() {
            Expr::CompositeLit(c) if c.typ.is_none() => Some(&**c),
            _ => None,
        },
        _ => None,
    };
    cl.elts
        .iter()
        .map(|e| match e {
            Expr::KeyValue(kv) => &kv.value,
            e => e,
        })
        .filter_map(elided)
        .flat_map(|c| actions_in(view, c, fields))
        .collect()
}

/// The command method, when `typ` is a command factory's: no parameters,
/// and a framework's command interface and an error as results.
fn factory_method(view: &FileView, typ: &FuncType) -> Option<&'static str> {
    let results = typ.results.as_ref()?;
    if typ.params.num_fields() != 0 || results.num_fields() != 2 {
        return None;
    }
    let (path, name) = qualified_type(view, &results.list.first()?.typ)?;
    COMMAND_FACTORIES
        .iter()
        .find(|&&(p, n, _)| p == path && n == name)
        .map(|c| c.2)
}

/// The action fields of the command type `t` (through a pointer).
fn command_fields(view: &FileView, t: &Expr) -> Option<&'static [&'static str]> {
    let t = match t.unparen() {
        Expr::Star(s) => &s.x,
        t => t,
    };
    let (path, ty) = qualified_type(view, t)?;
    COMMAND_ACTIONS
        .iter()
        .find(|&&(p, n, _)| p == path && n == ty)
        .map(|c| c.2)
}

/// The values of `fields` among the keyed elements of `cl`.
fn actions_in<'e>(view: &FileView, cl: &'e CompositeLit, fields: &[&str]) -> Vec<&'e Expr> {
    let src = &view.model().files[view.id().0 as usize].src;
    cl.elts
        .iter()
        .filter_map(|e| match e {
            Expr::KeyValue(kv) => match kv.key.unparen() {
                Expr::Ident(k) if fields.contains(&k.name(src)) => Some(&kv.value),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `pkg.T` as (the imported package's path, `T`), by the package name's
/// object: known whether or not the package's source was found.
fn qualified_type<'v>(view: &'v FileView, t: &Expr) -> Option<(&'v str, &'v str)> {
    let Expr::Selector(sel) = t.unparen() else {
        return None;
    };
    let Expr::Ident(pkg) = sel.x.unparen() else {
        return None;
    };
    let m = view.model();
    let sf = &m.files[view.id().0 as usize];
    let path = match view.object_of(pkg) {
        Some(o) => m.packages[m.obj(o).imported?.0 as usize].path.as_str(),
        None => unresolved_import(sf, pkg.name(&sf.src))?,
    };
    Some((path, sel.sel.name(&sf.src)))
}

/// The path of the import a name that resolves to nothing stands for:
/// the package was not found, so nothing was declared for it, and its
/// name is the one the go command guesses from the path (its last
/// element that is not a major version, `cli` for `.../cli/v2`).
fn unresolved_import<'s>(sf: &'s letgo_types::model::SourceFile, name: &str) -> Option<&'s str> {
    sf.ast.imports().find_map(|imp| {
        let path = imp.path_value(&sf.src);
        let local = match imp.name {
            Some(n) => n.name(&sf.src),
            None => guessed_name(path),
        };
        (local == name).then_some(path)
    })
}

fn guessed_name(path: &str) -> &str {
    let mut segs = path.rsplit('/');
    let last = segs.next().unwrap_or(path);
    let major =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    match segs.next() {
        Some(prev) if major => prev,
        _ => last,
    }
}

/// Whether function `f` of package `cx` runs at most once per process.
pub fn runs_once(cx: &PackageContext, f: &Func) -> bool {
    let Some(once) = cx.growth().map(|g| g.once()) else {
        return false;
    };
    crate::growth::node_of(cx, f).is_some_and(|k| once.contains(k))
}

/// The function of package `cx` with this trace name runs once.
pub fn named_runs_once(cx: &PackageContext, name: &str) -> bool {
    cx.functions()
        .iter()
        .find(|f| f.name == name)
        .is_some_and(|f| runs_once(cx, f))
}

/// Whether what channel `ch` can abandon is abandoned once per process:
/// every function in `receivers` runs once, the channel is not made
/// inside a loop without bound (a channel per round, abandoned per
/// round), and its goroutines are started outside such loops or by a
/// receiver itself (whose
/// loops end when it stops receiving, so the senders left are those
/// started before: a number reached once, not one that grows).
pub fn channel_once(
    cx: &PackageContext,
    ch: &crate::channels::Channel,
    receivers: &[&str],
) -> bool {
    let spawned_elsewhere = ch.spawns.iter().any(|s| {
        s.in_loop
            && !receivers.contains(&s.function.as_str())
            && cx
                .functions()
                .iter()
                .find(|f| f.name == s.function && f.file == s.file)
                .is_none_or(|f| in_unbounded_loop(cx, f, s.pos))
    });
    if spawned_elsewhere {
        return false;
    }
    let made_in_loop = ch.origin.as_ref().is_some_and(|o| {
        o.maker(cx)
            .is_none_or(|f| in_unbounded_loop(cx, f, o.make.start))
    });
    !made_in_loop && !receivers.is_empty() && receivers.iter().all(|r| named_runs_once(cx, r))
}

/// Whether channel `ch` is made at most once per process: by a function
/// that runs once, outside any loop without bound. What waits on it waits
/// once, for as long as the process runs (a pipeline stage started at
/// startup), and does not pile up.
pub fn made_once(cx: &PackageContext, ch: &crate::channels::Channel) -> bool {
    ch.origin.as_ref().is_some_and(|o| {
        o.maker(cx)
            .is_some_and(|f| runs_once(cx, f) && !in_unbounded_loop(cx, f, o.make.start))
    })
}

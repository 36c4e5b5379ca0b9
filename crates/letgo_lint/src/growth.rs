//! Heap growth judged over the call graph of every checked package
//! (issue 16): which functions run per request or per event, and which
//! struct types live as long as the program, across package boundaries.
//!
//! Built once per run, on the first question a heap-growth rule asks that
//! its own package cannot answer (`Owners::repeats`, `Owners::place`).
//!
//! A function *repeats* when it is reachable, through calls in any
//! checked package (test files left out), from an entry that runs per
//! request or per event:
//! - a function or literal taking an `*http.Request` (an `http.Handler`'s
//!   `ServeHTTP`, a func registered with `http.HandleFunc`),
//! - a gRPC-style method `(ctx context.Context, req *T) (*U, error)` of a
//!   type whose value is passed to a `Register...Server` function,
//! - a call inside an event loop: a `for` loop that receives from a
//!   channel (a `range` over a channel or ticker, a `<-ch`, a `select`
//!   case) or calls an `Accept` method (a goroutine per connection).
//!
//! A call site that may run more than two functions (an interface call
//! with many implementations) is not followed: which one runs is a guess.
//!
//! A struct type is *long-lived* when
//! - a package variable holds it (and the module builds it at most once:
//!   a type built everywhere is a sentinel or a default, not a singleton),
//! - `main` keeps it in a local,
//! - it is the receiver of an entry above (a handler, a gRPC service), of
//!   a method with an accept loop, or of a method with an event loop that
//!   some code starts with `go`,
//! - or a field of such a type holds it, one level deep (directly, or as
//!   the values of a map that nothing deletes a chosen key from, only
//!   prunes by ranging over it: `pools map[string]*pool`); a field of interface type counts for the one
//!   concrete type the module ever assigns to it
//!   (`Index{store: &memStore{}}`).

use rayon::prelude::*;
// Fx-hashed: keys are small integers and ids (SipHash was a fifth of the
// serial part of `Growth::build`). The std maps' iteration order was
// random per run: where a walk's order picks among equal choices (which
// caller a chain names), the choice is now the same every run.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use letgo_go::ast::{BlockStmt, Decl, Expr, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::{CallGraph, CallKind, FuncNode};
use letgo_types::model::{FileId, ObjId, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::{FileView, Model, Semantic};

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};

/// An object's identity across generic instantiations, or a literal's
/// place (third member 1).
pub(crate) type Key = (u32, u32, u32);

/// Call sites running more callees than this are not followed.
const MAX_FANOUT: usize = 2;

/// What the heap-growth rules learn from the whole run.
#[derive(Debug, Default)]
pub struct Growth {
    /// Functions that repeat, each with the function it is reached from
    /// (`None` for an entry).
    repeated: HashMap<Key, Option<Key>>,
    /// Struct type names (by identity) and why each lives long.
    long_lived: HashMap<Key, String>,
    /// Types built in a function that repeats.
    per_request: HashSet<Key>,
    /// Functions some non-test code of the checked packages calls.
    called: HashSet<Key>,
    /// Per package of the model: whether it exists only for tests
    /// ([`Model::test_only_packages`]).
    test_only: Vec<bool>,
    /// Callee → its callers in non-test code, each with the offset of
    /// the call's `(` (in the caller's file).
    callers: HashMap<Key, Vec<(FuncNode, u32)>>,
    /// The functions that run at most once per process, judged over the
    /// same call graph.
    once: crate::once::OnceRuns,
}

impl Growth {
    /// The functions that run at most once per process.
    pub fn once(&self) -> &crate::once::OnceRuns {
        &self.once
    }

    /// Whether function `f` of package `cx` runs per request or event.
    pub fn repeats(&self, cx: &PackageContext, f: &Func) -> bool {
        node_of(cx, f).is_some_and(|k| self.repeated.contains_key(&k))
    }

    /// Whether the package of `cx` exists only for tests: its non-test
    /// files use `testing`'s types, or only tests (and such packages)
    /// import it.
    pub fn test_only(&self, cx: &PackageContext) -> bool {
        let Some(view) = (0..cx.package.files.len()).find_map(|f| cx.types(f)) else {
            return false;
        };
        let m = view.model();
        let p = m.file_pkgs[view.file_id().0 as usize].0 as usize;
        self.test_only.get(p).copied().unwrap_or(false)
    }

    /// Whether non-test code of the packages checked together calls
    /// function `f`: then its callers in view say how often it runs.
    pub fn called(&self, cx: &PackageContext, f: &Func) -> bool {
        node_of(cx, f).is_some_and(|k| self.called.contains(&k))
    }

    /// Whether the struct type of `x` (or what it points to), in
    /// function `f`, is built (a composite literal) in a function that
    /// runs per request or event: then some of its values live for one
    /// operation, and which one an insert reaches is not shown.
    pub fn built_per_request(&self, cx: &PackageContext, f: &Func, x: &Expr) -> bool {
        cx.types(f.file)
            .is_some_and(|view| self.built_per_request_in(view, x))
    }

    /// [`Growth::built_per_request`] for an expression of any file of
    /// the run.
    pub fn built_per_request_in(&self, view: FileView, x: &Expr) -> bool {
        let m = view.model();
        view.type_of(x)
            .and_then(|t| named_obj(m, t))
            .is_some_and(|t| self.per_request.contains(&m.identity(t)))
    }

    /// Function `f` of package `cx` as a node of the run's call graph.
    pub fn node(&self, cx: &PackageContext, f: &Func) -> Option<FuncNode> {
        let view = cx.types(f.file)?;
        match f.kind {
            FuncKind::Decl(d) => Some(FuncNode::Decl(view.object_of(&d.name)?)),
            FuncKind::Lit(l) => Some(FuncNode::Lit(view.file_id(), l.typ.pos())),
        }
    }

    /// The calls of `callee` in non-test code of the run: each caller and
    /// the offset of the call's `(`.
    pub fn callers(&self, s: &Semantic, callee: FuncNode) -> &[(FuncNode, u32)] {
        self.callers
            .get(&key(&s.model, callee))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the package's struct type `name` is built in a function
    /// that runs per request or event (see [`Growth::built_per_request`]).
    pub fn type_built_per_request(&self, cx: &PackageContext, name: &str) -> bool {
        let Some(view) = (0..cx.package.files.len()).find_map(|f| cx.types(f)) else {
            return false;
        };
        let m = view.model();
        let p = m.file_pkgs[view.file_id().0 as usize];
        m.lookup_parent(m.packages[p.0 as usize].scope, name)
            .is_some_and(|t| self.per_request.contains(&m.identity(t)))
    }

    /// The chain of functions from an entry to `f`, entry first, as
    /// places (`path:offset`): for `LETGO_GROWTH_TRACE`, to see why a
    /// function repeats.
    pub fn chain(&self, cx: &PackageContext, f: &Func) -> Vec<String> {
        let (Some(k), Some(view)) = (node_of(cx, f), cx.types(f.file)) else {
            return Vec::new();
        };
        let m = view.model();
        let mut out = Vec::new();
        let mut at = Some(k);
        while let Some(k) = at.filter(|_| out.len() < 32) {
            let path = m
                .files
                .get(k.0 as usize)
                .map(|sf| sf.path.display().to_string());
            out.push(format!("{}:{}", path.unwrap_or_default(), k.1));
            at = self.repeated.get(&k).copied().flatten();
        }
        out.reverse();
        out
    }

    /// Why the struct type of `x` (or what it points to), in function
    /// `f`, lives long; `None` when nothing shows it does.
    pub fn long_lived(&self, cx: &PackageContext, f: &Func, x: &Expr) -> Option<&str> {
        let view = cx.types(f.file)?;
        let m = view.model();
        let obj = named_obj(m, view.type_of(x)?)?;
        self.long_lived.get(&m.identity(obj)).map(String::as_str)
    }

    pub fn build(s: &Semantic) -> Growth {
        let m = &s.model;
        let test_only = m.test_only_packages();
        if std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
            let checked = |p: usize| test_only[p] && m.packages[p].bodies;
            for p in (0..test_only.len()).filter(|&p| checked(p)) {
                eprintln!("letgo: {} exists only for tests", m.packages[p].path);
            }
        }
        // Test files and packages that exist only for tests: a harness's
        // handlers and loops run for one test, not per request.
        let files: Vec<FileId> = (0..m.files.len() as u32)
            .map(FileId)
            .filter(|&f| {
                let p = m.file_pkgs[f.0 as usize];
                m.packages[p.0 as usize].bodies
                    && !test_only[p.0 as usize]
                    && !m.files[f.0 as usize]
                        .path
                        .to_string_lossy()
                        .ends_with("_test.go")
            })
            .collect();
        // The shared walk of the checked files, its function values taken
        // from the files scanned here alone (tests' assignments left out).
        let graph = s.calls().graph(s, |f| files.binary_search(&f).is_ok());
        // File by file on all cores (the scan of a file reads nothing
        // another file's scan wrote), merged in file order as one thread
        // would have added them.
        let parts: Vec<Scan> = files
            .par_iter()
            .map(|&f| {
                let mut part = Scan::default();
                if let Some(view) = s.file(&m.files[f.0 as usize].path) {
                    part.file(&view);
                }
                part
            })
            .collect();
        let mut scan = Scan::default();
        for part in parts {
            scan.merge(part);
        }
        let roots = scan.roots(m, &graph);
        let repeated = reach(m, &graph, &scan, roots);
        let per_request: HashSet<Key> = scan
            .built_in
            .iter()
            .filter(|(_, f)| repeated.contains_key(f))
            .map(|(t, _)| *t)
            .collect();
        let long_lived = scan.long_lived(m, &graph, &per_request);
        let called = graph
            .edges
            .values()
            .flatten()
            .map(|e| key(m, e.callee))
            .collect();
        let mut callers: HashMap<Key, Vec<(FuncNode, u32)>> = HashMap::default();
        for (&caller, edges) in &graph.edges {
            for e in edges {
                callers
                    .entry(key(m, e.callee))
                    .or_default()
                    .push((caller, e.site.1));
            }
        }
        let once = crate::once::OnceRuns::build(s, &graph, &files);
        Growth {
            once,
            repeated,
            long_lived,
            per_request,
            called,
            test_only,
            callers,
        }
    }
}

/// The key of a function of the package in the call graph.
pub(crate) fn node_of(cx: &PackageContext, f: &Func) -> Option<Key> {
    let view = cx.types(f.file)?;
    match f.kind {
        FuncKind::Decl(d) => Some(view.model().identity(view.object_of(&d.name)?)),
        FuncKind::Lit(l) => Some((view.file_id().0, l.typ.pos(), 1)),
    }
}

/// A call graph node by the place it is declared: the instances of a
/// generic function are one function here.
pub(crate) fn key(m: &Model, n: FuncNode) -> Key {
    match n {
        FuncNode::Decl(o) => m.identity(o),
        FuncNode::Lit(f, p) => (f.0, p, 1),
    }
}

/// The type name object of a named type, through pointers.
fn named_obj(m: &Model, t: TypeId) -> Option<ObjId> {
    match m.ty(m.deref(t)) {
        Type::Named(n) => Some(n.obj),
        _ => None,
    }
}

/// The named type a map's values are (through a pointer): a value
/// linked into a long-lived map (`pools map[string]*pool`) lives until
/// it is removed, as a field's would.
fn map_value(m: &Model, t: TypeId) -> Option<ObjId> {
    match m.ty(m.under_ro(t)) {
        Type::Map(_, e) => named_obj(m, *e),
        _ => None,
    }
}

fn is_interface(m: &Model, t: TypeId) -> bool {
    matches!(m.ty(m.under_ro(t)), Type::Interface(_))
}

/// What one pass over the checked files finds.
#[derive(Default)]
struct Scan {
    /// Functions taking an `*http.Request`, and gRPC-style methods.
    entries: Vec<FuncNode>,
    /// gRPC-style methods, kept until the registered types are known.
    rpc_methods: Vec<ObjId>,
    /// Types passed to a `Register...Server` function.
    registered: HashSet<Key>,
    /// Event loop bodies: (function, file, start, end).
    loops: Vec<(Key, u32, u32, u32)>,
    /// Methods with an event loop: (method, accept loop?).
    loop_methods: Vec<(ObjId, bool)>,
    /// Literal → the function it is written in.
    parent: HashMap<Key, Key>,
    /// Literals by place, to test whether one sits in an event loop.
    lits: Vec<(Key, Key, u32, u32)>,
    /// Long-lived candidates: type name → why.
    held: Vec<(ObjId, String)>,
    /// Types held by package variables: checked against `built`.
    var_held: Vec<(ObjId, String)>,
    /// Composite literals: (type built, function building it).
    built_in: Vec<(Key, Key)>,
    /// How many composite literals build each named type.
    built: HashMap<Key, usize>,
    /// Map fields that some code deletes a chosen key from (`delete(x.f,
    /// id)`, not the key of a `range` over `x.f`): an operation that
    /// registers in the map and removes itself, so its values live for
    /// one operation.
    keyed_deletes: HashSet<Key>,
    /// Interface-typed fields and parameters → the concrete types
    /// assigned or passed to them.
    iface_fields: HashMap<Key, HashSet<ObjId>>,
    /// Interface-typed fields set from a parameter: (field, parameter).
    iface_from: Vec<(Key, Key)>,
    /// Interface-typed fields and parameters given a value whose type is
    /// not shown: never resolved.
    opaque: HashSet<Key>,
}

impl Scan {
    /// Adds what another scan (of later files) found, as if this scan had
    /// gone on over them.
    fn merge(&mut self, o: Scan) {
        // Destructured: a field added to `Scan` must be merged here too.
        let Scan {
            entries,
            rpc_methods,
            registered,
            loops,
            loop_methods,
            parent,
            lits,
            held,
            var_held,
            built_in,
            built,
            keyed_deletes,
            iface_fields,
            iface_from,
            opaque,
        } = o;
        self.entries.extend(entries);
        self.rpc_methods.extend(rpc_methods);
        self.registered.extend(registered);
        self.loops.extend(loops);
        self.loop_methods.extend(loop_methods);
        self.parent.extend(parent);
        self.lits.extend(lits);
        self.held.extend(held);
        self.var_held.extend(var_held);
        self.built_in.extend(built_in);
        for (k, n) in built {
            *self.built.entry(k).or_default() += n;
        }
        self.keyed_deletes.extend(keyed_deletes);
        for (k, types) in iface_fields {
            self.iface_fields.entry(k).or_default().extend(types);
        }
        self.iface_from.extend(iface_from);
        self.opaque.extend(opaque);
    }

    fn file(&mut self, view: &FileView) {
        let m = view.model();
        let sf = &m.files[view.file_id().0 as usize];
        let is_main = m.packages[m.file_pkgs[view.file_id().0 as usize].0 as usize].name == "main";
        for d in &sf.ast.decls {
            match d {
                Decl::Func(fd) => {
                    let (Some(body), Some(obj)) = (&fd.body, view.object_of(&fd.name)) else {
                        continue;
                    };
                    let node = FuncNode::Decl(obj);
                    self.function(view, node, Some(m.obj(obj).typ), body);
                    if fd.recv.is_some() && rpc_shaped(m, obj) {
                        self.rpc_methods.push(obj);
                    }
                    if is_main && fd.recv.is_none() && fd.name.name(&sf.src) == "main" {
                        self.main_locals(view, body);
                    }
                }
                Decl::Gen(g) if g.tok == Token::Var => {
                    for spec in &g.specs {
                        let Spec::Value(v) = spec else { continue };
                        for name in &v.names {
                            let Some(o) = view.object_of(name) else {
                                continue;
                            };
                            if let Some(t) = named_obj(m, m.obj(o).typ) {
                                let why = format!("held by package variable `{}`", m.obj(o).name);
                                self.var_held.push((t, why));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        self.assignments(view, &sf.ast);
    }

    /// Scans one function body (its literals each as a function of their
    /// own) of signature `sig`.
    fn function(&mut self, view: &FileView, node: FuncNode, sig: Option<TypeId>, body: &BlockStmt) {
        let m = view.model();
        let me = key(m, node);
        if sig.is_some_and(|t| takes_request(m, t)) {
            self.entries.push(node);
        }
        let mut lits = Vec::new();
        let mut accept = false;
        let mut any_loop = false;
        // Range keys over a field seen so far: (key variable, field).
        let mut range_keys: Vec<(ObjId, ObjId)> = Vec::new();
        inspect(Node::Block(body), &mut |n| {
            match n {
                Node::Call(c) => {
                    self.note_delete(view, c, &range_keys);
                    let arg = c.args.first().and_then(|a| view.object_of_expr(a));
                    if let Some(t) =
                        arg.filter(|&o| is_new(view, c) && m.obj(o).kind == ObjKind::TypeName)
                    {
                        self.built_in.push((m.identity(t), me));
                    }
                }
                Node::Expr(e @ Expr::FuncLit(l)) => {
                    lits.push((view.type_of(e), &**l));
                    return false;
                }
                Node::Expr(e @ Expr::CompositeLit(_)) => {
                    if let Some(t) = view.type_of(e).and_then(|t| named_obj(m, t)) {
                        self.built_in.push((m.identity(t), me));
                    }
                }
                // `var c T` (a zero struct value) and `new(T)` build a
                // value as a literal does: a handler declaring one has an
                // instance per request.
                Node::GenDecl(g) => {
                    for t in zero_values(view, g) {
                        self.built_in.push((m.identity(t), me));
                    }
                }
                Node::Stmt(Stmt::For(f)) => {
                    if let Some(acc) = event_loop(view, &f.body) {
                        self.add_loop(me, view, &f.body);
                        accept |= acc;
                        any_loop = true;
                    }
                }
                Node::Stmt(Stmt::Range(r)) => {
                    let key = r.key.as_ref().and_then(|k| view.object_of_expr(k));
                    if let (Some(k), Some(f)) = (key, view.object_of_expr(&r.x)) {
                        range_keys.push((k, f));
                    }
                    let over_chan = view
                        .type_of(&r.x)
                        .is_some_and(|t| matches!(m.ty(m.under_ro(t)), Type::Chan(..)));
                    let ev = event_loop(view, &r.body);
                    if over_chan || ev.is_some() {
                        self.add_loop(me, view, &r.body);
                        accept |= ev == Some(true);
                        any_loop = true;
                    }
                }
                _ => {}
            }
            true
        });
        if let (FuncNode::Decl(o), true) = (node, any_loop) {
            if m.obj(o).kind == ObjKind::Method {
                self.loop_methods.push((o, accept));
            }
        }
        for (t, l) in lits {
            let lk = (view.file_id().0, l.typ.pos(), 1);
            self.parent.insert(lk, me);
            self.lits.push((lk, me, view.file_id().0, l.typ.pos()));
            let ln = FuncNode::Lit(view.file_id(), l.typ.pos());
            self.function(view, ln, t, &l.body);
        }
    }

    /// `delete(x.f, k)` with `k` not the key of a `range` over `x.f`.
    fn note_delete(
        &mut self,
        view: &FileView,
        c: &letgo_go::ast::CallExpr,
        range_keys: &[(ObjId, ObjId)],
    ) {
        let m = view.model();
        let is_delete = view.object_of_expr(&c.fun).is_some_and(|o| {
            matches!(m.obj(o).kind, ObjKind::Builtin(_)) && &*m.obj(o).name == "delete"
        });
        let ([map, key], true) = (&c.args[..], is_delete) else {
            return;
        };
        let Some(field) = view
            .object_of_expr(map)
            .filter(|&o| m.obj(o).kind == ObjKind::Field)
        else {
            return;
        };
        let ranged = view
            .object_of_expr(key)
            .is_some_and(|k| range_keys.contains(&(k, field)));
        if !ranged {
            self.keyed_deletes.insert(m.identity(field));
        }
    }

    fn add_loop(&mut self, me: Key, view: &FileView, body: &BlockStmt) {
        let end = body.rbrace.unwrap_or(u32::MAX);
        self.loops.push((me, view.file_id().0, body.lbrace, end));
    }

    /// Locals `main` declares and hands to a goroutine it starts (`go
    /// events.Pump(ch, counter)`): they serve as long as the program. A
    /// local `main` only uses itself may belong to a command that runs a
    /// finite job and exits.
    fn main_locals(&mut self, view: &FileView, body: &BlockStmt) {
        let m = view.model();
        // Every local `main` declares at its top level (`x := New()`,
        // `var ( x = New() )`) lives until the program exits: a server's
        // managers are kept so and handed to run groups, goroutines and
        // handlers.
        let mut names: Vec<&letgo_go::ast::Ident> = Vec::new();
        for s in &body.list {
            match s {
                Stmt::Assign(a) if a.tok == Token::Define => {
                    names.extend(a.lhs.iter().filter_map(|l| match l.unparen() {
                        Expr::Ident(id) => Some(id),
                        _ => None,
                    }));
                }
                Stmt::Decl(g) if g.tok == Token::Var => {
                    for spec in &g.specs {
                        if let Spec::Value(v) = spec {
                            names.extend(v.names.iter());
                        }
                    }
                }
                _ => {}
            }
        }
        for id in names {
            let Some(o) = view.object_of(id) else {
                continue;
            };
            if let Some(t) = named_obj(m, m.obj(o).typ) {
                let why = format!("kept by `main` in `{}`", m.obj(o).name);
                self.held.push((t, why));
            }
        }
    }

    /// Composite literals (how often each type is built), values stored
    /// in interface-typed fields, and types registered as gRPC services.
    fn assignments(&mut self, view: &FileView, file: &letgo_go::ast::File) {
        let m = view.model();
        inspect(Node::File(file), &mut |n| {
            match n {
                Node::Expr(e @ Expr::CompositeLit(cl)) => {
                    if let Some(t) = view.type_of(e).and_then(|t| named_obj(m, t)) {
                        *self.built.entry(m.identity(t)).or_default() += 1;
                    }
                    for el in &cl.elts {
                        if let Expr::KeyValue(kv) = el {
                            self.store(view, &kv.key, &kv.value);
                        }
                    }
                }
                Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                    for (l, r) in a.lhs.iter().zip(&a.rhs) {
                        self.store(view, l, r);
                    }
                }
                Node::Call(c) => {
                    self.bind_args(view, c);
                    let registers = view.object_of_expr(&c.fun).is_some_and(|o| {
                        let n = &m.obj(o).name;
                        n.starts_with("Register") && n.ends_with("Server")
                    });
                    if registers {
                        for a in &c.args {
                            if let Some(t) = view.type_of(a).and_then(|t| named_obj(m, t)) {
                                self.registered.insert(m.identity(t));
                            }
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }

    /// `x.f = v` or `T{f: v}` for an interface-typed field `f`.
    fn store(&mut self, view: &FileView, target: &Expr, value: &Expr) {
        let m = view.model();
        let Some(f) = view.object_of_expr(target) else {
            return;
        };
        if m.obj(f).kind == ObjKind::Field && is_interface(m, m.obj(f).typ) {
            self.assign(view, f, value);
        }
    }

    /// Arguments passed to interface-typed parameters of a function in
    /// view.
    fn bind_args(&mut self, view: &FileView, c: &letgo_go::ast::CallExpr) {
        let m = view.model();
        let Some(callee) = view.object_of_expr(&c.fun) else {
            return;
        };
        let Type::Signature(sig) = m.ty(m.obj(callee).typ) else {
            return;
        };
        if sig.variadic {
            return;
        }
        for (&p, a) in sig.params.iter().zip(&c.args) {
            if is_interface(m, m.obj(p).typ) {
                self.assign(view, p, a);
            }
        }
    }

    /// Interface-typed `target` gets `value`: its concrete type, or the
    /// parameter it comes from, or (neither shown) opaque.
    fn assign(&mut self, view: &FileView, target: ObjId, value: &Expr) {
        let m = view.model();
        let k = m.identity(target);
        let t = view.type_of(value);
        match t
            .filter(|&t| !is_interface(m, t))
            .and_then(|t| named_obj(m, t))
        {
            Some(c) => {
                self.iface_fields.entry(k).or_default().insert(c);
            }
            None => match view.object_of_expr(value) {
                Some(p)
                    if m.obj(p).kind == ObjKind::Var && t.is_some_and(|t| is_interface(m, t)) =>
                {
                    self.iface_from.push((k, m.identity(p)));
                }
                _ => {
                    self.opaque.insert(k);
                }
            },
        }
    }

    /// The one concrete type an interface-typed field holds, if the
    /// module shows exactly one (through parameters one step back).
    fn only_concrete(&self, field: Key) -> Option<ObjId> {
        let mut sources = vec![field];
        sources.extend(
            self.iface_from
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, p)| *p),
        );
        let mut types = HashSet::default();
        for s in &sources {
            if self.opaque.contains(s) {
                return None;
            }
            types.extend(self.iface_fields.get(s).into_iter().flatten().copied());
        }
        let mut it = types.into_iter();
        match (it.next(), it.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    }

    /// Entries, gRPC methods of registered types, and the callees of
    /// calls (and literals) inside event loops.
    fn roots(&self, m: &Model, g: &CallGraph) -> Vec<FuncNode> {
        let mut out = self.entries.clone();
        out.extend(
            self.rpc_methods
                .iter()
                .filter(|&&o| self.receiver_registered(m, o))
                .map(|&o| FuncNode::Decl(o)),
        );
        let mut loops: HashMap<Key, Vec<(u32, u32, u32)>> = HashMap::default();
        for &(f, fl, s, e) in &self.loops {
            loops.entry(f).or_default().push((fl, s, e));
        }
        let in_loop = |caller: Key, file: u32, at: u32| {
            loops
                .get(&caller)
                .is_some_and(|ls| ls.iter().any(|&(fl, s, e)| fl == file && s < at && at < e))
        };
        for (&caller, edges) in &g.edges {
            let ck = key(m, caller);
            if !loops.contains_key(&ck) {
                continue;
            }
            let counts = site_counts(edges);
            for e in edges {
                if in_loop(ck, e.site.0 .0, e.site.1) && counts[&e.site] <= MAX_FANOUT {
                    out.push(e.callee);
                }
            }
        }
        for &(lk, parent, file, at) in &self.lits {
            if in_loop(parent, file, at) {
                out.push(FuncNode::Lit(FileId(lk.0), lk.1));
            }
        }
        out
    }

    fn receiver_registered(&self, m: &Model, method: ObjId) -> bool {
        m.receiver_named(method)
            .and_then(|t| named_obj(m, t))
            .is_some_and(|t| self.registered.contains(&m.identity(t)))
    }

    fn long_lived(
        &self,
        m: &Model,
        g: &CallGraph,
        per_request: &HashSet<Key>,
    ) -> HashMap<Key, String> {
        // A type built per request or event has short-lived instances
        // too: which one an insert reaches is not shown, so a value `main`
        // or a package variable keeps does not make the type long-lived.
        let mut seeds: Vec<(ObjId, String)> = Vec::new();
        let singletons = self
            .var_held
            .iter()
            .filter(|(t, _)| self.built.get(&m.identity(*t)).copied().unwrap_or(0) <= 1);
        for (t, why) in self.held.iter().chain(singletons) {
            if !per_request.contains(&m.identity(*t)) {
                seeds.push((*t, why.clone()));
            }
        }
        // A goroutine its starter joins (`wg.Wait()` after the `go`) ends
        // with the starter's call: it says nothing of how long its
        // receiver lives.
        let started: HashSet<Key> = g
            .edges
            .iter()
            .flat_map(|(caller, edges)| edges.iter().map(move |e| (*caller, e)))
            .filter(|(caller, e)| e.kind == CallKind::Go && !joins_after(m, *caller, e.site.1))
            .map(|(_, e)| key(m, e.callee))
            .collect();
        let mut receivers: Vec<(ObjId, &str)> = Vec::new();
        for n in &self.entries {
            if let FuncNode::Decl(o) = *n {
                receivers.push((o, "serves requests in"));
            }
        }
        for &o in &self.rpc_methods {
            if self.receiver_registered(m, o) {
                receivers.push((o, "serves RPCs in"));
            }
        }
        for &(o, accept) in &self.loop_methods {
            if accept || started.contains(&m.identity(o)) {
                receivers.push((o, "runs the event loop of"));
            }
        }
        for (o, verb) in receivers {
            if let Some(t) = m.receiver_named(o).and_then(|t| named_obj(m, t)) {
                seeds.push((t, format!("{verb} `{}`", m.obj(o).name)));
            }
        }
        let mut out: HashMap<Key, String> = HashMap::default();
        for (t, why) in &seeds {
            out.entry(m.identity(*t)).or_insert_with(|| why.clone());
        }
        for (t, _) in &seeds {
            for (held, field) in self.fields_held(m, *t) {
                let why = format!("held by `{}.{}`", m.obj(*t).name, m.obj(field).name);
                out.entry(m.identity(held)).or_insert(why);
            }
        }
        out
    }

    /// The named types the fields of struct type `t` hold: directly or
    /// through a pointer, or, for an interface-typed field, the one
    /// concrete type the module assigns to it.
    fn fields_held(&self, m: &Model, t: ObjId) -> Vec<(ObjId, ObjId)> {
        let Type::Struct(fields) = m.ty(m.under_ro(m.obj(t).typ)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in fields.iter().filter(|f| !f.embedded) {
            let ft = m.obj(f.obj).typ;
            if is_interface(m, ft) {
                if let Some(c) = self.only_concrete(m.identity(f.obj)) {
                    out.push((c, f.obj));
                }
            } else if let Some(h) = named_obj(m, ft) {
                out.push((h, f.obj));
            } else if let Some(h) = map_value(m, ft) {
                // Values of a map that code prunes only by ranging over
                // it (a sync against the configuration) live across
                // operations; one that entries delete themselves from by
                // their key holds them for one operation.
                if !self.keyed_deletes.contains(&m.identity(f.obj)) {
                    out.push((h, f.obj));
                }
            }
        }
        out
    }
}

/// How many callees each call site of one function has.
fn site_counts(edges: &[letgo_types::callgraph::Edge]) -> HashMap<(FileId, u32), usize> {
    let mut out = HashMap::default();
    for e in edges {
        *out.entry(e.site).or_default() += 1;
    }
    out
}

/// Whether a loop body waits for events: `Some(true)` when it calls an
/// `Accept` method (a connection per iteration), `Some(false)` when it
/// receives from a channel, `None` otherwise. Nested literals are not
/// the loop's.
fn event_loop(view: &FileView, body: &BlockStmt) -> Option<bool> {
    let m = view.model();
    let mut found = None;
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
                found = found.or(Some(false));
            }
            Node::Call(c) => {
                let accept = view.object_of_expr(&c.fun).is_some_and(|o| {
                    m.obj(o).kind == ObjKind::Method && &*m.obj(o).name == "Accept"
                });
                if accept {
                    found = Some(true);
                }
            }
            _ => {}
        }
        true
    });
    found
}

/// The named struct types that `var x T` (no initial value) declares
/// zero values of.
fn zero_values(view: &FileView, g: &letgo_go::ast::GenDecl) -> Vec<ObjId> {
    let m = view.model();
    let mut out = Vec::new();
    for spec in &g.specs {
        let Spec::Value(v) = spec else { continue };
        if g.tok != Token::Var || !v.values.is_empty() {
            continue;
        }
        for name in &v.names {
            let Some(o) = view.object_of(name) else {
                continue;
            };
            let t = m.obj(o).typ;
            if let (Type::Named(n), Type::Struct(_)) = (m.ty(t), m.ty(m.under_ro(t))) {
                out.push(n.obj);
            }
        }
    }
    out
}

/// `new(T)`, by the builtin the call resolves to.
fn is_new(view: &FileView, c: &letgo_go::ast::CallExpr) -> bool {
    let m = view.model();
    view.object_of_expr(&c.fun)
        .is_some_and(|o| matches!(m.obj(o).kind, ObjKind::Builtin(_)) && &*m.obj(o).name == "new")
}

/// Whether signature `sig` has an `*http.Request` parameter.
fn takes_request(m: &Model, sig: TypeId) -> bool {
    let Type::Signature(sig) = m.ty(sig) else {
        return false;
    };
    sig.params
        .iter()
        .any(|&p| m.is_pointer_to(m.obj(p).typ, "net/http", "Request"))
}

/// `(ctx context.Context, req *T) (*U, error)`: a gRPC-style method.
fn rpc_shaped(m: &Model, method: ObjId) -> bool {
    let Type::Signature(sig) = m.ty(m.obj(method).typ) else {
        return false;
    };
    let ([ctx, req], [_, err]) = (&sig.params[..], &sig.results[..]) else {
        return false;
    };
    m.is_named(m.obj(*ctx).typ, "context", "Context")
        && matches!(m.ty(m.obj(*req).typ), Type::Pointer(_))
        && m.obj(*err).typ == m.error
}

/// Everything the roots reach: callees (sites with few callees only) and
/// the literals written inside reached functions.
fn reach(m: &Model, g: &CallGraph, scan: &Scan, roots: Vec<FuncNode>) -> HashMap<Key, Option<Key>> {
    let mut nodes: HashMap<Key, FuncNode> = HashMap::default();
    for &n in g.edges.keys() {
        nodes.insert(key(m, n), n);
    }
    let mut children: HashMap<Key, Vec<Key>> = HashMap::default();
    for (&lit, &parent) in &scan.parent {
        children.entry(parent).or_default().push(lit);
    }
    let mut seen: HashMap<Key, Option<Key>> = HashMap::default();
    let mut work: Vec<(Key, Option<Key>)> = roots.into_iter().map(|n| (key(m, n), None)).collect();
    while let Some((k, from)) = work.pop() {
        if seen.contains_key(&k) {
            continue;
        }
        seen.insert(k, from);
        work.extend(
            children
                .get(&k)
                .into_iter()
                .flatten()
                .map(|&c| (c, Some(k))),
        );
        let Some(&n) = nodes.get(&k) else { continue };
        let edges = g.calls_from(n);
        let counts = site_counts(edges);
        for e in edges {
            if counts[&e.site] <= MAX_FANOUT {
                work.push((key(m, e.callee), Some(k)));
            }
        }
    }
    seen
}

/// Whether declared function `f` calls `Wait` on a `sync.WaitGroup`
/// after offset `pos` in its own body (not in a closure).
fn joins_after(m: &Model, f: FuncNode, pos: u32) -> bool {
    let FuncNode::Decl(o) = f else {
        return false;
    };
    m.func_decl(o).is_some_and(|(file, fd)| {
        fd.body
            .as_ref()
            .is_some_and(|body| crate::owners::waits_on_group_after(m, file, body, pos))
    })
}

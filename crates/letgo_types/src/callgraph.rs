//! The call graph of the checked packages: static calls, method calls,
//! interface calls resolved to every implementation among the loaded
//! types, calls of function values whose assignments are in view
//! (variables, struct fields set anywhere in the checked code, parameters
//! at their call sites), closures, and `go`/`defer` calls.

use crate::model::{FileId, Model, ObjId, ObjKind};
use crate::semantic::Semantic;
use crate::types::{BasicKind, Signature, Type, TypeId};
use letgo_go::ast::{CallExpr, Decl, Expr, Stmt};
use letgo_go::visit::{inspect, Node};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// A function: declared (by its object) or a function literal (by where
/// it starts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FuncNode {
    Decl(ObjId),
    Lit(FileId, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    Call,
    Go,
    Defer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub callee: FuncNode,
    pub kind: CallKind,
    /// The call's file and the offset of its `(`.
    pub site: (FileId, u32),
}

#[derive(Default)]
pub struct CallGraph {
    pub edges: FxHashMap<FuncNode, Vec<Edge>>,
}

impl CallGraph {
    pub fn calls_from(&self, f: FuncNode) -> &[Edge] {
        self.edges.get(&f).map_or(&[], Vec::as_slice)
    }

    /// Every function that calls `f`, with the call.
    pub fn callers_of(&self, f: FuncNode) -> Vec<(FuncNode, Edge)> {
        let mut out: Vec<_> = self
            .edges
            .iter()
            .flat_map(|(&caller, es)| {
                es.iter()
                    .filter(|e| e.callee == f)
                    .map(move |&e| (caller, e))
            })
            .collect();
        out.sort_by_key(|(c, e)| (*c, e.site));
        out
    }

    /// Builds the graph over the files the model checked (`files`), file
    /// by file on all cores; each caller's calls come from its own file,
    /// merged in file order, so the graph is the same as one thread's.
    pub fn build(s: &Semantic, files: &[FileId]) -> CallGraph {
        Calls::walk(s, files).graph(s, |_| true)
    }
}

/// The callees of one call as the walk finds them: fixed, or those of a
/// function value, which depend on the files whose assignments are in
/// view (resolved when a graph over some of the files is made).
#[derive(Clone, Copy)]
enum Callees {
    /// `start..start + len` of the file's `fixed`.
    Fixed {
        start: u32,
        len: u32,
    },
    Value(ObjId),
}

#[derive(Clone, Copy)]
struct Call {
    caller: FuncNode,
    kind: CallKind,
    lparen: u32,
    callees: Callees,
    /// A method call through an interface declared in a package whose
    /// bodies the model does not check (see [`Calls::outside_dispatch`]).
    outside: bool,
}

/// One file's calls, in the order its walk met them.
#[derive(Default)]
struct FileCalls {
    calls: Vec<Call>,
    fixed: Vec<FuncNode>,
}

/// The calls of a set of files, walked once: the call graphs of several
/// analyses over the same files (or over part of them) share the walk,
/// the interface implementations and the function values found, and
/// differ only in which files' assignments they take as in view.
pub struct Calls {
    files: Vec<(FileId, FileCalls)>,
}

impl Calls {
    /// Walks `files` on all cores.
    pub fn walk(s: &Semantic, files: &[FileId]) -> Calls {
        let impls = Implementations::new(&s.model);
        let walked = files
            .par_iter()
            .map(|&f| {
                // The file's function values found here, on all cores,
                // for the graphs made from this walk and for later readers.
                let _ = s.func_values_of(f);
                let mut fc = FileCalls::default();
                fc.walk_file(s, &impls, f);
                (f, fc)
            })
            .collect();
        Calls { files: walked }
    }

    /// The walked calls (file, offset of `(`) that call a method of an
    /// interface declared in a package whose bodies the model does not
    /// check (the standard library's or a dependency's, when the program
    /// is checked): the implementations in view are a guess, not the
    /// callees. Found during the walk, so that no analysis walks every
    /// file again for them.
    pub fn outside_dispatch(&self) -> Vec<(FileId, u32)> {
        self.files
            .iter()
            .flat_map(|(f, fc)| {
                fc.calls
                    .iter()
                    .filter(|c| c.outside)
                    .map(move |c| (*f, c.lparen))
            })
            .collect()
    }

    /// The call graph over the walked files for which `keep` holds: their
    /// functions' calls, function values resolved against their
    /// assignments alone (as a graph built over those files only).
    pub fn graph(&self, s: &Semantic, keep: impl Fn(FileId) -> bool) -> CallGraph {
        let m = &s.model;
        let kept: Vec<&(FileId, FileCalls)> = self.files.iter().filter(|(f, _)| keep(*f)).collect();
        let mut values = FuncValues::default();
        for (f, _) in &kept {
            values.add_all(s.func_values_of(*f));
        }
        let mut g = CallGraph::default();
        // A caller's calls come one after another: its edges are gathered
        // and added to its list at once, one lookup per run of calls, not
        // one per edge (the lists and the map's keys end as they would).
        let mut run: Vec<Edge> = Vec::new();
        let mut run_of: Option<FuncNode> = None;
        for (f, fc) in kept {
            for c in &fc.calls {
                if run_of != Some(c.caller) {
                    if let Some(caller) = run_of {
                        if !run.is_empty() {
                            g.edges.entry(caller).or_default().append(&mut run);
                        }
                    }
                    run_of = Some(c.caller);
                }
                let of_value;
                let callees: &[FuncNode] = match c.callees {
                    Callees::Fixed { start, len } => {
                        &fc.fixed[start as usize..(start + len) as usize]
                    }
                    Callees::Value(o) => {
                        of_value = values.of(m, o);
                        &of_value
                    }
                };
                run.extend(callees.iter().map(|&callee| Edge {
                    callee,
                    kind: c.kind,
                    site: (*f, c.lparen),
                }));
            }
        }
        if let Some(caller) = run_of {
            if !run.is_empty() {
                g.edges.entry(caller).or_default().append(&mut run);
            }
        }
        g
    }
}

impl FileCalls {
    /// Adds the calls of every function declared in file `f`.
    fn walk_file(&mut self, s: &Semantic, impls: &Implementations, f: FileId) {
        let sf = &s.model.files[f.0 as usize];
        let Some(view) = s.file(&sf.path) else {
            return;
        };
        for d in &sf.ast.decls {
            let Decl::Func(fd) = d else {
                self.walk_initialiser_literals(s, &view, impls, f, d);
                continue;
            };
            let Some(body) = &fd.body else { continue };
            let Some(obj) = view.object_of(&fd.name) else {
                continue;
            };
            self.walk(s, &view, impls, f, FuncNode::Decl(obj), Node::Block(body));
        }
    }

    /// Adds the calls of the function literals of a package-level
    /// declaration's initialisers (a command table's actions, a handler
    /// map's entries): each is a function of its own, as a literal in a
    /// body is. Calls made by the initialiser itself, outside any literal,
    /// run once at package initialisation and have no caller node.
    fn walk_initialiser_literals(
        &mut self,
        s: &Semantic,
        view: &crate::FileView,
        impls: &Implementations,
        file: FileId,
        d: &Decl,
    ) {
        let mut lits = Vec::new();
        inspect(Node::decl(d), &mut |n| {
            if let Node::Expr(Expr::FuncLit(l)) = n {
                lits.push(&**l);
                return false;
            }
            true
        });
        for l in lits {
            let node = FuncNode::Lit(file, l.typ.pos());
            self.walk(s, view, impls, file, node, Node::Block(&l.body));
        }
    }

    /// Adds the calls of one body; nested function literals are functions
    /// of their own, called nowhere unless a call of them is in view.
    fn walk(
        &mut self,
        s: &Semantic,
        view: &crate::FileView,
        impls: &Implementations,
        file: FileId,
        me: FuncNode,
        body: Node,
    ) {
        let mut kinds: FxHashMap<u32, CallKind> = FxHashMap::default();
        let mut lits = Vec::new();
        inspect(body, &mut |n| {
            match n {
                Node::Stmt(Stmt::Go(c)) => {
                    kinds.insert(c.call.lparen, CallKind::Go);
                }
                Node::Stmt(Stmt::Defer(c)) => {
                    kinds.insert(c.call.lparen, CallKind::Defer);
                }
                Node::Expr(Expr::FuncLit(l)) => {
                    lits.push(&**l);
                    return false;
                }
                Node::Call(c) => {
                    let kind = kinds.get(&c.lparen).copied().unwrap_or(CallKind::Call);
                    let callees = match value_callee(s, view, c) {
                        Some(o) => Callees::Value(o),
                        None => {
                            let start = self.fixed.len() as u32;
                            let found = callees(s, view, impls, &FuncValues::default(), file, c);
                            self.fixed.extend(found);
                            Callees::Fixed {
                                start,
                                len: self.fixed.len() as u32 - start,
                            }
                        }
                    };
                    self.calls.push(Call {
                        caller: me,
                        kind,
                        lparen: c.lparen,
                        callees,
                        outside: outside_dispatch(s, view, c),
                    });
                }
                _ => {}
            }
            true
        });
        for l in lits {
            let node = FuncNode::Lit(file, l.typ.pos());
            self.walk(s, view, impls, file, node, Node::Block(&l.body));
        }
    }
}

/// Whether `c` calls a method through an interface declared in a package
/// whose bodies the model does not check: declared where the receiver's
/// type is (a program's own interface embedding `io.Closer` is the
/// program's), else where the method is.
fn outside_dispatch(s: &Semantic, view: &crate::FileView, c: &CallExpr) -> bool {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return false;
    };
    let Some(t) = view.type_of(&sel.x) else {
        return false;
    };
    let m = &s.model;
    if !matches!(m.ty(m.under_ro(t)), Type::Interface(_)) {
        return false;
    }
    let declarer = match m.ty(t) {
        Type::Named(n) => Some(n.obj),
        _ => view.object_of_expr(&c.fun),
    };
    declarer.is_some_and(|o| {
        m.obj(o)
            .pkg
            .is_some_and(|p| !m.packages[p.0 as usize].bodies)
    })
}

/// The variable or field a call calls through, when its callees are the
/// function values assigned to it (the `Var | Field` case of [`callees`]).
fn value_callee(s: &Semantic, view: &crate::FileView, c: &CallExpr) -> Option<ObjId> {
    match c.fun.unparen() {
        Expr::FuncLit(_) | Expr::Index(_) | Expr::IndexList(_) => None,
        f => view
            .object_of_expr(f)
            .filter(|&o| matches!(s.model.obj(o).kind, ObjKind::Var | ObjKind::Field)),
    }
}

/// The functions a call may run.
fn callees(
    s: &Semantic,
    view: &crate::FileView,
    impls: &Implementations,
    values: &FuncValues,
    file: FileId,
    c: &CallExpr,
) -> Vec<FuncNode> {
    let m = &s.model;
    match c.fun.unparen() {
        Expr::FuncLit(l) => return vec![FuncNode::Lit(file, l.typ.pos())],
        Expr::Index(ix) => {
            return view
                .object_of_expr(&ix.x)
                .map(FuncNode::Decl)
                .into_iter()
                .collect()
        }
        Expr::IndexList(ix) => {
            return view
                .object_of_expr(&ix.x)
                .map(FuncNode::Decl)
                .into_iter()
                .collect()
        }
        _ => {}
    }
    let Some(o) = view.object_of_expr(&c.fun) else {
        return vec![];
    };
    match m.obj(o).kind {
        ObjKind::Func => vec![FuncNode::Decl(o)],
        ObjKind::Method => match impls.iface_of.get(&o).copied() {
            Some(iface) => {
                let iface = receiver_interface(view, c).unwrap_or(iface);
                impls.of(m, iface, &m.obj(o).name)
            }
            None => vec![FuncNode::Decl(o)],
        },
        ObjKind::Var | ObjKind::Field => values.of(m, o),
        _ => vec![],
    }
}

/// The interface type of the receiver of the method call `c` (`x` of
/// `x.M()`): the dynamic value there implements that interface, not just
/// the one declaring `M` (an embedded interface, or the generic interface
/// an instance was made from, whose methods without a type parameter are
/// the same objects in every instance: `Queue[*batch].IsEmpty` is
/// `Queue[T].IsEmpty`, and only the receiver tells `*batch` apart).
fn receiver_interface(view: &crate::FileView, c: &CallExpr) -> Option<TypeId> {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let t = m.under_ro(view.type_of(&sel.x)?);
    matches!(m.ty(t), Type::Interface(_)).then_some(t)
}

/// Named types and their methods, to resolve interface calls.
struct Implementations {
    named: Vec<TypeId>,
    /// For each of `named`, the bits of the names it has as members: a
    /// type lacking one of an interface's bits cannot implement it, and is
    /// passed over without a lookup per method.
    bits: Vec<NameBits>,
    /// The interface each interface method is declared in.
    iface_of: FxHashMap<ObjId, TypeId>,
    /// Answers already given, by interface and method name (shared by
    /// the threads building a graph; an answer found twice is the same).
    cache: std::sync::RwLock<ImplCache>,
    /// The named types implementing each interface asked about: one scan
    /// of every named type per interface, not per method name.
    implementers: std::sync::RwLock<FxHashMap<TypeId, std::sync::Arc<Vec<TypeId>>>>,
}

/// A cache's contents (a panic elsewhere cannot leave a cache half
/// written: entries are inserted whole).
fn read<T>(l: &std::sync::RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &std::sync::RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Implementations found per (interface, method name).
type ImplCache = FxHashMap<(TypeId, std::sync::Arc<str>), Vec<FuncNode>>;

impl Implementations {
    fn new(m: &Model) -> Implementations {
        let mut named = Vec::new();
        let mut iface_of = FxHashMap::default();
        for t in (0..m.types.len() as u32).map(TypeId) {
            match m.ty(t) {
                Type::Named(n) if n.origin.is_none() && !n.methods.is_empty() => named.push(t),
                Type::Interface(it) => {
                    for &meth in &it.methods {
                        iface_of.entry(meth).or_insert(t);
                    }
                }
                _ => {}
            }
        }
        let bits = named.iter().map(|&t| member_bits(m, t)).collect();
        Implementations {
            named,
            bits,
            iface_of,
            cache: Default::default(),
            implementers: Default::default(),
        }
    }

    fn implementers_of(&self, m: &Model, iface: TypeId) -> std::sync::Arc<Vec<TypeId>> {
        if let Some(v) = read(&self.implementers).get(&iface) {
            return v.clone();
        }
        // `Model::implements`, with the interface's methods gathered once.
        let mut methods = Vec::new();
        m.all_interface_methods(iface, &mut methods, 0);
        let mut need = NameBits::default();
        for &im in &methods {
            need.add(&m.obj(im).name);
        }
        let has_all = |(t, bits): (TypeId, &NameBits)| {
            !methods.is_empty()
                && bits.covers(&need)
                && methods.iter().all(|&im| {
                    m.method(t, &m.obj(im).name)
                        .is_some_and(|cm| m.same_signature(cm, im))
                })
        };
        let v: std::sync::Arc<Vec<TypeId>> = std::sync::Arc::new(
            self.named
                .iter()
                .copied()
                .zip(&self.bits)
                .filter(|&p| has_all(p))
                .map(|(t, _)| t)
                .collect(),
        );
        write(&self.implementers).insert(iface, v.clone());
        v
    }

    /// The method `name` of every named type that implements `iface`.
    fn of(&self, m: &Model, iface: TypeId, name: &std::sync::Arc<str>) -> Vec<FuncNode> {
        let key = (iface, name.clone());
        if let Some(v) = read(&self.cache).get(&key) {
            return v.clone();
        }
        let types = self.implementers_of(m, iface);
        let found: Vec<FuncNode> = types
            .iter()
            .filter_map(|&t| m.method(t, name))
            .filter(|meth| !self.iface_of.contains_key(meth))
            .map(FuncNode::Decl)
            .collect();
        write(&self.cache).insert(key, found.clone());
        found
    }
}

/// A set of names as bits of their hashes: a name whose bit is clear is
/// surely not in the set (a set bit may come from another name).
#[derive(Default, Clone, Copy)]
struct NameBits([u64; 4]);

impl NameBits {
    fn add(&mut self, name: &str) {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        name.hash(&mut h);
        let bit = (h.finish() >> 56) as usize;
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    fn covers(&self, need: &NameBits) -> bool {
        self.0
            .iter()
            .zip(&need.0)
            .all(|(have, want)| have & want == *want)
    }
}

/// The names [`Model::member`] can find from `t`: it visits the same types
/// the same way (breadth-first through embedded fields, at most eight
/// levels, each named type once) but collects every name on the way, so
/// a name it lacks is one `member` (and `method`) cannot find.
fn member_bits(m: &Model, t: TypeId) -> NameBits {
    let mut bits = NameBits::default();
    let mut level = vec![m.deref(t)];
    let mut seen = Vec::new();
    for _ in 0..8 {
        let mut next = Vec::new();
        for t in level {
            let t = m.unalias_ro(t);
            if let Type::Named(n) = m.ty(t) {
                let origin = n.origin.unwrap_or(t);
                if seen.contains(&origin) {
                    continue;
                }
                seen.push(origin);
                let methods = match m.ty(origin) {
                    Type::Named(o) => &o.methods,
                    _ => &n.methods,
                };
                for &meth in methods {
                    bits.add(&m.obj(meth).name);
                }
            }
            match m.ty(m.under_ro(t)) {
                Type::Struct(fields) => {
                    for f in fields {
                        bits.add(&m.obj(f.obj).name);
                    }
                    next.extend(
                        fields
                            .iter()
                            .filter(|f| f.embedded)
                            .map(|f| m.deref(m.obj(f.obj).typ)),
                    );
                }
                Type::Interface(_) => interface_bits(m, m.under_ro(t), 0, &mut bits),
                _ => {}
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    bits
}

/// The method names `Model::interface_method` can find in `t`.
fn interface_bits(m: &Model, t: TypeId, depth: u32, bits: &mut NameBits) {
    if depth > 10 {
        return;
    }
    let Type::Interface(it) = m.ty(m.under_ro(t)) else {
        return;
    };
    for &meth in &it.methods {
        bits.add(&m.obj(meth).name);
    }
    for &e in &it.embeddeds {
        interface_bits(m, e, depth + 1, bits);
    }
}

/// Functions assigned to variables and fields in view: `v = f`,
/// `s.h = g`, `T{h: g}`, and arguments bound to parameters.
#[derive(Default)]
pub(crate) struct FuncValues {
    by_target: FxHashMap<(u32, u32, u32), FxHashSet<FuncNode>>,
}

impl FuncValues {
    /// The function values of `files`, on the calling thread alone: for callers
    /// that hold a lock or fill a cell, where a rayon worker waiting for
    /// its helpers could pick up a job that asks for the same lock.
    fn collect_here(s: &Semantic, files: &[FileId]) -> FuncValues {
        let mut fv = FuncValues::default();
        for &f in files {
            fv.add_all(s.func_values_of(f));
        }
        fv
    }

    /// Adds another file's values (none: nothing).
    fn add_all(&mut self, part: Option<&FuncValues>) {
        for (target, nodes) in part.into_iter().flat_map(|p| &p.by_target) {
            self.by_target
                .entry(*target)
                .or_default()
                .extend(nodes.iter().copied());
        }
    }

    pub(crate) fn of_file(s: &Semantic, f: FileId) -> FuncValues {
        let mut fv = FuncValues::default();
        let m = &s.model;
        let sf = &m.files[f.0 as usize];
        let Some(view) = s.file(&sf.path) else {
            return fv;
        };
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                    for (l, r) in a.lhs.iter().zip(&a.rhs) {
                        fv.bind(m, &view, f, l, r);
                    }
                }
                Node::Expr(Expr::CompositeLit(cl)) => {
                    for e in &cl.elts {
                        if let Expr::KeyValue(kv) = e {
                            fv.bind(m, &view, f, &kv.key, &kv.value);
                        }
                    }
                }
                Node::Spec(letgo_go::ast::Spec::Value(v)) if v.names.len() == v.values.len() => {
                    for (name, val) in v.names.iter().zip(&v.values) {
                        if let Some(o) = view.object_of(name) {
                            fv.add(m, o, &view, f, val);
                        }
                    }
                }
                Node::Call(c) => fv.bind_args(m, &view, f, c),
                _ => {}
            }
            true
        });
        fv
    }

    fn bind(&mut self, m: &Model, view: &crate::FileView, f: FileId, target: &Expr, value: &Expr) {
        if let Some(o) = view.object_of_expr(target) {
            self.add(m, o, view, f, value);
        }
    }

    fn bind_args(&mut self, m: &Model, view: &crate::FileView, f: FileId, c: &CallExpr) {
        let Some(callee) = view.object_of_expr(&c.fun) else {
            return;
        };
        let Type::Signature(sig) = m.ty(m.obj(callee).typ) else {
            return;
        };
        for (p, a) in sig.params.iter().zip(&c.args) {
            self.add(m, *p, view, f, a);
        }
    }

    fn add(&mut self, m: &Model, target: ObjId, view: &crate::FileView, f: FileId, value: &Expr) {
        let node = match value.unparen() {
            Expr::FuncLit(l) => FuncNode::Lit(f, l.typ.pos()),
            e => match view.object_of_expr(e) {
                Some(o) if matches!(m.obj(o).kind, ObjKind::Func | ObjKind::Method) => {
                    FuncNode::Decl(o)
                }
                _ => return,
            },
        };
        self.by_target
            .entry(m.identity(target))
            .or_default()
            .insert(node);
    }

    fn of(&self, m: &Model, target: ObjId) -> Vec<FuncNode> {
        let mut v: Vec<_> = self
            .by_target
            .get(&m.identity(target))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

impl Model {
    /// Whether `t` (or `*t`) has every method of interface `iface`, by
    /// name and signature (see [`Model::same_signature`]).
    pub fn implements(&self, t: TypeId, iface: TypeId) -> bool {
        let mut methods = Vec::new();
        self.all_interface_methods(iface, &mut methods, 0);
        !methods.is_empty()
            && methods.iter().all(|&im| {
                let name = &self.obj(im).name;
                self.method(t, name)
                    .is_some_and(|cm| self.same_signature(cm, im))
            })
    }

    fn all_interface_methods(&self, t: TypeId, out: &mut Vec<ObjId>, depth: u32) {
        if depth > 10 {
            return;
        }
        let Type::Interface(it) = self.ty(self.under_ro(t)) else {
            return;
        };
        out.extend(it.methods.iter().copied());
        for &e in &it.embeddeds {
            self.all_interface_methods(e, out, depth + 1);
        }
    }

    /// Whether methods `a` and `b` may have identical signatures: the same
    /// number of parameters and results, the same variadic flag, and at
    /// each position types that may be identical. A method of a type that
    /// differs from an interface's method in a parameter's or result's type
    /// does not implement it (Go's method-set rule), however the names
    /// agree: `find(id int) int` is no `find(key string) int`, and
    /// `peek() job` no `peek() *bundle` of a `fifo[*bundle]` (an
    /// instantiated interface's methods carry its type arguments).
    fn same_signature(&self, a: ObjId, b: ObjId) -> bool {
        match (self.ty(self.obj(a).typ), self.ty(self.obj(b).typ)) {
            (Type::Signature(x), Type::Signature(y)) => self.signatures_may_match(x, y, 0),
            _ => false,
        }
    }

    fn signatures_may_match(&self, x: &Signature, y: &Signature, depth: u32) -> bool {
        let vars = |a: &[ObjId], b: &[ObjId]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(&p, &q)| self.may_be_identical(self.obj(p).typ, self.obj(q).typ, depth))
        };
        x.variadic == y.variadic && vars(&x.params, &y.params) && vars(&x.results, &y.results)
    }

    /// Whether types `a` and `b` may be identical. Only a difference the
    /// model surely knows says no: a type parameter (of a generic type's
    /// own method), a type out of view, an interface, struct or tuple
    /// literal may be identical to anything of its kind. Named types are
    /// the same declaration with type arguments that may be identical.
    fn may_be_identical(&self, a: TypeId, b: TypeId, depth: u32) -> bool {
        let (a, b) = (self.unalias_ro(a), self.unalias_ro(b));
        if a == b || depth > 16 {
            return true;
        }
        let d = depth + 1;
        let same = |x: TypeId, y: TypeId| self.may_be_identical(x, y, d);
        match (self.ty(a), self.ty(b)) {
            (Type::TypeParam { .. }, _) | (_, Type::TypeParam { .. }) => true,
            (Type::Basic(BasicKind::Invalid, _), _) | (_, Type::Basic(BasicKind::Invalid, _)) => {
                true
            }
            (Type::Basic(x, _), Type::Basic(y, _)) => x == y,
            (Type::Named(x), Type::Named(y)) => {
                x.obj == y.obj
                    && (x.targs.len() != y.targs.len()
                        || x.targs.iter().zip(&y.targs).all(|(&p, &q)| same(p, q)))
            }
            (Type::Pointer(x), Type::Pointer(y)) | (Type::Slice(x), Type::Slice(y)) => same(*x, *y),
            (Type::Array(n, x), Type::Array(k, y)) => {
                (n.is_none() || k.is_none() || n == k) && same(*x, *y)
            }
            (Type::Map(k1, v1), Type::Map(k2, v2)) => same(*k1, *k2) && same(*v1, *v2),
            (Type::Chan(d1, x), Type::Chan(d2, y)) => d1 == d2 && same(*x, *y),
            (Type::Signature(x), Type::Signature(y)) => self.signatures_may_match(x, y, d),
            (Type::Struct(x), Type::Struct(y)) => x.len() == y.len(),
            (Type::Interface(_), Type::Interface(_))
            | (Type::Tuple(_), Type::Tuple(_))
            | (Type::Union(_), Type::Union(_)) => true,
            _ => false,
        }
    }
}

/// Resolves single calls on demand, as [`CallGraph::build`] resolves
/// every call: for analyses that need the callees of a few calls only.
/// The function values in view are collected on first need (a call
/// through a variable or field).
pub struct CallResolver {
    files: Vec<FileId>,
    impls: Implementations,
    values: std::sync::OnceLock<FuncValues>,
}

impl CallResolver {
    /// Over the files `files` of the model of `s` (where function values
    /// are looked for).
    pub fn new(s: &Semantic, files: &[FileId]) -> CallResolver {
        CallResolver {
            files: files.to_vec(),
            impls: Implementations::new(&s.model),
            values: std::sync::OnceLock::new(),
        }
    }

    /// The functions the call `c` of file `file` may run (empty: none in
    /// view). `s` is the semantic model the resolver was made for.
    pub fn callees(&self, s: &Semantic, file: FileId, c: &CallExpr) -> Vec<FuncNode> {
        let path = &s.model.files[file.0 as usize].path;
        let Some(view) = s.file(path) else {
            return Vec::new();
        };
        let m = &s.model;
        let value = match c.fun.unparen() {
            Expr::FuncLit(_) | Expr::Index(_) | Expr::IndexList(_) => None,
            f => view
                .object_of_expr(f)
                .filter(|&o| matches!(m.obj(o).kind, ObjKind::Var | ObjKind::Field)),
        };
        let Some(o) = value else {
            return callees(s, &view, &self.impls, &FuncValues::default(), file, c);
        };
        if let Some(home) = local_variable(s, o) {
            let none = FuncValues::default();
            let values = s.func_values_of(home).unwrap_or(&none);
            return callees(s, &view, &self.impls, values, file, c);
        }
        let values = self
            .values
            .get_or_init(|| FuncValues::collect_here(s, &self.files));
        callees(s, &view, &self.impls, values, file, c)
    }
}

/// The file of a variable declared in a function body (not a parameter,
/// result or package variable): only that file can assign it.
fn local_variable(s: &Semantic, o: ObjId) -> Option<FileId> {
    let m = &s.model;
    let obj = m.obj(o);
    if obj.kind != ObjKind::Var || m.is_package_level(o) {
        return None;
    }
    let (file, off) = obj.pos?;
    let ast = &m.files[file.0 as usize].ast;
    let mut param = false;
    inspect(Node::File(ast), &mut |n| {
        match n {
            Node::FuncType(t) => param |= declares_at(t, off),
            Node::FuncDecl(fd) => {
                param |=
                    declares_at(&fd.typ, off) || fd.recv.as_ref().is_some_and(|r| names_at(r, off));
            }
            Node::Expr(Expr::FuncLit(l)) => param |= declares_at(&l.typ, off),
            _ => {}
        }
        !param
    });
    (!param).then_some(file)
}

fn declares_at(t: &letgo_go::ast::FuncType, off: u32) -> bool {
    names_at(&t.params, off) || t.results.as_ref().is_some_and(|r| names_at(r, off))
}

fn names_at(l: &letgo_go::ast::FieldList, off: u32) -> bool {
    l.list.iter().any(|f| f.names.iter().any(|n| n.pos == off))
}

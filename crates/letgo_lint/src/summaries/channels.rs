//! Channel summaries over the call graph: per function (declared or
//! literal) that takes or returns a channel — the only functions a caller
//! can hand one to or get one from — the channel operations it performs,
//! itself or through the functions it calls, on each channel it can name:
//! - a parameter (by index), so a caller can map them to its argument;
//! - a field of a struct type (by the field object's identity);
//! - a package variable (by its object's identity);
//! - a channel it returns (by result index): a local made in the
//!   function and handed back, e.g. a constructor that closes it in a
//!   goroutine.
//!
//! Calls are resolved on demand (`CallResolver`: static calls, methods,
//! every implementation in view of an interface method, function values
//! assigned in view), only where a channel is handed over.
//!
//! Computed once per run, bottom-up with a fixed point for recursion:
//! a function gets what its callees do to the channels it hands them,
//! until nothing changes. Fields and package variables are summarised
//! where they are written (not carried to callers).
//!
//! "Out of view" stays out of view. A parameter (or returned local) that
//! leaves the function other than by an operation, `len`/`cap`, a
//! comparison or an argument to a callee in view — stored, sent, returned,
//! converted, handed to a function outside the checked modules, to an
//! interface with no implementation in view or a function value of
//! unknown origin — is *escaped*: callers must not conclude anything
//! from the absence of an operation on it.

use crate::channels::OpKind;
use letgo_go::ast::{CallExpr, Decl, Expr, FuncType, Ident, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::{CallResolver, FuncNode};
use letgo_types::model::{Builtin, FileId, ObjId, ObjKind};
use letgo_types::types::Type;
use letgo_types::{FileView, Semantic};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// An object's identity in the semantic model (`Model::identity`).
pub type Identity = (u32, u32, u32);

/// A channel as a function names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Param(u32),
    Field(Identity),
    Global(Identity),
    Result(u32),
}

/// Where an operation is written, and how it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpSite {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    /// Runs in a goroutine (or callback) the function starts, not in the
    /// caller's flow.
    pub spawned: bool,
}

/// What one function does to the channels it names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// By channel, kind and whether the operation blocks until a partner
    /// comes (not a `select` case with another way out): the first site.
    pub ops: BTreeMap<(Target, OpKind, bool), OpSite>,
    /// Channels that leave the view inside the function.
    pub escaped: BTreeSet<Target>,
    /// Results that are channels the function made (`ch := make(...)`).
    pub made_results: BTreeSet<Target>,
}

impl Summary {
    fn add(&mut self, key: (Target, OpKind, bool), site: OpSite) -> bool {
        match self.ops.get(&key) {
            Some(_) => false,
            None => {
                self.ops.insert(key, site);
                true
            }
        }
    }

    /// Operations on `t`: kind, blocking, site.
    pub fn on(&self, t: Target) -> impl Iterator<Item = (OpKind, bool, OpSite)> + '_ {
        self.ops
            .iter()
            .filter(move |((x, _, _), _)| *x == t)
            .map(|(&(_, k, b), &s)| (k, b, s))
    }
}

/// A channel handed to a call: the callees in view, and the argument.
#[derive(Clone, Debug)]
struct Pass {
    target: Target,
    callees: Vec<FuncNode>,
    arg: u32,
    spawned: bool,
}

/// The summaries of every function of the checked modules that takes or
/// returns a channel (any other has nothing to say about one: a channel
/// handed to a parameter of another type, `any` included, leaves the view).
pub struct ChanSummaries {
    by_node: FxHashMap<FuncNode, Summary>,
    /// Resolves the calls the channel view asks about, on demand: most
    /// calls never hand over a channel.
    resolver: Mutex<CallResolver>,
}

impl ChanSummaries {
    /// Summarises the functions of `files` (the checked modules' files).
    pub fn build(s: &Semantic, files: &[FileId]) -> ChanSummaries {
        let resolver = CallResolver::new(s, files);
        // File by file on all cores; inserted in file order, as one
        // thread scanning them in turn would have.
        let scanned: Vec<Vec<Scanned>> = files
            .par_iter()
            .map(|&f| scan_file(s, f, &resolver))
            .collect();
        let mut by_node = FxHashMap::default();
        let mut passes: FxHashMap<FuncNode, Vec<Pass>> = FxHashMap::default();
        for (node, summary, ps) in scanned.into_iter().flatten() {
            by_node.insert(node, summary);
            passes.insert(node, ps);
        }
        let mut out = ChanSummaries {
            by_node,
            resolver: Mutex::new(resolver),
        };
        out.fixed_point(&passes);
        out
    }

    pub fn of(&self, f: FuncNode) -> Option<&Summary> {
        self.by_node.get(&f)
    }

    /// The functions in view the call `c` of file `file` may run; `s` is
    /// the model the summaries were built from.
    pub fn callees(&self, s: &Semantic, file: FileId, c: &CallExpr) -> Vec<FuncNode> {
        match self.resolver.lock() {
            Ok(r) => r.callees(s, file, c),
            Err(_) => Vec::new(),
        }
    }

    /// What the call `c` of file `file` does to its argument `arg`, over
    /// every callee it may run; `None` when the argument leaves the view
    /// (no callee in view, a callee not summarised, or one that lets the
    /// channel escape).
    pub fn arg_ops(
        &self,
        s: &Semantic,
        file: FileId,
        c: &CallExpr,
        arg: usize,
    ) -> Option<Vec<(OpKind, bool, OpSite)>> {
        if c.ellipsis.is_some() {
            return None;
        }
        let callees = self.callees(s, file, c);
        if callees.is_empty() {
            return None;
        }
        let t = Target::Param(arg as u32);
        let mut out = Vec::new();
        for f in &callees {
            let s = self.by_node.get(f)?;
            if s.escaped.contains(&t) {
                return None;
            }
            out.extend(s.on(t));
        }
        Some(out)
    }

    /// What function `f` (and the goroutines it starts) does to the
    /// channel it returns as result `k`; `None` when that channel leaves
    /// the view inside `f`, or `f` does not return a channel it made.
    pub fn result_ops(&self, f: FuncNode, k: usize) -> Option<Vec<(OpKind, bool, OpSite)>> {
        let s = self.by_node.get(&f)?;
        let t = Target::Result(k as u32);
        if s.escaped.contains(&t) || !s.made_results.contains(&t) {
            return None;
        }
        Some(s.on(t).collect())
    }

    /// Adds to each function what its callees do to the channels it
    /// hands them, until stable: a worklist, where a function whose
    /// summary grows puts its callers back on the list. Operations on
    /// fields and package variables stay with the function that writes
    /// them: carried up the whole call graph they would make every
    /// summary as large as the program's channels (the channel view walks
    /// every function of a package for those anyway).
    fn fixed_point(&mut self, passes: &FxHashMap<FuncNode, Vec<Pass>>) {
        let mut callers: FxHashMap<FuncNode, Vec<FuncNode>> = FxHashMap::default();
        for (&f, ps) in passes {
            for p in ps {
                for &c in &p.callees {
                    callers.entry(c).or_default().push(f);
                }
            }
        }
        let mut work: Vec<FuncNode> = self.by_node.keys().copied().collect();
        work.sort();
        let mut queued: FxHashSet<FuncNode> = work.iter().copied().collect();
        while let Some(f) = work.pop() {
            queued.remove(&f);
            let mut next = self.by_node[&f].clone();
            for p in passes.get(&f).map_or(&[][..], Vec::as_slice) {
                self.merge_pass(&mut next, p);
            }
            if next != self.by_node[&f] {
                self.by_node.insert(f, next);
                for &c in callers.get(&f).map_or(&[][..], Vec::as_slice) {
                    if self.by_node.contains_key(&c) && queued.insert(c) {
                        work.push(c);
                    }
                }
            }
        }
    }

    fn merge_pass(&self, into: &mut Summary, p: &Pass) {
        let j = Target::Param(p.arg);
        let mut escaped = p.callees.is_empty();
        for c in &p.callees {
            match self.by_node.get(c) {
                Some(s) if !s.escaped.contains(&j) => {
                    for (k, b, site) in s.on(j) {
                        let spawned = site.spawned || p.spawned;
                        into.add((p.target, k, b), OpSite { spawned, ..site });
                    }
                }
                _ => escaped = true,
            }
        }
        if escaped {
            into.escaped.insert(p.target);
        }
    }
}

/// A function's summary and the channels it passes on.
type Scanned = (FuncNode, Summary, Vec<Pass>);

/// Summarises every function (declared or literal) of file `f`, in the
/// order of the file.
fn scan_file(s: &Semantic, f: FileId, resolver: &CallResolver) -> Vec<Scanned> {
    let mut out = Vec::new();
    let sf = s.model.files[f.0 as usize].clone();
    let Some(view) = s.file(&sf.path) else {
        return out;
    };
    let m = &s.model;
    for d in &sf.ast.decls {
        let Decl::Func(fd) = d else { continue };
        let Some(body) = &fd.body else { continue };
        let Some(obj) = view.object_of(&fd.name) else {
            continue;
        };
        let mut funcs = Vec::new();
        if takes_or_returns_chan(m, m.obj(obj).typ) {
            funcs.push((FuncNode::Decl(obj), &fd.typ, body));
        }
        // A literal is written `func`: a body without the word has none.
        let lits = body.span_text(&sf.src).contains("func");
        inspect(Node::Block(body), &mut |n| {
            if !lits {
                return false;
            }
            if let Node::Expr(e @ Expr::FuncLit(l)) = n {
                if view.type_of(e).is_some_and(|t| takes_or_returns_chan(m, t)) {
                    funcs.push((FuncNode::Lit(f, l.typ.pos()), &l.typ, &l.body));
                }
            }
            true
        });
        for (node, typ, body) in funcs {
            let mut sc = Scan {
                view: &view,
                file: f,
                resolver,
                semantic: s,
                tracked: FxHashMap::default(),
                summary: Summary::default(),
                passes: Vec::new(),
                accounted: FxHashSet::default(),
                made: made_locals(&view, body),
                body_start: body.lbrace,
            };
            sc.params(typ);
            sc.returned_locals(body);
            sc.walk(body);
            sc.escapes(body);
            out.push((node, sc.summary, sc.passes));
        }
    }
    out
}

/// The scan of one function body.
struct Scan<'v, 's> {
    view: &'v FileView<'s>,
    file: FileId,
    resolver: &'v CallResolver,
    semantic: &'v Semantic,
    /// Parameters and returned locals, by object.
    tracked: FxHashMap<ObjId, Target>,
    summary: Summary,
    passes: Vec<Pass>,
    /// Uses of tracked objects that are operations, passes or harmless.
    accounted: FxHashSet<u32>,
    /// Locals declared by `make`.
    made: FxHashSet<u32>,
    body_start: u32,
}

impl Scan<'_, '_> {
    fn params(&mut self, typ: &FuncType) {
        let mut i = 0u32;
        for field in &typ.params.list {
            if field.names.is_empty() {
                i += 1;
            }
            for n in &field.names {
                // Only channels: other parameters say nothing of one.
                let m = self.view.model();
                if let Some(o) = self.view.object_of(n).filter(|&o| is_chan(m, m.obj(o).typ)) {
                    self.tracked.insert(o, Target::Param(i));
                }
                i += 1;
            }
        }
    }

    /// `return ..., ch, ...` of a local channel variable, outside nested
    /// literals (their returns are theirs).
    fn returned_locals(&mut self, body: &letgo_go::ast::BlockStmt) {
        let mut found = Vec::new();
        inspect(Node::Block(body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Stmt(Stmt::Return(r)) => {
                    for (k, x) in r.results.iter().enumerate() {
                        if let Expr::Ident(id) = x.unparen() {
                            found.push((k as u32, *id));
                        }
                    }
                }
                _ => {}
            }
            true
        });
        let m = self.view.model();
        for (k, id) in found {
            let Some(o) = self.view.object_of(&id) else {
                continue;
            };
            let obj = m.obj(o);
            let local = obj.kind == ObjKind::Var
                && obj
                    .pos
                    .is_some_and(|(f, off)| f == self.file && off > self.body_start);
            let known = self.tracked.get(&o).copied();
            if local && is_chan(m, obj.typ) && known.is_none_or(|t| t == Target::Result(k)) {
                self.tracked.insert(o, Target::Result(k));
                self.accounted.insert(id.pos);
                if obj.pos.is_some_and(|(_, off)| self.made.contains(&off)) {
                    self.summary.made_results.insert(Target::Result(k));
                }
            } else if known.is_some() {
                // Returned as another result, or a parameter handed back.
                self.summary.escaped.insert(known.unwrap());
            }
        }
    }

    /// The channel `x` names: a tracked object, a field, a package
    /// variable.
    fn target(&self, x: &Expr) -> Option<Target> {
        let m = self.view.model();
        let o = self.view.object_of_expr(x)?;
        if let Some(&t) = self.tracked.get(&o) {
            return matches!(x.unparen(), Expr::Ident(_)).then_some(t);
        }
        let obj = m.obj(o);
        if !is_chan(m, obj.typ) {
            return None;
        }
        match (obj.kind, x.unparen()) {
            (ObjKind::Field, Expr::Selector(_)) => Some(Target::Field(m.identity(o))),
            (ObjKind::Var, Expr::Ident(_)) if m.is_package_level(o) => {
                Some(Target::Global(m.identity(o)))
            }
            _ => None,
        }
    }

    fn account(&mut self, x: &Expr) {
        if let Expr::Ident(id) = x.unparen() {
            self.accounted.insert(id.pos);
        }
    }

    fn op(&mut self, x: &Expr, kind: OpKind, span: (u32, u32), ctx: &Where) {
        let Some(t) = self.target(x) else { return };
        self.account(x);
        let site = OpSite {
            file: self.file,
            start: span.0,
            end: span.1,
            spawned: ctx.spawned(span.0),
        };
        self.summary.add((t, kind, ctx.blocking(span.0)), site);
    }

    fn walk(&mut self, body: &letgo_go::ast::BlockStmt) {
        let ctx = Where::of(body);
        let mut calls = Vec::new();
        let mut ops: Vec<(&Expr, OpKind, (u32, u32))> = Vec::new();
        let mut compared = Vec::new();
        inspect(Node::Block(body), &mut |n| {
            match n {
                Node::Stmt(Stmt::Send(send)) => ops.push((&send.chan, OpKind::Send, span(n))),
                Node::Stmt(Stmt::Range(r)) => {
                    ops.push((&r.x, OpKind::Range, (r.x.pos(), r.x.end())))
                }
                Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
                    ops.push((&u.x, OpKind::Recv, span(n)))
                }
                // A comparison (`ch == nil`) only reads the channel.
                Node::Expr(Expr::Binary(b)) if matches!(b.op, Token::Eql | Token::Neq) => {
                    compared.push(&b.x);
                    compared.push(&b.y);
                }
                Node::Call(c) => calls.push(c),
                _ => {}
            }
            true
        });
        for x in compared {
            self.account(x);
        }
        for (x, kind, sp) in ops {
            self.op(x, kind, sp, &ctx);
        }
        for c in calls {
            self.call(c, &ctx);
        }
    }

    fn call(&mut self, c: &letgo_go::ast::CallExpr, ctx: &Where) {
        let m = self.view.model();
        let builtin = match c.fun.unparen() {
            Expr::Ident(id) => self.view.object_of(id).and_then(|o| match m.obj(o).kind {
                ObjKind::Builtin(b) => Some(b),
                _ => None,
            }),
            _ => None,
        };
        match builtin {
            Some(Builtin::Close) if c.args.len() == 1 => {
                self.op(&c.args[0], OpKind::Close, (c.pos(), c.end()), ctx);
                return;
            }
            Some(Builtin::Len | Builtin::Cap) => {
                c.args.iter().for_each(|a| self.account(a));
                return;
            }
            Some(_) => return,
            None => {}
        }
        let spawned = ctx.spawned(c.pos()) || ctx.go_calls.contains(&c.lparen);
        for (i, a) in c.args.iter().enumerate() {
            let Some(t) = self.target(a) else { continue };
            if !matches!(t, Target::Param(_) | Target::Result(_)) {
                continue;
            }
            self.account(a);
            let callees = match c.ellipsis {
                Some(_) => Vec::new(),
                None => self.resolver.callees(self.semantic, self.file, c),
            };
            self.passes.push(Pass {
                target: t,
                callees,
                arg: i as u32,
                spawned,
            });
        }
    }

    /// Uses of tracked objects that are none of the above leave the view.
    fn escapes(&mut self, body: &letgo_go::ast::BlockStmt) {
        let mut uses: Vec<Ident> = Vec::new();
        inspect(Node::Block(body), &mut |n| {
            if let Node::Ident(id) = n {
                uses.push(*id);
            }
            true
        });
        for id in uses {
            let Some(o) = self.view.object_of(&id) else {
                continue;
            };
            let Some(&t) = self.tracked.get(&o) else {
                continue;
            };
            if self.accounted.contains(&id.pos) || self.made_here(o, &id) {
                continue;
            }
            self.summary.escaped.insert(t);
        }
    }

    /// The declaration of a returned local: `ch := make(chan T)` keeps it
    /// ours; any other declaration brings a channel from elsewhere.
    fn made_here(&self, o: ObjId, id: &Ident) -> bool {
        matches!(self.tracked.get(&o), Some(Target::Result(_))) && self.made.contains(&id.pos)
    }
}

/// The variables `x := make(...)` and `var x = make(...)` declare in a
/// body, by the position of their name.
fn made_locals(view: &FileView, body: &letgo_go::ast::BlockStmt) -> FxHashSet<u32> {
    let mut made = FxHashSet::default();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Assign(a)) if a.tok == Token::Define && a.lhs.len() == a.rhs.len() => {
                for (l, r) in a.lhs.iter().zip(&a.rhs) {
                    if let (Expr::Ident(x), true) = (l, is_make(view, r)) {
                        made.insert(x.pos);
                    }
                }
            }
            Node::Spec(letgo_go::ast::Spec::Value(v)) if v.names.len() == v.values.len() => {
                for (x, r) in v.names.iter().zip(&v.values) {
                    if is_make(view, r) {
                        made.insert(x.pos);
                    }
                }
            }
            _ => {}
        }
        true
    });
    made
}

/// `make(...)`, the builtin.
fn is_make(view: &FileView, x: &Expr) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    let Expr::Ident(id) = c.fun.unparen() else {
        return false;
    };
    view.object_of(id)
        .is_some_and(|o| view.model().obj(o).kind == ObjKind::Builtin(Builtin::Make))
}

fn span(n: Node) -> (u32, u32) {
    match n {
        Node::Stmt(s) => (s.pos(), s.end()),
        Node::Expr(e) => (e.pos(), e.end()),
        _ => (0, 0),
    }
}

/// Whether `t` is a channel type, through names and aliases.
fn is_chan(m: &letgo_types::Model, t: letgo_types::types::TypeId) -> bool {
    matches!(m.ty(m.under_ro(t)), Type::Chan(..))
}

/// Where in a body an offset lies: in a nested literal or `go` call
/// (another goroutine or a callback), in a `select` case with another
/// way out.
struct Where {
    /// Spans of nested function literals and `go` statements.
    spawned: Vec<(u32, u32)>,
    /// Offsets of the `(` of calls started by `go`.
    go_calls: FxHashSet<u32>,
    /// Spans of comm clauses' operations that do not block.
    non_blocking: Vec<(u32, u32)>,
}

impl Where {
    fn of(body: &letgo_go::ast::BlockStmt) -> Where {
        let mut w = Where {
            spawned: Vec::new(),
            go_calls: FxHashSet::default(),
            non_blocking: Vec::new(),
        };
        inspect(Node::Block(body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(l)) => {
                    w.spawned.push((l.body.lbrace, l.body.end()));
                }
                Node::Stmt(Stmt::Go(g)) => {
                    w.go_calls.insert(g.call.lparen);
                    w.spawned.push((g.call.pos(), g.call.end()));
                }
                Node::Stmt(Stmt::Select(sel)) => {
                    let has_default = sel.body.clauses.iter().any(|c| c.comm.is_none());
                    let cases = sel.body.clauses.iter().filter(|c| c.comm.is_some()).count();
                    if has_default || cases > 1 {
                        for c in &sel.body.clauses {
                            if let Some(s) = &c.comm {
                                w.non_blocking.push((s.pos(), s.end()));
                            }
                        }
                    }
                }
                _ => {}
            }
            true
        });
        w
    }

    fn spawned(&self, at: u32) -> bool {
        self.spawned.iter().any(|&(a, b)| a <= at && at < b)
    }

    fn blocking(&self, at: u32) -> bool {
        !self.non_blocking.iter().any(|&(a, b)| a <= at && at < b)
    }
}

/// The summaries of a run, built on first use (only runs with a channel
/// rule need them) over the files of the checked modules.
pub struct LazyChanSummaries<'s> {
    semantic: &'s Semantic,
    files: Vec<FileId>,
    cell: std::sync::OnceLock<ChanSummaries>,
}

impl<'s> LazyChanSummaries<'s> {
    /// Over the model's files under `roots` (module roots and checked
    /// directories), vendored code excluded: other modules are out of
    /// view. Only packages whose bodies the model resolved (the checked
    /// ones) can be summarised: a function of any other package is out of
    /// view, as if it were in another module.
    pub fn new(semantic: &'s Semantic, roots: &[std::path::PathBuf]) -> Self {
        let m = &semantic.model;
        let files = m
            .files
            .iter()
            .enumerate()
            .filter(|&(i, f)| {
                m.packages[m.file_pkgs[i].0 as usize].bodies
                    && roots.iter().any(|r| f.path.starts_with(r))
                    && !f.path.components().any(|c| c.as_os_str() == "vendor")
            })
            .map(|(i, _)| FileId(i as u32))
            .collect();
        LazyChanSummaries {
            semantic,
            files,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The model the summaries are built from.
    pub fn semantic(&self) -> &'s Semantic {
        self.semantic
    }

    pub fn get(&self) -> &ChanSummaries {
        self.cell.get_or_init(|| {
            let start = std::time::Instant::now();
            // On a pool of its own: the asking worker waits, it does not
            // pick up another package that asks for this same cell.
            let s = crate::apart::build_apart(|| ChanSummaries::build(self.semantic, &self.files));
            // `LETGO_TIMINGS=1`: the summaries' share of a run.
            if std::env::var_os("LETGO_TIMINGS").is_some() {
                eprintln!(
                    "letgo: channel summaries: {:.3} s, {} functions",
                    start.elapsed().as_secs_f64(),
                    s.by_node.len()
                );
            }
            s
        })
    }
}

/// Whether a function type takes or returns a channel.
fn takes_or_returns_chan(m: &letgo_types::Model, t: letgo_types::types::TypeId) -> bool {
    let Type::Signature(sig) = m.ty(t) else {
        return false;
    };
    sig.params
        .iter()
        .chain(&sig.results)
        .any(|&p| is_chan(m, m.obj(p).typ))
}

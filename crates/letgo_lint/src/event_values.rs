//! Values that differ per event (issue 16; the evidence LG302 requires of
//! a map key before it calls the map's growth a leak).
//!
//! A map that nothing deletes from grows only when its inserts bring new
//! keys. Keys that come from configuration, constants, registered names
//! or the handful of tenants an administrator creates are inserted again
//! and again with the same values: the map stops at the size of that
//! domain. A reviewer calls it a leak when the key is made from what each
//! event carries or creates, which the semantic model can show:
//! - the request a handler serves (a field of the `*http.Request` of a
//!   function that takes an `http.ResponseWriter`; a request the program
//!   builds for its own call carries its configuration), or a connection
//!   it accepted (`c, _ := ln.Accept()`; its `RemoteAddr()`);
//! - bytes the program read (`string(b)`, `binary.BigEndian.Uint32(b)`
//!   with `b` a `[]byte`; a byte array such as a `[32]byte` device ID is
//!   an identifier, not input);
//! - a value received from a channel (`ev := <-ch`, `for ev := range ch`,
//!   `case ev := <-ch`): an event's own data;
//! - a value generated per event: the time (`time.Now`), a random value
//!   (`math/rand`, `crypto/rand`, a UUID package), a counter (`s.next++`,
//!   `x.n.Add(1)` or `atomic.AddUint64` of `sync/atomic`);
//! - a fresh allocation (`&T{}`, `new(T)`, `make(...)`): its identity is
//!   new each time; so is a pointer to a struct type that a per-request
//!   function builds.
//!
//! The key is followed through the locals it is made from (assignments,
//! `range` bindings) and, for a parameter, through the arguments its
//! callers pass, in any package checked together (the run's call graph,
//! a few levels deep): an exported `Add(name)` that another package's
//! handler calls with `r.URL.Path` is keyed by the request.
//! Anything else (a parameter no caller in view shows, a field read off
//! a long-lived value, a constant) is no evidence.

use crate::context::PackageContext;
use crate::funcs::Func;
use letgo_go::ast::{BlockStmt, CallExpr, Expr, FuncType, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::FuncNode;
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::FileView;

/// How many assignments, `range`s and call edges a key is followed
/// through.
const DEPTH: usize = 4;
/// How many callers of one function are looked at.
const CALLERS: usize = 8;

/// Why a value differs per event: the words a message uses.
pub fn per_event(cx: &PackageContext, funcs: &[Func], i: usize, x: &Expr) -> Option<&'static str> {
    let frame = Frame::local(cx, funcs, i)?;
    let mut seen = Vec::new();
    Walk {
        cx,
        funcs,
        seen: &mut seen,
    }
    .expr(&frame, x, DEPTH, true)
}

/// A function body the walk reads: one of the package's functions
/// (`local`, whose enclosing functions are followed for captured
/// variables), or a caller in another package of the run.
struct Frame<'a> {
    view: FileView<'a>,
    src: &'a str,
    body: &'a BlockStmt,
    typ: &'a FuncType,
    local: Option<usize>,
    node: Option<FuncNode>,
}

impl<'a> Frame<'a> {
    fn local(cx: &PackageContext<'a>, funcs: &[Func<'a>], i: usize) -> Option<Frame<'a>> {
        let f = &funcs[i];
        Some(Frame {
            view: cx.types(f.file)?,
            src: &cx.file(f.file).src,
            body: f.body,
            typ: f.typ,
            local: Some(i),
            node: cx.growth().and_then(|g| g.node(cx, f)),
        })
    }

    /// The body of `node`, a function of any package of the run.
    fn foreign(s: &'a letgo_types::Semantic, node: FuncNode) -> Option<Frame<'a>> {
        let m = &s.model;
        let (file, body, typ) = match node {
            FuncNode::Decl(o) => {
                let (file, fd) = m.func_decl(o)?;
                (file, fd.body.as_ref()?, &fd.typ)
            }
            FuncNode::Lit(file, pos) => {
                let mut found = None;
                inspect(Node::File(&m.files[file.0 as usize].ast), &mut |n| {
                    if let Node::Expr(Expr::FuncLit(l)) = n {
                        if l.typ.pos() == pos {
                            found = Some(&**l);
                        }
                    }
                    found.is_none()
                });
                let l = found?;
                (file, &l.body, &l.typ)
            }
        };
        let sf = &m.files[file.0 as usize];
        Some(Frame {
            view: s.file(&sf.path)?,
            src: &sf.src,
            body,
            typ,
            local: None,
            node: Some(node),
        })
    }
}

struct Walk<'c, 'a> {
    cx: &'c PackageContext<'a>,
    funcs: &'c [Func<'a>],
    /// Locals and parameters already followed: (body, object).
    seen: &'c mut Vec<(u32, ObjId)>,
}

impl<'a> Walk<'_, 'a> {
    /// What shows that `x`, in frame `fr`, differs per event. `whole`:
    /// `x` is the key's whole value (not a part it is computed from, nor
    /// a collection it is an element of).
    fn expr(
        &mut self,
        fr: &Frame<'a>,
        x: &Expr,
        depth: usize,
        whole: bool,
    ) -> Option<&'static str> {
        let view = fr.view;
        let m = view.model();
        // The value itself a new object: its identity is a new key. A
        // field read off a fresh object, or an argument of a call that
        // makes the key, says nothing: its value is whatever was put there.
        let mut found = None;
        if whole {
            found = fresh(view, x).or_else(|| self.built_per_event(fr, x));
        }
        let mut locals: Vec<ObjId> = Vec::new();
        inspect(Node::expr(x), &mut |n| {
            if found.is_some() {
                return false;
            }
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                // A context carries cancellation, not the request's data.
                Node::Expr(e)
                    if view
                        .type_of(e)
                        .is_some_and(|t| m.is_named(t, "context", "Context")) =>
                {
                    return false;
                }
                Node::Expr(Expr::Unary(u))
                    if u.op == Token::Arrow && !self.local_channel(fr, &u.x) =>
                {
                    found = Some("values received from a channel");
                }
                Node::Expr(e @ Expr::Slice(_))
                    if view.type_of(e).is_some_and(|t| is_bytes(m, t)) =>
                {
                    found = Some("bytes the program read");
                }
                Node::Expr(e @ Expr::Selector(_)) => {
                    found = found
                        .or_else(|| self.typed(fr, view.type_of(e), e.span().text(fr.src), None));
                }
                // The time or a random value stamped on an object says
                // nothing of a field read off it (`done.JobType` of a
                // record completed at `time.Now()`).
                Node::Call(c) if whole => found = found.or_else(|| generated(view, c)),
                Node::Ident(id) => {
                    if let Some(o) = view
                        .object_of(id)
                        .filter(|&o| m.obj(o).kind == ObjKind::Var)
                    {
                        found = found.or_else(|| {
                            self.typed(fr, Some(m.obj(o).typ), id.name(fr.src), Some(o))
                        });
                        locals.push(o);
                    }
                }
                _ => {}
            }
            found.is_none()
        });
        if let Some(why) = found.filter(|_| std::env::var_os("LETGO_GROWTH_TRACE").is_some()) {
            let path = &m.files[view.file_id().0 as usize].path;
            let text = x.span().text(fr.src);
            eprintln!("letgo: {why}: `{text}` in {}:{}", path.display(), x.pos());
        }
        if found.is_some() || depth == 0 {
            return found;
        }
        for o in locals {
            if self.seen.contains(&(fr.body.lbrace, o)) {
                continue;
            }
            self.seen.push((fr.body.lbrace, o));
            let whole =
                whole && matches!(x.unparen(), Expr::Ident(id) if view.object_of(id) == Some(o));
            if let Some(why) = self.object(fr, o, depth - 1, whole) {
                return Some(why);
            }
        }
        None
    }

    /// What a value of type `t`, written `text`, shows by its type or by
    /// being incremented in the function.
    /// `o`: the local or parameter `text` names, if it is one.
    fn typed(
        &self,
        fr: &Frame<'a>,
        t: Option<TypeId>,
        text: &str,
        o: Option<ObjId>,
    ) -> Option<&'static str> {
        let m = fr.view.model();
        match t {
            Some(t) if m.is_pointer_to(t, "net/http", "Request") && handler(fr) => {
                Some("the request")
            }
            Some(t) if is_conn(m, t) && o.is_some_and(|o| accepted(fr, o)) => {
                Some("an accepted connection")
            }
            Some(t) if is_bytes(m, t) => Some("bytes the program read"),
            _ if self.kept(fr, text) && self.counters(fr).contains(&text) => Some("a counter"),
            _ => None,
        }
    }

    /// Whether `text` names something kept across events: a field
    /// (`s.next`) or a package variable. A local incremented (a loop
    /// index) restarts with each call.
    fn kept(&self, fr: &Frame<'a>, text: &str) -> bool {
        text.contains('.') || self.package_var(fr, text)
    }

    /// Whether `name` is a package variable of the frame's package.
    fn package_var(&self, fr: &Frame<'a>, name: &str) -> bool {
        let m = fr.view.model();
        let p = m.file_pkgs[fr.view.file_id().0 as usize];
        m.lookup_parent(m.packages[p.0 as usize].scope, name)
            .is_some_and(|o| m.obj(o).kind == ObjKind::Var)
    }

    /// A pointer to a struct type that a per-request function builds.
    fn built_per_event(&self, fr: &Frame, e: &Expr) -> Option<&'static str> {
        let m = fr.view.model();
        let pointer = fr
            .view
            .type_of(e)
            .is_some_and(|t| matches!(m.ty(t), Type::Pointer(_)));
        let g = self.cx.growth()?;
        (pointer && g.built_per_request_in(fr.view, e)).then_some("values built per event")
    }

    /// What the function (or, for one of the package's, a function
    /// enclosing it) increments: `s.next++`, `n += 1`, as written. A key
    /// read from one of those is a counter.
    fn counters(&self, fr: &Frame<'a>) -> Vec<&'a str> {
        let mut out = increments(fr.body, fr.src);
        let mut at = fr.local.and_then(|i| self.funcs[i].parent);
        while let Some(k) = at {
            let f = &self.funcs[k];
            out.extend(increments(f.body, &self.cx.file(f.file).src));
            at = f.parent;
        }
        out
    }

    /// A local or parameter `o` used in the frame: what it is set from,
    /// there or in the functions enclosing it.
    fn object(
        &mut self,
        fr: &Frame<'a>,
        o: ObjId,
        depth: usize,
        whole: bool,
    ) -> Option<&'static str> {
        if let Some(p) = param_index(fr.view, fr.typ, o) {
            return self.callers(fr, p, depth, whole);
        }
        let sources = definitions(fr.view, fr.body, o);
        if sources.is_empty() {
            let parent = fr.local.and_then(|i| self.funcs[i].parent)?;
            let up = Frame::local(self.cx, self.funcs, parent)?;
            return self.object(&up, o, depth, whole);
        }
        for s in sources {
            let why = match s {
                Source::Channel(ch) if self.local_channel(fr, ch) => None,
                Source::Channel(_) => Some("values received from a channel"),
                Source::Expr(x) => self.expr(fr, x, depth, whole),
                Source::Elements(x) => self.expr(fr, x, depth, false),
            };
            if why.is_some() {
                return why;
            }
        }
        None
    }

    /// Whether channel `ch` is a local the function (or one enclosing
    /// it) makes itself: a work queue fanning out a list the same call
    /// holds (`jobs := make(chan string); for _, m := range models { jobs
    /// <- m }`), whose values are that list's, not events.
    fn local_channel(&self, fr: &Frame<'a>, ch: &Expr) -> bool {
        let Expr::Ident(id) = ch.unparen() else {
            return false;
        };
        let Some(o) = fr.view.object_of(id) else {
            return false;
        };
        let made = |x: &Expr| {
            matches!(x.unparen(), Expr::Call(c)
            if fr.view.object_of_expr(&c.fun).is_some_and(|f| {
                let obj = fr.view.model().obj(f);
                matches!(obj.kind, ObjKind::Builtin(_)) && &*obj.name == "make"
            }))
        };
        let mut at = Some((fr.body, fr.local));
        while let Some((body, local)) = at {
            let defs = definitions(fr.view, body, o);
            if !defs.is_empty() {
                return defs.iter().any(|d| matches!(d, Source::Expr(x) if made(x)));
            }
            at = local
                .and_then(|i| self.funcs[i].parent)
                .map(|p| (self.funcs[p].body, Some(p)));
        }
        false
    }

    /// The arguments the callers of the frame's function pass as its
    /// parameter `p`: through the run's call graph (any package), else
    /// the package's own calls.
    fn callers(
        &mut self,
        fr: &Frame<'a>,
        p: usize,
        depth: usize,
        whole: bool,
    ) -> Option<&'static str> {
        let (Some(g), Some(s), Some(node)) = (self.cx.growth(), self.cx.semantic(), fr.node) else {
            return self.local_callers(fr, p, depth, whole);
        };
        for &(caller, lparen) in g.callers(s, node).iter().take(CALLERS) {
            // A caller in this package keeps its enclosing functions in
            // view (a worker literal's work queue is its parent's).
            let here = self
                .funcs
                .iter()
                .position(|f| g.node(self.cx, f) == Some(caller))
                .and_then(|k| Frame::local(self.cx, self.funcs, k));
            let Some(up) = here.or_else(|| Frame::foreign(s, caller)) else {
                continue;
            };
            let Some(arg) = call_at(up.body, lparen).and_then(|c| c.args.get(p)) else {
                continue;
            };
            if let Some(why) = self.expr(&up, arg, depth, whole) {
                return Some(why);
            }
        }
        None
    }

    /// Same-package callers, when the run's call graph is not built.
    fn local_callers(
        &mut self,
        fr: &Frame<'a>,
        p: usize,
        depth: usize,
        whole: bool,
    ) -> Option<&'static str> {
        let k = fr.local?;
        let calls = self.cx.calls();
        let sites: Vec<(usize, u32)> = calls
            .iter()
            .enumerate()
            .flat_map(|(j, list)| {
                list.iter()
                    .filter(|c| c.callee == k)
                    .map(move |c| (j, c.span.start))
            })
            .take(CALLERS)
            .collect();
        for (j, start) in sites {
            let Some(up) = Frame::local(self.cx, self.funcs, j) else {
                continue;
            };
            let mut arg = None;
            inspect(Node::Block(up.body), &mut |n| {
                if let Node::Call(c) = n {
                    if c.pos() == start {
                        arg = c.args.get(p);
                    }
                }
                arg.is_none()
            });
            if let Some(why) = arg.and_then(|a| self.expr(&up, a, depth, whole)) {
                return Some(why);
            }
        }
        None
    }
}

/// `x++` and `x += n` in `body` (not in nested literals), as written.
fn increments<'s>(body: &BlockStmt, src: &'s str) -> Vec<&'s str> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::IncDec(s)) if s.tok == Token::Inc => out.push(s.x.span().text(src)),
            Node::Stmt(Stmt::Assign(a)) if a.tok == Token::AddAssign && a.lhs.len() == 1 => {
                out.push(a.lhs[0].span().text(src))
            }
            _ => {}
        }
        true
    });
    out
}

/// Where a local gets its value.
enum Source<'a> {
    Expr(&'a Expr),
    /// A `range` over this channel.
    Channel(&'a Expr),
    /// A `range` over this collection: the local is one of its elements.
    Elements(&'a Expr),
}

/// The right-hand sides assigned to local `o` in `body` (not in nested
/// literals), and the collections a `range` binds it from.
fn definitions<'a>(view: FileView, body: &'a BlockStmt, o: ObjId) -> Vec<Source<'a>> {
    let m = view.model();
    let is_o = |x: &Expr| matches!(x.unparen(), Expr::Ident(id) if view.object_of(id) == Some(o));
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Assign(a)) => {
                for (k, l) in a.lhs.iter().enumerate() {
                    if !is_o(l) {
                        continue;
                    }
                    if a.lhs.len() == a.rhs.len() {
                        out.push(Source::Expr(&a.rhs[k]));
                    } else if let Some(r) = a.rhs.first() {
                        out.push(Source::Expr(r));
                    }
                }
            }
            Node::Stmt(Stmt::Range(r))
                if r.key.as_ref().is_some_and(is_o) || r.value.as_ref().is_some_and(is_o) =>
            {
                let chan = view
                    .type_of(&r.x)
                    .is_some_and(|t| matches!(m.ty(m.under_ro(t)), Type::Chan(..)));
                out.push(if chan {
                    Source::Channel(&r.x)
                } else {
                    Source::Elements(&r.x)
                });
            }
            Node::Stmt(Stmt::Decl(g)) => {
                for spec in &g.specs {
                    let letgo_go::ast::Spec::Value(v) = spec else {
                        continue;
                    };
                    for (k, n) in v.names.iter().enumerate() {
                        if view.object_of(n) == Some(o) {
                            if let Some(x) = v.values.get(k).or(v.values.first()) {
                                out.push(Source::Expr(x));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        true
    });
    out
}

/// The position of parameter `o` among a function's parameters (by the
/// place it is declared at).
fn param_index(view: FileView, typ: &FuncType, o: ObjId) -> Option<usize> {
    let (_, off) = view.model().obj(o).pos?;
    crate::syntax::param_index(&typ.params, off)
}

/// The call in `body` whose `(` is at `lparen`.
fn call_at(body: &BlockStmt, lparen: u32) -> Option<&CallExpr> {
    let mut found = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Call(c) = n {
            if c.lparen == lparen {
                found = Some(c);
            }
        }
        found.is_none()
    });
    found
}
/// An `*http.Request`, a `net.Conn`, a `net.Addr`: what one client sent
/// or is.
fn is_conn(m: &letgo_types::Model, t: TypeId) -> bool {
    m.is_named(t, "net", "Conn") || m.is_named(t, "net", "Addr")
}

/// Whether the frame serves HTTP: it takes an `http.ResponseWriter`.
/// Its `*http.Request` is a client's; one the program builds for a call
/// of its own carries the program's configuration (the hosts it talks
/// to).
fn handler(fr: &Frame) -> bool {
    let m = fr.view.model();
    fr.typ
        .params
        .list
        .iter()
        .flat_map(|p| p.names.iter())
        .any(|n| {
            fr.view
                .object_of(n)
                .is_some_and(|o| m.is_named(m.obj(o).typ, "net/http", "ResponseWriter"))
        })
}

/// Whether local `o` of the frame is set from an `Accept` call: a
/// connection a client opened. One the program dials goes to a peer it
/// was configured with.
fn accepted(fr: &Frame, o: ObjId) -> bool {
    let m = fr.view.model();
    definitions(fr.view, fr.body, o).iter().any(|d| {
        matches!(d, Source::Expr(x) if matches!(x.unparen(), Expr::Call(c)
            if fr.view.object_of_expr(&c.fun).is_some_and(|f| &*m.obj(f).name == "Accept")))
    })
}

/// `&T{...}`, `new(T)`, `make(...)`: a new object, whose identity (as a
/// pointer, channel or map key) is new each time.
fn fresh(view: FileView, x: &Expr) -> Option<&'static str> {
    let m = view.model();
    let made = match x.unparen() {
        Expr::Unary(u) => u.op == Token::And && matches!(u.x.unparen(), Expr::CompositeLit(_)),
        Expr::Call(c) => view.object_of_expr(&c.fun).is_some_and(|o| {
            matches!(m.obj(o).kind, ObjKind::Builtin(_))
                && matches!(&*m.obj(o).name, "new" | "make")
        }),
        _ => false,
    };
    made.then_some("fresh allocations")
}

/// `[]byte`: what a program reads from a file or the network; a key
/// decoded from it (`binary.BigEndian.Uint32(hdr[2:])`) is the input's
/// choice.
fn is_bytes(m: &letgo_types::Model, t: letgo_types::types::TypeId) -> bool {
    // A byte array (`[32]byte`) is an identifier (a device ID, a hash)
    // as often as a buffer: only slices of bytes count.
    let Type::Slice(elem) = m.ty(m.under_ro(t)) else {
        return false;
    };
    let elem = *elem;
    matches!(
        m.ty(m.under_ro(elem)),
        Type::Basic(letgo_types::types::BasicKind::Uint8, _)
    )
}

/// A call that makes a new value each time: the time, a random number or
/// ID, an atomic counter, `new`/`make` (a fresh allocation), or a pointer
/// to a struct type a per-request function builds.
fn generated(view: FileView, c: &CallExpr) -> Option<&'static str> {
    let m = view.model();
    let o = view.object_of_expr(&c.fun)?;
    let obj = m.obj(o);
    if let ObjKind::Builtin(_) = obj.kind {
        return None;
    }
    let pkg = obj.pkg.map(|p| m.packages[p.0 as usize].path.as_str())?;
    match (pkg, &*obj.name) {
        ("time", "Now") => Some("the time"),
        ("math/rand" | "math/rand/v2" | "crypto/rand", _) => Some("random values"),
        (p, n) if p.ends_with("uuid") && n.starts_with("New") => Some("random IDs"),
        ("sync/atomic", n) if n.starts_with("Add") => Some("a counter"),
        _ => None,
    }
}

//! What can block a goroutine forever, and which goroutines would end the
//! wait: a channel send or receive (not a `select` case with another way
//! out), `wg.Wait()` and `cond.Wait()`, each with its partners (the
//! receives for a send, the sends and closes for a receive, the `Done`
//! calls for a `Wait`, the `Signal`/`Broadcast` calls for a `cond.Wait`).
//!
//! With them, two questions LG114 asks about a lock `L` (by class: a field
//! of a struct type or a package variable; a local by instance):
//! - is `L` held at the operation, in its function or by a caller that
//!   called it holding `L` (any depth of same-package calls, [`held_by_callers`]);
//! - may the partner take `L` before it gets to its side ([`needs_lock`],
//!   [`lock_taken_at`]): it holds `L` there (itself or through a caller),
//!   or it takes `L` in a statement that runs before it in every
//!   enclosing block, anywhere in the body (any branch) of a loop around
//!   it (the next pass takes it first), or in the body of a loop that
//!   runs before it, directly or through any callee the program
//!   summaries resolve.
//!
//! A send on a channel nobody receives from has the closes as partners:
//! only a close ends it.

use crate::channels::{Capacity, OpKind};
use crate::context::PackageContext;
use crate::locks::{cond_call, key_of, released_by, waitgroup_call, Held, LockView, SyncValue};
use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    Send,
    Recv,
    WaitGroup,
    Cond,
}

/// Where a partner completes the wait.
#[derive(Debug, Clone, Copy)]
pub struct Partner {
    pub func: usize,
    pub file: usize,
    pub span: Span,
}

/// An operation that blocks until a partner runs.
#[derive(Debug, Clone)]
pub struct Blocking {
    pub kind: WaitKind,
    pub func: usize,
    pub file: usize,
    pub span: Span,
    /// The channel, WaitGroup or Cond as written.
    pub text: String,
    pub partners: Vec<Partner>,
    /// A buffered channel: the value or the room may already be there,
    /// unless the partners can only work under the lock.
    pub buffered: bool,
    /// For a `cond.Wait`: the lock it releases while waiting (its `L`).
    pub releases: Option<String>,
}

/// Every blocking operation of the package whose partners are all in
/// view (none in view: out of view, left out).
pub fn blocking_ops(cx: &PackageContext, view: &LockView) -> Vec<Blocking> {
    let mut out = channel_ops(cx, view);
    out.extend(sync_waits(cx));
    out
}

fn channel_ops(cx: &PackageContext, view: &LockView) -> Vec<Blocking> {
    let mut out = Vec::new();
    for ch in cx.channels() {
        for op in ch.ops.iter().filter(|o| o.blocking()) {
            let Some(&func) = view.by_name.get(&op.function) else {
                continue;
            };
            let (kind, partner_kinds, in_view) = match op.kind {
                OpKind::Send => (
                    WaitKind::Send,
                    &[OpKind::Recv, OpKind::Range][..],
                    ch.receivers_in_view(),
                ),
                OpKind::Recv => (
                    WaitKind::Recv,
                    &[OpKind::Send, OpKind::Close][..],
                    ch.senders_in_view(),
                ),
                _ => continue,
            };
            // A buffered receive may find its value already there; a
            // buffered send outside a loop, room for it.
            let buffered = ch.capacity != Capacity::Unbuffered;
            let fills = matches!(ch.capacity, Capacity::Const(_)) && op.in_loop;
            if !in_view || (buffered && (kind == WaitKind::Recv || !fills)) {
                continue;
            }
            // A send nobody receives from ends only by a close (which
            // makes it panic): then the closes are its partners.
            let receives = ch.has(OpKind::Recv) || ch.has(OpKind::Range);
            let partner_kinds = match kind {
                WaitKind::Send if !receives => &[OpKind::Close][..],
                _ => partner_kinds,
            };
            let partners: Vec<Partner> = ch
                .ops
                .iter()
                .filter(|o| partner_kinds.contains(&o.kind))
                .filter_map(|o| {
                    Some(Partner {
                        func: *view.by_name.get(&o.function)?,
                        file: o.file,
                        span: o.span,
                    })
                })
                .collect();
            if partners.is_empty() {
                continue;
            }
            out.push(Blocking {
                kind,
                func,
                file: op.file,
                span: op.span,
                text: ch.name.clone(),
                partners,
                buffered,
                releases: None,
            });
        }
    }
    out
}

/// A `sync` call found in a function.
struct SyncCall {
    func: usize,
    file: usize,
    span: Span,
    value: SyncValue,
}

/// `wg.Wait()` with its `Done` calls, `cond.Wait()` with its `Signal` and
/// `Broadcast` calls: the same local, or the same field or package
/// variable.
fn sync_waits(cx: &PackageContext) -> Vec<Blocking> {
    let mut out = Vec::new();
    // One walk of the package for the calls that may be any of these.
    let calls = method_calls(cx, &["Wait", "Done", "Signal", "Broadcast"], |_| true);
    let wg_waits = sync_calls(cx, &calls, &|fi, c| waitgroup_call(cx, fi, c, "Wait"));
    if !wg_waits.is_empty() {
        let dones = sync_calls(cx, &calls, &|fi, c| waitgroup_call(cx, fi, c, "Done"));
        for w in wg_waits {
            out.extend(waiting(w, &dones, WaitKind::WaitGroup, None));
        }
    }
    let cond_waits = sync_calls(cx, &calls, &|fi, c| cond_call(cx, fi, c, "Wait"));
    if !cond_waits.is_empty() {
        let wakes = sync_calls(cx, &calls, &|fi, c| {
            cond_call(cx, fi, c, "Signal").or_else(|| cond_call(cx, fi, c, "Broadcast"))
        });
        let locks = cond_locks(cx);
        for w in cond_waits {
            // The lock the Wait releases must be known: otherwise any
            // lock held may be it.
            let Some(l) = locks.iter().find(|(c, _)| same(c, &w.value)) else {
                continue;
            };
            out.extend(waiting(w, &wakes, WaitKind::Cond, Some(l.1.clone())));
        }
    }
    out
}

/// What a `cond.Wait()` at `span` of `file` lets go of while it waits:
/// `None` when no Cond's `Wait` is there, `Some(None)` when it is one
/// whose lock is not known (any lock held there may be its `L`),
/// `Some(Some(id))` its `L`'s identity.
pub fn cond_wait_releases(cx: &PackageContext, file: usize, span: Span) -> Option<Option<String>> {
    // Only a call of a function of that file whose body holds the span
    // can be the one.
    let calls = method_calls(cx, &["Wait"], |f| {
        f.file == file && f.body.lbrace <= span.start && span.start < f.body.end()
    });
    let wait = sync_calls(cx, &calls, &|fi, c| cond_call(cx, fi, c, "Wait"))
        .into_iter()
        .find(|w| w.file == file && w.span.start <= span.start && span.start < w.span.end)?;
    if let Some((_, l)) = cond_locks(cx)
        .into_iter()
        .find(|(c, _)| same(c, &wait.value))
    {
        return Some(Some(l));
    }
    // A Cond field: what the package's stores into it say its `L` is.
    let f = &cx.functions()[wait.func];
    let Some(view) = cx.types(f.file) else {
        return Some(None);
    };
    let mut class = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Call(c) = n {
            if Span::new(c.pos(), c.end()) == wait.span {
                if let Expr::Selector(s) = c.fun.unparen() {
                    class = crate::locks::cond_field_lock_class(cx, &view, &s.x);
                }
            }
        }
        class.is_none()
    });
    Some(class)
}

fn waiting(
    w: SyncCall,
    partners: &[SyncCall],
    kind: WaitKind,
    releases: Option<String>,
) -> Option<Blocking> {
    let partners: Vec<Partner> = partners
        .iter()
        .filter(|p| same(&identity(&p.value), &w.value))
        .map(|p| Partner {
            func: p.func,
            file: p.file,
            span: p.span,
        })
        .collect();
    (!partners.is_empty()).then(|| Blocking {
        kind,
        func: w.func,
        file: w.file,
        span: w.span,
        text: w.value.text.clone(),
        partners,
        buffered: false,
        releases,
    })
}

/// How two sync values are matched: a local by its key (closures share
/// it), anything else by class; a parameter (no class) never matches.
fn identity(v: &SyncValue) -> String {
    match &v.class {
        Some(c) => c.clone(),
        None if v.key.starts_with('=') => v.key.clone(),
        None => String::new(),
    }
}

fn same(id: &str, v: &SyncValue) -> bool {
    !id.is_empty() && id == identity(v)
}

/// The calls `x.<name>(...)` in the package's functions that `keep`
/// accepts, with each one's function, in the order of the functions and,
/// in each, of the source. A sync method is called by its own name, so
/// these hold every call [`sync_calls`] may find.
fn method_calls<'a>(
    cx: &PackageContext<'a>,
    names: &[&str],
    keep: impl Fn(&crate::funcs::Func<'a>) -> bool,
) -> Vec<(usize, &'a CallExpr)> {
    let mut out = Vec::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        if !keep(f) {
            continue;
        }
        let src = &cx.file(f.file).src;
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if matches!(c.fun.unparen(), Expr::Selector(s) if names.contains(&s.sel.name(src)))
                {
                    out.push((fi, c));
                }
                true
            }
            _ => true,
        });
    }
    out
}

/// The calls among `calls` that `find` takes for a sync call.
fn sync_calls(
    cx: &PackageContext,
    calls: &[(usize, &CallExpr)],
    find: &dyn Fn(usize, &CallExpr) -> Option<SyncValue>,
) -> Vec<SyncCall> {
    calls
        .iter()
        .filter_map(|&(fi, c)| {
            Some(SyncCall {
                func: fi,
                file: cx.functions()[fi].file,
                span: Span::new(c.pos(), c.end()),
                value: find(fi, c)?,
            })
        })
        .collect()
}

/// `c := sync.NewCond(&mu)` and `T{cond: sync.NewCond(&t.mu)}`: each
/// cond's identity and the identity of the lock it waits with.
fn cond_locks(cx: &PackageContext) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let m = view.model();
        let is_new_cond = |x: &Expr| -> Option<Expr> {
            let Expr::Call(c) = x.unparen() else {
                return None;
            };
            let o = view.object_of_expr(&c.fun)?;
            (m.is_func(o, "sync", "NewCond") && c.args.len() == 1).then(|| c.args[0].clone())
        };
        let ident_of = |x: &Expr| -> Option<String> {
            let (key, class) = key_of(cx, fi, &view, x)?;
            Some(class.unwrap_or(key))
        };
        let locker_of = |x: &Expr| cond_locker(cx, fi, x, 2);
        let mut pairs: Vec<(&Expr, &Expr)> = Vec::new();
        inspect(Node::Block(f.body), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                    pairs.extend(a.lhs.iter().zip(&a.rhs));
                }
                Node::Expr(Expr::KeyValue(kv)) => pairs.push((&kv.key, &kv.value)),
                _ => {}
            }
            true
        });
        for (target, value) in pairs {
            let Some(arg) = is_new_cond(value) else {
                continue;
            };
            let target_id = match target.unparen() {
                // A composite literal's key: the field itself.
                Expr::Ident(id) => view.object_of(id).and_then(|o| {
                    (m.obj(o).kind == letgo_types::model::ObjKind::Field)
                        .then(|| {
                            let (f, off, _) = m.identity(o);
                            format!("{f}:{off}")
                        })
                        .or_else(|| ident_of(target))
                }),
                _ => ident_of(target),
            };
            if let (Some(t), Some(l)) = (target_id, locker_of(&arg)) {
                out.push((t, l));
            }
        }
    }
    out
}

/// The lock a `sync.NewCond(x)` in function `fi` waits with: `x`, or the
/// mutex `x` embeds (`x.Lock()` is promoted from it), named as a held
/// lock is, so that `Wait` is known to release it. A pointer is named by
/// where it points: a local pointer that the function also stores into a
/// field (`m := &sync.Mutex{}; T{mu: m, cond: sync.NewCond(m)}`) is that
/// field's lock, and a parameter is what every call site of the function
/// passes (`depth` calls up). A parameter whose callers disagree, or are
/// not in view, is a lock out of view: `None`, and the Wait is left alone.
fn cond_locker(cx: &PackageContext, fi: usize, x: &Expr, depth: usize) -> Option<String> {
    let view = cx.types(cx.functions()[fi].file)?;
    let m = view.model();
    let (mut key, mut class) = key_of(cx, fi, &view, x)?;
    let inner = match x.unparen() {
        Expr::Unary(u) if u.op == letgo_go::token::Token::And => &u.x,
        other => other,
    };
    // `&local` is the local's own mutex; a pointer variable names the
    // mutex it was given.
    let addressed = !std::ptr::eq(inner, x.unparen());
    if class.is_none() && !addressed {
        let o = view.object_of_expr(inner)?;
        if key.starts_with("(#") {
            return param_locker(cx, fi, o, depth);
        }
        if let Some(field) = stored_in_field(cx, fi, o) {
            return Some(field);
        }
    }
    let path = view
        .type_of(inner)
        .and_then(|t| m.embedding_path(t, "Lock"))
        .unwrap_or_default();
    for f in path {
        let (file, off, _) = m.identity(f);
        key = format!("{key}.{file}:{off}");
        class = Some(format!("{file}:{off}"));
    }
    Some(class.unwrap_or(key))
}

/// The field that function `fi` stores local `o` into (`T{mu: o}`,
/// `x.mu = o`), by identity, when there is exactly one.
fn stored_in_field(cx: &PackageContext, fi: usize, o: letgo_types::model::ObjId) -> Option<String> {
    let f = &cx.functions()[fi];
    let view = cx.types(f.file)?;
    let m = view.model();
    let mut fields: Vec<String> = Vec::new();
    let is_o = |v: &Expr| {
        view.object_of_expr(v.unparen()).map(|p| m.identity(p)) == Some(m.identity(o))
            && matches!(v.unparen(), Expr::Ident(_))
    };
    inspect(Node::Block(f.body), &mut |n| {
        let (target, value) = match n {
            Node::Expr(Expr::KeyValue(kv)) => (&kv.key, &kv.value),
            Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == 1 && a.rhs.len() == 1 => {
                (&a.lhs[0], &a.rhs[0])
            }
            _ => return true,
        };
        if !is_o(value) {
            return true;
        }
        let field = match target.unparen() {
            Expr::Ident(id) => view.object_of(id),
            Expr::Selector(s) => view.object_of(&s.sel),
            _ => None,
        };
        if let Some(field) =
            field.filter(|&fo| m.obj(fo).kind == letgo_types::model::ObjKind::Field)
        {
            let (file, off, _) = m.identity(field);
            let id = format!("{file}:{off}");
            if !fields.contains(&id) {
                fields.push(id);
            }
        }
        true
    });
    (fields.len() == 1).then(|| fields.remove(0))
}

/// What the callers of declared function `fi` pass for its parameter
/// `o`, as [`cond_locker`] names it: `None` unless every call site in the
/// package is found and they agree.
fn param_locker(
    cx: &PackageContext,
    fi: usize,
    o: letgo_types::model::ObjId,
    depth: usize,
) -> Option<String> {
    if depth == 0 {
        return None;
    }
    let f = &cx.functions()[fi];
    let crate::funcs::FuncKind::Decl(d) = f.kind else {
        return None;
    };
    let view = cx.types(f.file)?;
    let m = view.model();
    let index = crate::syntax::param_index(&d.typ.params, m.obj(o).pos?.1)?;
    let me = m.identity(view.object_of(&d.name)?);
    let mut found: Vec<Option<String>> = Vec::new();
    for (ci, c) in cx.functions().iter().enumerate() {
        let Some(cv) = cx.types(c.file) else { continue };
        inspect(Node::Block(c.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(call) => {
                if cv.object_of_expr(&call.fun).map(|g| cv.model().identity(g)) == Some(me) {
                    found.push(
                        call.args
                            .get(index)
                            .and_then(|a| cond_locker(cx, ci, a, depth - 1)),
                    );
                }
                true
            }
            _ => true,
        });
    }
    let first = found.first()?.clone()?;
    found
        .iter()
        .all(|x| x.as_ref() == Some(&first))
        .then_some(first)
}

/// The locks held by callers when they call `fi`, at any depth of
/// same-package calls (at most `depth` levels up), and still held at
/// offset `at` in `fi`: a lock the chain unlocked before (`c.mu.Unlock();
/// <-c.ch; c.mu.Lock()` in a function called with `c.mu` held) is not.
/// Each with the caller and the call.
pub fn held_by_callers(
    view: &LockView,
    fi: usize,
    at: u32,
    depth: usize,
) -> Vec<(Held, usize, Span)> {
    let mut out: Vec<(Held, usize, Span)> = Vec::new();
    // Functions reached, each with the keys (its own terms) released
    // before the point of interest in it.
    let mut frontier = vec![(fi, released_by(&view.funcs[fi], at))];
    let mut seen = vec![fi];
    for _ in 0..depth {
        let mut next = Vec::new();
        for (caller, fl) in view.funcs.iter().enumerate() {
            for site in &fl.calls {
                let Some((_, released)) = frontier.iter().find(|(f, _)| *f == site.callee) else {
                    continue;
                };
                let released: Vec<String> = released.iter().filter_map(|k| site.map(k)).collect();
                for h in site.held.iter().filter(|h| !released.contains(&h.lock.key)) {
                    if !out.iter().any(|(o, _, _)| o.lock.key == h.lock.key) {
                        out.push((h.clone(), caller, site.span));
                    }
                }
                if !seen.contains(&caller) {
                    seen.push(caller);
                    let mut up = released_by(fl, site.span.start);
                    up.extend(released);
                    next.push((caller, up));
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// A lock's identity for matching an operation with its partners: its
/// class (a field of a type, a package variable), or for a local the
/// instance its key names (closures share it); a parameter has none.
pub fn lock_id(v: &SyncValue) -> Option<&str> {
    match &v.class {
        Some(c) => Some(c),
        None if v.key.starts_with('=') => Some(&v.key),
        None => None,
    }
}

/// Whether the partner holds the lock `id` where it runs: itself, or a
/// caller around it.
pub fn holds_lock(view: &LockView, p: &Partner, id: &str) -> bool {
    held_at(view, p, id).is_some()
}

/// Where the partner took the lock `id` it holds at its side: its own
/// `Lock` (file of the partner), or the call in a caller that holds it
/// (`None` for the place: another function's file may differ).
fn held_at(view: &LockView, p: &Partner, id: &str) -> Option<Option<Span>> {
    let has = |h: &Held| lock_id(&h.lock) == Some(id);
    if let Some(h) = view.funcs[p.func]
        .held_around(p.span)
        .iter()
        .find(|h| has(h))
    {
        return Some(Some(h.at));
    }
    held_by_callers(view, p.func, p.span.start, 4)
        .iter()
        .any(|(h, _, _)| has(h))
        .then_some(None)
}

/// Whether the partner must take the lock `id` ([`lock_id`]) before it
/// gets to its side (see the module documentation).
pub fn needs_lock(cx: &PackageContext, view: &LockView, p: &Partner, id: &str) -> bool {
    lock_taken_at(cx, view, p, id).is_some()
}

/// [`needs_lock`], with where the partner's goroutine takes the lock
/// first in the partner's own function (its `Lock`, or the call that
/// takes it) when that is known: the place that goroutine blocks.
pub fn lock_taken_at(
    cx: &PackageContext,
    view: &LockView,
    p: &Partner,
    id: &str,
) -> Option<Option<Span>> {
    if let Some(at) = held_at(view, p, id) {
        return Some(at);
    }
    let fl = &view.funcs[p.func];
    let class = id;
    let mut before = Vec::new();
    let body = &cx.functions()[p.func].body.list;
    let again = called_in_loops(cx, view, p.func);
    if !dominators(body, p.span, again, &mut before) {
        return None;
    }
    let within = |s: Span| before.iter().any(|b| b.start <= s.start && s.end <= b.end);
    if let Some(a) = fl
        .acquires
        .iter()
        .find(|a| lock_id(&a.lock) == Some(class) && within(a.span))
    {
        return Some(Some(a.span));
    }
    if let Some(s) = fl.calls.iter().filter(|s| within(s.span)).find(|s| {
        view.takes_at(s)
            .iter()
            .any(|t| lock_id(&t.lock) == Some(class))
    }) {
        return Some(Some(s.span));
    }
    let (Some(sums), Some(tv)) = (cx.lock_summaries(), cx.types(p.file)) else {
        return None;
    };
    fl.other_calls
        .iter()
        .filter(|c| within(c.span))
        .find(|c| {
            sums.takes_at(tv.file_id(), c.lparen)
                .iter()
                .any(|t| t.class == class)
        })
        .map(|c| Some(c.span))
}

/// Whether every same-package call of function `fi` is in a loop (and
/// there is one): its statements after a point then run again before the
/// next pass reaches that point.
fn called_in_loops(cx: &PackageContext, view: &LockView, fi: usize) -> bool {
    let mut any = false;
    for (caller, fl) in view.funcs.iter().enumerate() {
        for site in fl.calls.iter().filter(|s| s.callee == fi) {
            if !in_loop(&cx.functions()[caller].body.list, site.span) {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Whether `target` is inside the body of a `for` or `range` loop.
fn in_loop(stmts: &[Stmt], target: Span) -> bool {
    let mut found = false;
    for s in stmts {
        let sp = s.span();
        if sp.start > target.start || target.end > sp.end {
            continue;
        }
        inspect(Node::stmt(s), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Stmt(Stmt::For(f)) => {
                    found |= contains(Span::new(f.body.pos(), f.body.end()), target)
                }
                Node::Stmt(Stmt::Range(r)) => {
                    found |= contains(Span::new(r.body.pos(), r.body.end()), target)
                }
                _ => {}
            }
            !found
        });
    }
    found
}

fn is_loop(s: &Stmt) -> bool {
    matches!(s, Stmt::For(_) | Stmt::Range(_))
}

/// The simple statements anywhere inside `s` (not inside function
/// literals, which run elsewhere): those one of its passes or branches
/// may run.
fn nested_simple(s: &Stmt, out: &mut Vec<Span>) {
    inspect(Node::stmt(s), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Stmt(
            st
            @ (Stmt::Expr(_) | Stmt::Assign(_) | Stmt::IncDec(_) | Stmt::Send(_) | Stmt::Decl(_)),
        ) => {
            out.push(st.span());
            false
        }
        _ => true,
    });
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The simple statements that run before `target` on every path to it:
/// those before it in each enclosing block, every one of an enclosing
/// loop's body (the next pass runs them first), and for a deferred call
/// the statements after the `defer` (it runs at the end). `false` when
/// `target` is not in `stmts`.
fn dominators(stmts: &[Stmt], target: Span, in_loop: bool, out: &mut Vec<Span>) -> bool {
    let inside = |s: &Stmt| {
        let sp = s.span();
        sp.start <= target.start && target.end <= sp.end
    };
    let Some(i) = stmts.iter().position(inside) else {
        return false;
    };
    let simple = |s: &&Stmt| {
        matches!(
            s,
            Stmt::Expr(_) | Stmt::Assign(_) | Stmt::IncDec(_) | Stmt::Send(_) | Stmt::Decl(_)
        )
    };
    out.extend(stmts[..i].iter().filter(simple).map(Stmt::span));
    // A loop that ran before may have taken the lock on any pass.
    for s in stmts[..i].iter().filter(|s| is_loop(s)) {
        nested_simple(s, out);
    }
    if in_loop || matches!(stmts[i], Stmt::Defer(_)) {
        out.extend(stmts[i + 1..].iter().filter(simple).map(Stmt::span));
        for s in stmts[i + 1..].iter().filter(|s| in_loop || is_loop(s)) {
            nested_simple(s, out);
        }
    }
    // In a loop, every branch of the statement holding `target` may have
    // run on an earlier pass.
    if in_loop && !simple(&&stmts[i]) {
        nested_simple(&stmts[i], out);
    }
    // Descend into the statement holding `target` (found there: its
    // index was chosen so).
    match &stmts[i] {
        Stmt::Block(b) => {
            dominators(&b.list, target, in_loop, out);
        }
        Stmt::Labeled(l) => {
            dominators(std::slice::from_ref(&l.stmt), target, in_loop, out);
        }
        // Not in the `then` branch: in the `else`, if any.
        Stmt::If(s) if !dominators(&s.body.list, target, in_loop, out) => {
            let els = s.els.as_slice();
            dominators(els, target, in_loop, out);
        }
        Stmt::For(f) => {
            dominators(&f.body.list, target, true, out);
        }
        // Not in the body: the range's own receive, and the body ran
        // before each next one.
        Stmt::Range(r) if !dominators(&r.body.list, target, true, out) => {
            out.extend(r.body.list.iter().filter(simple).map(Stmt::span));
        }
        Stmt::Switch(sw) => {
            let _ = sw
                .body
                .clauses
                .iter()
                .any(|c| dominators(&c.body, target, in_loop, out));
        }
        Stmt::TypeSwitch(sw) => {
            let _ = sw
                .body
                .clauses
                .iter()
                .any(|c| dominators(&c.body, target, in_loop, out));
        }
        Stmt::Select(sel) => {
            let _ = sel
                .body
                .clauses
                .iter()
                .any(|c| dominators(&c.body, target, in_loop, out));
        }
        _ => {}
    }
    true
}

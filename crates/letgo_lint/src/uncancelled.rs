//! Goroutines waiting on the `Done` of a context nothing can cancel.
//!
//! A goroutine started with `go` that receives from `ctx.Done()` (a plain
//! receive, not a `select` case) waits until the context is cancelled.
//! When the context comes from `context.WithCancel(parent)` in the
//! function that starts the goroutine, `parent` is never cancelled
//! (`context.Background()`/`TODO()`, directly or as the argument every
//! same-package caller of an unexported function passes), and the cancel
//! function is kept only in a field of the package's own struct type,
//! the goroutine waits forever when no call of that field can happen
//! before the receive ends:
//! - *discarded*: the starting function returns the struct value, every
//!   caller (unexported function, callers all in the package) throws the
//!   result away, and the goroutine itself never calls the cancel; or
//! - *after*: every call of the cancel field in the package comes after
//!   the receive, in the goroutine itself or in a function only it calls
//!   after the receive (the cancel that runs once the context is done).
//!
//! The field's calls are found by object (an unexported field: only the
//! package can call it); a cancel kept anywhere else (a local called or
//! deferred, a map, a channel, another package) means no finding.

use crate::callsites::Call;
use crate::context::PackageContext;
use crate::funcs::FuncKind;
use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::FileView;

/// A goroutine's receive from the `Done` of a context nothing cancels.
pub struct Uncancelled {
    /// The goroutine's function and the receive.
    pub func: usize,
    pub span: Span,
    /// Why nothing cancels it, for the message.
    pub why: String,
    /// The place that explains it (the discarding call, the first cancel
    /// call after the receive), in the goroutine's file or another.
    pub related: Option<Place>,
}

/// A file of the package, a range in it, and a label.
pub type Place = (usize, Span, String);

/// A `context.WithCancel` whose cancel is stored in a field.
struct Made<'a> {
    func: usize,
    /// The context it returns: the variable (or field) holding it.
    ctx: ObjId,
    cancel_field: ObjId,
    /// The local the struct value is built in (`tx := &Tx{...}`), or the
    /// receiver the fields are set on.
    holder: Option<ObjId>,
    call: &'a CallExpr,
}

pub fn find(cx: &PackageContext) -> Vec<Uncancelled> {
    let src_has = cx
        .files()
        .any(|(_, f)| f.src.contains("WithCancel(") && f.src.contains("Done()"));
    if !src_has {
        return Vec::new();
    }
    let calls = cx.calls();
    let made = cancels_in_fields(cx);
    let mut out = Vec::new();
    for (gi, recv, ctx_obj) in done_receives(cx, calls) {
        let starters = starters_of(cx, calls, gi);
        let started_by = |m: &&Made| !starters.is_empty() && starters.iter().all(|s| *s == m.func);
        for m in made
            .iter()
            .filter(started_by)
            .filter(|m| reaches(cx, calls, m, gi, ctx_obj))
        {
            if !parent_never_cancelled(cx, calls, m) {
                continue;
            }
            if let Some((why, related)) = never_cancelled(cx, calls, m, gi, recv) {
                out.push(Uncancelled {
                    func: gi,
                    span: recv,
                    why,
                    related,
                });
                break;
            }
        }
    }
    out
}

/// Plain receives `<-x.Done()` on a `context.Context` in functions that
/// run as goroutines, with the object `x` names (a field or parameter).
fn done_receives(cx: &PackageContext, calls: &[Vec<Call>]) -> Vec<(usize, Span, ObjId)> {
    let spawned = goroutines(cx, calls);
    let mut out = Vec::new();
    for (gi, f) in cx.functions().iter().enumerate() {
        if !spawned.contains(&gi) {
            continue;
        }
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let src = &cx.file(f.file).src;
        for site in &f.sites {
            let e = match site.stmt {
                Stmt::Expr(e) => &**e,
                Stmt::Assign(a) if a.rhs.len() == 1 => &a.rhs[0],
                _ => continue,
            };
            let Expr::Unary(u) = e.unparen() else {
                continue;
            };
            if u.op != Token::Arrow {
                continue;
            }
            let Expr::Call(c) = u.x.unparen() else {
                continue;
            };
            let Expr::Selector(sel) = c.fun.unparen() else {
                continue;
            };
            if sel.sel.name(src) != "Done" || !c.args.is_empty() || !is_context(&view, &sel.x) {
                continue;
            }
            if let Some(o) = view.object_of_expr(&sel.x) {
                out.push((gi, Span::new(e.pos(), e.end()), o));
            }
        }
    }
    out
}

fn is_context(view: &FileView, x: &Expr) -> bool {
    view.type_of(x)
        .is_some_and(|t| view.model().is_named(t, "context", "Context"))
}

/// Functions started by `go`: literals, and same-package functions by
/// name.
fn goroutines(cx: &PackageContext, calls: &[Vec<Call>]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..cx.functions().len())
        .filter(|&i| cx.functions()[i].spawned)
        .collect();
    out.extend(calls.iter().flatten().filter(|c| c.go).map(|c| c.callee));
    out
}

/// The functions whose `go` statements start function `gi`.
fn starters_of(cx: &PackageContext, calls: &[Vec<Call>], gi: usize) -> Vec<usize> {
    if cx.functions()[gi].spawned {
        return cx.functions()[gi].parent.into_iter().collect();
    }
    (0..calls.len())
        .filter(|&fi| calls[fi].iter().any(|c| c.go && c.callee == gi))
        .collect()
}

/// Every `a, b := context.WithCancel(parent)` (or `=`) whose cancel ends
/// up only in a field: the left side itself, or a local stored once in a
/// field (`T{cancel: cancel}`, `x.cancel = cancel`) and used for nothing
/// else.
fn cancels_in_fields<'a>(cx: &PackageContext<'a>) -> Vec<Made<'a>> {
    let mut out = Vec::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        for site in &f.sites {
            let Stmt::Assign(a) = site.stmt else { continue };
            let ([ctx, cancel], [Expr::Call(call)]) = (a.lhs.as_slice(), a.rhs.as_slice()) else {
                continue;
            };
            let fun = cx.text(f.file, Span::new(call.fun.pos(), call.fun.end()));
            if !matches!(fun, "context.WithCancel" | "context.WithCancelCause") {
                continue;
            }
            let Some(ctx) = view.object_of_expr(ctx) else {
                continue;
            };
            let m = view.model();
            let Some(c) = view.object_of_expr(cancel) else {
                continue;
            };
            let (cancel_field, holder) = if m.obj(c).kind == ObjKind::Field {
                (c, selector_base(&view, cancel))
            } else {
                match stored_once(&view, f.body, c) {
                    Some(x) => x,
                    None => continue,
                }
            };
            out.push(Made {
                func: fi,
                ctx,
                cancel_field,
                holder,
                call,
            });
        }
    }
    out
}

/// `x` of `x.f`: its object.
fn selector_base(view: &FileView, e: &Expr) -> Option<ObjId> {
    match e.unparen() {
        Expr::Selector(s) => view.object_of_expr(&s.x),
        _ => None,
    }
}

/// The field a local cancel `c` is stored in, once, and the value it is
/// stored on, when the local has no other use.
fn stored_once(
    view: &FileView,
    body: &letgo_go::ast::BlockStmt,
    c: ObjId,
) -> Option<(ObjId, Option<ObjId>)> {
    let mut uses = 0;
    let mut stored: Vec<(ObjId, Option<ObjId>)> = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Ident(id) if view.object_of(id) == Some(c) => uses += 1,
            Node::Stmt(Stmt::Assign(a)) => {
                let paired = a.lhs.len() == a.rhs.len();
                for (i, r) in a.rhs.iter().enumerate() {
                    let l = a.lhs.get(i).filter(|_| paired);
                    // `x.cancel = cancel`: the holder is `x`.
                    let is_c =
                        matches!(r.unparen(), Expr::Ident(id) if view.object_of(id) == Some(c));
                    if let (true, Some(l)) = (is_c, l) {
                        let fld = view.object_of_expr(l);
                        if let Some(fld) =
                            fld.filter(|f| view.model().obj(*f).kind == ObjKind::Field)
                        {
                            stored.push((fld, selector_base(view, l)));
                        }
                    }
                    // `tx := &T{cancel: cancel}`: the holder is `tx`.
                    if let Some(fld) = keyed_field(view, r, c) {
                        stored.push((fld, l.and_then(|l| view.object_of_expr(l))));
                    }
                }
            }
            _ => {}
        }
        true
    });
    // The definition, and the one store.
    (uses == 2 && stored.len() == 1).then(|| stored[0])
}

/// The field `c` is the value of in composite literal `e` (`&T{f: c}`).
fn keyed_field(view: &FileView, e: &Expr, c: ObjId) -> Option<ObjId> {
    let lit = match e.unparen() {
        Expr::Unary(u) if u.op == Token::And => match u.x.unparen() {
            Expr::CompositeLit(l) => l,
            _ => return None,
        },
        Expr::CompositeLit(l) => l,
        _ => return None,
    };
    lit.elts.iter().find_map(|el| {
        let Expr::KeyValue(kv) = el else { return None };
        let Expr::Ident(v) = kv.value.unparen() else {
            return None;
        };
        if view.object_of(v) != Some(c) {
            return None;
        }
        let f = view.object_of_expr(&kv.key)?;
        (view.model().obj(f).kind == ObjKind::Field).then_some(f)
    })
}

/// Whether the context `m` makes is the one goroutine `gi` receives on:
/// stored in the field it reads, or passed by the `go` statement as the
/// parameter it reads.
fn reaches(cx: &PackageContext, calls: &[Vec<Call>], m: &Made, gi: usize, ctx_obj: ObjId) -> bool {
    let Some(tv) = cx.types(cx.functions()[m.func].file) else {
        return false;
    };
    if tv.model().obj(ctx_obj).kind == ObjKind::Field {
        // Stored: `T{ctx: ctx}`, `x.ctx = ctx`, or made into the field.
        if m.ctx == ctx_obj {
            return true;
        }
        let body = cx.functions()[m.func].body;
        return stored_field_of(&tv, body, m.ctx) == Some(ctx_obj);
    }
    // A parameter of the goroutine: the `go` call passes the context.
    let mut found = false;
    for site in &cx.functions()[m.func].sites {
        let Stmt::Go(g) = site.stmt else { continue };
        let starts = calls[m.func]
            .iter()
            .any(|c| c.go && c.callee == gi && c.span.start == g.call.pos());
        if !starts {
            continue;
        }
        let Some(i) = param_position(cx, gi, ctx_obj) else {
            continue;
        };
        found |= g.call.args.get(i).and_then(|a| tv.object_of_expr(a)) == Some(m.ctx);
    }
    found
}

/// The field the local `o` is stored in (by a composite literal or an
/// assignment), if any.
fn stored_field_of(view: &FileView, body: &letgo_go::ast::BlockStmt, o: ObjId) -> Option<ObjId> {
    let mut out = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            for (i, r) in a.rhs.iter().enumerate() {
                if let Some(f) = keyed_field(view, r, o) {
                    out = Some(f);
                }
                let is_o = matches!(r.unparen(), Expr::Ident(id) if view.object_of(id) == Some(o));
                if let (true, Some(l)) = (is_o, a.lhs.get(i)) {
                    out = view.object_of_expr(l).or(out);
                }
            }
        }
        true
    });
    out
}

/// Which parameter of function `fi` object `o` is.
fn param_position(cx: &PackageContext, fi: usize, o: ObjId) -> Option<usize> {
    let f = &cx.functions()[fi];
    let view = cx.types(f.file)?;
    let mut i = 0;
    for field in &f.typ.params.list {
        if field.names.is_empty() {
            i += 1;
        }
        for n in &field.names {
            if view.object_of(n) == Some(o) {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

fn background(cx: &PackageContext, file: usize, e: &Expr) -> bool {
    matches!(
        cx.text(file, Span::new(e.pos(), e.end())),
        "context.Background()" | "context.TODO()"
    )
}

/// The calls of function `fi` in the package, as expressions, with the
/// caller; `None` when it may have callers out of view (exported, or
/// used as a value is not checked: a method or function of the package
/// that is unexported has its callers here).
fn callers<'a>(
    cx: &PackageContext<'a>,
    calls: &[Vec<Call>],
    fi: usize,
) -> Option<Vec<(usize, &'a CallExpr)>> {
    let FuncKind::Decl(d) = cx.functions()[fi].kind else {
        return None;
    };
    let src = &cx.file(cx.functions()[fi].file).src;
    if d.name.name(src).starts_with(|c: char| c.is_uppercase()) {
        return None;
    }
    let mut out = Vec::new();
    for (gi, cs) in calls.iter().enumerate() {
        for site in cs.iter().filter(|s| s.callee == fi && !s.go) {
            let body = cx.functions()[gi].body;
            inspect(Node::Block(body), &mut |n| {
                if let Node::Call(c) = n {
                    if c.pos() == site.span.start && c.end() == site.span.end {
                        out.push((gi, c));
                    }
                }
                true
            });
        }
    }
    Some(out)
}

/// Whether the parent of `m`'s context is never cancelled.
fn parent_never_cancelled(cx: &PackageContext, calls: &[Vec<Call>], m: &Made) -> bool {
    let file = cx.functions()[m.func].file;
    let Some(parent) = m.call.args.first() else {
        return false;
    };
    if background(cx, file, parent) {
        return true;
    }
    let Some(tv) = cx.types(file) else {
        return false;
    };
    let Some(p) = tv.object_of_expr(parent) else {
        return false;
    };
    let Some(k) = param_position(cx, m.func, p) else {
        return false;
    };
    let Some(calls) = callers(cx, calls, m.func) else {
        return false;
    };
    !calls.is_empty()
        && calls.iter().all(|(gi, c)| {
            c.args
                .get(k)
                .is_some_and(|a| background(cx, cx.functions()[*gi].file, a))
        })
}

/// Why no call of `m`'s cancel field runs before goroutine `gi`'s
/// receive at `recv` ends, if none can.
fn never_cancelled(
    cx: &PackageContext,
    calls: &[Vec<Call>],
    m: &Made,
    gi: usize,
    recv: Span,
) -> Option<(String, Option<Place>)> {
    let cancels = field_calls(cx, m.cancel_field);
    let field = cx
        .types(cx.functions()[m.func].file)?
        .model()
        .obj(m.cancel_field)
        .name
        .clone();
    let after = after_receive(calls, gi, recv);
    let in_goroutine = reach_from(calls, gi);
    if !cancels.is_empty()
        && cancels.iter().all(|(h, at)| {
            (*h == gi && at.start >= recv.end)
                || (after.contains(h) && only_called_from(calls, *h, &after, gi, recv))
        })
    {
        let (h, at) = cancels[0];
        let related = (
            cx.functions()[h].file,
            at,
            "the only cancel runs after the receive".to_string(),
        );
        return Some((
            format!(
                "every call of its cancel (`{field}`) comes after this receive, in this goroutine"
            ),
            Some(related),
        ));
    }
    // Discarded: the value holding the cancel goes back to callers that
    // throw it away, and the goroutine never cancels.
    if cancels
        .iter()
        .any(|(h, _)| *h == gi || in_goroutine.contains(h))
        || m.holder.is_none()
    {
        return None;
    }
    if !returns_holder(cx, m) {
        return None;
    }
    let calls = callers(cx, calls, m.func)?;
    let all_thrown = !calls.is_empty() && calls.iter().all(|(ci, c)| discarded(cx, *ci, c));
    if !all_thrown {
        return None;
    }
    let (ci, c) = calls[0];
    let related = (
        cx.functions()[ci].file,
        Span::new(c.pos(), c.end()),
        format!("throws away the value holding the cancel (`{field}`)"),
    );
    Some((
        format!("its cancel is kept only in `{field}` of a value every caller throws away"),
        Some(related),
    ))
}

/// Calls `x.f()` of the field `f` in the package, by function.
fn field_calls(cx: &PackageContext, f: ObjId) -> Vec<(usize, Span)> {
    let mut out = Vec::new();
    for (fi, func) in cx.functions().iter().enumerate() {
        let Some(view) = cx.types(func.file) else {
            continue;
        };
        inspect(Node::Block(func.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if view.object_of_expr(&c.fun) == Some(f) {
                    out.push((fi, Span::new(c.pos(), c.end())));
                }
                true
            }
            _ => true,
        });
    }
    out
}

/// Functions the goroutine `gi` calls after its receive, and what they
/// call.
fn after_receive(calls: &[Vec<Call>], gi: usize, recv: Span) -> Vec<usize> {
    let mut out: Vec<usize> = calls[gi]
        .iter()
        .filter(|s| s.span.start >= recv.end)
        .map(|s| s.callee)
        .collect();
    close(calls, &mut out);
    out
}

/// Functions reached from `gi` by its calls, `gi` excluded.
fn reach_from(calls: &[Vec<Call>], gi: usize) -> Vec<usize> {
    let mut out: Vec<usize> = calls[gi].iter().map(|s| s.callee).collect();
    close(calls, &mut out);
    out
}

fn close(calls: &[Vec<Call>], set: &mut Vec<usize>) {
    let mut i = 0;
    while i < set.len() {
        for s in &calls[set[i]] {
            if !set.contains(&s.callee) {
                set.push(s.callee);
            }
        }
        i += 1;
    }
}

/// Whether every same-package call of `h` is in the goroutine after its
/// receive or in a function of `after`, and `h` is unexported.
fn only_called_from(calls: &[Vec<Call>], h: usize, after: &[usize], gi: usize, recv: Span) -> bool {
    calls.iter().enumerate().all(|(ci, cs)| {
        cs.iter()
            .filter(|s| s.callee == h)
            .all(|s| (ci == gi && s.span.start >= recv.end) || after.contains(&ci))
    })
}

/// Whether function `m.func` returns the value holding the cancel.
fn returns_holder(cx: &PackageContext, m: &Made) -> bool {
    let f = &cx.functions()[m.func];
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    f.sites.iter().any(|s| match s.stmt {
        Stmt::Return(r) => r
            .results
            .iter()
            .any(|e| view.object_of_expr(e).is_some() && view.object_of_expr(e) == m.holder),
        _ => false,
    })
}

/// Whether call `c` in function `ci` is a statement of its own: its
/// results thrown away.
fn discarded(cx: &PackageContext, ci: usize, c: &CallExpr) -> bool {
    cx.functions()[ci].sites.iter().any(|s| match s.stmt {
        Stmt::Expr(e) => {
            matches!(e.unparen(), Expr::Call(x) if x.pos() == c.pos() && x.end() == c.end())
        }
        _ => false,
    })
}

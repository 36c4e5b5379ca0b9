//! Part of LG112 recursive-rlock: a nested read lock on an object no
//! writer can reach yet. The deadlock needs a writer queued on the same
//! object between the two read locks; a value the caller has just made
//! and not handed to anything (not passed, stored, sent, captured, not
//! even used through a method) is seen by no other goroutine, so no
//! writer can queue on it.
//!
//! Shown when the method holding the lock is unexported (every call is
//! in the package), locks its own receiver, and every mention of it
//! outside `_test.go` files (a unit test calls it directly, alone) is
//! a call `v.m(...)` on a local `v` defined once, before the call, from
//! `new(T)`, `&T{...}` or a call of a package function that returns
//! such a fresh value (below), with `v` mentioned in between only to
//! read or write its fields or in a `return` (which leaves first).

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use letgo_go::ast::{AssignStmt, Expr, Ident, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::FileView;

/// Whether every call of the method `fi` (whose lock `lock_text` is on
/// its receiver) is on a value its caller has just made.
pub fn only_on_fresh(cx: &PackageContext, fi: usize, lock_text: &str) -> bool {
    let f = &cx.functions()[fi];
    let FuncKind::Decl(d) = f.kind else {
        return false;
    };
    let src = &cx.file(f.file).src;
    let Some(recv) = d
        .recv
        .as_ref()
        .and_then(|r| r.list.first())
        .and_then(|fld| fld.names.first())
    else {
        return false;
    };
    let name = d.name.name(src);
    if lock_text.split('.').next() != Some(recv.name(src))
        || name.chars().next().is_some_and(char::is_uppercase)
    {
        return false;
    }
    let Some(method) = cx.types(f.file).and_then(|v| v.object_of(&d.name)) else {
        return false;
    };
    let mut calls = 0;
    for g in cx.functions() {
        // A test calling the method directly, in its one goroutine, says
        // nothing of whether the program's writers can reach the value.
        if cx.file(g.file).path.to_string_lossy().ends_with("_test.go") {
            continue;
        }
        let Some(view) = cx.types(g.file) else {
            return false;
        };
        let (mut mentions, mut fresh) = (0, 0);
        inspect(Node::Block(g.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Ident(id) if id.pos != d.name.pos && view.object_of(id) == Some(method) => {
                    mentions += 1;
                }
                Node::Call(c) => {
                    if let Expr::Selector(sel) = c.fun.unparen() {
                        if view.object_of(&sel.sel) == Some(method)
                            && fresh_at(cx, g, &view, &sel.x, c.pos())
                        {
                            fresh += 1;
                        }
                    }
                }
                _ => {}
            }
            true
        });
        if mentions != fresh {
            return false;
        }
        calls += fresh;
    }
    calls > 0
}

/// Whether `x`, at offset `at` of `g`, is a local defined once before
/// from a fresh value and not handed to anything since.
fn fresh_at(cx: &PackageContext, g: &Func, view: &FileView, x: &Expr, at: u32) -> bool {
    let Expr::Ident(v) = x.unparen() else {
        return false;
    };
    let Some(o) = view.object_of(v) else {
        return false;
    };
    let m = view.model();
    if m.obj(o).kind != ObjKind::Var || m.is_package_level(o) {
        return false;
    }
    let Some((def, k)) = single_definition(g, view, o) else {
        return false;
    };
    if def.tok_pos >= at {
        return false;
    }
    let made_fresh = match &def.rhs[..] {
        [r] if def.lhs.len() == 1 => is_new(view, r) || returns_fresh_call(cx, view, r, k),
        [r] => returns_fresh_call(cx, view, r, k),
        _ => false,
    };
    made_fresh && only_field_uses(g, view, o, Span::new(def.tok_pos, at), true)
}

/// The one assignment of `o` in `g` (a `:=`), and `o`'s index on its left.
fn single_definition<'a>(
    g: &Func<'a>,
    view: &FileView,
    o: ObjId,
) -> Option<(&'a AssignStmt, usize)> {
    let mut found = Vec::new();
    inspect(Node::Block(g.body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            for (k, l) in a.lhs.iter().enumerate() {
                if matches!(l.unparen(), Expr::Ident(id) if view.object_of(id) == Some(o)) {
                    found.push((&**a, k));
                }
            }
        }
        true
    });
    match found[..] {
        [(a, k)] if a.tok == Token::Define => Some((a, k)),
        _ => None,
    }
}

/// `new(T)` or `&T{...}`.
fn is_new(view: &FileView, x: &Expr) -> bool {
    match x.unparen() {
        Expr::Call(c) => {
            matches!(c.fun.unparen(), Expr::Ident(id) if view.object_of(id).is_some_and(|o| matches!(view.model().obj(o).kind, ObjKind::Builtin(_)) && &*view.model().obj(o).name == "new"))
        }
        Expr::Unary(u) if u.op == Token::And => matches!(u.x.unparen(), Expr::CompositeLit(_)),
        _ => false,
    }
}

/// A call of a package function whose result `k` is, at every `return`,
/// `nil` or one local it made fresh and used only through its fields.
fn returns_fresh_call(cx: &PackageContext, view: &FileView, x: &Expr, k: usize) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    let callee = match c.fun.unparen() {
        Expr::Ident(id) => view.object_of(id),
        Expr::Selector(s) => view.object_of(&s.sel),
        _ => None,
    };
    let Some(callee) = callee else {
        return false;
    };
    let Some(h) = cx.functions().iter().find(|h| match h.kind {
        FuncKind::Decl(d) => cx
            .types(h.file)
            .and_then(|hv| hv.object_of(&d.name))
            .is_some_and(|o| o == callee),
        FuncKind::Lit(_) => false,
    }) else {
        return false;
    };
    let Some(hv) = cx.types(h.file) else {
        return false;
    };
    let mut results: Vec<&Ident> = Vec::new();
    let mut other = false;
    inspect(Node::Block(h.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Return(r)) => match r.results.get(k).map(Expr::unparen) {
                Some(x) if crate::syntax::is_nil(&hv, x) => {}
                Some(Expr::Ident(id)) => results.push(id),
                _ => other = true,
            },
            _ => {}
        }
        true
    });
    let Some(first) = results.first() else {
        return false;
    };
    let Some(u) = hv.object_of(first) else {
        return false;
    };
    if other || results.iter().any(|id| hv.object_of(id) != Some(u)) {
        return false;
    }
    let Some((def, 0)) = single_definition(h, &hv, u) else {
        return false;
    };
    def.lhs.len() == 1
        && def.rhs.len() == 1
        && is_new(&hv, &def.rhs[0])
        && only_field_uses(h, &hv, u, Span::new(def.tok_pos, h.body.end()), false)
}

/// Whether every mention of `o` in `g` within `within` (and, in nested
/// function literals, anywhere) reads or writes one of its fields, sits
/// in a `return`, or is its own definition. With `no_literals`, a
/// mention in a nested literal (a capture) does not count as a field use.
fn only_field_uses(g: &Func, view: &FileView, o: ObjId, within: Span, no_literals: bool) -> bool {
    let m = view.model();
    let mut fields: Vec<u32> = Vec::new();
    let mut returns: Vec<Span> = Vec::new();
    let mut lits: Vec<Span> = Vec::new();
    let mut mentions: Vec<u32> = Vec::new();
    let mut defs: Vec<u32> = Vec::new();
    inspect(Node::Block(g.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(l)) => lits.push(Span::new(l.body.lbrace, l.body.end())),
            Node::Expr(Expr::Selector(sel)) => {
                let on_o =
                    matches!(sel.x.unparen(), Expr::Ident(id) if view.object_of(id) == Some(o));
                let field = view
                    .object_of(&sel.sel)
                    .is_some_and(|f| m.obj(f).kind == ObjKind::Field);
                if on_o && field {
                    fields.push(sel.x.pos());
                }
            }
            Node::Stmt(Stmt::Return(r)) => returns.push(Span::new(r.pos, n.end())),
            Node::Stmt(Stmt::Assign(a)) if a.tok == Token::Define => {
                defs.extend(a.lhs.iter().map(|l| l.pos()));
            }
            Node::Ident(id) if view.object_of(id) == Some(o) => mentions.push(id.pos),
            _ => {}
        }
        true
    });
    let in_lit = |p: u32| lits.iter().any(|s| s.start <= p && p < s.end);
    mentions.iter().all(|&p| {
        if defs.contains(&p) {
            return true;
        }
        if in_lit(p) {
            return !no_literals && fields.contains(&p);
        }
        !(within.start <= p && p < within.end)
            || fields.contains(&p)
            || returns.iter().any(|s| s.start <= p && p < s.end)
    })
}

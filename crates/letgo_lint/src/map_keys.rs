//! Map keys compared through calls (issue 16, item 2): a `delete` by the
//! raw value a function's key is made from removes nothing that function
//! put in.

use crate::context::PackageContext;
use crate::diagnostic::Diagnostic;
use crate::funcs::Func;
use letgo_go::ast::{Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::FileView;

/// `delete(m, x)` in function `f` where `f` reads `m` only by a local
/// `key := g(..., x, ...)` made from `x`, never by `x` itself, and
/// writes nothing into `m` (a write would make it a rename): the delete
/// misses the entry `f` works on. One LG302 diagnostic per such delete.
pub fn deletes_by_raw_value(cx: &PackageContext, f: &Func) -> Vec<Diagnostic> {
    let Some(view) = cx.types(f.file) else {
        return Vec::new();
    };
    let src = &cx.file(f.file).src;
    let mut out = Vec::new();
    for site in &f.sites {
        let Stmt::Expr(x) = site.stmt else { continue };
        let Expr::Call(c) = x.unparen() else { continue };
        let is_delete = crate::syntax::ident_name(&c.fun, src) == Some("delete")
            && view.object_of_expr(&c.fun).is_none_or(|o| {
                matches!(
                    view.model().obj(o).kind,
                    letgo_types::model::ObjKind::Builtin(_)
                )
            });
        let ([map, Expr::Ident(raw)], true) = (&c.args[..], is_delete) else {
            continue;
        };
        let Some(raw_obj) = view.object_of(raw) else {
            continue;
        };
        let map_text = map.span().text(src);
        let Some((key_name, key_line)) = derived_key_only(cx, view, f, map_text, raw_obj) else {
            continue;
        };
        let msg = format!(
            "`delete({map_text}, {raw})` removes the key `{raw}`, but this function reads and writes `{map_text}` by `{key_name}`, made from `{raw}` at line {key_line}: the entry it works on is never deleted, and the map grows",
            raw = raw.name(src),
        );
        out.push(Diagnostic::new(
            "LG302",
            Span::new(c.fun.pos(), c.rparen + 1),
            msg,
        ));
    }
    out
}

/// The name and line of the local `key` when every index of `map` (by
/// its text) in `f` is by `key`, and `key` is defined in `f` as
/// `key := g(...)` with `raw` among the call's arguments.
fn derived_key_only(
    cx: &PackageContext,
    view: FileView,
    f: &Func,
    map: &str,
    raw: ObjId,
) -> Option<(String, u32)> {
    let sf = cx.file(f.file);
    let src = &sf.src;
    let mut keys: Vec<ObjId> = Vec::new();
    let mut by_other = false;
    inspect(Node::Block(f.body), &mut |n| {
        // `delete(m, raw); m[key] = v` renames an entry (a key
        // normalised): the delete is meant.
        if let Node::Stmt(Stmt::Assign(a)) = n {
            by_other |= a
                .lhs
                .iter()
                .any(|l| matches!(l.unparen(), Expr::Index(ix) if ix.x.span().text(src) == map));
        }
        if let Node::Expr(Expr::Index(ix)) = n {
            if ix.x.span().text(src) == map {
                match ix.index.unparen() {
                    Expr::Ident(k) => match view.object_of(k) {
                        Some(o) if o != raw => {
                            if !keys.contains(&o) {
                                keys.push(o);
                            }
                        }
                        _ => by_other = true,
                    },
                    _ => by_other = true,
                }
            }
        }
        !by_other
    });
    let ([key], false) = (&keys[..], by_other) else {
        return None;
    };
    let mut found = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            let defines_key = a.tok == Token::Define
                && a.lhs.len() == 1
                && a.rhs.len() == 1
                && matches!(a.lhs[0].unparen(), Expr::Ident(id) if view.object_of(id) == Some(*key));
            if let (true, Expr::Call(c)) = (defines_key, a.rhs[0].unparen()) {
                let from_raw = c.args.iter().any(
                    |x| matches!(x.unparen(), Expr::Ident(id) if view.object_of(id) == Some(raw)),
                );
                if from_raw {
                    let (line, _) = sf.line_col(a.lhs[0].pos());
                    found = Some((a.lhs[0].span().text(src).to_string(), line));
                }
            }
        }
        found.is_none()
    });
    found
}

/// Whether map key `key` of function `f` is made only from the process's
/// environment: every local variable (or parameter) it reads was set, in
/// `f`, from `os.Getenv`/`os.LookupEnv` results, constants, package
/// variables and other such locals, and at least one environment read is
/// among them. Such a key names a configured identity: a reload inserts
/// the same key again.
pub fn keyed_by_environment(cx: &PackageContext, f: &Func, key: &Expr) -> bool {
    let (Some(view), Some(os)) = (cx.types(f.file), cx.import_name(f.file, "os")) else {
        return false;
    };
    let src = &cx.file(f.file).src;
    // The receiver, parameters and locals are declared between the
    // receiver's (or parameters') parenthesis and the closing brace.
    let recv = match f.kind {
        crate::funcs::FuncKind::Decl(d) => d.recv.as_ref().and_then(|r| r.opening),
        crate::funcs::FuncKind::Lit(_) => None,
    };
    let start = recv.or(f.typ.params.opening).unwrap_or(f.body.lbrace);
    let span = Span::new(start, f.body.rbrace.unwrap_or(u32::MAX));
    let mut env: Vec<ObjId> = Vec::new();
    // Twice: a local set before the one it is made from is rare, but a
    // second pass costs little.
    for _ in 0..2 {
        for site in &f.sites {
            let Stmt::Assign(a) = site.stmt else { continue };
            if a.rhs.is_empty()
                || !a
                    .rhs
                    .iter()
                    .all(|r| from_environment(view, r, os, src, span, &env))
            {
                continue;
            }
            for l in &a.lhs {
                if let Expr::Ident(id) = l.unparen() {
                    if let Some(o) = view.object_of(id).filter(|o| !env.contains(o)) {
                        env.push(o);
                    }
                }
            }
        }
    }
    !env.is_empty() && from_environment(view, key, os, src, span, &env)
}

/// Whether `x` reads the environment (a call `os.Getenv`/`os.LookupEnv`
/// or a local in `env`) and no local of the function (`span`) outside
/// `env`.
fn from_environment(
    view: FileView,
    x: &Expr,
    os: &str,
    src: &str,
    span: Span,
    env: &[ObjId],
) -> bool {
    let m = view.model();
    let (mut reads, mut other) = (false, false);
    inspect(Node::expr(x), &mut |n| {
        match n {
            Node::Call(c) => {
                if let Expr::Selector(sel) = c.fun.unparen() {
                    let pkg = crate::syntax::ident_name(&sel.x, src);
                    reads |= pkg == Some(os) && matches!(sel.sel.name(src), "Getenv" | "LookupEnv");
                }
            }
            Node::Ident(id) => {
                let Some(o) = view.object_of(id) else {
                    return true;
                };
                let obj = m.obj(o);
                let local = obj.kind == ObjKind::Var
                    && obj
                        .pos
                        .is_some_and(|(_, at)| span.start <= at && at < span.end);
                if env.contains(&o) {
                    reads = true;
                } else if local {
                    other = true;
                }
            }
            _ => {}
        }
        !other
    });
    reads && !other
}

/// Functions that end entries of a long-lived map without removing them
/// (issue 16, item 2: a delete balances inserts only on every path that
/// ends an entry's life). In function `i`, a value read from map `m` by
/// key (`v, ok := m[k]`, `for _, v := range m[k]`, or a value ranged
/// from one of those) is closed (`v.Close()`, `v.forceClose()`,
/// `v.Stop()`, `v.Cancel()`), and the function neither deletes from `m`,
/// clears nor replaces it, while another function of the package does
/// delete from it: the closed value stays in the map, reachable, until a
/// path that deletes runs, which may be never. A function closing every
/// entry (`for _, v := range m`) is a shutdown and is left alone.
pub fn closed_not_deleted(cx: &PackageContext, funcs: &[Func], i: usize) -> Vec<Diagnostic> {
    let f = &funcs[i];
    let Some(view) = cx.types(f.file) else {
        return Vec::new();
    };
    let src = &cx.file(f.file).src;
    // Locals holding a value read by key from a map, with that map.
    let mut from: Vec<(ObjId, &Expr)> = Vec::new();
    fn bind<'e>(view: FileView, from: &mut Vec<(ObjId, &'e Expr)>, x: Option<&Expr>, m: &'e Expr) {
        if let Some(Expr::Ident(id)) = x.map(Expr::unparen) {
            if let Some(o) = view.object_of(id) {
                from.push((o, m));
            }
        }
    }
    for site in &f.sites {
        match site.stmt {
            Stmt::Assign(a) if a.rhs.len() == 1 => {
                if let Expr::Index(ix) = a.rhs[0].unparen() {
                    bind(view, &mut from, a.lhs.first(), &ix.x);
                }
            }
            Stmt::Range(r) => {
                let map = match r.x.unparen() {
                    Expr::Index(ix) => Some(&ix.x),
                    Expr::Ident(id) => view
                        .object_of(id)
                        .and_then(|o| from.iter().find(|(v, _)| *v == o))
                        .map(|(_, m)| *m),
                    _ => None,
                };
                if let Some(m) = map {
                    bind(view, &mut from, r.value.as_ref(), m);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for site in &f.sites {
        let Stmt::Expr(x) = site.stmt else { continue };
        let Expr::Call(c) = x.unparen() else { continue };
        let Expr::Selector(sel) = c.fun.unparen() else {
            continue;
        };
        let Expr::Ident(v) = sel.x.unparen() else {
            continue;
        };
        let method = sel.sel.name(src);
        let Some(map) = view
            .object_of(v)
            .and_then(|o| from.iter().find(|(x, _)| *x == o))
            .map(|(_, m)| *m)
        else {
            continue;
        };
        let map_text = map.span().text(src);
        if !closes(method) || reported.contains(&map_text) || lets_go(f, map_text, src) {
            continue;
        }
        if let Some(d) = forgotten(cx, funcs, i, map, c, v.name(src), method) {
            reported.push(map_text);
            out.push(d);
        }
    }
    out
}

/// A method name that ends a value's life.
fn closes(method: &str) -> bool {
    let m = method.to_ascii_lowercase();
    ["close", "stop", "cancel", "shutdown", "terminate"]
        .iter()
        .any(|w| m.contains(w))
}

/// Whether `f` deletes from, clears, assigns or writes into the map
/// written `map` (`old.close(); m[k] = fresh` replaces the entry).
fn lets_go(f: &Func, map: &str, src: &str) -> bool {
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Call(c) => {
                let builtin = matches!(
                    crate::syntax::ident_name(&c.fun, src),
                    Some("delete" | "clear")
                );
                found |= builtin && c.args.first().is_some_and(|a| a.span().text(src) == map);
            }
            // `m = ...`, or `m[k] = v`: the closed entry replaced.
            Node::Stmt(Stmt::Assign(a)) => {
                found |= a.lhs.iter().any(|l| {
                    l.span().text(src) == map
                        || matches!(l.unparen(), Expr::Index(ix) if ix.x.span().text(src) == map)
                });
            }
            _ => {}
        }
        !found
    });
    found
}

/// The diagnostic for a close of `v`, read from `map`, in function `i`,
/// when `map` is a long-lived map that other code deletes from and
/// nothing clears or replaces; it names an insert into the map.
fn forgotten(
    cx: &PackageContext,
    funcs: &[Func],
    i: usize,
    map: &Expr,
    call: &letgo_go::ast::CallExpr,
    v: &str,
    method: &str,
) -> Option<Diagnostic> {
    let owners = cx.owners();
    let place = owners.place(cx, funcs, i, map)?;
    if !place.is_map()
        || owners.released(cx, &place, false)
        || owners.deletes(cx, &place).is_empty()
    {
        return None;
    }
    let slot = owners.slot_key(cx, funcs, i, map)?;
    if callee_deletes(cx, funcs, i, &slot)
        || close_deletes(cx, funcs, i, call, &slot)
        || removes_itself(cx, funcs, &slot)
    {
        return None;
    }
    let (file, line) = insert_into(cx, funcs, &slot)?;
    let src = &cx.file(funcs[i].file).src;
    let map_text = map.span().text(src);
    let msg = format!(
        "`{v}.{method}()` ends an entry of map `{map_text}` but this function never deletes it: the closed value stays in the map (inserted at {file}:{line}) until a path that deletes it runs; {}",
        crate::owners::Owners::lifetime(&place)
    );
    Some(Diagnostic::new(
        "LG302",
        Span::new(call.fun.pos(), call.rparen + 1),
        msg,
    ))
}

/// Whether function `i` calls a function or method of its package that
/// deletes from the map slot `slot` (`work.cancel(); r.workDone(w)`, where
/// `workDone` deletes the entry): the entry is removed on that path. One
/// call deep, by the object the call resolves to.
fn callee_deletes(cx: &PackageContext, funcs: &[Func], i: usize, slot: &str) -> bool {
    let Some(view) = cx.types(funcs[i].file) else {
        return false;
    };
    let m = view.model();
    let mut found = false;
    inspect(Node::Block(funcs[i].body), &mut |n| {
        if let Node::Call(c) = n {
            let at = view.object_of_expr(&c.fun).and_then(|o| m.obj(o).pos);
            found |= at.is_some_and(|(file, off)| {
                funcs.iter().enumerate().any(|(j, g)| {
                    j != i
                        && matches!(g.kind, crate::funcs::FuncKind::Decl(d) if d.name.pos == off)
                        && cx.types(g.file).is_some_and(|v| v.id() == file)
                        && deletes_from(cx, funcs, j, slot)
                })
            });
        }
        !found
    });
    found
}

/// Whether the close itself removes the entry: `call` resolves to a
/// method of the package (by its object) that deletes from the map slot
/// `slot`, or calls one that does (`func (c *conn) Close() {
/// c.mux.remove(c.id) }`): a value that unregisters itself when closed.
fn close_deletes(
    cx: &PackageContext,
    funcs: &[Func],
    i: usize,
    call: &letgo_go::ast::CallExpr,
    slot: &str,
) -> bool {
    let Some(view) = cx.types(funcs[i].file) else {
        return false;
    };
    let Some((file, off)) = view
        .object_of_expr(&call.fun)
        .and_then(|o| view.model().obj(o).pos)
    else {
        return false;
    };
    funcs.iter().enumerate().any(|(j, g)| {
        j != i
            && matches!(g.kind, crate::funcs::FuncKind::Decl(d) if d.name.pos == off)
            && cx.types(g.file).is_some_and(|v| v.id() == file)
            && (deletes_from(cx, funcs, j, slot) || callee_deletes(cx, funcs, j, slot))
    })
}

/// Whether a `delete` from the map slot `slot` sits in a function
/// literal the package stores in a value (`&job{close: func() {
/// delete(w.jobs, id) }}`, `j.done = func() { ... }`) or starts as the
/// entry's goroutine (`go func() { run(ctx); delete(m.procs, name) }()`):
/// the entry carries its own removal, which runs when its work ends, and
/// closing or cancelling it ends that work. A literal returned to the caller (an
/// unsubscribe handle) is not stored in the entry and proves nothing.
fn removes_itself(cx: &PackageContext, funcs: &[Func], slot: &str) -> bool {
    let mut stored: Vec<(usize, u32)> = Vec::new();
    for f in funcs.iter().filter(|f| !cx.file(f.file).is_test) {
        inspect(Node::Block(f.body), &mut |n| {
            match n {
                Node::Expr(Expr::CompositeLit(cl)) => {
                    for el in &cl.elts {
                        if let Expr::KeyValue(kv) = el {
                            if let Expr::FuncLit(l) = kv.value.unparen() {
                                stored.push((f.file, l.typ.pos()));
                            }
                        }
                    }
                }
                Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                    for (l, r) in a.lhs.iter().zip(&a.rhs) {
                        if let (Expr::Selector(_), Expr::FuncLit(lit)) = (l.unparen(), r.unparen())
                        {
                            stored.push((f.file, lit.typ.pos()));
                        }
                    }
                }
                // The entry's own goroutine, which deletes it when its
                // work ends.
                Node::Stmt(Stmt::Go(g)) => {
                    if let Expr::FuncLit(lit) = g.call.fun.unparen() {
                        stored.push((f.file, lit.typ.pos()));
                    }
                }
                _ => {}
            }
            true
        });
    }
    funcs.iter().enumerate().any(|(j, g)| {
        matches!(g.kind, crate::funcs::FuncKind::Lit(l) if stored.contains(&(g.file, l.typ.pos())))
            && deletes_from(cx, funcs, j, slot)
    })
}

/// Whether function `j` has `delete(x, k)` with `x` the map slot `slot`.
fn deletes_from(cx: &PackageContext, funcs: &[Func], j: usize, slot: &str) -> bool {
    let src = &cx.file(funcs[j].file).src;
    let owners = cx.owners();
    let mut found = false;
    inspect(Node::Block(funcs[j].body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Call(c) if crate::syntax::ident_name(&c.fun, src) == Some("delete") => {
                found |= c
                    .args
                    .first()
                    .is_some_and(|x| owners.slot_key(cx, funcs, j, x).as_deref() == Some(slot));
            }
            _ => {}
        }
        !found
    });
    found
}

/// The first insert `m[k] = v` into the slot `slot` in the package's
/// non-test code: its file name and line.
fn insert_into(cx: &PackageContext, funcs: &[Func], slot: &str) -> Option<(String, u32)> {
    funcs.iter().enumerate().find_map(|(i, f)| {
        let sf = cx.file(f.file);
        if sf.is_test {
            return None;
        }
        let at = inserts(cx, funcs, i, slot)?;
        let name = sf
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        Some((name.unwrap_or_default(), sf.line_col(at).0))
    })
}

/// The offset of the first `m[k] = v` into the slot `slot` in the body
/// of function `i` (not in its literals).
fn inserts(cx: &PackageContext, funcs: &[Func], i: usize, slot: &str) -> Option<u32> {
    let owners = cx.owners();
    funcs[i].sites.iter().find_map(|site| {
        let Stmt::Assign(a) = site.stmt else {
            return None;
        };
        let [Expr::Index(ix)] = &a.lhs[..] else {
            return None;
        };
        (owners.slot_key(cx, funcs, i, &ix.x).as_deref() == Some(slot)).then(|| a.lhs[0].pos())
    })
}

/// Whether map key `key` of function `f` is converted from bytes: it is
/// `string(b)` with `b` a `[]byte`, or a local that `f` sets to one. Bytes
/// are what a program reads (a parsed line, a frame): such a key is the
/// input's choice.
pub fn keyed_by_bytes(cx: &PackageContext, f: &Func, key: &Expr) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    if from_bytes(view, key) {
        return true;
    }
    let Expr::Ident(k) = key.unparen() else {
        return false;
    };
    let Some(obj) = view.object_of(k) else {
        return false;
    };
    f.sites.iter().any(|site| {
        let Stmt::Assign(a) = site.stmt else {
            return false;
        };
        a.lhs.len() == a.rhs.len()
            && a.lhs.iter().zip(&a.rhs).any(|(l, r)| {
                matches!(l.unparen(), Expr::Ident(id) if view.object_of(id) == Some(obj))
                    && from_bytes(view, r)
            })
    })
}

/// `string(b)` with `b` of type `[]byte`.
fn from_bytes(view: FileView, x: &Expr) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    let m = view.model();
    let is_string = view.type_of(&c.fun).is_some_and(|t| {
        matches!(
            m.ty(m.under_ro(t)),
            letgo_types::types::Type::Basic(letgo_types::types::BasicKind::String, _)
        )
    });
    let [arg] = &c.args[..] else { return false };
    let bytes = view
        .type_of(arg)
        .is_some_and(|t| match m.ty(m.under_ro(t)) {
            letgo_types::types::Type::Slice(e) => matches!(
                m.ty(m.under_ro(*e)),
                letgo_types::types::Type::Basic(letgo_types::types::BasicKind::Uint8, _)
            ),
            _ => false,
        });
    is_string && bytes
}

/// Whether, in function `i`, an insert `other[K] = ...` with the key
/// written as `ix`'s runs before the insert `ix` on every path to it: a
/// statement before it in its block or in an enclosing one.
pub fn inserted_first(
    cx: &PackageContext,
    funcs: &[Func],
    i: usize,
    ix: &letgo_go::ast::IndexExpr,
    other: &str,
) -> bool {
    let src = &cx.file(funcs[i].file).src;
    let key = ix.index.span().text(src);
    let target = Span::new(ix.x.span().start, ix.rbrack + 1);
    let mut before = Vec::new();
    runs_before(&funcs[i].body.list, target, &mut before);
    let owners = cx.owners();
    before.into_iter().any(|s| {
        let Stmt::Assign(a) = s else { return false };
        a.lhs.iter().any(|l| match l.unparen() {
            Expr::Index(o) => {
                o.index.span().text(src) == key
                    && owners.slot_key(cx, funcs, i, &o.x).as_deref() == Some(other)
            }
            _ => false,
        })
    })
}

/// The statements that run before `target` on every path to it: those
/// before it in each enclosing statement list (a branch taken or a
/// loop's earlier iteration do not count).
fn runs_before<'s>(stmts: &'s [Stmt], target: Span, out: &mut Vec<&'s Stmt>) -> bool {
    let inside = |s: &Stmt| {
        let sp = s.span();
        sp.start <= target.start && target.end <= sp.end
    };
    let Some(k) = stmts.iter().position(inside) else {
        return false;
    };
    out.extend(stmts[..k].iter());
    match &stmts[k] {
        Stmt::Block(b) => runs_before(&b.list, target, out),
        Stmt::Labeled(l) => runs_before(std::slice::from_ref(&l.stmt), target, out),
        Stmt::If(s) => {
            runs_before(&s.body.list, target, out) || runs_before(s.els.as_slice(), target, out)
        }
        Stmt::For(f) => runs_before(&f.body.list, target, out),
        Stmt::Range(r) => runs_before(&r.body.list, target, out),
        Stmt::Switch(sw) => sw
            .body
            .clauses
            .iter()
            .any(|c| runs_before(&c.body, target, out)),
        Stmt::TypeSwitch(sw) => sw
            .body
            .clauses
            .iter()
            .any(|c| runs_before(&c.body, target, out)),
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .any(|c| runs_before(&c.body, target, out)),
        _ => true,
    }
}

/// Whether map key `ix.index` of function `f` is a key the map already
/// has: the key of a `range` over the same map, carried through locals,
/// a local slice it is appended to (alone or as a field of a composite
/// literal) and a `range` over that slice (`for k := range m { if stale
/// { redo = append(redo, item{key: k}) } }; for _, r := range redo {
/// m[r.key] = rebuild(r) }`). Such an insert re-assigns an existing
/// entry; the map does not grow.
pub fn keyed_by_own_keys(cx: &PackageContext, f: &Func, ix: &letgo_go::ast::IndexExpr) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let src = &cx.file(f.file).src;
    let map = ix.x.span().text(src);
    // (variable, path): the key is the variable itself (""), its field
    // (".f"), its elements ("[]") or its elements' field ("[].f").
    let mut derived: Vec<(ObjId, String)> = Vec::new();
    let obj = |x: &Expr| match x.unparen() {
        Expr::Ident(id) => view.object_of(id),
        _ => None,
    };
    for _ in 0..2 {
        for site in &f.sites {
            match site.stmt {
                Stmt::Range(r) => {
                    let from_map = r.x.span().text(src) == map;
                    if let (true, Some(k)) = (from_map, r.key.as_ref().and_then(obj)) {
                        derived.push((k, String::new()));
                    }
                    let Some(v) = r.value.as_ref().and_then(obj) else {
                        continue;
                    };
                    let Some(x) = obj(&r.x) else { continue };
                    let carried: Vec<String> = derived
                        .iter()
                        .filter(|(o, p)| *o == x && p.starts_with("[]"))
                        .map(|(_, p)| p[2..].to_string())
                        .collect();
                    derived.extend(carried.into_iter().map(|p| (v, p)));
                }
                Stmt::Assign(a) if a.lhs.len() == 1 && a.rhs.len() == 1 => {
                    let Some(l) = obj(&a.lhs[0]) else { continue };
                    for p in carried_by(view, &a.rhs[0], l, &derived, src) {
                        derived.push((l, p));
                    }
                }
                _ => {}
            }
        }
        derived.sort();
        derived.dedup();
    }
    match ix.index.unparen() {
        Expr::Ident(k) => view
            .object_of(k)
            .is_some_and(|o| derived.contains(&(o, String::new()))),
        Expr::Selector(s) => {
            obj(&s.x).is_some_and(|o| derived.contains(&(o, format!(".{}", s.sel.name(src)))))
        }
        _ => false,
    }
}

/// The key paths `rhs`, assigned to `lhs`, carries: a derived variable
/// (`k2 := k`), or `lhs = append(lhs, k)` / `append(lhs, T{f: k})`.
fn carried_by(
    view: FileView,
    rhs: &Expr,
    lhs: ObjId,
    derived: &[(ObjId, String)],
    src: &str,
) -> Vec<String> {
    let paths_of = |x: &Expr| -> Vec<String> {
        let Expr::Ident(id) = x.unparen() else {
            return Vec::new();
        };
        let Some(o) = view.object_of(id) else {
            return Vec::new();
        };
        derived
            .iter()
            .filter(|(d, _)| *d == o)
            .map(|(_, p)| p.clone())
            .collect()
    };
    let Expr::Call(c) = rhs.unparen() else {
        return paths_of(rhs);
    };
    let appends = crate::syntax::ident_name(&c.fun, src) == Some("append")
        && c.args.first().is_some_and(
            |a| matches!(a.unparen(), Expr::Ident(id) if view.object_of(id) == Some(lhs)),
        );
    if !appends {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in c.args.iter().skip(1) {
        out.extend(paths_of(a).into_iter().map(|p| format!("[]{p}")));
        let lit = match a.unparen() {
            Expr::Unary(u) => &u.x,
            x => x,
        };
        if let Expr::CompositeLit(cl) = lit.unparen() {
            for e in &cl.elts {
                if let Expr::KeyValue(kv) = e.unparen() {
                    let field = kv.key.span().text(src);
                    out.extend(
                        paths_of(&kv.value)
                            .into_iter()
                            .map(|p| format!("[].{field}{p}")),
                    );
                }
            }
        }
    }
    out
}

//! HTTP clients whose `Timeout` bounds what a response holds.
//!
//! `http.Client.Timeout` covers the whole exchange, reading the body
//! included: its timer keeps running after `Do` (or `Get`, `Post`, ...)
//! returns, and when it fires the transport cancels the request and
//! closes the connection. A body nobody closes then holds its connection
//! and the transport's goroutines for at most that long: LG401 leaves
//! such a body alone, on any path.
//!
//! A client is known to have a timeout when every value the program
//! stores in the variable or field the call goes through, that the model
//! can see, is an `http.Client` literal with a `Timeout` key (or the
//! variable's `Timeout` is set), and at least one is seen. A field
//! reached by embedding (`type API struct{ *http.Client }`) counts, and
//! assignments are looked for in every checked package of the module:
//! the client is often made by a constructor in another package. Any
//! other value (a parameter, `http.DefaultClient`, a call's result) leaves
//! the timeout unknown.

use crate::context::PackageContext;
use letgo_go::ast::{CallExpr, Expr, Spec, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{FileId, ObjId, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::{FileView, Model};

/// How deep embedded fields are followed to find the client.
const EMBED_DEPTH: usize = 3;

/// Whether `call` (in `view`'s file) is a method of `*http.Client` called
/// on a client that has a timeout, or a call of the module's own helper
/// whose every client call in its body is one.
pub fn timed_client(cx: &PackageContext, view: &FileView, call: &CallExpr) -> bool {
    let Some(s) = cx.semantic() else {
        return false;
    };
    Judge { s, depth: 0 }.call(view, call, true)
}

/// The client `call` is a `*http.Client` method of (`c` in `c.Do(req)`).
fn client_receiver<'e>(view: &FileView, call: &'e CallExpr) -> Option<&'e Expr> {
    let Expr::Selector(sel) = call.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let method = view.object_of(&sel.sel)?;
    let client_method = m.pkg_path(method) == "net/http"
        && m.receiver_named(method)
            .is_some_and(|r| m.is_named(r, "net/http", "Client"));
    client_method.then_some(&sel.x)
}

/// Follows stored values through variables, fields and the functions
/// that make them, [`MAX_HOPS`] deep.
struct Judge<'s> {
    s: &'s letgo_types::Semantic,
    depth: usize,
}

/// How far a client is followed: a field set from a local set from a
/// constructor's result is three hops.
const MAX_HOPS: usize = 4;

impl Judge<'_> {
    /// A client call with a timeout; with `follow`, also a helper's call
    /// whose client calls all have one.
    fn call(&mut self, view: &FileView, call: &CallExpr, follow: bool) -> bool {
        if let Some(x) = client_receiver(view, call) {
            return holder(view, x).is_some_and(|h| self.holder(view, h));
        }
        let m = view.model();
        let Some((file, fd)) = view.object_of_expr(&call.fun).and_then(|f| m.func_decl(f)) else {
            return false;
        };
        let (true, Some(body)) = (follow, fd.body.as_ref()) else {
            return false;
        };
        let fv = view.other(file);
        let mut calls = Vec::new();
        inspect(Node::Block(body), &mut |n| match n {
            Node::Call(c) => {
                if client_receiver(&fv, c).is_some() {
                    calls.push(c);
                }
                true
            }
            Node::Expr(Expr::FuncLit(_)) => false,
            _ => true,
        });
        !calls.is_empty() && calls.into_iter().all(|c| self.call(&fv, c, false))
    }

    /// Whether every value stored in `holder` is a client with a timeout.
    fn holder(&mut self, view: &FileView, holder: ObjId) -> bool {
        if self.depth >= MAX_HOPS {
            return false;
        }
        self.depth += 1;
        let m = view.model();
        // Fields and package variables may be set anywhere in the module;
        // a local only in its own file.
        let files = match m.obj(holder).pos {
            Some((f, _)) if m.obj(holder).kind == ObjKind::Var && !m.is_package_level(holder) => {
                vec![f]
            }
            _ => self.s.checked_files(),
        };
        let mut seen = Stores::default();
        for f in files {
            stores(&view.other(f), holder, &mut seen);
        }
        let timed = !seen.values.is_empty()
            && seen.values.iter().all(|&(f, v)| match v {
                Value::Literal(timed) => timed || seen.timeout_set,
                Value::Expr(x) => self.value(&view.other(f), x),
            });
        self.depth -= 1;
        timed
    }

    /// Whether the value `x` is a client with a timeout: a variable's
    /// stores, or a call of the module's function whose every return
    /// gives one.
    fn value(&mut self, view: &FileView, x: &Expr) -> bool {
        let m = view.model();
        match x.unparen() {
            Expr::Ident(_) | Expr::Selector(_) => match view.object_of_expr(x) {
                Some(o) if matches!(m.obj(o).kind, ObjKind::Var | ObjKind::Field) => {
                    self.holder(view, o)
                }
                _ => false,
            },
            Expr::Call(c) => self.made_by(view, c),
            _ => false,
        }
    }

    /// Whether the function `c` calls returns a client with a timeout on
    /// every `return` (its first result of client type).
    fn made_by(&mut self, view: &FileView, c: &CallExpr) -> bool {
        let m = view.model();
        let Some(f) = view.object_of_expr(&c.fun) else {
            return false;
        };
        let Some((file, fd)) = m.func_decl(f) else {
            return false;
        };
        let Some(body) = fd.body.as_ref() else {
            return false;
        };
        let fv = view.other(file);
        let Type::Signature(sig) = m.ty(m.under_ro(m.obj(f).typ)) else {
            return false;
        };
        let Some(at) = sig.results.iter().position(|&r| is_client(m, m.obj(r).typ)) else {
            return false;
        };
        let mut returns = Vec::new();
        inspect(Node::Block(body), &mut |n| match n {
            Node::Stmt(Stmt::Return(r)) => {
                returns.push(r.results.get(at));
                false
            }
            Node::Expr(Expr::FuncLit(_)) => false,
            _ => true,
        });
        if self.depth >= MAX_HOPS || returns.is_empty() {
            return false;
        }
        self.depth += 1;
        // `return nil, err`: no client to call.
        let timed = returns.into_iter().all(|r| match r {
            Some(x) if crate::syntax::is_nil(&fv, x) => true,
            Some(x) => client_literal(&fv, x) == Some(true) || self.value(&fv, x),
            None => false,
        });
        self.depth -= 1;
        timed
    }
}

/// The variable or field holding the client `x` is or embeds.
fn holder(view: &FileView, x: &Expr) -> Option<ObjId> {
    let m = view.model();
    let t = view.type_of(x)?;
    if is_client(m, t) {
        return view.object_of_expr(x);
    }
    embedded_client(m, t, EMBED_DEPTH)
}

fn is_client(m: &Model, t: TypeId) -> bool {
    m.is_named(m.deref(t), "net/http", "Client")
}

/// The embedded field, at most `depth` embeddings down, of type
/// `http.Client` or `*http.Client`.
fn embedded_client(m: &Model, t: TypeId, depth: usize) -> Option<ObjId> {
    if depth == 0 {
        return None;
    }
    let Type::Struct(fields) = m.ty(m.under_ro(m.deref(t))) else {
        return None;
    };
    let embedded = fields.iter().filter(|f| f.embedded);
    for f in embedded.clone() {
        if is_client(m, m.obj(f.obj).typ) {
            return Some(f.obj);
        }
    }
    embedded
        .filter_map(|f| embedded_client(m, m.obj(f.obj).typ, depth - 1))
        .next()
}

/// What the program stores in the holder.
#[derive(Default)]
struct Stores<'a> {
    /// The values stored, by file.
    values: Vec<(FileId, Value<'a>)>,
    /// `h.Timeout = d` somewhere.
    timeout_set: bool,
}

#[derive(Clone, Copy)]
enum Value<'a> {
    /// A client literal, with a `Timeout` or not (`var c http.Client`
    /// is one without).
    Literal(bool),
    Expr(&'a Expr),
}

fn stores<'a>(view: &FileView<'a>, holder: ObjId, out: &mut Stores<'a>) {
    let m = view.model();
    let file = &m.files[view.id().0 as usize];
    let is_holder = |x: &Expr| view.object_of_expr(x) == Some(holder);
    let src = &file.src;
    let id = view.id();
    let store = |v: &'a Expr, out: &mut Stores<'a>| {
        let value = match client_literal(view, v) {
            Some(timed) => Value::Literal(timed),
            None if crate::syntax::is_nil(view, v) => return,
            None => Value::Expr(v),
        };
        out.values.push((id, value));
    };
    for d in &file.ast.decls {
        inspect(Node::decl(d), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) => {
                    for (i, l) in a.lhs.iter().enumerate() {
                        if let Expr::Selector(s) = l.unparen() {
                            if s.sel.name(src) == "Timeout" && is_holder(&s.x) {
                                out.timeout_set = true;
                            }
                        }
                        if is_holder(l) {
                            match a.rhs.get(i).filter(|_| a.lhs.len() == a.rhs.len()) {
                                Some(v) => store(v, out),
                                // `c, err := newClient()`: the call's result.
                                None if a.rhs.len() == 1 && i == 0 => store(&a.rhs[0], out),
                                None => out.values.push((id, Value::Literal(false))),
                            }
                        }
                    }
                }
                Node::Spec(Spec::Value(v)) => {
                    for (i, name) in v.names.iter().enumerate() {
                        if view.object_of(name) == Some(holder) {
                            match v.values.get(i) {
                                Some(x) if v.values.len() == v.names.len() => store(x, out),
                                _ => out.values.push((id, Value::Literal(false))),
                            }
                        }
                    }
                }
                Node::Expr(Expr::KeyValue(kv)) => {
                    if matches!(&kv.key, Expr::Ident(k) if view.object_of(k) == Some(holder)) {
                        store(&kv.value, out);
                    }
                }
                _ => {}
            }
            true
        });
    }
}

/// `Some(has_timeout)` when `v` is an `http.Client` literal (`&` or not).
fn client_literal(view: &FileView, v: &Expr) -> Option<bool> {
    let lit = match v.unparen() {
        Expr::Unary(u) if u.op == letgo_go::token::Token::And => u.x.unparen(),
        other => other,
    };
    let Expr::CompositeLit(c) = lit else {
        return None;
    };
    if !view
        .type_of(lit)
        .is_some_and(|t| is_client(view.model(), t))
    {
        return None;
    }
    let src = &view.model().files[view.id().0 as usize].src;
    Some(c.elts.iter().any(|e| {
        matches!(e, Expr::KeyValue(kv)
            if matches!(&kv.key, Expr::Ident(k) if k.name(src) == "Timeout")
                && !is_zero(&kv.value, src))
    }))
}

fn is_zero(x: &Expr, src: &str) -> bool {
    matches!(x.unparen(), Expr::BasicLit(_)) && x.span().text(src).trim() == "0"
}

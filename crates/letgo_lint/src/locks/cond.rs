//! The lock behind a `sync.Cond`'s `L`: `c.L` is the `Locker` given to
//! `sync.NewCond`, so `x.cond.L.Lock()` locks whatever every
//! `sync.NewCond` stored in the field `cond` was given.
//!
//! Read from the package's own stores into the field (an assignment
//! `x.cond = sync.NewCond(...)`, a composite literal's element):
//! - `sync.NewCond(&x.mu)` (or `x.mu` of pointer type), with `x` the same
//!   variable as the one whose field is set: `y.cond.L` is `y.mu` for
//!   every `y`; `sync.NewCond(x.mu.RLocker())`: its read side, so that
//!   `L.Lock()` is `y.mu.RLock()`;
//! - `sync.NewCond(&sync.Mutex{})` (or `new(sync.Mutex)`): a mutex only
//!   the Cond reaches, so `y.cond.L` is a lock of its own.
//!
//! Any other store (a Cond passed in, stores that disagree) leaves `L`
//! unknown: no lock.

use super::identity::{ident, key_of};
use super::{LockOp, SyncKind, SyncValue};
use crate::context::PackageContext;
use letgo_go::ast::{CallExpr, Expr, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::Type;
use letgo_types::{FileView, Model};

/// What a Cond field's `L` is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Locker {
    /// A lock reached from the same value: the key suffix after the
    /// value's key (`.<id>` per field), its kind, and whether it is the
    /// read side.
    Sibling {
        suffix: String,
        class: String,
        kind: SyncKind,
        read: bool,
    },
    /// A mutex made for the Cond alone.
    Own(SyncKind),
}

/// `x.cond.L.Lock()` (and the other lock methods) in function `fi`, with
/// `x`'s field `cond` a `sync.Cond` whose stores say what `L` is: the
/// operation as it is on the lock behind it, and that lock.
pub fn cond_lock(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    x: &Expr,
    op: LockOp,
) -> Option<(LockOp, SyncValue)> {
    let m = view.model();
    let Expr::Selector(l) = x.unparen() else {
        return None;
    };
    let lf = view.object_of(&l.sel)?;
    if m.obj(lf).kind != ObjKind::Field || &*m.obj(lf).name != "L" || m.pkg_path(lf) != "sync" {
        return None;
    }
    let Expr::Selector(c) = l.x.unparen() else {
        return None;
    };
    let field = view.object_of(&c.sel)?;
    if m.obj(field).kind != ObjKind::Field || !m.is_named(m.deref(m.obj(field).typ), "sync", "Cond")
    {
        return None;
    }
    let src = &cx.file(cx.functions()[fi].file).src;
    let text = x.span().text(src).to_string();
    match stored(cx, m, field)? {
        Locker::Sibling {
            suffix,
            class,
            kind,
            read,
        } => {
            let (base, _) = key_of(cx, fi, view, &c.x)?;
            let op = match (read, op) {
                (true, LockOp::Lock) => LockOp::RLock,
                (true, LockOp::Unlock) => LockOp::RUnlock,
                (true, _) => return None, // `L` has no RLock
                (false, op) => op,
            };
            let value = SyncValue {
                key: format!("{base}{suffix}"),
                class: Some(class),
                kind,
                text,
            };
            Some((op, value))
        }
        Locker::Own(kind) => {
            let (key, _) = key_of(cx, fi, view, &l.x)?;
            let class = ident(m, field);
            let value = SyncValue {
                key: format!("{key}.L"),
                class: Some(format!("{class}.L")),
                kind,
                text,
            };
            Some((op, value))
        }
    }
}

/// The class (as `lock_id` reads it) of the lock behind the Cond field
/// `cond` (`x.cond` in `x.cond.Wait()`), when the package's stores say
/// what its `L` is: the sibling lock's, or the Cond's own mutex's.
pub fn cond_field_lock_class(cx: &PackageContext, view: &FileView, cond: &Expr) -> Option<String> {
    let m = view.model();
    let Expr::Selector(c) = cond.unparen() else {
        return None;
    };
    let field = view.object_of(&c.sel)?;
    if m.obj(field).kind != ObjKind::Field || !m.is_named(m.deref(m.obj(field).typ), "sync", "Cond")
    {
        return None;
    }
    match stored(cx, m, field)? {
        Locker::Sibling { class, .. } => Some(class),
        Locker::Own(_) => Some(format!("{}.L", ident(m, field))),
    }
}

/// What every store into Cond field `field` in the package makes its
/// `L`; `None` when there is none, one is not understood, or they
/// disagree.
fn stored(cx: &PackageContext, m: &Model, field: ObjId) -> Option<Locker> {
    let mut found: Vec<Option<Locker>> = Vec::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        inspect(Node::Block(f.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                    for (l, r) in a.lhs.iter().zip(&a.rhs) {
                        let Expr::Selector(s) = l.unparen() else {
                            continue;
                        };
                        if view.object_of(&s.sel).map(|o| m.identity(o)) == Some(m.identity(field))
                        {
                            found.push(new_cond(cx, fi, &view, Some(&s.x), r));
                        }
                    }
                }
                Node::Expr(whole @ Expr::CompositeLit(lit)) => {
                    for (i, e) in lit.elts.iter().enumerate() {
                        let (is_field, value) = match e {
                            Expr::KeyValue(kv) => (
                                matches!(&kv.key, Expr::Ident(id)
                                    if view.object_of(id).map(|o| m.identity(o)) == Some(m.identity(field))),
                                &kv.value,
                            ),
                            _ => (positional_is(&view, view.type_of(whole), i, field), e),
                        };
                        if is_field {
                            found.push(new_cond(cx, fi, &view, None, value));
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }
    let first = found.first()?.clone()?;
    found
        .iter()
        .all(|f| f.as_ref() == Some(&first))
        .then_some(first)
}

/// Whether positional element `i` of a struct literal of type `t` sets
/// `field`.
fn positional_is(
    view: &FileView,
    t: Option<letgo_types::types::TypeId>,
    i: usize,
    field: ObjId,
) -> bool {
    let m = view.model();
    let Some(t) = t else { return false };
    match m.ty(m.under_ro(m.deref(t))) {
        Type::Struct(fields) => fields
            .get(i)
            .is_some_and(|f| m.identity(f.obj) == m.identity(field)),
        _ => false,
    }
}

/// What `sync.NewCond(arg)` in `r` makes `L` (the Cond stored into a
/// field of `base`, when known); `Some(None)`-like misses are `None`.
fn new_cond(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    base: Option<&Expr>,
    r: &Expr,
) -> Option<Locker> {
    let m = view.model();
    let Expr::Call(call) = r.unparen() else {
        return None;
    };
    if !view
        .object_of_expr(&call.fun)
        .is_some_and(|f| m.is_func(f, "sync", "NewCond"))
    {
        return None;
    }
    let arg = call.args.first()?;
    if let Some(kind) = fresh_mutex(view, arg) {
        return Some(Locker::Own(kind));
    }
    let (lock, read) = match arg.unparen() {
        Expr::Call(rl) => (rlocker_of(view, rl)?, true),
        Expr::Unary(u) if u.op == Token::And => (&u.x, false),
        other => (other, false),
    };
    let kind = kind_of(m, view.type_of(lock)?)?;
    if read && kind != SyncKind::RWMutex {
        return None;
    }
    let (base_key, _) = key_of(cx, fi, view, base?)?;
    let (key, class) = key_of(cx, fi, view, lock)?;
    let suffix = key.strip_prefix(&base_key)?;
    if !suffix.starts_with('.') {
        return None;
    }
    Some(Locker::Sibling {
        suffix: suffix.to_string(),
        class: class?,
        kind,
        read,
    })
}

/// `x.RLocker()` on a `sync.RWMutex`: `x`.
fn rlocker_of<'e>(view: &FileView, c: &'e CallExpr) -> Option<&'e Expr> {
    let Expr::Selector(s) = c.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let meth = view.object_of(&s.sel)?;
    (&*m.obj(meth).name == "RLocker" && m.pkg_path(meth) == "sync").then_some(&s.x)
}

/// `&sync.Mutex{}`, `new(sync.RWMutex)`: a lock nobody else holds.
fn fresh_mutex(view: &FileView, arg: &Expr) -> Option<SyncKind> {
    let m = view.model();
    let fresh = match arg.unparen() {
        Expr::Unary(u) if u.op == Token::And => matches!(u.x.unparen(), Expr::CompositeLit(_)),
        Expr::Call(c) => matches!(c.fun.unparen(), Expr::Ident(id)
            if view.object_of(id).is_some_and(|o| matches!(m.obj(o).kind, ObjKind::Builtin(_)) && &*m.obj(o).name == "new")),
        _ => false,
    };
    if !fresh {
        return None;
    }
    kind_of(m, view.type_of(arg)?)
}

/// `sync.Mutex` or `sync.RWMutex` (a pointer to one too).
fn kind_of(m: &Model, t: letgo_types::types::TypeId) -> Option<SyncKind> {
    let t = m.deref(t);
    if m.is_named(t, "sync", "Mutex") {
        Some(SyncKind::Mutex)
    } else if m.is_named(t, "sync", "RWMutex") {
        Some(SyncKind::RWMutex)
    } else {
        None
    }
}

//! Which values are locks and WaitGroups, and which object each one is,
//! read from the semantic model.
//!
//! A lock is the receiver of a `Lock`/`Unlock`/`RLock`/`RUnlock` call
//! whose method reaches a `sync` lock: `sync.Mutex`/`sync.RWMutex`'s own,
//! one promoted from an embedded field (the lock is then that field), or
//! a project method of the same name whose body uses one (a wrapper such
//! as `deadlock.Mutex`; read from source in any package), directly or
//! through a helper of another name (`Lock() { m.lockSlow() }`) that does
//! not also unlock. A method of
//! that name that reaches no `sync` lock (a file lock, a lease) is not
//! one. Where the model does not know the method, there is no lock.
//!
//! Keys name the object, never its spelling (see the module above for
//! their forms): an object's identity is where it is declared, so two
//! same-named fields of different struct types are different locks.

use super::{LockOp, SyncKind, SyncValue};
use crate::context::PackageContext;
use crate::funcs::FuncKind;
use letgo_go::ast::{CallExpr, Expr};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::{FileView, Model};

/// `x.Lock()`, `x.RUnlock()`... on a value whose method reaches a `sync`
/// lock.
pub fn lock_call(cx: &PackageContext, fi: usize, call: &CallExpr) -> Option<(LockOp, SyncValue)> {
    let Expr::Selector(sel) = call.fun.unparen() else {
        return None;
    };
    let view = cx.types(cx.functions()[fi].file)?;
    let m = view.model();
    if let [arg] = call.args.as_slice() {
        return once_do_release(cx, fi, &view, sel, arg);
    }
    if !call.args.is_empty() {
        return None;
    }
    let meth = view.object_of(&sel.sel)?;
    let op = LockOp::of(&m.obj(meth).name)?;
    let Some(kind) = lock_kind(m, meth, 0) else {
        // `c.L.Lock()`: the lock `sync.NewCond` was given.
        return super::cond::cond_lock(cx, fi, &view, &sel.x, op);
    };
    let v = receiver_value(cx, fi, &view, &sel.x, meth, kind)?;
    Some((op, v))
}

/// `once.Do(x.Unlock)` (or `RUnlock`) with `once` a `sync.Once`: `Do`
/// calls the method value it is given, so the lock is released there
/// unless the same `Once` ran it before (released earlier, then). A
/// release made safe to repeat, as a function that unlocks early on one
/// path and defers the same release for the others writes it.
fn once_do_release(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    sel: &letgo_go::ast::SelectorExpr,
    arg: &Expr,
) -> Option<(LockOp, SyncValue)> {
    let m = view.model();
    let meth = view.object_of(&sel.sel)?;
    if m.obj(meth).kind != ObjKind::Method || &*m.obj(meth).name != "Do" {
        return None;
    }
    if !m.is_named(m.receiver_named(meth)?, "sync", "Once") {
        return None;
    }
    let Expr::Selector(value) = arg.unparen() else {
        return None;
    };
    let unlock = view.object_of(&value.sel)?;
    let op = LockOp::of(&m.obj(unlock).name).filter(|op| !op.acquires())?;
    let kind = lock_kind(m, unlock, 0)?;
    let v = receiver_value(cx, fi, view, &value.x, unlock, kind)?;
    Some((op, v))
}

/// `wg.<method>(...)` on a `sync.WaitGroup` (or a struct embedding one).
pub fn waitgroup_call(
    cx: &PackageContext,
    fi: usize,
    call: &CallExpr,
    method: &str,
) -> Option<SyncValue> {
    sync_call(cx, fi, call, "WaitGroup", method, SyncKind::WaitGroup)
}

/// `c.<method>(...)` on a `sync.Cond` (or a struct embedding one).
pub fn cond_call(
    cx: &PackageContext,
    fi: usize,
    call: &CallExpr,
    method: &str,
) -> Option<SyncValue> {
    sync_call(cx, fi, call, "Cond", method, SyncKind::Cond)
}

/// `x.<method>(...)` where the method is `sync.<typ>`'s own.
fn sync_call(
    cx: &PackageContext,
    fi: usize,
    call: &CallExpr,
    typ: &str,
    method: &str,
    kind: SyncKind,
) -> Option<SyncValue> {
    let Expr::Selector(sel) = call.fun.unparen() else {
        return None;
    };
    let view = cx.types(cx.functions()[fi].file)?;
    let m = view.model();
    let meth = view.object_of(&sel.sel)?;
    let o = m.obj(meth);
    if o.kind != ObjKind::Method || &*o.name != method {
        return None;
    }
    if !m.is_named(m.receiver_named(meth)?, "sync", typ) {
        return None;
    }
    receiver_value(cx, fi, &view, &sel.x, meth, kind)
}

/// The `sync` lock a `Lock`/`Unlock`/`RLock`/`RUnlock` method reaches:
/// its own when it is `sync`'s, else the one its body uses through a
/// method of the same name (a wrapper), a few wrappers deep.
pub(crate) fn lock_kind(m: &Model, meth: ObjId, depth: u32) -> Option<SyncKind> {
    let obj = m.obj(meth);
    if obj.kind != ObjKind::Method {
        return None;
    }
    LockOp::of(&obj.name)?;
    let recv = m.receiver_named(meth)?;
    if m.pkg_path(meth) == "sync" {
        return match m.named(recv)? {
            ("sync", "Mutex") => Some(SyncKind::Mutex),
            ("sync", "RWMutex") => Some(SyncKind::RWMutex),
            _ => None,
        };
    }
    // A `Lock` that returns a value (a guard) hands the release to that
    // value: its type is not a lock the way a `sync.Locker` is.
    let returns = matches!(m.ty(obj.typ), Type::Signature(sig) if !sig.results.is_empty());
    if depth >= 4 || returns {
        return None;
    }
    wrapped(m, meth, depth)
}

/// The `sync` lock a project's `Lock`-like method uses in its body: a
/// call or method value (`lock(m.mu.Lock, m)`) of a same-named method
/// that is itself a lock method.
fn wrapped(m: &Model, meth: ObjId, depth: u32) -> Option<SyncKind> {
    let (file, fd) = m.func_decl(meth)?;
    let body = fd.body.as_ref()?;
    let src = &m.files[file.0 as usize].src;
    let name = &*m.obj(meth).name;
    let recv = receiver_param(m, meth, fd, src);
    let mut found = None;
    inspect(Node::Block(body), &mut |n| {
        if found.is_some() {
            return false;
        }
        if let Node::Expr(Expr::Selector(s)) = n {
            if s.sel.name(src) == name {
                let inner = m
                    .use_at(file, s.sel.pos)
                    .or_else(|| chain_method(m, recv, &s.x, name, src));
                found = inner
                    .filter(|&i| m.identity(i) != m.identity(meth))
                    .and_then(|i| lock_kind(m, i, depth + 1));
            }
        }
        true
    });
    found.or_else(|| via_helper(m, meth, file, body, recv, name, depth))
}

/// The receiver's name and type in a method declaration.
fn receiver_param<'s>(
    m: &Model,
    meth: ObjId,
    fd: &letgo_go::ast::FuncDecl,
    src: &'s str,
) -> Option<(&'s str, TypeId)> {
    let name = fd.recv.as_ref()?.list.first()?.names.first()?.name(src);
    let Type::Signature(sig) = m.ty(m.obj(meth).typ) else {
        return None;
    };
    Some((name, m.obj(sig.recv?).typ))
}

/// In a body the checker did not record (a package outside the checked
/// set), the method `r.f.g.<name>` reaches, through the fields of the
/// receiver `r`'s type.
fn chain_method(
    m: &Model,
    recv: Option<(&str, TypeId)>,
    x: &Expr,
    name: &str,
    src: &str,
) -> Option<ObjId> {
    let (r, rt) = recv?;
    let t = match x.unparen() {
        Expr::Ident(id) if id.name(src) == r => rt,
        Expr::Selector(s) => {
            let base = chain_type(m, (r, rt), &s.x, src)?;
            let f = m.member(base, s.sel.name(src))?;
            (m.obj(f).kind == ObjKind::Field).then(|| m.obj(f).typ)?
        }
        _ => return None,
    };
    m.method(t, name)
}

fn chain_type(m: &Model, recv: (&str, TypeId), x: &Expr, src: &str) -> Option<TypeId> {
    match x.unparen() {
        Expr::Ident(id) if id.name(src) == recv.0 => Some(recv.1),
        Expr::Selector(s) => {
            let base = chain_type(m, recv, &s.x, src)?;
            let f = m.member(base, s.sel.name(src))?;
            (m.obj(f).kind == ObjKind::Field).then(|| m.obj(f).typ)
        }
        _ => None,
    }
}

/// The value a lock method `meth` runs on when called on `x`: `x`'s
/// object, and the embedded field the method is promoted from, if any.
fn receiver_value(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    x: &Expr,
    meth: ObjId,
    kind: SyncKind,
) -> Option<SyncValue> {
    let src = &cx.file(cx.functions()[fi].file).src;
    let m = view.model();
    let (mut key, mut class) = key_of(cx, fi, view, x).or_else(|| element_key(cx, fi, view, x))?;
    let t = view.type_of(x)?;
    let path = m.embedding_path(t, &m.obj(meth).name).unwrap_or_default();
    for &f in &path {
        key = format!("{key}.{}", ident(m, f));
    }
    class = embedded_class(m, t, &path, class);
    Some(SyncValue {
        key,
        class,
        kind,
        text: x.span().text(src).to_string(),
    })
}

/// `x.locks[k]`: an element of a map, slice or array of locks. Which
/// element is out of view, so every element shares the key `…[]` (see
/// [`super::is_element`]: never taken for the same lock twice) and the
/// class `…[]` (elements of one field order like one lock).
fn element_key(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    x: &Expr,
) -> Option<(String, Option<String>)> {
    let Expr::Index(ix) = strip(x) else {
        return None;
    };
    let (key, class) = key_of(cx, fi, view, &ix.x)?;
    Some((format!("{key}[]"), class.map(|c| format!("{c}[]"))))
}

/// The key of the value a method `meth` called on `x` runs on: `x`'s,
/// through the embedded fields it is promoted from.
pub(super) fn receiver_key(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    x: &Expr,
    meth: ObjId,
) -> Option<String> {
    let m = view.model();
    let (mut key, _) = key_of(cx, fi, view, x)?;
    let path = view
        .type_of(x)
        .and_then(|t| m.embedding_path(t, &m.obj(meth).name));
    for f in path.unwrap_or_default() {
        key = format!("{key}.{}", ident(m, f));
    }
    Some(key)
}

/// An object's identity as text: where it is declared.
pub(super) fn ident(m: &Model, o: ObjId) -> String {
    let (f, off, _) = m.identity(o);
    format!("{f}:{off}")
}

/// The key of the object `x` denotes in function `fi`, and its class for
/// the lock-order graph (a field's or package variable's identity);
/// `None` when `x` is not a variable or field path the model resolves.
pub fn key_of(
    cx: &PackageContext,
    fi: usize,
    view: &FileView,
    x: &Expr,
) -> Option<(String, Option<String>)> {
    let m = view.model();
    match strip(x) {
        Expr::Ident(id) => {
            let o = view.object_of(id)?;
            var_key(cx, fi, m, o)
        }
        Expr::Selector(sel) => {
            let o = view.object_of(&sel.sel)?;
            match m.obj(o).kind {
                // `pkg.Var`
                ObjKind::Var => var_key(cx, fi, m, o),
                ObjKind::Field => {
                    let (mut key, _) = key_of(cx, fi, view, &sel.x)?;
                    let path = view
                        .type_of(&sel.x)
                        .and_then(|t| m.embedding_path(t, &m.obj(o).name))
                        .unwrap_or_default();
                    for f in path.into_iter().chain([o]) {
                        key = format!("{key}.{}", ident(m, f));
                    }
                    Some((key, Some(ident(m, o))))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A variable's key: a package variable by identity (`g…`), the
/// receiver `(r<type>)` and parameters `(#i)` of the function that
/// declares them, other locals by identity (`=…`). The receiver's key
/// names its type, so that methods of one type share it and methods of
/// another do not.
fn var_key(
    cx: &PackageContext,
    fi: usize,
    m: &Model,
    o: ObjId,
) -> Option<(String, Option<String>)> {
    if m.obj(o).kind != ObjKind::Var {
        return None;
    }
    if m.is_package_level(o) {
        let k = format!("g{}", ident(m, o));
        return Some((k.clone(), Some(k)));
    }
    let off = m.obj(o).pos?.1;
    let key = match param_key(cx, fi, off) {
        Some(k) if k == "(r)" => {
            let t = m.deref(m.obj(o).typ);
            let named = match m.ty(t) {
                Type::Named(n) => ident(m, n.obj),
                _ => String::new(),
            };
            format!("(r{named})")
        }
        Some(k) => k,
        None => format!("={}", ident(m, o)),
    };
    Some((key, None))
}

/// `(r)` or `(#i)` when the variable declared at `off` is the receiver or
/// parameter `i` of function `fi` or of a function around it.
fn param_key(cx: &PackageContext, fi: usize, off: u32) -> Option<String> {
    let funcs = cx.functions();
    let mut at = Some(fi);
    while let Some(i) = at {
        let f = &funcs[i];
        if let FuncKind::Decl(d) = f.kind {
            let recv = d.recv.as_ref().and_then(|r| r.list.first());
            if recv.is_some_and(|r| r.names.iter().any(|n| n.pos == off)) {
                return Some("(r)".to_string());
            }
        }
        if let Some(p) = crate::syntax::param_index(&f.typ.params, off) {
            return Some(format!("(#{p})"));
        }
        at = f.parent;
    }
    None
}

fn strip(x: &Expr) -> &Expr {
    match x.unparen() {
        Expr::Star(s) => strip(&s.x),
        Expr::Unary(u) if u.op == Token::And => strip(&u.x),
        other => other,
    }
}

/// A constant `bool` argument (`true`, `false`, a named constant).
pub(super) fn const_bool(view: &FileView, x: &Expr) -> Option<bool> {
    let o = view.object_of_expr(x)?;
    match view.model().obj(o) {
        obj if obj.kind == ObjKind::Const => match obj.val {
            letgo_types::constant::Value::Bool(b) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// The key a local variable `o` has (`=…`), for comparing identifiers
/// with a local's key without an expression at hand.
pub fn local_key(m: &Model, o: ObjId) -> String {
    format!("={}", ident(m, o))
}

/// The `sync` lock a `Lock`-like method takes through a helper of a
/// different name (`func (m *M) Lock() { m.lockSlow() }`): a function or
/// method it calls whose body uses a lock method of the same name, and
/// not its inverse (a helper that locks and unlocks leaves nothing held).
fn via_helper(
    m: &Model,
    meth: ObjId,
    file: letgo_types::model::FileId,
    body: &letgo_go::ast::BlockStmt,
    recv: Option<(&str, TypeId)>,
    name: &str,
    depth: u32,
) -> Option<SyncKind> {
    if depth >= 3 {
        return None;
    }
    let src = &m.files[file.0 as usize].src;
    let mut helpers = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        if let Node::Call(c) = n {
            let callee = match c.fun.unparen() {
                Expr::Ident(id) => m.use_at(file, id.pos),
                Expr::Selector(s) => m
                    .use_at(file, s.sel.pos)
                    .or_else(|| chain_method(m, recv, &s.x, s.sel.name(src), src)),
                _ => None,
            };
            helpers.extend(callee.filter(|&h| {
                m.identity(h) != m.identity(meth)
                    && matches!(m.obj(h).kind, ObjKind::Func | ObjKind::Method)
                    && LockOp::of(&m.obj(h).name).is_none()
            }));
        }
        true
    });
    let outer = recv.map(|r| r.1);
    helpers
        .into_iter()
        .find_map(|h| helper_locks(m, h, name, outer, depth + 1))
}

/// Whether helper `h`'s body calls a lock method `name` (and never its
/// inverse): the `sync` lock it reaches.
fn helper_locks(
    m: &Model,
    h: ObjId,
    name: &str,
    outer: Option<TypeId>,
    depth: u32,
) -> Option<SyncKind> {
    let (file, fd) = m.func_decl(h)?;
    let body = fd.body.as_ref()?;
    let src = &m.files[file.0 as usize].src;
    let inverse = match name {
        "Lock" => "Unlock",
        "RLock" => "RUnlock",
        "Unlock" => "Lock",
        _ => "RLock",
    };
    // A method of a package nobody checked may have no signature yet:
    // one of the wrapper's own type has its receiver type.
    let recv = match m.obj(h).kind {
        ObjKind::Method => {
            receiver_param(m, h, fd, src).or_else(|| same_type_receiver(m, fd, src, outer?))
        }
        _ => None,
    };
    let (mut found, mut undone) = (None, false);
    inspect(Node::Block(body), &mut |n| {
        if let Node::Expr(Expr::Selector(s)) = n {
            let sel = s.sel.name(src);
            undone |= sel == inverse;
            if sel == name && found.is_none() {
                found = m
                    .use_at(file, s.sel.pos)
                    .or_else(|| chain_method(m, recv, &s.x, name, src))
                    .and_then(|i| lock_kind(m, i, depth + 1));
            }
        }
        true
    });
    if undone {
        return None;
    }
    found.or_else(|| via_helper(m, h, file, body, recv, name, depth))
}

/// The receiver of method declaration `fd` when its type is the named
/// type `t` (a pointer to it or not).
fn same_type_receiver<'s>(
    m: &Model,
    fd: &letgo_go::ast::FuncDecl,
    src: &'s str,
    t: TypeId,
) -> Option<(&'s str, TypeId)> {
    let field = fd.recv.as_ref()?.list.first()?;
    let name = field.names.first()?.name(src);
    let (base, _) = letgo_go::symbols::receiver_base(&field.typ, src);
    (m.named(m.deref(t))?.1 == base).then_some((name, t))
}

/// The class of the lock a lock method `meth` called on `x` runs on, from
/// the model alone (no function context): the field `x` selects, or the
/// package variable it names, then the embedded field the method is
/// promoted from ([`embedded_class`]); `None` for locals and parameters
/// that embed nothing.
/// Agrees with the class [`key_of`] and `receiver_value` give.
pub(crate) fn lock_class(view: &FileView, x: &Expr, meth: ObjId) -> Option<String> {
    let m = view.model();
    let mut class = match strip(x) {
        Expr::Ident(id) => view
            .object_of(id)
            .filter(|&o| m.obj(o).kind == ObjKind::Var && m.is_package_level(o))
            .map(|o| format!("g{}", ident(m, o))),
        Expr::Selector(sel) => view.object_of(&sel.sel).and_then(|o| match m.obj(o).kind {
            ObjKind::Var if m.is_package_level(o) => Some(format!("g{}", ident(m, o))),
            ObjKind::Field => Some(ident(m, o)),
            _ => None,
        }),
        _ => None,
    };
    if let Some(t) = view.type_of(x) {
        let path = m.embedding_path(t, &m.obj(meth).name).unwrap_or_default();
        class = embedded_class(m, t, &path, class);
    }
    class
}

/// The class a lock method promoted through the embedded fields `path`
/// of `t` runs on, given the class of `x` itself (`owner`: the field or
/// package variable it names): the last of those fields that is not the
/// only field of a named wrapper (`type Mutex struct{ sync.Mutex }`, a
/// project's own lock type). A wrapper's field is shared by every value
/// of the wrapper, whoever holds it, so the lock's class stays its
/// holder's: the field naming the wrapper value, or the embedded field
/// before it. With neither (a receiver or local of a wrapper type), the
/// first embedded field, as for any struct embedding a lock.
fn embedded_class(
    m: &letgo_types::Model,
    t: letgo_types::types::TypeId,
    path: &[ObjId],
    owner: Option<String>,
) -> Option<String> {
    let mut holder = m.deref(t);
    let mut class = None;
    for &f in path {
        if !only_field_of_named(m, holder) {
            class = Some(ident(m, f));
        }
        holder = m.deref(m.obj(f).typ);
    }
    class
        .or(owner)
        .or_else(|| path.first().map(|&f| ident(m, f)))
}

/// Whether `t` is a named struct type with a single field.
fn only_field_of_named(m: &letgo_types::Model, t: letgo_types::types::TypeId) -> bool {
    use letgo_types::types::Type;
    matches!(m.ty(t), Type::Named(_))
        && matches!(m.ty(m.under_ro(t)), Type::Struct(fields) if fields.len() == 1)
}

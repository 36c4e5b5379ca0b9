//! WaitGroups nothing can count down: a `sync.WaitGroup` variable or
//! struct field whose every use in the package is the receiver of an
//! `Add` or a `Wait` — never `Done`, never its address taken, never a
//! method value, never copied or passed on. Its counter only grows, so
//! once an `Add` of a positive count has run, every `Wait` blocks
//! forever.
//!
//! Only objects every use of which is in view count: a local variable,
//! an unexported package variable, an unexported field of a struct type
//! declared in the package. An `Add` whose count is not a constant (it
//! may be negative, which counts down like `Done`) or `len(...)` leaves
//! the object out of view.

use crate::context::PackageContext;
use letgo_go::ast::{CallExpr, Expr, Span};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::FileView;
use rustc_hash::FxHashMap;

/// A WaitGroup that is added to and waited on, never counted down.
pub struct NeverDone {
    /// The first `Wait`: the function and the call.
    pub wait: (usize, Span),
    /// An `Add` of a positive constant: the function and the call.
    pub add: (usize, Span),
    /// The WaitGroup as written at the `Wait`.
    pub text: String,
}

#[derive(Default)]
struct Uses {
    /// Identifier uses of the object (declarations excluded).
    all: usize,
    /// Uses as the receiver of `Add`/`Wait`.
    counted: usize,
    first_wait: Option<(usize, Span, String)>,
    positive_add: Option<(usize, Span)>,
    /// An `Add` whose count may be negative.
    opaque_add: bool,
    /// The object's name.
    name: String,
}

type ObjKey = (u32, u32, u32);

/// Every WaitGroup of the package that nothing counts down.
pub fn never_done(cx: &PackageContext) -> Vec<NeverDone> {
    if !cx.files().any(|(_, f)| f.src.contains(".Wait()")) {
        return Vec::new();
    }
    // First the `Add`/`Wait` calls alone: only a WaitGroup with a first
    // `Wait`, a positive `Add` and no opaque one can be reported, and the
    // package-wide count of identifier uses (an object lookup at every
    // identifier) is needed only for those, most packages having none.
    let mut uses: FxHashMap<ObjKey, Uses> = FxHashMap::default();
    for (fi, f) in top_functions(cx) {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let m = view.model();
        let src = &cx.file(f.file).src;
        inspect(Node::Block(f.body), &mut |n| {
            if let Node::Call(c) = n {
                if let Some((o, method)) = waitgroup_method(&view, c) {
                    let u = uses.entry(m.identity(o)).or_default();
                    if u.name.is_empty() {
                        u.name = m.obj(o).name.to_string();
                    }
                    count_call(u, (&view, src, fi, c), method);
                }
            }
            true
        });
    }
    uses.retain(|_, u| u.first_wait.is_some() && u.positive_add.is_some() && !u.opaque_add);
    if uses.is_empty() {
        return Vec::new();
    }
    // Fx-hashed: the result is sorted below, so the maps' order does not
    // show. An identifier names an object only when spelled as it: the
    // candidates' names spare looking the others up.
    let mut names: Vec<String> = uses.values().map(|u| u.name.clone()).collect();
    names.sort();
    names.dedup();
    let mut eligible: FxHashMap<ObjKey, bool> = FxHashMap::default();
    for (_, f) in top_functions(cx) {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let m = view.model();
        let src = &cx.file(f.file).src;
        inspect(Node::Block(f.body), &mut |n| {
            let Node::Ident(id) = n else { return true };
            if !names.iter().any(|s| s == id.name(src)) {
                return true;
            }
            let Some(o) = view.object_of(id) else {
                return true;
            };
            if m.obj(o).pos.map(|p| p.1) == Some(id.pos) {
                return true; // its declaration
            }
            let k = m.identity(o);
            let Some(u) = uses.get_mut(&k) else {
                return true;
            };
            if *eligible.entry(k).or_insert_with(|| in_view(cx, &view, o)) {
                u.all += 1;
            }
            true
        });
    }
    let mut out: Vec<NeverDone> = uses
        .into_iter()
        .filter(|(k, u)| eligible.get(k) == Some(&true) && u.all == u.counted && !u.opaque_add)
        .filter_map(|(_, u)| {
            let (wf, wait, text) = u.first_wait?;
            Some(NeverDone {
                wait: (wf, wait),
                add: u.positive_add?,
                text,
            })
        })
        .collect();
    out.sort_by_key(|d| (d.wait.0, d.wait.1.start));
    out
}

/// The package's functions whose bodies are not inside another's, with
/// their indexes.
fn top_functions<'p, 'a>(
    cx: &'p PackageContext<'a>,
) -> impl Iterator<Item = (usize, &'p crate::funcs::Func<'a>)> {
    cx.functions()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.parent.is_none())
}

/// Records in `u` an `Add` or a `Wait` of its WaitGroup at the call `c`
/// (of the function `fi`, in the file `view`/`src`).
fn count_call(u: &mut Uses, (view, src, fi, c): (&FileView, &str, usize, &CallExpr), method: &str) {
    let at = Span::new(c.pos(), c.end());
    match method {
        "Wait" => {
            u.counted += 1;
            if u.first_wait.is_none() {
                if let Expr::Selector(s) = c.fun.unparen() {
                    u.first_wait = Some((fi, at, s.x.span().text(src).to_string()));
                }
            }
        }
        "Add" => {
            u.counted += 1;
            match add_count(view, src, c) {
                Some(n) if n > 0 => {
                    u.positive_add.get_or_insert((fi, at));
                }
                Some(_) => {}
                None => u.opaque_add = true,
            }
        }
        _ => {}
    }
}

/// Whether every use of `o` is in the package's function bodies: a
/// `sync.WaitGroup` (not a pointer to one) that is a local, an unexported
/// package variable, or an unexported field of a struct declared here.
fn in_view(cx: &PackageContext, view: &FileView, o: ObjId) -> bool {
    let m = view.model();
    let obj = m.obj(o);
    if !m.is_named(obj.typ, "sync", "WaitGroup") {
        return false;
    }
    let exported = obj.name.starts_with(|c: char| c.is_ascii_uppercase());
    match obj.kind {
        ObjKind::Field => !exported && declared_here(cx, view, o),
        ObjKind::Var if m.is_package_level(o) => !exported && declared_here(cx, view, o),
        ObjKind::Var => declared_here(cx, view, o),
        _ => false,
    }
}

/// Whether `o` is declared in one of the package's files.
fn declared_here(cx: &PackageContext, view: &FileView, o: ObjId) -> bool {
    let m = view.model();
    let Some((path, _)) = m.decl_path(o) else {
        return false;
    };
    cx.files().any(|(_, f)| f.path == path)
}

/// `x.Add(...)`/`x.Wait()`/`x.Done()` on a WaitGroup `x` that names an
/// object (a variable, or a field as `y.f`): the object and the method.
fn waitgroup_method<'v>(view: &FileView<'v>, c: &CallExpr) -> Option<(ObjId, &'static str)> {
    let Expr::Selector(s) = c.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let meth = view.object_of(&s.sel)?;
    if m.obj(meth).kind != ObjKind::Method
        || !m
            .receiver_named(meth)
            .is_some_and(|t| m.is_named(t, "sync", "WaitGroup"))
    {
        return None;
    }
    let name = match &*m.obj(meth).name {
        "Add" => "Add",
        "Wait" => "Wait",
        _ => return None,
    };
    let id = match s.x.unparen() {
        Expr::Ident(id) => id,
        Expr::Selector(inner) => &inner.sel,
        _ => return None,
    };
    Some((view.object_of(id)?, name))
}

/// The count of `wg.Add(n)`: a constant, or `0` standing for `len(...)`
/// (never negative); `None` when it may be negative.
fn add_count(view: &FileView, src: &str, c: &CallExpr) -> Option<i128> {
    let m = view.model();
    let arg = c.args.first()?;
    match arg.unparen() {
        Expr::Call(inner) => {
            let is_len = matches!(inner.fun.unparen(), Expr::Ident(id)
                if view.object_of(id).is_some_and(|o| matches!(m.obj(o).kind, ObjKind::Builtin(_)) && &*m.obj(o).name == "len"));
            is_len.then_some(0)
        }
        Expr::BasicLit(l) if l.kind == Token::Int => l.value(src).parse().ok(),
        other => {
            let o = view.object_of_expr(other)?;
            let obj = m.obj(o);
            if obj.kind != ObjKind::Const {
                return None;
            }
            obj.val.as_int()
        }
    }
}

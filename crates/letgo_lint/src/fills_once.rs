//! Growth bounded by one-time initialisation (LG301/LG302): an insert that
//! runs only while its slot is still empty, or inside `sync.Once.Do`,
//! fills the slot once, however often the code around it runs.
//!
//! - `if len(x) == 0 { initX() }` (or `x == nil`): when every call of
//!   the unexported function holding the insert (`initX`) sits in the body
//!   of such a guard on a slot it fills on every run (the insert's, or
//!   another its body assigns unconditionally), the function runs again
//!   only after something empties that slot;
//! - the insert itself inside such a guard on its own slot;
//! - the insert in a function literal passed to `(*sync.Once).Do`;
//! - the insert after its function made the slot anew (`x.m =
//!   make(...)` at the top of the body) and looping only over what
//!   `range` walks once: each call fills a new container with that
//!   call's items, dropping whatever the previous one held.

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use crate::owners::Owners;
use crate::syntax::ident_name;
use letgo_go::ast::{CallExpr, Expr, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

/// Whether the insert into `slot` (the append's or index's target) at
/// offset `at` of function `i` runs once: under an emptiness guard on the
/// same slot, in every call of its function, or in `sync.Once.Do`.
pub fn fills_once(
    cx: &PackageContext,
    owners: &Owners,
    funcs: &[Func],
    i: usize,
    slot: &Expr,
    at: u32,
) -> bool {
    let Some(key) = owners.slot_key(cx, funcs, i, slot) else {
        return false;
    };
    if guarded(cx, owners, funcs, i, at, std::slice::from_ref(&key))
        || in_once_do(cx, funcs, i)
        || made_here(cx, owners, funcs, i, slot, at)
    {
        return true;
    }
    let FuncKind::Decl(d) = funcs[i].kind else {
        return false;
    };
    let src = &cx.file(funcs[i].file).src;
    let name = d.name.name(src);
    // Exported: callers outside the package are not shown.
    if d.recv.is_some() || name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return false;
    }
    if cx
        .types(funcs[i].file)
        .and_then(|v| v.object_of(&d.name))
        .is_none()
    {
        return false;
    }
    // The guard may test any slot the function fills on every run (a
    // statement of its body, not under a condition): once it ran, that
    // slot is no longer empty.
    let mut filled = vec![key];
    for st in &funcs[i].body.list {
        if let Stmt::Assign(a) = st {
            filled.extend(
                a.lhs
                    .iter()
                    .filter_map(|l| owners.slot_key(cx, funcs, i, l)),
            );
        }
    }
    // Its callers outside test files, from the package's call index
    // (`funcs` is `cx.functions()`, whose indices it uses).
    let sites: Vec<(usize, u32)> = cx
        .calls()
        .iter()
        .enumerate()
        .filter(|(k, _)| !cx.file(funcs[*k].file).is_test)
        .flat_map(|(k, calls)| {
            calls
                .iter()
                .filter(|c| c.callee == i)
                .map(move |c| (k, c.span.start))
        })
        .collect();
    !sites.is_empty()
        && sites
            .iter()
            .all(|&(k, at)| guarded(cx, owners, funcs, k, at, &filled))
}

/// Whether offset `at` of function `i` lies in the body of an `if` whose
/// condition tests one of the slots `keys` for emptiness: `len(x) == 0`,
/// `x == nil` (alone or joined by `&&`).
fn guarded(
    cx: &PackageContext,
    owners: &Owners,
    funcs: &[Func],
    i: usize,
    at: u32,
    keys: &[String],
) -> bool {
    let src = &cx.file(funcs[i].file).src;
    funcs[i].sites.iter().any(|site| {
        let Stmt::If(s) = site.stmt else {
            return false;
        };
        let body = s.body.lbrace..s.body.rbrace.unwrap_or(u32::MAX);
        body.contains(&at)
            && empty_tests(&s.cond, src).into_iter().any(|x| {
                owners
                    .slot_key(cx, funcs, i, x)
                    .is_some_and(|k| keys.contains(&k))
            })
    })
}

/// The slots `cond` requires to be empty: `len(x) == 0`, `0 == len(x)`,
/// `x == nil`, through `&&`.
fn empty_tests<'x>(cond: &'x Expr, src: &str) -> Vec<&'x Expr> {
    let Expr::Binary(b) = cond.unparen() else {
        return Vec::new();
    };
    if b.op == Token::Land {
        let mut out = empty_tests(&b.x, src);
        out.extend(empty_tests(&b.y, src));
        return out;
    }
    if b.op != Token::Eql {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (side, other) in [(&b.x, &b.y), (&b.y, &b.x)] {
        let zero = matches!(other.unparen(), Expr::BasicLit(l) if l.value(src) == "0");
        let nil = other.unparen().span().text(src) == "nil";
        match side.unparen() {
            Expr::Call(c) if zero && ident_name(&c.fun, src) == Some("len") => {
                out.extend(c.args.first());
            }
            x if nil && !matches!(x, Expr::Call(_)) => out.push(side),
            _ => {}
        }
    }
    out
}

/// Whether function `i` is a literal passed to `(*sync.Once).Do`.
pub(crate) fn in_once_do(cx: &PackageContext, funcs: &[Func], i: usize) -> bool {
    let (FuncKind::Lit(l), Some(p)) = (funcs[i].kind, funcs[i].parent) else {
        return false;
    };
    let Some(view) = cx.types(funcs[p].file) else {
        return false;
    };
    let m = view.model();
    let once_do = |c: &CallExpr| {
        view.object_of_expr(&c.fun).is_some_and(|o| {
            m.is_func(o, "sync", "Do")
                && m.receiver_named(o)
                    .is_some_and(|t| m.is_named(m.deref(t), "sync", "Once"))
        })
    };
    let mut found = false;
    inspect(Node::Block(funcs[p].body), &mut |n| {
        if let Node::Call(c) = n {
            let passes = c
                .args
                .iter()
                .any(|a| matches!(a.unparen(), Expr::FuncLit(fl) if fl.typ.pos() == l.typ.pos()));
            found |= passes && once_do(c);
        }
        !found
    });
    found
}

/// Whether function `i` registers uniquely named things: it panics when
/// its key is already in a map (`if _, dup := metrics[name]; dup {
/// panic(...) }`). Registering a name twice is then a programmer error
/// the program crashes on, so the function runs once per name the
/// program declares (metrics, codecs, handlers), not per request: what
/// it appends or inserts is bounded by those names.
pub fn registers_unique(cx: &PackageContext, funcs: &[Func], i: usize) -> bool {
    let Some(view) = cx.types(funcs[i].file) else {
        return false;
    };
    let m = view.model();
    let reads_map = |n: Node| {
        let mut found = false;
        inspect(n, &mut |n| {
            if let Node::Expr(Expr::Index(ix)) = n {
                found |= view.type_of(&ix.x).is_some_and(|t| {
                    matches!(m.ty(m.under_ro(t)), letgo_types::types::Type::Map(..))
                });
            }
            !found
        });
        found
    };
    let panics = |body: &letgo_go::ast::BlockStmt| {
        body.list.iter().any(|st| {
            let Stmt::Expr(x) = st else {
                return false;
            };
            let Expr::Call(c) = x.unparen() else {
                return false;
            };
            view.object_of_expr(&c.fun).is_some_and(|o| {
                matches!(m.obj(o).kind, letgo_types::model::ObjKind::Builtin(_))
                    && &*m.obj(o).name == "panic"
            })
        })
    };
    funcs[i].sites.iter().any(|site| {
        let Stmt::If(s) = site.stmt else {
            return false;
        };
        let tests_map = reads_map(Node::expr(&s.cond))
            || s.init
                .as_ref()
                .is_some_and(|init| reads_map(Node::stmt(init)));
        tests_map && panics(&s.body)
    })
}

/// Whether function `i` interns: it looks `m[k]` up in an `if` that
/// returns when the key is there (`if id, ok := m[k]; ok { return id }`)
/// and inserts `m[k] = ...` later. What it appends grows with the map's
/// distinct keys and no faster, so the map's verdict is the slice's: such
/// a get-or-create table is left alone (LG302) unless its key comes from
/// the request or from bytes the program read.
pub fn interns(cx: &PackageContext, funcs: &[Func], i: usize) -> bool {
    let f = &funcs[i];
    let src = &cx.file(f.file).src;
    let text = |x: &Expr| x.span().text(src).to_string();
    let mut looked_up: Vec<(String, String)> = Vec::new();
    for site in &f.sites {
        match site.stmt {
            Stmt::If(s) if returns(&s.body) => {
                let Some(Stmt::Assign(a)) = s.init.as_ref() else {
                    continue;
                };
                if let ([_, _], [rhs]) = (&a.lhs[..], &a.rhs[..]) {
                    if let Expr::Index(ix) = rhs.unparen() {
                        looked_up.push((text(&ix.x), text(&ix.index)));
                    }
                }
            }
            Stmt::Assign(a) => {
                let [lhs] = &a.lhs[..] else { continue };
                let Expr::Index(ix) = lhs.unparen() else {
                    continue;
                };
                let (map, key) = (text(&ix.x), text(&ix.index));
                if looked_up.contains(&(map, key))
                    && !crate::rules::unbounded_map_growth::keyed_by_request(
                        cx, funcs, i, &ix.index,
                    )
                    && !crate::map_keys::keyed_by_bytes(cx, f, &ix.index)
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a block ends in `return`.
fn returns(b: &letgo_go::ast::BlockStmt) -> bool {
    matches!(b.list.last(), Some(Stmt::Return(_)))
}

/// Whether function `i` assigns `slot` a new container (`make(...)`, a
/// composite literal, `nil`) in a statement of its body's top level before
/// the insert at `at`, and the insert runs only under `range` loops over
/// something other than a channel: what this call inserts goes into the
/// container it made (the one before is dropped), at most once per
/// element walked. A constructor filling its new object's map from its
/// arguments (`e.procs = make(...); for _, f := range factories {
/// e.procs[f.kind()] = f.create() }`) is bounded by its input, however
/// often it runs. `for {}` or a channel's `range` around the insert can
/// run forever in one call, and is not.
fn made_here(
    cx: &PackageContext,
    owners: &Owners,
    funcs: &[Func],
    i: usize,
    slot: &Expr,
    at: u32,
) -> bool {
    let f = &funcs[i];
    let src = &cx.file(f.file).src;
    let text = slot.unparen().span().text(src);
    let key = owners.slot_key(cx, funcs, i, slot);
    let fresh = |e: &Expr| match e.unparen() {
        Expr::CompositeLit(_) => true,
        Expr::Ident(id) => id.name(src) == "nil",
        Expr::Call(c) => ident_name(&c.fun, src) == Some("make"),
        _ => false,
    };
    let made = f
        .body
        .list
        .iter()
        .take_while(|st| st.end() <= at)
        .any(|st| {
            let Stmt::Assign(a) = st else {
                return false;
            };
            a.lhs.len() == a.rhs.len()
                && a.lhs.iter().zip(&a.rhs).any(|(l, r)| {
                    fresh(r)
                        && l.unparen().span().text(src) == text
                        && owners.slot_key(cx, funcs, i, l) == key
                })
        });
    made && only_finite_loops(cx, f, at)
}

/// Whether every loop of `f`'s body around offset `at` is a `range` over
/// something other than a channel (a slice, map, string, integer or
/// function iterator of the values in hand).
fn only_finite_loops(cx: &PackageContext, f: &Func, at: u32) -> bool {
    let view = cx.types(f.file);
    let mut finite = true;
    inspect(Node::Block(f.body), &mut |n| {
        let around = n.pos() <= at && at < n.end();
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::For(_)) if around => finite = false,
            Node::Stmt(Stmt::Range(r)) if around => {
                let chan = view.as_ref().and_then(|v| {
                    let t = v.type_of(&r.x)?;
                    let m = v.model();
                    Some(matches!(
                        m.ty(m.under_ro(t)),
                        letgo_types::types::Type::Chan(..)
                    ))
                });
                finite &= chan == Some(false);
            }
            _ => {}
        }
        finite && around
    });
    finite
}

/// Whether the append at offset `at` of function `i` runs only where a
/// map lacked a key, in a branch that puts that key in: `if _, ok :=
/// m[k]; !ok { m[k] = v; order = append(order, v) }` (or `if m[k] == nil
/// { ... }`). The slice then grows by one per distinct key of `m`, in
/// step with the map (a list kept in insertion order beside its index):
/// whether that is bounded is the map's question, which LG302 judges (a
/// map filled once per key is a memo, bounded by its keys' domain).
pub fn mirrors_map_keys(cx: &PackageContext, funcs: &[Func], i: usize, at: u32) -> bool {
    let f = &funcs[i];
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    f.sites.iter().any(|site| {
        let Stmt::If(s) = site.stmt else {
            return false;
        };
        if !(s.body.lbrace <= at && at < s.body.end()) {
            return false;
        }
        absent_key(&view, s, f).is_some_and(|(map, key)| puts_key(&view, &s.body, &map, &key))
    })
}

type Place = Vec<crate::objects::Identity>;

/// The map and key whose absence the condition of `s` tests: `!ok` with
/// `ok` the second result of `m[k]` (in the `if`'s init or any statement
/// of the function), or `m[k] == nil`.
fn absent_key(
    view: &letgo_types::FileView,
    s: &letgo_go::ast::IfStmt,
    f: &Func,
) -> Option<(Place, Place)> {
    let index_places = |x: &Expr| match x.unparen() {
        Expr::Index(ix) => Some((
            crate::objects::place_path(view, &ix.x)?,
            crate::objects::place_path(view, &ix.index)?,
        )),
        _ => None,
    };
    match s.cond.unparen() {
        Expr::Unary(u) if u.op == Token::Not => {
            let Expr::Ident(ok) = u.x.unparen() else {
                return None;
            };
            let ok = view.object_of(ok)?;
            let defs = s.init.iter().chain(f.sites.iter().map(|site| site.stmt));
            defs.filter_map(|st| match st {
                Stmt::Assign(a) if a.lhs.len() == 2 && a.rhs.len() == 1 => Some(a),
                _ => None,
            })
            .find(
                |a| matches!(a.lhs[1].unparen(), Expr::Ident(id) if view.object_of(id) == Some(ok)),
            )
            .and_then(|a| index_places(&a.rhs[0]))
        }
        Expr::Binary(b) if b.op == Token::Eql => {
            let is_nil = |x: &Expr| crate::syntax::is_nil(view, x);
            match (is_nil(&b.x), is_nil(&b.y)) {
                (false, true) => index_places(&b.x),
                (true, false) => index_places(&b.y),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `body` assigns `map[key]` (the same map and key, by objects).
fn puts_key(
    view: &letgo_types::FileView,
    body: &letgo_go::ast::BlockStmt,
    map: &Place,
    key: &Place,
) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            found |= a.lhs.iter().any(|l| match l.unparen() {
                Expr::Index(ix) => {
                    crate::objects::place_path(view, &ix.x).as_ref() == Some(map)
                        && crate::objects::place_path(view, &ix.index).as_ref() == Some(key)
                }
                _ => false,
            });
        }
        !found
    });
    found
}

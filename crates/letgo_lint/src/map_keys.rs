//! Map keys compared through calls (issue 16, item 2): a `delete` by the
//! raw value a function's key is made from removes nothing that function
//! put in.

use crate::context::PackageContext;
use crate::diagnostic::Diagnostic;
use crate::funcs::Func;
use letgo_go::ast::{Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjId;
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

//! A struct type of which the package makes one value: the value of one
//! package-level variable. A `sync.Once` field of such a type runs its
//! function once per process, as a package-level `sync.Once` does.

use crate::context::PackageContext;
use letgo_go::ast::{Decl, Expr, Spec};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;
use letgo_types::types::{Type, TypeId};
use letgo_types::FileView;

/// Whether `t` (or what it points to) is an unexported named type of the
/// package whose only value is one package-level variable: `var reg =
/// T{...}`, `var reg = &T{...}` or `var reg T`, and every other mention of
/// `T` outside test files is `*T` (a pointer to that value, never `new(T)`,
/// another literal, a value receiver, field or local). Another package
/// cannot name the type, so it makes no value either.
pub fn sole_value(cx: &PackageContext, view: &FileView, t: TypeId) -> bool {
    let m = view.model();
    let Type::Named(n) = m.ty(m.deref(t)) else {
        return false;
    };
    let obj = m.obj(n.obj);
    if obj.kind != ObjKind::TypeName
        || obj.name.starts_with(|c: char| c.is_uppercase())
        || !cx.declares(n.obj)
    {
        return false;
    }
    let target = m.identity(n.obj);
    let (mut values, mut others) = (0, 0);
    for (fi, sf) in cx.files().filter(|(_, sf)| !sf.is_test) {
        let Some(v) = cx.types(fi) else {
            // A file the model did not check (another platform's): any
            // identifier spelled as the type may make a value there.
            if mentions(&sf.ast, &sf.src, &obj.name) {
                return false;
            }
            continue;
        };
        let vm = v.model();
        let is_t = |x: &Expr| match x.unparen() {
            Expr::Ident(i) => v.object_of(i).is_some_and(|o| vm.identity(o) == target),
            _ => false,
        };
        // The type's mentions that make no value: `*T`, and the one
        // package-level variable's literal or type.
        let mut allowed = Vec::new();
        for decl in &sf.ast.decls {
            let Decl::Gen(g) = decl else { continue };
            if g.tok != Token::Var {
                continue;
            }
            for spec in &g.specs {
                let Spec::Value(vs) = spec else { continue };
                for x in &vs.values {
                    let lit = match x.unparen() {
                        Expr::Unary(u) if u.op == Token::And => &u.x,
                        other => other,
                    };
                    if let Expr::CompositeLit(l) = lit.unparen() {
                        if let Some(typ) = l.typ.as_ref().filter(|t| is_t(t)) {
                            allowed.push(typ.pos());
                            values += 1;
                        }
                    }
                }
                if let Some(typ) = vs.typ.as_ref().filter(|t| is_t(t)) {
                    allowed.push(typ.pos());
                    values += vs.names.len();
                }
            }
        }
        inspect(Node::File(&sf.ast), &mut |node| {
            if let Node::Expr(Expr::Star(s)) = node {
                if is_t(&s.x) {
                    allowed.push(s.x.pos());
                }
            }
            if let Node::Ident(i) = node {
                let decl = vm.obj(n.obj).pos == Some((v.file_id(), i.pos));
                let named = v.object_of(i).is_some_and(|o| vm.identity(o) == target);
                if named && !decl && !allowed.contains(&i.pos) {
                    others += 1;
                }
            }
            true
        });
    }
    values == 1 && others == 0
}

/// Whether an identifier spelled `name` is in `file`: the type's name in
/// a file of the package without types, counted as a use that may make
/// a value.
fn mentions(file: &letgo_go::ast::File, src: &str, name: &str) -> bool {
    let mut found = false;
    inspect(Node::File(file), &mut |n| {
        if let Node::Ident(i) = n {
            found |= i.name(src) == name;
        }
        !found
    });
    found
}

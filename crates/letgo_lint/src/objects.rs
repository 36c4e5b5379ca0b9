//! Variables followed by their object in the semantic model: a use is an
//! identifier that resolves to the same object, whatever it is called,
//! and a shadowing variable of the same name is another variable.

use crate::context::PackageContext;
use crate::funcs::Func;
use letgo_go::ast::{Expr, Ident};
use letgo_go::visit::{inspect, Node};
use letgo_types::FileView;

/// A variable of one file's function, by its object's identity.
#[derive(Clone, Copy)]
pub struct LocalVar<'v> {
    pub view: FileView<'v>,
    pub id: (u32, u32, u32),
}

impl<'v> LocalVar<'v> {
    /// The variable declared or assigned at `id`, if the model knows it.
    pub fn at(view: FileView<'v>, id: &Ident) -> Option<LocalVar<'v>> {
        let o = view.object_of(id)?;
        Some(LocalVar {
            view,
            id: view.model().identity(o),
        })
    }

    /// Whether identifier `id` denotes this variable.
    pub fn is_ident(&self, id: &Ident) -> bool {
        self.view
            .object_of(id)
            .is_some_and(|o| self.view.model().identity(o) == self.id)
    }

    /// Whether `x` is this variable.
    pub fn is(&self, x: &Expr) -> bool {
        matches!(x.unparen(), Expr::Ident(id) if self.is_ident(id))
    }

    /// Whether `node` uses this variable anywhere.
    pub fn mentioned_in(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            if let Node::Ident(id) = n {
                found |= self.is_ident(id);
            }
            !found
        });
        found
    }
}

/// Whether the variable declared or assigned at `id` is declared in `f`
/// itself (its receiver, parameters or body), not in an enclosing
/// function or at package level: a value stored in a variable of an
/// enclosing function is that function's to release.
pub fn declared_in(cx: &PackageContext, f: &Func, id: &Ident) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let Some((path, off)) = view.object_of(id).and_then(|o| m.decl_path(o)) else {
        return false;
    };
    let start = f.typ.func.or(f.typ.params.opening).unwrap_or(f.body.lbrace);
    path == cx.file(f.file).path && start <= off && off < f.body.end()
}

/// An object's identity across instantiations of generic code.
pub type Identity = (u32, u32, u32);

/// The place an expression names, as the objects along it: `ctx` is its
/// variable, `o.ctx` the variable `o` then the field `ctx`, `(*p).t.C`
/// the same as `p.t.C`. Two expressions name the same place when their
/// paths are equal, whatever they are spelled; `None` for anything else
/// (a call, an index) or an object the model does not know.
pub fn place_path(view: &FileView, x: &Expr) -> Option<Vec<Identity>> {
    match x.unparen() {
        Expr::Ident(id) => {
            let o = view.object_of(id)?;
            Some(vec![view.model().identity(o)])
        }
        Expr::Selector(sel) => {
            let mut path = place_path(view, &sel.x)?;
            let field = view.object_of(&sel.sel)?;
            path.push(view.model().identity(field));
            Some(path)
        }
        Expr::Star(s) => place_path(view, &s.x),
        _ => None,
    }
}

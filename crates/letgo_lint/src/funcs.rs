//! Every function body of a package, named as Go's stack traces name it,
//! so that a static finding and a runtime frame of the same function join
//! by name: `pkg.F`, `pkg.(*T).M`, `pkg.F.func1` for the first closure in
//! `F`, `pkg.F.func1.1` for a closure inside that one, and
//! `pkg.init.func1` for a closure in a package-level initializer, and
//! `pkg.F[...]`, `pkg.(*T[...]).M` for generic ones (checked against Go
//! 1.27's `runtime.FuncForPC`).

use crate::context::PackageContext;
use crate::syntax::{statements, StmtSite};
use letgo_go::ast::{
    BlockStmt, CallExpr, Decl, Expr, FuncDecl, FuncLit, FuncType, Ident, Span, Spec, Stmt,
};
use letgo_go::symbols::receiver_base;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;

#[derive(Debug, Clone, Copy)]
pub enum FuncKind<'a> {
    Decl(&'a FuncDecl),
    Lit(&'a FuncLit),
}

#[derive(Debug, Clone)]
pub struct Func<'a> {
    pub file: usize,
    /// The trace name, package included.
    pub name: String,
    pub kind: FuncKind<'a>,
    pub typ: &'a FuncType,
    pub body: &'a BlockStmt,
    /// The enclosing function, as an index into the same list.
    pub parent: Option<usize>,
    /// A literal started directly by `go func() { ... }()`.
    pub spawned: bool,
    /// Every statement of the body (not of nested literals), computed
    /// once: many rules ask for them.
    pub sites: Vec<StmtSite<'a>>,
}

impl Func<'_> {
    /// Whether offset `at` of the body is inside one of the function's
    /// own `for` or `range` bodies (not a nested literal's).
    pub fn in_loop(&self, at: u32) -> bool {
        self.sites.iter().any(|s| match s.stmt {
            Stmt::For(l) => l.body.lbrace <= at && at < l.body.end(),
            Stmt::Range(r) => r.body.lbrace <= at && at < r.body.end(),
            _ => false,
        })
    }
}

/// All function declarations with bodies and all function literals of the
/// package, parents before children.
pub fn functions<'a>(cx: &PackageContext<'a>) -> Vec<Func<'a>> {
    let pkg = cx.trace_package();
    let mut out = Vec::new();
    for (file, sf) in cx.files() {
        let mut init_closures = 0;
        for decl in &sf.ast.decls {
            match decl {
                Decl::Func(f) => {
                    let Some(body) = &f.body else { continue };
                    let name = format!("{pkg}.{}", decl_trace_name(f, &sf.src));
                    out.push(Func {
                        file,
                        name,
                        kind: FuncKind::Decl(f),
                        typ: &f.typ,
                        body,
                        parent: None,
                        spawned: false,
                        sites: statements(body),
                    });
                    let me = out.len() - 1;
                    collect_closures(file, body, &sf.src, me, &mut out);
                }
                Decl::Gen(g) => {
                    // Closures in package-level initializers belong to init.
                    // A literal is written `func`: most declarations
                    // (types, constants, plain values) have none.
                    let mut lits = Vec::new();
                    let lits_here = Span::new(g.tok_pos, g.end()).text(&sf.src).contains("func");
                    inspect(Node::GenDecl(g), &mut |n| {
                        if !lits_here {
                            return false;
                        }
                        if let Node::Expr(letgo_go::ast::Expr::FuncLit(l)) = n {
                            lits.push(&**l);
                            return false;
                        }
                        true
                    });
                    for lit in lits {
                        init_closures += 1;
                        out.push(Func {
                            file,
                            name: format!("{pkg}.init.func{init_closures}"),
                            kind: FuncKind::Lit(lit),
                            typ: &lit.typ,
                            body: &lit.body,
                            parent: None,
                            spawned: false,
                            sites: statements(&lit.body),
                        });
                        let me = out.len() - 1;
                        collect_closures(file, &lit.body, &sf.src, me, &mut out);
                    }
                }
                Decl::Bad(_) => {}
            }
        }
    }
    out
}

/// `F`, `(*T).M` or `T.M`; as Go spells generic ones, `F[...]` and
/// `(*T[...]).M`.
fn decl_trace_name(f: &FuncDecl, src: &str) -> String {
    let name = f.name.name(src);
    match f.recv.as_ref().and_then(|r| r.list.first()) {
        Some(field) => {
            let args = if generic_receiver(&field.typ) {
                "[...]"
            } else {
                ""
            };
            match receiver_base(&field.typ, src) {
                (t, true) => format!("(*{t}{args}).{name}"),
                (t, false) => format!("{t}{args}.{name}"),
            }
        }
        None if f.typ.type_params.is_some() => format!("{name}[...]"),
        None => name.to_string(),
    }
}

/// A receiver of a generic type: `T[K]`, `*T[K, V]`.
fn generic_receiver(typ: &letgo_go::ast::Expr) -> bool {
    use letgo_go::ast::Expr;
    match typ.unparen() {
        Expr::Star(s) => generic_receiver(&s.x),
        Expr::Index(_) | Expr::IndexList(_) => true,
        _ => false,
    }
}

/// Adds the closures directly inside `body` (not inside nested closures)
/// as children of function `parent`, then recurses into each.
fn collect_closures<'a>(
    file: usize,
    body: &'a BlockStmt,
    src: &str,
    parent: usize,
    out: &mut Vec<Func<'a>>,
) {
    if !may_hold_closures(body, src) {
        return;
    }
    let mut found: Vec<(&'a FuncLit, bool)> = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Stmt(Stmt::Go(g)) => {
            if let letgo_go::ast::Expr::FuncLit(l) = &g.call.fun {
                found.push((l, true));
                g.call.args.iter().for_each(|a| {
                    inspect(Node::expr(a), &mut |m| {
                        if let Node::Expr(letgo_go::ast::Expr::FuncLit(l)) = m {
                            found.push((l, false));
                            return false;
                        }
                        true
                    })
                });
                return false;
            }
            true
        }
        Node::Expr(letgo_go::ast::Expr::FuncLit(l)) => {
            found.push((l, false));
            false
        }
        _ => true,
    });
    let parent_is_closure =
        out[parent].parent.is_some() || matches!(out[parent].kind, FuncKind::Lit(_));
    for (i, (lit, spawned)) in found.into_iter().enumerate() {
        let name = if parent_is_closure {
            format!("{}.{}", out[parent].name, i + 1)
        } else {
            format!("{}.func{}", out[parent].name, i + 1)
        };
        out.push(Func {
            file,
            name,
            kind: FuncKind::Lit(lit),
            typ: &lit.typ,
            body: &lit.body,
            parent: Some(parent),
            spawned,
            sites: statements(&lit.body),
        });
        let me = out.len() - 1;
        collect_closures(file, &lit.body, src, me, out);
    }
}

/// Whether `body` may hold a function literal. A literal starts with the
/// keyword `func`, and searching the text for it is much cheaper than
/// walking the tree (most bodies hold none).
fn may_hold_closures(body: &BlockStmt, src: &str) -> bool {
    let text = body.span_text(src);
    // An empty text is a span that does not cut `src` cleanly: walk then.
    text.is_empty() || text.contains("func")
}

/// The function literal a call `f(...)` runs when `f` is a local
/// variable bound once to a literal (`doErr := func(err error) {...}`,
/// or `var f = func...`) and never assigned again in the enclosing
/// declaration: its index in [`functions`]. The literal is then the
/// callee as surely as a named function is.
pub fn bound_literal(cx: &PackageContext, fi: usize, call: &CallExpr) -> Option<usize> {
    let funcs = cx.functions();
    let Expr::Ident(id) = call.fun.unparen() else {
        return None;
    };
    let view = cx.types(funcs[fi].file)?;
    let o = view.object_of(id)?;
    let m = view.model();
    if m.obj(o).kind != ObjKind::Var || m.is_package_level(o) {
        return None;
    }
    let mut root = fi;
    while let Some(p) = funcs[root].parent {
        root = p;
    }
    // One walk over every binding of the variable: an assignment, or a
    // `var f = ...` spec (a spec without a value binds nothing). Exactly
    // one may exist, and it must bind a literal.
    let (mut lit, mut bindings) = (None, 0);
    inspect(Node::Block(funcs[root].body), &mut |n| {
        let pairs: Vec<(&Ident, Option<&Expr>)> = match n {
            Node::Stmt(Stmt::Assign(a)) => a
                .lhs
                .iter()
                .enumerate()
                .filter_map(|(i, l)| match l.unparen() {
                    Expr::Ident(lid) => {
                        Some((lid, (a.lhs.len() == a.rhs.len()).then(|| &a.rhs[i])))
                    }
                    _ => None,
                })
                .collect(),
            Node::Spec(Spec::Value(vs)) if !vs.values.is_empty() => vs
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| (name, vs.values.get(i)))
                .collect(),
            _ => return true,
        };
        for (id, value) in pairs {
            if view.object_of(id) != Some(o) {
                continue;
            }
            bindings += 1;
            if let Some(Expr::FuncLit(fl)) = value.map(Expr::unparen) {
                lit = Some(&**fl);
            }
        }
        true
    });
    lit_index(funcs, lit.filter(|_| bindings == 1)?)
}

/// The index of function literal `lit` among the package's functions.
pub fn lit_index(funcs: &[Func], lit: &letgo_go::ast::FuncLit) -> Option<usize> {
    funcs
        .iter()
        .position(|f| matches!(f.kind, FuncKind::Lit(l) if std::ptr::eq(l, lit)))
}

/// The function a call runs (`go` and `defer` included): its literal, or
/// the package's function or method the call resolves to (by object).
pub fn called_func<'c, 'a>(
    cx: &'c PackageContext<'a>,
    f: &Func<'a>,
    call: &CallExpr,
) -> Option<&'c Func<'a>> {
    if let Expr::FuncLit(lit) = call.fun.unparen() {
        return cx
            .functions()
            .iter()
            .find(|g| g.file == f.file && g.body.lbrace == lit.body.lbrace);
    }
    let view = cx.types(f.file)?;
    let m = view.model();
    let callee = view.object_of_expr(&call.fun)?;
    let (path, off) = m.decl_path(callee)?;
    cx.functions().iter().find(|g| {
        matches!(g.kind, FuncKind::Decl(d) if d.name.pos == off) && cx.file(g.file).path == path
    })
}

//! Same-package calls of every function, resolved by object: the call
//! graph of one package, also where no lock is in sight (the lock view
//! records calls only in packages that lock).

use crate::context::PackageContext;
use crate::locks::{callee_of, decl_index};
use letgo_go::ast::{Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};

/// A call of function `callee` at `span`; `go` tells a `go` statement's.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub callee: usize,
    pub span: Span,
    pub go: bool,
}

/// Per function (as `cx.functions()` orders them), the same-package
/// functions it calls, in source order. Nested function literals are
/// their own functions.
pub fn calls(cx: &PackageContext) -> Vec<Vec<Call>> {
    let idx = decl_index(cx);
    // Literals by where they start: `func() { ... }()` and `defer func()
    // { ... }()` call one in place.
    let lits: std::collections::HashMap<(usize, u32), usize> = cx
        .functions()
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f.kind {
            crate::funcs::FuncKind::Lit(l) => Some(((f.file, l.typ.pos()), i)),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(cx.functions().len());
    for f in cx.functions() {
        let view = cx.types(f.file);
        let mut gos: Vec<u32> = Vec::new();
        let mut here = Vec::new();
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Stmt(Stmt::Go(g)) => {
                gos.push(g.call.lparen);
                true
            }
            Node::Call(c) => {
                if let Expr::FuncLit(l) = c.fun.unparen() {
                    if let Some(&callee) = lits.get(&(f.file, l.typ.pos())) {
                        here.push(Call {
                            callee,
                            span: Span::new(c.pos(), c.end()),
                            go: gos.contains(&c.lparen),
                        });
                    }
                } else if let Some((callee, _)) = view.and_then(|v| callee_of(&v, &idx, c)) {
                    // Only the callee: the lock view's keys of the
                    // receiver and arguments (`resolve_call`) are not
                    // needed here.
                    here.push(Call {
                        callee,
                        span: Span::new(c.pos(), c.end()),
                        go: gos.contains(&c.lparen),
                    });
                }
                true
            }
            _ => true,
        });
        out.push(here);
    }
    out
}

//! Functions that run once per process: a command's `main` and `init`,
//! and a function of `package main` that only such functions call, each
//! call outside any loop and any function literal.
//!
//! What such a function leaves behind (a response body, a goroutine) is
//! left once, and lives at most until the process exits, which for a
//! command is moments later: it cannot pile up. Package `main` cannot be
//! imported, so every call of its functions is in the package itself.

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use letgo_go::ast::{Expr, FuncDecl, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjId;

/// Whether function `f` runs at most once per process. A function
/// literal does when it is started by `go` (or called where it is
/// written) outside any loop of a function that runs once.
pub fn runs_once(cx: &PackageContext, f: &Func) -> bool {
    if cx.package.name != "main" {
        return false;
    }
    match f.kind {
        FuncKind::Decl(d) => decl_runs_once(cx, f.file, d, &mut Vec::new()),
        FuncKind::Lit(l) => {
            let Some(parent) = f.parent.map(|p| &cx.functions()[p]) else {
                return false;
            };
            let at = l.typ.pos();
            let in_loop = parent.sites.iter().any(|s| match s.stmt {
                Stmt::For(x) => x.body.lbrace <= at && at < x.body.end(),
                Stmt::Range(x) => x.body.lbrace <= at && at < x.body.end(),
                _ => false,
            });
            (f.spawned || called_where_written(parent, at)) && !in_loop && runs_once(cx, parent)
        }
    }
}

/// The function of package `cx` with this trace name runs once.
pub fn named_runs_once(cx: &PackageContext, name: &str) -> bool {
    cx.package.name == "main"
        && cx
            .functions()
            .iter()
            .find(|f| f.name == name)
            .is_some_and(|f| runs_once(cx, f))
}

/// `func() { ... }()`: the literal starting at `at` is called at once.
fn called_where_written(parent: &Func, at: u32) -> bool {
    let mut found = false;
    inspect(Node::Block(parent.body), &mut |n| {
        if let Node::Call(c) = n {
            if let Expr::FuncLit(l) = c.fun.unparen() {
                found |= l.typ.pos() == at;
            }
        }
        !found
    });
    found
}

fn decl_runs_once(cx: &PackageContext, file: usize, d: &FuncDecl, seen: &mut Vec<ObjId>) -> bool {
    let src = &cx.file(file).src;
    if d.recv.is_none() && matches!(d.name.name(src), "main" | "init") {
        return true;
    }
    let Some(obj) = cx.types(file).and_then(|v| v.object_of(&d.name)) else {
        return false;
    };
    // Recursion, or a cycle of calls: not once.
    if seen.contains(&obj) || seen.len() > 8 {
        return false;
    }
    seen.push(obj);
    let once = every_use_runs_once(cx, obj, seen);
    seen.pop();
    once
}

/// Whether every use of `obj` in the package's non-test files is a
/// direct call, outside loops and function literals, in a declared
/// function that runs once (and there is at least one).
fn every_use_runs_once(cx: &PackageContext, obj: ObjId, seen: &mut Vec<ObjId>) -> bool {
    let mut calls = 0;
    for (file, sf) in cx.files() {
        // A test calling the function in a loop says nothing of how often
        // the command does.
        if sf.path.to_string_lossy().ends_with("_test.go") {
            continue;
        }
        let Some(view) = cx.types(file) else {
            return false;
        };
        for decl in &sf.ast.decls {
            let uses = uses_in(decl, |id| view.object_of(id) == Some(obj));
            if uses.total == 0 {
                continue;
            }
            let letgo_go::ast::Decl::Func(d) = decl else {
                return false;
            };
            if uses.once_calls != uses.total || !decl_runs_once(cx, file, d, seen) {
                return false;
            }
            calls += uses.total;
        }
    }
    calls > 0
}

#[derive(Default)]
struct Uses {
    total: usize,
    /// Direct calls `f(...)` outside loops and function literals.
    once_calls: usize,
}

fn uses_in(decl: &letgo_go::ast::Decl, is_obj: impl Fn(&letgo_go::ast::Ident) -> bool) -> Uses {
    let mut repeated: Vec<(u32, u32)> = Vec::new();
    let mut callees: Vec<u32> = Vec::new();
    let mut idents: Vec<u32> = Vec::new();
    let mut declared = None;
    inspect(Node::decl(decl), &mut |n| {
        match n {
            Node::Stmt(Stmt::For(s)) => repeated.push((s.body.lbrace, s.body.end())),
            Node::Stmt(Stmt::Range(s)) => repeated.push((s.body.lbrace, s.body.end())),
            Node::Expr(Expr::FuncLit(l)) => repeated.push((l.body.lbrace, l.body.end())),
            Node::Call(c) => {
                if let Expr::Ident(id) = c.fun.unparen() {
                    callees.push(id.pos);
                }
            }
            // A declaration's own name is not a use.
            Node::FuncDecl(d) => declared = Some(d.name.pos),
            Node::Ident(id) if is_obj(id) && Some(id.pos) != declared => idents.push(id.pos),
            _ => {}
        }
        true
    });
    let once = |p: &u32| callees.contains(p) && !repeated.iter().any(|&(a, b)| a <= *p && *p < b);
    Uses {
        total: idents.len(),
        once_calls: idents.iter().filter(|p| once(p)).count(),
    }
}

/// Whether what channel `ch` can abandon is abandoned once per process:
/// every function in `receivers` runs once, the channel is not made
/// inside a loop (a channel per round, abandoned per round), and its
/// goroutines are started outside loops or by a receiver itself (whose
/// loops end when it stops receiving, so the senders left are those
/// started before: a number reached once, not one that grows).
pub fn channel_once(
    cx: &PackageContext,
    ch: &crate::channels::Channel,
    receivers: &[&str],
) -> bool {
    let spawned_elsewhere = ch
        .spawns
        .iter()
        .any(|s| s.in_loop && !receivers.contains(&s.function.as_str()));
    if cx.package.name != "main" || spawned_elsewhere {
        return false;
    }
    let made_in_loop = ch.origin.as_ref().is_some_and(|o| {
        o.maker(cx).is_none_or(|f| {
            f.sites.iter().any(|s| match s.stmt {
                Stmt::For(x) => x.body.lbrace <= o.make.start && o.make.start < x.body.end(),
                Stmt::Range(x) => x.body.lbrace <= o.make.start && o.make.start < x.body.end(),
                _ => false,
            })
        })
    });
    !made_in_loop && !receivers.is_empty() && receivers.iter().all(|r| named_runs_once(cx, r))
}
